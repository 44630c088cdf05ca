#!/usr/bin/env bash
# lane: clock
# t_leaks_memory.sh with the /proc source (--probe=procfs): memory is then
# VmRSS from /proc/PID/status, read in the same pass as the fds.
RV_PROBE=procfs exec bash "$(dirname "$0")/t_leaks_memory.sh"
