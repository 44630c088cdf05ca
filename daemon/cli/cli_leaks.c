/* SPDX-License-Identifier: MIT */
/*
 * cli_leaks.c: see cli_leaks.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_leaks.h"

static json_object *get(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *str(json_object *o, const char *k)
{
	json_object *v = get(o, k);
	return v ? json_object_get_string(v) : NULL;
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void print_kinds(json_object *kinds)
{
	bool first = true;
	json_object_object_foreach(kinds, k, v) {
		if (json_object_get_int64(v) == 0)
			continue;
		printf("%s%s %lld", first ? "" : ", ", k, (long long)json_object_get_int64(v));
		first = false;
	}
}

static void print_memory(json_object *in, char *buf, size_t len)
{
	json_object *m = get(in, "memory");
	if (!m)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1fM", (double)json_object_get_int64(m) / (1024.0 * 1024.0));
}

/* "fds      1.0 fds/s over 1m0s, highs 40 52 64 76, 100% of a verdict (leaking)" */
static void print_series(const char *name, json_object *s, json_object *spark)
{
	json_object *highs = get(s, "recent_highs");
	long long horizon = json_object_get_int64(get(s, "horizon_ms"));

	printf("    %-8s %-8s %-18s over %llds, highs", name, or_dash(str(s, "verdict")), or_dash(str(s, "rate")),
	       horizon / 1000);
	for (size_t i = 0; highs && i < json_object_array_length(highs); i++) {
		json_object *h = json_object_array_get_idx(highs, i);
		if (strcmp(name, "memory") == 0)   /* bytes in the JSON; MiB to read */
			printf(" %.1fM", (double)json_object_get_int64(h) / (1024.0 * 1024.0));
		else
			printf(" %s", json_object_get_string(h));
	}
	printf(", %.0f%% of a verdict, %s %s\n", 100 * json_object_get_double(get(s, "closeness")),
	       or_dash(str(s, "why")), spark ? or_dash(str(spark, name)) : "");
}

static void print_instance(const char *svc, json_object *in)
{
	json_object *procs = get(in, "processes"), *series = get(in, "series");
	char name[96], mem[32];

	snprintf(name, sizeof(name), "%s.%s", svc, or_dash(str(in, "index")));
	print_memory(in, mem, sizeof(mem));
	printf("%-20s %-9s %7s %7s %9s %-8s %s%s\n", name, or_dash(str(in, "state")), or_dash(str(in, "fds")),
	       or_dash(str(in, "threads")), mem, or_dash(str(in, "verdict")), or_dash(str(in, "reason")),
	       json_object_get_boolean(get(in, "recurring")) ? " (recurring)" : "");
	json_object_object_foreach(series, k, v)
		print_series(k, v, get(in, "sparkline"));
	for (size_t i = 0; procs && i < json_object_array_length(procs); i++) {
		json_object *p = json_object_array_get_idx(procs, i), *kinds = get(p, "fds_by_kind");
		printf("    pid %-8s %-16s fds %s (", or_dash(str(p, "pid")), or_dash(str(p, "comm")),
		       or_dash(str(p, "fds")));
		if (kinds)
			print_kinds(kinds);
		printf("), threads %s\n", or_dash(str(p, "threads")));
	}
}

void cli_print_leaks(json_object *reply)
{
	json_object *services = get(reply, "services");

	printf("source: %s, %s passes, last pass %s us CPU%s%s\n", or_dash(str(reply, "source")),
	       or_dash(str(reply, "passes")), or_dash(str(reply, "last_pass_cpu_us")),
	       str(reply, "source_reason") ? "; bpf not used: " : "", str(reply, "source_reason") ? str(reply, "source_reason") : "");
	printf("%-20s %-9s %7s %7s %9s %-8s %s\n", "INSTANCE", "STATE", "FDS", "THREADS", "MEMORY", "VERDICT", "WHY");
	for (size_t i = 0; services && i < json_object_array_length(services); i++) {
		json_object *svc = json_object_array_get_idx(services, i), *insts = get(svc, "instances");
		for (size_t j = 0; insts && j < json_object_array_length(insts); j++)
			print_instance(or_dash(str(svc, "name")), json_object_array_get_idx(insts, j));
	}
}
