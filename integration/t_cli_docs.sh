#!/usr/bin/env bash
# The command line's documentation agrees with the binary: every command of
# `ringvisor --help` is in docs/cli.md's synopsis, in the man page's
# synopsis (made from docs/cli.md by scripts/md2man.py), in the bash
# completion (completing it from its first letters) and in the zsh one;
# every long option of a command's help synopsis completes after
# `ringvisor CMD --`; service names complete from a running daemon; both
# man pages render without a groff warning; every key of docs/config.md's
# service table is in ringvisor.yaml(5).
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
man8=$(dirname "$RINGVISOR")/man/ringvisor.8
man5=$(dirname "$RINGVISOR")/man/ringvisor.yaml.5
comp=$top/dist/completion/ringvisor.bash
zcomp=$top/dist/completion/_ringvisor
[ -f "$man8" ] && [ -f "$man5" ] || fail "no man pages beside $RINGVISOR (make builds them)"
command -v man >/dev/null || skip "man is not installed"

"$RINGVISOR" --help >"$T/usage" || fail "--help exited $?"
verbs=$(sed -n 's/^  ringvisor \([a-z|]*\).*/\1/p' "$T/usage" | tr '|' '\n')
[ "$(echo "$verbs" | wc -l)" -ge 18 ] || fail "only $(echo "$verbs" | wc -l) commands in --help: $verbs"
sed -n '/^    ringvisor /p' "$top/docs/cli.md" | sed -n '1,/^$/p' >"$T/doc_synopsis"
MANWIDTH=200 LC_ALL=C.UTF-8 man --warnings -l "$man8" >"$T/man8.txt" 2>"$T/man8.err" || fail "man ringvisor.8 exited $?"
[ ! -s "$T/man8.err" ] || fail "groff warnings in ringvisor.8: $(head -5 "$T/man8.err")"
MANWIDTH=200 LC_ALL=C.UTF-8 man --warnings -l "$man5" >"$T/man5.txt" 2>"$T/man5.err" || fail "man ringvisor.yaml.5 exited $?"
[ ! -s "$T/man5.err" ] || fail "groff warnings in ringvisor.yaml.5: $(head -5 "$T/man5.err")"
sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$T/man8.txt" >"$T/man_synopsis"

# complete WORDS...: COMPREPLY of the bash completion for the command line
# WORDS (the last one is being completed), one per line.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ringvisor; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$comp" "$@"
}
for v in $verbs; do
	grep -qE "^    ringvisor ([a-z]+\|)*$v( |\||$)" "$T/doc_synopsis" || fail "docs/cli.md's synopsis lacks $v"
	grep -qE "ringvisor ([a-z]+\|)*$v( |\||$)" "$T/man_synopsis" || fail "ringvisor(8)'s SYNOPSIS lacks $v"
	complete_words ringvisor "${v:0:2}" | grep -qx "$v" || fail "bash completion of '${v:0:2}' lacks $v"
	grep -q "'$v:" "$zcomp" || fail "the zsh completion lacks $v"
	# Every long option of the command's synopsis completes.
	opts=$(awk -v v="$v" '/^  ringvisor / { on = 0; n = split($2, names, "|"); for (i = 1; i <= n; i++) if (names[i] == v) on = 1 }
		/^[^ ]/ { on = 0 } on' "$T/usage" | grep -oE -- '--[a-z-]+' | sort -u)
	for o in $opts; do
		case $o in --socket|--help) continue;; esac
		complete_words ringvisor "$v" -- | grep -qE -- "^$o=?$" || fail "bash completion of '$v --' lacks $o"
	done
done
log "$(echo "$verbs" | wc -w) commands: in docs/cli.md, ringvisor(8), bash and zsh completion"
if command -v zsh >/dev/null; then
	zsh -n "$zcomp" || fail "zsh cannot parse _ringvisor"
else
	log "zsh not installed: _ringvisor not parsed (make deps installs zsh)"
fi

# Every key of the service table in docs/config.md is in ringvisor.yaml(5).
keys=$(sed -n '/^## `services`/,/^### /p' "$top/docs/config.md" | sed -n 's/^| `\([a-z_]*\)` |.*/\1/p')
[ "$(echo "$keys" | wc -w)" -ge 20 ] || fail "found only $(echo "$keys" | wc -w) service keys in docs/config.md"
for k in $keys; do
	grep -qE "^ +$k( |$)" "$T/man5.txt" || fail "ringvisor.yaml(5) lacks the key $k"
done

# Service names from the running daemon (its socket given with --socket).
cfg=$(write_config docs.yaml <<'YAML'
services:
  web:
    command: [/bin/sleep, "1000"]
    instances: 2
  worker:
    command: [/bin/sleep, "1000"]
YAML
)
rv_start "$cfg"
got=$(complete_words "$RINGVISOR" --socket "$SOCK" stop w | sort | paste -sd' ')
[ "$got" = "web web.0 web.1 worker worker.0" ] || fail "completing 'stop w' gave '$got'"
got=$(complete_words "$RINGVISOR" --socket "$SOCK" logs web. | sort | paste -sd' ')
[ "$got" = "web.0 web.1" ] || fail "completing 'logs web.' gave '$got'"
log "service names complete from the daemon"
exit 0
