/*
 * opname.c - names of the standard opcodes, as Redox's StandardOpcode
 * spells them in lowercase.
 */
#include <errno.h>
#include <strings.h>

#include <ring/abi.h>

#include "tools.h"

static const char *const opname_tab[RING_OP_STANDARD_COUNT] = {
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

const char *
opname_name(unsigned code)
{
	return code < RING_OP_STANDARD_COUNT ? opname_tab[code] : NULL;
}

const char *const *
opname_list(unsigned *n)
{
	*n = RING_OP_STANDARD_COUNT;
	return opname_tab;
}

int
opname_parse(const char *s, uint8_t *code)
{
	uint64_t v;
	unsigned i;
	int rc;

	for (i = 0; i < RING_OP_STANDARD_COUNT; i++)
		if (strcasecmp(s, opname_tab[i]) == 0) {
			*code = (uint8_t)i;
			return 0;
		}
	if ((rc = units_parse_u64(s, &v)) < 0)
		return rc;
	if (v > 255)
		return -ERANGE;
	*code = (uint8_t)v;
	return 0;
}
