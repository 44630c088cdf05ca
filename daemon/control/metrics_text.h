/* SPDX-License-Identifier: MIT */
/*
 * metrics_text.h: a writer of the Prometheus text exposition format 0.0.4
 * into one growing buffer, bounded at a size fixed by its owner: a family
 * is its HELP and TYPE lines, then its samples, each written as
 * name{label="value",...} value. Label values and HELP text are escaped as
 * the format says; a byte sequence that is not UTF-8 becomes U+FFFD. Past
 * the bound nothing more is written and `overflow` is set: the caller
 * refuses the reply rather than send a cut text.
 *
 * No allocation per sample: the metrics of 1000 instances are ~32 000
 * samples, and a json-c object each would cost more than the text.
 *
 * With `json` set, the text is written as the body of a JSON string as it
 * goes (the control socket's reply line): its quotes, backslashes,
 * newlines and control characters come out escaped, in the same pass, so
 * the text is never written twice. mtext_raw() writes its bytes as they
 * are in either mode (the line's own JSON around the string).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mtext {
	char *buf;
	size_t len, cap, max;
	bool overflow;               /* something did not fit in max, or no memory */
	bool in_labels;              /* a sample's '{' is open */
	bool json;                   /* write the text escaped as a JSON string body */
};

void mtext_init(struct mtext *t, size_t max);
/* Room for n bytes at once (at most max): a writer that knows its size
 * about avoids the copies of growing. false when out of memory. */
bool mtext_reserve(struct mtext *t, size_t n);
void mtext_done(struct mtext *t);

void mtext_raw(struct mtext *t, const char *s, size_t n);
/* # HELP name help \n # TYPE name type \n ("counter", "gauge"). */
void mtext_family(struct mtext *t, const char *name, const char *type, const char *help);
/* A sample: its name, then any labels, then exactly one value, which ends
 * the line. */
void mtext_sample(struct mtext *t, const char *name);
void mtext_label(struct mtext *t, const char *key, const char *value);
void mtext_label_u64(struct mtext *t, const char *key, uint64_t value);
/* Labels written once and put on many samples (an instance's service and
 * index): as mtext_label() wrote them in the same mode, without the '{'. */
void mtext_label_set(struct mtext *t, const char *labels, size_t n);
void mtext_value_u64(struct mtext *t, uint64_t v);
void mtext_value_i64(struct mtext *t, int64_t v);
/* v / 10^digits as a decimal (digits 0..9): microseconds as seconds with
 * digits 6, exactly, without a double's rounding. */
void mtext_value_fixed(struct mtext *t, uint64_t v, unsigned digits);

/* Escapes for the format: a label value (\\, \", \n) and HELP text (\\, \n). */
void mtext_escape_label(struct mtext *t, const char *s, size_t n);
void mtext_escape_help(struct mtext *t, const char *s, size_t n);
/* s[0..n) as the body of a JSON string (without the quotes). */
void mtext_escape_json(struct mtext *t, const char *s, size_t n);
