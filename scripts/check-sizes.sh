#!/usr/bin/env bash
# check-sizes.sh: the size rules. A C file or script under daemon/ include/
# bpf/ tests/ integration/ bench/ scripts/ over 500 lines fails; so does a C
# function over 60 lines in daemon/ (counted from its first line to its
# closing brace). Functions over 60 lines in tests/ and bench/ are warned of.
set -u
cd "$(dirname "$0")/.."
rc=0
while read -r n f; do
	[ "$f" = total ] && continue
	if [ "$n" -gt 500 ]; then echo "FAIL $f: $n lines (limit 500)"; rc=1; fi
done < <(find daemon include bpf tests integration bench scripts -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' \) \
	-not -name vmlinux.h -print0 2>/dev/null | xargs -0 -r wc -l | sort -rn)
# A function: a line starting at column 0 with an identifier and '(' that
# is not a declaration, then the '{' line, then the '}' line at column 0.
while IFS=: read -r f line n name; do
	case $f in
	daemon/*) echo "FAIL $f:$line: $name is $n lines (limit 60)"; rc=1;;
	*) echo "warn $f:$line: $name is $n lines (aim 60)";;
	esac
done < <(awk '
	FNR == 1 { inside = 0; cand = 0 }
	!inside && /^[A-Za-z_][^;]*\(/ && !/^(static )?(const )?(struct|enum|union) [a-z_]+ \{/ && !/^#/ { cand = FNR; sig = $0; next }
	!inside && cand && /^\{/ { inside = 1; start = cand; next }
	!inside && cand && /;$/ { cand = 0 }
	inside && /^\}/ { n = FNR - start + 1; if (n > 60) { sub(/\(.*/, "", sig); k = split(sig, w, /[ *]+/); print FILENAME ":" start ":" n ":" w[k] "()" } inside = 0; cand = 0 }
' $(find daemon tests bench -name '*.c' | sort))
[ $rc -eq 0 ] && echo "sizes: every file within 500 lines, every daemon function within 60"
exit $rc
