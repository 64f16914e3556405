#!/usr/bin/env bash
# demo.sh - the main job: the storage story end to end.  Installs what is
# missing, builds, starts a private ringd, two block devices served by
# blkdev-scheme (one that addresses only 32 bits) and four blkdev-driver
# clients with different request sizes and rates (one deliberately slow
# to reap its completions, so a backlog builds up), then opens ringtop on
# them.  Quitting ringtop stops everything the script started.
#
# With --batch, or when standard output is not a terminal, it prints a few
# ringtop batch frames instead, then stops the drivers and prints what
# each one did; it fails unless every driver moved data and read some of
# it back and verified it (a run too short for a driver to come back to a
# block it wrote says so and fails).
#
# Everything it starts is stopped on every exit path (a trap on EXIT that
# signals its own pids only), and its temporary directory is removed.
set -eu

usage() {
	echo "usage: scripts/demo.sh [--batch] [--frames N] [--no-build]"
}

batch=0
build_it=1
frames=4
while [ $# -gt 0 ]; do
	case $1 in
	--batch | -b) batch=1 ;;
	--no-build) build_it=0 ;;
	--frames)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		case $2 in
		'' | *[!0-9]* | 0) echo "demo: bad frame count '$2'" >&2; exit 2 ;;
		esac
		frames=$2
		shift
		;;
	-h | --help) usage; exit 0 ;;
	*) echo "demo: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[ -t 0 ] && [ -t 1 ] || batch=1

cd "$(dirname "$0")/.."
if [ "$build_it" -eq 1 ]; then
	scripts/deps.sh demo
	echo "demo: building (make all)"
	make -s -j"$(nproc 2>/dev/null || echo 2)" all
fi
build=${BUILD:-build}
for b in ringd/ringd ringtop/ringtop ringctl/ringctl \
	examples/blkdev-scheme examples/blkdev-driver; do
	if [ ! -x "$build/$b" ]; then
		echo "demo: no '$build/$b'; build with 'make' first" >&2
		exit 1
	fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/ringd-demo.XXXXXX")
pids=()
cleanup() {
	local p
	trap - INT TERM
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

export RINGD_SOCKET=$dir/ringd.sock
cat >"$dir/ringd.conf" <<EOF
# the demo's private ringd: drivers of any uid may allocate DMA memory
phys_allow_users = yes
EOF
"$build"/ringd/ringd -f -c "$dir/ringd.conf" -l warning 2>"$dir/ringd.log" &
pids+=($!)
for _ in $(seq 100); do
	"$build"/ringctl/ringctl status >/dev/null 2>&1 && break
	sleep 0.05
done
if ! "$build"/ringctl/ringctl status >/dev/null 2>&1; then
	echo "demo: ringd did not start:" >&2
	cat "$dir/ringd.log" >&2
	exit 1
fi
echo "demo: private ringd on $RINGD_SOCKET (files in $dir)"

# Two devices: a 256 MiB disk in a file, and one that addresses 32 bits.
"$build"/examples/blkdev-scheme -n disk0 -s 256M -f "$dir/disk0.img" \
	2>"$dir/disk0.log" &
pids+=($!)
"$build"/examples/blkdev-scheme -n disk32 -s 64M -3 2>"$dir/disk32.log" &
pids+=($!)
for _ in $(seq 100); do
	"$build"/ringctl/ringctl probe disk0 >/dev/null 2>&1 &&
		"$build"/ringctl/ringctl probe disk32 >/dev/null 2>&1 && break
	sleep 0.05
done

# name, scheme, then blkdev-driver's options: verified load until stopped
clients=(
	"fast disk0 -b 4K -q 32 -o 0 -l 16M"
	"large disk0 -b 128K -q 8 -r 400 -o 64M -l 64M"
	"slow disk0 -b 4K -q 16 -d 20 -o 128M -l 256K"
	"dma32 disk32 -b 64K -q 8 -g 4 -r 200 -l 8M"
)
dpids=()
for c in "${clients[@]}"; do
	read -r name scheme opts <<<"$c"
	# shellcheck disable=SC2086 # opts are words on purpose
	"$build"/examples/blkdev-driver -n "$scheme" -m load $opts \
		>"$dir/$name.out" 2>"$dir/$name.err" &
	pids+=($!)
	dpids+=($!)
	echo "demo: driver '$name' on $scheme: $opts"
done
sleep 0.5

if [ "$batch" -eq 0 ]; then
	echo "demo: starting ringtop; press q to quit and stop everything"
	sleep 1
	"$build"/ringtop/ringtop
	exit 0
fi

echo
"$build"/ringtop/ringtop -b -n "$frames" -d 1
echo

# Stop the drivers: each prints what it did and exits 0 if all was well.
for p in "${dpids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
failed=0
unread=()
i=0
echo "summary:"
for c in "${clients[@]}"; do
	read -r name _ <<<"$c"
	st=0
	wait "${dpids[$i]}" || st=$?
	i=$((i + 1))
	line=$(tail -n 1 "$dir/$name.out" 2>/dev/null || true)
	line=${line#blkdev-driver: }
	reqs=$(printf '%s\n' "$line" | sed -n 's/^load: \([0-9]*\) requests.*/\1/p')
	reads=$(printf '%s\n' "$line" |
		sed -n 's/^load: [0-9]* requests (\([0-9]*\) reads,.*/\1/p')
	printf '  %-6s %s\n' "$name" "${line:-no report}"
	if [ "$st" -ne 0 ] || [ -z "$reqs" ] || [ "$reqs" -eq 0 ] ||
		[ -z "$reads" ]; then
		echo "demo: driver '$name' failed (status $st):" >&2
		sed 's/^/  /' "$dir/$name.err" >&2
		failed=1
	elif [ "$reads" -eq 0 ]; then
		unread+=("$name")
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "demo: FAILED"
	exit 1
fi
if [ "${#unread[@]}" -ne 0 ]; then
	echo "demo: FAILED: driver(s) ${unread[*]} wrote data but read none" \
		"back, so nothing of theirs was verified; run longer (--frames N)"
	exit 1
fi
echo "demo: every driver moved data through ringd, read it back and verified it"
