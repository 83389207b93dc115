/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-stat: the latest state of the appliance, as a live view or as
 * Prometheus text.
 *
 * The export ring carries, every snapshot period, one CORE record per
 * worker, one POOL record per worker and backend and one BACKEND record
 * per backend (export-t.h). The state kept here is simply the latest of
 * each, plus the CORE record before it: counters are monotonic, so a rate
 * is (cur - prev) / (cur.ts_ns - prev.ts_ns) between two snapshots of the
 * same worker, never between records of different workers. A counter
 * that went backwards (warmpoold restarted behind the same file) gives no
 * rate ("-") instead of a huge one. Busy % is busy_ns / (busy_ns +
 * idle_ns) over the same two snapshots, the share of loop time that found
 * work (the DPDK l3fwd-power notion of busy polling, not CPU time: a
 * poll-mode worker is always at 100% CPU).
 *
 * Prometheus output is wp-stat's own two lines (records read and lost)
 * and then the shared formatter (src/control/export_prom.c, also behind
 * warmpoold's GET /metrics): text exposition format 0.0.4, one HELP and
 * one TYPE line per metric family, counters named *_total, durations in
 * seconds, exact decimals, label values escaped.
 *
 * Indices in records are checked against the header's counts before they
 * index anything; out-of-range records are counted in `ignored`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <warmpool/export_prom.h>

#include "wpstat.h"

struct wpstat_state *
wpstat_state_new(const struct wp_export_hdr *h)
{
	struct wpstat_state *s = calloc(1, sizeof(*s));
	size_t n;

	if (s == NULL)
		return NULL;
	s->n_workers = h->n_workers < WPSTAT_MAX_WORKERS ? h->n_workers : WPSTAT_MAX_WORKERS;
	s->n_backends = h->n_backends < WP_EXPORT_MAX_BACKENDS ?
		h->n_backends : WP_EXPORT_MAX_BACKENDS;
	n = (size_t)s->n_workers * s->n_backends;
	s->have_pool = calloc(n ? n : 1, 1);
	s->pool = calloc(n ? n : 1, sizeof(*s->pool));
	n = (size_t)s->n_workers * s->n_workers;
	s->have_handoff = calloc(n ? n : 1, 1);
	s->handoff = calloc(n ? n : 1, sizeof(*s->handoff));
	if (s->have_pool == NULL || s->pool == NULL || s->have_handoff == NULL ||
	    s->handoff == NULL) {
		wpstat_state_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void
wpstat_state_free(struct wpstat_state *s)
{
	if (s == NULL)
		return;
	free(s->have_pool);
	free(s->pool);
	free(s->have_handoff);
	free(s->handoff);
	free(s);
}

void
wpstat_state_add(struct wpstat_state *s, const struct wp_export_rec *rec)
{
	size_t i;

	s->read++;
	switch (rec->type) {
	case WP_X_CORE:
		if (rec->worker >= s->n_workers)
			break;
		if (s->core[rec->worker].have)
			s->core[rec->worker].prev = s->core[rec->worker].cur;
		s->core[rec->worker].cur = *rec;
		if (s->core[rec->worker].have < 2)
			s->core[rec->worker].have++;
		return;
	case WP_X_POOL:
		if (rec->worker >= s->n_workers || rec->backend >= s->n_backends)
			break;
		i = (size_t)rec->worker * s->n_backends + rec->backend;
		s->pool[i] = *rec;
		s->have_pool[i] = 1;
		return;
	case WP_X_BACKEND:
		if (rec->backend >= s->n_backends)
			break;
		s->backend[rec->backend] = *rec;
		s->have_backend[rec->backend] = 1;
		return;
	case WP_X_STEER:
		if (rec->worker >= s->n_workers)
			break;
		s->steer[rec->worker] = *rec;
		s->have_steer[rec->worker] = 1;
		return;
	case WP_X_HANDOFF:
		if (rec->worker >= s->n_workers || rec->u.handoff.peer >= s->n_workers)
			break;
		i = (size_t)rec->worker * s->n_workers + rec->u.handoff.peer;
		s->handoff[i] = *rec;
		s->have_handoff[i] = 1;
		return;
	default:
		return;                 /* hist, events, unknown types: not state */
	}
	s->ignored++;
}

/* ------------------------------------------------------------------ */
/* Live view                                                          */

/* cur - prev per second between the two CORE snapshots, or -1. */
static double
rate(const struct wpstat_core *c, size_t off)
{
	uint64_t a, b;
	uint64_t dt;

	if (c->have < 2 || c->cur.ts_ns <= c->prev.ts_ns)
		return -1;
	memcpy(&a, (const char *)&c->prev.u.core + off, 8);
	memcpy(&b, (const char *)&c->cur.u.core + off, 8);
	if (b < a)
		return -1;
	dt = c->cur.ts_ns - c->prev.ts_ns;
	return (double)(b - a) * 1e9 / (double)dt;
}

static double
busy_pct(const struct wpstat_core *c)
{
	const struct wp_export_core *x = &c->cur.u.core, *p = &c->prev.u.core;
	uint64_t busy = x->busy_ns, idle = x->idle_ns;

	if (c->have == 2) {
		if (x->busy_ns < p->busy_ns || x->idle_ns < p->idle_ns)
			return -1;
		busy -= p->busy_ns;
		idle -= p->idle_ns;
	}
	if (busy + idle == 0)
		return -1;
	return 100.0 * (double)busy / (double)(busy + idle);
}

static void
cell(char *buf, size_t len, double v, int decimals)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", decimals, v);
}

static void
safe_name(char *dst, const struct wp_export_hdr *h, unsigned b)
{
	char nbuf[WP_EXPORT_NAME_LEN];
	const char *n = wpstat_backend_name(h, b, nbuf);
	size_t i = 0;

	for (; n && n[i] && i < WP_EXPORT_NAME_LEN - 1; i++)
		dst[i] = (unsigned char)n[i] < 0x20 || (unsigned char)n[i] >= 0x7f ?
			'?' : n[i];
	dst[i] = '\0';
	if (i == 0)
		snprintf(dst, WP_EXPORT_NAME_LEN, "#%u", b);
}

/* Flow steering, with several workers: of the frames each worker took
 * from its queues, the share it handed to another worker's ring. */
static void
view_steer(FILE *out, const struct wpstat_state *s)
{
	bool any = false;

	for (uint32_t w = 0; w < s->n_workers; w++) {
		const struct wp_export_steer *x = &s->steer[w].u.steer;

		if (!s->have_steer[w])
			continue;
		if (!any)
			fprintf(out, "\n%-6s %12s %12s %7s %12s %9s\n", "WORKER", "LANDED",
				"HANDED_OFF", "SHARE%", "FROM_PEERS", "LOST");
		any = true;
		fprintf(out, "%-6" PRIu32 " %12" PRIu64 " %12" PRIu64 " %7.1f %12" PRIu64
			" %9" PRIu64 "\n", w, x->landed, x->handed_off,
			x->landed ? 100.0 * (double)x->handed_off / (double)x->landed : 0.0,
			x->from_peers, x->ring_full + x->copy_lost);
	}
}

void
wpstat_view(FILE *out, const struct wp_export_hdr *h,
		const struct wpstat_state *s, const char *file, int pid_alive,
		int closed)
{
	fprintf(out, "wp-stat %s  writer pid %" PRIu32 "%s  workers %" PRIu32
		"  backends %" PRIu32 "  records read %" PRIu64 "  lost %" PRIu64 "%s\n",
		file, h->writer_pid, pid_alive || closed ? "" : " (not running)",
		h->n_workers, h->n_backends, s->read, s->lost,
		closed ? "  [writer closed]" : "");
	if (s->ignored)
		fprintf(out, "(%" PRIu64 " records with an index beyond the header's counts ignored)\n",
			s->ignored);

	fprintf(out, "\n%-6s %5s %6s %11s %10s %10s %10s %10s %8s\n", "WORKER",
		"LCORE", "BUSY%", "LOOPS/s", "RX/s", "TX/s", "REQ/s", "ERRORS", "CLIENTS");
	for (uint32_t w = 0; w < s->n_workers; w++) {
		const struct wpstat_core *c = &s->core[w];
		char b[16], l[24], rx[24], tx[24], rq[24];

		if (!c->have) {
			fprintf(out, "%-6" PRIu32 " %5s %6s\n", w, "-", "(no record yet)");
			continue;
		}
		cell(b, sizeof(b), busy_pct(c), 1);
		cell(l, sizeof(l), rate(c, offsetof(struct wp_export_core, loops)), 0);
		cell(rx, sizeof(rx), rate(c, offsetof(struct wp_export_core, rx_pkts)), 0);
		cell(tx, sizeof(tx), rate(c, offsetof(struct wp_export_core, tx_pkts)), 0);
		cell(rq, sizeof(rq), rate(c, offsetof(struct wp_export_core, requests)), 1);
		fprintf(out, "%-6" PRIu32 " %5" PRIu64 " %6s %11s %10s %10s %10s %10" PRIu64
			" %8" PRIu64 "\n", w, c->cur.u.core.lcore, b, l, rx, tx, rq,
			c->cur.u.core.errors, c->cur.u.core.clients);
	}

	view_steer(out, s);
	fprintf(out, "\n%-20s %-7s %-9s %2s %6s %6s %5s %5s %13s %10s %9s %9s %8s\n",
		"BACKEND", "HEALTH", "BREAKER", "EJ", "IDLE", "LEASED", "CONN", "PEND",
		"TARGETS/BUDG", "RPS", "P50", "P99", "ERRORS");
	for (uint32_t i = 0; i < s->n_backends; i++) {
		const struct wp_export_backend *x = &s->backend[i].u.backend;
		char name[WP_EXPORT_NAME_LEN], tb[32], p50[24], p99[24], hb[16], bb[16];
		const char *hn, *bn;

		safe_name(name, h, i);
		if (!s->have_backend[i]) {
			fprintf(out, "%-20s (no record yet)\n", name);
			continue;
		}
		hn = wpstat_health_name(x->health);
		bn = wpstat_breaker_name(x->breaker);
		if (hn == NULL)
			snprintf(hb, sizeof(hb), "#%u", x->health), hn = hb;
		if (bn == NULL)
			snprintf(bb, sizeof(bb), "#%u", x->breaker), bn = bb;
		snprintf(tb, sizeof(tb), "%" PRIu32 "/%" PRIu32, x->targets, x->budget);
		if (x->p50_ns)
			wpstat_fmt_ns(p50, sizeof(p50), x->p50_ns);
		else
			snprintf(p50, sizeof(p50), "-");
		if (x->p99_ns)
			wpstat_fmt_ns(p99, sizeof(p99), x->p99_ns);
		else
			snprintf(p99, sizeof(p99), "-");
		fprintf(out, "%-20s %-7s %-9s %2u %6" PRIu32 " %6" PRIu32 " %5" PRIu32
			" %5" PRIu32 " %13s %6" PRIu64 ".%03" PRIu64 " %9s %9s %8" PRIu64 "\n",
			name, hn, bn, x->ejected, x->idle, x->leased, x->connecting,
			x->pending, tb, x->rps_milli / 1000, x->rps_milli % 1000,
			p50, p99, x->errors);
	}
}

/* ------------------------------------------------------------------ */
/* Prometheus: the shared formatter (src/control/export_prom.c)       */

void
wpstat_prometheus(FILE *out, const struct wp_export_hdr *h,
		const struct wpstat_state *s)
{
	char names[WP_EXPORT_MAX_BACKENDS][WP_EXPORT_NAME_LEN];
	const char *np[WP_EXPORT_MAX_BACKENDS];
	struct wp_export_rec *core = calloc(s->n_workers ? s->n_workers : 1, sizeof(*core));
	uint8_t *have_core = calloc(s->n_workers ? s->n_workers : 1, 1);
	struct wp_prom_view v = {
		.n_workers = s->n_workers, .n_backends = s->n_backends,
		.core = core, .have_core = have_core,
		.pool = s->pool, .have_pool = s->have_pool,
		.backend = s->backend, .have_backend = s->have_backend,
		.steer = s->steer, .have_steer = s->have_steer,
		.handoff = s->handoff, .have_handoff = s->have_handoff,
		.names = np,
	};

	fputs("# HELP wp_export_records_read_total Telemetry records read by this wp-stat.\n"
	      "# TYPE wp_export_records_read_total counter\n", out);
	fprintf(out, "wp_export_records_read_total %" PRIu64 "\n", s->read);
	fputs("# HELP wp_export_records_lost_total Records overwritten before this wp-stat read them.\n"
	      "# TYPE wp_export_records_lost_total counter\n", out);
	fprintf(out, "wp_export_records_lost_total %" PRIu64 "\n", s->lost);
	if (core == NULL || have_core == NULL) {
		free(core);
		free(have_core);
		return;
	}
	for (uint32_t w = 0; w < s->n_workers; w++) {
		core[w] = s->core[w].cur;
		have_core[w] = s->core[w].have != 0;
	}
	for (uint32_t b = 0; b < s->n_backends; b++)
		np[b] = wpstat_backend_name(h, b, names[b]);
	wp_export_prometheus(out, &v);
	free(core);
	free(have_core);
}
