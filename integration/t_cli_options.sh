#!/usr/bin/env bash
# Every option a command accepts does something or is refused (exit 100,
# the option and the command named): run's options on a client command,
# --json on run and top (their output has no JSON form yet), -n outside
# logs and top, -f and --since outside logs and events, -t, --raw and
# --rotate outside logs (and bad values or mixes of them in logs and
# events), --interval, -b, -d and --sort outside
# top (t_top.sh). The accepted forms still work.
# `help CMD` and `CMD --help` print that command's usage.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config opts.yaml <<'YAML'
services:
  sleeper:
    command: [/bin/sleep, "1000"]
YAML
)
rv_start "$cfg"
refused() {
	local want=$1; shift
	"$RINGVISOR" "$@" >"$T/out" 2>"$T/err" </dev/null; local rc=$?
	[ $rc -eq 100 ] || fail "'$*' exited $rc, expected 100 (usage): $(head -2 "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "'$*' did not say '$want': $(head -2 "$T/err")"
}
refused "--probe is an option of run, not of status" --socket "$SOCK" status --probe=bpf
refused "--cgroup-root is an option of run, not of stop" --socket "$SOCK" stop sleeper --cgroup-root=none
refused "--debug is an option of run, not of logs" --socket "$SOCK" logs sleeper --debug
refused "--log-format is an option of run, not of check" check -c "$cfg" --log-format=json
refused "--log-splice is an option of run, not of status" --socket "$SOCK" status --log-splice=off
refused '--log-splice: expected auto or off, got "on"' run -c "$cfg" --log-splice=on
refused "--json is not an option of top" --socket "$SOCK" top --json
refused "--json is not an option of run" run -c "$cfg" --json
refused "-n is an option of logs and top, not of status" --socket "$SOCK" status -n 5
refused "-f is an option of logs and events, not of top" --socket "$SOCK" top -f
refused "-t is an option of logs, not of status" --socket "$SOCK" status -t
refused "--since is an option of logs and events, not of status" --socket "$SOCK" status --since 10m
refused "--raw is an option of logs, not of snapshots" --socket "$SOCK" snapshots --raw
refused "--rotate is an option of logs, not of restart" --socket "$SOCK" restart sleeper --rotate
refused "--since is an option of logs and events, not of check" check -c "$cfg" --since=1h
refused "-t is an option of logs, not of events" --socket "$SOCK" events -t
refused "-n is an option of logs and top, not of events" --socket "$SOCK" events -n 5
refused "--raw is an option of logs, not of events" --socket "$SOCK" events --raw
refused '--since: expected a duration such as 90s, 10m or 1h (at most 8784h), got "10x"' --socket "$SOCK" events --since 10x
refused "wrong number of arguments for events" --socket "$SOCK" events sleeper sleeper
refused '--since: expected a duration such as 90s, 10m or 1h (at most 8784h), got "10x"' --socket "$SOCK" logs sleeper --since 10x
refused '--since: expected a duration' --socket "$SOCK" logs sleeper --since 0
refused "--rotate goes without -n, -f, -t, --since and --raw" --socket "$SOCK" logs sleeper --rotate -n 5
refused "--raw is for text output, not with --json" --socket "$SOCK" logs sleeper --raw --json
refused "--interval is an option of top, not of status" --socket "$SOCK" status --interval=1s
# help CMD and CMD --help: the same text, for every command; an unknown one
# is a usage error.
for v in run check status start stop restart scale signal freeze thaw leaks metrics snapshot snapshots logs events top \
	 reload reexec shutdown; do
	"$RINGVISOR" help "$v" >"$T/h1" 2>&1 || fail "help $v exited $?"
	head -1 "$T/h1" | grep -qE "^Usage: ringvisor ([a-z]+\|)*$v[ |]|^Usage: ringvisor ([a-z]+\|)*$v\$" ||
		fail "help $v: $(head -1 "$T/h1")"
	"$RINGVISOR" "$v" --help >"$T/h2" 2>&1 || fail "$v --help exited $?"
	cmp -s "$T/h1" "$T/h2" || fail "$v --help differs from help $v"
done
refused 'help: unknown command "nope"' help nope
"$RINGVISOR" help | grep -q "ringvisor reload" || fail "help without a command lacks the usage"
# Nothing running was harmed, and the accepted forms work.
[ "$(inst sleeper.0 .state)" = running ] || fail "sleeper is $(inst sleeper.0 .state)"
rv status --json >/dev/null || fail "status --json"
"$RINGVISOR" check -c "$cfg" >/dev/null || fail "check"
"$RINGVISOR" check -c "$cfg" --json | jq -e '.ok == true' >/dev/null || fail "check --json"
rv logs sleeper -n 5 >/dev/null || fail "logs -n"
rv logs sleeper -t --since 90s >/dev/null || fail "logs -t --since"
rv events sleeper --since 1h --json >/dev/null || fail "events --since --json"
log "options of other commands refused with exit 100, each named"
