/* SPDX-License-Identifier: MIT */
/*
 * leak_json.c: see leak_json.h.
 */
#include "policy/leak_json.h"

/* Memory is kept in KiB: shown in bytes, like every other size. */
static int64_t shown(enum leak_series k, double v)
{
	return (int64_t)(k == LEAK_MEMORY ? v * 1024 : v);
}

static json_object *rule_json(enum leak_series k, const struct leak_rule_result *r, unsigned parts)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "holds", json_object_new_boolean(r->holds));
	json_object_object_add(o, "new_highs", json_object_new_int((int)r->new_highs));
	json_object_object_add(o, "parts", json_object_new_int((int)parts));
	json_object_object_add(o, "rise", json_object_new_int64(shown(k, r->rise)));
	json_object_object_add(o, "needed", json_object_new_int64(shown(k, r->needed)));
	json_object_object_add(o, "closeness", json_object_new_double(r->closeness));
	return o;
}

static json_object *one_series(enum leak_series k, const struct leak_series_trend *st, uint64_t now_ms)
{
	json_object *o = json_object_new_object(), *highs = json_object_new_array();
	char rate[48];

	json_object_object_add(o, "verdict", json_object_new_string(leak_verdict_to_string(st->verdict)));
	json_object_object_add(o, "why", json_object_new_string(st->why ? st->why : "not sampled yet"));
	json_object_object_add(o, "rate_per_hour", json_object_new_double(st->per_hour));
	json_object_object_add(o, "rate", json_object_new_string(leak_format_rate(k, st->per_hour, rate, sizeof(rate))));
	json_object_object_add(o, "horizon_ms", json_object_new_int64((int64_t)st->horizon_ms));
	json_object_object_add(o, "closeness", json_object_new_double(st->closeness));
	for (unsigned i = 0; i < st->n_highs && i < LEAK_SLOW_PARTS; i++)
		json_object_array_add(highs, json_object_new_int64(shown(k, st->highs[i])));
	json_object_object_add(o, "recent_highs", highs);
	json_object_object_add(o, "last_high_ago_ms", st->last_high_ms && now_ms >= st->last_high_ms ?
			       json_object_new_int64((int64_t)(now_ms - st->last_high_ms)) : NULL);
	json_object_object_add(o, "fast", rule_json(k, &st->fast, LEAK_FAST_PARTS));
	json_object_object_add(o, "slow", rule_json(k, &st->slow, LEAK_SLOW_PARTS));
	return o;
}

json_object *leak_series_json(const struct leak_trend *t, uint64_t now_ms)
{
	json_object *o = json_object_new_object();
	for (int k = 0; k < _LEAK_SERIES_MAX; k++)
		json_object_object_add(o, leak_series_to_string((enum leak_series)k),
				       one_series((enum leak_series)k, &t->series[k], now_ms));
	return o;
}

json_object *leak_history_json(const struct leak_history *h)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < leak_history_len(h); i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "t_ms", json_object_new_int64((int64_t)leak_history_t_ms(h, i)));
		for (int k = 0; k < _LEAK_SERIES_MAX; k++)
			json_object_object_add(o, leak_series_to_string((enum leak_series)k),
					       json_object_new_int64(shown((enum leak_series)k,
									   leak_history_value(h, i, (enum leak_series)k))));
		json_object_array_add(a, o);
	}
	return a;
}
