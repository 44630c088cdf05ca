/* SPDX-License-Identifier: MIT */
/*
 * test_logfile.c: the rotating log file against a real directory: rotation
 * order and counts, backups 0, a write larger than max_bytes, leftovers, a
 * failed rotation that keeps data, and what may be planted in the directory
 * (symlinks as file and dir, FIFO, device, hard link, directory). A full disk
 * uses a 64 KiB tmpfs, skipped (saying why) where mount is refused.
 */
#include "logfile_test_util.h"

static void test_open_write(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	struct stat st;

	assert_int_equal(logfile_open(fx->dirfd, "web.0.log", 1000, 2, &lf), 0);
	assert_int_equal(lf.size, 0);
	write_str(&lf, "hello\n");
	assert_int_equal(logfile_write(&lf, "", 0), 0);
	assert_int_equal(lf.size, 6);
	assert_int_equal(fstat(lf.fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_true(fcntl(lf.fd, F_GETFD) & FD_CLOEXEC);
	int fl = fcntl(lf.fd, F_GETFL);
	assert_true(fl & O_APPEND);
	assert_false(fl & O_NONBLOCK);   /* only the open was non-blocking */
	logfile_close(&lf);
	logfile_close(&lf);
	assert_int_equal(lf.fd, -EBADF);

	/* Reopened: appends, size from fstat. */
	assert_int_equal(logfile_open(fx->dirfd, "web.0.log", 1000, 2, &lf), 0);
	assert_int_equal(lf.size, 6);
	write_str(&lf, "again\n");
	assert_string_equal(slurp(fx->dirfd, "web.0.log"), "hello\nagain\n");
	logfile_close(&lf);
}

static void test_names(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	char name[LOGFILE_NAME_MAX + 2];

	for (const char *const *b = (const char *const[]){ "", ".", "..", "../x", NULL }; *b; b++)
		assert_int_equal(logfile_open(fx->dirfd, *b, 10, 1, &lf), -EINVAL);
	assert_int_equal(logfile_open(fx->dirfd, "x", 10, LOGFILE_BACKUPS_MAX + 1, &lf), -EINVAL);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(logfile_open(fx->dirfd, name, 10, 1, &lf), -ENAMETOOLONG);
	assert_int_equal(lf.fd, -EBADF);
	assert_false(exists(fx->dirfd, "x"));

	/* The longest name still rotates: name.1 fits in NAME_MAX. */
	name[LOGFILE_NAME_MAX] = '\0';
	assert_int_equal(logfile_open(fx->dirfd, name, 10, LOGFILE_BACKUPS_MAX, &lf), 0);
	write_str(&lf, "0123456789");
	write_str(&lf, "abc");
	assert_int_equal(lf.rotations, 1);
	char one[NAME_MAX + 1];
	snprintf(one, sizeof(one), "%s.1", name);
	assert_string_equal(slurp(fx->dirfd, one), "0123456789");
	logfile_close(&lf);
}

/* 20 records of 25 bytes, 4 to a 100-byte file, 3 backups; then the
 * boundary, and backups 0. */
static void test_rotation(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	char rec[48], want[128];

	assert_int_equal(logfile_open(fx->dirfd, "r.log", 100, 3, &lf), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(rec, sizeof(rec), "record %02d ..............\n", i);
		assert_int_equal(strlen(rec), 25);
		write_str(&lf, rec);
		assert_true(lf.size <= 100);
	}
	assert_int_equal(lf.rotations, 4);
	assert_int_equal(lf.rotate_error, 0);
	/* name holds 16..19, .1 (newest) 12..15, .2 8..11, .3 4..7. */
	const char *names[] = { "r.log", "r.log.1", "r.log.2", "r.log.3" };
	for (int f = 0; f < 4; f++) {
		want[0] = '\0';
		for (int i = 16 - 4 * f; i < 20 - 4 * f; i++) {
			snprintf(rec, sizeof(rec), "record %02d ..............\n", i);
			strcat(want, rec);
		}
		assert_string_equal(slurp(fx->dirfd, names[f]), want);
	}
	assert_false(exists(fx->dirfd, "r.log.4"));

	/* Exactly full is not past max_bytes; one more byte is. */
	logfile_close(&lf);
	assert_int_equal(logfile_open(fx->dirfd, "b.log", 10, 1, &lf), 0);
	write_str(&lf, "0123456789");
	assert_int_equal(lf.rotations, 0);
	write_str(&lf, "x");
	assert_int_equal(lf.rotations, 1);
	assert_string_equal(slurp(fx->dirfd, "b.log"), "x");
	assert_string_equal(slurp(fx->dirfd, "b.log.1"), "0123456789");
	logfile_close(&lf);

	/* backups 0: truncated in place. */
	assert_int_equal(logfile_open(fx->dirfd, "z.log", 100, 0, &lf), 0);
	for (int i = 0; i < 10; i++)
		write_str(&lf, i == 9 ? "last 30 bytes ...............\n"
				      : "some 30 bytes ...............\n");
	/* 3 records fill 90 bytes; the 4th truncates: 10 = 3 + 3 + 3 + 1. */
	assert_int_equal(lf.rotations, 3);
	assert_string_equal(slurp(fx->dirfd, "z.log"), "last 30 bytes ...............\n");
	assert_int_equal(lf.size, 30);
	assert_false(exists(fx->dirfd, "z.log.1"));
	logfile_close(&lf);
}

static void test_big_write(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	char big[251];

	memset(big, 'B', 250);
	big[250] = '\0';
	assert_int_equal(logfile_open(fx->dirfd, "g.log", 100, 2, &lf), 0);
	write_str(&lf, "small\n");
	write_str(&lf, big);   /* whole, into a fresh file */
	assert_int_equal(lf.size, 250);
	assert_string_equal(slurp(fx->dirfd, "g.log"), big);
	assert_string_equal(slurp(fx->dirfd, "g.log.1"), "small\n");
	write_str(&lf, "next\n");
	assert_string_equal(slurp(fx->dirfd, "g.log.1"), big);
	assert_string_equal(slurp(fx->dirfd, "g.log.2"), "small\n");
	assert_int_equal(lf.rotations, 2);
	logfile_close(&lf);

	/* Into an empty file it goes as it is, without a rotation first. */
	assert_int_equal(logfile_open(fx->dirfd, "h.log", 100, 2, &lf), 0);
	write_str(&lf, big);
	assert_int_equal(lf.rotations, 0);
	logfile_close(&lf);
}

static void test_leftovers_and_gaps(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;

	/* A larger `backups` earlier left .4 and .5; .2 is missing (a gap). */
	put_file(fx->dirfd, "l.log.1", "one");
	put_file(fx->dirfd, "l.log.3", "three");
	put_file(fx->dirfd, "l.log.4", "four");
	put_file(fx->dirfd, "l.log.5", "five");
	assert_int_equal(logfile_open(fx->dirfd, "l.log", 0, 3, &lf), 0);
	write_str(&lf, "live");
	assert_int_equal(logfile_rotate(&lf), 0);
	assert_string_equal(slurp(fx->dirfd, "l.log.1"), "live");
	assert_string_equal(slurp(fx->dirfd, "l.log.2"), "one");
	assert_string_equal(slurp(fx->dirfd, "l.log.3"), "three");
	assert_false(exists(fx->dirfd, "l.log.4"));
	assert_false(exists(fx->dirfd, "l.log.5"));
	assert_int_equal(lf.size, 0);
	assert_int_equal(lf.max_bytes, 0);   /* 0: only explicit rotations */
	logfile_close(&lf);
}

static void test_symlink_file(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	char target[256];

	snprintf(target, sizeof(target), "%s/target", fx->tmp);
	put_file(AT_FDCWD, target, "precious");
	assert_int_equal(symlinkat(target, fx->dirfd, "s.log"), 0);
	assert_int_equal(logfile_open(fx->dirfd, "s.log", 100, 2, &lf), -ELOOP);
	assert_int_equal(lf.fd, -EBADF);
	assert_string_equal(slurp(AT_FDCWD, target), "precious");

	/* Planted as a backup: rotation moves or replaces the link itself. */
	assert_int_equal(symlinkat(target, fx->dirfd, "t.log.1"), 0);
	assert_int_equal(symlinkat(target, fx->dirfd, "t.log.2"), 0);
	assert_int_equal(logfile_open(fx->dirfd, "t.log", 10, 2, &lf), 0);
	for (int i = 0; i < 5; i++)
		write_str(&lf, "0123456789");
	assert_string_equal(slurp(AT_FDCWD, target), "precious");

	/* Planted at the name after the file went: the reopen of a rotation
	 * (backups 0 reopens in place) refuses it, writes fail with -ELOOP
	 * until it is gone, then resume in a fresh file. */
	logfile_close(&lf);
	assert_int_equal(logfile_open(fx->dirfd, "u.log", 10, 0, &lf), 0);
	write_str(&lf, "0123456789");
	assert_int_equal(unlinkat(fx->dirfd, "u.log", 0), 0);
	assert_int_equal(symlinkat(target, fx->dirfd, "u.log"), 0);
	assert_int_equal(logfile_write(&lf, "x", 1), -ELOOP);
	assert_int_equal(lf.rotate_error, -ELOOP);
	assert_int_equal(lf.fd, -EBADF);
	assert_int_equal(logfile_write(&lf, "x", 1), -ELOOP);
	assert_string_equal(slurp(AT_FDCWD, target), "precious");
	assert_int_equal(unlinkat(fx->dirfd, "u.log", 0), 0);
	write_str(&lf, "y");
	assert_string_equal(slurp(fx->dirfd, "u.log"), "y");
	logfile_close(&lf);
}

static void test_planted_types(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	char outside[256];
	struct stat st;

	/* A FIFO: refused, without blocking (SIGALRM would end the test),
	 * also when a reader is there and the open itself would succeed. */
	assert_int_equal(mkfifoat(fx->dirfd, "f.log", 0600), 0);
	alarm(10);
	assert_int_equal(logfile_open(fx->dirfd, "f.log", 100, 1, &lf), -EINVAL);
	_cleanup_close_ int rd = openat(fx->dirfd, "f.log", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rd >= 0);
	assert_int_equal(logfile_open(fx->dirfd, "f.log", 100, 1, &lf), -EINVAL);
	alarm(0);

	/* A hard link to a file elsewhere. */
	snprintf(outside, sizeof(outside), "%s/outside", fx->tmp);
	put_file(AT_FDCWD, outside, "keep");
	assert_int_equal(linkat(AT_FDCWD, outside, fx->dirfd, "h.log", 0), 0);
	assert_int_equal(logfile_open(fx->dirfd, "h.log", 100, 1, &lf), -EMLINK);
	assert_string_equal(slurp(AT_FDCWD, outside), "keep");

	assert_int_equal(mkdirat(fx->dirfd, "d.log", 0700), 0);
	assert_int_equal(logfile_open(fx->dirfd, "d.log", 100, 1, &lf), -EISDIR);

	/* A device (/dev/null's numbers), where mknod is allowed. */
	if (mknodat(fx->dirfd, "c.log", S_IFCHR | 0600, makedev(1, 3)) < 0) {
		print_message("skip device case: mknod: %s\n", strerror(errno));
	} else {
		assert_int_equal(logfile_open(fx->dirfd, "c.log", 100, 1, &lf), -EINVAL);
		assert_int_equal(fstatat(fx->dirfd, "c.log", &st, 0), 0);
		assert_true(S_ISCHR(st.st_mode));
	}
	assert_int_equal(lf.fd, -EBADF);
}

/* A rename refused (a directory planted as name.1) keeps every byte in the
 * live file, and is retried only after another max_bytes. */
static void test_rotate_failure(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	char s60[61];

	memset(s60, 'a', 60);
	s60[60] = '\0';
	assert_int_equal(mkdirat(fx->dirfd, "k.log.1", 0700), 0);
	put_file(fx->dirfd, "k.log.1/inside", "x");
	assert_int_equal(logfile_open(fx->dirfd, "k.log", 100, 1, &lf), 0);
	write_str(&lf, s60);
	write_str(&lf, s60);
	assert_true(lf.rotate_error == -EISDIR || lf.rotate_error == -ENOTEMPTY);
	assert_int_equal(lf.size, 120);
	assert_int_equal(lf.rotations, 0);

	assert_int_equal(unlinkat(fx->dirfd, "k.log.1/inside", 0), 0);
	assert_int_equal(unlinkat(fx->dirfd, "k.log.1", AT_REMOVEDIR), 0);
	/* Failed at 60 bytes: the next try waits for 60 + 100. */
	write_str(&lf, s60 + 30);   /* 150 */
	write_str(&lf, s60 + 30);   /* 180 */
	assert_int_equal(lf.rotations, 0);
	write_str(&lf, "z");        /* retried, and it works */
	assert_int_equal(lf.rotations, 1);
	assert_int_equal(lf.rotate_error, 0);
	assert_string_equal(slurp(fx->dirfd, "k.log"), "z");
	struct stat st;
	assert_int_equal(fstatat(fx->dirfd, "k.log.1", &st, 0), 0);
	assert_int_equal(st.st_size, 180);
	logfile_close(&lf);
}

static void test_deleted_and_async(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	int fd;

	assert_int_equal(logfile_open(fx->dirfd, "a.log", 10, 2, &lf), 0);
	write_str(&lf, "12345678");
	/* Someone deleted the live file: the rotation just opens a new one. */
	assert_int_equal(unlinkat(fx->dirfd, "a.log", 0), 0);
	write_str(&lf, "abc");
	assert_string_equal(slurp(fx->dirfd, "a.log"), "abc");
	assert_false(exists(fx->dirfd, "a.log.1"));

	/* prepare/commit: what an io_uring writer does. */
	fd = logfile_prepare(&lf, 5);
	assert_int_equal(fd, lf.fd);
	assert_int_equal(write(fd, "defgh", 5), 5);
	logfile_commit(&lf, 5);
	logfile_commit(&lf, -EIO);   /* a failed write changes nothing */
	assert_int_equal(lf.size, 8);
	fd = logfile_prepare(&lf, 5);   /* 13 > 10: rotates first */
	assert_true(fd >= 0);
	assert_int_equal(lf.size, 0);
	assert_string_equal(slurp(fx->dirfd, "a.log.1"), "abcdefgh");
	logfile_close(&lf);
}

/* A full disk: a 64 KiB tmpfs. -ENOSPC passes through, nothing is counted
 * as written that was not, and writing resumes once space is freed. */
static void test_enospc(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	char chunk[4000], p[256];
	uint64_t total = 0;
	ssize_t w = 0;
	int dirfd;

	snprintf(fx->mnt, sizeof(fx->mnt), "%s/mnt", fx->tmp);
	assert_int_equal(mkdir(fx->mnt, 0700), 0);
	if (mount("rv-test", fx->mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0) {
		print_message("skip: cannot mount a tmpfs: %s\n", strerror(errno));
		skip();
	}
	fx->mounted = true;
	snprintf(p, sizeof(p), "%s/logs", fx->mnt);
	assert_int_equal(logdir_open(p, &dirfd), 0);
	_cleanup_close_ int filler = openat(dirfd, "filler", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_int_equal(posix_fallocate(filler, 0, 16384), 0);
	memset(chunk, 'c', sizeof(chunk));
	assert_int_equal(logfile_open(dirfd, "full.log", 0, 1, &lf), 0);
	for (int i = 0; i < 100; i++) {
		w = logfile_write(&lf, chunk, sizeof(chunk));
		if (w < 0)
			break;
		total += (uint64_t)w;   /* the last one may be partial */
	}
	assert_int_equal(w, -ENOSPC);
	assert_true(total > 0 && total < 64 * 1024);
	assert_int_equal(lf.size, total);
	assert_int_equal(logfile_write(&lf, chunk, sizeof(chunk)), -ENOSPC);
	assert_int_equal((uint64_t)lseek(lf.fd, 0, SEEK_END), total);

	assert_int_equal(unlinkat(dirfd, "filler", 0), 0);
	filler = safe_close(filler);
	assert_int_equal(logfile_write(&lf, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	logfile_close(&lf);
	safe_close(dirfd);
}

/* splice(2) refuses an O_APPEND file: prepare_splice drops O_APPEND and
 * seeks to the end (after a truncation by someone else too), a real
 * splice from a pipe then lands there, and the next prepare (a plain
 * write's) or a rotation's reopen gives O_APPEND back. */
static void test_prepare_splice(void **state)
{
	struct fx *fx = *state;
	struct logfile lf = LOGFILE_NULL;
	int p[2], fd;

	assert_int_equal(logfile_open(fx->dirfd, "web.0.log", 40, 1, &lf), 0);
	write_str(&lf, "one\n");
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], "two\n", 4), 4);
	fd = logfile_prepare_splice(&lf, 4);
	assert_int_equal(fd, lf.fd);
	assert_true(lf.spliced);
	assert_false(fcntl(fd, F_GETFL) & O_APPEND);
	assert_int_equal(splice(p[0], NULL, fd, NULL, 4, SPLICE_F_NONBLOCK), 4);
	logfile_commit(&lf, 4);
	assert_string_equal(slurp(fx->dirfd, "web.0.log"), "one\ntwo\n");

	/* Truncated behind our back: the next splice still appends at the end. */
	int tfd = openat(fx->dirfd, "web.0.log", O_WRONLY | O_CLOEXEC);
	assert_true(tfd >= 0);
	assert_int_equal(ftruncate(tfd, 4), 0);
	close(tfd);
	assert_int_equal(write(p[1], "six\n", 4), 4);
	assert_int_equal(logfile_prepare_splice(&lf, 4), lf.fd);
	assert_int_equal(splice(p[0], NULL, lf.fd, NULL, 4, SPLICE_F_NONBLOCK), 4);
	assert_string_equal(slurp(fx->dirfd, "web.0.log"), "one\nsix\n");

	/* A plain write's prepare: O_APPEND again. */
	assert_int_equal(logfile_prepare(&lf, 4), lf.fd);
	assert_false(lf.spliced);
	assert_true(fcntl(lf.fd, F_GETFL) & O_APPEND);
	/* Spliced, then a rotation's reopen: a fresh O_APPEND fd. */
	assert_int_equal(logfile_prepare_splice(&lf, 4), lf.fd);
	fd = logfile_prepare(&lf, 100);   /* past max_bytes: rotates, reopens */
	assert_int_equal(fd, lf.fd);
	assert_int_equal(lf.rotations, 1);
	assert_false(lf.spliced);
	assert_true(fcntl(lf.fd, F_GETFL) & O_APPEND);
	close(p[0]);
	close(p[1]);
	logfile_close(&lf);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_write),
		T(test_names), T(test_rotation),
		T(test_big_write), T(test_leftovers_and_gaps),
		T(test_symlink_file), T(test_planted_types),
		T(test_rotate_failure), T(test_deleted_and_async),
		T(test_enospc), T(test_prepare_splice),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
