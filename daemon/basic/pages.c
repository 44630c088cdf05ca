/* SPDX-License-Identifier: MIT */
/* pages.c: see pages.h. */
#include <stdint.h>
#include <sys/mman.h>

#include "basic/pages.h"

void *pages_alloc(size_t n, size_t size)
{
	if (n == 0 || size == 0 || n > SIZE_MAX / size)
		return NULL;
	void *p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void *pages_free(void *p, size_t n, size_t size)
{
	if (p)
		(void)munmap(p, n * size);
	return NULL;
}
