/*
 * cmd-scheme.c - "schemes" and "probe": the scheme registry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ringctl.h"
#include "common/model-json.h"
#include "common/common.h"

static cmd_fn cmd_schemes, cmd_probe;

CMD_ENTRY(schemes, "[-q]",
    "list the registered schemes",
    .flags = CMD_QUIET, .args = { ARG_NONE });

CMD_ENTRY(probe, "[-q] SCHEME",
    "list the opcodes a scheme serves",
    .min_args = 1, .max_args = 1, .flags = CMD_QUIET, .args = { ARG_SCHEME });

/*
 * Name the producer-specific opcodes of each scheme that declared any,
 * from a probe of it (list records carry no names).  A scheme that went
 * away meanwhile keeps its numbers.
 */
static void
scheme_name_opcodes(struct ringctl *rc, struct json_object *arr,
    const struct ring_ctl_scheme *v, size_t n)
{
	struct ring_ctl_opname *names;
	struct json_object *ops;
	uint64_t probed[4];
	size_t i, j, k, nnames;

	for (i = 0; i < n; i++) {
		if (v[i].builtin || (v[i].ops[2] | v[i].ops[3]) == 0 ||
		    ring_ctl_probe_names(rc->ctl, v[i].name, probed, &names,
			&nnames) < 0)
			continue;
		json_object_object_get_ex(json_object_array_get_idx(arr, i),
		    "opcodes", &ops);
		for (j = 0; j < json_object_array_length(ops); j++) {
			struct json_object *op = json_object_array_get_idx(ops,
			    j);
			uint64_t code = mj_get_u64(op, "code", 0);

			for (k = 0; k < nnames; k++)
				if (names[k].op == code)
					json_object_object_add(op, "name",
					    json_object_new_string(
						names[k].name));
		}
		free(names);
	}
}

static int
cmd_schemes(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	static const char *const hdr[] = { "NAME", ">UID", "OWNER", ">RINGS",
		"OPCODES" };
	struct ring_ctl_scheme *v = NULL;
	struct json_object *arr, *s;
	struct table *t;
	char uid[24], owner[96], rings[24], ops[1024];
	char name[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	size_t n, i;
	int err, ret;

	(void)ce;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_ctl_list_schemes(rc->ctl, &v, &n)) < 0)
		return conn_fail(rc, err, "cannot list schemes");
	arr = mj_schemes(v, n);
	scheme_name_opcodes(rc, arr, v, n);
	free(v);
	if (out_list_short(rc, a->quiet, arr, "name"))
		return RC_OK;
	t = table_new(5, hdr);
	for (i = 0; i < n; i++) {
		struct json_object *owner_o, *ops_o;

		s = json_object_array_get_idx(arr, i);
		json_object_object_get_ex(s, "owner", &owner_o);
		json_object_object_get_ex(s, "opcodes", &ops_o);
		mj_opcodes_text(ops_o, ops, sizeof(ops));
		table_add(t, out_name(mj_get_str(s, "name", ""), name,
				 sizeof(name)),
		    out_u64(mj_get_u64(owner_o, "uid", 0), uid, sizeof(uid)),
		    out_peer(owner_o, owner, sizeof(owner)),
		    out_u64(mj_get_u64(s, "rings", 0), rings, sizeof(rings)),
		    ops);
	}
	table_print(t, stdout);
	table_free(t);
	json_object_put(arr);
	return RC_OK;
}

/*
 * "probe SCHEME": the opcodes a scheme serves, each with its name (Redox's
 * for a standard opcode, the scheme's own for the others).  -q: the names
 * alone (the code where there is none), one a line or a JSON array.
 */
static int
cmd_probe(struct ringctl *rc, const struct cmd_entry *ce, struct cmd_args *a)
{
	const char *scheme = a->argv[0];
	struct ring_ctl_opname *names = NULL;
	struct json_object *o, *arr, *out;
	uint64_t ops[4];
	size_t i, n, nnames = 0;
	char buf[SAN_VIS_LEN(RING_CTL_NAME_MAX)];
	int err, ret;

	(void)ce;
	if ((ret = conn_need(rc)) != RC_OK)
		return ret;
	if ((err = ring_ctl_probe_names(rc->ctl, scheme, ops, &names,
		 &nnames)) < 0)
		return conn_fail(rc, err, "cannot probe '%s'", scheme);
	arr = mj_opcodes_named(ops, names, nnames);
	free(names);
	n = json_object_array_length(arr);
	if (rc->json && a->quiet) {
		out = json_object_new_array();
		for (i = 0; i < n; i++) {
			struct json_object *op = json_object_array_get_idx(arr,
			    i);

			if (!json_object_object_get_ex(op, "name", &o) ||
			    o == NULL)
				json_object_object_get_ex(op, "code", &o);
			json_object_array_add(out, json_object_get(o));
		}
		json_object_put(arr);
		out_json(rc, out);
		return RC_OK;
	}
	if (rc->json) {
		o = json_object_new_object();
		json_object_object_add(o, "scheme",
		    json_object_new_string(scheme));
		json_object_object_add(o, "opcodes_declared",
		    json_object_new_boolean(n != 0));
		json_object_object_add(o, "opcodes", arr);
		out_json(rc, o);
		return RC_OK;
	}
	if (n == 0 && !a->quiet)
		printf("'%s' declared no opcodes\n",
		    out_name(scheme, buf, sizeof(buf)));
	for (i = 0; i < n; i++) {
		struct json_object *op = json_object_array_get_idx(arr, i);
		const char *name = mj_get_str(op, "name", NULL);
		uint64_t code = mj_get_u64(op, "code", 0);

		if (a->quiet && name != NULL)
			printf("%s\n", out_name(name, buf, sizeof(buf)));
		else if (a->quiet)
			printf("%" PRIu64 "\n", code);
		else
			printf("%3" PRIu64 "  %s\n", code,
			    name != NULL ? out_name(name, buf, sizeof(buf))
					 : "-");
	}
	json_object_put(arr);
	return RC_OK;
}
