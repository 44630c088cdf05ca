/* SPDX-License-Identifier: MIT */
/*
 * test_instance_faults.c: what an instance does when the kernel refuses a
 * start (issue 12, "fault injection"): clone3 failing with ENOMEM, EAGAIN
 * (RLIMIT_NPROC, pids.max) or the error pipe's pipe2 with EMFILE. Each is
 * one failed start with a cause that names it, through the restart policy
 * (backoff, never a tight loop), with no fd left behind; once the fault
 * goes away the next retry runs the service. Real processes on a real loop,
 * the faults through the link-time seam (tests/fault.h).
 */
#include "policy_test_util.h"

#define SLEEPER "  web:\n    command: [/bin/sleep, \"30\"]\n" \
		"    restart: {backoff_initial: 100ms, backoff_max: 100ms}\n"

static void refused_then_recovers(struct fixture *fx, enum fault_call call, int err, const char *cause)
{
	struct instance *inst = fx_instance(fx, fx_load(fx, SLEEPER), 0);
	int fds = fault_count_fds();

	if (fx->rt.spawn_method == SPAWN_FORK && call == FAULT_CLONE3)
		skip();   /* said: this kernel refuses clone3, the fork path has no clone3 to fail */
	fault_arm(call, NULL, 0, 2, err);   /* the start and the first retry */
	instance_event(inst, EV_START, "test");
	assert_string_equal(STATE(inst), "backoff");
	assert_false(pidref_is_set(&inst->pid));
	assert_int_equal(fx->rt.live_processes, 0);
	assert_string_equal(inst->last_exit.cause, cause);
	/* Nothing half-made is kept; the instance's cgroup (with cgroups) is
	 * its own for its whole life, kept for the retry. */
	assert_int_equal(fault_count_fds(), fds + (inst->cg.fd >= 0));
	assert_true(loop_timer_armed(&inst->timer));       /* a delay, not a loop */

	/* The second attempt fails too, after its delay; the third runs. */
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
	assert_int_equal(fault_hits(call), 2);
	assert_int_equal(inst->restarts, 2);
	assert_int_equal(fx->rt.live_processes, 1);
}

static void test_clone3_enomem(void **state)
{
	refused_then_recovers(fx_get(state), FAULT_CLONE3, ENOMEM, "spawn: Cannot allocate memory");
}

static void test_clone3_eagain(void **state)
{
	refused_then_recovers(fx_get(state), FAULT_CLONE3, EAGAIN, "spawn: Resource temporarily unavailable");
}

static void test_pipe2_emfile(void **state)
{
	refused_then_recovers(fx_get(state), FAULT_PIPE2, EMFILE, "spawn: Too many open files");
}

#define T(f, e) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_clone3_enomem, env_uring_cg),
		T(test_clone3_eagain, env_epoll),
		T(test_pipe2_emfile, env_uring),
		T(test_pipe2_emfile, env_epoll_cg),
	};
	return cmocka_run_group_tests_name("instance faults", tests, NULL, NULL);
}
