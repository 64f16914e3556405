/*
 * record.h - ringtop -w and -r: the snapshots ringtop takes, written to a
 * file as NDJSON and read back to replay them through the same model.
 *
 * The file: a header line
 *
 *   {"ringtop_record":1,"version":"0.1.0","interval_ns":1000000000,
 *    "start_wall_ns":...,"socket":"/run/ringd.sock"}
 *
 * then one line per snapshot (struct rt_snap of ringtop.h, as the model
 * fetched it): its times, "primer" (always false: the format keeps the
 * key, a replay shows every snapshot), the socket,
 * whether ringd answered (and the error if not), and the raw records as
 * ringd gave them, each record a JSON array of its fields in the order of
 * record.c's field tables, an array member element by element (compact:
 * no key per field).
 */
#ifndef RINGTOP_RECORD_H
#define RINGTOP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ringtop.h"

/* The record format this ringtop writes and reads. */
#define REC_FORMAT 1
/* Default bound of a recording (-w) and of a file -r loads, bytes. */
#define REC_MAX_DEF (64ull << 20)
/* Longest line -r accepts, bytes (a snapshot of thousands of rings). */
#define REC_LINE_MAX (16u << 20)
/* Replay speeds: 0.25x .. 16x, in quarters. */
#define REC_SPEED_MIN 1u
#define REC_SPEED_MAX 64u
#define REC_SPEED_DEF 4u
/* What { and } seek by in a replay, recorded time. */
#define REC_SEEK_NS 10000000000ull

/* --- writing (-w) ------------------------------------------------------- */

struct rec_writer {
	FILE *f;
	const char *path;
	uint64_t bytes; /* written so far */
	uint64_t max;	/* bound: past it the recording stops */
	bool stopped;	/* the bound was reached or a write failed */
	char msg[256];	/* why it stopped */
};

/*
 * Create path (truncating it) and write the header.  0, or -errno with
 * msg set.
 */
int rec_create(struct rec_writer *w, const char *path, uint64_t max,
    uint64_t interval_ns, const char *sock);
/*
 * Append snapshot s.  0: written; 1: the recording stops now (bound
 * reached, msg says so); -errno: a write failed (msg says so).  Once
 * stopped it writes nothing and returns 1.
 */
int rec_write(struct rec_writer *w, const struct rt_snap *s);
/* 0, or -errno when the last bytes could not be written. */
int rec_close(struct rec_writer *w);

/* --- reading and replaying (-r) ------------------------------------------- */

struct rec_replay {
	const char *path;
	char version[32];     /* ringtop version that wrote it */
	uint64_t interval_ns; /* of the recording */
	uint64_t start_wall_ns;
	char sock[108]; /* socket the recording watched */
	struct rt_snap *snaps;
	size_t n;
	size_t pos;	/* snapshot on screen (index) */
	unsigned speed; /* in quarters: 4 = 1x */
	bool paused;
};

/*
 * A copy of s, lists included (model_apply() takes a snapshot's lists).
 * 0, or -ENOMEM.
 */
int rec_snap_dup(struct rt_snap *dst, const struct rt_snap *s);

/*
 * Load a whole record file (at most max bytes).  0, or -errno with err
 * set to "FILE:LINE: what is wrong" (-EINVAL: not a record, corrupt or
 * truncated; -EFBIG: past max; others from the system).
 */
int rec_load(struct rec_replay *r, const char *path, uint64_t max, char *err,
    size_t errlen);
void rec_replay_free(struct rec_replay *r);

/* --- moving through a replay (replay.c) --------------------------------- */

/*
 * Show snapshot idx (clamped): the model rebuilt from the first snapshot
 * on, so that rates, ages and history are the recorded ones.  0, or
 * -ENOMEM.
 */
int replay_seek(struct rt_model *m, struct rec_replay *r, size_t idx);
/* The next snapshot, the model carrying on (none at the end): 0, -ENOMEM. */
int replay_step(struct rt_model *m, struct rec_replay *r);
/* The snapshot before the one on screen: 0, or -ENOMEM. */
int replay_back(struct rt_model *m, struct rec_replay *r);
/*
 * The last snapshot at least REC_SEEK_NS of recorded time before the one
 * on screen, or the first that far after it: 0, or -ENOMEM.
 */
int replay_seek_by(struct rt_model *m, struct rec_replay *r, bool forward);
/* Time from the snapshot on screen to the next at r->speed; 0 at the end. */
uint64_t replay_gap(const struct rec_replay *r);

/* Speed as "x0.25", "x2". */
void rec_fmt_speed(char *buf, size_t len, unsigned speed);

#endif /* RINGTOP_RECORD_H */
