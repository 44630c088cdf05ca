#!/usr/bin/env bash
# check-layers-selftest.sh BUILD LAYER=DEPS...: shows that check-layers.py
# fails on each thing it is there to catch, so a green `check-layers` means
# something. In a scratch copy of scripts/, daemon/ and include/ (with the
# built objects), one fault at a time:
#   1. a kernel file including a policy header;
#   2. a non-static function missing from its module's header;
#   3. a kernel module calling a policy function (a call up the layers);
#   4. two modules calling each other (a cycle);
# each must fail with its own line; the untouched copy must pass.
set -u
build=$1; shift
src=$(cd "$(dirname "$0")/.." && pwd)
w=$(mktemp -d /tmp/rv-layers-selftest.XXXXXX)
trap 'rm -rf "$w"' EXIT
fails=0

fresh() {
	rm -rf "$w/t"; mkdir -p "$w/t/build"
	cp -r "$src/scripts" "$src/daemon" "$src/include" "$w/t/"
	cp -r "$build/obj" "$w/t/build/obj"
}
run() { python3 "$w/t/scripts/check-layers.py" "$w/t/build" "$@" >"$w/out" 2>&1; }
# obj MODULE C-TEXT: a module of the scratch tree, source and object.
obj() {
	printf '%s\n' "$2" >"$w/t/daemon/$1.c"
	cc -c -x c - -o "$w/t/build/obj/$1.o" <<<"$2" || { echo "selftest: cannot compile $1"; exit 1; }
}
expect() {   # what, then the line check-layers.py must print
	if run "${args[@]}"; then
		echo "FAIL check-layers selftest: $1 passed the check"; fails=$((fails + 1))
	elif ! grep -qF "$2" "$w/out"; then
		echo "FAIL check-layers selftest: $1: no line '$2' in:"; sed 's/^/    /' "$w/out"; fails=$((fails + 1))
	fi
}
args=("$@")

fresh
run "${args[@]}" || { echo "FAIL check-layers selftest: the untouched copy fails:"; cat "$w/out"; exit 1; }

fresh
echo '#include "policy/service.h"' >>"$w/t/daemon/kernel/loop.c"
expect "an upward include" 'includes "policy/service.h": layer kernel may not use policy'

fresh
printf 'int st_declared(void);\n' >"$w/t/daemon/basic/st_mod.h"
obj basic/st_mod 'int st_declared(void) { return 1; } int st_undeclared(void) { return 2; }'
expect "an undeclared function" 'st_undeclared() is not declared in daemon/basic/st_mod.h'

fresh
printf 'void st_up(void);\n' >"$w/t/daemon/kernel/st_up.h"
obj kernel/st_up 'struct service; int service_scale(struct service *, unsigned); void st_up(void) { service_scale(0, 1); }'
expect "a call up the layers" 'daemon/kernel/st_up.c calls daemon/policy/service.c: layer kernel may not use policy'

fresh
printf 'void st_a(void);\n' >"$w/t/daemon/basic/st_a.h"
printf 'void st_b(void);\n' >"$w/t/daemon/basic/st_b.h"
obj basic/st_a 'void st_b(void); void st_a(void) { st_b(); }'
obj basic/st_b 'void st_a(void); void st_b(void) { st_a(); }'
expect "a cycle" 'modules call each other (a cycle): basic/st_a, basic/st_b'

[ $fails -eq 0 ] && echo "layers selftest: 4 faults, each caught"
exit $((fails > 0))
