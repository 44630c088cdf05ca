#!/usr/bin/env bash
# `ringvisor metrics` read by real consumers: promtool accepts the text
# (no error, no lint warning) and prometheus_client's parser reads it; a
# restart counter moves after a kill -9; a label value with a quote and a
# backslash (the config's path) comes back unchanged through the escaping;
# values that are not known (no process, not sampled) are left out; the
# instances' CPU comes from one BPF pass (or each cpu.stat without BPF)
# and equals cpu.stat's.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || skip "promtool not installed (Debian prometheus)"
# The Debian package's module, whatever python3 comes first in PATH.
PY=/usr/bin/python3
"$PY" -c 'import prometheus_client' 2>/dev/null || skip "python3-prometheus-client not installed"
# A directory whose name needs escaping in a label value: ", \ and a space.
dir="$T/we\"ird \\dir"
mkdir -p "$dir"
cfg="$dir/metrics.yaml"
cat >"$cfg" <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  web:
    command: [/bin/sleep, "1000"]
    instances: 2
    limits: {memory_max: 64M, pids_max: 64}
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
  crashy:
    command: [/bin/sh, -c, "echo boom; exit 3"]
    restart: {backoff_initial: 50ms, backoff_max: 100ms, max_restarts: 1000, window: 1m}
  once:
    command: [/bin/sh, -c, "exit 0"]
    restart: {policy: never}
YAML
rv_start "$cfg"
wait_for 5 all_in_state 2 running || fail "web not running"
wait_for 5 state_is once.0 exited || fail "once.0 not exited"
# The leak watch has counted web (threads and fds come from its passes).
wait_for 10 bash -c "'$RINGVISOR' --socket '$SOCK' metrics | grep -q '^ringvisor_instance_threads{service=\"web\",index=\"1\"}'" \
	|| fail "no threads sample for web.1 after 10 s"

rv metrics >"$T/m1.txt" || fail "metrics failed"
promtool check metrics <"$T/m1.txt" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
[ -s "$T/promtool.out" ] && fail "promtool lint: $(cat "$T/promtool.out")"

# check.py FILE EXPECTED_PATH BACKEND: parses with prometheus_client and
# prints what the shell checks below; asserts what holds for any text.
cat >"$T/check.py" <<'PY'
import sys, collections
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = list(text_string_to_metric_families(text))
names = [f.name for f in fams]
dup = [n for n, c in collections.Counter(names).items() if c > 1]
assert not dup, "families written more than once: %s" % dup
for f in fams:
    assert f.documentation, "no HELP for " + f.name
S = {}
for f in fams:
    for s in f.samples:
        S.setdefault(s.name, []).append((s.labels, s.value))
def one(name, **labels):
    got = [v for l, v in S.get(name, []) if all(l.get(k) == v2 for k, v2 in labels.items())]
    assert len(got) == 1, "%s%s: %d samples" % (name, labels, len(got))
    return got[0]
def none(name, **labels):
    got = [v for l, v in S.get(name, []) if all(l.get(k) == v2 for k, v2 in labels.items())]
    assert not got, "%s%s: unexpected %s" % (name, labels, got)
# Every instance has every state, exactly one of them 1.
per = collections.defaultdict(list)
for l, v in S["ringvisor_instance_state"]:
    per[(l["service"], l["index"])].append((l["state"], v))
assert set(per) == {("web", "0"), ("web", "1"), ("crashy", "0"), ("once", "0")}, per.keys()
for k, st in per.items():
    assert len(st) == 10 and sum(v for _, v in st) == 1, (k, st)
assert one("ringvisor_instance_state", service="once", index="0", state="exited") == 1
assert one("ringvisor_config_info", path=sys.argv[2]) == 1
assert one("ringvisor_event_loop_info", backend=sys.argv[3]) == 1
assert one("ringvisor_instance_last_exit_code", service="once", index="0") == 0
assert one("ringvisor_instance_last_exit_time_seconds", service="once", index="0", cause="exited") > 1.5e9
# Unknown is left out: once has no process, so no start time, fds or threads.
none("ringvisor_instance_start_time_seconds", service="once")
none("ringvisor_instance_threads", service="once")
none("ringvisor_instance_fds", service="once")
assert one("ringvisor_instance_start_time_seconds", service="web", index="0") > 1.5e9
assert one("ringvisor_instance_threads", service="web", index="0") >= 1
assert one("ringvisor_instance_fds", service="web", index="0", kind="pipe") >= 1
assert one("ringvisor_instance_leak_verdict", service="web", index="0", verdict="unknown") in (0, 1)
src = [l["source"] for l, v in S["ringvisor_instance_memory_bytes"] if l["service"] == "web" and l["index"] == "0"]
assert src and src[0] in ("memory.current", "rss"), src
assert one("ringvisor_violations_total", service="web", index="0", kind="oom-kill", action="restart") == 0
assert one("ringvisor_log_bytes_total", service="crashy", index="0", stream="stdout") >= 5
assert one("ringvisor_leak_probe_passes_total") >= 1
assert 0 <= one("ringvisor_leak_probe_last_pass_duration_seconds") < 60
assert one("ringvisor_leak_probe_last_pass_cpu_seconds") >= 0
print(int(one("ringvisor_instance_restarts_total", service="web", index="0")),
      int(one("ringvisor_instance_restarts_total", service="crashy", index="0")))
PY
read -r web0 crashy < <("$PY" "$T/check.py" "$T/m1.txt" "$cfg" "$RV_BACKEND") || fail "parse: see above"
[ "$web0" = 0 ] || fail "web.0 restarts before the kill: $web0"
[ "$crashy" -ge 1 ] || fail "crashy restarts: $crashy"

# kill -9 the instance's process: the counter moves, the signal is shown.
pid=$(inst web.0 .pid)
kill -9 "$pid"
wait_for 5 bash -c "'$RINGVISOR' --socket '$SOCK' metrics | grep -qx 'ringvisor_instance_restarts_total{service=\"web\",index=\"0\"} 1'" \
	|| fail "restarts of web.0 did not become 1: $(rv metrics | grep 'restarts_total{service="web",index="0"')"
rv metrics >"$T/m2.txt" || fail "metrics failed"
grep -qx 'ringvisor_instance_last_exit_signal{service="web",index="0"} 9' "$T/m2.txt" || fail "no signal 9 for web.0"
promtool check metrics <"$T/m2.txt" >/dev/null 2>&1 || fail "promtool after the kill"
# The same text as a JSON string with --json.
rv metrics --json | jq -e '.ok == true and (.text | startswith("# HELP "))' >/dev/null || fail "metrics --json"
# No target: the CLI says so (usage, 100), and so does the daemon.
rv metrics web 2>/dev/null; [ $? = 100 ] || fail "metrics web is not a usage error"
reply=$(timeout 5 "$PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"{\"cmd\":\"metrics\",\"target\":\"web\"}\n"); print(s.makefile().readline().strip())' "$SOCK")
echo "$reply" | jq -e '.ok == false and (.error | test("no target"))' >/dev/null || fail "a target was taken: $reply"

# Where the instances' CPU comes from: one BPF cgroup iterator pass where
# the leak probe loads BPF too, else each cpu.stat; either way the figure
# of an idle instance is its cpu.stat's usage_usec exactly.
cpu_source() { grep -o 'ringvisor_cgroup_cpu_info{source="[^"]*"}' "$1" | sed 's/.*="\(.*\)"}/\1/'; }
# cpu_matches FILE PID: the instance of PID's cpu seconds in FILE equal its cgroup's cpu.stat.
cpu_matches() {
	local cg usec want
	cg=$(awk -F: '$1 == 0 {print $3}' /proc/"$2"/cgroup)
	usec=$(awk '$1 == "usage_usec" {print $2}' "$CG_MOUNT$cg/cpu.stat")
	want=$(printf '%d.%06d' $((usec / 1000000)) $((usec % 1000000)))
	grep -qx "ringvisor_instance_cpu_seconds_total{service=\"web\",index=\"1\"} $want" "$1"
}
cpu_ok() { rv metrics >"$1" && cpu_matches "$1" "$2"; }
if [ "$CGROOT" != none ]; then
	src=$(cpu_source "$T/m2.txt")
	probe=$(grep -o 'ringvisor_leak_probe_info{source="[^"]*"}' "$T/m2.txt")
	case $probe in *'"bpf"'*) [ "$src" = bpf ] || fail "CPU source is $src where the leak probe runs BPF";;
	*) [ "$src" = cpu.stat ] || fail "CPU source is $src without BPF";; esac
	pid1=$(inst web.1 .pid)
	wait_for 5 cpu_ok "$T/m3.txt" "$pid1" || fail "web.1's cpu seconds differ from its cpu.stat ($src): $(grep 'cpu_seconds_total{service="web",index="1"' "$T/m3.txt")"
	# Without BPF (its capabilities out of the bounding set): each file.
	if [ "$src" = bpf ] && command -v setpriv >/dev/null; then
		rv_stop_daemon
		SOCK=$T/control2.sock
		RV_WRAP="setpriv --bounding-set=-bpf,-perfmon,-sys_admin" rv_start "$cfg"
		wait_for 5 all_in_state 2 running || fail "web not running without BPF"
		rv metrics >"$T/m4.txt" || fail "metrics without BPF"
		[ "$(cpu_source "$T/m4.txt")" = cpu.stat ] || fail "CPU source without BPF: $(cpu_source "$T/m4.txt")"
		grep -q "metrics: CPU read from each instance's cpu.stat (bpf cgroup iterator: load: Operation not permitted" \
			"$T/daemon.log" || fail "the fallback is not said: $(grep metrics "$T/daemon.log")"
		pid1=$(inst web.1 .pid)
		wait_for 5 cpu_ok "$T/m5.txt" "$pid1" || fail "web.1's cpu seconds differ from its cpu.stat without BPF"
		log "CPU: one BPF pass, and each cpu.stat without BPF; both equal cpu.stat"
	else
		log "CPU from $src, equal to cpu.stat (the BPF pass is not checked: BPF does not load here, or no setpriv)"
	fi
fi
exit 0
