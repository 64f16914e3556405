/*
 * ringtop.h - the live monitor's shared declarations: the model it builds
 * from ringd's introspection snapshots (model.c), the derived figures
 * (rates, stall ages, history), the view state the keys change (keys.c),
 * the curses screen (screen.c) and batch output (batch.c).
 */
#ifndef RINGTOP_H
#define RINGTOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ring/phys.h>
#include <ring/ring.h>

#define RT_PROG "ringtop"

/* Refresh interval bounds and default, ns. */
#define RT_INTERVAL_MIN 100000000ull	 /* 0.1 s */
#define RT_INTERVAL_MAX 3600000000000ull /* one hour */
#define RT_INTERVAL_DEF 1000000000ull

/* History: one sample per RT_HIST_STEP_NS, RT_HIST samples per series. */
#define RT_HIST 180
#define RT_HIST_STEP_NS 1000000000ull

/* An SQ whose head stood still this long with entries queued is stalled. */
#define RT_STALL_NS 2000000000ull

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

/* A ring as ringtop tracks it across snapshots. */
struct rt_ring {
	struct ring_ctl_ring r; /* the latest record from ringd */
	bool have_rate;		/* seen in the previous frame too */
	bool changed;		/* epochs, depth or state moved this frame */
	double sub_rate;	/* SQEs submitted per second, last frame */
	double cmp_rate;	/* CQEs posted per second, last frame */
	uint64_t sq_since_ns;	/* SQ head still with entries since; 0: no */
	uint64_t cq_since_ns;	/* CQ head still with entries since; 0: no */
	struct rt_hist *hist;	/* NULL until the first sample */
};

/* What a refresh fetches besides status and rings. */
#define RT_WANT_SCHEMES 0x1u
#define RT_WANT_CLIENTS 0x2u
#define RT_WANT_PHYS 0x4u /* free ranges and regions (zones: always) */

struct rt_model {
	const char *sock_arg; /* -S, or NULL: the path scope names */
	enum ring_ctl_scope scope; /* --system, --user or the default rule */
	char sock[108];	      /* the path in use, for messages */
	struct ring_ctl *ctl; /* NULL while ringd is not reachable */
	bool up;	      /* the last refresh succeeded */
	char err[512];	      /* why not, when !up: the whole message */
	char why[80];	      /* its short form for the screen */
	uint64_t now_ns;      /* CLOCK_MONOTONIC of the last refresh */
	uint64_t prev_ns;     /* of the refresh before, 0: none */
	uint64_t frames;      /* successful refreshes */
	struct ring_ctl_status st;
	struct rt_ring *rings; /* sorted by ring_id */
	size_t nrings;
	struct ring_ctl_scheme *schemes;
	size_t nschemes;
	struct ring_ctl_client *clients;
	size_t nclients;
	double sub_total, cmp_total; /* sums of the per-ring rates */
	/* physalloc3: zones every frame, the rest for the Memory tab */
	bool phys;	   /* ringd reported its zones */
	char phys_err[80]; /* why not */
	struct ring_phys_zone *zones;
	size_t nzones;
	struct ring_phys_range *ranges;
	size_t nranges;
	struct ring_phys_region *regions;
	size_t nregions;
};

void model_init(struct rt_model *m, const char *sock,
    enum ring_ctl_scope scope);
void model_free(struct rt_model *m);
/* Fetch a snapshot; 0, or -errno with m->err set and the lists emptied. */
int model_refresh(struct rt_model *m, unsigned want);
/* Age of the oldest pending SQE (CQE) as seen so far, ns; 0: none. */
uint64_t model_sq_age(const struct rt_model *m, const struct rt_ring *r);
uint64_t model_cq_age(const struct rt_model *m, const struct rt_ring *r);
bool model_stalled(const struct rt_model *m, const struct rt_ring *r);
/* Moved this frame, or has anything queued. */
bool model_active(const struct rt_ring *r);
/* "running", "stalled", "sleeping", "idle", "pending", "DROP", "broken". */
const char *model_state(const struct rt_model *m, const struct rt_ring *r);
/* The value of a series i samples back (0: latest); false: none. */
bool model_hist_get(const struct rt_hist *h, enum rt_series s, unsigned i,
    uint32_t *v);
/* Last refresh time as wall clock, ns since the epoch. */
uint64_t model_wall_ns(void);

/* --- sort columns of the Rings tab ------------------------------------ */

enum rt_col {
	RT_C_ID,
	RT_C_SCHEME,
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

struct rt_key {
	int key;
	const char *name; /* as the help screen shows it; NULL: hidden */
	const char *help;
	unsigned (*fn)(struct rt_view *, const struct rt_model *, int);
};

unsigned keys_dispatch(struct rt_view *v, const struct rt_model *m, int ch);
/* The binding table, terminated by key 0, for the help screen. */
extern const struct rt_key rt_keys[];

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
 * A name from ringd's records (at most max bytes), which another process
 * chose, as text safe for a terminal: san_vis() of tools/, so control
 * bytes and bytes >= 0x80 show as "\ooo" and a backslash as "\\".
 * FMT_NAME_LEN is the room a scheme name can need, FMT_PEER_LEN a peer's.
 */
#define FMT_NAME_LEN (4 * RING_CTL_NAME_MAX + 1)
#define FMT_PEER_LEN (4 * RING_CTL_COMM_MAX + 16)
void fmt_name(char *buf, size_t len, const char *s, size_t max);
/* "pid/comm" (tools/peer.c, as ringctl prints it), "ringd" for pid 0. */
void fmt_peer(char *buf, size_t len, const struct ring_ctl_peer *p);
/* Interval as "1.0s" / "0.1s" / "10s". */
void fmt_interval(char *buf, size_t len, uint64_t ns);
/*
 * A refresh interval (units_parse_duration(): "2", "0.5", "500ms") within
 * the bounds; -EINVAL not a duration, -ERANGE out of bounds.
 */
int fmt_parse_interval(const char *s, uint64_t *ns);

#endif /* RINGTOP_H */
