/*
 * ringd-limits.h - every client-controlled resource ringd bounds, in one
 * place (named apart from the system <limits.h>).  Depends on <ring/abi.h>
 * only; included by ringd.h, so by every ringd module and the fuzz targets.
 *
 * RINGD_DEF_* are the defaults a missing config key takes; RINGD_CAP_* are
 * the largest values ringd.conf may set.  Keep ringd.conf(5) in step.
 */
#ifndef RINGD_LIMITS_H
#define RINGD_LIMITS_H

#include <ring/abi.h>

#define RINGD_DEF_MAX_CLIENTS 1024u /* connections at once */
#define RINGD_CAP_MAX_CLIENTS 65536u
/* connections of one uid at once (root and the socket's owner exempt) */
#define RINGD_DEF_MAX_CLIENTS_PER_UID 64u
/*
 * Connection slots (of max_clients, at most an eighth of it) that only
 * root, the socket's owner and members of its group may take, so that an
 * administrator still gets in when other uids hold every other slot.
 */
#define RINGD_CLIENT_RESERVE 16u
/* a connection must complete HELLO within this long, or it is closed */
#define RINGD_DEF_HELLO_TIMEOUT_MS 5000u
#define RINGD_CAP_HELLO_TIMEOUT_MS 600000u
/* registered names, built-ins excluded */
#define RINGD_DEF_MAX_SCHEMES 256u
#define RINGD_CAP_MAX_SCHEMES 65536u
/* names one connection holds */
#define RINGD_DEF_MAX_SCHEMES_PER_CLIENT 16u
#define RINGD_DEF_MAX_RINGS 4096u /* rings alive, all clients */
#define RINGD_CAP_MAX_RINGS 262144u
/* rings one connection opened as consumer */
#define RINGD_DEF_MAX_RINGS_PER_CLIENT 256u
/* rings one uid's clients hold (as consumer, or adopting); root exempt */
#define RINGD_DEF_MAX_RINGS_PER_UID 1024u
/* entries per queue; the cap is the ABI's RING_MAX_ENTRIES */
#define RINGD_DEF_MAX_ENTRIES 4096u
#define RINGD_CAP_MAX_ENTRIES RING_MAX_ENTRIES
#define RINGD_DEF_MAX_POOL_BYTES (64ull << 20) /* buffer pool per ring */
#define RINGD_CAP_MAX_POOL_BYTES RING_MAX_POOL
#define RINGD_DEF_MAX_PENDING_BYTES (256u << 10) /* queued output per client */
#define RINGD_MIN_MAX_PENDING_BYTES 4096u
#define RINGD_CAP_MAX_PENDING_BYTES (64u << 20)
#define RINGD_DEF_ACCEPT_TIMEOUT_MS 5000u /* scheme must answer ATTACH */
/* below libring's RING_CTL_TIMEOUT_MS, so that a consumer never gives up
 * on an open that ringd still holds for it */
#define RINGD_CAP_ACCEPT_TIMEOUT_MS 9000u
/* after a restart, how long a ring waits for its other side to come back */
#define RINGD_DEF_ADOPT_TIMEOUT_MS 10000u
#define RINGD_CAP_ADOPT_TIMEOUT_MS 3600000u
/*
 * relibc redox_rings: bytes per SQ or CQ entry a consumer may ask for
 * (entries: REDOX_RING_MAX_SQ/CQ of <redox/ring-scheme.h>; the pool:
 * max_pool_bytes; the scheme's answer: accept_timeout_ms, as for v1, and
 * the same for a file table)
 */
#define RINGD_REDOX_MAX_ITEM 4096u

/* physalloc3: zone sizes (multiples of 4 KiB), quota, regions */
#define RINGD_DEF_PHYS_ZONE32 (1ull << 30) /* [3 GiB, 4 GiB) */
#define RINGD_CAP_PHYS_ZONE32 (4ull << 30)
#define RINGD_DEF_PHYS_ZONE64 (4ull << 30) /* [4 GiB, 8 GiB) */
#define RINGD_CAP_PHYS_ZONE64 (1ull << 40)
/*
 * bytes per non-root uid: by default (RINGD_PHYS_QUOTA_SHARE) a share of
 * each zone, 1/RINGD_PHYS_SHARE_DIV of it, so that no uid holds all of
 * zone 32 (or of zone 64) with a persistent region
 */
#define RINGD_PHYS_QUOTA_SHARE UINT64_MAX
#define RINGD_PHYS_SHARE_DIV 4u
#define RINGD_DEF_PHYS_QUOTA RINGD_PHYS_QUOTA_SHARE
#define RINGD_CAP_PHYS_QUOTA RINGD_CAP_PHYS_ZONE64
#define RINGD_DEF_PHYS_MAX_REGIONS 65536u /* regions alive, all uids */
#define RINGD_CAP_PHYS_MAX_REGIONS (1u << 20)
#define RINGD_DEF_PHYS_MAX_REGIONS_PER_UID 4096u /* per non-root uid */

/*
 * Descriptors: a ring holds its memory file and two doorbells, and two
 * more while ringd serves it (built-in or taken over); a client its socket
 * and pidfd.  New rings are refused (-ENFILE) unless RINGD_FD_RESERVE
 * descriptors (at most an eighth of the limit) stay free beyond them, for
 * new clients and for taking over rings whose producer dies.
 */
#define RINGD_FDS_PER_RING 3
#define RINGD_FDS_PER_SERVE 2
#define RINGD_FDS_PER_CLIENT 2
#define RINGD_FDS_BASE 16 /* listening socket, epoll, signals, log, spare */
#define RINGD_FD_RESERVE 256

/* Fixed limits (not configurable). */
/* protocol violations before a client is disconnected */
#define RINGD_MAX_BAD_MSGS 8
/* refusals and HELLO timeouts logged per second; the rest are counted */
#define RINGD_CONN_LOG_PER_SEC 5
/*
 * Built-in schemes share ringd's time by cost, not by entries: an SQE
 * costs RINGD_BUILTIN_SQE_COST and every byte ringd touches for it one
 * more.  A ring gets at most RINGD_BUILTIN_SLICE per visit (a bigger
 * request goes on at its next visit), a loop turn at most
 * RINGD_BUILTIN_TURN for all rings, visited one uid after another; a
 * visit costs RINGD_BUILTIN_VISIT_COST besides its work.
 */
#define RINGD_BUILTIN_SQE_COST 256u
#define RINGD_BUILTIN_VISIT_COST 4096u
#define RINGD_BUILTIN_SLICE (128u << 10)
#define RINGD_BUILTIN_TURN (4u << 20)
/* and no visit starts once a turn took this long (page faults, a slow
 * machine: bytes are not time) */
#define RINGD_BUILTIN_TURN_NS 2000000u
/* pairs made ahead for the next OPEN (rings.c), counted as rings in the
 * descriptor room */
#define RINGD_SPARE_PAIRS 1
/* released rings whose descriptors may wait for a turn with nothing else
 * to do (rings_reap()); counted in the descriptor room meanwhile */
#define RINGD_REAP_DEFER 32
#define RINGD_EPOLL_BATCH 64	 /* events taken per epoll_wait */
#define RINGD_READ_BATCH 32	 /* requests a client per wakeup: fairness */
#define RINGD_CONF_LINE_MAX 1024 /* longest ringd.conf line */
/* largest ringd.conf; only a regular file is read */
#define RINGD_CONF_SIZE_MAX (1u << 20)
/* policy rules in ringd.conf (allow/deny lines) */
#define RINGD_CAP_POLICY_RULES 256
/* supplementary groups of a peer that rules may match (SO_PEERGROUPS) */
#define RINGD_MAX_PEER_GROUPS 65536

#endif /* RINGD_LIMITS_H */
