/*
 * fuzz-config.c - libFuzzer target: ringd's configuration parser.
 *
 * Each input is a whole ringd.conf(5) file.  It is written to a memory
 * file and loaded with config_load() through /proc/self/fd, the same call
 * ringd makes at start and on SIGHUP, policy rules included.  What must
 * hold: no crash, no read past a line, and a file that loads yields a
 * configuration within the limits of ringd/ringd-limits.h whose policy prints.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ringd.h"
#include "fuzz.h"

/* ringd/main.c defines the daemon's state; the parser needs it linked. */
struct ringd ringd;

static int fz_fd = -1;
static char fz_path[64];
static FILE *fz_null;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fz_fd = memfd_create("fuzz-config", MFD_CLOEXEC)) < 0)
		abort();
	snprintf(fz_path, sizeof(fz_path), "/proc/self/fd/%d", fz_fd);
	if ((fz_null = fopen("/dev/null", "we")) == NULL)
		abort();
	log_open(true, LOG_LVL_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;

	if (size > 64 * 1024)
		return -1;
	if (ftruncate(fz_fd, 0) < 0 || pwrite(fz_fd, data, size, 0) !=
	    (ssize_t)size)
		abort();
	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	if (config_load(fz_path, c) == 0) {
		if (memchr(c->socket, '\0', sizeof(c->socket)) == NULL ||
		    memchr(c->socket_group, '\0',
		    sizeof(c->socket_group)) == NULL ||
		    c->max_clients < 1 ||
		    c->max_clients > RINGD_CAP_MAX_CLIENTS ||
		    c->max_entries < 1 ||
		    c->max_entries > RINGD_CAP_MAX_ENTRIES ||
		    c->max_pool_bytes > RINGD_CAP_MAX_POOL_BYTES ||
		    c->socket_mode > 0777 ||
		    c->policy.nrules > RINGD_CAP_POLICY_RULES)
			abort();
		policy_print(fz_null, c);
	}
	free(c);
	return 0;
}
