# SPDX-License-Identifier: MIT
# ringvisor: plain `make` builds build/ringvisor; it checks the build
# libraries and tools first (scripts/check-build-deps.sh, pkg-config) and
# names the Debian packages of what is missing, never installing anything.
# `make deps` installs the build and test packages, `make bench-deps` the
# benchmark's peers (scripts/deps.sh). `make test` runs everything CI runs.

BUILD ?= build
CC ?= cc
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

# libmicrohttpd is dlopen()ed when a metrics listener is configured
# (control/mhd_lib.c): its headers only, never linked.
PKGS_LINK := liburing libcap json-c libcyaml yaml-0.1 libbpf
PKGS := $(PKGS_LINK) libmicrohttpd
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
CFLAGS := -std=gnu17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -iquote daemon -iquote include -MMD -MP
LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDSAN)
DEPS_STAMP := $(BUILD)/.build-deps-ok
TEST_DEPS_STAMP := build/.test-deps-ok

# Layers (DESIGN.md section 1, docs/design.md): one folder of daemon/ each,
# one archive each. LAYER_DEPS_x lists what layer x may use, lowest last;
# scripts/check-layers.py checks includes and calls against the same table,
# and each layer's archive is linked alone with only these below it (the
# layer link check, and every unit test), so a call upward is a link error.
# protocol is control/protocol.c alone: the one part of control the CLI uses.
LAYERS := basic kernel probe config logs policy protocol control cli
LAYER_DEPS_basic :=
LAYER_DEPS_kernel := basic
LAYER_DEPS_probe := kernel basic
LAYER_DEPS_config := basic
LAYER_DEPS_logs := config kernel basic
LAYER_DEPS_policy := logs config probe kernel basic
LAYER_DEPS_protocol := basic
LAYER_DEPS_control := protocol policy logs config probe kernel basic
LAYER_DEPS_cli := protocol basic
LAYER_SRC_protocol := daemon/control/protocol.c
LAYER_SRC_control := $(filter-out $(LAYER_SRC_protocol),$(wildcard daemon/control/*.c))
$(foreach l,basic kernel probe config logs policy cli,$(eval LAYER_SRC_$(l) := $(wildcard daemon/$(l)/*.c)))
obj_of = $(patsubst daemon/%.c,$(BUILD)/obj/%.o,$(1))
lib_of = $(addprefix $(BUILD)/lib/lib,$(addsuffix .a,$(1)))
# The archives of a layer and of everything below it, in link order.
libs_for = $(call lib_of,$(1) $(LAYER_DEPS_$(1)))

DAEMON_SRC := $(wildcard daemon/*/*.c) daemon/main.c
DAEMON_OBJ := $(call obj_of,$(DAEMON_SRC))
MAIN_LIBS := $(call lib_of,cli control protocol policy logs probe config kernel basic)

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
BPF_USERS := $(BUILD)/obj/probe/probe_bpf.o $(BUILD)/obj/probe/cgstat.o

# Unit tests: tests/test_<name>.c names its layer here (default: the layer
# of the module it is named after) and links that layer's archive and the
# ones below it, nothing above. Every test links tests/fault.c, the
# fault-injection seam: the libc calls listed in FAULT_WRAP go through it
# (-Wl,--wrap), and a test can make one of them fail (tests/fault.h).
TEST_LAYER_units := basic
TEST_LAYER_utf8 := cli
TEST_LAYER_heap := kernel
TEST_LAYER_loop := kernel
TEST_LAYER_loop_timer := kernel
TEST_LAYER_loop_write := kernel
TEST_LAYER_loop_remove := kernel
TEST_LAYER_config := config
TEST_LAYER_config_limits := config
TEST_LAYER_config_leak := config
TEST_LAYER_config_leak_rates := config
TEST_LAYER_config_metrics := config
TEST_LAYER_config_log := config
TEST_LAYER_config_defaults := config
TEST_LAYER_config_errors := config
TEST_LAYER_config_diff := config
TEST_LAYER_config_tree := config
TEST_LAYER_probe := probe
TEST_LAYER_probe_scope := probe
TEST_LAYER_cgstat := probe
TEST_LAYER_fd_kind := probe
TEST_LAYER_probe_tree := probe
TEST_LAYER_protocol := protocol
TEST_LAYER_protocol_logs := protocol
TEST_LAYER_protocol_errors := protocol
TEST_LAYER_backoff := policy
TEST_LAYER_state := policy
TEST_LAYER_instance_record := policy
TEST_LAYER_leak := policy
TEST_LAYER_leak_series := policy
TEST_LAYER_leak_corpus := policy
TEST_LAYER_leak_judge := policy
TEST_LAYER_instance_memory := policy
TEST_LAYER_instance_races := policy
TEST_LAYER_instance_faults := policy
TEST_LAYER_instance_restart := policy
TEST_LAYER_spawn_context := kernel
TEST_LAYER_spawn_vfork := kernel
TEST_LAYER_logfile := logs
TEST_LAYER_logdir := logs
TEST_LAYER_linebuf := logs
TEST_LAYER_logblock := logs
TEST_LAYER_logdirect := logs
# Libraries one test needs beyond the daemon's (TEST_LIBS_<name>), e.g. a
# real sd_notify client from libsystemd.
TEST_LIBS_notify_socket := -lsystemd
FAULT_WRAP := pipe2 fdopen fdopendir mkdirat openat write syscall inotify_add_watch fcntl socket \
	accept4 open clone3_vm
comma := ,
space := $(subst ,, )
TEST_LDFLAGS := $(addprefix -Wl$(comma)--wrap=,$(FAULT_WRAP))
# clone3_vm (kernel/clone3_vm.c) is wrapped too, but defined by the daemon,
# not libc: fault.c's weak reference to the real one pulls nothing out of an
# archive, so a test linking the kernel layer asks for it by name.
test_kernel_ldflags = $(if $(filter %/libkernel.a,$(call libs_for,$(call test_layer,$(1)))),-Wl$(comma)--undefined=clone3_vm)
TEST_NAMES := $(patsubst tests/test_%.c,%,$(wildcard tests/test_*.c))
TEST_BINS := $(patsubst %,$(BUILD)/tests/test_%,$(TEST_NAMES))

.PHONY: all deps bench-deps demo test test-suites prebuild unit integration asan bench bench-leaks-soak soak check check-layers check-sizes clean test-vm
.DELETE_ON_ERROR:
.SECONDARY:
.SECONDEXPANSION:

# Man pages from the docs (one source of truth; scripts/md2man.py, python3):
# ringvisor(8) from docs/cli.md, ringvisor.yaml(5) from docs/config.md.
MAN_PAGES := $(BUILD)/man/ringvisor.8 $(BUILD)/man/ringvisor.yaml.5
all: $(BUILD)/ringvisor $(MAN_PAGES)
$(BUILD)/man/ringvisor.8: docs/cli.md scripts/md2man.py | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  MAN     $@")
	$(Q)python3 scripts/md2man.py $< $@ ringvisor 8 "a process supervisor for dense hosts" \
		"ringvisor.yaml(5), systemctl(1), supervisorctl(1); docs/ in /usr/share/doc/ringvisor"
$(BUILD)/man/ringvisor.yaml.5: docs/config.md scripts/md2man.py | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  MAN     $@")
	$(Q)python3 scripts/md2man.py $< $@ ringvisor.yaml 5 "ringvisor configuration file" \
		"ringvisor(8); docs/ in /usr/share/doc/ringvisor"

$(DEPS_STAMP): scripts/check-build-deps.sh
	$(Q)mkdir -p $(@D)
	$(Q)bash scripts/check-build-deps.sh
	$(Q)touch $@

# The tests' packages are checked, not installed: `make deps` does that.
$(TEST_DEPS_STAMP): scripts/deps.sh
	$(Q)mkdir -p $(@D)
	$(Q)bash scripts/deps.sh --check test >&2 || { echo "run \`make deps\` as root first" >&2; exit 1; }
	$(Q)touch $@

deps:
	bash scripts/deps.sh build test

bench-deps:
	bash scripts/deps.sh bench

$(BUILD)/obj/%.o: daemon/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -c $< -o $@

$(foreach l,$(LAYERS),$(eval $(call lib_of,$(l)): $(call obj_of,$(LAYER_SRC_$(l)))))
$(BUILD)/lib/lib%.a:
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# The layer link check: each archive whole, with only the archives below it
# and a stub main. An undefined symbol here is a call to a higher layer.
$(BUILD)/layers/stub.o: | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(Q)echo 'int main(void) { return 0; }' | $(CC) -x c -c - -o $@
$(BUILD)/layers/%.ok: $(BUILD)/layers/stub.o $(BUILD)/lib/lib%.a $$(call lib_of,$$(LAYER_DEPS_$$*))
	$(if $(filter 1,$(V)),,@echo "  LAYER   $*")
	$(Q)$(CC) $(LDFLAGS) -o $(@:.ok=.bin) $< -Wl,--whole-archive $(call lib_of,$*) -Wl,--no-whole-archive \
		$(call lib_of,$(LAYER_DEPS_$*)) $(shell pkg-config --libs $(PKGS_LINK)) -lm
	$(Q)rm -f $(@:.ok=.bin) && touch $@

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
$(BUILD)/obj/probe/probe_bpf.o: $(BUILD)/bpf/leak.skel.h
$(BUILD)/obj/probe/cgstat.o: $(BUILD)/bpf/cgstat.skel.h

$(BUILD)/ringvisor: $(BUILD)/obj/main.o $(MAIN_LIBS) $(addprefix $(BUILD)/layers/,$(addsuffix .ok,$(LAYERS)))
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(MAIN_LIBS) $(shell pkg-config --libs $(PKGS_LINK)) -lm

$(BUILD)/tests/obj/%.o: tests/%.c | $(DEPS_STAMP) $(TEST_DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes $(shell pkg-config --cflags $(PKGS) cmocka) -c $< -o $@

# A test's layer: TEST_LAYER_<name>, else the folder holding daemon/*/<name>.c.
test_layer = $(or $(TEST_LAYER_$(1)),$(patsubst daemon/%/,%,$(dir $(firstword $(wildcard daemon/*/$(1).c)))))

$(BUILD)/tests/test_%: $(BUILD)/tests/obj/test_%.o $(BUILD)/tests/obj/fault.o $$(call libs_for,$$(call test_layer,$$*))
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $(TEST_LDFLAGS) $(call test_kernel_ldflags,$*) -o $@ $(filter %.o,$^) $(call libs_for,$(call test_layer,$*)) \
		$(shell pkg-config --libs $(PKGS_LINK) cmocka) -lm $(TEST_LIBS_$*)

# bench/probe_bench.c: one bpf pass vs one /proc pass (run by `make bench`).
$(BUILD)/bench/obj/%.o: bench/%.c | $(DEPS_STAMP)
	$(Q)mkdir -p $(@D)
	$(if $(filter 1,$(V)),,@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -iquote tests -Wno-missing-prototypes -c $< -o $@

# bench/leak_corpus.c: the leak verdict over the corpus of tests/leak_corpus.h.
$(BUILD)/bench/leak_corpus: $(BUILD)/bench/obj/leak_corpus.o $(call libs_for,policy)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(call libs_for,policy) $(shell pkg-config --libs $(PKGS_LINK)) -lm

# bench/leak_pattern.c: one corpus pattern as a real process (bench/leaks.sh).
$(BUILD)/bench/leak_pattern: $(BUILD)/bench/obj/leak_pattern.o $(call libs_for,policy)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(call libs_for,policy) $(shell pkg-config --libs $(PKGS_LINK)) -lm -lpthread

$(BUILD)/bench/probe_bench: $(BUILD)/bench/obj/probe_bench.o $(call libs_for,probe)
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(call libs_for,probe) $(shell pkg-config --libs $(PKGS_LINK)) -lm

# bench/spew.c, bench/logwait.c: the writer and the clock of the
# log-capture bench (bench/logs.sh).
$(BUILD)/bench/spew $(BUILD)/bench/logwait: $(BUILD)/bench/%: $(BUILD)/bench/obj/%.o
	$(if $(filter 1,$(V)),,@echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

unit: $(TEST_BINS)
	$(Q)bash tests/run-unit.sh $(TEST_BINS)

# The integration suite runs on both event backends against the built
# binary; under `make test` each test on one of them, the other in the ASan
# pass (RV_ALTERNATE, integration/run.sh).
integration: $(BUILD)/ringvisor $(MAN_PAGES) $(BUILD)/tests/test_probe | $(TEST_DEPS_STAMP)
	$(Q)RINGVISOR=$(abspath $(BUILD)/ringvisor) RV_ALTERNATE=$(RV_ALTERNATE) bash integration/run.sh

# ASan+UBSan: the same unit and integration suites against a sanitizer
# build; each integration test once, on the backend the plain pass of
# `make test` did not run it on (RV_ALTERNATE=2).
asan: | $(DEPS_STAMP) $(TEST_DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/asan SANITIZE=1 prebuild
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 RV_ALTERNATE=2 unit integration

# What the suites run, compiled with a job per CPU (`make test` and `asan`
# first build it so); the suites themselves then run one after another, as
# they time things and share the machine.
NPROC := $(shell nproc 2>/dev/null || echo 1)
prebuild: all $(TEST_BINS) $(BUILD)/tests/test_probe

# Each integration test on each backend once: plain on one, ASan on the other.
test: | $(DEPS_STAMP) $(TEST_DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) prebuild
	$(Q)$(MAKE) --no-print-directory RV_ALTERNATE=1 test-suites
test-suites: all check-layers check-sizes unit fuzz-replay integration asan test-vm test-install test-deb test-container

# The VM suite (integration/vm/): a Debian cloud kernel under qemu software
# emulation, where cgroup2 owns every controller. Installs its packages and
# fetches the kernel itself when missing.
test-vm: all | $(TEST_DEPS_STAMP)
	$(Q)RINGVISOR=$(abspath $(BUILD)/ringvisor) bash integration/vm/run.sh

demo: all
	$(Q)bash scripts/demo.sh $(BUILD)/ringvisor

bench: all $(BUILD)/bench/probe_bench $(BUILD)/bench/spew $(BUILD)/bench/logwait $(BUILD)/bench/leak_corpus $(BUILD)/bench/leak_pattern
	$(Q)bash bench/run.sh $(abspath $(BUILD)/ringvisor)
	$(Q)$(BUILD)/bench/probe_bench || [ $$? -eq 77 ]
	$(Q)$(BUILD)/bench/leak_corpus $(or $(LEAK_CORPUS_RUNS),50) 3600 5
	$(Q)bash bench/leaks.sh $(abspath $(BUILD)/ringvisor) $(abspath $(BUILD)/bench/leak_pattern)
	$(Q)bash bench/logs.sh $(abspath $(BUILD)/ringvisor) $(abspath $(BUILD)/bench)
	$(Q)bash bench/ready.sh $(abspath $(BUILD)/ringvisor)
	$(Q)bash bench/metrics.sh $(abspath $(BUILD)/ringvisor)
	$(Q)bash bench/scale.sh $(abspath $(BUILD)/ringvisor)
	$(Q)bash bench/first_spawn.sh $(abspath $(BUILD)/ringvisor)

# The leak verdicts' soak: 1000 healthy services of mixed kinds (bench/
# leaks.sh) for LEAK_SOAK_MIN minutes (60): the false verdicts, if any.
bench-leaks-soak: all $(BUILD)/bench/leak_pattern
	$(Q)BENCH_LEAKS_N=1000 BENCH_LEAKS_HEALTHY=1 BENCH_LEAKS_MIN=$(or $(LEAK_SOAK_MIN),60) \
		bash bench/leaks.sh $(abspath $(BUILD)/ringvisor) $(abspath $(BUILD)/bench/leak_pattern)

# The chaos soak (bench/soak.sh; docs/performance.md, "Chaos soak"):
# SOAK_N services (1000) for SOAK_MIN minutes (10) of SIGKILLs, operator
# commands, reloads, failing checks, log floods and one daemon SIGKILL with
# re-adoption, then the books checked; exit 1 when one does not balance.
# `make soak SOAK_MIN=60` for the hour. Not part of `make test`.
soak: all
	$(Q)SOAK_MIN=$(or $(SOAK_MIN),10) SOAK_N=$(or $(SOAK_N),1000) bash bench/soak.sh $(abspath $(BUILD)/ringvisor)

# The layering rules on the sources and the objects (scripts/check-layers.py);
# `make test` runs it first.
LAYER_ARGS = $(foreach l,$(LAYERS),$(l)=$(subst $(space),$(comma),$(strip $(LAYER_DEPS_$(l)))))
check-layers: all
	$(Q)python3 scripts/check-layers.py $(BUILD) $(LAYER_ARGS)
	$(Q)bash scripts/check-layers-selftest.sh $(BUILD) $(LAYER_ARGS)

check-sizes:
	$(Q)bash scripts/check-sizes.sh

check: all check-layers check-sizes
	$(Q)bash -n integration/*.sh integration/vm/*.sh integration/container/*.sh scripts/*.sh

clean:
	rm -rf build

# Targets kept in files of their own: mk/install.mk (make install, the
# systemd unit, the .deb), mk/container.mk (the OCI container tests).
include $(wildcard mk/*.mk)

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/*/*.d $(BUILD)/tests/obj/*.d $(BUILD)/bench/obj/*.d)
include tests/fuzz/fuzz.mk
