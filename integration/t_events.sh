#!/usr/bin/env bash
# `ringvisor events` (docs/events.md). (1) A kill -9 of victim.0's main
# process shows, to an `events -f --json victim.0` reader, in order: exit
# (signal SIGKILL, cause killed, the old pid), state running->backoff,
# restart, start (the new pid), state starting->running (the new pid);
# every line is strict JSON (python3) with numbers as numbers. (2) A
# reload after editing the file shows each service's reload event and the
# summary. (3) Without -f, events prints what the daemon keeps and exits;
# --since keeps only the recent; a target filters; text lines as the text
# log; exit 4 for an unknown target, 111 without a daemon. (4) 64
# subscribers, one of which never reads, during a flood of events (4
# instances crashing in a loop, and reloads of an unchanged file, 28 events
# each, back to back): the 63 others get every event in order,
# `status` answers promptly meanwhile, the slow one is cut off with the
# "dropped" line and the drop counter moves (status, metrics); then
# `events` prints the 4096 kept and notes that older ones are gone.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no /usr/bin/python3"
write_cfg() {
	cat >"$T/ev.yaml" <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  victim: {command: [/bin/sleep, "1000"], restart: {policy: always, backoff_initial: 100ms}$1}
  calm: {command: [/bin/sleep, "1000"]}
  storm:
    command: [/bin/sh, -c, '[ -e $T/go ] && exit 1; exec sleep 1000']
    instances: 4
    restart: {policy: always, backoff_initial: 1ms, backoff_max: 2ms, max_restarts: 0}
YAML
	# Services that only sleep: each reload says one line for each.
	for i in $(seq 1 24); do echo "  pad$i: {command: [/bin/sleep, \"1000\"]}"; done >>"$T/ev.yaml"
}
write_cfg ""
rv_start "$T/ev.yaml"
wait_for 10 state_is victim.0 running || fail "victim.0 not running"
PIDS=()
at_exit 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done'

# strict FILE: every line one JSON object (no NaN, no duplicate keys), seq,
# index and every number-like member a JSON number.
strict() {
	$PY - "$1" <<'PY'
import json, sys
def no_const(c): raise ValueError("not JSON: " + c)
def no_dup(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)): raise ValueError("duplicate key")
    return dict(pairs)
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line, parse_constant=no_const, object_pairs_hook=no_dup)
    n += 1
    for k in ("seq", "index", "pid", "code", "restarts", "kept", "updated", "started", "stopped", "restarted"):
        if k in o and type(o[k]) is not int: sys.exit(f"line {n}: {k} is {o[k]!r}, not a JSON number")
    for k, v in o.items():
        if isinstance(v, str) and v.isdigit(): sys.exit(f"line {n}: {k} holds digits as a string: {line}")
print(n)
PY
}

# 1. A kill -9 of the main process, seen by a follower of victim.0.
"$RINGVISOR" --socket "$SOCK" events -f --json victim.0 >"$T/kill.json" 2>"$T/kill.err" &
PIDS+=($!)
wait_for 5 grep -q '"to":"running"' "$T/kill.json" || fail "the follower did not get victim.0's start: $(cat "$T/kill.json" "$T/kill.err")"
old=$(inst victim.0 .pid)
kill -9 "$old"
new_pid() { local p; p=$(inst victim.0 .pid); [ "$p" != null ] && [ "$p" != "$old" ] && state_is victim.0 running; }
wait_for 10 new_pid || fail "victim.0 did not come back"
new=$(inst victim.0 .pid)
wait_for 5 grep -q "\"to\":\"running\",.*\"pid\":$new" "$T/kill.json" || fail "no running with pid $new: $(tail -n 5 "$T/kill.json")"
n=$(strict "$T/kill.json") || fail "events --json is not strict JSON with numbers: $n"
$PY - "$T/kill.json" "$old" "$new" <<'PY' || fail "kill sequence: $(tail -n 8 "$T/kill.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
old, new = int(sys.argv[2]), int(sys.argv[3])
want = [lambda e: e["event"] == "exit" and e.get("signal") == "SIGKILL" and e.get("cause") == "killed" and e.get("pid") == old,
        lambda e: e["event"] == "state" and e["from"] == "running" and e["to"] == "backoff",
        lambda e: e["event"] == "restart" and e.get("delay"),
        lambda e: e["event"] == "state" and e["from"] == "backoff" and e["to"] == "starting",
        lambda e: e["event"] == "start" and e.get("pid") == new,
        lambda e: e["event"] == "state" and e["to"] == "running" and e.get("pid") == new]
i = 0
for e in ev:
    assert e["service"] == "victim" and e["index"] == 0, e
    if i < len(want) and want[i](e): i += 1
seqs = [e["seq"] for e in ev]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "seq not increasing"
sys.exit(0 if i == len(want) else f"only {i} of {len(want)} steps in order")
PY
log "kill -9: exit SIGKILL pid $old, backoff, restart, start and running with pid $new ($n strict JSON lines)"
kill "${PIDS[0]}"   # its subscriber slot is part 4's
wait "${PIDS[0]}" 2>/dev/null

# 2. A reload after editing the file: victim gets env (a restart), the rest kept.
write_cfg ", env: {X: '1'}"
rv reload >/dev/null || fail "reload exited $?"
rv events --json --since 1m >"$T/all.json" || fail "events --json exited $?"
strict "$T/all.json" >/dev/null || fail "events --json is not strict JSON"
jq -e -s 'map(select(.event == "reload" and .service == "victim" and .action == "restarted")) | length == 1' "$T/all.json" >/dev/null ||
	fail "no reload event for victim: $(grep reload "$T/all.json")"
jq -e -s 'map(select(.event == "reload" and .service == null and .kept == 26 and .restarted == 1 and .started == 0)) | length == 1' "$T/all.json" >/dev/null ||
	fail "no reload summary (kept 26, restarted 1): $(grep '"reload"' "$T/all.json" | tail -n 1)"
rv events >"$T/all.txt" || fail "events exited $?"
grep -qE '^[0-9T:.-]+Z reload kept=26 updated=0 restarted=1 stopped=0 started=0 config=' "$T/all.txt" ||
	fail "no text reload line: $(grep reload "$T/all.txt")"
log "reload: victim restarted, summary kept=26 restarted=1"

# 3. Without -f: what is kept; --since; a target; exit codes.
grep -qE '^[0-9T:.-]+Z ready backend=' "$T/all.txt" || fail "events lacks the daemon's ready event: $(head -n 3 "$T/all.txt")"
grep -qE '^[0-9T:.-]+Z victim\.0 exit signal=SIGKILL cause=killed pid='"$old"'$' "$T/all.txt" ||
	fail "no text exit line: $(grep 'victim.0 exit' "$T/all.txt")"
sleep 1.2
rv stop calm >/dev/null || fail "stop calm"
rv events --since 1s >"$T/since.txt" || fail "events --since exited $?"
grep -q ' ready backend=' "$T/since.txt" && fail "--since 1s shows the boot's ready event"
grep -qE ' calm\.0 stopped reason=' "$T/since.txt" || fail "--since 1s lacks calm.0's stop: $(cat "$T/since.txt")"
rv events calm >"$T/calm.txt" || fail "events calm exited $?"
# calm's own events and its service-wide ones (its reload line), no other.
grep -vE '^[^ ]+ calm(\.0)? ' "$T/calm.txt" | grep -q . && fail "events calm shows others: $(grep -vE '^[^ ]+ calm(\.0)? ' "$T/calm.txt" | head -n 3)"
grep -q ' calm reload action=kept$' "$T/calm.txt" || fail "events calm lacks its reload line"
[ "$(grep -c ' calm\.0 ' "$T/calm.txt")" -ge 5 ] || fail "events calm: $(cat "$T/calm.txt")"
rv events nosuch >/dev/null 2>&1; rc=$?
[ $rc -eq 4 ] || fail "events nosuch exited $rc, expected 4"
"$RINGVISOR" --socket "$T/none.sock" events >/dev/null 2>&1; rc=$?
[ $rc -eq 111 ] || fail "events without a daemon exited $rc, expected 111"
log "events without -f: all kept, --since 1s only the recent, a target filters; exit 4 and 111"

# 4. 64 subscribers, one never reading, during a flood.
$PY - "$SOCK" "$T" >"$T/fast.out" 2>&1 <<'PY' &
# 63 subscribers read everything as it comes (raw bytes, parsed at the end),
# until each has seen calm.1 start (the test's marker after the flood).
import json, os, selectors, socket, sys, time
sock, T = sys.argv[1], sys.argv[2]
sel = selectors.DefaultSelector()
bufs = {}
for i in range(63):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(b'{"cmd":"events","follow":true}\n')
    s.setblocking(False)
    bufs[s] = bytearray()
    sel.register(s, selectors.EVENT_READ)
open(T + "/fast.ready", "w").close()
marker = b'"event":"start","service":"calm","index":1,'
done, end = set(), time.time() + 60
while len(done) < 63 and time.time() < end:
    for key, _ in sel.select(0.5):
        s = key.fileobj
        try:
            data = s.recv(1 << 20)
        except BlockingIOError:
            continue
        if not data:
            sel.unregister(s); done.add(s); continue
        bufs[s] += data
        if marker in bufs[s][-4096:] or marker in data:
            done.add(s)
bad = 0
for i, (s, b) in enumerate(bufs.items()):
    lines = b.decode().splitlines()
    head = json.loads(lines[0])
    seqs = [json.loads(l)["seq"] for l in lines[1:] if '"seq"' in l]
    drops = [l for l in lines[1:] if '"dropped"' in l]
    gaps = [(a, c) for a, c in zip(seqs, seqs[1:]) if c != a + 1]
    if not head.get("ok") or drops or gaps or marker not in b:
        bad += 1
        print(f"subscriber {i}: ok={head.get('ok')} events={len(seqs)} gaps={gaps[:3]} drops={drops[:1]} marker={marker in b}")
print(f"63 subscribers: {sum(len(b.decode().splitlines()) for b in bufs.values())} lines, {bad} bad; each from seq {min(json.loads(b.decode().splitlines()[1])['seq'] for b in bufs.values())}")
sys.exit(1 if bad else 0)
PY
FAST=$!
PIDS+=($FAST)
wait_for 10 test -f "$T/fast.ready" || fail "the 63 subscribers did not connect: $(cat "$T/fast.out")"
$PY - "$SOCK" "$T" >"$T/slow.out" 2>&1 <<'PY' &
# The 64th subscribes and reads nothing until told to, then everything.
import os, socket, sys, time
sock, T = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
s.sendall(b'{"cmd":"events","follow":true}\n')
open(T + "/slow.ready", "w").close()
while not os.path.exists(T + "/slow.read"):
    time.sleep(0.05)
s.settimeout(20)
data = bytearray()
while True:
    b = s.recv(1 << 20)
    if not b: break
    data += b
sys.stdout.write(data.decode().splitlines()[-1] + "\n")
PY
SLOW=$!
PIDS+=($SLOW)
wait_for 10 test -f "$T/slow.ready" || fail "the slow subscriber did not connect"
wait_for 5 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json | jq .supervisor.events.subscribers)\" = 64 ]" ||
	fail "not 64 subscribers: $(status_json | jq -c .supervisor.events) $(cat "$T/fast.out")"
dropped0=$(sup_field events.subscribers_dropped)
touch "$T/go"
rv restart storm --no-wait >/dev/null || fail "restart storm"
$PY - "$SOCK" "$T" >"$T/reloads.out" 2>&1 <<'PY' &
# Reloads of the unchanged file, back to back, until told to stop.
import json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rb")
n, end = 0, time.time() + 60
while not os.path.exists(sys.argv[2] + "/stop") and time.time() < end:
    s.sendall(b'{"cmd":"reload"}\n')
    r = json.loads(f.readline())
    if not r.get("ok"): sys.exit(f"reload refused: {r}")
    n += 1
print(n)
PY
RELOADS=$!
PIDS+=($RELOADS)
slowest=0 t0=$(date +%s)
cut() { [ "$(sup_field events.subscribers_dropped)" -gt "$dropped0" ]; }
while ! cut; do
	[ $(( $(date +%s) - t0 )) -lt 40 ] || fail "the slow subscriber was not cut off in 40 s: $(status_json | jq -c .supervisor.events)"
	s=$(date +%s%N); rv status >/dev/null; rc=$?; ms=$(( ($(date +%s%N) - s) / 1000000 ))
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || fail "status exited $rc during the flood"
	[ $ms -gt $slowest ] && slowest=$ms
	sleep 0.1
done
flood_s=$(( $(date +%s) - t0 ))
rm -f "$T/go"
touch "$T/stop"
wait "$RELOADS" || fail "the reloads: $(cat "$T/reloads.out")"
[ $slowest -lt 2000 ] || fail "status took $slowest ms during the flood"
storm_calm() { [ "$(status_json storm | jq '[.services[0].instances[] | select(.state == "running")] | length')" = 4 ]; }
wait_for 15 storm_calm || fail "storm did not calm down: $(status_json storm | jq -c '[.services[0].instances[].state]')"
rv scale calm 2 --no-wait >/dev/null || fail "scale calm 2 (the marker: calm.1 starts)"
wait "$FAST" || fail "the 63 subscribers: $(cat "$T/fast.out")"
touch "$T/slow.read"
wait "$SLOW" || fail "the slow subscriber: $(cat "$T/slow.out")"
last=$(cat "$T/slow.out")
jq -e '.event == "dropped" and .reason == "subscriber too slow" and (.dropped | type == "number" and . > 0)' <<<"$last" >/dev/null ||
	fail "the slow subscriber's last line: $last"
rv metrics | grep -qE '^ringvisor_event_subscribers_dropped_total [1-9]' || fail "metrics: $(rv metrics | grep event_sub)"
# More was made than is kept: all of it is asked for, and a note says so.
rv events >"$T/after.txt" 2>"$T/after.err" || fail "events after the flood exited $?"
[ "$(wc -l <"$T/after.txt")" -eq 4096 ] || fail "events after the flood: $(wc -l <"$T/after.txt") lines, the ring keeps 4096"
grep -qE '^ringvisor: note: the daemon keeps its last 4096 events \(1024 KiB\): [0-9]+ older ones are gone$' "$T/after.err" ||
	fail "no note on what the ring let go: $(cat "$T/after.err")"
log "flood of ${flood_s}s ($(cat "$T/reloads.out") reloads and the crashes): $(tail -n 1 "$T/fast.out"); status at most ${slowest} ms; the slow one: $last"
exit 0
