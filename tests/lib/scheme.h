/*
 * scheme.h - an external test scheme ("t-scheme") served in a test's own
 * process or a forked child, and the consumer side that checks its
 * answers: the set-up the tests of ringd's attach/accept path share.
 *
 * Every helper reports through tap and ends the sub-test on failure.
 */
#ifndef TESTS_SCHEME_H
#define TESTS_SCHEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ring/ctl.h>
#include <ring/ring.h>

struct td;

/* The test scheme's name and the three opcodes it declares. */
#define TS_NAME "t-scheme"
extern const uint8_t ts_ops[3];

/* What the test scheme answers: a function of the whole SQE. */
uint64_t ts_result(const struct ring_sqe *s);

/* A ring the scheme accepted, and how much it served. */
struct ts_served {
	struct ring *r;
	uint64_t id;
	uint64_t n;
	bool done;
};

/*
 * Serve the rings in v (accepted already) until each was shut down by
 * its consumer, answering with ts_result(); then leave each ring and
 * tell ringd (CLOSE).  Fails after 20 s.
 */
void ts_serve_until_shutdown(struct ring_ctl *sc, struct ts_served *v,
    unsigned nv);
/* Consumer side: n round trips and a pipelined burst of 8 through r. */
void ts_consume(struct ring *r, uint64_t base, unsigned n);
/* Check that an attach names who opened it and with what. */
void ts_check_attach(const struct ring_attach *a, const char *scheme,
    pid_t pid, uid_t uid, gid_t gid, uint32_t sq, uint32_t flags,
    uint64_t pool);

/* ring_ctl_open() with these parameters must return want. */
void ts_expect_open(struct ring_ctl *c, const char *scheme, uint32_t sq,
    uint32_t cq, uint32_t flags, uint32_t reserved, uint64_t pool, int want);
/* This process's command name, as ringd reads it from /proc. */
void ts_self_comm(char *buf, size_t len);

/*
 * A scheme in a forked child: makes the pipe p (tu_pipe()) and forks; the
 * child connects to d's ringd, registers name with opcodes ops[0..nops),
 * notifies p[1] and gets 0, its connection in *sc.  The parent gets the
 * child's pid once the name is registered (*sc untouched).
 */
pid_t ts_fork_registered(const struct td *d, const char *name,
    const uint8_t *ops, size_t nops, int p[2], struct ring_ctl **sc);

/*
 * The scheme in a forked child, the usual set-up of a test whose producer
 * dies or misbehaves: makes the pipe p (tu_pipe()) and forks; the child
 * connects to d's ringd, registers name (no opcodes), notifies p[1],
 * waits up to 5 s for an attach and accepts it, and gets the ring back
 * (*pid is 0 there).  The parent gets NULL and the child's pid in *pid,
 * once the name is registered.
 */
struct ring *ts_fork_scheme(const struct td *d, const char *name, int p[2],
    pid_t *pid);

/*
 * A scheme name (opcodes 0, 3, 4 and 200) in a helper process that accepts
 * one ring and never serves it.  Returns once it registered; it notifies
 * ready[1] again once it accepted, and leaves when done[1] is notified.
 */
pid_t ts_idle_scheme(const struct td *d, const char *name, int ready[2],
    int done[2]);

#endif /* TESTS_SCHEME_H */
