/*
 * t-secure-default.c - the ringd.conf that make install and the ringd
 * package install (ringd/ringd.conf) is the secure default.  ringd runs
 * as root with that very file, only its socket pointed at a private
 * directory (-S), and:
 *
 *	the socket belongs to root and the configured group, mode 0660;
 *	a uid in the group connects, opens a ring to 'null', submits and
 *	registers a name, but physalloc3 gives it EPERM;
 *	a uid outside the group cannot connect (EACCES);
 *	root connects and allocates physical memory;
 *	with the socket's mode widened by hand, the policy rules still keep
 *	the outsider from registering, opening and submitting.
 *
 * The file names the system group 'ringd'.  Where that group exists the
 * file is used as shipped; elsewhere the test names an existing group in
 * its copy instead, so it never changes /etc/group.  The helpers are in
 * the group or not by setgroups(), which is what the kernel checks on the
 * socket and reports to ringd (SO_PEERGROUPS).  Every sub-test needs
 * root (a second uid, physalloc3, the socket's group) and is skipped
 * without it.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ring/phys.h>

#include "lib/daemon.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define SD_CONF "ringd/ringd.conf" /* below $RING_SRCDIR, else "." */
#define SD_GROUP "ringd"	   /* the group the file names */
#define SD_MEMBER 4243u		   /* uid and primary gid of the member */
#define SD_KB 1024ull
/* why every sub-test is skipped when not root */
#define SD_WHY_ROOT \
	"not root: needs a second uid, physalloc3 and the socket's group"

static struct td d;
static char sd_conf[16384];  /* the file, with the test's group */
static char sd_group[64];    /* that group's name */
static gid_t sd_gid;	     /* and number */
static char sd_why[1024];    /* why sd_conf is empty */

/* --- the configuration ----------------------------------------------------- */

/*
 * Copy src to dst with every "key" SD_GROUP that ends a line (key being
 * "socket_group = " or "gid=") naming group instead.  The number of
 * substitutions, or -1 when dst is too small.
 */
static int
sd_subst(const char *src, const char *key, const char *group, char *dst,
    size_t size)
{
	const size_t klen = strlen(key), glen = strlen(SD_GROUP);
	size_t used = 0, n;
	const char *p;
	int count = 0;

	for (;;) {
		p = strstr(src, key);
		while (p != NULL &&
		    !(strncmp(p + klen, SD_GROUP, glen) == 0 &&
			p[klen + glen] == '\n'))
			p = strstr(p + 1, key);
		n = p != NULL ? (size_t)(p - src) + klen : strlen(src);
		if (used + n + (p != NULL ? strlen(group) : 0) + 1 > size)
			return -1;
		memcpy(dst + used, src, n);
		used += n;
		if (p == NULL)
			break;
		memcpy(dst + used, group, strlen(group));
		used += strlen(group);
		src = p + klen + glen;
		count++;
	}
	dst[used] = '\0';
	return count;
}

/* The group to use: SD_GROUP when it exists, else an ordinary one. */
static bool
sd_pick_group(void)
{
	struct group *g;
	bool found = false;

	if ((g = getgrnam(SD_GROUP)) != NULL) {
		snprintf(sd_group, sizeof(sd_group), "%s", g->gr_name);
		sd_gid = g->gr_gid;
		return true;
	}
	setgrent();
	while (!found && (g = getgrent()) != NULL)
		if (g->gr_gid != 0 && g->gr_gid < TD_NOBODY &&
		    g->gr_gid != SD_MEMBER &&
		    strlen(g->gr_name) < sizeof(sd_group)) {
			snprintf(sd_group, sizeof(sd_group), "%s", g->gr_name);
			sd_gid = g->gr_gid;
			found = true;
		}
	endgrent();
	return found;
}

/*
 * Read the shipped file and make the test's copy; on failure sd_conf
 * stays empty and sd_why says why.  Runs in main, before the sub-tests
 * fork, so that each of them sees the result.
 */
static void
sd_load(void)
{
	static char raw[sizeof(sd_conf)], tmp[sizeof(sd_conf)];
	const char *top = getenv("RING_SRCDIR");
	char path[512];
	int n, a, b;

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".",
	    SD_CONF);
	n = td_read_file(path, raw, sizeof(raw));
	if (n <= 0 || (size_t)n >= sizeof(raw) - 1) {
		snprintf(sd_why, sizeof(sd_why),
		    "cannot read '%s' (run from the source tree or set "
		    "RING_SRCDIR)",
		    path);
		return;
	}
	if (!sd_pick_group()) {
		snprintf(sd_why, sizeof(sd_why), "no group to stand in for '%s'",
		    SD_GROUP);
		return;
	}
	a = sd_subst(raw, "socket_group = ", sd_group, tmp, sizeof(tmp));
	b = sd_subst(tmp, "gid=", sd_group, sd_conf, sizeof(sd_conf));
	if (a != 1 || b < 1) {
		snprintf(sd_why, sizeof(sd_why),
		    "'%s' names group '%s' %d times in socket_group and %d "
		    "times in gid= rules, expected 1 and at least 1",
		    path, SD_GROUP, a, b);
		sd_conf[0] = '\0';
	}
}

/* Start ringd with the copy; only the socket path is the test's own. */
static void
sd_begin(void)
{
	if (sd_conf[0] == '\0')
		TAP_FAIL("%s", sd_why);
	td_begin(&d, sd_conf);
}

/* --- helpers as other uids ----------------------------------------------- */

/* Become uid/gid with exactly the supplementary groups given. */
static void
sd_become(uid_t uid, gid_t gid, const gid_t *groups, size_t ngroups)
{
	TAP_SYS(setgroups(ngroups, groups));
	TAP_SYS(setresgid(gid, gid, gid));
	TAP_SYS(setresuid(uid, uid, uid));
	TAP_EQ(geteuid(), uid);
	/* a credential change cleared the harness's parent-death signal */
	TAP_SYS(prctl(PR_SET_PDEATHSIG, SIGKILL));
}

/* Run fn in a helper that is a member of the group, or (false) is not. */
static void
sd_as(bool member, void (*fn)(void))
{
	pid_t pid = tap_fork();

	if (pid == 0) {
		if (member)
			sd_become(SD_MEMBER, SD_MEMBER, &sd_gid, 1);
		else
			sd_become(TD_NOBODY, TD_NOBODY, NULL, 0);
		fn();
		tap_child_exit();
	}
	tap_reap(pid);
}

/* One SQE through r; the CQE's status. */
static int64_t
sd_submit(struct ring *r, uint8_t opcode, uint64_t len)
{
	struct ring_sqe sqe = { .opcode = opcode, .user_data = 31, .len = len };
	struct ring_cqe cqe;

	td_roundtrip(r, &sqe, &cqe);
	return (int64_t)cqe.status;
}

static int
sd_alloc(struct ring_ctl *c, uint64_t *base)
{
	uint64_t min = 4 * SD_KB;

	return ring_physalloc3(c, 4 * SD_KB, RING_PHYS_SPACE_64, &min, base);
}

/* --- sub-tests ----------------------------------------------------------- */

/* The socket: root's, the group's, 0660. */
TAP_TEST_ROOT(test_socket, "secure-socket", 30, SD_WHY_ROOT)
{
	struct stat st;

	sd_begin();
	TAP_SYS(lstat(d.sock, &st));
	TAP_ASSERT(S_ISSOCK(st.st_mode));
	TAP_EQ(st.st_mode & 07777, 0660);
	TAP_EQ(st.st_uid, 0);
	TAP_EQ(st.st_gid, sd_gid);
	td_finish(&d);
}

static void
member_work(void)
{
	struct ring_ctl *c = td_connect(&d);
	struct ring *r;
	uint64_t id, base;

	r = td_open(c, "null", 8, 0, 0, &id);
	TAP_EQ(sd_submit(r, RING_OP_NOOP, 0), 0);
	TAP_EQ(sd_submit(r, RING_OP_WRITE, 5), 5);
	td_close_ring(c, r, id);
	TAP_RC(ring_ctl_register(c, "t-secure", NULL, 0), 0);
	TAP_RC(ring_ctl_unregister(c, "t-secure"), 0);
	/* phys_allow_users = no: root alone allocates */
	TAP_RC(sd_alloc(c, &base), -EPERM);
	ring_ctl_close(c);
}

/* A member of the group does what a client does, but no physalloc3. */
TAP_TEST_ROOT(test_member, "secure-member", 30, SD_WHY_ROOT)
{
	sd_begin();
	sd_as(true, member_work);
	td_finish(&d);
}

static void
outsider_refused(void)
{
	struct ring_ctl *c = NULL;

	TAP_RC(ring_ctl_connect(d.sock, NULL, &c), -EACCES);
	TAP_ASSERT(c == NULL);
	/* the kernel refuses: ringd never sees the connection */
	TAP_RC(td_sock_connect(d.sock), -EACCES);
}

/* Anyone outside the group cannot even connect. */
TAP_TEST_ROOT(test_outsider, "secure-outsider", 30, SD_WHY_ROOT)
{
	sd_begin();
	sd_as(false, outsider_refused);
	td_finish(&d);
}

/* Root is in no group the file names, and may do everything. */
TAP_TEST_ROOT(test_root, "secure-root", 30, SD_WHY_ROOT)
{
	struct ring_ctl *c;
	struct ring *r;
	uint64_t id, base;

	sd_begin();
	c = td_connect(&d);
	r = td_open(c, "null", 8, 0, 0, &id);
	TAP_EQ(sd_submit(r, RING_OP_WRITE, 7), 7);
	td_close_ring(c, r, id);
	TAP_RC(sd_alloc(c, &base), 0);
	TAP_RC(ring_physfree(c, base, 4 * SD_KB), 0);
	td_end(&d, c);
}

static void
outsider_denied(void)
{
	struct ring_params p = { .sq_entries = 8 };
	struct ring_ctl *c = td_connect(&d);
	struct ring *r = NULL;
	uint64_t id, ops[4], base;

	TAP_RC(ring_ctl_register(c, "t-secure", NULL, 0), -EACCES);
	TAP_RC(ring_ctl_open(c, "null", &p, &r, &id), -EACCES);
	TAP_ASSERT(r == NULL);
	/* the submit rules leave it no opcode, as a probe shows */
	TAP_OK(ring_ctl_probe(c, "null", ops));
	TAP_EQ_U(ops[0] | ops[1] | ops[2] | ops[3], 0);
	TAP_RC(sd_alloc(c, &base), -EPERM);
	ring_ctl_close(c);
}

/*
 * The socket's mode widened by hand: the outsider connects, and the
 * policy denies it what the members may do.
 */
TAP_TEST_ROOT(test_widened, "secure-widened", 30, SD_WHY_ROOT)
{
	sd_begin();
	TAP_SYS(chmod(d.sock, 0666));
	sd_as(false, outsider_denied);
	if (!td_log_has(&d, "register 't-secure' denied by ringd.conf:") ||
	    !td_log_has(&d, "open 'null' denied by ringd.conf:"))
		TD_FAIL(&d, "ringd did not log the denials with their rules");
	td_finish(&d);
}

/*
 * Every sub-test needs root; the setup runs in main, before they fork,
 * so that each sees what sd_load() found.
 */
static void
sd_setup(void)
{
	if (geteuid() != 0)
		return;
	td_setup();
	sd_load();
	if (sd_conf[0] != '\0' && strcmp(sd_group, SD_GROUP) != 0)
		tap_diag("no group '%s' here: group '%s' (%u) stands in",
		    SD_GROUP, sd_group, (unsigned)sd_gid);
}
TAP_MAIN(sd_setup)
