# SPDX-License-Identifier: MIT
# ringvisor: plain `make` builds build/ringvisor. `make test` runs everything
# CI runs. Every target first makes sure the Debian packages are there
# (scripts/deps.sh), installing them only when something is missing.

BUILD ?= build
CC ?= cc
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

PKGS := liburing libcap json-c libcyaml libbpf
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wwrite-strings -Wpointer-arith -Wimplicit-fallthrough=5 \
	-Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
	-Werror=int-conversion -Werror=return-type -Wformat=2 -Wno-format-nonliteral \
	-Wno-missing-field-initializers
HARDEN := -fno-common -fstack-protector-strong -fstack-clash-protection -fPIE
ifeq ($(SANITIZE),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDSAN := -fsanitize=address,undefined
else
OPT := -O2 -g -D_FORTIFY_SOURCE=3
LDSAN :=
endif
CFLAGS := -std=gnu17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Idaemon -Iinclude -MMD -MP
LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDSAN)
DEPS_STAMP := build/.deps-ok

DAEMON_SRC := $(wildcard daemon/*.c)
DAEMON_OBJ := $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(DAEMON_SRC))

# BPF (libbpf-bootstrap's pipeline): bpf/%.bpf.c -> $(BUILD)/bpf/%.bpf.o
# (clang -target bpf, CO-RE, DWARF stripped) -> $(BUILD)/bpf/%.skel.h
# (bpftool gen skeleton), included by the daemon objects listed in BPF_USERS.
# vmlinux.h comes from the running kernel's BTF when there is one, else from
# the copy in bpf/ (CO-RE relocates either at load time).
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
BTF_VMLINUX ?= /sys/kernel/btf/vmlinux
BPF_ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/;s/riscv64/riscv/')
# clang -target bpf does not search the host's multiarch include dirs.
CLANG_BPF_SYS_INCLUDES = $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(BUILD)/bpf -Iinclude
BPF_USERS := $(BUILD)/obj/probe_bpf.o
PROBE_MODULES := probe probe_bpf probe_procfs log

# Unit tests: tests/test_<name>.c links only the modules listed here, so one
# module's test never waits for an unrelated module to build.
TEST_MODULES_units := units
TEST_MODULES_config := config config_yaml config_rewrite config_schema config_validate config_limits config_leak config_log config_resolve units log
TEST_MODULES_config_limits := config config_yaml config_rewrite config_schema config_validate config_limits config_leak config_log config_resolve units log
TEST_MODULES_config_leak := config config_yaml config_rewrite config_schema config_validate config_limits config_leak config_log config_resolve units log
TEST_MODULES_config_log := config config_yaml config_rewrite config_schema config_validate config_limits config_leak config_log config_resolve units log
TEST_MODULES_heap := heap
TEST_MODULES_loop := loop loop_uring loop_epoll heap log
TEST_MODULES_loop_timer := loop loop_uring loop_epoll heap log
TEST_MODULES_loop_write := loop loop_uring loop_epoll heap log
TEST_MODULES_backoff := backoff
TEST_MODULES_state := state
TEST_MODULES_probe := $(PROBE_MODULES)
TEST_MODULES_protocol := protocol units
TEST_MODULES_protocol_logs := protocol units
TEST_MODULES_leak := leak
TEST_MODULES_logfile := logfile
TEST_MODULES_linebuf := linebuf
TEST_NAMES := $(patsubst tests/test_%.c,%,$(wildcard tests/test_*.c))
TEST_BINS := $(patsubst %,$(BUILD)/tests/test_%,$(TEST_NAMES))

.PHONY: all deps demo test unit integration asan bench check clean test-vm
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/ringvisor

$(DEPS_STAMP): scripts/deps.sh
	$(Q)mkdir -p $(@D)
	$(Q)bash scripts/deps.sh --check >/dev/null 2>&1 || bash scripts/deps.sh
	$(Q)touch $@

deps:
	bash scripts/deps.sh

$(BUILD)/obj/%.o: daemon/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -c $< -o $@

$(BUILD)/bpf/vmlinux.h: $(wildcard $(BTF_VMLINUX)) bpf/vmlinux.h | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  GEN     $@")
	$(Q)if [ -r $(BTF_VMLINUX) ] && $(BPFTOOL) btf dump file $(BTF_VMLINUX) format c >$@.tmp; \
	then mv $@.tmp $@; else rm -f $@.tmp; cp bpf/vmlinux.h $@; fi

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c include/rv_probe.h $(BUILD)/bpf/vmlinux.h | $(DEPS_STAMP)
	$(if $(filter 1,$(V)),,@echo "  BPF     $<")
	$(Q)$(CLANG) $(BPF_CFLAGS) $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(if $(filter 1,$(V)),,@echo "  SKEL    $@")
	$(Q)$(BPFTOOL) gen skeleton $< >$@

$(BPF_USERS): CFLAGS += -I$(BUILD)/bpf
$(BPF_USERS): $(BUILD)/bpf/leak.skel.h

$(BUILD)/ringvisor: $(DAEMON_OBJ)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS))

$(BUILD)/tests/obj/%.o: tests/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes $(shell pkg-config --cflags $(PKGS) cmocka) -c $< -o $@

.SECONDEXPANSION:
$(BUILD)/tests/test_%: $(BUILD)/tests/obj/test_%.o $$(addprefix $(BUILD)/obj/,$$(addsuffix .o,$$(TEST_MODULES_$$*)))
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS) cmocka)

# bench/probe_bench.c: one bpf pass vs one /proc pass (run by `make bench`).
$(BUILD)/bench/obj/%.o: bench/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes -c $< -o $@

$(BUILD)/bench/probe_bench: $(BUILD)/bench/obj/probe_bench.o $(addprefix $(BUILD)/obj/,$(addsuffix .o,$(PROBE_MODULES)))
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS))

# bench/spew.c, bench/logwait.c: the writer and the clock of the
# log-capture bench (bench/logs.sh).
$(BUILD)/bench/spew $(BUILD)/bench/logwait: $(BUILD)/bench/%: $(BUILD)/bench/obj/%.o
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

unit: $(TEST_BINS)
	$(Q)bash tests/run-unit.sh $(TEST_BINS)

# The integration suite runs on both event backends against the built binary.
integration: $(BUILD)/ringvisor $(BUILD)/tests/test_probe
	$(Q)RINGVISOR=$(abspath $(BUILD)/ringvisor) bash integration/run.sh

# ASan+UBSan: the same unit and integration suites against a sanitizer build.
asan: | $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 unit integration

test: all unit integration asan test-vm

# The VM suite (integration/vm/): a Debian cloud kernel under qemu software
# emulation, where cgroup2 owns every controller. Installs its packages and
# fetches the kernel itself when missing.
test-vm: all
	$(Q)RINGVISOR=$(abspath $(BUILD)/ringvisor) bash integration/vm/run.sh

demo: all
	$(Q)bash scripts/demo.sh $(BUILD)/ringvisor

bench: all $(BUILD)/bench/probe_bench $(BUILD)/bench/spew $(BUILD)/bench/logwait
	$(Q)bash bench/run.sh $(abspath $(BUILD)/ringvisor)
	$(Q)$(BUILD)/bench/probe_bench || [ $$? -eq 77 ]
	$(Q)bash bench/logs.sh $(abspath $(BUILD)/ringvisor) $(abspath $(BUILD)/bench)

check: all
	$(Q)bash scripts/check-sizes.sh
	$(Q)bash -n integration/*.sh integration/vm/*.sh scripts/*.sh

clean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/obj/*.d $(BUILD)/bench/obj/*.d)
