/*
 * io.c - whole reads and writes on a descriptor, and the stop signals a
 * program catches, written once for ringd, ringtop and the benchmark.
 * Depends on libc only.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

int
io_full(int fd, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;
	ssize_t k;

	while (len > 0) {
		k = wr ? write(fd, p, len) : read(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EPIPE;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

void
sig_catch_stop(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
