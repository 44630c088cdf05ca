/* SPDX-License-Identifier: MIT */
/*
 * test_instance_restart.c: what a restart costs the loop (issue 18, restart
 * p50 against the vfork floor).
 *  - with no backoff delay the replacement is spawned in the same loop turn
 *    as the exit it replaces: no timer, no second kernel wait (the rt.changed
 *    hook notes loop_wakeups() at each state; backoff and starting share
 *    one);
 *  - a start that fails at once (no cgroup can be made, strict_limits)
 *    with no delay waits the failed spawn's floor (100 ms) before each
 *    retry: no recursion, no retry every turn;
 *  - the record a later daemon reads is written once the exec is seen, not
 *    at the clone: reading the start time then waits on the child's exec;
 *  - a restart never clones into a frozen cgroup (the child would stop at
 *    birth and, with CLONE_VFORK, hold the daemon in clone3 for good: the
 *    chaos soak hung so): the freeze of a killed frozen process is undone,
 *    a freeze from an ancestor fails the start until it is lifted. A
 *    watchdog turns that hang into a failure: no signal reaches a daemon
 *    blocked in the vfork (its signals are blocked around the clone), so
 *    it kills the test's cgroup tree, the frozen child with it, and the
 *    clone returns (on the code before, each of these hung so).
 * Real processes on a real loop, with a cgroup root of the test's own.
 */
#include "policy/instance_record.h"
#include "cg_watchdog.h"
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

/* A spawn that fails at once, no delay: retried after the failed spawn's
 * floor (100 ms), not every turn (a frozen ancestor or a missing binary
 * would spin the loop until lifted), and never by recursion. */
static void test_zero_backoff_spawn_fails(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, SLEEPER), 0);

	fx->rt.strict_limits = true;
	fault_arm(FAULT_MKDIRAT, "0", 0, 0, EPERM);
	uint64_t before = now_ns();
	instance_event(inst, EV_START, "test");   /* returns: no recursion */
	assert_string_equal(STATE(inst), "backoff");
	assert_true(loop_timer_armed(&inst->timer));
	assert_true(inst->timer.due_ns >= before + 100 * NSEC_PER_MSEC);
	assert_false(pidref_is_set(&inst->pid));
	run_loop_for(fx->loop, 50);   /* inside the floor: no retry yet */
	assert_int_equal(inst->restarts, 0);
	assert_true(RUN_UNTIL(fx->loop, inst->restarts >= 2, 5000));   /* failing again, floored */
	assert_true(now_ns() - before >= 200 * NSEC_PER_MSEC);
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

/* Frozen, then its process SIGKILLed (a frozen process still dies of
 * SIGKILL): the restart runs, thawed. */
static void test_restart_after_frozen_kill(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx, SLEEPER), 0);

	fx_start_running(fx, inst);
	pid_t old = inst->pid.pid;
	assert_int_equal(instance_freeze(inst, true), 0);
	assert_state_within(fx, inst, STATE_FROZEN, 5000);
	pid_t dog = watchdog_start(fx, 20);
	assert_int_equal(instance_signal(inst, SIGKILL), 0);
	bool back = RUN_UNTIL(fx->loop, pidref_is_set(&inst->pid) && inst->pid.pid != old, 5000);
	assert_false(watchdog_fired(dog));
	assert_true(back);
	assert_state_within(fx, inst, STATE_RUNNING, 5000);
	assert_int_equal(instance_cgroup_frozen(&inst->cg), 0);
	assert_false(inst->freeze_wanted);
}

/* services/web frozen by hand: no clone into the instance's cgroup (born
 * frozen); a failed start, through the backoff, until the thaw. */
static void test_frozen_ancestor_fails_start(void **state)
{
	struct fixture *fx = fx_get(state);
	struct instance *inst = fx_instance(fx, fx_load(fx,
		"  web:\n    command: [/bin/sleep, \"30\"]\n"
		"    restart: {policy: always, backoff_initial: 50ms, backoff_max: 50ms}\n"), 0);

	assert_int_equal(cgroup_freeze(inst->parent_cg_fd, true), 0);
	pid_t dog = watchdog_start(fx, 20);
	instance_event(inst, EV_START, "test");
	bool hung = watchdog_fired(dog);
	assert_int_equal(cgroup_freeze(inst->parent_cg_fd, false), 0);
	assert_false(hung);
	assert_string_equal(STATE(inst), "backoff");
	assert_false(pidref_is_set(&inst->pid));
	assert_string_equal(inst->last_exit.cause, "cgroup: frozen (an ancestor's cgroup.freeze)");
	assert_state_within(fx, inst, STATE_RUNNING, 5000);   /* the retry, thawed */
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
		T(test_restart_after_frozen_kill, env_uring_cg), T(test_restart_after_frozen_kill, env_epoll_cg),
		T(test_frozen_ancestor_fails_start, env_uring_cg),
	};
	return cmocka_run_group_tests_name("instance restart", tests, NULL, NULL);
}
