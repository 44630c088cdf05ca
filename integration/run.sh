#!/usr/bin/env bash
# run.sh: runs every integration/t_*.sh on each event backend (both, unless
# RV_BACKENDS says otherwise) and prints "integration: N passed, N failed,
# N skipped". A test exits 0 (pass), 77 (skip, it says why) or else (fail).
# RV_ALTERNATE=1 runs each test once, on the backends in turn (uring for
# the first test, epoll for the second, ...); RV_ALTERNATE=2 the other way
# round. `make test` runs its plain pass with 1 and its ASan pass with 2:
# every test on both backends, once plain and once under the sanitizers.
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
pass=0 fail=0 skipped=0 failed_names=()
backends=(${RV_BACKENDS:-uring epoll})
rounds=("${backends[@]}")
alt=${RV_ALTERNATE:-0}
[ "$alt" = 1 ] || [ "$alt" = 2 ] && rounds=(alternate)
for round in "${rounds[@]}"; do
	n=0
	for t in ${RV_TESTS:-t_*.sh}; do
		backend=$round
		[ "$round" = alternate ] && backend=${backends[(n + alt - 1) % ${#backends[@]}]}
		n=$((n + 1))
		start=$(date +%s%N)
		RV_BACKEND=$backend timeout 300 bash "$t" >"/tmp/rv-it-$backend-$t.log" 2>&1
		rc=$?
		ms=$(( ($(date +%s%N) - start) / 1000000 ))
		secs=$((ms / 1000)).$(( (ms % 1000) / 100 ))
		case $rc in
		0) pass=$((pass+1)); echo "PASS  [$backend] $t (${secs}s)";;
		77) skipped=$((skipped+1)); echo "SKIP  [$backend] $t: $(grep -m1 SKIP "/tmp/rv-it-$backend-$t.log")";;
		*) fail=$((fail+1)); failed_names+=("$backend/$t"); echo "FAIL  [$backend] $t (rc=$rc)"; sed 's/^/    /' "/tmp/rv-it-$backend-$t.log" | tail -n 40;;
		esac
		rm -f "/tmp/rv-it-$backend-$t.log"
	done
done
echo "integration: $pass passed, $fail failed, $skipped skipped"
[ $fail -eq 0 ]
