/*
 * ramfile-client - an example consumer: opens a ring to a ramfile scheme
 * through ringd, writes a pattern through it with several requests in
 * flight, reads it back, compares, and reports what it measured.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "ramfile.h"

#define NO_BLOCK UINT64_MAX /* slot_blk[] of a free slot */

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint8_t
pattern(uint64_t pos, unsigned pass)
{
	return (uint8_t)(pos * 131 + pos / 251 + pass * 17);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ramfile-client [-h] [-S socket] [-n name] [-c blocks] "
	    "[-b block-size] [-q depth] [-p passes] [-o offset]\n");
}

static unsigned long
number(const char *s, unsigned long min, unsigned long max)
{
	return (unsigned long)ramfile_number("ramfile-client", "number", s,
	    min, max);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *name = RAMFILE_NAME;
	unsigned long blocks = 256, bsize = 4096, depth = 16, passes = 1;
	uint64_t base = 0; /* where in the file our blocks start */
	struct ring_params p = { 0 };
	struct ring_ctl *ctl;
	struct ring *r = NULL;
	uint64_t *slot_off = NULL, *sent_at = NULL, *slot_blk = NULL,
		 *free_slots = NULL, nfree, done = 0, bad = 0, lat_max = 0,
		 lat_sum = 0;
	int64_t t0;
	unsigned pass;
	int c, rc, ret = 1;

	while ((c = ramfile_getopt(argc, argv, "hS:n:c:b:q:p:o:", &sock, &name,
		    usage)) != -1) {
		switch (c) {
		case 'c':
			blocks = number(optarg, 1, 1ul << 24);
			break;
		case 'b':
			bsize = number(optarg, 1, 1ul << 20);
			break;
		case 'q':
			depth = number(optarg, 1, 1024);
			break;
		case 'p':
			passes = number(optarg, 1, 1ul << 20);
			break;
		case 'o':
			base = number(optarg, 0, 1ul << 32);
			break;
		}
	}
	if ((rc = ring_ctl_connect(sock, NULL, &ctl)) < 0) {
		fprintf(stderr, "ramfile-client: cannot connect to ringd: %s\n",
		    strerror(-rc));
		return 3;
	}
	/* a restart of ringd does not stop the transfer: the ring is ours */
	(void)ring_ctl_set_reconnect(ctl, true);
	p.sq_entries = 1;
	while (p.sq_entries < depth)
		p.sq_entries *= 2;
	p.pool_bytes = (uint64_t)depth * bsize;
	if ((rc = ring_ctl_open(ctl, name, &p, &r, NULL)) < 0) {
		fprintf(stderr,
		    "ramfile-client: cannot open ring to '%s': %s\n", name,
		    strerror(-rc));
		goto out;
	}
	slot_off = calloc(depth, sizeof(*slot_off));
	sent_at = calloc(depth, sizeof(*sent_at));
	slot_blk = calloc(depth, sizeof(*slot_blk));
	free_slots = calloc(depth, sizeof(*free_slots));
	if (!slot_off || !sent_at || !slot_blk || !free_slots) {
		fprintf(stderr, "ramfile-client: out of memory\n");
		goto out;
	}
	for (unsigned long i = 0; i < depth; i++)
		if (ring_pool_alloc(r, bsize, &slot_off[i]) < 0) {
			fprintf(stderr,
			    "ramfile-client: pool allocation failed\n");
			goto out;
		}

	t0 = now_ns();
	for (pass = 0; pass < passes; pass++) {
		int op;

		for (op = 0; op < 2;
		     op++) { /* write everything, then read it */
			unsigned long next = 0, inflight = 0, completed = 0;
			uint8_t *buf;
			struct ring_cqe cqe;

			/*
			 * Completions may come in any order: slots are a
			 * stack.  slot_blk[s] is the block slot s carries,
			 * NO_BLOCK while it is free.
			 */
			for (nfree = 0; nfree < depth; nfree++) {
				free_slots[nfree] = nfree;
				slot_blk[nfree] = NO_BLOCK;
			}

			while (completed < blocks) {
				while (next < blocks && inflight < depth) {
					unsigned long s = free_slots[nfree - 1];
					struct ring_sqe sqe = {
						.opcode = op ? RING_OP_READ
							     : RING_OP_WRITE,
						.addr = slot_off[s],
						.len = bsize,
						.offset = base +
						    (uint64_t)next * bsize,
						.user_data = next |
						    (uint64_t)s << 40,
					};

					ring_pool_resolve(r, slot_off[s], bsize,
					    (void **)&buf);
					if (op == 0)
						for (unsigned long k = 0;
						     k < bsize; k++)
							buf[k] = pattern(next *
								    bsize +
								k,
							    pass);
					else
						memset(buf, 0, bsize);
					if ((rc = ring_sq_push(r, &sqe)) < 0)
						break;
					sent_at[s] = (uint64_t)now_ns();
					slot_blk[s] = next;
					nfree--;
					next++;
					inflight++;
				}
				rc = ring_cq_pop(r, &cqe);
				if (rc == -EAGAIN) {
					/* idle: hand the ring to a restarted
					 * ringd, if there is one */
					(void)ring_ctl_process(ctl);
					rc = ring_wait(r, RING_EV_IN,
					    5000000000LL);
					if (rc < 0)
						goto fail;
					continue;
				}
				if (rc < 0)
					goto fail;
				/*
				 * The scheme is a peer, not part of us: a
				 * completion for a request not in flight
				 * (repeated, made up) is a protocol error,
				 * and it never indexes our arrays.
				 */
				if ((cqe.user_data >> 40) >= depth ||
				    slot_blk[cqe.user_data >> 40] !=
					(cqe.user_data & ((1ull << 40) - 1))) {
					fprintf(stderr,
					    "ramfile-client: completion %#llx "
					    "answers no request in flight\n",
					    (unsigned long long)cqe.user_data);
					goto out;
				}
				if ((int64_t)cqe.status != (int64_t)bsize) {
					fprintf(stderr,
					    "ramfile-client: block %llu: %s\n",
					    (unsigned long long)(cqe.user_data &
						((1ull << 40) - 1)),
					    ring_cqe_errno(&cqe)
						? strerror(
						      -ring_cqe_errno(&cqe))
						: "short transfer");
					goto out;
				}
				{
					unsigned long s = cqe.user_data >> 40;
					uint64_t blk = cqe.user_data &
					    ((1ull << 40) - 1);
					uint64_t lat = (uint64_t)now_ns() -
					    sent_at[s];

					lat_sum += lat;
					if (lat > lat_max)
						lat_max = lat;
					if (op == 1) {
						ring_pool_resolve(r,
						    slot_off[s], bsize,
						    (void **)&buf);
						for (unsigned long k = 0;
						     k < bsize; k++)
							if (buf[k] !=
							    pattern(blk *
									bsize +
								    k,
								pass)) {
								bad++;
								break;
							}
					}
				}
				slot_blk[cqe.user_data >> 40] = NO_BLOCK;
				free_slots[nfree++] = cqe.user_data >> 40;
				inflight--;
				completed++;
				done++;
			}
		}
	}
	{
		double secs = (double)(now_ns() - t0) / 1e9;

		printf("%llu requests in %.3f s: %.0f ops/s, %.1f MB/s, "
		       "latency mean %.1f us max %.1f us, %llu bad blocks\n",
		    (unsigned long long)done, secs, done / secs,
		    (double)done * bsize / secs / 1e6,
		    done ? lat_sum / 1e3 / done : 0.0, lat_max / 1e3,
		    (unsigned long long)bad);
	}
	ret = bad ? 1 : 0;
	goto out;

fail:
	fprintf(stderr, "ramfile-client: ring failed: %s\n", strerror(-rc));
out:
	ring_close(r);
	ring_ctl_close(ctl);
	free(slot_off);
	free(sent_at);
	free(slot_blk);
	free(free_slots);
	return ret;
}
