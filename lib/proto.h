/*
 * proto.h - the control protocol between ringd and its clients.
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socket, so every message is one
 * packet and descriptors travel with the packet they belong to
 * (SCM_RIGHTS).  A message is a fixed header and a fixed-size body whose
 * type decides its length; variable lists come as a sequence of reply
 * packets.  Nothing else in the suite builds or parses these bytes: ringd
 * and libring's client both go through proto_send() and proto_recv(),
 * which enforce the per-type length and descriptor-count table.
 *
 * Replies echo the request's seq and carry the request's type with
 * PROTO_REPLY set; their body starts with an int32 error (0 or -errno).
 * ringd may also send unsolicited events (seq 0), e.g. PROTO_ATTACH to a
 * scheme.
 *
 * Records and peers are the public <ring/ring.h> structures
 * (ring_ctl_peer, ring_ctl_status, ring_ctl_scheme, ring_ctl_ring,
 * ring_ctl_client) wrapped with an error and an end flag.
 */
#ifndef RING_PROTO_H
#define RING_PROTO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ring/phys.h>
#include <ring/ring.h>

#define PROTO_MAGIC 0x31445252u /* "RRD1" */
/*
 * 2: list replies carry many records a packet; 3: packets up to 64 KiB;
 * 4: declared opcode names in REGISTER and PROBE, attached rings per scheme;
 * 5: PHYS_FREE takes RING_PHYSFREE_FORCE and its reply names the users;
 * PHYS_ADOPT hands a region back after a restart
 */
#define PROTO_VERSION 5
#define PROTO_MAX_MSG 65536 /* bytes, header included */
#define PROTO_MAX_FDS 3

#define RING_NAME_MAX RING_CTL_NAME_MAX /* scheme name, NUL included */
#define RING_COMM_MAX RING_CTL_COMM_MAX /* command name (TASK_COMM_LEN) */

struct proto_hdr {
	uint32_t magic;	  /* PROTO_MAGIC */
	uint16_t version; /* PROTO_VERSION */
	uint16_t type;	  /* PROTO_* */
	uint32_t len;	  /* whole message, header included */
	uint32_t seq;	  /* request id, echoed by the reply; 0 for events */
};

enum proto_type {
	PROTO_HELLO = 1,       /* client introduces itself */
	PROTO_REGISTER,	       /* scheme: take a name */
	PROTO_UNREGISTER,      /* scheme: give a name back */
	PROTO_OPEN,	       /* consumer: open a ring to a scheme */
	PROTO_ATTACH,	       /* event to a scheme: a ring was opened to it */
	PROTO_ACCEPT,	       /* scheme: accept or refuse an attached ring */
	PROTO_CLOSE,	       /* either side: done with a ring */
	PROTO_PROBE,	       /* opcodes a scheme serves */
	PROTO_STATUS,	       /* daemon summary */
	PROTO_LIST_SCHEMES,    /* one reply packet per scheme, then an end */
	PROTO_LIST_RINGS,      /* one reply packet per ring, then an end */
	PROTO_LIST_CLIENTS,    /* one reply packet per client, then an end */
	PROTO_PHYS_ALLOC,      /* physalloc3 */
	PROTO_PHYS_FREE,       /* physfree */
	PROTO_PHYS_MAP,	       /* physmap: the region's memory file */
	PROTO_PHYS_GRANT,      /* share a region with a ring's peer, or stop */
	PROTO_PHYS_LIST_ZONES, /* one reply packet per zone, then an end */
	PROTO_PHYS_LIST_FREE,  /* one per free range, then an end */
	PROTO_PHYS_LIST_REGIONS, /* one per region, then an end */
	PROTO_ADOPT, /* either side, after ringd restarted: a ring it holds */
	PROTO_PHYS_ADOPT, /* after ringd restarted: a region it holds */
	PROTO_TYPE_COUNT,
};

#define PROTO_REPLY 0x8000u
#define PROTO_ERROR 0x7fffu /* reply to something unparseable: proto_error */

/* Opcode set: one bit per opcode 0..255. */
struct proto_opset {
	uint64_t bits[4];
};

struct proto_hello {
	uint32_t version; /* PROTO_VERSION the client speaks */
	uint32_t flags;	  /* zero */
	char comm[RING_COMM_MAX];
};

struct proto_hello_reply {
	int32_t error;
	uint32_t version; /* what ringd speaks */
	uint32_t pid;
	uint32_t reserved;
	char server[32]; /* ringd version string */
};

/* Sent when a header cannot be trusted (bad magic/version/length/type). */
struct proto_error {
	int32_t error;
	uint32_t version; /* what ringd speaks */
};

struct proto_name {
	char name[RING_NAME_MAX];
};

/*
 * Names of producer-specific opcodes, indexed by opcode minus
 * RING_OP_PRODUCER_BASE; an all-zero field: no name.  A set field is a
 * name by proto_opnames_ok()'s rules, zero after its NUL.
 */
#define PROTO_OPNAMES 128
#define PROTO_OPNAME_MAX RING_CTL_OPNAME_MAX
struct proto_opnames {
	char name[PROTO_OPNAMES][PROTO_OPNAME_MAX];
};

struct proto_register {
	char name[RING_NAME_MAX];
	struct proto_opset ops; /* opcodes served; all zero: undeclared */
	struct proto_opnames opnames;
};

struct proto_open {
	char scheme[RING_NAME_MAX];
	struct ring_params params;
};

/* Reply to PROTO_OPEN carries the pair's three descriptors. */
struct proto_open_reply {
	int32_t error;
	uint32_t flags; /* PROTO_OPEN_* */
	uint64_t ring_id;
};

/* ringd itself is the producer: the ring ends when ringd does */
#define PROTO_OPEN_RINGD_SERVES 0x1u

/* Event to the scheme, with the pair's three descriptors. */
struct proto_attach {
	uint64_t ring_id;
	char scheme[RING_NAME_MAX];
	struct ring_ctl_peer consumer; /* Redox recv_io_uring ctx */
	struct ring_params params;
};

struct proto_accept {
	uint64_t ring_id;
	int32_t error; /* 0 to accept, -errno (e.g. -EACCES) to refuse */
	uint32_t reserved;
};

struct proto_ring_ref {
	uint64_t ring_id;
};

/*
 * A side of a ring made before ringd restarted tells the new ringd about
 * it, with the pair's three descriptors (memory file, doorbells 0 and 1).
 * ringd matches the two sides by the memory file.
 */
struct proto_adopt {
	uint64_t ring_id; /* the id it had; kept when free */
	uint32_t role;	  /* RING_ROLE_CONSUMER or RING_ROLE_PRODUCER */
	uint32_t reserved;
	char scheme[RING_NAME_MAX];
	struct ring_ctl_peer peer; /* producer: the consumer it served */
};

struct proto_adopt_reply {
	int32_t error;
	uint32_t reserved;
	uint64_t ring_id; /* the id it has now */
};

struct proto_reply {
	int32_t error;
	uint32_t reserved;
};

/*
 * PROTO_PHYS_ADOPT: a region the last ringd recorded, named exactly, with
 * its memory file (writable) when the caller holds one, or no descriptor.
 */
struct proto_phys_adopt {
	uint64_t region_id;
	uint64_t base;
	uint64_t size;
	uint32_t flags; /* PROTO_PHYS_ADOPT_CLAIM */
	uint32_t reserved;
};

/* The caller allocated the region: its connection is the owner again. */
#define PROTO_PHYS_ADOPT_CLAIM 0x1u

#define PROTO_PHYS_ADOPT_OWNER 0x1u  /* the caller owns it again */
#define PROTO_PHYS_ADOPT_MEMORY 0x2u /* its memory is ringd's again */

struct proto_phys_adopt_reply {
	int32_t error;
	uint32_t result; /* PROTO_PHYS_ADOPT_*: what the request brought back */
};

struct proto_probe_reply {
	int32_t error;
	uint32_t reserved;
	struct proto_opset ops;
	struct proto_opnames opnames; /* only of opcodes in ops */
};

struct proto_status_reply {
	int32_t error;
	uint32_t reserved;
	struct ring_ctl_status st;
};

/*
 * List replies: each packet is {error, end} followed by as many whole
 * records as fit in PROTO_MAX_MSG (zero or more); the last packet has end
 * set.  The proto_*_rec structs below describe a packet of one record.
 */
#define PROTO_LIST_HDR 8u
/* Record size of a list reply type, 0 for other types. */
uint32_t proto_list_rec_size(uint16_t type);
struct proto_scheme_rec {
	int32_t error;
	uint32_t end;
	struct ring_ctl_scheme rec;
};

struct proto_ring_rec {
	int32_t error;
	uint32_t end;
	struct ring_ctl_ring rec;
};

/* Ring states: enum ring_ctl_state in <ring/ring.h>. */

struct proto_client_rec {
	int32_t error;
	uint32_t end;
	struct ring_ctl_client rec;
};

/* --- physalloc3 (<ring/phys.h>) --- */

struct proto_phys_alloc {
	uint64_t size;	       /* bytes */
	uint64_t min;	       /* bytes, > 0 */
	uint32_t flags;	       /* RING_PHYS_SPACE_*, PARTIAL_ALLOC, strategy */
	uint32_t region_flags; /* RING_PHYS_PERSIST */
};

struct proto_phys_alloc_reply {
	int32_t error;
	uint32_t reserved;
	uint64_t base;
	uint64_t got; /* bytes allocated: physalloc3's *min out */
	uint64_t region_id;
};

/* PROTO_PHYS_FREE. */
struct proto_phys_range {
	uint64_t base;
	uint64_t size;
	uint32_t flags; /* RING_PHYSFREE_FORCE */
	uint32_t reserved;
};

/* Reply to PROTO_PHYS_FREE: with -EBUSY, who uses the region. */
struct proto_phys_free_reply {
	int32_t error;
	uint32_t nusers; /* valid entries of user[] */
	struct ring_phys_user user[RING_PHYS_USERS_MAX];
};

/* PROTO_PHYS_MAP. */
struct proto_phys_map {
	uint64_t base;
	uint64_t size;
	uint32_t flags; /* RING_PHYSMAP_* */
	uint32_t reserved;
	/*
	 * 0: any region this connection owns or was granted; else the ring
	 * the mapping is for: the caller must be its scheme and the region
	 * granted to it through that ring (ownership is not enough)
	 */
	uint64_t ring_id;
};

/* Reply to PROTO_PHYS_MAP: the region, with its memory file. */
struct proto_phys_map_reply {
	int32_t error;
	uint32_t writable; /* 1: the file may be mapped writable */
	uint64_t region_base;
	uint64_t region_size;
	uint64_t region_id;
};

struct proto_phys_grant {
	uint64_t base; /* any address in the region */
	uint64_t ring_id;
	uint32_t revoke; /* 0: grant, 1: revoke */
	uint32_t reserved;
};

struct proto_phys_zone_rec {
	int32_t error;
	uint32_t end;
	struct ring_phys_zone rec;
};

struct proto_phys_range_rec {
	int32_t error;
	uint32_t end;
	struct ring_phys_range rec;
};

struct proto_phys_region_rec {
	int32_t error;
	uint32_t end;
	struct ring_phys_region rec;
};

/* A received message: header, body (aligned), descriptors. */
struct proto_msg {
	struct proto_hdr hdr;
	union {
		uint8_t raw[PROTO_MAX_MSG - sizeof(struct proto_hdr)];
		uint64_t align;
	} body;
	int fds[PROTO_MAX_FDS];
	unsigned nfds;
};

/*
 * Send one message of type with body (its length must be the type's),
 * and nfds descriptors.  Returns 0 or -errno (-EAGAIN on a full socket
 * in non-blocking mode).
 */
int proto_send(int sock, uint16_t type, uint32_t seq, const void *body,
    uint32_t len, const int *fds, unsigned nfds);

/*
 * Receive one message and validate it against the table: magic, version,
 * length exact for the type, descriptor count allowed for the type.  On
 * -EPROTO, m->hdr.version tells what the peer speaks when the magic was
 * right.  Descriptors that arrive with a bad message are closed.  Returns
 * 0, -EAGAIN, -ECONNRESET on end of stream, or -EPROTO/-EMSGSIZE/-EBADMSG.
 */
int proto_recv(int sock, struct proto_msg *m);

/* Close descriptors a message still holds. */
void proto_msg_close_fds(struct proto_msg *m);

/* Is a fixed-size name field NUL-terminated and made of [A-Za-z0-9._-]? */
bool proto_name_ok(const char *name, size_t size);

/*
 * Are a scheme's opcode names well formed: each set field lowercase
 * [a-z][a-z0-9_]* with zeros after its NUL, its opcode in ops, no name
 * twice, none a Redox standard opcode name?
 */
bool proto_opnames_ok(const struct proto_opset *ops,
    const struct proto_opnames *names);

#endif /* RING_PROTO_H */
