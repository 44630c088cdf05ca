/* SPDX-License-Identifier: MIT */
/*
 * metrics.h: the `metrics` reply (docs/metrics.md): the daemon's state as
 * Prometheus text (format 0.0.4), built with metrics_text.h. The families
 * of each instance are metrics_instance.c's.
 */
#pragma once

#include "control/control.h"
#include "control/metrics_text.h"
#include "policy/supervisor.h"

/* The text is bounded so that its JSON line (at most twice as long: every
 * byte needing an escape is a quote, backslash or newline, except control
 * characters in a label value) fits in one client's reply queue
 * (CONTROL_MAX_REPLY, 16 MiB): ~2.4 KiB per instance with leak sampling,
 * some 3000 instances. */
#define METRICS_MAX_TEXT (7U << 20)
#define METRICS_MAX_REPLY (CONTROL_MAX_REPLY - 1)   /* client_queue adds the newline */

/* Every family into t; t->overflow when it did not fit. */
void metrics_text(struct supervisor *s, struct mtext *t);
/* The reply line {"ok":true,"text":"..."} (without its newline) into out,
 * initialised here; out->overflow when the text was too large. */
void metrics_reply_line(struct supervisor *s, struct mtext *out);
