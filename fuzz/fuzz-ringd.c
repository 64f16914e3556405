/*
 * fuzz-ringd.c - libFuzzer target: ringd's request handlers, stateful.
 *
 * ringd's own modules (everything but main.c) run in this process: each
 * input starts a fresh daemon state the way main.c does (configuration,
 * epoll loop, built-in schemes, physalloc3 zones; no seccomp, no fork)
 * with a listening socket in the abstract namespace, then plays a program
 * of steps from up to four clients that this process connects itself
 * (as root, or as uid 65534 or 1000 through seteuid, so SO_PEERCRED is
 * the kernel's): connect, disconnect, HELLO, REGISTER, UNREGISTER, OPEN,
 * ACCEPT (the answer to an ATTACH), CLOSE, PROBE, STATUS, the LIST
 * requests, PHYS_ALLOC, PHYS_ALLOC_SG, PHYS_FREE/MAP/GRANT and ADOPT with
 * fuzzer-chosen fields and descriptors (real ring pairs, forged memory
 * files sealed or not and of right or wrong size, eventfds, pipes,
 * sockets, /dev/null, another client's socket), raw packets, time
 * passing (the accept, adopt and HELLO deadlines) and the data path of
 * rings a client holds (pushes that wake ringd's built-in schemes, a
 * scheme's answers, writes into the memory file, doorbell writes and file
 * status flag changes).  After each
 * step the loop turns as loop_run() does (deadlines, events, built-in
 * work, reaping) until it is quiet, and every client drains what ringd
 * sent it (each message must pass proto_recv()).
 *
 * What must hold after every step: ringd's counts match its trees and
 * lists (clients, schemes, rings by id and by memory file, each client's
 * consumer and producer lists and ring count, scheme ring counts, pending,
 * adopting and runnable rings, rings served), no two rings share an id or
 * a memory file, limits hold, every identity it would print is printable;
 * at the end, with every client gone, ringd holds nothing but what it held
 * before the first client (and persistent physalloc3 regions), and after
 * its teardown the process has exactly the descriptors it started with.
 *
 * The target is four files: this one (the driver: one input, steps,
 * restarts, libFuzzer's entry points), ringd-fake.c (the fake clients),
 * ringd-ops.c (the operations) and ringd-check.c (the invariants), which
 * share ringd-fuzz.h.
 *
 * Input: byte 0 picks the configuration (bits in ringd-fuzz.h), then
 * steps; a step is one byte (client slot in the top 2 bits, operation in
 * the low 6) followed by the bytes that operation reads; a short input
 * reads zeros.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "ringd-fuzz.h"
#include "fuzz.h"

/* ringd/main.c defines the daemon's state; main.c is not linked. */
struct ringd ringd;

uint64_t fz_now;
struct fz_client fz_cli[FZ_NCLIENTS];
struct fz_ring fz_rings[FZ_NRINGS];
unsigned fz_ring_next;
struct ring_fds fz_pairs[FZ_NPAIRS];
unsigned fz_pair_next;
struct fz_phys fz_phys[FZ_NPHYS];
unsigned fz_phys_next;
int fz_physfd = -1; /* the last region file ringd handed out */

pid_t fz_pid;
bool fz_root; /* may connect as other uids */
int fz_listen = -1;
int fz_devnull = -1;
int fz_fddir = -1;		   /* /proc/self/fd */
char fz_sock_path[RINGD_SOCK_MAX]; /* never bound: names the state file */
char fz_state_path[RINGD_SOCK_MAX + 8];
uint8_t fz_conf; /* this input's configuration byte */
struct sockaddr_un fz_addr;
socklen_t fz_addrlen;
struct policy fz_policy; /* FZ_CONF_POLICY's rules, parsed once */
struct proto_msg fz_msg;
bool fz_trace; /* $FUZZ_RINGD_TRACE: a line per step on stderr */
struct proto_redox_attach fz_redox_attach;
uint32_t fz_redox_token;
/*
 * $FUZZ_RINGD_SKIP: checks to leave out, comma-separated, to fuzz past a
 * known open defect: "identity" (printable stored identities), "limits"
 * (ring parameters within max_entries and max_pool_bytes).
 */
bool fz_skip_identity, fz_skip_limits;

/* The clock ringd reads (service_now_ns(), wrapped at link time). */
uint64_t __wrap_service_now_ns(void);

uint64_t
__wrap_service_now_ns(void)
{
	return fz_now;
}

static void fz_restart(bool clean);

void
fz_fail(const char *what, const char *file, int line)
{
	char buf[1200];

	snprintf(buf, sizeof(buf), "fuzz-ringd: %s:%d: %s", file, line, what);
	__sanitizer_report_error_summary(buf);
	abort();
}

/* The ops that take the input and the client slot and nothing else. */
static void (*const fz_slot_ops[FZ_NOPS])(struct fz_in *in, int slot) = {
	[FZ_CONNECT] = fz_connect,
	[FZ_HELLO] = fz_op_hello,
	[FZ_REGISTER] = fz_op_register,
	[FZ_OPEN] = fz_op_open,
	[FZ_ACCEPT] = fz_op_accept,
	[FZ_CLOSE] = fz_op_close,
	[FZ_LIST] = fz_op_list,
	[FZ_PHYS_ALLOC] = fz_op_phys_alloc,
	[FZ_PHYS_FREE] = fz_op_phys_free,
	[FZ_PHYS_MAP] = fz_op_phys_map,
	[FZ_PHYS_GRANT] = fz_op_phys_grant,
	[FZ_ADOPT] = fz_op_adopt,
	[FZ_RAW] = fz_op_raw,
	[FZ_PHYS_ADOPT] = fz_op_phys_adopt,
	[FZ_REDOX] = fz_op_redox,
};

static void
fz_step(struct fz_in *in)
{
	uint8_t b = fz_u8(in);
	int slot = b >> 6, op = (b & 0x3f) % FZ_NOPS;

	if (fz_trace)
		fprintf(stderr, "fuzz-ringd: client %d op %d\n", slot, op);
	if (fz_slot_ops[op] != NULL) {
		fz_slot_ops[op](in, slot);
		return;
	}
	switch (op) {
	case FZ_DISCONNECT:
		fz_disconnect(slot, fz_u8(in) & 1);
		break;
	case FZ_UNREGISTER:
		fz_op_name(in, slot, PROTO_UNREGISTER);
		break;
	case FZ_PROBE:
		fz_op_name(in, slot, PROTO_PROBE);
		break;
	case FZ_STATUS:
		fz_request(slot, PROTO_STATUS, NULL, 0, NULL, 0);
		break;
	case FZ_TIME:
		fz_op_time(in);
		break;
	case FZ_DATA:
		fz_op_data(in);
		break;
	case FZ_READING:
		fz_cli[slot].reading = !fz_cli[slot].reading;
		break;
	case FZ_RESTART:
		fz_restart(fz_u8(in) & 1);
		break;
	}
}

/* --- one input ------------------------------------------------------------------------ */

/*
 * What main.c does before serving, minus the socket, fork and seccomp:
 * a fresh state for an input, or the next ringd after fz_restart() (the
 * clock goes on, the state file the last one wrote is read).
 */
static void
fz_start(uint8_t conf, bool fresh)
{
	service_init_state();
	ringd.listen_fd = fz_listen;
	ringd.foreground = true;

	ringd.conf.seccomp = false;
	ringd.conf.max_entries = 256;
	ringd.conf.max_pool_bytes = 1 << 20;
	ringd.conf.phys_zone32_bytes = 1 << 20;
	ringd.conf.phys_zone64_bytes = 4 << 20;
	if (!(conf & FZ_CONF_SHARE))
		ringd.conf.phys_quota_bytes = 256 << 10;
	ringd.conf.accept_timeout_ms = 5000;
	ringd.conf.adopt_timeout_ms = 10000;
	if (conf & FZ_CONF_POLICY)
		ringd.conf.policy = fz_policy;
	ringd.conf.phys_allow_users = (conf & FZ_CONF_PHYS_USERS) != 0;
	ringd.conf.root_takeover = (conf & FZ_CONF_TAKEOVER) != 0;
	if (conf & FZ_CONF_SMALL_OUT)
		ringd.conf.max_pending_bytes = RINGD_MIN_MAX_PENDING_BYTES;
	if (conf & FZ_CONF_TIGHT) {
		ringd.conf.max_clients = 3;
		ringd.conf.max_clients_per_uid = 2;
		ringd.conf.max_schemes = 2;
		ringd.conf.max_schemes_per_client = 1;
		ringd.conf.max_rings = 6;
		ringd.conf.max_rings_per_client = 3;
		ringd.conf.phys_max_regions = 4;
		ringd.conf.phys_max_regions_per_uid = 2;
	}
	/* only for the state file (SOCKET.state) a clean stop writes */
	memcpy(ringd.sock_path, fz_sock_path, sizeof(ringd.sock_path));
	if (fresh) {
		fz_now = FZ_CLOCK0;
		(void)unlink(fz_state_path);
	}
	fz_conf = conf;
	if (registry_init() < 0 || phys_init() < 0 || loop_init() < 0 ||
	    client_listen() < 0)
		abort();
	state_load();
	ringd.start_ns = fz_now;
}

/* What main.c does when ringd stops. */
static void
fz_stop(void)
{
	service_fini_state();
}

/*
 * ringd stops and a new one starts: cleanly (SIGTERM: rings between two
 * clients are left to them and written to the state file) or killed (no
 * state file).  The clients lose their connections and keep what they
 * hold; they come back by connecting again and ADOPT.
 */
static void
fz_restart(bool clean)
{
	int s;

	if (!clean)
		ringd.sock_path[0] = '\0';
	fz_stop();
	for (s = 0; s < FZ_NCLIENTS; s++)
		fz_disconnect(s, false);
	fz_now += 1000000000ull;
	fz_start(fz_conf, false);
}

/* Everything this side holds goes. */
static void
fz_let_go(void)
{
	unsigned i;

	for (i = 0; i < FZ_NCLIENTS; i++)
		fz_disconnect((int)i, false);
	for (i = 0; i < FZ_NRINGS; i++)
		fz_ring_forget(&fz_rings[i]);
	for (i = 0; i < FZ_NPAIRS; i++)
		ring_fds_close(&fz_pairs[i]);
	if (fz_physfd >= 0)
		close(fz_physfd);
	fz_physfd = -1;
	memset(fz_phys, 0, sizeof(fz_phys));
	fz_ring_next = fz_pair_next = fz_phys_next = 0;
	memset(&fz_redox_attach, 0, sizeof(fz_redox_attach));
	fz_redox_token = 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const rules[] = {
		"deny register ram* uid=65534",
		"allow register s* uid=65534",
		"deny open zero uid=1000",
		"allow submit null op=noop,read uid=65534",
		"deny submit null uid=65534",
		"allow phys uid=1000 quota=64k regions=2",
		"deny phys uid=65534",
	};
	char line[128], why[256];
	const char *skip;
	unsigned i;
	int one = 1;

	(void)argc;
	(void)argv;
	fz_pid = getpid();
	fz_trace = getenv("FUZZ_RINGD_TRACE") != NULL;
	skip = getenv("FUZZ_RINGD_SKIP");
	fz_skip_identity = skip != NULL && strstr(skip, "identity") != NULL;
	fz_skip_limits = skip != NULL && strstr(skip, "limits") != NULL;
	log_open(true, fz_trace ? LOG_LVL_DEBUG : LOG_LVL_ERROR);
	signal(SIGPIPE, SIG_IGN);
	if ((fz_devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0 ||
	    (fz_fddir = open("/proc/self/fd",
		 O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	for (i = 0; i < FZ_NPAIRS; i++)
		fz_pairs[i].mem = fz_pairs[i]
				      .doorbell[0] = fz_pairs[i]
							 .doorbell[1] = -1;
	for (i = 0; i < FZ_NCLIENTS; i++)
		fz_cli[i].fd = -1;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		snprintf(line, sizeof(line), "%s", rules[i]);
		if (policy_parse_rule(&fz_policy, line, i + 1, why,
			sizeof(why)) < 0) {
			fprintf(stderr, "fuzz-ringd: rule '%s': %s\n", rules[i],
			    why);
			abort();
		}
	}
	policy_new_gen(&fz_policy);

	snprintf(fz_sock_path, sizeof(fz_sock_path), "/tmp/fuzz-ringd.%ld.sock",
	    (long)fz_pid);
	snprintf(fz_state_path, sizeof(fz_state_path), "%s.state",
	    fz_sock_path);
	/* the listening socket, unnamed in the file system */
	memset(&fz_addr, 0, sizeof(fz_addr));
	fz_addr.sun_family = AF_UNIX;
	snprintf(fz_addr.sun_path + 1, sizeof(fz_addr.sun_path) - 1,
	    "fuzz-ringd-%ld", (long)fz_pid);
	fz_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(fz_addr.sun_path + 1));
	fz_listen = socket(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fz_listen < 0 ||
	    bind(fz_listen, (struct sockaddr *)&fz_addr, fz_addrlen) < 0 ||
	    listen(fz_listen, 64) < 0)
		abort();
	(void)setsockopt(fz_listen, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	/* other uids need root; without it every client is this uid */
	fz_root = geteuid() == 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	int steps = 0, fds_start, fds_idle, t;

	if (size > 4096)
		return -1;
	/* counted each time: libFuzzer opens pipes to a symbolizer */
	fds_start = fz_count_fds();
	fz_start(fz_u8(&in), true);
	fds_idle = fz_count_fds();
	if (fz_trace)
		fprintf(stderr, "fuzz-ringd: %d descriptors, %d with ringd\n",
		    fds_start, fds_idle);
	while (in.n > 0 && steps++ < FZ_MAX_STEPS) {
		fz_step(&in);
		fz_pump();
		fz_check();
		if (fz_trace)
			fprintf(stderr,
			    "  clients %u schemes %u rings %u serving %u "
			    "pending %d\n",
			    ringd.nclients, ringd.nschemes, ringd.nrings,
			    ringd.nserving, !TAILQ_EMPTY(&ringd.pending));
	}

	/* every client leaves: ringd must come back to where it started */
	fz_let_go();
	for (t = 0; t < 4; t++)
		fz_pump();
	/* regions a restart left wait for their owners until the window ends */
	fz_now += (uint64_t)ringd.conf.adopt_timeout_ms * 1000000ull;
	fz_pump();
	fz_check();
	FZ_ASSERT(ringd.nclients == 0 && ringd.nrings == 0);
	FZ_ASSERT(ringd.nschemes == 0 && ringd.nserving == 0);
	FZ_ASSERT(TAILQ_EMPTY(&ringd.pending) && TAILQ_EMPTY(&ringd.adopting));
	FZ_ASSERT(TAILQ_EMPTY(&ringd.runnable));
	FZ_ASSERT(fz_count_fds() == fds_idle + fz_phys_files());

	fz_stop();
	(void)unlink(fz_state_path);
	if (fz_count_fds() != fds_start)
		fz_fds_fail(fds_start);
	return 0;
}
