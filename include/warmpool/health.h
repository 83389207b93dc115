/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health checks of all backends (DESIGN.md section 5). Types:
 * health-t.h. Control core only. Constructors return NULL and set errno;
 * everything else returns 0, a count, or a negative errno.
 *
 * Use:
 *   h = wp_health_create(&params, n_backends, now, on_change, ctx);
 *   every few ms:  n = wp_health_due(h, now, probes, max);  send them
 *   per answer:    wp_health_result(h, probe.id, ok, now);
 *   on_change(ctx, ev) is called for every change of a backend's state.
 */
#ifndef WARMPOOL_HEALTH_H
#define WARMPOOL_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <warmpool/health-t.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The defaults of conf/warmpoold.ini, start UP. */
void wp_health_params_default(struct wp_health_params *p);

/* 0 if usable; -EINVAL otherwise with "<param>: <what is allowed>" in err. */
int wp_health_params_check(const struct wp_health_params *p, char *err, size_t errlen);

const char *wp_health_state_name(enum wp_health_state s);

/* A checker for backends 0..n_backends-1 (1..2^24), every one in
 * params->initial_state, first checks spread over [now, now + spread].
 * notify may be NULL; it may read the checker but must not change it.
 * NULL + errno (EINVAL: bad params or count; ENOMEM). */
struct wp_health *wp_health_create(const struct wp_health_params *params,
				   uint32_t n_backends, int64_t now,
				   wp_health_notify_fn *notify, void *ctx);
void wp_health_free(struct wp_health *h); /* NULL is fine */

/* Fail the probes past their deadline (timeouts), then write up to `max`
 * checks that are due at `now` into out[] and return how many. Checks that
 * did not fit stay due for the next call. With max == 0 it only handles
 * timeouts (a tick). Call every few milliseconds. */
unsigned wp_health_due(struct wp_health *h, int64_t now,
		       struct wp_health_probe *out, unsigned max);

/* The answer to probe `id`: healthy or not. 0 if it counted; -ESTALE if
 * ignored (unknown id, already answered, or timed out: counted in
 * stats.stale). An answer at or after the deadline counts as a timeout. */
int wp_health_result(struct wp_health *h, uint64_t id, bool ok, int64_t now);

/* New timing and thresholds while running (configuration reload): interval,
 * jitter, timeout, rise and fall are taken from p (initial_spread,
 * initial_state and seed are start-time only and ignored). Streaks carry
 * over and meet the new rise/fall at the next result; a probe in flight
 * keeps its deadline; a next check further away than one new wait is
 * brought forward. -EINVAL on bad params. */
int wp_health_set_params(struct wp_health *h, const struct wp_health_params *p, int64_t now);

/* Operator drain: on hides the backend (state DRAIN) while checks go on;
 * off shows the checked state again. -EINVAL for a bad backend. */
int wp_health_set_drain(struct wp_health *h, uint32_t backend, bool on, int64_t now);

/* Readers. NULL / UNKNOWN for a backend out of range. */
const struct wp_health_backend *wp_health_backend(const struct wp_health *h, uint32_t backend);
enum wp_health_state wp_health_state(const struct wp_health *h, uint32_t backend);
const struct wp_health_stats *wp_health_stats(const struct wp_health *h);
uint32_t wp_health_count(const struct wp_health *h);

#ifdef __cplusplus
}
#endif

#endif
