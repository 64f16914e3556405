/*
 * <redox/ring-scheme.h> - the 2026 redox_ring format, and the scheme side.
 *
 * The shared-memory format of relibc's redox_ring (Redox, 2026), which
 * <redox/ring.h>'s consumer functions use, and what a scheme needs to
 * serve those rings through ringd: the entry formats of the two upstream
 * protocols, one queue as either side maps it, and a scheme's ring (its
 * SQ to pop, its CQ to push, the doorbell and the pool).
 *
 * A queue is one shared-memory object of exactly
 * REDOX_RING_HEADER_SIZE + n * item bytes: head (u32) at offset 0 and tail
 * (u32) at REDOX_RING_TAIL_OFF, each on its own cache lines, entries from
 * offset 256, n a power of two.  Indices run free modulo 2^31; bit 31 of
 * an index (REDOX_RING_WAITING) says its writer sleeps: on head, the
 * popper waits (futex) on the tail word; on tail, the pusher waits on the
 * head word.  Only the pusher writes tail, only the popper head.  A
 * queue whose tail - head exceeds n is broken.
 *
 * The header's padding is the suite's: REDOX_RING_STATE_OFF holds
 * REDOX_RING_STATE_DEAD once ringd saw the other side go (Redox programs
 * never look there).
 *
 * Functions return 0 (or a count) or -errno; nothing read from shared
 * memory is trusted.
 */
#ifndef REDOX_RING_SCHEME_H
#define REDOX_RING_SCHEME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ring/ctl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REDOX_RING_HEADER_SIZE 256u
#define REDOX_RING_HEAD_OFF 0u
#if defined(__x86_64__)
#define REDOX_RING_TAIL_OFF 128u /* redox-rings' CachePadded: 128 on x86_64 */
#else
#define REDOX_RING_TAIL_OFF 64u
#endif
#define REDOX_RING_STATE_OFF 192u /* u32 in the tail's padding: ringd's */
#define REDOX_RING_STATE_DEAD 0x44414544u /* the other side is gone */
#define REDOX_RING_WAITING 0x80000000u
#define REDOX_RING_INDEX_MASK 0x7fffffffu
#define REDOX_RING_SPIN 100 /* tries before a sleep */
#define REDOX_RING_MAX_SQ 32768u
#define REDOX_RING_MAX_CQ 65536u
#define REDOX_RING_SETUP_CQSIZE 0x1u /* ring_ctl_redox_params.flags */
#define REDOX_RING_DEFAULT_CHUNK 4096u

/* --- entry formats of the upstream protocols (redox_rings::op) --- */

enum redox_op_kind {
	REDOX_OP_READ = 0,
	REDOX_OP_WRITE = 1,
};

/* The disk protocol: blocks of the disk's block size (512 here). */
struct redox_disk_sqe {
	uint8_t opcode; /* enum redox_op_kind */
	uint8_t pad[3];
	uint32_t file_idx; /* index in the fixed file table */
	uint64_t block;
	uint32_t buf_offset; /* in the pool */
	uint32_t buf_len;    /* a multiple of the block size */
	uint64_t user_data;
};

struct redox_disk_cqe {
	uint64_t user_data;
	uint32_t count;	 /* bytes done */
	uint16_t status; /* 0 or an errno */
	uint16_t pad;
};

/* The file protocol: byte offsets in a file. */
struct redox_fs_sqe {
	uint8_t opcode; /* enum redox_op_kind */
	uint8_t pad[3];
	uint32_t file_idx;
	uint64_t off;
	uint32_t buf_offset;
	uint32_t buf_len;
	uint64_t user_data;
};

struct redox_fs_cqe {
	uint64_t user_data;
	int32_t res; /* bytes done, or a (positive, as upstream) errno */
	uint32_t pad;
};

_Static_assert(sizeof(struct redox_disk_sqe) == 32, "DiskOpSqe is 32 bytes");
_Static_assert(sizeof(struct redox_disk_cqe) == 16, "DiskOpCqe is 16 bytes");
_Static_assert(sizeof(struct redox_fs_sqe) == 32, "FsOpSqe is 32 bytes");
_Static_assert(sizeof(struct redox_fs_cqe) == 16, "FsOpCqe is 16 bytes");

/* --- one queue --- */

enum redox_queue_role {
	REDOX_QUEUE_PUSH = 1, /* we write tail */
	REDOX_QUEUE_POP,      /* we write head */
};

struct redox_queue {
	uint8_t *map; /* the whole object */
	size_t map_len;
	uint32_t *head, *tail, *state; /* in map; accessed atomically */
	uint8_t *entries;
	uint32_t n, mask, item;
	uint32_t own; /* our index (we are its only writer), masked */
	uint32_t role;
	bool broken; /* the peer's index was impossible: stays set */
	int slice_ms; /* longest futex sleep in the waits: 0 is 100 ms, */
		      /* < 0 no limit (tests: a lost wake-up then hangs) */
};

/*
 * Map an existing queue object read-write.  Capacity comes from the size
 * as the consumer library derives it: the largest power of two <= (size -
 * 256) / item; -EINVAL when that is 0 or over REDOX_RING_MAX_CQ, or the
 * object is not a sealed (F_SEAL_SHRINK) file.  Our index starts at the
 * header's value.
 */
int redox_queue_map(struct redox_queue *q, int fd, uint32_t item,
    enum redox_queue_role role);
/*
 * Make a queue object of exactly 256 + n * item bytes (n a power of two,
 * 1..REDOX_RING_MAX_CQ) as a sealable memfd with a zeroed header, and map
 * it.  *fd is ours to close.
 */
int redox_queue_create(struct redox_queue *q, int *fd, uint32_t n,
    uint32_t item, enum redox_queue_role role);
void redox_queue_unmap(struct redox_queue *q);

/* Entries ready for the popper (0 when broken). */
uint32_t redox_queue_fill(const struct redox_queue *q);
/*
 * Pusher: copy item in and publish it; wake a sleeping popper (futex on
 * tail).  -EAGAIN when full, -EIO when broken.
 */
int redox_queue_push(struct redox_queue *q, const void *item);
/* Pusher, in two steps: a slot to fill (NULL when full or broken)... */
void *redox_queue_reserve(struct redox_queue *q, uint32_t ahead);
/* ... then publish count reserved slots at once (and wake). */
int redox_queue_publish(struct redox_queue *q, uint32_t count);
/*
 * Popper: copy the next entry out (without consuming it when peek) and
 * consume it; wake a sleeping pusher.  -EAGAIN empty, -EIO broken.
 */
int redox_queue_peek(struct redox_queue *q, void *item);
int redox_queue_consume(struct redox_queue *q, uint32_t count);
int redox_queue_pop(struct redox_queue *q, void *item);
/*
 * Popper: sleep until an entry is ready, spinning REDOX_RING_SPIN times
 * first, then with WAITING set on head and a futex wait on tail, at most
 * timeout_ms (< 0: no limit).  0 when one is ready, -ETIMEDOUT, -EIO
 * broken, -EPIPE when the header says the other side is gone.
 */
int redox_queue_wait_pop(struct redox_queue *q, int timeout_ms);
/* Pusher: the same, for space. */
int redox_queue_wait_push(struct redox_queue *q, int timeout_ms);
/* The header says the other side is gone (REDOX_RING_STATE_DEAD). */
bool redox_queue_dead(const struct redox_queue *q);

/* --- the scheme's side of a ring --- */

struct redox_sring {
	uint64_t ring_id;
	struct redox_queue sq; /* we pop */
	struct redox_queue cq; /* we push */
	int doorbell;	       /* our end: readable when the consumer rang */
	int pool_fd;
	uint8_t *pool;
	uint32_t pool_size;
	struct ring_ctl_redox_params params; /* as made */
	struct ring_ctl_peer consumer;
	int files[RING_CTL_REDOX_FILES_MAX]; /* the fixed file table, -1 */
	unsigned nfiles;
};

/*
 * Make the objects for a SETUP event as upstream schemes size them: SQ
 * next_power_of_two(sq_entries) (1..REDOX_RING_MAX_SQ), CQ twice that (the
 * CQSIZE flag is checked but, as upstream, does not change it), entries
 * of sqe_size / cqe_size bytes (the scheme's formats: -EINVAL when the
 * consumer asked for other sizes), a pool of pool_size bytes (> 0).  On
 * success *give holds the four descriptors for ring_ctl_redox_accept()
 * (the caller closes them after) and r->params the sizes made.
 */
int redox_sring_create(struct redox_sring *r,
    const struct ring_ctl_redox_event *setup, uint32_t sqe_size,
    uint32_t cqe_size, struct ring_ctl_redox_fds *give);
/* Unmap and close everything, file table included. */
void redox_sring_destroy(struct redox_sring *r);
/*
 * Read the doorbell dry (non-blocking): 0, or -EPIPE when the consumer's
 * end is closed.
 */
int redox_sring_drain(struct redox_sring *r);
/*
 * Take a FILES event's descriptors as the file table (replacing the old
 * one): the count, after which ev->nfds is 0.
 */
int redox_sring_set_files(struct redox_sring *r,
    struct ring_ctl_redox_event *ev);
/* A pool range, checked: its address, or NULL when out of the pool. */
void *redox_sring_buf(const struct redox_sring *r, uint32_t offset,
    uint32_t len);

#ifdef __cplusplus
}
#endif

#endif /* REDOX_RING_SCHEME_H */
