# mk/container.mk: ringvisor as PID 1 of a real OCI container.
#
# `make test-container` builds a minimal root from $(BUILD)/ringvisor (it,
# the libraries ldd lists, a static busybox) and runs it under podman with
# runc, as `ringvisor run -c /etc/ringvisor.yaml`, under the default seccomp
# profile and under one that also refuses clone3: services start, a killed
# service restarts, orphans are reaped, `podman stop` ends it in time with
# code 0, on_exit: shutdown's code is the container's, inherit_env passes
# `podman run -e`, status says why there are no cgroups and that io_uring
# is refused; and an image built from examples/Dockerfile. Where podman
# cannot run a container it says why and runs the same checks with
# unshare + seccomp-deny instead. integration/container/run.sh says more;
# docs/deploy-container.md is the guide. Needs podman, runc (apt-get install
# --no-install-recommends podman runc), busybox-static, jq, python3.
# Exit 77 is a skip the script has said why (no podman, no unshare).
.PHONY: test-container
test-container: $(BUILD)/ringvisor
	$(Q)RINGVISOR=$(abspath $(BUILD)/ringvisor) bash integration/container/run.sh || [ $$? -eq 77 ]
