/*
 * fz-send.h - the fuzz targets' one raw sender: a packet and descriptors
 * written to a socket with sendmsg(), as a hostile peer would, with none
 * of proto_send()'s checks (lengths and counts may be wrong on purpose).
 * Used by fuzz-proto.c and ringd-fake.c only; depends on libc alone.
 */
#ifndef FUZZ_FZ_SEND_H
#define FUZZ_FZ_SEND_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define FZ_SEND_FDS_MAX 8

/*
 * Send pkt on sock with nfds (at most FZ_SEND_FDS_MAX) descriptors fds in
 * SCM_RIGHTS: one control message, or two when first < nfds (the first
 * one carrying fds[0..first), unless first is 0).  Never blocks; returns
 * 0 or -errno.
 */
static inline int
fz_raw_send(int sock, const void *pkt, size_t len, const int *fds,
    unsigned nfds, unsigned first)
{
	union {
		struct cmsghdr h;
		char buf[2 * CMSG_SPACE(sizeof(int) * FZ_SEND_FDS_MAX)];
	} cm;
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * first);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * first);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * first);
		if (first < nfds) {
			mh.msg_controllen += CMSG_SPACE(
			    sizeof(int) * (nfds - first));
			c = CMSG_NXTHDR(&mh, c);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * (nfds - first));
			memcpy(CMSG_DATA(c), fds + first,
			    sizeof(int) * (nfds - first));
		}
		if (first == 0) {
			/* a lone second message: send it as the first */
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
		}
	}
	if (sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

#endif /* FUZZ_FZ_SEND_H */
