/* SPDX-License-Identifier: MIT */
/*
 * test_state.c: the instance state machine, pair by pair. The expected table
 * below is written from DESIGN.md section 4 and the comments in state.h, not
 * copied from state.c: every (state, event) pair is checked under every
 * verdict and both values of restart_pending, so an argument that a pair must
 * not read cannot change its answer either.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy/state.h"

/* Table entries beyond the real states: the answer depends on an argument. */
enum {
	X = _STATE_INVALID,   /* the event means nothing here */
	BY_VERDICT = 100,     /* EV_EXIT outside STOPPING: restart, stay or fail */
	BY_PENDING,           /* EV_EXIT in STOPPING: restart_pending or not */
};

static const int expected[_STATE_MAX][_EV_MAX] = {
	/* No process: start and restart both start it, stop is idempotent. */
	[STATE_STOPPED] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED,
		[EV_RESTART] = STATE_STARTING, [EV_EXEC_OK] = X,
		[EV_EXIT] = X, [EV_TIMER] = X,
		[EV_FROZEN] = X, [EV_THAWED] = X,
	},
	/* Spawned: exec confirms it; a stop or restart must first stop it. */
	[STATE_STARTING] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING,
		[EV_RESTART] = STATE_STOPPING, [EV_EXEC_OK] = STATE_RUNNING,
		[EV_EXIT] = BY_VERDICT, [EV_TIMER] = X,
		[EV_FROZEN] = X, [EV_THAWED] = X,
	},
	[STATE_RUNNING] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING,
		[EV_RESTART] = STATE_STOPPING, [EV_EXEC_OK] = X,
		[EV_EXIT] = BY_VERDICT, [EV_TIMER] = X,
		[EV_FROZEN] = STATE_FROZEN, [EV_THAWED] = X,
	},
	[STATE_READY] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING,
		[EV_RESTART] = STATE_STOPPING, [EV_EXEC_OK] = X,
		[EV_EXIT] = BY_VERDICT, [EV_TIMER] = X,
		[EV_FROZEN] = STATE_FROZEN, [EV_THAWED] = X,
	},
	/* Waiting for the exit; the grace timer escalates but stays here. */
	[STATE_STOPPING] = {
		[EV_START] = X, [EV_STOP] = X,
		[EV_RESTART] = X, [EV_EXEC_OK] = X,
		[EV_EXIT] = BY_PENDING, [EV_TIMER] = STATE_STOPPING,
		[EV_FROZEN] = X, [EV_THAWED] = X,
	},
	[STATE_EXITED] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED,
		[EV_RESTART] = STATE_STARTING, [EV_EXEC_OK] = X,
		[EV_EXIT] = X, [EV_TIMER] = X,
		[EV_FROZEN] = X, [EV_THAWED] = X,
	},
	/* The restart delay: the timer (or the operator) starts it again. */
	[STATE_BACKOFF] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED,
		[EV_RESTART] = STATE_STARTING, [EV_EXEC_OK] = X,
		[EV_EXIT] = X, [EV_TIMER] = STATE_STARTING,
		[EV_FROZEN] = X, [EV_THAWED] = X,
	},
	/* Breaker open: `start` closes it, the timer is the half-open retry. */
	[STATE_FAILED] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED,
		[EV_RESTART] = STATE_STARTING, [EV_EXEC_OK] = X,
		[EV_EXIT] = X, [EV_TIMER] = STATE_STARTING,
		[EV_FROZEN] = X, [EV_THAWED] = X,
	},
	/* Frozen still has a process: it can exit and can be stopped. */
	[STATE_FROZEN] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING,
		[EV_RESTART] = STATE_STOPPING, [EV_EXEC_OK] = X,
		[EV_EXIT] = BY_VERDICT, [EV_TIMER] = X,
		[EV_FROZEN] = X, [EV_THAWED] = STATE_RUNNING,
	},
};

static const enum exit_verdict all_verdicts[] = { VERDICT_RESTART, VERDICT_STAY, VERDICT_BREAKER_OPEN };

static enum instance_state verdict_state(enum exit_verdict v)
{
	switch (v) {
	case VERDICT_RESTART:
		return STATE_BACKOFF;
	case VERDICT_STAY:
		return STATE_EXITED;
	case VERDICT_BREAKER_OPEN:
		return STATE_FAILED;
	}
	fail();
	return _STATE_INVALID;
}

static enum instance_state expect_next(int s, int e, enum exit_verdict v, bool pending)
{
	int x = expected[s][e];
	if (x == BY_VERDICT)
		return verdict_state(v);
	if (x == BY_PENDING)
		return pending ? STATE_STARTING : STATE_STOPPED;
	return (enum instance_state)x;
}

static void test_table_exhaustive(void **state)
{
	(void)state;
	unsigned checked = 0;

	for (int s = 0; s < _STATE_MAX; s++)
		for (int e = 0; e < _EV_MAX; e++)
			for (size_t v = 0; v < 3; v++)
				for (int p = 0; p <= 1; p++) {
					enum instance_state want = expect_next(s, e, all_verdicts[v], p);
					enum instance_state got = state_next(s, e, all_verdicts[v], p);
					if (got != want)
						fail_msg("%s + %s (verdict %d, restart_pending %d): want %s, got %s",
							 state_to_string(s), event_to_string(e),
							 (int)all_verdicts[v], p, state_to_string(want),
							 state_to_string(got));
					/* Every answer is a real state or exactly _STATE_INVALID. */
					assert_true(got == _STATE_INVALID || ((int)got >= 0 && got < _STATE_MAX));
					checked++;
				}
	assert_int_equal(checked, _STATE_MAX * _EV_MAX * 3 * 2);
}

static void test_named_transitions(void **state)
{
	(void)state;

	/* The examples from the issue, spelled out. */
	assert_int_equal(state_next(STATE_STOPPED, EV_START, VERDICT_STAY, false), STATE_STARTING);
	assert_int_equal(state_next(STATE_STARTING, EV_EXEC_OK, VERDICT_STAY, false), STATE_RUNNING);
	assert_int_equal(state_next(STATE_RUNNING, EV_EXIT, VERDICT_RESTART, false), STATE_BACKOFF);
	assert_int_equal(state_next(STATE_RUNNING, EV_EXIT, VERDICT_BREAKER_OPEN, false), STATE_FAILED);
	assert_int_equal(state_next(STATE_RUNNING, EV_EXIT, VERDICT_STAY, false), STATE_EXITED);
	assert_int_equal(state_next(STATE_STOPPING, EV_EXIT, VERDICT_RESTART, false), STATE_STOPPED);
	assert_int_equal(state_next(STATE_STOPPING, EV_EXIT, VERDICT_STAY, true), STATE_STARTING);
	assert_int_equal(state_next(STATE_STOPPING, EV_TIMER, VERDICT_STAY, false), STATE_STOPPING);
	assert_int_equal(state_next(STATE_BACKOFF, EV_TIMER, VERDICT_STAY, false), STATE_STARTING);
	assert_int_equal(state_next(STATE_FAILED, EV_TIMER, VERDICT_STAY, false), STATE_STARTING);
	/* A crash before exec was confirmed follows the policy too. */
	assert_int_equal(state_next(STATE_STARTING, EV_EXIT, VERDICT_RESTART, false), STATE_BACKOFF);
	/* A stop during the restart delay cancels the restart. */
	assert_int_equal(state_next(STATE_BACKOFF, EV_STOP, VERDICT_RESTART, true), STATE_STOPPED);
	/* A late exec confirmation while stopping is ignored, not a transition. */
	assert_int_equal(state_next(STATE_STOPPING, EV_EXEC_OK, VERDICT_STAY, false), _STATE_INVALID);
}

/* A whole life: start, crash into backoff, restart, breaker, half-open,
 * operator restart through stopping, and stop. */
static void test_walk(void **state)
{
	(void)state;
	enum instance_state s = STATE_STOPPED;

	s = state_next(s, EV_START, VERDICT_STAY, false);
	assert_int_equal(s, STATE_STARTING);
	s = state_next(s, EV_EXEC_OK, VERDICT_STAY, false);
	assert_int_equal(s, STATE_RUNNING);
	s = state_next(s, EV_EXIT, VERDICT_RESTART, false);
	assert_int_equal(s, STATE_BACKOFF);
	s = state_next(s, EV_TIMER, VERDICT_STAY, false);
	assert_int_equal(s, STATE_STARTING);
	s = state_next(s, EV_EXIT, VERDICT_BREAKER_OPEN, false);
	assert_int_equal(s, STATE_FAILED);
	s = state_next(s, EV_TIMER, VERDICT_STAY, false);
	assert_int_equal(s, STATE_STARTING);
	s = state_next(s, EV_EXEC_OK, VERDICT_STAY, false);
	assert_int_equal(s, STATE_RUNNING);
	s = state_next(s, EV_RESTART, VERDICT_STAY, false);
	assert_int_equal(s, STATE_STOPPING);
	s = state_next(s, EV_TIMER, VERDICT_STAY, true);
	assert_int_equal(s, STATE_STOPPING);
	s = state_next(s, EV_EXIT, VERDICT_STAY, /* restart_pending= */ true);
	assert_int_equal(s, STATE_STARTING);
	s = state_next(s, EV_EXEC_OK, VERDICT_STAY, false);
	assert_int_equal(s, STATE_RUNNING);
	s = state_next(s, EV_STOP, VERDICT_STAY, false);
	assert_int_equal(s, STATE_STOPPING);
	s = state_next(s, EV_EXIT, VERDICT_RESTART, /* restart_pending= */ false);
	assert_int_equal(s, STATE_STOPPED);
}

static void test_out_of_range(void **state)
{
	(void)state;
	static const int bad_states[] = { _STATE_MAX, _STATE_INVALID, -1, 100, 0x7fffffff };
	static const int bad_events[] = { _EV_MAX, -1, 100 };

	for (size_t i = 0; i < sizeof(bad_states) / sizeof(bad_states[0]); i++)
		for (int e = 0; e < _EV_MAX; e++)
			for (size_t v = 0; v < 3; v++) {
				assert_int_equal(state_next(bad_states[i], e, all_verdicts[v], false), _STATE_INVALID);
				assert_int_equal(state_next(bad_states[i], e, all_verdicts[v], true), _STATE_INVALID);
			}
	for (int s = 0; s < _STATE_MAX; s++)
		for (size_t i = 0; i < sizeof(bad_events) / sizeof(bad_events[0]); i++)
			for (size_t v = 0; v < 3; v++) {
				assert_int_equal(state_next(s, bad_events[i], all_verdicts[v], false), _STATE_INVALID);
				assert_int_equal(state_next(s, bad_events[i], all_verdicts[v], true), _STATE_INVALID);
			}
}

static void test_exit_verdict(void **state)
{
	(void)state;
	static const struct {
		enum restart_policy policy;
		bool clean, breaker_open;
		enum exit_verdict want;
	} cases[] = {
		{ RESTART_ALWAYS, true, false, VERDICT_RESTART },
		{ RESTART_ALWAYS, true, true, VERDICT_BREAKER_OPEN },
		{ RESTART_ALWAYS, false, false, VERDICT_RESTART },
		{ RESTART_ALWAYS, false, true, VERDICT_BREAKER_OPEN },
		{ RESTART_ON_FAILURE, true, false, VERDICT_STAY },
		/* A clean exit is not a restart, so the breaker does not matter. */
		{ RESTART_ON_FAILURE, true, true, VERDICT_STAY },
		{ RESTART_ON_FAILURE, false, false, VERDICT_RESTART },
		{ RESTART_ON_FAILURE, false, true, VERDICT_BREAKER_OPEN },
		{ RESTART_NEVER, true, false, VERDICT_STAY },
		{ RESTART_NEVER, true, true, VERDICT_STAY },
		{ RESTART_NEVER, false, false, VERDICT_STAY },
		{ RESTART_NEVER, false, true, VERDICT_STAY },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum exit_verdict got = exit_verdict(cases[i].policy, cases[i].clean, cases[i].breaker_open);
		if (got != cases[i].want)
			fail_msg("policy %d clean %d breaker_open %d: want %d, got %d",
				 (int)cases[i].policy, cases[i].clean, cases[i].breaker_open,
				 (int)cases[i].want, (int)got);
	}
}

static void test_state_to_string(void **state)
{
	(void)state;
	static const char *const names[_STATE_MAX] = {
		[STATE_STOPPED] = "stopped",   [STATE_STARTING] = "starting",
		[STATE_RUNNING] = "running",   [STATE_READY] = "ready",
		[STATE_STOPPING] = "stopping", [STATE_EXITED] = "exited",
		[STATE_BACKOFF] = "backoff",   [STATE_FAILED] = "failed",
		[STATE_FROZEN] = "frozen",
	};

	for (int s = 0; s < _STATE_MAX; s++) {
		assert_non_null(names[s]);   /* the test's own table is complete */
		assert_string_equal(state_to_string(s), names[s]);
		/* Names are distinct, so status output is unambiguous. */
		for (int t = 0; t < s; t++)
			assert_string_not_equal(state_to_string(s), state_to_string(t));
	}
	assert_string_equal(state_to_string(_STATE_MAX), "invalid");
	assert_string_equal(state_to_string(_STATE_INVALID), "invalid");
	assert_string_equal(state_to_string(-1), "invalid");
	assert_string_equal(state_to_string(1000), "invalid");
}

static void test_event_to_string(void **state)
{
	(void)state;
	static const char *const names[_EV_MAX] = {
		[EV_START] = "start", [EV_STOP] = "stop", [EV_RESTART] = "restart",
		[EV_EXEC_OK] = "exec-ok", [EV_EXIT] = "exit", [EV_TIMER] = "timer",
		[EV_FROZEN] = "frozen", [EV_THAWED] = "thawed",
	};

	for (int e = 0; e < _EV_MAX; e++)
		assert_string_equal(event_to_string(e), names[e]);
	assert_string_equal(event_to_string(_EV_MAX), "invalid");
	assert_string_equal(event_to_string(-1), "invalid");
}

static void test_has_process(void **state)
{
	(void)state;
	static const bool want[_STATE_MAX] = {
		[STATE_STOPPED] = false, [STATE_STARTING] = true, [STATE_RUNNING] = true,
		[STATE_READY] = true,    [STATE_STOPPING] = true, [STATE_EXITED] = false,
		[STATE_BACKOFF] = false, [STATE_FAILED] = false,  [STATE_FROZEN] = true,
	};

	for (int s = 0; s < _STATE_MAX; s++)
		if (state_has_process(s) != want[s])
			fail_msg("state_has_process(%s): want %d", state_to_string(s), want[s]);
	assert_false(state_has_process(_STATE_MAX));
	assert_false(state_has_process(_STATE_INVALID));

	/* Consistency with the table: EV_EXIT means something exactly where a
	 * process may exist, and EV_START never starts a second process. */
	for (int s = 0; s < _STATE_MAX; s++) {
		bool exit_valid = state_next(s, EV_EXIT, VERDICT_STAY, false) != _STATE_INVALID;
		assert_int_equal(exit_valid, state_has_process(s));
		if (state_has_process(s))
			assert_true(state_next(s, EV_START, VERDICT_STAY, false) == _STATE_INVALID);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_exhaustive),
		cmocka_unit_test(test_named_transitions),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_exit_verdict),
		cmocka_unit_test(test_state_to_string),
		cmocka_unit_test(test_event_to_string),
		cmocka_unit_test(test_has_process),
	};
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
