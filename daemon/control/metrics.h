/* SPDX-License-Identifier: MIT */
/*
 * metrics.h: the `metrics` reply (docs/metrics.md): the daemon's state as
 * Prometheus text (format 0.0.4), built with metrics_text.h. The families
 * of each instance are metrics_instance.c's.
 */
#pragma once

#include "control/control.h"
#include "control/metrics_instance.h"
#include "control/metrics_text.h"
#include "policy/supervisor.h"

/* Bounds, explicit both ways (docs/metrics.md): the bare text (an HTTP
 * listener's) and the control socket's reply line, the text as a JSON
 * string (at most twice as long: every byte needing an escape is a quote,
 * backslash or newline, except control characters in a label value; in
 * practice ~10% longer). About 2.4 KiB of text per instance with leak
 * sampling on: 10 000 instances are ~24 MiB, ~26 MiB as a reply line.
 * The control socket's other replies keep CONTROL_MAX_REPLY. */
#define METRICS_MAX_TEXT (32U << 20)
#define METRICS_MAX_REPLY (40U << 20)
/* A text buffer larger than this is not kept for the next scrape. */
#define METRICS_KEEP_MAX METRICS_MAX_REPLY

/*
 * What one scrape keeps for the next, so that the next writes into pages
 * already mapped: a fresh buffer of megabytes costs a page fault per 4 KiB
 * (~11 us each on the build VM: 7 ms for 2.5 MB, more than writing the
 * text). The per-instance table and labels stay with the store; the text
 * buffer is lent: the caller owns it until it gives it back with
 * metrics_store_put() (the control socket's client, once the reply is
 * sent), and a scrape while it is out writes into a new one. Bounded: one
 * kept buffer of each, none larger than METRICS_KEEP_MAX.
 */
struct metrics_store {
	struct metrics_inst *m;      /* one per instance, m_cap of them */
	size_t m_cap;
	struct mtext labels;         /* each instance's labels (metrics_inst) */
	char *spare;                 /* a text buffer given back, or NULL */
	size_t spare_cap;
};

void metrics_store_done(struct metrics_store *st);
/* Takes buf (malloc'd, cap bytes) back for the next scrape, or frees it. */
void metrics_store_put(struct metrics_store *st, char *buf, size_t cap);

/* Every family into t (mtext_init'ed by the caller, with its bound);
 * t->overflow when it did not fit. Keeps nothing from call to call. */
void metrics_text(struct supervisor *s, struct mtext *t);
/* The same with st's buffers: t, when it has no buffer yet, gets st's
 * spare one; give it back with metrics_store_put(st, t->buf, t->cap). */
void metrics_text_store(struct metrics_store *st, struct supervisor *s, struct mtext *t);
/* The reply line {"ok":true,"text":"..."} (without its newline) into out,
 * initialised here with st's spare buffer, the text written as a JSON
 * string in the same pass; out->overflow when it was too large. */
void metrics_reply_line(struct metrics_store *st, struct supervisor *s, struct mtext *out);
