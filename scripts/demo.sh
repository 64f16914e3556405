#!/usr/bin/env bash
# demo.sh - the main job as far as the suite goes today: build, start a
# private ringd with the ramfile example scheme and a few clients moving
# data through it, then run the ring benchmark.  Everything it starts is
# stopped on exit, whatever happens.
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh
make -s all bench-build

build=${BUILD:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/ringd-demo.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export RINGD_SOCKET=$dir/ringd.sock
"$build"/ringd/ringd -f -l warning &
pids+=($!)
for _ in $(seq 50); do [ -S "$RINGD_SOCKET" ] && break; sleep 0.1; done

"$build"/examples/ramfile-scheme -s $((64 << 20)) 2>/dev/null &
pids+=($!)
sleep 0.3

echo "== three clients through ringd to the ramfile scheme (write, read back, compare)"
"$build"/examples/ramfile-client -b 512 -c 8192 -q 64 -p 4 -o 0 | sed 's/^/  512 B blocks:  /' &
c1=$!
"$build"/examples/ramfile-client -b 4096 -c 4096 -q 16 -p 4 -o $((8 << 20)) | sed 's/^/  4 KiB blocks:  /' &
c2=$!
"$build"/examples/ramfile-client -b 65536 -c 512 -q 4 -p 4 -o $((24 << 20)) | sed 's/^/  64 KiB blocks: /' &
c3=$!
wait $c1 && wait $c2 && wait $c3

echo
echo "== ring benchmark"
"$build"/bench/ring-bench
