/*
 * t-policy.c - the allow/deny rules of ringd.conf(5), against a real
 * ringd run as root and helpers acting as a second uid (65534, forked,
 * setresuid): every rule kind (register, open, submit, phys), uid=, gid=
 * with primary and supplementary groups, first match wins,
 * policy_default, denials answered -EACCES and logged with their rule,
 * SIGHUP reloads (a good file takes effect on live rings, a bad one keeps
 * the old policy), bad rules refused with file:line, and ringd -T.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define KB 1024ull
#define SUPP_GID 4242u /* a supplementary group no one else has */

static struct td d;

/* Fail unless ringd logged s. */
static void
log_expect(const char *s)
{
	unsigned i;

	for (i = 0; i < 300 && !td_log_has(&d, s); i++)
		tu_sleep_ms(10);
	if (!td_log_has(&d, s))
		TD_FAIL(&d, "ringd's log lacks '%s'", s);
}

/*
 * Replace the config and SIGHUP ringd; wait until it says it reloaded
 * (ok) or kept the old configuration (!ok).
 */
static void
reload(const char *conf, bool ok)
{
	const char *mark = ok ? "reloaded '" : "keeping the old configuration";

	td_write_conf(&d, conf);
	td_sighup_expect(&d, mark, 5000);
}

/* Run fn in a helper as uid 65534 with gid 65534, no other group. */
static void
as_nobody(void (*fn)(struct ring_ctl *c))
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		struct ring_ctl *c;

		td_become_nobody();
		c = td_connect(&d);
		fn(c);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tap_reap(pid);
}

/* The same with a supplementary group, set while still root. */
static void
as_nobody_supp(void (*fn)(struct ring_ctl *c), gid_t supp)
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		struct ring_ctl *c;

		TAP_SYS(setgroups(1, &supp));
		TAP_SYS(setresgid(TD_NOBODY, TD_NOBODY, TD_NOBODY));
		TAP_SYS(setresuid(TD_NOBODY, TD_NOBODY, TD_NOBODY));
		TAP_SYS(prctl(PR_SET_PDEATHSIG, SIGKILL));
		c = td_connect(&d);
		fn(c);
		ring_ctl_close(c);
		tap_child_exit();
	}
	tap_reap(pid);
}

/* Open a ring to scheme; the reply's error (0: opened and closed again). */
static int
try_open(struct ring_ctl *c, const char *scheme)
{
	struct ring_params p = { .sq_entries = 8 };
	struct ring *r;
	uint64_t id;
	int rc;

	rc = ring_ctl_open(c, scheme, &p, &r, &id);
	if (rc == 0)
		td_close_ring(c, r, id);
	return rc;
}

/* One SQE of opcode through r; the CQE's status. */
static int64_t
submit(struct ring *r, uint8_t opcode, uint64_t len)
{
	struct ring_sqe sqe = { .opcode = opcode, .user_data = 77, .len = len };
	struct ring_cqe cqe;

	td_roundtrip(r, &sqe, &cqe);
	TAP_EQ_U(cqe.user_data, 77);
	return (int64_t)cqe.status;
}

/* --- register ------------------------------------------------------------ */

static const char register_conf[] = "# names for uid 65534\n"
				    "allow register \"usb.*\" uid=65534\n"
				    "deny register * uid=nobody\n";

static void
nobody_register(struct ring_ctl *c)
{
	TAP_RC(ring_ctl_register(c, "usb.0", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c, "usb.hub-1", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c, "disk.0", NULL, 0), -EACCES);
	TAP_RC(ring_ctl_register(c, "usb", NULL, 0), -EACCES);
	/* a built-in name: the policy answers first */
	TAP_RC(ring_ctl_register(c, "null", NULL, 0), -EACCES);
}

TAP_TEST_ROOT(test_register, "policy-register", 30,
    "not root: cannot run a helper as uid 65534")
{
	struct ring_ctl *c;

	td_begin(&d, register_conf);
	as_nobody(nobody_register);
	log_expect("register 'disk.0' denied by ringd.conf:3");
	log_expect("uid 65534");
	/* the rules name uid 65534 only: root falls to the default */
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, "disk.0", NULL, 0), 0);
	TAP_RC(ring_ctl_register(c, "null", NULL, 0), -EPERM);
	td_end(&d, c);
}

/* --- open: first match, default, reload ------------------------------------ */

static const char open_conf[] = "policy_default = deny\n"
				"allow register * uid=0\n"
				"allow open * uid=0\n"
				"deny open null uid=65534\n"
				"allow open \"*\" uid=65534\n";

/* The same two rules the other way round: the allow comes first. */
static const char open_conf2[] = "policy_default = deny\n"
				 "allow open * uid=0\n"
				 "allow open * uid=65534\n"
				 "deny open null uid=65534\n";

static void
nobody_open_first(struct ring_ctl *c)
{
	TAP_RC(try_open(c, "null"), -EACCES);
	TAP_RC(try_open(c, "zero"), 0);
	TAP_RC(try_open(c, "echo"), 0);
	/* allowed by the rule; then there is no such scheme */
	TAP_RC(try_open(c, "no-such-scheme"), -ENODEV);
	/* no register rule for this uid: policy_default = deny */
	TAP_RC(ring_ctl_register(c, "mine", NULL, 0), -EACCES);
}

static void
nobody_open_second(struct ring_ctl *c)
{
	TAP_RC(try_open(c, "null"), 0);
	TAP_RC(try_open(c, "zero"), 0);
}

static void
nobody_open_none(struct ring_ctl *c)
{
	TAP_RC(try_open(c, "null"), -EACCES);
	TAP_RC(try_open(c, "zero"), -EACCES);
}

TAP_TEST_ROOT(test_open_order, "policy-open-order", 30,
    "not root: cannot run a helper as uid 65534")
{
	struct ring_ctl *c;

	td_begin(&d, open_conf);
	as_nobody(nobody_open_first);
	log_expect("open 'null' denied by ringd.conf:4");
	log_expect("register 'mine' denied by policy_default");
	c = td_connect(&d);
	TAP_RC(try_open(c, "null"), 0);
	TAP_RC(ring_ctl_register(c, "rootname", NULL, 0), 0);
	ring_ctl_close(c);

	/* reversed order: the allow matches first */
	reload(open_conf2, true);
	as_nobody(nobody_open_second);

	/* no rule for 65534 at all: the default decides */
	reload("policy_default = deny\nallow open * uid=0\n", true);
	as_nobody(nobody_open_none);
	log_expect("open 'zero' denied by policy_default");
	c = td_connect(&d);
	TAP_RC(try_open(c, "zero"), 0);
	TAP_RC(ring_ctl_register(c, "rootname2", NULL, 0), -EACCES);
	td_end(&d, c);
}

/* --- reload with a bad rule keeps the old policy ------------------------- */

static void
nobody_open_denied(struct ring_ctl *c)
{
	TAP_RC(try_open(c, "echo"), -EACCES);
}

TAP_TEST_ROOT(test_reload_bad, "policy-reload-bad", 30,
    "not root: cannot run a helper as uid 65534")
{
	td_begin(&d, "deny open echo uid=65534\n");
	as_nobody(nobody_open_denied);
	reload("allow open echo uid=65534\ndeny open echo uid=65534 op=read\n",
	    false);
	log_expect("ringd.conf:2: bad rule: 'op=' is not valid here");
	as_nobody(nobody_open_denied);
	td_finish(&d);
}

/* --- gid=: primary and supplementary groups -------------------------------- */

static void
supp_open(struct ring_ctl *c)
{
	TAP_RC(try_open(c, "echo"), -EACCES); /* gid=4242, supplementary */
	TAP_RC(try_open(c, "zero"), -EACCES); /* gid=65534, primary */
	TAP_RC(try_open(c, "null"), 0);
}

static void
plain_open(struct ring_ctl *c)
{
	TAP_RC(try_open(c, "echo"), 0);
	TAP_RC(try_open(c, "zero"), -EACCES);
	TAP_RC(try_open(c, "null"), 0);
}

TAP_TEST_ROOT(test_gid, "policy-gid", 30,
    "not root: cannot run a helper as uid 65534")
{
	char conf[256];

	snprintf(conf, sizeof(conf),
	    "deny open echo gid=%u\n"
	    "deny open zero gid=nogroup\n",
	    SUPP_GID);
	if (getgrnam("nogroup") == NULL)
		snprintf(conf, sizeof(conf),
		    "deny open echo gid=%u\n"
		    "deny open zero gid=%u\n",
		    SUPP_GID, TD_NOBODY);
	td_begin(&d, conf);
	as_nobody_supp(supp_open, SUPP_GID);
	as_nobody(plain_open);
	log_expect("open 'echo' denied by ringd.conf:1");
	td_finish(&d);
}

/* --- submit: opcode sets, built-ins and PROBE -------------------------------- */

static const char
    submit_conf[] = "deny submit null op=write uid=65534\n"
		    "allow submit zero op=noop uid=65534\n"
		    "deny submit \"zero\" uid=65534\n"
		    "deny submit ext op=write,200-255 uid=65534\n";

static const uint8_t ext_ops[] = { RING_OP_READ, RING_OP_WRITE, 200 };

static bool
opset_has(const struct ring_ctl_scheme *s, unsigned op)
{
	return (s->ops[op / 64] >> (op % 64)) & 1;
}

static void
nobody_submit(struct ring_ctl *c)
{
	struct ring *r;
	uint64_t id, ops[4];
	int n;

	r = td_open(c, "null", 8, 0, 0, &id);
	TAP_EQ(submit(r, RING_OP_NOOP, 0), 0);
	TAP_EQ(submit(r, RING_OP_WRITE, 5), -EACCES);
	TAP_EQ(submit(r, RING_OP_WRITE, 5), -EACCES);
	TAP_EQ(submit(r, RING_OP_READ, 5), 0);
	td_close_ring(c, r, id);

	r = td_open(c, "zero", 8, 0, 4096, &id);
	TAP_EQ(submit(r, RING_OP_NOOP, 0), 0);
	TAP_EQ(submit(r, RING_OP_READ, 0), -EACCES);
	td_close_ring(c, r, id);

	/* what PROBE shows this uid: declared and allowed */
	n = ring_ctl_probe(c, "null", ops);
	TAP_OK(n);
	TAP_ASSERT(ops[0] & (1ull << RING_OP_NOOP));
	TAP_ASSERT(ops[0] & (1ull << RING_OP_READ));
	TAP_ASSERT(!(ops[0] & (1ull << RING_OP_WRITE)));
	TAP_OK(ring_ctl_probe(c, "ext", ops));
	TAP_EQ_U(ops[0], 1ull << RING_OP_READ);
	TAP_EQ_U(ops[3], 0);
}

TAP_TEST_ROOT(test_submit, "policy-submit", 30,
    "not root: cannot run a helper as uid 65534")
{
	struct ring_ctl *c;
	struct ring_ctl_scheme rec;
	struct ring *r;
	uint64_t id, ops[4];

	td_begin(&d, submit_conf);
	c = td_connect(&d);
	TAP_RC(ring_ctl_register(c, "ext", ext_ops, 3), 0);
	as_nobody(nobody_submit);
	log_expect("submit write to 'null' denied by ringd.conf:1");
	log_expect("submit read to 'zero' denied by ringd.conf:3");
	/* one log line per ring, not per entry */
	TAP_EQ(td_log_count(&d, "submit write to 'null' denied"), 1);

	/* root is not named: everything goes */
	r = td_open(c, "null", 8, 0, 0, &id);
	TAP_EQ(submit(r, RING_OP_WRITE, 5), 5);
	TAP_OK(ring_ctl_probe(c, "ext", ops));
	TAP_EQ_U(ops[0], (1ull << RING_OP_READ) | (1ull << RING_OP_WRITE));
	TAP_EQ_U(ops[3], 1ull << (200 - 192));
	/* the scheme list shows what the scheme declared, for everyone */
	TAP_ASSERT(td_find_scheme(c, "ext", &rec));
	TAP_ASSERT(opset_has(&rec, RING_OP_WRITE));

	/* a reload reaches rings already open: deny root's writes now */
	reload("deny submit null op=write uid=0\n", true);
	TAP_EQ(submit(r, RING_OP_WRITE, 5), -EACCES);
	TAP_EQ(submit(r, RING_OP_NOOP, 0), 0);
	reload("# nothing\n", true);
	TAP_EQ(submit(r, RING_OP_WRITE, 5), 5);
	td_end_ring(&d, c, r, id);
}

/* --- phys: who, how much --------------------------------------------------- */

static int
alloc_rc(struct ring_ctl *c, uint64_t size)
{
	uint64_t min = size, base;

	return ring_physalloc3(c, size, 0, &min, &base);
}

static void
nobody_phys_quota(struct ring_ctl *c)
{
	TAP_RC(alloc_rc(c, 32 * KB), 0);
	TAP_RC(alloc_rc(c, 32 * KB), 0);
	TAP_RC(alloc_rc(c, 4 * KB), -EDQUOT); /* quota=64k */
}

static void
nobody_phys_regions(struct ring_ctl *c)
{
	TAP_RC(alloc_rc(c, 4 * KB), 0);
	TAP_RC(alloc_rc(c, 4 * KB), 0);
	TAP_RC(alloc_rc(c, 4 * KB), -EDQUOT); /* regions=2 */
}

static void
nobody_phys_ok(struct ring_ctl *c)
{
	TAP_RC(alloc_rc(c, 4 * KB), 0);
	TAP_RC(alloc_rc(c, 4 * KB), 0);
	TAP_RC(alloc_rc(c, 4 * KB), 0);
}

static void
nobody_phys_denied(struct ring_ctl *c)
{
	TAP_RC(alloc_rc(c, 4 * KB), -EACCES);
}

static void
nobody_phys_legacy(struct ring_ctl *c)
{
	TAP_RC(alloc_rc(c, 4 * KB), -EPERM); /* phys_allow_users = no */
}

static void
supp_phys(struct ring_ctl *c)
{
	TAP_RC(alloc_rc(c, 4 * KB), -EACCES);
}

TAP_TEST_ROOT(test_phys, "policy-phys", 30,
    "not root: cannot run a helper as uid 65534")
{
	struct ring_ctl *c;
	char conf[256];

	/* phys_allow_users stays no: the rule lets 65534 in */
	td_begin(&d, "allow phys uid=65534 quota=64k\n");
	as_nobody(nobody_phys_quota);
	c = td_connect(&d);
	TAP_RC(alloc_rc(c, 4 * KB), 0); /* root: no rule, legacy rules */
	ring_ctl_close(c);

	reload("allow phys uid=65534 regions=2\ndeny phys uid=0\n", true);
	as_nobody(nobody_phys_regions);
	c = td_connect(&d);
	TAP_RC(alloc_rc(c, 4 * KB), -EACCES);
	ring_ctl_close(c);
	log_expect("physalloc3 denied by ringd.conf:2");

	/* first match: a gid deny before a uid allow */
	snprintf(conf, sizeof(conf),
	    "phys_allow_users = yes\n"
	    "deny phys gid=%u\nallow phys uid=65534\n",
	    SUPP_GID);
	reload(conf, true);
	as_nobody_supp(supp_phys, SUPP_GID);
	as_nobody(nobody_phys_ok);

	/* no rule and policy_default = allow: phys_allow_users decides */
	reload("deny phys uid=1\n", true);
	as_nobody(nobody_phys_legacy);
	/* policy_default = deny: no rule means no */
	reload("policy_default = deny\nphys_allow_users = yes\n", true);
	as_nobody(nobody_phys_denied);
	log_expect("physalloc3 denied by policy_default");
	td_finish(&d);
}

/* --- bad rules: ringd refuses to start ------------------------------------------ */

static void
bad_rule(const char *rule, const char *why)
{
	char conf[256], want[256];
	struct td b;

	memset(&b, 0, sizeof(b));
	snprintf(conf, sizeof(conf), "# line 1\n%s\n", rule);
	td_start(&b, conf, TD_NO_WAIT);
	if (!td_wait_exit(&b, 5000))
		TD_FAIL(&b, "ringd started with rule '%s'", rule);
	if (!WIFEXITED(b.status) || WEXITSTATUS(b.status) != 1)
		TD_FAIL(&b, "rule '%s': wait status %#x, expected exit 1", rule,
		    b.status);
	snprintf(want, sizeof(want), "ringd.conf:2: %s", why);
	if (!td_log_has(&b, want))
		TD_FAIL(&b, "rule '%s': log lacks '%s'", rule, want);
	td_cleanup(&b);
}

TAP_TEST(test_bad_rules, "policy-bad-rules", 60)
{
	bad_rule("allow", "bad rule: 'allow' needs an action");
	bad_rule("deny fly *", "bad rule: unknown action 'fly'");
	bad_rule("allow open", "bad rule: 'open' needs a scheme pattern");
	bad_rule("allow open uid=0", "bad rule: 'open' needs a scheme pattern");
	bad_rule("allow open \"a/b\"",
	    "bad rule: bad scheme pattern '\"a/b\"'");
	bad_rule("allow open x uid=no-such-user-here",
	    "bad rule: no such user 'no-such-user-here'");
	bad_rule("allow open x gid=no-such-group-here",
	    "bad rule: no such group 'no-such-group-here'");
	bad_rule("allow open x uid=0 uid=1",
	    "bad rule: 'uid=' is not valid here");
	bad_rule("allow open x op=read", "bad rule: 'op=' is not valid here");
	bad_rule("allow submit x op=read,bogus", "bad rule: bad opcode list");
	bad_rule("allow submit x op=256", "bad rule: bad opcode list");
	bad_rule("allow submit x op=9-3", "bad rule: bad opcode list");
	bad_rule("deny phys quota=1M", "bad rule: 'quota=' is not valid here");
	bad_rule("allow phys quota=lots", "bad rule: bad quota 'lots'");
	bad_rule("allow phys regions=-1", "bad rule: bad region count '-1'");
	bad_rule("allow phys x", "bad rule: expected name=value, not 'x'");
	bad_rule("allow open x uid=",
	    "bad rule: expected name=value, not 'uid='");
	bad_rule("policy_default = maybe",
	    "bad value 'maybe' for 'policy_default': not allow or deny");
	bad_rule("seccomp = perhaps",
	    "bad value 'perhaps' for 'seccomp': not yes or no");
}

/* --- ringd -T: the policy as ringd read it -------------------------------------- */

TAP_TEST(test_print, "policy-print", 30)
{
	static const char conf
	    [] = "policy_default = deny  # closed\n"
		 "allow submit \"usb.*\" op=noop,read,write,128-255 uid=root\n"
		 "deny phys\n"
		 "allow phys gid=0 quota=1M regions=9\n";
	const char *bin = td_binary();
	char out[512], buf[8192];
	int fd;
	pid_t pid;

	if (bin == NULL)
		TAP_FAIL("no ringd binary");
	memset(&d, 0, sizeof(d));
	td_prepare(&d, conf);
	snprintf(out, sizeof(out), "%s/out", d.dir);
	pid = tap_fork();
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl(bin, "ringd", "-T", "-c", d.conf, (char *)NULL);
		_exit(127);
	}
	tap_reap(pid); /* exit status 0, or the sub-test fails */
	TAP_OK(td_read_file(out, buf, sizeof(buf)));
	TAP_ASSERT(strstr(buf, "policy_default = deny\n") != NULL);
	TAP_ASSERT(strstr(buf,
		       "allow submit \"usb.*\" "
		       "op=noop,read,write,128-255 uid=0  # line 2\n") != NULL);
	TAP_ASSERT(strstr(buf, "deny phys  # line 3\n") != NULL);
	TAP_ASSERT(strstr(buf,
		       "allow phys gid=0 quota=1048576 regions=9  "
		       "# line 4\n") != NULL);
	TAP_ASSERT(strstr(buf, "seccomp = yes\n") != NULL);
	TAP_ASSERT(strstr(buf, "syscall sendmsg") != NULL);
	TAP_ASSERT(
	    strstr(buf, "configuration ok, seccomp filter installed") != NULL);
	td_cleanup(&d);
}

TAP_MAIN(td_setup)
