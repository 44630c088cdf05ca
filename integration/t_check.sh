#!/usr/bin/env bash
# `ringvisor check` (issue 16): every error of a file in one run, shape
# errors included (three typos: three lines, plus the file's value error),
# each as FILE:LINE:COL: key.path: message; warnings, with exit 0, for a
# command that is not an executable and a cwd that does not exist, as
# FILE:LINE:COL: warning: ...; `check --json` as one strict JSON object; the
# daemon logs the same warnings at start and on reload.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is needed to parse --json strictly"

# --- three typos and a bad value: one run, four lines, in file order -------
bad=$(write_config typos.yaml <<'YAML'
supervisor:
  shutdown_timout: 5s
services:
  web:
    command: [/bin/true]
    restrat: {policy: never}
    instances: 0
    stop: {signal: TERM, timeot: 1s}
YAML
)
out=$("$RINGVISOR" check -c "$bad" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "typos: check exited $rc, expected 1: $out"
want="$bad:2:3: supervisor.shutdown_timout: unknown key (did you mean shutdown_timeout?)
$bad:6:5: services.web.restrat: unknown key (did you mean restart?)
$bad:7:5: services.web.instances: 0 is below the minimum of 1
$bad:8:26: services.web.stop.timeot: unknown key (did you mean timeout?)"
[ "$out" = "$want" ] || fail "typos: expected
$want
got
$out"

# --- a duplicate key and a syntax error, at their positions ----------------
dup=$(write_config dup.yaml <<'YAML'
services:
  web:
    command: [/bin/true]
    command: [/bin/false]
YAML
)
out=$("$RINGVISOR" check -c "$dup" 2>&1) && fail "dup: check accepted it"
[ "$out" = "$dup:4:5: services.web.command: duplicate key (first at line 3)" ] || fail "dup: $out"
syn=$(write_config syntax.yaml <<'YAML'
services:
  web:
    bogus: 1
    command: [/bin/true
  api: {command: [/bin/true]}
YAML
)
out=$("$RINGVISOR" check -c "$syn" 2>&1) && fail "syntax: check accepted it"
grep -qE "^$syn:5:6: services\.web\.command\[1\]: YAML syntax error: " <<<"$out" || fail "syntax: $out"

# --- warnings: exit 0 ------------------------------------------------------
mkdir -p "$T/bin"
printf '#!/bin/sh\nexit 0\n' >"$T/bin/noexec" # not executable: mode 0644
warn=$(write_config warn.yaml <<YAML
services:
  ok:
    command: [sh, -c, "exit 0"]
  nocmd:
    command: [rv-no-such-program-$$]
  nocwd:
    command: [/bin/true]
    cwd: $T/no-such-dir
  noexec:
    command: [$T/bin/noexec]
YAML
)
"$RINGVISOR" check -c "$warn" >"$T/warn.out" 2>"$T/warn.err"; rc=$?
[ $rc -eq 0 ] || fail "warnings: check exited $rc: $(cat "$T/warn.err")"
[ "$(cat "$T/warn.out")" = "$warn: ok, 4 services, 4 instances" ] || fail "warnings: stdout $(cat "$T/warn.out")"
want="$warn:5:15: warning: services.nocmd.command[0]: \"rv-no-such-program-$$\" is not found in PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
$warn:8:5: warning: services.nocwd.cwd: \"$T/no-such-dir\" does not exist
$warn:10:15: warning: services.noexec.command[0]: \"$T/bin/noexec\" is not an executable file"
[ "$(cat "$T/warn.err")" = "$want" ] || fail "warnings: expected
$want
got
$(cat "$T/warn.err")"

# --- --json, parsed strictly -----------------------------------------------
# strict_json FILE EXPR: FILE is one JSON object (no NaN, no duplicate
# keys, nothing after it) and the python EXPR over it (as o) holds.
strict_json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
def no_dups(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)
def no_const(c):
    raise ValueError("not JSON: " + c)
text = open(sys.argv[1], encoding="utf-8").read()
o = json.loads(text, object_pairs_hook=no_dups, parse_constant=no_const)
assert text.count("\n") == 1 and text.endswith("}\n"), "not one object on one line"
assert eval("(" + sys.argv[2] + ")"), sys.argv[2] + " is false for " + text
PY
}
"$RINGVISOR" check -c "$bad" --json >"$T/bad.json" 2>"$T/bad.jerr"; rc=$?
[ $rc -eq 1 ] || fail "json typos: exit $rc"
[ ! -s "$T/bad.jerr" ] || fail "json typos: stderr: $(cat "$T/bad.jerr")"
strict_json "$T/bad.json" "o['ok'] is False and o['services'] is None and o['errors_dropped'] == 0 and o['warnings'] == [] and
  o['file'] == '$bad' and
  [(e['line'], e['column'], e['path']) for e in o['errors']] == [(2, 3, 'supervisor.shutdown_timout'),
  (6, 5, 'services.web.restrat'), (7, 5, 'services.web.instances'), (8, 26, 'services.web.stop.timeot')] and
  o['errors'][2]['message'] == '0 is below the minimum of 1'" || fail "json typos: $(cat "$T/bad.json")"
"$RINGVISOR" check -c "$warn" --json >"$T/warn.json" 2>"$T/warn.jerr"; rc=$?
[ $rc -eq 0 ] || fail "json warnings: exit $rc"
strict_json "$T/warn.json" "o['ok'] is True and o['services'] == 4 and o['instances'] == 4 and o['errors'] == [] and
  [(w['line'], w['column'], w['path']) for w in o['warnings']] == [(5, 15, 'services.nocmd.command[0]'),
  (8, 5, 'services.nocwd.cwd'), (10, 15, 'services.noexec.command[0]')]" || fail "json warnings: $(cat "$T/warn.json")"
"$RINGVISOR" check -c "$T/missing.yaml" --json >"$T/missing.json"; rc=$?
[ $rc -eq 1 ] || fail "json missing file: exit $rc"
strict_json "$T/missing.json" "o['ok'] is False and o['errors'][0]['line'] is None and o['errors'][0]['path'] is None and
  o['errors'][0]['message'].startswith('cannot open')" || fail "json missing file: $(cat "$T/missing.json")"

# --- the daemon says the same warnings at start and on reload --------------
rv_start "$warn"
grep -qF "$warn:8:5: warning: services.nocwd.cwd: " "$T/daemon.log" || fail "start: no cwd warning in the log"
grep -qF "$warn:5:15: warning: services.nocmd.command[0]: " "$T/daemon.log" || fail "start: no command warning in the log"
sed -i "s|cwd: $T/no-such-dir|cwd: $T/other-dir|" "$warn"
rv reload >/dev/null || fail "reload with warnings refused"
wait_for 5 grep -qF "$warn:8:5: warning: services.nocwd.cwd: \"$T/other-dir\" does not exist" "$T/daemon.log" ||
	fail "reload: no cwd warning in the log"
log "three typos and a value error in one run, positions, warnings with exit 0, --json, the daemon's warnings"
