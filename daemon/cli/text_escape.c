/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "cli/text_escape.h"

/* C0 (but tab), DEL, and U+0080..U+009F (as UTF-8: C2 80..C2 9F). */
static bool is_control(const unsigned char *s, size_t n, size_t *ret_len)
{
	*ret_len = 1;
	if ((s[0] < 0x20 && s[0] != '\t') || s[0] == 0x7f)
		return true;
	if (s[0] == 0xc2 && n > 1 && s[1] >= 0x80 && s[1] <= 0x9f) {
		*ret_len = 2;
		return true;
	}
	return false;
}

void text_escape_write(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = 0, len;

	for (size_t i = 0; i < n; i += len) {
		if (!is_control(u + i, n - i, &len))
			continue;
		fwrite(s + start, 1, i - start, f);
		for (size_t k = 0; k < len; k++)
			fprintf(f, "\\x%02x", u[i + k]);
		start = i + len;
	}
	fwrite(s + start, 1, n - start, f);
}
