/*
 * opcode.c - Redox's standard opcodes by name: ring_op_name() and
 * ring_op_parse(), the one place an opcode is named or read back, and
 * ring_op_name_ok(), the rule for the names schemes declare for theirs.
 *
 * Depends on <ring/abi.h> (and RING_CTL_OPNAME_MAX of <ring/ctl.h>)
 * alone; part of the data-path half of libring.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static const char *const ring_op_names[RING_OP_STANDARD_COUNT] = {
	[RING_OP_NOOP] = "noop",
	[RING_OP_OPEN] = "open",
	[RING_OP_CLOSE] = "close",
	[RING_OP_READ] = "read",
	[RING_OP_WRITE] = "write",
	[RING_OP_SEEK] = "seek",
	[RING_OP_FSTAT] = "fstat",
	[RING_OP_FSTATVFS] = "fstatvfs",
	[RING_OP_MMAP] = "mmap",
	[RING_OP_MUNMAP] = "munmap",
	[RING_OP_FSYNC] = "fsync",
	[RING_OP_FILES_UPDATE] = "files_update",
	[RING_OP_REGULAR_SYSCALL] = "regular_syscall",
};

RING_EXPORT const char *
ring_op_name(unsigned op)
{
	return op < RING_OP_STANDARD_COUNT ? ring_op_names[op] : NULL;
}

/* A digit's value in base (10 or 16), or -1. */
static int
opcode_digit(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

RING_EXPORT int
ring_op_parse(const char *s, uint8_t *op)
{
	unsigned base = 10, i;
	uint64_t v = 0;
	int d;

	if (s == NULL || op == NULL)
		return -EINVAL;
	for (i = 0; i < RING_OP_STANDARD_COUNT; i++)
		if (strcasecmp(s, ring_op_names[i]) == 0) {
			*op = (uint8_t)i;
			return 0;
		}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if ((d = opcode_digit(*s, base)) < 0)
			return -EINVAL;
		v = v * base + (unsigned)d;
		if (v > 255)
			v = 256; /* stays out of range, never wraps */
	}
	if (v > 255)
		return -ERANGE;
	*op = (uint8_t)v;
	return 0;
}

RING_EXPORT bool
ring_op_name_ok(const char *s)
{
	size_t i;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	if (i >= RING_CTL_OPNAME_MAX)
		return false;
	/* a declared name may not shadow a standard one */
	for (i = 0; i < RING_OP_STANDARD_COUNT; i++)
		if (strcmp(s, ring_op_names[i]) == 0)
			return false;
	return true;
}
