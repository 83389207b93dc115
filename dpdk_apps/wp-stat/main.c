/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-stat: reader of warmpoold's telemetry export ring (DESIGN.md 6).
 *
 * The ring is a plain file that warmpoold's control core maps and writes
 * (include/warmpool/export-t.h has the layout, export.h the API); wp-stat
 * maps it read-only through wp_export_open() and never writes to it, so
 * any number of wp-stat processes can watch one appliance without the
 * appliance knowing. It needs no EAL, no hugepages and no root beyond the
 * file's permissions.
 *
 * Modes (one at a time):
 *   live view (default)  a top-like screen refreshed every --interval from
 *                        the latest CORE/BACKEND records (view.c);
 *   --json               every record as one JSON line (record.c);
 *   --events             EVENT records as readable lines;
 *   --prometheus         the latest values in text exposition format, once.
 * The reader polls: the writer never signals readers (it must never wait
 * for them), so wp-stat looks for new records every POLL_NS and draws the
 * view every --interval. A reader too slow for the writer is lapped; the
 * export reader counts exactly the records that were overwritten unread,
 * and wp-stat reports that count ({"type":"lost"} in JSON, "lost" in the
 * view header) rather than hiding it.
 *
 * Exit status: 0 when done (--once, --count, the writer closed the ring,
 * SIGINT/SIGTERM), 2 when the file cannot be used (missing, truncated,
 * not a ring, another version: one message naming the file and the
 * problem), 64 (EX_USAGE) for bad options, 1 for anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <warmpool/export.h>

#include "wpstat.h"

#define PROG "wp-stat"
#define DEFAULT_FILE "/run/warmpool/telemetry.ring"
#define POLL_NS 50000000ll    /* look for new records every 50 ms */

enum mode { MODE_VIEW, MODE_JSON, MODE_EVENTS, MODE_PROM };

struct opts {
	const char *file;
	enum mode mode;
	int64_t interval_ns;
	long count;              /* view refreshes; 0: until closed */
	int once;
	enum wp_export_from from;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *out)
{
	fprintf(out,
"usage: " PROG " [options] [FILE]\n"
"\n"
"Read warmpoold's telemetry export ring FILE (default " DEFAULT_FILE ").\n"
"Without a mode option, show a live view refreshed in place: per worker\n"
"busy %%, loops, packets and requests per second, errors, clients; per\n"
"backend health, breaker, ejection, sessions, targets/budget, RPS,\n"
"p50/p99 latency, errors. Exits 0 when the writer closes the ring.\n"
"\n"
"Options:\n"
"  -j, --json            print every record as one JSON object per line and\n"
"                        follow new ones; lapping shows as\n"
"                        {\"type\":\"lost\",\"count\":N}\n"
"  -e, --events          print event records (sessions, probes, health,\n"
"                        breaker, ejections, leaks, targets) as lines\n"
"  -p, --prometheus      print the latest values in Prometheus text format\n"
"                        once and exit\n"
"  -1, --once            print what is in the ring now and exit (live view:\n"
"                        one refresh)\n"
"  -f, --from WHERE      oldest (default): start at the oldest record still\n"
"                        in the ring; newest: only records written from now\n"
"  -i, --interval SEC    live view refresh period in seconds (default 1,\n"
"                        0.01 .. 3600)\n"
"  -n, --count N         live view: stop after N refreshes\n"
"  -h, --help            show this help and exit\n"
"\n"
"Exit status: 0 done, 2 FILE unusable (missing, truncated, corrupt, other\n"
"version), 64 bad options.\n");
}

static int
bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	return EX_USAGE;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "events", no_argument, NULL, 'e' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "once", no_argument, NULL, '1' },
		{ "from", required_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, modes = 0;
	char *end;
	double d;

	*o = (struct opts){ .file = DEFAULT_FILE, .mode = MODE_VIEW,
		.interval_ns = 1000000000, .from = WP_EXPORT_OLDEST };
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jep1f:i:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->mode = MODE_JSON; modes++; break;
		case 'e': o->mode = MODE_EVENTS; modes++; break;
		case 'p': o->mode = MODE_PROM; modes++; break;
		case '1': o->once = 1; break;
		case 'f':
			if (strcmp(optarg, "oldest") == 0)
				o->from = WP_EXPORT_OLDEST;
			else if (strcmp(optarg, "newest") == 0)
				o->from = WP_EXPORT_NEWEST;
			else
				return bad_usage("--from: '%s' is not oldest or newest", optarg);
			break;
		case 'i':
			errno = 0;
			d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(d >= 0.01 && d <= 3600))
				return bad_usage("--interval: '%s' is not a number of seconds in 0.01 .. 3600",
					optarg);
			o->interval_ns = (int64_t)(d * 1e9);
			break;
		case 'n':
			errno = 0;
			o->count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->count < 1)
				return bad_usage("--count: '%s' is not a positive integer", optarg);
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			return bad_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (modes > 1)
		return bad_usage("%s", "--json, --events and --prometheus exclude each other");
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		return bad_usage("one FILE only ('%s' is extra)", argv[optind]);
	return 0;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	nanosleep(&ts, NULL);  /* EINTR: a signal, seen by the caller's loop */
}

static int
writer_alive(const struct wp_export_hdr *h)
{
	/* 0 or beyond pid_t: unknown, not "dead"; and never kill(-1, 0) */
	if (h->writer_pid == 0 || h->writer_pid > INT32_MAX)
		return 1;
	return kill((pid_t)h->writer_pid, 0) == 0 || errno == EPERM;
}

/* Read every record now available, up to record number `until` (--once:
 * the write_seq seen at start, so a busy writer cannot keep us here;
 * following: UINT64_MAX), feed the state and print per the mode. */
static void
drain(struct wp_export_reader *r, struct wpstat_state *s, const struct opts *o,
		uint64_t until)
{
	const struct wp_export_hdr *h = wp_export_header(r);
	struct wp_export_rec rec;

	while (wp_export_next_seq(r) < until) {
		uint64_t lost0 = wp_export_lost(r);
		int rc = wp_export_next(r, &rec);
		uint64_t lost = wp_export_lost(r) - lost0;

		if (lost) {
			s->lost += lost;
			if (o->mode == MODE_JSON)
				wpstat_json_lost(stdout, lost);
			else if (o->mode == MODE_EVENTS)
				printf("lost %" PRIu64 " records (reader lapped)\n", lost);
		}
		if (rc <= 0)
			break;
		wpstat_state_add(s, &rec);
		if (o->mode == MODE_JSON)
			wpstat_json_rec(stdout, h, &rec);
		else if (o->mode == MODE_EVENTS && rec.type == WP_X_EVENT)
			wpstat_event_line(stdout, h, &rec);
	}
	fflush(stdout);
}

static void
draw(struct wp_export_reader *r, const struct wpstat_state *s,
		const struct opts *o, int closed, int tty)
{
	const struct wp_export_hdr *h = wp_export_header(r);

	if (tty)
		fputs("\033[H\033[J", stdout);   /* home, clear: redraw in place */
	wpstat_view(stdout, h, s, o->file, writer_alive(h), closed);
	if (!tty)
		fputc('\n', stdout);
	fflush(stdout);
}

/* wp_export_open(), without the library's own log line: the library
 * writes its first refusal of each cause to stderr (right for a daemon,
 * where err may go unread), and wp-stat prints the same text itself, once,
 * with its name in front. fd 2 points at /dev/null only for the call. */
static int
open_quiet(const char *file, struct wp_export_reader **r, char *err, size_t len)
{
	int saved, null, rc;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, STDERR_FILENO);
	rc = wp_export_open(file, r, err, len);
	if (saved >= 0 && null >= 0)
		dup2(saved, STDERR_FILENO);
	if (null >= 0)
		close(null);
	if (saved >= 0)
		close(saved);
	return rc;
}

static int
run(struct wp_export_reader *r, struct wpstat_state *s, const struct opts *o)
{
	const struct wp_export_hdr *h = wp_export_header(r);
	int tty = isatty(STDOUT_FILENO);
	int64_t next_draw = now_ns();
	long frames = 0;

	if (o->once || o->mode == MODE_PROM) {
		drain(r, s, o, __atomic_load_n(&h->write_seq, __ATOMIC_ACQUIRE));
		if (o->mode == MODE_PROM)
			wpstat_prometheus(stdout, h, s);
		else if (o->mode == MODE_VIEW)
			draw(r, s, o, wp_export_writer_closed(r), tty);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	while (!stop) {
		/* The flag before the records: everything published before
		 * close is then read by this drain. */
		int closed = wp_export_writer_closed(r);

		drain(r, s, o, UINT64_MAX);
		if (o->mode == MODE_VIEW && (closed || now_ns() >= next_draw)) {
			draw(r, s, o, closed, tty);
			next_draw += o->interval_ns;
			if (next_draw < now_ns())   /* late (stopped?): no burst */
				next_draw = now_ns() + o->interval_ns;
			if (o->count && ++frames >= o->count)
				return 0;
		}
		if (closed) {
			if (o->mode != MODE_JSON)
				printf("%s: writer (pid %" PRIu32 ") closed the ring\n",
					o->file, h->writer_pid);
			return fflush(stdout) == 0 ? 0 : 1;
		}
		sleep_ns(o->mode == MODE_VIEW && next_draw - now_ns() < POLL_NS ?
			(next_draw - now_ns() > 0 ? next_draw - now_ns() : 0) : POLL_NS);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct wp_export_reader *r = NULL;
	struct wpstat_state *s = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct opts o;
	char err[512] = "";
	int rc;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;

	rc = open_quiet(o.file, &r, err, sizeof(err));
	if (rc < 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s: %s", o.file, strerror(-rc));
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	s = wpstat_state_new(wp_export_header(r));
	if (s == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		rc = 1;
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	wp_export_seek(r, o.from);
	rc = run(r, s, &o);
out:
	wpstat_state_free(s);
	wp_export_reader_close(r);
	return rc;
}
