/* SPDX-License-Identifier: MIT */
/*
 * leak_pattern.c: one pattern of the leak corpus (tests/leak_corpus.h) as
 * a real process, for bench/leaks.sh. Every second it computes the
 * pattern's value and makes it true: for fds it holds that many extra open
 * fds (/dev/null), for threads that many extra sleeping threads, for memory
 * that many bytes above the pattern's base, touched (mmap'd chunks of
 * 256 KiB, unmapped to shrink). The fd and thread patterns are used as
 * they are; the memory base is not held (1000 services would need 100 GiB),
 * only what moves above it, which is what the verdict judges.
 *
 * usage: leak_pattern INDEX SEED [LEAK_START_S]   (INDEX into corpus_patterns;
 *                                                 a leak starts then instead)
 *        leak_pattern list           (prints INDEX leak|healthy|limit NAME)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "leak_corpus.h"

#define FDS_MAX 65536
#define THREADS_MAX 4096
#define CHUNK (256U << 10)
#define CHUNKS_MAX 65536   /* 16 GiB */

static int fds[FDS_MAX];
static size_t n_fds;
static void *chunks[CHUNKS_MAX];
static size_t n_chunks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static size_t want_threads, n_threads;

static void set_fds(size_t want)
{
	want = want > FDS_MAX ? FDS_MAX : want;
	while (n_fds < want) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		fds[n_fds++] = fd;
	}
	while (n_fds > want)
		close(fds[--n_fds]);
}

/* Thread i lives while i < want_threads. */
static void *sleeper(void *arg)
{
	size_t i = (size_t)(uintptr_t)arg;
	pthread_mutex_lock(&lock);
	while (i < want_threads)
		pthread_cond_wait(&cond, &lock);
	n_threads--;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void set_threads(size_t want)
{
	pthread_attr_t a;

	want = want > THREADS_MAX ? THREADS_MAX : want;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 64 << 10);
	pthread_mutex_lock(&lock);
	want_threads = want;
	pthread_cond_broadcast(&cond);
	while (n_threads < want) {
		pthread_t t;
		if (pthread_create(&t, &a, sleeper, (void *)(uintptr_t)n_threads) != 0)
			break;
		n_threads++;
	}
	pthread_mutex_unlock(&lock);
	pthread_attr_destroy(&a);
}

static void set_memory(uint64_t bytes)
{
	size_t want = (size_t)(bytes / CHUNK);

	want = want > CHUNKS_MAX ? CHUNKS_MAX : want;
	while (n_chunks < want) {
		void *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return;
		memset(p, 0xa5, CHUNK);
		chunks[n_chunks++] = p;
	}
	while (n_chunks > want)
		munmap(chunks[--n_chunks], CHUNK);
}

static int list(void)
{
	for (size_t i = 0; i < CORPUS_N; i++) {
		const struct corpus_pattern *p = &corpus_patterns[i];
		printf("%zu %s %.0f %.0f %s\n", i, p->leak ? "leak" : p->limit ? "limit" : "healthy",
		       p->leak_start_s, p->delay_max_s, p->name);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec next;
	struct corpus_gen g;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return list();
	if ((argc != 3 && argc != 4) || (size_t)atoi(argv[1]) >= CORPUS_N) {
		fprintf(stderr, "usage: leak_pattern INDEX SEED [LEAK_START_S] | list\n");
		return 2;
	}
	static struct corpus_pattern pat;
	pat = corpus_patterns[atoi(argv[1])];
	if (argc == 4 && pat.leak && pat.leak_start_s > 0)
		pat.leak_start_s = atof(argv[3]);
	const struct corpus_pattern *p = &pat;
	corpus_gen_init(&g, p, (uint64_t)atoll(argv[2]));
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (double t = 0;; t += 1) {
		double v = corpus_value(&g, t, 1);
		if (v < 0)
			v = 0;
		switch (p->series) {
		case LEAK_FDS: set_fds((size_t)v); break;
		case LEAK_THREADS: set_threads((size_t)v); break;
		default: set_memory(v > p->base ? (uint64_t)(v - p->base) : 0); break;
		}
		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
}
