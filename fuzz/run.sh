#!/bin/sh
# run.sh - run one libFuzzer target from its seed corpus.
#
#   fuzz/run.sh FUZZ_DIR TARGET SECONDS [libFuzzer options...]
#
# FUZZ_DIR holds the binaries (make fuzz: $(BUILD)/fuzz).  New inputs go to
# FUZZ_DIR/corpus-TARGET, never into the seeds in fuzz/corpus/TARGET; a
# crash is written to FUZZ_DIR/crash-TARGET-* and fails the run.  The last
# line is libFuzzer's "Done N runs in S second(s)".
set -eu
cd "$(dirname "$0")/.."
if [ $# -lt 3 ]; then
	echo "usage: fuzz/run.sh FUZZ_DIR TARGET SECONDS [option...]" >&2
	exit 2
fi
dir=$1 target=$2 secs=$3
shift 3
bin=$dir/fuzz-$target
seeds=fuzz/corpus/$target
if [ ! -x "$bin" ]; then
	echo "fuzz/run.sh: no binary '$bin' (run 'make fuzz')" >&2
	exit 1
fi
if [ ! -d "$seeds" ]; then
	echo "fuzz/run.sh: no seed corpus '$seeds'" >&2
	exit 1
fi
mkdir -p "$dir/corpus-$target"
echo "# fuzz-$target: $secs s"
# -close_fd_mask=3: the targets' own output (ringctl's messages) is noise.
# -timeout is wall-clock time per input, and so is -report_slow_units:
# 60 s, because on a loaded machine (a fuzzer at low priority among
# builds) inputs of a few milliseconds waited more than 10 s for a core;
# a real hang still ends the run.
"$bin" -max_total_time="$secs" -close_fd_mask=3 -print_final_stats=1 \
	-artifact_prefix="$dir/crash-$target-" -max_len=4200 -timeout=60 \
	-report_slow_units=60 \
	"$@" "$dir/corpus-$target" "$seeds" 2>&1 |
	grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==|SUMMARY|#[0-9]+ +DONE)|ERROR|crash|leak' || true
# libFuzzer's status is lost in the pipe: a crash leaves an artifact
if ls "$dir/crash-$target-"* >/dev/null 2>&1; then
	echo "fuzz/run.sh: fuzz-$target found a crash: $(ls "$dir/crash-$target-"*)" >&2
	exit 1
fi
