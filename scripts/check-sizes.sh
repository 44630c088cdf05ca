#!/usr/bin/env bash
# check-sizes.sh: DESIGN.md's file-size rule. Warns above 500 lines, fails
# above 1000, for every C file and script under daemon/ include/ bpf/ tests/
# integration/ bench/.
set -u
cd "$(dirname "$0")/.."
rc=0
while read -r n f; do
	[ "$f" = total ] && continue
	if [ "$n" -gt 1000 ]; then echo "FAIL $f: $n lines (limit 1000)"; rc=1
	elif [ "$n" -gt 500 ]; then echo "warn $f: $n lines (aim under 500)"; fi
done < <(find daemon include bpf tests integration bench -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' \) -not -name vmlinux.h -print0 2>/dev/null | xargs -0 -r wc -l | sort -rn)
exit $rc
