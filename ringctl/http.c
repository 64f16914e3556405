/*
 * http.c - a small HTTP/1.1 server for "metrics --listen": one path,
 * GET and HEAD, one response per connection (Connection: close).
 *
 * Single-threaded and poll()-based.  Every client is untrusted, so each
 * resource a client controls is bounded (HTTP_* below): the number of
 * connections (when all are taken, the oldest one still sending its
 * request makes room, so idle or slow clients cannot lock scrapers out),
 * the request header size, and the time a connection may live.  The
 * request is parsed strictly (RFC 9112): a bad request line or header
 * field gets 400, an oversized header 431, another HTTP version 505,
 * another method 405, another path 404.  After the response the server
 * half-closes and drains what the client still sends for a moment, so
 * that unread request bytes do not turn the close into a reset that
 * could destroy the response in flight.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "ringctl.h"
#include "common/common.h"

/* What one client may hold: the limits, in one place. */
#define HTTP_CONN_MAX 16	 /* connections at once */
#define HTTP_HEADER_MAX 8192	 /* request line and header fields, bytes */
#define HTTP_DEADLINE_MS 10000	 /* accept to response sent */
#define HTTP_LINGER_MS 1000	 /* draining after the response */
#define HTTP_ACCEPT_PAUSE_MS 100 /* out of descriptors: retry after */

enum http_state {
	HTTP_FREE = 0,
	HTTP_READING, /* the request */
	HTTP_WRITING, /* the response */
	HTTP_LINGER,  /* response sent, write side shut: draining */
};

struct http_conn {
	int fd;
	enum http_state state;
	int64_t start_ms, deadline_ms;
	size_t inlen;
	char *out; /* the response; malloc'ed */
	size_t outlen, outoff;
	char in[HTTP_HEADER_MAX];
};

struct http_server {
	int lfd;
	const struct http_site *site;
	int64_t accept_after_ms; /* 0: accept now */
	struct http_conn conn[HTTP_CONN_MAX];
};

static volatile sig_atomic_t http_stop;

static void
http_signal(int sig)
{
	(void)sig;
	http_stop = 1;
}

/* common's monotonic clock, signed for deadline arithmetic */
static int64_t
http_now_ms(void)
{
	return (int64_t)clock_ms();
}

/*
 * Split "[ADDR:]PORT", "[V6ADDR]:PORT" into host (NULL: loopback) and
 * port.  -EINVAL for anything else.
 */
static int
http_split(const char *spec, char *host, size_t hlen, char *port, size_t plen)
{
	const char *p, *colon;
	size_t n;

	host[0] = '\0';
	if (spec[0] == '[') {
		if ((p = strchr(spec, ']')) == NULL || p[1] != ':')
			return -EINVAL;
		n = (size_t)(p - spec - 1);
		if (n == 0 || n >= hlen)
			return -EINVAL;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		p += 2;
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		n = (size_t)(colon - spec);
		if (n == 0 || n >= hlen || memchr(spec, ':', n) != NULL)
			return -EINVAL;
		memcpy(host, spec, n);
		host[n] = '\0';
		p = colon + 1;
	} else {
		p = spec;
	}
	n = strlen(p);
	if (n == 0 || n >= plen || strspn(p, "0123456789") != n || n > 5 ||
	    atoi(p) > 65535)
		return -EINVAL;
	memcpy(port, p, n + 1);
	return 0;
}

int
http_listen(const char *spec, int *ret, char *name, size_t nlen)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[8], h[INET6_ADDRSTRLEN], s[8];
	int fd = -1, one = 1, err;

	if (http_split(spec, host, sizeof(host), port, sizeof(port)) < 0)
		return -EINVAL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host[0] != '\0' ? host : "127.0.0.1", port, &hints,
		&ai) != 0 ||
	    ai == NULL)
		return -EADDRNOTAVAIL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, HTTP_CONN_MAX) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		err = -errno;
		goto out;
	}
	if (getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), s, sizeof(s),
		NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		err = -EADDRNOTAVAIL;
		goto out;
	}
	snprintf(name, nlen, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h,
	    s);
	*ret = fd;
	fd = -1;
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return err;
}

static void
http_close(struct http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->state = HTTP_FREE;
}

/* Send what the socket takes now; done: shut the write side, linger. */
static void
http_flush(struct http_conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			http_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	free(c->out);
	c->out = NULL;
	c->state = HTTP_LINGER;
	if (c->deadline_ms > http_now_ms() + HTTP_LINGER_MS)
		c->deadline_ms = http_now_ms() + HTTP_LINGER_MS;
}

/* Queue a response: status line, fields, then body unless head_only. */
static void
http_respond(struct http_conn *c, const char *status, const char *type,
    const char *extra, const char *body, size_t blen, bool head_only)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f != NULL) {
		fprintf(f,
		    "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
		    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
		    status, type, blen, extra != NULL ? extra : "");
		if (!head_only && blen > 0)
			fwrite(body, 1, blen, f);
	}
	if (f == NULL || fclose(f) != 0) {
		free(buf);
		http_close(c);
		return;
	}
	c->out = buf;
	c->outlen = len;
	c->outoff = 0;
	c->state = HTTP_WRITING;
	http_flush(c);
}

static void
http_error(struct http_conn *c, const char *status, const char *extra)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%s\n", status + 4);

	http_respond(c, status, "text/plain; charset=utf-8", extra, body,
	    (size_t)n, false);
}

/* RFC 9110 tchar */
static bool
http_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Length of a line ending at "\r\n" or "\n" from p (without it), or -1. */
static ssize_t
http_line(const char *p, const char *end, size_t *eol)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n;

	if (nl == NULL)
		return -1;
	n = (size_t)(nl - p);
	*eol = 1;
	if (n > 0 && nl[-1] == '\r') {
		n--;
		*eol = 2;
	}
	return (ssize_t)n;
}

/*
 * The header fields from p to end (the empty line excluded): each
 * "name: value" with a token name and visible text, blanks or obs-text
 * as value, no folding.  Counts the Host fields.  false: malformed.
 */
static bool
http_fields(const char *p, const char *end, int *hosts)
{
	size_t eol, i, k;
	ssize_t n;

	*hosts = 0;
	while (p < end) {
		if ((n = http_line(p, end, &eol)) <= 0)
			return false;
		for (k = 0; k < (size_t)n && http_tchar((unsigned char)p[k]);
		     k++)
			;
		if (k == 0 || k >= (size_t)n || p[k] != ':')
			return false;
		for (i = k + 1; i < (size_t)n; i++) {
			unsigned char ch = (unsigned char)p[i];

			if (ch < 0x20 && ch != '\t')
				return false;
			if (ch == 0x7f)
				return false;
		}
		if (k == 4 && strncasecmp(p, "host", 4) == 0)
			(*hosts)++;
		p += (size_t)n + eol;
	}
	return true;
}

/*
 * A request is in c->in up to hend (the empty line's first byte): check
 * and answer it.
 */
static void
http_request(struct http_server *s, struct http_conn *c, const char *hend)
{
	const char *p = c->in, *sp1, *sp2, *path, *q;
	size_t eol, plen, mlen;
	ssize_t n;
	char *body = NULL;
	size_t blen = 0;
	int hosts, minor;
	bool head;

	n = http_line(p, hend, &eol);
	if (n <= 0)
		goto bad;
	sp1 = memchr(p, ' ', (size_t)n);
	if (sp1 == NULL || sp1 == p)
		goto bad;
	for (q = p; q < sp1; q++)
		if (!http_tchar((unsigned char)*q))
			goto bad;
	mlen = (size_t)(sp1 - p);
	path = sp1 + 1;
	sp2 = memchr(path, ' ', (size_t)(p + n - path));
	if (sp2 == NULL || sp2 == path)
		goto bad;
	for (q = path; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			goto bad;
	if (p + n - (sp2 + 1) != 8 || strncmp(sp2 + 1, "HTTP/", 5) != 0 ||
	    sp2[6] < '0' || sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' ||
	    sp2[8] > '9')
		goto bad;
	if (!http_fields(p + n + eol, hend, &hosts))
		goto bad;
	if (sp2[6] != '1') {
		http_error(c, "505 HTTP Version Not Supported", NULL);
		return;
	}
	minor = sp2[8] - '0';
	/* RFC 9112 3.2: an HTTP/1.1 request has exactly one Host */
	if ((minor >= 1 && hosts != 1) || hosts > 1)
		goto bad;
	/* absolute-form "http://host/path": keep the path */
	plen = (size_t)(sp2 - path);
	if (plen > 7 && strncasecmp(path, "http://", 7) == 0) {
		q = memchr(path + 7, '/', plen - 7);
		if (q == NULL) {
			path = "/";
			plen = 1;
		} else {
			plen -= (size_t)(q - path);
			path = q;
		}
	}
	if ((q = memchr(path, '?', plen)) != NULL)
		plen = (size_t)(q - path);
	head = mlen == 4 && strncmp(p, "HEAD", 4) == 0;
	if (!head && !(mlen == 3 && strncmp(p, "GET", 3) == 0)) {
		http_error(c, "405 Method Not Allowed", "Allow: GET, HEAD\r\n");
		return;
	}
	if (plen != strlen(s->site->path) ||
	    strncmp(path, s->site->path, plen) != 0) {
		http_error(c, "404 Not Found", NULL);
		return;
	}
	if (s->site->body(s->site->arg, &body, &blen) < 0) {
		http_error(c, "500 Internal Server Error", NULL);
		return;
	}
	http_respond(c, "200 OK", s->site->type, NULL, body, blen, head);
	free(body);
	return;
bad:
	http_error(c, "400 Bad Request", NULL);
}

/* The end of the header (its empty line) in c->in, or NULL. */
static const char *
http_header_end(const struct http_conn *c)
{
	const char *p = c->in, *end = c->in + c->inlen, *nl;

	/* an empty line: "\r\n" or "\n" right after a "\n" */
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = nl + 1;
		if (p < end && *p == '\n')
			return p;
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
			return p;
	}
	return NULL;
}

static void
http_readable(struct http_server *s, struct http_conn *c)
{
	char drain[4096];
	const char *hend;
	ssize_t n;

	if (c->state == HTTP_LINGER) {
		n = recv(c->fd, drain, sizeof(drain), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			http_close(c);
		return;
	}
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) { /* gone, or half-closed before a whole request */
		http_close(c);
		return;
	}
	/* a NUL cannot be in a request; no need to wait for the rest */
	if (memchr(c->in + c->inlen, '\0', (size_t)n) != NULL) {
		c->inlen += (size_t)n;
		http_error(c, "400 Bad Request", NULL);
		return;
	}
	c->inlen += (size_t)n;
	if ((hend = http_header_end(c)) != NULL)
		http_request(s, c, hend);
	else if (c->inlen == sizeof(c->in))
		http_error(c, "431 Request Header Fields Too Large", NULL);
}

/* All slots taken: drop the oldest connection still sending a request. */
static struct http_conn *
http_make_room(struct http_server *s)
{
	struct http_conn *c, *old = NULL;

	for (c = s->conn; c < s->conn + HTTP_CONN_MAX; c++) {
		if (c->state == HTTP_FREE)
			return c;
		if (c->state != HTTP_WRITING &&
		    (old == NULL || c->start_ms < old->start_ms))
			old = c;
	}
	if (old != NULL)
		http_close(old);
	return old;
}

static void
http_accept(struct http_server *s)
{
	struct http_conn *c;
	int fd;

	fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			s->accept_after_ms = http_now_ms() +
			    HTTP_ACCEPT_PAUSE_MS;
		return;
	}
	if ((c = http_make_room(s)) == NULL) {
		close(fd);
		return;
	}
	memset(c, 0, offsetof(struct http_conn, in));
	c->fd = fd;
	c->state = HTTP_READING;
	c->start_ms = http_now_ms();
	c->deadline_ms = c->start_ms + HTTP_DEADLINE_MS;
}

int
http_serve(int lfd, const struct http_site *site)
{
	struct http_server *s;
	struct pollfd pfd[HTTP_CONN_MAX + 1];
	struct http_conn *map[HTTP_CONN_MAX + 1];
	struct sigaction sa, oint, oterm;
	sigset_t block, orig;
	int64_t now, wake;
	nfds_t n, i;
	int ret = 0, timeout;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->lfd = lfd;
	s->site = site;
	for (i = 0; i < HTTP_CONN_MAX; i++)
		s->conn[i].fd = -1;

	/*
	 * SIGINT, SIGTERM and SIGHUP only arrive inside ppoll(): no lost
	 * wakeup.  In the shell its own handlers stay: they set
	 * shell_interrupted, which ends the server, and the shell then acts
	 * on the signal (SIGTERM and SIGHUP end it).
	 */
	http_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = http_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, NULL, &oint);
	sigaction(SIGTERM, NULL, &oterm);
	if (oint.sa_handler == SIG_DFL)
		sigaction(SIGINT, &sa, NULL);
	if (oterm.sa_handler == SIG_DFL)
		sigaction(SIGTERM, &sa, NULL);
	while (!http_stop && !shell_interrupted) {
		now = http_now_ms();
		wake = now + 60000;
		n = 0;
		if (s->accept_after_ms <= now) {
			s->accept_after_ms = 0;
			pfd[n].fd = lfd;
			pfd[n].events = POLLIN;
			map[n++] = NULL;
		} else {
			wake = s->accept_after_ms;
		}
		for (i = 0; i < HTTP_CONN_MAX; i++) {
			struct http_conn *c = &s->conn[i];

			if (c->state == HTTP_FREE)
				continue;
			if (c->deadline_ms <= now) {
				http_close(c);
				continue;
			}
			if (c->deadline_ms < wake)
				wake = c->deadline_ms;
			pfd[n].fd = c->fd;
			pfd[n].events = c->state == HTTP_WRITING ? POLLOUT
								 : POLLIN;
			map[n++] = c;
		}
		timeout = (int)(wake - now);
		if (ppoll(pfd, n,
			&(struct timespec){ .tv_sec = timeout / 1000,
			    .tv_nsec = (long)(timeout % 1000) * 1000000 },
			&orig) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		/* connections first: a waiting request beats a new client */
		for (i = 0; i < n; i++) {
			struct http_conn *c = map[i];

			if (c == NULL || pfd[i].revents == 0 ||
			    c->state == HTTP_FREE)
				continue;
			if (c->state == HTTP_WRITING)
				http_flush(c);
			else
				http_readable(s, c);
		}
		if (n > 0 && map[0] == NULL && (pfd[0].revents & POLLIN))
			http_accept(s);
	}
	for (i = 0; i < HTTP_CONN_MAX; i++)
		if (s->conn[i].state != HTTP_FREE)
			http_close(&s->conn[i]);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	free(s);
	return ret;
}
