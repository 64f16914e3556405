/*
 * ring/abi.h - the shared-memory layout of a ring pair, byte for byte.
 *
 * This header is the single definition of everything two processes (and
 * ringd) must agree on when they share a ring pair: the entry formats of
 * Redox's io_uring v1 ABI, the ring header, the project's own per-ring
 * words, the layout of the memory file that holds a pair, and the constant
 * values (opcodes, flags, status bits, physalloc3 flags).
 *
 * Fixed-width types only; every size, alignment and offset is pinned by a
 * static assertion at the end of the file.  All words are native-endian.
 *
 * Roles follow the Redox RFC: the *consumer* makes calls (pushes SQEs, pops
 * CQEs); the *producer* serves them (pops SQEs, pushes CQEs).  In each queue
 * the pusher is the only writer of tail_index and push_epoch, the popper the
 * only writer of head_index and pop_epoch.
 */
#ifndef RING_ABI_H
#define RING_ABI_H

#include <stddef.h>
#include <stdint.h>

#define RING_ABI_VERSION 1

/* Submission queue entry, 64-bit form (Redox SqEntry64). */
struct ring_sqe {
	uint8_t opcode;		/* RING_OP_* or >= RING_OP_PRODUCER_BASE */
	uint8_t flags;		/* RING_SQE_* */
	uint16_t priority;	/* scheduling hint; 0 is normal */
	uint32_t syscall_flags; /* opcode-specific flags (e.g. open flags) */
	uint64_t fd;		/* producer-local handle */
	uint64_t len;		/* byte count of the buffer at addr */
	uint64_t user_data;	/* echoed verbatim in the CQE, never followed */
	uint64_t addr;		/* byte offset into the ring's buffer pool */
	uint64_t offset;	/* file/device position */
	uint64_t additional1;	/* opcode-specific */
	uint64_t additional2;	/* opcode-specific */
} __attribute__((aligned(64)));

/* Completion queue entry, 64-bit form (Redox CqEntry64). */
struct ring_cqe {
	uint64_t user_data; /* user_data of the SQE this completes */
	uint64_t status;    /* result, or a negative errno cast to u64 */
	uint64_t flags;	    /* RING_CQE_* */
	uint64_t extra;	    /* opcode-specific second result */
} __attribute__((aligned(32)));

/* Submission queue entry, 32-bit form (Redox SqEntry32). */
struct ring_sqe32 {
	uint8_t opcode;
	uint8_t flags;
	uint16_t priority;
	uint32_t syscall_flags;
	uint32_t fd;
	uint32_t len;
	uint32_t user_data;
	uint32_t addr;
	uint64_t offset;
} __attribute__((aligned(32)));

/* Completion queue entry, 32-bit form (Redox CqEntry32). */
struct ring_cqe32 {
	uint32_t user_data;
	uint32_t status; /* result, or a negative errno cast to u32 */
	uint32_t flags;
	uint32_t extra;
} __attribute__((aligned(16)));

/* Standard opcodes, in Redox's StandardOpcode declaration order. */
enum {
	RING_OP_NOOP = 0,
	RING_OP_OPEN = 1,
	RING_OP_CLOSE = 2,
	RING_OP_READ = 3,
	RING_OP_WRITE = 4,
	RING_OP_SEEK = 5,
	RING_OP_FSTAT = 6,
	RING_OP_FSTATVFS = 7,
	RING_OP_MMAP = 8,
	RING_OP_MUNMAP = 9,
	RING_OP_FSYNC = 10,
	RING_OP_FILES_UPDATE = 11,
	RING_OP_REGULAR_SYSCALL = 12,
	RING_OP_STANDARD_COUNT = 13,
	/* Values from here up belong to the producer (scheme). */
	RING_OP_PRODUCER_BASE = 128,
};

/* SQE flags. */
#define RING_SQE_SUBSCRIBE 0x01u /* keep the request live for events */
#define RING_SQE_DRAIN 0x02u	 /* start only after earlier SQEs complete */
#define RING_SQE_CHAIN 0x04u	 /* the next SQE depends on this one */
#define RING_SQE_KNOWN (RING_SQE_SUBSCRIBE | RING_SQE_DRAIN | RING_SQE_CHAIN)

/* CQE flags. */
#define RING_CQE_MORE 0x01u /* a SUBSCRIBE request will complete again */
#define RING_CQE_KNOWN (RING_CQE_MORE)

/*
 * Queue status bits (ring_header.status).  Bits are only ever set, with an
 * atomic OR, by either side or by ringd; nothing clears them.
 */
#define RING_STATUS_DROP 0x01u	 /* a side left: drain, then ESHUTDOWN */
#define RING_STATUS_BROKEN 0x02u /* a reader found the queue inconsistent */
#define RING_STATUS_KNOWN (RING_STATUS_DROP | RING_STATUS_BROKEN)

/*
 * Wait words (ring_header_page.pop_wait / push_wait).  A side about to sleep
 * stores how it sleeps; the side that makes progress clears the word with an
 * atomic exchange and wakes it the way the old value says.
 */
#define RING_WAIT_FUTEX 0x01u	 /* sleeping in FUTEX_WAIT on the word itself */
#define RING_WAIT_DOORBELL 0x02u /* sleeping in poll on its doorbell socket */
/*
 * With RING_WAIT_DOORBELL: the doorbell is for entries alone.  A push
 * rings it as for RING_WAIT_DOORBELL; a side that sets DROP or BROKEN
 * need not, the sleeper learning that the ring ended another way (ringd,
 * serving a ring nobody has used yet, from the consumer's control
 * connection).  A waker that does not know the bit rings anyway.
 */
#define RING_WAIT_ENTRIES 0x04u

/*
 * Fence words (ring_header_page.pop_fence / push_fence), written only by
 * the side that sleeps on the wait word before it.  RING_FENCE_MEMBARRIER
 * promises that this side, between announcing a sleep and re-reading the
 * peer's index, runs membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED).  A
 * waker whose process registered for that barrier may then skip its own
 * full barrier between its index store and its read of the wait word.
 * Any other value promises nothing: the waker keeps its barrier.
 */
#define RING_FENCE_MEMBARRIER 0x01u

/* physalloc3's flags are in <ring/phys.h> (RING_PHYS_*), with its API. */

/* Size of one cache "line" as the header lays it out (two x86 lines). */
#define RING_LINE 128
#define RING_PAGE 4096

/*
 * The Redox ring header: six 64-bit words, each alone on a 128-byte line so
 * that the two sides never write the same line.
 */
struct ring_header {
	_Alignas(RING_LINE) uint64_t entry_count; /* power of two; set once */
	_Alignas(RING_LINE) uint64_t head_index;  /* popper: raw index mod 2n */
	_Alignas(RING_LINE) uint64_t tail_index;  /* pusher: raw index mod 2n */
	_Alignas(RING_LINE) uint64_t status;	  /* RING_STATUS_* */
	_Alignas(RING_LINE) uint64_t push_epoch;  /* pusher: entries pushed */
	_Alignas(RING_LINE) uint64_t pop_epoch;	  /* popper: entries popped */
};

/*
 * One queue's header page: the Redox header followed by the project's own
 * words.  Each fence word shares the line of the wait word it speaks for,
 * which the waker reads anyway.  Everything after push_fence is reserved
 * and zero.
 */
struct ring_header_page {
	struct ring_header h;
	/* popper sleeps for entries: RING_WAIT_* (set by popper, cleared by waker) */
	_Alignas(RING_LINE) uint32_t pop_wait;
	uint32_t pop_fence; /* RING_FENCE_*, set by the popper */
	/* pusher sleeps for space: RING_WAIT_* (set by pusher, cleared by waker) */
	_Alignas(RING_LINE) uint32_t push_wait;
	uint32_t push_fence; /* RING_FENCE_*, set by the pusher */
	uint8_t reserved[RING_PAGE - 7 * RING_LINE - 8];
} __attribute__((aligned(RING_PAGE)));

/*
 * One entry of the producer's in-service table: an SQE the producer has
 * taken from the SQ and not yet answered with a final CQE (one without
 * RING_CQE_MORE).  The table has sq_entries entries and only the producer
 * writes it; it exists so that whoever takes a dead producer's place can
 * tell which requests still need an answer.  Counts are 64-bit totals,
 * not raw indices:
 *
 *   an entry is in service  iff  0 < sq_seq <= SQEs popped (published head)
 *                           and  not (0 < done_seq <= CQEs pushed (published tail))
 *
 * The producer writes sq_seq, user_data and done_seq = 0 before the head
 * store that takes the SQE, and done_seq before the tail store that
 * publishes the answer, so the rule holds whenever the producer stops.
 */
struct ring_held {
	uint64_t sq_seq;    /* 1 + SQEs popped before this one; 0: unused */
	uint64_t user_data; /* the SQE's user_data (widened) */
	uint64_t done_seq;  /* 0, or CQEs pushed including the final answer */
	uint64_t reserved;  /* zero */
};

/* Pair flags (ring_pair_desc.flags). */
#define RING_PAIR_BITS_32 0x01u /* 32-bit entries (SqEntry32/CqEntry32) */
#define RING_PAIR_KNOWN (RING_PAIR_BITS_32)

#define RING_PAIR_MAGIC 0x3152494150474e52ull /* "RNGPAIR1" little-endian */

/* Limits every reader enforces on a pair description. */
#define RING_MAX_ENTRIES 32768u
#define RING_MAX_POOL (1ull << 30)
#define RING_POOL_BLOCK 64u /* pool allocation granule, bytes */

/*
 * Page 0 of a pair's memory file: what the creator built.  Readers copy it
 * once (pread), validate every field and derive all offsets themselves with
 * ring_layout(); nothing here is trusted beyond that.
 */
struct ring_pair_desc {
	uint64_t magic;	      /* RING_PAIR_MAGIC */
	uint32_t version;     /* RING_ABI_VERSION */
	uint32_t flags;	      /* RING_PAIR_* */
	uint32_t sq_entries;  /* power of two, 1..RING_MAX_ENTRIES */
	uint32_t cq_entries;  /* power of two, 1..RING_MAX_ENTRIES */
	uint64_t pool_bytes;  /* multiple of RING_PAGE, 0..RING_MAX_POOL */
	uint64_t reserved[4]; /* zero */
};

/*
 * Layout of a pair's memory file, in this order, every part page-aligned:
 *   desc page | SQ header page | CQ header page | SQ entries | CQ entries |
 *   in-service table (sq_entries struct ring_held) |
 *   pool bitmap (one bit per RING_POOL_BLOCK) | pool
 */
struct ring_layout {
	uint64_t sq_hdr, cq_hdr, sq_ents, cq_ents, held, pool_map, pool, total;
};

static inline uint64_t
ring_page_round(uint64_t v)
{
	return (v + RING_PAGE - 1) & ~(uint64_t)(RING_PAGE - 1);
}

/* Offsets of a pair's parts; inputs must already be validated. */
static inline struct ring_layout
ring_layout(uint32_t flags, uint32_t sq_entries, uint32_t cq_entries,
    uint64_t pool_bytes)
{
	struct ring_layout l;
	uint64_t sqe = (flags & RING_PAIR_BITS_32) ? sizeof(struct ring_sqe32)
						   : sizeof(struct ring_sqe);
	uint64_t cqe = (flags & RING_PAIR_BITS_32) ? sizeof(struct ring_cqe32)
						   : sizeof(struct ring_cqe);

	l.sq_hdr = RING_PAGE;
	l.cq_hdr = 2 * RING_PAGE;
	l.sq_ents = 3 * RING_PAGE;
	l.cq_ents = l.sq_ents + ring_page_round(sqe * sq_entries);
	l.held = l.cq_ents + ring_page_round(cqe * cq_entries);
	l.pool_map = l.held +
	    ring_page_round(sizeof(struct ring_held) * (uint64_t)sq_entries);
	l.pool = l.pool_map + ring_page_round(pool_bytes / RING_POOL_BLOCK / 8);
	l.total = l.pool + pool_bytes;
	return l;
}

_Static_assert(sizeof(struct ring_sqe) == 64, "SqEntry64 size");
_Static_assert(_Alignof(struct ring_sqe) == 64, "SqEntry64 align");
_Static_assert(offsetof(struct ring_sqe, opcode) == 0, "sqe.opcode");
_Static_assert(offsetof(struct ring_sqe, flags) == 1, "sqe.flags");
_Static_assert(offsetof(struct ring_sqe, priority) == 2, "sqe.priority");
_Static_assert(offsetof(struct ring_sqe, syscall_flags) == 4,
    "sqe.syscall_flags");
_Static_assert(offsetof(struct ring_sqe, fd) == 8, "sqe.fd");
_Static_assert(offsetof(struct ring_sqe, len) == 16, "sqe.len");
_Static_assert(offsetof(struct ring_sqe, user_data) == 24, "sqe.user_data");
_Static_assert(offsetof(struct ring_sqe, addr) == 32, "sqe.addr");
_Static_assert(offsetof(struct ring_sqe, offset) == 40, "sqe.offset");
_Static_assert(offsetof(struct ring_sqe, additional1) == 48, "sqe.additional1");
_Static_assert(offsetof(struct ring_sqe, additional2) == 56, "sqe.additional2");

_Static_assert(sizeof(struct ring_cqe) == 32, "CqEntry64 size");
_Static_assert(_Alignof(struct ring_cqe) == 32, "CqEntry64 align");
_Static_assert(offsetof(struct ring_cqe, user_data) == 0, "cqe.user_data");
_Static_assert(offsetof(struct ring_cqe, status) == 8, "cqe.status");
_Static_assert(offsetof(struct ring_cqe, flags) == 16, "cqe.flags");
_Static_assert(offsetof(struct ring_cqe, extra) == 24, "cqe.extra");

_Static_assert(sizeof(struct ring_sqe32) == 32, "SqEntry32 size");
_Static_assert(_Alignof(struct ring_sqe32) == 32, "SqEntry32 align");
_Static_assert(offsetof(struct ring_sqe32, opcode) == 0, "sqe32.opcode");
_Static_assert(offsetof(struct ring_sqe32, flags) == 1, "sqe32.flags");
_Static_assert(offsetof(struct ring_sqe32, priority) == 2, "sqe32.priority");
_Static_assert(offsetof(struct ring_sqe32, syscall_flags) == 4,
    "sqe32.syscall_flags");
_Static_assert(offsetof(struct ring_sqe32, fd) == 8, "sqe32.fd");
_Static_assert(offsetof(struct ring_sqe32, len) == 12, "sqe32.len");
_Static_assert(offsetof(struct ring_sqe32, user_data) == 16, "sqe32.user_data");
_Static_assert(offsetof(struct ring_sqe32, addr) == 20, "sqe32.addr");
_Static_assert(offsetof(struct ring_sqe32, offset) == 24, "sqe32.offset");

_Static_assert(sizeof(struct ring_cqe32) == 16, "CqEntry32 size");
_Static_assert(_Alignof(struct ring_cqe32) == 16, "CqEntry32 align");
_Static_assert(offsetof(struct ring_cqe32, user_data) == 0, "cqe32.user_data");
_Static_assert(offsetof(struct ring_cqe32, status) == 4, "cqe32.status");
_Static_assert(offsetof(struct ring_cqe32, flags) == 8, "cqe32.flags");
_Static_assert(offsetof(struct ring_cqe32, extra) == 12, "cqe32.extra");

_Static_assert(sizeof(struct ring_header) == 6 * RING_LINE, "header size");
_Static_assert(offsetof(struct ring_header, entry_count) == 0 * RING_LINE,
    "h.entry_count");
_Static_assert(offsetof(struct ring_header, head_index) == 1 * RING_LINE,
    "h.head_index");
_Static_assert(offsetof(struct ring_header, tail_index) == 2 * RING_LINE,
    "h.tail_index");
_Static_assert(offsetof(struct ring_header, status) == 3 * RING_LINE,
    "h.status");
_Static_assert(offsetof(struct ring_header, push_epoch) == 4 * RING_LINE,
    "h.push_epoch");
_Static_assert(offsetof(struct ring_header, pop_epoch) == 5 * RING_LINE,
    "h.pop_epoch");

_Static_assert(sizeof(struct ring_header_page) == RING_PAGE,
    "header page size");
_Static_assert(offsetof(struct ring_header_page, pop_wait) == 6 * RING_LINE,
    "pop_wait");
_Static_assert(offsetof(struct ring_header_page, pop_fence) ==
	6 * RING_LINE + 4,
    "pop_fence");
_Static_assert(offsetof(struct ring_header_page, push_wait) == 7 * RING_LINE,
    "push_wait");
_Static_assert(offsetof(struct ring_header_page, push_fence) ==
	7 * RING_LINE + 4,
    "push_fence");
_Static_assert(offsetof(struct ring_header_page, reserved) == 7 * RING_LINE + 8,
    "reserved");

_Static_assert(sizeof(struct ring_held) == 32, "held entry size");
_Static_assert(offsetof(struct ring_held, user_data) == 8, "held.user_data");
_Static_assert(offsetof(struct ring_held, done_seq) == 16, "held.done_seq");

_Static_assert(sizeof(struct ring_pair_desc) == 64, "pair desc size");
_Static_assert(offsetof(struct ring_pair_desc, sq_entries) == 16,
    "desc.sq_entries");
_Static_assert(offsetof(struct ring_pair_desc, pool_bytes) == 24,
    "desc.pool_bytes");

#endif /* RING_ABI_H */
