/*
 * fuzz-ring.c - libFuzzer target: libring's validation of shared memory.
 *
 * A pair's memory file is written by the peer, so everything libring reads
 * from it is hostile.  Each input picks one of a few pair shapes, restores
 * a freshly created pair's bytes, and then runs a program of operations on
 * it: word-sized writes anywhere in the file (the description page, the
 * headers and their epochs, status and wait words, entries, the in-service
 * table, the pool bitmap), opens of either side, and the data-path calls of
 * both sides (pushes, pops, batches, peeks, reservations, waits that only
 * poll, pool allocation and resolution, cancellation, a producer's close
 * and reopen that adopts what it left in service).
 *
 * What must hold: no crash and no access outside the mapping (a pointer
 * from ring_pool_resolve() is read over its whole length), every call
 * returns a value or a -errno, never anything else.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ring/ring.h>

#include "fuzz.h"

struct fz_shape {
	struct ring_params p;
	struct ring_fds fds;
	size_t size;
	uint8_t *map;	  /* the file, shared: writes act like a peer's */
	uint8_t *pristine; /* its bytes as created */
};

static struct fz_shape fz_shapes[] = {
	{ .p = { .sq_entries = 4, .pool_bytes = 4096 } },
	{ .p = { .sq_entries = 8, .cq_entries = 2, .flags = RING_PAIR_BITS_32 } },
	{ .p = { .sq_entries = 1, .cq_entries = 16, .pool_bytes = 8192 } },
	{ .p = { .sq_entries = 2, .cq_entries = 4, .flags = RING_PAIR_BITS_32,
	    .pool_bytes = 4096 } },
};
#define FZ_NSHAPES (sizeof(fz_shapes) / sizeof(fz_shapes[0]))

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned i;

	(void)argc;
	(void)argv;
	for (i = 0; i < FZ_NSHAPES; i++) {
		struct fz_shape *s = &fz_shapes[i];
		off_t end;

		if (ring_pair_create(&s->p, &s->fds) < 0 ||
		    (end = lseek(s->fds.mem, 0, SEEK_END)) <= 0)
			abort();
		s->size = (size_t)end;
		s->map = mmap(NULL, s->size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, s->fds.mem, 0);
		if (s->map == MAP_FAILED || (s->pristine = malloc(s->size)) == NULL)
			abort();
		memcpy(s->pristine, s->map, s->size);
	}
	return 0;
}

/* The program: a cursor over the input. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static uint64_t
fz_take(struct fz_in *in, unsigned bytes)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < bytes && in->n > 0; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

static void
fz_check(long rc)
{
	if (rc < -4095)
		abort();
}

static void
fz_sqe(struct fz_in *in, struct ring_sqe *e)
{
	memset(e, 0, sizeof(*e));
	e->opcode = (uint8_t)fz_take(in, 1);
	e->flags = (uint8_t)(fz_take(in, 1) & 0x0f);
	e->user_data = fz_take(in, 2);
	e->addr = fz_take(in, 2);
	e->len = fz_take(in, 2);
}

static void
fz_cqe(struct fz_in *in, struct ring_cqe *e)
{
	uint8_t k = (uint8_t)fz_take(in, 1);

	memset(e, 0, sizeof(*e));
	e->user_data = fz_take(in, 2);
	e->status = (k & 1) ? (uint64_t)-(int64_t)(k >> 1) : k;
	e->flags = (k & 0x80) ? RING_CQE_MORE : 0;
}

/* Read every byte a resolved pool pointer names. */
static void
fz_touch(const void *ptr, uint64_t len)
{
	volatile uint8_t sink = 0;
	const uint8_t *b = ptr;
	uint64_t i;

	for (i = 0; i < len; i++)
		sink ^= b[i];
	(void)sink;
}

static void
fz_open(struct fz_shape *s, enum ring_role role, struct ring **r)
{
	if (*r == NULL)
		fz_check(ring_open(&s->fds, role, r));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz_shape *s;
	struct ring *c = NULL, *p = NULL;
	struct ring_sqe sqes[4];
	struct ring_cqe cqes[4];
	struct ring_stats st;
	unsigned steps = 0;
	void *ptr;
	uint64_t off, len;
	int rc;

	if (size < 1 || size > 4096)
		return -1;
	s = &fz_shapes[fz_take(&in, 1) % FZ_NSHAPES];
	memcpy(s->map, s->pristine, s->size);
	while (in.n > 0 && steps++ < 256) {
		struct ring *any;
		uint8_t op = (uint8_t)fz_take(&in, 1);

		any = (op & 0x80) ? p : c;
		switch (op & 0x1f) {
		case 0: /* a peer writes one word anywhere */
		case 1:
			off = (fz_take(&in, 2) * 8) % s->size;
			len = fz_take(&in, 8);
			memcpy(s->map + off, &len, 8);
			break;
		case 2: /* a peer writes one byte anywhere */
			off = fz_take(&in, 3) % s->size;
			s->map[off] = (uint8_t)fz_take(&in, 1);
			break;
		case 3:
			fz_open(s, RING_ROLE_CONSUMER, &c);
			break;
		case 4:
			fz_open(s, RING_ROLE_PRODUCER, &p);
			break;
		case 5:
			if (c != NULL) {
				fz_sqe(&in, &sqes[0]);
				fz_check(ring_sq_push(c, &sqes[0]));
			}
			break;
		case 6:
			if (c != NULL) {
				fz_sqe(&in, &sqes[0]);
				fz_sqe(&in, &sqes[1]);
				sqes[2] = sqes[3] = sqes[0];
				fz_check(ring_sq_push_batch(c, sqes,
				    1 + (op >> 5) % 4));
			}
			break;
		case 7:
			if (c != NULL)
				fz_check(ring_cq_pop(c, &cqes[0]));
			break;
		case 8:
			if (c != NULL)
				fz_check(ring_cq_pop_batch(c, cqes,
				    1 + (op >> 5) % 4));
			break;
		case 9:
			if (p != NULL)
				fz_check(ring_sq_pop(p, &sqes[0]));
			break;
		case 10:
			if (p != NULL)
				fz_check(ring_sq_pop_batch(p, sqes,
				    1 + (op >> 5) % 4));
			break;
		case 11:
			if (p != NULL) {
				fz_cqe(&in, &cqes[0]);
				fz_check(ring_cq_push(p, &cqes[0]));
			}
			break;
		case 12:
			if (p != NULL) {
				fz_cqe(&in, &cqes[0]);
				fz_cqe(&in, &cqes[1]);
				cqes[2] = cqes[0];
				cqes[3] = cqes[1];
				fz_check(ring_cq_push_batch(p, cqes,
				    1 + (op >> 5) % 4));
			}
			break;
		case 13:
			if (c != NULL)
				fz_check(ring_cq_peek(c, &cqes[0]));
			if (p != NULL)
				fz_check(ring_sq_peek(p, &sqes[0]));
			break;
		case 14:
			if (c != NULL) {
				fz_check(ring_pool_alloc(c,
				    fz_take(&in, 2), &off));
			}
			break;
		case 15:
			if (c != NULL)
				fz_check(ring_pool_free(c, fz_take(&in, 2),
				    fz_take(&in, 2)));
			break;
		case 16:
			if (any != NULL) {
				off = fz_take(&in, 2);
				len = fz_take(&in, 2);
				rc = ring_pool_resolve(any, off, len, &ptr);
				fz_check(rc);
				if (rc == 0)
					fz_touch(ptr, len);
			}
			break;
		case 17:
			if (any != NULL)
				fz_check(ring_wait(any, 1 + (op >> 5) % 3, 0));
			break;
		case 18:
			if (any != NULL) {
				rc = ring_arm(any, 1 + (op >> 5) % 3);
				fz_check(rc);
				ring_disarm(any);
			}
			break;
		case 19:
			if (p != NULL)
				fz_check(ring_sq_cancel(p, -ECANCELED));
			break;
		case 20: /* the producer leaves; the next one adopts its requests */
			ring_close(p);
			p = NULL;
			fz_open(s, RING_ROLE_PRODUCER, &p);
			break;
		case 21:
			ring_close(c);
			c = NULL;
			break;
		case 22:
			if (any != NULL) {
				rc = ring_reserve(any, 1 + (op >> 5) % 4);
				fz_check(rc);
				if (rc > 0)
					fz_check(ring_publish(any,
				    (unsigned)fz_take(&in, 1) % (unsigned)(rc + 1)));
			}
			break;
		case 23:
			if (any != NULL) {
				ring_get_stats(any, &st);
				(void)ring_is_broken(any);
				(void)ring_is_dropped(any);
				if (any == p)
					(void)ring_sq_held(p);
			}
			break;
		case 24:
			if (any != NULL)
				fz_check(ring_shutdown(any));
			break;
		case 25: {
			struct ring *m = NULL;

			/* a monitor's view, as ringd reads it */
			fz_open(s, RING_ROLE_MONITOR, &m);
			if (m != NULL) {
				ring_get_stats(m, &st);
				ring_close(m);
			}
			break;
		}
		default:
			if (any != NULL) {
				struct ring_info info;

				ring_get_info(any, &info);
				if (info.mem_bytes != s->size)
					abort();
			}
			break;
		}
	}
	ring_close(p);
	ring_close(c);
	return 0;
}
