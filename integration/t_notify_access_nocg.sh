#!/usr/bin/env bash
# t_notify_access.sh again without cgroups (--cgroup-root=none): a message
# counts only from the session the instance's main process leads.
RV_NOCG=1 exec bash "$(dirname "$0")/t_notify_access.sh"
