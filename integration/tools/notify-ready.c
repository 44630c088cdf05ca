/* SPDX-License-Identifier: MIT */
/*
 * notify-ready.c: a service that speaks sd_notify through libsystemd's own
 * sd_notify(), as a real program linked with libsystemd does. For the
 * readiness tests:
 *   notify-ready [-d MS] [-s TEXT] [-w MS] [-n PINGS] [-e]
 *     -d MS     wait MS before READY=1 (default 0)
 *     -s TEXT   send STATUS=TEXT with READY=1
 *     -w MS     then send WATCHDOG=1 every MS ...
 *     -n PINGS  ... PINGS times, then stop pinging (default: forever)
 *     -x USEC   send EXTEND_TIMEOUT_USEC=USEC first, then wait -d
 *     -r        never send READY=1
 * then sleeps until killed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		;
}

int main(int argc, char **argv)
{
	long delay = 0, every = 0, pings = -1, extend = 0;
	const char *status = NULL;
	int opt, never = 0;
	char msg[512];

	while ((opt = getopt(argc, argv, "d:s:w:n:x:r")) != -1) {
		switch (opt) {
		case 'd': delay = atol(optarg); break;
		case 's': status = optarg; break;
		case 'w': every = atol(optarg); break;
		case 'n': pings = atol(optarg); break;
		case 'x': extend = atol(optarg); break;
		case 'r': never = 1; break;
		default:
			fprintf(stderr, "usage: %s [-d MS] [-s TEXT] [-w MS] [-n PINGS] [-x USEC] [-r]\n", argv[0]);
			return 2;
		}
	}
	if (extend > 0) {
		snprintf(msg, sizeof(msg), "EXTEND_TIMEOUT_USEC=%ld", extend);
		sd_notify(0, msg);
	}
	sleep_ms(delay);
	if (!never) {
		snprintf(msg, sizeof(msg), "READY=1%s%s", status ? "\nSTATUS=" : "", status ? status : "");
		if (sd_notify(0, msg) <= 0)
			fprintf(stderr, "notify-ready: sd_notify failed or NOTIFY_SOCKET unset\n");
	}
	for (long i = 0; every > 0 && (pings < 0 || i < pings); i++) {
		sleep_ms(every);
		sd_notify(0, "WATCHDOG=1");
	}
	for (;;)
		pause();
}
