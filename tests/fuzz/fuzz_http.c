/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http.c: the parsers of the tcp and http checks, fed the same bytes:
 * http_status_parse() (basic/http_status.c) on the raw bytes, and, when
 * they hold no NUL, netaddr_parse_hostport() and netaddr_parse_http_url()
 * (basic/netaddr.c) on them as a C string, the URL parser also on
 * "http://" + the bytes (to get past the scheme at once).
 *
 * Checks, beyond the sanitizers:
 *  - http_status_parse() returns 1, 0 or -EBADMSG; 0 only below
 *    HTTP_STATUS_LINE_MAX bytes without a '\n', and then for every shorter
 *    prefix too; 1 only for a line "HTTP/1." that ends with '\n' within the
 *    bound and a status of 100..599, the same from the bytes up to that
 *    '\n', and 0 from the bytes before it;
 *  - the netaddr parsers return 0 or -EINVAL; on an error a non-empty,
 *    NUL-terminated message of one line of printable ASCII, and the outputs
 *    untouched; on success an AF_INET or AF_INET6 address with its length
 *    and a port 1..65535, whose text parses again to the same address and
 *    text; a path that starts with '/', at most NETADDR_HTTP_PATH_MAX bytes
 *    of 0x21..0x7e, and "http://" + text + path parses back to both.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/http_status.h"
#include "basic/macro.h"
#include "basic/netaddr.h"
#include "fuzz_check.h"

static void check_status(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int status = -1, again = -1;
	int r = http_status_parse(buf, size, &status);

	CHECK(r == 1 || r == 0 || r == -EBADMSG);
	if (r == 0) {
		CHECK(size < HTTP_STATUS_LINE_MAX && !memchr(buf, '\n', size));
		CHECK(status == -1);
		CHECK(http_status_parse(buf, size / 2, &again) == 0);
	} else if (r == 1) {
		const char *lf = memchr(buf, '\n', MIN(size, (size_t)HTTP_STATUS_LINE_MAX));
		CHECK(lf && size >= 13 && memcmp(buf, "HTTP/1.", 7) == 0);
		CHECK(status >= 100 && status <= 599);
		size_t end = (size_t)(lf - buf) + 1;
		CHECK(http_status_parse(buf, end, &again) == 1 && again == status);
		CHECK(http_status_parse(buf, end - 1, &again) == 0);
	}
}

static void check_err(int r, const char *err, size_t errlen)
{
	CHECK(r == -EINVAL);
	size_t n = strnlen(err, errlen);
	CHECK(n > 0 && n < errlen);
	for (size_t i = 0; i < n; i++)
		CHECK(err[i] >= 0x20 && err[i] < 0x7f);
}

static void check_addr(const struct netaddr *a)
{
	struct netaddr again;
	char err[256];
	uint16_t port;

	if (a->sa.ss_family == AF_INET) {
		CHECK(a->len == sizeof(struct sockaddr_in));
		port = ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
	} else {
		CHECK(a->sa.ss_family == AF_INET6 && a->len == sizeof(struct sockaddr_in6));
		port = ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port);
	}
	CHECK(port != 0);
	CHECK(strnlen(a->text, sizeof(a->text)) < sizeof(a->text));
	CHECK(netaddr_parse_hostport(a->text, &again, err, sizeof(err)) == 0);
	CHECK(again.len == a->len && memcmp(&again.sa, &a->sa, a->len) == 0);
	CHECK(strcmp(again.text, a->text) == 0);
}

static void check_hostport(const char *s)
{
	struct netaddr a, untouched;
	char err[256];

	memset(&a, 0xa5, sizeof(a));
	untouched = a;
	int r = netaddr_parse_hostport(s, &a, err, sizeof(err));
	if (r != 0) {
		check_err(r, err, sizeof(err));
		CHECK(memcmp(&a, &untouched, sizeof(a)) == 0);
		return;
	}
	CHECK(strlen(s) <= NETADDR_HOSTPORT_MAX);
	check_addr(&a);
}

static void check_url(const char *s)
{
	static char url[NETADDR_URL_MAX + 128];
	char path[NETADDR_HTTP_PATH_MAX + 1], path2[NETADDR_HTTP_PATH_MAX + 1], err[256];
	struct netaddr a, again;
	int r;

	memset(&a, 0xa5, sizeof(a));
	memset(path, 0x5a, sizeof(path));
	r = netaddr_parse_http_url(s, &a, path, sizeof(path), err, sizeof(err));
	if (r != 0) {
		check_err(r, err, sizeof(err));
		CHECK(a.len == 0xa5a5a5a5 && (unsigned char)path[0] == 0x5a);
		return;
	}
	CHECK(strlen(s) <= NETADDR_URL_MAX && strncasecmp(s, "http://", 7) == 0);
	check_addr(&a);
	size_t n = strnlen(path, sizeof(path));
	CHECK(n >= 1 && n <= NETADDR_HTTP_PATH_MAX && path[0] == '/');
	for (size_t i = 0; i < n; i++)
		CHECK(path[i] >= 0x21 && path[i] <= 0x7e);
	snprintf(url, sizeof(url), "http://%s%s", a.text, path);
	CHECK(netaddr_parse_http_url(url, &again, path2, sizeof(path2), err, sizeof(err)) == 0);
	CHECK(again.len == a.len && memcmp(&again.sa, &a.sa, a.len) == 0);
	CHECK(strcmp(path, path2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	check_status(data, size);
	if (memchr(data, '\0', size) || size > 2 * NETADDR_URL_MAX)
		return 0;
	s = malloc(size + strlen("http://") + 1);
	CHECK(s);
	memcpy(s, "http://", 7);
	memcpy(s + 7, data, size);
	s[size + 7] = '\0';
	check_hostport(s + 7);
	check_url(s + 7);
	check_url(s);
	free(s);
	return 0;
}
