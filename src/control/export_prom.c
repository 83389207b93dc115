/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text of the export records (contract: warmpool/export_prom.h).
 *
 * Each family is a row of a table over one payload struct of export-t.h
 * (name, type, help, offset and size of the field, decimal scale), so a
 * field added to the ring needs one line here to be exported, and
 * wp-stat and warmpoold's management listener, which both call this,
 * cannot drift apart. Values derived from nanosecond or milli counters
 * are printed as exact decimals, not via a double, so a test can compare
 * them digit for digit.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <warmpool/export_prom.h>

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
void
wp_export_prom_label(FILE *out, const char *n)
{
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


static int
have(const uint8_t *h, size_t i)
{
	return h == NULL || h[i];
}

static const char *
name_of(const struct wp_prom_view *v, uint32_t b)
{
	return v->names != NULL ? v->names[b] : NULL;
}

/* Steering per worker, handoff per (worker, peer): families only when
 * the view holds at least one such record. */
static void
steer_families(FILE *out, const struct wp_prom_view *v)
{
	size_t npairs = (size_t)v->n_workers * v->n_workers;
	int any = 0;

	for (uint32_t w = 0; v->steer != NULL && w < v->n_workers; w++)
		any |= have(v->have_steer, w);
	for (size_t k = 0; any && k < sizeof(steer_metrics) / sizeof(steer_metrics[0]); k++) {
		family(out, &steer_metrics[k]);
		for (uint32_t w = 0; w < v->n_workers; w++) {
			if (!have(v->have_steer, w))
				continue;
			fprintf(out, "%s{worker=\"%" PRIu32 "\"} ", steer_metrics[k].name, w);
			value(out, field(&v->steer[w].u.steer, &steer_metrics[k]),
			      steer_metrics[k].div10);
		}
	}
	any = 0;
	for (size_t i = 0; v->handoff != NULL && i < npairs; i++)
		any |= have(v->have_handoff, i);
	for (size_t k = 0; any && k < sizeof(handoff_metrics) / sizeof(handoff_metrics[0]); k++) {
		family(out, &handoff_metrics[k]);
		for (size_t i = 0; i < npairs; i++) {
			if (!have(v->have_handoff, i))
				continue;
			fprintf(out, "%s{worker=\"%zu\",peer=\"%zu\"} ", handoff_metrics[k].name,
				i / v->n_workers, i % v->n_workers);
			value(out, field(&v->handoff[i].u.handoff, &handoff_metrics[k]),
			      handoff_metrics[k].div10);
		}
	}
}

void
wp_export_prometheus(FILE *out, const struct wp_prom_view *v)
{
	for (size_t k = 0; k < sizeof(core_metrics) / sizeof(core_metrics[0]); k++) {
		family(out, &core_metrics[k]);
		for (uint32_t w = 0; w < v->n_workers; w++) {
			if (!have(v->have_core, w))
				continue;
			fprintf(out, "%s{worker=\"%" PRIu32 "\"} ", core_metrics[k].name, w);
			value(out, field(&v->core[w].u.core, &core_metrics[k]),
				core_metrics[k].div10);
		}
	}
	for (size_t k = 0; k < sizeof(pool_metrics) / sizeof(pool_metrics[0]); k++) {
		family(out, &pool_metrics[k]);
		for (uint32_t w = 0; w < v->n_workers; w++)
			for (uint32_t b = 0; b < v->n_backends; b++) {
				size_t i = (size_t)w * v->n_backends + b;

				if (!have(v->have_pool, i))
					continue;
				fprintf(out, "%s{worker=\"%" PRIu32 "\",backend=",
					pool_metrics[k].name, w);
				wp_export_prom_label(out, name_of(v, b));
				fputs("} ", out);
				value(out, field(&v->pool[i].u.pool, &pool_metrics[k]),
					pool_metrics[k].div10);
			}
	}
	steer_families(out, v);
	for (size_t k = 0; k < sizeof(backend_metrics) / sizeof(backend_metrics[0]); k++) {
		family(out, &backend_metrics[k]);
		for (uint32_t b = 0; b < v->n_backends; b++) {
			if (!have(v->have_backend, b))
				continue;
			fprintf(out, "%s{backend=", backend_metrics[k].name);
			wp_export_prom_label(out, name_of(v, b));
			fputs("} ", out);
			value(out, field(&v->backend[b].u.backend, &backend_metrics[k]),
				backend_metrics[k].div10);
		}
	}
}
