#!/usr/bin/env bash
# What a service's process gets before exec, read from its own /proc: the
# configured env (plus PATH and RINGVISOR_SERVICE/INDEX, nothing inherited),
# cwd, umask, RLIMIT_NOFILE, user/group, a bounding set reduced to the
# listed capabilities (none by default), no_new_privs, its own session, no
# blocked or ignored signals (even when the daemon itself was started with
# every signal ignored), stdin on /dev/null, and no fd above 2 leaked.
. "$(dirname "$0")/lib.sh"
id nobody >/dev/null 2>&1 || skip "no user nobody"
mkdir -p "$T/work"; chmod 755 "$T"; chmod 1777 "$T/work"
probe='cat /proc/self/status > $OUT.status; env > $OUT.env; pwd > $OUT.cwd; umask > $OUT.umask; ls /proc/self/fd > $OUT.fds; readlink /proc/self/fd/0 > $OUT.stdin; ps -o sid= -p $$ > $OUT.sid; exec sleep 1000'
cfg=$(write_config setup.yaml <<YAML
services:
  plain:
    command: [/bin/sh, -c, '$probe']
    env: {OUT: $T/work/plain, FOO: bar}
  custom:
    command: [/bin/sh, -c, '$probe']
    env: {OUT: $T/work/custom}
    cwd: $T/work
    umask: "0077"
    user: nobody
    capabilities: [CAP_NET_BIND_SERVICE]
    limits: {nofile: 512}
YAML
)
# The daemon itself starts with every signal ignored, the two glibc keeps
# for itself included (seen inherited on a fresh Debian root): its services
# must not inherit any of that.
SIGIGN=${SIGIGN:-$(dirname "$RINGVISOR")/tools/sigign}
if [ ! -x "$SIGIGN" ]; then   # run alone, outside run.sh
	SIGIGN=$T/sigign
	cc -O2 -o "$SIGIGN" "$(dirname "$0")/tools/sigign.c" || fail "cannot build sigign"
fi
SECRET=should-not-pass RV_WRAP=$SIGIGN rv_start "$cfg"
wait_for 5 all_in_state 2 running || fail "not running"
wait_for 5 test -s "$T/work/custom.sid" || fail "custom did not write its report"
wait_for 5 test -s "$T/work/plain.sid" || fail "plain did not write its report"
w=$T/work
grep -q '^FOO=bar$' $w/plain.env || fail "env FOO missing"
grep -q '^RINGVISOR_SERVICE=plain$' $w/plain.env || fail "RINGVISOR_SERVICE"
grep -q '^RINGVISOR_INDEX=0$' $w/plain.env || fail "RINGVISOR_INDEX"
grep -q '^PATH=' $w/plain.env || fail "no default PATH"
grep -q 'SECRET' $w/plain.env && fail "the daemon's environment leaked into the service"
[ "$(cat $w/plain.cwd)" = / ] || fail "default cwd is $(cat $w/plain.cwd)"
[ "$(cat $w/custom.cwd)" = "$w" ] || fail "cwd $(cat $w/custom.cwd)"
[ "$(cat $w/custom.umask)" = 0077 ] || fail "umask $(cat $w/custom.umask)"
[ "$(awk '/^Uid:/ {print $2}' $w/custom.status)" = "$(id -u nobody)" ] || fail "uid"
[ "$(awk '/^Gid:/ {print $2}' $w/custom.status)" = "$(id -g nobody)" ] || fail "gid"
[ "$(awk '/^CapBnd:/ {print $2}' $w/plain.status)" = 0000000000000000 ] || fail "plain CapBnd $(awk '/^CapBnd:/ {print $2}' $w/plain.status)"
[ "$(awk '/^CapBnd:/ {print $2}' $w/custom.status)" = 0000000000000400 ] || fail "custom CapBnd"
[ "$(awk '/^CapAmb:/ {print $2}' $w/custom.status)" = 0000000000000400 ] || fail "custom CapAmb (net_bind_service as non-root)"
[ "$(awk '/^NoNewPrivs:/ {print $2}' $w/custom.status)" = 1 ] || fail "no_new_privs"
[ "$(awk '/^SigBlk:/ {print $2}' $w/plain.status)" = 0000000000000000 ] || fail "blocked signals"
[ "$(awk '/^SigIgn:/ {print $2}' $w/plain.status)" = 0000000000000000 ] || fail "ignored signals: $(grep SigIgn $w/plain.status); the daemon's: $(grep SigIgn /proc/$DAEMON_PID/status); sh: $(readlink -f /bin/sh)"
pid=$(status_json custom | jq '.services[0].instances[0].pid')
grep -q '^Max open files *512 *512' /proc/"$pid"/limits || fail "RLIMIT_NOFILE"
[ "$(tr -d ' ' < $w/plain.sid)" = "$(status_json plain | jq '.services[0].instances[0].pid')" ] || fail "not its own session"
[ "$(cat $w/plain.stdin)" = /dev/null ] || fail "stdin is $(cat $w/plain.stdin)"
# fds of the shell: 0 1 2 and the one ls itself opened (3): nothing more.
[ "$(sort -n $w/plain.fds | tail -1)" -le 3 ] || fail "leaked fds: $(tr '\n' ' ' < $w/plain.fds)"
exit 0
