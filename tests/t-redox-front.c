/*
 * t-redox-front.c - the front ends on a relibc redox_ring (the 2026
 * format) beside a v1 pair: a scheme written here makes its objects with
 * redox_sring_create(), the test consumes through libring's
 * ring_ctl_redox_setup() and pushes SQEs the scheme leaves untaken; then
 * "ringctl rings" (KIND redox, BITS -), "ringctl -j rings" (kind, null
 * entry_bits, the depth), "ringctl ring ID" (kind, who sleeps),
 * "ringctl metrics" (the kind label, no bits for the redox_ring) and
 * "ringtop -b", "ringtop -b -j" show it as such, and the null scheme's v1
 * ring as v1.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <redox/ring-scheme.h>

#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define RF_NAME "t-front"
#define RF_PUSHED 3

static struct td d;
static struct tr_run r;

/*
 * The scheme: serves RF_NAME, accepts every setup with the disk formats,
 * takes no SQE, until killed.
 */
static void
rf_scheme(int ready)
{
	struct ring_ctl_redox_event ev;
	struct ring_ctl_redox_fds give;
	struct redox_sring rings[4];
	struct ring_ctl *c = td_connect(&d);
	struct pollfd pfd;
	unsigned n = 0;

	TAP_RC(ring_ctl_register(c, RF_NAME, NULL, 0), 0);
	TAP_RC(ring_ctl_scheme_set(c, RF_NAME, RING_CTL_SERVE_REDOX, -1), 0);
	TAP_EQ(write(ready, "x", 1), 1);
	pfd.fd = ring_ctl_fd(c);
	pfd.events = POLLIN;
	for (;;) {
		(void)poll(&pfd, 1, 100);
		if (ring_ctl_process(c) < 0)
			tap_child_exit(); /* ringd went first: the end */
		while (ring_ctl_redox_next(c, &ev) == 0) {
			if (ev.kind != RING_CTL_REDOX_SETUP || n == 4)
				continue;
			TAP_RC(redox_sring_create(&rings[n], &ev,
				   sizeof(struct redox_disk_sqe),
				   sizeof(struct redox_disk_cqe), &give),
			    0);
			TAP_RC(ring_ctl_redox_accept(c, ev.ring_id,
				   &rings[n].params, &give),
			    0);
			close(give.sq);
			close(give.cq);
			close(give.doorbell);
			close(give.pool);
			n++;
		}
	}
}

/* Our redox_ring's queues, what setup gave, and the scheme's pid. */
static struct redox_queue rf_sq, rf_cq;
static struct ring_ctl_redox_fds rf_fds;
static pid_t rf_pid;

/* A redox_ring to RF_NAME with RF_PUSHED SQEs in it; its id. */
static uint64_t
rf_open(struct ring_ctl *c)
{
	struct ring_ctl_redox_params p = { .sq_entries = 8,
		.pool_size = 4096,
		.sqe_size = sizeof(struct redox_disk_sqe),
		.cqe_size = sizeof(struct redox_disk_cqe) };
	struct redox_disk_sqe sqe;
	uint64_t id;
	int i, ready[2];
	char b;

	TAP_SYS(pipe(ready));
	if ((rf_pid = tap_fork()) == 0) {
		close(ready[0]);
		rf_scheme(ready[1]);
	}
	close(ready[1]);
	TAP_EQ(read(ready[0], &b, 1), 1);
	close(ready[0]);
	TAP_RC(ring_ctl_redox_setup(c, RF_NAME, &p, &id, &rf_fds), 0);
	TAP_RC(redox_queue_map(&rf_sq, rf_fds.sq, sizeof(sqe),
		   REDOX_QUEUE_PUSH),
	    0);
	TAP_RC(redox_queue_map(&rf_cq, rf_fds.cq,
		   sizeof(struct redox_disk_cqe), REDOX_QUEUE_POP),
	    0);
	memset(&sqe, 0, sizeof(sqe));
	for (i = 0; i < RF_PUSHED; i++)
		TAP_RC(redox_queue_push(&rf_sq, &sqe), 0);
	return id;
}

/* Wait up to 5 s for ringd to show the redox_ring with its SQEs. */
static void
rf_await_depth(struct ring_ctl *c, uint64_t id)
{
	struct ring_ctl_ring rec;
	int i;

	for (i = 0; i < 500; i++) {
		if (td_find_ring(c, id, &rec) && rec.sq.depth == RF_PUSHED)
			return;
		tu_sleep_ms(10);
	}
	TD_FAIL(&d, "ringd never showed ring %" PRIu64 " with depth %d", id,
	    RF_PUSHED);
}

/* The line of out that holds needle, up to its end, into buf. */
static const char *
rf_line(const char *out, const char *needle, char *buf, size_t len)
{
	const char *p = strstr(out, needle), *s, *e;

	if (p == NULL)
		TAP_FAIL("no '%s' in:\n%s", needle, out);
	for (s = p; s > out && s[-1] != '\n'; s--)
		;
	e = strchr(p, '\n');
	snprintf(buf, len, "%.*s", (int)(e != NULL ? e - s : (long)strlen(s)),
	    s);
	return buf;
}

TAP_TEST(test_ringctl, "redox-front-ringctl", 60)
{
	struct json_object *a, *o;
	struct ring_ctl *c;
	struct ring *v1;
	uint64_t id, v1id;
	char ids[32], line[512];
	size_t i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	id = rf_open(c);
	v1 = td_open(c, "null", 8, 0, 0, &v1id);
	rf_await_depth(c, id);

	CTL_OK("rings");
	rf_line(r.out, RF_NAME, line, sizeof(line));
	if (strstr(line, " redox ") == NULL || strstr(line, " - ") == NULL)
		TAP_FAIL("redox row without KIND redox and BITS -: %s", line);
	rf_line(r.out, "null", line, sizeof(line));
	TAP_ASSERT(strstr(line, " v1 ") != NULL);

	CTL_OK("-j", "rings");
	a = JSON_OUT();
	TAP_EQ(json_object_array_length(a), 2);
	for (i = 0; i < 2; i++) {
		o = json_object_array_get_idx(a, i);
		tr_keys(o, "ring", TR_RING_KEYS);
		if ((uint64_t)tr_int(o, "id") == v1id) {
			TAP_ASSERT(strcmp(tr_str(o, "kind"), "v1") == 0);
			TAP_EQ(tr_int(o, "entry_bits"), 64);
			continue;
		}
		TAP_ASSERT(strcmp(tr_str(o, "kind"), "redox") == 0);
		TAP_ASSERT(tr_get(o, "entry_bits") == NULL);
		TAP_EQ(tr_int(o, "sq_depth"), RF_PUSHED);
		TAP_EQ(tr_int(o, "submitted"), RF_PUSHED);
		TAP_EQ(tr_int(o, "sqe_size_bytes"), 32);
		TAP_EQ(tr_int(o, "cqe_size_bytes"), 16);
		TAP_EQ(tr_int(o, "pool_bytes"), 4096);
		TAP_EQ(tr_int(o, "sq_entries"), 8);
	}
	json_object_put(a);

	snprintf(ids, sizeof(ids), "%" PRIu64, id);
	CTL_OK("ring", ids);
	TAP_ASSERT(strstr(r.out, "kind:       redox") != NULL);
	TAP_ASSERT(strstr(r.out, "sq 8 x 32 B, cq ") != NULL);
	TAP_ASSERT(strstr(r.out, "-bit)") == NULL);
	TAP_ASSERT(strstr(r.out, "sq_depth:   3") != NULL);

	CTL_OK("metrics");
	snprintf(line, sizeof(line),
	    "ringd_ring_sq_depth{ring=\"%" PRIu64 "\",scheme=\"" RF_NAME
	    "\",kind=\"redox\"} 3\n",
	    id);
	TAP_ASSERT(strstr(r.out, line) != NULL);
	snprintf(line, sizeof(line),
	    "ringd_ring_info{ring=\"%" PRIu64 "\",scheme=\"" RF_NAME
	    "\",kind=\"redox\",consumer=",
	    id);
	TAP_ASSERT(strstr(r.out, line) != NULL);
	snprintf(line, sizeof(line),
	    "ringd_ring_info{ring=\"%" PRIu64 "\",scheme=\"null\",kind=\"v1\","
	    "bits=\"64\",",
	    v1id);
	TAP_ASSERT(strstr(r.out, line) != NULL);
	td_close_ring(c, v1, v1id);
	ring_ctl_close(c);
	redox_queue_unmap(&rf_sq);
	redox_queue_unmap(&rf_cq);
	tap_kill(rf_pid);
	td_kill(&d);
	td_cleanup(&d);
}

/* The consumer asleep on the CQ shows as such in "ringctl ring". */
TAP_TEST(test_waiting, "redox-front-waiting", 60)
{
	struct ring_ctl *c;
	char ids[32];
	uint64_t id;
	pid_t pid;
	int i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	id = rf_open(c);
	if ((pid = tap_fork()) == 0) {
		(void)redox_queue_wait_pop(&rf_cq, 20000);
		tap_child_exit();
	}
	snprintf(ids, sizeof(ids), "%" PRIu64, id);
	for (i = 0; i < 500; i++) {
		CTL_OK("ring", ids);
		if (strstr(r.out, "waiting:    consumer, for CQEs") != NULL)
			break;
		tu_sleep_ms(10);
	}
	if (i == 500)
		TAP_FAIL("the sleeping consumer never showed:\n%s", r.out);
	tap_kill(pid);
	ring_ctl_close(c);
	tap_kill(rf_pid);
	td_kill(&d);
	td_cleanup(&d);
}

TAP_TEST(test_ringtop, "redox-front-ringtop", 60)
{
	struct json_object *f, *rings, *o;
	struct ring_ctl *c;
	char bin[TD_PATH_MAX], line[512];
	uint64_t id;
	size_t i;

	td_begin(&d, NULL);
	c = td_connect(&d);
	id = rf_open(c);
	rf_await_depth(c, id);
	td_build_bin("RINGTOP_BIN", "ringtop/ringtop", bin, sizeof(bin));
	tr_set_binary(bin);
	CTL_OK("-b", "-n", "1");
	TAP_ASSERT(strstr(r.out, " KIND ") != NULL);
	rf_line(r.out, RF_NAME, line, sizeof(line));
	if (strstr(line, " redox ") == NULL || strstr(line, "3/8") == NULL)
		TAP_FAIL("ringtop row without redox and SQ 3/8: %s", line);
	CTL_OK("-b", "-j", "-n", "1");
	f = JSON_OUT();
	rings = tr_get(f, "rings");
	TAP_ASSERT(rings != NULL);
	for (i = 0; i < json_object_array_length(rings); i++) {
		o = json_object_array_get_idx(rings, i);
		if ((uint64_t)tr_int(o, "id") != id)
			continue;
		TAP_ASSERT(strcmp(tr_str(o, "kind"), "redox") == 0);
		TAP_EQ(tr_int(o, "sq_depth"), RF_PUSHED);
		break;
	}
	TAP_ASSERT(i < json_object_array_length(rings));
	json_object_put(f);
	tr_set_binary(NULL);
	ring_ctl_close(c);
	tap_kill(rf_pid);
	td_kill(&d);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
