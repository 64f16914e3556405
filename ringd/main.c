/*
 * main.c - ringd: the ring broker.  Options, configuration, the socket,
 * becoming a service, then the event loop; on SIGTERM/SIGINT every ring is
 * dropped and the socket and pidfile are removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "ringd.h"
#include "common/opts.h"

struct ringd ringd;

/* Long-only options. */
enum {
	MAIN_OPT_SYSTEM = OPTS_LONG_ONLY,
	MAIN_OPT_USER,
};

/* ringd's options: getopt_long()'s table and the --help text in one. */
static const struct opts_def main_opts[] = {
	{ "config", 'c', "FILE", "read the configuration from FILE" },
	{ "debug", 'd', NULL, "log at level debug (-l debug)" },
	{ "foreground", 'f', NULL, "stay in the foreground, log to stderr" },
	{ "help", 'h', NULL, "print this help and exit" },
	{ "log-level", 'l', "LEVEL",
	    "error, warning, notice, info (default) or debug" },
	{ "pidfile", 'p', "FILE", "lock FILE and write the pid to it" },
	{ "socket", 'S', "PATH", "listen on PATH" },
	{ "system", MAIN_OPT_SYSTEM, NULL,
	    "listen on " RINGD_ROOT_SOCK_DIR "/" RINGD_SOCK_NAME },
	{ "test-print", 'T', NULL,
	    "like -t, printing the policy and syscalls" },
	{ "test", 't', NULL, "check the configuration and privileges, exit" },
	{ "user", MAIN_OPT_USER, NULL,
	    "listen on $XDG_RUNTIME_DIR/" RINGD_SOCK_NAME },
	{ "version", 'V', NULL, "print the versions and exit" },
	{ "verbose", 'v', NULL, "log at level debug" },
	{ "zone", 'z', "32|64=SIZE", "size of a physical memory zone" },
};
#define MAIN_NOPTS (sizeof(main_opts) / sizeof(main_opts[0]))

/* The synopsis alone (usage errors), or with every option (--help). */
static void
main_usage(FILE *f, bool full)
{
	opts_usage(f, full,
	    "usage: ringd [-dfhTtVv] [--system | --user] [-c config] "
	    "[-l level] [-p pidfile]\n"
	    "             [-S socket] [-z 32|64=size]\n",
	    "The broker of Redox-style submission and completion rings "
	    "(ringd(8)).",
	    main_opts, MAIN_NOPTS);
}

/* A usage error: "ringd: " and what was wrong, the synopsis; status 2. */
static int __attribute__((format(printf, 1, 2)))
main_bad(const char *fmt, ...)
{
	va_list ap;

	fputs("ringd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	main_usage(stderr, false);
	return 2;
}

/*
 * A path given relative to where ringd started, made absolute: the daemon
 * changes to "/" and still has to reread, unlink and remove these.
 */
static const char *
main_abspath(const char *p, char *buf, size_t size)
{
	char cwd[4096];
	int n;

	if (p == NULL || p[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return p;
	n = snprintf(buf, size, "%s/%s", cwd, p);
	if (n < 0 || (size_t)n >= size)
		return p;
	return buf;
}

/*
 * -t: the configuration (already loaded) is valid and the privileges
 * ringd gives up can be given up here; -T also prints the policy and the
 * system call allowlist as ringd understood them.  Exit status 0 or 1.
 */
static int
main_test(int test)
{
	if (test > 1) {
		printf("# %s\n",
		    ringd.conf_path != NULL ? ringd.conf_path
					    : "(no configuration file)");
		policy_print(stdout, &ringd.conf);
		printf("seccomp = %s\n", ringd.conf.seccomp ? "yes" : "no");
		if (ringd.conf.seccomp)
			seccomp_print(stdout);
		fflush(stdout);
	}
	if (seccomp_drop(ringd.conf.seccomp) < 0)
		return 1;
	log_info("configuration ok%s",
	    ringd.conf.seccomp ? ", seccomp filter installed" : "");
	return 0;
}

/*
 * -S, then --system/--user, then $RINGD_SOCKET, then the config's socket,
 * then the default.
 */
static int
main_socket_path(const char *opt, int scope, char *buf, size_t size,
    bool *mkparent)
{
	const char *env = getenv("RINGD_SOCKET");
	const char *p = opt;
	char abs[RINGD_SOCK_MAX];

	*mkparent = false;
	if (p == NULL && scope != 0)
		return listen_default_path(scope == MAIN_OPT_USER
			? LISTEN_USER
			: LISTEN_SYSTEM,
		    buf, size, mkparent);
	if (p == NULL && env != NULL && env[0] != '\0')
		p = env;
	if (p == NULL && ringd.conf.socket[0] != '\0')
		p = ringd.conf.socket;
	if (p == NULL)
		return listen_default_path(LISTEN_DEFAULT, buf, size, mkparent);
	/* the daemon leaves the directory a relative path was meant in */
	p = main_abspath(p, abs, sizeof(abs));
	if (strlcpy(buf, p, size) >= size) {
		log_error("socket path '%s' is too long", p);
		return -ENAMETOOLONG;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *sock_opt = NULL, *pidfile = NULL;
	char path[RINGD_SOCK_MAX], conf_abs[4096], pid_abs[4096];
	char sock_abs[RINGD_SOCK_MAX];
	struct option longopts[MAIN_NOPTS + 1];
	bool mkparent;
	int ch, verbose = 0, lvl, rc, test = 0, scope = 0;

	service_init_state();
	opts_longopts(main_opts, MAIN_NOPTS, longopts);
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
		    OPTS_SHORTOPTS(main_opts, MAIN_NOPTS, ":"), longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'c':
			ringd.conf_path = optarg;
			break;
		case 'd':
			ringd.cli_log_level = LOG_LVL_DEBUG;
			break;
		case 'f':
			ringd.foreground = true;
			break;
		case 'h':
			main_usage(stdout, true);
			return 0;
		case MAIN_OPT_SYSTEM:
		case MAIN_OPT_USER:
			scope = ch;
			break;
		case 'l':
			ringd.cli_log_level = log_level_parse(optarg);
			if (ringd.cli_log_level < 0)
				return main_bad("bad log level '%s': use error, "
						"warning, notice, info or debug",
				    optarg);
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'S':
			sock_opt = optarg;
			break;
		case 'T':
			test = 2;
			break;
		case 't':
			test = test > 0 ? test : 1;
			break;
		case 'V':
			printf("%s (protocol %d, ring ABI %d)\n", RINGD_SERVER,
			    PROTO_VERSION, RING_ABI_VERSION);
			return 0;
		case 'v':
			verbose++;
			break;
		case 'z':
			if (phys_option(optarg) < 0) {
				main_usage(stderr, false);
				return 2;
			}
			break;
		default: /* ':' a value missing, '?' unknown */
			return main_bad("%s",
			    opts_error(ch, argv[optind - 1], path,
				sizeof(path)));
		}
	}
	if (optind != argc) {
		main_usage(stderr, false);
		return 2;
	}
	if (scope != 0 && sock_opt != NULL)
		return main_bad("-S and --%s exclude each other",
		    scope == MAIN_OPT_USER ? "user" : "system");
	ringd.conf_path = main_abspath(ringd.conf_path, conf_abs,
	    sizeof(conf_abs));
	pidfile = main_abspath(pidfile, pid_abs, sizeof(pid_abs));
	sock_opt = main_abspath(sock_opt, sock_abs, sizeof(sock_abs));
	if (ringd.cli_log_level < 0 && verbose > 0)
		ringd.cli_log_level = LOG_LVL_DEBUG;
	log_open(true,
	    ringd.cli_log_level >= 0 ? ringd.cli_log_level : LOG_LVL_INFO);

	if (ringd.conf_path == NULL && geteuid() == 0 &&
	    access(RINGD_DEFAULT_CONF, F_OK) == 0)
		ringd.conf_path = RINGD_DEFAULT_CONF;
	if (ringd.conf_path != NULL &&
	    config_load(ringd.conf_path, &ringd.conf) < 0)
		return 1;
	lvl = ringd.cli_log_level >= 0	? ringd.cli_log_level
	    : ringd.conf.log_level >= 0 ? ringd.conf.log_level
					: LOG_LVL_INFO;
	log_set_level(lvl);
	if (test > 0)
		return main_test(test);

	if (loop_block_signals() < 0)
		return 1;
	service_raise_nofile();
	ringd.spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (pidfile != NULL && service_pidfile_open(pidfile) < 0)
		return 1;
	rc = listen_activated();
	if (rc == 0) {
		if (main_socket_path(sock_opt, scope, path, sizeof(path),
			&mkparent) < 0 ||
		    listen_open(path, mkparent, &ringd.conf) < 0)
			rc = -1;
	}
	if (rc < 0)
		goto out_pidfile;
	if (!ringd.foreground) {
		if ((rc = service_daemonize()) < 0) {
			log_error("cannot become a daemon: %s", strerror(-rc));
			goto out_listen;
		}
		log_open(false, lvl);
	}
	if (service_pidfile_write() < 0 || registry_init() < 0 ||
	    (rc = phys_init()) < 0 || (rc = loop_init()) < 0 ||
	    (rc = client_listen()) < 0) {
		log_error("cannot start: %s", strerror(rc < 0 ? -rc : ENOMEM));
		rc = -1;
		goto out_all;
	}
	state_load();
	if ((rc = seccomp_drop(ringd.conf.seccomp)) < 0)
		goto out_all;
	ringd.start_ns = service_now_ns();
	ringd.notify = getenv("NOTIFY_SOCKET") != NULL;
	log_notice("%s serving '%s'", RINGD_SERVER, ringd.sock_path);
	service_notify("READY=1\nSTATUS=serving %s\nMAINPID=%ld",
	    ringd.sock_path, (long)getpid());
	service_daemon_ready(true);

	rc = loop_run();

	service_notify("STOPPING=1\nSTATUS=shutting down");
out_all:
	service_daemon_ready(false);
	service_fini_state();
out_listen:
	listen_close();
out_pidfile:
	service_pidfile_remove();
	if (ringd.spare_fd >= 0)
		close(ringd.spare_fd);
	if (rc >= 0)
		log_notice("stopped");
	log_close();
	return rc < 0 ? 1 : 0;
}
