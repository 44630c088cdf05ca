#!/usr/bin/env bash
# A service's output is arbitrary bytes (issue 12, finding 10): the JSON
# replies carrying it are valid UTF-8 (invalid bytes become U+FFFD, the
# bytes as written go beside as base64 "bytes"), and `ringvisor logs` shows
# escape sequences and invalid bytes as \xHH instead of letting them act on
# root's terminal, on a terminal and into a pipe alike (issue 16); --raw
# writes the bytes as the service wrote them.
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
# Into a pipe: escaped just the same; --raw: the bytes as written.
rv logs esc >"$T/pipe.out"
grep -qF 'bad \xff byte' "$T/pipe.out" || fail "invalid UTF-8 not escaped in a pipe: $(cat -v "$T/pipe.out")"
grep -qF '\x1b[2J red' "$T/pipe.out" || fail "escape not escaped in a pipe: $(cat -v "$T/pipe.out")"
rv logs esc --raw | LC_ALL=C grep -q $'^esc.0| bad \xff byte$' || fail "--raw changed the invalid byte"
rv logs esc --raw | grep -q $'\x1b\\[2J red' || fail "--raw changed the escape sequence"
exit 0
