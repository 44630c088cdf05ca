/* SPDX-License-Identifier: MIT */
/*
 * http_status.c: see http_status.h. A fixed head "HTTP/1.D DDD" checked
 * against a template as far as the bytes go, then the reason phrase up to
 * the line end. Nothing is copied; buf need not be NUL-terminated.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "basic/http_status.h"
#include "basic/macro.h"

/* '#' is any digit; the first digit of the code is checked apart. */
static const char head[] = "HTTP/1.# ###";
#define HEAD_LEN (sizeof(head) - 1)
#define CODE_AT 9

static bool head_byte_ok(size_t i, char c)
{
	if (i == CODE_AT)
		return c >= '1' && c <= '5';
	if (head[i] == '#')
		return c >= '0' && c <= '9';
	return c == head[i];
}

/* A byte of the reason phrase: HTAB, SP, VCHAR or obs-text. */
static bool reason_byte_ok(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

int http_status_parse(const char *buf, size_t n, int *status)
{
	size_t limit = MIN(n, (size_t)HTTP_STATUS_LINE_MAX);

	for (size_t i = 0; i < limit; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (i < HEAD_LEN) {
			if (!head_byte_ok(i, (char)c))
				return -EBADMSG;
			continue;
		}
		if (c == '\r') {
			if (i + 1 >= n)
				break;                   /* the LF may follow */
			if (buf[i + 1] != '\n' || i + 1 >= HTTP_STATUS_LINE_MAX)
				return -EBADMSG;
		} else if (c != '\n') {
			/* The code ends with a space or the line. */
			if (i == HEAD_LEN ? c != ' ' : !reason_byte_ok(c))
				return -EBADMSG;
			continue;
		}
		*status = (buf[CODE_AT] - '0') * 100 + (buf[CODE_AT + 1] - '0') * 10 +
			  (buf[CODE_AT + 2] - '0');
		return 1;
	}
	return n >= HTTP_STATUS_LINE_MAX ? -EBADMSG : 0;
}
