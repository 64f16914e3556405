/*
 * proc.h - programs of this build run as children of a sub-test (the
 * examples, ringctl): started with fork and exec, their stdout and stderr
 * in a log file, killed with the sub-test, reaped within a bound.
 *
 * Failures report through the harness and end the sub-test.
 */
#ifndef TP_PROC_H
#define TP_PROC_H

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#include "daemon.h"

#define TP_LOG_MAX 65536 /* bytes of a log tp_log() reads */

/* One program run as a child of the sub-test. */
struct tp_proc {
	pid_t pid;  /* 0 once reaped */
	int status; /* exit status, or 128 + signal, once reaped */
	char log[TD_PATH_MAX];
};

/*
 * Run bin with argv (NULL-terminated, argv[0] included), stdout and stderr
 * to the file log (truncated), stdin from /dev/null; it gets SIGKILL when
 * the sub-test ends.
 */
void tp_spawn(struct tp_proc *p, const char *log, const char *bin,
    const char *const *argv);
/*
 * The same for bin with "-S sock" and the arguments in ap (NULL-ended),
 * its output in dir/tag.log.
 */
void tp_startv(struct tp_proc *p, const char *dir, const char *tag,
    const char *bin, const char *sock, va_list ap);
/*
 * The same for the program rel of this build (build_path(): e.g.
 * "examples/blkdev-scheme"), talking to d's ringd, its output in
 * d->dir/tag.log; fails when the build lacks it.
 */
void tp_start_build(struct tp_proc *p, const struct td *d, const char *tag,
    const char *rel, ...) __attribute__((sentinel));
/* p's output so far, NUL-terminated, in a static buffer. */
const char *tp_log(const struct tp_proc *p);
/* p's output as '#' lines, each prefixed with the log file's name. */
void tp_dump(const struct tp_proc *p);
/* Reap p within ms (its status then in p->status), or fail. */
void tp_reap(struct tp_proc *p, unsigned ms);
/* tp_reap(), then fail, showing p's output, unless it exited with want. */
void tp_expect(struct tp_proc *p, unsigned ms, int want);
/* Fail, showing p's output, unless it says s. */
void tp_says(const struct tp_proc *p, const char *s);

/*
 * A pool of n helper processes (tap_fork()), pids[slot] running
 * child(slot), which must not return: the kill storms' victims.
 */
struct tp_pool {
	pid_t *pids;
	unsigned n;
	void (*child)(unsigned slot);
	unsigned kills; /* tp_pool_kill_one() calls */
};

/* Start every slot of p. */
void tp_pool_start(struct tp_pool *p);
/* SIGKILL one slot of p drawn by tu_rand_below() and start it again. */
void tp_pool_kill_one(struct tp_pool *p);
/*
 * Register the scheme name on c for a pool's child that took the place of
 * a killed one: the name comes free once ringd has seen its last holder
 * die, so -EEXIST is tried again for up to 5 s; fails otherwise.
 */
void tp_register_again(struct ring_ctl *c, const char *name);

#endif /* TP_PROC_H */
