#!/usr/bin/env bash
# A service's environment (docs/config.md#environment), as a container's
# PID 1 needs it:
# - inherit_env: true passes the daemon's variables (`docker run -e`), but
#   never NOTIFY_SOCKET, LISTEN_FDS and the like; a list passes only those
#   names; without it the service starts from scratch (a default PATH);
# - env_file: files read at load, relative to the config, comments,
#   `export`, quotes and CRLF handled, a later file wins, env wins over all;
# - user: sets HOME, USER, LOGNAME, SHELL from passwd, over inherited ones,
#   under env;
# - a changed env_file restarts its service on reload (and only it);
# - check names the key, the file and the line of every error.
. "$(dirname "$0")/lib.sh"
getent passwd nobody >/dev/null || skip "no user nobody"
nobody_home=$(getent passwd nobody | cut -d: -f6)
nobody_shell=$(getent passwd nobody | cut -d: -f7)

mkdir -p "$T/envs"
printf '# database\nexport DB_USER=app\nDB_PASS="s3cret word"\r\n\nOVER=fromfile\nQUOTED='"'"'single'"'"'\n' >"$T/envs/rel.env"
printf 'DB_USER=second\n' >"$T/other.env"
cfg=$(write_config env.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  all:
    command: [/bin/sh, -c, 'env; exec sleep 1000']
    inherit_env: true
  some:
    command: [/bin/sh, -c, 'env; exec sleep 1000']
    inherit_env: [DB_URL, NOT_SET_ANYWHERE]
    env: {A: "1"}
  none:
    command: [/bin/sh, -c, 'env; exec sleep 1000']
  filed:
    command: [/bin/sh, -c, 'env; exec sleep 1000']
    env_file: [envs/rel.env, $T/other.env]
    env: {OVER: fromenv}
  usr:
    command: [/bin/sh, -c, 'env; exec sleep 1000']
    user: nobody
    inherit_env: true
    env: {SHELL: /bin/custom}
YAML
)
DB_URL=postgres://db/x SECRET_TOKEN=tok NOTIFY_SOCKET=/nonexistent/notify LISTEN_FDS=3 HOME=/root \
	rv_start "$cfg"
wait_for 5 all_in_state 5 running || fail "services not running"

# env_of SERVICE: the variables its process started with.
env_of() { tr '\0' '\n' <"/proc/$(inst "$1".0 .pid)/environ"; }
has() { env_of "$1" | grep -qx -- "$2"; }
lacks() { ! env_of "$1" | grep -q -- "^$2="; }

has all DB_URL=postgres://db/x || fail "inherit_env: true did not pass DB_URL: $(env_of all | tr '\n' ' ')"
has all SECRET_TOKEN=tok || fail "inherit_env: true did not pass SECRET_TOKEN"
has all "PATH=$PATH" || fail "inherit_env: true did not pass the daemon's PATH"
for v in NOTIFY_SOCKET LISTEN_FDS; do lacks all $v || fail "the daemon's $v reached a service"; done
has all RINGVISOR_SERVICE=all || fail "RINGVISOR_SERVICE missing with inherit_env"

has some DB_URL=postgres://db/x || fail "inherit_env: [DB_URL] did not pass it"
lacks some SECRET_TOKEN || fail "inherit_env: [DB_URL] passed SECRET_TOKEN too"
lacks some NOT_SET_ANYWHERE || fail "a listed name the daemon lacks appeared"
has some A=1 || fail "env lost beside inherit_env"
has some PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin || fail "no default PATH"

lacks none DB_URL || fail "a service without inherit_env got DB_URL"
lacks none HOME || fail "a service without inherit_env or user got HOME"

has filed DB_USER=second || fail "the later env_file did not win: $(env_of filed | tr '\n' ' ')"
has filed "DB_PASS=s3cret word" || fail "quotes or CRLF of an env_file line not handled"
has filed QUOTED=single || fail "single quotes not removed"
has filed OVER=fromenv || fail "env did not win over env_file"
lacks filed DB_URL || fail "env_file service inherited"

has usr "HOME=$nobody_home" || fail "user: nobody did not set HOME over the inherited one: $(env_of usr | tr '\n' ' ')"
has usr USER=nobody || fail "USER not set from user:"
has usr LOGNAME=nobody || fail "LOGNAME not set from user:"
has usr SHELL=/bin/custom || fail "env SHELL did not win over the user's $nobody_shell"
has usr DB_URL=postgres://db/x || fail "user + inherit_env lost DB_URL"
log "inherit_env, env_file, env and user: each where it belongs"

# A changed env_file restarts its service on reload; the others keep their pid.
declare -A pid
for s in all some none filed usr; do pid[$s]=$(inst $s.0 .pid); done
printf 'DB_USER=third\n' >"$T/other.env"
rv reload >"$T/reload.out" 2>&1 || fail "reload failed: $(cat "$T/reload.out")"
wait_for 5 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json filed | jq -r '.services[0].instances[0].pid')\" != ${pid[filed]} ]" ||
	fail "filed not restarted after its env_file changed"
wait_for 5 all_in_state 5 running || fail "not all running after reload"
has filed DB_USER=third || fail "the new env_file value did not reach the restarted service"
for s in all some none usr; do
	[ "$(inst $s.0 .pid)" = "${pid[$s]}" ] || fail "$s restarted by a reload that changed only filed's env_file"
done
log "reload re-read the env_file: filed restarted, the rest kept"

# check: every error with its key, file and line.
printf 'GOOD=1\nthis line is wrong\n' >"$T/bad.env"
bad=$(write_config bad.yaml <<YAML
services:
  a:
    command: [/bin/true]
    env_file: [$T/missing.env, $T/bad.env]
    inherit_env: maybe
  b:
    command: [/bin/true]
    inherit_env: ["1BAD"]
    on_exit: sometimes
YAML
)
"$RINGVISOR" check -c "$bad" >"$T/check.out" 2>&1 && fail "check accepted a bad config"
for want in "services.a.env_file\[0\]: cannot read $T/missing.env: No such file" \
	    "services.a.env_file\[1\]: $T/bad.env:2: expected NAME=VALUE" \
	    "services.a.inherit_env: " "services.b.inherit_env: \"1BAD\" is not a variable name" \
	    "services.b.on_exit: "; do
	grep -q -- "$want" "$T/check.out" || fail "check did not say '$want': $(cat "$T/check.out")"
done
hidden=$(write_config hidden.yaml <<YAML
services:
  a: {command: [/bin/true], inherit_env_all: "true"}
YAML
)
"$RINGVISOR" check -c "$hidden" >"$T/check2.out" 2>&1 && fail "check accepted the rewrite's internal key"
grep -q "unknown key" "$T/check2.out" || fail "inherit_env_all not refused as unknown: $(cat "$T/check2.out")"
log "check names each error"
