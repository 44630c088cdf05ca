/* SPDX-License-Identifier: MIT */
/*
 * http_status.h: the first line of an HTTP/1.x response, all an http check
 * reads: "HTTP/1.1 200 OK\r\n". Fed the bytes received so far, it says
 * whether they hold a complete status line, need more, or cannot be one.
 * The bound keeps a peer that never sends a line end from making the
 * reader wait (and buffer) without end.
 */
#pragma once

#include <stddef.h>

/* Longest status line accepted, line end (CRLF or a bare LF) included. */
#define HTTP_STATUS_LINE_MAX 1024

/*
 * "HTTP/1.D DDD[ reason]" then CRLF or LF; the code 100..599, the reason
 * printable (tabs and bytes >= 0x80 allowed, as RFC 9112 says). Returns 1
 * with *status set when a complete, valid line starts buf; 0 when the bytes
 * so far are a valid beginning and fewer than HTTP_STATUS_LINE_MAX; -EBADMSG
 * when they cannot start a status line or no line end came within the bound.
 * Bytes after the line end are not looked at. A malformed beginning is
 * refused as soon as it is seen, without waiting for the line end.
 */
int http_status_parse(const char *buf, size_t n, int *status);
