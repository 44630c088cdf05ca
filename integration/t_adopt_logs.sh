#!/usr/bin/env bash
# A service that writes while no daemon runs loses nothing: the fd store
# (`ringvisor fdhold`, in <root>/fdhold) holds a read end of every output
# pipe, so after the daemon is SIGKILLed the writer's lines wait in the pipe
# (it is never killed by SIGPIPE), and the next daemon, having taken the
# instance back, reads them into the same log file. Then the old store is
# gone and the new one holds the pipes. Without the store (the code before
# it) the writer died of SIGPIPE at its first line in the gap.
# The writer is paused across the kill itself (below): lines the daemon had
# read and not yet written are outside what a crash keeps.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "adoption needs cgroups"
logdir=$T/logs
mkdir -p "$logdir"
cfg=$(write_config al.yaml <<YAML
supervisor: {shutdown_timeout: 5s, log: {dir: $logdir, max_bytes: 0}}
services:
  writer: {command: [/bin/sh, -c, 'i=0; while :; do i=\$((i+1)); echo "n \$i"; sleep 0.01; done']}
YAML
)
rv_start "$cfg"
wait_for 5 state_is writer.0 running || fail "writer not running"
pid=$(inst writer.0 .pid)
holder=$(sup_field fdstore.pid)
[ "$holder" != null ] && kill -0 "$holder" || fail "no fd store: $(status_json | jq -c .supervisor.fdstore)"
[ "$(sup_field fdstore.held)" -ge 1 ] || fail "the store holds nothing"
grep -qx "$holder" "$CGROOT/fdhold/cgroup.procs" || fail "the store is not in $CGROOT/fdhold"
sleep 0.5
# The writer pauses for the instant of the kill: a line the daemon has read
# and not yet written dies with it (docs/adoption.md bounds that loss), and
# a kill at a random instant sometimes lands there (CI saw "n 85" lost on
# uring under ASan, where the write waits for the next ring submission).
# What this test checks is the pipe's promise: every line written while no
# daemon runs reaches the file. So the daemon drains first: the file's last
# line stops changing.
kill -STOP "$pid"
last_line() { tail -n 1 "$logdir/writer.0.log" 2>/dev/null; }
prev=; for _ in $(seq 50); do cur=$(last_line); [ -n "$cur" ] && [ "$cur" = "$prev" ] && break; prev=$cur; sleep 0.1; done
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
kill -CONT "$pid"
sleep 1.5   # ~150 lines written with no daemon
kill -0 "$pid" || fail "the writer died while no daemon ran"
kill -0 "$holder" || fail "the store died with the daemon"
mv "$T/daemon.log" "$T/daemon1.log"
rv_start "$cfg"
wait_for 5 grep -q 'writer.0 adopted .*output=recovered' "$T/daemon.log" || fail "not adopted: $(grep -E 'adopt' "$T/daemon.log")"
[ "$(inst writer.0 .pid)" = "$pid" ] || fail "the writer was replaced"
wait_for 3 bash -c "! kill -0 $holder 2>/dev/null || [ \$(awk '{print \$3}' /proc/$holder/stat) = Z ]" || fail "the old store lives on"
new=$(sup_field fdstore.pid)
[ "$new" != "$holder" ] && kill -0 "$new" || fail "no new store"
[ "$(grep -c . "$CGROOT/fdhold/cgroup.procs")" -eq 1 ] || fail "stores in fdhold: $(cat "$CGROOT/fdhold/cgroup.procs")"
sleep 0.5
rv stop writer >/dev/null
wait_for 5 state_is writer.0 stopped || fail "writer not stopped"
numbered_lines_intact "$logdir/writer.0.log" || fail "lines lost or repeated across the crash"
rv shutdown >/dev/null
wait "$DAEMON_PID" 2>/dev/null
! kill -0 "$new" 2>/dev/null || [ "$(awk '{print $3}' /proc/"$new"/stat 2>/dev/null)" = Z ] || fail "the store outlived a clean shutdown"
[ ! -e "$CGROOT/fdhold" ] || fail "$CGROOT/fdhold left after shutdown"
log "SIGKILLed daemon, 1.5 s without one: the writer lived on, every line reached the file, the old store was replaced"
exit 0
