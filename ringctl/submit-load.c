/*
 * submit-load.c - "submit --count N": the load generator.  The same entry
 * is pushed N times, B at a time with at most W in flight, each
 * completion's latency goes into a histogram (common/hist.c), and a
 * summary with the rate and the latency percentiles is printed.  In the
 * shell, Ctrl-C stops the pushing; what is in flight is drained (up to
 * --timeout) and the counts are reported.
 *
 * Depends on submit.h (cmd-submit.c parses the command and opens the
 * ring) and common/; only cmd-submit.c calls it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringctl.h"
#include "submit.h"
#include "common/model-json.h"
#include "common/common.h"

int
submit_load(struct ringctl *rc, struct submit_req *q, struct ring *r,
    uint32_t cap)
{
	struct ring_sqe *sqes;
	struct ring_cqe cqes[64];
	struct hist *h;
	struct json_object *o, *l;
	uint64_t *ts, submitted = 0, completed = 0, errors = 0, k, i;
	uint64_t t0, now, last_progress;
	int first_err = 0, n, err, ret = RC_OK;
	bool stopped = false; /* interrupted: draining what is in flight */
	char b[6][32];

	/* entries are 64-byte aligned types */
	sqes = aligned_alloc(_Alignof(struct ring_sqe),
	    (size_t)q->batch * sizeof(*sqes));
	ts = calloc(cap, sizeof(*ts));
	h = calloc(1, sizeof(*h));
	if (sqes == NULL || ts == NULL || h == NULL) {
		ret = out_fail(rc, RC_FAIL, -ENOMEM, "submit");
		goto out;
	}
	t0 = last_progress = clock_ns();
	while (completed < q->count) {
		bool progress = false;

		if (shell_interrupted && !stopped) {
			/* no more entries; wait for those in flight */
			stopped = true;
			last_progress = clock_ns();
		}
		if (stopped && completed == submitted)
			break;
		k = q->count - submitted < q->batch ? q->count - submitted
						    : q->batch;
		if (!stopped && k != 0 &&
		    q->window - (submitted - completed) >= k) {
			now = clock_ns();
			for (i = 0; i < k; i++) {
				sqes[i] = q->sqe;
				sqes[i].user_data = submitted + i;
				ts[(submitted + i) & (cap - 1)] = now;
			}
			for (i = 0; i < k; i += (uint64_t)n) {
				n = ring_sq_push_batch(r, sqes + i,
				    (unsigned)(k - i));
				if (n == -EAGAIN) {
					/* the producer is behind: wait */
					n = 0;
					err = submit_wait(r, RING_EV_OUT,
					    q->timeout_ns, true);
					if (err == -EINTR)
						break;
					if (err < 0) {
						ret = out_fail(rc, RC_FAIL, err,
						    "cannot submit to '%s'",
						    q->scheme);
						goto out;
					}
					continue;
				}
				if (n < 0) {
					ret = out_fail(rc, RC_FAIL, n,
					    "cannot submit to '%s'", q->scheme);
					goto out;
				}
			}
			submitted += i;
			progress = i != 0;
		}
		n = ring_cq_pop_batch(r, cqes, 64);
		if (n > 0) {
			now = clock_ns();
			for (i = 0; i < (uint64_t)n; i++) {
				if (cqes[i].user_data >= submitted ||
				    cqes[i].user_data + q->window < submitted) {
					ret = out_fail(rc, RC_FAIL, 0,
					    "'%s' completed user_data %" PRIu64
					    ", which is not in flight",
					    q->scheme, cqes[i].user_data);
					goto out;
				}
				hist_add(h,
				    now - ts[cqes[i].user_data & (cap - 1)]);
				if ((err = ring_cqe_errno(&cqes[i])) != 0) {
					errors++;
					if (first_err == 0)
						first_err = err;
				}
			}
			completed += (uint64_t)n;
			progress = true;
		} else if (n != -EAGAIN) {
			ret = out_fail(rc, RC_FAIL, n,
			    "cannot reap completions");
			goto out;
		}
		now = clock_ns();
		if (progress) {
			last_progress = now;
			continue;
		}
		if (now - last_progress >= q->timeout_ns) {
			if (stopped)
				break;
			ret = out_fail(rc, RC_FAIL, -ETIMEDOUT,
			    "%" PRIu64 " of %" PRIu64 " completions from '%s'",
			    completed, q->count, q->scheme);
			goto out;
		}
		err = submit_wait(r, RING_EV_IN,
		    q->timeout_ns - (now - last_progress), !stopped);
		if (err < 0 && err != -ETIMEDOUT && err != -EINTR) {
			ret = out_fail(rc, RC_FAIL, err,
			    "cannot reap completions");
			goto out;
		}
	}
	if (stopped) {
		ret = out_fail(rc, RC_INTERRUPTED, 0,
		    "interrupted after %" PRIu64 " of %" PRIu64
		    " entries to '%s': %" PRIu64 " completed, %" PRIu64
		    " with an errno%s",
		    submitted, q->count, q->scheme, completed, errors,
		    completed < submitted ? ", the rest timed out" : "");
		goto out;
	}
	now = clock_ns() - t0;
	if (now == 0)
		now = 1;
	o = json_object_new_object();
	json_object_object_add(o, "scheme", json_object_new_string(q->scheme));
	json_object_object_add(o, "opcode", submit_opcode_obj(q));
	json_object_object_add(o, "count", mj_u64(q->count));
	json_object_object_add(o, "batch", mj_u64(q->batch));
	json_object_object_add(o, "window", mj_u64(q->window));
	json_object_object_add(o, "errors", mj_u64(errors));
	json_object_object_add(o, "first_errno",
	    first_err != 0
		? json_object_new_string(
		      errname(first_err) != NULL ? errname(first_err) : "?")
		: NULL);
	json_object_object_add(o, "elapsed_ns", mj_u64(now));
	json_object_object_add(o, "ops_per_sec",
	    mj_u64((uint64_t)((double)q->count * 1e9 / (double)now)));
	l = json_object_new_object();
	json_object_object_add(l, "min", mj_u64(h->min));
	json_object_object_add(l, "p50", mj_u64(hist_quantile(h, 0.50)));
	json_object_object_add(l, "p99", mj_u64(hist_quantile(h, 0.99)));
	json_object_object_add(l, "max", mj_u64(h->max));
	json_object_object_add(l, "mean", mj_u64(h->sum / h->count));
	json_object_object_add(o, "latency_ns", l);
	if (rc->json) {
		out_json(rc, o);
	} else {
		printf("%" PRIu64 " entries to '%s' in %s: %" PRIu64
		       " ops/s, %" PRIu64 " errors\n",
		    q->count, q->scheme, units_fmt_duration(now, b[0], 32),
		    mj_get_u64(o, "ops_per_sec", 0), errors);
		printf("latency: min %s  p50 %s  p99 %s  max %s\n",
		    units_fmt_duration(h->min, b[1], 32),
		    units_fmt_duration(hist_quantile(h, 0.50), b[2], 32),
		    units_fmt_duration(hist_quantile(h, 0.99), b[3], 32),
		    units_fmt_duration(h->max, b[4], 32));
		json_object_put(o);
	}
	ret = errors != 0 ? RC_FAIL : RC_OK;
out:
	free(sqes);
	free(ts);
	free(h);
	return ret;
}
