#!/usr/bin/env bash
# redox-check.sh - run relibc's redox_ring test programs, unchanged,
# against this build: the acceptance check of "Running Redox ring
# programs" (README.md).
#
#   scripts/redox-check.sh [--installed] [--keep] [--timeout SECONDS] DIR
#
# DIR holds relibc's tests/redox_ring.c, redox_ring_dyn.c and
# redox_ring_ramfs.c, which the user fetches from relibc (the project
# never ships them).  The script compiles each with relibc's test flags
# plus `pkg-config --cflags --libs redox-ring` (the uninstalled pc file of
# the build tree, BUILD/pkgconfig, unless --installed), starts a private
# ringd with `blkdev-scheme -n disk.pci-0000-00-06.0-nvme -s 256M` and
# `ramfs-scheme -n logging`, and runs each program as
# `ringctl exec -- ./PROG` in a temporary directory.  A program passes when
# it exits 0 and prints "Tests finished successfully!"; its MB/s lines
# are shown.  Exit status: 0 every program passed, 1 one failed, 2 usage.
#
# ringctl exec needs root (a private mount namespace over /scheme), or an
# existing /scheme and unprivileged user namespaces (ringctl(1)).  Everything the script
# starts is stopped on every exit path (a trap on EXIT that signals its
# own pids only) and its temporary directory is removed (--keep keeps it,
# with every program's output and the daemons' logs).
set -eu

usage() {
	echo "usage: scripts/redox-check.sh [--installed] [--keep]" \
		"[--timeout SECONDS] DIR"
}

installed=0
keep=0
limit=300
src=
while [ $# -gt 0 ]; do
	case $1 in
	--installed) installed=1 ;;
	--keep) keep=1 ;;
	--timeout)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		case $2 in
		'' | *[!0-9]* | 0) echo "redox-check: bad timeout '$2'" >&2; exit 2 ;;
		esac
		limit=$2
		shift
		;;
	-h | --help) usage; exit 0 ;;
	-*) echo "redox-check: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*)
		[ -z "$src" ] || { usage >&2; exit 2; }
		src=$1
		;;
	esac
	shift
done
[ -n "$src" ] || { usage >&2; exit 2; }
progs=(redox_ring redox_ring_dyn redox_ring_ramfs)
if ! abs=$(cd "$src" 2>/dev/null && pwd); then
	echo "redox-check: no directory '$src'" >&2
	exit 2
fi
src=$abs
for p in "${progs[@]}"; do
	if [ ! -r "$src/$p.c" ]; then
		echo "redox-check: no '$src/$p.c' (relibc's tests/$p.c)" >&2
		exit 2
	fi
done

cd "$(dirname "$0")/.."
top=$(pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
for b in ringd/ringd ringctl/ringctl examples/blkdev-scheme \
	examples/ramfs-scheme; do
	if [ ! -x "$build/$b" ]; then
		echo "redox-check: no '$build/$b'; build with 'make' first" >&2
		exit 1
	fi
done
if [ "$installed" -eq 0 ]; then
	# the build tree's pc file: its -L and rpath name the build tree
	export PKG_CONFIG_PATH=$build/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
fi
if ! pc=$(pkg-config --cflags --libs redox-ring); then
	echo "redox-check: pkg-config knows no redox-ring" \
		"(PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-})" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/redox-check.XXXXXX")
pids=()
cleanup() {
	local p
	trap - INT TERM
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "$keep" -eq 1 ]; then
		echo "redox-check: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# relibc's tests/Makefile flags, with the glibc feature macros it adds
# for a native libc
cc=${CC:-cc}
flags=(-fno-builtin -fno-stack-protector -Wall -Wextra -Werror
	-Wno-deprecated-declarations -pedantic -g -D_POSIX_C_SOURCE=200809L
	-D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_GNU_SOURCE)
for p in "${progs[@]}"; do
	# shellcheck disable=SC2086 # pkg-config's output is words on purpose
	if ! "$cc" "${flags[@]}" "$src/$p.c" $pc -o "$dir/$p" \
		2>"$dir/$p.cc.log"; then
		echo "redox-check: $p.c does not compile:" >&2
		cat "$dir/$p.cc.log" >&2
		exit 1
	fi
done
echo "redox-check: compiled ${progs[*]} with relibc's flags and: $pc"

export RINGD_SOCKET=$dir/ringd.sock
ctl=$build/ringctl/ringctl
"$build"/ringd/ringd -f -l warning 2>"$dir/ringd.log" &
pids+=($!)
for _ in $(seq 100); do
	"$ctl" status >/dev/null 2>&1 && break
	sleep 0.05
done
if ! "$ctl" status >/dev/null 2>&1; then
	echo "redox-check: ringd did not start:" >&2
	cat "$dir/ringd.log" >&2
	exit 1
fi

disk=disk.pci-0000-00-06.0-nvme
"$build"/examples/blkdev-scheme -n "$disk" -s 256M 2>"$dir/disk.log" &
pids+=($!)
"$build"/examples/ramfs-scheme -n logging 2>"$dir/logging.log" &
pids+=($!)
# ready when a program under ringctl exec sees both directories
ready=0
for _ in $(seq 100); do
	if "$ctl" exec -- test -e "/scheme/$disk/1" 2>/dev/null &&
		"$ctl" exec -- test -d /scheme/logging 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.05
done
if [ "$ready" -eq 0 ]; then
	echo "redox-check: /scheme/$disk/1 and /scheme/logging do not" \
		"show under 'ringctl exec':" >&2
	"$ctl" exec -- ls -l /scheme >&2 || true
	sed 's/^/  disk: /' "$dir/disk.log" >&2
	sed 's/^/  logging: /' "$dir/logging.log" >&2
	exit 1
fi
echo "redox-check: private ringd on $RINGD_SOCKET with schemes $disk and logging"

failed=0
cd "$dir"
for p in "${progs[@]}"; do
	st=0
	timeout -k 10 "$limit" "$ctl" exec -- "./$p" >"$p.out" 2>"$p.err" ||
		st=$?
	if [ "$st" -eq 0 ] && grep -qx 'Tests finished successfully!' "$p.out"; then
		echo "PASS $p"
	else
		[ "$st" -ne 124 ] || echo "redox-check: $p: no end after $limit s" >&2
		echo "FAIL $p (exit status $st)"
		sed 's/^/  out: /' "$p.out"
		sed 's/^/  err: /' "$p.err"
		failed=$((failed + 1))
	fi
	grep 'MB/s' "$p.out" | sed 's/^/  /' || true
done
if [ "$failed" -ne 0 ]; then
	echo "redox-check: $failed of ${#progs[@]} programs FAILED"
	sed 's/^/  ringd: /' ringd.log
	exit 1
fi
echo "redox-check: all ${#progs[@]} programs passed"
