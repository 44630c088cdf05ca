#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build-deb.sh BUILD: `make deb` (mk/install.mk). Copies the tree (HEAD's
# files plus the working tree's changes and new files, as `git ls-files`
# sees them: never build/ or .git; without git, everything but those) to
# BUILD/deb-src/ringvisor-VERSION/, runs `dpkg-buildpackage -us -uc -b`
# there, and moves what it made (the .deb, the -dbgsym .deb, .buildinfo,
# .changes) to BUILD/deb/. The live tree is only read: debian/rules clean,
# the compiler and dpkg-buildpackage's own files all stay in the copy.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: build-deb.sh BUILD (absolute)}
case $BUILD in /*) ;; *) echo "build-deb.sh: BUILD must be absolute" >&2; exit 2;; esac
for t in dpkg-buildpackage dpkg-parsechangelog dh; do
	command -v $t >/dev/null || { echo "build-deb.sh: $t missing: apt-get install dpkg-dev debhelper (or make deps)" >&2; exit 1; }
done
version=$(dpkg-parsechangelog -S Version)
src=$BUILD/deb-src
out=$BUILD/deb
dir=$src/ringvisor-$version
rm -rf "$src"
mkdir -p "$dir" "$out"

# The copy. -z everywhere: any file name survives. A tracked file deleted
# in the working tree is left out (it would not be in a commit of it).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			case $f in
			# what a dpkg-buildpackage run in this tree would have left
			build/*|debian/ringvisor/*|debian/.debhelper/*|debian/files|debian/*.substvars|\
			debian/*.debhelper|debian/*.log|debian/debhelper-build-stamp) continue;;
			esac
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done | tar --null -T - -cf - | tar -C "$dir" -xf -
else
	tar --exclude=./build --exclude=./.git -cf - . | tar -C "$dir" -xf -
fi
n=$(find "$dir" -type f | wc -l)
echo "  DEB     copy of the tree: $n files in $dir"

# The caller's make must not leak in: its jobserver (MAKEFLAGS) and any
# BUILD=, PREFIX=, DESTDIR=... given on its command line, which make puts in
# the environment and the package's own make would read.
start=$(date +%s)
(
	cd "$dir"
	unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES BUILD PREFIX DESTDIR BINDIR SYSCONFDIR DOCDIR MANDIR UNITDIR
	jobs=$(nproc 2>/dev/null || echo 1)
	dpkg-buildpackage -us -uc -b -J"$jobs"
) >"$src/build.log" 2>&1 || { tail -n 60 "$src/build.log" >&2; echo "build-deb.sh: dpkg-buildpackage failed; the log: $src/build.log" >&2; exit 1; }

shopt -s nullglob
made=("$src"/ringvisor*_"$version"_*.deb "$src"/ringvisor_"$version"_*.buildinfo "$src"/ringvisor_"$version"_*.changes)
[ ${#made[@]} -gt 0 ] || { echo "build-deb.sh: dpkg-buildpackage made no .deb (log: $src/build.log)" >&2; exit 1; }
rm -f "$out"/ringvisor*_"$version"_*
mv "${made[@]}" "$out"/
debs=$(cd "$out" && printf '%s ' ringvisor*_"$version"_*.deb)
echo "  DEB     ${debs}in $out ($(( $(date +%s) - start ))s; log: $src/build.log)"
