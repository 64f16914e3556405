#!/usr/bin/env bash
# fresh-debian.sh - run the README's two commands, copied from README.md,
# in a freshly installed Debian 12 root, as a newcomer would.
#
#   scripts/fresh-debian.sh [--sudo] [--root-tar FILE] [--keep] [demo | test | both]
#
# The root is made with mmdebstrap (Debian's "standard" package set plus
# git, as a fresh install with git has), or unpacked from a tarball that
# mmdebstrap made (--root-tar, to check more than once without fetching it
# again).  The committed tree (HEAD) is cloned into it, /proc, /sys, /dev
# and /run are mounted, and the chosen command runs there:
#
#   demo   the main-job command (batch form: no terminal), run twice; the
#          second run must install nothing
#   test   the test command; it must end with "N passed, 0 failed"
#   both   demo, then test (the default)
#
# With --sudo the commands run as an ordinary user, "newbie", who may use
# sudo (sudo is added to the root for it), in a clone of their own.
#
# Needs root, mmdebstrap (or --root-tar) and Debian's mirror.  Everything
# it mounts is unmounted and the root removed on every exit path, unless
# --keep.  This is a check for people, not a CI step: it takes 15 to 25
# minutes and downloads about 1 GB.
set -eu

usage() {
	echo "usage: scripts/fresh-debian.sh [--sudo] [--root-tar FILE] [--keep]" \
		"[demo | test | both]"
}

sudo_user=0
tarball=
keep=0
what=both
while [ $# -gt 0 ]; do
	case $1 in
	--sudo) sudo_user=1 ;;
	--keep) keep=1 ;;
	--root-tar)
		[ $# -ge 2 ] || { usage >&2; exit 2; }
		tarball=$2
		shift
		;;
	demo | test | both) what=$1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "fresh-debian: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian: must run as root" >&2; exit 1; }
cd "$(dirname "$0")/.."
src=$PWD

# The README's commands: the first two indented lines of "Quick start".
readme_cmd() {
	awk -v n="$1" '/^## Quick start/ { on = 1; next }
		on && /^## / { exit }
		on && /^    [^ ]/ { if (++i == n) { sub(/^    /, ""); print; exit } }' \
		README.md
}
demo_cmd=$(readme_cmd 1)
test_cmd=$(readme_cmd 2)
[ -n "$demo_cmd" ] && [ -n "$test_cmd" ] || {
	echo "fresh-debian: cannot find the two commands in README.md" >&2
	exit 1
}
echo "fresh-debian: main job: $demo_cmd"
echo "fresh-debian: tests:    $test_cmd"

root=$(mktemp -d "${TMPDIR:-/var/tmp}/ringd-fresh.XXXXXX")
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[$i]}" 2>/dev/null || true
	done
	if [ "$keep" -eq 1 ]; then
		echo "fresh-debian: root kept in $root"
	else
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [ -n "$tarball" ]; then
	echo "fresh-debian: unpacking $tarball"
	tar -C "$root" -xpf "$tarball"
else
	command -v mmdebstrap >/dev/null || {
		echo "fresh-debian: needs mmdebstrap (apt-get install mmdebstrap)" >&2
		exit 1
	}
	mmdebstrap --variant=standard --include=git bookworm "$root"
fi
for b in make gcc cc pkg-config; do
	if [ -e "$root/usr/bin/$b" ]; then
		echo "fresh-debian: the fresh root already has $b; not a fresh install" >&2
		exit 1
	fi
done

mnt() {
	mount "$@"
	mounts+=("${*: -1}")
}
mnt -t proc proc "$root/proc"
mnt -t sysfs sysfs "$root/sys"
mnt --rbind /dev "$root/dev"
mnt -t tmpfs tmpfs "$root/run"
mnt -t tmpfs tmpfs "$root/tmp"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# this machine's name, as an installed system knows its own (sudo asks)
echo "127.0.1.1 $(hostname)" >>"$root/etc/hosts"

in_root() {
	chroot "$root" /usr/bin/env -i TERM=dumb HOME=/root \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -c "$1" </dev/null
}

if [ "$sudo_user" -eq 1 ]; then
	in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo >/dev/null &&
		useradd -m -s /bin/bash newbie &&
		echo "newbie ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/newbie'
	home=/home/newbie
	as_user() { in_root "su - newbie -c 'cd ringd && $1'"; }
else
	home=/root
	as_user() { in_root "cd /root/ringd && $1"; }
fi
git clone -q --no-local "$src" "$root$home/ringd"
[ "$sudo_user" -eq 1 ] && in_root "chown -R newbie: $home/ringd"

if [ "$what" != test ]; then
	echo "fresh-debian: running the main job (first time)"
	as_user "$demo_cmd" 2>&1 | tee "$root/demo1.log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fresh-debian: main job FAILED"; exit 1; }
	echo "fresh-debian: running the main job (second time)"
	as_user "$demo_cmd" 2>&1 | tee "$root/demo2.log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fresh-debian: main job FAILED on its second run"; exit 1; }
	if grep -q '^deps: installing' "$root/demo2.log"; then
		echo "fresh-debian: the second run installed packages again"
		exit 1
	fi
fi
if [ "$what" != demo ]; then
	echo "fresh-debian: running the test command"
	as_user "$test_cmd" 2>&1 | tee "$root/test.log"
	rc=${PIPESTATUS[0]}
	last=$(tail -n 1 "$root/test.log")
	if [ "$rc" -ne 0 ] || ! printf '%s\n' "$last" | grep -Eq '^[0-9]+ passed, 0 failed$'; then
		echo "fresh-debian: test command FAILED (status $rc, last line '$last')"
		exit 1
	fi
	if [ "$(grep -Ec '^[0-9]+ passed, [0-9]+ failed$' "$root/test.log")" -ne 1 ]; then
		echo "fresh-debian: the test log has more than one tally line"
		exit 1
	fi
fi
echo "fresh-debian: OK ($what$([ "$sudo_user" -eq 1 ] && echo ', as a sudo user'))"
