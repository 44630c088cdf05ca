/* SPDX-License-Identifier: MIT */
/*
 * mhd_lib.c: dlopen() of libmicrohttpd (mhd_lib.h says why). Loaded once,
 * never closed: the listeners may come back after a reexec, and a library
 * unloaded under a response's free callback would be a crash.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "control/mhd_lib.h"

#define SYM(field, name) { offsetof(struct mhd_lib, field), #name }

static const struct {
	size_t offset;
	const char *name;
} symbols[] = {
	SYM(start_daemon, MHD_start_daemon),
	SYM(get_daemon_info, MHD_get_daemon_info),
	SYM(run, MHD_run),
	SYM(get_timeout, MHD_get_timeout),
	SYM(stop_daemon, MHD_stop_daemon),
	SYM(response_from_buffer, MHD_create_response_from_buffer),
	SYM(response_with_free, MHD_create_response_from_buffer_with_free_callback_cls),
	SYM(add_header, MHD_add_response_header),
	SYM(queue_response, MHD_queue_response),
	SYM(destroy_response, MHD_destroy_response),
};

const struct mhd_lib *mhd_lib_load(char *err, size_t errlen)
{
	static struct mhd_lib lib;
	static bool loaded;

	if (loaded)
		return &lib;
	void *h = dlopen(MHD_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "cannot load %s (%s): install libmicrohttpd12", MHD_LIB_SONAME, dlerror());
		return NULL;
	}
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *p = dlsym(h, symbols[i].name);
		if (!p) {
			snprintf(err, errlen, "%s has no %s: a libmicrohttpd older than 0.9.75?", MHD_LIB_SONAME,
				 symbols[i].name);
			dlclose(h);
			return NULL;
		}
		/* POSIX: a function pointer and void * have the same representation. */
		*(void **)((char *)&lib + symbols[i].offset) = p;
	}
	loaded = true;
	return &lib;
}
