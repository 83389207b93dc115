/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the per-backend circuit breaker and the retry budget
 * (DESIGN.md section 5). Functions: breaker.h.
 *
 * Three pieces, on two kinds of core:
 *  - struct wp_breaker       control core, one per backend: the decision
 *                            closed / open / half-open, taken once per
 *                            control period from aggregated figures.
 *  - struct wp_breaker_gate  worker, one per backend: what the worker asks
 *                            per request (admit or answer 503 at once); its
 *                            state is pushed from the control core as a
 *                            struct wp_breaker_cmd.
 *  - struct wp_retry_budget  worker, one per backend: the token bucket that
 *                            says whether a failed request may be retried.
 *
 * Nothing here reads a clock: every call takes `now` (signed nanoseconds on
 * any monotonic base), so the unit tests drive it with a virtual clock.
 * Nothing is shared between cores; the pieces talk only through values the
 * caller carries over the rings.
 */
#ifndef WARMPOOL_BREAKER_T_H
#define WARMPOOL_BREAKER_T_H

#include <stdint.h>

/* Limits of one backend over all workers. Field for field the [breaker]
 * section (struct wp_config_breaker, conf/warmpoold.ini). */
struct wp_breaker_params {
	uint32_t max_sessions;         /* open sessions beyond this: open, >= 1 */
	uint32_t max_pending;          /* waiting requests beyond this: open */
	uint32_t retry_budget_percent; /* retries as % of requests, 0..100 */
	uint32_t min_retries_per_s;    /* retry floor, appliance-wide, <= 1e6 */
	int64_t open_time_ns;          /* open -> half-open after this, > 0 */
	uint32_t half_open_probes;     /* requests let through half-open, >= 1 */
};

enum wp_breaker_state {
	WP_BREAKER_CLOSED = 0,   /* requests flow */
	WP_BREAKER_OPEN,         /* every request gets 503 at once */
	WP_BREAKER_HALF_OPEN,    /* a few probe requests decide */
	WP_BREAKER__STATES
};

/* Why the breaker changed state (or re-armed its probes). */
enum wp_breaker_cause {
	WP_BREAKER_C_SESSIONS = 0,  /* -> open: sessions > max_sessions */
	WP_BREAKER_C_PENDING,       /* -> open: pending > max_pending */
	WP_BREAKER_C_RETRY_BUDGET,  /* -> open: a worker's retry budget ran dry */
	WP_BREAKER_C_PROBE_FAILED,  /* half-open -> open: a probe failed */
	WP_BREAKER_C_OPEN_TIME,     /* open -> half-open: open_time passed */
	WP_BREAKER_C_PROBES_OK,     /* half-open -> closed: every probe succeeded */
	WP_BREAKER_C_PROBE_REARM,   /* half-open -> half-open: no verdict within
				     * open_time, workers get fresh probes */
	WP_BREAKER_C__COUNT
};

/* What the control core learned about one backend in one control period,
 * summed over all workers. Gauges are as of the period's end; the rest are
 * what happened during the period. */
struct wp_breaker_input {
	uint32_t sessions;        /* open sessions (gauge) */
	uint32_t pending;         /* requests waiting for a session (gauge) */
	uint32_t successes;       /* exchanges that completed well */
	uint32_t failures;        /* connect failures, resets, timeouts, 5xx */
	uint32_t retries_denied;  /* retries refused by the retry budgets */
};

/* One state change, as wp_breaker_update() reports it. */
struct wp_breaker_event {
	uint8_t from;             /* enum wp_breaker_state */
	uint8_t to;
	uint8_t cause;            /* enum wp_breaker_cause */
	int64_t at;               /* `now` of the update that made it */
	struct wp_breaker_input in; /* the figures that led to it */
};

struct wp_breaker_stats {
	uint64_t periods;                        /* updates */
	uint64_t events[WP_BREAKER_C__COUNT];    /* state changes by cause */
	uint64_t successes;                      /* summed inputs */
	uint64_t failures;
	uint64_t retries_denied;
};

/* What a worker's gate must do, pushed from the control core whenever
 * wp_breaker_update() reports an event (and to every worker at start).
 * `epoch` grows with every command of one breaker: a gate resets its probe
 * count only when the epoch changes, so a command delivered twice is
 * harmless. */
struct wp_breaker_cmd {
	uint8_t state;            /* enum wp_breaker_state */
	uint32_t probes;          /* HALF_OPEN: requests this worker may admit */
	uint32_t epoch;
};

/* Control core, one per backend. Owned and touched by the control core
 * only. Invariants: state < WP_BREAKER__STATES; probe_ok counts successes
 * since the current half-open began and is 0 in the other states;
 * epoch changes exactly when a new command must be pushed. */
struct wp_breaker {
	struct wp_breaker_params params;
	uint32_t nworkers;        /* gates that share the half-open probes */
	uint8_t state;            /* enum wp_breaker_state */
	uint8_t cause;            /* enum wp_breaker_cause of the last event */
	int64_t since;            /* when the state (or probe round) began */
	uint32_t probe_ok;        /* HALF_OPEN: successes of this round */
	uint32_t epoch;
	struct wp_breaker_stats st;
};

/* Worker, one per backend: consulted per request. Owned by its worker;
 * changed only by wp_breaker_gate_apply() with a command from the control
 * core. Invariant: used <= probes. */
struct wp_breaker_gate {
	uint8_t state;            /* enum wp_breaker_state */
	uint32_t probes;          /* HALF_OPEN allowance of this worker */
	uint32_t used;            /* probes admitted in this epoch */
	uint32_t epoch;
	uint64_t admitted;        /* counters: requests let through ... */
	uint64_t denied;          /* ... and answered 503 */
	uint64_t probes_admitted; /* admitted while HALF_OPEN */
};

/* Worker, one per backend: the retry budget (Finagle's RetryBudget, Envoy's
 * retry_budget, as a token bucket). Amounts are in nano-tokens
 * (1 token = 1e9) so that deposits of percent/100 token and a refill of
 * min_retries_per_s tokens per second are exact integers.
 * Owned by its worker. Invariant: tokens <= max. */
struct wp_retry_budget {
	uint64_t tokens;          /* balance, nano-tokens */
	uint64_t max;             /* bound of the bucket, nano-tokens */
	uint64_t deposit;         /* per request: percent x 1e7 */
	uint64_t refill;          /* per nanosecond: the per-worker floor/s */
	int64_t last;             /* time of the last refill */
	uint64_t requests;        /* counters */
	uint64_t retries;         /* retries allowed */
	uint64_t denied;          /* retries refused: no token */
};

#endif /* WARMPOOL_BREAKER_T_H */
