/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition (format 0.0.4) of the telemetry export
 * records (export-t.h): the one formatter behind `wp-stat --prometheus`
 * and warmpoold's GET /metrics, so both always print the same metric
 * names, help texts and values for the same records.
 *
 * Families: wp_core_* (label worker), wp_pool_* (worker, backend),
 * wp_backend_* (backend), and with several workers wp_steer_* (worker)
 * and wp_handoff_* (worker, peer), one HELP and one TYPE line each, counters named
 * *_total, durations in seconds and rates from milli-units printed as
 * exact decimals (no double rounding), label values escaped (\\, \" and
 * \n; other control and non-ASCII bytes as '?').
 *
 * Plain C, no DPDK: wp-stat compiles it alone.
 */
#ifndef WARMPOOL_EXPORT_PROM_H
#define WARMPOOL_EXPORT_PROM_H

#include <stdint.h>
#include <stdio.h>

#include <warmpool/export-t.h>

/* The latest record of each kind. Arrays are indexed [worker],
 * [worker * n_backends + backend] and [backend]; a have_* array (NULL:
 * every slot holds a record) says which slots hold one. names[backend] is
 * a NUL-terminated name or NULL. */
struct wp_prom_view {
	uint32_t n_workers;
	uint32_t n_backends;
	const struct wp_export_rec *core;
	const uint8_t *have_core;
	const struct wp_export_rec *pool;
	const uint8_t *have_pool;
	const struct wp_export_rec *backend;
	const uint8_t *have_backend;
	/* flow steering (several workers): [worker] and [worker * n_workers
	 * + peer]; NULL records: no such families */
	const struct wp_export_rec *steer;
	const uint8_t *have_steer;
	const struct wp_export_rec *handoff;
	const uint8_t *have_handoff;
	const char *const *names;
};

/* Every family of the view, in the order core, pool, steer, handoff,
 * backend. */
void wp_export_prometheus(FILE *out, const struct wp_prom_view *v);

/* One label value, quoted and escaped as above ("" for NULL). */
void wp_export_prom_label(FILE *out, const char *value);

#endif /* WARMPOOL_EXPORT_PROM_H */
