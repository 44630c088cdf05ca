/* SPDX-License-Identifier: MIT */
/*
 * cli_json.h: reading the daemon's replies: a missing key or a null reads
 * as NULL or -1, so that a field an older daemon lacks prints as "-".
 */
#pragma once

#include <stdint.h>

#include <json-c/json.h>

const char *cli_jstr(json_object *o, const char *k);
int64_t cli_jint(json_object *o, const char *k);
/* The object or array under k, or NULL. */
json_object *cli_jget(json_object *o, const char *k);
/* "250ms", "3.2s", "4m5s", "2h3m" */
void cli_fmt_ms(int64_t ms, char *b, size_t n);
