#!/usr/bin/env bash
# lane: clock
# t_leaks.sh with the /proc source (--probe=procfs), the fallback used
# where BPF cannot load.
RV_PROBE=procfs exec bash "$(dirname "$0")/t_leaks.sh"
