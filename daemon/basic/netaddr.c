/* SPDX-License-Identifier: MIT */
/*
 * netaddr.c: see netaddr.h. inet_pton does the address syntax (strict:
 * dotted quads without leading zeros, RFC 4291 text for IPv6); everything
 * around it (brackets, port, scheme, path) is checked here byte by byte,
 * on spans of the input, never past its bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "basic/macro.h"
#include "basic/netaddr.h"

/* A piece of the input: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* How much of the offending text an error message quotes. */
#define QUOTE_MAX 48

static void _printf_(3, 4) set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The span as text for an error message: bytes outside 0x20..0x7e as \xNN
 * (a newline in a config value must not split a log line), at most
 * QUOTE_MAX bytes of it, then "...". */
static const char *quote(char buf[static QUOTE_MAX * 4 + 4], struct span s)
{
	size_t o = 0;

	for (size_t i = 0; i < s.n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)sprintf(buf + o, "\\x%02x", c);
	}
	if (s.n > QUOTE_MAX)
		o += (size_t)sprintf(buf + o, "...");
	buf[o] = '\0';
	return buf;
}

static int parse_port(struct span s, uint16_t *ret, char *err, size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4];
	uint32_t v = 0;

	if (s.n == 0) {
		set_err(err, errlen, "missing port after ':'");
		return -EINVAL;
	}
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9') {
			set_err(err, errlen, "invalid port %s (decimal digits only)", quote(q, s));
			return -EINVAL;
		}
		/* Saturates: any number past 65535 is out of range alike. */
		v = MIN(v * 10 + (uint32_t)(s.p[i] - '0'), 100000u);
	}
	if (v < 1 || v > 65535) {
		set_err(err, errlen, "port %s is out of range 1..65535", quote(q, s));
		return -EINVAL;
	}
	*ret = (uint16_t)v;
	return 0;
}

static int parse_ipv6(struct span host, struct netaddr *a, char *err, size_t errlen)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;
	char buf[INET6_ADDRSTRLEN], q[QUOTE_MAX * 4 + 4];

	if (host.n == 0 || host.n >= sizeof(buf) || memchr(host.p, '\0', host.n))
		goto bad;
	memcpy(buf, host.p, host.n);
	buf[host.n] = '\0';
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
		goto bad;
	sin6->sin6_family = AF_INET6;
	a->len = sizeof(*sin6);
	return 0;
bad:
	set_err(err, errlen, "not an IPv6 address: [%s]", quote(q, host));
	return -EINVAL;
}

static int parse_ipv4(struct span host, struct netaddr *a, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;
	char buf[INET_ADDRSTRLEN], q[QUOTE_MAX * 4 + 4];

	if (host.n == 0) {
		set_err(err, errlen, "missing host before ':'");
		return -EINVAL;
	}
	if (host.n == strlen("localhost") && strncasecmp(host.p, "localhost", host.n) == 0) {
		memcpy(buf, "127.0.0.1", sizeof("127.0.0.1"));
	} else if (host.n < sizeof(buf) && !memchr(host.p, '\0', host.n)) {
		memcpy(buf, host.p, host.n);
		buf[host.n] = '\0';
	} else {
		buf[0] = '\0';
	}
	if (inet_pton(AF_INET, buf, &sin->sin_addr) != 1) {
		if (strspn(host.p, "0123456789.") >= host.n)
			set_err(err, errlen, "not an IPv4 address: %s", quote(q, host));
		else
			set_err(err, errlen, "not an IP address: %s (names are not resolved; use an address)",
				quote(q, host));
		return -EINVAL;
	}
	sin->sin_family = AF_INET;
	a->len = sizeof(*sin);
	return 0;
}

/* Splits "HOST[:PORT]" or "[V6][:PORT]" into host and port; port.p is
 * NULL when there is no ':'. *bracketed tells which form it was. */
static int split_host_port(struct span s, struct span *host, struct span *port, bool *bracketed,
			   char *err, size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4];
	const char *colon, *end = s.p + s.n;

	*port = (struct span){ NULL, 0 };
	*bracketed = s.n > 0 && s.p[0] == '[';
	if (*bracketed) {
		const char *close = memchr(s.p, ']', s.n);
		if (!close) {
			set_err(err, errlen, "missing ']' after the IPv6 address in %s", quote(q, s));
			return -EINVAL;
		}
		*host = (struct span){ s.p + 1, (size_t)(close - s.p - 1) };
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':') {
			set_err(err, errlen, "expected ':PORT' after ']' in %s", quote(q, s));
			return -EINVAL;
		}
	} else {
		colon = memchr(s.p, ':', s.n);
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
			set_err(err, errlen, "an IPv6 address needs brackets: %s (write [ADDRESS]:PORT)",
				quote(q, s));
			return -EINVAL;
		}
		*host = (struct span){ s.p, colon ? (size_t)(colon - s.p) : s.n };
	}
	if (colon)
		*port = (struct span){ colon + 1, (size_t)(end - colon - 1) };
	return 0;
}

static void format_text(struct netaddr *a, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->sa.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->sa;
		sin6->sin6_port = htons(port);
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(a->text, sizeof(a->text), "[%s]:%u", ip, port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->sa;
		sin->sin_port = htons(port);
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(a->text, sizeof(a->text), "%s:%u", ip, port);
	}
}

/* The shared part of both parsers: an address with a port, or with
 * default_port when there is none (0: a port is required). */
static int parse_authority(struct span s, uint16_t default_port, struct netaddr *ret, char *err,
			   size_t errlen)
{
	struct netaddr a = {};
	struct span host, port_text;
	uint16_t port = default_port;
	bool bracketed;
	char q[QUOTE_MAX * 4 + 4];
	int r;

	r = split_host_port(s, &host, &port_text, &bracketed, err, errlen);
	if (r < 0)
		return r;
	r = bracketed ? parse_ipv6(host, &a, err, errlen) : parse_ipv4(host, &a, err, errlen);
	if (r < 0)
		return r;
	if (port_text.p) {
		r = parse_port(port_text, &port, err, errlen);
		if (r < 0)
			return r;
	} else if (default_port == 0) {
		set_err(err, errlen, "missing port in %s (write HOST:PORT)", quote(q, s));
		return -EINVAL;
	}
	format_text(&a, port);
	*ret = a;
	return 0;
}

int netaddr_parse_hostport(const char *s, struct netaddr *ret, char *err, size_t errlen)
{
	size_t n;

	if (!s) {
		set_err(err, errlen, "no address given");
		return -EINVAL;
	}
	n = strnlen(s, NETADDR_HOSTPORT_MAX + 1);
	if (n > NETADDR_HOSTPORT_MAX) {
		set_err(err, errlen, "address is longer than %d bytes", NETADDR_HOSTPORT_MAX);
		return -EINVAL;
	}
	if (n == 0) {
		set_err(err, errlen, "empty address (write HOST:PORT)");
		return -EINVAL;
	}
	return parse_authority((struct span){ s, n }, 0, ret, err, errlen);
}

/* The request target: "/" when empty, a leading "/" before a bare query,
 * the fragment dropped; printable ASCII without spaces only. */
static int copy_path(struct span s, char *path, size_t pathlen, char *err, size_t errlen)
{
	const char *hash = memchr(s.p, '#', s.n);
	bool slash = s.n == 0 || s.p[0] != '/';

	if (hash)
		s.n = (size_t)(hash - s.p);
	if (s.n + slash > NETADDR_HTTP_PATH_MAX) {
		set_err(err, errlen, "URL path is longer than %d bytes", NETADDR_HTTP_PATH_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x21 || c > 0x7e) {
			set_err(err, errlen, "URL path byte 0x%02x at offset %zu is not printable ASCII "
				"(percent-encode it, e.g. %%20 for a space)", c, i);
			return -EINVAL;
		}
	}
	if (!path || pathlen < s.n + slash + 1) {
		set_err(err, errlen, "URL path does not fit in %zu bytes", pathlen);
		return -EINVAL;
	}
	if (slash)
		path[0] = '/';
	memcpy(path + slash, s.p, s.n);
	path[s.n + slash] = '\0';
	return 0;
}

static bool has_prefix_ci(const char *s, size_t n, const char *prefix)
{
	size_t m = strlen(prefix);
	return n >= m && strncasecmp(s, prefix, m) == 0;
}

int netaddr_parse_http_url(const char *s, struct netaddr *ret, char *path, size_t pathlen,
			   char *err, size_t errlen)
{
	char q[QUOTE_MAX * 4 + 4];
	struct netaddr a;
	struct span rest, authority;
	size_t n;
	int r;

	if (!s) {
		set_err(err, errlen, "no URL given");
		return -EINVAL;
	}
	n = strnlen(s, NETADDR_URL_MAX + 1);
	if (n > NETADDR_URL_MAX) {
		set_err(err, errlen, "URL is longer than %d bytes", NETADDR_URL_MAX);
		return -EINVAL;
	}
	if (has_prefix_ci(s, n, "https://")) {
		set_err(err, errlen, "https is not supported: the daemon has no TLS "
			"(use an http:// URL or a tcp check)");
		return -EINVAL;
	}
	if (!has_prefix_ci(s, n, "http://")) {
		set_err(err, errlen, "not an http:// URL: %s", quote(q, (struct span){ s, n }));
		return -EINVAL;
	}
	rest = (struct span){ s + strlen("http://"), n - strlen("http://") };
	authority = (struct span){ rest.p, strcspn(rest.p, "/?#") };
	if (memchr(authority.p, '@', authority.n)) {
		set_err(err, errlen, "user@ in a URL is not supported: %s", quote(q, authority));
		return -EINVAL;
	}
	if (authority.n == 0) {
		set_err(err, errlen, "missing host after http://");
		return -EINVAL;
	}
	r = parse_authority(authority, 80, &a, err, errlen);
	if (r < 0)
		return r;
	r = copy_path((struct span){ rest.p + authority.n, rest.n - authority.n }, path, pathlen,
		      err, errlen);
	if (r < 0)
		return r;
	*ret = a;
	return 0;
}
