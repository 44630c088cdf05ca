#!/usr/bin/env bash
# run.sh: runs every integration/t_*.sh on each event backend (both, unless
# RV_BACKENDS says otherwise) and prints "integration: N passed, N failed,
# N skipped". A test exits 0 (pass), 77 (skip, it says why) or else (fail).
# RV_ALTERNATE=1 runs each test once, on the backends in turn (uring for
# the first test, epoll for the second, ...); RV_ALTERNATE=2 the other way
# round. `make test` runs its plain pass with 1 and its ASan pass with 2:
# every test on both backends, once plain and once under the sanitizers.
#
# Two lanes: a test with the line "# lane: clock" (one that mostly waits for
# its daemon's clock, e.g. a leak verdict's horizon, uses little CPU and
# checks only its own daemon's books) runs in a second lane, one such test
# at a time, beside the others, which run one at a time as before. Every
# test has its own daemon, socket, temp dir and cgroup root (lib.sh), so two
# never share state. RV_LANES=1 runs everything in one lane.
set -u
cd "$(dirname "$0")"
: "${RINGVISOR:?}"
out=$(dirname "$RINGVISOR")/tools
mkdir -p "$out"
cc -std=gnu17 -O2 -Wall -Wextra -Werror tools/seccomp-deny.c -o "$out/seccomp-deny" || exit 1
cc -std=gnu17 -O2 -Wall -Wextra -Werror tools/sigign.c -o "$out/sigign" || exit 1
cc -std=gnu17 -O2 -Wall -Wextra -Werror tools/logspew.c -o "$out/logspew" || exit 1
cc -std=gnu17 -O2 -Wall -Wextra -Werror tools/notify-ready.c -o "$out/notify-ready" -lsystemd || exit 1
export SECCOMP_DENY=$out/seccomp-deny SIGIGN=$out/sigign LOGSPEW=$out/logspew NOTIFY_READY=$out/notify-ready RINGVISOR
backends=(${RV_BACKENDS:-uring epoll})
rounds=("${backends[@]}")
alt=${RV_ALTERNATE:-0}
[ "$alt" = 1 ] || [ "$alt" = 2 ] && rounds=(alternate)
tally=$(mktemp -d /tmp/rv-it-tally.XXXXXX)
trap 'rm -rf "$tally"' EXIT

# run_one BACKEND TEST LANE: runs it, prints its line (and the tail of its
# log when it fails), and adds pass, fail or skip to the lane's tally.
run_one() {
	local backend=$1 t=$2 lane=$3 start rc ms secs log
	log="/tmp/rv-it-$backend-$t.log"
	start=$(date +%s%N)
	RV_BACKEND=$backend timeout 300 bash "$t" >"$log" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	secs=$((ms / 1000)).$(( (ms % 1000) / 100 ))
	case $rc in
	0) echo pass >>"$tally/$lane"; echo "PASS  [$backend] $t (${secs}s)";;
	77) echo skip >>"$tally/$lane"; echo "SKIP  [$backend] $t: $(grep -m1 SKIP "$log")";;
	*) echo "fail $backend/$t" >>"$tally/$lane"; echo "FAIL  [$backend] $t (rc=$rc)"; sed 's/^/    /' "$log" | tail -n 40;;
	esac
	rm -f "$log"
}

# Which backend each test gets, in the order of the list, then the lanes.
main=() clock=()
for round in "${rounds[@]}"; do
	n=0
	for t in ${RV_TESTS:-t_*.sh}; do
		backend=$round
		[ "$round" = alternate ] && backend=${backends[(n + alt - 1) % ${#backends[@]}]}
		n=$((n + 1))
		if [ "${RV_LANES:-2}" != 1 ] && grep -q '^# lane: clock$' "$t"; then
			clock+=("$backend $t")
		else
			main+=("$backend $t")
		fi
	done
done
# The clock lane prints into a file, shown when the main lane is done, so
# a failure's log tail is not cut by the other lane's lines.
(for r in "${clock[@]}"; do run_one $r clock; done) >"$tally/clock.out" &
clock_pid=$!
for r in "${main[@]}"; do run_one $r main; done
wait "$clock_pid"
cat "$tally/clock.out"
pass=$(cat "$tally"/main "$tally"/clock 2>/dev/null | grep -c '^pass')
skipped=$(cat "$tally"/main "$tally"/clock 2>/dev/null | grep -c '^skip')
fail=$(cat "$tally"/main "$tally"/clock 2>/dev/null | grep -c '^fail')
echo "integration: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
