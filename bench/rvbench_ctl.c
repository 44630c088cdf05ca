/* SPDX-License-Identifier: MIT */
/*
 * rvbench_ctl.c: rvbench's two ways of watching a supervisor. The control
 * sockets: status requests to ringvisor (JSON lines on one connection kept
 * open) or to supervisord (XML-RPC over HTTP/1.0 on its unix socket, one
 * connection per call), read for how many are running or the pid of one.
 * The proc connector: the kernel's fork, exec and exit events (netlink
 * NETLINK_CONNECTOR, CN_IDX_PROC), with their CLOCK_MONOTONIC timestamps,
 * and a bitmap of pids to tell the children being watched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rvbench.h"

/* ---- control sockets ---- */

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 65536;
	b->p = realloc(b->p, b->cap);
	if (!b->p)
		die("realloc");
}

/* ringvisor keeps one connection open: one JSON object a line each way. */
static int rv_fd = -1;

/* Sends one status request and reads the reply line into b. */
static int rv_status(const char *target, struct buf *b)
{
	char req[256];
	int n;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (rv_fd < 0) {
			rv_fd = unix_connect(opt_socket);
			if (rv_fd < 0)
				return -1;
		}
		if (target)
			n = snprintf(req, sizeof(req), "{\"cmd\":\"status\",\"target\":\"%s\"}\n", target);
		else
			n = snprintf(req, sizeof(req), "{\"cmd\":\"status\"}\n");
		b->len = 0;
		if (write_all(rv_fd, req, (size_t)n) == 0) {
			for (;;) {
				buf_reserve(b, 65536);
				ssize_t r = read(rv_fd, b->p + b->len, b->cap - b->len - 1);
				if (r < 0 && errno == EINTR)
					continue;
				if (r <= 0)
					break;
				b->len += (size_t)r;
				b->p[b->len] = 0;
				if (memchr(b->p + b->len - r, '\n', (size_t)r))
					return 0;
			}
		}
		close(rv_fd);   /* closed by the daemon (idle timeout): reconnect once */
		rv_fd = -1;
	}
	return -1;
}

/* supervisord: XML-RPC, HTTP/1.0, one connection per call. */
static int sv_call(const char *method, const char *arg, struct buf *b)
{
	char body[512], head[256];
	int bn, hn;

	if (arg)
		bn = snprintf(body, sizeof(body),
			      "<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName><params>"
			      "<param><value><string>%s</string></value></param></params></methodCall>",
			      method, arg);
	else
		bn = snprintf(body, sizeof(body),
			      "<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName>"
			      "<params></params></methodCall>", method);
	hn = snprintf(head, sizeof(head),
		      "POST /RPC2 HTTP/1.0\r\nHost: localhost\r\nContent-Type: text/xml\r\n"
		      "Content-Length: %d\r\n\r\n", bn);
	int fd = unix_connect(opt_socket);
	if (fd < 0)
		return -1;
	b->len = 0;
	if (write_all(fd, head, (size_t)hn) < 0 || write_all(fd, body, (size_t)bn) < 0) {
		close(fd);
		return -1;
	}
	for (;;) {
		buf_reserve(b, 65536);
		ssize_t r = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
	}
	b->p[b->len] = 0;
	close(fd);
	return strstr(b->p, "200 OK") ? 0 : -1;
}

static long count_str(const char *hay, const char *needle)
{
	long n = 0;
	size_t l = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)); p += l)
		n++;
	return n;
}

/* Number of instances (rv) or programs (sv) running; -1 if unreachable. */
long running_count(struct buf *b)
{
	if (strcmp(opt_proto, "rv") == 0) {
		if (rv_status(NULL, b) < 0)
			return -1;
		return count_str(b->p, "\"state\":\"running\"");
	}
	if (sv_call("supervisor.getAllProcessInfo", NULL, b) < 0)
		return -1;
	return count_str(b->p, "<string>RUNNING</string>");
}

/* pid of target if it is running, 0 if not, -1 if unreachable. */
long target_running_pid(const char *target, struct buf *b)
{
	if (strcmp(opt_proto, "rv") == 0) {
		if (rv_status(target, b) < 0)
			return -1;
		/* The supervisor object has a "pid" too: look inside the instance list. */
		const char *inst = strstr(b->p, "\"instances\":[");
		const char *pid = inst ? strstr(inst, "\"pid\":") : NULL;
		const char *st = inst ? strstr(inst, "\"state\":\"") : NULL;
		if (!pid || !st)
			return -1;
		if (strncmp(st + 9, "running\"", 8) != 0)
			return 0;
		return strtol(pid + 6, NULL, 10);
	}
	if (sv_call("supervisor.getProcessInfo", target, b) < 0)
		return -1;
	const char *pid = strstr(b->p, "<name>pid</name>");
	const char *st = strstr(b->p, "<name>statename</name>");
	if (!pid || !st || !(pid = strstr(pid, "<int>")) || !(st = strstr(st, "<string>")))
		return -1;
	if (strncmp(st + 8, "RUNNING<", 8) != 0)
		return 0;
	return strtol(pid + 5, NULL, 10);
}

/* ---- proc connector ---- */

int nl_open(void)
{
	int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0)
		return -1;
	int sz = 64 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) msg = {
		.nl = { .nlmsg_len = sizeof(msg), .nlmsg_type = NLMSG_DONE, .nlmsg_pid = 0 },
		.cn = { .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC }, .len = sizeof(enum proc_cn_mcast_op) },
		.op = PROC_CN_MCAST_LISTEN,
	};
	if (send(fd, &msg, sizeof(msg), 0) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Calls fn for each event; returns 0, or -1 on overflow or error. timeout_ms < 0 blocks. */
int nl_read(int fd, int timeout_ms, ev_fn fn, void *ctx, bool *stop)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	struct pollfd p = { .fd = fd, .events = POLLIN };

	int r = poll(&p, 1, timeout_ms);
	if (r <= 0)
		return r < 0 && errno != EINTR ? -1 : 0;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return errno == ENOBUFS ? -1 : 0;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP)
			continue;
		struct cn_msg *cn = NLMSG_DATA(h);
		if (cn->id.idx != CN_IDX_PROC || cn->len < sizeof(struct proc_event))
			continue;
		if (fn((const struct proc_event *)cn->data, ctx)) {
			*stop = true;
			break;
		}
	}
	return 0;
}

uint8_t *pid_bitmap(void)
{
	uint8_t *m = calloc(PID_BITMAP_MAX / 8, 1);
	if (!m)
		die("calloc");
	return m;
}
