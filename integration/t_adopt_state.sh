#!/usr/bin/env bash
# What the operator changed survives the daemon's death: after `scale web 4`
# and `stop web.1`, a SIGKILLed daemon's successor keeps 4 instances (the
# two added by the scale taken back, not killed as beyond the config's 2)
# and leaves web.1 stopped. The state lives on services/web
# (trusted.ringvisor.service); a config whose `instances` changed since
# wins over the kept scale; a clean shutdown forgets it.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "adoption needs cgroups"
cfg=$(write_config st.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  web: {command: [/bin/sleep, "1000"], instances: 2}
  db: {command: [/bin/sleep, "1000"]}
YAML
)
pids() { status_json web | jq -c '[.services[0].instances[] | {index, state, pid}]'; }
state_attr() { python3 -c "import os,sys; print(os.getxattr(sys.argv[1], 'trusted.ringvisor.service').decode())" "$CGROOT/services/web"; }
rv_start "$cfg"
wait_for 5 all_in_state 3 running || fail "not running"
rv scale web 4 >/dev/null || fail "scale"
wait_for 5 all_in_state 5 running || fail "scale to 4 not running"
rv stop web.1 >/dev/null || fail "stop web.1"
wait_for 5 state_is web.1 stopped || fail "web.1 not stopped"
wait_for 3 bash -c "[ \"\$(python3 -c \"import os; print(os.getxattr('$CGROOT/services/web', 'trusted.ringvisor.service').decode())\")\" = 'v1 config=2 scale=4 stopped=1' ]" ||
	fail "state not written: $(state_attr)"
rv freeze db.0 >/dev/null || fail "freeze db.0"
wait_for 3 state_is db.0 frozen || fail "db.0 not frozen"
dbpid=$(inst db.0 .pid)
before=$(pids)
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
mv "$T/daemon.log" "$T/daemon1.log"
rv_start "$cfg"
wait_for 5 grep -q 'adoption adopted=4 failed=0' "$T/daemon.log" || fail "not 4 taken back: $(grep -E 'adopt' "$T/daemon.log")"
[ "$(pids)" = "$before" ] || fail "web changed: $before -> $(pids)"
grep -q 'web.1 kept-stopped' "$T/daemon.log" || fail "no kept-stopped line"
grep -q 'web kept-scale instances=4' "$T/daemon.log" || fail "no kept-scale line"
sleep 0.3
state_is web.1 stopped || fail "web.1 was started"
# A frozen instance is taken back frozen, and thaws.
[ "$(inst db.0 .pid)" = "$dbpid" ] || fail "db.0 replaced"
state_is db.0 frozen || fail "db.0 is $(inst db.0 .state) after adoption, was frozen"
rv thaw db.0 >/dev/null || fail "thaw db.0"
wait_for 3 state_is db.0 running || fail "db.0 not running after thaw"
log "scale 4 and a stopped web.1 survived a SIGKILLed daemon: $(pids)"

# The config's instances changed meanwhile (2 -> 3): the config wins.
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
mv "$T/daemon.log" "$T/daemon2.log"
sed -i 's/instances: 2/instances: 3/' "$cfg"
rv_start "$cfg"
wait_for 5 bash -c "[ \$($RINGVISOR --socket $SOCK status --json web | jq '.services[0].instances | length') -eq 3 ]" ||
	fail "web has $(status_json web | jq '.services[0].instances | length') instances, config says 3"
grep -q 'web.3 adopt-refused' "$T/daemon.log" || fail "web.3 (beyond the new config) not refused"
grep -q 'web kept-scale' "$T/daemon.log" && fail "the old scale was kept over a changed config"

# A clean shutdown forgets: the next start follows the config alone.
rv shutdown >/dev/null; wait "$DAEMON_PID" 2>/dev/null
[ ! -e "$CGROOT/services/web" ] || fail "services/web left after shutdown"
mv "$T/daemon.log" "$T/daemon3.log"
rv_start "$cfg"
wait_for 5 all_in_state 4 running || fail "after a clean restart: $(pids)"
grep -q 'kept-' "$T/daemon.log" && fail "state kept across a clean shutdown"
exit 0
