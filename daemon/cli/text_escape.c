/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "basic/utf8.h"
#include "cli/text_escape.h"

/* How many bytes at s are shown as \xHH (0: none, they pass): C0 but tab,
 * DEL, U+0080..U+009F (as UTF-8: C2 80..C2 9F), and a byte that does not
 * start a valid UTF-8 sequence. *ret_len is the length looked at. */
static size_t escaped_len(const unsigned char *s, size_t n, size_t *ret_len)
{
	size_t seq;

	*ret_len = 1;
	if ((s[0] < 0x20 && s[0] != '\t') || s[0] == 0x7f)
		return 1;
	if (s[0] < 0x80)
		return 0;
	seq = utf8_sequence(s, n);
	if (seq == 0)
		return 1;   /* invalid: this byte alone, then look again */
	*ret_len = seq;
	return s[0] == 0xc2 && s[1] <= 0x9f ? seq : 0;
}

void text_escape_write(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = 0, len;

	for (size_t i = 0; i < n; i += len) {
		size_t esc = escaped_len(u + i, n - i, &len);
		if (esc == 0)
			continue;
		fwrite(s + start, 1, i - start, f);
		for (size_t k = 0; k < esc; k++)
			fprintf(f, "\\x%02x", u[i + k]);
		start = i + len;
	}
	fwrite(s + start, 1, n - start, f);
}
