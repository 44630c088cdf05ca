/* SPDX-License-Identifier: MIT */
/*
 * notify_msg.c: the sd_notify payload parser (rules in notify_msg.h). One
 * table of keys; each known key has a function that checks and stores its
 * value, and says -EINVAL or -ERANGE for a bad one, which is counted.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "basic/macro.h"
#include "basic/notify_msg.h"
#include "basic/utf8.h"

#define REPLACEMENT "\xef\xbf\xbd"   /* U+FFFD */

static bool value_is(const char *v, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(v, want, n) == 0;
}

/* Decimal digits only: no sign, no space, no base prefix. */
static int parse_u64(const char *v, size_t n, uint64_t *ret)
{
	uint64_t x = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		unsigned d = (unsigned)(v[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*ret = x;
	return 0;
}

static int set_flag(bool *flag, const char *v, size_t n)
{
	if (!value_is(v, n, "1"))
		return -EINVAL;
	*flag = true;
	return 0;
}

static int on_ready(struct notify_msg *m, const char *v, size_t n)
{
	return set_flag(&m->ready, v, n);
}

static int on_reloading(struct notify_msg *m, const char *v, size_t n)
{
	return set_flag(&m->reloading, v, n);
}

static int on_stopping(struct notify_msg *m, const char *v, size_t n)
{
	return set_flag(&m->stopping, v, n);
}

static int on_watchdog(struct notify_msg *m, const char *v, size_t n)
{
	if (value_is(v, n, "trigger"))
		return set_flag(&m->watchdog_trigger, "1", 1);
	return set_flag(&m->watchdog_ping, v, n);
}

static int on_status(struct notify_msg *m, const char *v, size_t n)
{
	notify_status_sanitise(v, n, m->status, sizeof(m->status));
	m->has_status = true;
	return 0;
}

static int on_mainpid(struct notify_msg *m, const char *v, size_t n)
{
	uint64_t x;
	int r = parse_u64(v, n, &x);

	if (r < 0)
		return r;
	if (x == 0 || x > INT_MAX)   /* pid_t is an int */
		return -ERANGE;
	m->mainpid = (pid_t)x;
	m->has_mainpid = true;
	return 0;
}

static int on_watchdog_usec(struct notify_msg *m, const char *v, size_t n)
{
	int r = parse_u64(v, n, &m->watchdog_usec);

	m->has_watchdog_usec = r >= 0;
	return r;
}

static int on_extend_usec(struct notify_msg *m, const char *v, size_t n)
{
	int r = parse_u64(v, n, &m->extend_usec);

	m->has_extend_usec = r >= 0;
	return r;
}

static int on_errno(struct notify_msg *m, const char *v, size_t n)
{
	uint64_t x;
	int r = parse_u64(v, n, &x);

	if (r < 0)
		return r;
	if (x > NOTIFY_ERRNO_MAX)
		return -ERANGE;
	m->errno_value = (int)x;
	m->has_errno = true;
	return 0;
}

static const struct notify_key {
	const char *name;
	int (*apply)(struct notify_msg *m, const char *v, size_t n);   /* NULL: ignored key */
	bool first_only;
} keys[] = {
	{ "READY", on_ready, false },
	{ "RELOADING", on_reloading, false },
	{ "STOPPING", on_stopping, false },
	{ "WATCHDOG", on_watchdog, false },
	{ "STATUS", on_status, true },
	{ "MAINPID", on_mainpid, true },
	{ "WATCHDOG_USEC", on_watchdog_usec, true },
	{ "EXTEND_TIMEOUT_USEC", on_extend_usec, true },
	{ "ERRNO", on_errno, true },
	/* systemd's, not acted on here (no fd store, no D-Bus): known, so a
	 * client using them (sd_notify_barrier sends BARRIER=1) is not
	 * reported as speaking nonsense. */
	{ "BARRIER", NULL, false },
	{ "BUSERROR", NULL, false },
	{ "EXIT_STATUS", NULL, false },
	{ "FDNAME", NULL, false },
	{ "FDPOLL", NULL, false },
	{ "FDSTORE", NULL, false },
	{ "FDSTOREREMOVE", NULL, false },
	{ "MONOTONIC_USEC", NULL, false },
	{ "NOTIFYACCESS", NULL, false },
};

/* One non-empty line. `seen` has a bit per first_only key already met. */
static void parse_line(const char *line, size_t n, struct notify_msg *m, uint32_t *seen)
{
	const char *eq = memchr(line, '=', n);

	if (!eq) {
		m->bad_values++;
		return;
	}
	size_t klen = (size_t)(eq - line), vlen = n - klen - 1;
	for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
		if (!value_is(line, klen, keys[k].name))
			continue;
		if (!keys[k].apply) {
			m->ignored_keys++;
			return;
		}
		if (keys[k].first_only) {
			if (*seen & (UINT32_C(1) << k))
				return;
			*seen |= UINT32_C(1) << k;
		}
		if (keys[k].apply(m, eq + 1, vlen) < 0)
			m->bad_values++;
		return;
	}
	m->unknown_keys++;
}

int notify_msg_parse(const char *buf, size_t n, struct notify_msg *ret)
{
	struct notify_msg m = {};
	uint32_t seen = 0;

	if (n > NOTIFY_MSG_MAX)
		return -EMSGSIZE;
	if (n > 0 && memchr(buf, '\0', n))
		return -EBADMSG;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (buf + i)) : n - i;
		if (len > 0)
			parse_line(buf + i, len, &m, &seen);
		i += len + 1;
	}
	*ret = m;
	return 0;
}

/* C0 controls and DEL (one byte), C1 controls U+0080..U+009F (two). A
 * status is shown on terminals: an escape sequence must not reach one. */
static bool is_control(const unsigned char *p, size_t k)
{
	if (k == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	return k == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

size_t notify_status_sanitise(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t k = utf8_sequence(p, n - i);
		const char *emit = s + i;
		size_t elen = k;

		if (k == 0)
			emit = REPLACEMENT, elen = 3, k = 1;   /* each invalid byte */
		else if (p[0] == '\t')
			emit = " ", elen = 1;
		else if (is_control(p, k))
			emit = REPLACEMENT, elen = 3;
		if (elen > outlen - 1 - o)
			break;                                  /* never half a character */
		memcpy(out + o, emit, elen);
		o += elen;
		i += k;
	}
	out[o] = '\0';
	return o;
}
