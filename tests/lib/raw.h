/*
 * raw.h - speaking ringd's protocol by hand, as a hostile client would:
 * every field chosen by the caller, descriptors of any kind attached, no
 * libring state behind it.  For the hostile-client tests.
 */
#ifndef TD_RAW_H
#define TD_RAW_H

#include <stdint.h>

#include <ring/ctl.h>
#include <ring/ring.h>

#include "../../lib/proto.h"

/*
 * Send one request with seq and wait up to ms for its reply, skipping
 * events and other seqs: the reply's error (0 or -errno), -ETIMEDOUT, or
 * -ECONNRESET when ringd hung up.  reply may be NULL; its descriptors are
 * the caller's to close (proto_msg_close_fds()).
 */
int raw_call(int fd, uint16_t type, uint32_t seq, const void *body,
    uint32_t len, const int *fds, unsigned nfds, struct proto_msg *reply,
    unsigned ms);
/* HELLO with comm; the reply's error. */
int raw_hello(int fd, const char *comm);
/* Connect to path and say HELLO; the descriptor, or -errno. */
int raw_open(const char *path, const char *comm);
/* REGISTER name (no opcodes declared). */
int raw_register(int fd, const char *name);
/*
 * ADOPT the pair f as role of scheme, claiming ring id and peer (may be
 * NULL); *id_out (may be NULL) gets the id ringd gave.
 */
int raw_adopt(int fd, enum ring_role role, const char *scheme,
    uint64_t claimed_id, const struct ring_ctl_peer *peer,
    const struct ring_fds *f, uint64_t *id_out);
/* OPEN a ring to scheme; on success *f gets its descriptors. */
int raw_open_ring(int fd, const char *scheme, uint32_t entries,
    struct ring_fds *f, uint64_t *id_out);

#endif /* TD_RAW_H */
