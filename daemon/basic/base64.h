/* SPDX-License-Identifier: MIT */
/*
 * base64.h: RFC 4648 base64 (with padding), for bytes that JSON strings
 * cannot carry as they are: a log line that is not valid UTF-8 travels as
 * "bytes" beside its repaired "line", so `logs --raw` can print it exactly.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* The encoded length of n bytes, without the NUL. */
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* Writes BASE64_LEN(n) characters and a NUL into out. */
void base64_encode(const void *in, size_t n, char *out);
/* Decodes s[0..n) into out (room for n / 4 * 3 bytes); the byte count, or
 * -EINVAL when s is not padded base64. */
ssize_t base64_decode(const char *s, size_t n, void *out);
