/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive outlier detection (DESIGN.md section 5).
 *
 * What it does: watches what the workers see of real traffic (connect
 * failures, resets, timeouts, 5xx) and takes a backend out of service for
 * a while when it fails too many times in a row. It complements the active
 * checks (health.c): a backend can answer a health probe and still fail
 * real requests, and real traffic notices a failure long before the next
 * probe does. The control core applies the ejections (wp_pool_set_state
 * on every worker) and feeds the outcomes in; this file is pure C with no
 * clock, driven by `now`, so the unit tests use a virtual clock.
 *
 * Rules (the consecutive-failure ejection of Envoy's outlier detection,
 * see its architecture overview; the code is our own):
 *  - consecutive_failures outcomes other than SUCCESS in a row eject the
 *    backend; a SUCCESS resets the count. Outcomes are fed as runs
 *    (kind, count) in the order they happened, so batched reports give
 *    the same verdict as one call per outcome.
 *  - The n-th ejection lasts n x base_ejection, capped at max_ejection, so
 *    a backend that keeps failing stays out longer each time. n decays by
 *    one for every base_ejection the backend then stays in service (after
 *    a quiet spell a new blip gets a short ejection again).
 *  - Never more than max_ejected_percent of the backends are out at once
 *    (floor(n_backends x percent / 100); unlike Envoy, not "at least one":
 *    0% means never eject). A backend refused for the share keeps its
 *    failure streak, is counted once, and is ejected as soon as a return
 *    frees room (in tick, lowest index first), unless a success came
 *    first.
 *  - Ejections end by time only, in wp_outlier_tick(). Outcomes reported
 *    while a backend is ejected are counted but do not extend the ejection
 *    (they are exchanges that started before it).
 *
 * Deliberately not here: success-rate and failure-percentage ejection
 * (statistics over many backends), and jitter on the ejection time.
 *
 * Cost: report() is O(1); tick() returns at once until the earliest
 * ejection ends, then scans the backends (64 at most in the appliance).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <warmpool/outlier.h>

#define S(x) ((int64_t)(x) * 1000000000LL)
#define MAX_DURATION_NS S(86400)

/* The detector. Owned by the control core; one per appliance.
 * Invariants: stats.ejected == number of b[i].ejected <= max_ejected;
 * next_until <= b[i].until of every ejected backend; nwaiting == number
 * of b[i].waiting. */
struct wp_outlier {
	struct wp_outlier_params p;
	uint32_t n;
	uint32_t max_ejected;    /* floor(n x percent / 100) */
	uint32_t max_multiplier; /* ceil(max / base): n x base reaches the cap */
	uint32_t nwaiting;
	int64_t next_until;
	wp_outlier_notify_fn *notify;
	void *ctx;
	struct wp_outlier_stats stats;
	struct wp_outlier_backend b[];
};

void
wp_outlier_params_default(struct wp_outlier_params *p)
{
	*p = (struct wp_outlier_params){
		.consecutive_failures = 5,
		.base_ejection_ns = S(30),
		.max_ejection_ns = S(300),
		.max_ejected_percent = 50,
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
wp_outlier_params_check(const struct wp_outlier_params *p, char *err, size_t errlen)
{
	if (!p)
		return refuse(err, errlen, "params: NULL");
	if (p->base_ejection_ns <= 0 || p->base_ejection_ns > MAX_DURATION_NS)
		return refuse(err, errlen, "base_ejection: 1ns..1 day");
	if (p->max_ejection_ns < p->base_ejection_ns || p->max_ejection_ns > MAX_DURATION_NS)
		return refuse(err, errlen, "max_ejection: base_ejection..1 day");
	if (p->max_ejected_percent > 100)
		return refuse(err, errlen, "max_ejected_percent: 0..100");
	return 0;
}

const char *
wp_outcome_name(enum wp_outcome o)
{
	switch (o) {
	case WP_OUTCOME_SUCCESS: return "success";
	case WP_OUTCOME_CONNECT_FAIL: return "connect_fail";
	case WP_OUTCOME_RESET: return "reset";
	case WP_OUTCOME_TIMEOUT: return "timeout";
	case WP_OUTCOME_5XX: return "5xx";
	case WP_OUTCOME__COUNT: break;
	}
	return "?";
}

struct wp_outlier *
wp_outlier_create(const struct wp_outlier_params *params, uint32_t n_backends,
		  wp_outlier_notify_fn *notify, void *ctx)
{
	if (wp_outlier_params_check(params, NULL, 0) < 0 || n_backends == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct wp_outlier *o = calloc(1, sizeof(*o) + (size_t)n_backends * sizeof(o->b[0]));
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	o->p = *params;
	o->n = n_backends;
	o->max_ejected = (uint32_t)((uint64_t)n_backends * params->max_ejected_percent / 100);
	o->max_multiplier = (uint32_t)((params->max_ejection_ns + params->base_ejection_ns - 1) /
				       params->base_ejection_ns);
	o->next_until = INT64_MAX;
	o->notify = notify;
	o->ctx = ctx;
	return o;
}

void
wp_outlier_free(struct wp_outlier *o)
{
	free(o);
}

static void
tell(struct wp_outlier *o, uint32_t i, bool ejected, int64_t now)
{
	struct wp_outlier_event ev = {
		.backend = i, .ejected = ejected, .until = o->b[i].until, .now = now,
	};
	o->b[i].last_change = now;
	if (o->notify)
		o->notify(o->ctx, &ev);
}

static void
set_waiting(struct wp_outlier *o, struct wp_outlier_backend *b, bool on)
{
	if (b->waiting == on)
		return;
	b->waiting = on;
	if (on)
		o->nwaiting++;
	else
		o->nwaiting--;
}

/* Backend i has failed often enough: eject it if the share allows,
 * otherwise leave it waiting for room (counted once). */
static void
try_eject(struct wp_outlier *o, uint32_t i, int64_t now)
{
	struct wp_outlier_backend *b = &o->b[i];

	if (o->stats.ejected >= o->max_ejected) {
		if (!b->waiting) {
			b->refused++;
			o->stats.refused++;
		}
		set_waiting(o, b, true);
		return;
	}
	/* Decay: one step per base_ejection in service since the last return. */
	if (b->multiplier > 0) {
		int64_t steps = (now - b->returned) / o->p.base_ejection_ns;
		b->multiplier = steps >= (int64_t)b->multiplier ? 0 :
				b->multiplier - (uint32_t)(steps > 0 ? steps : 0);
	}
	if (b->multiplier < o->max_multiplier)
		b->multiplier++;
	int64_t len = (int64_t)b->multiplier * o->p.base_ejection_ns;
	if (len > o->p.max_ejection_ns)
		len = o->p.max_ejection_ns;

	b->ejected = true;
	b->until = now + len;
	b->streak = 0;
	set_waiting(o, b, false);
	b->ejections++;
	o->stats.ejections++;
	o->stats.ejected++;
	if (b->until < o->next_until)
		o->next_until = b->until;
	tell(o, i, true, now);
}

int
wp_outlier_report(struct wp_outlier *o, uint32_t backend, enum wp_outcome outcome,
		  uint32_t count, int64_t now)
{
	if (!o || backend >= o->n || (unsigned)outcome >= WP_OUTCOME__COUNT)
		return -EINVAL;
	struct wp_outlier_backend *b = &o->b[backend];

	b->outcomes[outcome] += count;
	if (o->p.consecutive_failures == 0 || b->ejected || count == 0)
		return 0;
	if (outcome == WP_OUTCOME_SUCCESS) {
		b->streak = 0;
		set_waiting(o, b, false);
		return 0;
	}
	b->streak = count > UINT32_MAX - b->streak ? UINT32_MAX : b->streak + count;
	if (b->streak >= o->p.consecutive_failures)
		try_eject(o, backend, now);
	return 0;
}

unsigned
wp_outlier_tick(struct wp_outlier *o, int64_t now)
{
	unsigned back = 0;
	int64_t next = INT64_MAX;

	if (!o || now < o->next_until)
		return 0;
	for (uint32_t i = 0; i < o->n; i++) {
		struct wp_outlier_backend *b = &o->b[i];

		if (!b->ejected)
			continue;
		if (b->until > now) {
			if (b->until < next)
				next = b->until;
			continue;
		}
		b->ejected = false;
		b->returned = now;
		o->stats.ejected--;
		back++;
		tell(o, i, false, now);
	}
	o->next_until = next;
	for (uint32_t i = 0; i < o->n && o->nwaiting > 0; i++) {
		if (o->b[i].waiting && o->stats.ejected < o->max_ejected)
			try_eject(o, i, now);
	}
	return back;
}

int
wp_outlier_set_params(struct wp_outlier *o, const struct wp_outlier_params *params)
{
	if (!o || wp_outlier_params_check(params, NULL, 0) < 0)
		return -EINVAL;
	o->p = *params;
	o->max_ejected = (uint32_t)((uint64_t)o->n * params->max_ejected_percent / 100);
	o->max_multiplier = (uint32_t)((params->max_ejection_ns + params->base_ejection_ns - 1) /
				       params->base_ejection_ns);
	for (uint32_t i = 0; i < o->n; i++) {
		struct wp_outlier_backend *b = &o->b[i];

		if (b->multiplier > o->max_multiplier)
			b->multiplier = o->max_multiplier;
		if (params->consecutive_failures == 0 || b->streak < params->consecutive_failures)
			set_waiting(o, b, false);
	}
	return 0;
}

const struct wp_outlier_backend *
wp_outlier_backend(const struct wp_outlier *o, uint32_t backend)
{
	return o && backend < o->n ? &o->b[backend] : NULL;
}

bool
wp_outlier_is_ejected(const struct wp_outlier *o, uint32_t backend)
{
	return o && backend < o->n && o->b[backend].ejected;
}

const struct wp_outlier_stats *
wp_outlier_stats(const struct wp_outlier *o)
{
	return o ? &o->stats : NULL;
}
