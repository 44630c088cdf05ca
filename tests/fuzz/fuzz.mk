# SPDX-License-Identifier: MIT
# tests/fuzz/fuzz.mk: libFuzzer targets for the daemon's parsers, included
# from the Makefile.
#
#   make fuzz                   each target for FUZZ_TIME seconds (default 60)
#   make fuzz FUZZ_TIME=600     the longer run: 10 minutes per target
#   make fuzz-replay            each target once over its committed corpus
#                               (a few seconds; what `make test` runs)
#   make fuzz FUZZ_TARGETS=request    only some of them
#
# A target is tests/fuzz/fuzz_<name>.c (defining LLVMFuzzerTestOneInput),
# its seeds in tests/fuzz/corpus/<name>/, optionally a libFuzzer dictionary
# tests/fuzz/dict/<name>.dict, and ONE line below naming the daemon sources
# it needs. Those are compiled again, with clang and the sanitizers, into
# $(BUILD)/fuzz/obj/ (the daemon's own objects are gcc-built without them);
# the binary is $(BUILD)/fuzz/fuzz_<name>.
#
# `make fuzz` fuzzes a scratch copy of the corpus, $(BUILD)/fuzz/work/<name>/
# corpus, made afresh at each run: new finds go there, never into
# tests/fuzz/corpus/. A crash, leak, timeout or sanitizer report fails the
# run; the input is saved as $(BUILD)/fuzz/artifacts/<name>/crash-<sha1>
# (leak-, timeout-, ...) and the log is $(BUILD)/fuzz/work/<name>/log.
# Reproduce one with: $(BUILD)/fuzz/fuzz_<name> FILE. Inputs found by the
# fuzzer that crash go to tests/fuzz/crashes/<name>-<n> until the bug is
# fixed, then into the corpus; the checks of such known bugs only run with
# FUZZ_STRICT=1 (`make fuzz FUZZ_STRICT=1`; tests/fuzz/crashes/README).
# tests/fuzz/run.sh does the running.

FUZZ_TIME ?= 60
# Seconds one input may take before it counts as a hang (a failure too).
FUZZ_TIMEOUT ?= 10
FUZZ_CC ?= $(CLANG)
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# The Makefile's warnings, less the ones clang rejects as unknown (gcc-only,
# such as -Wimplicit-fallthrough=5): probed once, and only when a fuzz
# object is built.
fuzz_rejected_warn = $(shell echo 'int x;' | $(FUZZ_CC) -x c -fsyntax-only $(WARN) - 2>&1 \
	| sed -n "s/.*unknown warning option '\([^']*\)'.*/\1/p")
FUZZ_WARN = $(eval FUZZ_WARN := $(filter-out $(fuzz_rejected_warn),$(WARN)))$(FUZZ_WARN)
FUZZ_CFLAGS = -std=gnu17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(FUZZ_WARN) \
	-fno-common -iquote daemon -iquote include -MMD -MP

fuzz_obj_of = $(patsubst daemon/%.c,$(BUILD)/fuzz/obj/%.o,$(1))
FUZZ_TARGETS_ALL :=
# $(call fuzz_target,NAME,DAEMON SOURCES): the rules of one target.
define fuzz_target_rules
FUZZ_TARGETS_ALL += $(1)
$(BUILD)/fuzz/fuzz_$(1): $(BUILD)/fuzz/harness/fuzz_$(1).o $(call fuzz_obj_of,$(2))
	$$(if $$(filter 1,$$(V)),,@echo "  FUZZLD  $$@")
	$$(Q)$$(FUZZ_CC) $$(FUZZ_SAN) -o $$@ $$^ $$(shell pkg-config --libs $$(PKGS))
fuzz-run-$(1): $(BUILD)/fuzz/fuzz_$(1)
	$$(Q)bash tests/fuzz/run.sh fuzz $(1) $$< tests/fuzz/corpus/$(1) $$(BUILD)/fuzz $$(FUZZ_TIME) $$(FUZZ_TIMEOUT)
fuzz-replay-$(1): $(BUILD)/fuzz/fuzz_$(1)
	$$(Q)bash tests/fuzz/run.sh replay $(1) $$< tests/fuzz/corpus/$(1) $$(BUILD)/fuzz
endef
fuzz_target = $(eval $(call fuzz_target_rules,$(1),$(2)))
# The sources of a layer and of every layer below it (LAYER_DEPS_*).
fuzz_layer_src = $(foreach l,$(1) $(LAYER_DEPS_$(1)),$(LAYER_SRC_$(l)))

# ---- the targets: one line each ----
$(call fuzz_target,config,$(call fuzz_layer_src,config))
$(call fuzz_target,request,$(call fuzz_layer_src,protocol))
$(call fuzz_target,linebuf,daemon/logs/linebuf.c $(LAYER_SRC_basic))
$(call fuzz_target,http,daemon/basic/netaddr.c daemon/basic/http_status.c)
$(call fuzz_target,notify,daemon/basic/notify_msg.c daemon/basic/utf8.c)

FUZZ_TARGETS ?= $(FUZZ_TARGETS_ALL)
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS_ALL))

.PHONY: fuzz fuzz-replay fuzz-bins $(addprefix fuzz-run-,$(FUZZ_TARGETS_ALL)) \
	$(addprefix fuzz-replay-,$(FUZZ_TARGETS_ALL))

$(BUILD)/fuzz/obj/%.o: daemon/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -c $< -o $@

$(BUILD)/fuzz/harness/%.o: tests/fuzz/%.c | $(DEPS_STAMP) $(TEST_DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -c $< -o $@

fuzz-bins: $(FUZZ_BINS)

# Sequential by default (each target gets the machine); `make -j3 fuzz`
# runs them side by side. One summary line per target.
fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))
fuzz-replay: $(addprefix fuzz-replay-,$(FUZZ_TARGETS))

-include $(wildcard $(BUILD)/fuzz/obj/*/*.d $(BUILD)/fuzz/harness/*.d)
