/* SPDX-License-Identifier: BSD-3-Clause */
/* Demand-driven pool scaling (DESIGN.md section 5). Types: scale-t.h.
 *
 * Control core, per backend:
 *
 *     wp_scale_init(&s, &params, nworkers, pool_min_idle);
 *     for each worker w: wp_scale_target(&s, w, &t); send t to w
 *         (before the pools open anything: the budget starts from these);
 *     every control period:
 *         if (wp_scale_update(&s, now, reports, nworkers) > 0)
 *             for each w with wp_scale_target(&s, w, &t) and t.seq new:
 *                 send t to w;
 *
 * Worker, on receiving t: wp_pool_set_targets(pool, t.min_idle,
 * t.max_sessions); report t.seq as applied_seq from then on.
 *
 * Return values: 0 (or a count) or a negative errno.
 */
#ifndef WARMPOOL_SCALE_H
#define WARMPOOL_SCALE_H

#include <stddef.h>
#include <warmpool/scale-t.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 0 if usable by `nworkers` workers; -EINVAL otherwise with
 * "<param>: <what is allowed>" in err. Among the checks: the precondition
 * max(floor, 1) x nworkers <= budget. */
int wp_scale_params_check(const struct wp_scale_params *p, uint32_t nworkers,
			  char *err, size_t errlen);

/* Every worker starts with cap min(ceiling, budget / nworkers) and min_idle
 * min(min_idle, cap), seq 0, and is assumed to have applied them.
 * `min_idle` is [pool] min_idle, kept as the least min_idle of a worker.
 * -EINVAL on bad params (see wp_scale_params_check). */
int wp_scale_init(struct wp_scale *s, const struct wp_scale_params *p,
		  uint32_t nworkers, uint32_t min_idle);

/* Feed one control period: in[0..n) are the workers' reports (n must be
 * nworkers). Returns how many workers got new targets, or -EINVAL. */
int wp_scale_update(struct wp_scale *s, int64_t now,
		    const struct wp_scale_input *in, uint32_t n);

/* How it moves, changed while running (configuration reload): step,
 * cooldown and preconnect ratio. Budget, floor and ceiling stay as
 * initialised (the budget's share-out depends on them). -EINVAL on bad
 * values. */
int wp_scale_set_tuning(struct wp_scale *s, uint32_t step, int64_t cooldown_ns,
			uint32_t preconnect_milli);

/* The current targets of `worker`. -EINVAL if there is no such worker. */
int wp_scale_target(const struct wp_scale *s, uint32_t worker, struct wp_scale_target *t);

/* Sessions charged against the budget now: sum of max(held, open). */
uint64_t wp_scale_charged(const struct wp_scale *s);

/* Verify every invariant of scale-t.h; 0 or -EFAULT with the broken one in
 * err. For tests and debug builds. */
int wp_scale_check(const struct wp_scale *s, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* WARMPOOL_SCALE_H */
