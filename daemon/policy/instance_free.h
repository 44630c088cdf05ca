/* SPDX-License-Identifier: MIT */
/*
 * instance_free.h: the end of an instance's record.
 */
#pragma once

#include "policy/instance.h"

/* Kills what is left (only at teardown), releases everything. NULL: no-op. */
void instance_free(struct instance *inst);
