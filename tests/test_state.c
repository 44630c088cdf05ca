/* SPDX-License-Identifier: MIT */
/*
 * test_state.c: the instance state machine, pair by pair. The expected table
 * below is written from DESIGN.md section 4 and the comments in state.h, not
 * copied from state.c: every (state, event) pair is checked under every
 * verdict and every combination of the other inputs, so an input that a
 * pair must not read cannot change its answer either.
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

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Table entries beyond the real states: the answer depends on the input. */
enum {
	X = _STATE_INVALID,   /* the event means nothing here */
	BY_VERDICT = 100,     /* where the verdict says */
	BY_EXIT,              /* the main process ended: stopping while a tree is left, else SETTLED */
	SETTLED,              /* all ended: asked-for stop -> stopped/starting, else BY_VERDICT */
	KEEP,                 /* no change of state; restart_pending set (REMEMBER) ... */
	KEEP_FORGET,          /* ... or cleared */
	BY_THAW,              /* ready if it was ready, else running */
};

static const int expected[_STATE_MAX][_EV_MAX] = {
	/* No process: start and restart both start it, stop is idempotent. */
	[STATE_STOPPED] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED, [EV_RESTART] = STATE_STARTING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = X, [EV_TREE_GONE] = X,
		[EV_TIMER] = X, [EV_FROZEN] = X, [EV_THAWED] = X, [EV_NO_TIMER] = X, [EV_READY] = X,
		[EV_ADOPTED] = STATE_RUNNING,   /* a previous daemon's process taken back */
	},
	/* Spawned: exec confirms it, a spawn that made nothing is judged; a
	 * stop or restart must first stop it. */
	[STATE_STARTING] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING, [EV_RESTART] = STATE_STOPPING,
		[EV_EXEC_OK] = STATE_RUNNING, [EV_SPAWN_FAILED] = BY_VERDICT, [EV_EXIT] = BY_EXIT,
		[EV_TREE_GONE] = X, [EV_TIMER] = X, [EV_FROZEN] = X, [EV_THAWED] = X, [EV_NO_TIMER] = X, [EV_READY] = X, [EV_ADOPTED] = X,
	},
	[STATE_RUNNING] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING, [EV_RESTART] = STATE_STOPPING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = BY_EXIT, [EV_TREE_GONE] = X,
		[EV_TIMER] = X, [EV_FROZEN] = STATE_FROZEN, [EV_THAWED] = X, [EV_NO_TIMER] = X,
		[EV_READY] = STATE_READY,   /* its readiness check passed */ [EV_ADOPTED] = X,
	},
	[STATE_READY] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING, [EV_RESTART] = STATE_STOPPING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = BY_EXIT, [EV_TREE_GONE] = X,
		[EV_TIMER] = X, [EV_FROZEN] = STATE_FROZEN, [EV_THAWED] = X, [EV_NO_TIMER] = X, [EV_READY] = X, [EV_ADOPTED] = X,
	},
	/* Waiting for the end; the grace timer escalates but stays here; a
	 * start, restart or stop only changes what follows. */
	[STATE_STOPPING] = {
		[EV_START] = KEEP, [EV_STOP] = KEEP_FORGET, [EV_RESTART] = KEEP,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = BY_EXIT, [EV_TREE_GONE] = SETTLED,
		[EV_TIMER] = STATE_STOPPING, [EV_FROZEN] = X, [EV_THAWED] = X, [EV_NO_TIMER] = X, [EV_READY] = X, [EV_ADOPTED] = X,
	},
	[STATE_EXITED] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED, [EV_RESTART] = STATE_STARTING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = X, [EV_TREE_GONE] = X,
		[EV_TIMER] = X, [EV_FROZEN] = X, [EV_THAWED] = X, [EV_NO_TIMER] = X, [EV_READY] = X, [EV_ADOPTED] = X,
	},
	/* The restart delay: the timer (or the operator) starts it again; a
	 * delay that cannot be timed fails it (never a restart at once). */
	[STATE_BACKOFF] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED, [EV_RESTART] = STATE_STARTING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = X, [EV_TREE_GONE] = X,
		[EV_TIMER] = STATE_STARTING, [EV_FROZEN] = X, [EV_THAWED] = X, [EV_NO_TIMER] = STATE_FAILED, [EV_READY] = X, [EV_ADOPTED] = X,
	},
	/* Breaker open: `start` closes it, the timer is the half-open retry. */
	[STATE_FAILED] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED, [EV_RESTART] = STATE_STARTING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = X, [EV_TREE_GONE] = X,
		[EV_TIMER] = STATE_STARTING, [EV_FROZEN] = X, [EV_THAWED] = X, [EV_NO_TIMER] = X, [EV_READY] = X, [EV_ADOPTED] = X,
	},
	/* A oneshot's exit 0: done until started again. */
	[STATE_COMPLETED] = {
		[EV_START] = STATE_STARTING, [EV_STOP] = STATE_STOPPED, [EV_RESTART] = STATE_STARTING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = X, [EV_TREE_GONE] = X,
		[EV_TIMER] = X, [EV_FROZEN] = X, [EV_THAWED] = X, [EV_NO_TIMER] = X, [EV_READY] = X, [EV_ADOPTED] = X,
	},
	/* Frozen still has a process: it can exit and can be stopped; thawed,
	 * it is what it was (ready, if it had been). */
	[STATE_FROZEN] = {
		[EV_START] = X, [EV_STOP] = STATE_STOPPING, [EV_RESTART] = STATE_STOPPING,
		[EV_EXEC_OK] = X, [EV_SPAWN_FAILED] = X, [EV_EXIT] = BY_EXIT, [EV_TREE_GONE] = X,
		[EV_TIMER] = X, [EV_FROZEN] = X, [EV_THAWED] = BY_THAW, [EV_NO_TIMER] = X, [EV_READY] = X, [EV_ADOPTED] = X,
	},
};

static const enum exit_verdict all_verdicts[] = { VERDICT_RESTART, VERDICT_STAY, VERDICT_BREAKER_OPEN,
						  VERDICT_STOP, VERDICT_COMPLETED, VERDICT_FAILED };

static enum instance_state verdict_state(enum exit_verdict v)
{
	switch (v) {
	case VERDICT_RESTART:
		return STATE_BACKOFF;
	case VERDICT_STAY:
		return STATE_EXITED;
	case VERDICT_BREAKER_OPEN:
		return STATE_FAILED;
	case VERDICT_STOP:
		return STATE_STOPPED;
	case VERDICT_COMPLETED:
		return STATE_COMPLETED;
	case VERDICT_FAILED:
		return STATE_FAILED;
	}
	fail();
	return _STATE_INVALID;
}

/* The expected answer, computed from the table above and DESIGN.md's
 * rules, independently of state.c. */
static struct state_change expect(int s, int e, const struct state_input *in)
{
	struct state_change ch = { .next = _STATE_INVALID, .restart_pending = in->restart_pending };
	int x = expected[s][e];

	if (x == KEEP || x == KEEP_FORGET) {
		ch.restart_pending = x == KEEP;
		return ch;
	}
	if (x == BY_THAW)
		x = in->was_ready ? STATE_READY : STATE_RUNNING;
	if (x == BY_EXIT)
		x = in->tree_left ? STATE_STOPPING : SETTLED;
	if (x == SETTLED)
		x = in->stop_requested || in->shutting_down ?
			(in->restart_pending ? STATE_STARTING : STATE_STOPPED) : BY_VERDICT;
	if (x == BY_VERDICT)
		x = verdict_state(in->verdict);
	ch.next = (enum instance_state)x;
	if (ch.next == STATE_STARTING && in->shutting_down)
		ch.next = STATE_STOPPED;   /* nothing starts during a shutdown */
	if (e == EV_RESTART && ch.next == STATE_STOPPING)
		ch.restart_pending = true;
	if (ch.next == STATE_STARTING || ch.next == STATE_STOPPED)
		ch.restart_pending = false;
	return ch;
}

static struct state_input input_of(unsigned bits, enum exit_verdict v)
{
	return (struct state_input){
		.verdict = v, .restart_pending = bits & 1, .stop_requested = bits & 2,
		.tree_left = bits & 4, .shutting_down = bits & 8, .was_ready = bits & 16,
	};
}

/* Every (state, event) pair under every input. */
static void test_table_exhaustive(void **state)
{
	(void)state;
	unsigned checked = 0;

	for (int s = 0; s < _STATE_MAX; s++)
		for (int e = 0; e < _EV_MAX; e++)
			for (size_t v = 0; v < ELEMENTS(all_verdicts); v++)
				for (unsigned bits = 0; bits < 32; bits++) {
					struct state_input in = input_of(bits, all_verdicts[v]);
					struct state_change want = expect(s, e, &in);
					struct state_change got = state_next(s, e, &in);
					if (got.next != want.next || got.restart_pending != want.restart_pending)
						fail_msg("%s + %s (verdict %d, inputs %#x): want %s/%d, got %s/%d",
							 instance_state_to_string(s), instance_event_to_string(e),
							 (int)all_verdicts[v], bits,
							 want.next < 0 ? "-" : instance_state_to_string(want.next),
							 want.restart_pending,
							 got.next < 0 ? "-" : instance_state_to_string(got.next),
							 got.restart_pending);
					/* Every answer is a real state or exactly _STATE_INVALID. */
					assert_true(got.next == _STATE_INVALID || ((int)got.next >= 0 && got.next < _STATE_MAX));
					checked++;
				}
	assert_int_equal(checked, _STATE_MAX * _EV_MAX * ELEMENTS(all_verdicts) * 32);
}

/* state_needs_verdict() is true exactly where the answer depends on it. */
static void test_needs_verdict(void **state)
{
	(void)state;

	for (int s = 0; s < _STATE_MAX; s++)
		for (int e = 0; e < _EV_MAX; e++)
			for (unsigned bits = 0; bits < 32; bits++) {
				struct state_input a = input_of(bits, VERDICT_RESTART), b = input_of(bits, VERDICT_STAY);
				bool depends = state_next(s, e, &a).next != state_next(s, e, &b).next;
				if (state_needs_verdict(s, e, &a) != depends)
					fail_msg("%s + %s (inputs %#x): needs_verdict %d, depends %d",
						 instance_state_to_string(s), instance_event_to_string(e), bits,
						 state_needs_verdict(s, e, &a), depends);
			}
}

static enum instance_state next(enum instance_state s, enum instance_event e, enum exit_verdict v,
				bool pending)
{
	struct state_input in = { .verdict = v, .restart_pending = pending, .stop_requested = s == STATE_STOPPING };
	return state_next(s, e, &in).next;
}

static void test_named_transitions(void **state)
{
	(void)state;

	assert_int_equal(next(STATE_STOPPED, EV_START, VERDICT_STAY, false), STATE_STARTING);
	assert_int_equal(next(STATE_STARTING, EV_EXEC_OK, VERDICT_STAY, false), STATE_RUNNING);
	assert_int_equal(next(STATE_RUNNING, EV_EXIT, VERDICT_RESTART, false), STATE_BACKOFF);
	assert_int_equal(next(STATE_RUNNING, EV_EXIT, VERDICT_BREAKER_OPEN, false), STATE_FAILED);
	assert_int_equal(next(STATE_RUNNING, EV_EXIT, VERDICT_STAY, false), STATE_EXITED);
	assert_int_equal(next(STATE_RUNNING, EV_EXIT, VERDICT_STOP, false), STATE_STOPPED);
	assert_int_equal(next(STATE_STOPPING, EV_EXIT, VERDICT_RESTART, false), STATE_STOPPED);
	assert_int_equal(next(STATE_STOPPING, EV_EXIT, VERDICT_STAY, true), STATE_STARTING);
	assert_int_equal(next(STATE_STOPPING, EV_TIMER, VERDICT_STAY, false), STATE_STOPPING);
	assert_int_equal(next(STATE_BACKOFF, EV_TIMER, VERDICT_STAY, false), STATE_STARTING);
	assert_int_equal(next(STATE_FAILED, EV_TIMER, VERDICT_STAY, false), STATE_STARTING);
	assert_int_equal(next(STATE_STARTING, EV_EXIT, VERDICT_RESTART, false), STATE_BACKOFF);
	assert_int_equal(next(STATE_STARTING, EV_SPAWN_FAILED, VERDICT_RESTART, false), STATE_BACKOFF);
	assert_int_equal(next(STATE_BACKOFF, EV_STOP, VERDICT_RESTART, true), STATE_STOPPED);
	assert_int_equal(next(STATE_STOPPING, EV_EXEC_OK, VERDICT_STAY, false), _STATE_INVALID);

	/* The main process of a running instance ended and left a tree: it
	 * stops (the tree is being killed), then the crash is judged. */
	struct state_input in = { .verdict = VERDICT_RESTART, .tree_left = true };
	assert_int_equal(state_next(STATE_RUNNING, EV_EXIT, &in).next, STATE_STOPPING);
	assert_false(state_needs_verdict(STATE_RUNNING, EV_EXIT, &in));
	in.tree_left = false;
	assert_true(state_needs_verdict(STATE_STOPPING, EV_TREE_GONE, &in));
	assert_int_equal(state_next(STATE_STOPPING, EV_TREE_GONE, &in).next, STATE_BACKOFF);
	/* During a shutdown nothing starts, whatever was pending. */
	in = (struct state_input){ .restart_pending = true, .stop_requested = true, .shutting_down = true };
	assert_int_equal(state_next(STATE_STOPPING, EV_EXIT, &in).next, STATE_STOPPED);
	assert_int_equal(state_next(STATE_BACKOFF, EV_TIMER, &in).next, STATE_STOPPED);
}

/* A whole life: start, crash into backoff, restart, breaker, half-open,
 * operator restart through stopping, and stop. */
static void test_walk(void **state)
{
	(void)state;
	struct state_input in = { .verdict = VERDICT_STAY };
	enum instance_state s = STATE_STOPPED;
	struct state_change ch;

#define STEP(e, v, want)                                  \
	do {                                              \
		in.verdict = (v);                         \
		in.stop_requested = s == STATE_STOPPING;  \
		ch = state_next(s, (e), &in);             \
		in.restart_pending = ch.restart_pending;  \
		if (ch.next != _STATE_INVALID)            \
			s = ch.next;                      \
		assert_int_equal(s, (want));              \
	} while (0)
	STEP(EV_START, VERDICT_STAY, STATE_STARTING);
	STEP(EV_EXEC_OK, VERDICT_STAY, STATE_RUNNING);
	STEP(EV_EXIT, VERDICT_RESTART, STATE_BACKOFF);
	STEP(EV_TIMER, VERDICT_STAY, STATE_STARTING);
	STEP(EV_EXIT, VERDICT_BREAKER_OPEN, STATE_FAILED);
	STEP(EV_TIMER, VERDICT_STAY, STATE_STARTING);
	STEP(EV_EXEC_OK, VERDICT_STAY, STATE_RUNNING);
	STEP(EV_RESTART, VERDICT_STAY, STATE_STOPPING);
	assert_true(in.restart_pending);
	STEP(EV_TIMER, VERDICT_STAY, STATE_STOPPING);
	STEP(EV_EXIT, VERDICT_STAY, STATE_STARTING);
	assert_false(in.restart_pending);
	STEP(EV_EXEC_OK, VERDICT_STAY, STATE_RUNNING);
	STEP(EV_STOP, VERDICT_STAY, STATE_STOPPING);
	STEP(EV_START, VERDICT_STAY, STATE_STOPPING);   /* remembered */
	assert_true(in.restart_pending);
	STEP(EV_STOP, VERDICT_STAY, STATE_STOPPING);    /* and forgotten */
	assert_false(in.restart_pending);
	STEP(EV_EXIT, VERDICT_RESTART, STATE_STOPPED);
#undef STEP
}

static void test_out_of_range(void **state)
{
	(void)state;
	static const int bad_states[] = { _STATE_MAX, _STATE_INVALID, -1, 100, 0x7fffffff };
	static const int bad_events[] = { _EV_MAX, -1, 100 };

	for (unsigned bits = 0; bits < 16; bits++) {
		struct state_input in = input_of(bits, VERDICT_RESTART);
		for (size_t i = 0; i < ELEMENTS(bad_states); i++)
			for (int e = 0; e < _EV_MAX; e++) {
				assert_int_equal(state_next(bad_states[i], e, &in).next, _STATE_INVALID);
				assert_false(state_needs_verdict(bad_states[i], e, &in));
			}
		for (int s = 0; s < _STATE_MAX; s++)
			for (size_t i = 0; i < ELEMENTS(bad_events); i++)
				assert_int_equal(state_next(s, bad_events[i], &in).next, _STATE_INVALID);
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
		[STATE_FROZEN] = "frozen",     [STATE_COMPLETED] = "completed",
	};

	for (int s = 0; s < _STATE_MAX; s++) {
		assert_non_null(names[s]);   /* the test's own table is complete */
		assert_string_equal(instance_state_to_string(s), names[s]);
		assert_int_equal(instance_state_from_string(names[s]), s);
		/* Names are distinct, so status output is unambiguous. */
		for (int t = 0; t < s; t++)
			assert_string_not_equal(instance_state_to_string(s), instance_state_to_string(t));
	}
	assert_null(instance_state_to_string(_STATE_MAX));
	assert_null(instance_state_to_string(_STATE_INVALID));
	assert_null(instance_state_to_string(-1));
	assert_null(instance_state_to_string(1000));
	assert_int_equal(instance_state_from_string("Running"), _STATE_INVALID);
	assert_int_equal(instance_state_from_string(NULL), _STATE_INVALID);
}

static void test_event_to_string(void **state)
{
	(void)state;
	static const char *const names[_EV_MAX] = {
		[EV_START] = "start", [EV_STOP] = "stop", [EV_RESTART] = "restart",
		[EV_EXEC_OK] = "exec-ok", [EV_SPAWN_FAILED] = "spawn-failed", [EV_EXIT] = "exit",
		[EV_TREE_GONE] = "tree-gone", [EV_TIMER] = "timer",
		[EV_FROZEN] = "frozen", [EV_THAWED] = "thawed", [EV_NO_TIMER] = "no-timer",
		[EV_READY] = "ready", [EV_ADOPTED] = "adopted",
	};

	for (int e = 0; e < _EV_MAX; e++) {
		assert_string_equal(instance_event_to_string(e), names[e]);
		assert_int_equal(instance_event_from_string(names[e]), e);
	}
	assert_null(instance_event_to_string(_EV_MAX));
	assert_null(instance_event_to_string(-1));
}

static void test_has_process(void **state)
{
	(void)state;
	static const bool want[_STATE_MAX] = {
		[STATE_STOPPED] = false, [STATE_STARTING] = true, [STATE_RUNNING] = true,
		[STATE_READY] = true,    [STATE_STOPPING] = true, [STATE_EXITED] = false,
		[STATE_BACKOFF] = false, [STATE_FAILED] = false,  [STATE_FROZEN] = true,
		[STATE_COMPLETED] = false,
	};

	for (int s = 0; s < _STATE_MAX; s++)
		if (state_has_process(s) != want[s])
			fail_msg("state_has_process(%s): want %d", instance_state_to_string(s), want[s]);
	assert_false(state_has_process(_STATE_MAX));
	assert_false(state_has_process(_STATE_INVALID));

	/* Consistency with the table: EV_EXIT means something exactly where a
	 * process may exist, and EV_START never starts a second process. */
	struct state_input in = { .verdict = VERDICT_STAY };
	for (int s = 0; s < _STATE_MAX; s++) {
		bool exit_valid = state_next(s, EV_EXIT, &in).next != _STATE_INVALID;
		assert_int_equal(exit_valid, state_has_process(s));
		if (state_has_process(s))
			assert_true(state_next(s, EV_START, &in).next == _STATE_INVALID);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_exhaustive),
		cmocka_unit_test(test_needs_verdict),
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
