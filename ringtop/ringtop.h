/*
 * ringtop.h - the live monitor's shared declarations: the snapshot taken
 * from ringd (model-fetch.c) or a recording (record.c, replay.c), the
 * model built from snapshots with its derived figures and events
 * (model.c, events.c), the view state the keys change (view.c, keys.c),
 * the curses screen (scr*.c) and batch output (batch.c).  README.md says
 * what may depend on what.
 */
#ifndef RINGTOP_H
#define RINGTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ring/phys.h>
#include <ring/ring.h>

#include "common/common.h"

#define RT_PROG "ringtop"

/* Refresh interval bounds and default, ns. */
#define RT_INTERVAL_MIN 100000000ull	 /* 0.1 s */
#define RT_INTERVAL_MAX 3600000000000ull /* one hour */
#define RT_INTERVAL_DEF 1000000000ull

/* History: one sample per RT_HIST_STEP_NS, RT_HIST samples per series. */
#define RT_HIST 180
#define RT_HIST_STEP_NS 1000000000ull

/*
 * A queue whose head stood still this long with entries behind it is
 * stalled: the SQ's (SQEs not taken) is the producer's fault, the CQ's
 * (CQEs not reaped) the consumer's.
 */
#define RT_STALL_NS 2000000000ull

/* A ring that went away stays listed (dimmed, "ended") this long. */
#define RT_GONE_NS 60000000000ull

/* Events the log keeps; the oldest goes first. */
#define RT_EVENTS 256

/* Longest search or filter string, NUL included. */
#define RT_PATTERN_MAX 64

/* The series a ring keeps history of. */
enum rt_series {
	RT_S_SQ,  /* SQ depth */
	RT_S_CQ,  /* CQ backlog */
	RT_S_SUB, /* SQEs submitted per second */
	RT_S_CMP, /* CQEs posted per second */
	RT_S_COUNT
};

struct rt_hist {
	uint32_t v[RT_S_COUNT][RT_HIST];
	unsigned next;	    /* slot the next sample goes to */
	unsigned len;	    /* samples held, <= RT_HIST */
	uint64_t at_ns;	    /* when the last sample was taken */
	uint64_t sub_epoch; /* SQ push_epoch at that sample */
	uint64_t cmp_epoch; /* CQ push_epoch at that sample */
};

/*
 * What ringtop makes of a ring (model_state_name() gives the word the
 * STATE column shows).  Movement is an index that moved: a head or tail
 * of either queue, i.e. an epoch; wait words changing are not movement.
 */
enum rt_state {
	RT_ST_UNKNOWN,	/* "-": seen once, nothing to compare with yet */
	RT_ST_RUNNING,	/* an index moved since the last snapshot */
	RT_ST_STALLED,	/* a stall alarm holds (model_stalled()) */
	RT_ST_SLEEPING, /* no movement, empty, a side waits on a wait word */
	RT_ST_IDLE,	/* no movement, empty, nobody waits */
	RT_ST_PENDING,	/* ringd: waiting for the scheme to accept */
	RT_ST_DROPPED,	/* ringd: a side left ("dropped") */
	RT_ST_BROKEN,	/* ringd: a peer broke the ring's rules */
	RT_ST_ADOPTING, /* ringd: after a restart, one side is back */
	RT_ST_ENDED,	/* gone from ringd's list; kept RT_GONE_NS (->end) */
	RT_ST_WAITING,	/* no movement, entries queued or SQEs inside the
			   producer, not yet a stall */
	RT_ST_COUNT
};

/* An alarm on a ring, with the side it is charged to. */
enum rt_alarm {
	RT_AL_NONE,
	RT_AL_SQ_STALL,	  /* SQ head still >= RT_STALL_NS, SQEs queued:
			     the producer (scheme) takes none; or it took
			     SQEs and has posted no CQE for RT_STALL_NS
			     (the queues may be empty: the work is inside
			     the producer; model_alarm_what() tells) */
	RT_AL_CQ_FULL,	  /* the same, but the CQ is full and its head
			     still: the consumer does not reap, so the
			     producer cannot post; charged to the consumer */
	RT_AL_CQ_BACKLOG, /* CQ head still >= RT_STALL_NS, CQEs posted:
			     the consumer does not reap */
	RT_AL_DROPPED,	  /* ringd marked it dropped: a side left */
	RT_AL_BROKEN,	  /* ringd marked it broken */
	RT_AL_COUNT
};

/* Whom an alarm blames. */
enum rt_side {
	RT_SIDE_NONE,
	RT_SIDE_PRODUCER, /* the scheme: takes SQEs, posts CQEs */
	RT_SIDE_CONSUMER, /* the opener: submits SQEs, reaps CQEs */
};

/* How a ring that left ringd's list ended, as far as the model can tell. */
enum rt_end {
	RT_END_NONE,	      /* still listed */
	RT_END_CLOSED,	      /* both sides still there: closed */
	RT_END_CONSUMER_GONE, /* its consumer's process left ringd */
	RT_END_PRODUCER_GONE, /* its scheme's process left ringd */
	RT_END_DROPPED,	      /* last seen dropped */
	RT_END_BROKEN,	      /* last seen broken */
	RT_END_RINGD_RESTART, /* ringd restarted and did not list it again */
	RT_END_COUNT
};

/* A ring as ringtop tracks it across snapshots. */
struct rt_ring {
	struct ring_ctl_ring r; /* the latest record from ringd */
	bool have_rate;		/* seen in the previous snapshot too: rates,
				   movement and state are known */
	bool changed;		/* an index moved since the last snapshot
				   (epochs; wait words do not count) */
	double sub_rate;	/* SQEs submitted per second, last interval */
	double cmp_rate;	/* CQEs posted per second, last interval */
	uint64_t sq_since_ns;	/* SQ head still with entries since; 0: no */
	uint64_t cq_since_ns;	/* CQ head still with entries since; 0: no */
	uint64_t fly_since_ns;	/* SQEs taken, no CQE posted since; 0: no */
	enum rt_state state;	/* model_state_name() gives its word */
	enum rt_alarm alarm;	/* RT_AL_NONE: none */
	enum rt_side blame;	/* whom the alarm is charged to */
	uint64_t gone_ns;	/* monotonic time it left the list; 0: listed */
	uint64_t gone_wall_ns;	/* the same, wall clock ns since the epoch */
	enum rt_end end;	/* how it ended, RT_END_NONE while listed */
	struct rt_hist *hist;	/* NULL until the first sample */
};

/* Event log entries (model_event()). */
enum rt_ev_kind {
	RT_EV_RING_OPENED,
	RT_EV_RING_STATE, /* ringd's state changed: running, dropped... */
	RT_EV_RING_ENDED, /* left the list; text says how (rt_end) */
	RT_EV_SCHEME_CAME,
	RT_EV_SCHEME_WENT,
	RT_EV_STALL_BEGAN, /* an alarm of RT_AL_SQ_STALL..CQ_BACKLOG */
	RT_EV_STALL_ENDED,
	RT_EV_RINGD_GONE,
	RT_EV_RINGD_BACK,
	RT_EV_COUNT
};

#define RT_EV_TEXT 200

struct rt_event {
	uint64_t seq;	  /* 1, 2, ...: position in the whole log */
	uint64_t wall_ns; /* when the snapshot that showed it was taken */
	enum rt_ev_kind kind;
	uint64_t ring_id;      /* the ring, 0 for scheme and ringd events */
	char text[RT_EV_TEXT]; /* one line, names made terminal-safe:
				  "ring 3 (blkdev, 812/blkdev-driver) ended:
				  consumer gone" */
};

/*
 * A name a scheme declared for one of its own opcodes (128..255), as a
 * probe of the scheme gave it: the snapshot carries them so that the
 * Schemes tab names opcodes without asking ringd, in a replay too.
 */
struct rt_opname {
	char scheme[RING_CTL_NAME_MAX + 1]; /* the scheme's name */
	uint32_t pid;			    /* and its owner's pid */
	uint32_t op;
	char name[RING_CTL_OPNAME_MAX];
};

/*
 * One snapshot of ringd's introspection lists: what model_refresh()
 * fetches (model_fetch()) and then applies (model_apply()).  A recorder
 * sees each one through rt_model.on_snap; a replay applies stored ones.
 * Every time the model uses comes from here, not from the clocks.
 */
struct rt_snap {
	uint64_t mono_ns; /* CLOCK_MONOTONIC when taken */
	uint64_t wall_ns; /* CLOCK_REALTIME when taken */
	bool up;	  /* ringd answered; else err and why say why not */
	char err[512];	  /* why not, when !up: the whole message */
	char why[80];	  /* its short form */
	char sock[108];	  /* the socket path */
	struct ring_ctl_status st;
	struct ring_ctl_ring *rings; /* any order */
	size_t nrings;
	struct ring_ctl_scheme *schemes;
	size_t nschemes;
	struct ring_ctl_client *clients;
	size_t nclients;
	bool phys;	   /* ringd reported its zones and regions */
	char phys_err[80]; /* why not */
	struct ring_phys_zone *zones;
	size_t nzones;
	struct ring_phys_range *ranges; /* only when asked for */
	size_t nranges;
	struct ring_phys_region *regions;
	size_t nregions;
	struct rt_opname *opnames; /* in the order of schemes */
	size_t nopnames;
};

/* model_apply() exists (record.c, main.c may test for it). */
#define RT_MODEL_APPLY 1

struct rt_model {
	const char *sock_arg;	   /* -S, or NULL: the path scope names */
	enum ring_ctl_scope scope; /* --system, --user or the default rule */
	char sock[108];		   /* the path in use, for messages */
	struct ring_ctl *ctl;	   /* NULL while ringd is not reachable */
	bool up;		   /* the last refresh succeeded */
	bool stale;		   /* !up, and the lists below are the last
				 snapshot taken before ringd went away */
	uint64_t down_wall_ns;	   /* wall clock ringd was first found gone
				  (0: up, or never reached) */
	char err[512];		   /* why not, when !up: the whole message */
	char why[80];		   /* its short form for the screen */
	uint64_t now_ns;	   /* CLOCK_MONOTONIC of the last snapshot */
	uint64_t wall_ns;	   /* CLOCK_REALTIME of the last snapshot taken
				 (or tried, while ringd is away) */
	uint64_t prev_ns;	   /* of the snapshot before, 0: none */
	bool rates_known;	   /* two snapshots: totals below are real */
	uint64_t frames;	   /* successful refreshes */
	struct ring_ctl_status st;
	struct rt_ring *rings; /* sorted by ring_id; ended ones included */
	size_t nrings;
	struct ring_ctl_scheme *schemes;
	size_t nschemes;
	struct ring_ctl_client *clients;
	size_t nclients;
	double sub_total, cmp_total; /* sums of the per-ring rates */
	/* physalloc3: zones and regions every frame, ranges on request */
	bool phys;	   /* ringd reported its zones */
	char phys_err[80]; /* why not */
	struct ring_phys_zone *zones;
	size_t nzones;
	struct ring_phys_range *ranges;
	size_t nranges;
	struct ring_phys_region *regions;
	size_t nregions;
	struct rt_opname *opnames; /* declared opcode names of the schemes */
	size_t nopnames;
	/* the event log: a ring buffer of the last RT_EVENTS events */
	struct rt_event events[RT_EVENTS];
	uint64_t ev_seq; /* seq of the newest event; 0: none yet */
	/* each snapshot model_refresh() fetches, before it is applied */
	void (*on_snap)(void *arg, const struct rt_snap *s);
	void *on_snap_arg;
};

void model_init(struct rt_model *m, const char *sock,
    enum ring_ctl_scope scope);
void model_free(struct rt_model *m);
/*
 * Fetch a snapshot (with physalloc3's free ranges when ranges) and apply
 * it; 0, or -errno with m->err set.  While ringd is away the lists keep
 * the last snapshot (m->stale).  The first snapshot of a ring has no
 * rates or state yet ("-", null in JSON): they need a second one.
 */
int model_refresh(struct rt_model *m, bool ranges);
/* Take a snapshot from ringd into *s: 0, or -errno (s->up false). */
int model_fetch(struct rt_model *m, bool ranges, struct rt_snap *s);
/*
 * Apply a snapshot, taking its lists (*s is emptied): 0; -ENOTCONN when
 * !s->up; -ENOMEM.  Rings may come in any order.
 */
int model_apply(struct rt_model *m, struct rt_snap *s);
void model_snap_free(struct rt_snap *s);
/* (model-fetch.c) Is o one of scheme s's names (same name and owner)? */
bool model_opname_of(const struct rt_opname *o,
    const struct ring_ctl_scheme *s);
/* Age of the oldest pending SQE (CQE) as seen so far, ns; 0: none. */
uint64_t model_sq_age(const struct rt_model *m, const struct rt_ring *r);
uint64_t model_cq_age(const struct rt_model *m, const struct rt_ring *r);
/* A stall alarm (SQ stall, CQ full, CQ backlog) holds. */
bool model_stalled(const struct rt_model *m, const struct rt_ring *r);
/* Age of the stalled queue's head for r->alarm, ns; 0: no stall. */
uint64_t model_alarm_age(const struct rt_model *m, const struct rt_ring *r);
/* The entries a stall alarm is about (SQEs queued, CQEs posted, SQEs in
   the producer); 0 for other alarms. */
uint64_t model_alarm_count(const struct rt_ring *r);
/*
 * (events.c) The one text of r's alarm, which the screen's and batch
 * mode's ALARM lines and the stall_began event all show: "ring 3
 * (disk0): stalled 4.2s, producer 812/blkdev-scheme takes no SQEs (16
 * queued)"; the side blamed comes early, so a cut line keeps it.  Names
 * are terminal-safe.  Returns buf; RT_ALARM_TEXT holds any.
 */
#define RT_ALARM_TEXT RT_EV_TEXT
const char *model_alarm_text(const struct rt_model *m, const struct rt_ring *r,
    char *buf, size_t len);
/* The peer r->blame names, NULL for none. */
const struct ring_ctl_peer *model_blamed(const struct rt_ring *r);
/* Moved, holds anything (queued or inside the producer), or not known
   yet; never an ended ring. */
bool model_active(const struct rt_ring *r);
/* "-", "running", "stalled", "waiting", "sleeping", "idle", "ended";
   ringd's "pending", "dropped", "broken", "adopting" (mj_state_name()). */
const char *model_state_name(enum rt_state s);
/* "stalled", "cq full", "cq backlog", "dropped", "broken"; "" for none. */
const char *model_alarm_name(enum rt_alarm a);
/* "producer", "consumer", "" */
const char *model_side_name(enum rt_side s);
/* "closed", "consumer gone", "producer gone", "dropped", "broken",
   "ringd restarted", "" */
const char *model_end_name(enum rt_end e);
/* The event with that seq, NULL when not (or no longer) held. */
const struct rt_event *model_event(const struct rt_model *m, uint64_t seq);
/* The seq of the oldest event held (ev_seq + 1 when none). */
uint64_t model_event_first(const struct rt_model *m);
const char *model_event_kind(enum rt_ev_kind k); /* "ring_opened", ... */
/* The value of a series i samples back (0: latest); false: none. */
bool model_hist_get(const struct rt_hist *h, enum rt_series s, unsigned i,
    uint32_t *v);
/* "HH:MM:SS" local time of a wall clock time; "-" for 0. */
void model_fmt_clock(char *buf, size_t len, uint64_t wall_ns);
/* A rate as fmt_count() shows it, "-" when not known. */
void model_fmt_rate(char *buf, size_t len, bool known, double v);
/* (model.c, events.c) Log an event at the last snapshot's time. */
void events_add(struct rt_model *m, enum rt_ev_kind kind, uint64_t ring_id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* --- sort columns of the Rings tab ------------------------------------ */

enum rt_col {
	RT_C_ID,
	RT_C_SCHEME,
	RT_C_KIND, /* "v1" or "redox" (a relibc redox_ring) */
	RT_C_CONSUMER,
	RT_C_PRODUCER,
	RT_C_SQ,
	RT_C_CQ,
	RT_C_SUB,
	RT_C_CMP,
	RT_C_AGE,
	RT_C_STATE,
	RT_C_COUNT
};

/* Column names as -s takes them and the header shows them. */
extern const char *const rt_col_names[RT_C_COUNT];
int rt_col_lookup(const char *name);

/* --- view state ----------------------------------------------------- */

enum rt_tab {
	RT_TAB_RINGS,
	RT_TAB_SCHEMES,
	RT_TAB_CLIENTS,
	RT_TAB_MEMORY,
	RT_TAB_COUNT
};

enum rt_mode {
	RT_MODE_LIST,	/* a tab's table */
	RT_MODE_DETAIL, /* one ring */
	RT_MODE_HELP,
	RT_MODE_SEARCH, /* typing a search string */
	RT_MODE_FILTER, /* typing a filter string */
	RT_MODE_SORT,	/* choosing a sort column */
};

struct rt_view {
	enum rt_tab tab;
	enum rt_mode mode;
	enum rt_mode back; /* where help returns to */
	enum rt_col sort;
	bool invert;
	bool paused;
	bool only_active;
	bool color;
	bool utf8;
	uint64_t interval_ns;
	char filter[RT_PATTERN_MAX];
	char edit[RT_PATTERN_MAX]; /* the prompt's text while typing */
	bool search_failed;
	unsigned sort_cursor; /* in the sort menu */
	/* selection and scrolling, per tab; on Rings by ring id */
	size_t sel[RT_TAB_COUNT];
	size_t top[RT_TAB_COUNT];
	uint64_t sel_id;    /* the selected ring, kept across refreshes */
	uint64_t detail_id; /* the ring shown in the detail view */
	/* rows of the Rings tab: indices into model.rings, filtered, sorted */
	size_t *rows;
	size_t nrows, rows_cap;
	int page; /* table rows on screen, for PgUp/PgDn */
};

/* Build v->rows from m for the current filter, sort and -o. */
int view_rows(struct rt_view *v, const struct rt_model *m);
/* Does ring r match a filter or search string (scheme, comm, id)? */
bool view_match(const struct rt_ring *r, const char *pat);
/*
 * The text of ring r's cell in column col, the one formatter of a ring's
 * row for the Rings tab and batch text: the id; the scheme and peers
 * made terminal-safe (san_vis(), peer_fmt()); SQ and CQ as
 * "depth/entries"; rates, "-" until known; AGE (view_age()), "-" for
 * none; STATE the word model_state_name() gives.  Returns buf, which
 * VIEW_CELL_LEN bytes always hold whole.
 */
#define VIEW_CELL_LEN FMT_NAME_LEN
const char *view_cell(const struct rt_model *m, const struct rt_ring *r,
    enum rt_col col, char *buf, size_t len);
/*
 * The AGE column's figure: how long the head of the queue in alarm (else
 * the SQ's) has stood still with entries behind it, ns; 0 for none or an
 * ended ring.  The age sort uses it too.
 */
uint64_t view_age(const struct rt_model *m, const struct rt_ring *r);
/* Rows of the current tab. */
size_t view_count(const struct rt_view *v, const struct rt_model *m);
/* Keep the selection inside the rows and on sel_id for the Rings tab. */
void view_clamp(struct rt_view *v, const struct rt_model *m);

/* --- keys ----------------------------------------------------------- */

/* What a key handler asks the main loop to do. */
#define RT_REDRAW 0x1u	/* draw the screen again */
#define RT_REFRESH 0x2u /* fetch a snapshot now */
#define RT_RESORT 0x4u	/* rebuild the rows */
#define RT_QUIT 0x8u
#define RT_RETIME 0x10u /* the interval changed */

#define RT_KEY_DETAIL 0x1u /* the key works in the detail view too */

struct rt_key {
	int key;
	const char *name; /* as the help screen shows it; NULL: hidden */
	const char *help;
	unsigned (*fn)(struct rt_view *, const struct rt_model *, int);
	unsigned flags; /* RT_KEY_* */
};

unsigned keys_dispatch(struct rt_view *v, const struct rt_model *m, int ch);
/* The binding table, terminated by key 0, for the help screen. */
extern const struct rt_key rt_keys[];

/*
 * The keys of a replay (-r), which come before rt_keys' in the list and
 * detail views: pause, step, speed, seek.  Same shape as struct rt_key,
 * but the handler moves through the recording (replay.c).
 */
struct rec_replay;
struct rt_replay_key {
	int key;
	const char *name; /* as the help screen shows it; NULL: hidden */
	const char *help;
	unsigned (
	    *fn)(struct rt_view *, struct rt_model *, struct rec_replay *, int);
};

/* The replay's table, terminated by key 0, for the help screen. */
extern const struct rt_replay_key rt_replay_keys[];
/* A replay's key: RT_* bits, or 0 when it is not one (rt_keys then). */
unsigned keys_replay(struct rt_view *v, struct rt_model *m,
    struct rec_replay *r, int ch);

/* --- output --------------------------------------------------------- */

int screen_init(struct rt_view *v);
void screen_end(void);
void screen_draw(struct rt_view *v, const struct rt_model *m);

/* Batch mode: one frame of text or JSON on stdout. */
int batch_frame(const struct rt_view *v, const struct rt_model *m, bool json,
    uint64_t frame);

/* --- formatting (fmt.c) ----------------------------------------------- */

/* 1.2k, 34M: a count in at most 5 characters. */
void fmt_count(char *buf, size_t len, double v);
/*
 * Room for a name from ringd's records made terminal-safe by san_vis()
 * (FMT_NAME_LEN, a scheme's) and for a peer as peer_fmt() writes it
 * (FMT_PEER_LEN): both of common/, as ringctl prints them.
 */
#define FMT_NAME_LEN SAN_VIS_LEN(RING_CTL_NAME_MAX)
#define FMT_PEER_LEN (SAN_VIS_LEN(RING_CTL_COMM_MAX) + 16)
/* Interval as "1.0s" / "0.1s" / "10s". */
void fmt_interval(char *buf, size_t len, uint64_t ns);
/*
 * A refresh interval (units_parse_duration(): "2", "0.5", "500ms") within
 * the bounds; -EINVAL not a duration, -ERANGE out of bounds.
 */
int fmt_parse_interval(const char *s, uint64_t *ns);

#endif /* RINGTOP_H */
