/*
 * load.h - a fixed mix of rings for the monitor tests (ringtop -b and
 * ringtop in a terminal), run by two helpers of the sub-test:
 *
 *   a scheme STALL that accepts up to 16 rings and never pops an SQE,
 *   with 5 NOOPs queued on one ring to it (SQ depth 5);
 *   a ring to the built-in echo scheme with 3 NOOPs whose answers are
 *   never reaped (CQ backlog 3);
 *   a ring to null carrying round trips every 2 ms (moving figures);
 *   a ring to zero left idle.
 *
 * That is 4 rings and 2 connections to ringd (the scheme's and the
 * consumer's).  tl_start() returns once
 * every ring is open and every SQE queued; tl_stop() ends both helpers
 * and waits for them.  Both report failures through the harness.
 */
#ifndef TL_LOAD_H
#define TL_LOAD_H

#include <sys/types.h>

#include "daemon.h"

struct tl_load {
	pid_t scheme_pid;
	pid_t cons_pid;
	int quit[2]; /* closing quit[1] ends both helpers */
};

void tl_start(struct tl_load *l, struct td *d, const char *stall);
void tl_stop(struct tl_load *l);

#endif
