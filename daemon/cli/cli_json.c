/* SPDX-License-Identifier: MIT */
/* cli_json.c: see cli_json.h. */
#include <stdio.h>

#include "cli/cli_json.h"

const char *cli_jstr(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

int64_t cli_jint(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_int64(v) : -1;
}

json_object *cli_jget(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

void cli_fmt_ms(int64_t ms, char *b, size_t n)
{
	if (ms < 1000)
		snprintf(b, n, "%lldms", (long long)ms);
	else if (ms < 60000)
		snprintf(b, n, "%.1fs", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(b, n, "%lldm%llds", (long long)ms / 60000, (long long)(ms / 1000) % 60);
	else
		snprintf(b, n, "%lldh%lldm", (long long)ms / 3600000, (long long)(ms / 60000) % 60);
}
