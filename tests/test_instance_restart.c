/* SPDX-License-Identifier: MIT */
/*
 * test_instance_restart.c: what a restart costs the loop (issue 18, restart
 * p50 against the vfork floor).
 *  - with no backoff delay the replacement is spawned in the same loop turn
 *    as the exit it replaces: no timer, no second kernel wait (the rt.changed
 *    hook notes loop_wakeups() at each state; backoff and starting share
 *    one);
 *  - a start that fails at once (no cgroup can be made, strict_limits)
 *    with no delay still goes through a turn: no recursion, the loop keeps
 *    serving;
 *  - the record a later daemon reads is written once the exec is seen, not
 *    at the clone: reading the start time then waits on the child's exec.
 * Real processes on a real loop, with a cgroup root of the test's own.
 */
#include "policy/instance_record.h"
#include "policy_test_util.h"

#define ZERO_BACKOFF "    restart: {policy: always, backoff_initial: 0ms, backoff_max: 0ms, max_restarts: 0}\n"
#define SLEEPER "  web:\n    command: [/bin/sleep, \"30\"]\n" ZERO_BACKOFF

#define MAX_SEEN 64
static struct {
	enum instance_state state;
	uint64_t wakeups;
} seen[MAX_SEEN];
static size_t n_seen;

static void note_change(struct instance *inst, void *userdata)
{
	struct fixture *fx = userdata;

	if (n_seen < MAX_SEEN)
		seen[n_seen++] = (typeof(seen[0])){ inst->state, loop_wakeups(fx->loop) };
}

/* The wakeup count at the first entry to st from index from, or UINT64_MAX. */
static uint64_t wakeups_at(enum instance_state st, size_t from)
{
	for (size_t i = from; i < n_seen; i++)
		if (seen[i].state == st)
			return seen[i].wakeups;
	return UINT64_MAX;
}

static void test_zero_backoff_same_turn(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, SLEEPER), 0);

	fx_start_running(fx, inst);
	pid_t old = inst->pid.pid;
	n_seen = 0;
	fx->rt.changed = note_change;
	assert_int_equal(instance_signal(inst, SIGKILL), 0);
	assert_true(RUN_UNTIL(fx->loop, pidref_is_set(&inst->pid) && inst->pid.pid != old, 5000));
	uint64_t backoff = wakeups_at(STATE_BACKOFF, 0), starting = wakeups_at(STATE_STARTING, 0);
	assert_true(backoff != UINT64_MAX);
	assert_int_equal(starting, backoff);   /* one turn: the exit's */
	assert_false(loop_timer_armed(&inst->timer));
	assert_int_equal(inst->restarts, 1);
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
	fx->rt.changed = NULL;
}

/* With a delay the timer stays: the replacement waits a turn at least. */
static void test_delay_still_timed(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx,
		"  web:\n    command: [/bin/sleep, \"30\"]\n"
		"    restart: {policy: always, backoff_initial: 20ms, backoff_max: 20ms}\n"), 0);

	fx_start_running(fx, inst);
	assert_int_equal(instance_signal(inst, SIGKILL), 0);
	assert_true(RUN_UNTIL(fx->loop, inst->state == STATE_BACKOFF, 5000));
	assert_true(loop_timer_armed(&inst->timer));
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
}

/* A spawn that fails at once, no delay: retried a turn later, every time. */
static void test_zero_backoff_spawn_fails(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, SLEEPER), 0);

	fx->rt.strict_limits = true;
	fault_arm(FAULT_MKDIRAT, "0", 0, 0, EPERM);
	instance_event(inst, EV_START, "test");   /* returns: no recursion */
	assert_string_equal(STATE(inst), "backoff");
	assert_true(loop_timer_armed(&inst->timer));
	assert_false(pidref_is_set(&inst->pid));
	run_loop_for(fx->loop, 50);   /* failing again and again, a turn each */
	assert_true(inst->restarts >= 2);
	fault_reset();
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
}

/* Written at the exec (errpipe EOF), before the instance shows running. */
static void test_record_at_exec(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, SLEEPER), 0);
	struct instance_record rec;

	instance_event(inst, EV_START, "test");
	assert_int_equal(inst->state, STATE_STARTING);
	assert_int_equal(instance_record_read(inst->cg.fd, &rec), -ENODATA);
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
	assert_int_equal(instance_record_read(inst->cg.fd, &rec), 0);
	assert_int_equal(rec.pid, inst->pid.pid);
	assert_true(rec.pid_start > 0);
}

#define T(f, e) cmocka_unit_test_prestate_setup_teardown(f, fx_setup, fx_teardown, &(e))

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_zero_backoff_same_turn, env_uring_cg), T(test_zero_backoff_same_turn, env_epoll_cg),
		T(test_zero_backoff_same_turn, env_epoll),
		T(test_delay_still_timed, env_epoll_cg),
		T(test_zero_backoff_spawn_fails, env_uring_cg),
		T(test_record_at_exec, env_uring_cg), T(test_record_at_exec, env_epoll_cg),
	};
	return cmocka_run_group_tests_name("instance restart", tests, NULL, NULL);
}
