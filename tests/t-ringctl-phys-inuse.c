/*
 * t-ringctl-phys-inuse.c - physfree refuses a region other live
 * connections use, against a private ringd: a driver process (allocates, maps, grants the
 * region to its scheme over a ring) and a scheme process (maps it through
 * the ring) with names of their own; "ringctl physfree" refused with who
 * uses it and exit 1, --force frees it while the holders keep their pages,
 * a plain free works once the holders are gone, the allocating
 * connection's own free is never refused, the owner-or-root rule for
 * forcing (as uid 65534), unknown flags, and a holder that hands a
 * region back after a ringd restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/ctl.h"
#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

static struct td d;
static struct tr_run r;

#define CONF "phys_zone32_size = 1M\nphys_zone64_size = 4M\n"
#define SCHEME "inuse-dev"
#define KB 1024u
#define RSIZE (64 * KB)

/* SQE opcodes the scheme serves */
#define OP_MAP 200   /* resolve additional1 for this ring: map it */
#define OP_CHECK 201 /* the first byte of additional1, in extra */

/* What the driver tells the test once it is set up. */
struct drv_info {
	uint64_t region_id, base, ring_id, pers_id, pers_base;
};

/* Read len bytes a child process sends on fd, waiting 10 s at most. */
static void
await_read(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, 10000) != 1)
		TAP_FAIL("no word from the child process in 10 s");
	n = read(fd, buf, len);
	if (n != (ssize_t)len)
		TAP_FAIL("read %zd of %zu bytes from the child", n, len);
}

/*
 * The scheme, "inuse-scheme": accepts one ring and, for each SQE, maps
 * (OP_MAP) or reads (OP_CHECK) the driver's memory through it.  When the
 * ring is shut down it says so on ready and, with hold >= 0, stays
 * connected (its mappings with it) until a byte comes on hold.
 */
static void
scheme_proc(int ready, int hold)
{
	struct ring_ctl *c;
	struct ring_attach a;
	struct ring *rg;
	struct ring_sqe s;
	struct ring_cqe e;
	uint8_t *p;
	int rc;

	prctl(PR_SET_NAME, "inuse-scheme");
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, SCHEME, NULL, 0), 0);
	tu_notify(ready);
	TAP_RC(ring_ctl_wait_attach(c, &a, 10000), 0);
	TAP_RC(ring_ctl_accept(c, &a, &rg), 0);
	for (;;) {
		rc = ring_wait(rg, RING_EV_IN, 10000000000ll);
		if (rc == -ESHUTDOWN)
			break;
		TAP_ASSERT(rc > 0);
		while (ring_sq_pop(rg, &s) == 0) {
			memset(&e, 0, sizeof(e));
			e.user_data = s.user_data;
			rc = ring_phys_resolve_ring(c, a.ring_id, s.additional1,
			    1, (void **)&p, NULL);
			if (rc == 0 && s.opcode == OP_CHECK)
				e.extra = p[0];
			e.status = (uint64_t)(int64_t)rc;
			TAP_RC(ring_cq_push(rg, &e), 0);
		}
	}
	ring_close(rg);
	TAP_RC(ring_ctl_close_ring(c, a.ring_id), 0);
	if (hold >= 0) {
		tu_notify(ready);
		tu_await(hold, 10000);
	}
	ring_ctl_close(c);
}

static int64_t
ask(struct ring *rg, uint8_t op, uint64_t phys, struct ring_cqe *e)
{
	struct ring_sqe s;

	memset(&s, 0, sizeof(s));
	s.opcode = op;
	s.user_data = op;
	s.additional1 = phys;
	td_roundtrip(rg, &s, e);
	return (int64_t)e->status;
}

/*
 * The driver, "inuse-driver": a region it maps, fills with 0x5a and
 * grants to the scheme (which maps it), and a persistent one the scheme
 * maps too.  Then it obeys one-byte commands on cmd: 'c' checks its
 * mapping and the scheme's still read 0x5a (answers 'y' or 'n'), 'f'
 * frees the first region itself (answers its errno as a byte), 'q' closes
 * the ring and leaves.
 */
static void
driver_proc(int info, int cmd, int ans)
{
	struct ring_ctl *c;
	struct ring_cqe e;
	struct drv_info di;
	struct ring *rg;
	uint64_t min = RSIZE;
	uint8_t *p;
	char ch, out;

	prctl(PR_SET_NAME, "inuse-driver");
	c = td_connect(&d);
	memset(&di, 0, sizeof(di));
	TAP_RC(ring_physalloc3_region(c, RSIZE, 0, 0, &min, &di.base,
	    &di.region_id), 0);
	min = 16 * KB;
	TAP_RC(ring_physalloc3_region(c, 16 * KB, 0, RING_PHYS_PERSIST, &min,
	    &di.pers_base, &di.pers_id), 0);
	TAP_RC(ring_physmap(c, di.base, RSIZE, RING_PHYSMAP_WRITE,
	    (void **)&p), 0);
	memset(p, 0x5a, RSIZE);
	rg = td_open(c, SCHEME, 8, 0, 0, &di.ring_id);
	TAP_RC(ring_phys_grant(c, di.base, di.ring_id), 0);
	TAP_RC(ring_phys_grant(c, di.pers_base, di.ring_id), 0);
	TAP_EQ(ask(rg, OP_MAP, di.base, &e), 0);
	TAP_EQ(ask(rg, OP_MAP, di.pers_base, &e), 0);
	TAP_EQ(write(info, &di, sizeof(di)), (ssize_t)sizeof(di));
	while (read(cmd, &ch, 1) == 1 && ch != 'q') {
		if (ch == 'c')
			out = p[0] == 0x5a && p[RSIZE - 1] == 0x5a &&
				ask(rg, OP_CHECK, di.base, &e) == 0 &&
				e.extra == 0x5a
			    ? 'y'
			    : 'n';
		else
			out = (char)-ring_physfree(c, di.base, RSIZE);
		TAP_EQ(write(ans, &out, 1), 1);
	}
	TAP_RC(ring_physunmap(p, RSIZE), 0);
	ring_close(rg);
	TAP_RC(ring_ctl_close_ring(c, di.ring_id), 0);
	ring_ctl_close(c);
}

/* Wait (bounded) until no connection of pid is left. */
static void
await_client_gone(pid_t pid)
{
	struct ring_ctl_client *v;
	struct ring_ctl *c = td_connect(&d);
	size_t n, i;
	unsigned tries;
	bool found = true;

	for (tries = 0; tries < 500 && found; tries++) {
		TAP_RC(ring_ctl_list_clients(c, &v, &n), 0);
		for (i = 0, found = false; i < n; i++)
			found |= v[i].peer.pid == (uint32_t)pid;
		free(v);
		if (found)
			tu_sleep_ms(10);
	}
	if (found)
		TAP_FAIL("pid %d still connected to ringd", (int)pid);
	ring_ctl_close(c);
}

static bool
region_listed(uint64_t id)
{
	struct ring_phys_region *v;
	struct ring_ctl *c = td_connect(&d);
	size_t n, i;
	bool found = false;

	TAP_RC(ring_phys_list_regions(c, &v, &n), 0);
	for (i = 0; i < n; i++)
		found |= v[i].region_id == id;
	free(v);
	ring_ctl_close(c);
	return found;
}

/* Is [base, base + size) inside one free range? */
static bool
range_free(uint64_t base, uint64_t size)
{
	struct ring_phys_range *v;
	struct ring_ctl *c = td_connect(&d);
	size_t n, i;
	bool found = false;

	TAP_RC(ring_phys_list_free(c, &v, &n), 0);
	for (i = 0; i < n; i++)
		found |= v[i].base <= base &&
		    base + size <= v[i].base + v[i].size;
	free(v);
	ring_ctl_close(c);
	return found;
}

static char
drv_cmd(int cmd, int ans, char what)
{
	char out = 0;

	TAP_EQ(write(cmd, &what, 1), 1);
	await_read(ans, &out, 1);
	return out;
}

TAP_TEST(test_cli, "phys-inuse-cli", 60)
{
	int ready[2], hold[2], info[2], cmd[2], ans[2];
	struct json_object *o, *u;
	int64_t pid;
	size_t i;
	struct drv_info di;
	pid_t spid, dpid;
	char ids[32], pids[32], want[160];

	td_begin(&d, CONF);
	tu_pipe(ready);
	tu_pipe(hold);
	tu_pipe(info);
	tu_pipe(cmd);
	tu_pipe(ans);
	if ((spid = tap_fork()) == 0) {
		scheme_proc(ready[1], hold[0]);
		tap_child_exit();
	}
	tu_await(ready[0], 10000);
	if ((dpid = tap_fork()) == 0) {
		driver_proc(info[1], cmd[0], ans[1]);
		tap_child_exit();
	}
	await_read(info[0], &di, sizeof(di));

	/* refused: who uses it, exit 1, the region stays */
	snprintf(ids, sizeof(ids), "%" PRIu64, di.region_id);
	CTL("physfree", ids);
	EXPECT_STATUS(1);
	snprintf(want, sizeof(want),
	    "ringctl: physfree: region %s (%#" PRIx64 ") is in use: ", ids,
	    di.base);
	EXPECT_ERR(want);
	snprintf(want, sizeof(want), "owned by %d/inuse-driver; mapped by ",
	    (int)dpid);
	EXPECT_ERR(want);
	snprintf(pids, sizeof(pids), "%d/inuse-driver", (int)dpid);
	EXPECT_ERR(pids);
	snprintf(want, sizeof(want),
	    "granted to %d/inuse-scheme on ring %" PRIu64
	    "; use --force to free it anyway\n",
	    (int)spid, di.ring_id);
	EXPECT_ERR(want);
	snprintf(want, sizeof(want), ", %d/inuse-scheme; granted", (int)spid);
	EXPECT_ERR(want);
	TAP_ASSERT(r.out[0] == '\0');
	CTL("-j", "physfree", ids);
	EXPECT_STATUS(1);
	o = tr_parse(r.out);
	tr_keys(o, "refusal", "error:string", "errno:string", "users:array");
	TAP_ASSERT(strcmp(tr_str(o, "errno"), "EBUSY") == 0);
	TAP_ASSERT(strstr(tr_str(o, "error"), "use --force") != NULL);
	TAP_EQ(json_object_array_length(tr_get(o, "users")), 2);
	for (i = 0; i < 2; i++) {
		u = json_object_array_get_idx(tr_get(o, "users"), i);
		tr_keys(u, "user", "client_id:int", "peer:object",
		    "owner:bool", "mapped:bool", "granted:bool", "ring_id:int?");
		pid = tr_int(tr_get(u, "peer"), "pid");
		TAP_ASSERT(pid == dpid || pid == spid);
		TAP_ASSERT(json_object_get_boolean(tr_get(u, "mapped")));
		TAP_EQ(json_object_get_boolean(tr_get(u, "owner")),
		    pid == dpid);
		TAP_EQ(json_object_get_boolean(tr_get(u, "granted")),
		    pid == spid);
		if (pid == spid)
			TAP_EQ(tr_int(u, "ring_id"), (int64_t)di.ring_id);
		else
			TAP_ASSERT(tr_get(u, "ring_id") == NULL);
	}
	json_object_put(o);
	TAP_ASSERT(region_listed(di.region_id));
	TAP_EQ(drv_cmd(cmd[1], ans[0], 'c'), 'y');

	/* --force frees it; the holders keep their pages, the range is free */
	CTL_OK("physfree", "--force", ids);
	TAP_ASSERT(strncmp(r.out, "freed region ", 13) == 0);
	TAP_ASSERT(td_log_has(&d, "forced physfree of region"));
	TAP_ASSERT(!region_listed(di.region_id));
	TAP_ASSERT(range_free(di.base, RSIZE));
	TAP_EQ(drv_cmd(cmd[1], ans[0], 'c'), 'y');
	TAP_EQ(drv_cmd(cmd[1], ans[0], 'f'), EINVAL); /* gone already */

	/* the persistent one: refused while the driver and scheme live */
	snprintf(ids, sizeof(ids), "%" PRIu64, di.pers_id);
	CTL("physfree", ids);
	EXPECT_FAIL(1, "is in use: owned by ");
	/* the driver goes: its ring dies, the scheme still maps it */
	TAP_EQ(write(cmd[1], "q", 1), 1);
	tap_reap(dpid);
	await_client_gone(dpid);
	tu_await(ready[0], 10000); /* the scheme saw its ring go */
	CTL("physfree", ids);
	EXPECT_STATUS(1);
	snprintf(want, sizeof(want),
	    "is in use: mapped by %d/inuse-scheme; use --force", (int)spid);
	EXPECT_ERR(want);
	/* the scheme goes too: a plain free works */
	tu_notify(hold[1]);
	tap_reap(spid);
	await_client_gone(spid);
	CTL_OK("physfree", ids);
	TAP_ASSERT(!region_listed(di.pers_id));
	tu_pipe_close(ready);
	tu_pipe_close(hold);
	tu_pipe_close(info);
	tu_pipe_close(cmd);
	tu_pipe_close(ans);
	td_finish(&d);
}

/* The driver's own frees, while its scheme maps the memory, always work. */
TAP_TEST(test_owner_free, "phys-inuse-owner", 60)
{
	int ready[2];
	struct ring_ctl *c, *other;
	struct ring_phys_user u[RING_PHYS_USERS_MAX];
	struct ring_phys_sg *sg;
	struct ring_cqe e;
	struct ring *rg;
	uint64_t base, base2, min = RSIZE, rid;
	uint32_t n, i;
	pid_t spid;

	td_begin(&d, CONF);
	tu_pipe(ready);
	if ((spid = tap_fork()) == 0) {
		scheme_proc(ready[1], -1);
		tap_child_exit();
	}
	tu_await(ready[0], 10000);
	c = td_connect(&d);
	other = td_connect(&d);
	TAP_RC(ring_physalloc3(c, RSIZE, 0, &min, &base), 0);
	min = RSIZE;
	TAP_RC(ring_physalloc3(c, RSIZE, 0, &min, &base2), 0);
	rg = td_open(c, SCHEME, 8, 0, 0, &rid);
	TAP_RC(ring_phys_grant(c, base, rid), 0);
	TAP_EQ(ask(rg, OP_MAP, base, &e), 0);
	/* another connection of the same uid: refused, told who */
	n = RING_PHYS_USERS_MAX;
	TAP_RC(ring_physfree_flags(other, base, RSIZE, 0, u, &n), -EBUSY);
	TAP_EQ(n, 2);
	for (i = 0; i < n; i++) {
		if (u[i].use & RING_PHYS_USE_OWNER) {
			TAP_EQ(u[i].use, RING_PHYS_USE_OWNER);
			TAP_EQ(u[i].peer.pid, (uint32_t)getpid());
		} else {
			TAP_EQ(u[i].use,
			    RING_PHYS_USE_MAPPED | RING_PHYS_USE_GRANTED);
			TAP_EQ(u[i].ring_id, rid);
			TAP_EQ(u[i].peer.pid, (uint32_t)spid);
			TAP_ASSERT(strcmp(u[i].peer.comm, "inuse-scheme") == 0);
		}
		TAP_EQ(u[i].reserved, 0);
	}
	/* no room asked for: still -EBUSY, nothing written */
	n = 0;
	TAP_RC(ring_physfree_flags(other, base, RSIZE, 0, u, &n), -EBUSY);
	TAP_EQ(n, 0);
	TAP_RC(ring_physfree(other, base, RSIZE), -EBUSY);
	/* the region it did not grant is in use by its owner alone */
	n = RING_PHYS_USERS_MAX;
	TAP_RC(ring_physfree_flags(other, base2, RSIZE, 0, u, &n), -EBUSY);
	TAP_EQ(n, 1);
	TAP_EQ(u[0].use, RING_PHYS_USE_OWNER);
	/* the allocating connection frees both, granted and mapped or not */
	TAP_RC(ring_physfree(c, base, RSIZE), 0);
	TAP_RC(ring_physfree(c, base2, RSIZE), 0);
	/* and its scatter-gather lists */
	TAP_RC(ring_phys_sg_alloc(c, 3 * RSIZE, RSIZE, 0, 0, &sg), 0);
	for (i = 0; i < sg->nsegs; i++) {
		TAP_RC(ring_phys_grant(c, sg->seg[i].base, rid), 0);
		TAP_EQ(ask(rg, OP_MAP, sg->seg[i].base, &e), 0);
	}
	TAP_RC(ring_phys_sg_free(c, sg), 0);
	/* unknown flags: -EINVAL, and ringd serves on */
	min = RSIZE;
	TAP_RC(ring_physalloc3(c, RSIZE, 0, &min, &base), 0);
	TAP_RC(ring_physfree_flags(c, base, RSIZE, 0x2, NULL, NULL), -EINVAL);
	TAP_RC(ring_physfree_flags(c, base, RSIZE, ~0u, NULL, NULL), -EINVAL);
	TAP_RC(ring_physfree_flags(c, base, RSIZE, RING_PHYSFREE_FORCE, NULL,
	    NULL), 0);
	td_close_ring(c, rg, rid);
	tap_reap(spid);
	ring_ctl_close(other);
	tu_pipe_close(ready);
	td_end(&d, c);
}

/*
 * Who may force: the owner's uid or root.  Root maps a region of uid
 * 65534's: another connection of 65534's is refused, then forces; 65534
 * may not force root's region (EPERM before EBUSY); root forces a region
 * 65534's connection holds.
 */
TAP_TEST_ROOT(test_privs, "phys-inuse-privs", 60,
    "not root")
{
	int ready[2], go[2];
	struct ring_ctl *c;
	uint64_t nb[2], rb, min;
	void *p;
	pid_t pid;

	td_begin(&d, CONF "phys_allow_users = yes\n");
	c = td_connect(&d);
	min = RSIZE;
	TAP_RC(ring_physalloc3(c, RSIZE, 0, &min, &rb), 0);
	tu_pipe(ready);
	tu_pipe(go);
	if ((pid = tap_fork()) == 0) {
		struct ring_ctl *nc, *nc2;
		uint64_t m = RSIZE;

		td_become_nobody();
		nc = td_connect(&d);
		TAP_RC(ring_physalloc3_region(nc, RSIZE, 0, RING_PHYS_PERSIST,
		    &m, &nb[0], NULL), 0);
		m = RSIZE;
		TAP_RC(ring_physalloc3(nc, RSIZE, 0, &m, &nb[1]), 0);
		TAP_EQ(write(ready[1], nb, sizeof(nb)), (ssize_t)sizeof(nb));
		tu_await(go[0], 10000);
		/* root maps nb[0]: in use, for another connection of ours */
		nc2 = td_connect(&d);
		TAP_RC(ring_physfree(nc2, nb[0], RSIZE), -EBUSY);
		TAP_RC(ring_physfree_flags(nc2, nb[0], RSIZE,
		    RING_PHYSFREE_FORCE, NULL, NULL), 0);
		/* root's region: not ours, forced or not */
		TAP_RC(ring_physfree(nc2, rb, RSIZE), -EPERM);
		TAP_RC(ring_physfree_flags(nc2, rb, RSIZE, RING_PHYSFREE_FORCE,
		    NULL, NULL), -EPERM);
		ring_ctl_close(nc2);
		TAP_EQ(write(ready[1], "d", 1), 1);
		tu_await(go[0], 10000); /* root frees nb[1] meanwhile */
		ring_ctl_close(nc);
		tap_child_exit();
	}
	await_read(ready[0], nb, sizeof(nb));
	TAP_RC(ring_physmap(c, nb[0], RSIZE, 0, &p), 0);
	tu_notify(go[1]);
	tu_await(ready[0], 10000);
	/* root: refused while the owner's connection lives, then forces */
	TAP_RC(ring_physfree(c, nb[1], RSIZE), -EBUSY);
	TAP_RC(ring_physfree_flags(c, nb[1], RSIZE, RING_PHYSFREE_FORCE, NULL,
	    NULL), 0);
	tu_notify(go[1]);
	tap_reap(pid);
	TAP_RC(ring_physunmap(p, RSIZE), 0);
	TAP_RC(ring_physfree(c, rb, RSIZE), 0);
	ring_ctl_close(c);
	tu_pipe_close(ready);
	tu_pipe_close(go);
	td_finish(&d);
}

/*
 * Across a ringd restart: a connection that hands a region's memory file
 * back (it had mapped the region) is a user of it again, so physfree is
 * refused until it leaves.
 */
TAP_TEST(test_restart, "phys-inuse-restart", 60)
{
	static const char conf[] = CONF "adopt_timeout_ms = 5000\n";
	struct ring_phys_region *v;
	struct ring_ctl *c, *o;
	uint64_t base, min = RSIZE, rid;
	char ids[32], want[96];
	bool back = false;
	unsigned tries;
	size_t n, i;
	void *p;

	td_begin(&d, conf);
	TAP_OK(ring_ctl_connect(d.sock, NULL, &c));
	TAP_OK(ring_ctl_set_reconnect(c, true));
	TAP_RC(ring_physalloc3_region(c, RSIZE, 0, RING_PHYS_PERSIST, &min,
	    &base, &rid), 0);
	TAP_RC(ring_physmap(c, base, RSIZE, RING_PHYSMAP_WRITE, &p), 0);
	td_stop(&d);
	td_start(&d, conf, 0);
	/* c reconnects and hands the region back: its connection owns it */
	o = td_connect(&d);
	for (tries = 0; tries < 500 && !back; tries++) {
		(void)ring_ctl_process(c);
		TAP_RC(ring_phys_list_regions(o, &v, &n), 0);
		for (i = 0; i < n; i++)
			back |= v[i].region_id == rid && v[i].client_id != 0;
		free(v);
		if (!back)
			tu_sleep_ms(10);
	}
	TAP_ASSERT(back);
	snprintf(ids, sizeof(ids), "%" PRIu64, rid);
	CTL("physfree", ids);
	EXPECT_STATUS(1);
	snprintf(want, sizeof(want), "is in use: owned by %d/",
	    (int)getpid());
	EXPECT_ERR(want);
	snprintf(want, sizeof(want), "; mapped by %d/", (int)getpid());
	EXPECT_ERR(want);
	/* it leaves: the region (persistent) stays, and may be freed */
	TAP_RC(ring_physunmap(p, RSIZE), 0);
	ring_ctl_close(c);
	for (tries = 0; tries < 500; tries++) {
		CTL("physfree", ids);
		if (r.status != 1 || strstr(r.err, "is in use") == NULL)
			break;
		tu_sleep_ms(10);
	}
	EXPECT_STATUS(0);
	TAP_ASSERT(!region_listed(rid));
	td_end(&d, o);
}

TAP_MAIN(td_setup)
