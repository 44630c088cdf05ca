#!/usr/bin/env bash
# A service's output is arbitrary bytes (issue 12, finding 10): the JSON
# replies carrying it are valid UTF-8 (invalid bytes become U+FFFD), and
# `ringvisor logs` on a terminal shows escape sequences as \xHH instead of
# letting them act on root's terminal; into a pipe the bytes go unchanged.
. "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script (bsdutils) is not installed"
cfg=$(write_config esc.yaml <<'EOF2'
services:
  esc:
    command: [/bin/sh, -c, "printf 'bad \\377 byte\\n\\033]0;owned\\007 \\033[2J red\\n'; exec sleep 1000"]
EOF2
)
rv_start "$cfg"
wait_for 5 bash -c "[ \$($RINGVISOR --socket $SOCK logs esc --json | wc -l) -ge 2 ]" || fail "no log lines"
PY=/usr/bin/python3; [ -x $PY ] || PY=$(command -v python3)
rv logs esc --json | $PY -c '
import json, sys
text = sys.stdin.buffer.read().decode("utf-8")   # strict: invalid UTF-8 raises
lines = [json.loads(l)["line"] for l in text.splitlines()]
assert lines[0] == "bad \ufffd byte", lines[0]
assert "\x1b]0;owned\x07" in lines[1], lines[1]
' || fail "the JSON reply is not valid UTF-8 with the line as sent"
# On a terminal: escaped.
script -qc "$RINGVISOR --socket $SOCK logs esc" /dev/null >"$T/tty.out" </dev/null
grep -q '\\x1b]0;owned\\x07' "$T/tty.out" || fail "not escaped on a terminal: $(cat -v "$T/tty.out")"
if grep -q $'\x1b]0;owned' "$T/tty.out"; then fail "a raw escape reached the terminal"; fi
# Into a pipe: as sent (here, after the daemon's UTF-8 repair).
rv logs esc | grep -q $'\x1b\\[2J red' || fail "bytes changed in a pipe"
exit 0
