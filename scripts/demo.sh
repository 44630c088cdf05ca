#!/usr/bin/env bash
# demo.sh BINARY: runs ringvisor on configs/demo.yaml in the foreground.
set -u
bin=${1:-build/ringvisor}
sock=${RINGVISOR_SOCKET:-/run/ringvisor/control.sock}
cat <<MSG
ringvisor demo: supervising configs/demo.yaml (web x2, crasher, broken, worker).
From a second terminal, in $(pwd):
    $bin status                 # every instance, its state and last exit
    $bin status --json          # the same, for scripts
    $bin stop worker            # ignores SIGTERM: SIGKILL after 2 s
    $bin restart web.1 ; $bin scale web 4 ; $bin start broken
    $bin shutdown               # or Ctrl-C here
Event lines follow (one per start, exit, restart, breaker open).
MSG
exec "$bin" run -c configs/demo.yaml --socket "$sock"
