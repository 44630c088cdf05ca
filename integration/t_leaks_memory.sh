#!/usr/bin/env bash
# lane: clock
# Memory is the third watched series, and a verdict clears and recurs
# (issue 20), with the probe source given by RV_PROBE (default bpf):
# - hog: a python child keeping 2 MiB more every 100 ms: `leaking`, reason
#   "memory growing", growing "memory", memory_source "rss" on a host
#   without the memory controller ("memory.current" where it is on), its
#   memory close to the VmRSS /proc shows;
# - burst: opens 30 pipes over 12 s, then holds them: flagged while it
#   climbs, then `ok` again with a "leak-over" event once it has stopped;
# - again: opens a pipe every 100 ms with on_violation.leak restart: each
#   restart starts the history afresh but `leaks` counts on: after the
#   second verdict it says recurring, and the event says times=2.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted: the probe keys on cgroups"
PROBE=${RV_PROBE:-bpf}
cfg=$(write_config leaks_memory.yaml <<'YAML'
services:
  hog:
    command: [/usr/bin/python3, -c, "import time\nl=[]\nwhile True:\n  l.append(b'x' * (2 << 20)); time.sleep(0.1)"]
    leak: {sample_every: 1s, window: 6s, grace: 2s}
  burst:
    command: [/usr/bin/python3, -c, "import os,time\nl=[]\nfor i in range(30):\n  l.append(os.pipe()); time.sleep(0.4)\nwhile True: time.sleep(1000)"]
    leak: {sample_every: 1s, window: 6s, grace: 2s}
  again:
    command: [/usr/bin/python3, -c, "import os,time\nl=[]\nwhile True:\n  l.append(os.pipe()); time.sleep(0.1)"]
    leak: {sample_every: 1s, window: 6s, grace: 2s}
    on_violation: {leak: restart}
    restart: {policy: never}
YAML
)
rv_start "$cfg" --probe="$PROBE" --state-dir="$T/state"
inst() { rv leaks --json "$1" | jq -c '.services[0].instances[0]'; }
field() { inst "$1" | jq -r "$2"; }

wait_for 30 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' leaks --json hog | jq -r '.services[0].instances[0].verdict')\" = leaking ]" \
	|| fail "hog not leaking: $(inst hog | jq -c 'del(.processes)')"
[ "$(field hog .reason)" = "memory growing" ] || fail "hog reason: $(field hog .reason)"
[ "$(field hog .growing)" = memory ] || fail "hog growing: $(field hog .growing)"
[ "$(field hog .series.memory.verdict)" = leaking ] || fail "hog memory series: $(field hog .series.memory)"
[ "$(field hog .series.fds.verdict)" = ok ] || fail "hog fds series: $(field hog .series.fds)"
src=$(field hog .memory_source)
if [ -e "$CGROOT/memory.current" ] || grep -qw memory "$CGROOT/cgroup.subtree_control" 2>/dev/null; then
	log "memory controller present: source $src"
else
	[ "$src" = rss ] || fail "memory_source $src without the memory controller"
fi
# What the daemon counts against what /proc says (it grows: within 20%).
pid=$(status_json hog | jq '.services[0].instances[0].pid')
mem=$(field hog .memory)
rss=$(( $(awk '/^VmRSS:/ {print $2}' /proc/"$pid"/status) * 1024 ))
[ "$mem" -gt $((rss * 8 / 10)) ] && [ "$mem" -lt $((rss * 12 / 10)) ] || fail "hog memory $mem, VmRSS $rss"
in_log() { grep -qE "$1" "$T/daemon.log"; }
in_log ' hog\.0 leak reason="memory growing" rate="[0-9.]+ MiB/(s|min)"' || fail "no memory leak event: $(grep ' hog' "$T/daemon.log")"
rv leaks hog >"$T/leaks.txt" || fail "leaks hog"
grep -qE '^ +memory +leaking ' "$T/leaks.txt" || fail "text: $(cat "$T/leaks.txt")"

# burst: climbs for 12 s (flagged), then holds: the verdict clears.
wait_for 20 in_log ' burst\.0 leak reason="fds growing"' || fail "burst never flagged: $(inst burst | jq -c 'del(.processes)')"
wait_for 30 in_log ' burst\.0 leak-over ' || fail "burst never cleared: $(inst burst | jq -c 'del(.processes)')"
[ "$(field burst .verdict)" = ok ] || fail "burst verdict $(field burst .verdict) after leak-over"
[ "$(field burst .leaks)" -eq 1 ] || fail "burst leaks $(field burst .leaks)"
[ "$(field burst .recurring)" = false ] || fail "burst recurring"
# ...and is not flagged again while it holds.
sleep 3
[ "$(grep -c ' burst\.0 leak reason=' "$T/daemon.log")" -eq 1 ] || fail "burst flagged twice"

# again: restarted by the leak policy, leaks again: recurring.
wait_for 40 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' leaks --json again | jq -r '.services[0].instances[0].leaks')\" -ge 2 ]" \
	|| fail "again not flagged twice: $(inst again | jq -c 'del(.processes)')"
[ "$(field again .recurring)" = true ] || fail "again not recurring"
in_log ' again\.0 leak reason="fds growing" .*times="?2' || fail "no times=2 event: $(grep ' again' "$T/daemon.log")"
[ "$(status_json again | jq '.services[0].instances[0].restarts')" -ge 1 ] || fail "again never restarted"
exit 0
