/*
 * ringd-fuzz.h - what the parts of the fuzz-ringd target share: the fake
 * clients and their state (ringd-fake.c), the invariants (ringd-check.c),
 * the operations a step can be (ringd-ops.c) and the driver with
 * libFuzzer's entry points (fuzz-ringd.c).  Included by those four files
 * only; depends on ringd/ringd.h (the daemon's own modules are linked in)
 * and lib/proto.h.
 */
#ifndef FUZZ_RINGD_FUZZ_H
#define FUZZ_RINGD_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "ringd.h"

#define FZ_NCLIENTS 4
#define FZ_NRINGS 12 /* rings the clients learnt of */
#define FZ_NPAIRS 4  /* pairs made here for ADOPT */
#define FZ_NPHYS 8   /* regions allocated */
#define FZ_MAX_STEPS 64
#define FZ_MAX_TURNS 24 /* loop turns per step before it must be quiet */
#define FZ_CLOCK0 1000000000000ull

/* Configuration bits (input byte 0). */
#define FZ_CONF_POLICY 0x01	/* allow/deny rules */
#define FZ_CONF_PHYS_USERS 0x02 /* phys_allow_users */
#define FZ_CONF_TAKEOVER 0x04	/* root_takeover */
#define FZ_CONF_SMALL_OUT 0x08	/* max_pending_bytes at its minimum */
#define FZ_CONF_TIGHT 0x10	/* small connection, scheme and ring limits */
#define FZ_CONF_SHARE 0x20	/* phys_quota: the default share of each zone */

struct fz_in {
	const uint8_t *p;
	size_t n;
};

struct fz_client {
	int fd;	      /* this side of the connection; -1: none */
	bool reading; /* drains what ringd sends */
	bool eof;     /* ringd closed its side */
	uint32_t seq;
};

/* A ring a client learnt of: from an OPEN reply, an ATTACH or an ADOPT. */
struct fz_ring {
	bool used;
	uint64_t id;
	int fds[3]; /* memory file, doorbells; -1: not received */
	enum ring_role role;
	struct ring *r;	  /* a handle opened on it here, or NULL */
	uint64_t pool_at; /* the last buffer allocated in its pool */
};

struct fz_phys {
	uint64_t base, size, id;
};

/* What a step does: the low 6 bits of its first byte, modulo FZ_NOPS. */
enum fz_op {
	FZ_CONNECT,
	FZ_DISCONNECT,
	FZ_HELLO,
	FZ_REGISTER,
	FZ_UNREGISTER,
	FZ_OPEN,
	FZ_ACCEPT,
	FZ_CLOSE,
	FZ_PROBE,
	FZ_STATUS,
	FZ_LIST,
	FZ_PHYS_ALLOC,
	FZ_PHYS_FREE,
	FZ_PHYS_MAP,
	FZ_PHYS_GRANT,
	FZ_ADOPT,
	FZ_RAW,
	FZ_TIME,
	FZ_DATA,
	FZ_READING,
	FZ_RESTART,
	FZ_PHYS_ADOPT,
	FZ_REDOX, /* redox_rings: SCHEME_SET, SETUP, ACCEPT, FILES, FILES_DONE */
	FZ_NOPS
};

/* fuzz-ringd.c: the state of the input being played */
extern uint64_t fz_now; /* the clock ringd reads */
extern struct fz_client fz_cli[FZ_NCLIENTS];
extern struct fz_ring fz_rings[FZ_NRINGS];
extern unsigned fz_ring_next;
extern struct ring_fds fz_pairs[FZ_NPAIRS];
extern unsigned fz_pair_next;
extern struct fz_phys fz_phys[FZ_NPHYS];
extern unsigned fz_phys_next;
extern int fz_physfd; /* the last region file ringd handed out */
extern pid_t fz_pid;
extern bool fz_root; /* may connect as other uids */
extern int fz_listen;
extern int fz_devnull;
extern int fz_fddir; /* /proc/self/fd */
/* never bound: names the state file */
extern char fz_sock_path[RINGD_SOCK_MAX];
extern char fz_state_path[RINGD_SOCK_MAX + 8];
extern uint8_t fz_conf; /* this input's configuration byte */
extern struct sockaddr_un fz_addr;
extern socklen_t fz_addrlen;
extern struct policy fz_policy; /* FZ_CONF_POLICY's rules, parsed once */
extern struct proto_msg fz_msg;
extern bool fz_trace;
/* the last REDOX_ATTACH and REDOX_FILESET a client was sent */
extern struct proto_redox_attach fz_redox_attach;
extern uint32_t fz_redox_token; /* $FUZZ_RINGD_TRACE: a line per step on stderr */
/*
 * $FUZZ_RINGD_SKIP: checks to leave out, comma-separated, to fuzz past a
 * known open defect: "identity" (printable stored identities), "limits"
 * (ring parameters within max_entries and max_pool_bytes).
 */
extern bool fz_skip_identity, fz_skip_limits;

/* Report a broken invariant at file:line and abort (libFuzzer's crash). */
void fz_fail(const char *what, const char *file, int line)
    __attribute__((noreturn));
#define FZ_ASSERT(cond) \
	do { \
		if (!(cond)) \
			fz_fail(#cond, __FILE__, __LINE__); \
	} while (0)
#define FZ_PICK(in, tab, raw) \
	fz_pick(in, tab, sizeof(tab) / sizeof(tab[0]), raw)

/* ringd-fake.c: the fake clients, their input, their talk with ringd */
uint8_t fz_u8(struct fz_in *in);
uint64_t fz_uint(struct fz_in *in, unsigned bytes);
void fz_bytes(struct fz_in *in, void *dst, size_t len);
uint64_t fz_pick(struct fz_in *in, const uint64_t *tab, unsigned n,
    unsigned rawbytes);
void fz_name(struct fz_in *in, char *dst, size_t size);
void fz_peer(struct fz_in *in, struct ring_ctl_peer *p);
void fz_params(struct fz_in *in, struct ring_params *p);
void fz_ring_forget(struct fz_ring *k);
void fz_ring_learn(uint64_t id, enum ring_role role, int *fds);
struct fz_ring *fz_ring_pick(uint8_t b, bool want_fds);
uint64_t fz_ring_id(struct fz_in *in);
uint64_t fz_phys_addr(struct fz_in *in, uint64_t *size);
int fz_some_fd(uint8_t kind, int slot, bool *owned);
void fz_sendmsg(int slot, const void *pkt, size_t len, const int *fds,
    unsigned nfds);
void fz_request(int slot, uint16_t type, const void *body, uint32_t len,
    const int *fds, unsigned nfds);
void fz_pump(void);
void fz_disconnect(int slot, bool half);
void fz_connect(struct fz_in *in, int slot);

/* ringd-check.c: what must hold after every step */
void fz_check(void);
int fz_count_fds(void);
void fz_fds_fail(int want) __attribute__((noreturn));
int fz_phys_files(void);

/* ringd-ops.c: the operations of a step */
void fz_op_hello(struct fz_in *in, int slot);
void fz_op_register(struct fz_in *in, int slot);
void fz_op_name(struct fz_in *in, int slot, uint16_t type);
void fz_op_open(struct fz_in *in, int slot);
void fz_op_accept(struct fz_in *in, int slot);
void fz_op_close(struct fz_in *in, int slot);
void fz_op_list(struct fz_in *in, int slot);
void fz_op_phys_alloc(struct fz_in *in, int slot);
void fz_op_phys_free(struct fz_in *in, int slot);
void fz_op_phys_map(struct fz_in *in, int slot);
void fz_op_phys_grant(struct fz_in *in, int slot);
void fz_op_adopt(struct fz_in *in, int slot);
void fz_op_phys_adopt(struct fz_in *in, int slot);
void fz_op_redox(struct fz_in *in, int slot);
void fz_op_raw(struct fz_in *in, int slot);
void fz_op_time(struct fz_in *in);
void fz_op_data(struct fz_in *in);

#endif /* FUZZ_RINGD_FUZZ_H */
