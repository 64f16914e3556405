/*
 * ringd.h - the broker's shared types and the functions its modules
 * offer one another.  One daemon, one header (the tmux habit): each
 * prototype block names the file that defines it.
 */
#ifndef RINGD_H
#define RINGD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <bsd/sys/queue.h>
#include <bsd/sys/tree.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "ringd-limits.h"
#include "broker.h"
#include "proto.h"

#define RINGD_SERVER "ringd " RING_VERSION
#define RINGD_SOCK_MAX 108 /* sizeof(sockaddr_un.sun_path) */
#define RINGD_DEFAULT_CONF "/etc/ringd.conf"
#define RINGD_ROOT_SOCK_DIR "/run/ringd"
#define RINGD_SOCK_NAME "ringd.sock"

/* pidfd_open(2) where libc's headers predate it (434 on x86-64 and arm64) */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* A file's identity, (st_dev, st_ino), in one order (qsort, bsearch, RB). */
static inline int
ringd_file_cmp(uint64_t adev, uint64_t aino, uint64_t bdev, uint64_t bino)
{
	if (adev != bdev)
		return adev < bdev ? -1 : 1;
	return aino < bino ? -1 : aino > bino;
}

/*
 * What an epoll registration points at: the function its owner wants
 * called with obj and the ready events (tmux/libevent style), so loop.c
 * knows no module by name.
 */
struct loop_src {
	void (*fn)(void *obj, uint32_t events);
	void *obj;
};

/* Log levels, most severe first. */
enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE, /* normal but significant: start, stop, reload */
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* What a policy rule governs (ringd.conf(5), policy.c). */
enum policy_action {
	POLICY_REGISTER = 1, /* take a scheme name */
	POLICY_OPEN,	     /* open a ring to a scheme */
	POLICY_SUBMIT,	     /* opcodes on a scheme's rings */
	POLICY_PHYS,	     /* physalloc3, and how much */
};

#define POLICY_ANY UINT32_MAX /* uid= or gid= not given */

/* One allow/deny line. */
struct policy_rule {
	bool allow;
	uint8_t action;			 /* enum policy_action */
	uint32_t line;			 /* in the config file */
	uint32_t uid;			 /* POLICY_ANY: every uid */
	uint32_t gid;			 /* POLICY_ANY: every group */
	char pattern[RING_CTL_NAME_MAX]; /* scheme glob; "" for phys */
	struct proto_opset ops;		 /* submit: the opcodes it covers */
	uint64_t quota_bytes; /* phys allow: UINT64_MAX not given, 0 none */
	uint32_t max_regions; /* phys allow: UINT32_MAX not given */
};

/* The rules in file order; the first that matches decides. */
struct policy {
	uint32_t nrules;
	uint64_t gen; /* changes with every load */
	struct policy_rule rule[RINGD_CAP_POLICY_RULES];
};

/* The settings ringd.conf(5) can change. */
struct config {
	char socket[RINGD_SOCK_MAX]; /* "" when not set */
	mode_t socket_mode;
	bool socket_mode_set;  /* socket_mode given in the file */
	char socket_group[64]; /* "" when not set */
	uint32_t max_clients;
	uint32_t max_clients_per_uid; /* root and the socket's owner exempt */
	uint32_t hello_timeout_ms;    /* first message to HELLO done */
	uint32_t max_schemes;
	uint32_t max_schemes_per_client;
	uint32_t max_rings;
	uint32_t max_rings_per_client;
	uint32_t max_rings_per_uid; /* root and the socket's owner exempt */
	uint32_t max_entries;
	uint64_t max_pool_bytes;
	uint32_t max_pending_bytes;
	uint32_t accept_timeout_ms;
	uint32_t adopt_timeout_ms; /* after a restart: wait for the other side */
	int log_level; /* -1 when not set */
	bool root_takeover;
	/* physalloc3 (phys.c) */
	uint64_t phys_zone32_bytes;	   /* read at start only */
	uint64_t phys_zone64_bytes;	   /* read at start only */
	uint64_t phys_quota_bytes;	   /* per non-root uid; 0: no quota */
	uint32_t phys_max_regions;	   /* all uids */
	uint32_t phys_max_regions_per_uid; /* per non-root uid */
	bool phys_allow_users;		   /* may non-root uids allocate? */
	/* security (policy.c, seccomp.c) */
	bool policy_default_allow; /* when no rule matches */
	bool seccomp;		   /* read at start only */
	struct policy policy;
};

/* A reply or event waiting for room in a client's socket. */
struct outmsg {
	STAILQ_ENTRY(outmsg) link;
	uint16_t type;
	uint32_t seq;
	uint32_t len;
	unsigned nfds;
	int fds[PROTO_MAX_FDS]; /* ringd's own duplicates */
	uint8_t body[];
};

struct scheme;
struct ringd_ring;
struct redox_ring; /* redox.c: what a relibc redox_ring adds */

/* One connection to ringd. */
struct client {
	uint64_t id;
	RB_ENTRY(client) node;
	TAILQ_ENTRY(client) dead_link;
	TAILQ_ENTRY(client) hello_link; /* on ringd.hello_wait until HELLO */
	int sock;
	int pidfd; /* -1 when pidfds are unavailable */
	struct loop_src sock_src, pid_src;
	uint32_t ev;		   /* epoll events asked for sock */
	struct ring_ctl_peer peer; /* SO_PEERCRED and comm */
	uint32_t *groups;	   /* SO_PEERGROUPS, for gid= rules */
	uint32_t ngroups;
	bool comm_known; /* comm came from /proc */
	bool hello;
	bool hello_wait; /* on ringd.hello_wait */
	bool dead;
	bool uid_counted; /* counted in its uid's connections */
	unsigned bad; /* protocol violations so far */
	uint64_t created_ns;
	uint32_t nschemes;
	uint32_t nrings; /* rings opened as consumer */
	LIST_HEAD(, scheme) schemes;
	LIST_HEAD(, ringd_ring) cons_rings;
	LIST_HEAD(, ringd_ring) prod_rings;
	STAILQ_HEAD(, outmsg) outq;
	size_t out_bytes;
	/* a LIST_* request being answered record by record */
	uint16_t list_type; /* 0: none */
	uint32_t list_seq;
	uint64_t list_id;	       /* next id to send */
	char list_name[RING_NAME_MAX]; /* schemes: last name sent */
	bool list_started;
};

/* A built-in scheme: an opcode-indexed handler table. */
typedef void (*builtin_fn)(struct ringd_ring *rr, const struct ring_sqe *sqe,
    struct ring_cqe *cqe);

struct builtin_scheme {
	const char *name;
	const builtin_fn *ops; /* 256 entries; a NULL entry: fallback */
	builtin_fn fallback;   /* for every opcode without an entry */
	bool check_flags;      /* unknown SQE flags -> -EINVAL */
	bool split; /* an op may take several turns: pop one SQE at a time */
};

#define BUILTIN_OP_TABLE_SIZE 256

/* A registered name (or a built-in one). */
struct scheme {
	char name[RING_NAME_MAX];
	RB_ENTRY(scheme) node;
	LIST_ENTRY(scheme) owner_link;
	struct client *owner; /* NULL for built-ins */
	const struct builtin_scheme *builtin;
	struct ring_ctl_peer owner_peer;
	struct proto_opset ops;
	struct proto_opnames *opnames; /* NULL: none declared */
	uint64_t gen;		       /* tells this name's holders apart */
	uint64_t rings_opened;	       /* rings opened to it so far */
	uint32_t rings;		       /* attached now (rings_attach()) */
	uint32_t serve;		       /* RING_CTL_SERVE_* (SCHEME_SET) */
	int root_fd; /* its directory (O_PATH), -1: none (SCHEME_SET) */
};

/*
 * Where a ring is in its life (rings.c).  A new ring is RUNNING (built-in
 * scheme), PENDING (ATTACH sent to an external scheme, no ACCEPT yet:
 * ACCEPT makes it RUNNING) or ADOPTING (made by a previous ringd, a side
 * yet to come back: both back makes it RUNNING).  A RUNNING or ADOPTING
 * ring whose producer died with its consumer still there is TAKEN_OVER:
 * ringd answers what the producer left, then DROP.  Released rings are
 * marked dead, whatever their phase, until they are reaped.
 */
enum rings_phase {
	RINGS_RUNNING = 0, /* calloc()'s zero */
	RINGS_PENDING,
	RINGS_ADOPTING,
	RINGS_TAKEN_OVER,
};

/* ringd's record of one ring pair it brokered. */
struct ringd_ring {
	uint64_t id;
	RB_ENTRY(ringd_ring) node;
	LIST_ENTRY(ringd_ring) cons_link;
	LIST_ENTRY(ringd_ring) prod_link;
	TAILQ_ENTRY(ringd_ring) pend_link; /* on rings_pending */
	TAILQ_ENTRY(ringd_ring) run_link;  /* on builtin_runnable */
	TAILQ_ENTRY(ringd_ring) dead_link;
	char scheme[RING_NAME_MAX];
	struct ring_params params;
	struct ring_fds
	    fds;	  /* memory file (kept for a takeover); doorbells -1 */
	struct ring *mon; /* RING_ROLE_MONITOR: figures, DROP */
	struct ring *serve;		 /* producer side, ringd serving */
	const struct builtin_scheme *bi; /* what serve answers with */
	struct loop_src db_src;
	int db_fd;	  /* the producer's doorbell end, watched (mon's) */
	bool db_watched;
	bool serving;	  /* builtin_start() .. builtin_stop(): nserving */
	bool runnable;
	struct client *consumer;	   /* NULL once gone */
	struct client *producer;	   /* NULL once gone or built-in */
	struct ring_ctl_peer cpeer, ppeer; /* kept for introspection */
	bool builtin;
	enum rings_phase phase;
	bool dead; /* released: waits for rings_reap() */
	bool kept; /* ringd stops: leave the ring to its peers, no DROP */
	bool dropped; /* rings_drop() saw to DROP */
	bool attached; /* counted in its scheme's rings (scheme_gen) */
	bool uid_counted; /* counted for uid_owner (max_rings_per_uid) */
	uint32_t uid_owner;
	uint64_t scheme_gen;
	RB_ENTRY(ringd_ring) mem_node; /* by memory file, for ADOPT */
	dev_t mem_dev;
	ino_t mem_ino;
	uint32_t open_seq; /* the consumer's OPEN */
	/* built-ins: opcodes the policy lets the consumer use */
	struct proto_opset allowed;
	uint64_t allowed_gen; /* policy generation it came from */
	uint64_t denied;      /* SQEs answered -EACCES */
	int64_t deadline_ns;  /* pending: when to give up */
	uint64_t created_ns;
	/* builtin.c: turns shared by uid, requests done over several turns */
	TAILQ_ENTRY(ringd_ring) uid_link; /* on run_uid's queue */
	struct builtin_uid *run_uid;	  /* while runnable */
	struct ring_sqe bi_sqe;		  /* the request in progress */
	uint64_t bi_done;		  /* bytes of it done so far */
	uint64_t bi_budget;		  /* cost left in this visit */
	bool bi_busy;			  /* bi_sqe is in progress */
	/* a relibc redox_ring (redox.c): NULL for a v1 pair, whose memory
	 * file, monitor and doorbells a redox_ring has none of */
	struct redox_ring *rx;
};

/* A ring the last ringd left to its peers (state.c), as it recorded it. */
struct state_ring {
	uint64_t id;
	uint64_t mem_dev, mem_ino;
	char scheme[RING_NAME_MAX];
	struct ring_ctl_peer cpeer, ppeer; /* from SO_PEERCRED, back then */
	uint32_t flags;			   /* STATE_* */
	uint32_t reserved;
};

/*
 * A physalloc3 region the last ringd left (state.c, phys.c): where it was,
 * whose, the identity of its memory file, and the rings it was granted
 * through, by the side of the ring the grantee was.
 */
struct state_region {
	uint64_t id;
	uint64_t base, size;
	uint32_t zone;	/* enum ring_phys_zone_id */
	uint32_t flags; /* RING_PHYS_PERSIST */
	struct ring_ctl_peer owner;
	uint64_t mem_dev, mem_ino; /* 0, 0: it had no memory file */
	uint32_t sflags;	   /* STATE_REGION_* */
	uint32_t ngrants;
	struct state_grant {
		uint64_t ring_id;
		uint32_t producer; /* 1: the ring's scheme, 0: its consumer */
		uint32_t reserved;
	} grant[RING_PHYS_GRANT_MAX];
};

#define STATE_REGION_CLIENT 0x1u /* a connection held it: it may claim it */
#define STATE_REGION_MEMORY 0x2u /* mem_dev/mem_ino are its memory file's */

#define STATE_HAS_CONSUMER 0x1u	 /* cpeer is known */
#define STATE_HAS_PRODUCER 0x2u	 /* ppeer is known */
#define STATE_CONSUMER_BACK 0x4u /* the consumer adopted it */
#define STATE_PRODUCER_BACK 0x8u /* the producer adopted it */

RB_HEAD(client_tree, client);
RB_HEAD(scheme_tree, scheme);
RB_HEAD(ring_tree, ringd_ring);
RB_HEAD(ring_mem_tree, ringd_ring);
RB_PROTOTYPE(client_tree, client, node, client_cmp)
RB_PROTOTYPE(scheme_tree, scheme, node, registry_cmp)
RB_PROTOTYPE(ring_tree, ringd_ring, node, rings_cmp)
RB_PROTOTYPE(ring_mem_tree, ringd_ring, mem_node, rings_mem_cmp)

/* The daemon's state; one instance. */
struct ringd {
	struct config conf;
	const char *conf_path; /* NULL: none */
	int cli_log_level;     /* -1: not set by -d/-v/-l */
	bool foreground;
	int epfd;
	int sigfd;
	int listen_fd;
	int spare_fd; /* given up to accept on EMFILE */
	struct loop_src listen_src, sig_src;
	char sock_path[RINGD_SOCK_MAX];
	bool sock_owned; /* we bound it: unlink at exit */
	/* who may use the reserved connection slots besides root */
	uid_t sock_uid;	     /* the socket file's owner (else ringd's euid) */
	gid_t sock_gid;	     /* socket_group, when sock_group_set */
	bool sock_group_set; /* the group was chosen: socket_group or systemd */
	dev_t sock_dev;
	ino_t sock_ino;
	bool quit;
	uint64_t start_ns;
	uint64_t next_client_id, next_ring_id;
	uint64_t next_scheme_gen; /* struct scheme's gen */
	uint32_t nclients, nschemes, nrings;
	uint32_t nserving; /* rings ringd serves (ring->serve) */
	struct client_tree clients;
	struct scheme_tree schemes;
	struct ring_tree rings;
	struct ring_mem_tree ring_mems;
	TAILQ_HEAD(, ringd_ring) pending;
	TAILQ_HEAD(, ringd_ring) adopting; /* on pend_link too */
	TAILQ_HEAD(, ringd_ring) runnable;
	TAILQ_HEAD(, ringd_ring) dead_rings;
	TAILQ_HEAD(, client) dead_clients;
	TAILQ_HEAD(, client) hello_wait; /* no HELLO yet, oldest first */
	uint64_t conns_refused;		 /* over a connection limit */
	uint64_t hello_timeouts;	 /* closed without a HELLO in time */
	bool status_dirty; /* counts changed since STATUS= */
	bool notify;	   /* $NOTIFY_SOCKET is set */
};

extern struct ringd ringd;

/* log.c */
void log_open(bool foreground, int level);
void log_set_level(int level);
void log_close(void);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* the level logged up to: arguments of a record above it are not even
 * formatted (client_name() is a snprintf() per call) */
extern int log_cur_level;
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_cur_level >= LOG_LVL_DEBUG) \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)
int log_level_parse(const char *s);
const char *log_level_name(int level);

/* config.c */
void config_defaults(struct config *c);
int config_load(const char *path, struct config *c);
int config_parse_size(const char *v, uint64_t min, uint64_t max, uint64_t *out);

/* service.c */
uint64_t service_now_ns(void);
int service_pidfile_open(const char *path);
int service_pidfile_write(void);
void service_pidfile_remove(void);
int service_daemonize(void);
void service_daemon_ready(bool ok);
void service_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void service_notify_fdstore(const char *name, const int *fds, size_t nfds);
void service_raise_nofile(void);
void service_init_state(void);
void service_fini_state(void);

/* listen.c */
/* Which default socket: by uid, or the one ringd --system/--user names. */
enum listen_scope {
	LISTEN_DEFAULT,
	LISTEN_SYSTEM,
	LISTEN_USER,
};
int listen_default_path(enum listen_scope scope, char *buf, size_t size,
    bool *mkparent);
int listen_activated(void);
int listen_open(const char *path, bool mkparent, const struct config *conf);
int listen_apply_mode(const struct config *conf);
void listen_close(void);

/* loop.c */
int loop_block_signals(void);
int loop_init(void);
int loop_add(int fd, struct loop_src *src, uint32_t events);
int loop_mod(int fd, struct loop_src *src, uint32_t events);
void loop_del(int fd);
int loop_run(void);
void loop_fini(void);

/* conn.c: connections (struct client) */
int client_listen(void);
int64_t client_expire(uint64_t now);
int client_send(struct client *c, uint16_t type, uint32_t seq, const void *body,
    uint32_t len, const int *fds, unsigned nfds);
void client_update_events(struct client *c);
void client_set_comm(struct client *c, const char *s, size_t max);
void client_hello_done(struct client *c);
void client_kill(struct client *c, const char *why);
void client_reap(void);
void client_fini(void);
const char *client_name(const struct client *c);
int client_uid_ring_take(const struct client *c);
void client_uid_ring_put(uint32_t uid);

/* dispatch.c: requests, the handler table, HELLO and STATUS */
void dispatch_read(struct client *c);
int client_reply_error(struct client *c, uint16_t type, uint32_t seq, int err);
int client_reply(struct client *c, const struct proto_msg *m, const void *body,
    uint32_t len);
int client_reply_ok(struct client *c, const struct proto_msg *m);

/* list.c: record lists, packet by packet */
int list_handle_request(struct client *c, struct proto_msg *m);
void list_more(struct client *c);
uint32_t list_packet_room(void);
void client_fill_rec(const struct client *c, struct ring_ctl_client *rec);

/* registry.c */
int registry_init(void);
void registry_fini(void);
struct scheme *registry_find(const char *name);
void registry_client_gone(struct client *c);
int registry_handle_register(struct client *c, struct proto_msg *m);
int registry_handle_unregister(struct client *c, struct proto_msg *m);
int registry_handle_probe(struct client *c, struct proto_msg *m);
int registry_handle_set(struct client *c, struct proto_msg *m);
int registry_handle_root(struct client *c, struct proto_msg *m);
void registry_fill_rec(const struct scheme *s, struct ring_ctl_scheme *rec);

/* rings.c */
int rings_add_opened(struct ringd_ring *rr, struct client *c, struct scheme *s,
    uint32_t seq);
int rings_handle_open(struct client *c, struct proto_msg *m);
int rings_handle_accept(struct client *c, struct proto_msg *m);
int rings_handle_close(struct client *c, struct proto_msg *m);
int rings_handle_adopt(struct client *c, struct proto_msg *m);
bool rings_fd_room(uint32_t rings, uint32_t serving, uint32_t clients);
void rings_client_gone(struct client *c);
int64_t rings_expire(uint64_t now);
void rings_fds(const struct ringd_ring *rr, struct ring_fds *f);
struct ring *rings_mon(struct ringd_ring *rr);
void rings_drop(struct ringd_ring *rr);
bool rings_is_over(struct ringd_ring *rr);
void rings_reap(void);
bool rings_reap_may_wait(void);
void rings_fd_limit_reset(void);
void rings_spare_fill(void);
void rings_fini(void);

/* rings.c, for redox.c: the model's bookkeeping both kinds share */
int rings_insert(struct ringd_ring *rr);
struct ringd_ring *rings_find(uint64_t id);
void rings_attach(struct ringd_ring *rr, bool on);
int rings_uid_take(struct ringd_ring *rr, const struct client *c);
void rings_uid_put(struct ringd_ring *rr);
void rings_release(struct ringd_ring *rr);

/* redox.c: relibc redox_rings (the 2026 format) */
int redox_handle_setup(struct client *c, struct proto_msg *m);
int redox_handle_accept(struct client *c, struct proto_msg *m);
int redox_handle_files(struct client *c, struct proto_msg *m);
int redox_handle_files_done(struct client *c, struct proto_msg *m);
void redox_fail_setup(struct ringd_ring *rr, int err);
void redox_consumer_gone(struct ringd_ring *rr);
void redox_producer_gone(struct ringd_ring *rr);
void redox_release(struct ringd_ring *rr);
void redox_free(struct ringd_ring *rr);
int64_t redox_expire(uint64_t now);
void redox_fill_rec(struct ringd_ring *rr, struct ring_ctl_ring *rec);

/* rings-rec.c: LIST_RINGS records */
size_t rings_fill_batch(uint64_t *from, struct ring_ctl_ring *out,
    size_t max);

/* state.c: what one ringd tells the next */
void state_load(void);
void state_save(void);
void state_fini(void);
struct state_ring *state_find(dev_t dev, ino_t ino);
bool state_known(void);
bool state_adopt_window(void);
bool state_name_reserved(const char *name, uint32_t uid, uint32_t *owner);
bool state_memfd_ok(int fd, uint64_t dev, uint64_t ino, uint64_t size);
long long state_fdstore_take(int first, long long nfds, const char *names);

/* builtin.c */
const struct builtin_scheme *builtin_list(unsigned *n);
void builtin_opset(const struct builtin_scheme *bs, struct proto_opset *ops);
int builtin_start(struct ringd_ring *rr, bool lazy);
int builtin_watch(struct ringd_ring *rr);
void builtin_unwatch(struct ringd_ring *rr);
void builtin_stop(struct ringd_ring *rr);
bool builtin_run_ready(void);
void builtin_trim(void);

/* policy.c: allow/deny rules of ringd.conf(5) */
bool policy_is_rule(const char *line);
int policy_parse_rule(struct policy *p, char *line, unsigned lineno, char *why,
    size_t whylen);
void policy_new_gen(struct policy *p);
void policy_client_init(struct client *c);
void policy_client_fini(struct client *c);
bool policy_in_group(const struct client *c, uint32_t gid);
int policy_check(const struct client *c, enum policy_action a,
    const char *name);
void policy_opset(const struct client *c, const char *scheme,
    struct proto_opset *out);
bool policy_op_allowed(struct ringd_ring *rr, uint8_t opcode);
int policy_phys(const struct client *c, uint64_t *quota, uint32_t *max_regions);
void policy_print(FILE *f, const struct config *conf);

/* seccomp.c: what ringd keeps once it serves */
int seccomp_drop(bool filter);
void seccomp_print(FILE *f);

/* phys.c: physalloc3's simulated physical memory */
int phys_option(const char *arg);
int phys_init(void);
void phys_fini(void);
int phys_handle_alloc(struct client *c, struct proto_msg *m);
int phys_handle_alloc_sg(struct client *c, struct proto_msg *m);
int phys_handle_free(struct client *c, struct proto_msg *m);
int phys_handle_map(struct client *c, struct proto_msg *m);
int phys_handle_grant(struct client *c, struct proto_msg *m);
bool phys_list_next(struct client *c, uint8_t *rec);
void phys_client_gone(struct client *c);
void phys_fill_status(struct ring_ctl_status *st);
/* phys-adopt.c: regions across a restart (state.c keeps the file) */
size_t phys_save(struct state_region **ret, int **fds, size_t *nfds);
int phys_restore(const struct state_region *sr);
uint64_t phys_next_id(void);
void phys_restore_done(uint64_t next_id, int *memfd, size_t nmemfd);
int phys_handle_adopt(struct client *c, struct proto_msg *m);
int64_t phys_expire(uint64_t now);

#endif /* RINGD_H */
