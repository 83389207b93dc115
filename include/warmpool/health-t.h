/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the active health checker (DESIGN.md section 5). API: health.h.
 *
 * One struct wp_health covers every backend of the appliance. It is owned
 * by the control core and touched from there only: the control core asks
 * it which checks are due, hands each probe to a worker (which owns the
 * flow), and feeds the answers back. Nothing here is shared with a worker,
 * so nothing is atomic, and nothing reads a clock: every call takes `now`
 * (nanoseconds on any monotonic base).
 */
#ifndef WARMPOOL_HEALTH_T_H
#define WARMPOOL_HEALTH_T_H

#include <stdbool.h>
#include <stdint.h>

/* What the control core should do with a backend. UNKNOWN is "no verdict
 * yet" (only if asked for at start); DRAIN is set by an operator and hides
 * the checked state until lifted. */
enum wp_health_state {
	WP_HEALTH_UP = 0,
	WP_HEALTH_DOWN,
	WP_HEALTH_UNKNOWN,
	WP_HEALTH_DRAIN,
};

/* Parameters; one-to-one with [health] of warmpoold.ini (struct
 * wp_config_health) plus the start state and the PRNG seed. Durations are
 * signed so a negative value is refused by name, not wrapped. */
struct wp_health_params {
	int64_t interval_ns;       /* mean time between two checks of a backend, > 0 */
	int64_t jitter_ns;         /* each wait is interval +- U[0, jitter]; 0 <= jitter < interval */
	int64_t initial_spread_ns; /* first check of each backend at U[0, spread]; >= 0 */
	int64_t timeout_ns;        /* an unanswered probe fails after this, > 0 */
	uint32_t rise;             /* consecutive successes to become UP, >= 1 */
	uint32_t fall;             /* consecutive failures to become DOWN, >= 1 */
	uint8_t initial_state;     /* UP (default: serve at once), DOWN or UNKNOWN */
	uint64_t seed;             /* PRNG seed: same seed, same schedule */
};

/* A check to start now: send it to a worker, answer with
 * wp_health_result(id, ok). After `deadline` the answer no longer counts;
 * the check has failed by timeout. */
struct wp_health_probe {
	uint64_t id;       /* unique for the checker's life; never 0 */
	uint32_t backend;
	int64_t deadline;
};

/* A change of a backend's state, told to the notify callback. */
struct wp_health_event {
	uint32_t backend;
	uint8_t from;      /* enum wp_health_state */
	uint8_t to;        /* enum wp_health_state */
	int64_t now;
};

typedef void wp_health_notify_fn(void *ctx, const struct wp_health_event *ev);

/* One backend, readable through wp_health_backend(). Owned by the checker.
 * Invariants: checks == ok + failed + timeouts + (probe_id != 0);
 * at most one of ok_streak, fail_streak is non-zero;
 * state == DRAIN iff drain, otherwise state == checked. */
struct wp_health_backend {
	uint8_t state;          /* enum wp_health_state: what callers act on */
	uint8_t checked;        /* the verdict of the checks (UP, DOWN, UNKNOWN) */
	bool drain;             /* operator drain in force */
	uint32_t ok_streak;     /* consecutive successful checks */
	uint32_t fail_streak;   /* consecutive failed checks (negative or timed out) */
	uint64_t probe_id;      /* the probe in flight; 0 = none */
	int64_t deadline;       /* of probe_id */
	int64_t next_check;     /* when the next probe starts */
	uint64_t checks;        /* probes started */
	uint64_t ok;            /* answered healthy in time */
	uint64_t failed;        /* answered unhealthy in time */
	uint64_t timeouts;      /* not answered in time */
	uint64_t transitions;   /* changes of `state` */
	int64_t last_change;    /* `now` of the last change; creation time at first */
};

/* Checker-wide counters. */
struct wp_health_stats {
	uint64_t probes;        /* probes handed out */
	uint64_t stale;         /* answers ignored: late, repeated or unknown id */
};

struct wp_health;

#endif
