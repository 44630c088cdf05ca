/* SPDX-License-Identifier: MIT */
/*
 * state.c: the transition table. Each (state, event) cell holds a rule;
 * an empty cell means the event is ignored in that state. Four rules read
 * the input besides the pair:
 *   EXIT     the main process ended: while processes are left in its tree,
 *            stay stopping (they are being killed); else SETTLE;
 *   SETTLE   everything ended: a stop we asked for ends in stopped (or
 *            starting, if a start came meanwhile); any other end goes where
 *            the verdict says;
 *   VERDICT  where the verdict says (a spawn that made no process);
 *   REMEMBER / FORGET  a start, restart or stop during a stop changes what
 *            follows it, not the state;
 *   THAW     back to ready if it had been ready, else running.
 * Whatever the rule, nothing starts while the daemon shuts down.
 */
#include "basic/string_table.h"
#include "policy/state.h"

enum rule { IGNORE, TO, EXIT, SETTLE, VERDICT, REMEMBER, FORGET, THAW };

struct cell {
	enum rule rule;
	enum instance_state to;
};

#define GO(s) { TO, s }
#define R(r) { r, _STATE_INVALID }

/* The events every state with a process shares. */
#define WITH_PROCESS \
	[EV_STOP] = GO(STATE_STOPPING), [EV_RESTART] = GO(STATE_STOPPING), [EV_EXIT] = R(EXIT)

static const struct cell table[_STATE_MAX][_EV_MAX] = {
	[STATE_STOPPED] = { [EV_START] = GO(STATE_STARTING), [EV_RESTART] = GO(STATE_STARTING),
			    [EV_STOP] = GO(STATE_STOPPED), [EV_ADOPTED] = GO(STATE_RUNNING) },
	[STATE_EXITED] = { [EV_START] = GO(STATE_STARTING), [EV_RESTART] = GO(STATE_STARTING),
			   [EV_STOP] = GO(STATE_STOPPED) },
	/* The timer is the half-open retry. */
	[STATE_FAILED] = { [EV_START] = GO(STATE_STARTING), [EV_RESTART] = GO(STATE_STARTING),
			   [EV_STOP] = GO(STATE_STOPPED), [EV_TIMER] = GO(STATE_STARTING) },
	/* The timer is the end of the restart delay. */
	[STATE_BACKOFF] = { [EV_START] = GO(STATE_STARTING), [EV_RESTART] = GO(STATE_STARTING),
			    [EV_STOP] = GO(STATE_STOPPED), [EV_TIMER] = GO(STATE_STARTING),
			    /* Not restarted at once (a loop at full speed): failed,
			     * until `start`. */
			    [EV_NO_TIMER] = GO(STATE_FAILED) },
	/* A oneshot's success: it stays done until started again. */
	[STATE_COMPLETED] = { [EV_START] = GO(STATE_STARTING), [EV_RESTART] = GO(STATE_STARTING),
			      [EV_STOP] = GO(STATE_STOPPED) },
	[STATE_STARTING] = { WITH_PROCESS, [EV_EXEC_OK] = GO(STATE_RUNNING),
			     [EV_SPAWN_FAILED] = R(VERDICT) },
	[STATE_RUNNING] = { WITH_PROCESS, [EV_FROZEN] = GO(STATE_FROZEN), [EV_READY] = GO(STATE_READY) },
	[STATE_READY] = { WITH_PROCESS, [EV_FROZEN] = GO(STATE_FROZEN) },
	[STATE_FROZEN] = { WITH_PROCESS, [EV_THAWED] = R(THAW) },
	/* The timer is the end of the grace time: stopping goes on, by force. */
	[STATE_STOPPING] = { [EV_EXIT] = R(EXIT), [EV_TREE_GONE] = R(SETTLE),
			     [EV_TIMER] = GO(STATE_STOPPING), [EV_START] = R(REMEMBER),
			     [EV_RESTART] = R(REMEMBER), [EV_STOP] = R(FORGET) },
};

static const char *const instance_state_table[_STATE_MAX] = {
	[STATE_STOPPED] = "stopped",   [STATE_STARTING] = "starting",
	[STATE_RUNNING] = "running",   [STATE_READY] = "ready",
	[STATE_STOPPING] = "stopping", [STATE_EXITED] = "exited",
	[STATE_BACKOFF] = "backoff",   [STATE_FAILED] = "failed",
	[STATE_FROZEN] = "frozen",     [STATE_COMPLETED] = "completed",
};

DEFINE_STRING_TABLE_LOOKUP(instance_state, enum instance_state)

static const char *const instance_event_table[_EV_MAX] = {
	[EV_START] = "start",         [EV_STOP] = "stop",
	[EV_RESTART] = "restart",     [EV_EXEC_OK] = "exec-ok",
	[EV_SPAWN_FAILED] = "spawn-failed",
	[EV_EXIT] = "exit",           [EV_TREE_GONE] = "tree-gone",
	[EV_TIMER] = "timer",         [EV_FROZEN] = "frozen",
	[EV_THAWED] = "thawed",       [EV_NO_TIMER] = "no-timer",
	[EV_READY] = "ready",         [EV_ADOPTED] = "adopted",
};

DEFINE_STRING_TABLE_LOOKUP(instance_event, enum instance_event)

bool state_has_process(enum instance_state s)
{
	return s == STATE_STARTING || s == STATE_RUNNING || s == STATE_READY ||
	       s == STATE_STOPPING || s == STATE_FROZEN;
}

enum exit_verdict exit_verdict(enum restart_policy policy, bool clean_exit, bool breaker_open)
{
	bool restart = policy == RESTART_ALWAYS || (policy == RESTART_ON_FAILURE && !clean_exit);
	if (!restart)
		return VERDICT_STAY;
	return breaker_open ? VERDICT_BREAKER_OPEN : VERDICT_RESTART;
}

static enum instance_state by_verdict(enum exit_verdict v)
{
	switch (v) {
	case VERDICT_RESTART:
		return STATE_BACKOFF;
	case VERDICT_BREAKER_OPEN:
		return STATE_FAILED;
	case VERDICT_STOP:
		return STATE_STOPPED;
	case VERDICT_COMPLETED:
		return STATE_COMPLETED;
	case VERDICT_FAILED:
		return STATE_FAILED;
	case VERDICT_STAY:
		break;
	}
	return STATE_EXITED;
}

static const struct cell *cell_of(enum instance_state s, enum instance_event e)
{
	static const struct cell ignore = R(IGNORE);

	if ((unsigned)s >= _STATE_MAX || (unsigned)e >= _EV_MAX)
		return &ignore;
	return &table[s][e];
}

/* The rule that finally applies, EXIT resolved into STOPPING or SETTLE. */
static enum rule resolve(const struct cell *c, const struct state_input *in)
{
	if (c->rule == EXIT)
		return in->tree_left ? TO : SETTLE;
	return c->rule;
}

bool state_needs_verdict(enum instance_state s, enum instance_event e, const struct state_input *in)
{
	enum rule r = resolve(cell_of(s, e), in);
	if (r == VERDICT)
		return true;
	return r == SETTLE && !in->stop_requested && !in->shutting_down;
}

struct state_change state_next(enum instance_state s, enum instance_event e,
			       const struct state_input *in)
{
	const struct cell *c = cell_of(s, e);
	struct state_change ch = { .next = _STATE_INVALID, .restart_pending = in->restart_pending };

	switch (resolve(c, in)) {
	case IGNORE:
		return ch;
	case REMEMBER:
		ch.restart_pending = true;
		return ch;
	case FORGET:
		ch.restart_pending = false;
		return ch;
	case TO:
		ch.next = c->rule == EXIT ? STATE_STOPPING : c->to;
		break;
	case SETTLE:
		if (in->stop_requested || in->shutting_down)
			ch.next = in->restart_pending ? STATE_STARTING : STATE_STOPPED;
		else
			ch.next = by_verdict(in->verdict);
		break;
	case VERDICT:
		ch.next = by_verdict(in->verdict);
		break;
	case THAW:
		ch.next = in->was_ready ? STATE_READY : STATE_RUNNING;
		break;
	case EXIT:
		break;   /* resolved above */
	}
	if (ch.next == STATE_STARTING && in->shutting_down)
		ch.next = STATE_STOPPED;
	/* A restart asked while running stops first, then starts. */
	if (e == EV_RESTART && ch.next == STATE_STOPPING)
		ch.restart_pending = true;
	if (ch.next == STATE_STARTING || ch.next == STATE_STOPPED)
		ch.restart_pending = false;
	return ch;
}
