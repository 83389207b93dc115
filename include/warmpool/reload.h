/* SPDX-License-Identifier: BSD-3-Clause */
/* What a configuration reload (SIGHUP) may change while the appliance
 * runs, and the configuration it leads to (DESIGN.md section 5).
 *
 * warmpoold builds its ports, stacks, pools and telemetry file from the
 * configuration at start. A reload compares the running configuration
 * with the file as it is now (wp_config_diff) and sorts every change:
 *
 *   applied  pool parameters, backend weights, [http] limits and
 *            timeouts, health check timing (interval, jitter, timeout,
 *            rise, fall), [outlier], [breaker], scaling's step, cooldown
 *            and preconnect ratio, [shutdown] drain_timeout;
 *   refused  everything set up once at start: listen address and port,
 *            ports, workers, backends added or removed or readdressed,
 *            the health probe kind, scaling's budget and bounds,
 *            [telemetry], [management], the pool seed; and live keys
 *            beyond what was allocated at start (max_sessions above the
 *            pools' size, max_pending above the waiter queues', retries
 *            switched on without retry buffers) or owned by scaling
 *            (min_idle, max_sessions while scaling is on).
 *
 * The result is the running configuration with only the applied changes
 * made, checked by wp_config_check() as a whole: a mix of kept and new
 * values that does not fit together refuses the whole reload. Nothing
 * here touches the appliance; warmpoold carries the result to the control
 * core and the workers. The worker side is a list of byte fields of
 * struct wp_config (the pool, the weights, [http], [breaker]) the control
 * core sends one at a time over the command ring and the worker takes
 * only if wp_reload_worker_field_ok() says it is one of them.
 *
 * Pure C on struct wp_config: no DPDK, no allocation, no global state.
 */
#ifndef WARMPOOL_RELOAD_H
#define WARMPOOL_RELOAD_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/config-t.h>

/* One line about one change, e.g.
 *   "[pool] max_sessions = 8 -> 2: applied"
 *   "[listen] port = 8080 -> 8081: needs a restart (...); keeping 8080" */
typedef void wp_reload_log_fn(void *arg, bool applied, const char *line);

struct wp_reload_report {
	uint32_t changes;    /* differences between the running config and the file */
	uint32_t applied;
	uint32_t refused;
};

/* start: the configuration warmpoold started with (what was allocated);
 * cur: the one running now; next: the file as loaded (valid). Writes to
 * *eff the configuration to run: cur with the applied changes. Every
 * change is logged (log may be NULL). Returns 0 (report filled; applied
 * may be 0), or -EINVAL when eff does not pass wp_config_check(): then
 * errs (may be NULL) says why, messages name `name`, and nothing may be
 * applied. */
int wp_reload_plan(const struct wp_config *start, const struct wp_config *cur,
		   const struct wp_config *next, const char *name, struct wp_config *eff,
		   struct wp_reload_report *rep, struct wp_config_errors *errs,
		   wp_reload_log_fn *log, void *arg);

/* The fields of struct wp_config a worker takes at run time, for a
 * configuration with n_backends backends: (offset, size) pairs, size 1,
 * 2, 4 or 8. Returns how many there are; writes at most max. */
struct wp_reload_field {
	uint32_t off;
	uint32_t size;
};
unsigned wp_reload_worker_fields(uint32_t n_backends, struct wp_reload_field *out,
				 unsigned max);
/* Upper bound of wp_reload_worker_fields() for any configuration. */
#define WP_RELOAD_MAX_FIELDS (32 + WP_CONFIG_MAX_BACKENDS)

/* True if (off, size) is one of the worker fields (for any n_backends up
 * to WP_CONFIG_MAX_BACKENDS): the check a worker makes before it writes. */
bool wp_reload_worker_field_ok(uint32_t off, uint32_t size);

#endif /* WARMPOOL_RELOAD_H */
