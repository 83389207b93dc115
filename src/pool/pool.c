/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-core session pool (DESIGN.md section 2).
 *
 * One pool per (worker, backend), owned by the worker: no locks, no atomics,
 * no allocation after wp_pool_create. Sessions are slots in a fixed array,
 * named by integer id; a lease is (id, generation) so a stale holder can
 * never release a slot that has since been reused.
 *
 * Data structures, all in one rte_zmalloc_socket block:
 *  - sess[]:  the slots. Free slots form a singly linked free list.
 *  - idle[]:  LIFO stack of idle ids. Pushes and pops happen at the top, so
 *             from bottom to top `since` (idle-since time) never decreases:
 *             the bottom holds the coldest sessions, which are the ones the
 *             idle timeout removes. Hot sessions stay hot (good for the
 *             backend's caches and ours); cold ones sink and age out.
 *  - wq[]:    FIFO ring of waiters (tag, enqueue time). The deadline is
 *             enqueue time + acquire_timeout, so the head always expires
 *             first and the timer check is O(expired).
 *
 * Timing comes only from the caller's `now`. wp_pool_tick() does the timed
 * work: waiter deadlines, connect timeouts, leak checks, idle and age
 * expiry, and paced warm-up (connect_burst per connect_interval, so a
 * restart does not SYN-flood a backend). A connect that fails (refused,
 * timed out, lost before it completed) holds every further connect back
 * for a while that doubles with each failure in a row, from
 * connect_interval up to connect_timeout, and resets on the first
 * success: a backend that refuses is retried at a bounded rate, not once
 * per RTT for as long as requests wait (waiters keep their deadlines).
 * Max age is jittered per session
 * (max_age - U[0, jitter]) so sessions opened together do not all expire in
 * the same tick.
 *
 * Re-entrancy: the transport callbacks (connect, close, probe, is_reusable)
 * must not call back into the pool; the application callbacks (granted,
 * failed, leak) may, because the pool is consistent whenever it calls them.
 *
 * Deliberately not here: deciding that a backend is down (control core),
 * choosing among backends (select.c), and anything about bytes on the wire
 * (the transport and framer own "is this exchange complete").
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <warmpool/pool.h>
#include "rand.h"
#include "wp_mem.h"

RTE_LOG_REGISTER(wp_pool_logtype, warmpool.pool, INFO);
#define POOL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, wp_pool_logtype, "warmpool.pool: " fmt "\n", ##__VA_ARGS__)

#define WP_NIL UINT32_MAX
#define WP_OPEN 0xff /* down_why when the pool lends sessions */

/* One session slot. Owned by the pool's core. `since` means: connect start
 * (CONNECTING), idle since (IDLE), lease start (LEASED). `gen` changes at
 * every lease and every free, so a lease is valid iff state == LEASED and
 * gen matches. 40 bytes; with its idle-stack entry, 44 per idle session. */
struct wp_session {
	uint64_t holder;    /* LEASED: tag of whoever holds the lease */
	int64_t since;
	int64_t expires;    /* max-age deadline; INT64_MAX when none */
	uint32_t gen;
	uint32_t nreq;      /* exchanges completed on this session */
	uint32_t next_free; /* FREE: next slot on the free list */
	uint8_t state;      /* enum wp_session_state */
	uint8_t leak_reported;
};

struct wp_waiter {
	uint64_t tag;
	int64_t since;
};

/* Invariants (wp_pool_check verifies them all):
 *  nidle + nleased + nconnecting == slots not FREE == nopen <= capacity
 *  idle[0..nidle) are distinct IDLE slots, `since` non-decreasing upwards
 *  wq_len <= max_pending, and wq_len == 0 whenever down_why != WP_OPEN
 *  stats.connects == sum(stats.closed) + nopen */
struct wp_pool {
	/* hot: acquire / release */
	struct wp_session *sess;
	uint32_t *idle;
	uint32_t nidle;
	uint32_t nleased;
	uint32_t nconnecting;
	uint32_t free_head;
	uint8_t down_why;   /* WP_OPEN, or the close reason while not lending */
	uint8_t state;      /* enum wp_backend_state, as the control core set it */
	uint16_t backend;
	uint32_t max_cur;   /* current cap (scaling may lower it below capacity) */
	uint32_t min_cur;   /* current min_idle */
	struct wp_pool_ops ops;
	void *ctx;

	/* waiters */
	struct wp_waiter *wq;
	uint32_t wq_head;
	uint32_t wq_len;
	uint32_t wq_mask;

	/* cold */
	uint32_t capacity;  /* slots allocated == params.max_sessions */
	int64_t next_connect;
	int64_t retry_at;   /* after a failed connect: none before this */
	uint32_t fail_streak; /* connects failed in a row */
	uint64_t rng;
	struct wp_pool_params params;
	struct wp_pool_stats st; /* gauges filled in by wp_pool_stats() */
};

static inline uint32_t
nopen(const struct wp_pool *p)
{
	return p->nidle + p->nleased + p->nconnecting;
}

/* ---- slots ------------------------------------------------------------ */

static uint32_t
slot_alloc(struct wp_pool *p)
{
	uint32_t sid = p->free_head;
	if (sid != WP_NIL)
		p->free_head = p->sess[sid].next_free;
	return sid;
}

/* End a session whose gauge the caller has already taken it out of: count
 * the reason once, tell the transport if the pool decided it, free the slot. */
static void
end_session(struct wp_pool *p, uint32_t sid, enum wp_close_reason why, bool tell)
{
	struct wp_session *s = &p->sess[sid];

	p->st.closed[why]++;
	s->state = WP_SESS_FREE;
	s->next_free = p->free_head;
	p->free_head = sid;
	if (tell)
		p->ops.close(p->ctx, sid, why);
}

static struct wp_lease
lend(struct wp_pool *p, uint32_t sid, uint64_t holder, int64_t now)
{
	struct wp_session *s = &p->sess[sid];

	s->state = WP_SESS_LEASED;
	s->gen++;
	s->since = now;
	s->holder = holder;
	s->leak_reported = 0;
	p->nleased++;
	p->st.acquires++;
	p->st.reused += s->nreq != 0;
	return (struct wp_lease){ .sid = sid, .gen = s->gen };
}

static inline void
idle_push(struct wp_pool *p, uint32_t sid, int64_t now)
{
	struct wp_session *s = &p->sess[sid];

	s->state = WP_SESS_IDLE;
	s->since = now;
	p->idle[p->nidle++] = sid;
}

/* Remove one id from anywhere in the stack, keeping order. O(nidle), used
 * only when the transport reports an idle session lost (rare). */
static void
idle_remove(struct wp_pool *p, uint32_t sid)
{
	for (uint32_t i = p->nidle; i-- > 0;) {
		if (p->idle[i] == sid) {
			memmove(&p->idle[i], &p->idle[i + 1],
				(p->nidle - i - 1) * sizeof(p->idle[0]));
			p->nidle--;
			return;
		}
	}
}

/* ---- connects --------------------------------------------------------- */

/* A connect failed: the next one waits interval x 2^(streak-1), at most
 * connect_timeout. */
static void
connect_failed(struct wp_pool *p, int64_t now)
{
	int64_t d = p->params.connect_interval_ns, cap = p->params.connect_timeout_ns;
	uint32_t k = p->fail_streak++;

	if (cap < d)
		cap = d;
	while (k-- > 0 && d < cap)
		d *= 2;
	p->retry_at = now + (d < cap ? d : cap);
	p->st.backoffs++;
}

static void
start_connect(struct wp_pool *p, int64_t now)
{
	uint32_t sid = slot_alloc(p);
	struct wp_session *s;

	if (sid == WP_NIL)
		return; /* cannot happen while nopen < capacity; checked by callers */
	s = &p->sess[sid];
	s->state = WP_SESS_CONNECTING;
	s->since = now;
	s->nreq = 0;
	p->nconnecting++;
	p->st.connects++;
	if (p->ops.connect(p->ctx, p->backend, sid) < 0) {
		p->nconnecting--;
		end_session(p, sid, WP_CLOSE_CONNECT_FAILED, false);
		connect_failed(p, now);
	}
}

/* Waiters are owed a session each: connect for them at once, up to the
 * cap, unless connects are backing off (then the tick does it). */
static void
connect_for_waiters(struct wp_pool *p, int64_t now)
{
	while (p->nconnecting < p->wq_len && nopen(p) < p->max_cur && now >= p->retry_at)
		start_connect(p, now);
}

/* ---- waiters ---------------------------------------------------------- */

static struct wp_waiter
wq_pop(struct wp_pool *p)
{
	struct wp_waiter w = p->wq[p->wq_head];

	p->wq_head = (p->wq_head + 1) & p->wq_mask;
	p->wq_len--;
	return w;
}

/* Hand an unattached session to the oldest waiter. False if none waits. */
static bool
grant_waiter(struct wp_pool *p, uint32_t sid, int64_t now)
{
	struct wp_waiter w;
	struct wp_lease l;

	if (p->wq_len == 0)
		return false;
	w = wq_pop(p);
	p->st.wait_ns += (uint64_t)(now - w.since);
	l = lend(p, sid, w.tag, now);
	p->ops.granted(p->ctx, w.tag, l);
	return true;
}

static void
fail_waiters(struct wp_pool *p, int err)
{
	while (p->wq_len) {
		struct wp_waiter w = wq_pop(p);
		if (err == -ETIMEDOUT)
			p->st.timeouts++;
		else
			p->st.aborted++;
		p->ops.failed(p->ctx, w.tag, err);
	}
}

/* ---- create / free ---------------------------------------------------- */

struct wp_pool *
wp_pool_create(const struct wp_pool_params *params, uint16_t backend, int socket,
	       const struct wp_pool_ops *ops, void *ctx)
{
	char err[128];
	struct wp_pool *p;
	size_t off_sess, off_idle, off_wq, total;
	uint32_t wq_cap;
	int rc;

	rc = wp_pool_params_check(params, err, sizeof(err));
	if (rc < 0) {
		POOL_LOG(ERR, "backend %u: invalid pool parameter %s", backend, err);
		errno = EINVAL;
		return NULL;
	}
	if (ops == NULL || !ops->connect || !ops->close || !ops->granted || !ops->failed) {
		POOL_LOG(ERR, "backend %u: ops table needs connect, close, granted, failed",
			 backend);
		errno = EINVAL;
		return NULL;
	}

	wq_cap = rte_align32pow2(params->max_pending ? params->max_pending : 1);
	off_sess = RTE_ALIGN_CEIL(sizeof(*p), RTE_CACHE_LINE_SIZE);
	off_idle = off_sess + RTE_ALIGN_CEIL((size_t)params->max_sessions *
					     sizeof(struct wp_session), RTE_CACHE_LINE_SIZE);
	off_wq = off_idle + RTE_ALIGN_CEIL((size_t)params->max_sessions * sizeof(uint32_t),
					   RTE_CACHE_LINE_SIZE);
	total = off_wq + (size_t)wq_cap * sizeof(struct wp_waiter);

	p = wp_zmalloc_socket("wp_pool", total, RTE_CACHE_LINE_SIZE, socket);
	if (p == NULL) {
		POOL_LOG(ERR, "backend %u: cannot allocate %zu bytes on socket %d",
			 backend, total, socket);
		errno = ENOMEM;
		return NULL;
	}
	p->sess = (struct wp_session *)((char *)p + off_sess);
	p->idle = (uint32_t *)((char *)p + off_idle);
	p->wq = (struct wp_waiter *)((char *)p + off_wq);
	p->wq_mask = wq_cap - 1;
	p->params = *params;
	p->capacity = params->max_sessions;
	p->max_cur = params->max_sessions;
	p->min_cur = params->min_idle;
	p->backend = backend;
	p->ops = *ops;
	p->ctx = ctx;
	p->rng = params->seed ^ ((uint64_t)backend << 48);
	p->down_why = WP_OPEN;
	p->state = WP_BACKEND_UP;
	p->next_connect = INT64_MIN;
	p->retry_at = INT64_MIN;
	for (uint32_t i = 0; i < p->capacity; i++)
		p->sess[i].next_free = i + 1 < p->capacity ? i + 1 : WP_NIL;
	p->free_head = 0;
	return p;
}

void
wp_pool_free(struct wp_pool *p)
{
	wp_mfree(p);
}

/* ---- the request path ------------------------------------------------- */

int
wp_pool_acquire(struct wp_pool *p, int64_t now, uint64_t tag, struct wp_lease *out)
{
	if (unlikely(p->down_why != WP_OPEN)) {
		p->st.refused++;
		return -ENETDOWN;
	}
	while (likely(p->nidle != 0)) {
		uint32_t sid = p->idle[--p->nidle];
		struct wp_session *s = &p->sess[sid];

		if (unlikely(now >= s->expires)) {
			end_session(p, sid, WP_CLOSE_MAX_AGE, true);
			continue;
		}
		if (unlikely(p->params.probe_idle_ns != 0 &&
			     now - s->since >= p->params.probe_idle_ns &&
			     p->ops.probe != NULL && p->ops.probe(p->ctx, sid) < 0)) {
			end_session(p, sid, WP_CLOSE_PROBE_FAILED, true);
			continue;
		}
		*out = lend(p, sid, tag, now);
		return 0;
	}

	if (p->wq_len >= p->params.max_pending) {
		p->st.overflows++;
		return -ENOBUFS;
	}
	p->wq[(p->wq_head + p->wq_len) & p->wq_mask] = (struct wp_waiter){ tag, now };
	p->wq_len++;
	p->st.waits++;
	connect_for_waiters(p, now);
	return -EINPROGRESS;
}

/* Why a session coming back from a lease must not be lent again, or -1. */
static int
release_verdict(struct wp_pool *p, uint32_t sid, const struct wp_session *s, int64_t now)
{
	if (unlikely(p->down_why != WP_OPEN))
		return p->down_why;
	if (p->ops.is_reusable != NULL && !p->ops.is_reusable(p->ctx, sid))
		return WP_CLOSE_PROTOCOL;
	if (p->params.max_requests != 0 && s->nreq >= p->params.max_requests)
		return WP_CLOSE_MAX_REQUESTS;
	if (unlikely(now >= s->expires))
		return WP_CLOSE_MAX_AGE;
	if (unlikely(nopen(p) > p->max_cur))
		return WP_CLOSE_POOL_SHRINK;
	return -1;
}

int
wp_pool_release(struct wp_pool *p, struct wp_lease l, int64_t now)
{
	struct wp_session *s;
	int why;

	if (unlikely(l.sid >= p->capacity))
		goto stale;
	s = &p->sess[l.sid];
	if (unlikely(s->state != WP_SESS_LEASED || s->gen != l.gen))
		goto stale;

	s->nreq++;
	why = release_verdict(p, l.sid, s, now);
	p->nleased--;
	if (unlikely(why >= 0)) {
		end_session(p, l.sid, (enum wp_close_reason)why, true);
		connect_for_waiters(p, now);
		return 0;
	}
	if (unlikely(p->wq_len != 0) && grant_waiter(p, l.sid, now))
		return 0;
	idle_push(p, l.sid, now);
	return 0;
stale:
	p->st.stale_releases++;
	return -ESTALE;
}

int
wp_pool_cancel(struct wp_pool *p, uint64_t tag)
{
	for (uint32_t i = 0; i < p->wq_len; i++) {
		if (p->wq[(p->wq_head + i) & p->wq_mask].tag != tag)
			continue;
		for (uint32_t j = i; j + 1 < p->wq_len; j++)
			p->wq[(p->wq_head + j) & p->wq_mask] =
				p->wq[(p->wq_head + j + 1) & p->wq_mask];
		p->wq_len--;
		p->st.cancelled++;
		return 0;
	}
	return -ENOENT;
}

/* ---- transport reports ------------------------------------------------ */

int
wp_pool_connected(struct wp_pool *p, uint32_t sid, int64_t now)
{
	struct wp_session *s;
	int64_t age;

	if (sid >= p->capacity || p->sess[sid].state != WP_SESS_CONNECTING)
		return -ENOENT;
	s = &p->sess[sid];
	p->nconnecting--;
	p->st.opened++;
	p->fail_streak = 0;
	p->retry_at = INT64_MIN;
	s->expires = INT64_MAX;
	if (p->params.max_age_ns != 0) {
		age = p->params.max_age_ns;
		if (p->params.max_age_jitter_ns != 0)
			age -= (int64_t)wp_rand_below(&p->rng,
						      (uint64_t)p->params.max_age_jitter_ns + 1);
		s->expires = now + age;
	}
	if (p->down_why != WP_OPEN) {
		end_session(p, sid, (enum wp_close_reason)p->down_why, true);
		return 0;
	}
	if (nopen(p) + 1 > p->max_cur) {
		end_session(p, sid, WP_CLOSE_POOL_SHRINK, true);
		return 0;
	}
	if (!grant_waiter(p, sid, now))
		idle_push(p, sid, now);
	/* the back-off is over: waiters it held back get their connects */
	connect_for_waiters(p, now);
	return 0;
}

int
wp_pool_lost(struct wp_pool *p, uint32_t sid, enum wp_close_reason why, int64_t now)
{
	if (sid >= p->capacity || (unsigned)why >= WP_CLOSE__COUNT)
		return -EINVAL;
	switch (p->sess[sid].state) {
	case WP_SESS_IDLE:
		idle_remove(p, sid);
		break;
	case WP_SESS_LEASED:
		p->nleased--;
		break;
	case WP_SESS_CONNECTING:
		p->nconnecting--;
		connect_failed(p, now);
		break;
	default:
		return -ENOENT;
	}
	end_session(p, sid, why, false);
	if (p->down_why == WP_OPEN)
		connect_for_waiters(p, now);
	return 0;
}

/* ---- timers ----------------------------------------------------------- */

static void
tick_waiters(struct wp_pool *p, int64_t now)
{
	while (p->wq_len != 0 &&
	       now - p->wq[p->wq_head].since >= p->params.acquire_timeout_ns) {
		struct wp_waiter w = wq_pop(p);
		p->st.timeouts++;
		p->ops.failed(p->ctx, w.tag, -ETIMEDOUT);
	}
}

/* Connect timeouts and leaks: the only per-slot scan, skipped when there is
 * nothing connecting and no leak threshold. */
static void
tick_slots(struct wp_pool *p, int64_t now)
{
	const int64_t leak = p->params.leak_threshold_ns;

	if (p->nconnecting == 0 && (leak == 0 || p->nleased == 0))
		return;
	for (uint32_t sid = 0; sid < p->capacity; sid++) {
		struct wp_session *s = &p->sess[sid];

		if (s->state == WP_SESS_CONNECTING &&
		    now - s->since >= p->params.connect_timeout_ns) {
			p->nconnecting--;
			end_session(p, sid, WP_CLOSE_CONNECT_TIMEOUT, true);
			connect_failed(p, now);
		} else if (s->state == WP_SESS_LEASED && leak != 0 && !s->leak_reported &&
			   now - s->since >= leak) {
			struct wp_lease l = { .sid = sid, .gen = s->gen };

			s->leak_reported = 1;
			p->st.leaks++;
			POOL_LOG(WARNING, "backend %u: session %u leased for %" PRId64
				 " ms by holder 0x%" PRIx64 "%s", p->backend, sid,
				 (now - s->since) / 1000000, s->holder,
				 p->params.leak_reclaim ? ", reclaiming" : "");
			if (p->ops.leak)
				p->ops.leak(p->ctx, l, s->holder, now - s->since);
			/* the callback may have released it: reclaim only the same lease */
			if (p->params.leak_reclaim && s->state == WP_SESS_LEASED &&
			    s->gen == l.gen) {
				p->nleased--;
				end_session(p, sid, WP_CLOSE_LEAK_RECLAIM, true);
			}
		}
	}
}

/* Idle and age expiry in one bottom-up pass that keeps stack order. The
 * idle timeout only trims above min_idle; max age applies to every session. */
static void
tick_idle(struct wp_pool *p, int64_t now)
{
	const int64_t idle_to = p->params.idle_timeout_ns;
	uint32_t keep = 0, n = p->nidle;
	uint32_t ready = p->nidle + p->nconnecting;

	for (uint32_t r = 0; r < n; r++) {
		uint32_t sid = p->idle[r];
		struct wp_session *s = &p->sess[sid];
		int why = -1;

		if (now >= s->expires)
			why = WP_CLOSE_MAX_AGE;
		else if (idle_to != 0 && now - s->since >= idle_to && ready > p->min_cur)
			why = WP_CLOSE_IDLE_TIMEOUT;
		if (why >= 0) {
			ready--;
			end_session(p, sid, (enum wp_close_reason)why, true);
			continue;
		}
		p->idle[keep++] = sid;
	}
	p->nidle = keep;
}

/* Close the coldest idle sessions while more are open than the cap. */
static void
shrink_to_cap(struct wp_pool *p)
{
	uint32_t over = nopen(p) > p->max_cur ? nopen(p) - p->max_cur : 0;
	uint32_t n = RTE_MIN(over, p->nidle);

	if (n == 0)
		return;
	for (uint32_t i = 0; i < n; i++)
		end_session(p, p->idle[i], WP_CLOSE_POOL_SHRINK, true);
	memmove(&p->idle[0], &p->idle[n], (p->nidle - n) * sizeof(p->idle[0]));
	p->nidle -= n;
}

/* Paced warm-up: keep min_idle sessions ready, and a connect in flight for
 * every waiter (retrying after failures), at most connect_burst per
 * connect_interval. */
static void
tick_warm(struct wp_pool *p, int64_t now)
{
	uint32_t budget = p->params.connect_burst;

	if (p->down_why != WP_OPEN || now < p->next_connect || now < p->retry_at)
		return;
	while (budget > 0 && nopen(p) < p->max_cur && now >= p->retry_at &&
	       (p->nidle + p->nconnecting < p->min_cur || p->nconnecting < p->wq_len)) {
		start_connect(p, now);
		budget--;
	}
	if (budget != p->params.connect_burst)
		p->next_connect = now + p->params.connect_interval_ns;
}

void
wp_pool_tick(struct wp_pool *p, int64_t now)
{
	tick_waiters(p, now);
	tick_slots(p, now);
	tick_idle(p, now);
	shrink_to_cap(p);
	tick_warm(p, now);
}

/* ---- control-core decisions ------------------------------------------- */

/* Close everything that is not leased; leased sessions close on release
 * because down_why is set. */
static void
close_unleased(struct wp_pool *p, enum wp_close_reason why)
{
	for (uint32_t i = 0; i < p->nidle; i++)
		end_session(p, p->idle[i], why, true);
	p->nidle = 0;
	for (uint32_t sid = 0; p->nconnecting != 0 && sid < p->capacity; sid++) {
		if (p->sess[sid].state == WP_SESS_CONNECTING) {
			p->nconnecting--;
			end_session(p, sid, why, true);
		}
	}
	fail_waiters(p, -ECONNABORTED);
}

void
wp_pool_set_state(struct wp_pool *p, enum wp_backend_state st, int64_t now)
{
	if (p->down_why == WP_CLOSE_SHUTDOWN || (enum wp_backend_state)p->state == st)
		return;
	p->state = (uint8_t)st;
	switch (st) {
	case WP_BACKEND_UP:
		p->down_why = WP_OPEN;
		p->next_connect = now; /* warm up again, paced */
		p->fail_streak = 0;    /* judged up again: no back-off left over */
		p->retry_at = INT64_MIN;
		break;
	case WP_BACKEND_DOWN:
		p->down_why = WP_CLOSE_BACKEND_DOWN;
		close_unleased(p, WP_CLOSE_BACKEND_DOWN);
		break;
	case WP_BACKEND_DRAIN:
		p->down_why = WP_CLOSE_DRAIN;
		close_unleased(p, WP_CLOSE_DRAIN);
		break;
	}
}

void
wp_pool_targets(const struct wp_pool *p, uint32_t *min_idle, uint32_t *max_sessions)
{
	*min_idle = p->min_cur;
	*max_sessions = p->max_cur;
}

int
wp_pool_set_targets(struct wp_pool *p, uint32_t min_idle, uint32_t max_sessions)
{
	if (max_sessions == 0 || max_sessions > p->capacity || min_idle > max_sessions) {
		POOL_LOG(ERR, "backend %u: targets min_idle=%u max_sessions=%u refused "
			 "(need 1 <= max_sessions <= %u, min_idle <= max_sessions)",
			 p->backend, min_idle, max_sessions, p->capacity);
		return -EINVAL;
	}
	p->min_cur = min_idle;
	p->max_cur = max_sessions;
	shrink_to_cap(p);
	return 0;
}

int
wp_pool_set_params(struct wp_pool *p, const struct wp_pool_params *params)
{
	char err[128];
	uint64_t seed = p->params.seed;

	if (wp_pool_params_check(params, err, sizeof(err)) < 0 ||
	    params->max_sessions > p->capacity || params->max_pending > p->wq_mask + 1) {
		POOL_LOG(ERR, "backend %u: new parameters refused: %s", p->backend,
			 params->max_sessions > p->capacity ? "max_sessions above the "
			 "pool's size" : params->max_pending > p->wq_mask + 1 ?
			 "max_pending above the waiter queue's size" : err);
		return -EINVAL;
	}
	p->params = *params;
	p->params.seed = seed;          /* the generator keeps its sequence */
	/* fewer waiters allowed: the newest above the bound fail (503) */
	while (p->wq_len > p->params.max_pending) {
		uint64_t tag = p->wq[(p->wq_head + p->wq_len - 1) & p->wq_mask].tag;

		p->wq_len--;
		p->st.aborted++;
		p->ops.failed(p->ctx, tag, -ECONNABORTED);
	}
	return 0;
}

void
wp_pool_shutdown(struct wp_pool *p)
{
	p->down_why = WP_CLOSE_SHUTDOWN;
	close_unleased(p, WP_CLOSE_SHUTDOWN);
}

/* ---- introspection ---------------------------------------------------- */

void
wp_pool_stats(const struct wp_pool *p, struct wp_pool_stats *st)
{
	*st = p->st;
	st->in_use = p->nleased;
	st->idle = p->nidle;
	st->connecting = p->nconnecting;
	st->pending = p->wq_len;
}

enum wp_backend_state
wp_pool_state(const struct wp_pool *p)
{
	return (enum wp_backend_state)p->state;
}

uint16_t
wp_pool_backend(const struct wp_pool *p)
{
	return p->backend;
}

uint32_t
wp_pool_outstanding(const struct wp_pool *p)
{
	return p->nleased + p->wq_len;
}

enum wp_session_state
wp_pool_session_state(const struct wp_pool *p, uint32_t sid)
{
	return sid < p->capacity ? (enum wp_session_state)p->sess[sid].state : WP_SESS_FREE;
}

size_t
wp_pool_bytes_per_session(void)
{
	return sizeof(struct wp_session) + sizeof(uint32_t);
}

#define BROKEN(...) do { snprintf(err, errlen, __VA_ARGS__); return -EFAULT; } while (0)

int
wp_pool_check(const struct wp_pool *p, char *err, size_t errlen)
{
	uint32_t count[4] = { 0 }, nfree = 0;
	uint64_t closed = 0;

	for (uint32_t sid = 0; sid < p->capacity; sid++) {
		if (p->sess[sid].state > WP_SESS_LEASED)
			BROKEN("session %u: bad state %u", sid, p->sess[sid].state);
		count[p->sess[sid].state]++;
	}
	if (count[WP_SESS_IDLE] != p->nidle)
		BROKEN("idle: %u slots IDLE, stack holds %u", count[WP_SESS_IDLE], p->nidle);
	if (count[WP_SESS_LEASED] != p->nleased)
		BROKEN("leased: %u slots LEASED, gauge %u", count[WP_SESS_LEASED], p->nleased);
	if (count[WP_SESS_CONNECTING] != p->nconnecting)
		BROKEN("connecting: %u slots, gauge %u", count[WP_SESS_CONNECTING],
		       p->nconnecting);
	for (uint32_t sid = p->free_head; sid != WP_NIL; sid = p->sess[sid].next_free) {
		if (sid >= p->capacity || p->sess[sid].state != WP_SESS_FREE ||
		    ++nfree > p->capacity)
			BROKEN("free list corrupt at %u", sid);
	}
	if (nfree != count[WP_SESS_FREE])
		BROKEN("free list holds %u, %u slots FREE", nfree, count[WP_SESS_FREE]);
	for (uint32_t i = 0; i < p->nidle; i++) {
		const struct wp_session *s = &p->sess[p->idle[i]];
		if (s->state != WP_SESS_IDLE)
			BROKEN("idle[%u] = %u is not IDLE", i, p->idle[i]);
		if (i > 0 && s->since < p->sess[p->idle[i - 1]].since)
			BROKEN("idle stack out of order at %u", i);
	}
	if (p->wq_len > p->params.max_pending)
		BROKEN("%u waiters, max_pending %u", p->wq_len, p->params.max_pending);
	if (p->wq_len != 0 && p->down_why != WP_OPEN)
		BROKEN("%u waiters while not lending", p->wq_len);
	for (unsigned r = 0; r < WP_CLOSE__COUNT; r++)
		closed += p->st.closed[r];
	if (p->st.connects != closed + nopen(p))
		BROKEN("accounting: %" PRIu64 " connects != %" PRIu64 " closed + %u open",
		       p->st.connects, closed, nopen(p));
	return 0;
}
