#!/usr/bin/env bash
# The fd budget (issue 12, finding 8): under a low RLIMIT_NOFILE, a config
# whose instances cannot all hold their fds is refused at start with the
# figures, instead of running into EMFILE one spawn at a time; and a scale
# past the budget is refused whole, with the figures, while what runs goes
# on and the control socket still answers.
. "$(dirname "$0")/lib.sh"
command -v prlimit >/dev/null || skip "prlimit (util-linux) is not installed"
big=$(write_config big.yaml <<'EOF2'
services:
  many: {command: [/bin/sleep, "1000"], instances: 100}
EOF2
)
prlimit --nofile=300:300 "$RINGVISOR" run -c "$big" --socket "$SOCK" --event-backend="$RV_BACKEND" \
	--cgroup-root="$CGROOT" >"$T/big.out" 2>"$T/big.log" &
p=$!
wait_for 10 bash -c "! kill -0 $p 2>/dev/null" || { kill -KILL $p; fail "the daemon started 100 instances under 300 fds"; }
wait $p; rc=$?
[ $rc -ne 0 ] || fail "exit status 0"
grep -q 'file descriptors and .* are left (RLIMIT_NOFILE 300, .* kept in reserve): raise the limit' "$T/big.log" ||
	fail "no clear refusal: $(tail -3 "$T/big.log")"
grep -q ' many.0 start' "$T/big.log" && fail "it started instances before refusing"

small=$(write_config small.yaml <<'EOF2'
services:
  few: {command: [/bin/sleep, "1000"], instances: 2}
EOF2
)
RV_WRAP="prlimit --nofile=300:300" rv_start "$small"
wait_for 5 all_in_state 2 running || fail "2 instances not running"
out=$(rv scale few 100 2>&1) && fail "scale to 100 accepted under 300 fds"
case $out in *"not enough file descriptors"*"RLIMIT_NOFILE 300"*) ;; *) fail "scale refusal: $out";; esac
[ "$(count_state running)" -eq 2 ] || fail "the running instances changed"
rv scale few 4 >/dev/null || fail "a scale that fits was refused"
wait_for 5 all_in_state 4 running || fail "4 instances not running"
log "refused at start and at scale with the figures; what fits runs"
exit 0
