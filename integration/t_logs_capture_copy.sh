#!/usr/bin/env bash
# t_logs_capture.sh with --log-splice=off: every byte through the framer
# (the path a stream with line-level work takes), lines_in exact.
RV_LOG_SPLICE=off exec bash "$(dirname "$0")/t_logs_capture.sh"
