/* SPDX-License-Identifier: MIT */
/*
 * units.h: durations and sizes as written in the config.
 *
 * Durations: an unsigned integer followed by ms, s, m or h ("250ms", "10s",
 * "5m", "1h"); a bare "0" is allowed and means zero. Sizes: an unsigned integer
 * optionally followed by K, M, G or T (powers of 1024), e.g. "64K", "256M".
 * Both reject empty strings, signs, spaces, unknown units and overflow.
 */
#pragma once

#include <stdint.h>

/* Returns 0, -EINVAL (malformed) or -ERANGE (overflow). */
int parse_duration_ms(const char *s, uint64_t *ret_ms);
int parse_size_bytes(const char *s, uint64_t *ret_bytes);
/* Parses a signal name ("SIGTERM", "TERM", "term") or number; -EINVAL. */
int parse_signal(const char *s, int *ret_sig);
/* "SIGTERM" for 15; a static string, "SIG?" when unknown. */
const char *signal_name(int sig);
/* Writes "1.5s", "250ms", "2m" ... into buf; returns buf. */
char *format_duration_ms(uint64_t ms, char *buf, size_t len);
