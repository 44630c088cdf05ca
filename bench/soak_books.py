#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/soak_books.py: the chaos soak's facts and books (bench/soak.py's
Soak inherits them): the daemon's fds, RSS and CPU, zombies and cgroup
membership while it runs, what is left after its shutdown, and the books
read after it. Events: each daemon's stream
(`events -f --json`, numbered by seq), its gaps filled from the same
daemon's JSON log (--debug: every event, state changes included, in order)
and counted by where they fell; then every process's start or adoption
against its exit, the soak's own SIGKILLs against the exits they caused,
and each instance's `restarts` against the backoff timers the events show.
Logs: every numbered line of the loggers and floods in its file, or
counted as dropped by a marker."""
import collections
import glob
import json
import os
import re
import time

from soak_logbooks import LogBooks

# The daemon's RSS is warm (every stream's buffers touched) this long after
# a start; the leak watch's rings (window 10m at 5 s: 122 samples of 16
# bytes, allocated as 128) fill for LEAK_WINDOW_S.
RSS_WARM_S = 150
LEAK_WINDOW_S = 600
LEAK_RING_KIB = 2
PROC_STATES = {"starting", "running", "ready", "stopping", "frozen"}


class Books(LogBooks):
    def cpu_s(self):
        """The daemon's CPU time (user + system), in seconds."""
        with open(f"/proc/{self.daemon.pid}/stat") as f:
            st = f.read()
        v = st[st.rindex(")") + 2:].split()
        return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")

    def cg_of(self, pid):
        try:
            with open(f"/proc/{pid}/cgroup") as f:
                for l in f:
                    if l.startswith("0::"):
                        return l[3:].strip()
        except OSError:
            pass
        return None

    def procs_of(self, key):
        try:
            with open(f"{self.cgroot}/services/{key.replace('.', '/', 1)}/cgroup.procs") as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def daemon_facts(self, fds=True):
        """(fds, RSS KiB); fds None when not asked (it takes a second)."""
        pid = self.daemon.pid
        n = None
        for _ in range(20 if fds else 0):   # two reads 0.3 s apart that agree
            a = len(os.listdir(f"/proc/{pid}/fd"))
            time.sleep(0.3)
            n = len(os.listdir(f"/proc/{pid}/fd"))
            if a == n:
                break
        with open(f"/proc/{pid}/status") as f:
            rss = int(next(l for l in f if l.startswith("VmRSS")).split()[1])
        return n, rss

    def fig(self, name, value, ok=None):
        self.figs.append((name, value, ok))
        if ok is False:
            self.fails.append(name)

    def fail(self, name, value):
        self.fig(name, value, False)

    # Where a daemon that no longer answers is stuck (state, kernel stack).
    def stuck_where(self):
        pid = self.daemon.pid
        def rd(name):
            try:
                with open(f"/proc/{pid}/{name}") as f:
                    return f.read().strip()
            except OSError as e:
                return f"({e.strerror})"
        state = rd("stat").split(") ")[-1][:1]
        stack = " < ".join(l.split(" ", 1)[-1].split("+")[0] for l in rd("stack").splitlines()[:4])
        return f"no answer: pid {pid} state {state}, wchan {rd('wchan')}, stack {stack}"

    def sample_rss(self, since_start):
        """Every 30 s of a daemon's life: (epoch, since_start, RSS KiB)."""
        last = self.rss_series[-1] if self.rss_series else None
        if not last or last[0] != self.epoch or since_start - last[1] >= 30:
            self.rss_series.append((self.epoch, since_start, self.daemon_facts(fds=False)[1]))

    def rss_report(self, b1rss, b2rss, rss, instances):
        """RSS back to its level: not to the baseline taken 10 s after a
        start, when the buffers were still untouched (2026-12-07: both
        daemons rose 5-8 MB in their first minutes, then stayed flat), but
        to the first sample past RSS_WARM_S, when every log stream has
        wrapped its ring and tail. From there the only growth allowed is
        the leak watch's sample rings, still filling until their window
        (10 min) has passed: at most LEAK_RING_KIB per instance; then 5%
        and 1 MiB of noise (malloc's arenas). And once the rings are full,
        the growth from then to the end, when the run is long enough (an
        hour: daemon 2 lives 30 minutes)."""
        ep = self.epoch
        d2 = [(t, r) for e, t, r in self.rss_series if e == ep]
        warm = next(((t, r) for t, r in d2 if t >= RSS_WARM_S), None)
        self.fig("daemon RSS KiB: baseline 1 / after adoption / end", f"{b1rss} / {b2rss} / {rss}")
        self.fig(f"  daemon {ep}'s RSS every 30 s (KiB)", " ".join(str(r) for _, r in d2))
        if warm is None:
            self.fig(f"  growth from {RSS_WARM_S} s after its start", "not checked: the daemon did not live so long")
        else:
            lim = int(warm[1] * 1.05) + 1024 + instances * LEAK_RING_KIB
            self.fig(f"  at {warm[0]:.0f} s after its start / end (limit)", f"{warm[1]} / {rss} ({lim})",
                     rss <= lim)
        full = next(((t, r) for t, r in d2 if t >= LEAK_WINDOW_S + 60), None)
        if full and d2[-1][0] - full[0] >= 600:
            lim = int(full[1] * 1.05) + 1024
            self.fig(f"  once the leak rings are full: at {full[0]:.0f} s / end (limit)",
                     f"{full[1]} / {rss} ({lim})", rss <= lim)

    # ---- the checks with the daemon running ----
    def end_checks_live(self, st, fds, rss):
        sup = st["supervisor"]
        b1fds, b1rss = self.base[1]
        b2fds, b2rss = self.base.get(2, self.base[1])
        self.fig("daemon fds: baseline 1 / after adoption / end", f"{b1fds} / {b2fds} / {fds}")
        self.fds_end = (b1fds, b2fds, fds)
        self.rss_report(b1rss, b2rss, rss, len([i for s in st["services"] for i in s["instances"]]))
        # Zombies: children of the daemon, or anything in the soak's
        # cgroups, in the Z state in two looks 1 s apart.
        def zombies():
            z = set()
            for p in os.listdir("/proc"):
                if not p.isdigit():
                    continue
                try:
                    with open(f"/proc/{p}/stat") as f:
                        s = f.read()
                except OSError:
                    continue
                rest = s[s.rindex(")") + 2:].split()
                if rest[0] != "Z":
                    continue
                cg = self.cg_of(p) or ""
                if int(rest[1]) == self.daemon.pid or cg.startswith(self.cgrel + "/"):
                    z.add((int(p), rest[19]))
            return z
        z = zombies() & (time.sleep(1) or zombies())
        self.fig("zombies (daemon's children or in the soak's cgroups, 1 s apart)", len(z), len(z) == 0)
        # Every process in an instance cgroup belongs to a live instance;
        # every main is in its own cgroup; no process of the soak outside.
        inst = {f"{s['name']}.{i['index']}": i for s in st["services"] for i in s["instances"]}
        stray, mains_out, in_cg = [], [], 0
        svcroot = f"{self.cgroot}/services"
        for sd in os.listdir(svcroot):
            if not os.path.isdir(f"{svcroot}/{sd}"):
                continue
            for idx in os.listdir(f"{svcroot}/{sd}"):
                if not os.path.isdir(f"{svcroot}/{sd}/{idx}"):
                    continue
                # An exec check runs in probe-INDEX-N beside the
                # instance's cgroup: it belongs to that instance.
                m = re.fullmatch(r"(?:probe-)?(\d+)(?:-\d+)?", idx)
                if not m:
                    stray.append((f"{sd}/{idx}", "not an instance's cgroup"))
                    continue
                k = f"{sd}.{m.group(1)}"
                try:
                    with open(f"{svcroot}/{sd}/{idx}/cgroup.procs") as f:
                        procs = [int(x) for x in f.read().split()]
                except OSError:
                    procs = []
                in_cg += len(procs)
                i = inst.get(k)
                if procs and (i is None or i["state"] not in PROC_STATES):
                    stray.append((k, procs))
        for k, i in inst.items():
            if i.get("pid") and i["pid"] not in self.procs_of(k):
                mains_out.append(k)
        outside = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    cmd = f.read().decode(errors="replace")
            except OSError:
                continue
            if self.marker in cmd or f"\0{self.sleep_s}\0" in cmd or self.dir in cmd:
                cg = self.cg_of(p)
                if cg is not None and not cg.startswith(self.cgrel + "/services/"):
                    if int(p) not in (os.getpid(), self.daemon.pid) and not any(f[0].pid == int(p) for f in self.followers):
                        outside.append((int(p), cg, cmd.replace("\0", " ")[:80]))
        self.fig("processes in instance cgroups", in_cg)
        self.fig("processes in a cgroup of no live instance", len(stray), not stray)
        self.fig("mains outside their instance cgroup", len(mains_out), not mains_out)
        self.fig("soak processes outside the soak's cgroups", len(outside), not outside)
        for x in (stray[:5], mains_out[:5], outside[:5]):
            if x:
                self.log(f"detail: {x}")
        self.fig("orphans reaped (daemon 1 before SIGKILL / daemon 2)",
                 f"{self.crash.get('pre_orphans')} / {sup['orphans_reaped']}")
        self.fig("grandchildren SIGKILLed (daemon 1 / daemon 2)", f"{self.kills_gc[1]} / {self.kills_gc[2]}")
        ev = sup.get("events", {})
        self.fig("event subscribers cut off", ev.get("subscribers_dropped"))
        self.fig("daemon's own log lines dropped", sup.get("log", {}).get("own_dropped_lines"),
                 sup.get("log", {}).get("own_dropped_lines") == 0)
        self.final_next_seq = ev.get("kept", {}).get("next_seq")
        self.final_dropped = sum(i.get("log", {}).get("stdout", {}).get("dropped_lines", 0) for i in inst.values())

    def end_checks_after(self):
        left = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    cmd = f.read().decode(errors="replace")
            except OSError:
                continue
            if (self.marker in cmd or f"\0{self.sleep_s}\0" in cmd or self.dir in cmd) and int(p) != os.getpid():
                left.append((int(p), cmd.replace("\0", " ")[:80]))
        self.fig("soak processes left after shutdown", len(left), not left)
        # The root stays when the last daemon did not make it (docs/
        # cgroups.md: removed at exit if created): the second daemon found
        # it. Everything below it must be gone.
        cgs = [d for d, _, _ in os.walk(self.cgroot)][1:] if os.path.isdir(self.cgroot) else []
        self.fig("cgroups left below the root after shutdown", len(cgs), not cgs)
        self.fig("  the root itself left (made by daemon 1, so daemon 2 keeps it)",
                 "yes" if os.path.isdir(self.cgroot) else "no")
        if left or cgs:
            self.log(f"detail: {left[:5]} {cgs[:5]}")

    def print_figs(self):
        self.fig("operator actions", ", ".join(f"{k} {v}" for k, v in sorted(self.acts.items())))
        self.fig("  refused or timed out (not failures: e.g. freeze of a stopping instance)",
                 ", ".join(f"{k} {v}" for k, v in sorted(self.refused.items())) or "0")
        self.fig("daemon restart: socket answering, all up after (s)",
                 f"{self.crash.get('answer_s', 0):.2f}, {self.crash.get('all_up_s') or 0:.1f}")
        self.fig("pause around the SIGKILL, not counted as chaos (s)", f"{self.crash.get('pause_s', 0):.0f}")
        w = max(len(n) for n, _, _ in self.figs)
        print(f"\nchaos soak: {self.n} services, {self.minutes} min\n")
        for n, v, ok in self.figs:
            mark = "" if ok is None else ("  ok" if ok else "  FAIL")
            print(f"  {n:<{w}}  {v}{mark}")
        print(f"\n{'FAILED: ' + '; '.join(self.fails) if self.fails else 'all checks hold'}")
        return 1 if self.fails else 0
    # ---- events: the stream, gaps filled from the daemon's log ----
    def epoch_events(self, e):
        stream, cutoffs = {}, 0
        for path in sorted(glob.glob(f"{self.dir}/events.{e}.*.jsonl")):
            with open(path) as f:
                for l in f:
                    try:
                        j = json.loads(l)
                    except ValueError:
                        continue
                    if j.get("event") == "dropped" and "seq" not in j:
                        cutoffs += 1
                    elif "seq" in j:
                        stream[j["seq"]] = j
        logev = []
        with open(f"{self.dir}/daemon.{e}.log") as f:
            for l in f:
                try:
                    j = json.loads(l)
                except ValueError:
                    continue
                if "event" in j:
                    logev.append(j)
        ident = lambda j: (j.get("event"), j.get("service"), j.get("index"), j.get("pid"), j.get("from"), j.get("to"))
        mism = sum(1 for s, j in stream.items() if s > len(logev) or ident(j) != ident(logev[s - 1]))
        first = min(stream) if stream else len(logev) + 1
        last = max(stream) if stream else 0
        missing = [s for s in range(1, len(logev) + 1) if s not in stream]
        gap = {"before": sum(1 for s in missing if s < first), "within": sum(1 for s in missing if first < s < last),
               "after": sum(1 for s in missing if s > last)}
        merged = [dict(stream.get(s) or logev[s - 1], seq=s) for s in range(1, len(logev) + 1)]
        return merged, stream, gap, mism, cutoffs

    def events_report(self):
        E = {}
        for e in (1, 2):
            merged, stream, gap, mism, cutoffs = self.epoch_events(e)
            E[e] = merged
            self.fig(f"daemon {e}: events (streamed + from its log: before the follower / gaps / after the last sent)",
                     f"{len(merged)} ({len(stream)} + {gap['before']} / {gap['within']} / {gap['after']})")
            self.fig(f"daemon {e}: streamed events that differ from its log", mism, mism == 0)
            if cutoffs:
                self.fig(f"daemon {e}: follower cut off (gap filled from the log)", cutoffs)
        # Processes, by incarnation: each start or adoption ends in exactly
        # one exit, or crosses the SIGKILL (epoch 1) into an adoption or a
        # refusal. In event order, as pids are reused (pid_max 32768 wrapped
        # within 15 minutes of the 30-minute run: keyed by pid alone, the
        # books counted a reused pid's exits as one process's).
        live = {1: {}, 2: {}}            # pid -> instance: started or adopted, no exit yet
        ended = {1: set(), 2: set()}     # pids whose last incarnation has its exit
        exit_ev = {1: {}, 2: {}}
        adopted, refused_keys, fresh2 = {}, set(), set()
        first2 = {}   # the first start or adoption of each instance under daemon 2
        causes = collections.Counter()
        dup = unknown = 0
        live1 = {}
        for e in (1, 2):
            for j in E[e]:
                k = f"{j.get('service')}.{j.get('index')}"
                p = j.get("pid")
                if j["event"] == "start":
                    live[e][p] = k
                    ended[e].discard(p)
                    if e == 2 and k not in first2:
                        first2[k] = "start"
                        fresh2.add(k)
                elif j["event"] == "adopted":
                    first2.setdefault(k, "adopted")
                    adopted[p] = (k, j.get("restarts"))
                    live[e][p] = k
                    ended[e].discard(p)
                elif j["event"] == "adopt-refused":
                    refused_keys.add(k)
                elif j["event"] == "exit":
                    exit_ev[e][p] = j
                    causes[str(j.get("cause"))[:32]] += 1
                    if p in live[e]:
                        del live[e][p]
                        ended[e].add(p)
                    elif p in ended[e]:
                        dup += 1
                    else:
                        unknown += 1
            if e == 1:
                live1 = dict(live[1])
        self.fig("exits seen (both daemons), by cause",
                 f"{sum(causes.values())}: " + ", ".join(f"{c} {n}" for c, n in sorted(causes.items())))
        self.fig("processes with more than one exit event", dup, dup == 0)
        self.fig("exits of a process never started or adopted", unknown, unknown == 0)
        bad_adopt = [p for p in adopted if p not in live1]
        self.fig("adoptions of a process daemon 1 had not running", len(bad_adopt), not bad_adopt)
        down_pids = {d["pid"] for d in self.kills_down}
        cls = collections.Counter()
        lost = []
        for p, k in live1.items():
            if p in adopted:
                cls["adopted"] += 1
            elif p in down_pids:
                cls["killed while no daemon ran"] += 1
            elif k in refused_keys:
                cls["refused at adoption"] += 1
            elif k in fresh2:
                cls["gone before adoption, started afresh"] += 1
            elif k.split(".")[0].startswith("sc") and int(k.split(".")[1]) > 0:
                cls["scaled above the config (not adopted, by design)"] += 1
            else:
                lost.append((p, k))
        self.fig("daemon 1's processes at its SIGKILL", len(live1))
        self.fig("  of which " + ", ".join(f"{c}: {n}" for c, n in sorted(cls.items())), "")
        self.fig("  of which unaccounted", len(lost), not lost)
        live2 = list(live[2])
        self.fig("processes of daemon 2 without an exit after its shutdown", len(live2), not live2)
        # The soak's own kills: each has its exit event.
        unmatched = []
        for kl in self.kills_main:
            e = kl["epoch"]
            if kl["pid"] in exit_ev[e]:
                continue
            if e == 1 and kl["pid"] in live1 and kl["pid"] not in adopted:
                continue     # killed just before the SIGKILL: refused/afresh above
            unmatched.append(kl)
        self.fig("mains SIGKILLed by the soak (daemon 1 / daemon 2 / none running)",
                 f"{sum(1 for k in self.kills_main if k['epoch'] == 1)} / "
                 f"{sum(1 for k in self.kills_main if k['epoch'] == 2)} / {len(self.kills_down)}")
        self.fig("  of which without an exit event", len(unmatched), not unmatched)
        down_adopted = [d for d in self.kills_down if d["pid"] in adopted]
        self.fig("  killed while none ran and still adopted", len(down_adopted), not down_adopted)
        # The restarts counter of each instance against the events: +1 for
        # each backoff (or failed) that ended on its timer; the count an
        # adoption carries over; 0 for an instance made by a scale.
        tally = {1: collections.Counter(), 2: collections.Counter()}
        carried_bad = []
        last = self.final_next_seq or 10 ** 12
        for e in (1, 2):
            for j in E[e]:
                if e == 2 and j["seq"] >= last:
                    break
                k = f"{j.get('service')}.{j.get('index')}"
                if j["event"] == "state":
                    if j.get("from") == "stopped" and j.get("why") == "scale":
                        tally[e][k] = 0
                    if j.get("from") in ("backoff", "failed") and j.get("on") == "timer":
                        tally[e][k] += 1
                elif j["event"] == "adopted":
                    if j.get("restarts") != tally[1][k]:
                        carried_bad.append((k, j.get("restarts"), tally[1][k]))
                    tally[2][k] = j.get("restarts", 0)
        self.fig("adoptions whose carried restarts differ from daemon 1's events", len(carried_bad), not carried_bad)
        # An adopted instance holds one fd fewer than one the daemon
        # spawned (seen: daemon 2's fds grew by exactly the instances it
        # spawned, back to daemon 1's count); so the end may exceed daemon
        # 2's baseline by those, never daemon 1's.
        b1fds, b2fds, fds = self.fds_end
        spawned2 = len({f"{j.get('service')}.{j.get('index')}" for j in E[2] if j["event"] == "start"
                        and j["seq"] < (self.final_next_seq or 10 ** 12)})
        self.fig("daemon fds at the end <= min(baseline 1, baseline 2 + instances daemon 2 spawned) + 4",
                 f"{fds} <= min({b1fds}, {b2fds} + {spawned2}) + 4", fds <= min(b1fds, b2fds + spawned2) + 4)
        bad = []
        total = 0
        for s in self.final_status["services"]:
            for i in s["instances"]:
                k = f"{s['name']}.{i['index']}"
                total += i["restarts"]
                if i["restarts"] != tally[2][k]:
                    bad.append((k, i["restarts"], tally[2][k]))
        self.fig("restarts counted (status, sum over instances at the end)", total)
        self.fig("  instances whose restarts differ from the events", len(bad), not bad)
        for x in (carried_bad[:5], bad[:5], lost[:5], unmatched[:5], live2[:5]):
            if x:
                self.log(f"detail: {x}")
        self.E = E

