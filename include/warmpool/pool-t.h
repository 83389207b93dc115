/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the per-core session pool (DESIGN.md section 2).
 *
 * A pool is one (worker, backend) pair. It lives entirely on its worker's
 * core: nothing here is shared, so nothing here is atomic. The pool never
 * reads a clock; every call takes `now` (nanoseconds on any monotonic base),
 * which is what lets the unit tests drive it with a virtual clock.
 *
 * The pool never touches the network. It drives sessions through
 * struct wp_pool_ops (connect, close, probe, is_reusable) and tells the
 * application about waiters through the same table, so the TCP stack plugs
 * in later and the tests plug in a deterministic fake.
 */
#ifndef WARMPOOL_POOL_T_H
#define WARMPOOL_POOL_T_H

#include <stdbool.h>
#include <stdint.h>

/* Lifecycle: FREE -> CONNECTING -> IDLE <-> LEASED -> FREE.
 * "CLOSING/CLOSED" of DESIGN.md are the transport's business: once the pool
 * has asked the transport to close a session (with a reason), the slot is
 * FREE again and the reason is counted exactly once. */
enum wp_session_state {
	WP_SESS_FREE = 0,
	WP_SESS_CONNECTING,
	WP_SESS_IDLE,
	WP_SESS_LEASED,
};

/* Why a session ended. Every end of a session counts exactly one of these. */
enum wp_close_reason {
	WP_CLOSE_IDLE_TIMEOUT = 0, /* idle longer than idle_timeout, above min_idle */
	WP_CLOSE_MAX_AGE,          /* older than its (jittered) max age */
	WP_CLOSE_MAX_REQUESTS,     /* served max_requests exchanges */
	WP_CLOSE_PROBE_FAILED,     /* liveness probe before lending failed */
	WP_CLOSE_BACKEND_DOWN,     /* control core marked the backend down */
	WP_CLOSE_DRAIN,            /* backend being drained */
	WP_CLOSE_PEER_FIN,         /* backend closed (reported by transport) */
	WP_CLOSE_PEER_RST,         /* backend reset (reported by transport) */
	WP_CLOSE_PROTOCOL,         /* exchange not framed cleanly: not reusable */
	WP_CLOSE_POOL_SHRINK,      /* scaling lowered the cap below open count */
	WP_CLOSE_CONNECT_FAILED,   /* connect refused/unreachable (transport) */
	WP_CLOSE_CONNECT_TIMEOUT,  /* connect took longer than connect_timeout */
	WP_CLOSE_LEAK_RECLAIM,     /* lease held past leak_threshold, reclaimed */
	WP_CLOSE_SHUTDOWN,         /* pool shut down */
	WP_CLOSE__COUNT
};

enum wp_backend_state {
	WP_BACKEND_UP = 0,
	WP_BACKEND_DOWN,
	WP_BACKEND_DRAIN,
};

/* Pool parameters. Durations are signed nanoseconds so that a negative
 * value from a config file is representable and rejected by name
 * (wp_pool_params_check) rather than wrapped into a huge timeout.
 * A zero duration disables the feature where the comment says so. */
struct wp_pool_params {
	uint32_t min_idle;           /* idle+connecting kept ready (<= max_sessions) */
	uint32_t max_sessions;       /* hard cap of open sessions on this core, >= 1 */
	uint32_t max_pending;        /* waiter queue bound; 0 = never wait */
	uint32_t max_requests;       /* exchanges per session; 0 = unlimited */
	uint32_t connect_burst;      /* warm-up pacing: connects per interval, >= 1 */
	int64_t connect_interval_ns; /* warm-up pacing interval, > 0; also the
				      * first back-off after a failed connect */
	int64_t connect_timeout_ns;  /* > 0; also the longest back-off */
	int64_t acquire_timeout_ns;  /* waiter deadline, > 0 */
	int64_t idle_timeout_ns;     /* 0 = sessions never idle out */
	int64_t max_age_ns;          /* 0 = no age limit */
	int64_t max_age_jitter_ns;   /* age limit is max_age - U[0, jitter]; <= max_age */
	int64_t probe_idle_ns;       /* probe sessions idle this long before lending; 0 = never */
	int64_t leak_threshold_ns;   /* lease age reported as a leak; 0 = off */
	bool leak_reclaim;           /* close leaked sessions (holder's release -> -ESTALE) */
	uint64_t seed;               /* PRNG seed for jitter (replayable runs) */
};

/* A lease: the session id and the generation it was lent at. Releasing a
 * lease whose generation no longer matches (reclaimed, lost) is refused. */
struct wp_lease {
	uint32_t sid;
	uint32_t gen;
};

/* Per-pool counters and gauges, a snapshot taken by wp_pool_stats().
 * Invariant (checked by wp_pool_check):
 *   connects == sum(closed[]) + connecting + idle + in_use */
struct wp_pool_stats {
	uint64_t connects;        /* connects started */
	uint64_t opened;          /* connects that completed */
	uint64_t acquires;        /* leases handed out (at once or to a waiter) */
	uint64_t reused;          /* leases of a session that had served before */
	uint64_t closed[WP_CLOSE__COUNT];
	uint64_t waits;           /* acquires that had to queue */
	uint64_t wait_ns;         /* total queueing time of granted waiters */
	uint64_t overflows;       /* acquires refused: waiter queue full */
	uint64_t timeouts;        /* waiters whose deadline passed */
	uint64_t aborted;         /* waiters failed because backend went down */
	uint64_t cancelled;       /* waiters withdrawn by the application */
	uint64_t refused;         /* acquires while backend down/draining */
	uint64_t leaks;           /* leases reported past leak_threshold */
	uint64_t stale_releases;  /* releases of reclaimed/lost/unknown leases */
	uint64_t backoffs;        /* connect failures that delayed the next try */
	uint32_t in_use;          /* gauges */
	uint32_t idle;
	uint32_t connecting;
	uint32_t pending;
};

struct wp_pool;

/* The pool's two-way contract with the transport and the application.
 * Every callback receives `ctx` as given to wp_pool_create. The pool calls
 * them only after its own state is consistent, so a callback may call back
 * into the same pool (e.g. release from `granted`). */
struct wp_pool_ops {
	/* Start opening a session to `backend`; report the outcome later with
	 * wp_pool_connected() or wp_pool_lost(). A negative return is an
	 * immediate failure (counted as WP_CLOSE_CONNECT_FAILED). */
	int (*connect)(void *ctx, uint16_t backend, uint32_t sid);
	/* Close a session the pool decided to end (FIN, not RST). Not called
	 * for sessions the transport itself reported lost. */
	void (*close)(void *ctx, uint32_t sid, enum wp_close_reason why);
	/* Optional: 0 if an idle session is still usable, negative if not. */
	int (*probe)(void *ctx, uint32_t sid);
	/* Optional: true only if the last exchange was framed completely with
	 * nothing left over (DESIGN.md section 2: the desync rule). */
	bool (*is_reusable)(void *ctx, uint32_t sid);
	/* A queued acquire got a session. */
	void (*granted)(void *ctx, uint64_t tag, struct wp_lease lease);
	/* A queued acquire failed: -ETIMEDOUT (deadline) or -ECONNABORTED
	 * (backend down, drained or pool shut down). */
	void (*failed)(void *ctx, uint64_t tag, int err);
	/* Optional: a lease is older than leak_threshold (once per lease). */
	void (*leak)(void *ctx, struct wp_lease lease, uint64_t holder, int64_t held_ns);
};

#endif /* WARMPOOL_POOL_T_H */
