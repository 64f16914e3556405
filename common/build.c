/*
 * build.c - finding the other programs of this build, for the tests and
 * the benchmark that start ringd, ringctl, ringtop or the examples.
 *
 * Depends on libc only.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

int
build_path(const char *env, const char *rel, char *buf, size_t len)
{
	const char *e = env != NULL ? getenv(env) : NULL;
	char self[PATH_MAX];
	char *slash;
	ssize_t n;
	int k;

	if (e != NULL && e[0] != '\0')
		k = snprintf(buf, len, "%s", e);
	else {
		/* BUILD/dir/prog -> BUILD/rel */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			return -ENOENT;
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) == NULL)
			return -ENOENT;
		*slash = '\0';
		k = snprintf(buf, len, "%s/../%s", self, rel);
	}
	if (k < 0 || (size_t)k >= len)
		return -ENAMETOOLONG;
	return access(buf, X_OK) == 0 ? 0 : -errno;
}
