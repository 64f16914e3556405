/*
 * ring/ctl.h - libring's ringd client: the control socket, opening rings
 * through ringd, serving schemes (register, attach, accept/refuse), the
 * reconnect after a ringd restart, and the introspection records ringd
 * reports (status, schemes, rings, clients).
 *
 * The data path (<ring/ring.h>) does not depend on anything here: a
 * program that only uses pairs it made itself links none of it.
 *
 * Conventions as in <ring/ring.h>: >= 0 or -errno; nothing here prints,
 * logs or exits; a connection is for one thread at a time.
 */
#ifndef RING_CTL_H
#define RING_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ring/ring.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- ringd control socket ------------------------------------------- */

/*
 * A connection to ringd.  Path: the argument, else $RINGD_SOCKET, else
 * /run/ringd/ringd.sock for root, else $XDG_RUNTIME_DIR/ringd.sock.
 * Requests are synchronous; replies come within RING_CTL_TIMEOUT_MS or the
 * call fails with -ETIMEDOUT.  A connection is for one thread at a time.
 */
struct ring_ctl;

#define RING_CTL_TIMEOUT_MS 10000
#define RING_CTL_NAME_MAX 64 /* scheme name, NUL included */
#define RING_CTL_COMM_MAX 16
#define RING_CTL_OPNAME_MAX 16 /* declared opcode name, NUL included */

struct ring_ctl_peer {
	uint32_t pid;
	uint32_t uid;
	uint32_t gid;
	uint32_t reserved;
	char comm[RING_CTL_COMM_MAX];
};

/* A ring a consumer opened to one of our schemes, waiting for a yes/no. */
struct ring_attach {
	uint64_t ring_id;
	char scheme[RING_CTL_NAME_MAX];
	struct ring_ctl_peer consumer; /* for the scheme's access decision */
	struct ring_params params;
	struct ring_fds fds; /* closed by ring_ctl_accept()/ring_ctl_refuse() */
};

struct ring_ctl_status {
	uint32_t pid;
	uint32_t version; /* protocol */
	char server[32];  /* ringd version */
	uint64_t uptime_ns;
	uint32_t schemes, rings, clients, reserved; /* schemes: built-ins too */
	/* physalloc3 (<ring/phys.h>): regions, and bytes per zone (32, 64) */
	uint32_t phys_regions, phys_reserved;
	uint64_t phys_size[2]; /* zone size; 0: disabled */
	uint64_t phys_used[2]; /* in allocated regions */
};

struct ring_ctl_scheme {
	char name[RING_CTL_NAME_MAX];
	struct ring_ctl_peer owner; /* for a built-in: ringd itself */
	uint32_t builtin;	    /* 1: served by ringd (null, zero, echo) */
	uint32_t rings;		    /* attached now: open, not dropped */
	uint64_t rings_opened;	    /* opened to it since it registered */
	uint64_t ops[4];	    /* opcode bitmap; all zero: not declared */
};

/*
 * A name a scheme gives one of its producer-specific opcodes
 * (RING_OP_PRODUCER_BASE..255): lowercase [a-z][a-z0-9_]*, NUL-terminated,
 * at most RING_CTL_OPNAME_MAX - 1 characters, unique within the scheme,
 * and not a Redox standard opcode name ("read", "files_update", ...).
 */
struct ring_ctl_opname {
	uint8_t op;
	char name[RING_CTL_OPNAME_MAX];
};

struct ring_ctl_queue {
	uint64_t head, tail, depth;
	uint64_t push_epoch, pop_epoch; /* entries ever pushed / popped */
	uint64_t status;		/* RING_STATUS_* */
	uint32_t pop_wait, push_wait;	/* RING_WAIT_* */
};

enum ring_ctl_state {
	RING_CTL_PENDING = 1, /* waiting for the scheme to accept */
	RING_CTL_RUNNING,
	RING_CTL_DROPPED,
	RING_CTL_BROKEN,
	RING_CTL_ADOPTING, /* after a ringd restart: one side is back */
};

struct ring_ctl_ring {
	uint64_t ring_id;
	char scheme[RING_CTL_NAME_MAX];
	struct ring_ctl_peer consumer;
	struct ring_ctl_peer producer; /* pid 0: served by ringd itself */
	uint32_t flags;		       /* RING_PAIR_* */
	uint32_t sq_entries, cq_entries;
	uint32_t sqe_size, cqe_size;
	uint32_t state; /* enum ring_ctl_state */
	uint64_t pool_bytes;
	uint64_t age_ns;
	struct ring_ctl_queue sq, cq;
};

/*
 * ring_ctl_ring.flags: the ring is a relibc redox_ring (the 2026 format:
 * separate SQ and CQ objects made by the scheme, <redox/ring-scheme.h>),
 * not a v1 pair.  Its queues' head and tail are the 31-bit indices without
 * the WAITING bit, push_epoch/pop_epoch the entries ringd has seen pass
 * (extended to 64 bits each time it reads them), pop_wait/push_wait
 * RING_WAIT_FUTEX while a side sleeps, and pool_bytes the pool's size.
 */
#define RING_CTL_RING_REDOX 0x80000000u

struct ring_ctl_client {
	uint64_t client_id;
	struct ring_ctl_peer peer;
	uint32_t schemes;
	uint32_t rings;
	uint64_t age_ns;
};

/* ringd's socket when it runs as a system service (ringd(8)). */
#define RING_CTL_SYSTEM_SOCKET "/run/ringd/ringd.sock"

/* Which ringd a client means (ring_ctl_socket_path_for()). */
enum ring_ctl_scope {
	/*
	 * $RINGD_SOCKET when set; else for root the system socket; for
	 * anyone else $XDG_RUNTIME_DIR/ringd.sock when a socket is there
	 * (a per-user ringd), else the system socket.
	 */
	RING_CTL_DEFAULT = 0,
	RING_CTL_SYSTEM, /* RING_CTL_SYSTEM_SOCKET, whatever the environment */
	RING_CTL_USER,	 /* $XDG_RUNTIME_DIR/ringd.sock, whatever the uid */
};

/*
 * The socket path scope names into buf: 0, -ENOENT for RING_CTL_USER
 * without an absolute $XDG_RUNTIME_DIR, -ENAMETOOLONG when len is short,
 * -EINVAL for an unknown scope.  ring_ctl_connect(NULL, ...) dials the
 * RING_CTL_DEFAULT path, which ring_ctl_socket_path() also gives.
 */
int ring_ctl_socket_path_for(enum ring_ctl_scope scope, char *buf,
    size_t len);
int ring_ctl_socket_path(char *buf, size_t len);

/*
 * Connect and introduce ourselves.  -ENOENT/-ECONNREFUSED: ringd is not
 * running there; -EPROTO: it speaks another protocol version, which
 * *server_version (when not NULL) then holds.
 */
int ring_ctl_connect(const char *path, uint32_t *server_version,
    struct ring_ctl **ret);
void ring_ctl_close(struct ring_ctl *c);
/*
 * A descriptor for poll/epoll, readable when ring_ctl_process() (or
 * ring_ctl_next_attach(), ring_ctl_redox_next()) has something to do: an
 * attach or a redox_ring event may be waiting, ringd hung up, or it is
 * time to try reconnecting.  Once a caller has taken events of one kind
 * only, events of the other kind do not make it readable.
 */
int ring_ctl_fd(const struct ring_ctl *c);
/*
 * Survive ringd restarts (set before opening, accepting or registering
 * anything; -EBUSY after): the handle keeps each ring's memory file and
 * the names it registered, and when ringd goes away it reconnects by
 * itself (at once, then every 0.1 s doubling to 2 s, whenever the caller
 * uses the handle or ring_ctl_fd() turns readable), registers the names
 * again and hands every live ring to the new ringd, so that ringd's model
 * shows them again.  Rings carry on meanwhile: their data path never went
 * through ringd.  The new ringd may refuse a ring (-EPERM not this uid's,
 * -ENOENT not left by the last ringd, -E2BIG over today's limits; see
 * ringd(8)): it then goes on without ringd's oversight.
 *
 * The handle also keeps the memory file of every physalloc3 region it
 * maps writable (<ring/phys.h>; up to 256 files) and hands those regions back
 * after the rings: the
 * regions it allocated are its own again (a region that is not
 * persistent dies with the handle's connection, as before), and the new
 * ringd has their memory again.  A region the new ringd does not know
 * (it was killed, or the adopt window is over: -ENOENT) is forgotten;
 * mappings stay valid, but the range may be allocated to someone else.
 */
int ring_ctl_set_reconnect(struct ring_ctl *c, bool on);
/* Reconnect now; 0, or the first thing the new ringd refused. */
int ring_ctl_reconnect(struct ring_ctl *c);
/*
 * Is the handle connected to a ringd right now?  Only a failure of the
 * socket itself counts as ringd gone; an errno inside a reply (even
 * -ECONNRESET from a scheme) leaves the connection alone.
 */
bool ring_ctl_connected(const struct ring_ctl *c);
/*
 * Did the call on c that returned err fail because ringd is out of reach
 * (the connection broke, was refused, or ringd did not answer within
 * RING_CTL_TIMEOUT_MS), rather than with an errno inside ringd's reply?
 * The same errnos come inside replies too (a scheme may refuse an open
 * with -ECONNRESET): those are answers, and this says false for them.
 * c NULL: err came from ring_ctl_connect(); true for its transport errnos.
 * The one "is ringd gone?" test of the suite.
 */
bool ring_ctl_is_disconnect(const struct ring_ctl *c, int err);
/* How many times the handle has reconnected to a restarted ringd. */
uint64_t ring_ctl_reconnects(const struct ring_ctl *c);
/*
 * Do what ring_ctl_fd() signalled without taking an attach: queue attach
 * events, notice a hang-up and reconnect when the handle is set to.
 * 0, or -ECONNRESET when ringd went away from a handle that does not
 * reconnect.  A handle that reconnected but had a name or a ring refused
 * by the new ringd (say, -EADDRINUSE: another uid holds the name) gets
 * that error once; it goes on connected without it.
 */
int ring_ctl_process(struct ring_ctl *c);

/*
 * Consumer: open a ring to scheme.  -ENODEV no such scheme, -EACCES the
 * scheme refused (or any errno it chose), -EINVAL/-E2BIG bad or too large
 * parameters, -EMFILE/-ENFILE a limit was reached, -EAGAIN the scheme is
 * behind in reading its socket (try again later).  *ring_id may be NULL.
 */
int ring_ctl_open(struct ring_ctl *c, const char *scheme,
    const struct ring_params *p, struct ring **ret, uint64_t *ring_id);
int ring_ctl_close_ring(struct ring_ctl *c, uint64_t ring_id);

/* Scheme: take a name, declaring the opcodes served (nops may be 0). */
int ring_ctl_register(struct ring_ctl *c, const char *name, const uint8_t *ops,
    unsigned nops);
/*
 * Scheme: as ring_ctl_register(), and name some of the declared
 * producer-specific opcodes (struct ring_ctl_opname).  -EINVAL when a name
 * breaks a rule, names a standard opcode (0..127) or an opcode not among
 * ops, or when one opcode gets two names.
 */
int ring_ctl_register_names(struct ring_ctl *c, const char *name,
    const uint8_t *ops, unsigned nops, const struct ring_ctl_opname *names,
    unsigned nnames);
int ring_ctl_unregister(struct ring_ctl *c, const char *name);
/* Next attach request without blocking (-EAGAIN when there is none). */
int ring_ctl_next_attach(struct ring_ctl *c, struct ring_attach *a);
/* Wait up to timeout_ms (< 0: for ever) for an attach request. */
int ring_ctl_wait_attach(struct ring_ctl *c, struct ring_attach *a,
    int timeout_ms);
int ring_ctl_accept(struct ring_ctl *c, struct ring_attach *a,
    struct ring **ret);
int ring_ctl_refuse(struct ring_ctl *c, struct ring_attach *a, int err);

/* Introspection.  Lists are malloc'ed arrays the caller frees. */
int ring_ctl_probe(struct ring_ctl *c, const char *scheme, uint64_t ops[4]);
/*
 * ring_ctl_probe(), and the names the scheme gave its opcodes: *names (a
 * malloc'ed array in opcode order, NULL when *nnames is 0) has one entry
 * per named opcode the caller may use.
 */
int ring_ctl_probe_names(struct ring_ctl *c, const char *scheme,
    uint64_t ops[4], struct ring_ctl_opname **names, size_t *nnames);
int ring_ctl_status(struct ring_ctl *c, struct ring_ctl_status *st);
int ring_ctl_list_schemes(struct ring_ctl *c, struct ring_ctl_scheme **v,
    size_t *n);
int ring_ctl_list_rings(struct ring_ctl *c, struct ring_ctl_ring **v,
    size_t *n);
int ring_ctl_list_clients(struct ring_ctl *c, struct ring_ctl_client **v,
    size_t *n);

/*
 * --- relibc redox_ring rings (the 2026 format) ---
 *
 * libredox-ring (<redox/ring.h>, <redox/ring-scheme.h>) is built on these;
 * programs use it rather than calling them.  A consumer asks ringd for a
 * ring to a scheme; ringd asks the scheme, which makes the SQ and CQ
 * objects (exactly sized memfds), a doorbell (a stream socket the consumer
 * writes one byte to per submit) and the buffer pool (a memfd), and ringd
 * checks and seals them and hands them to the consumer.  The ring then
 * runs between the two processes through shared memory; ringd watches it
 * (ringctl rings, ringtop) and tells each side when the other is gone.
 */
struct ring_ctl_redox_params {
	uint32_t sq_entries; /* asked; on return, what the scheme made */
	uint32_t cq_entries; /* with REDOX_RING_SETUP_CQSIZE, asked too */
	uint32_t flags;	     /* REDOX_RING_SETUP_* */
	uint32_t pool_size;  /* bytes */
	uint32_t sqe_size;   /* bytes per entry, as the consumer uses them */
	uint32_t cqe_size;
	uint32_t reserved[2]; /* zero */
};

/* A redox_ring's four objects, in the order they travel. */
struct ring_ctl_redox_fds {
	int sq, cq;   /* the queues' memfds: 256-byte header, then entries */
	int doorbell; /* consumer: its end of the stream socket */
	int pool;     /* the buffer pool's memfd */
};

#define RING_CTL_REDOX_FILES_MAX 16 /* descriptors in one file table */

/*
 * Consumer: set up a redox_ring with scheme (a registered scheme that
 * serves them, RING_CTL_SERVE_REDOX).  *p in: the request; out: the sizes
 * the scheme chose.  On success *fds holds four descriptors the caller
 * owns and *ring_id names the ring for ring_ctl_redox_files() and
 * ring_ctl_close_ring().  -ENOENT: no such scheme; -EOPNOTSUPP: it does
 * not serve redox_rings; -EACCES: policy or the scheme said no;
 * -ETIMEDOUT: the scheme did not answer in time; -EINVAL: bad sizes, or
 * the scheme's objects failed ringd's checks.
 */
int ring_ctl_redox_setup(struct ring_ctl *c, const char *scheme,
    struct ring_ctl_redox_params *p, uint64_t *ring_id,
    struct ring_ctl_redox_fds *fds);
/*
 * Consumer: send the ring's fixed file table (SQEs name files by index):
 * n descriptors, 1..RING_CTL_REDOX_FILES_MAX, which stay the caller's.
 * Returns the number of files the scheme took, or -errno (the scheme's
 * answer: -EBADF, -EXDEV for a file that is not the scheme's...).
 */
int ring_ctl_redox_files(struct ring_ctl *c, uint64_t ring_id,
    const int *fds, unsigned n);

/* ring_ctl_scheme_set() flags. */
#define RING_CTL_SERVE_REDOX 0x1u /* the name serves redox_ring setups */
#define RING_CTL_SERVE_ROOT 0x2u  /* root_fd is the name's directory */
#define RING_CTL_SERVE_KNOWN (RING_CTL_SERVE_REDOX | RING_CTL_SERVE_ROOT)

/*
 * Scheme: how it serves a name it registered.  With RING_CTL_SERVE_ROOT,
 * root_fd (a directory, kept by the caller) becomes the name's path
 * namespace, which ringctl exec shows at /scheme/<name>; ringd accepts
 * only a directory owned by the scheme's uid (or any, for root).  Each
 * call replaces the settings; after a ringd restart they are set again
 * with the name.
 */
int ring_ctl_scheme_set(struct ring_ctl *c, const char *name, uint32_t flags,
    int root_fd);
/*
 * A scheme's directory, as an O_PATH descriptor the caller owns:
 * -ENOENT when the name is not registered or has no directory.
 */
int ring_ctl_scheme_root(struct ring_ctl *c, const char *name, int *dirfd);

enum ring_ctl_redox_kind {
	RING_CTL_REDOX_SETUP = 1, /* answer with _accept() or _refuse() */
	RING_CTL_REDOX_FILES,	  /* answer with _files_done() */
	RING_CTL_REDOX_DETACH,	  /* the consumer is gone: drop the ring */
};

struct ring_ctl_redox_event {
	uint32_t kind;	/* enum ring_ctl_redox_kind */
	uint32_t token; /* FILES: for ring_ctl_redox_files_done() */
	uint64_t ring_id;
	char scheme[RING_CTL_NAME_MAX];
	struct ring_ctl_peer consumer;	     /* SETUP */
	struct ring_ctl_redox_params params; /* SETUP: as asked */
	int32_t reason;			     /* DETACH: 0 or -ECONNRESET */
	unsigned nfds;			     /* FILES: the caller closes them */
	int fds[RING_CTL_REDOX_FILES_MAX];
};

/*
 * Scheme: the next redox_ring event without blocking (-EAGAIN: none yet;
 * ring_ctl_fd() becomes readable when one comes).  Events are kept in
 * arrival order beside the v1 attach queue, up to 64: past that a SETUP
 * is refused and a FILES answered with -EBUSY by the library, and a
 * DETACH is dropped (the ring's headers carry the dead mark anyway).
 */
int ring_ctl_redox_next(struct ring_ctl *c, struct ring_ctl_redox_event *ev);
/*
 * Scheme: answer a SETUP with the ring's objects (the caller keeps and
 * closes its own descriptors; ringd gets copies) and the sizes it chose,
 * or refuse it with -errno.
 */
int ring_ctl_redox_accept(struct ring_ctl *c, uint64_t ring_id,
    const struct ring_ctl_redox_params *p,
    const struct ring_ctl_redox_fds *fds);
int ring_ctl_redox_refuse(struct ring_ctl *c, uint64_t ring_id, int err);
/* Scheme: answer a FILES event: files taken (> 0) or -errno. */
int ring_ctl_redox_files_done(struct ring_ctl *c, uint64_t ring_id,
    uint32_t token, int result);

/* The control protocol version this library speaks (ring_ctl_connect()). */
uint32_t ring_ctl_protocol(void);

#ifdef __cplusplus
}
#endif

#endif /* RING_CTL_H */
