#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/leaks.sh BIN PATTERN_BIN: leak verdicts on real processes (issue 20,
# docs/leaks.md). BENCH_LEAKS_N services (62: each pattern of the corpus
# twice), each bench/leak_pattern running one pattern of tests/leak_corpus.h
# for real (fds, threads or memory), under ringvisor with the default leak
# settings, for BENCH_LEAKS_MIN minutes (5); a leak that does not run from
# the start begins at BENCH_LEAKS_START seconds (150, after the grace). BENCH_LEAKS_HEALTHY=1 runs only
# the healthy patterns (the soak: `make bench-leaks-soak`, 1000 services for
# an hour). Memory patterns are capped at BENCH_LEAKS_MEMORY_MAX services
# (40) so that the run fits in memory; the others take their turn.
# Prints per pattern: services, flagged, false verdicts, and for leaks the
# delay from the leak's start to the verdict (or "after the run" when the
# run ends before the leak's bound). Figures only; nothing is asserted.
# Everything started here is stopped by its pid on the way out.
set -uo pipefail

BIN=${1:?usage: bench/leaks.sh /abs/ringvisor /abs/leak_pattern}
PAT=${2:?usage: bench/leaks.sh /abs/ringvisor /abs/leak_pattern}
N=${BENCH_LEAKS_N:-62}
MIN=${BENCH_LEAKS_MIN:-5}
START=${BENCH_LEAKS_START:-150}   # when a leak begins (those not from the start)
HEALTHY=${BENCH_LEAKS_HEALTHY:-0}
MEMMAX=${BENCH_LEAKS_MEMORY_MAX:-40}
TMP=$(mktemp -d /tmp/ringvisor-leaks-bench.XXXXXX) || exit 1
SOCK=$TMP/ctl.sock
DPID=
# A cgroup root of its own: the leak probe keys on cgroups, and a daemon
# already running on this host keeps the default one.
CG_MOUNT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CGROOT=${CG_MOUNT:+$CG_MOUNT/rv-leaks-bench-$$}

cleanup() {
	if [ -n "$DPID" ]; then
		timeout 60 "$BIN" shutdown --socket "$SOCK" >/dev/null 2>&1
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	[ -n "${CGROOT:-}" ] && [ -d "$CGROOT" ] && find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf 'leaks-bench [%ss]: %s\n' "$SECONDS" "$*" >&2; }

"$PAT" list >"$TMP/patterns" || exit 1
mapfile -t kinds < <(awk '{print $2}' "$TMP/patterns")
mapfile -t names < <(cut -d' ' -f5- "$TMP/patterns")
is_memory() { case ${names[$1]} in *MiB*|memory*|GC*) return 0;; esac; return 1; }
pick=()
for i in "${!kinds[@]}"; do
	[ "$HEALTHY" = 1 ] && [ "${kinds[$i]}" != healthy ] && continue
	pick+=("$i")
done
{
	echo "supervisor: {shutdown_timeout: 30s}"
	echo "services:"
	mem=0 j=0
	for ((s = 0; s < N; s++)); do
		for ((tries = 0; tries < ${#pick[@]}; tries++)); do
			idx=${pick[$((j % ${#pick[@]}))]}
			j=$((j + 1))
			if is_memory "$idx"; then
				[ "$mem" -ge "$MEMMAX" ] && continue
				mem=$((mem + 1))
			fi
			break
		done
		printf '  p%04d:\n    command: [%s, "%s", "%s", "%s"]\n' "$s" "$PAT" "$idx" "$((s + 1))" "$START"
		echo "$s $idx" >>"$TMP/services"
	done
} >"$TMP/config.yaml"

log "$N services ($mem with a memory pattern) for $MIN minutes, default leak settings"
[ -n "$CGROOT" ] || { log "no cgroup2 mount: the leak probe needs cgroups"; exit 0; }
"$BIN" run -c "$TMP/config.yaml" --socket "$SOCK" --cgroup-root="$CGROOT" 2>"$TMP/daemon.log" &
DPID=$!
t0=$(date +%s)
sleep $((MIN * 60))
"$BIN" leaks --json --socket "$SOCK" >"$TMP/leaks.json" 2>/dev/null
cpu=$(awk '{print $14 + $15}' /proc/"$DPID"/stat 2>/dev/null)
hz=$(getconf CLK_TCK)
log "done; daemon CPU $((cpu * 1000 / hz)) ms over the run"

python3 - "$TMP" "$MIN" "$START" <<'PY'
import json, re, statistics, sys
from datetime import datetime
tmp, minutes, leak_start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
pats = {}
for line in open(f"{tmp}/patterns"):
    i, kind, start, bound, name = line.split(" ", 4)
    start = float(start)
    pats[int(i)] = dict(kind=kind, start=leak_start if kind == "leak" and start > 0 else start,
                        bound=float(bound), name=name.strip())
svc = {}
for line in open(f"{tmp}/services"):
    s, i = line.split()
    svc[f"p{int(s):04d}"] = int(i)
ts = lambda w: datetime.strptime(w, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
started, flags, overs = {}, {}, {}
for line in open(f"{tmp}/daemon.log"):
    m = re.match(r"(\S+) (p\d{4})\.0 (start|leak|leak-over) ", line)
    if not m:
        continue
    t, name, what = ts(m.group(1)), m.group(2), m.group(3)
    if what == "start":
        started.setdefault(name, t)
    elif what == "leak":
        flags.setdefault(name, []).append(t)
    else:
        overs[name] = overs.get(name, 0) + 1
first_start = min(started.values()) if started else 0
run_s = minutes * 60
rows, false_total = {}, 0
for name, i in svc.items():
    r = rows.setdefault(i, dict(n=0, flagged=0, false=0, delays=[], after=0))
    r["n"] += 1
    f = flags.get(name, [])
    p = pats[i]
    r["flagged"] += bool(f)
    if p["kind"] == "healthy" and f:
        r["false"] += 1
    if p["kind"] == "limit" and len(f) > 1:
        r["false"] += 1
    if p["kind"] == "leak":
        due = started.get(name, first_start) + p["start"]
        if f:
            r["delays"].append(f[0] - due)
        elif due - first_start + p["bound"] > run_s:
            r["after"] += 1
print(f"leak verdicts on real processes: {len(svc)} services, {minutes} min, default settings; "
      f"a leak not from the start begins at {leak_start:.0f} s (whatever its name says)")
print(f"{'pattern':<40} {'n':>4} {'flagged':>7} {'false':>5}  delay s (min/median/max)  bound")
for i in sorted(rows):
    r, p = rows[i], pats[i]
    false_total += r["false"]
    d = r["delays"]
    if p["kind"] == "leak":
        delay = f"{min(d):.0f}/{statistics.median(d):.0f}/{max(d):.0f}" if d else "never"
        if r["after"]:
            delay = (delay + f" ({r['after']} after the run)") if d else "after the run"
        bound = f"{p['bound']:.0f}"
    else:
        delay, bound = "-", "once" if p["kind"] == "limit" else "never"
    print(f"{p['name']:<40} {r['n']:>4} {r['flagged']:>7} {r['false']:>5}  {delay:<25} {bound}")
try:
    lk = json.load(open(f"{tmp}/leaks.json"))
    print(f"leak passes: {lk['passes']}, last pass {lk['last_pass_cpu_us']} us CPU ({lk['source']})")
except Exception as e:
    print(f"no leaks reply: {e}")
print(f"false verdicts: {false_total}; leak-over events: {sum(overs.values())}")
PY
