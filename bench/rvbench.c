/* SPDX-License-Identifier: MIT */
/*
 * rvbench: the measuring half of bench/run.sh. It talks to either supervisor
 * (ringvisor's JSON-line socket, "rv", or supervisord's XML-RPC over HTTP on
 * its unix socket, "sv") and watches the kernel's process events through the
 * proc connector (netlink NETLINK_CONNECTOR, CN_IDX_PROC, needs
 * CAP_NET_ADMIN), whose timestamps are CLOCK_MONOTONIC nanoseconds taken by
 * the kernel at fork, exec and exit. Watching those events costs the measured
 * daemon nothing: it is not asked anything while the clock runs.
 *
 *   rvbench launch --proto rv|sv --socket PATH --count N --result FILE
 *                  [--interval-ms MS] [--timeout-s S] -- CMD ARGS...
 *       Becomes CMD (same pid: the caller's $! is the daemon) after forking
 *       a detached watcher. t0 is taken just before execve. The watcher
 *       counts fork and exec events of the daemon's children; once N have
 *       been forked it polls status every MS until N are running. It writes
 *       "forked_ms= exec_ms= running_ms= polls= netlink=" to FILE.
 *
 *   rvbench restart --proto rv|sv --socket PATH --target NAME --parent PID
 *                   --samples N --method exec|status [--warmup W]
 *       SIGKILLs NAME's process (through a pidfd) N times and measures how
 *       long until it is back:
 *         exec:   kill() -> the kernel's exec event of the replacement child
 *                 of PID (no status request while the clock runs); also the
 *                 breakdown kill->exit, exit->fork, fork->exec.
 *         status: kill() -> a status reply naming a new pid in state running,
 *                 status requested back to back on one connection; the
 *                 kernel events read afterwards give kill->exec under
 *                 that load (what the polling itself costs).
 *       W first samples (default 3) are dropped.
 *       Prints one line of key=value pairs (microseconds).
 *
 *       With RVBENCH_TRACE set, one line per sample on stderr.
 *
 *   rvbench status-cost --proto rv|sv --socket PATH --target NAME
 *       Round-trip time of a status of one instance (median of 20) and of
 *       everything (median of 3), and the size of the latter.
 *
 *   rvbench floor --method fork|vfork --count N --samples S
 *       The same work without a supervisor: see cmd_floor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PID_BITMAP_MAX (1U << 22) /* PID_MAX_LIMIT on 64-bit */

static const char *opt_proto = "rv", *opt_socket, *opt_target, *opt_result, *opt_method = "exec";
static long opt_count = 1, opt_interval_ms = 10, opt_timeout_s = 60, opt_samples = 200, opt_parent;
static long opt_warmup = 3;

static void die(const char *what)
{
	fprintf(stderr, "rvbench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

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

struct buf {
	char *p;
	size_t len, cap;
};

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
static long running_count(struct buf *b)
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
static long target_running_pid(const char *target, struct buf *b)
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

static int nl_open(void)
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
typedef bool (*ev_fn)(const struct proc_event *ev, void *ctx);   /* true: stop */

static int nl_read(int fd, int timeout_ms, ev_fn fn, void *ctx, bool *stop)
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

static uint8_t *pid_bitmap(void)
{
	uint8_t *m = calloc(PID_BITMAP_MAX / 8, 1);
	if (!m)
		die("calloc");
	return m;
}
#define BIT_SET(m, p) ((m)[(unsigned)(p) / 8] |= (uint8_t)(1U << ((unsigned)(p) % 8)))
#define BIT_CLR(m, p) ((m)[(unsigned)(p) / 8] &= (uint8_t)~(1U << ((unsigned)(p) % 8)))
#define BIT_GET(m, p) ((m)[(unsigned)(p) / 8] & (1U << ((unsigned)(p) % 8)))

/* ---- launch ---- */

struct launch_ctx {
	pid_t daemon, skip;
	uint8_t *children;
	long forked, execd;
	uint64_t last_fork_ns, last_exec_ns;
};

static bool launch_ev(const struct proc_event *ev, void *vctx)
{
	struct launch_ctx *c = vctx;

	if (ev->what == PROC_EVENT_FORK) {
		const struct fork_proc_event *f = &ev->event_data.fork;
		if (f->parent_tgid == c->daemon && f->child_pid == f->child_tgid &&
		    f->child_tgid != c->skip && (unsigned)f->child_tgid < PID_BITMAP_MAX) {
			BIT_SET(c->children, f->child_tgid);
			c->forked++;
			c->last_fork_ns = ev->timestamp_ns;
		}
	} else if (ev->what == PROC_EVENT_EXEC) {
		const struct exec_proc_event *e = &ev->event_data.exec;
		if ((unsigned)e->process_tgid < PID_BITMAP_MAX && BIT_GET(c->children, e->process_tgid)) {
			BIT_CLR(c->children, e->process_tgid);
			c->execd++;
			c->last_exec_ns = ev->timestamp_ns;
		}
	}
	return c->forked >= opt_count && c->execd >= opt_count;
}

static void write_result(const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt_result);
	FILE *f = fopen(tmp, "w");
	if (!f)
		die("fopen result");
	fputs(text, f);
	fclose(f);
	if (rename(tmp, opt_result) < 0)
		die("rename result");
}

static void watcher(int nl, pid_t daemon, volatile uint64_t *t0, pid_t skip)
{
	struct launch_ctx c = { .daemon = daemon, .skip = skip, .children = pid_bitmap() };
	struct buf b = { 0 };
	uint64_t deadline;
	const char *netlink = "ok";
	long polls = 0;
	char out[512];

	while (*t0 == 0)   /* the daemon side sets t0 just before execve */
		sleep_ms(0);
	deadline = *t0 + (uint64_t)opt_timeout_s * 1000000000ULL;
	/* Phase 1, passive: wait until every child has been forked (and exec'd). */
	if (nl >= 0) {
		bool stop = false;
		while (!stop && mono_ns() < deadline) {
			if (nl_read(nl, 100, launch_ev, &c, &stop) < 0) {
				netlink = "overflow";
				break;
			}
			if (kill(daemon, 0) < 0 && errno == ESRCH)
				break;
		}
		close(nl);
	} else {
		netlink = "unavailable";
	}
	/* Phase 2: poll status until every one is running. */
	uint64_t running_ns = 0;
	while (mono_ns() < deadline) {
		long n = running_count(&b);
		polls++;
		if (n >= opt_count) {
			running_ns = mono_ns();
			break;
		}
		if (kill(daemon, 0) < 0 && errno == ESRCH)
			break;
		sleep_ms(opt_interval_ms);
	}
#define MS(t) ((t) ? ((double)(t) - (double)*t0) / 1e6 : -1.0)
	snprintf(out, sizeof(out), "forked_ms=%.1f exec_ms=%.1f running_ms=%.1f polls=%ld netlink=%s forked=%ld execd=%ld\n",
		 c.forked >= opt_count ? MS(c.last_fork_ns) : -1.0,
		 c.execd >= opt_count ? MS(c.last_exec_ns) : -1.0,
		 MS(running_ns), polls, netlink, c.forked, c.execd);
	write_result(out);
	exit(0);
}

static int cmd_launch(char **cmd)
{
	if (!opt_result || !opt_socket || !cmd[0]) {
		fprintf(stderr, "rvbench launch: --result, --socket and a command are required\n");
		return 100;
	}
	volatile uint64_t *t0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t0 == MAP_FAILED)
		die("mmap");
	*t0 = 0;
	int nl = nl_open();   /* before the daemon exists: no event is missed */
	pid_t self = getpid();
	pid_t a = fork();
	if (a < 0)
		die("fork");
	if (a == 0) {
		/* Double fork: the watcher must not be the daemon's child (it would
		 * be reaped as an orphan and show in the daemon's counters), nor
		 * hold the caller's stdout open. */
		setsid();
		pid_t middle = getpid();
		pid_t w = fork();
		if (w < 0)
			die("fork");
		if (w == 0) {
			char path[4096];
			int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
			snprintf(path, sizeof(path), "%s.err", opt_result);
			int ef = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (dn >= 0) {
				dup2(dn, 0);
				dup2(dn, 1);
			}
			if (ef >= 0)
				dup2(ef, 2);
			snprintf(path, sizeof(path), "%s.pid", opt_result);
			FILE *f = fopen(path, "w");
			if (f) {
				fprintf(f, "%d\n", (int)getpid());
				fclose(f);
			}
			watcher(nl, self, t0, middle);
		}
		_exit(0);
	}
	while (waitpid(a, NULL, 0) < 0 && errno == EINTR)
		;
	if (nl >= 0)
		close(nl);
	*t0 = mono_ns();
	execvp(cmd[0], cmd);
	die("execvp");
	return 2;
}

/* ---- restart ---- */

struct restart_ctx {
	pid_t parent, victim;
	pid_t child;
	uint64_t kill_ns, exit_ns, fork_ns, exec_ns;
};

static bool restart_ev(const struct proc_event *ev, void *vctx)
{
	struct restart_ctx *c = vctx;

	if (ev->timestamp_ns < c->kill_ns)   /* queued from an earlier sample */
		return false;
	switch (ev->what) {
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid == c->victim &&
		    ev->event_data.exit.process_tgid == c->victim)
			c->exit_ns = ev->timestamp_ns;
		break;
	case PROC_EVENT_FORK: {
		const struct fork_proc_event *f = &ev->event_data.fork;
		if (f->parent_tgid == c->parent && f->child_pid == f->child_tgid && !c->child) {
			c->child = f->child_tgid;
			c->fork_ns = ev->timestamp_ns;
		}
		break;
	}
	case PROC_EVENT_EXEC:
		if (c->child && ev->event_data.exec.process_tgid == c->child) {
			c->exec_ns = ev->timestamp_ns;
			return true;
		}
		break;
	default:
		break;
	}
	return false;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile, in microseconds. */
static double pct_us(uint64_t *v, long n, double p)
{
	if (n <= 0)
		return -1;
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	long k = (long)((p / 100.0) * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1e3;
}

static long wait_running_pid(const char *target, long not_pid, struct buf *b, long tight)
{
	uint64_t deadline = mono_ns() + 10ULL * 1000000000ULL;
	while (mono_ns() < deadline) {
		long p = target_running_pid(target, b);
		if (p > 0 && p != not_pid)
			return p;
		if (!tight)
			sleep_ms(1);
	}
	return -1;
}

static int cmd_restart(void)
{
	if (!opt_socket || !opt_target || !opt_parent) {
		fprintf(stderr, "rvbench restart: --socket, --target and --parent are required\n");
		return 100;
	}
	bool exec_method = strcmp(opt_method, "exec") == 0;
	/* The status method listens too, to see what its own polling costs:
	 * the replacement's exec, read afterwards from the queued events. */
	int nl = nl_open();
	if (exec_method && nl < 0) {
		printf("error=proc-connector-unavailable\n");
		return 1;
	}
	struct buf b = { 0 };
	long warmup = opt_warmup, n = 0, fails = 0;
	uint64_t *lat = calloc((size_t)opt_samples, 8), *k2x = calloc((size_t)opt_samples, 8),
		 *x2f = calloc((size_t)opt_samples, 8), *f2e = calloc((size_t)opt_samples, 8),
		 *e2r = calloc((size_t)opt_samples, 8);
	if (!lat || !k2x || !x2f || !f2e || !e2r)
		die("calloc");

	long pid = wait_running_pid(opt_target, 0, &b, 0);
	for (long i = 0; i < opt_samples + warmup && fails < 5; i++) {
		if (pid <= 0) {
			fails++;
			pid = wait_running_pid(opt_target, 0, &b, 0);
			continue;
		}
		sleep_ms(5);   /* let the supervisor settle: each sample starts from idle */
		int pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (pfd < 0) {
			fails++;
			pid = wait_running_pid(opt_target, pid, &b, 0);
			continue;
		}
		struct restart_ctx c = { .parent = (pid_t)opt_parent, .victim = (pid_t)pid };
		uint64_t t_kill = mono_ns();
		c.kill_ns = t_kill;
		if (syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) < 0)
			die("pidfd_send_signal");
		close(pfd);
		uint64_t t_back = 0;
		long newpid;
		if (exec_method) {
			bool stop = false;
			uint64_t deadline = t_kill + 10ULL * 1000000000ULL;
			while (!stop && mono_ns() < deadline)
				if (nl_read(nl, 100, restart_ev, &c, &stop) < 0) {
					printf("error=netlink-overflow\n");
					return 1;
				}
			if (!stop) {
				fails++;
				pid = wait_running_pid(opt_target, pid, &b, 0);
				continue;
			}
			t_back = c.exec_ns;
			newpid = wait_running_pid(opt_target, pid, &b, 0);
			e2r[n] = mono_ns() - c.exec_ns;   /* kept only if the sample is */
		} else {
			newpid = wait_running_pid(opt_target, pid, &b, 1);
			t_back = mono_ns();
			bool stop = false;
			for (int k = 0; nl >= 0 && !stop && k < 20; k++)
				if (nl_read(nl, 50, restart_ev, &c, &stop) < 0)
					break;
		}
		if (newpid <= 0) {
			fails++;
			pid = wait_running_pid(opt_target, pid, &b, 0);
			continue;
		}
		if (getenv("RVBENCH_TRACE")) {
			struct timespec rt;
			clock_gettime(CLOCK_REALTIME, &rt);
			fprintf(stderr, "sample %ld: old %ld new %ld latency_us %.0f (at %ld.%03ld) child %d exit %+.0f fork %+.0f exec %+.0f us\n",
				i, pid, newpid, ((double)t_back - (double)t_kill) / 1e3, (long)rt.tv_sec, rt.tv_nsec / 1000000,
				c.child, c.exit_ns ? ((double)c.exit_ns - (double)t_kill) / 1e3 : 0,
				c.fork_ns ? ((double)c.fork_ns - (double)t_kill) / 1e3 : 0,
				c.exec_ns ? ((double)c.exec_ns - (double)t_kill) / 1e3 : 0);
		}
		if (i >= warmup) {
			lat[n] = t_back - t_kill;
			f2e[n] = c.exec_ns > t_kill ? c.exec_ns - t_kill : 0;   /* status: kill->exec */
			if (exec_method) {
				k2x[n] = c.exit_ns > t_kill ? c.exit_ns - t_kill : 0;
				x2f[n] = c.fork_ns > c.exit_ns && c.exit_ns ? c.fork_ns - c.exit_ns : 0;
				f2e[n] = c.exec_ns - c.fork_ns;
			}
			n++;
		}
		pid = newpid;
	}
	double mean = 0;
	for (long i = 0; i < n; i++)
		mean += (double)lat[i] / 1e3;
	mean = n ? mean / (double)n : -1;
	printf("samples=%ld fails=%ld median_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f mean_us=%.0f",
	       n, fails, pct_us(lat, n, 50), pct_us(lat, n, 90), pct_us(lat, n, 99), pct_us(lat, n, 100), mean);
	if (exec_method)
		printf(" kill_exit_med_us=%.0f exit_fork_med_us=%.0f exit_fork_p99_us=%.0f fork_exec_med_us=%.0f"
		       " exec_status_med_us=%.0f",
		       pct_us(k2x, n, 50), pct_us(x2f, n, 50), pct_us(x2f, n, 99), pct_us(f2e, n, 50),
		       pct_us(e2r, n, 50));
	else if (nl >= 0)
		printf(" kill_exec_while_polling_med_us=%.0f", pct_us(f2e, n, 50));
	printf("\n");
	return n > 0 ? 0 : 1;
}

/* ---- status-cost ---- */

static int cmd_status_cost(void)
{
	struct buf b = { 0 };
	uint64_t one[20], all[3];
	size_t bytes = 0;

	if (!opt_socket || !opt_target)
		return 100;
	for (int i = 0; i < 20; i++) {
		uint64_t t = mono_ns();
		if (target_running_pid(opt_target, &b) < 0)
			return 1;
		one[i] = mono_ns() - t;
	}
	for (int i = 0; i < 3; i++) {
		uint64_t t = mono_ns();
		if (running_count(&b) < 0)
			return 1;
		all[i] = mono_ns() - t;
		bytes = b.len;
	}
	printf("one_us=%.0f all_us=%.0f all_bytes=%zu\n", pct_us(one, 20, 50), pct_us(all, 3, 50), bytes);
	return 0;
}

/* ---- floor: the same work done by the smallest possible supervisor ---- */

static char *sleep_argv[] = { "sleep", "100000", NULL };
static char *empty_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", NULL };

/* Starts `sleep 100000` by fork or vfork; the child only execs. */
static pid_t floor_spawn(bool use_vfork)
{
	pid_t p = use_vfork ? vfork() : fork();
	if (p == 0) {
		execve("/bin/sleep", sleep_argv, empty_env);
		execve("/usr/bin/sleep", sleep_argv, empty_env);
		_exit(127);
	}
	return p;
}

struct floor_ctx {
	uint8_t *mine;
	long execd;
	uint64_t last_exec_ns;
};

static bool floor_ev(const struct proc_event *ev, void *vctx)
{
	struct floor_ctx *c = vctx;
	if (ev->what == PROC_EVENT_EXEC) {
		pid_t t = ev->event_data.exec.process_tgid;
		if ((unsigned)t < PID_BITMAP_MAX && BIT_GET(c->mine, t)) {
			BIT_CLR(c->mine, t);
			c->execd++;
			c->last_exec_ns = ev->timestamp_ns;
		}
	}
	return false;
}

/* Reads events until `want` of our children have exec'd (or 30 s). */
static int floor_wait(int nl, struct floor_ctx *c, long want)
{
	uint64_t deadline = mono_ns() + 30ULL * 1000000000ULL;
	bool stop = false;
	while (c->execd < want && mono_ns() < deadline)
		if (nl_read(nl, 100, floor_ev, c, &stop) < 0)
			return -1;
	return c->execd >= want ? 0 : -1;
}

static void floor_kill(pid_t p)
{
	kill(p, SIGKILL);
	while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * rvbench floor --method fork|vfork --count N --samples S
 *   bulk: N sleeps spawned back to back; time until the last one exec'd.
 *   restart: S times: kill the child, reap it, spawn its replacement; time
 *   from kill() to the replacement's exec event. No event loop, no
 *   bookkeeping: what the machine allows at best.
 */
static int cmd_floor(void)
{
	bool use_vfork = strcmp(opt_method, "vfork") == 0;
	int nl = nl_open();
	if (nl < 0) {
		printf("error=proc-connector-unavailable\n");
		return 1;
	}
	struct floor_ctx c = { .mine = pid_bitmap() };
	pid_t *kids = calloc((size_t)opt_count, sizeof(*kids));
	uint64_t *lat = calloc((size_t)opt_samples, 8);
	if (!kids || !lat)
		die("calloc");

	/* The machine's page-fault cost: every spawn pays it many times over. */
	size_t npages = 4096;
	char *mem = mmap(NULL, npages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	uint64_t tf = mono_ns();
	for (size_t i = 0; i < npages; i++)
		mem[i * 4096] = 1;
	double fault_us = ((double)mono_ns() - (double)tf) / 1e3 / (double)npages;
	munmap(mem, npages * 4096);

	uint64_t t0 = mono_ns();
	long spawned = 0;
	for (; spawned < opt_count; spawned++) {
		kids[spawned] = floor_spawn(use_vfork);
		if (kids[spawned] < 0)
			break;
		BIT_SET(c.mine, kids[spawned]);
	}
	int r = floor_wait(nl, &c, spawned);
	double bulk_ms = r == 0 && spawned > 1 ? ((double)c.last_exec_ns - (double)t0) / 1e6 : -1;
	for (long i = 1; i < spawned; i++)
		floor_kill(kids[i]);

	/* Restart: one child, killed and replaced again and again. */
	pid_t child = spawned > 0 ? kids[0] : -1;
	long n = 0;
	for (long i = 0; child > 0 && i < opt_samples + opt_warmup; i++) {
		sleep_ms(5);
		uint64_t t_kill = mono_ns();
		floor_kill(child);
		c.execd = 0;
		child = floor_spawn(use_vfork);
		if (child < 0)
			break;
		BIT_SET(c.mine, child);
		if (floor_wait(nl, &c, 1) < 0)
			break;
		if (i >= opt_warmup)
			lat[n++] = c.last_exec_ns - t_kill;
	}
	if (child > 0)
		floor_kill(child);
	printf("fault_us=%.2f bulk_ms=%.1f spawned=%ld samples=%ld median_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f\n",
	       fault_us, bulk_ms, spawned, n, pct_us(lat, n, 50), pct_us(lat, n, 90), pct_us(lat, n, 99), pct_us(lat, n, 100));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: rvbench launch|restart|status-cost|floor [options]\n");
		return 100;
	}
	const char *cmd = argv[1];
	int i;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "rvbench: %s needs a value\n", a);
			return 100;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--proto")) opt_proto = v;
		else if (!strcmp(a, "--socket")) opt_socket = v;
		else if (!strcmp(a, "--target")) opt_target = v;
		else if (!strcmp(a, "--result")) opt_result = v;
		else if (!strcmp(a, "--method")) opt_method = v;
		else if (!strcmp(a, "--count")) opt_count = atol(v);
		else if (!strcmp(a, "--interval-ms")) opt_interval_ms = atol(v);
		else if (!strcmp(a, "--timeout-s")) opt_timeout_s = atol(v);
		else if (!strcmp(a, "--samples")) opt_samples = atol(v);
		else if (!strcmp(a, "--parent")) opt_parent = atol(v);
		else if (!strcmp(a, "--warmup")) opt_warmup = atol(v);
		else {
			fprintf(stderr, "rvbench: unknown option %s\n", a);
			return 100;
		}
	}
	if (!strcmp(cmd, "launch"))
		return cmd_launch(argv + i);
	if (!strcmp(cmd, "restart"))
		return cmd_restart();
	if (!strcmp(cmd, "floor"))
		return cmd_floor();
	if (!strcmp(cmd, "status-cost"))
		return cmd_status_cost();
	fprintf(stderr, "rvbench: unknown command %s\n", cmd);
	return 100;
}
