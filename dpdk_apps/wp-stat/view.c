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
 * Prometheus output follows the text exposition format 0.0.4: one HELP and
 * one TYPE line per metric family, counters named *_total, durations in
 * seconds, label values escaped (\\, \" and \n). Values derived from
 * nanosecond or milli counters are printed as exact decimals, not via a
 * double, so a test can compare them digit for digit.
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
/* Prometheus                                                         */

/* One metric family over one payload struct. div10: the field is divided
 * by 10^div10 (9: ns to seconds, 3: milli to units). */
struct metric {
	const char *name;
	const char *type;
	const char *help;
	uint16_t off;
	uint8_t size;           /* 1, 4 or 8 bytes */
	uint8_t div10;
};

#define M(n, t, h, st, f, d) \
	{ n, t, h, offsetof(struct st, f), sizeof(((struct st *)0)->f), d }

static const struct metric core_metrics[] = {
	M("wp_core_loops_total", "counter", "Worker loop iterations.", wp_export_core, loops, 0),
	M("wp_core_busy_polls_total", "counter", "Polls that found work.", wp_export_core, busy_polls, 0),
	M("wp_core_idle_polls_total", "counter", "Polls that found nothing.", wp_export_core, idle_polls, 0),
	M("wp_core_busy_seconds_total", "counter", "Time in iterations that found work.", wp_export_core, busy_ns, 9),
	M("wp_core_idle_seconds_total", "counter", "Time in iterations that found none.", wp_export_core, idle_ns, 9),
	M("wp_core_rx_packets_total", "counter", "Packets received.", wp_export_core, rx_pkts, 0),
	M("wp_core_tx_packets_total", "counter", "Packets sent.", wp_export_core, tx_pkts, 0),
	M("wp_core_requests_total", "counter", "Client requests completed.", wp_export_core, requests, 0),
	M("wp_core_errors_total", "counter", "Error responses sent.", wp_export_core, errors, 0),
	M("wp_core_clients", "gauge", "Open client connections.", wp_export_core, clients, 0),
	M("wp_core_telemetry_drops_total", "counter", "Telemetry records dropped by the worker (ring full).", wp_export_core, telem_drops, 0),
	M("wp_core_lcore", "gauge", "DPDK lcore of the worker.", wp_export_core, lcore, 0),
};

static const struct metric pool_metrics[] = {
	M("wp_pool_idle_sessions", "gauge", "Idle backend sessions.", wp_export_pool, idle, 0),
	M("wp_pool_leased_sessions", "gauge", "Sessions lent to a request.", wp_export_pool, leased, 0),
	M("wp_pool_connecting_sessions", "gauge", "Sessions being connected.", wp_export_pool, connecting, 0),
	M("wp_pool_pending_requests", "gauge", "Requests waiting for a session.", wp_export_pool, pending, 0),
	M("wp_pool_min_idle", "gauge", "Current idle target.", wp_export_pool, min_idle, 0),
	M("wp_pool_max_sessions", "gauge", "Current session cap.", wp_export_pool, max_sessions, 0),
	M("wp_pool_opened_total", "counter", "Sessions opened.", wp_export_pool, opened, 0),
	M("wp_pool_closed_total", "counter", "Sessions closed.", wp_export_pool, closed, 0),
	M("wp_pool_acquires_total", "counter", "Session acquires.", wp_export_pool, acquires, 0),
	M("wp_pool_reused_total", "counter", "Acquires served by an existing session.", wp_export_pool, reused, 0),
	M("wp_pool_requests_total", "counter", "Requests forwarded to the backend.", wp_export_pool, requests, 0),
	M("wp_pool_errors_total", "counter", "5xx from, and failures of, the backend.", wp_export_pool, errors, 0),
	M("wp_pool_overflows_total", "counter", "Acquires refused: queue full.", wp_export_pool, overflows, 0),
	M("wp_pool_timeouts_total", "counter", "Acquires timed out.", wp_export_pool, timeouts, 0),
	M("wp_pool_request_latency_seconds_total", "counter", "Sum of request latencies.", wp_export_pool, lat_sum_ns, 9),
};

static const struct metric backend_metrics[] = {
	M("wp_backend_health", "gauge", "Health: 0 unknown, 1 up, 2 down, 3 drain.", wp_export_backend, health, 0),
	M("wp_backend_breaker_state", "gauge", "Circuit breaker: 0 closed, 1 open, 2 half-open.", wp_export_backend, breaker, 0),
	M("wp_backend_ejected", "gauge", "1 while ejected by outlier detection.", wp_export_backend, ejected, 0),
	M("wp_backend_weight", "gauge", "Configured weight.", wp_export_backend, weight, 0),
	M("wp_backend_idle_sessions", "gauge", "Idle sessions over all workers.", wp_export_backend, idle, 0),
	M("wp_backend_leased_sessions", "gauge", "Leased sessions over all workers.", wp_export_backend, leased, 0),
	M("wp_backend_connecting_sessions", "gauge", "Connecting sessions over all workers.", wp_export_backend, connecting, 0),
	M("wp_backend_pending_requests", "gauge", "Waiting requests over all workers.", wp_export_backend, pending, 0),
	M("wp_backend_session_budget", "gauge", "Total session budget (0: no scaling).", wp_export_backend, budget, 0),
	M("wp_backend_session_targets", "gauge", "Sum of per-core session targets.", wp_export_backend, targets, 0),
	M("wp_backend_requests_total", "counter", "Requests to the backend.", wp_export_backend, requests, 0),
	M("wp_backend_errors_total", "counter", "Errors of the backend.", wp_export_backend, errors, 0),
	M("wp_backend_requests_per_second", "gauge", "Request rate over the last period.", wp_export_backend, rps_milli, 3),
	M("wp_backend_latency_p50_seconds", "gauge", "Median latency over the last period (0: none).", wp_export_backend, p50_ns, 9),
	M("wp_backend_latency_p99_seconds", "gauge", "99th percentile latency over the last period (0: none).", wp_export_backend, p99_ns, 9),
	M("wp_backend_ejections_total", "counter", "Times ejected.", wp_export_backend, ejections, 0),
	M("wp_backend_probes_failed_total", "counter", "Active health checks failed.", wp_export_backend, probes_failed, 0),
	M("wp_backend_probes_ok_total", "counter", "Active health checks passed.", wp_export_backend, probes_ok, 0),
};

static const struct metric steer_metrics[] = {
	M("wp_steer_landed_frames_total", "counter", "Frames taken from the worker's port queues.", wp_export_steer, landed, 0),
	M("wp_steer_local_frames_total", "counter", "Of those, handled by the worker itself.", wp_export_steer, local, 0),
	M("wp_steer_handed_off_frames_total", "counter", "Of those, sent to the owner worker's ring.", wp_export_steer, handed_off, 0),
	M("wp_steer_ring_full_frames_total", "counter", "Of those, dropped: the owner's ring was full.", wp_export_steer, ring_full, 0),
	M("wp_steer_from_peers_frames_total", "counter", "Frames other workers handed to this one.", wp_export_steer, from_peers, 0),
	M("wp_steer_copies_total", "counter", "ARP replies copied to the other workers.", wp_export_steer, copies, 0),
	M("wp_steer_copies_lost_total", "counter", "Copies not allocated or not enqueued.", wp_export_steer, copy_lost, 0),
};

static const struct metric handoff_metrics[] = {
	M("wp_handoff_sent_frames_total", "counter", "Frames worker handed to peer.", wp_export_handoff, sent, 0),
	M("wp_handoff_dropped_frames_total", "counter", "Frames refused: peer's ring full.", wp_export_handoff, dropped, 0),
	M("wp_handoff_received_frames_total", "counter", "Frames peer took from worker.", wp_export_handoff, received, 0),
};

static uint64_t
field(const void *payload, const struct metric *m)
{
	const char *p = (const char *)payload + m->off;
	uint64_t v8;
	uint32_t v4;

	switch (m->size) {
	case 1: return *(const uint8_t *)p;
	case 4: memcpy(&v4, p, 4); return v4;
	default: memcpy(&v8, p, 8); return v8;
	}
}

static void
value(FILE *out, uint64_t v, unsigned div10)
{
	if (div10 == 9)
		fprintf(out, "%" PRIu64 ".%09" PRIu64 "\n", v / 1000000000u, v % 1000000000u);
	else if (div10 == 3)
		fprintf(out, "%" PRIu64 ".%03" PRIu64 "\n", v / 1000u, v % 1000u);
	else
		fprintf(out, "%" PRIu64 "\n", v);
}

/* A label value: \\, \" and \n escaped; other controls and non-ASCII bytes
 * (not necessarily UTF-8) replaced by '?'. */
static void
label(FILE *out, const struct wp_export_hdr *h, unsigned b)
{
	char nbuf[WP_EXPORT_NAME_LEN];
	const char *n = wpstat_backend_name(h, b, nbuf);

	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)(n ? n : ""); *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p < 0x20 || *p >= 0x7f ? '?' : *p, out);
	}
	fputc('"', out);
}

static void
family(FILE *out, const struct metric *m)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
}

/* Steering per worker and handoff per (worker, peer); nothing with one
 * worker (no such records). */
static void
prometheus_steer(FILE *out, const struct wpstat_state *s)
{
	bool any = false;
	size_t n = (size_t)s->n_workers * s->n_workers;

	for (uint32_t w = 0; w < s->n_workers; w++)
		any |= s->have_steer[w] != 0;
	for (size_t k = 0; any && k < sizeof(steer_metrics) / sizeof(steer_metrics[0]); k++) {
		family(out, &steer_metrics[k]);
		for (uint32_t w = 0; w < s->n_workers; w++) {
			if (!s->have_steer[w])
				continue;
			fprintf(out, "%s{worker=\"%" PRIu32 "\"} ", steer_metrics[k].name, w);
			value(out, field(&s->steer[w].u.steer, &steer_metrics[k]),
			      steer_metrics[k].div10);
		}
	}
	any = false;
	for (size_t i = 0; i < n; i++)
		any |= s->have_handoff[i] != 0;
	for (size_t k = 0; any && k < sizeof(handoff_metrics) / sizeof(handoff_metrics[0]); k++) {
		family(out, &handoff_metrics[k]);
		for (size_t i = 0; i < n; i++) {
			if (!s->have_handoff[i])
				continue;
			fprintf(out, "%s{worker=\"%zu\",peer=\"%zu\"} ", handoff_metrics[k].name,
				i / s->n_workers, i % s->n_workers);
			value(out, field(&s->handoff[i].u.handoff, &handoff_metrics[k]),
			      handoff_metrics[k].div10);
		}
	}
}

void
wpstat_prometheus(FILE *out, const struct wp_export_hdr *h,
		const struct wpstat_state *s)
{
	fputs("# HELP wp_export_records_read_total Telemetry records read by this wp-stat.\n"
	      "# TYPE wp_export_records_read_total counter\n", out);
	fprintf(out, "wp_export_records_read_total %" PRIu64 "\n", s->read);
	fputs("# HELP wp_export_records_lost_total Records overwritten before this wp-stat read them.\n"
	      "# TYPE wp_export_records_lost_total counter\n", out);
	fprintf(out, "wp_export_records_lost_total %" PRIu64 "\n", s->lost);

	for (size_t k = 0; k < sizeof(core_metrics) / sizeof(core_metrics[0]); k++) {
		family(out, &core_metrics[k]);
		for (uint32_t w = 0; w < s->n_workers; w++) {
			if (!s->core[w].have)
				continue;
			fprintf(out, "%s{worker=\"%" PRIu32 "\"} ", core_metrics[k].name, w);
			value(out, field(&s->core[w].cur.u.core, &core_metrics[k]),
				core_metrics[k].div10);
		}
	}
	for (size_t k = 0; k < sizeof(pool_metrics) / sizeof(pool_metrics[0]); k++) {
		family(out, &pool_metrics[k]);
		for (uint32_t w = 0; w < s->n_workers; w++)
			for (uint32_t b = 0; b < s->n_backends; b++) {
				size_t i = (size_t)w * s->n_backends + b;
				if (!s->have_pool[i])
					continue;
				fprintf(out, "%s{worker=\"%" PRIu32 "\",backend=",
					pool_metrics[k].name, w);
				label(out, h, b);
				fputs("} ", out);
				value(out, field(&s->pool[i].u.pool, &pool_metrics[k]),
					pool_metrics[k].div10);
			}
	}
	prometheus_steer(out, s);
	for (size_t k = 0; k < sizeof(backend_metrics) / sizeof(backend_metrics[0]); k++) {
		family(out, &backend_metrics[k]);
		for (uint32_t b = 0; b < s->n_backends; b++) {
			if (!s->have_backend[b])
				continue;
			fprintf(out, "%s{backend=", backend_metrics[k].name);
			label(out, h, b);
			fputs("} ", out);
			value(out, field(&s->backend[b].u.backend, &backend_metrics[k]),
				backend_metrics[k].div10);
		}
	}
}
