/* SPDX-License-Identifier: MIT */
/*
 * fdstore.c: see fdstore.h. The helper is dumb on purpose: an array of
 * (inode, fd), no loop, no timer; it blocks in recvmsg() and, once the
 * daemon is gone, in pause().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basic/macro.h"
#include "kernel/cgroup.h"
#include "kernel/fdstore.h"
#include "kernel/loop.h"

#define FDSTORE_MSG 32
#define FDSTORE_STOP_WAIT_MS 1000

static void child_exec(const char *exe, int sock)
{
	char *const argv[] = { (char *)"ringvisor", (char *)"fdhold", NULL };
	sigset_t none;

	/* The daemon's mask (its signals go to a signalfd) is not the helper's. */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (sock == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(sock, 3) < 0)
		_exit(127);
	execv(exe, argv);
	_exit(127);
}

int fdstore_start(struct fdstore *st, const char *exe, int cgroup_fd)
{
	int sv[2];

	*st = FDSTORE_NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int r = pidref_fork(&st->pid);
	if (r == 0)
		child_exec(exe, sv[1]);   /* dup2 clears close-on-exec on fd 3 */
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return r;
	}
	st->sock = sv[0];
	if (cgroup_fd >= 0) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%d", (int)st->pid.pid);
		(void)cgroup_write(cgroup_fd, "cgroup.procs", pid);
	}
	return 0;
}

static int send_msg(struct fdstore *st, const char *msg, int fd)
{
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(st->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Sends one message: 1 sent, 0 the socket is full (try later), -errno. */
static int send_op(struct fdstore *st, uint64_t ino, int fd, bool add)
{
	char msg[FDSTORE_MSG];

	snprintf(msg, sizeof(msg), "%c%llu", add ? '+' : '-', (unsigned long long)ino);
	int r = send_msg(st, msg, fd);
	if (r == -EAGAIN || r == -ENOBUFS)
		return 0;
	if (r < 0)
		return r;
	if (add)
		st->held++;
	else if (st->held)
		st->held--;
	return 1;
}

static void on_room(struct loop *l, int fd, uint32_t revents, void *userdata);

/* Appends to the queue and waits for room. An add borrows fd, the
 * stream's own read end, rather than a duplicate: a burst of instances
 * outrunning the helper then costs no fd of the daemon's budget (a
 * duplicate each did, uncounted by fd_budget). */
static void enqueue(struct fdstore *st, uint64_t ino, int fd)
{
	if (!st->loop) {
		st->failed += fd >= 0;
		return;
	}
	if (st->n_queue == st->cap_queue) {
		size_t cap = st->cap_queue ? 2 * st->cap_queue : 64;
		struct fdstore_op *q = reallocarray(st->queue, cap, sizeof(*q));
		if (!q) {
			st->failed += fd >= 0;
			return;
		}
		st->queue = q;
		st->cap_queue = cap;
	}
	st->queue[st->n_queue++] = (struct fdstore_op){ .ino = ino, .fd = fd };
	if (st->watch == LOOP_ID_NONE && loop_add(st->loop, st->sock, POLLOUT, on_room, st, &st->watch) < 0) {
		st->watch = LOOP_ID_NONE;   /* sent with the next add or drop */
	}
}

/* Whether fd is still the pipe `ino`: a queued add's stream may have
 * closed it meanwhile (its drop is queued behind), and the number may
 * name another file since. */
static bool still_pipe(int fd, uint64_t ino)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && (uint64_t)st.st_ino == ino;
}

/* A queued add that will not go: its drop, queued behind it (the stream
 * drops before it closes), must not go either, or `held` would count a
 * pipe the helper never had. */
static void cancel_drop(struct fdstore *st, size_t from, uint64_t ino)
{
	for (size_t i = from; i < st->n_queue; i++)
		if (st->queue[i].fd < 0 && st->queue[i].ino == ino) {
			st->queue[i].ino = 0;
			return;
		}
}

/* Sends what is queued, in order, until the socket is full again. An add
 * whose pipe is gone is skipped with its drop: nothing to hold. */
static void flush(struct fdstore *st)
{
	size_t done = 0;

	while (done < st->n_queue) {
		struct fdstore_op *op = &st->queue[done];
		if (op->ino == 0) {     /* a cancelled drop */
			done++;
			continue;
		}
		if (op->fd >= 0 && !still_pipe(op->fd, op->ino)) {
			st->gone++;
			cancel_drop(st, done + 1, op->ino);
			done++;
			continue;
		}
		int r = send_op(st, op->ino, op->fd, op->fd >= 0);
		if (r == 0)
			break;
		if (r < 0)
			st->failed++;
		done++;
	}
	memmove(st->queue, st->queue + done, (st->n_queue - done) * sizeof(*st->queue));
	st->n_queue -= done;
	if (st->n_queue == 0 && st->watch != LOOP_ID_NONE) {
		loop_remove(st->loop, st->watch);
		st->watch = LOOP_ID_NONE;
	}
}

static void on_room(struct loop *l, int fd, uint32_t revents, void *userdata)
{
	(void)l, (void)fd, (void)revents;
	flush(userdata);
}

void fdstore_set_loop(struct fdstore *st, struct loop *loop) { st->loop = loop; }

size_t fdstore_queued(const struct fdstore *st) { return st ? st->n_queue : 0; }

static void submit(struct fdstore *st, uint64_t ino, int fd)
{
	if (!st || st->sock < 0 || !ino)
		return;
	if (st->n_queue > 0)
		flush(st);
	int r = st->n_queue > 0 ? 0 : send_op(st, ino, fd, fd >= 0);
	if (r == 0)
		enqueue(st, ino, fd);
	else if (r < 0)
		st->failed++;
}

void fdstore_add(struct fdstore *st, uint64_t ino, int fd)
{
	submit(st, ino, fd);
}

void fdstore_drop(struct fdstore *st, uint64_t ino)
{
	submit(st, ino, -1);
}

/* What never went: counted as not held (the queue owns no fd). */
static void queue_free(struct fdstore *st)
{
	for (size_t i = 0; i < st->n_queue; i++)
		st->failed += st->queue[i].fd >= 0;
	free(st->queue);
	st->queue = NULL;
	st->n_queue = st->cap_queue = 0;
	if (st->watch != LOOP_ID_NONE)
		loop_remove(st->loop, st->watch);
	st->watch = LOOP_ID_NONE;
}

void fdstore_stop(struct fdstore *st)
{
	queue_free(st);
	if (st->sock >= 0) {
		/* Blocking for this one: the helper must not take our going
		 * for a crash. */
		(void)send(st->sock, "q", 1, MSG_NOSIGNAL);
		st->sock = safe_close(st->sock);
	}
	if (pidref_is_set(&st->pid)) {
		struct pollfd p = { .fd = st->pid.fd, .events = POLLIN };
		if (poll(&p, 1, FDSTORE_STOP_WAIT_MS) <= 0)
			(void)pidref_kill(&st->pid, SIGKILL);
		siginfo_t si;
		(void)waitid((idtype_t)P_PIDFD, (id_t)st->pid.fd, &si, WEXITED);
		pidref_done(&st->pid);
	}
}

bool fdstore_owns_pid(const struct fdstore *st, pid_t pid)
{
	return st->pid.pid == pid && pid > 0;
}

/* ---- the helper ---- */

struct held {
	uint64_t ino;
	int fd;
};

static int take_fd(struct msghdr *mh)
{
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	int fd = -1;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* A clean stop: everything let go (the pipes' other ends are the daemon's). */
static int quit(struct held *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(v[i].fd);
	free(v);
	return 0;
}

static void drop(struct held *v, size_t *n, uint64_t ino)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i].ino == ino) {
			close(v[i].fd);
			v[i] = v[--*n];
			return;
		}
}

int fdhold_main(void)
{
	struct held *v = NULL;
	size_t n = 0, cap = 0;

	/* Only fd 3 (the pair) and the fds received: nothing of our parent's. */
	(void)close_range(4, ~0U, 0);
	if (chdir("/") < 0)
		return 1;
	for (;;) {
		char msg[FDSTORE_MSG + 1];
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { .iov_base = msg, .iov_len = FDSTORE_MSG };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf) };
		ssize_t k = recvmsg(3, &mh, MSG_CMSG_CLOEXEC);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			quit(v, n);
			return 1;   /* fd 3 is not our pair: not started by a daemon */
		}
		if (k == 0)
			break;      /* EOF: the daemon died without saying goodbye */
		msg[k] = '\0';
		int fd = take_fd(&mh);
		if (msg[0] == 'q') {
			if (fd >= 0)
				close(fd);
			return quit(v, n);
		}
		uint64_t ino = strtoull(msg + 1, NULL, 10);
		if (msg[0] == '-' || fd < 0) {
			drop(v, &n, ino);
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (n == cap) {
			struct held *w = reallocarray(v, cap ? 2 * cap : 256, sizeof(*w));
			if (!w) {
				close(fd);
				continue;
			}
			v = w;
			cap = cap ? 2 * cap : 256;
		}
		v[n++] = (struct held){ .ino = ino, .fd = fd };
	}
	/* Hold every pipe until the next daemon, having taken them back,
	 * kills us. */
	for (;;)
		pause();
}
