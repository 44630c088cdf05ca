#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh BIN: ringvisor's benchmarks, printed beside supervisord's as a
# baseline and beside the aims. Figures only: nothing here asserts a timing.
# docs/performance.md says what each row measures and has one run's output.
#
# Columns: ringvisor (default backend, io_uring here), ringvisor with
# --event-backend=epoll (start and restart only), supervisord (the baseline),
# and the machine's floor: a small C program (bench/rvbench.c and its parts,
# bench/rvbench_*.c) doing the same spawning with no supervisor at all, by
# fork and by vfork.
#
# Knobs (environment): BENCH_N (services, 1000), BENCH_SV_N (supervisord's
# programs, 50: it spawns only a few a second here), BENCH_SAMPLES (restart
# samples, 200), BENCH_STATUS_SAMPLES (restart samples timed by a status
# loop, 50), BENCH_SV_SAMPLES (supervisord's, 10: each waits for its 1 s
# tick), BENCH_FLOOR_N (floor's bulk spawn, 250), BENCH_IDLE_S (idle window,
# 10), BENCH_EPOLL, BENCH_BASELINE, BENCH_FLOOR (1: run that column),
# BENCH_SPAWN (ringvisor's --spawn), BENCH_KEEP (1: keep the temp dir).
#
# Everything started here is stopped by its pid on the way out, even on
# failure or ^C, and the temp dir (configs, sockets, logs) is removed.
#
# The pieces, sourced from bench/: lib_proc.sh (processes, cleanup),
# lib_measure.sh (reading figures, running a measurement), lib_rv.sh and
# lib_sv.sh (ringvisor's and supervisord's columns), lib_table.sh (the
# table). This file has the settings, the prerequisites, the floor and the
# order of the runs.
set -uo pipefail

BIN=${1:?usage: bench/run.sh /abs/path/to/ringvisor}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
N=${BENCH_N:-1000}
SV_N=${BENCH_SV_N:-$((N < 50 ? N : 50))}
SAMPLES=${BENCH_SAMPLES:-200}
ST_SAMPLES=${BENCH_STATUS_SAMPLES:-$((SAMPLES < 50 ? SAMPLES : 50))}
SV_SAMPLES=${BENCH_SV_SAMPLES:-$((SAMPLES < 10 ? SAMPLES : 10))}
FLOOR_N=${BENCH_FLOOR_N:-$((N < 250 ? N : 250))}
DO_FLOOR=${BENCH_FLOOR:-1}
IDLE_S=${BENCH_IDLE_S:-10}
DO_EPOLL=${BENCH_EPOLL:-1}
DO_BASELINE=${BENCH_BASELINE:-1}
TARGET_IDX=$((N / 2))   # the instance killed for restart latency: mid-table
BENCH_T0=$SECONDS

# shellcheck source-path=SCRIPTDIR
. "$HERE/lib_proc.sh" || exit 1
. "$HERE/lib_measure.sh" || exit 1
. "$HERE/lib_rv.sh" || exit 1
. "$HERE/lib_sv.sh" || exit 1
. "$HERE/lib_table.sh" || exit 1

TMP=$(mktemp -d /tmp/ringvisor-bench.XXXXXX) || exit 1
STARTED=()   # pids of daemons this script started (children of this shell)
BGPID=       # the measuring command in flight, if any

trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# ---- prerequisites ----

[ -x "$BIN" ] || { log "no binary at $BIN"; exit 1; }
command -v jq >/dev/null || { log "jq is missing (make deps)"; exit 1; }
HELPER=$TMP/rvbench
cc -std=gnu17 -O2 -Wall -Wextra -o "$HELPER" "$HERE"/rvbench{,_ctl,_launch,_restart,_floor}.c ||
	{ log "cannot build rvbench"; exit 1; }

# File descriptors: ringvisor holds 2 per starting instance (pidfd, exec-error
# pipe) and 1 per running one; supervisord 3 per program (stdin, stdout, stderr
# pipes). Raise the soft limit towards the hard one if it is short.
need=$((3 * (N > SV_N ? N : SV_N) + 256))
soft=$(ulimit -Sn); hard=$(ulimit -Hn)
if [ "$soft" != unlimited ] && [ "$soft" -lt "$need" ]; then
	if [ "$hard" = unlimited ] || [ "$hard" -ge "$need" ]; then
		ulimit -Sn "$need"
	else
		ulimit -Sn "$hard"
		log "fd hard limit $hard is below the $need wanted; some starts may fail"
	fi
fi
log "fd limit: soft $(ulimit -Sn), hard $(ulimit -Hn)"

SUPERVISORD=
if [ "$DO_BASELINE" = 1 ]; then
	SUPERVISORD=$(command -v supervisord || true)
	[ -n "$SUPERVISORD" ] || log "no supervisord (make bench-deps installs it): the baseline column stays empty"
fi

# Each daemon gets a cgroup root of its own (as the integration tests do),
# so that the benchmark can run beside other daemons on the host.
RV_EXTRA=()
CGROOT=
if [ "$(id -u)" = 0 ] && "$BIN" run --help 2>&1 | grep -q -- --cgroup-root; then
	CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	CGROOT=${CG_MOUNT:+$CG_MOUNT/rv-bench-$$}
	RV_EXTRA=(--cgroup-root="${CGROOT:-none}")
fi
# BENCH_SPAWN: ringvisor's --spawn (vfork, clone3, fork; default auto).
[ -n "${BENCH_SPAWN:-}" ] && RV_EXTRA+=(--spawn="$BENCH_SPAWN")

# ---- results ----

declare -A R   # results: R[column.key]=value

# ---- the machine's floor ----

floor_bench() {
	log "floor: $FLOOR_N sleeps by fork from a small C program, then $SAMPLES restarts by fork and by vfork"
	bg "$TMP/floor-fork" "$HELPER" floor --method fork --count "$FLOOR_N" --samples "$SAMPLES"
	bg "$TMP/floor-vfork" "$HELPER" floor --method vfork --count 1 --samples "$SAMPLES"
	R[fl.line]=$(<"$TMP/floor-fork"); R[fv.line]=$(<"$TMP/floor-vfork")
	R[fl.bulk_ms]=$(kv "${R[fl.line]}" bulk_ms)
	R[fl.rx]=${R[fl.line]}
	R[fv.rx]=${R[fv.line]}
}

# ---- run ----

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
[ "$DO_FLOOR" = 1 ] && floor_bench
rv_bench rv uring 1 || log "ringvisor (uring) run failed"
[ "$DO_EPOLL" = 1 ] && { rv_bench ep epoll 0 || log "ringvisor (epoll) run failed"; }
[ -n "$SUPERVISORD" ] && { sv_bench || log "supervisord run failed"; }

# ---- table ----

COLS=(rv); [ "$DO_EPOLL" = 1 ] && COLS+=(ep); [ -n "$SUPERVISORD" ] && COLS+=(sv)
[ "$DO_FLOOR" = 1 ] && COLS+=(fl fv)

print_table
echo "bench took $((SECONDS - BENCH_T0)) s"
