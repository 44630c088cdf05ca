/* SPDX-License-Identifier: MIT */
/*
 * test_json_out.c: the JSON writer (basic/json_out.c) against json-c, the
 * library whose text it replaces in `status`: every byte 0..0x7f in a
 * string, numbers at the ends of their types, nesting and the commas come
 * out as json-c writes them (plain, '/' not escaped); valid UTF-8 passes
 * unchanged and invalid bytes become U+FFFD, so a strict parser takes the
 * text; the bound and the depth limit stop the writer and say so; text
 * taken a piece at a time adds up to the whole.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "basic/json_out.h"

#define PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* j's text equals json-c's of o; o is put. */
static void assert_same(struct json_out *j, json_object *o)
{
	assert_int_equal(json_out_error(j), 0);
	assert_string_equal(j->buf, json_object_to_json_string_ext(o, PLAIN));
	json_object_put(o);
}

/* The text parses under json-c's strict, UTF-8-checking tokener. */
static json_object *parse_strict(const char *s)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (!o || json_tokener_get_parse_end(tok) != strlen(s))
		fail_msg("not strict JSON: %s", s);
	json_tokener_free(tok);
	return o;
}

static void test_every_ascii_byte_as_json_c(void **state)
{
	char s[128];
	struct json_out j;

	(void)state;
	for (int c = 0; c < 128; c++)
		s[c] = (char)c;
	/* Each byte alone, then all together (the NUL one only by length). */
	for (int c = 0; c < 128; c++) {
		json_out_init(&j, 1024);
		json_out_stringn(&j, s + c, 1);
		assert_same(&j, json_object_new_string_len(s + c, 1));
		json_out_done(&j);
	}
	json_out_init(&j, 4096);
	json_out_stringn(&j, s, sizeof(s));
	assert_same(&j, json_object_new_string_len(s, sizeof(s)));
	json_object_put(parse_strict(j.buf));
	json_out_done(&j);

	/* The ones that matter, spelled out. */
	json_out_init(&j, 1024);
	json_out_string(&j, "a\"b\\c/d\n\t\r\b\f\x01\x1f\x7f");
	assert_string_equal(j.buf, "\"a\\\"b\\\\c/d\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
	json_out_done(&j);
}

static void test_utf8_passes_invalid_replaced(void **state)
{
	static const char valid[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf";
	struct json_out j;

	(void)state;
	json_out_init(&j, 1024);
	json_out_string(&j, valid);
	assert_same(&j, json_object_new_string(valid));
	json_out_done(&j);

	/* A lone continuation byte, a cut sequence, an overlong '/', a
	 * surrogate, past U+10FFFF, 0xff: each bad byte one U+FFFD. */
	static const struct { const char *in, *out; } bad[] = {
		{ "a\x80z", "\"a\xef\xbf\xbdz\"" },
		{ "a\xc3", "\"a\xef\xbf\xbd\"" },
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xff\"", "\"\xef\xbf\xbd\\\"\"" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_out_init(&j, 1024);
		json_out_string(&j, bad[i].in);
		assert_int_equal(json_out_error(&j), 0);
		assert_string_equal(j.buf, bad[i].out);
		json_object_put(parse_strict(j.buf));
		json_out_done(&j);
	}
}

static void test_numbers_at_their_ends(void **state)
{
	static const int64_t ints[] = { 0, 1, -1, 9, 10, -10, 1234567890, INT32_MIN, INT32_MAX,
					INT64_MIN, INT64_MIN + 1, INT64_MAX };
	static const uint64_t uints[] = { 0, 9, 10, UINT32_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX };
	struct json_out j;

	(void)state;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		json_out_init(&j, 64);
		json_out_int(&j, ints[i]);
		assert_same(&j, json_object_new_int64(ints[i]));
		json_out_done(&j);
	}
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		json_out_init(&j, 64);
		json_out_uint(&j, uints[i]);
		assert_same(&j, json_object_new_uint64(uints[i]));
		json_out_done(&j);
	}
	json_out_init(&j, 64);
	json_out_int(&j, INT64_MIN);
	assert_string_equal(j.buf, "-9223372036854775808");
	json_out_done(&j);
}

/* Objects in arrays in objects, empty ones, every kind of value: the
 * commas and brackets json-c puts. */
static void test_nesting_as_json_c(void **state)
{
	struct json_out j;
	json_object *o = json_object_new_object(), *a = json_object_new_array(), *in = json_object_new_object();

	(void)state;
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "none", NULL);
	json_object_object_add(o, "empty_o", json_object_new_object());
	json_object_object_add(o, "empty_a", json_object_new_array());
	json_object_object_add(in, "k\"ey", json_object_new_string("v/1"));
	json_object_object_add(in, "n", json_object_new_int64(-3));
	json_object_array_add(a, in);
	json_object_array_add(a, json_object_new_array());
	json_object_array_add(a, json_object_new_boolean(0));
	json_object_array_add(a, NULL);
	json_object_array_add(a, json_object_new_uint64(7));
	json_object_object_add(o, "list", a);
	json_object_object_add(o, "last", json_object_new_string(""));

	json_out_init(&j, 1024);
	json_out_object(&j);
	json_out_kbool(&j, "ok", true);
	json_out_knull(&j, "none");
	json_out_kobject(&j, "empty_o");
	json_out_end(&j);
	json_out_karray(&j, "empty_a");
	json_out_end(&j);
	json_out_karray(&j, "list");
	json_out_object(&j);
	json_out_kstring(&j, "k\"ey", "v/1");
	json_out_kint(&j, "n", -3);
	json_out_end(&j);
	json_out_array(&j);
	json_out_end(&j);
	json_out_bool(&j, false);
	json_out_string(&j, NULL);
	json_out_uint(&j, 7);
	json_out_end(&j);
	json_out_kstring(&j, "last", "");
	json_out_end(&j);
	assert_int_equal(j.depth, 0);
	assert_same(&j, o);
	json_out_done(&j);
}

static void test_depth_and_bound_stop_the_writer(void **state)
{
	struct json_out j;

	(void)state;
	json_out_init(&j, 1 << 20);
	for (int i = 0; i < JSON_OUT_MAX_DEPTH; i++)
		json_out_array(&j);
	assert_int_equal(json_out_error(&j), 0);
	json_out_array(&j);
	assert_int_equal(json_out_error(&j), -ENOBUFS);
	json_out_done(&j);

	/* A close with nothing open. */
	json_out_init(&j, 64);
	json_out_end(&j);
	assert_int_equal(json_out_error(&j), -EINVAL);
	json_out_done(&j);

	/* 9 bytes and the NUL: "[1,2,3,4]" fits, not a byte more, and
	 * nothing is written past the error. */
	json_out_init(&j, 10);
	json_out_array(&j);
	for (int i = 1; i <= 4; i++)
		json_out_int(&j, i);
	json_out_end(&j);
	assert_int_equal(json_out_error(&j), 0);
	assert_string_equal(j.buf, "[1,2,3,4]");
	json_out_int(&j, 5);
	assert_int_equal(json_out_error(&j), -ENOBUFS);
	json_out_string(&j, "x");
	assert_int_equal(j.len, 9);
	assert_string_equal(j.buf, "[1,2,3,4]");
	json_out_done(&j);
}

/* A long reply sent a piece at a time: the pieces make the whole, the
 * commas across the cuts included. */
static void test_pieces_make_the_whole(void **state)
{
	struct json_out whole, part;
	char text[4096] = "";

	(void)state;
	json_out_init(&whole, 4096);
	json_out_init(&part, 4096);
	for (struct json_out *j = &whole; j; j = j == &whole ? &part : NULL) {
		json_out_object(j);
		json_out_karray(j, "items");
		for (int i = 0; i < 50; i++) {
			json_out_object(j);
			json_out_kint(j, "i", i);
			json_out_kstring(j, "s", "x");
			json_out_end(j);
			if (j == &part && i % 7 == 0) {
				strcat(text, j->buf);
				json_out_take_text(j);
				assert_int_equal(j->len, 0);
			}
		}
		json_out_end(j);
		json_out_end(j);
	}
	strcat(text, part.buf);
	assert_string_equal(text, whole.buf);
	json_object_put(parse_strict(text));
	json_out_done(&whole);
	json_out_done(&part);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_ascii_byte_as_json_c),
		cmocka_unit_test(test_utf8_passes_invalid_replaced),
		cmocka_unit_test(test_numbers_at_their_ends),
		cmocka_unit_test(test_nesting_as_json_c),
		cmocka_unit_test(test_depth_and_bound_stop_the_writer),
		cmocka_unit_test(test_pieces_make_the_whole),
	};

	return cmocka_run_group_tests_name("json_out", tests, NULL, NULL);
}
