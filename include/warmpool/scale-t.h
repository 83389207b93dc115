/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of demand-driven pool scaling (DESIGN.md section 5). Functions:
 * scale.h.
 *
 * One struct wp_scale per backend, on the control core. It owns the
 * backend's session budget and hands each worker's pool a cap
 * (max_sessions) and a min_idle, which the worker applies with
 * wp_pool_set_targets(). Nothing here reads a clock or touches a pool: the
 * control core feeds worker reports in and carries targets out over the
 * rings, so the unit tests drive it with a virtual clock and fake reports.
 */
#ifndef WARMPOOL_SCALE_T_H
#define WARMPOOL_SCALE_T_H

#include <stdint.h>

#define WP_SCALE_MAX_WORKERS 128 /* as WP_CONFIG_MAX_LCORE */

/* Field for field the [scaling] section (struct wp_config_scaling,
 * conf/warmpoold.ini) without `enabled`: with scaling off the caller
 * creates no struct wp_scale. */
struct wp_scale_params {
	uint32_t budget;            /* sessions to the backend, all workers: never exceeded */
	uint32_t floor;             /* least cap of one worker (0 is taken as 1) */
	uint32_t ceiling;           /* largest cap of one worker, >= floor */
	uint32_t step;              /* cap change per decision, >= 1 */
	int64_t cooldown_ns;        /* least time between two changes of one pool */
	uint32_t preconnect_milli;  /* min_idle = ceil(ratio x in-flight), ratio x 1000; 0 = off */
};

/* One worker's report for one backend, as of the period's end.
 * open/leased/pending are wp_pool_stats() gauges
 * (open = idle + in_use + connecting). */
struct wp_scale_input {
	uint32_t open;
	uint32_t leased;
	uint32_t pending;
	uint32_t requests;     /* acquires during the period */
	uint32_t applied_seq;  /* seq of the last struct wp_scale_target the
				* worker applied: the acknowledgement that lets
				* the budget of a lowered cap go elsewhere */
};

/* What a worker's pool must enforce: wp_pool_set_targets(pool, min_idle,
 * max_sessions), then report `seq` back as applied_seq. */
struct wp_scale_target {
	uint32_t min_idle;
	uint32_t max_sessions;
	uint32_t seq;          /* grows with every change of this worker */
};

/* Per worker, owned by the control core.
 * Invariants: floor <= t.max_sessions <= ceiling; t.min_idle <=
 * t.max_sessions; held >= t.max_sessions. `held` is the largest cap the
 * pool may still be enforcing: caps sent but not yet acknowledged count,
 * so until the worker reports t.seq applied, a lowered cap frees nothing.
 * The worker is charged max(held, open) against the budget. */
struct wp_scale_worker {
	struct wp_scale_target t;  /* latest decision (sent or to be sent) */
	uint32_t held;
	uint32_t open;             /* last reported */
	int64_t last_change;       /* `now` of the last change of t */
	uint8_t changed;           /* t changed at least once (cooldown applies) */
};

struct wp_scale_stats {
	uint64_t periods;          /* updates */
	uint64_t grows;            /* cap raised */
	uint64_t shrinks;          /* cap lowered */
	uint64_t min_idle_moves;   /* min_idle changed with the cap kept */
	uint64_t starved;          /* a worker wanted to grow, no budget free */
	uint64_t over_budget;      /* reports summed above the budget (a worker
				    * ignored its cap): nothing grows then */
};

/* One per backend, owned by the control core. Invariant (wp_scale_check):
 * sum over workers of max(held, open) <= budget, given truthful reports. */
struct wp_scale {
	struct wp_scale_params params;   /* floor already raised to >= 1 */
	uint32_t nworkers;
	uint32_t base_min_idle;          /* [pool] min_idle: least min_idle wanted */
	struct wp_scale_stats st;
	struct wp_scale_worker w[WP_SCALE_MAX_WORKERS];
};

#endif /* WARMPOOL_SCALE_T_H */
