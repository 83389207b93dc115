/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health checks (DESIGN.md section 5).
 *
 * What it does: decides when each backend is checked, matches answers to
 * checks, and turns a run of results into UP / DOWN with hysteresis. It
 * does not probe anything itself: the control core sends each probe to a
 * worker (the worker owns the flow, TCP connect or HTTP request) and feeds
 * back healthy / not healthy. That split keeps this file pure C with no
 * clock and no network, so the unit tests drive it with a virtual clock.
 *
 * Rules, in the spirit of HAProxy's `inter`/`rise`/`fall` checks:
 *  - A backend becomes DOWN at its `fall`-th consecutive failed check and
 *    UP at its `rise`-th consecutive good one; anything in between keeps
 *    the state (hysteresis, so one lost probe does not flap a backend).
 *    A failed check is a negative answer or no answer by the deadline.
 *  - Schedule: the first check of each backend is at U[0, initial_spread]
 *    after creation, so many backends added at once are not checked in
 *    the same tick. Each next check starts interval +- U[0, jitter] after
 *    the previous start, which keeps the checks from falling back into
 *    step. So a backend that dies is DOWN within
 *    fall x (interval + jitter) + timeout (when timeout <= interval -
 *    jitter; otherwise the checks are timeout apart).
 *  - One probe per backend in flight. If timeout exceeds the wait, the
 *    next check waits for the deadline of the one before.
 *  - A probe id is (sequence << 24 | backend), unique for the checker's
 *    life; an answer is matched by the exact id, so a late answer to an
 *    old probe (already timed out) is counted and ignored.
 *  - Drain is an operator's overlay: the checks go on, the state reads
 *    DRAIN, and lifting it shows whatever the checks say by then.
 *
 * Cost: wp_health_due() scans the backends (64 at most in the appliance)
 * only when the earliest deadline or check time has come; otherwise it
 * returns at once. No allocation after create. Randomness from a seeded
 * splitmix64, so the same seed replays the same schedule.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <warmpool/health.h>
#include "pool/rand.h"

#define MS(x) ((int64_t)(x) * 1000000LL)
#define S(x) ((int64_t)(x) * 1000000000LL)

#define ID_BACKEND_BITS 24
#define ID_BACKEND_MASK ((1u << ID_BACKEND_BITS) - 1)
/* Durations beyond a day are a mistake, and bounding them keeps
 * now + wait far from overflow. */
#define MAX_DURATION_NS S(86400)

/* The checker. Owned by the control core; one per appliance.
 * Invariants: every b[i].next_check and every deadline of a probe in
 * flight is >= next_event (so due() may skip the scan before it);
 * seq counts the ids handed out. */
struct wp_health {
	struct wp_health_params p;
	uint32_t n;
	uint64_t rng;
	uint64_t seq;
	int64_t next_event;
	wp_health_notify_fn *notify;
	void *ctx;
	struct wp_health_stats stats;
	struct wp_health_backend b[];
};

void
wp_health_params_default(struct wp_health_params *p)
{
	*p = (struct wp_health_params){
		.interval_ns = S(2),
		.jitter_ns = MS(200),
		.initial_spread_ns = S(2),
		.timeout_ns = S(1),
		.rise = 2,
		.fall = 3,
		.initial_state = WP_HEALTH_UP,
		.seed = 0x9e3779b97f4a7c15ULL,
	};
}

static int
refuse(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
	return -EINVAL;
}

int
wp_health_params_check(const struct wp_health_params *p, char *err, size_t errlen)
{
	if (!p)
		return refuse(err, errlen, "params: NULL");
	if (p->interval_ns <= 0 || p->interval_ns > MAX_DURATION_NS)
		return refuse(err, errlen, "interval: 1ns..1 day");
	if (p->jitter_ns < 0 || p->jitter_ns >= p->interval_ns)
		return refuse(err, errlen, "jitter: 0..interval (exclusive)");
	if (p->initial_spread_ns < 0 || p->initial_spread_ns > MAX_DURATION_NS)
		return refuse(err, errlen, "initial_spread: 0..1 day");
	if (p->timeout_ns <= 0 || p->timeout_ns > MAX_DURATION_NS)
		return refuse(err, errlen, "timeout: 1ns..1 day");
	if (p->rise == 0)
		return refuse(err, errlen, "rise: at least 1");
	if (p->fall == 0)
		return refuse(err, errlen, "fall: at least 1");
	if (p->initial_state != WP_HEALTH_UP && p->initial_state != WP_HEALTH_DOWN &&
	    p->initial_state != WP_HEALTH_UNKNOWN)
		return refuse(err, errlen, "initial_state: UP, DOWN or UNKNOWN");
	return 0;
}

const char *
wp_health_state_name(enum wp_health_state s)
{
	switch (s) {
	case WP_HEALTH_UP: return "up";
	case WP_HEALTH_DOWN: return "down";
	case WP_HEALTH_UNKNOWN: return "unknown";
	case WP_HEALTH_DRAIN: return "drain";
	}
	return "?";
}

struct wp_health *
wp_health_create(const struct wp_health_params *params, uint32_t n_backends,
		 int64_t now, wp_health_notify_fn *notify, void *ctx)
{
	if (wp_health_params_check(params, NULL, 0) < 0 || n_backends == 0 ||
	    n_backends > ID_BACKEND_MASK + 1u) {
		errno = EINVAL;
		return NULL;
	}
	struct wp_health *h = calloc(1, sizeof(*h) + n_backends * sizeof(h->b[0]));
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->p = *params;
	h->n = n_backends;
	h->rng = params->seed;
	h->next_event = now;
	h->notify = notify;
	h->ctx = ctx;
	for (uint32_t i = 0; i < n_backends; i++) {
		struct wp_health_backend *b = &h->b[i];
		b->state = b->checked = params->initial_state;
		b->last_change = now;
		b->next_check = now + (int64_t)wp_rand_below(&h->rng,
					(uint64_t)params->initial_spread_ns + 1);
	}
	return h;
}

void
wp_health_free(struct wp_health *h)
{
	free(h);
}

/* Make `state` follow `checked` and `drain`; tell the caller of a change. */
static void
update_state(struct wp_health *h, uint32_t i, int64_t now)
{
	struct wp_health_backend *b = &h->b[i];
	uint8_t to = b->drain ? WP_HEALTH_DRAIN : b->checked;

	if (to == b->state)
		return;
	struct wp_health_event ev = { .backend = i, .from = b->state, .to = to, .now = now };
	b->state = to;
	b->transitions++;
	b->last_change = now;
	if (h->notify)
		h->notify(h->ctx, &ev);
}

/* One finished check: extend the streak, flip the verdict at rise / fall. */
static void
verdict(struct wp_health *h, uint32_t i, bool ok, int64_t now)
{
	struct wp_health_backend *b = &h->b[i];

	if (ok) {
		b->fail_streak = 0;
		if (b->ok_streak < UINT32_MAX)
			b->ok_streak++;
		if (b->checked != WP_HEALTH_UP && b->ok_streak >= h->p.rise)
			b->checked = WP_HEALTH_UP;
	} else {
		b->ok_streak = 0;
		if (b->fail_streak < UINT32_MAX)
			b->fail_streak++;
		if (b->checked != WP_HEALTH_DOWN && b->fail_streak >= h->p.fall)
			b->checked = WP_HEALTH_DOWN;
	}
	update_state(h, i, now);
}

/* interval +- U[0, jitter] */
static int64_t
next_wait(struct wp_health *h)
{
	uint64_t j = (uint64_t)h->p.jitter_ns;
	return h->p.interval_ns - h->p.jitter_ns + (int64_t)wp_rand_below(&h->rng, 2 * j + 1);
}

unsigned
wp_health_due(struct wp_health *h, int64_t now, struct wp_health_probe *out, unsigned max)
{
	unsigned n = 0;
	int64_t next = INT64_MAX;

	if (!h || now < h->next_event)
		return 0;
	if (!out)
		max = 0;
	for (uint32_t i = 0; i < h->n; i++) {
		struct wp_health_backend *b = &h->b[i];

		if (b->probe_id && b->deadline <= now) {
			b->probe_id = 0;
			b->timeouts++;
			verdict(h, i, false, now);
		}
		if (!b->probe_id && b->next_check <= now && n < max) {
			int64_t wait = next_wait(h);
			h->seq++;
			b->probe_id = (h->seq << ID_BACKEND_BITS) | i;
			b->deadline = now + h->p.timeout_ns;
			b->next_check = now + (wait > h->p.timeout_ns ? wait : h->p.timeout_ns);
			b->checks++;
			h->stats.probes++;
			out[n++] = (struct wp_health_probe){
				.id = b->probe_id, .backend = i, .deadline = b->deadline,
			};
		}
		int64_t t = b->probe_id ? b->deadline : b->next_check;
		if (t < next)
			next = t;
	}
	h->next_event = next;
	return n;
}

int
wp_health_result(struct wp_health *h, uint64_t id, bool ok, int64_t now)
{
	if (!h)
		return -EINVAL;
	uint64_t i = id & ID_BACKEND_MASK;
	if (id == 0 || i >= h->n || h->b[i].probe_id != id) {
		h->stats.stale++;
		return -ESTALE;
	}
	struct wp_health_backend *b = &h->b[i];
	b->probe_id = 0;
	if (now >= b->deadline) {
		b->timeouts++;
		ok = false;
	} else if (ok) {
		b->ok++;
	} else {
		b->failed++;
	}
	verdict(h, (uint32_t)i, ok, now);
	return 0;
}

int
wp_health_set_params(struct wp_health *h, const struct wp_health_params *p, int64_t now)
{
	if (!h || wp_health_params_check(p, NULL, 0) < 0)
		return -EINVAL;
	h->p.interval_ns = p->interval_ns;
	h->p.jitter_ns = p->jitter_ns;
	h->p.timeout_ns = p->timeout_ns;
	h->p.rise = p->rise;
	h->p.fall = p->fall;
	/* the new timing starts now: no backend waits out a long old wait */
	for (uint32_t i = 0; i < h->n; i++) {
		struct wp_health_backend *b = &h->b[i];
		int64_t latest = now + next_wait(h);

		if (!b->probe_id && b->next_check > latest)
			b->next_check = latest;
	}
	h->next_event = now;
	return 0;
}

int
wp_health_set_drain(struct wp_health *h, uint32_t backend, bool on, int64_t now)
{
	if (!h || backend >= h->n)
		return -EINVAL;
	h->b[backend].drain = on;
	update_state(h, backend, now);
	return 0;
}

const struct wp_health_backend *
wp_health_backend(const struct wp_health *h, uint32_t backend)
{
	return h && backend < h->n ? &h->b[backend] : NULL;
}

enum wp_health_state
wp_health_state(const struct wp_health *h, uint32_t backend)
{
	return h && backend < h->n ? h->b[backend].state : WP_HEALTH_UNKNOWN;
}

const struct wp_health_stats *
wp_health_stats(const struct wp_health *h)
{
	return h ? &h->stats : NULL;
}

uint32_t
wp_health_count(const struct wp_health *h)
{
	return h ? h->n : 0;
}
