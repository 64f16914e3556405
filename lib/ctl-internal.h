/*
 * ctl-internal.h - the ringd control client's private handle and the
 * functions its files share: ctl.c (connection, RPC core, attach
 * queue), ctl-api.c (the requests of <ring/ctl.h>), ctl-adopt.c
 * (reconnection and the table of rings to hand back), ctl-redox.c
 * (relibc redox_rings: their requests and their event queue).  phys.c reaches the
 * handle only through the few functions internal.h declares.
 *
 * Only the control client's files include this; the data path (pair.c,
 * queue.c, entry.c, stats.c, wait.c, held.c, pool.c) must not.
 */
#ifndef RING_CTL_INTERNAL_H
#define RING_CTL_INTERNAL_H

#include <sys/un.h>

#include "internal.h"
#include "proto.h"

#define RING_CTL_QUEUE 64
#define RING_CTL_RETRY_MIN_MS 100 /* reconnect: first retry, doubling */
#define RING_CTL_RETRY_MAX_MS 2000
/*
 * How long a request tries again for its reply before it sleeps in
 * poll: about what a wakeup costs (DESIGN.md, "Notification"), so that a
 * ringd that answers at once is not paid for with a sleep and a wakeup.
 */
#define RING_CTL_SPIN_NS 50000

/* A name registered, to register again after a ringd restart. */
struct ring_ctl_reg {
	char name[RING_NAME_MAX];
	struct proto_opset ops;
	struct proto_opnames opnames;
	uint32_t serve; /* ring_ctl_scheme_set() flags, 0: never set */
	int root_fd;	/* our copy of its directory, -1: none */
};

struct ring_ctl_tracked; /* ctl-api.c */
int ringi_ctl_scheme_set_again(struct ring_ctl *c,
    const struct ring_ctl_reg *reg);
void ringi_ctl_reg_drop(struct ring_ctl_reg *reg);

/* ctl-adopt.c */

struct ring_ctl {
	int sock; /* -1 while ringd is away */
	int ep;	  /* ring_ctl_fd(): the socket, and the retry timer */
	int timer;
	uint32_t seq;
	struct proto_attach queue[RING_CTL_QUEUE];
	int queue_fds[RING_CTL_QUEUE][3];
	unsigned qhead, qlen;
	/* redox_ring events (ctl-redox.c), in arrival order */
	struct ring_ctl_redox_event rqueue[RING_CTL_QUEUE];
	unsigned rqhead, rqlen;
	int evq;     /* eventfd in ep: readable while an event is queued */
	bool evq_on; /* evq holds a count */
	/* the caller takes attach (v1) or redox_ring events: a full queue
	 * of the other kind must not stop it reading (ring_ctl_process()) */
	bool takes_v1, takes_redox;
	struct ring_phys_cache *phys; /* regions ring_phys_resolve() mapped */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool lost;	   /* the socket failed: ringd is gone */
	bool xport;	   /* this request failed in the transport */
	bool reconnect;	   /* survive ringd restarts */
	bool reconnecting; /* in ring_ctl_reconnect(): no nesting */
	bool used;	   /* opened, accepted or registered something */
	unsigned retry_ms;
	uint64_t reconnects; /* dialled a restarted ringd */
	struct ring_ctl_tracked *rings; /* to adopt after a restart */
	struct ring_ctl_reg *regs;
	struct proto_msg *rx; /* the receive buffer: every reply lands here */
	/* ringd's process, for the rings it serves (ringi_guard_new()):
	 * taken at the first such ring, dropped with the connection */
	struct ring_guard *guard;
	size_t nregs;
};

/* ctl.c */
int ringi_ctl_name(char *dst, const char *name);
int64_t ringi_ctl_now_ms(void);
uint32_t ringi_ctl_next_seq(struct ring_ctl *c);
int ringi_ctl_send(struct ring_ctl *c, uint16_t type, uint32_t seq,
    const void *body, uint32_t len, const int *fds, unsigned nfds);
int ringi_ctl_recv(struct ring_ctl *c, uint32_t seq, uint16_t type,
    struct proto_msg *m, int64_t deadline);
int ringi_ctl_ensure(struct ring_ctl *c);
bool ringi_ctl_redial(struct ring_ctl *c, int *rc);
bool ringi_ctl_disconnect_errno(int err);
int ringi_ctl_dial(struct ring_ctl *c, uint32_t *server_version);
void ringi_ctl_lost(struct ring_ctl *c);
void ringi_ctl_evq_sync(struct ring_ctl *c);

/* ctl-redox.c */
bool ringi_ctl_redox_event(struct ring_ctl *c, struct proto_msg *m);
void ringi_ctl_redox_flush(struct ring_ctl *c);

/* ctl-api.c */
int ringi_ctl_scheme_set_again(struct ring_ctl *c,
    const struct ring_ctl_reg *reg);
void ringi_ctl_reg_drop(struct ring_ctl_reg *reg);

/* ctl-adopt.c */
int ringi_ctl_track(struct ring_ctl *c, struct ring *r, uint64_t id,
    const char *scheme, const struct ring_ctl_peer *peer, int *mem_fd);
uint64_t ringi_ctl_untrack_id(struct ring_ctl *c, uint64_t ring_id);
void ringi_ctl_untrack_all(struct ring_ctl *c);

#endif /* RING_CTL_INTERNAL_H */
