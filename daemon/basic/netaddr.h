/* SPDX-License-Identifier: MIT */
/*
 * netaddr.h: the addresses of the tcp and http checks, as a config writes
 * them: "127.0.0.1:8080", "[::1]:8080", "localhost:8080", and
 * "http://127.0.0.1:8080/healthz".
 *
 * No name is ever resolved, here or anywhere in the daemon: a probe runs in
 * the one event loop and must never block on a resolver (getaddrinfo has no
 * timeout we control, and a slow DNS server would stall every service).
 * "localhost" alone is accepted and means 127.0.0.1; any other name is
 * refused with an error that says so. A literal address is all a check needs
 * for a service on the same host.
 *
 * The parsers are strict, like basic/units.h: a port is 1..65535 in decimal
 * digits (no sign, no space, no hex), an IPv6 address needs its brackets,
 * https is refused (there is no TLS in the daemon). Every error is -EINVAL
 * with a one-line explanation in err (the offending text is quoted with
 * control bytes escaped, so it can go into a log line as is). ret is set
 * only on success.
 */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

/* Longest accepted "HOST:PORT" and "http://..." strings, NUL excluded. */
#define NETADDR_HOSTPORT_MAX 128
#define NETADDR_URL_MAX 2048
/* Longest http path (the request target, query included), NUL excluded. */
#define NETADDR_HTTP_PATH_MAX 1024

struct netaddr {
	struct sockaddr_storage sa;   /* AF_INET or AF_INET6, port set */
	socklen_t len;                /* of the sockaddr_in or sockaddr_in6 */
	char text[80];                /* canonical: "127.0.0.1:8080", "[::1]:8080" */
};

/* "IPv4:PORT", "[IPv6]:PORT" or "localhost:PORT". */
int netaddr_parse_hostport(const char *s, struct netaddr *ret, char *err, size_t errlen);

/*
 * "http://HOST[:PORT][/PATH]", HOST as above, PORT 80 by default, PATH "/"
 * by default. The path (query included; a "#fragment" is dropped, as
 * clients never send it) is at most NETADDR_HTTP_PATH_MAX bytes of printable
 * ASCII without spaces (0x21..0x7e), so it can go into a request line as is;
 * pathlen must hold it and its NUL (-EINVAL otherwise). The scheme is
 * case-insensitive.
 */
int netaddr_parse_http_url(const char *s, struct netaddr *ret, char *path, size_t pathlen,
			   char *err, size_t errlen);
