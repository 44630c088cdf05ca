/* SPDX-License-Identifier: MIT */
/*
 * test_utf8.c: service text in JSON is valid UTF-8 (issue 12, finding 10):
 * valid sequences pass unchanged, each invalid byte becomes U+FFFD, and
 * the JSON json-c writes then parses with UTF-8 validation on. Also the
 * CLI's terminal escaping of control characters, and the logs reply of a
 * line holding both.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "basic/utf8.h"
#include "cli/text_escape.h"
#include "basic/base64.h"

#define LIT(s) s, sizeof(s) - 1

static void test_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid(LIT("plain ascii")));
	assert_true(utf8_valid(LIT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));   /* é € 😀 */
	assert_false(utf8_valid(LIT("\xc3")));             /* cut */
	assert_false(utf8_valid(LIT("\xc0\xaf")));         /* overlong '/' */
	assert_false(utf8_valid(LIT("\xed\xa0\x80")));     /* a surrogate */
	assert_false(utf8_valid(LIT("\xf4\x90\x80\x80"))); /* past U+10FFFF */
	assert_false(utf8_valid(LIT("\xff")));
	assert_int_equal(utf8_sequence((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_sequence((const unsigned char *)"\xe2\x82\xac", 2), 0);
}

/* The string json-c writes for s, parsed back with validation. */
static const char *roundtrip(const char *s, size_t n, char *out, size_t len)
{
	json_object *o = json_string_utf8(s, n);
	const char *txt = json_object_to_json_string(o);
	json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *back = json_tokener_parse_ex(tok, txt, (int)strlen(txt));
	assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
	snprintf(out, len, "%s", json_object_get_string(back));
	json_object_put(back);
	json_tokener_free(tok);
	json_object_put(o);
	return out;
}

static void test_json(void **state)
{
	char out[128];
	(void)state;

	assert_string_equal(roundtrip(LIT("caf\xc3\xa9"), out, sizeof(out)), "caf\xc3\xa9");
	assert_string_equal(roundtrip(LIT("a\xff" "b\xc3"), out, sizeof(out)), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	assert_string_equal(roundtrip(LIT("\xc0\xaf"), out, sizeof(out)), "\xef\xbf\xbd\xef\xbf\xbd");
	/* Control characters are json-c's to escape; they come back as they were. */
	assert_string_equal(roundtrip(LIT("bell\a esc\x1b[2J"), out, sizeof(out)), "bell\a esc\x1b[2J");
}

static const char *escaped(const char *s, size_t n, char *out, size_t len)
{
	FILE *f = fmemopen(out, len, "w");
	assert_non_null(f);
	text_escape_write(f, s, n);
	fclose(f);
	return out;
}

static void test_terminal_escape(void **state)
{
	char out[128];
	(void)state;

	assert_string_equal(escaped(LIT("plain\ttab caf\xc3\xa9"), out, sizeof(out)), "plain\ttab caf\xc3\xa9");
	assert_string_equal(escaped(LIT("\x1b]0;owned\a"), out, sizeof(out)), "\\x1b]0;owned\\x07");
	assert_string_equal(escaped(LIT("cr\rdel\x7f"), out, sizeof(out)), "cr\\x0ddel\\x7f");
	/* U+009B, the one-byte CSI, written as UTF-8. */
	assert_string_equal(escaped(LIT("\xc2\x9b" "31m"), out, sizeof(out)), "\\xc2\\x9b31m");
	/* Bytes that are not UTF-8: each shown as \xHH, valid text around
	 * them (and right after a bad lead byte) kept. */
	assert_string_equal(escaped(LIT("a\xff" "b"), out, sizeof(out)), "a\\xffb");
	assert_string_equal(escaped(LIT("\xc3(caf\xc3\xa9"), out, sizeof(out)), "\\xc3(caf\xc3\xa9");
	assert_string_equal(escaped(LIT("\xc0\xaf"), out, sizeof(out)), "\\xc0\\xaf");   /* overlong '/' */
	assert_string_equal(escaped(LIT("\xed\xa0\x80"), out, sizeof(out)), "\\xed\\xa0\\x80");   /* a surrogate */
	assert_string_equal(escaped(LIT("cut \xe2\x82"), out, sizeof(out)), "cut \\xe2\\x82");   /* truncated at the end */
	assert_string_equal(escaped(LIT("\xf0\x9f\x98\x80 ok"), out, sizeof(out)), "\xf0\x9f\x98\x80 ok");
}

static void test_base64(void **state)
{
	char enc[64];
	unsigned char dec[64];
	(void)state;

	base64_encode("", 0, enc);
	assert_string_equal(enc, "");
	base64_encode("f", 1, enc);
	assert_string_equal(enc, "Zg==");
	base64_encode("fo", 2, enc);
	assert_string_equal(enc, "Zm8=");
	base64_encode("foobar", 6, enc);
	assert_string_equal(enc, "Zm9vYmFy");
	/* Every byte value survives the round trip, at every length mod 3. */
	unsigned char all[40];
	for (size_t n = 0; n <= sizeof(all); n++) {
		for (size_t i = 0; i < n; i++)
			all[i] = (unsigned char)(0xff - i * 7);
		base64_encode(all, n, enc);
		assert_int_equal(strlen(enc), BASE64_LEN(n));
		assert_int_equal(base64_decode(enc, strlen(enc), dec), (ssize_t)n);
		assert_memory_equal(dec, all, n);
	}
	assert_int_equal(base64_decode("Zg=", 3, dec), -EINVAL);
	assert_int_equal(base64_decode("Z!==", 4, dec), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_terminal_escape),
		cmocka_unit_test(test_base64),
	};
	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
