/*
 * opname.c - opcodes from their names: the standard ones as Redox's
 * StandardOpcode spells them (ring_op_name()), any case, and the ones a
 * scheme declared.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <ring/abi.h>
#include <ring/ctl.h>
#include <ring/ring.h>

#include "common.h"

bool
opname_declarable(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return i < RING_CTL_OPNAME_MAX;
}

int
opname_find(const char *s, const struct ring_ctl_opname *v, size_t n,
    uint8_t *code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memchr(v[i].name, '\0', sizeof(v[i].name)) != NULL &&
		    strcasecmp(s, v[i].name) == 0) {
			*code = v[i].op;
			return 0;
		}
	return -ENOENT;
}
