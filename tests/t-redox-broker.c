/*
 * t-redox-broker.c - ringd brokering relibc redox_rings (the 2026
 * format), through libring's client against a private ringd, with the
 * scheme written here: its objects are made by hand (memfds, a stream
 * socketpair), so that it can also make them wrong.
 *
 * Covers: the setup path (objects relayed, sizes, seals, the ring in
 * LIST_RINGS with its depth, epochs and WAITING bits from the headers),
 * the file table (descriptors reach the scheme, its count or -EXDEV comes
 * back, a scheme that does not answer), refusal, a scheme that never
 * answers, objects that fail ringd's checks (wrong size, not a memfd,
 * growable, a pipe as doorbell, three descriptors), a name that does not
 * serve redox_rings, an unknown name, bad sizes, policy, the per-client
 * ring limit, a consumer that dies (REDOX_DETACH), a scheme that dies
 * (the dead mark, and a futex sleeper woken), a hostile scheme
 * answering for rings that are not its own or twice, a raw consumer's
 * second or malformed file table, v1 attaches filling the queue of a
 * scheme that takes only redox_ring events, and a ringd restart (the
 * ring is left alone, not adopted).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <redox/ring-scheme.h>

#include "lib/daemon.h"
#include "lib/raw.h"
#include "lib/tap.h"
#include "lib/testutil.h"

#define RS_NAME "t-redox"
#define RS_WAIT_MS 10000

/* The ringd of the running sub-test (each sub-test is its own process). */
static struct td d;

/* How the scheme answers a SETUP. */
enum rs_mode {
	RS_GOOD = 0,
	RS_REFUSE,     /* -EACCES */
	RS_SILENT,     /* never */
	RS_BAD_SIZE,   /* an SQ one entry short */
	RS_BAD_FILE,   /* the pool is a file on disk, not a memfd */
	RS_GROWABLE,   /* a memfd that cannot be sealed */
	RS_PIPE_DB,    /* a pipe as the doorbell */
	RS_NO_ANSWER_FILES, /* accept; never answer a file table */
	RS_EXDEV_FILES,     /* accept; answer file tables with -EXDEV */
};

/* The objects of one ring, as a scheme makes them. */
struct rs_objs {
	int sq, cq, pool;
	int db[2]; /* [0] ours, [1] the consumer's */
};

static int
rs_memfd(uint64_t size, bool sealable)
{
	int fd = memfd_create("t-redox",
	    MFD_CLOEXEC | (sealable ? MFD_ALLOW_SEALING : 0));

	TAP_SYS(fd);
	TAP_SYS(ftruncate(fd, (off_t)size));
	return fd;
}

static uint32_t
rs_pow2(uint32_t v)
{
	uint32_t n = 1;

	while (n < v)
		n <<= 1;
	return n;
}

/* Make the objects for p as asked (sizes fixed up as upstream schemes do). */
static void
rs_make(struct rs_objs *o, struct ring_ctl_redox_params *p, enum rs_mode mode)
{
	char path[TD_PATH_MAX];

	p->sq_entries = rs_pow2(p->sq_entries);
	p->cq_entries = 2 * p->sq_entries;
	o->sq = rs_memfd(REDOX_RING_HEADER_SIZE +
		(uint64_t)p->sq_entries * p->sqe_size -
		(mode == RS_BAD_SIZE ? p->sqe_size : 0),
	    true);
	o->cq = rs_memfd(REDOX_RING_HEADER_SIZE +
		(uint64_t)p->cq_entries * p->cqe_size,
	    mode != RS_GROWABLE);
	if (mode == RS_BAD_FILE) {
		snprintf(path, sizeof(path), "%s/pool", d.dir);
		TAP_SYS(o->pool = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
			    0600));
		TAP_SYS(ftruncate(o->pool, p->pool_size));
	} else
		o->pool = rs_memfd(p->pool_size, true);
	if (mode == RS_PIPE_DB)
		TAP_SYS(pipe2(o->db, O_CLOEXEC));
	else
		TAP_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    o->db));
}

static void
rs_close(struct rs_objs *o)
{
	close(o->sq);
	close(o->cq);
	close(o->pool);
	close(o->db[0]);
	close(o->db[1]);
}

/* The next redox_ring event, within RS_WAIT_MS. */
static void
rs_next(struct ring_ctl *sc, struct ring_ctl_redox_event *ev)
{
	struct pollfd pfd = { .fd = ring_ctl_fd(sc), .events = POLLIN };
	int i, rc;

	for (i = 0; i < RS_WAIT_MS / 10; i++) {
		if ((rc = ring_ctl_redox_next(sc, ev)) != -EAGAIN) {
			TAP_RC(rc, 0);
			return;
		}
		(void)poll(&pfd, 1, 10);
	}
	TAP_FAIL("no redox_ring event in %d ms", RS_WAIT_MS);
}

/* A scheme connection with RS_NAME registered to serve redox_rings. */
static struct ring_ctl *
rs_register(const char *name)
{
	struct ring_ctl *sc = td_connect(&d);

	TAP_RC(ring_ctl_register(sc, name, NULL, 0), 0);
	TAP_RC(ring_ctl_scheme_set(sc, name, RING_CTL_SERVE_REDOX, -1), 0);
	return sc;
}

/* Report one byte to the parent. */
static void
rs_say(int fd, char what)
{
	TAP_EQ(write(fd, &what, 1), 1);
}

/* Wait for a byte from the child; it must be want. */
static void
rs_hear(int fd, char want)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char got = 0;

	if (poll(&pfd, 1, RS_WAIT_MS) != 1 || read(fd, &got, 1) != 1)
		TAP_FAIL("no word '%c' from the scheme", want);
	if (got != want)
		TAP_FAIL("the scheme said '%c', expected '%c'", got, want);
}

/*
 * The end of a test whose scheme child has seen its ring go: reap it, wait
 * until ringd no longer lists ring id, and stop ringd.
 */
static void
rs_end(pid_t pid, int p_[2], struct ring_ctl *c, uint64_t id)
{
	tap_reap(pid);
	td_await_ring_gone(c, id);
	tu_pipe_close(p_);
	td_end(&d, c);
}

/*
 * The scheme, in a child: registered, it says 'r'; then it answers
 * SETUPs with modes[] in turn (the last one repeating), file tables as
 * its mode says ('F' once the files were seen), and ends at the first
 * DETACH ('D' for reason 0, 'R' for -ECONNRESET, 'I' for -EINVAL).
 */
static pid_t
rs_fork_scheme(const enum rs_mode *modes, unsigned nmodes, int p[2])
{
	struct ring_ctl_redox_event ev;
	struct rs_objs o[8];
	unsigned k = 0, i;
	enum rs_mode mode = RS_GOOD;
	struct ring_ctl *sc;
	struct ring_ctl_redox_fds give;
	pid_t pid;
	int rc;

	tu_pipe(p);
	if ((pid = tap_fork()) != 0) {
		rs_hear(p[0], 'r');
		return pid;
	}
	sc = rs_register(RS_NAME);
	rs_say(p[1], 'r');
	for (;;) {
		rs_next(sc, &ev);
		if (ev.kind == RING_CTL_REDOX_SETUP) {
			TAP_EQ_U(ev.consumer.pid, getppid());
			TAP_ASSERT(strcmp(ev.scheme, RS_NAME) == 0);
			TAP_ASSERT(k < 8);
			mode = modes[k < nmodes ? k : nmodes - 1];
			if (mode == RS_REFUSE) {
				TAP_RC(ring_ctl_redox_refuse(sc, ev.ring_id,
					   -EACCES),
				    0);
				continue;
			}
			if (mode == RS_SILENT)
				continue;
			rs_make(&o[k], &ev.params, mode);
			give.sq = o[k].sq;
			give.cq = o[k].cq;
			give.doorbell = o[k].db[1];
			give.pool = o[k].pool;
			rc = ring_ctl_redox_accept(sc, ev.ring_id, &ev.params,
			    &give);
			TAP_RC(rc, mode == RS_GOOD || mode == RS_EXDEV_FILES ||
				    mode == RS_NO_ANSWER_FILES
				? 0
				: -EINVAL);
			k++;
		} else if (ev.kind == RING_CTL_REDOX_FILES) {
			struct stat st;

			TAP_ASSERT(ev.nfds >= 1 && ev.nfds <= 16);
			for (i = 0; i < ev.nfds; i++) {
				TAP_SYS(fstat(ev.fds[i], &st));
				TAP_ASSERT(S_ISREG(st.st_mode));
				close(ev.fds[i]);
			}
			rs_say(p[1], 'F');
			if (mode == RS_NO_ANSWER_FILES)
				continue;
			TAP_RC(ring_ctl_redox_files_done(sc, ev.ring_id,
				   ev.token,
				   mode == RS_EXDEV_FILES ? -EXDEV
							  : (int)ev.nfds),
			    0);
		} else {
			TAP_EQ(ev.kind, RING_CTL_REDOX_DETACH);
			rs_say(p[1],
			    ev.reason == 0		  ? 'D'
				: ev.reason == -ECONNRESET ? 'R'
				: ev.reason == -EINVAL	   ? 'I'
							   : '?');
			if (ev.reason != -EINVAL)
				break;
		}
	}
	for (i = 0; i < k; i++)
		rs_close(&o[i]);
	ring_ctl_close(sc);
	tap_child_exit();
}

/* The asking consumer's usual request: 5 entries of 32/16 bytes. */
static struct ring_ctl_redox_params
rs_params(void)
{
	struct ring_ctl_redox_params p;

	memset(&p, 0, sizeof(p));
	p.sq_entries = 5;
	p.pool_size = 65536;
	p.sqe_size = 32;
	p.cqe_size = 16;
	return p;
}

static void
rs_close_fds(struct ring_ctl_redox_fds *f)
{
	close(f->sq);
	close(f->cq);
	close(f->doorbell);
	close(f->pool);
}

/* The record of ring id in LIST_RINGS; fails when it is not there. */
static struct ring_ctl_ring
rs_record(struct ring_ctl *c, uint64_t id)
{
	struct ring_ctl_ring *v, rec;
	size_t n, i;

	TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
	for (i = 0; i < n; i++)
		if (v[i].ring_id == id) {
			rec = v[i];
			free(v);
			return rec;
		}
	free(v);
	TAP_FAIL("ring %llu is not listed", (unsigned long long)id);
}

static void
rs_check_object(int fd, uint64_t size, bool exact)
{
	struct stat st;
	int seals;

	TAP_SYS(fstat(fd, &st));
	TAP_ASSERT(S_ISREG(st.st_mode));
	if (exact)
		TAP_EQ_U(st.st_size, size);
	else
		TAP_ASSERT((uint64_t)st.st_size >= size);
	TAP_SYS(seals = fcntl(fd, F_GET_SEALS));
	TAP_EQ_U(seals & (F_SEAL_SHRINK | F_SEAL_GROW),
	    F_SEAL_SHRINK | F_SEAL_GROW);
}

static uint32_t *
rs_word(uint8_t *hdr, unsigned off)
{
	return (uint32_t *)(void *)(hdr + off);
}

static uint8_t *
rs_map_hdr(int fd)
{
	void *h = mmap(NULL, REDOX_RING_HEADER_SIZE, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);

	TAP_ASSERT(h != MAP_FAILED);
	return h;
}

/*
 * Setup, the objects as relayed, the record with figures from the
 * headers, the file table, the per-client limit, and CLOSE reaching the
 * scheme as DETACH.
 */
TAP_TEST(test_setup, "redox-setup-list-files-close", 30)
{
	static const enum rs_mode modes[] = { RS_GOOD };
	struct ring_ctl_redox_params p = rs_params(), p2 = rs_params();
	struct ring_ctl_redox_fds f, f2;
	struct ring_ctl_ring rec;
	struct ring_ctl *c;
	struct stat st;
	uint8_t *sq;
	uint64_t id, id2;
	char path[TD_PATH_MAX];
	int p_[2], files[2];
	pid_t pid;

	td_begin(&d, "max_rings_per_client = 1\n");
	pid = rs_fork_scheme(modes, 1, p_);
	c = td_connect(&d);
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), 0);
	TAP_EQ_U(p.sq_entries, 8);
	TAP_EQ_U(p.cq_entries, 16);
	TAP_EQ_U(p.sqe_size, 32);
	TAP_EQ_U(p.cqe_size, 16);
	rs_check_object(f.sq, REDOX_RING_HEADER_SIZE + 8 * 32, true);
	rs_check_object(f.cq, REDOX_RING_HEADER_SIZE + 16 * 16, true);
	rs_check_object(f.pool, 65536, false);
	TAP_SYS(fstat(f.doorbell, &st));
	TAP_ASSERT(S_ISSOCK(st.st_mode));

	/* one ring per client: the second is refused before the scheme */
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p2, &id2, &f2), -EMFILE);

	rec = rs_record(c, id);
	TAP_EQ_U(rec.flags & RING_CTL_RING_REDOX, RING_CTL_RING_REDOX);
	TAP_EQ(rec.state, RING_CTL_RUNNING);
	TAP_EQ_U(rec.sq_entries, 8);
	TAP_EQ_U(rec.cq_entries, 16);
	TAP_EQ_U(rec.pool_bytes, 65536);
	TAP_EQ_U(rec.consumer.pid, getpid());
	TAP_EQ_U(rec.producer.pid, pid);
	TAP_EQ_U(rec.sq.depth, 0);

	/* three entries pushed by hand, and the scheme asleep on the SQ */
	sq = rs_map_hdr(f.sq);
	__atomic_store_n(rs_word(sq, REDOX_RING_TAIL_OFF), 3,
	    __ATOMIC_RELEASE);
	__atomic_store_n(rs_word(sq, REDOX_RING_HEAD_OFF), REDOX_RING_WAITING,
	    __ATOMIC_RELEASE);
	rec = rs_record(c, id);
	TAP_EQ_U(rec.sq.tail, 3);
	TAP_EQ_U(rec.sq.head, 0);
	TAP_EQ_U(rec.sq.depth, 3);
	TAP_EQ_U(rec.sq.push_epoch, 3);
	TAP_EQ_U(rec.sq.pop_wait, RING_WAIT_FUTEX);
	TAP_EQ_U(rec.sq.push_wait, 0);
	/* popped: the epochs count on past a wrap of the 31-bit indices */
	__atomic_store_n(rs_word(sq, REDOX_RING_HEAD_OFF), 3, __ATOMIC_RELEASE);
	rec = rs_record(c, id);
	TAP_EQ_U(rec.sq.depth, 0);
	TAP_EQ_U(rec.sq.pop_epoch, 3);
	TAP_EQ_U(rec.sq.pop_wait, 0);
	/* an impossible fill is a broken ring, not a crash */
	__atomic_store_n(rs_word(sq, REDOX_RING_TAIL_OFF), 1000,
	    __ATOMIC_RELEASE);
	rec = rs_record(c, id);
	TAP_EQ(rec.state, RING_CTL_BROKEN);
	TAP_EQ_U(rec.sq.depth, 8);
	__atomic_store_n(rs_word(sq, REDOX_RING_TAIL_OFF), 3,
	    __ATOMIC_RELEASE);

	/* the file table reaches the scheme and its count comes back */
	snprintf(path, sizeof(path), "%s/f0", d.dir);
	TAP_SYS(files[0] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
	snprintf(path, sizeof(path), "%s/f1", d.dir);
	TAP_SYS(files[1] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
	TAP_RC(ring_ctl_redox_files(c, id, files, 2), 2);
	rs_hear(p_[0], 'F');
	TAP_RC(ring_ctl_redox_files(c, id + 100, files, 2), -ENOENT);
	close(files[0]);
	close(files[1]);

	TAP_RC(ring_ctl_close_ring(c, id), 0);
	rs_hear(p_[0], 'D');
	/* the headers say the other side is gone */
	TAP_EQ_U(__atomic_load_n(rs_word(sq, REDOX_RING_STATE_OFF),
		     __ATOMIC_ACQUIRE),
	    REDOX_RING_STATE_DEAD);
	munmap(sq, REDOX_RING_HEADER_SIZE);
	rs_close_fds(&f);
	rs_end(pid, p_, c, id);
}

/*
 * Refusal and everything ringd answers without the scheme: bad sizes,
 * an unknown name, a name that does not serve redox_rings (a registered
 * one, a built-in).
 */
TAP_TEST(test_refuse, "redox-refuse-enoent-eopnotsupp-sizes", 30)
{
	static const enum rs_mode modes[] = { RS_REFUSE };
	struct ring_ctl_redox_params p;
	struct ring_ctl_redox_fds f;
	struct ring_ctl *c, *other;
	struct ring_ctl_status st;
	uint64_t id;
	int p_[2];
	pid_t pid;

	td_begin(&d, NULL);
	pid = rs_fork_scheme(modes, 1, p_);
	c = td_connect(&d);
	p = rs_params();
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -EACCES);
	p = rs_params();
	TAP_RC(ring_ctl_redox_setup(c, "t-nobody", &p, &id, &f), -ENOENT);
	other = td_connect(&d);
	TAP_RC(ring_ctl_register(other, "t-v1only", NULL, 0), 0);
	TAP_RC(ring_ctl_redox_setup(c, "t-v1only", &p, &id, &f), -EOPNOTSUPP);
	TAP_RC(ring_ctl_redox_setup(c, "null", &p, &id, &f), -EOPNOTSUPP);
	p.sq_entries = 0;
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -EINVAL);
	p = rs_params();
	p.sq_entries = REDOX_RING_MAX_SQ + 1;
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -E2BIG);
	p = rs_params();
	p.sqe_size = 0;
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -EINVAL);
	p = rs_params();
	p.flags = 0x100;
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -EINVAL);
	p = rs_params();
	p.pool_size = 0;
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -EINVAL);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ_U(st.rings, 0);
	ring_ctl_close(other);
	tap_kill(pid);
	tu_pipe_close(p_);
	td_end(&d, c);
}

/* A scheme that never answers: -ETIMEDOUT after accept_timeout_ms. */
TAP_TEST(test_timeout, "redox-setup-timeout", 30)
{
	static const enum rs_mode modes[] = { RS_SILENT };
	struct ring_ctl_redox_params p = rs_params();
	struct ring_ctl_redox_fds f;
	struct ring_ctl_status st;
	struct ring_ctl *c;
	uint64_t id;
	int p_[2];
	pid_t pid;

	td_begin(&d, "accept_timeout_ms = 300\n");
	pid = rs_fork_scheme(modes, 1, p_);
	c = td_connect(&d);
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -ETIMEDOUT);
	TAP_RC(ring_ctl_status(c, &st), 0);
	TAP_EQ_U(st.rings, 0);
	tap_kill(pid);
	tu_pipe_close(p_);
	td_end(&d, c);
}

/*
 * Objects that fail ringd's checks: -EINVAL to the consumer, and to the
 * scheme's accept, and a DETACH to the scheme; ringd carries on.
 */
TAP_TEST(test_bad_objects, "redox-bad-objects", 30)
{
	static const enum rs_mode modes[] = { RS_BAD_SIZE, RS_BAD_FILE,
		RS_GROWABLE, RS_PIPE_DB, RS_GOOD };
	struct ring_ctl_redox_params p;
	struct ring_ctl_redox_fds f;
	struct ring_ctl *c;
	uint64_t id;
	unsigned i;
	int p_[2];
	pid_t pid;

	td_begin(&d, NULL);
	pid = rs_fork_scheme(modes, 5, p_);
	c = td_connect(&d);
	for (i = 0; i < 4; i++) {
		p = rs_params();
		TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -EINVAL);
		rs_hear(p_[0], 'I');
	}
	/* the same scheme still serves a good ring afterwards */
	p = rs_params();
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), 0);
	rs_close_fds(&f);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	rs_hear(p_[0], 'D');
	rs_end(pid, p_, c, id);
}

/* The scheme's answers to a file table: -EXDEV, or none (-ETIMEDOUT). */
static void
rs_files_case(enum rs_mode mode, int want)
{
	const enum rs_mode modes[] = { mode };
	struct ring_ctl_redox_params p = rs_params();
	struct ring_ctl_redox_fds f;
	struct ring_ctl *c;
	uint64_t id;
	int p_[2], fd;
	pid_t pid;

	td_begin(&d, "accept_timeout_ms = 300\n");
	pid = rs_fork_scheme(modes, 1, p_);
	c = td_connect(&d);
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), 0);
	TAP_SYS(fd = open(d.conf, O_RDONLY | O_CLOEXEC));
	TAP_RC(ring_ctl_redox_files(c, id, &fd, 1), want);
	rs_hear(p_[0], 'F');
	close(fd);
	rs_close_fds(&f);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	rs_hear(p_[0], 'D');
	rs_end(pid, p_, c, id);
}

TAP_TEST_CALL(test_files_exdev, "redox-files-exdev", 30,
    rs_files_case(RS_EXDEV_FILES, -EXDEV))
TAP_TEST_CALL(test_files_timeout, "redox-files-timeout", 30,
    rs_files_case(RS_NO_ANSWER_FILES, -ETIMEDOUT))

/* The reply to seq on a raw connection, within RS_WAIT_MS: its error. */
static int
rs_raw_reply(int raw, struct proto_msg *m, uint32_t seq)
{
	struct pollfd pfd = { .fd = raw, .events = POLLIN };
	int i;

	for (i = 0; i < RS_WAIT_MS / 10; i++) {
		if (proto_recv(raw, m) != 0) {
			(void)poll(&pfd, 1, 10);
			continue;
		}
		proto_msg_close_fds(m);
		if (m->hdr.seq == seq)
			return *(int32_t *)(void *)m->body.raw;
	}
	TAP_FAIL("no reply to seq %u in %d ms", seq, RS_WAIT_MS);
}

/*
 * A consumer on a raw connection: a second file table while the scheme
 * still holds the first (-EBUSY), a count that is not the descriptors'
 * and a token set by the consumer (-EINVAL); the first one times out.
 */
TAP_TEST(test_files_busy, "redox-files-busy-malformed", 30)
{
	static const enum rs_mode modes[] = { RS_NO_ANSWER_FILES };
	struct proto_redox_setup req;
	struct proto_redox_files fr;
	struct proto_ring_ref ref;
	struct proto_msg *m;
	int raw, p_[2], fd;
	pid_t pid;

	td_begin(&d, "accept_timeout_ms = 500\n");
	pid = rs_fork_scheme(modes, 1, p_);
	TAP_ASSERT((m = malloc(sizeof(*m))) != NULL);
	TAP_SYS(raw = raw_open(d.sock, "t-files"));
	memset(&req, 0, sizeof(req));
	strcpy(req.scheme, RS_NAME);
	req.params = rs_params();
	TAP_RC(raw_call(raw, PROTO_REDOX_SETUP, 2, &req, sizeof(req), NULL, 0,
		   m, 5000),
	    0);
	TAP_EQ(m->nfds, 4);
	proto_msg_close_fds(m);
	memset(&fr, 0, sizeof(fr));
	fr.ring_id = ((struct proto_redox_setup_reply *)(void *)m->body.raw)
			 ->ring_id;
	fr.nfiles = 1;
	TAP_SYS(fd = open(d.conf, O_RDONLY | O_CLOEXEC));
	TAP_RC(proto_send(raw, PROTO_REDOX_FILES, 3, &fr, sizeof(fr), &fd, 1),
	    0);
	TAP_RC(proto_send(raw, PROTO_REDOX_FILES, 4, &fr, sizeof(fr), &fd, 1),
	    0);
	TAP_RC(rs_raw_reply(raw, m, 4), -EBUSY);
	rs_hear(p_[0], 'F');
	TAP_RC(rs_raw_reply(raw, m, 3), -ETIMEDOUT);
	fr.nfiles = 2;
	TAP_RC(raw_call(raw, PROTO_REDOX_FILES, 5, &fr, sizeof(fr), &fd, 1,
		   NULL, 5000),
	    -EINVAL);
	fr.nfiles = 1;
	fr.token = 7;
	TAP_RC(raw_call(raw, PROTO_REDOX_FILES, 6, &fr, sizeof(fr), &fd, 1,
		   NULL, 5000),
	    -EINVAL);
	close(fd);
	ref.ring_id = fr.ring_id;
	TAP_RC(raw_call(raw, PROTO_CLOSE, 7, &ref, sizeof(ref), NULL, 0, NULL,
		   5000),
	    0);
	rs_hear(p_[0], 'D');
	tap_reap(pid);
	close(raw);
	free(m);
	tu_pipe_close(p_);
	td_end(&d, NULL);
}

/* The policy's "open" rules govern redox_rings too. */
TAP_TEST(test_policy, "redox-policy-deny", 30)
{
	struct ring_ctl_redox_params p = rs_params();
	struct ring_ctl_redox_fds f;
	struct ring_ctl *c, *sc;
	uint64_t id;
	char conf[128];

	snprintf(conf, sizeof(conf), "deny open %s uid=%u\n", RS_NAME,
	    (unsigned)getuid());
	td_begin(&d, conf);
	sc = rs_register(RS_NAME);
	c = td_connect(&d);
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), -EACCES);
	ring_ctl_close(sc);
	td_end(&d, c);
}

/* A consumer that dies: its scheme gets DETACH with -ECONNRESET. */
TAP_TEST(test_consumer_dies, "redox-consumer-dies", 30)
{
	struct ring_ctl_redox_event ev;
	struct ring_ctl_redox_fds give;
	struct ring_ctl *sc;
	struct rs_objs o;
	uint8_t *cq;
	pid_t pid;

	td_begin(&d, NULL);
	sc = rs_register(RS_NAME);
	if ((pid = tap_fork()) == 0) {
		struct ring_ctl_redox_params p = rs_params();
		struct ring_ctl_redox_fds f;
		struct ring_ctl *c = td_connect(&d);
		uint64_t id;

		TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), 0);
		_exit(0); /* no CLOSE: the connection just ends */
	}
	rs_next(sc, &ev);
	TAP_EQ(ev.kind, RING_CTL_REDOX_SETUP);
	rs_make(&o, &ev.params, RS_GOOD);
	give.sq = o.sq;
	give.cq = o.cq;
	give.doorbell = o.db[1];
	give.pool = o.pool;
	TAP_RC(ring_ctl_redox_accept(sc, ev.ring_id, &ev.params, &give), 0);
	tap_reap(pid);
	rs_next(sc, &ev);
	TAP_EQ(ev.kind, RING_CTL_REDOX_DETACH);
	TAP_EQ(ev.reason, -ECONNRESET);
	cq = rs_map_hdr(o.cq);
	TAP_EQ_U(__atomic_load_n(rs_word(cq, REDOX_RING_STATE_OFF),
		     __ATOMIC_ACQUIRE),
	    REDOX_RING_STATE_DEAD);
	munmap(cq, REDOX_RING_HEADER_SIZE);
	rs_close(&o);
	td_await_ring_gone(sc, ev.ring_id);
	td_end(&d, sc);
}

/*
 * A scheme that dies: both headers get the dead mark, a consumer asleep
 * on the CQ tail (a futex wait, WAITING set on head) is woken, and the
 * ring stays DROPPED until the consumer closes it.
 */
TAP_TEST(test_scheme_dies, "redox-scheme-dies-wakes", 30)
{
	static const enum rs_mode modes[] = { RS_GOOD };
	struct ring_ctl_redox_params p = rs_params();
	struct ring_ctl_redox_fds f;
	struct ring_ctl_ring rec;
	struct ring_ctl *c;
	uint8_t *cq, *sq;
	uint64_t id;
	int p_[2], w[2], status;
	pid_t pid, waiter;

	td_begin(&d, NULL);
	pid = rs_fork_scheme(modes, 1, p_);
	c = td_connect(&d);
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), 0);
	cq = rs_map_hdr(f.cq);
	sq = rs_map_hdr(f.sq);
	tu_pipe(w);
	if ((waiter = fork()) == 0) {
		/* the consumer's sleep: WAITING on head, wait on tail */
		struct timespec ts = { .tv_sec = 20 };
		uint32_t *tail = rs_word(cq, REDOX_RING_TAIL_OFF);
		long rc;

		__atomic_store_n(rs_word(cq, REDOX_RING_HEAD_OFF),
		    REDOX_RING_WAITING, __ATOMIC_SEQ_CST);
		(void)!write(w[1], "w", 1);
		do
			rc = syscall(SYS_futex, tail, FUTEX_WAIT, 0, &ts, NULL,
			    0);
		while (rc < 0 && errno == EINTR &&
		    __atomic_load_n(rs_word(cq, REDOX_RING_STATE_OFF),
			__ATOMIC_ACQUIRE) != REDOX_RING_STATE_DEAD);
		_exit(rc < 0 && errno == ETIMEDOUT ? 2 : 0);
	}
	TAP_SYS(waiter);
	rs_hear(w[0], 'w');
	/* the waiter may not be asleep yet; a wake before its sleep only
	 * lets it see the value changed?  No: the tail stays 0, so wait
	 * until the kernel shows it sleeping */
	for (status = 0; status < 1000; status++) {
		char path[64], st[256] = "";
		FILE *fp;

		snprintf(path, sizeof(path), "/proc/%d/wchan", (int)waiter);
		if ((fp = fopen(path, "r")) != NULL) {
			(void)!fgets(st, sizeof(st), fp);
			fclose(fp);
		}
		if (strstr(st, "futex") != NULL)
			break;
		tu_sleep_ms(5);
	}
	tap_kill(pid);
	if (!tap_reap_within(waiter, RS_WAIT_MS))
		TAP_FAIL("the futex sleeper was not woken");
	TAP_EQ_U(__atomic_load_n(rs_word(cq, REDOX_RING_STATE_OFF),
		     __ATOMIC_ACQUIRE),
	    REDOX_RING_STATE_DEAD);
	TAP_EQ_U(__atomic_load_n(rs_word(sq, REDOX_RING_STATE_OFF),
		     __ATOMIC_ACQUIRE),
	    REDOX_RING_STATE_DEAD);
	rec = rs_record(c, id);
	TAP_EQ(rec.state, RING_CTL_DROPPED);
	TAP_EQ_U(rec.cq.pop_wait, RING_WAIT_FUTEX);
	munmap(cq, REDOX_RING_HEADER_SIZE);
	munmap(sq, REDOX_RING_HEADER_SIZE);
	rs_close_fds(&f);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	td_await_ring_gone(c, id);
	tu_pipe_close(w);
	tu_pipe_close(p_);
	td_end(&d, c);
}

/* The next message of type on a raw connection, within RS_WAIT_MS. */
static void
rs_raw_next(int raw, struct proto_msg *m, uint16_t type)
{
	struct pollfd pfd = { .fd = raw, .events = POLLIN };
	int i, rc;

	for (i = 0; i < RS_WAIT_MS / 10; i++) {
		rc = proto_recv(raw, m);
		if (rc == 0 && m->hdr.type == type)
			return;
		if (rc == 0)
			proto_msg_close_fds(m);
		else if (rc != -EAGAIN)
			TAP_FAIL("raw connection: %s", tap_rcname(rc));
		else
			(void)poll(&pfd, 1, 10);
	}
	TAP_FAIL("no %s in %d ms", proto_type_name(type), RS_WAIT_MS);
}

/*
 * A hostile scheme on a raw connection: accepts for a ring that does not
 * exist, for another scheme's ring, twice, and with three descriptors.
 * ringd answers each with an error and carries on; the consumer gets its
 * ring from the good accept and -EINVAL from the three descriptors.
 */
TAP_TEST(test_hostile, "redox-hostile-scheme", 30)
{
	static const enum rs_mode modes[] = { RS_GOOD };
	struct ring_ctl_redox_params p, q;
	struct ring_ctl_redox_fds f;
	struct proto_redox_accept a;
	struct proto_scheme_set set;
	struct proto_msg *m;
	struct rs_objs o;
	struct ring_ctl *c;
	int raw, p_[2], go[2], fds[4];
	uint64_t id, other;
	pid_t pid, cons;

	td_begin(&d, NULL);
	TAP_SYS(raw = raw_open(d.sock, "t-hostile"));
	TAP_RC(raw_register(raw, "t-raw"), 0);
	memset(&set, 0, sizeof(set));
	strcpy(set.name, "t-raw");
	set.flags = RING_CTL_SERVE_REDOX;
	TAP_RC(raw_call(raw, PROTO_SCHEME_SET, 3, &set, sizeof(set), NULL, 0,
		   NULL, 5000),
	    0);
	pid = rs_fork_scheme(modes, 1, p_);
	tu_pipe(go);
	if ((cons = tap_fork()) == 0) {
		struct ring_ctl *cc = td_connect(&d);
		uint64_t rid;

		p = rs_params();
		TAP_RC(ring_ctl_redox_setup(cc, "t-raw", &p, &rid, &f), 0);
		rs_close_fds(&f);
		tu_await(go[0], RS_WAIT_MS);
		p = rs_params();
		TAP_RC(ring_ctl_redox_setup(cc, "t-raw", &p, &rid, &f),
		    -EINVAL);
		ring_ctl_close(cc);
		tap_child_exit();
	}
	/* after the forks: the helpers do not inherit it */
	TAP_ASSERT((m = malloc(sizeof(*m))) != NULL);
	rs_raw_next(raw, m, PROTO_REDOX_ATTACH);
	p = ((struct proto_redox_attach *)m->body.raw)->params;
	id = ((struct proto_redox_attach *)m->body.raw)->ring_id;
	rs_make(&o, &p, RS_GOOD);
	fds[0] = o.sq;
	fds[1] = o.cq;
	fds[2] = o.db[1];
	fds[3] = o.pool;
	memset(&a, 0, sizeof(a));
	a.params = p;
	a.ring_id = id + 1000;
	TAP_RC(raw_call(raw, PROTO_REDOX_ACCEPT, 5, &a, sizeof(a), fds, 4,
		   NULL, 5000),
	    -ENOENT);
	a.ring_id = id;
	TAP_RC(raw_call(raw, PROTO_REDOX_ACCEPT, 6, &a, sizeof(a), fds, 4,
		   NULL, 5000),
	    0);
	TAP_RC(raw_call(raw, PROTO_REDOX_ACCEPT, 7, &a, sizeof(a), fds, 4,
		   NULL, 5000),
	    -EALREADY);
	/* another scheme's ring */
	c = td_connect(&d);
	q = rs_params();
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &q, &other, &f), 0);
	rs_close_fds(&f);
	a.ring_id = other;
	TAP_RC(raw_call(raw, PROTO_REDOX_ACCEPT, 8, &a, sizeof(a), fds, 4,
		   NULL, 5000),
	    -EPERM);
	TAP_RC(ring_ctl_close_ring(c, other), 0);
	rs_hear(p_[0], 'D');
	tap_reap(pid);
	/* the consumer's second ring, answered with three descriptors */
	tu_notify(go[1]);
	rs_raw_next(raw, m, PROTO_REDOX_ATTACH);
	a.ring_id = ((struct proto_redox_attach *)m->body.raw)->ring_id;
	TAP_RC(raw_call(raw, PROTO_REDOX_ACCEPT, 9, &a, sizeof(a), fds, 3,
		   NULL, 5000),
	    -EINVAL);
	TAP_RC(raw_call(raw, PROTO_REDOX_ACCEPT, 10, &a, sizeof(a), fds, 4,
		   NULL, 5000),
	    -ENOENT);
	tap_reap(cons);
	td_assert_alive(&d);
	rs_close(&o);
	close(raw);
	free(m);
	tu_pipe_close(go);
	tu_pipe_close(p_);
	td_end(&d, c);
}

/*
 * A scheme that serves only redox_rings never takes v1 attaches: opens
 * that fill its attach queue must not keep its redox_ring events from it.
 */
TAP_TEST(test_attach_flood, "redox-scheme-v1-attach-flood", 30)
{
	static const enum rs_mode modes[] = { RS_GOOD };
	struct ring_ctl_redox_params p = rs_params();
	struct ring_ctl_redox_fds f;
	struct pollfd pfd;
	struct proto_msg *m;
	struct proto_open o;
	struct ring_ctl *c;
	int raw, p_[2], i, busy = 0;
	uint64_t id;
	pid_t pid;

	td_begin(&d, NULL);
	pid = rs_fork_scheme(modes, 1, p_);
	TAP_ASSERT((m = malloc(sizeof(*m))) != NULL);
	c = td_connect(&d);
	/* the scheme waits in ring_ctl_redox_next() already */
	TAP_SYS(raw = raw_open(d.sock, "t-flood"));
	pfd.fd = raw;
	pfd.events = POLLIN;
	memset(&o, 0, sizeof(o));
	strcpy(o.scheme, RS_NAME);
	o.params.sq_entries = 2;
	for (i = 0; i < 80; i++)
		TAP_RC(proto_send(raw, PROTO_OPEN, (uint32_t)(100 + i), &o,
			   sizeof(o), NULL, 0),
		    0);
	/* its attach queue takes 64; the rest are refused at once */
	for (i = 0; i < RS_WAIT_MS / 10 && busy < 80 - 64; i++) {
		if (proto_recv(raw, m) == 0) {
			TAP_EQ(m->hdr.type, PROTO_OPEN | PROTO_REPLY);
			TAP_EQ(*(int32_t *)(void *)m->body.raw, -EBUSY);
			busy++;
		} else
			(void)poll(&pfd, 1, 10);
	}
	TAP_EQ(busy, 80 - 64);
	/* and its redox_ring events still come */
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), 0);
	rs_close_fds(&f);
	close(raw);
	TAP_RC(ring_ctl_close_ring(c, id), 0);
	rs_hear(p_[0], 'D');
	tap_reap(pid);
	free(m);
	tu_pipe_close(p_);
	td_end(&d, c);
}

/*
 * ringd stops with a redox_ring running: the ring is left to its two
 * processes, unmarked (neither side is told it is dead), and the next
 * ringd on the socket does not list it.
 */
TAP_TEST(test_restart, "redox-ringd-restart", 60)
{
	struct ring_ctl_redox_params p = rs_params();
	struct ring_ctl_redox_fds f;
	struct ring_ctl_ring *v;
	struct ring_ctl *c;
	uint8_t *sq;
	uint64_t id;
	size_t n;
	int p_[2], r[2];
	pid_t pid;

	memset(&d, 0, sizeof(d));
	td_start(&d, NULL, 0);
	tu_pipe(p_);
	tu_pipe(r);
	if ((pid = tap_fork()) == 0) {
		struct ring_ctl_redox_event ev;
		struct ring_ctl_redox_fds give;
		struct ring_ctl *sc = rs_register(RS_NAME);
		struct rs_objs o;

		rs_say(r[1], 'r');
		rs_next(sc, &ev);
		TAP_EQ(ev.kind, RING_CTL_REDOX_SETUP);
		rs_make(&o, &ev.params, RS_GOOD);
		give.sq = o.sq;
		give.cq = o.cq;
		give.doorbell = o.db[1];
		give.pool = o.pool;
		TAP_RC(ring_ctl_redox_accept(sc, ev.ring_id, &ev.params,
			   &give),
		    0);
		/* ringd goes: the scheme keeps its ring until told to stop */
		tu_await(p_[0], RS_WAIT_MS * 3);
		rs_close(&o);
		ring_ctl_close(sc);
		tap_child_exit();
	}
	rs_hear(r[0], 'r');
	c = td_connect(&d);
	TAP_RC(ring_ctl_redox_setup(c, RS_NAME, &p, &id, &f), 0);
	sq = rs_map_hdr(f.sq);
	td_stop(&d);
	TAP_EQ_U(__atomic_load_n(rs_word(sq, REDOX_RING_STATE_OFF),
		     __ATOMIC_ACQUIRE),
	    0);
	ring_ctl_close(c);
	td_start(&d, NULL, 0);
	c = td_connect(&d);
	TAP_RC(ring_ctl_list_rings(c, &v, &n), 0);
	TAP_EQ_U(n, 0);
	free(v);
	TAP_EQ_U(__atomic_load_n(rs_word(sq, REDOX_RING_STATE_OFF),
		     __ATOMIC_ACQUIRE),
	    0);
	tu_notify(p_[1]);
	tap_reap(pid);
	munmap(sq, REDOX_RING_HEADER_SIZE);
	rs_close_fds(&f);
	tu_pipe_close(p_);
	tu_pipe_close(r);
	td_end(&d, c);
}

TAP_MAIN(td_setup)
