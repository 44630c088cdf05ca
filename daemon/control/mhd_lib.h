/* SPDX-License-Identifier: MIT */
/*
 * mhd_lib.h: libmicrohttpd, loaded with dlopen() when the first metrics
 * listener starts, never linked. Linked, it brought gnutls and eight more
 * libraries into every daemon (and every fd-store helper it execs): RSS
 * 4.8 -> 7.2 MiB for one service, for a feature that is off by default.
 * The pointers have the header's own types (__typeof__), so a call through
 * them is checked as a direct call would be.
 */
#pragma once

#include <stddef.h>

#include <microhttpd.h>

/* The SONAME of Debian 12's libmicrohttpd12 (0.9.75). */
#define MHD_LIB_SONAME "libmicrohttpd.so.12"

struct mhd_lib {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_run) *run;
	__typeof__(MHD_get_timeout) *get_timeout;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *response_from_buffer;
	__typeof__(MHD_create_response_from_buffer_with_free_callback_cls) *response_with_free;
	__typeof__(MHD_add_response_header) *add_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

/* The library, loaded on the first call and kept; NULL with the reason in
 * err (not installed: the package to install is named). */
const struct mhd_lib *mhd_lib_load(char *err, size_t errlen);
