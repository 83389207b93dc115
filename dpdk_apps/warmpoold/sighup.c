/* SPDX-License-Identifier: BSD-3-Clause */
/* SIGHUP: reload warmpoold's configuration without dropping a connection.
 *
 * The signal handler sets a flag; the control loop calls wpd_sighup_poll()
 * every pass, so all the work happens on the control core:
 *
 *   1. load the file again (wp_config_load). If it does not validate,
 *      every error is printed as --check-config prints it
 *      (file:line: [section] key = value: what is allowed) and the running
 *      configuration stays, untouched;
 *   2. plan (wp_reload_plan, src/control/reload.c): every difference from
 *      the running configuration is printed as applied, or refused with
 *      why (needs a restart, or beyond what start-up allocated) and the
 *      value kept; a plan whose kept and new values conflict is refused
 *      whole, with the loader's message;
 *   3. hand the result to the control core (wpd_ctl_reload), which moves
 *      its controllers and the workers to it; "settings generation N in
 *      force on every worker" follows when the workers have it.
 *
 * Nothing here touches a connection: client connections and backend
 * sessions carry on; lowered caps and timeouts act on them as the pools
 * and the proxy apply them (proxy.h, pool.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <warmpool/clock.h>
#include <warmpool/config.h>
#include <warmpool/reload.h>

#include "control.h"
#include "sighup.h"

#define PROG "warmpoold"

static volatile sig_atomic_t hup;
static unsigned reloads;

static void
on_hup(int signo)
{
	(void)signo;
	hup = 1;
}

int
wpd_sighup_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGHUP, &sa, NULL) == 0 ? 0 : -errno;
}

static void
log_change(void *arg, bool applied, const char *line)
{
	(void)applied;
	printf(PROG ": reload %u: %s\n", *(const unsigned *)arg, line);
}

int
wpd_sighup_poll(struct wpd_ctl *ctl, const struct wp_config *start, const char *path)
{
	static struct wp_config next, eff;
	static struct wp_config_errors errs;
	struct wp_reload_report rep;
	unsigned n;
	uint32_t gen;

	if (!hup)
		return 0;
	hup = 0;
	n = ++reloads;
	printf(PROG ": reload %u: SIGHUP: reading %s\n", n, path);
	if (wp_config_load(&next, path, &errs) != 0) {
		wp_config_errors_print(&errs, stderr);
		wp_config_errors_print(&errs, stdout);
		printf(PROG ": reload %u: %s: %u error(s); the running configuration is "
		       "kept\n", n, path, errs.count);
		fflush(stdout);
		return 1;
	}
	if (wp_reload_plan(start, wpd_ctl_config(ctl), &next, path, &eff, &rep, &errs,
			   log_change, &n) != 0) {
		wp_config_errors_print(&errs, stderr);
		wp_config_errors_print(&errs, stdout);
		printf(PROG ": reload %u: %s: the changes that apply do not fit with the "
		       "values kept; the running configuration is kept\n", n, path);
		fflush(stdout);
		return 1;
	}
	printf(PROG ": reload %u: %s: %u change(s): %u applied, %u refused\n", n, path,
	       rep.changes, rep.applied, rep.refused);
	fflush(stdout);
	if (rep.applied > 0) {
		gen = wpd_ctl_reload(ctl, &eff, (int64_t)wp_clock_ns());
		printf(PROG ": reload %u: settings generation %u sent to the workers\n", n, gen);
		fflush(stdout);
	}
	return 1;
}
