#!/usr/bin/env bash
# ci.sh - the whole CI job: build warning-free with gcc and clang, run the
# test suite plain and under ASan+UBSan, smoke the benchmark, lint the man
# pages, install into a staging root and build the README example against
# it.  Every step counts; the last line, and the only one of its form, is
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

# Missing Debian packages first (needs root or sudo); nothing else runs without them.
scripts/deps.sh test || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() {
	local name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		sed 's/^/    /' "$tmp/out" | tail -n 40
		failed=$((failed + 1))
	fi
}

# A test run adds its own counts; its output is shown as it goes, its
# closing tally reworded so that only the job's last line has that form.
suite() {
	local name=$1 line p f rc
	shift
	echo "# $name"
	"$@" 2>&1 | tee "$tmp/suite" |
		sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/# '"$name"': \1 ok, \2 not ok/'
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/suite" | tail -n 1)
	if [ -z "$line" ]; then
		echo "not ok - $name: no summary line"
		failed=$((failed + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	passed=$((passed + p))
	failed=$((failed + f))
	# a run that failed without counting it still fails the job
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exited non-zero"
		failed=$((failed + 1))
	fi
}

# The warning checks compile everything, in build directories of their
# own; the gcc one is then the build the suite, the units, the bench
# smoke, memcheck and the install use (the same objects: one gcc build,
# not two).  It is build-ci/ in the tree, beside build/: tests find the
# sources from it (BUILD/../) and run its programs as other uids.
werror='-O2 -g -Werror'
jobs=-j$(nproc 2>/dev/null || echo 2)
gcc_build=build-ci
rm -rf "$gcc_build"
gcc_make=(make -s BUILD="$gcc_build" CC=gcc CFLAGS="$werror")
step "build from scratch (gcc, -Werror)" \
	"${gcc_make[@]}" "$jobs" all tests bench-build
step "build from scratch (clang, -Werror)" \
	make -s "$jobs" BUILD="$tmp/clang" CC=clang CFLAGS="$werror" all tests bench-build
rm -rf "$tmp/clang"
suite "tests" "${gcc_make[@]}" check
suite "tests under ASan+UBSan" make -s check SAN=1
# The units as installed, pointing at this build's ringd.
units() {
	local d=$tmp/units
	mkdir -p "$d" &&
		sed "s|/usr/local/sbin/ringd|$PWD/$gcc_build/ringd/ringd|" ringd/ringd.service >"$d/ringd.service" &&
		cp ringd/ringd.socket "$d/" &&
		(cd "$d" && systemd-analyze verify --man=no ./ringd.socket ./ringd.service)
}
step "systemd units verify" units
step "bench smoke" "${gcc_make[@]}" bench-smoke
step "man pages lint clean" make -s lint-man
# libFuzzer targets, a few seconds each from their seeds (docs/hardening.md)
step "fuzz smoke" make -s BUILD="$tmp/fuzz" fuzz-smoke
# memcheck on a subset of the suites, scaled down (docs/hardening.md)
memcheck() {
	local t
	for t in t-abi t-hostile t-phys-range t-ctl-dead t-hostile-clients \
		t-redox-api; do
		RING_TEST_SCALE=0.05 valgrind -q --error-exitcode=99 \
			--leak-check=full --errors-for-leak-kinds=definite \
			"$gcc_build/tests/$t" >"$tmp/vg-$t" 2>&1 || { cat "$tmp/vg-$t"; return 1; }
		grep -q '^not ok' "$tmp/vg-$t" && { cat "$tmp/vg-$t"; return 1; }
	done
	return 0
}
step "valgrind memcheck (subset)" memcheck

example() {
	local root=$tmp/root pc libdir
	"${gcc_make[@]}" install DESTDIR="$root" PREFIX=/opt/ringd &&
		pc=$(find "$root" -name libring.pc) && [ -n "$pc" ] &&
		libdir=$(dirname "$(dirname "${pc#"$root"}")") &&
		awk '/^```c$/ && !done { on = 1; next } on && /^```$/ { on = 0; done = 1 } on' \
			README.md >"$tmp/readme.c" &&
		cmp -s "$tmp/readme.c" examples/hello.c &&
		PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root$libdir/pkgconfig" \
			cc -Wall -Wextra -Werror -o "$tmp/hello" "$tmp/readme.c" \
			$(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root$libdir/pkgconfig" \
				pkg-config --cflags --libs libring) &&
		LD_LIBRARY_PATH="$root$libdir" "$tmp/hello" | grep -q 'user_data=42 status=0' &&
		"${gcc_make[@]}" uninstall DESTDIR="$root" PREFIX=/opt/ringd &&
		[ -z "$(find "$root" -mindepth 1)" ]
}
step "install, README example via pkg-config, uninstall" example
# The Debian packages: build, lintian, install, the secure default, purge.
if [ "$(id -u)" -eq 0 ]; then
	step "Debian packages: build, lintian, install, secure default, purge" \
		scripts/check-deb.sh
else
	echo "ok - Debian packages # SKIP not root (scripts/check-deb.sh)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
