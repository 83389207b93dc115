/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the lcore runtime (DESIGN.md section 1).
 *
 * One control core (the EAL main lcore) and N workers (every other enabled
 * lcore). Each worker runs a run-to-completion loop over its own
 * struct wp_worker_ctx; the control core owns struct wp_runtime and talks
 * to workers only through their ring pairs (ring-t.h).
 */
#ifndef WARMPOOL_RUNTIME_T_H
#define WARMPOOL_RUNTIME_T_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include <warmpool/ring-t.h>

struct wp_worker_ctx;
struct wp_runtime; /* control-core state, opaque: see src/core/runtime.c */

/* The one hook into the worker loop: called once per iteration on the
 * worker's lcore with the worker's own context. Returns the amount of work
 * done (packets, timers, ...); 0 means "idle" and feeds the back-off. It
 * must not block. The later TCP stack is this function. */
typedef unsigned int (*wp_worker_poll_fn)(struct wp_worker_ctx *ctx, void *arg);

/* Commands of type >= WP_CMD_USER, on the worker's lcore, with the hooks'
 * arg. */
typedef void (*wp_worker_cmd_fn)(struct wp_worker_ctx *ctx, const struct wp_cmd *cmd,
				 void *arg);

/* Control core: every telemetry record drained (after the runtime folded
 * it into the worker's view), with the hooks' telem_arg. Records of types
 * >= WP_TELEM_USER reach only this hook. */
typedef void (*wp_control_telem_fn)(unsigned int worker,
				    const struct wp_telem_rec *rec, void *arg);

struct wp_runtime_hooks {
	wp_worker_poll_fn poll; /* NULL: the loop only serves its command ring */
	wp_worker_cmd_fn cmd;   /* NULL: user commands count as unknown */
	void *arg;              /* given to every worker's poll as is; per-core
				 * state is found with ctx->worker_id */
	wp_control_telem_fn telem; /* NULL: application records count as bad */
	void *telem_arg;
};

/* Runtime settings. wp_runtime_conf_defaults() fills sane values;
 * wp_runtime_conf_check() says which one is out of range.
 *
 * Idle back-off, per worker, counted in consecutive empty iterations:
 *   1 .. spin_polls                    spin (no delay)
 *   .. spin_polls + pause_polls        rte_pause() each iteration
 *   beyond                             sleep idle_sleep_us each iteration
 *                                      (0: keep pausing, never sleep)
 * Any work resets the count. */
struct wp_runtime_conf {
	uint32_t stats_interval_ms; /* worker counters snapshot period, and the
				     * control core's verbose print period;
				     * 0 = snapshot only when stopping */
	uint32_t spin_polls;
	uint32_t pause_polls;
	uint32_t idle_sleep_us;     /* <= 1000000 */
	uint32_t cmd_slots;         /* command ring capacity per worker */
	uint32_t telem_slots;       /* telemetry ring capacity per worker */
	bool verbose;               /* control core prints one totals line per
				     * stats interval (stdout) */
};

/* Per-worker context.
 *
 * Ownership: allocated (wp_zmalloc_socket: rte_zmalloc_socket on the
 * worker's NUMA node; the C allocator under ASan, see src/wp_mem.h) and
 * filled by the control core before launch, freed by it after the worker
 * has been joined. While the worker runs:
 *  - the first block is read-only for everybody;
 *  - `c`, `idle_streak`, `telem_seq`, the `*_tsc` fields are written only by
 *    the worker; the control core learns their values through counters
 *    snapshots on the telemetry ring, never by reading them;
 *  - `running` is written by the worker (atomic release), read by anyone.
 * Invariant: c.loops == c.busy_polls + c.idle_polls after each iteration.
 */
struct wp_worker_ctx {
	/* read-only after launch */
	uint32_t worker_id;           /* 0..N-1, index into per-core arrays */
	uint32_t lcore_id;
	int32_t socket_id;
	uint32_t spin_polls;
	uint32_t pause_polls;
	uint32_t idle_sleep_us;
	uint64_t snap_interval_tsc;   /* 0 = no periodic snapshot */
	struct wp_ring_pair *rings;   /* this worker's pair */
	wp_worker_poll_fn poll;
	void *poll_arg;
	wp_worker_cmd_fn cmd;

	/* worker-owned, hot */
	struct wp_telem_counters c __rte_cache_aligned; /* telem_drops unused
							 * here: see rings */
	uint64_t next_snap_tsc;
	uint64_t busy_tsc;            /* cycles in iterations that found work */
	uint64_t idle_tsc;            /* cycles in iterations that found none */
	uint64_t last_tsc;            /* end of the previous iteration */
	uint32_t idle_streak;
	uint32_t telem_seq;
	uint32_t running;
} __rte_cache_aligned;

/* What the control core knows about one worker, built only from the
 * telemetry records it drained. Control-core owned. */
struct wp_worker_view {
	struct wp_telem_counters last; /* latest counters snapshot */
	uint64_t last_ts_ns;           /* its timestamp */
	uint64_t records;              /* records drained */
	uint64_t snapshots;            /* WP_TELEM_COUNTERS received */
	uint64_t pongs;                /* WP_TELEM_PONG received */
	uint64_t events;               /* WP_TELEM_EVENT received */
	uint64_t seq_gaps;             /* records missing by seq (dropped) */
	uint64_t bad;                  /* records with a wrong worker id or type */
	uint32_t last_pong_seq;
	uint64_t busy_tsc;             /* latest WP_TELEM_CYCLES */
	uint64_t idle_tsc;
	uint64_t tsc_hz;
	uint32_t last_event;           /* code of the latest WP_TELEM_EVENT */
	uint64_t last_event_arg[2];
	uint32_t next_seq;             /* seq expected next */
	uint32_t lcore_id;
	int32_t socket_id;
};

#endif /* WARMPOOL_RUNTIME_T_H */
