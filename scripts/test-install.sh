#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-install.sh BUILD: `make test-install` (mk/install.mk). Installs into a
# temp DESTDIR with PREFIX=/usr/local, checks every file is there with its
# mode and nothing else is, has systemd-analyze verify the unit and the
# binary check the config the unit names, then uninstalls and checks no file
# is left; and that uninstall keeps a config the admin edited. Exit 1 with
# the reason on the first thing wrong; the temp dir goes either way.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: test-install.sh BUILD}
MAKE=${MAKE:-make}
T=$(mktemp -d /tmp/rv-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
D=$T/root
P=/usr/local
inst() { $MAKE --no-print-directory -s BUILD="$BUILD" PREFIX=$P DESTDIR="$D" "$@"; }

# What must be there, with its mode: "MODE PATH" relative to DESTDIR.
# Man pages and completions are expected when the tree has them.
expected() {
	echo "755 $P/bin/ringvisor"
	echo "644 $P/lib/systemd/system/ringvisor.service"
	echo "644 /etc/ringvisor/ringvisor.yaml"
	local f
	for f in docs/*.md; do echo "644 $P/share/doc/ringvisor/${f##*/}"; done
	echo "644 $P/share/doc/ringvisor/examples/example.yaml"
	echo "644 $P/share/doc/ringvisor/examples/ringvisor.yaml"
	for f in "$BUILD"/man/*.[1-8] man/*.[1-8]; do
		[ -e "$f" ] && echo "644 $P/share/man/man${f##*.}/${f##*/}"
	done
	[ -e dist/completion/ringvisor.bash ] && echo "644 $P/share/bash-completion/completions/ringvisor"
	[ -e dist/completion/_ringvisor ] && echo "644 $P/share/zsh/vendor-completions/_ringvisor"
	return 0
}
# Every file and symlink under DESTDIR, "MODE PATH"; directories apart.
present() { (cd "$D" && find . \( -type f -o -type l \) -printf '%m /%P\n' | sort -k2); }

inst install >"$T/install.log" 2>&1 || { cat "$T/install.log" >&2; fail "make install failed"; }
diff <(expected | sort -k2) <(present) >"$T/diff" ||
	fail "installed files differ from the expected ones (< expected, > installed):
$(cat "$T/diff")"
bad_dirs=$(cd "$D" && find . -type d ! -perm 755 ! -path . -printf '%m /%P\n')
[ -z "$bad_dirs" ] || fail "directories not 0755: $bad_dirs"
cmp -s "$D/etc/ringvisor/ringvisor.yaml" dist/ringvisor.yaml || fail "the initial config is not dist/ringvisor.yaml"
"$D$P/bin/ringvisor" check -c "$D/etc/ringvisor/ringvisor.yaml" >/dev/null ||
	fail "the installed binary rejects the installed config"
"$D$P/bin/ringvisor" check -c "$D$P/share/doc/ringvisor/examples/example.yaml" >/dev/null ||
	fail "the installed binary rejects the installed example"

# The unit. Its paths must be the installed ones, DESTDIR aside.
unit=$D$P/lib/systemd/system/ringvisor.service
grep -q '@[A-Z]*@' "$unit" && fail "unsubstituted @VAR@ left in the unit: $(grep '@[A-Z]*@' "$unit")"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "$P/bin/ringvisor run -c /etc/ringvisor/ringvisor.yaml" ] ||
	fail "ExecStart is \"$exec_start\""
grep -qx "Documentation=file:$P/share/doc/ringvisor/deploy-systemd.md" "$unit" ||
	fail "Documentation= is not the installed deploy-systemd.md"
[ -f "$D$P/share/doc/ringvisor/deploy-systemd.md" ] || fail "the unit's Documentation= file is not installed"
# systemd-analyze verify checks that ExecStart's binary exists and is
# executable. `verify --root=DESTDIR` (systemd 252 has it) resolves every
# path under that root, so it then misses sysinit.target and /bin/kill,
# which a DESTDIR does not hold. So it verifies a copy of the unit, of the
# same name, whose ExecStart points into DESTDIR; all else is the installed
# text. verify exits 0 on unknown keys and bad values (it only prints
# them): any line it prints fails the test.
mkdir "$T/verify"
sed "s|^ExecStart=$P/|ExecStart=$D$P/|" "$unit" >"$T/verify/ringvisor.service"
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (apt-get install systemd)"
if ! (cd / && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$T/verify/ringvisor.service") >"$T/verify.log" 2>&1 ||
	[ -s "$T/verify.log" ]; then
	fail "systemd-analyze verify: $(cat "$T/verify.log")"
fi
# shellcheck disable=SC2016 # $MAINPID is the unit's, not the shell's
for k in Type=notify NotifyAccess=main Delegate=yes KillMode=mixed 'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$k" "$unit" || fail "the unit lacks $k"
done

# Installing again keeps an existing config.
echo "# edited" >>"$D/etc/ringvisor/ringvisor.yaml"
inst install >"$T/install2.log" 2>&1 || { cat "$T/install2.log" >&2; fail "second make install failed"; }
grep -q '^# edited' "$D/etc/ringvisor/ringvisor.yaml" || fail "make install overwrote an existing config"

# Uninstall keeps the edited config, and only it.
inst uninstall >"$T/uninstall.log" 2>&1 || { cat "$T/uninstall.log" >&2; fail "make uninstall failed"; }
left=$(present)
[ "$left" = "644 /etc/ringvisor/ringvisor.yaml" ] || fail "after uninstall with an edited config, left: $left"
grep -q KEEP "$T/uninstall.log" || fail "uninstall did not say it kept the edited config"

# Install and uninstall again with the config untouched: nothing is left.
rm -rf "$D"
inst install >"$T/install3.log" 2>&1 || { cat "$T/install3.log" >&2; fail "third make install failed"; }
inst uninstall >"$T/uninstall2.log" 2>&1 || { cat "$T/uninstall2.log" >&2; fail "make uninstall failed"; }
left=$(present)
[ -z "$left" ] || fail "files left after make uninstall:
$left"
left_dirs=$(cd "$D" && find . -mindepth 1 -type d -path '*ringvisor*' -printf '/%P\n')
[ -z "$left_dirs" ] || fail "ringvisor directories left after make uninstall: $left_dirs"
echo "test-install: ok ($(expected | wc -l) files installed with their modes, unit verified, uninstall left nothing)"
