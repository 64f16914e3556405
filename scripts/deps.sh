#!/bin/sh
# deps.sh [demo | test] - install the Debian packages a job needs, when any
# is missing.
#
#   demo  what it takes to build the suite and run the demo (the default)
#   test  everything the CI job uses: a second compiler, the sanitizer and
#         fuzzer runtimes, valgrind, tmux, the packaging tools...
#
# It says what it installs and why, then lets apt-get show its progress.
# Nothing is installed when nothing is missing, so a second run is silent.
# apt-get runs as root, or through sudo for another user.
set -eu

# One package a line: "name why".  The demo set is part of the test set.
DEMO_PKGS='
make		runs the build
gcc		compiles the suite
libc6-dev	C library headers
pkg-config	finds the libraries below
libbsd-dev	ringd (strlcpy, strtonum, tree macros)
libjson-c-dev	JSON output of ringctl and ringtop
libncurses-dev	ringtop'"'"'s screen
libreadline-dev	the ringctl shell
liburing-dev	blkdev-scheme'"'"'s reads, the benchmark'"'"'s io_uring comparator
'
TEST_PKGS='
clang			the second -Werror build and the fuzz targets
libclang-rt-14-dev	libFuzzer runtime for the fuzz smoke
valgrind		the memcheck step
tmux			ringtop and shell tests in a real terminal
zsh			zsh completion tests
python3-prometheus-client	parses ringctl metrics in the tests
prometheus		promtool and a real server scrape ringctl metrics --listen
curl			scrapes ringctl metrics --listen in the tests
mandoc			man page lint
man-db			checks the installed man page links
systemd			systemd-analyze verify of the units
dpkg-dev		builds the Debian packages
build-essential		dpkg-buildpackage requires it
debhelper		builds the Debian packages
lintian			checks the Debian packages
'

usage() {
	echo "usage: scripts/deps.sh [demo | test]"
}

case ${1:-demo} in
demo) want=$DEMO_PKGS; job="build the suite and run the demo" ;;
test) want="$DEMO_PKGS$TEST_PKGS"; job="build and test the suite" ;;
-h | --help) usage; exit 0 ;;
*) usage >&2; exit 2 ;;
esac

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=
why=
n=0
nl='
'
while read -r p reason; do
	[ -n "$p" ] || continue
	installed "$p" && continue
	missing="$missing $p"
	why="$why  $p: $reason$nl"
	n=$((n + 1))
done <<EOF
$want
EOF
[ "$n" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	echo "deps: $n Debian packages missing to $job:$missing" >&2
	echo "deps: run this as root, or install sudo, to have them installed" >&2
	exit 1
fi

printf 'deps: installing %d Debian packages to %s:\n%s' "$n" "$job" "$why"
$SUDO apt-get update || {
	echo "deps: apt-get update failed; check /etc/apt/sources.list" >&2
	exit 1
}
# shellcheck disable=SC2086 # one word a package
$SUDO env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends $missing || {
	echo "deps: apt-get install failed:$missing" >&2
	exit 1
}
echo "deps: done"
