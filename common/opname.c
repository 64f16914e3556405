/*
 * opname.c - opcodes from their names: the standard ones as Redox's
 * StandardOpcode spells them (ring_op_name()), any case, and the ones a
 * scheme declared.  What a declared name may be is libring's rule
 * (ring_op_name_ok()), the one ringd applies when a scheme registers.
 *
 * Depends on libring's public headers only.
 */
#include <ctype.h>
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
	char low[RING_CTL_OPNAME_MAX];
	size_t i;

	/* the case people type is free; ringd's rule is on lowercase */
	for (i = 0; s[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	if (s[i] != '\0')
		return false; /* too long for any declared name */
	low[i] = '\0';
	return ring_op_name_ok(low);
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
