/*
 * testutil.h - helpers the libring tests share: pairs built by the library
 * or by hand, raw mappings of a pair's memory file, deterministic
 * random numbers, sequence-number payloads and pipe handshakes.
 *
 * Every helper that can fail reports through the harness (tap.h) and ends
 * the sub-test.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ring/ring.h>

#include "../../common/common.h"
#include "tap.h"

void tu_sleep_ms(unsigned ms);

/* Deterministic per-process random numbers (RING_TEST_SEED overrides). */
void tu_srand(uint64_t salt);
uint64_t tu_rand(void);
uint64_t tu_rand_below(uint64_t n);

/* Create a pair with the library; fails the sub-test on error. */
void tu_create(struct ring_fds *fds, uint32_t sq, uint32_t cq, uint32_t flags,
    uint64_t pool);
/* Every handle tu_open() made (for valgrind: see testutil.c). */
extern struct ring *volatile tu_handles[64];
struct ring *tu_open(const struct ring_fds *fds, enum ring_role role);

/* Map a whole memory file MAP_SHARED with prot; *len gets its size. */
void *tu_map(int fd, size_t *len, int prot);
/* The SQ or CQ header page inside such a mapping. */
struct ring_header_page *tu_sq_hdr(void *map);
struct ring_header_page *tu_cq_hdr(void *map);

/*
 * Build a pair's descriptors by hand: a memfd of file_size bytes holding
 * the description d on page 0 and entry_count words taken from d in the two
 * header pages, sealed with seals (0 for none); a fresh doorbell socket pair.
 */
void tu_build(const struct ring_pair_desc *d, uint64_t file_size, int seals,
    struct ring_fds *fds);
/* A valid description for these parameters, as the library would write. */
struct ring_pair_desc tu_desc(uint32_t sq, uint32_t cq, uint32_t flags,
    uint64_t pool);
uint64_t tu_desc_size(const struct ring_pair_desc *d);

/*
 * Wait until the SQ's (cq false) or CQ's wait word of the popper (or of
 * the pusher, push_side) says that side sleeps; fail after 5 s.
 */
void tu_await_sleeper(const struct ring *r, bool cq, bool push_side);

/* Whether this process runs under valgrind (which ptrace cannot step). */
bool tu_under_valgrind(void);

/* Number of open file descriptors of this process. */
int tu_count_fds(void);

/* One-byte handshakes over a pipe; tu_await fails after timeout_ms. */
void tu_pipe(int p[2]);
/* Close both descriptors of such a pipe (or of a socket pair). */
void tu_pipe_close(int p[2]);
void tu_notify(int fd);
void tu_await(int fd, int timeout_ms);

/*
 * Payloads derived from a sequence number: every field of the entry is a
 * function of seq, so a torn, stale, lost, duplicated or reordered entry
 * is caught by comparing with what seq should give.  b32 keeps values that
 * fit a 32-bit pair.
 */
void tu_sqe_make(struct ring_sqe *e, uint64_t seq, bool b32);
bool tu_sqe_same(const struct ring_sqe *a, const struct ring_sqe *b);
void tu_cqe_make(struct ring_cqe *e, uint64_t seq, uint64_t sum, bool b32);
bool tu_cqe_same(const struct ring_cqe *a, const struct ring_cqe *b);
/* An SQE with these fields and every other field zero. */
struct ring_sqe tu_sqe(uint8_t op, uint64_t ud, uint64_t addr, uint64_t len);
/* Fold an entry into a running checksum. */
uint64_t tu_sum_sqe(uint64_t sum, const struct ring_sqe *e);

/*
 * The compiler flags a test adds when it builds a program against this
 * build's libraries: under make SAN=1 they are instrumented, so the
 * program must be too.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TU_CC_SAN "-fsanitize=address,undefined "
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_CC_SAN "-fsanitize=address,undefined "
#endif
#endif
#ifndef TU_CC_SAN
#define TU_CC_SAN ""
#endif

#endif /* TESTUTIL_H */
