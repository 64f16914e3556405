/*
 * testutil.c - shared helpers of the libring tests.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static uint64_t tu_state = 0x9e3779b97f4a7c15ull;

void
tu_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Seed from RING_TEST_SEED (or a fixed value) and a per-use salt. */
void
tu_srand(uint64_t salt)
{
	const char *s = getenv("RING_TEST_SEED");
	uint64_t seed = s != NULL ? strtoull(s, NULL, 0) : 20200701;

	tu_state = mix64(seed ^ mix64(salt));
	if (tu_state == 0)
		tu_state = 1;
}

/* xorshift64* */
uint64_t
tu_rand(void)
{
	tu_state ^= tu_state >> 12;
	tu_state ^= tu_state << 25;
	tu_state ^= tu_state >> 27;
	return tu_state * 0x2545f4914f6cdd1dull;
}

uint64_t
tu_rand_below(uint64_t n)
{
	return n == 0 ? 0 : tu_rand() % n;
}

void
tu_create(struct ring_fds *fds, uint32_t sq, uint32_t cq, uint32_t flags,
    uint64_t pool)
{
	struct ring_params p = { .sq_entries = sq,
		.cq_entries = cq,
		.flags = flags,
		.pool_bytes = pool };
	int rc;

	rc = ring_pair_create(&p, fds);
	if (rc < 0)
		TAP_FAIL("ring_pair_create(sq %u, cq %u, flags %#x, pool %llu) "
			 "= %s",
		    sq, cq, flags, (unsigned long long)pool, tap_rcname(rc));
	TAP_HERE();
}

/*
 * The handles tu_open() made, newest last: a forked child that ends with
 * _exit() (some on purpose, to die like a crash) leaves its handles open,
 * and valgrind would call them lost.  Never dereferenced.
 */
struct ring *volatile tu_handles[64];
static unsigned tu_nhandles;

struct ring *
tu_open(const struct ring_fds *fds, enum ring_role role)
{
	struct ring *r = NULL;
	int rc;

	rc = ring_open(fds, role, &r);
	if (rc < 0)
		TAP_FAIL("ring_open(role %d) = %s", (int)role, tap_rcname(rc));
	if (r == NULL)
		TAP_FAIL("ring_open(role %d) succeeded without a handle",
		    (int)role);
	tu_handles[tu_nhandles++ %
	    (sizeof(tu_handles) / sizeof(tu_handles[0]))] = r;
	TAP_HERE();
	return r;
}

void *
tu_map(int fd, size_t *len, int prot)
{
	struct stat st;
	void *m;

	TAP_SYS(fstat(fd, &st));
	TAP_ASSERT(st.st_size > 0);
	m = mmap(NULL, (size_t)st.st_size, prot, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		TAP_FAIL("mmap of the memory file: %s", tap_rcname(-errno));
	*len = (size_t)st.st_size;
	return m;
}

struct ring_header_page *
tu_sq_hdr(void *map)
{
	return (struct ring_header_page *)((char *)map + RING_PAGE);
}

struct ring_header_page *
tu_cq_hdr(void *map)
{
	return (struct ring_header_page *)((char *)map + 2 * RING_PAGE);
}

struct ring_pair_desc
tu_desc(uint32_t sq, uint32_t cq, uint32_t flags, uint64_t pool)
{
	return (struct ring_pair_desc){ .magic = RING_PAIR_MAGIC,
		.version = RING_ABI_VERSION,
		.flags = flags,
		.sq_entries = sq,
		.cq_entries = cq,
		.pool_bytes = pool };
}

uint64_t
tu_desc_size(const struct ring_pair_desc *d)
{
	return ring_layout(d->flags, d->sq_entries, d->cq_entries,
	    d->pool_bytes)
	    .total;
}

void
tu_build(const struct ring_pair_desc *d, uint64_t file_size, int seals,
    struct ring_fds *fds)
{
	uint64_t ec;
	int fd;

	fd = memfd_create("test-pair",
	    MFD_CLOEXEC | (seals != 0 ? MFD_ALLOW_SEALING : 0));
	TAP_SYS(fd);
	TAP_SYS(ftruncate(fd, (off_t)file_size));
	if (file_size >= sizeof(*d))
		TAP_EQ(pwrite(fd, d, sizeof(*d), 0), (long)sizeof(*d));
	/* entry_count of each header, where the file is long enough */
	ec = d->sq_entries;
	if (file_size >= 2 * RING_PAGE)
		TAP_EQ(pwrite(fd, &ec, sizeof(ec), RING_PAGE), 8);
	ec = d->cq_entries;
	if (file_size >= 3 * RING_PAGE)
		TAP_EQ(pwrite(fd, &ec, sizeof(ec), 2 * RING_PAGE), 8);
	if (seals != 0)
		TAP_SYS(fcntl(fd, F_ADD_SEALS, seals));
	fds->mem = fd;
	TAP_SYS(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0, fds->doorbell));
}

void
tu_await_sleeper(const struct ring *r, bool cq, bool push_side)
{
	uint64_t t0 = clock_ns();
	struct ring_stats st;
	struct ring_queue_stats *q = cq ? &st.cq : &st.sq;

	for (;;) {
		ring_get_stats(r, &st);
		if ((push_side ? q->push_wait : q->pop_wait) != 0)
			break;
		if (clock_ns() - t0 > 5000000000ull)
			TAP_FAIL("the %s side of the %s never announced that "
				 "it sleeps",
			    push_side ? "pushing" : "popping",
			    cq ? "CQ" : "SQ");
		tu_sleep_ms(1);
	}
	TAP_HERE();
}

bool
tu_under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

int
tu_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		TAP_FAIL("opendir /proc/self/fd: %s", tap_rcname(-errno));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

void
tu_pipe(int p[2])
{
	TAP_SYS(pipe2(p, O_CLOEXEC));
}

void
tu_pipe_close(int p[2])
{
	close(p[0]);
	close(p[1]);
}

void
tu_notify(int fd)
{
	char c = 'x';

	TAP_EQ(write(fd, &c, 1), 1);
}

void
tu_await(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	TAP_SYS(n);
	if (n == 0)
		TAP_FAIL("no word from the peer process in %d ms", timeout_ms);
	n = (int)read(fd, &c, 1);
	if (n != 1)
		TAP_FAIL("peer process closed its pipe (read = %d)", n);
	TAP_HERE();
}

struct ring_sqe
tu_sqe(uint8_t op, uint64_t ud, uint64_t addr, uint64_t len)
{
	return (struct ring_sqe){
		.opcode = op, .user_data = ud, .addr = addr, .len = len
	};
}

void
tu_sqe_make(struct ring_sqe *e, uint64_t seq, bool b32)
{
	uint64_t m = mix64(seq);

	memset(e, 0, sizeof(*e));
	e->opcode = (uint8_t)(seq % RING_OP_STANDARD_COUNT);
	e->flags = (uint8_t)(m & RING_SQE_KNOWN);
	e->priority = (uint16_t)(m >> 8);
	e->syscall_flags = (uint32_t)(m >> 24);
	e->user_data = seq;
	e->offset = mix64(seq ^ 0x0ff5e7);
	if (b32) {
		e->user_data = (uint32_t)seq;
		e->fd = (uint32_t)mix64(seq ^ 1);
		e->len = (uint32_t)mix64(seq ^ 2);
		e->addr = (uint32_t)mix64(seq ^ 3);
		return;
	}
	e->fd = mix64(seq ^ 1);
	e->len = mix64(seq ^ 2);
	e->addr = mix64(seq ^ 3);
	e->additional1 = mix64(seq ^ 4);
	e->additional2 = ~seq;
}

bool
tu_sqe_same(const struct ring_sqe *a, const struct ring_sqe *b)
{
	return a->opcode == b->opcode && a->flags == b->flags &&
	    a->priority == b->priority &&
	    a->syscall_flags == b->syscall_flags && a->fd == b->fd &&
	    a->len == b->len && a->user_data == b->user_data &&
	    a->addr == b->addr && a->offset == b->offset &&
	    a->additional1 == b->additional1 &&
	    a->additional2 == b->additional2;
}

void
tu_cqe_make(struct ring_cqe *e, uint64_t seq, uint64_t sum, bool b32)
{
	memset(e, 0, sizeof(*e));
	e->user_data = b32 ? (uint32_t)seq : seq;
	/* A result, never in the errno range: top bit clear. */
	e->status = mix64(seq ^ 0x5a5a) >> (b32 ? 33 : 1);
	/* final answers: a RING_CQE_MORE one would keep its request held */
	e->flags = 0;
	e->extra = b32 ? (uint32_t)sum : sum;
}

bool
tu_cqe_same(const struct ring_cqe *a, const struct ring_cqe *b)
{
	return a->user_data == b->user_data && a->status == b->status &&
	    a->flags == b->flags && a->extra == b->extra;
}

uint64_t
tu_sum_sqe(uint64_t sum, const struct ring_sqe *e)
{
	sum = mix64(sum ^ e->user_data);
	sum = mix64(sum ^ e->fd ^ (e->len << 1) ^ (e->addr << 2));
	sum = mix64(sum ^ e->offset ^ e->additional1 ^ e->additional2);
	sum ^= (uint64_t)e->opcode | (uint64_t)e->flags << 8 |
	    (uint64_t)e->priority << 16 | (uint64_t)e->syscall_flags << 32;
	return sum;
}
