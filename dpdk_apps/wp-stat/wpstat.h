/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-stat internals: what the formatters (record.c, view.c) share with the
 * option handling and read loops (main.c). Nothing here needs EAL.
 */
#ifndef WPSTAT_H
#define WPSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <warmpool/export-t.h>

/* Workers the live view and the Prometheus output keep state for; records
 * of a higher worker index are counted in wpstat.ignored, not shown. */
#define WPSTAT_MAX_WORKERS 256u

/* Names of the enums in export-t.h ("unknown" outside the range). */
const char *wpstat_type_name(unsigned type);
const char *wpstat_health_name(unsigned h);
const char *wpstat_breaker_name(unsigned b);
const char *wpstat_cause_name(unsigned c);
const char *wpstat_event_name(unsigned code);

/* The backend's name from the header's table, NUL-terminated in `buf`
 * (WP_EXPORT_NAME_LEN bytes), or NULL for WP_EXPORT_NONE / out of range. */
const char *wpstat_backend_name(const struct wp_export_hdr *h, unsigned backend,
		char buf[WP_EXPORT_NAME_LEN]);

/* A duration for people: "850ns", "12.5us", "3.2ms", "1.25s". */
void wpstat_fmt_ns(char *buf, size_t len, uint64_t ns);

/* One JSON object on one line for `rec` (every field by name). */
void wpstat_json_rec(FILE *out, const struct wp_export_hdr *h,
		const struct wp_export_rec *rec);
void wpstat_json_lost(FILE *out, uint64_t count);

/* The arguments of an event as words ("session=17 reason=peer_rst"). */
void wpstat_event_args(char *buf, size_t len, const struct wp_export_event *ev);
/* One human-readable line for a WP_X_EVENT record. */
void wpstat_event_line(FILE *out, const struct wp_export_hdr *h,
		const struct wp_export_rec *rec);

/* What the live view and the Prometheus output show: the latest CORE
 * record of each worker (and the one before, for rates), the latest POOL
 * record of each worker x backend, the latest BACKEND record of each
 * backend, and with several workers the latest STEER record of each and
 * HANDOFF record of each ordered pair. Owned by main.c's read loop, fed one record at a time by
 * wpstat_state_add(); have[] says which slots hold a record. */
struct wpstat_core {
	int have;                        /* 0, 1 (cur) or 2 (cur and prev) */
	struct wp_export_rec cur, prev;
};

struct wpstat_state {
	uint32_t n_workers;              /* shown: min(hdr n_workers, MAX) */
	uint32_t n_backends;
	uint64_t read;                   /* records read by this process */
	uint64_t lost;                   /* records lost to lapping */
	uint64_t ignored;                /* worker/backend index out of range */
	struct wpstat_core core[WPSTAT_MAX_WORKERS];
	uint8_t have_backend[WP_EXPORT_MAX_BACKENDS];
	struct wp_export_rec backend[WP_EXPORT_MAX_BACKENDS];
	uint8_t *have_pool;              /* [n_workers * n_backends] */
	struct wp_export_rec *pool;      /* [n_workers * n_backends] */
	uint8_t have_steer[WPSTAT_MAX_WORKERS];
	struct wp_export_rec steer[WPSTAT_MAX_WORKERS];
	uint8_t *have_handoff;           /* [from * n_workers + to] */
	struct wp_export_rec *handoff;   /* [from * n_workers + to] */
};

/* NULL + errno (ENOMEM). */
struct wpstat_state *wpstat_state_new(const struct wp_export_hdr *h);
void wpstat_state_free(struct wpstat_state *s);
void wpstat_state_add(struct wpstat_state *s, const struct wp_export_rec *rec);

/* One frame of the live view. `file` and `pid_alive` go in the header. */
void wpstat_view(FILE *out, const struct wp_export_hdr *h,
		const struct wpstat_state *s, const char *file, int pid_alive,
		int closed);
/* The latest values in Prometheus text exposition format 0.0.4. */
void wpstat_prometheus(FILE *out, const struct wp_export_hdr *h,
		const struct wpstat_state *s);

#endif /* WPSTAT_H */
