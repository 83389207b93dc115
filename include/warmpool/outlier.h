/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive outlier detection (DESIGN.md section 5). Types: outlier-t.h.
 * Control core only. Constructors return NULL and set errno; everything
 * else returns 0, a count, or a negative errno.
 *
 * Use:
 *   o = wp_outlier_create(&params, n_backends, on_change, ctx);
 *   per worker report, in order: wp_outlier_report(o, b, outcome, count, now);
 *   every few ms:                wp_outlier_tick(o, now);
 *   on_change(ctx, ev) is called at every ejection and every return.
 */
#ifndef WARMPOOL_OUTLIER_H
#define WARMPOOL_OUTLIER_H

#include <stddef.h>
#include <warmpool/outlier-t.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The defaults of conf/warmpoold.ini. */
void wp_outlier_params_default(struct wp_outlier_params *p);

/* 0 if usable; -EINVAL otherwise with "<param>: <what is allowed>" in err. */
int wp_outlier_params_check(const struct wp_outlier_params *p, char *err, size_t errlen);

const char *wp_outcome_name(enum wp_outcome o);

/* A detector for backends 0..n_backends-1 (>= 1), none ejected. notify may
 * be NULL; it may read the detector but must not change it.
 * NULL + errno (EINVAL: bad params or count; ENOMEM). */
struct wp_outlier *wp_outlier_create(const struct wp_outlier_params *params,
				     uint32_t n_backends,
				     wp_outlier_notify_fn *notify, void *ctx);
void wp_outlier_free(struct wp_outlier *o); /* NULL is fine */

/* `count` outcomes of one kind in a row on `backend` (a run: batched
 * reports stay exact as long as runs are reported in the order they
 * happened). May eject the backend. 0, or -EINVAL for a bad backend or
 * outcome. */
int wp_outlier_report(struct wp_outlier *o, uint32_t backend, enum wp_outcome outcome,
		      uint32_t count, int64_t now);

/* Return the backends whose ejection has ended, then eject those that
 * were kept in for the share, while there is room. Returns how many came
 * back. Call every few milliseconds. */
unsigned wp_outlier_tick(struct wp_outlier *o, int64_t now);

/* New parameters while running (configuration reload). Ejections in
 * force keep their end time; streaks carry over and meet the new
 * threshold at the next report; a backend waiting for room that no longer
 * reaches the threshold stops waiting; multipliers are capped to the new
 * max_ejection. -EINVAL on bad params. */
int wp_outlier_set_params(struct wp_outlier *o, const struct wp_outlier_params *params);

/* Readers. NULL / false for a backend out of range. */
const struct wp_outlier_backend *wp_outlier_backend(const struct wp_outlier *o, uint32_t backend);
bool wp_outlier_is_ejected(const struct wp_outlier *o, uint32_t backend);
const struct wp_outlier_stats *wp_outlier_stats(const struct wp_outlier *o);

#ifdef __cplusplus
}
#endif

#endif
