/* SPDX-License-Identifier: MIT */
/*
 * test_instance_races.c: a stop wins over what happens while it is under
 * way (issue 12, finding 5), by the transition table's inputs:
 *  - a stop that arrives after a crash, while the crash's leftovers are
 *    being killed (the instance waits for populated 0), ends in stopped,
 *    not in a restart;
 *  - a violation whose policy is restart, arriving during a stop, does not
 *    turn the stop into a restart;
 *  - a start during that stop still starts it again once stopped;
 *  - without a watch on cgroup.events (inotify exhausted) the end of the
 *    leftovers is still seen (finding 8).
 * Real processes on a real loop, in a cgroup root of the test's own.
 */
#include "policy_test_util.h"

/* The main process exits 3 and leaves a grandchild in its own session
 * (out of reach of the process-group kill): only cgroup.kill ends it. The
 * pause lets the grandchild leave the group before the main one exits. */
#define LEAVER "  web:\n    command: [/bin/sh, -c, \"setsid sleep 1000 & sleep 0.3; exit 3\"]\n" \
	       "    restart: {policy: always, backoff_initial: 10ms, backoff_max: 10ms}\n"
/* Ignores SIGTERM, so a stop waits its grace time. */
#define STUBBORN "  web:\n    command: [/bin/sh, -c, \"trap '' TERM; while :; do sleep 1; done\"]\n" \
		 "    stop: {timeout: 10s}\n    on_violation: {pids: restart}\n"

/* A crash leaves a tree; cgroup.kill is refused for now (the fault seam),
 * so the instance stays stopping, waiting for populated 0. */
static struct instance *crashed_and_draining(struct fixture *fx)
{
	struct instance *inst = fx_instance(fx, fx_load(fx, LEAVER), 0);

	fault_arm(FAULT_OPENAT, "cgroup.kill", 0, 0, EACCES);
	instance_event(inst, EV_START, "test");
	assert_true(RUN_UNTIL(fx->loop, inst->awaiting_empty, 5000));
	assert_int_equal(inst->state, STATE_STOPPING);
	assert_int_equal(instance_cgroup_populated(&inst->cg), 1);
	return inst;
}

/* The kill works again: the leftovers go, cgroup.events says so. */
static void let_tree_go(struct instance *inst)
{
	fault_reset();
	assert_int_equal(cgroup_kill(inst->cg.fd, true), 0);
}

static void test_stop_while_leftovers_die(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = crashed_and_draining(fx);

	instance_event(inst, EV_STOP, "operator");
	let_tree_go(inst);
	assert_state_within(fx, inst, STATE_STOPPED, 5000);
	run_loop_for(fx->loop, 100);   /* and it stays there: no backoff, no restart */
	assert_int_equal(inst->state, STATE_STOPPED);
	assert_false(pidref_is_set(&inst->pid));
	assert_string_equal(inst->last_exit.cause, "exited");
	assert_int_equal(inst->last_exit.code, 3);
}

/* Without the stop, the same crash is judged by its restart policy. */
static void test_crash_with_leftovers_restarts(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = crashed_and_draining(fx);

	let_tree_go(inst);
	assert_true(RUN_UNTIL(fx->loop, inst->state == STATE_BACKOFF || inst->restarts > 0, 5000));
}

/* A start during that stop is the operator's last word: it starts again. */
static void test_start_while_leftovers_die(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = crashed_and_draining(fx);

	instance_event(inst, EV_STOP, "operator");
	instance_event(inst, EV_START, "operator");
	fault_arm(FAULT_OPENAT, "cgroup.kill", 0, 0, EACCES);   /* keep the next run's tree too */
	let_tree_go(inst);
	assert_true(RUN_UNTIL(fx->loop, inst->started_ns && inst->state != STATE_STOPPED &&
					inst->last_exit.code == 3 && inst->restarts == 0 &&
					(inst->state == STATE_STARTING || inst->state == STATE_RUNNING ||
					 inst->awaiting_empty), 5000));
	fault_reset();
}

static void test_violation_during_stop(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, STUBBORN), 0);

	fx_start_running(fx, inst);
	pid_t pid = inst->pid.pid;
	instance_event(inst, EV_STOP, "operator");
	assert_int_equal(inst->state, STATE_STOPPING);
	instance_violation(inst, VIOLATION_PIDS_MAX);   /* policy: restart */
	assert_int_equal(inst->violations[VIOLATION_PIDS_MAX], 1);
	instance_kill(inst);                            /* the grace time, shortened */
	assert_state_within(fx, inst, STATE_STOPPED, 5000);
	run_loop_for(fx->loop, 200);
	assert_int_equal(inst->state, STATE_STOPPED);
	assert_false(pidref_is_set(&inst->pid));
	assert_true(reaped(pid));
}

/* inotify refused the watch on cgroup.events (its limit reached): a crash
 * whose leftovers are killed must still be seen to end, not wait in
 * stopping for an event that cannot come. */
static void test_drain_without_watch(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, LEAVER), 0);

	fault_arm(FAULT_INOTIFY_ADD_WATCH, "cgroup.events", 0, 0, ENOSPC);
	fault_arm(FAULT_OPENAT, "cgroup.kill", 0, 0, EACCES);
	instance_event(inst, EV_START, "test");
	assert_true(RUN_UNTIL(fx->loop, inst->awaiting_empty, 5000));
	assert_int_equal(inst->cg.wd_events, -1);
	let_tree_go(inst);
	assert_true(RUN_UNTIL(fx->loop, inst->state == STATE_BACKOFF || inst->restarts > 0, 5000));
	assert_false(inst->awaiting_empty);
}

static void nothing(struct loop *l, void *userdata)
{
	(void)l, (void)userdata;
}

/* The timer table is full (issue 12, finding 10): a crash cannot be given
 * its restart delay. It fails (until `start`) instead of waiting in backoff
 * for a timer that was never armed, or restarting at full speed. */
static void test_no_timer_for_backoff(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, "  web:\n    command: [/bin/sleep, \"30\"]\n"), 0);
	static struct loop_timer fill[1024];
	size_t n = 0;

	fx_start_running(fx, inst);
	for (; n < ELEMENTSOF(fill); n++) {
		loop_timer_init(&fill[n], nothing, NULL);
		if (loop_timer_start(fx->loop, &fill[n], now_ns() + 3600 * NSEC_PER_SEC) < 0)
			break;
	}
	assert_true(n > 0 && n < ELEMENTSOF(fill));   /* the table is full */
	loop_timer_stop(fx->loop, &fill[--n]);        /* but for RUN_UNTIL's own timer */
	assert_int_equal(instance_signal(inst, SIGKILL), 0);
	assert_true(RUN_UNTIL(fx->loop, inst->state != STATE_RUNNING && inst->state != STATE_STOPPING, 5000));
	assert_string_equal(STATE(inst), "failed");
	for (size_t i = 0; i < n; i++)
		loop_timer_stop(fx->loop, &fill[i]);
	instance_event(inst, EV_START, "operator");   /* and `start` brings it back */
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
}

#define T(f, e) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stop_while_leftovers_die, env_uring_cg), T(test_stop_while_leftovers_die, env_epoll_cg),
		T(test_crash_with_leftovers_restarts, env_epoll_cg),
		T(test_start_while_leftovers_die, env_epoll_cg),
		T(test_drain_without_watch, env_uring_cg),
		T(test_no_timer_for_backoff, env_epoll),
		T(test_violation_during_stop, env_uring_cg), T(test_violation_during_stop, env_epoll),
	};
	return cmocka_run_group_tests_name("instance races", tests, NULL, NULL);
}
