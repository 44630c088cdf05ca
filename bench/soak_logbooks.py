#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/soak_logbooks.py: the chaos soak's log books (bench/soak_books.py's
Books inherits them): the line the loggers and floods write, and the check
that every numbered line is in its file or counted as dropped."""
import collections
import datetime
import glob
import os
import re

HELD_MAX = (64 + 128) * 1024   # a stream's ring and staging buffer (docs/logs.md, "Memory")

# A writer names itself by pid and start time (field 22 of /proc/PID/stat):
# pids wrap within minutes here (pid_max 32768, ~400 probe forks a second),
# and a flood restarted under its old pid read as one writer whose batches
# came twice ("lines repeated") and out of order ("lines lost"): session
# 17's 30 minutes, one stream. The shell then numbers its lines by batch.
WRITER = 'w=$$.$(cut -d" " -f22 /proc/$$/stat); b=0; '


class LogBooks:
    # ---- logs: every numbered line in its file or counted as dropped ----
    def logs_report(self):
        """Each file is read in order. Between two numbered lines the
        writers' numbering says how many lines were written: exactly (the
        same writer, L or F PID BATCH N) or at least (a new writer after a
        restart: its lines before this one; what the dead one wrote after
        its last line in the file is unknown). The drop markers between
        the two say how many were counted as dropped. Written and not in
        the file must equal dropped (or be at most, for a new writer)."""
        line_re = re.compile(r"([LF]) (\d+\.\d+) (\d+) (\d+) \.")
        drop_re = re.compile(r"\[ringvisor: dropped (\d+) bytes in (\d+) lines")
        blen = {"L": 100, "F": 5000}
        t_kill = self.crash.get("t_kill")
        tot = collections.Counter()
        bad = []
        for path in sorted(glob.glob(f"{self.logdir}/*.log")):
            prev, prev_ts, marked = None, None, 0
            seen = set()
            fb = collections.Counter()
            with open(path, errors="replace") as f:
                for l in f:
                    m = drop_re.search(l)
                    if m:
                        marked += int(m.group(2))
                        tot["marked"] += int(m.group(2))
                        continue
                    ts = l.split(" ", 1)[0]
                    for kind, pid, bt, n in line_re.findall(l):
                        cur = (kind, pid, int(bt), int(n))   # pid: PID.START
                        if cur in seen:
                            fb["dup"] += 1
                            continue
                        seen.add(cur)
                        tot["fl_lines" if kind == "F" else "lg_lines"] += 1
                        L = blen[kind]
                        if prev and prev[1] == cur[1] and (prev[2], prev[3]) < (cur[2], cur[3]):
                            miss = (cur[2] - prev[2]) * L + cur[3] - prev[3] - 1
                            exact = True
                        else:   # a new writer (or the file's first line)
                            miss = (cur[2] - 1) * L + cur[3] - 1
                            exact = False
                        if miss > marked or (exact and miss < marked):
                            over_kill = t_kill and prev_ts and self.iso_s(prev_ts) <= t_kill + 0.5 and \
                                self.iso_s(ts) >= t_kill - 0.5
                            if miss > marked:
                                fb["lost_kill" if over_kill else "lost"] += miss - marked
                                if over_kill:   # their bytes, from the numbers
                                    fb["lost_kill_bytes"] += self.span_bytes(prev if exact else None, cur, L) \
                                        * (miss - marked) // max(miss, 1)
                            else:
                                fb["overcounted"] += marked - miss
                        if not exact and marked > miss:
                            fb["dead_writer_tail"] += marked - miss
                        tot["missing"] += miss
                        prev, prev_ts, marked = cur, ts, 0
            if marked:
                fb["marked_at_end"] += marked
            for k2, v in fb.items():
                tot[k2] += v
            tot["lost_kill_bytes_max"] = max(tot["lost_kill_bytes_max"], fb["lost_kill_bytes"])
            tot["files"] += 1
            if fb["lost"] or fb["lost_kill_bytes"] > HELD_MAX or fb["overcounted"] or fb["dup"]:
                bad.append((os.path.basename(path), dict(fb)))
        self.fig("log files, numbered lines in them (loggers / floods)",
                 f"{tot['files']}, {tot['lg_lines'] + tot['fl_lines']} ({tot['lg_lines']} / {tot['fl_lines']})")
        self.fig("lines counted as dropped (the markers in the files)", tot["marked"])
        self.fig("  = written and not in the files + a killed writer's last lines + after the last line",
                 f"{tot['missing']} + {tot['dead_writer_tail']} + {tot['marked_at_end']}",
                 tot["missing"] + tot["dead_writer_tail"] + tot["marked_at_end"] - tot["lost"] - tot["lost_kill"]
                 + tot["overcounted"] == tot["marked"])
        self.fig("dropped_lines in status at the end (daemon 2's count only)", self.final_dropped)
        self.fig("lines repeated", tot["dup"], tot["dup"] == 0)
        self.fig("lines counted as dropped that were not missing", tot["overcounted"], tot["overcounted"] == 0)
        self.fig("lines lost, not counted as dropped, but across the daemon SIGKILL", tot["lost"], tot["lost"] == 0)
        # Across it: what the killed daemon had read from a pipe and not
        # yet written, or dropped and not yet marked, died with it; at most
        # its ring and staging buffer per stream (docs/adoption.md).
        self.fig(f"lines lost across the daemon SIGKILL (bytes, most in one stream; bound {HELD_MAX // 1024} KiB)",
                 f"{tot['lost_kill']} ({tot['lost_kill_bytes']}, {tot['lost_kill_bytes_max']})",
                 tot["lost_kill_bytes_max"] <= HELD_MAX)
        if bad:
            self.log(f"detail (file, counts): {bad[:8]}")

    @staticmethod
    def span_bytes(prev, cur, L):
        """The bytes of the lines a writer wrote between prev and cur (from
        line 1 of cur's batch 1 when prev is None), F/L PID.START BATCH N ."""
        kind, pid, b, n = cur
        pb, pn = (prev[2], prev[3] + 1) if prev else (1, 1)
        tot = 0
        while (pb, pn) < (b, n):
            tot += len(f"{kind} {pid} {pb} {pn} .\n")
            pn += 1
            if pn > L:
                pb, pn = pb + 1, 1
        return tot

    @staticmethod
    def iso_s(ts):
        try:
            return datetime.datetime.strptime(ts.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            return 0.0
