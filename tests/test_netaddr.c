/* SPDX-License-Identifier: MIT */
/*
 * test_netaddr.c: the addresses of tcp and http checks (basic/netaddr.h)
 * and the HTTP status line (basic/http_status.h). Valid forms give the
 * right sockaddr and canonical text; every invalid one gives -EINVAL, a
 * one-line message that names the problem, and leaves the outputs alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "basic/http_status.h"
#include "basic/macro.h"
#include "basic/netaddr.h"

static uint16_t port_of(const struct netaddr *a)
{
	if (a->sa.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&a->sa)->sin_port);
}

static void assert_hostport(const char *s, int family, const char *text, uint16_t port)
{
	struct netaddr a;
	char err[256] = "";

	int r = netaddr_parse_hostport(s, &a, err, sizeof(err));
	if (r != 0)
		print_message("%s: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_int_equal(a.sa.ss_family, family);
	assert_int_equal(a.len, family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	assert_string_equal(a.text, text);
	assert_int_equal(port_of(&a), port);
}

/* Fails with -EINVAL, a message containing `want`, of one line, and the
 * output untouched. */
static void assert_hostport_fails(const char *s, const char *want)
{
	struct netaddr a;
	char err[256] = "";

	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(netaddr_parse_hostport(s, &a, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("%s: got \"%s\", want \"%s\"", s, err, want);
	assert_null(strchr(err, '\n'));
	assert_int_equal(a.len, 0x5a5a5a5a);
}

static void test_hostport_valid(void **state)
{
	(void)state;
	assert_hostport("127.0.0.1:8080", AF_INET, "127.0.0.1:8080", 8080);
	assert_hostport("10.1.2.3:1", AF_INET, "10.1.2.3:1", 1);
	assert_hostport("0.0.0.0:65535", AF_INET, "0.0.0.0:65535", 65535);
	assert_hostport("localhost:80", AF_INET, "127.0.0.1:80", 80);
	assert_hostport("LocalHost:80", AF_INET, "127.0.0.1:80", 80);
	assert_hostport("127.0.0.1:0080", AF_INET, "127.0.0.1:80", 80);
	assert_hostport("[::1]:8080", AF_INET6, "[::1]:8080", 8080);
	assert_hostport("[0:0:0:0:0:0:0:1]:9", AF_INET6, "[::1]:9", 9);
	assert_hostport("[FE80::A]:443", AF_INET6, "[fe80::a]:443", 443);
	assert_hostport("[::ffff:127.0.0.1]:5", AF_INET6, "[::ffff:127.0.0.1]:5", 5);
}

static void test_hostport_invalid(void **state)
{
	char big[NETADDR_HOSTPORT_MAX + 2];
	(void)state;

	assert_hostport_fails("127.0.0.1:0", "port 0 is out of range 1..65535");
	assert_hostport_fails("127.0.0.1:65536", "port 65536 is out of range 1..65535");
	assert_hostport_fails("127.0.0.1:99999999999999999999", "is out of range 1..65535");
	assert_hostport_fails("127.0.0.1:+80", "invalid port +80 (decimal digits only)");
	assert_hostport_fails("127.0.0.1:-1", "invalid port -1");
	assert_hostport_fails("127.0.0.1: 80", "invalid port  80");
	assert_hostport_fails("127.0.0.1:80 ", "invalid port 80 ");
	assert_hostport_fails("127.0.0.1:0x50", "invalid port 0x50");
	assert_hostport_fails("127.0.0.1:", "missing port after ':'");
	assert_hostport_fails("127.0.0.1", "missing port in 127.0.0.1 (write HOST:PORT)");
	assert_hostport_fails("[::1]", "missing port in [::1]");
	assert_hostport_fails(":80", "missing host");
	assert_hostport_fails("", "empty address");
	assert_hostport_fails(NULL, "no address");
	assert_hostport_fails("db.local:5432",
			      "not an IP address: db.local (names are not resolved; use an address)");
	assert_hostport_fails("example.com:80", "names are not resolved");
	assert_hostport_fails("256.1.1.1:80", "not an IPv4 address: 256.1.1.1");
	assert_hostport_fails("127.1:80", "not an IPv4 address: 127.1");
	assert_hostport_fails("010.0.0.1:80", "not an IPv4 address");
	assert_hostport_fails(" 127.0.0.1:80", "not an IP address");
	assert_hostport_fails("::1:80", "an IPv6 address needs brackets");
	assert_hostport_fails("[::1:80", "missing ']'");
	assert_hostport_fails("[::1]80", "expected ':PORT' after ']'");
	assert_hostport_fails("[127.0.0.1]:80", "not an IPv6 address: [127.0.0.1]");
	assert_hostport_fails("[]:80", "not an IPv6 address");
	assert_hostport_fails("[fe80::1%eth0]:80", "not an IPv6 address");
	/* A control byte is quoted escaped: the message stays one line. */
	assert_hostport_fails("db\nhost:80", "not an IP address: db\\x0ahost");

	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_hostport_fails(big, "longer than 128 bytes");
	/* A long name is quoted in part, and the message still fits. */
	memset(big, 'a', NETADDR_HOSTPORT_MAX - 3);
	memcpy(big + NETADDR_HOSTPORT_MAX - 3, ":80", 4);
	assert_hostport_fails(big, "...");
}

static void test_error_buffer_small(void **state)
{
	struct netaddr a;
	char err[8];
	(void)state;

	/* Truncated, NUL-terminated, never overrun; NULL err is fine too. */
	memset(err, 'x', sizeof(err));
	assert_int_equal(netaddr_parse_hostport("db.local:1", &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(netaddr_parse_hostport("db.local:1", &a, NULL, 0), -EINVAL);
	assert_int_equal(netaddr_parse_http_url("https://x", &a, NULL, 0, NULL, 0), -EINVAL);
}

static void assert_url(const char *s, const char *text, const char *path)
{
	struct netaddr a;
	char p[NETADDR_HTTP_PATH_MAX + 1], err[256] = "";

	int r = netaddr_parse_http_url(s, &a, p, sizeof(p), err, sizeof(err));
	if (r != 0)
		print_message("%s: %s\n", s, err);
	assert_int_equal(r, 0);
	assert_string_equal(a.text, text);
	assert_string_equal(p, path);
}

static void assert_url_fails(const char *s, const char *want)
{
	struct netaddr a;
	char p[NETADDR_HTTP_PATH_MAX + 1] = "untouched", err[256] = "";

	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(netaddr_parse_http_url(s, &a, p, sizeof(p), err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("%s: got \"%s\", want \"%s\"", s, err, want);
	assert_null(strchr(err, '\n'));
	assert_int_equal(a.len, 0x5a5a5a5a);
	assert_string_equal(p, "untouched");
}

static void test_url_valid(void **state)
{
	(void)state;
	assert_url("http://127.0.0.1:8080/healthz", "127.0.0.1:8080", "/healthz");
	assert_url("http://127.0.0.1", "127.0.0.1:80", "/");
	assert_url("http://127.0.0.1/", "127.0.0.1:80", "/");
	assert_url("HTTP://localhost:81/a/b?x=1&y=%20", "127.0.0.1:81", "/a/b?x=1&y=%20");
	assert_url("http://[::1]", "[::1]:80", "/");
	assert_url("http://[::1]:8080/ready", "[::1]:8080", "/ready");
	assert_url("http://127.0.0.1:8080?probe=1", "127.0.0.1:8080", "/?probe=1");
	assert_url("http://127.0.0.1/page#section", "127.0.0.1:80", "/page");
	assert_url("http://127.0.0.1#top", "127.0.0.1:80", "/");
}

static void test_url_invalid(void **state)
{
	char url[NETADDR_URL_MAX + 2];
	(void)state;

	assert_url_fails("https://127.0.0.1/", "https is not supported: the daemon has no TLS");
	assert_url_fails("HTTPS://127.0.0.1/", "https is not supported");
	assert_url_fails("ftp://127.0.0.1/", "not an http:// URL: ftp://127.0.0.1/");
	assert_url_fails("127.0.0.1:80", "not an http:// URL");
	assert_url_fails("http:/127.0.0.1", "not an http:// URL");
	assert_url_fails("http://", "missing host after http://");
	assert_url_fails("http:///x", "missing host");
	assert_url_fails("http://db.local/", "names are not resolved");
	assert_url_fails("http://user:pw@127.0.0.1/", "user@ in a URL is not supported");
	assert_url_fails("http://127.0.0.1:0/", "port 0 is out of range");
	assert_url_fails("http://127.0.0.1:/", "missing port after ':'");
	assert_url_fails("http://::1/", "needs brackets");
	assert_url_fails("http://127.0.0.1/a b", "URL path byte 0x20 at offset 2 is not printable ASCII");
	assert_url_fails("http://127.0.0.1/a\r\nX: y", "URL path byte 0x0d at offset 2");
	assert_url_fails("http://127.0.0.1/\x7f", "byte 0x7f");
	assert_url_fails("http://127.0.0.1/\xc3\xa9", "byte 0xc3");
	assert_url_fails(NULL, "no URL");

	/* The path: 1024 bytes pass, 1025 do not. */
	int n = snprintf(url, sizeof(url), "http://127.0.0.1/");
	memset(url + n, 'p', NETADDR_HTTP_PATH_MAX - 1);
	url[n + NETADDR_HTTP_PATH_MAX - 1] = '\0';
	char want[NETADDR_HTTP_PATH_MAX + 1];
	snprintf(want, sizeof(want), "%s", url + n - 1);
	assert_url(url, "127.0.0.1:80", want);
	strcat(url, "p");
	assert_url_fails(url, "URL path is longer than 1024 bytes");

	/* The whole URL: 2048 bytes is the bound. */
	memset(url + n, 'p', sizeof(url) - 1 - n);
	url[sizeof(url) - 1] = '\0';
	assert_url_fails(url, "URL is longer than 2048 bytes");
}

static void test_url_path_buffer(void **state)
{
	struct netaddr a;
	char p[6], err[128];
	(void)state;

	assert_int_equal(netaddr_parse_http_url("http://127.0.0.1/abcd", &a, p, sizeof(p), err, sizeof(err)), 0);
	assert_string_equal(p, "/abcd");
	assert_int_equal(netaddr_parse_http_url("http://127.0.0.1/abcde", &a, p, sizeof(p), err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "URL path does not fit in 6 bytes");
	assert_string_equal(p, "/abcd");
}

static int status_of(const char *s, int *status)
{
	*status = -1;
	return http_status_parse(s, strlen(s), status);
}

static void assert_status(const char *s, int want)
{
	int status;

	assert_int_equal(status_of(s, &status), 1);
	assert_int_equal(status, want);
}

static void assert_malformed(const char *s)
{
	int status;

	if (status_of(s, &status) != -EBADMSG)
		fail_msg("\"%s\" was not refused", s);
	assert_int_equal(status, -1);
}

static void test_status_complete(void **state)
{
	(void)state;
	assert_status("HTTP/1.0 200 OK\r\n", 200);
	assert_status("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 503);
	assert_status("HTTP/1.1 204\r\n", 204);
	assert_status("HTTP/1.1 404 \r\n", 404);
	assert_status("HTTP/1.0 200 OK\n", 200);           /* a bare LF, as some servers send */
	assert_status("HTTP/1.1 301\n", 301);
	assert_status("HTTP/1.1 100 Continue\r\n", 100);
	assert_status("HTTP/1.1 599 x\r\n", 599);
	assert_status("HTTP/1.1 200 caf\xc3\xa9\tok\r\n", 200);   /* obs-text and a tab in the reason */
	assert_status("HTTP/1.9 200 OK\r\nGarbage\x01\r\n", 200);  /* past the line is not looked at */
}

static void test_status_partial(void **state)
{
	const char *line = "HTTP/1.1 200 OK\r\n";
	size_t n = strlen(line);
	int status = -1;
	(void)state;

	/* Every strict prefix of a valid line asks for more, the empty one too. */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(http_status_parse(line, i, &status), 0);
	assert_int_equal(status, -1);
	assert_int_equal(http_status_parse(line, n, &status), 1);
	assert_int_equal(status, 200);
	assert_int_equal(http_status_parse("HTTP/1.1 200 OK\r", 16, &status), 0);
}

static void test_status_malformed(void **state)
{
	int status;
	(void)state;

	assert_malformed("SSH-2.0-OpenSSH_9.2\r\n");
	assert_malformed("S");                 /* refused at its first byte */
	assert_malformed("\x16\x03\x01");      /* a TLS handshake */
	assert_malformed("http/1.1 200 OK\r\n");
	assert_malformed("HTTP/2 200\r\n");
	assert_malformed("HTTP/2.0 200 OK\r\n");
	assert_malformed("HTTP/1.x 200 OK\r\n");
	assert_malformed("HTTP/1.1  200 OK\r\n");
	assert_malformed("HTTP/1.1 20 OK\r\n");
	assert_malformed("HTTP/1.1 2000 OK\r\n");
	assert_malformed("HTTP/1.1 200OK\r\n");
	assert_malformed("HTTP/1.1 000 OK\r\n");
	assert_malformed("HTTP/1.1 600 OK\r\n");
	assert_malformed("HTTP/1.1 099 OK\r\n");
	assert_malformed("HTTP/1.1 20x OK\r\n");
	assert_malformed("HTTP/1.1 200 O\rK\r\n");   /* a CR not before LF */
	assert_malformed("HTTP/1.1 200 O\x7fK\r\n");
	assert_malformed("HTTP/1.1\r\n");
	assert_malformed("\r\n");
	assert_malformed("\n");
	/* A NUL in the reason: not text. */
	assert_int_equal(http_status_parse("HTTP/1.1 200 O\0K\r\n", 18, &status), -EBADMSG);
}

static void test_status_bound(void **state)
{
	char buf[HTTP_STATUS_LINE_MAX + 8];
	int status = -1;
	(void)state;

	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "HTTP/1.1 200 ", 13);
	/* No line end in 1023 bytes: more is needed; in 1024: refused. */
	assert_int_equal(http_status_parse(buf, HTTP_STATUS_LINE_MAX - 1, &status), 0);
	assert_int_equal(http_status_parse(buf, HTTP_STATUS_LINE_MAX, &status), -EBADMSG);
	assert_int_equal(http_status_parse(buf, sizeof(buf), &status), -EBADMSG);
	/* A line of exactly 1024 bytes with its CRLF is accepted... */
	memcpy(buf + HTTP_STATUS_LINE_MAX - 2, "\r\n", 2);
	assert_int_equal(http_status_parse(buf, HTTP_STATUS_LINE_MAX - 1, &status), 0);
	assert_int_equal(http_status_parse(buf, sizeof(buf), &status), 1);
	assert_int_equal(status, 200);
	/* ...one byte longer is not, whether its LF has come or not. */
	memset(buf + 13, 'x', sizeof(buf) - 13);
	memcpy(buf + HTTP_STATUS_LINE_MAX - 1, "\r\n", 2);
	assert_int_equal(http_status_parse(buf, HTTP_STATUS_LINE_MAX, &status), -EBADMSG);
	assert_int_equal(http_status_parse(buf, sizeof(buf), &status), -EBADMSG);
	/* With a bare LF, the same: 1024 bytes in all pass. */
	memset(buf + 13, 'x', sizeof(buf) - 13);
	buf[HTTP_STATUS_LINE_MAX - 1] = '\n';
	assert_int_equal(http_status_parse(buf, sizeof(buf), &status), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostport_valid),
		cmocka_unit_test(test_hostport_invalid),
		cmocka_unit_test(test_error_buffer_small),
		cmocka_unit_test(test_url_valid),
		cmocka_unit_test(test_url_invalid),
		cmocka_unit_test(test_url_path_buffer),
		cmocka_unit_test(test_status_complete),
		cmocka_unit_test(test_status_partial),
		cmocka_unit_test(test_status_malformed),
		cmocka_unit_test(test_status_bound),
	};
	return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
