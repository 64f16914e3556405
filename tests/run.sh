#!/usr/bin/env bash
#
# run.sh BUILD_DIR - run every BUILD_DIR/tests/t-* program and sum up.
#
# Each program speaks TAP (tests/lib/tap.h): one line per sub-test,
# "ok - NAME" or "not ok - NAME: reason (file:line)", and the plan "1..N"
# last, so "prove -e '' BUILD_DIR/tests/t-ring-queue" reads one too.  This
# script echoes those lines, counts them
# and ends with exactly one line "N passed, N failed".  A program that
# crashes, hangs past its time limit, prints nothing, or exits non-zero
# without printing a "not ok" line counts as one more failure.
#
# Environment: RING_TEST_SCALE (default 1) scales iteration counts, e.g.
# 0.05 under valgrind; RING_TEST_TIMEOUT (default 600) limits each program,
# in seconds; RING_TEST_WRAP is an optional command put in front of each
# program (e.g. "valgrind -q --error-exitcode=99").

set -u

if [ $# -ne 1 ]; then
	echo "usage: tests/run.sh BUILD_DIR" >&2
	exit 2
fi
build=$1
export RING_TEST_SCALE="${RING_TEST_SCALE:-1}"
limit="${RING_TEST_TIMEOUT:-600}"
wrap="${RING_TEST_WRAP:-}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ring-tests.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
progs=()
for p in "$build"/tests/t-*; do
	case $p in
	*.o | *.d) continue ;;
	esac
	[ -f "$p" ] && [ -x "$p" ] && progs+=("$p")
done

if [ ${#progs[@]} -eq 0 ]; then
	echo "not ok - run.sh: no test programs in '$build/tests'"
	echo "0 passed, 1 failed"
	exit 1
fi

for p in "${progs[@]}"; do
	name=${p##*/}
	out="$tmp/$name.out"
	echo "# $name"
	start=$SECONDS
	# shellcheck disable=SC2086 # $wrap is a command line on purpose
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 10 "$limit" $wrap "$p" </dev/null 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	else
		$wrap "$p" </dev/null 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	fi
	ok=$(grep -c '^ok - ' "$out")
	bad=$(grep -c '^not ok - ' "$out")
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			why="killed after ${limit} s"
		elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		else
			why="exited with status $rc"
		fi
		echo "not ok - $name: $why without reporting a failure"
		bad=$((bad + 1))
		failed=$((failed + 1))
	elif [ "$rc" -eq 0 ] && [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then
		echo "not ok - $name: ran no sub-test"
		bad=$((bad + 1))
		failed=$((failed + 1))
	fi
	echo "# $name: $ok ok, $bad not ok, $((SECONDS - start)) s"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
