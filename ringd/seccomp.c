/*
 * seccomp.c - what ringd keeps once it serves.
 *
 * After start-up (socket bound, pidfile written, daemon detached, event
 * loop built) ringd sets PR_SET_NO_NEW_PRIVS and, unless ringd.conf says
 * "seccomp = no", installs a seccomp filter that lets through only the
 * system calls the event loop, the ring brokering, physalloc3, config
 * reloads, logging and shutdown need.  Anything else fails with EPERM
 * instead of running: no new processes, no exec, no executable mappings,
 * no sockets other than AF_UNIX, no signals to other processes.  The
 * filter is a hand-written classic BPF program (no libseccomp); the list
 * was measured with strace -f over the whole test suite and is printed by
 * "ringd -T".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "ringd.h"

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SECCOMP_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
#define SECCOMP_SANITIZER 1
#endif
#endif

/* How an argument is checked (on its low 32 bits: these are ints). */
enum seccomp_check {
	SC_ANY = 0, /* allowed whatever the arguments */
	SC_EQ,	    /* args[arg] == val */
	SC_CLEAR,   /* (args[arg] & val) == 0 */
	SC_SELF,    /* args[arg] == ringd's pid */
};

struct seccomp_rule {
	long nr;
	const char *name;
	uint8_t check;
	uint8_t arg;
	uint32_t val;
	const char *why;
};

/*
 * What a call outside the list gets.  Built with -DRINGD_SECCOMP_LOG the
 * filter lets such calls run and the kernel logs each (audit type 1326 in
 * the kernel log): the way to find what a new code path needs.
 */
#ifdef RINGD_SECCOMP_LOG
#define SC_DENY SECCOMP_RET_LOG
#else
#define SC_DENY (SECCOMP_RET_ERRNO | EPERM)
#endif

#define SC(n, w) \
	{ \
		SYS_##n, #n, SC_ANY, 0, 0, w \
	}
#define SCA(n, c, a, v, w) \
	{ \
		SYS_##n, #n, c, a, v, w \
	}

/* The allowlist, grouped by what needs it. */
static const struct seccomp_rule seccomp_rules[] = {
/* the event loop and the control socket */
#ifdef SYS_epoll_wait
	SC(epoll_wait, "event loop"),
#endif
	SC(epoll_pwait, "event loop"),
	SC(epoll_ctl, "event loop"),
	SC(read, "signalfd, config, /proc comm"),
	SC(write, "log to stderr"),
	SC(close, "descriptors"),
	SC(accept4, "new clients"),
	SC(accept, "dropping a client when out of descriptors"),
	SC(recvmsg, "requests with descriptors"),
	SC(sendmsg, "replies with descriptors (SCM_RIGHTS)"),
	SC(sendto, "sd_notify, syslog, doorbells"),
	SC(getsockopt, "SO_PEERCRED, SO_PEERGROUPS, SO_PEERPIDFD"),
	SC(fcntl, "F_DUPFD_CLOEXEC, seals"),
	SCA(socket, SC_EQ, 0, AF_UNIX, "sd_notify, syslog reconnect"),
	SC(connect, "syslog reconnect"),
	SC(pidfd_open, "client process watch"),
	/* rings: memory files, doorbells, wakeups */
	SC(memfd_create, "ring and region memory"),
	SC(ftruncate, "ring and region memory"),
	SCA(socketpair, SC_EQ, 0, AF_UNIX, "doorbells"),
	SC(recvfrom, "doorbells"),
	SC(recvmmsg, "doorbells"),
	SC(getsockname, "doorbell check"),
	SC(getpeername, "doorbell check"),
	SC(pread64, "ring description"),
	SC(pwrite64, "ring description"),
	SC(futex, "ring wakeups, libc locks"),
	SCA(mmap, SC_CLEAR, 2, PROT_EXEC, "ring mappings, malloc"),
	SCA(mprotect, SC_CLEAR, 2, PROT_EXEC, "ring mappings, malloc"),
	SC(munmap, "ring mappings, malloc"),
	SC(mremap, "malloc"),
	SC(madvise, "malloc"),
	SC(brk, "malloc"),
	SC(getrandom, "malloc"),
	/* files: config reload, /proc, socket mode, cleanup at exit */
	SC(openat, "config reload, /proc comm, user database"),
	SC(newfstatat, "stdio, socket file check"),
	SC(fstat, "stdio"),
	SC(statx, "stdio"),
	SC(lseek, "stdio"),
	SC(fchmodat, "socket_mode on reload"),
	SC(fchownat, "socket_group on reload"),
	SC(unlinkat, "socket and pidfile removal"),
	SC(flock, "pidfile"),
#ifdef SYS_open
	SC(open, "legacy libc paths"),
	SC(stat, "legacy libc paths"),
	SC(chmod, "socket_mode on reload"),
	SC(chown, "socket_group on reload"),
	SC(unlink, "socket and pidfile removal"),
	SC(poll, "libring's readiness checks"),
#endif
	SC(ppoll, "libring's readiness checks"),
	/* identity, time, limits */
	SC(getpid, "identity"),
	SC(gettid, "identity"),
	SC(geteuid, "identity"),
	SC(getegid, "identity"),
	SC(getuid, "identity"),
	SC(getgid, "identity"),
	SC(prlimit64, "descriptor budget"),
#ifdef SYS_getrlimit
	SC(getrlimit, "descriptor budget"),
#endif
	SC(clock_gettime, "timestamps"),
	SC(gettimeofday, "timestamps"),
	SC(clock_nanosleep, "libc"),
	SC(nanosleep, "libc"),
	SC(sched_yield, "libc"),
	/* signals and exit */
	SC(rt_sigprocmask, "signal mask"),
	SC(rt_sigreturn, "signal return"),
	SC(restart_syscall, "interrupted calls"),
	SCA(tgkill, SC_SELF, 0, 0, "abort(3) on itself"),
	SC(exit_group, "exit"),
	SC(exit, "exit"),
#ifdef SECCOMP_SANITIZER
	/* the sanitizers' runtime: leak check at exit, error reports */
	SC(clone, "leak checker's tracer"),
	SC(ptrace, "leak checker's tracer"),
	SC(wait4, "leak checker's tracer"),
	SC(prctl, "leak checker's tracer"),
	SC(getppid, "leak checker's tracer"),
	SC(sigaltstack, "sanitizer signal stack"),
	SC(rt_sigaction, "sanitizer signal handlers"),
	SC(getdents64, "sanitizer thread list"),
#ifdef SYS_getdents
	SC(getdents, "sanitizer thread list"),
#endif
	SC(readlink, "sanitizer reports"),
	SC(readlinkat, "sanitizer reports"),
	SC(kill, "sanitizer"),
#endif
};

#define SECCOMP_NRULES (sizeof(seccomp_rules) / sizeof(seccomp_rules[0]))
/* per rule: at most 5 instructions; plus the prologue and the default */
#define SECCOMP_PROG_MAX (SECCOMP_NRULES * 5 + 8)

#define SC_LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define SC_JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define SC_RET(k) BPF_STMT(BPF_RET | BPF_K, (k))
#define SC_NR offsetof(struct seccomp_data, nr)
/* low 32 bits of an argument, on a little-endian machine */
#define SC_ARG(i) (offsetof(struct seccomp_data, args) + 8 * (i))

#ifdef SECCOMP_ARCH
/* Build the program into prog; returns its length. */
static size_t
seccomp_build(struct sock_filter *prog)
{
	size_t n = 0, i;
	uint32_t self = (uint32_t)getpid();

	prog[n++] = (struct sock_filter)SC_LD(
	    offsetof(struct seccomp_data, arch));
	prog[n++] = (struct sock_filter)SC_JEQ(SECCOMP_ARCH, 1, 0);
	prog[n++] = (struct sock_filter)SC_RET(SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)SC_LD(SC_NR);
#ifdef __x86_64__
	/* x32 system calls share the arch value: refuse them all */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    0x40000000u, 0, 1);
	prog[n++] = (struct sock_filter)SC_RET(SECCOMP_RET_ERRNO | EPERM);
#endif
	for (i = 0; i < SECCOMP_NRULES; i++) {
		const struct seccomp_rule *r = &seccomp_rules[i];

		if (r->check == SC_ANY) {
			prog[n++] = (struct sock_filter)SC_JEQ((uint32_t)r->nr,
			    0, 1);
			prog[n++] = (struct sock_filter)SC_RET(
			    SECCOMP_RET_ALLOW);
			continue;
		}
		/* nr matches: test the argument, allow or refuse, else on */
		prog[n++] = (struct sock_filter)SC_JEQ((uint32_t)r->nr, 0, 4);
		prog[n++] = (struct sock_filter)SC_LD(SC_ARG(r->arg));
		if (r->check == SC_CLEAR)
			prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP |
				BPF_JSET | BPF_K,
			    r->val, 1, 0);
		else
			prog[n++] = (struct sock_filter)
			    SC_JEQ(r->check == SC_SELF ? self : r->val, 0, 1);
		prog[n++] = (struct sock_filter)SC_RET(SECCOMP_RET_ALLOW);
		prog[n++] = (struct sock_filter)SC_RET(SC_DENY);
	}
	prog[n++] = (struct sock_filter)SC_RET(SC_DENY);
	return n;
}
#endif

/*
 * Give up what ringd no longer needs: no new privileges ever (ringd
 * never executes anything), and with filter the system call allowlist.
 * Returns 0 or -errno after logging what failed.
 */
int
seccomp_drop(bool filter)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error("cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	if (!filter)
		return 0;
#ifdef SECCOMP_ARCH
	{
		struct sock_filter prog[SECCOMP_PROG_MAX];
		struct sock_fprog fp;

		fp.len = (unsigned short)seccomp_build(prog);
		fp.filter = prog;
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
			int rc = -errno;

			log_error("cannot install the seccomp filter: %s "
				  "(set 'seccomp = no' in ringd.conf to run "
				  "without it)",
			    strerror(errno));
			return rc;
		}
	}
	return 0;
#else
	log_error("no seccomp filter for this architecture: set "
		  "'seccomp = no' in ringd.conf");
	return -ENOSYS;
#endif
}

/* The allowlist for ringd -T: one system call a line, with its reason. */
void
seccomp_print(FILE *f)
{
	size_t i;

	for (i = 0; i < SECCOMP_NRULES; i++) {
		const struct seccomp_rule *r = &seccomp_rules[i];

		fprintf(f, "syscall %-16s", r->name);
		switch (r->check) {
		case SC_EQ:
			fprintf(f, " arg%u == %u", r->arg, r->val);
			break;
		case SC_CLEAR:
			fprintf(f, " arg%u & %#x == 0", r->arg, r->val);
			break;
		case SC_SELF:
			fprintf(f, " arg%u == own pid", r->arg);
			break;
		}
		fprintf(f, "  # %s\n", r->why);
	}
}
