/*
 * opcode.c - Redox's standard opcodes by name: ring_op_name() and
 * ring_op_parse(), the one place an opcode is named or read back.
 *
 * Depends on <ring/abi.h> alone; part of the data-path half of libring.
 */
#include <errno.h>
#include <stdint.h>
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
