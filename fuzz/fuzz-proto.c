/*
 * fuzz-proto.c - libFuzzer target: the control-protocol decoder.
 *
 * Each input is one packet as a peer could send it, written to a real
 * SOCK_SEQPACKET socket pair and read back with proto_recv(), so the
 * descriptor path (SCM_RIGHTS) is exercised too.  Input layout:
 *
 *   byte 0     descriptors to attach (low 3 bits, 0..7) and how: bit 3
 *              splits them over two control messages
 *   byte 1..   the packet (header and body), at most PROTO_MAX_MSG + 64
 *
 * What must hold: proto_recv() never reads outside the packet, accepts a
 * message only when its header, length and descriptor count match the
 * type table, and never leaks a descriptor, whether it accepts or not;
 * the name checkers never read outside the fields they are given; an
 * accepted list reply parses (proto_list_reply_parse()) into whole
 * records that end where the packet does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "fz-send.h"
#include "proto.h"

static int fz_sock[2] = { -1, -1 };
static int fz_devnull = -1;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fz_sock) < 0)
		abort();
	if ((fz_devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		abort();
	return 0;
}

/* The lowest free descriptor: it must not move, or a descriptor leaked. */
static int
fz_lowest_free(void)
{
	int fd = dup(fz_devnull);

	if (fd < 0)
		abort();
	close(fd);
	return fd;
}

/* Send pkt with nfds duplicates of /dev/null, in one or two cmsgs. */
static int
fz_send(const uint8_t *pkt, size_t len, unsigned nfds, bool split)
{
	int fds[FZ_SEND_FDS_MAX];
	unsigned i;

	for (i = 0; i < nfds; i++)
		fds[i] = fz_devnull;
	return fz_raw_send(fz_sock[0], pkt, len, fds, nfds,
	    split ? nfds / 2 : nfds);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg *m;
	unsigned nfds, i;
	int base, rc;

	if (size < 1 || size > 1 + PROTO_MAX_MSG + 64)
		return -1;
	nfds = data[0] & 7u;
	base = fz_lowest_free();
	if (fz_send(data + 1, size - 1, nfds, (data[0] & 8u) != 0) < 0)
		abort();
	if ((m = malloc(sizeof(*m))) == NULL)
		abort();
	rc = proto_recv(fz_sock[1], m);
	if (rc == 0) {
		/* accepted: the header must agree with what was sent */
		if (m->hdr.magic != PROTO_MAGIC ||
		    m->hdr.version != PROTO_VERSION || m->hdr.len != size - 1 ||
		    m->nfds != nfds || nfds > PROTO_MAX_FDS)
			abort();
		for (i = 0; i < m->nfds; i++)
			if (fcntl(m->fds[i], F_GETFD) < 0 ||
			    !(fcntl(m->fds[i], F_GETFD) & FD_CLOEXEC))
				abort();
		/* what ringd and the client do next with names */
		if (m->hdr.len - sizeof(m->hdr) >= RING_NAME_MAX)
			(void)proto_name_ok((const char *)m->body.raw,
			    RING_NAME_MAX);
		/* a list reply parses into whole records */
		if ((m->hdr.type & PROTO_REPLY) && proto_is_list(m->hdr.type)) {
			const void *recs;
			uint32_t end;
			int32_t err;
			size_t len;
			int recsz;

			recsz = proto_list_reply_parse(m, &err, &end, &recs,
			    &len);
			if (recsz <= 0 ||
			    recsz != (int)proto_list_rec_size(m->hdr.type) ||
			    len % (size_t)recsz != 0 ||
			    (const uint8_t *)recs + len !=
				m->body.raw + (m->hdr.len - sizeof(m->hdr)))
				abort();
		}
		/* and with the opcode names of a register or a probe reply */
		if (m->hdr.type == PROTO_REGISTER) {
			const struct proto_register *r = (const void *)
							     m->body.raw;

			(void)proto_opnames_ok(&r->ops, &r->opnames);
		} else if (m->hdr.type == (PROTO_PROBE | PROTO_REPLY)) {
			const struct proto_probe_reply *r = (const void *)
								m->body.raw;

			(void)proto_opnames_ok(&r->ops, &r->opnames);
		}
		proto_msg_close_fds(m);
	} else if (rc != -EPROTO && rc != -EMSGSIZE && rc != -EBADMSG &&
	    rc != -ECONNRESET) {
		abort();
	}
	free(m);
	if (fz_lowest_free() != base)
		abort(); /* a descriptor leaked */
	return 0;
}
