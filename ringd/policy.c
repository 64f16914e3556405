/*
 * policy.c - who may do what: the allow/deny rules of ringd.conf(5).
 *
 *	allow|deny register PATTERN [uid=USER] [gid=GROUP]
 *	allow|deny open PATTERN [uid=USER] [gid=GROUP]
 *	allow|deny submit PATTERN [op=LIST] [uid=USER] [gid=GROUP]
 *	allow|deny phys [uid=USER] [gid=GROUP] [quota=BYTES] [regions=N]
 *
 * Rules are kept in file order and the first one that matches a request
 * decides it; when none does, policy_default does (phys then falls back
 * to phys_allow_users and phys_quota).  A peer is who SO_PEERCRED said
 * when it connected: its uid, its gid and, for gid=, its supplementary
 * groups (SO_PEERGROUPS).  What a client says about itself is never used.
 *
 * submit rules are decided per opcode: ringd turns them into the set of
 * opcodes a consumer may use on a scheme, enforces it on the rings it
 * serves itself (-EACCES completions) and reports it through PROBE, since
 * the data path of an external scheme does not go through ringd.
 */
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "ringd.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

static const char *const policy_actions[] = {
	[POLICY_REGISTER] = "register",
	[POLICY_OPEN] = "open",
	[POLICY_SUBMIT] = "submit",
	[POLICY_PHYS] = "phys",
};

#define POLICY_NACTIONS (sizeof(policy_actions) / sizeof(policy_actions[0]))

static uint64_t policy_gen_counter;

static void
policy_op_set(struct proto_opset *s, unsigned op)
{
	s->bits[op / 64] |= 1ull << (op % 64);
}

static bool
policy_op_isset(const struct proto_opset *s, unsigned op)
{
	return (s->bits[op / 64] >> (op % 64)) & 1;
}

/* Does a (comment-free, trimmed) config line start with allow or deny? */
bool
policy_is_rule(const char *line)
{
	size_t n = strcspn(line, " \t");

	return (n == 5 && strncmp(line, "allow", 5) == 0) ||
	    (n == 4 && strncmp(line, "deny", 4) == 0);
}

/* A loaded policy is a new generation: built-in rings recompute theirs. */
void
policy_new_gen(struct policy *p)
{
	p->gen = ++policy_gen_counter;
}

/* --- parsing --------------------------------------------------------------- */

/* A scheme glob: name characters and *?[]! only, shorter than a name. */
static int
policy_parse_pattern(const char *tok, char *out, size_t size)
{
	size_t len = strlen(tok), i;

	if (len >= 2 && tok[0] == '"' && tok[len - 1] == '"') {
		tok++;
		len -= 2;
	}
	if (len == 0 || len >= size)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char ch = tok[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') ||
			strchr("._-*?[]!", ch) != NULL))
			return -EINVAL;
	}
	memcpy(out, tok, len);
	out[len] = '\0';
	return 0;
}

/* A user or group by name or number. */
static int
policy_parse_id(const char *v, bool user, uint32_t *out)
{
	const char *errstr = NULL;
	long long n;

	if (user) {
		struct passwd *pw = getpwnam(v);

		if (pw != NULL) {
			*out = pw->pw_uid;
			return 0;
		}
	} else {
		struct group *gr = getgrnam(v);

		if (gr != NULL) {
			*out = gr->gr_gid;
			return 0;
		}
	}
	n = strtonum(v, 0, (long long)POLICY_ANY - 1, &errstr);
	if (errstr != NULL)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/*
 * One opcode: ring_op_parse(), the rule ringctl applies too (a standard
 * name in any case, or 0..255 in decimal or 0x hex).
 */
static int
policy_parse_op(const char *v, unsigned *out)
{
	uint8_t op;
	int rc;

	if ((rc = ring_op_parse(v, &op)) < 0)
		return rc;
	*out = op;
	return 0;
}

/* op=LIST: opcodes and ranges (read,write,128-255), comma-separated. */
static int
policy_parse_ops(char *v, struct proto_opset *out)
{
	char *item, *dash;
	unsigned lo, hi, op;

	memset(out, 0, sizeof(*out));
	if (*v == '\0')
		return -EINVAL;
	while ((item = strsep(&v, ",")) != NULL) {
		if ((dash = strchr(item, '-')) != NULL && dash != item) {
			*dash = '\0';
			if (policy_parse_op(item, &lo) < 0 ||
			    policy_parse_op(dash + 1, &hi) < 0 || lo > hi)
				return -EINVAL;
		} else if (policy_parse_op(item, &lo) < 0)
			return -EINVAL;
		else
			hi = lo;
		for (op = lo; op <= hi; op++)
			policy_op_set(out, op);
	}
	return 0;
}

/*
 * Parse one rule line (comments stripped) into p.  On failure *why says
 * what was wrong; the caller names file:line.
 */
int
policy_parse_rule(struct policy *p, char *line, unsigned lineno, char *why,
    size_t whylen)
{
	struct policy_rule r;
	bool have_uid = false, have_gid = false, have_ops = false;
	char *tok, *save = NULL, *v;
	const char *errstr = NULL;
	unsigned i;

	memset(&r, 0, sizeof(r));
	r.line = lineno;
	r.uid = r.gid = POLICY_ANY;
	r.quota_bytes = UINT64_MAX;
	r.max_regions = UINT32_MAX;
	memset(&r.ops, 0xff, sizeof(r.ops));

	tok = strtok_r(line, " \t", &save);
	r.allow = strcmp(tok, "allow") == 0;
	if ((tok = strtok_r(NULL, " \t", &save)) == NULL) {
		snprintf(why, whylen,
		    "'%s' needs an action: register, open, "
		    "submit or phys",
		    r.allow ? "allow" : "deny");
		return -EINVAL;
	}
	for (i = 1; i < POLICY_NACTIONS; i++)
		if (strcmp(tok, policy_actions[i]) == 0)
			r.action = (uint8_t)i;
	if (r.action == 0) {
		snprintf(why, whylen,
		    "unknown action '%s': use register, "
		    "open, submit or phys",
		    tok);
		return -EINVAL;
	}
	if (r.action != POLICY_PHYS) {
		tok = strtok_r(NULL, " \t", &save);
		if (tok == NULL || strchr(tok, '=') != NULL) {
			snprintf(why, whylen,
			    "'%s' needs a scheme pattern "
			    "such as \"usb.*\"",
			    policy_actions[r.action]);
			return -EINVAL;
		}
		if (policy_parse_pattern(tok, r.pattern, sizeof(r.pattern)) <
		    0) {
			snprintf(why, whylen, "bad scheme pattern '%s'", tok);
			return -EINVAL;
		}
	}
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if ((v = strchr(tok, '=')) == NULL || v[1] == '\0') {
			snprintf(why, whylen, "expected name=value, not '%s'",
			    tok);
			return -EINVAL;
		}
		*v++ = '\0';
		if (strcmp(tok, "uid") == 0 && !have_uid) {
			have_uid = true;
			if (policy_parse_id(v, true, &r.uid) < 0) {
				snprintf(why, whylen, "no such user '%s'", v);
				return -EINVAL;
			}
		} else if (strcmp(tok, "gid") == 0 && !have_gid) {
			have_gid = true;
			if (policy_parse_id(v, false, &r.gid) < 0) {
				snprintf(why, whylen, "no such group '%s'", v);
				return -EINVAL;
			}
		} else if (strcmp(tok, "op") == 0 && !have_ops &&
		    r.action == POLICY_SUBMIT) {
			have_ops = true;
			if (policy_parse_ops(v, &r.ops) < 0) {
				snprintf(why, whylen, "bad opcode list '%s'",
				    v);
				return -EINVAL;
			}
		} else if (strcmp(tok, "quota") == 0 && r.allow &&
		    r.action == POLICY_PHYS && r.quota_bytes == UINT64_MAX) {
			if (config_parse_size(v, 0, RINGD_CAP_PHYS_QUOTA,
				&r.quota_bytes) < 0) {
				snprintf(why, whylen, "bad quota '%s'", v);
				return -EINVAL;
			}
		} else if (strcmp(tok, "regions") == 0 && r.allow &&
		    r.action == POLICY_PHYS && r.max_regions == UINT32_MAX) {
			r.max_regions = (uint32_t)strtonum(v, 0,
			    RINGD_CAP_PHYS_MAX_REGIONS, &errstr);
			if (errstr != NULL) {
				snprintf(why, whylen, "bad region count '%s'",
				    v);
				return -EINVAL;
			}
		} else {
			snprintf(why, whylen, "'%s=' is not valid here", tok);
			return -EINVAL;
		}
	}
	if (p->nrules >= RINGD_CAP_POLICY_RULES) {
		snprintf(why, whylen, "more than %u rules",
		    RINGD_CAP_POLICY_RULES);
		return -EINVAL;
	}
	p->rule[p->nrules++] = r;
	return 0;
}

/* --- identities -------------------------------------------------------------- */

/*
 * The peer's supplementary groups as the kernel recorded them at
 * connect(), for gid= rules.  Without them gid= matches the primary gid
 * alone.
 */
void
policy_client_init(struct client *c)
{
	socklen_t len = 32 * sizeof(gid_t);
	gid_t *g = NULL, *ng;

	c->groups = NULL;
	c->ngroups = 0;
	for (;;) {
		if ((ng = realloc(g, len)) == NULL)
			break;
		g = ng;
		if (getsockopt(c->sock, SOL_SOCKET, SO_PEERGROUPS, g, &len) ==
		    0) {
			c->groups = (uint32_t *)g;
			c->ngroups = (uint32_t)(len / sizeof(gid_t));
			return;
		}
		if (errno != ERANGE ||
		    len > RINGD_MAX_PEER_GROUPS * sizeof(gid_t))
			break;
	}
	log_debug("%s: no supplementary groups: %s", client_name(c),
	    strerror(errno));
	free(g);
}

void
policy_client_fini(struct client *c)
{
	free(c->groups);
	c->groups = NULL;
	c->ngroups = 0;
}

/* Is gid c's group or one of its supplementary groups? */
bool
policy_in_group(const struct client *c, uint32_t gid)
{
	uint32_t i;

	if (c->peer.gid == gid)
		return true;
	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* Does r apply to c (and, for scheme rules, to name)? */
static bool
policy_match(const struct policy_rule *r, enum policy_action a,
    const struct client *c, const char *name)
{
	if (r->action != a)
		return false;
	if (r->uid != POLICY_ANY && r->uid != c->peer.uid)
		return false;
	if (r->gid != POLICY_ANY && !policy_in_group(c, r->gid))
		return false;
	if (a != POLICY_PHYS && fnmatch(r->pattern, name, 0) != 0)
		return false;
	return true;
}

/* "ringd.conf:12" or "policy_default" for a log line. */
static const char *
policy_where(const struct policy_rule *r)
{
	static char buf[96];
	const char *path = ringd.conf_path != NULL ? ringd.conf_path : "";
	const char *base = strrchr(path, '/');

	if (r == NULL)
		return "policy_default";
	snprintf(buf, sizeof(buf), "%s:%u", base != NULL ? base + 1 : path,
	    r->line);
	return buf;
}

static void
policy_log_denial(const struct client *c, const char *what, const char *name,
    const struct policy_rule *r)
{
	if (name != NULL)
		log_info("policy: %s: %s '%s' denied by %s", client_name(c),
		    what, name, policy_where(r));
	else
		log_info("policy: %s: %s denied by %s", client_name(c), what,
		    policy_where(r));
}

/* --- decisions ------------------------------------------------------------------ */

/*
 * May c register (POLICY_REGISTER) or open a ring to (POLICY_OPEN) the
 * scheme name?  0, or -EACCES after logging who, what and which rule.
 */
int
policy_check(const struct client *c, enum policy_action a, const char *name)
{
	const struct policy *p = &ringd.conf.policy;
	const struct policy_rule *r = NULL;
	uint32_t i;
	bool allow = ringd.conf.policy_default_allow;

	for (i = 0; i < p->nrules; i++)
		if (policy_match(&p->rule[i], a, c, name)) {
			r = &p->rule[i];
			allow = r->allow;
			break;
		}
	if (allow)
		return 0;
	policy_log_denial(c, policy_actions[a], name, r);
	return -EACCES;
}

/*
 * The opcodes c may use on scheme: each opcode is decided by the first
 * submit rule that matches c, the scheme and that opcode.
 */
void
policy_opset(const struct client *c, const char *scheme,
    struct proto_opset *out)
{
	const struct policy *p = &ringd.conf.policy;
	struct proto_opset decided = { { 0 } };
	uint32_t i;
	unsigned w;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rule[i];

		if (!policy_match(r, POLICY_SUBMIT, c, scheme))
			continue;
		for (w = 0; w < 4; w++) {
			if (r->allow)
				out->bits[w] |= r->ops.bits[w] &
				    ~decided.bits[w];
			decided.bits[w] |= r->ops.bits[w];
		}
	}
	if (ringd.conf.policy_default_allow)
		for (w = 0; w < 4; w++)
			out->bits[w] |= ~decided.bits[w];
}

/* The rule that decides opcode op for the consumer of rr, for the log. */
static const struct policy_rule *
policy_op_rule(const struct client *c, const char *scheme, unsigned op)
{
	const struct policy *p = &ringd.conf.policy;
	uint32_t i;

	for (i = 0; i < p->nrules; i++)
		if (policy_match(&p->rule[i], POLICY_SUBMIT, c, scheme) &&
		    policy_op_isset(&p->rule[i].ops, op))
			return &p->rule[i];
	return NULL;
}

/*
 * May the consumer of built-in ring rr use opcode?  The set is worked
 * out again after a reload.  The first denial of a ring is logged, with
 * its rule; the rest are counted.
 */
bool
policy_op_allowed(struct ringd_ring *rr, uint8_t opcode)
{
	char what[64];

	if (rr->allowed_gen != ringd.conf.policy.gen && rr->consumer != NULL) {
		policy_opset(rr->consumer, rr->scheme, &rr->allowed);
		rr->allowed_gen = ringd.conf.policy.gen;
	}
	if (policy_op_isset(&rr->allowed, opcode))
		return true;
	if (rr->denied++ == 0 && rr->consumer != NULL) {
		if (opcode < RING_OP_STANDARD_COUNT)
			snprintf(what, sizeof(what), "ring %llu: submit %s to",
			    (unsigned long long)rr->id, ring_op_name(opcode));
		else
			snprintf(what, sizeof(what),
			    "ring %llu: submit opcode "
			    "%u to",
			    (unsigned long long)rr->id, opcode);
		policy_log_denial(rr->consumer, what, rr->scheme,
		    policy_op_rule(rr->consumer, rr->scheme, opcode));
	}
	return false;
}

/*
 * May c allocate physical memory, and how much?  The first phys rule
 * that matches decides; quota= and regions= set the limits (else
 * phys_quota and phys_max_regions_per_uid for uids other than root).
 * No rule: policy_default deny refuses, allow leaves it to
 * phys_allow_users.  Returns 0 with *quota (0: none) and *max_regions
 * (UINT32_MAX: none), -EACCES when a rule or the default denies (logged),
 * -EPERM when phys_allow_users does.
 */
int
policy_phys(const struct client *c, uint64_t *quota, uint32_t *max_regions)
{
	const struct policy *p = &ringd.conf.policy;
	const struct policy_rule *r = NULL;
	bool root = c->peer.uid == 0;
	uint32_t i;

	for (i = 0; i < p->nrules; i++)
		if (policy_match(&p->rule[i], POLICY_PHYS, c, NULL)) {
			r = &p->rule[i];
			break;
		}
	if ((r != NULL && !r->allow) ||
	    (r == NULL && !ringd.conf.policy_default_allow)) {
		policy_log_denial(c, "physalloc3", NULL, r);
		return -EACCES;
	}
	if (r == NULL && !root && !ringd.conf.phys_allow_users)
		return -EPERM;
	*quota = root ? 0 : ringd.conf.phys_quota_bytes;
	*max_regions = root ? UINT32_MAX : ringd.conf.phys_max_regions_per_uid;
	if (r != NULL && r->quota_bytes != UINT64_MAX)
		*quota = r->quota_bytes;
	if (r != NULL && r->max_regions != UINT32_MAX)
		*max_regions = r->max_regions;
	return 0;
}

/* --- ringd -T ------------------------------------------------------------------------ */

static void
policy_print_ops(FILE *f, const struct proto_opset *s)
{
	const char *sep = " op=";
	unsigned op, end;

	for (op = 0; op < 256; op++)
		if (!policy_op_isset(s, op))
			break;
	if (op == 256)
		return; /* every opcode: the default */
	for (op = 0; op < 256; op = end + 1) {
		end = op;
		if (!policy_op_isset(s, op))
			continue;
		while (op >= RING_OP_STANDARD_COUNT && end < 255 &&
		    policy_op_isset(s, end + 1))
			end++;
		if (op < RING_OP_STANDARD_COUNT)
			fprintf(f, "%s%s", sep, ring_op_name(op));
		else
			fprintf(f, "%s%u", sep, op);
		if (end != op)
			fprintf(f, "-%u", end);
		sep = ",";
	}
}

/* The rules as ringd understood them, one a line, names resolved. */
void
policy_print(FILE *f, const struct config *conf)
{
	const struct policy *p = &conf->policy;
	uint32_t i;

	fprintf(f, "policy_default = %s\n",
	    conf->policy_default_allow ? "allow" : "deny");
	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rule[i];

		fprintf(f, "%s %s", r->allow ? "allow" : "deny",
		    policy_actions[r->action]);
		if (r->action != POLICY_PHYS)
			fprintf(f, " \"%s\"", r->pattern);
		if (r->action == POLICY_SUBMIT)
			policy_print_ops(f, &r->ops);
		if (r->uid != POLICY_ANY)
			fprintf(f, " uid=%u", r->uid);
		if (r->gid != POLICY_ANY)
			fprintf(f, " gid=%u", r->gid);
		if (r->quota_bytes != UINT64_MAX)
			fprintf(f, " quota=%llu",
			    (unsigned long long)r->quota_bytes);
		if (r->max_regions != UINT32_MAX)
			fprintf(f, " regions=%u", r->max_regions);
		fprintf(f, "  # line %u\n", r->line);
	}
}
