/* SPDX-License-Identifier: MIT */
/*
 * cli_status.c: see cli_status.h. Every figure comes from the reply
 * (docs/protocol.md): CPU from the cgroup's cpu.stat, memory from
 * memory.current where the memory controller is on and otherwise from the
 * leak watch's last pass (RSS), fds and threads from that pass. A figure
 * nobody can give here prints as "-".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "basic/macro.h"
#include "cli/cli_json.h"
#include "cli/cli_status.h"
#include "cli/cli_table.h"

enum { C_NAME, C_STATE, C_PID, C_UPTIME, C_RESTARTS, C_CPU, C_MEM, C_FDS, C_THREADS, C_LAST,
       C_VIOL, C_DROPS, C_LIMITS, N_COLS };
static const char *const header[N_COLS] = { "INSTANCE", "STATE", "PID", "UPTIME", "RESTARTS", "CPU", "MEM",
					    "FDS", "THREADS", "LAST EXIT", "VIOLATIONS", "LOG DROPS", "LIMITS" };
#define NARROW_COLS (C_LAST + 1)

static void fmt_bytes(int64_t b, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	double v = (double)b;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRId64 "B", b);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

/* The state, and why where it helps: "backoff 3.2s", "waiting (db: not
 * ready)", "running (unhealthy)", "stopping (retiring)". */
static void state_cell(json_object *svc, json_object *in, char *buf, size_t len)
{
	const char *state = cli_jstr(in, "state");
	json_object *w = cli_jget(svc, "waiting");
	const char *health = cli_jstr(cli_jget(in, "health"), "state");
	char t[32];

	if (!state)
		state = "?";
	if (!strcmp(state, "backoff") && cli_jint(in, "restart_in_ms") >= 0) {
		cli_fmt_ms(cli_jint(in, "restart_in_ms"), t, sizeof(t));
		snprintf(buf, len, "backoff %s", t);
	} else if (!strcmp(state, "stopped") && w)
		snprintf(buf, len, "%s (%s)", cli_jint(w, "blocked") > 0 ? "blocked" : "waiting", cli_jstr(w, "for"));
	else if (cli_jget(in, "retiring"))
		snprintf(buf, len, "%s (retiring)", state);
	else if (health && !strcmp(health, "unhealthy"))
		snprintf(buf, len, "%s (unhealthy)", state);
	else
		snprintf(buf, len, "%s", state);
}

static void last_exit_cell(json_object *in, char *buf, size_t len)
{
	json_object *le = cli_jget(in, "last_exit");

	if (!le)
		snprintf(buf, len, "-");
	else if (cli_jint(le, "code") >= 0)
		snprintf(buf, len, "code=%" PRId64 " (%s)", cli_jint(le, "code"), cli_jstr(le, "cause"));
	else if (cli_jstr(le, "signal"))
		snprintf(buf, len, "%s (%s)", cli_jstr(le, "signal"), cli_jstr(le, "cause"));
	else
		snprintf(buf, len, "%s", cli_jstr(le, "cause"));
}

/* CPU, memory, fds, threads: "-" where nothing measures them. */
static void usage_cells(json_object *in, char cells[4][32])
{
	json_object *cg = cli_jget(in, "cgroup"), *use = cli_jget(in, "usage");
	int64_t v;

	if ((v = cli_jint(cg, "cpu_usage_usec")) >= 0)
		cli_fmt_ms(v / 1000, cells[0], 32);
	if ((v = cli_jint(cg, "memory_current")) >= 0 || (v = cli_jint(use, "memory")) >= 0)
		fmt_bytes(v, cells[1], 32);
	if ((v = cli_jint(use, "fds")) >= 0)
		snprintf(cells[2], 32, "%" PRId64, v);
	if ((v = cli_jint(use, "threads")) >= 0)
		snprintf(cells[3], 32, "%" PRId64, v);
}

/* -o wide: the violations that happened, the log lines dropped. */
static void wide_cells(json_object *in, char *viol, size_t len, char *drops, size_t dlen)
{
	json_object *v = cli_jget(cli_jget(in, "cgroup"), "violations"), *lg = cli_jget(in, "log");
	int64_t lines = 0;

	viol[0] = '\0';
	json_object_object_foreach(v, k, n)
		if (json_object_get_int64(n) > 0)
			snprintf(viol + strlen(viol), len - strlen(viol), "%s%s=%" PRId64, viol[0] ? " " : "", k,
				 json_object_get_int64(n));
	json_object_object_foreach(lg, stream, o) {
		(void)stream;
		if (cli_jint(o, "dropped_lines") > 0)
			lines += cli_jint(o, "dropped_lines");
	}
	if (lines)
		snprintf(drops, dlen, "%" PRId64 " lines", lines);
	else
		snprintf(drops, dlen, "-");
	if (!viol[0])
		snprintf(viol, len, "-");
}

/* Each limit of the service, and why it is not enforced where it is not. */
static void limits_cell(json_object *svc, char *buf, size_t len)
{
	json_object *a = cli_jget(svc, "limits");

	buf[0] = '\0';
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *l = json_object_array_get_idx(a, i);
		const char *why = cli_jstr(l, "reason");
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s=%s%s%s%s", buf[0] ? ", " : "", cli_jstr(l, "name"),
			 cli_jstr(l, "value"), why ? " (not enforced: " : "", why ? why : "", why ? ")" : "");
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static void add_instance(struct cli_table *t, json_object *svc, json_object *in, bool wide)
{
	char name[96], state[256], pid[16] = "-", up[32] = "-", restarts[24], last[192];
	char use[4][32] = { "-", "-", "-", "-" }, viol[128], drops[32], limits[1024];
	const char *cells[N_COLS];

	snprintf(name, sizeof(name), "%s.%" PRId64, cli_jstr(svc, "name"), cli_jint(in, "index"));
	state_cell(svc, in, state, sizeof(state));
	if (cli_jint(in, "pid") > 0) {
		snprintf(pid, sizeof(pid), "%" PRId64, cli_jint(in, "pid"));
		cli_fmt_ms(cli_jint(in, "uptime_ms"), up, sizeof(up));
	}
	snprintf(restarts, sizeof(restarts), "%" PRId64, cli_jint(in, "restarts"));
	usage_cells(in, use);
	last_exit_cell(in, last, sizeof(last));
	const char *row[N_COLS] = { name, state, pid, up, restarts, use[0], use[1], use[2], use[3], last };
	memcpy(cells, row, sizeof(cells));
	if (wide) {
		wide_cells(in, viol, sizeof(viol), drops, sizeof(drops));
		limits_cell(svc, limits, sizeof(limits));
		cells[C_VIOL] = viol;
		cells[C_DROPS] = drops;
		cells[C_LIMITS] = limits;
	}
	(void)cli_table_add(t, cells);
}

static void print_supervisor(json_object *sup)
{
	json_object *deg = cli_jget(sup, "degraded");
	char up[32];

	if (!sup)
		return;
	cli_fmt_ms(cli_jint(sup, "uptime_ms"), up, sizeof(up));
	printf("ringvisor pid %" PRId64 ", backend %s, spawn %s, %" PRId64 " instances, %" PRId64 " processes, up %s\n",
	       cli_jint(sup, "pid"), cli_jstr(sup, "event_backend"), cli_jstr(sup, "spawn"), cli_jint(sup, "instances"),
	       cli_jint(sup, "live_processes"), up);
	for (size_t i = 0; deg && i < json_object_array_length(deg); i++)
		printf("degraded: %s\n", json_object_get_string(json_object_array_get_idx(deg, i)));
}

void cli_print_status(json_object *reply, bool wide)
{
	json_object *services = cli_jget(reply, "services");
	struct cli_table t;

	print_supervisor(cli_jget(reply, "supervisor"));
	if (cli_table_init(&t, header, wide ? N_COLS : NARROW_COLS) < 0)
		return;
	for (size_t i = 0; services && i < json_object_array_length(services); i++) {
		json_object *svc = json_object_array_get_idx(services, i), *insts = cli_jget(svc, "instances");
		for (size_t j = 0; insts && j < json_object_array_length(insts); j++)
			add_instance(&t, svc, json_object_array_get_idx(insts, j), wide);
	}
	cli_table_print(&t, stdout);
	cli_table_done(&t);
	/* A page (--limit, --offset): where the next one starts. */
	json_object *page = cli_jget(reply, "page");
	if (page) {
		long long off = cli_jint(page, "offset"), got = cli_jint(page, "returned"), all = cli_jint(page, "matched");
		printf("instances %lld-%lld of %lld", got ? off + 1 : off, off + got, all);
		if (off + got < all)
			printf(" (next: --offset %lld)", off + got);
		printf("\n");
	}
}

static bool is_up(const char *state)
{
	static const char *const up[] = { "starting", "running", "ready", "frozen", "completed" };

	for (size_t i = 0; state && i < ELEMENTSOF(up); i++)
		if (!strcmp(state, up[i]))
			return true;
	return false;
}

int cli_status_exit(json_object *reply, bool one_instance)
{
	json_object *services = cli_jget(reply, "services");
	size_t shown = 0;
	bool down = false;

	for (size_t i = 0; services && i < json_object_array_length(services); i++) {
		json_object *insts = cli_jget(json_object_array_get_idx(services, i), "instances");
		for (size_t j = 0; insts && j < json_object_array_length(insts); j++) {
			shown++;
			down |= !is_up(cli_jstr(json_object_array_get_idx(insts, j), "state"));
		}
	}
	if (one_instance && shown == 0)
		return 4;
	return down ? 3 : 0;
}
