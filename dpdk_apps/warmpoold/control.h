/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's control core: health checks, outlier ejection, backend
 * state pushed to workers, and telemetry (export ring, rte_telemetry).
 * See control.c for the design. Everything here runs on the main lcore,
 * except the rte_telemetry callbacks (DPDK's telemetry thread), which only
 * read a snapshot under a lock.
 */
#ifndef WARMPOOLD_CONTROL_H
#define WARMPOOLD_CONTROL_H

#include <stdint.h>

#include <stdbool.h>

#include <warmpool/config-t.h>
#include <warmpool/export-t.h>
#include <warmpool/ring-t.h>
#include <warmpool/runtime-t.h>

struct wpd_ctl;
struct wp_prom_view;

/* One backend as the management listener shows it. */
struct wpd_backend_view {
	const struct wp_config_backend *cfg;  /* name, address, port, weight now */
	uint8_t health;                 /* enum wp_health_state (DRAIN while drained) */
	uint8_t breaker;                /* enum wp_breaker_state */
	uint8_t applied;                /* enum wp_backend_state the workers were told */
	bool drain, ejected;
	const struct wp_export_rec *snap; /* last published BACKEND record, or NULL */
};

/* NULL + errno, after printing what went wrong (e.g. the telemetry file
 * cannot be created). */
struct wpd_ctl *wpd_ctl_create(const struct wp_config *cfg, unsigned nworkers);
/* Demand-driven scaling: the targets worker `w` must apply to its pool of
 * backend `b` before the pools open anything (seq 0). 0 with *min_idle and
 * *max_sessions set, or -ENOENT when scaling is off. */
int wpd_ctl_initial_targets(const struct wpd_ctl *c, unsigned w, unsigned b,
			    uint32_t *min_idle, uint32_t *max_sessions);
/* The runtime the workers run in (for commands and views). */
void wpd_ctl_attach(struct wpd_ctl *c, struct wp_runtime *rt);
/* hooks.telem: every record the workers send. */
void wpd_ctl_telem(unsigned worker, const struct wp_telem_rec *rec, void *arg);
/* One control pass at `now` (CLOCK_MONOTONIC ns): start due checks,
 * apply decisions, publish telemetry when a period has passed. */
void wpd_ctl_poll(struct wpd_ctl *c, int64_t now);
/* The running configuration (a copy the control core owns; reloads
 * change it). */
const struct wp_config *wpd_ctl_config(const struct wpd_ctl *c);
/* Put `eff` (a wp_reload_plan() result) in force: the controllers take
 * their new parameters now, the workers theirs over the command rings
 * (WPD_CMD_SET ... WPD_CMD_COMMIT, resent until through). Returns the new
 * settings generation; "settings generation N in force on every worker"
 * is printed when all have applied it. */
uint32_t wpd_ctl_reload(struct wpd_ctl *c, const struct wp_config *eff, int64_t now);
/* The settings generation in force (0 until a reload applied something). */
uint32_t wpd_ctl_settings_gen(const struct wpd_ctl *c);
/* The last published snapshot (the numbers the export ring carries) as a
 * Prometheus view; empty before the first publish. Valid until the next
 * wpd_ctl_poll(). */
void wpd_ctl_prom_view(const struct wpd_ctl *c, struct wp_prom_view *v);
unsigned wpd_ctl_backends(const struct wpd_ctl *c);
int wpd_ctl_backend(const struct wpd_ctl *c, unsigned b, struct wpd_backend_view *out);
/* Operator drain of backend `name` (on) or its end (off): the health
 * state shows DRAIN, and at the next pass every worker closes that
 * backend's sessions and sends it nothing (WPD_CMD_STATE). 0, or -ENOENT
 * for an unknown name. */
int wpd_ctl_set_drain(struct wpd_ctl *c, const char *name, bool on, int64_t now);
/* One line per backend: health, ejections, checks (for the exit report). */
void wpd_ctl_report(const struct wpd_ctl *c);
/* Mark the export ring closed and free everything. NULL is fine. */
void wpd_ctl_free(struct wpd_ctl *c);

#endif /* WARMPOOLD_CONTROL_H */
