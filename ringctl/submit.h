/*
 * submit.h - what "submit" shares between cmd-submit.c (the command
 * line, FIELD=VALUE, opening the ring, the one-shot submit) and
 * submit-load.c (the --count load generator).  Private to those two
 * files; depends on ringctl.h.
 */
#ifndef RINGCTL_SUBMIT_H
#define RINGCTL_SUBMIT_H

#include "ringctl.h"

#define SUBMIT_NFIELDS 10	   /* the SQE fields FIELD=VALUE may set */
#define SUBMIT_STEP_NS 50000000ull /* longest wait between two checks */

/* What the command line asked for. */
struct submit_req {
	const char *scheme;
	uint8_t opcode;
	const char *opname; /* to look up in the scheme's declared names */
	char declared[RING_CTL_OPNAME_MAX]; /* the name it found there */
	struct ring_sqe sqe;
	bool given[SUBMIT_NFIELDS];
	unsigned char *data; /* data= or --data-file bytes */
	size_t data_len;
	bool bits32;
	uint64_t timeout_ns;
	uint64_t count, batch, window; /* count 0: one entry */
	bool dump;
};

/*
 * ring_wait() for up to timeout_ns, in steps; -EINTR as soon as the shell
 * was interrupted, unless intr is false (draining after an interruption).
 */
int submit_wait(struct ring *r, unsigned events, uint64_t timeout_ns,
    bool intr);
/* The opcode as "submit" prints it, with the name the scheme declared. */
struct json_object *submit_opcode_obj(const struct submit_req *q);
/*
 * --count: submit q's entry q->count times on r (cap entries in flight at
 * most) and print the summary.  An exit status.
 */
int submit_load(struct ringctl *rc, struct submit_req *q, struct ring *r,
    uint32_t cap);

#endif /* RINGCTL_SUBMIT_H */
