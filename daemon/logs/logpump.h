/* SPDX-License-Identifier: MIT */
/*
 * logpump.h: the data path of one stream, from its pipe through the ring
 * and the framer to the file, the tail, the followers and the forward sink
 * (see logstream.h for the picture).
 */
#pragma once

#include <stdbool.h>

#include "logs/logstream.h"

void logpump_attach(struct logstream *s);    /* timers, and watch the pipe */
void logpump_detach(struct logstream *s);
void logpump_drain(struct logstream *s);     /* read what is left, write it out */
bool logpump_pending(const struct logstream *s);   /* bytes still on their way */
/* Rotates the stream's file now (after a write in flight, if one is):
 * -ENOENT when it has no file, or logfile_rotate's error. */
int logpump_rotate(struct logstream *s);

