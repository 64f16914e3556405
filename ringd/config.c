/*
 * config.c - ringd.conf(5): "key = value" lines, allow/deny policy rules
 * (policy.c), '#' comments.
 *
 * A file is parsed into a fresh struct config and only handed back whole,
 * so a bad file at SIGHUP leaves the running configuration untouched.
 * Every error names file:line and the key.  Only a regular file of at
 * most RINGD_CONF_SIZE_MAX bytes is read, so that a FIFO or a device
 * named as the config can neither block nor feed ringd for ever.
 *
 * Sizes are read by common's units_parse_size() (through
 * config_parse_size()), the parser of ringd -z and of ringctl, so that
 * all of them take the same text.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "common/common.h"
#include "ringd.h"

enum config_type {
	CONF_U32,    /* decimal, min..max */
	CONF_SIZE32, /* bytes (units_parse_size()), min..max, a uint32_t */
	CONF_SIZE64, /* the same, into a uint64_t */
	CONF_MODE,   /* octal permission bits */
	CONF_PATH,   /* absolute socket path */
	CONF_GROUP,  /* existing group name or number */
	CONF_LEVEL,  /* error, warning, notice, info, debug */
	CONF_BOOL,   /* yes/no, true/false, on/off, 1/0 */
	CONF_POLICY, /* allow or deny */
};

/* config_key.flags */
#define CK_FRAMES 0x1u /* a size: a multiple of 4k (physical frames) */

struct config_key {
	const char *name;
	enum config_type type;
	size_t off;
	uint64_t min, max;
	unsigned flags; /* CK_* */
};

#define CKF(n, t, f, lo, hi, fl) \
	{ \
		n, t, offsetof(struct config, f), lo, hi, fl \
	}
#define CK(n, t, f, lo, hi) CKF(n, t, f, lo, hi, 0)

/* The keys, in ringd.conf(5) order. */
static const struct config_key config_keys[] = {
	CK("socket", CONF_PATH, socket, 0, 0),
	CK("socket_mode", CONF_MODE, socket_mode, 0, 0777),
	CK("socket_group", CONF_GROUP, socket_group, 0, 0),
	CK("max_clients", CONF_U32, max_clients, 1, RINGD_CAP_MAX_CLIENTS),
	CK("max_clients_per_uid", CONF_U32, max_clients_per_uid, 1,
	    RINGD_CAP_MAX_CLIENTS),
	CK("hello_timeout_ms", CONF_U32, hello_timeout_ms, 1,
	    RINGD_CAP_HELLO_TIMEOUT_MS),
	CK("max_schemes", CONF_U32, max_schemes, 0, RINGD_CAP_MAX_SCHEMES),
	CK("max_schemes_per_client", CONF_U32, max_schemes_per_client, 0,
	    RINGD_CAP_MAX_SCHEMES),
	CK("max_rings", CONF_U32, max_rings, 0, RINGD_CAP_MAX_RINGS),
	CK("max_rings_per_client", CONF_U32, max_rings_per_client, 0,
	    RINGD_CAP_MAX_RINGS),
	CK("max_rings_per_uid", CONF_U32, max_rings_per_uid, 0,
	    RINGD_CAP_MAX_RINGS),
	CK("max_entries", CONF_U32, max_entries, 1, RINGD_CAP_MAX_ENTRIES),
	CK("max_pool_bytes", CONF_SIZE64, max_pool_bytes, 0,
	    RINGD_CAP_MAX_POOL_BYTES),
	CK("max_pending_bytes", CONF_SIZE32, max_pending_bytes,
	    RINGD_MIN_MAX_PENDING_BYTES, RINGD_CAP_MAX_PENDING_BYTES),
	CK("accept_timeout_ms", CONF_U32, accept_timeout_ms, 1,
	    RINGD_CAP_ACCEPT_TIMEOUT_MS),
	CK("adopt_timeout_ms", CONF_U32, adopt_timeout_ms, 1,
	    RINGD_CAP_ADOPT_TIMEOUT_MS),
	CK("log_level", CONF_LEVEL, log_level, 0, 0),
	CK("root_takeover", CONF_BOOL, root_takeover, 0, 0),
	CKF("phys_zone32_size", CONF_SIZE64, phys_zone32_bytes, 0,
	    RINGD_CAP_PHYS_ZONE32, CK_FRAMES),
	CKF("phys_zone64_size", CONF_SIZE64, phys_zone64_bytes, 0,
	    RINGD_CAP_PHYS_ZONE64, CK_FRAMES),
	CK("phys_allow_users", CONF_BOOL, phys_allow_users, 0, 0),
	CK("phys_quota", CONF_SIZE64, phys_quota_bytes, 0,
	    RINGD_CAP_PHYS_QUOTA),
	CK("phys_max_regions", CONF_U32, phys_max_regions, 0,
	    RINGD_CAP_PHYS_MAX_REGIONS),
	CK("phys_max_regions_per_uid", CONF_U32, phys_max_regions_per_uid, 0,
	    RINGD_CAP_PHYS_MAX_REGIONS),
	CK("policy_default", CONF_POLICY, policy_default_allow, 0, 0),
	CK("seccomp", CONF_BOOL, seccomp, 0, 0),
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->socket_mode = 0666;
	c->max_clients = RINGD_DEF_MAX_CLIENTS;
	c->max_clients_per_uid = RINGD_DEF_MAX_CLIENTS_PER_UID;
	c->hello_timeout_ms = RINGD_DEF_HELLO_TIMEOUT_MS;
	c->max_schemes = RINGD_DEF_MAX_SCHEMES;
	c->max_schemes_per_client = RINGD_DEF_MAX_SCHEMES_PER_CLIENT;
	c->max_rings = RINGD_DEF_MAX_RINGS;
	c->max_rings_per_client = RINGD_DEF_MAX_RINGS_PER_CLIENT;
	c->max_rings_per_uid = RINGD_DEF_MAX_RINGS_PER_UID;
	c->max_entries = RINGD_DEF_MAX_ENTRIES;
	c->max_pool_bytes = RINGD_DEF_MAX_POOL_BYTES;
	c->max_pending_bytes = RINGD_DEF_MAX_PENDING_BYTES;
	c->accept_timeout_ms = RINGD_DEF_ACCEPT_TIMEOUT_MS;
	c->adopt_timeout_ms = RINGD_DEF_ADOPT_TIMEOUT_MS;
	c->log_level = -1;
	c->root_takeover = false;
	c->phys_zone32_bytes = RINGD_DEF_PHYS_ZONE32;
	c->phys_zone64_bytes = RINGD_DEF_PHYS_ZONE64;
	c->phys_quota_bytes = RINGD_DEF_PHYS_QUOTA;
	c->phys_max_regions = RINGD_DEF_PHYS_MAX_REGIONS;
	c->phys_max_regions_per_uid = RINGD_DEF_PHYS_MAX_REGIONS_PER_UID;
	c->phys_allow_users = false;
	c->policy_default_allow = true;
	c->seccomp = true;
}

/*
 * A byte count in min..max, as every size of ringd is read (ringd.conf,
 * policy quota=, -z): units_parse_size(), the parser ringctl uses too.
 */
int
config_parse_size(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t n;
	int rc;

	if ((rc = units_parse_size(v, &n)) < 0)
		return rc;
	if (n < min || n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

static int
config_parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") ||
	    !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Store one value: NULL, or what was wrong with it. */
static const char *
config_set(struct config *c, const struct config_key *k, const char *v)
{
	char *p = (char *)c + k->off;
	const char *errstr = NULL;
	uint64_t u;
	long long ll;
	char *end;
	int lvl;

	switch (k->type) {
	case CONF_U32:
		ll = strtonum(v, (long long)k->min, (long long)k->max, &errstr);
		if (errstr != NULL)
			return errstr;
		*(uint32_t *)(void *)p = (uint32_t)ll;
		return NULL;
	case CONF_SIZE32:
	case CONF_SIZE64:
		if (config_parse_size(v, k->min, k->max, &u) < 0)
			return "not a byte count in range";
		if ((k->flags & CK_FRAMES) && u % 4096 != 0)
			return "not a multiple of 4k";
		if (k->type == CONF_SIZE32)
			*(uint32_t *)(void *)p = (uint32_t)u;
		else
			*(uint64_t *)(void *)p = u;
		return NULL;
	case CONF_MODE:
		errno = 0;
		u = strtoull(v, &end, 8);
		if (v[0] < '0' || v[0] > '7' || *end != '\0' || errno != 0 ||
		    u > k->max)
			return "not an octal mode such as 0660";
		c->socket_mode = (mode_t)u;
		c->socket_mode_set = true;
		return NULL;
	case CONF_PATH:
		if (v[0] != '/')
			return "not an absolute path";
		if (strlcpy(c->socket, v, sizeof(c->socket)) >=
		    sizeof(c->socket))
			return "path too long for a Unix socket";
		return NULL;
	case CONF_GROUP:
		if (getgrnam(v) == NULL) {
			ll = strtonum(v, 0, INT32_MAX, &errstr);
			if (errstr != NULL || getgrgid((gid_t)ll) == NULL)
				return "no such group";
		}
		if (strlcpy(c->socket_group, v, sizeof(c->socket_group)) >=
		    sizeof(c->socket_group))
			return "group name too long";
		return NULL;
	case CONF_LEVEL:
		if ((lvl = log_level_parse(v)) < 0)
			return "not one of error, warning, notice, info, debug";
		c->log_level = lvl;
		return NULL;
	case CONF_BOOL:
		if (config_parse_bool(v, (bool *)(void *)p) < 0)
			return "not yes or no";
		return NULL;
	case CONF_POLICY:
		if (strcmp(v, "allow") != 0 && strcmp(v, "deny") != 0)
			return "not allow or deny";
		*(bool *)(void *)p = strcmp(v, "allow") == 0;
		return NULL;
	}
	return "internal error";
}

static char *
config_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Read the whole of path into a NUL-terminated buffer (*buf, to free).
 * Only a regular file of at most RINGD_CONF_SIZE_MAX bytes is read: the
 * open cannot block (a FIFO without a writer) and no read is endless (a
 * FIFO, /dev/zero, a terminal), at start as at SIGHUP.
 */
static int
config_read(const char *path, char **buf, size_t *len)
{
	struct stat st;
	char *b = NULL;
	size_t n = 0;
	ssize_t k;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		log_error("cannot open config '%s': %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		log_error("cannot read config '%s': %s", path, strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		log_error("cannot read config '%s': not a regular file", path);
		goto out;
	}
	if (st.st_size > RINGD_CONF_SIZE_MAX) {
		rc = -EFBIG;
		log_error("cannot read config '%s': larger than %u bytes", path,
		    RINGD_CONF_SIZE_MAX);
		goto out;
	}
	/* one byte more than the cap tells a file that grew since fstat */
	rc = -ENOMEM;
	if ((b = malloc(RINGD_CONF_SIZE_MAX + 2)) == NULL) {
		log_error("cannot read config '%s': %s", path,
		    strerror(ENOMEM));
		goto out;
	}
	while (n <= RINGD_CONF_SIZE_MAX) {
		k = read(fd, b + n, RINGD_CONF_SIZE_MAX + 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			log_error("cannot read config '%s': %s", path,
			    strerror(-rc));
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > RINGD_CONF_SIZE_MAX) {
		rc = -EFBIG;
		log_error("cannot read config '%s': larger than %u bytes", path,
		    RINGD_CONF_SIZE_MAX);
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	close(fd);
	return rc;
}

/*
 * Parse path into *out (defaults for absent keys).  Logs every error with
 * file:line; returns 0, or -errno when the file is unusable.
 */
int
config_load(const char *path, struct config *out)
{
	bool seen[CONFIG_NKEYS] = { false };
	struct config c;
	unsigned lineno = 0;
	char *buf = NULL, *next, *line;
	size_t size = 0;
	int rc;

	config_defaults(&c);
	if ((rc = config_read(path, &buf, &size)) < 0)
		return rc;
	for (line = buf; line < buf + size; line = next) {
		const struct config_key *k = NULL;
		const char *why = NULL;
		char *key, *val, *eq, *hash, *nl;
		size_t i, len;

		lineno++;
		nl = memchr(line, '\n', (size_t)(buf + size - line));
		len = nl != NULL ? (size_t)(nl - line)
				 : (size_t)(buf + size - line);
		next = line + len + (nl != NULL);
		if (memchr(line, '\0', len) != NULL) {
			log_error("%s:%u: NUL byte in line %u", path, lineno,
			    lineno);
			rc = -EINVAL;
			break;
		}
		if (len > RINGD_CONF_LINE_MAX) {
			log_error("%s:%u: line too long", path, lineno);
			rc = -EINVAL;
			break;
		}
		line[len] = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		key = config_trim(line);
		if (*key == '\0')
			continue;
		if (policy_is_rule(key)) {
			char rwhy[128];

			if (policy_parse_rule(&c.policy, key, lineno, rwhy,
				sizeof(rwhy)) < 0) {
				log_error("%s:%u: bad rule: %s", path, lineno,
				    rwhy);
				rc = -EINVAL;
			}
			continue;
		}
		if ((eq = strchr(key, '=')) == NULL) {
			log_error("%s:%u: expected 'key = value'", path,
			    lineno);
			rc = -EINVAL;
			continue;
		}
		*eq = '\0';
		key = config_trim(key);
		val = config_trim(eq + 1);
		for (i = 0; i < CONFIG_NKEYS; i++)
			if (strcmp(config_keys[i].name, key) == 0) {
				k = &config_keys[i];
				break;
			}
		if (k == NULL) {
			log_error("%s:%u: unknown key '%s'", path, lineno, key);
			rc = -EINVAL;
			continue;
		}
		if (seen[i]) {
			log_error("%s:%u: '%s' given twice", path, lineno, key);
			rc = -EINVAL;
			continue;
		}
		seen[i] = true;
		if (*val == '\0') {
			log_error("%s:%u: '%s' needs a value", path, lineno,
			    key);
			rc = -EINVAL;
			continue;
		}
		if ((why = config_set(&c, k, val)) != NULL) {
			log_error("%s:%u: bad value '%s' for '%s': %s", path,
			    lineno, val, key, why);
			rc = -EINVAL;
		}
	}
	free(buf);
	if (rc == 0) {
		policy_new_gen(&c.policy);
		*out = c;
	}
	return rc;
}
