/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold: the warmpool appliance.
 *
 * With --config FILE it is the HTTP/1.1 pooling appliance (appliance.c):
 * the configuration decides lcores and DPDK devices (EAL arguments are
 * derived from it unless given), workers run the stack and the proxy,
 * SIGTERM drains, SIGHUP reloads the file (sighup.c). --check-config FILE
 * validates a file and prints the
 * effective configuration without starting anything.
 *
 * Without --config it runs the runtime alone (src/core/runtime.c): EAL
 * start-up with the hugepage fallback, one worker per non-main lcore
 * running the run-to-completion loop, the control core draining telemetry,
 * and a clean stop on SIGINT/SIGTERM (exit 0); the runtime's own tests use
 * that mode.
 *
 * Application options come after "--" and are parsed before EAL starts,
 * so --help and a mistyped option cost nothing and need no hugepages.
 * Exit status: 0 after a clean stop or --help, 2 for bad options (ours or
 * EAL's), 1 for any other start-up failure (with what to fix).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include <warmpool/config.h>
#include <warmpool/ring.h>
#include <warmpool/runtime.h>

#include "appliance.h"
#include "xdpmode.h"
#include "sighup.h"

#define PROG "warmpoold"

static void
usage(FILE *out)
{
	struct wp_runtime_conf d;

	wp_runtime_conf_defaults(&d);
	fprintf(out,
"usage: " PROG " [EAL options] -- [options]\n"
"\n"
"The EAL main lcore is the control core; every other lcore given to EAL\n"
"(-l / --lcores) runs one worker. Without free hugepages, --no-huge is\n"
"added automatically (reserve them with: sudo ./warmpool.sh hugepages).\n"
"\n"
"Options (after --; --config and --check-config may also come alone):\n"
"  --config FILE         run the appliance described by FILE (INI; see\n"
"                        conf/warmpoold.ini). EAL lcores and devices come\n"
"                        from it unless given as EAL options\n"
"  --check-config FILE   validate FILE, print every error (file:line,\n"
"                        section, key, what is allowed) or the effective\n"
"                        configuration, and exit (0 valid, 2 invalid)\n"
"  --stats-interval MS   worker counters snapshot period, and the period of\n"
"                        the --verbose stats line; 0 = only at stop\n"
"                        (0..3600000, default %" PRIu32 ")\n"
"  --spin-polls N        empty polls a worker spins before pausing\n"
"                        (default %" PRIu32 ")\n"
"  --pause-polls N       further empty polls with a CPU pause before it\n"
"                        starts sleeping (default %" PRIu32 ")\n"
"  --idle-sleep-us N     sleep per empty poll after that; 0 = never sleep\n"
"                        (0..1000000, default %" PRIu32 ")\n"
"  -v, --verbose         print aggregated worker counters every interval\n"
"  -h, --help            this text\n"
"\n"
"Example (no root, no hugepages):\n"
"  " PROG " --no-huge --no-shconf --no-pci --lcores '0@0,1@1,2@1' -- --verbose\n"
"\n"
"SIGINT or SIGTERM stops the workers, drains their rings and exits 0.\n",
		d.stats_interval_ms, d.spin_polls, d.pause_polls,
		d.idle_sleep_us);
}

/* Strict unsigned parse: digits only, within [0, max]. */
static int
parse_u32(const char *opt, const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	fprintf(stderr, PROG ": invalid value '%s' for %s (expected an integer "
			"0..%" PRIu32 "; see --help)\n", s ? s : "", opt, max);
	return -EINVAL;
}

enum { OPT_STATS = 256, OPT_SPIN, OPT_PAUSE, OPT_SLEEP, OPT_CONFIG, OPT_CHECK };

static const char *config_path;    /* --config */
static const char *check_path;     /* --check-config */

/* Parse the application options: argv[0] is a program name. Returns 0,
 * 1 for --help (already printed), or -EINVAL (message printed). */
static int
parse_app_args(int argc, char **argv, struct wp_runtime_conf *conf)
{
	static const struct option opts[] = {
		{ "stats-interval", required_argument, NULL, OPT_STATS },
		{ "spin-polls", required_argument, NULL, OPT_SPIN },
		{ "pause-polls", required_argument, NULL, OPT_PAUSE },
		{ "idle-sleep-us", required_argument, NULL, OPT_SLEEP },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "check-config", required_argument, NULL, OPT_CHECK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret = 0;

	opterr = 0;
	optind = 1;
	while (ret == 0 &&
	       (c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATS:
			ret = parse_u32("--stats-interval", optarg, 3600000,
					&conf->stats_interval_ms);
			break;
		case OPT_SPIN:
			ret = parse_u32("--spin-polls", optarg, UINT32_MAX,
					&conf->spin_polls);
			break;
		case OPT_PAUSE:
			ret = parse_u32("--pause-polls", optarg, UINT32_MAX,
					&conf->pause_polls);
			break;
		case OPT_SLEEP:
			ret = parse_u32("--idle-sleep-us", optarg, 1000000,
					&conf->idle_sleep_us);
			break;
		case OPT_CONFIG:
			config_path = optarg;
			break;
		case OPT_CHECK:
			check_path = optarg;
			break;
		case 'v':
			conf->verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			fprintf(stderr, PROG ": option '%s' needs a value "
					"(see --help)\n", argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, PROG ": unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (ret == 0 && optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n",
				argv[optind]);
		return -EINVAL;
	}
	return ret;
}

/* Index of "--" in argv, or argc. */
static int
find_dashdash(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

static bool
asks_help(int from, int to, char **argv)
{
	int i;

	for (i = from; i < to; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static void
log_workers(const struct wp_runtime *rt, const struct wp_runtime_conf *conf)
{
	unsigned int i, n = wp_runtime_workers(rt);
	char lcores[256] = "", sockets[256] = "";
	size_t lo = 0, so = 0;

	for (i = 0; i < n; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);
		int l = snprintf(lcores + lo, sizeof(lcores) - lo, "%s%u",
				i ? "," : "", v->lcore_id);
		int s = snprintf(sockets + so, sizeof(sockets) - so, "%s%d",
				i ? "," : "", v->socket_id);
		if (l < 0 || s < 0 || (size_t)l >= sizeof(lcores) - lo ||
		    (size_t)s >= sizeof(sockets) - so)
			break; /* long lists are cut; the count stays right */
		lo += (size_t)l;
		so += (size_t)s;
	}
	printf(PROG ": running: %u workers on lcores %s (sockets %s), control "
			"on lcore %u (socket %u); stats interval %" PRIu32
			" ms, spin %" PRIu32 ", pause %" PRIu32 ", idle sleep %"
			PRIu32 " us\n", n, lcores, sockets, rte_get_main_lcore(),
			rte_lcore_to_socket_id(rte_get_main_lcore()),
			conf->stats_interval_ms, conf->spin_polls,
			conf->pause_polls, conf->idle_sleep_us);
}

/* --check-config, or the appliance with --config. */
static int
run_with_config(char **argv, int dd, struct wp_runtime_conf *rconf)
{
	static struct wp_config cfg;
	static struct wp_config_errors errs;
	const char *path = check_path != NULL ? check_path : config_path;
	char *eal_argv[128], store[4096];
	int eal_argc = 0, n, ret, status;

	if (wp_config_load(&cfg, path, &errs) != 0) {
		wp_config_errors_print(&errs, stderr);
		fprintf(stderr, PROG ": %s: %u error(s); nothing started\n", path, errs.count);
		return 2;
	}
	if (check_path != NULL) {
		printf("# %s: valid; effective configuration:\n", path);
		wp_config_dump(&cfg, stdout);
		return 0;
	}
	/* EAL: program name, the user's EAL options, then what the file implies */
	eal_argv[eal_argc++] = argv[0];
	for (int i = 1; i < dd && eal_argc < 64; i++)
		eal_argv[eal_argc++] = argv[i];
	n = wpd_eal_args(&cfg, dd > 1 ? dd - 1 : 0, argv + 1, eal_argv + eal_argc,
			 (int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - eal_argc - 1,
			 store, sizeof(store));
	if (n < 0) {
		fprintf(stderr, PROG ": too many EAL arguments\n");
		return 2;
	}
	/* AF_XDP ports whose device strings now name warmpool's XDP program:
	 * checked and taken before EAL probes them */
	for (int i = eal_argc; i < eal_argc + n; i++) {
		if (strstr(eal_argv[i], ",xdp_prog=") == NULL)
			continue;
		if (wpd_xdp_prepare(&cfg, cfg.workers.count) < 0)
			return 1;
		break;
	}
	eal_argc += n;
	eal_argv[eal_argc] = NULL;
	ret = wp_runtime_install_signals();
	if (ret == 0)
		ret = wpd_sighup_install();     /* SIGHUP reloads path */
	if (ret != 0) {
		fprintf(stderr, PROG ": cannot install signal handlers: %s\n", strerror(-ret));
		return 1;
	}
	n = wp_eal_init(eal_argc, eal_argv);
	if (n < 0) {
		fprintf(stderr, PROG ": EAL initialisation failed: %s (check the EAL options "
			"and [port] devices of %s)\n", strerror(-n), path);
		return n == -EINVAL ? 2 : 1;
	}
	status = wpd_appliance_run(&cfg, path, rconf);
	wpd_xdp_close();        /* the ports are closed: unpin, release */
	rte_eal_cleanup();
	return status;
}

int
main(int argc, char **argv)
{
	struct wp_runtime_conf conf;
	struct wp_runtime *rt = NULL;
	const char *field;
	char line[256];
	int dd, n, ret, stopped, status = 1;
	struct wp_telem_counters totals;

	setvbuf(stdout, NULL, _IOLBF, 0);
	wp_runtime_conf_defaults(&conf);

	/* Our options first, before EAL: no hugepages needed to be told off. */
	dd = find_dashdash(argc, argv);
	if (dd == argc && argc > 1 && (strncmp(argv[1], "--config", 8) == 0 ||
				       strncmp(argv[1], "--check-config", 14) == 0))
		dd = 0;                 /* only our options, no EAL ones */
	if (asks_help(1, dd, argv)) {
		usage(stdout);
		return 0;
	}
	if (dd < argc) {
		char *saved = argv[dd];

		argv[dd] = argv[0];
		ret = parse_app_args(argc - dd, argv + dd, &conf);
		argv[dd] = saved;
		if (ret != 0)
			return ret > 0 ? 0 : 2;
	}
	if (wp_runtime_conf_check(&conf, &field) != 0) {
		fprintf(stderr, PROG ": invalid setting %s (see --help)\n", field);
		return 2;
	}
	if (check_path != NULL || config_path != NULL)
		return run_with_config(argv, dd, &conf);

	/* From here on SIGINT/SIGTERM only set a flag: one that arrives while
	 * starting is honoured by the control loop as soon as it runs. */
	ret = wp_runtime_install_signals();
	if (ret != 0) {
		fprintf(stderr, PROG ": cannot install signal handlers: %s\n",
				strerror(-ret));
		return 1;
	}

	n = wp_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, PROG ": EAL initialisation failed: %s (check the "
				"EAL options; see --help)\n", strerror(-n));
		return n == -EINVAL ? 2 : 1;
	}

	rt = wp_runtime_start(&conf, NULL);
	if (rt == NULL) {
		ret = errno;
		if (ret == EINVAL && rte_lcore_count() < 2)
			fprintf(stderr, PROG ": no worker lcore: give EAL at least "
					"two lcores, e.g. -l 0-1 or --lcores "
					"'0@0,1@1'\n");
		else
			fprintf(stderr, PROG ": cannot start workers: %s\n",
					strerror(ret));
		goto out;
	}
	log_workers(rt, &conf);

	stopped = wp_runtime_run_control(rt);
	if (stopped < 0) {
		fprintf(stderr, PROG ": stopping failed: %s\n", strerror(-stopped));
		goto out;
	}
	wp_runtime_format_totals(rt, line, sizeof(line));
	wp_runtime_totals(rt, &totals);
	printf(PROG ": totals: %s\n", line);
	printf(PROG ": stopping: %d workers stopped, rings drained (telemetry "
			"drops %" PRIu64 ")\n", stopped, totals.telem_drops);
	status = 0;
out:
	wp_runtime_free(rt);
	rte_eal_cleanup();
	return status;
}
