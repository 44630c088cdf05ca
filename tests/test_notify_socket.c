/* SPDX-License-Identifier: MIT */
/*
 * test_notify_socket.c: the sd_notify socket (kernel/notify_socket.c,
 * issue 13). Its file is claimed as the control socket's is (a stale one
 * replaced; a file, a symlink or a live socket refused and left alone); a
 * real libsystemd client in a child is heard, with the kernel's word on
 * its pid and uid, also as another user; passed fds (FDSTORE=1, BARRIER=1)
 * are closed at once, even when the message is cut; an oversized datagram
 * is consumed without spoiling the next; our own client reaches a path and
 * an abstract address. Every child is reaped before the test asserts
 * anything about it, so a failed assertion leaves no child behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-daemon.h>

#include "basic/macro.h"
#include "basic/notify_msg.h"
#include "fault.h"
#include "kernel/notify_socket.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif

static char dir[64], path[128];

static int setup(void **state _unused_)
{
	snprintf(dir, sizeof(dir), "/tmp/rv-notify-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* Reachable by the child that drops to nobody: the socket's own mode
	 * (0666) is what is under test. */
	if (chmod(dir, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/notify.sock", dir);
	return 0;
}

static int teardown(void **state _unused_)
{
	char cmd[160];
	fault_reset();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- children ---- */

/* Reaps pid: its exit code, or 128 + the signal that ended it. */
static int reap_child(pid_t pid)
{
	int status;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct notify_job {
	const char *state;     /* what to send */
	int fd;                /* >= 0: passed with it */
	uid_t uid;             /* != 0: drop to it first */
	bool barrier;          /* sd_notify_barrier() after it */
};

static int child_notify(const struct notify_job *job)
{
	if (job->uid && (setgroups(0, NULL) < 0 || setresgid(job->uid, job->uid, job->uid) < 0 ||
			 setresuid(job->uid, job->uid, job->uid) < 0))
		return 10;
	if (setenv("NOTIFY_SOCKET", path, 1) < 0)
		return 11;
	int r = job->fd >= 0 ? sd_pid_notify_with_fds(0, 0, job->state, &job->fd, 1)
			     : sd_notify(0, job->state);
	if (r <= 0)
		return 12;
	/* Returns once the receiver has closed the barrier's fd. */
	if (job->barrier && sd_notify_barrier(0, 5 * 1000000ULL) < 0)
		return 13;
	return 0;
}

static pid_t spawn_notify(const struct notify_job *job)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_notify(job));
	return pid;
}

static int open_fresh(void)
{
	int fd = -EBADF;
	assert_int_equal(notify_socket_open(path, &fd), 0);
	assert_true(fd >= 0);
	return fd;
}

static int bound_socket(const char *p, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The next datagram, waited for up to 5 s: its length (payload NUL-ended
 * in buf) or -errno. Asserts nothing, so a child can be reaped after. */
static int recv_one(int fd, char *buf, size_t len, struct ucred *cred)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) != 1)
		return -ETIMEDOUT;
	int n = notify_socket_recv(fd, buf, len - 1, cred);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* True when every copy of a pipe's write end is closed (read sees EOF). */
static bool write_end_gone(int rfd)
{
	char c;
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	return poll(&p, 1, 2000) == 1 && read(rfd, &c, 1) == 0;
}

/* ---- the socket's file ---- */

static void test_open_fresh(void **state _unused_)
{
	struct stat st;
	struct ucred cred;
	char buf[16], longpath[200];
	int one = 0, fd;
	socklen_t len = sizeof(one);

	fd = open_fresh();
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, &len), 0);
	assert_int_equal(one, 1);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(notify_socket_recv(fd, buf, sizeof(buf), &cred), -EAGAIN);
	close(fd);

	snprintf(longpath, sizeof(longpath), "/%0198d", 0);
	assert_int_equal(notify_socket_open(longpath, &fd), -ENAMETOOLONG);
}

static void test_stale_replaced(void **state _unused_)
{
	close(bound_socket(path, SOCK_DGRAM));   /* bound, then its owner went away */
	int fd = open_fresh();
	assert_int_equal(notify_send(path, "READY=1"), 0);   /* the new one answers */
	close(fd);
}

static void test_refused_left_alone(void **state _unused_)
{
	char target[160], back[16];
	struct stat st;
	int fd = -EBADF;

	FILE *f = fopen(path, "we");
	assert_true(f && fputs("precious", f) >= 0 && fclose(f) == 0);
	assert_int_equal(notify_socket_open(path, &fd), -EEXIST);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_size == 8);

	assert_int_equal(unlink(path), 0);
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(notify_socket_open(path, &fd), -EEXIST);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(unlink(path), 0);

	/* A live receiver (another daemon's): refused, and it still hears. */
	int live = bound_socket(path, SOCK_DGRAM);
	assert_int_equal(notify_socket_open(path, &fd), -EADDRINUSE);
	assert_int_equal(notify_send(path, "READY=1"), 0);
	assert_int_equal(recv(live, back, sizeof(back), MSG_DONTWAIT), 7);
	close(live);
	assert_int_equal(unlink(path), 0);

	/* A live socket of another type is alive too. */
	live = bound_socket(path, SOCK_STREAM);
	assert_int_equal(listen(live, 1), 0);
	assert_int_equal(notify_socket_open(path, &fd), -EADDRINUSE);
	assert_int_equal(lstat(path, &st), 0);
	close(live);
	assert_int_equal(fd, -EBADF);
}

static void test_socket_fails(void **state _unused_)
{
	struct stat st;
	int fd = -EBADF, before = fault_count_fds();

	fault_arm(FAULT_SOCKET, NULL, 0, 0, EMFILE);
	assert_int_equal(notify_socket_open(path, &fd), -EMFILE);
	assert_int_equal(notify_send(path, "READY=1"), -EMFILE);
	fault_reset();
	assert_int_equal(fd, -EBADF);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(fault_count_fds(), before);
}

/* ---- a real client ---- */

/* A real client, as root and then as nobody: heard, with the kernel's
 * word on who sent it. */
static void test_sd_notify(void **state _unused_)
{
	struct notify_job root = { .state = "READY=1\nSTATUS=hello", .fd = -1 };
	struct notify_job nobody = { .state = "STATUS=as nobody", .fd = -1, .uid = 65534 };
	struct notify_msg msg;
	struct ucred cred;
	char buf[NOTIFY_MSG_MAX + 1];

	int fd = open_fresh();
	pid_t pid = spawn_notify(&root);
	assert_int_equal(reap_child(pid), 0);
	assert_int_equal(recv_one(fd, buf, sizeof(buf), &cred), 20);
	assert_string_equal(buf, "READY=1\nSTATUS=hello");
	assert_int_equal(cred.pid, pid);
	assert_int_equal(cred.uid, getuid());
	assert_int_equal(notify_msg_parse(buf, 20, &msg), 0);
	assert_true(msg.ready);
	assert_string_equal(msg.status, "hello");

	if (geteuid() == 0) {   /* else cannot become nobody: that half is skipped */
		pid = spawn_notify(&nobody);
		assert_int_equal(reap_child(pid), 0);
		assert_int_equal(recv_one(fd, buf, sizeof(buf), &cred), 16);
		assert_string_equal(buf, "STATUS=as nobody");
		assert_int_equal(cred.pid, pid);
		assert_true(cred.uid == 65534 && cred.gid == 65534);
	}
	assert_int_equal(notify_socket_recv(fd, buf, sizeof(buf), &cred), -EAGAIN);
	close(fd);
}

/* FDSTORE=1 with a pipe's write end: the message arrives, the fd does not
 * stay (the pipe's read end sees EOF once every write end is closed). */
static void test_fds_closed(void **state _unused_)
{
	struct notify_job job = { .state = "FDSTORE=1\nFDNAME=kept", .fd = -1 };
	struct ucred cred;
	char buf[256];
	int p[2];

	int fd = open_fresh();
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	job.fd = p[1];
	pid_t pid = spawn_notify(&job);
	close(p[1]);
	int status = reap_child(pid);
	int before = fault_count_fds();
	int n = recv_one(fd, buf, sizeof(buf), &cred);
	int after = fault_count_fds();
	bool gone = write_end_gone(p[0]);
	close(p[0]);
	close(fd);
	assert_int_equal(status, 0);
	assert_int_equal(n, 21);
	assert_string_equal(buf, "FDSTORE=1\nFDNAME=kept");
	assert_int_equal(cred.pid, pid);
	assert_int_equal(after, before);
	assert_true(gone);
}

/* sd_notify_barrier() waits for the receiver to close the fd it sent: the
 * child exits 0 only if notify_socket_recv closed it. */
static void test_barrier(void **state _unused_)
{
	struct notify_job job = { .state = "READY=1", .fd = -1, .barrier = true };
	struct ucred cred;
	char buf[256], second[256];

	int fd = open_fresh();
	int before = fault_count_fds();
	pid_t pid = spawn_notify(&job);
	int n1 = recv_one(fd, buf, sizeof(buf), &cred);
	int n2 = recv_one(fd, second, sizeof(second), &cred);
	int status = reap_child(pid);
	int after = fault_count_fds();
	close(fd);
	assert_int_equal(n1, 7);
	assert_string_equal(buf, "READY=1");
	assert_int_equal(n2, 9);
	assert_string_equal(second, "BARRIER=1");
	assert_int_equal(status, 0);
	assert_int_equal(after, before);
}

/* ---- sizes and ancillary data ---- */

/* Sends msg on a socket of our own with `nfds` copies of fd_to_pass. */
static void send_with_fds(const char *to, const char *msg, int fd_to_pass, size_t nfds)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int) * 253)]; } control = {};
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = nfds ? &control : NULL,
			     .msg_controllen = nfds ? CMSG_SPACE(sizeof(int) * nfds) : 0 };
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0 && nfds <= 253);
	memcpy(sa.sun_path, to, strlen(to) + 1);
	if (nfds) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		for (size_t i = 0; i < nfds; i++)
			memcpy(CMSG_DATA(c) + i * sizeof(int), &fd_to_pass, sizeof(int));
	}
	assert_int_equal(sendmsg(s, &mh, MSG_DONTWAIT), (ssize_t)strlen(msg));
	close(s);
}

/* Over len: -EMSGSIZE, consumed, its fd closed; the next one is intact. */
static void test_oversized(void **state _unused_)
{
	struct ucred cred;
	char small[11], buf[256], big[101];
	int p[2];

	int fd = open_fresh();
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "STATUS=", 7);
	send_with_fds(path, big, p[1], 1);
	close(p[1]);
	assert_int_equal(notify_send(path, "READY=1\nSTATUS=after"), 0);
	int before = fault_count_fds();
	assert_int_equal(recv_one(fd, small, sizeof(small), &cred), -EMSGSIZE);
	assert_int_equal(fault_count_fds(), before);
	assert_true(write_end_gone(p[0]));
	assert_int_equal(recv_one(fd, buf, sizeof(buf), &cred), 20);
	assert_string_equal(buf, "READY=1\nSTATUS=after");
	assert_int_equal(cred.pid, getpid());
	/* Exactly len fits. */
	assert_int_equal(notify_send(path, "READY=1"), 0);
	assert_int_equal(recv_one(fd, small, 8, &cred), 7);
	close(p[0]);
	close(fd);
}

/* More ancillary data than the buffer holds (a pidfd asked for, and as
 * many fds as the kernel passes): MSG_CTRUNC, -EMSGSIZE, and every fd
 * that did arrive closed; the kernel drops the rest. */
static void test_control_truncated(void **state _unused_)
{
	static const int one = 1;
	struct ucred cred;
	char buf[64];
	int p[2];

	int fd = open_fresh();
	if (setsockopt(fd, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)) < 0) {
		close(fd);
		skip();   /* before Linux 6.5 */
	}
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	send_with_fds(path, "FDSTORE=1", p[1], 253);   /* SCM_MAX_FD */
	close(p[1]);
	int before = fault_count_fds();
	assert_int_equal(recv_one(fd, buf, sizeof(buf), &cred), -EMSGSIZE);
	assert_int_equal(fault_count_fds(), before);
	assert_true(write_end_gone(p[0]));
	close(p[0]);
	close(fd);
}

/* A socket without SO_PASSCRED delivers no credentials: refused. */
static void test_no_credentials(void **state _unused_)
{
	struct ucred cred = { .pid = 77 };
	char buf[64];
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(send(sp[0], "READY=1", 7, 0), 7);
	assert_int_equal(notify_socket_recv(sp[1], buf, sizeof(buf), &cred), -EPERM);
	assert_int_equal(cred.pid, 77);   /* untouched */
	assert_int_equal(notify_socket_recv(sp[1], buf, sizeof(buf), &cred), -EAGAIN);
	close(sp[0]);
	close(sp[1]);
}

/* ---- our own client ---- */

static void test_send_path(void **state _unused_)
{
	struct ucred cred;
	char buf[64];

	int fd = open_fresh();
	int before = fault_count_fds();
	assert_int_equal(notify_send(path, "STOPPING=1"), 0);
	assert_int_equal(fault_count_fds(), before);
	assert_int_equal(recv_one(fd, buf, sizeof(buf), &cred), 10);
	assert_string_equal(buf, "STOPPING=1");
	assert_int_equal(cred.pid, getpid());
	close(fd);
	/* Nobody there any more. */
	assert_int_equal(notify_send(path, "READY=1"), -ECONNREFUSED);
}

static void test_send_abstract(void **state _unused_)
{
	static const int one = 1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	char name[64], buf[64];

	/* "@rv-notify-test-<pid>": a NUL, then the name, not NUL-terminated. */
	int n = snprintf(name, sizeof(name), "@rv-notify-test-%d", (int)getpid());
	memcpy(sa.sun_path + 1, name + 1, (size_t)n - 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n)), 0);
	assert_int_equal(notify_send(name, "READY=1"), 0);
	assert_int_equal(recv_one(fd, buf, sizeof(buf), &cred), 7);
	assert_string_equal(buf, "READY=1");
	assert_int_equal(cred.pid, getpid());
	/* The same name with a NUL after it is another address. */
	name[n - 1] = '\0';
	assert_int_equal(notify_send(name, "READY=1"), -ECONNREFUSED);
	close(fd);
}

static void test_send_bad_address(void **state _unused_)
{
	char longname[200];

	assert_int_equal(notify_send(NULL, "READY=1"), 0);
	assert_int_equal(notify_send("", "READY=1"), 0);
	assert_int_equal(notify_send("relative/notify", "READY=1"), -EAFNOSUPPORT);
	assert_int_equal(notify_send("vsock:2:1234", "READY=1"), -EAFNOSUPPORT);
	assert_int_equal(notify_send("@", "READY=1"), -EINVAL);
	snprintf(longname, sizeof(longname), "@%0198d", 0);
	assert_int_equal(notify_send(longname, "READY=1"), -ENAMETOOLONG);
	longname[0] = '/';
	assert_int_equal(notify_send(longname, "READY=1"), -ENAMETOOLONG);
	assert_int_equal(notify_send("/nonexistent/rv/notify.sock", "READY=1"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sd_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fds_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_barrier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_abstract, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_bad_address, setup, teardown),
	};
	return cmocka_run_group_tests_name("notify socket", tests, NULL, NULL);
}
