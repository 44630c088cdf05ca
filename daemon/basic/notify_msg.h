/* SPDX-License-Identifier: MIT */
/*
 * notify_msg.h: one sd_notify datagram's payload, parsed (sd_notify(3);
 * KERNEL-NOTES.md section 7). The bytes are the sender's word only; who
 * sent them comes from the socket's credentials (kernel/notify_socket.h)
 * and what they may change is the policy's call.
 *
 * Rules, as systemd reads them:
 *  - newline-separated KEY=VALUE lines; empty lines are skipped;
 *  - a message with a NUL byte is refused whole (-EBADMSG), one over
 *    NOTIFY_MSG_MAX bytes too (-EMSGSIZE);
 *  - READY=1, RELOADING=1, STOPPING=1, WATCHDOG=1 and WATCHDOG=trigger are
 *    set by any line that says so;
 *  - STATUS, MAINPID, WATCHDOG_USEC, EXTEND_TIMEOUT_USEC and ERRNO take
 *    their first line only (systemd looks up the first "KEY="); a repeat
 *    is ignored, even after a bad first value;
 *  - numbers are decimal digits only (no sign, no space), bounded: a uint64
 *    overflow, MAINPID=0 or past pid_t, ERRNO past 4095 are bad values;
 *  - a known key with a bad value, and a line without '=', count in
 *    bad_values; an unknown key counts in unknown_keys; keys of the
 *    protocol that ringvisor deliberately does not act on (BARRIER, FDSTORE,
 *    FDNAME, MONOTONIC_USEC, ...) count in ignored_keys. None of these
 *    spoil the message's other lines.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NOTIFY_MSG_MAX 4096
/* STATUS= is kept to this many bytes of valid, printable UTF-8. */
#define NOTIFY_STATUS_MAX 255
/* ERRNO= above this is a bad value (systemd's ERRNO_MAX). */
#define NOTIFY_ERRNO_MAX 4095

struct notify_msg {
	bool ready, reloading, stopping;
	bool watchdog_ping;                  /* WATCHDOG=1 */
	bool watchdog_trigger;               /* WATCHDOG=trigger */
	bool has_status;                     /* STATUS= (may be empty: cleared) */
	char status[NOTIFY_STATUS_MAX + 1];  /* sanitised, NUL-terminated */
	bool has_mainpid;
	pid_t mainpid;                       /* > 0 */
	bool has_watchdog_usec;
	uint64_t watchdog_usec;
	bool has_extend_usec;
	uint64_t extend_usec;                /* EXTEND_TIMEOUT_USEC= */
	bool has_errno;
	int errno_value;                     /* 0..NOTIFY_ERRNO_MAX */
	unsigned unknown_keys, ignored_keys, bad_values;
};

/* Parses buf[0..n) (no NUL needed after it) into *ret: 0, or -EBADMSG or
 * -EMSGSIZE and *ret untouched. */
int notify_msg_parse(const char *buf, size_t n, struct notify_msg *ret);
/* s[0..n) made fit for a status line into out (NUL-terminated, at most
 * outlen - 1 bytes): invalid UTF-8 and control characters become U+FFFD
 * (a tab a space), cut at a character boundary. Returns the length. */
size_t notify_status_sanitise(const char *s, size_t n, char *out, size_t outlen);
