/*
 * proto.h - the control protocol between ringd and its clients.
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socket, so every message is one
 * packet and descriptors travel with the packet they belong to
 * (SCM_RIGHTS).  A message is a fixed header and a fixed-size body whose
 * type decides its length; variable lists come as a sequence of reply
 * packets.  ringd and libring's client both frame and unframe through
 * proto_send() and proto_recv(), which enforce the per-type length and
 * descriptor-count table (PROTO_TYPES below), and build and parse list
 * and error bodies through the proto_list_reply_*() and
 * proto_error_reply() helpers.  The other code that writes these bytes
 * by hand is hostile-input tests and fuzzers (tests/t-proto-*.c,
 * fuzz/fuzz-proto.c, fuzz/fuzz-ringd.c), which must not reuse the
 * validating code.  Every struct that travels, including the public
 * <ring/ctl.h> and <ring/phys.h> records inside list packets, has its
 * size pinned by a _Static_assert in proto.c: a field added to one of
 * them is a protocol change (PROTO_VERSION).
 *
 * Replies echo the request's seq and carry the request's type with
 * PROTO_REPLY set; their body starts with an int32 error (0 or -errno).
 * ringd may also send unsolicited events (seq 0), e.g. PROTO_ATTACH to a
 * scheme.
 *
 * Records and peers are the public <ring/ctl.h> structures
 * (ring_ctl_peer, ring_ctl_status, ring_ctl_scheme, ring_ctl_ring,
 * ring_ctl_client) wrapped with an error and an end flag.
 */
#ifndef RING_PROTO_H
#define RING_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ring/ctl.h>
#include <ring/phys.h>
#include <ring/ring.h>

#define PROTO_MAGIC 0x31445252u /* "RRD1" */
/*
 * 2: list replies carry many records a packet; 3: packets up to 64 KiB;
 * 4: declared opcode names in REGISTER and PROBE, attached rings per scheme;
 * 5: PHYS_FREE takes RING_PHYSFREE_FORCE and its reply names the users;
 * PHYS_ADOPT hands a region back after a restart; 6: relibc redox_ring
 * rings (REDOX_*), SCHEME_SET and SCHEME_ROOT, up to 16 descriptors
 * 7: PHYS_ALLOC_SG builds a scatter-gather list in one request
 */
#define PROTO_VERSION 7
#define PROTO_MAX_MSG 65536 /* bytes, header included */
#define PROTO_MAX_FDS 16 /* REDOX_FILES: RING_CTL_REDOX_FILES_MAX */

#define RING_NAME_MAX RING_CTL_NAME_MAX /* scheme name, NUL included */
#define RING_COMM_MAX RING_CTL_COMM_MAX /* command name (TASK_COMM_LEN) */

struct proto_hdr {
	uint32_t magic;	  /* PROTO_MAGIC */
	uint16_t version; /* PROTO_VERSION */
	uint16_t type;	  /* PROTO_* */
	uint32_t len;	  /* whole message, header included */
	uint32_t seq;	  /* request id, echoed by the reply; 0 for events */
};

/*
 * The message types, one row each (the kernel's io_uring/opdef.c habit):
 * X(TYPE, name, request body, reply body, request fds, reply fds, list).
 * A body is given as its length: sizeof its struct, or 0 for none (a
 * request without a body; no reply: ringd sends it, nobody answers).  A
 * list's reply body is the packet of one record; the reply of a
 * successful request carries "reply fds" descriptors, a failed one none.
 * This table generates enum proto_type, proto.c's length and descriptor
 * rules, proto_is_list() and proto_type_name(): adding a message is one
 * row here, its body structs below and a handler in ringd/dispatch.c.
 * Rows are in wire order (PROTO_HELLO is 1); only append.
 */
/* clang-format off */
#define PROTO_TYPES(X)                                                      \
	/* client introduces itself */                                      \
	X(HELLO, "hello", sizeof(struct proto_hello),                       \
	    sizeof(struct proto_hello_reply), 0, 0, 0)                      \
	/* scheme: take a name */                                           \
	X(REGISTER, "register", sizeof(struct proto_register),              \
	    sizeof(struct proto_reply), 0, 0, 0)                            \
	/* scheme: give a name back */                                      \
	X(UNREGISTER, "unregister", sizeof(struct proto_name),              \
	    sizeof(struct proto_reply), 0, 0, 0)                            \
	/* consumer: open a ring to a scheme; the reply has its 3 fds */    \
	X(OPEN, "open", sizeof(struct proto_open),                          \
	    sizeof(struct proto_open_reply), 0, 3, 0)                       \
	/* event to a scheme, with the pair's 3 fds: a ring was opened */   \
	X(ATTACH, "attach", sizeof(struct proto_attach), 0, 3, 0, 0)        \
	/* scheme: accept or refuse an attached ring */                     \
	X(ACCEPT, "accept", sizeof(struct proto_accept),                    \
	    sizeof(struct proto_reply), 0, 0, 0)                            \
	/* either side: done with a ring */                                 \
	X(CLOSE, "close", sizeof(struct proto_ring_ref),                    \
	    sizeof(struct proto_reply), 0, 0, 0)                            \
	/* opcodes a scheme serves */                                       \
	X(PROBE, "probe", sizeof(struct proto_name),                        \
	    sizeof(struct proto_probe_reply), 0, 0, 0)                      \
	/* daemon summary */                                                \
	X(STATUS, "status", 0, sizeof(struct proto_status_reply), 0, 0, 0)  \
	/* record lists: packets of records, the last one with end set */   \
	X(LIST_SCHEMES, "list-schemes", 0, sizeof(struct proto_scheme_rec), \
	    0, 0, 1)                                                        \
	X(LIST_RINGS, "list-rings", 0, sizeof(struct proto_ring_rec), 0, 0, \
	    1)                                                              \
	X(LIST_CLIENTS, "list-clients", 0, sizeof(struct proto_client_rec), \
	    0, 0, 1)                                                        \
	/* physalloc3 */                                                    \
	X(PHYS_ALLOC, "physalloc3", sizeof(struct proto_phys_alloc),        \
	    sizeof(struct proto_phys_alloc_reply), 0, 0, 0)                 \
	/* physfree */                                                      \
	X(PHYS_FREE, "physfree", sizeof(struct proto_phys_range),           \
	    sizeof(struct proto_phys_free_reply), 0, 0, 0)                  \
	/* physmap: the reply has the region's memory file */               \
	X(PHYS_MAP, "physmap", sizeof(struct proto_phys_map),               \
	    sizeof(struct proto_phys_map_reply), 0, 1, 0)                   \
	/* share a region with a ring's peer, or stop */                    \
	X(PHYS_GRANT, "phys-grant", sizeof(struct proto_phys_grant),        \
	    sizeof(struct proto_reply), 0, 0, 0)                            \
	X(PHYS_LIST_ZONES, "phys-list-zones", 0,                            \
	    sizeof(struct proto_phys_zone_rec), 0, 0, 1)                    \
	X(PHYS_LIST_FREE, "phys-list-free", 0,                              \
	    sizeof(struct proto_phys_range_rec), 0, 0, 1)                   \
	X(PHYS_LIST_REGIONS, "phys-list-regions", 0,                        \
	    sizeof(struct proto_phys_region_rec), 0, 0, 1)                  \
	/* either side, after ringd restarted: a ring it holds (3 fds) */   \
	X(ADOPT, "adopt", sizeof(struct proto_adopt),                       \
	    sizeof(struct proto_adopt_reply), 3, 0, 0)                      \
	/* after ringd restarted: a region it holds (its memory file) */    \
	X(PHYS_ADOPT, "phys-adopt", sizeof(struct proto_phys_adopt),        \
	    sizeof(struct proto_phys_adopt_reply), 1, 0, 0)                 \
	/* scheme: how it serves a name it holds; 1 fd: its directory */    \
	X(SCHEME_SET, "scheme-set", sizeof(struct proto_scheme_set),        \
	    sizeof(struct proto_reply), 1, 0, 0)                            \
	/* anyone: a scheme's directory (ringctl exec); the reply has it */ \
	X(SCHEME_ROOT, "scheme-root", sizeof(struct proto_name),            \
	    sizeof(struct proto_reply), 0, 1, 0)                            \
	/* consumer: a redox_ring with a scheme; the reply has sq, cq,      \
	 * doorbell and pool */                                             \
	X(REDOX_SETUP, "redox-setup", sizeof(struct proto_redox_setup),     \
	    sizeof(struct proto_redox_setup_reply), 0, 4, 0)                \
	/* event to a scheme: a consumer asks for a redox_ring */           \
	X(REDOX_ATTACH, "redox-attach", sizeof(struct proto_redox_attach),  \
	    0, 0, 0, 0)                                                     \
	/* scheme: the ring's four objects, or a refusal (no fds) */        \
	X(REDOX_ACCEPT, "redox-accept", sizeof(struct proto_redox_accept),  \
	    sizeof(struct proto_reply), 4, 0, 0)                            \
	/* consumer: the fixed file table, one fd per file */               \
	X(REDOX_FILES, "redox-files", sizeof(struct proto_redox_files),     \
	    sizeof(struct proto_redox_files_reply), RING_CTL_REDOX_FILES_MAX, \
	    0, 0)                                                           \
	/* event to a scheme: a file table, with the consumer's fds */      \
	X(REDOX_FILESET, "redox-fileset", sizeof(struct proto_redox_files), \
	    0, RING_CTL_REDOX_FILES_MAX, 0, 0)                              \
	/* scheme: what it made of a file table */                          \
	X(REDOX_FILES_DONE, "redox-files-done",                             \
	    sizeof(struct proto_redox_files_done), sizeof(struct proto_reply), \
	    0, 0, 0)                                                        \
	/* event to a scheme: a redox_ring's consumer is gone */            \
	X(REDOX_DETACH, "redox-detach", sizeof(struct proto_redox_detach),  \
	    0, 0, 0, 0)                                                     \
	/* physalloc3 loop: a scatter-gather list, one packet of segments */ \
	X(PHYS_ALLOC_SG, "phys-alloc-sg", sizeof(struct proto_phys_alloc_sg), \
	    sizeof(struct proto_phys_seg_rec), 0, 0, 1)
/* clang-format on */

#define PROTO_TYPE_ENUM_(type, name, req, reply, req_fds, reply_fds, list) \
	PROTO_##type,

/* clang-format off */
enum proto_type {
	PROTO_NONE = 0, /* not a type: 0 is never valid on the wire */
	PROTO_TYPES(PROTO_TYPE_ENUM_)
	PROTO_TYPE_COUNT,
};
/* clang-format on */

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

/* Ring states: enum ring_ctl_state in <ring/ctl.h>. */

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

/*
 * PROTO_PHYS_ALLOC_SG: the loop of ring_phys_sg_alloc() run by ringd.
 * Segment after segment is allocated as physalloc3(left, flags, &m) with
 * m = min(min, left) would, left being the bytes still wanted, until size
 * bytes are allocated or max_segs segments are made.  The reply is one
 * list packet (never more) of the segments in allocation order; its end
 * word is 1 when they hold all of size, 0 when max_segs ran out first
 * (ask again for the rest).  All or nothing: when a segment cannot be
 * allocated the request fails with its error and nothing is kept.
 * ringd may make fewer segments than max_segs a reply (what its output
 * limit lets one packet hold), never more.
 */
struct proto_phys_alloc_sg {
	uint64_t size;	       /* bytes in all, > 0 */
	uint64_t min;	       /* bytes a segment at least, > 0 (the last
				  one: at least what is left) */
	uint32_t flags;	       /* as PHYS_ALLOC's; PARTIAL_ALLOC required */
	uint32_t region_flags; /* RING_PHYS_PERSIST */
	uint32_t max_segs;     /* 1..PROTO_PHYS_SG_SEGS */
	uint32_t reserved;     /* zero */
};

/* One segment: a region of its own. */
struct proto_phys_seg {
	uint64_t base;
	uint64_t len; /* bytes, whole frames */
	uint64_t region_id;
};

struct proto_phys_seg_rec {
	int32_t error;
	uint32_t end; /* 1: the segments hold all of size */
	struct proto_phys_seg rec;
};

/* Segments one PHYS_ALLOC_SG reply packet holds at most. */
#define PROTO_PHYS_SG_SEGS \
	((PROTO_MAX_MSG - sizeof(struct proto_hdr) - PROTO_LIST_HDR) / \
	    sizeof(struct proto_phys_seg))

/* --- scheme settings and relibc redox_ring rings (<ring/ctl.h>) --- */

/*
 * PROTO_SCHEME_SET: on a name the connection holds, the RING_CTL_SERVE_*
 * flags; with RING_CTL_SERVE_ROOT the message carries one descriptor,
 * the scheme's directory (its path namespace, what /scheme/<name> shows
 * under ringctl exec).  Each message replaces the name's settings.
 */
struct proto_scheme_set {
	char name[RING_NAME_MAX];
	uint32_t flags; /* RING_CTL_SERVE_* */
	uint32_t reserved;
};

struct proto_redox_setup {
	char scheme[RING_NAME_MAX];
	struct ring_ctl_redox_params params;
};

/* With error 0: sq, cq, doorbell, pool (struct ring_ctl_redox_fds order). */
struct proto_redox_setup_reply {
	int32_t error;
	uint32_t reserved;
	uint64_t ring_id;
	struct ring_ctl_redox_params params; /* as the scheme chose them */
};

struct proto_redox_attach {
	uint64_t ring_id;
	char scheme[RING_NAME_MAX];
	struct ring_ctl_peer consumer;
	struct ring_ctl_redox_params params; /* as the consumer asked */
};

/* With error 0 and four descriptors: sq, cq, doorbell, pool. */
struct proto_redox_accept {
	uint64_t ring_id;
	int32_t error; /* 0, or -errno to refuse (no descriptors then) */
	uint32_t reserved;
	struct ring_ctl_redox_params params; /* the sizes chosen */
};

/*
 * PROTO_REDOX_FILES (consumer, token 0) and PROTO_REDOX_FILESET (ringd to
 * the scheme, token set by ringd): nfiles descriptors, in table order.
 */
struct proto_redox_files {
	uint64_t ring_id;
	uint32_t token;
	uint32_t nfiles;
};

struct proto_redox_files_reply {
	int32_t error;	 /* 0 or -errno */
	uint32_t nfiles; /* files the scheme took */
};

struct proto_redox_files_done {
	uint64_t ring_id;
	uint32_t token;
	int32_t result; /* files taken (> 0) or -errno (-EBADF, -EXDEV...) */
};

struct proto_redox_detach {
	uint64_t ring_id;
	int32_t reason; /* 0: closed; -ECONNRESET: the consumer died */
	uint32_t reserved;
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

/*
 * Facts from the PROTO_TYPES table.  By request type: the request body's
 * length, 0 when it has none, the type is unknown or PROTO_REPLY is set.
 * By type with or without PROTO_REPLY: the reply body's length (a list:
 * of a one-record packet), 0 when the type has no reply or is unknown;
 * whether the reply is a record list; the type's name for logs
 * ("list-rings"), NULL when unknown.
 */
uint32_t proto_req_len(uint16_t type);
uint32_t proto_reply_len(uint16_t type);
bool proto_is_list(uint16_t type);
const char *proto_type_name(uint16_t type);

/*
 * A failed reply of a type, in buf of size bytes (at least
 * proto_reply_len(type)): the type's layout, error first, the rest zero;
 * a list's error packet is {err, end 1} and one zero record.  Returns the
 * body's length, or -EINVAL when the type has no reply or buf is short.
 */
int proto_error_reply(uint16_t type, int32_t err, void *buf, size_t size);

/*
 * A list reply packet being filled: {int32 error 0, uint32 end,
 * records...}, as many whole records as fit in room bytes of body.
 *
 *	proto_list_reply_init(&l, PROTO_LIST_SCHEMES, room);
 *	while ((rec = proto_list_reply_slot(&l, &n)) != NULL && fill(rec))
 *		proto_list_reply_commit(&l, 1);
 *	proto_list_reply_end(&l, rec != NULL);
 *	send(l.type | PROTO_REPLY, l.body.raw, l.len);
 */
struct proto_list_reply {
	uint16_t type;	   /* PROTO_LIST_* or PROTO_PHYS_LIST_* */
	uint32_t rec_size; /* bytes a record */
	uint32_t room;	   /* body bytes the packet may take */
	uint32_t len;	   /* body bytes filled, header words included */
	union {
		uint8_t raw[PROTO_MAX_MSG - sizeof(struct proto_hdr)];
		uint64_t align;
	} body;
};

/*
 * Start an empty packet of a list type, at most room body bytes (capped
 * at what a packet holds); -EINVAL when type is not a list or room does
 * not take one record.
 */
int proto_list_reply_init(struct proto_list_reply *l, uint16_t type,
    uint32_t room);

/*
 * Where the next records go (zero until written: init zeroes the whole
 * packet), with *n set to how many still fit; NULL when none does.
 * Nothing is counted until proto_list_reply_commit().
 */
void *proto_list_reply_slot(struct proto_list_reply *l, size_t *n);

/* Count n records written at proto_list_reply_slot()'s place. */
void proto_list_reply_commit(struct proto_list_reply *l, size_t n);

/* Set the packet's end word: true for the last packet of the list. */
void proto_list_reply_end(struct proto_list_reply *l, bool end);

/*
 * Take a received list reply apart (proto_recv() checked its length:
 * the header words and whole records): its error, its end word, where
 * its records start and how many bytes they take.  Returns the record
 * size, or -EINVAL when m is not a list reply.  libring's client
 * reads every list packet through it (ctl-api.c).
 */
int proto_list_reply_parse(const struct proto_msg *m, int32_t *err,
    uint32_t *end, const void **recs, size_t *len);

/*
 * Attach nfds (> 0) descriptors to mh as one SCM_RIGHTS message, in buf
 * (room for CMSG_SPACE(sizeof(int) * nfds) bytes, aligned for a struct
 * cmsghdr).  proto_send() and ringd's sd_notify use it; hostile test
 * senders build theirs by hand on purpose.
 */
struct msghdr;
void proto_put_fds(struct msghdr *mh, void *buf, const int *fds,
    unsigned nfds);

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
