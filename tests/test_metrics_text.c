/* SPDX-License-Identifier: MIT */
/*
 * test_metrics_text.c: the Prometheus text writer (control/metrics_text.c):
 * label values and HELP text escaped as format 0.0.4 says, invalid UTF-8
 * replaced, integers and fixed-point values exact at their limits, the
 * JSON escaping of the reply line, and the bound: past it nothing more is
 * written and the overflow is said. The JSON mode (the text written
 * escaped as it goes) must write exactly what escaping the plain text
 * afterwards writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/metrics_text.h"

/* What one call writes into a fresh writer. */
#define WRITES(want, call) do {                         \
	struct mtext t;                                 \
	mtext_init(&t, 1 << 20);                        \
	call;                                           \
	assert_false(t.overflow);                       \
	assert_string_equal(t.buf, (want));             \
	assert_int_equal(t.len, strlen(want));          \
	mtext_done(&t);                                 \
} while (0)

static void test_label_escaping(void **state)
{
	(void)state;
	WRITES("web-1_a", mtext_escape_label(&t, "web-1_a", 7));
	WRITES("a\\\\b", mtext_escape_label(&t, "a\\b", 3));
	WRITES("say \\\"hi\\\"", mtext_escape_label(&t, "say \"hi\"", 8));
	WRITES("two\\nlines", mtext_escape_label(&t, "two\nlines", 9));
	WRITES("tab\tstays", mtext_escape_label(&t, "tab\tstays", 9));
	/* Valid UTF-8 passes, each invalid byte becomes U+FFFD. */
	WRITES("caf\xc3\xa9", mtext_escape_label(&t, "caf\xc3\xa9", 5));
	WRITES("x\xef\xbf\xbdy", mtext_escape_label(&t, "x\xffy", 3));
	WRITES("\xef\xbf\xbd\\\"", mtext_escape_label(&t, "\xc3\"", 2));   /* a cut sequence */
}

static void test_help_escaping(void **state)
{
	(void)state;
	/* HELP escapes backslash and newline, not the quote. */
	WRITES("a \"b\" \\\\ c\\nd", mtext_escape_help(&t, "a \"b\" \\ c\nd", 11));
}

static void test_json_escaping(void **state)
{
	(void)state;
	WRITES("x{a=\\\"1\\\"} 2\\n", mtext_escape_json(&t, "x{a=\"1\"} 2\n", 11));
	WRITES("\\\\\\u0009\\u001f/\xc3\xa9", mtext_escape_json(&t, "\\\t\x1f/\xc3\xa9", 6));
}

static void test_family_and_samples(void **state)
{
	(void)state;
	WRITES("# HELP m_total Things\\\\done.\n# TYPE m_total counter\n",
	       mtext_family(&t, "m_total", "counter", "Things\\done."));
	WRITES("m 7\n", (mtext_sample(&t, "m"), mtext_value_u64(&t, 7)));
	WRITES("m{a=\"x\\\"y\",i=\"12\"} 0\n",
	       (mtext_sample(&t, "m"), mtext_label(&t, "a", "x\"y"), mtext_label_u64(&t, "i", 12),
		mtext_value_u64(&t, 0)));
	/* A second sample starts its own label set. */
	WRITES("m{a=\"1\"} 1\nm 2\n",
	       (mtext_sample(&t, "m"), mtext_label(&t, "a", "1"), mtext_value_u64(&t, 1),
		mtext_sample(&t, "m"), mtext_value_u64(&t, 2)));
}

static void test_values(void **state)
{
	(void)state;
	WRITES("m 0\n", (mtext_sample(&t, "m"), mtext_value_u64(&t, 0)));
	WRITES("m 0.000000\n", (mtext_sample(&t, "m"), mtext_value_fixed(&t, 0, 6)));
	WRITES("m{i=\"18446744073709551615\"} 0\n",
	       (mtext_sample(&t, "m"), mtext_label_u64(&t, "i", UINT64_MAX), mtext_value_i64(&t, 0)));
	WRITES("m 18446744073709551615\n", (mtext_sample(&t, "m"), mtext_value_u64(&t, UINT64_MAX)));
	WRITES("m -9223372036854775808\n", (mtext_sample(&t, "m"), mtext_value_i64(&t, INT64_MIN)));
	WRITES("m -1\n", (mtext_sample(&t, "m"), mtext_value_i64(&t, -1)));
	WRITES("m 0.000001\n", (mtext_sample(&t, "m"), mtext_value_fixed(&t, 1, 6)));
	WRITES("m 12.345678\n", (mtext_sample(&t, "m"), mtext_value_fixed(&t, 12345678, 6)));
	WRITES("m 1796621171.940\n", (mtext_sample(&t, "m"), mtext_value_fixed(&t, 1796621171940ULL, 3)));
	WRITES("m 18446744073.709551615\n", (mtext_sample(&t, "m"), mtext_value_fixed(&t, UINT64_MAX, 9)));
	WRITES("m 5\n", (mtext_sample(&t, "m"), mtext_value_fixed(&t, 5, 0)));
}

/* The same calls in both modes: the plain text, then the JSON mode's. */
static void both_modes(void (*calls)(struct mtext *t), struct mtext *plain, struct mtext *json)
{
	mtext_init(plain, 1 << 20);
	mtext_init(json, 1 << 20);
	json->json = true;
	calls(plain);
	calls(json);
	assert_false(plain->overflow);
	assert_false(json->overflow);
}

static void tricky(struct mtext *t)
{
	mtext_family(t, "m_total", "counter", "A \"quoted\" help\\with\nlines.");
	mtext_sample(t, "m_total");
	mtext_label(t, "path", "/a \"b\" \\c\nd\te\x01\xff\xc3\xa9");
	mtext_label_u64(t, "index", 0);
	mtext_value_u64(t, UINT64_MAX);
	mtext_sample(t, "m_total");
	/* A label set is written in the writer's mode. */
	if (t->json)
		mtext_label_set(t, "service=\\\"web\\\",index=\\\"1\\\"", 27);
	else
		mtext_label_set(t, "service=\"web\",index=\"1\"", 23);
	mtext_label(t, "kind", "plain");
	mtext_value_fixed(t, 1234567, 6);
	mtext_sample(t, "m_total");
	mtext_value_i64(t, INT64_MIN);
}

static void test_json_mode(void **state)
{
	struct mtext plain, json, want;
	(void)state;

	both_modes(tricky, &plain, &json);
	mtext_init(&want, 1 << 20);
	mtext_escape_json(&want, plain.buf, plain.len);
	assert_string_equal(json.buf, want.buf);
	assert_int_equal(json.len, want.len);
	/* The plain text itself, as the format has it. */
	assert_string_equal(plain.buf,
			    "# HELP m_total A \"quoted\" help\\\\with\\nlines.\n# TYPE m_total counter\n"
			    "m_total{path=\"/a \\\"b\\\" \\\\c\\nd\te\x01\xef\xbf\xbd\xc3\xa9\",index=\"0\"} "
			    "18446744073709551615\n"
			    "m_total{service=\"web\",index=\"1\",kind=\"plain\"} 1.234567\n"
			    "m_total -9223372036854775808\n");
	mtext_done(&plain);
	mtext_done(&json);
	mtext_done(&want);
}

/* A label set put on a sample that has labels already, and on one that
 * has none. */
static void test_label_set(void **state)
{
	(void)state;
	WRITES("m{a=\"1\",s=\"x\"} 0\n", (mtext_sample(&t, "m"), mtext_label_set(&t, "a=\"1\"", 5),
					  mtext_label(&t, "s", "x"), mtext_value_u64(&t, 0)));
	WRITES("m{s=\"x\",a=\"1\"} 0\n", (mtext_sample(&t, "m"), mtext_label(&t, "s", "x"),
					  mtext_label_set(&t, "a=\"1\"", 5), mtext_value_u64(&t, 0)));
}

/* The bound: what fits is written whole, the rest not at all, and the
 * writer says so; the buffer never grows past it. */
static void test_bound(void **state)
{
	struct mtext t;
	(void)state;

	mtext_init(&t, 16);
	mtext_raw(&t, "0123456789", 10);
	assert_false(t.overflow);
	mtext_raw(&t, "abcdef", 6);   /* 16 + NUL > 16 */
	assert_true(t.overflow);
	assert_int_equal(t.len, 10);
	assert_string_equal(t.buf, "0123456789");
	mtext_raw(&t, "a", 1);        /* nothing after an overflow */
	assert_int_equal(t.len, 10);
	assert_true(t.cap <= 16);
	mtext_done(&t);

	/* Many samples: grown by doubling, every byte kept. */
	mtext_init(&t, 1 << 20);
	for (int i = 0; i < 10000; i++) {
		mtext_sample(&t, "m");
		mtext_label_u64(&t, "i", (uint64_t)i);
		mtext_value_u64(&t, (uint64_t)i);
	}
	assert_false(t.overflow);
	assert_memory_equal(t.buf + t.len - 17, "m{i=\"9999\"} 9999\n", 17);
	mtext_done(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_help_escaping),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_json_mode),
		cmocka_unit_test(test_label_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
