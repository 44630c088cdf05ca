/* SPDX-License-Identifier: MIT */
/*
 * main.c: argument parsing and dispatch. `run` starts the daemon, `check`
 * validates a config, every other command is a client of the control socket.
 * See docs/cli.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "cli/cli_events.h"
#include "cli/cli_help.h"
#include "cli/cli_logs.h"
#include "cli/cli_status_args.h"
#include "control/control.h"
#include "config/config.h"
#include "config/config_errors.h"
#include "config/config_report.h"
#include "basic/log.h"
#include "kernel/fdstore.h"
#include "kernel/inherited_fds.h"
#include "kernel/spawn_slots.h"
#include "policy/supervisor.h"
#include "policy/supervisor_reexec.h"
#include "cli/top.h"
#include "basic/units.h"

#define DEFAULT_SOCKET "/run/ringvisor/control.sock"
#define VERSION "0.1.0"
/* How long start, stop, restart and scale wait for their outcome: above
 * systemd's 90 s start timeout, and any stop.timeout is at most 1 h. */
#define CLI_WAIT_DEFAULT_MS (90 * 1000)
#define CLI_WAIT_MAX_MS (3600 * 1000)

struct args {
	const char *config;
	const char *socket;
	const char *cgroup_root;
	struct top_args top;    /* --interval, -b, -d, --sort */
	const char *probe;
	const char *state_dir;
	bool cgroup_kill_fallback;
	enum loop_backend backend;
	enum spawn_method spawn;
	bool no_log_splice;     /* --log-splice=off */
	enum log_format log_format;
	enum log_level log_level;
	bool json;
	const char *run_option; /* the first option of `run` given, for refusing it elsewhere */
	long lines;             /* logs -n; -1 = the default */
	struct cli_logs_args logs;   /* logs -f, -t, --since, --raw, --rotate */
	struct cli_status_args status;   /* status --state, --limit, --offset */
	bool help;              /* --help / -h: the verb's help, or the usage */
	bool wide;              /* status -o wide */
	bool no_wait;           /* start, stop, restart, scale --no-wait */
	const char *timeout;    /* ... --timeout DURATION */
};

static void usage(FILE *f)
{
	cli_help_usage(f, DEFAULT_SOCKET);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ringvisor: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	return CLI_EXIT_USAGE;
}

enum { OPT_SOCKET = 256, OPT_CGROUP_ROOT, OPT_CGROUP_KILL, OPT_PROBE, OPT_STATE_DIR, OPT_BACKEND,
       OPT_SPAWN, OPT_LOG_SPLICE, OPT_LOG_FORMAT, OPT_JSON, OPT_DEBUG, OPT_VERSION,
       OPT_NO_WAIT, OPT_TIMEOUT };

/* The options of `run`: 1 when c was one of them, 0 when not, or the
 * usage error's exit code. */
static int parse_run_option(int c, struct args *a)
{
	switch (c) {
	case OPT_CGROUP_ROOT:
		a->cgroup_root = optarg;
		return 1;
	case OPT_PROBE:
		if (strcmp(optarg, "auto") && strcmp(optarg, "bpf") && strcmp(optarg, "procfs"))
			return usage_error("--probe: expected auto, bpf or procfs, got \"%s\"", optarg);
		a->probe = optarg;
		return 1;
	case OPT_STATE_DIR:
		if (optarg[0] != '/')
			return usage_error("--state-dir: expected an absolute path, got \"%s\"", optarg);
		a->state_dir = optarg;
		return 1;
	case OPT_CGROUP_KILL:
		if (strcmp(optarg, "auto") && strcmp(optarg, "fallback"))
			return usage_error("--cgroup-kill: expected auto or fallback, got \"%s\"", optarg);
		a->cgroup_kill_fallback = !strcmp(optarg, "fallback");
		return 1;
	case OPT_BACKEND:
		if ((a->backend = loop_backend_from_string(optarg)) < 0)
			return usage_error("--event-backend: expected uring, epoll or auto, got \"%s\"", optarg);
		return 1;
	case OPT_SPAWN:
		if ((a->spawn = spawn_method_from_string(optarg)) < 0)
			return usage_error("--spawn: expected auto, vfork, clone3 or fork, got \"%s\"", optarg);
		return 1;
	case OPT_LOG_SPLICE:
		if (strcmp(optarg, "auto") && strcmp(optarg, "off"))
			return usage_error("--log-splice: expected auto or off, got \"%s\"", optarg);
		a->no_log_splice = !strcmp(optarg, "off");
		return 1;
	case OPT_LOG_FORMAT:
		if (!strcmp(optarg, "text"))
			a->log_format = LOG_FORMAT_TEXT;
		else if (!strcmp(optarg, "json"))
			a->log_format = LOG_FORMAT_JSON;
		else
			return usage_error("--log-format: expected text or json, got \"%s\"", optarg);
		return 1;
	case OPT_DEBUG:
		a->log_level = LOG_LVL_DEBUG;
		return 1;
	}
	return 0;
}

/* The options of the client commands (and -c, --socket, shared by all). */
static int parse_client_option(int c, struct args *a)
{
	if (cli_logs_option(c, optarg, &a->logs) || cli_status_option(c, optarg, &a->status))
		return 0;
	switch (c) {
	case 'c':
		a->config = optarg;
		return 0;
	case OPT_SOCKET:
		a->socket = optarg;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case TOP_ARG_INTERVAL:
	case TOP_ARG_BATCH:
	case TOP_ARG_DELAY:
	case TOP_ARG_SORT:
		top_options_take(&a->top, c, optarg);
		return 0;
	case 'n': {
		char *end;
		errno = 0;
		a->lines = strtol(optarg, &end, 10);
		if (*end || !*optarg || errno || a->lines < 0 || a->lines > RV_PROTO_MAX_LINES)
			return usage_error("-n: expected a number from 0 to 100000 (logs' lines, top's frames), got \"%s\"", optarg);
		return 0;
	}
	case 'o':
		if (strcmp(optarg, "wide"))
			return usage_error("-o: expected wide, got \"%s\"", optarg);
		a->wide = true;
		return 0;
	case OPT_NO_WAIT:
		a->no_wait = true;
		return 0;
	case OPT_TIMEOUT:
		a->timeout = optarg;
		return 0;
	case 'h':
		a->help = true;
		return 0;
	case OPT_VERSION:
		printf("ringvisor " VERSION "\n");
		exit(0);
	}
	return CLI_EXIT_USAGE;
}

static int parse_options(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT },
		{ "cgroup-kill", required_argument, NULL, OPT_CGROUP_KILL },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "event-backend", required_argument, NULL, OPT_BACKEND },
		{ "spawn", required_argument, NULL, OPT_SPAWN },
		{ "log-splice", required_argument, NULL, OPT_LOG_SPLICE },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "interval", required_argument, NULL, TOP_ARG_INTERVAL },
		{ "batch", no_argument, NULL, TOP_ARG_BATCH },
		{ "delay", required_argument, NULL, TOP_ARG_DELAY },
		{ "sort", required_argument, NULL, TOP_ARG_SORT },
		{ "lines", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		CLI_LOGS_LONG_OPTIONS, CLI_STATUS_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "output", required_argument, NULL, 'o' },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ 0 },
	};
	int c;
	int idx = -1;
	while ((c = getopt_long(argc, argv, "c:hn:fo:bd:" CLI_LOGS_SHORT_OPTS, opts, &idx)) != -1) {
		int r = parse_run_option(c, a);
		if (r == 1 && !a->run_option)
			a->run_option = idx >= 0 ? opts[idx].name : "?";
		idx = -1;
		if (r == 0)
			r = parse_client_option(c, a);
		if (r > 1)
			return r;   /* a usage error's exit code */
	}
	return 0;
}

static void print_errors(const struct config_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->lines[i]);
	if (errs->dropped)
		fprintf(stderr, "... and %zu more %s\n", errs->dropped, errs->warnings ? "warnings" : "errors");
}

/* warns: NULL, or where the file's warnings go (config_load_warn()). */
static int load(const char *path, struct config **ret, struct config_errors *warns)
{
	struct config_errors errs = { 0 };
	int r = config_load_warn(path, ret, &errs, warns);
	if (r < 0) {
		if (errs.n == 0)
			fprintf(stderr, "%s: %s\n", path, strerror(-r));
		print_errors(&errs);
	}
	config_errors_done(&errs);
	return r;
}

/* --socket, then $RINGVISOR_SOCKET, then the config, then the default. */
static const char *socket_path(const struct args *a, const struct config *c)
{
	const char *env = getenv("RINGVISOR_SOCKET");
	if (a->socket)
		return a->socket;
	if (env && *env)
		return env;
	if (c && c->supervisor.control_socket)
		return c->supervisor.control_socket;
	return DEFAULT_SOCKET;
}

/* PID 1 of the machine, not of a container: the initial pid namespace
 * has the fixed inode PROC_PID_INIT_INO (0xEFFFFFFC). (NSpid cannot tell:
 * with a private /proc it lists only the inner pid.) In a container,
 * reboot() would turn into a SIGINT to ourselves and the runtime would
 * lose our exit status. */
static bool in_root_pidns(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == 0xEFFFFFFCU;
}

static int cmd_run(const struct args *a, char **argv)
{
	struct inherited_fds inherited = { 0 };
	struct config *c = NULL;
	struct supervisor *s = NULL;
	struct control *ctl = NULL;

	struct config_errors warns = { .warnings = true };

	if (!a->config)
		return usage_error("%s", "run needs -c FILE");
	if (load(a->config, &c, &warns) < 0)
		return 1;
	for (size_t i = 0; i < warns.n; i++)   /* what will fail at exec, said now */
		log_warn("%s", warns.lines[i]);
	config_errors_done(&warns);
	struct supervisor_options o = {
		.config_path = a->config, .socket_path = socket_path(a, c), .cgroup_root = a->cgroup_root,
		.cgroup_kill_fallback = a->cgroup_kill_fallback,
		.probe = a->probe, .state_dir = a->state_dir,
		.backend = a->backend, .spawn = a->spawn, .no_log_splice = a->no_log_splice,
		.front_sources = CONTROL_LOOP_SOURCES,
		.argv = argv, .inherited = &inherited, .self_exe = "/proc/self/exe",
	};
	/* Our previous image's output pipes (reexec); any other stray fd goes. */
	if (getenv(REEXEC_ENV)) {
		(void)inherited_fds_collect(&inherited);
		unsetenv(REEXEC_ENV);
	}
	/* fds 0-2 open, then the lowest numbers for a vfork child to move its
	 * fds into (spawn_slots.h); without them a child copies the whole table. */
	if (spawn_slots_prepare() < 0)
		log_warn("cannot keep fds for spawning (%m): each start copies the daemon's whole fd table");
	/* The loop must never wait for whoever reads our stderr. */
	int r = log_open_nonblocking();
	if (r < 0)
		log_warn_errno(r, "cannot make our own log non-blocking, writing it blocking");
	if ((r = log_keep_events(CONTROL_EVENTS_KEPT, CONTROL_EVENTS_KEPT_BYTES)) < 0)   /* `events` */
		log_warn_errno(r, "cannot keep recent events: `events` will have none");
	if (supervisor_new(&o, c, &s) < 0)
		return 1;   /* supervisor_new freed the config and said why */
	if (control_new(s, o.socket_path, &ctl) < 0) {
		supervisor_free(s);
		return 1;
	}
	int rc = supervisor_run(s);
	control_free(ctl);
	supervisor_free(s);
	log_forget_events();
	if (getpid() == 1 && in_root_pidns()) {
		/* As init there is nobody to return to: power the machine off
		 * (everything we ran is stopped by now). */
		log_event("poweroff", NULL, -1, LOG_NUM("exit", rc), NULL);
		sync();
		(void)reboot(RB_POWER_OFF);
	}
	return rc;
}

static int cmd_check(const struct args *a)
{
	struct config_errors errs = { 0 }, warns = { .warnings = true };
	struct config *c = NULL;
	if (!a->config)
		return usage_error("%s", "check needs -c FILE");
	int r = config_load_warn(a->config, &c, &errs, &warns);
	if (a->json) {
		json_object *o = config_report_json(a->config, r < 0 ? NULL : c, &errs, &warns);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else if (r < 0) {
		print_errors(&errs);
	} else {
		print_errors(&warns);
		printf("%s: ok, %zu services, %llu instances\n", a->config, c->n_services,
		       (unsigned long long)c->total_instances);
	}
	config_free(c);
	config_errors_done(&errs);
	config_errors_done(&warns);
	return r < 0 ? 1 : 0;
}

static int cmd_client(const struct args *a, enum rv_cmd cmd, int argc, char **argv)
{
	struct rv_request req = { .cmd = cmd, .index = -1 };
	struct config *c = NULL;
	int nargs = cmd == RV_CMD_STATUS || cmd == RV_CMD_LEAKS || cmd == RV_CMD_SNAPSHOTS || cmd == RV_CMD_EVENTS ? -1 :
		    cmd == RV_CMD_SHUTDOWN || cmd == RV_CMD_RELOAD || cmd == RV_CMD_REEXEC ||
		    cmd == RV_CMD_METRICS ? 0 :
		    cmd == RV_CMD_SCALE || cmd == RV_CMD_SIGNAL ? 2 : 1;

	if ((nargs >= 0 && argc != nargs) || (nargs < 0 && argc > 1))
		return usage_error("wrong number of arguments for %s", rv_cmd_to_string(cmd));
	if (argc >= 1 && rv_target_parse(argv[0], req.service, &req.index) < 0)
		return usage_error("bad target \"%s\": expected SERVICE or SERVICE.INDEX", argv[0]);
	if (cmd == RV_CMD_SCALE) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(argv[1], &end, 10);
		if (req.index >= 0 || *end || !*argv[1] || errno || n > CONFIG_MAX_INSTANCES)
			return usage_error("scale: expected SERVICE N with N in 0..10000, got \"%s\"", argv[1]);
		req.count = (uint32_t)n;
	}
	if (cmd == RV_CMD_SIGNAL && parse_signal(argv[1], &req.signal) < 0)
		return usage_error("signal: unknown signal \"%s\"", argv[1]);
	if (cmd == RV_CMD_RELOAD && a->config) {
		/* The daemon reads the file: send where it is, not where we are. */
		_cleanup_free_ char *abs = realpath(a->config, NULL);
		if (!abs || strlen(abs) > RV_PROTO_MAX_PATH) {
			fprintf(stderr, "%s: %s\n", a->config, abs ? "path too long" : strerror(errno));
			return CLI_EXIT_FAIL;
		}
		memcpy(req.path, abs, strlen(abs) + 1);
	}
	struct cli_opts o = { .json = a->json, .wide = a->wide, .no_wait = a->no_wait, .timeout_ms = CLI_WAIT_DEFAULT_MS };
	if (a->timeout && (parse_duration_ms(a->timeout, &o.timeout_ms) < 0 || o.timeout_ms > CLI_WAIT_MAX_MS))
		return usage_error("--timeout: expected a duration up to 1h, got \"%s\"", a->timeout);
	req.lines = a->lines >= 0 ? (uint32_t)a->lines : RV_PROTO_DEFAULT_LINES;
	req.follow = a->logs.follow;
	char err[160];
	const char *bad = cmd == RV_CMD_EVENTS ? cli_events_request(a->logs.since, &req, err, sizeof(err)) :
			  cmd == RV_CMD_STATUS ? cli_status_request(&a->status, &req, err, sizeof(err)) :
			  cmd != RV_CMD_LOGS ? NULL :
			  cli_logs_request(&a->logs, a->lines >= 0, a->json, &req, err, sizeof(err));
	if (bad)
		return usage_error("%s", bad);
	if (!a->socket && !getenv("RINGVISOR_SOCKET") && a->config && load(a->config, &c, NULL) < 0)
		return 1;
	int rc = cmd == RV_CMD_LOGS ? cli_logs(socket_path(a, c), &req, a->json, &a->logs) :
		 cmd == RV_CMD_EVENTS ? cli_events(socket_path(a, c), &req, a->json) :
					cli_request(socket_path(a, c), &req, &o);
	config_free(c);
	return rc;
}

static int cmd_top(const struct args *a, int argc, char **argv)
{
	struct top_options o;
	struct config *c = NULL;
	char err[160];

	if (argc > 0)
		return usage_error("unexpected argument \"%s\"", argv[0]);
	if (top_options_parse(&o, &a->top, a->lines, err, sizeof(err)) < 0)
		return usage_error("%s", err);
	if (!a->socket && !getenv("RINGVISOR_SOCKET") && a->config && load(a->config, &c, NULL) < 0)
		return 1;
	o.socket = socket_path(a, c);
	int rc = top_run(&o);
	config_free(c);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = { .log_level = LOG_LVL_INFO, .lines = -1 };

	/* Options may come before or after the verb: getopt moves the
	 * positional arguments (verb first) to the end. */
	int r = parse_options(argc, argv, &a);
	if (r != 0)
		return r;
	if (optind >= argc) {
		usage(a.help ? stdout : stderr);
		return a.help ? 0 : CLI_EXIT_USAGE;
	}
	const char *verb = argv[optind];
	int rest = argc - optind - 1;
	char **restv = argv + optind + 1;
	log_setup(a.log_format, a.log_level);

	if (!strcmp(verb, "fdhold"))   /* the daemon's own helper (kernel/fdstore.h) */
		return fdhold_main();
	if (!strcmp(verb, "help") && rest > 0)
		return cli_help_print(restv[0], stdout) < 0 ? usage_error("help: unknown command \"%s\"", restv[0]) : 0;
	if (a.help || !strcmp(verb, "help")) {
		if (!strcmp(verb, "help") || cli_help_print(verb, stdout) < 0)
			usage(stdout);
		return 0;
	}
	/* Every option a command accepts does something: the others are
	 * refused, not ignored. */
	if (a.run_option && strcmp(verb, "run")) {
		fprintf(stderr, "ringvisor: --%s is an option of run, not of %s\n", a.run_option, verb);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (a.json && (!strcmp(verb, "run") || !strcmp(verb, "top")))
		return usage_error("--json is not an option of %s", verb);
	if (top_options_refusal(&a.top) && strcmp(verb, "top"))
		return usage_error(top_options_refusal(&a.top), verb);
	if (a.lines >= 0 && strcmp(verb, "logs") && strcmp(verb, "top"))
		return usage_error("-n is an option of logs and top, not of %s", verb);
	if (a.wide && strcmp(verb, "status"))
		return usage_error("-o wide is an option of status, not of %s", verb);
	bool waits = !strcmp(verb, "start") || !strcmp(verb, "stop") || !strcmp(verb, "restart") || !strcmp(verb, "scale");
	if ((a.no_wait || a.timeout) && !waits)
		return usage_error("--no-wait and --timeout are options of start, stop, restart and scale, not of %s", verb);
	const char *logs_refusal = cli_logs_refusal(&a.logs, verb) ?: cli_status_refusal(&a.status, verb);
	if (logs_refusal)
		return usage_error(logs_refusal, verb);
	if (!strcmp(verb, "top"))
		return cmd_top(&a, rest, restv);
	if (!strcmp(verb, "run") || !strcmp(verb, "check")) {
		if (rest != 0)
			return usage_error("unexpected argument \"%s\"", restv[0]);
		return !strcmp(verb, "run") ? cmd_run(&a, argv) : cmd_check(&a);
	}
	enum rv_cmd cmd = rv_cmd_from_string(verb);
	if (cmd == _RV_CMD_INVALID)
		return usage_error("unknown command \"%s\"", verb);
	return cmd_client(&a, cmd, rest, restv);
}
