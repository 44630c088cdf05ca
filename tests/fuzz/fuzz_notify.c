/* SPDX-License-Identifier: MIT */
/*
 * fuzz_notify.c: the sd_notify payload parser (basic/notify_msg.c), fed
 * one datagram's bytes as the socket delivers them (no NUL after them).
 *
 * Checks, beyond the sanitizers:
 *  - notify_msg_parse() returns 0, -EMSGSIZE exactly when the input is over
 *    NOTIFY_MSG_MAX, or -EBADMSG exactly when it holds a NUL; on an error
 *    the output is untouched;
 *  - a flag is set exactly when a line says KEY=1 (WATCHDOG=trigger);
 *  - a number kept is the first line's digits, read back the same
 *    (MAINPID > 0, ERRNO <= 4095); a status is NUL-terminated valid UTF-8
 *    of at most NOTIFY_STATUS_MAX bytes without control characters, and
 *    equals the first STATUS= line when that one is short plain ASCII;
 *  - the counters never exceed the lines; parsing twice gives the same;
 *  - notify_status_sanitise() into a buffer of any size stays inside it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/notify_msg.h"
#include "basic/utf8.h"
#include "fuzz_check.h"

/* The value of the first line that starts with key (e.g. "MAINPID="), or
 * NULL; its length in *ret_len. */
static const char *first_value(const char *s, size_t n, const char *key, size_t *ret_len)
{
	size_t k = strlen(key);

	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		if (len >= k && memcmp(s + i, key, k) == 0) {
			*ret_len = len - k;
			return s + i + k;
		}
		i += len + 1;
	}
	return NULL;
}

static bool has_line(const char *s, size_t n, const char *line)
{
	size_t k = strlen(line);

	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		if (len == k && memcmp(s + i, line, k) == 0)
			return true;
		i += len + 1;
	}
	return false;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		lines += len > 0;
		i += len + 1;
	}
	return lines;
}

/* A number kept must print back as the first line's digits, less any
 * leading zeros. */
static void check_number(const char *s, size_t n, const char *key, bool has, uint64_t value)
{
	size_t vlen = 0;
	const char *v = first_value(s, n, key, &vlen);
	char text[32];

	if (!has)
		return;
	CHECK(v);
	while (vlen > 1 && v[0] == '0')
		v++, vlen--;
	snprintf(text, sizeof(text), "%" PRIu64, value);
	CHECK(strlen(text) == vlen && memcmp(text, v, vlen) == 0);
}

static void check_status(const char *s, size_t n, const struct notify_msg *m)
{
	const unsigned char *st = (const unsigned char *)m->status;
	size_t len = strnlen(m->status, sizeof(m->status)), vlen = 0;
	const char *v = first_value(s, n, "STATUS=", &vlen);
	bool plain = true;

	CHECK(len <= NOTIFY_STATUS_MAX);
	CHECK(m->has_status == (v != NULL));
	CHECK(m->has_status || len == 0);
	CHECK(utf8_valid(m->status, len));
	for (size_t i = 0; i < len; i++) {
		CHECK(st[i] >= 0x20 && st[i] != 0x7f);
		CHECK(!(st[i] == 0xc2 && i + 1 < len && st[i + 1] < 0xa0));
	}
	if (!v)
		return;
	for (size_t i = 0; i < vlen; i++)
		plain = plain && v[i] >= 0x20 && v[i] < 0x7f;
	if (plain && vlen <= NOTIFY_STATUS_MAX)
		CHECK(len == vlen && memcmp(m->status, v, vlen) == 0);
}

static void check_msg(const char *s, size_t n, const struct notify_msg *m)
{
	CHECK(m->ready == has_line(s, n, "READY=1"));
	CHECK(m->reloading == has_line(s, n, "RELOADING=1"));
	CHECK(m->stopping == has_line(s, n, "STOPPING=1"));
	CHECK(m->watchdog_ping == has_line(s, n, "WATCHDOG=1"));
	CHECK(m->watchdog_trigger == has_line(s, n, "WATCHDOG=trigger"));
	CHECK(m->has_mainpid ? m->mainpid > 0 : m->mainpid == 0);
	CHECK(m->has_errno ? m->errno_value >= 0 && m->errno_value <= NOTIFY_ERRNO_MAX : m->errno_value == 0);
	check_number(s, n, "MAINPID=", m->has_mainpid, (uint64_t)m->mainpid);
	check_number(s, n, "ERRNO=", m->has_errno, (uint64_t)m->errno_value);
	check_number(s, n, "WATCHDOG_USEC=", m->has_watchdog_usec, m->watchdog_usec);
	check_number(s, n, "EXTEND_TIMEOUT_USEC=", m->has_extend_usec, m->extend_usec);
	check_status(s, n, m);
	CHECK((size_t)m->unknown_keys + m->ignored_keys + m->bad_values <= count_lines(s, n));
}

/* Field by field: padding is not part of the result. */
static bool same_msg(const struct notify_msg *a, const struct notify_msg *b)
{
	return a->ready == b->ready && a->reloading == b->reloading && a->stopping == b->stopping &&
	       a->watchdog_ping == b->watchdog_ping && a->watchdog_trigger == b->watchdog_trigger &&
	       a->has_status == b->has_status && strcmp(a->status, b->status) == 0 &&
	       a->has_mainpid == b->has_mainpid && a->mainpid == b->mainpid &&
	       a->has_watchdog_usec == b->has_watchdog_usec && a->watchdog_usec == b->watchdog_usec &&
	       a->has_extend_usec == b->has_extend_usec && a->extend_usec == b->extend_usec &&
	       a->has_errno == b->has_errno && a->errno_value == b->errno_value &&
	       a->unknown_keys == b->unknown_keys && a->ignored_keys == b->ignored_keys &&
	       a->bad_values == b->bad_values;
}

/* The first byte picks an output size, 0..299, allocated exactly. */
static void fuzz_sanitise(const char *s, size_t n)
{
	size_t outlen = n ? (unsigned char)s[0] % 300 : 0;
	char *out = malloc(outlen ? outlen : 1);

	CHECK(out);
	size_t len = notify_status_sanitise(s, n, out, outlen);
	if (outlen) {
		CHECK(len < outlen && out[len] == '\0' && strlen(out) == len);
		CHECK(utf8_valid(out, len));
	} else {
		CHECK(len == 0);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct notify_msg m, again, untouched;
	int r;

	memset(&m, 0xa5, sizeof(m));
	untouched = m;
	r = notify_msg_parse(s, size, &m);
	if (size > NOTIFY_MSG_MAX)
		CHECK(r == -EMSGSIZE);
	else if (size && memchr(s, '\0', size))
		CHECK(r == -EBADMSG);
	else
		CHECK(r == 0);
	if (r < 0) {
		CHECK(memcmp(&m, &untouched, sizeof(m)) == 0);
	} else {
		check_msg(s, size, &m);
		memset(&again, 0x3c, sizeof(again));
		CHECK(notify_msg_parse(s, size, &again) == 0);
		CHECK(same_msg(&m, &again));
	}
	fuzz_sanitise(s, size);
	return 0;
}
