/*
 * proto-case.h - the t-proto-*.c programs' common ground: hand-written,
 * possibly malformed control messages on a raw SOCK_SEQPACKET connection
 * to a private ringd, checks of ringd's answers, and a driver that runs
 * each case as a sub-test with a fresh ringd (proto-case.c).  Depends on
 * lib/proto.h (the wire structs) and the test harness (tap.h, ringd.h);
 * only the t-proto-*.c programs use it.
 */
#ifndef TD_PROTO_CASE_H
#define TD_PROTO_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "../../lib/proto.h"
#include "daemon.h"

#define PC_HDR ((uint32_t)sizeof(struct proto_hdr))

/* The running case's ringd and raw connection (-1 once the case closed it). */
extern struct td pc_d;
extern int pc_fd;

/* One packet of exactly these bytes and descriptors; -errno on failure. */
int pc_packet(int fd, const void *buf, size_t len, const int *fds,
    unsigned nfds);
/*
 * A message with every header field chosen by the caller: magic,
 * version, type, the length field (which may lie) and seq, then blen
 * bytes of body.
 */
int pc_msg(int fd, uint32_t magic, uint16_t ver, uint16_t type, uint32_t lenf,
    uint32_t seq, const void *body, size_t blen, const int *fds, unsigned nfds);
/* An honest header for blen bytes of body. */
int pc_send(int fd, uint16_t type, uint32_t seq, const void *body, size_t blen);
#define PC_SEND(fd, type, seq, body, blen) \
	TAP_RC(pc_send((fd), (type), (seq), (body), (blen)), 0)
/* Next message within ms: 0, -ECONNRESET at EOF, -ETIMEDOUT, or -errno. */
int pc_next(int fd, struct proto_msg *m, int ms);

/* A PROTO_ERROR carrying err and ringd's version must come next. */
#define pc_expect_error_frame(fd, seq, err) \
	pc_expect_error_frame_at((fd), (seq), (err), __FILE__, __LINE__)
void pc_expect_error_frame_at(int fd, uint32_t seq, int err, const char *file,
    int line);
/* The reply to type/seq must come next, with error err (m may be NULL). */
#define pc_expect_reply(fd, type, seq, err, m) \
	pc_expect_reply_at((fd), (type), (seq), (err), (m), __FILE__, __LINE__)
void pc_expect_reply_at(int fd, uint16_t type, uint32_t seq, int err,
    struct proto_msg *m, const char *file, int line);
/* ringd must hang up within ms; the replies that came before. */
#define pc_expect_eof(fd, ms) pc_expect_eof_at((fd), (ms), __FILE__, __LINE__)
unsigned pc_expect_eof_at(int fd, int ms, const char *file, int line);
/* A correct HELLO, answered with no error. */
void pc_hello(int fd, uint32_t seq);
/*
 * HELLO (seq 1), then REGISTER name (seq 2), both answered with no error;
 * *reg (may be NULL) gets the request as sent, for later reuse.
 */
void pc_hello_register(int fd, const char *name, struct proto_register *reg);

/* Pipes whose write ends are passed as descriptors. */
struct pc_pipes {
	int rd[64];
	int wr[64];
	unsigned n;
};
void pc_pipes_make(struct pc_pipes *p, unsigned n);
/* Our write ends are gone: EOF on each read end proves ringd's are too. */
void pc_pipes_expect_released(struct pc_pipes *p);

/*
 * type/seq with an honest header, blen bytes of body and nfds pipe write
 * ends attached: ringd must answer PROTO_ERROR err with the same seq and
 * let go of every passed descriptor.
 */
#define pc_expect_fds_refused(fd, type, seq, body, blen, nfds, err)         \
	pc_expect_fds_refused_at((fd), (type), (seq), (body), (blen), (nfds), \
	    (err), __FILE__, __LINE__)
void pc_expect_fds_refused_at(int fd, uint16_t type, uint32_t seq,
    const void *body, size_t blen, unsigned nfds, int err, const char *file,
    int line);

/* ringd lives, serves a fresh honest client, and is back to idle. */
void pc_check_serving(void);

/* A sub-test: its name, what it does on the raw connection, its ringd. */
struct pc_case {
	const char *name;
	void (*fn)(int fd);
	const char *conf; /* ringd.conf text, or NULL */
	unsigned flags;	  /* td_start() flags */
};

/* Run each case with a fresh ringd (tap_run()); main()'s exit status. */
int pc_main(int argc, char **argv, const struct pc_case *cases, size_t n);
/* main() running the array cases[] with pc_main(). */
#define PC_MAIN(cases)                                                    \
	int main(int argc, char **argv)                                   \
	{                                                                 \
		return pc_main(argc, argv, (cases),                       \
		    sizeof(cases) / sizeof((cases)[0]));                  \
	}

#endif /* TD_PROTO_CASE_H */
