/* SPDX-License-Identifier: MIT */
/*
 * cli_help.c: `ringvisor help CMD` and `ringvisor CMD --help`: one entry per
 * command, its synopsis and what it does; the usage is their synopses.
 * docs/cli.md is the long form.
 */
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "cli/cli_help.h"

struct help {
	const char *names;   /* space-separated: commands that share the entry */
	const char *synopsis;
	const char *text;
};

static const struct help helps[] = {
	{ "run", "run -c FILE [--socket PATH] [--event-backend=uring|epoll|auto] [--spawn=auto|vfork|clone3|fork]\n"
		 "              [--cgroup-root=auto|none|PATH] [--cgroup-kill=auto|fallback] [--probe=auto|bpf|procfs]\n"
		 "              [--state-dir=PATH] [--log-splice=auto|off] [--log-format=text|json] [--debug]",
	  "Runs the daemon in the foreground on FILE: starts every service, keeps them running,\n"
	  "serves the control socket. SIGTERM or `ringvisor shutdown` stops everything; SIGHUP\n"
	  "reloads FILE; SIGUSR2 re-executes the binary. Exit: 0 after a clean shutdown, 1 on a bad\n"
	  "config or start failure, or the code of an `on_exit: shutdown` service." },
	{ "check", "check -c FILE [--json]",
	  "Validates FILE: `FILE: ok, N services, M instances` (exit 0), or every error, unknown and\n"
	  "duplicate keys included, as `FILE:LINE:COL: key.path: message` (exit 1). Warnings (exit\n"
	  "stays 0): a command that is not an executable, a cwd that is not a directory.\n"
	  "--json: one object with ok, services, instances, errors and warnings." },
	{ "status", "status [SERVICE[.INDEX]] [--state STATE] [--limit N] [--offset N] [-o wide] [--json]",
	  "Every instance: state (and why: `backoff 3.2s`, `waiting (db: not ready)`), pid, uptime,\n"
	  "restarts, CPU time, memory, fds, threads and last exit, under a line about the daemon and\n"
	  "a `degraded:` line for what it cannot do here. -o wide adds violations, log drops and\n"
	  "limits (and why one is not enforced); --json: the whole record. --state STATE shows only\n"
	  "the instances in it (failed, backoff, ...); --limit N and --offset N show a page of them.\n"
	  "Exit: 0 all up (or completed), 3 one is not running, 4 no such service or instance." },
	{ "start stop restart", "start|stop|restart SERVICE[.INDEX] [--no-wait] [--timeout=DURATION] [--json]",
	  "Asks the daemon to start, stop (stop.signal, then SIGKILL after stop.timeout) or\n"
	  "restart a service or one instance, then waits (at most --timeout, default 90s) until\n"
	  "each is running (ready, with a readiness check; completed, for a oneshot) or stopped.\n"
	  "Exit: 0, or 1 with each instance's cause (`web.0: exec: No such file or directory`);\n"
	  "4 for an unknown target. --no-wait returns once the daemon has acted." },
	{ "scale", "scale SERVICE N [--no-wait] [--timeout=DURATION] [--json]",
	  "Sets the number of instances to N (0..10000) and waits as start does for the\n"
	  "instances to be N, each up." },
	{ "signal", "signal SERVICE[.INDEX] SIGNAL", "Sends SIGNAL (a name, e.g. HUP or SIGHUP) to the main process(es)." },
	{ "freeze thaw", "freeze|thaw SERVICE[.INDEX]", "Freezes or thaws the instance's cgroup (needs cgroups)." },
	{ "leaks", "leaks [SERVICE[.INDEX]] [--json]",
	  "Fds, threads and memory per instance, their trend, the leak verdict and why." },
	{ "metrics", "metrics [--json]",
	  "The daemon's state as Prometheus text (format 0.0.4): per instance its state, restarts,\n"
	  "exits, memory, CPU, pids, fds, threads, leak verdict, violations and log bytes, and the\n"
	  "daemon's own figures; for node_exporter's textfile collector. docs/metrics.md lists them." },
	{ "snapshot", "snapshot SERVICE[.INDEX]", "Freezes the instance, saves its evidence (fds, maps, counts), thaws it; prints the path." },
	{ "snapshots", "snapshots [SERVICE] [--json]", "Lists the saved snapshots." },
	{ "logs", "logs SERVICE[.INDEX] [-n N] [--since DURATION] [-f] [-t] [--raw|--json]\n"
		  "  ringvisor logs --rotate SERVICE[.INDEX] [--json]",
	  "The last N lines of the instance's output (default 10, at most 100000), or those of the\n"
	  "last DURATION (90s, 10m, 1h), read back through the log file and its rotated files when\n"
	  "the in-memory tail is too short; -f then follows new lines. -t prints each line's\n"
	  "receive time (2026-12-07T05:01:02.123Z). Control characters and bytes that are not\n"
	  "UTF-8 are shown as \\xHH; --raw prints the bytes as written. --rotate rotates the\n"
	  "log files now and says which." },
	{ "events", "events [-f] [--json] [--since DURATION] [SERVICE[.INDEX]]",
	  "The daemon's events: state changes (with cause, exit code or signal, pid), violations,\n"
	  "leak verdicts, readiness and health, reloads; one line each, as the text log has them\n"
	  "(--json: one object each). The daemon keeps its last 4096 (or 1 MiB): all of those, or\n"
	  "those of the last DURATION; -f then follows new ones. A reader too slow for the ring\n"
	  "is cut off (exit 1, and says so). docs/events.md lists every event." },
	{ "top", "top [-b] [-n FRAMES] [-d SECONDS | --interval=DURATION]\n"
		 "              [--sort=cpu|memory|fds|threads|restarts|name]",
	  "A live view of every instance, refreshed every interval (default 1s), with where its\n"
	  "figures come from. Keys: c m f t r n sort by CPU, memory, fds, threads, restarts or name;\n"
	  "/ TEXT Enter keeps the names containing TEXT (Esc clears); arrows, PgUp, PgDn, Home,\n"
	  "End, j, k scroll; q quits. -n quits after FRAMES refreshes.\n"
	  "-b (or stdout not a terminal): plain frames, each with the time; the first comes an\n"
	  "interval after a first sample, so CPU% has a rate. -b runs until killed without -n;\n"
	  "not a terminal and no -b: one frame." },
	{ "reload", "reload [-c FILE] [--json]",
	  "Reads the daemon's config file again (or FILE, from now on) and applies the difference:\n"
	  "unchanged services keep running; a bad file changes nothing (exit 1, every error)." },
	{ "reexec", "reexec", "Re-executes the daemon's binary (an upgrade); no service stops." },
	{ "shutdown", "shutdown", "Stops every service and the daemon." },
	{ "help", "help [COMMAND]", "This text, or the usage of every command." },
};

static const struct help *find(const char *cmd)
{
	size_t n = strlen(cmd);

	for (size_t i = 0; i < ELEMENTSOF(helps); i++)
		for (const char *p = helps[i].names; (p = strstr(p, cmd)); p += n)
			if ((p == helps[i].names || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
				return &helps[i];
	return NULL;
}

int cli_help_print(const char *cmd, FILE *f)
{
	const struct help *h = cmd && cmd[0] ? find(cmd) : NULL;

	if (!h)
		return -1;
	fprintf(f, "Usage: ringvisor %s\n\n%s\n\nClient commands find the daemon's socket by --socket, "
		"$RINGVISOR_SOCKET, the control_socket of -c FILE, then the default. docs/cli.md has more.\n",
		h->synopsis, h->text);
	return 0;
}

void cli_help_usage(FILE *f, const char *default_socket)
{
	fputs("Usage:\n", f);
	for (size_t i = 0; i < ELEMENTSOF(helps); i++)
		fprintf(f, "  ringvisor %s\n", helps[i].synopsis);
	fprintf(f, "Client commands find the socket by --socket, $RINGVISOR_SOCKET, the config\n"
		"given with -c, then %s. `ringvisor help COMMAND` says more.\n", default_socket);
}
