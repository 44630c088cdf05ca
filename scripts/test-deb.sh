#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-deb.sh BUILD: `make test-deb` (mk/install.mk), after `make deb`. As
# root, on a machine where no ringvisor package is installed (it refuses
# otherwise: it would replace and then purge it):
#  1. lintian on the .deb: an error fails, warnings are printed (the ones
#     kept on purpose are listed in debian/README.source);
#  2. apt-get install ./the.deb; the files are there, the config is a
#     conffile, systemd-analyze verify accepts the installed unit as it is;
#  3. the installed /usr/bin/ringvisor runs the installed config the way
#     the unit does, with NOTIFY_SOCKET set to a datagram socket this test
#     reads: READY=1 arrives, then STOPPING=1 at shutdown (Type=notify);
#  4. it runs configs/demo.yaml (its log dir moved into the temp dir) for
#     3 s: `status` answers and shows its services running; `shutdown`, and
#     the daemon's pid is waited for;
#  5. apt-get purge: dpkg knows nothing of the package and every path it
#     had is gone, and so are the systemd helper's records of it.
# Each daemon gets its own socket, state dir and cgroup root under a temp
# dir (as integration/lib.sh's rv_start does), so it never meets another.
# The trap shuts down what this test started (by its pid) and purges the
# package it installed, even when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: test-deb.sh BUILD}
fail() { echo "test-deb: FAIL: $*" >&2; exit 1; }
log() { echo "test-deb: $*"; }
[ "$(id -u)" = 0 ] || fail "needs root (it installs and purges the package)"
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=$BUILD/deb/ringvisor_${version}_${arch}.deb
[ -f "$deb" ] || fail "no $deb: run make deb"
if dpkg-query -W -f='${db:Status-Status}' ringvisor 2>/dev/null | grep -qv '^not-installed$'; then
	# Not ours to replace: said plainly, and the rest of `make test` goes on.
	echo "test-deb: SKIP: a ringvisor package is already on this machine ($(dpkg-query -W -f='${Version} ${db:Status-Status}' ringvisor)); this test would replace and purge it: remove it to run it" >&2
	exit 0
fi

T=$(mktemp -d /tmp/rv-deb.XXXXXX)
CG_MOUNT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGROOT=${CG_MOUNT:+$CG_MOUNT/rv-deb-test-$$}
CGROOT=${CGROOT:-none}
SOCK=$T/run/control.sock
RV=/usr/bin/ringvisor
DAEMON_PID='' LISTENER_PID='' INSTALLED=0
# The package's purge removes /var/lib/ringvisor and /var/log/ringvisor, the
# daemon's default state and log dirs, which this tree's own tests and demo
# may be using on this machine: whichever exists now is copied aside and put
# back after the purge (and is not counted as left by it).
SAVED=()
restore_saved() {
	local d
	for d in "${SAVED[@]}"; do
		mkdir -p "$d" && cp -a "$T/saved$d/." "$d/" || echo "test-deb: could not restore $d from $T/saved$d" >&2
	done
	SAVED=()
}
APT=(apt-get -y -q -o DPkg::Lock::Timeout=120)
export DEBIAN_FRONTEND=noninteractive

stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		timeout 20 "$RV" --socket "$SOCK" shutdown >/dev/null 2>&1 || true
		for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
	fi
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}
cleanup() {
	local rc=$?
	stop_daemon
	if [ -n "$LISTENER_PID" ]; then kill "$LISTENER_PID" 2>/dev/null || true; wait "$LISTENER_PID" 2>/dev/null || true; fi
	if [ "$CGROOT" != none ] && [ -d "$CGROOT" ]; then
		for k in "$CGROOT/services/cgroup.kill" "$CGROOT/fdhold/cgroup.kill"; do
			if [ -f "$k" ]; then echo 1 >"$k" 2>/dev/null || true; sleep 0.2; fi
		done
		find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	fi
	if [ "$INSTALLED" = 1 ]; then
		"${APT[@]}" purge ringvisor >"$T/purge-at-exit.log" 2>&1 ||
			echo "test-deb: could not purge ringvisor: $(tail -n 5 "$T/purge-at-exit.log")" >&2
	fi
	restore_saved
	if [ $rc -ne 0 ] && [ -f "$T/daemon.log" ]; then
		echo "--- daemon log (tail) ---" >&2; tail -n 20 "$T/daemon.log" >&2
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# rv_run CONFIG: the installed daemon in the background, as ExecStart runs
# it but on this test's socket, state dir and cgroup root.
rv_run() {
	"$RV" run -c "$1" --socket "$SOCK" --state-dir "$T/state" --cgroup-root="$CGROOT" \
		>"$T/daemon.out" 2>"$T/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 1 200); do
		# (exit 3: an instance is not running, which the demo's `broken` never is)
		if [ -S "$SOCK" ]; then
			r=0; "$RV" --socket "$SOCK" status >/dev/null 2>&1 || r=$?
			case $r in 0|3) return 0;; esac
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited at start"
		sleep 0.05
	done
	fail "the daemon did not answer on $SOCK"
}
wait_for() { # SECONDS CMD...
	local end=$(( $(date +%s%N) + $1 * 1000000000 )); shift
	while [ "$(date +%s%N)" -lt "$end" ]; do "$@" && return 0; sleep 0.05; done
	return 1
}

for d in /var/lib/ringvisor /var/log/ringvisor; do
	if [ -d "$d" ]; then mkdir -p "$T/saved$d" && cp -a "$d/." "$T/saved$d/" && SAVED+=("$d"); fi
done

# 1. lintian.
# lintian warns when run as root (this test must be): that line is dropped.
rc=0
lintian --fail-on error --display-info "$deb" >"$T/lintian.raw" 2>&1 || rc=$?
grep -v '^running with root privileges' "$T/lintian.raw" >"$T/lintian.log" || true
[ $rc = 0 ] || fail "lintian found errors (exit $rc):
$(cat "$T/lintian.log")"
if [ -s "$T/lintian.log" ]; then log "lintian (no error):"; sed 's/^/    /' "$T/lintian.log"; else log "lintian: clean"; fi

# 2. Install.
"${APT[@]}" install "$(realpath "$deb")" >"$T/install.log" 2>&1 ||
	fail "apt-get install: $(tail -n 20 "$T/install.log")"
INSTALLED=1
dpkg-query -W -f='${db:Status-Status}' ringvisor | grep -qx installed || fail "dpkg does not list ringvisor as installed"
for f in /usr/bin/ringvisor /lib/systemd/system/ringvisor.service /etc/ringvisor/ringvisor.yaml \
	/usr/share/doc/ringvisor/copyright /usr/share/doc/ringvisor/deploy-systemd.md \
	/usr/share/doc/ringvisor/examples/example.yaml /usr/share/man/man8/ringvisor.8.gz \
	/usr/share/man/man5/ringvisor.yaml.5.gz /usr/share/bash-completion/completions/ringvisor \
	/usr/share/zsh/vendor-completions/_ringvisor; do
	[ -f "$f" ] || fail "$f not installed"
done
MANWIDTH=80 man ringvisor 2>/dev/null | grep -q '^SYNOPSIS' || fail "man ringvisor shows no SYNOPSIS"
[ "$(stat -c %a /usr/bin/ringvisor)" = 755 ] || fail "/usr/bin/ringvisor is $(stat -c %a /usr/bin/ringvisor)"
dpkg-query -W -f='${Conffiles}\n' ringvisor | grep -q ' /etc/ringvisor/ringvisor.yaml ' ||
	fail "/etc/ringvisor/ringvisor.yaml is not a conffile"
grep -qx 'ExecStart=/usr/bin/ringvisor run -c /etc/ringvisor/ringvisor.yaml' /lib/systemd/system/ringvisor.service ||
	fail "ExecStart: $(grep ^ExecStart= /lib/systemd/system/ringvisor.service)"
# Here the unit is verified as installed: its ExecStart binary exists.
if ! (cd / && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify /lib/systemd/system/ringvisor.service) >"$T/verify.log" 2>&1 ||
	[ -s "$T/verify.log" ]; then
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
fi
"$RV" check -c /etc/ringvisor/ringvisor.yaml >/dev/null || fail "the installed binary rejects the installed config"
log "installed $(basename "$deb"): $(dpkg -L ringvisor | wc -l) paths"

# 3. Type=notify: READY=1 with the shipped config, STOPPING=1 at shutdown.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode(errors="replace").replace("\n", "|") + "\n")
        out.flush()' "$T/notify.sock" "$T/notify.log" &
LISTENER_PID=$!
wait_for 5 test -S "$T/notify.sock" || fail "the notify listener did not bind"
mkdir -p "$T/run"
NOTIFY_SOCKET=$T/notify.sock rv_run /etc/ringvisor/ringvisor.yaml
wait_for 10 grep -q 'READY=1' "$T/notify.log" ||
	fail "no READY=1 from the shipped config in 10 s: $(cat "$T/notify.log"); $("$RV" --socket "$SOCK" status 2>&1)"
"$RV" --socket "$SOCK" status | grep -q 'hello.0 *completed' || fail "the placeholder did not complete: $("$RV" --socket "$SOCK" status)"
grep -q 'hello.0| ringvisor is running' "$T/daemon.out" || fail "the placeholder's line is not on the daemon's stdout"
"$RV" --socket "$SOCK" shutdown >/dev/null || fail "shutdown of the first daemon failed"
wait "$DAEMON_PID" || fail "the first daemon exited $?"
DAEMON_PID=
wait_for 5 grep -q 'STOPPING=1' "$T/notify.log" || fail "no STOPPING=1 at shutdown: $(cat "$T/notify.log")"
log "Type=notify: READY=1 and STOPPING=1 received"

# 4. The demo, a few seconds.
sed "s|/tmp/ringvisor-demo|$T/logs|" configs/demo.yaml >"$T/demo.yaml"
rv_run "$T/demo.yaml"
sleep 3
rc=0; "$RV" --socket "$SOCK" status >"$T/status" 2>&1 || rc=$?
[ $rc = 3 ] || fail "status exited $rc with the demo's broken service, not 3: $(cat "$T/status")"
rc=0; "$RV" --socket "$SOCK" status --json >"$T/status.json" || rc=$?
[ $rc = 3 ] || fail "status --json exited $rc, not 3"
[ "$(jq '.services | length' "$T/status.json")" = 4 ] || fail "status lists $(jq '.services | length' "$T/status.json") services, not 4"
running=$(jq '[.services[].instances[] | select(.state == "running")] | length' "$T/status.json")
[ "$running" -ge 2 ] || fail "$running instances running: $(cat "$T/status")"
grep -q '^worker.0 *running' "$T/status" || fail "worker.0 not running: $(cat "$T/status")"
log "demo: $running instances running; status:"; sed 's/^/    /' "$T/status"
"$RV" --socket "$SOCK" shutdown >/dev/null || fail "shutdown of the demo daemon failed"
wait "$DAEMON_PID" || fail "the demo daemon exited $?"
DAEMON_PID=
[ "$CGROOT" = none ] || [ ! -d "$CGROOT" ] || fail "the demo daemon left its cgroup root $CGROOT"

# 5. Purge: nothing of the package stays.
dpkg -L ringvisor >"$T/paths"
"${APT[@]}" purge ringvisor >"$T/purge.log" 2>&1 || fail "apt-get purge: $(tail -n 20 "$T/purge.log")"
INSTALLED=0
if dpkg -L ringvisor >/dev/null 2>&1; then fail "dpkg -L still lists ringvisor: $(dpkg -L ringvisor)"; fi
st=$(dpkg-query -W -f='${db:Status-Status}' ringvisor 2>/dev/null || true)
[ -z "$st" ] || [ "$st" = not-installed ] || fail "dpkg status after purge: $st"
left=()
while IFS= read -r p; do
	# (directories other packages share stay: man-db's, bash-completion's, zsh's)
	case $p in /.|/etc|/lib|/lib/systemd|/lib/systemd/system|/usr|/usr/bin|/usr/share|/usr/share/doc) continue;; esac
	case $p in /usr/share/man|/usr/share/man/man[1-8]|/usr/share/bash-completion|/usr/share/bash-completion/completions|\
		/usr/share/zsh|/usr/share/zsh/vendor-completions) continue;; esac
	if [ -e "$p" ] || [ -L "$p" ]; then left+=("$p"); fi
done <"$T/paths"
for p in /var/lib/ringvisor /var/log/ringvisor; do
	if [ -e "$p" ]; then left+=("$p"); fi
done
for p in /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked /etc/systemd/system; do
	[ -d "$p" ] && while IFS= read -r f; do left+=("$f"); done < <(find "$p" -name '*ringvisor*')
done
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
restore_saved
log "ok: lintian, install, Type=notify, demo, purge ($(wc -l <"$T/paths") paths gone)"
