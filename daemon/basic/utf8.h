/* SPDX-License-Identifier: MIT */
/*
 * utf8.h: text that came from a service (its output, a process name, a
 * path) is arbitrary bytes; JSON must be valid UTF-8. Invalid sequences
 * become U+FFFD; valid text passes unchanged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when s[0..n)
 * does not start with one (overlong forms, surrogates and code points past
 * U+10FFFF are invalid). */
size_t utf8_sequence(const unsigned char *s, size_t n);
bool utf8_valid(const char *s, size_t n);
/* A JSON string of s[0..n), invalid sequences replaced by U+FFFD. */
json_object *json_string_utf8(const char *s, size_t n);
