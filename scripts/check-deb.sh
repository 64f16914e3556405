#!/usr/bin/env bash
# check-deb.sh - build the Debian packages from a copy of the tree, lint
# them, install them, check what they installed and the secure default
# (a member of the group ringd reaches ringd, anyone else is refused),
# purge them and check that nothing is left.  As root, on Debian 12.
#
# The copy keeps the tree clean (dpkg-buildpackage writes into debian/ and
# the parent directory).  Without systemd as PID 1 the installed ringd is
# started by hand with the installed configuration as the user ringd, as
# the units would.  Whatever happens, the script stops what it started,
# purges the packages, removes the users it made (and the user and group
# ringd, unless they existed before) and its temporary directory (CHECK_DEB_KEEP=1 keeps the
# latter, with the packages and logs).  Exit status 0 or 1; the last line
# is "check-deb: ok" or "check-deb: FAILED: reason".
set -u

PKGS="libring1 libring-dev ringd ring-examples"
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=
ringd_pid=
member=
outsider=
users_made=no
installed=no
group_existed=yes
user_existed=yes

log() { echo "check-deb: $*"; }

cleanup() {
	local rc=$?

	trap - EXIT INT TERM
	if [ -n "$ringd_pid" ] && kill -0 "$ringd_pid" 2>/dev/null; then
		kill -TERM "$ringd_pid" 2>/dev/null
		wait "$ringd_pid" 2>/dev/null
	fi
	if [ "$installed" = yes ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $PKGS >/dev/null 2>&1
	fi
	if [ "$users_made" = yes ]; then
		userdel "$member" 2>/dev/null
		userdel "$outsider" 2>/dev/null
	fi
	if [ "$user_existed" = no ] && getent passwd ringd >/dev/null; then
		userdel ringd 2>/dev/null
	fi
	if [ "$group_existed" = no ] && getent group ringd >/dev/null; then
		groupdel ringd 2>/dev/null
	fi
	if [ -n "$tmp" ] && [ -n "${CHECK_DEB_KEEP:-}" ]; then
		echo "check-deb: packages and logs kept in $tmp"
	elif [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
	exit "$rc"
}

fail() {
	log "FAILED: $*"
	exit 1
}

# Run a step, quietly; on failure show the tail of its output and stop.
run() {
	local what=$1 out
	shift
	out=$tmp/step.log
	if ! "$@" >"$out" 2>&1; then
		sed 's/^/    /' "$out" | tail -n 30
		fail "$what"
	fi
	log "ok: $what"
}

trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || fail "run me as root"
for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		fail "package '$p' is installed already: purge it first"
	fi
done
[ -e /etc/ringd.conf ] && fail "/etc/ringd.conf exists and belongs to no package: move it away first"
getent group ringd >/dev/null || group_existed=no
getent passwd ringd >/dev/null || user_existed=no
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-deb.XXXXXX") || fail "mktemp"
chmod 755 "$tmp"
export DEBIAN_FRONTEND=noninteractive

# --- build, in a copy of the tree -----------------------------------------

copy_tree() {
	mkdir -p "$tmp/src" || return 1
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		# tracked and new files, not what .gitignore names (build dirs)
		git -C "$top" ls-files -z --cached --others --exclude-standard |
			(cd "$top" && tar --null --ignore-failed-read -T - -cf -) |
			tar -C "$tmp/src" -xf -
	else
		tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . |
			tar -C "$tmp/src" -xf -
	fi
}
run "copy of the tree in $tmp/src" copy_tree
run "dpkg-buildpackage -us -uc -b" \
	sh -c "cd '$tmp/src' && dpkg-buildpackage -us -uc -b"
changes=$tmp/$(dpkg-parsechangelog -l "$tmp/src/debian/changelog" -S Source)_$(
	dpkg-parsechangelog -l "$tmp/src/debian/changelog" -S Version)_$(
	dpkg --print-architecture).changes
[ -f "$changes" ] || fail "no $changes"
debs=()
for p in $PKGS; do
	f=("$tmp/${p}_"*.deb)
	[ -f "${f[0]}" ] || fail "no package $p"
	debs+=("${f[0]}")
done

# --- lintian: no errors ----------------------------------------------------

# exit status 0 or 1 (tags at error level) is a run; 2 is lintian failing
lintian --tag-display-limit 0 "$changes" >"$tmp/lintian.log" 2>"$tmp/lintian.err"
rc=$?
[ "$rc" -le 1 ] || { sed 's/^/    /' "$tmp/lintian.err"; fail "lintian did not run"; }
nerr=$(grep -c '^E: ' "$tmp/lintian.log")
nwarn=$(grep -c '^W: ' "$tmp/lintian.log")
log "lintian: $nerr errors, $nwarn warnings"
grep -E '^(E|W): ' "$tmp/lintian.log" | sed 's/^/    /'
[ "$nerr" -eq 0 ] || fail "lintian reports errors"

# --- install ------------------------------------------------------------------

installed=yes
run "apt-get install ${debs[*]##*/}" apt-get install -y -q "${debs[@]}"

check_files() {
	local f
	ldconfig -p | grep -q 'libring\.so\.1 ' || { echo "ldconfig -p lacks libring.so.1"; return 1; }
	ldconfig -p | grep -q 'libredox-ring\.so\.1 ' ||
		{ echo "ldconfig -p lacks libredox-ring.so.1"; return 1; }
	for f in ring_open ring_ctl_connect ring_physalloc3 ring_phys_sg_alloc libring \
		redox_ring redox_ring_wait_cqe redox_ring_queue_init_with_path \
		ringctl ringtop blkdev-scheme ramfs-scheme blkdev-driver ring-abi ring-blkdev ringd ringd.conf; do
		man -w "$f" >/dev/null || { echo "man -w $f failed"; return 1; }
	done
	[ -f /etc/ringd.conf ] || { echo "no /etc/ringd.conf"; return 1; }
	dpkg-query -W -f='${Conffiles}\n' ringd | grep -q '^ /etc/ringd.conf ' ||
		{ echo "/etc/ringd.conf is not a conffile"; return 1; }
	getent group ringd >/dev/null || { echo "no group ringd"; return 1; }
	[ "$(id -gn ringd 2>/dev/null)" = ringd ] || { echo "no user ringd in group ringd"; return 1; }
	if ! grep -q '^SocketUser=ringd$' /lib/systemd/system/ringd.socket ||
		! grep -q '^SocketGroup=ringd$' /lib/systemd/system/ringd.socket ||
		! grep -q '^SocketMode=0660$' /lib/systemd/system/ringd.socket; then
		echo "ringd.socket is not ringd:ringd, 0660"
		return 1
	fi
	grep -q '^User=ringd$' /lib/systemd/system/ringd.service ||
		{ echo "ringd.service does not run as ringd"; return 1; }
	/usr/sbin/ringd -t -c /etc/ringd.conf || return 1
	[ "$(pkg-config --modversion libring)" = 0.3.0 ] || { echo "pkg-config libring"; return 1; }
	[ "$(pkg-config --modversion redox-ring)" = 0.3.0 ] || { echo "pkg-config redox-ring"; return 1; }
	# the README's example, against the installed library
	# shellcheck disable=SC2046 # pkg-config's words on purpose
	cc -Wall -Werror -o "$tmp/hello" "$top/examples/hello.c" \
		$(pkg-config --cflags --libs libring) || return 1
	ldd "$tmp/hello" | grep -q 'libring\.so\.1 => /' || { echo "hello not linked to libring.so.1"; return 1; }
	"$tmp/hello" | grep -q 'user_data=42 status=0'
}
run "installed files (ldconfig, man -w, conffile, group, units, pkg-config)" check_files

check_whatis() {
	mandb -q 2>/dev/null
	whatis ringctl | grep -q '^ringctl (1)' && whatis ring_ctl_connect | grep -q '(3)' &&
		whatis blkdev-driver | grep -q '^blkdev-driver (1)'
}
run "whatis ringctl, ring_ctl_connect, blkdev-driver after mandb" check_whatis

# --- the secure default, live ---------------------------------------------------

sock=/run/ringd/ringd.sock
start_ringd() {
	local tries=50
	if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
		systemctl is-active --quiet ringd.socket || systemctl start ringd.socket || return 1
	else
		# as the units would: the installed ringd and configuration, as
		# the user ringd in a /run/ringd of its own (RuntimeDirectory=)
		install -d -o ringd -g ringd -m 755 /run/ringd || return 1
		setpriv --reuid=ringd --regid=ringd --init-groups --no-new-privs \
			--bounding-set=-all --inh-caps=-all \
			/usr/sbin/ringd -f -c /etc/ringd.conf -S "$sock" >"$tmp/ringd.log" 2>&1 &
		ringd_pid=$!
	fi
	while [ "$tries" -gt 0 ] && ! ringctl status >/dev/null 2>&1; do
		sleep 0.1
		tries=$((tries - 1))
	done
	ringctl status || { cat "$tmp/ringd.log" 2>/dev/null; return 1; }
	[ "$(stat -c '%U:%G %a' "$sock")" = "ringd:ringd 660" ] ||
		{ stat -c '%U:%G %a' "$sock"; return 1; }
	if [ -n "$ringd_pid" ] && [ "$(ps -o user= -p "$ringd_pid")" != ringd ]; then
		echo "ringd is not running as ringd"
		return 1
	fi
}
run "ringd serves $sock as the user ringd, ringd:ringd 0660" start_ringd

member=rdchk-m$$
outsider=rdchk-o$$
make_users() {
	users_made=yes
	useradd --system --no-create-home --shell /usr/sbin/nologin -G ringd "$member" &&
		useradd --system --no-create-home --shell /usr/sbin/nologin "$outsider"
}
run "users $member (in ringd) and $outsider (not)" make_users

# Users other than root name the system socket (libring's default for
# them is $XDG_RUNTIME_DIR/ringd.sock).
member_ok() {
	runuser -u "$member" -- ringctl -S "$sock" status &&
		runuser -u "$member" -- ringctl -S "$sock" submit null write data=hello &&
		! runuser -u "$member" -- ringctl -S "$sock" physalloc 4K >"$tmp/out" 2>&1 &&
		cat "$tmp/out" && grep -qi 'not permitted' "$tmp/out"
}
run "a member of ringd: ringctl status and submit work, physalloc gets EPERM" member_ok

outsider_refused() {
	local rc=0
	runuser -u "$outsider" -- ringctl -S "$sock" status >"$tmp/out" 2>&1 || rc=$?
	cat "$tmp/out"
	[ "$rc" -eq 3 ] && grep -qi 'permission denied' "$tmp/out"
}
run "a non-member cannot connect (exit 3, permission denied)" outsider_refused

root_phys() {
	ringctl physalloc 4K
}
run "root allocates physical memory" root_phys

stop_ringd() {
	local rc=0
	if [ -n "$ringd_pid" ]; then
		kill -TERM "$ringd_pid" && wait "$ringd_pid" || rc=$?
		ringd_pid=
		[ "$rc" -eq 0 ] || { cat "$tmp/ringd.log"; return 1; }
		[ ! -e "$sock" ]
	fi
}
run "ringd stops on SIGTERM and removes its socket" stop_ringd

# --- purge: nothing left --------------------------------------------------------

for p in $PKGS; do dpkg -L "$p"; done | sort -u >"$tmp/files"
# shellcheck disable=SC2086
run "apt-get purge $PKGS" apt-get purge -y -q $PKGS
installed=no

check_gone() {
	local f left=0 p s dirs=()
	while read -r f; do
		if [ "$f" = /. ] || { [ -d "$f" ] && [ -L "$f" ]; }; then
			continue # /, and /lib and the like on a merged /usr
		elif [ -d "$f" ]; then
			dirs+=("$f")
		elif [ -e "$f" ] || [ -L "$f" ]; then
			echo "left behind: $f"
			left=1
		fi
	done <"$tmp/files"
	# a directory that stays must belong to another package
	if [ ${#dirs[@]} -gt 0 ] &&
		dpkg -S "${dirs[@]}" 2>&1 >/dev/null | grep 'no path found'; then
		left=1
	fi
	for p in $PKGS; do
		s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
		case $s in
		"" | un* | pn*) ;;
		*) echo "dpkg still knows $p: $s"; left=1 ;;
		esac
	done
	dpkg -S /etc/ringd.conf /usr/sbin/ringd 2>/dev/null && left=1
	[ -e /etc/ringd.conf ] && { echo "/etc/ringd.conf left"; left=1; }
	ls /usr/lib/*/libring* /usr/lib/*/libredox-ring* 2>/dev/null && left=1
	ldconfig -p | grep -E "libring|libredox-ring" && left=1
	[ -e /run/ringd ] && { echo "/run/ringd left"; left=1; }
	ls /etc/systemd/system/*/ringd.* /var/lib/systemd/deb-systemd-helper-enabled/*ringd* \
		2>/dev/null && left=1
	return "$left"
}
run "nothing left after purge (files, conffile, dpkg status, libs, /run/ringd, units)" check_gone
getent passwd ringd >/dev/null && log "note: the user ringd stays after purge, by design"
getent group ringd >/dev/null && log "note: the group ringd stays after purge, by design"

log ok
