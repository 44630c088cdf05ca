#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/soak.py: the chaos soak's driver, run by bench/soak.sh (which
owns the temp dir, the cgroup root and the cleanup). Starts the daemon,
follows its events, makes chaos for the given minutes, SIGKILLs the daemon
once half-way and starts another that re-adopts the services, then brings
everything back to the config, checks the books and prints the figures.
Exit 0 when every check holds, 1 otherwise. What each check means and why
its tolerance: docs/performance.md, "Chaos soak".

Every process it signals is checked first to be inside the soak's own
cgroup root (pidfd_open, then /proc/PID/cgroup, then pidfd_send_signal:
the pidfd pins the process that was checked)."""
import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import time

from soak_books import Books
from soak_logbooks import WRITER

RESTART = "{policy: always, backoff_initial: 100ms, backoff_max: 2s, max_restarts: 0}"


def now():
    return time.monotonic()


class Soak(Books):
    def __init__(self, a):
        self.bin, self.dir, self.cgroot = a.bin, a.dir, a.cgroot
        self.minutes, self.n = a.minutes, a.services
        self.rng = random.Random(a.seed)
        self.sock = f"{self.dir}/control.sock"
        self.cfg = f"{self.dir}/soak.yaml"
        self.logdir = f"{self.dir}/logs"
        self.flags = f"{self.dir}/flags"
        os.makedirs(self.logdir)
        os.makedirs(self.flags)
        with open("/proc/self/mountinfo") as f:
            mnt = [l.split()[4] for l in f if " - cgroup2 " in l][0]
        self.cgrel = "/" + os.path.relpath(self.cgroot, mnt)   # as /proc/PID/cgroup shows it
        self.marker = f"rvsoak-{os.getppid()}"
        self.sleep_s = str(900000 + os.getppid() % 90000)     # a sleep of ours, by its argument
        self.t0 = now()
        self.epoch = 0
        self.daemon = None
        self.followers = []      # (Popen, epoch, path)
        self.follower_restarts = collections.Counter()
        self.snap = {}
        self.snap_t = 0
        self.kills_main = []     # {epoch, key, pid}
        self.kills_down = []     # {key, pid}: while no daemon ran
        self.kills_gc = collections.Counter()
        self.acts = collections.Counter()
        self.refused = collections.Counter()   # CLI calls the daemon refused (not a failure)
        self.pending = []        # (due, fn, args)
        self.stopped, self.frozen = set(), set()
        self.sick, self.notready = set(), set()
        self.gen = collections.Counter()
        self.figs = []           # (name, value, ok or None)
        self.fails = []
        self.crash = {}
        self.base = {}
        self.rss_series = []     # (epoch, s since that daemon started, RSS KiB), every 30 s
        self.daemon_t0 = 0.0

        k = self.n
        n_sl, n_lg, n_fl, n_pr = k * 40 // 100, k * 15 // 100, k * 10 // 100, k * 20 // 100
        n_sc = k - n_sl - n_lg - n_fl - n_pr
        self.groups = {"sl": n_sl, "lg": n_lg, "fl": n_fl, "pr": n_pr, "sc": n_sc}
        self.names = {g: [f"{g}{i:04d}" for i in range(c)] for g, c in self.groups.items()}

    # ---- config ----
    def service_yaml(self, g, name):
        q = json.dumps
        sh = lambda s: q(["/bin/sh", "-c", s, self.marker])
        S = self.sleep_s
        logf = f"log: {{dir: {q(self.logdir)}, max_bytes: 0, timestamps: true"
        if g in ("sl", "sc"):
            cmd = sh(f"sleep {S} & setsid -f sleep {S}; wait")
            extra = ""
        elif g == "lg":
            cmd = sh(WRITER + 'while :; do b=$((b+1)); seq -f "L $w $b %g ." 1 100; sleep 3; done')
            extra = f", {logf}}}"
        elif g == "fl":
            cmd = sh(WRITER + 'while :; do b=$((b+1)); seq -f "F $w $b %g ." 1 5000; sleep 10; done')
            extra = f", {logf}, rate_limit: {{bytes_per_s: 2K, burst: 8K}}}}"
        else:
            cmd = q(["/bin/sleep", S])
            rd = q(["/usr/bin/test", "!", "-e", f"{self.flags}/nr.{name}"])
            hl = q(["/usr/bin/test", "!", "-e", f"{self.flags}/sick.{name}"])
            extra = (f", readiness: {{exec: {rd}, interval: 500ms, start_timeout: 5s}}"
                     f", health: {{exec: {hl}, interval: 3s, failures: 2}}")
        return (f"  {name}: {{command: {cmd}, restart: {RESTART}, stop: {{timeout: 5s}}, "
                f"env: {{SOAK_GEN: \"{self.gen[name]}\"}}{extra}}}\n")

    def write_config(self):
        with open(self.cfg + ".tmp", "w") as f:
            f.write("supervisor: {shutdown_timeout: 120s}\nservices:\n")
            for g, names in self.names.items():
                for name in names:
                    f.write(self.service_yaml(g, name))
        os.rename(self.cfg + ".tmp", self.cfg)

    # ---- the daemon, the CLI, the event followers ----
    def cli(self, *args, timeout=60):
        try:
            return subprocess.run([self.bin, "--socket", self.sock, *args], capture_output=True,
                                  text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            self.refused[f"{args[0]} timed out"] += 1
            return None

    def act(self, name, *args):
        """An operator command: counted, a refusal counted apart (e.g.
        freeze of an instance that has just stopped)."""
        r = self.cli(*args)
        self.acts[name] += 1
        if r is None or r.returncode != 0:
            self.refused[name] += 1
        return r

    def status(self, target=None):
        r = self.cli("status", *([target] if target else []), "--json")
        if r is None or r.returncode not in (0, 3):
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def daemon_alive(self):
        return self.daemon is not None and self.daemon.poll() is None

    def log(self, msg):
        print(f"soak [{now() - self.t0:6.0f}s]: {msg}", file=sys.stderr, flush=True)

    def start_follower(self):
        k = self.follower_restarts[self.epoch]
        path = f"{self.dir}/events.{self.epoch}.{k}.jsonl"
        p = subprocess.Popen([self.bin, "--socket", self.sock, "events", "-f", "--json"],
                             stdout=open(path, "w"), stderr=open(path + ".err", "w"),
                             stdin=subprocess.DEVNULL)
        with open(f"{self.dir}/followers.pid", "a") as f:
            f.write(f"{p.pid}\n")
        self.followers.append((p, self.epoch, path))
        self.follower_restarts[self.epoch] += 1

    def check_followers(self):
        """A follower that ended while its daemon runs (cut off as too
        slow, or refused) is replaced; the gap is filled from the log and
        counted (events_report)."""
        if not self.daemon_alive():
            return
        live = [f for f in self.followers if f[1] == self.epoch and f[0].poll() is None]
        if not live:
            self.start_follower()

    def start_daemon(self):
        self.epoch += 1
        e = self.epoch
        self.daemon = subprocess.Popen(
            [self.bin, "run", "-c", self.cfg, "--socket", self.sock, f"--cgroup-root={self.cgroot}",
             "--log-format=json", "--debug"],
            stdout=open(f"{self.dir}/daemon.{e}.out", "w"), stderr=open(f"{self.dir}/daemon.{e}.log", "w"),
            stdin=subprocess.DEVNULL)
        with open(f"{self.dir}/daemon.pid", "w") as f:
            f.write(f"{self.daemon.pid}\n")
        t = self.daemon_t0 = now()
        # The follower first, as soon as the socket answers: the ring
        # (4096 events) then still holds the daemon's first events.
        while now() - t < 120:
            if not self.daemon_alive():
                raise SystemExit(f"daemon {e} exited at start: see daemon.{e}.log")
            if os.path.exists(self.sock):
                r = self.cli("status", "sl0000.0", "--json", timeout=10)
                if r is not None and r.returncode in (0, 3, 4):
                    break
            time.sleep(0.02)
        self.start_follower()
        self.log(f"daemon {e} (pid {self.daemon.pid}) answers after {now() - t:.2f}s")

    def wait_all_up(self, limit):
        """Every configured instance has a process and is running or ready."""
        t = now()
        want = sum(self.groups.values())
        st = None
        while now() - t < limit:
            st = self.status()
            if st:
                insts = [i for s in st["services"] for i in s["instances"]]
                up = sum(1 for i in insts if i["state"] in ("running", "ready") and i.get("pid"))
                ready_ok = all(i["state"] == "ready" for s in st["services"] if s["name"].startswith("pr")
                               for i in s["instances"])
                if up == want == len(insts) and ready_ok:
                    return now() - t, st
            self.check_followers()
            time.sleep(1)
        return None, st

    # ---- process facts ----
    def kill_checked(self, pid, key=None):
        """SIGKILL pid, only if it is in the soak's cgroup tree (in the
        cgroup of instance key when given). True when the signal went."""
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            return False
        try:
            cg = self.cg_of(pid) or ""
            if key:
                want = f"{self.cgrel}/services/{key.replace('.', '/', 1)}"
                ok = cg == want or cg.startswith(want + "/")
            else:
                ok = cg.startswith(f"{self.cgrel}/services/")
            if not ok:
                return False
            signal.pidfd_send_signal(fd, signal.SIGKILL)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    # ---- chaos ----
    def refresh(self):
        st = self.status()
        if st:
            self.snap = {f"{s['name']}.{i['index']}": i for s in st["services"] for i in s["instances"]}
            self.snap_t = now()

    def pick(self, prefixes=None, with_pid=True):
        keys = [k for k, i in self.snap.items()
                if (not prefixes or k[:2] in prefixes) and (i.get("pid") or not with_pid)]
        return self.rng.choice(keys) if keys else None

    def later(self, secs, fn, *args):
        self.pending.append((now() + secs, fn, args))

    def a_kill_main(self):
        k = self.pick()
        if k and self.kill_checked(self.snap[k]["pid"], k):
            self.kills_main.append({"epoch": self.epoch, "key": k, "pid": self.snap[k]["pid"]})

    def a_kill_gc(self):
        k = self.pick(("sl", "sc"))
        if not k:
            return
        st = self.status(k)
        try:
            main = next(i["pid"] for i in st["services"][0]["instances"] if f"{k.split('.')[0]}.{i['index']}" == k)
        except (TypeError, StopIteration, KeyError, IndexError):
            return
        kids = [p for p in self.procs_of(k) if p != main]
        if kids and self.kill_checked(self.rng.choice(kids), k):
            self.kills_gc[self.epoch] += 1

    def a_stop(self):
        k = self.pick(("sl", "lg", "fl", "pr"))
        if k and k not in self.stopped:
            self.act("stop", "stop", "--no-wait", k)
            self.stopped.add(k)
            self.later(self.rng.uniform(5, 15), self.u_start, k)

    def u_start(self, k):
        self.act("start", "start", "--no-wait", k)
        self.stopped.discard(k)

    def a_restart(self):
        k = self.pick()
        if k:
            self.act("restart", "restart", "--no-wait", k)

    def a_freeze(self):
        k = self.pick(("sl", "lg", "fl", "pr", "sc"))
        if k and k not in self.frozen:
            self.act("freeze", "freeze", k)
            self.frozen.add(k)
            self.later(self.rng.uniform(3, 10), self.u_thaw, k)

    def u_thaw(self, k):
        self.act("thaw", "thaw", k)
        self.frozen.discard(k)

    def a_scale(self):
        if self.names["sc"]:
            self.act("scale", "scale", "--no-wait", self.rng.choice(self.names["sc"]), str(self.rng.randint(1, 3)))

    def a_sick(self):
        if self.names["pr"]:
            s = self.rng.choice(self.names["pr"])
            if s not in self.sick:
                open(f"{self.flags}/sick.{s}", "w").close()
                self.sick.add(s)
                self.acts["health made to fail"] += 1
                self.later(8, self.u_flag, "sick", s)

    def a_notready(self):
        if self.names["pr"]:
            s = self.rng.choice(self.names["pr"])
            if s not in self.notready:
                open(f"{self.flags}/nr.{s}", "w").close()
                self.notready.add(s)
                self.act("readiness made to fail (restart)", "restart", "--no-wait", f"{s}.0")
                self.later(12, self.u_flag, "nr", s)

    def u_flag(self, kind, s):
        try:
            os.unlink(f"{self.flags}/{kind}.{s}")
        except FileNotFoundError:
            pass
        (self.sick if kind == "sick" else self.notready).discard(s)

    def a_reload(self):
        bump = self.rng.sample(self.names["sl"], max(1, len(self.names["sl"]) // 40)) if self.names["sl"] else []
        for s in bump:
            self.gen[s] += 1
        self.write_config()
        self.act("reload", "reload")
        self.acts["services changed by reloads"] += len(bump)

    def crash_daemon(self):
        """SIGKILL the daemon; while none runs, SIGKILL a few mains; start
        the next daemon on the same cgroup root: it re-adopts."""
        # Everything up first, so that the baseline of the next daemon
        # is taken in the same shape as the first one's and the end.
        self.settle()
        self.wait_all_up(120)
        self.refresh()
        pre = self.status()
        self.crash["cpu_s"] = self.cpu_s()
        self.daemon.send_signal(signal.SIGKILL)
        self.log(f"SIGKILL to daemon {self.epoch} (pid {self.daemon.pid})")
        self.crash["pre_orphans"] = pre["supervisor"]["orphans_reaped"] if pre else None
        with open(f"{self.dir}/status.before-sigkill.json", "w") as f:
            json.dump(pre, f)
        self.daemon.wait()
        self.crash["t_kill"] = time.time()
        for p, e, _ in self.followers:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.terminate()
                p.wait()
        time.sleep(1)
        for k in self.rng.sample([k for k, i in self.snap.items() if i.get("pid")], 5):
            if self.kill_checked(self.snap[k]["pid"], k):
                self.kills_down.append({"key": k, "pid": self.snap[k]["pid"]})
        time.sleep(2)
        t = now()
        self.start_daemon()
        self.crash["t_restart"] = time.time()
        self.crash["answer_s"] = now() - t
        took, _ = self.wait_all_up(300)
        self.crash["all_up_s"] = took
        time.sleep(10)
        self.base[2] = self.daemon_facts()
        self.log(f"baseline 2: {self.base[2][0]} fds, {self.base[2][1]} KiB RSS (all up after {took or -1:.1f}s)")

    def chaos(self, secs):
        rates = [   # per second
            (2.0, self.a_kill_main), (2.0, self.a_kill_gc), (0.3, self.a_stop), (0.3, self.a_restart),
            (0.2, self.a_freeze), (0.2, self.a_scale), (0.2, self.a_sick), (0.1, self.a_notready),
        ]
        end = now() + secs
        crash_at = now() + secs / 2
        next_reload = now() + 60
        dt = 0.1
        while now() < end:
            t = now()
            if crash_at and t >= crash_at:
                crash_at = None
                self.crash_daemon()
                self.refresh()
                end += now() - t   # the pause around the SIGKILL is no chaos
                self.crash["pause_s"] = now() - t
                continue
            if t >= next_reload:
                next_reload = t + 90
                self.a_reload()
            if t - self.snap_t > 5:
                self.refresh()
                self.check_followers()
            self.sample_rss(t - self.daemon_t0)
            due = [p for p in self.pending if p[0] <= t]
            self.pending = [p for p in self.pending if p[0] > t]
            for _, fn, args in due:
                fn(*args)
            for r, fn in rates:
                if self.rng.random() < r * dt:
                    fn()
            time.sleep(max(0.0, dt - (now() - t)))

    def settle(self):
        """Undo what is pending, scale back to the config, start what is
        stopped: every instance up again."""
        for _, fn, args in self.pending:
            fn(*args)
        self.pending = []
        st = self.status()
        for s in st["services"] if st else []:
            if s["name"].startswith("sc") and len(s["instances"]) != 1:
                self.act("scale (back)", "scale", "--no-wait", s["name"], "1")
        st = self.status()
        for s in st["services"] if st else []:
            for i in s["instances"]:
                k = f"{s['name']}.{i['index']}"
                if i["state"] == "frozen":
                    self.act("thaw (back)", "thaw", k)
                elif i["state"] in ("stopped", "failed", "exited"):
                    self.act("start (back)", "start", "--no-wait", k)

    # ---- the run ----
    def run(self):
        self.write_config()
        self.start_daemon()
        took, st = self.wait_all_up(300)
        if took is None:
            raise SystemExit("not every instance came up within 300 s")
        self.fig("instances", sum(len(s["instances"]) for s in st["services"]))
        self.fig("time to all up at start (s)", f"{took:.1f}")
        time.sleep(10)
        self.base[1] = self.daemon_facts()
        self.log(f"baseline 1: {self.base[1][0]} fds, {self.base[1][1]} KiB RSS; chaos for {self.minutes} min")
        self.refresh()
        self.chaos(self.minutes * 60)
        self.log("chaos over: back to the config")
        self.settle()
        took, st = self.wait_all_up(300)
        if took is None:
            self.fail("instances up after the chaos", "not all up within 300 s")
        # The epoch-2 baseline: the same daemon process as at the end.
        time.sleep(10)
        fds, rss = self.daemon_facts()
        self.rss_series.append((self.epoch, now() - self.daemon_t0, rss))
        cpu2 = self.cpu_s()
        st = self.status()
        if st is None:
            # A daemon that no longer answers: say where it is stuck (the
            # hour's run of 2026-12-07 found one in clone3, waiting on a
            # vfork child frozen at birth) instead of checking the books.
            self.fail("daemon answers status after the chaos", self.stuck_where())
            return self.print_figs()
        with open(f"{self.dir}/status.final.json", "w") as f:
            json.dump(st, f)
        self.final_status = st
        self.fig("daemon CPU (s): daemon 1 until its SIGKILL / daemon 2 until the end",
                 f"{self.crash.get('cpu_s', 0):.1f} / {cpu2:.1f}")
        self.end_checks_live(st, fds, rss)
        self.shutdown()
        self.end_checks_after()
        self.events_report()
        self.logs_report()
        return self.print_figs()

    def shutdown(self):
        t = now()
        r = self.cli("shutdown", timeout=300)
        try:
            rc = self.daemon.wait(timeout=300)
        except subprocess.TimeoutExpired:
            rc = None
        self.fig("shutdown: time (s), daemon exit status", f"{now() - t:.1f}, {rc}", rc == 0)
        for p, _, _ in self.followers:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.terminate()
                p.wait()



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cgroot", required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    s = Soak(a)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        rc = s.run()
    finally:
        for p, _, _ in s.followers:
            if p.poll() is None:
                p.terminate()
    sys.exit(rc)


if __name__ == "__main__":
    main()
