/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-core session pool API (DESIGN.md section 2). Types: pool-t.h.
 *
 * Every function here must be called from the pool's owning core only.
 * Return values follow one rule: constructors return NULL and set errno,
 * everything else returns 0 (or a count) or a negative errno.
 */
#ifndef WARMPOOL_POOL_H
#define WARMPOOL_POOL_H

#include <stddef.h>
#include <warmpool/pool-t.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults that work for a first run (documented in README). */
void wp_pool_params_default(struct wp_pool_params *p);

/* 0 if usable; -EINVAL otherwise with "<param>: <what is allowed>" in err. */
int wp_pool_params_check(const struct wp_pool_params *p, char *err, size_t errlen);

const char *wp_close_reason_name(enum wp_close_reason r);

/* Allocate a pool for `backend` on NUMA `socket` (SOCKET_ID_ANY allowed)
 * with rte_zmalloc_socket: pool, sessions, idle stack and waiter queue in
 * one block. NULL + errno (EINVAL: bad params, logged by name; ENOMEM). */
struct wp_pool *wp_pool_create(const struct wp_pool_params *params,
			       uint16_t backend, int socket,
			       const struct wp_pool_ops *ops, void *ctx);
void wp_pool_free(struct wp_pool *p); /* NULL is fine */

/* Lend a session.
 *   0            *out is a lease, now.
 *  -EINPROGRESS  queued; ops->granted or ops->failed will report `tag`.
 *  -ENOBUFS      waiter queue full (answer 503), counted as overflow.
 *  -ENETDOWN     backend down or draining, counted as refused. */
int wp_pool_acquire(struct wp_pool *p, int64_t now, uint64_t tag, struct wp_lease *out);

/* Give a lease back after an exchange. The session goes back to the idle
 * stack (or straight to the oldest waiter) only if it is still reusable;
 * otherwise it is closed with the reason. -ESTALE for an unknown lease. */
int wp_pool_release(struct wp_pool *p, struct wp_lease lease, int64_t now);

/* Withdraw a queued acquire (client went away). -ENOENT if not queued. */
int wp_pool_cancel(struct wp_pool *p, uint64_t tag);

/* Transport reports: a connect completed / a session ended by itself
 * (connect failure, peer FIN or RST). A lost leased session ends its lease. */
int wp_pool_connected(struct wp_pool *p, uint32_t sid, int64_t now);
int wp_pool_lost(struct wp_pool *p, uint32_t sid, enum wp_close_reason why, int64_t now);

/* Timers: waiter deadlines, connect timeouts, idle/age expiry, leaks and
 * paced warm-up. Call every few milliseconds. */
void wp_pool_tick(struct wp_pool *p, int64_t now);

/* Control-core decisions, applied on the owning core. */
void wp_pool_set_state(struct wp_pool *p, enum wp_backend_state st, int64_t now);
int wp_pool_set_targets(struct wp_pool *p, uint32_t min_idle, uint32_t max_sessions);
/* New parameters while running (configuration reload). Taken at once:
 * timeouts, max_requests, pacing, probing, leak settings and max_pending
 * (the newest waiters above a lowered bound fail with -ECONNABORTED);
 * max_age and its jitter apply to sessions opened from now on. The
 * targets (min_idle, max_sessions) are not touched: the caller sets them
 * with wp_pool_set_targets(). The seed is kept. -EINVAL (logged) for bad
 * params or more than the pool was created for (max_sessions above its
 * size, max_pending above its queue's). */
int wp_pool_set_params(struct wp_pool *p, const struct wp_pool_params *params);
/* The targets in force (as set, or from the params at creation). */
void wp_pool_targets(const struct wp_pool *p, uint32_t *min_idle, uint32_t *max_sessions);
/* Close what can be closed now (idle, connecting, waiters); leased
 * sessions close as they come back. */
void wp_pool_shutdown(struct wp_pool *p);

void wp_pool_stats(const struct wp_pool *p, struct wp_pool_stats *st);
enum wp_backend_state wp_pool_state(const struct wp_pool *p);
uint16_t wp_pool_backend(const struct wp_pool *p);
/* Leased sessions plus queued waiters: the load P2C compares. */
uint32_t wp_pool_outstanding(const struct wp_pool *p);
enum wp_session_state wp_pool_session_state(const struct wp_pool *p, uint32_t sid);
/* Bytes of pool memory per session slot (session + idle stack entry). */
size_t wp_pool_bytes_per_session(void);

/* Verify every internal invariant; 0 or -EFAULT with the broken one in err.
 * For tests and debug builds: O(max_sessions + max_pending). */
int wp_pool_check(const struct wp_pool *p, char *err, size_t errlen);

/* Backend choice on one worker: weighted least-outstanding with power of
 * two choices, among pools whose backend is UP. */
struct wp_selector;
struct wp_selector *wp_selector_create(unsigned nbackends, int socket, uint64_t seed);
void wp_selector_free(struct wp_selector *s);
/* Attach the pool of backend `idx` with its weight (>= 1). */
int wp_selector_set(struct wp_selector *s, unsigned idx, struct wp_pool *pool, uint32_t weight);
/* Re-read pool states after the control core changed any (O(backends)). */
void wp_selector_refresh(struct wp_selector *s);
/* Index of the chosen backend, or -EHOSTUNREACH when none is up. */
int wp_selector_pick(struct wp_selector *s);

#ifdef __cplusplus
}
#endif

#endif /* WARMPOOL_POOL_H */
