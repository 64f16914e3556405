#!/bin/sh
# deps.sh - install the Debian packages the suite needs to build, test and
# benchmark, when any is missing.  Runs apt-get as root (or through sudo).
set -eu

PKGS="make gcc clang pkg-config liburing-dev libbsd-dev libjson-c-dev
libncurses-dev libreadline-dev mandoc tmux valgrind libclang-rt-14-dev systemd
python3-prometheus-client zsh"

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=
elif command -v sudo >/dev/null 2>&1; then
	SUDO=sudo
else
	echo "deps: missing packages:$missing; run as root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
