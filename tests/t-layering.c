/*
 * t-layering.c - libring's data path stands alone: a program that only
 * creates, opens and uses rings, linked statically against libring.a,
 * carries none of the ringd control client, the protocol or the
 * physalloc3 client, and the data path's own objects call none of them.
 *
 * Both checks read symbol tables with nm(1) on this build's files
 * (examples/hello, the README's example, and BUILD/lib/NAME.o); a missing
 * nm skips nothing: it fails.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../common/common.h"
#include "lib/tap.h"

/* The prefixes of everything above the data path. */
static const char *const lay_banned[] = { "ring_ctl_", "proto_",
	"ring_phys_", "ring_physalloc", "ring_physfree", "ring_physmap" };

/* The objects of lib/ that make up the data path. */
static const char *const lay_datapath[] = { "pair", "queue", "entry", "stats",
	"wait", "held", "pool", "range", "opcode" };

static bool
lay_is_banned(const char *sym)
{
	size_t i;

	for (i = 0; i < sizeof(lay_banned) / sizeof(lay_banned[0]); i++)
		if (strncmp(sym, lay_banned[i], strlen(lay_banned[i])) == 0)
			return true;
	return false;
}

/*
 * Run nm with opts on path and fail naming every banned symbol it lists;
 * returns how many symbols it read, so that an empty output fails too.
 */
static unsigned
lay_check(const char *opts, const char *path)
{
	char cmd[PATH_MAX + 64], line[512], *sym;
	unsigned n = 0, bad = 0;
	FILE *f;
	int rc;

	snprintf(cmd, sizeof(cmd), "nm %s '%s' 2>&1", opts, path);
	f = popen(cmd, "r");
	TAP_ASSERT(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		sym = strrchr(line, ' ');
		sym = sym != NULL ? sym + 1 : line;
		n++;
		if (lay_is_banned(sym)) {
			printf("# %s: %s\n", path, sym);
			bad++;
		}
	}
	rc = pclose(f);
	if (rc != 0)
		TAP_FAIL("nm %s exited with status %d", path, rc);
	if (bad > 0)
		TAP_FAIL("%s refers to %u control-client symbols", path, bad);
	return n;
}

/* The statically linked hello example: nothing above the data path. */
static void
test_hello_static(void)
{
	char path[PATH_MAX];

	TAP_OK(build_path(NULL, "examples/hello", path, sizeof(path)));
	TAP_ASSERT(lay_check("", path) > 0);
}

/*
 * Each data-path object calls nothing above the data path (its undefined
 * symbols), whatever the example happens to use.
 */
static void
test_datapath_objects(void)
{
	char hello[PATH_MAX], path[PATH_MAX + 32], *end;
	size_t i;

	TAP_OK(build_path(NULL, "examples/hello", hello, sizeof(hello)));
	end = strstr(hello, "/examples/hello");
	TAP_ASSERT(end != NULL);
	*end = '\0';
	for (i = 0; i < sizeof(lay_datapath) / sizeof(lay_datapath[0]); i++) {
		snprintf(path, sizeof(path), "%s/lib/%s.o", hello,
		    lay_datapath[i]);
		lay_check("-u", path);
	}
}

int
main(int argc, char **argv)
{
	tap_init(argc, argv);
	tap_run("layering-hello-static", test_hello_static, 0);
	tap_run("layering-datapath-objects", test_datapath_objects, 0);
	return tap_done();
}
