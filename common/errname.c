/*
 * errname.c - symbolic names of errno values, for messages and JSON
 * ("errno": "ENOENT") that scripts can match without parsing strerror():
 * glibc's strerrorname_np() (2.32 and later) and the way back.
 *
 * Depends on libc only.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common.h"

/* Past every errno Linux has (133 in 6.x): errname_parse() stops here. */
#define ERRNAME_MAX 4096

/*
 * Second names of one value: strerrorname_np() gives the first
 * (EOPNOTSUPP, EAGAIN, EDEADLK), errname_parse() takes both.
 */
static const struct {
	const char *name;
	int value;
} errname_alias[] = {
	{ "ENOTSUP", ENOTSUP },
	{ "EWOULDBLOCK", EWOULDBLOCK },
	{ "EDEADLOCK", EDEADLOCK },
};

const char *
errname(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return NULL; /* strerrorname_np(0) is "0", not a name */
	return strerrorname_np(err);
}

int
errname_parse(const char *name)
{
	const char *s;
	size_t i;
	int e;

	for (e = 1; e < ERRNAME_MAX; e++)
		if ((s = strerrorname_np(e)) != NULL && strcasecmp(s, name) == 0)
			return e;
	for (i = 0; i < sizeof(errname_alias) / sizeof(errname_alias[0]); i++)
		if (strcasecmp(errname_alias[i].name, name) == 0)
			return errname_alias[i].value;
	return -EINVAL;
}
