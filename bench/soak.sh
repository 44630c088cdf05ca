#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/soak.sh: the chaos soak (`make soak`, issue 18). One daemon of its
# own (socket, config, logs in a private temp dir, a private cgroup root
# under the cgroup2 mount) holding SOAK_N services for SOAK_MIN minutes
# while bench/soak.py kills mains and grandchildren, stops, starts,
# restarts, scales, freezes, thaws, reloads, makes readiness and health
# checks fail, floods logs, and once SIGKILLs the daemon and starts another
# that re-adopts the services. At the end it checks the books (docs/
# performance.md, "Chaos soak") and prints the figures; exit 1 when a check
# fails.
#
#   bash bench/soak.sh BINARY          SOAK_MIN=10 SOAK_N=1000 SOAK_SEED=...
#   SOAK_KEEP=1 keeps the temp dir (logs, events, status) for a look.
#
# Cleanup runs on any exit, ^C included: the driver and the daemon it
# started are stopped by their pids (the daemon through its socket first),
# the soak's own cgroup tree is emptied with cgroup.kill and removed, the
# temp dir removed. Nothing else is touched.
set -u
BIN=${1:?usage: soak.sh RINGVISOR_BINARY}
BIN=$(readlink -f "$BIN")
SOAK_MIN=${SOAK_MIN:-10}
SOAK_N=${SOAK_N:-1000}
SOAK_SEED=${SOAK_SEED:-$$}
HERE=$(cd "$(dirname "$0")" && pwd)

log() { echo "soak: $*" >&2; }
[ "$(id -u)" = 0 ] || { log "needs root (cgroups, adoption records)"; exit 77; }
CG_MOUNT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
[ -n "$CG_MOUNT" ] || { log "cgroup2 is not mounted: nothing to soak"; exit 77; }
command -v python3 >/dev/null || { log "python3 is needed"; exit 77; }

T=$(mktemp -d /tmp/rv-soak.XXXXXX)
CGROOT=$CG_MOUNT/rv-soak-$$
DRIVER=

# The daemon the driver started last (it writes its pid), if still that one.
daemon_pid() {
	local p
	p=$(cat "$T/daemon.pid" 2>/dev/null) || return 1
	[ -n "$p" ] && [ "$(readlink /proc/"$p"/exe 2>/dev/null)" = "$BIN" ] && echo "$p"
}

cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	if [ -n "$DRIVER" ] && kill -0 "$DRIVER" 2>/dev/null; then
		kill -TERM "$DRIVER" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$DRIVER" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DRIVER" 2>/dev/null
		wait "$DRIVER" 2>/dev/null
	fi
	# The event followers the driver started (pids in followers.pid).
	if [ -f "$T/followers.pid" ]; then
		while read -r p; do
			[ "$(readlink /proc/"$p"/exe 2>/dev/null)" = "$BIN" ] && kill -TERM "$p" 2>/dev/null
		done <"$T/followers.pid"
	fi
	if p=$(daemon_pid); then
		log "cleanup: shutting down daemon $p"
		timeout 60 "$BIN" --socket "$T/control.sock" shutdown >/dev/null 2>&1
		for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null
	fi
	# The daemon removes its cgroups; if it was SIGKILLed, do it here.
	if [ -d "$CGROOT" ]; then
		for k in "$CGROOT/services/cgroup.kill" "$CGROOT/fdhold/cgroup.kill"; do
			[ -f "$k" ] && echo 1 >"$k" 2>/dev/null && sleep 0.5
		done
		find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
		[ -d "$CGROOT" ] && log "cleanup: could not remove $CGROOT"
	fi
	if [ "${SOAK_KEEP:-0}" = 1 ]; then log "kept $T"; else rm -rf "$T"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "$SOAK_N services, $SOAK_MIN min, seed $SOAK_SEED, dir $T, cgroup root $CGROOT"
python3 "$HERE/soak.py" --bin "$BIN" --dir "$T" --cgroot "$CGROOT" \
	--minutes "$SOAK_MIN" --services "$SOAK_N" --seed "$SOAK_SEED" &
DRIVER=$!
wait "$DRIVER"
rc=$?
DRIVER=
exit $rc
