/*
 * replay.c - moving through a loaded recording (-r): which snapshot is on
 * screen, and the model rebuilt or carried on to show it.
 *
 * A replay shows snapshot pos of r->snaps.  Going forward, the model
 * carries on from the snapshot before, as it did while recording; going
 * anywhere else, it is rebuilt from the first snapshot on, so that rates,
 * stall ages, history and events are those the recording showed.
 *
 * Depends on the model and record.c's loader; main.c (the loops) and
 * keys.c (the replay's keys) call in here.
 */
#include <errno.h>
#include <stdio.h>

#include "record.h"
#include "ringtop.h"

/* Apply snapshot i (a copy: the model takes the lists it is given). */
static int
replay_apply(struct rt_model *m, const struct rec_replay *r, size_t i)
{
	struct rt_snap s;
	int rc;

	if ((rc = rec_snap_dup(&s, &r->snaps[i])) < 0)
		return rc;
	rc = model_apply(m, &s);
	return rc == -ENOMEM ? rc : 0;
}

int
replay_seek(struct rt_model *m, struct rec_replay *r, size_t idx)
{
	size_t i;

	if (idx >= r->n)
		idx = r->n - 1;
	model_free(m);
	model_init(m, NULL, RING_CTL_DEFAULT);
	snprintf(m->sock, sizeof(m->sock), "%s", r->sock);
	for (i = 0; i <= idx; i++)
		if (replay_apply(m, r, i) < 0)
			return -ENOMEM;
	r->pos = idx;
	return 0;
}

int
replay_step(struct rt_model *m, struct rec_replay *r)
{
	if (r->pos + 1 >= r->n)
		return 0;
	r->pos++;
	return replay_apply(m, r, r->pos);
}

int
replay_back(struct rt_model *m, struct rec_replay *r)
{
	return replay_seek(m, r, r->pos > 0 ? r->pos - 1 : 0);
}

int
replay_seek_by(struct rt_model *m, struct rec_replay *r, bool forward)
{
	uint64_t at = r->snaps[r->pos].mono_ns;
	size_t i = r->pos;

	if (forward)
		while (i + 1 < r->n && r->snaps[i].mono_ns < at + REC_SEEK_NS)
			i++;
	else
		while (i > 0 && r->snaps[i].mono_ns + REC_SEEK_NS > at)
			i--;
	return replay_seek(m, r, i);
}

uint64_t
replay_gap(const struct rec_replay *r)
{
	uint64_t d;

	if (r->pos + 1 >= r->n)
		return 0;
	d = r->snaps[r->pos + 1].mono_ns - r->snaps[r->pos].mono_ns;
	return d / r->speed * 4;
}
