/* SPDX-License-Identifier: BSD-3-Clause */
/* Demand-driven pool scaling (DESIGN.md section 5).
 *
 * What: each backend has one session budget for the whole appliance; every
 * worker has its own pool to that backend. This module moves the pools'
 * caps (max_sessions) toward the workers where the requests are, and sets
 * each pool's min_idle, once per control period.
 *
 * Demand of a worker, from its report:
 *   in-flight = leased + pending
 *   min_idle  = max([pool] min_idle, ceil(preconnect ratio x in-flight)),
 *               at most the cap (preconnect: keep ratio x in-flight ready)
 *   need      = leased + pending + min_idle   (sessions it would hold)
 * Utilisation is measured against the cap, need / cap, not leased / open:
 * open lags the cap and counts preconnected idle sessions, and leased /
 * open says "busy" only once open has reached the cap, where the two agree.
 *   grow    when requests wait (pending > 0) or need > 80% of the cap;
 *   shrink  when nothing waits and need < 50% of the cap, but never below
 *           what would count as "grow" at once (no flapping: the new cap
 *           keeps need <= 80% of it);
 *   both by at most `step`, within [floor, ceiling], and a pool's targets
 *   change at most once per `cooldown`.
 * Shrinks are decided first; then growers share the free budget, the most
 * pending first (then the highest need / cap, then the most requests).
 *
 * The budget rule, which holds even while commands are in flight: the sum
 * over workers of the sessions they may open never exceeds the budget.
 * A worker is charged max(held, open), where held is the largest cap its
 * pool may be enforcing. Raising a cap charges the new cap at once (before
 * the worker applies it). Lowering a cap charges the old one until the
 * worker acknowledges the new targets (reports their seq as applied), and
 * from then on its reported open count for as long as that exceeds the new
 * cap (the pool closes idle sessions at once and leased ones when they come
 * back, and opens nothing above its cap, so open only falls). An
 * acknowledgement is needed because a report of "open <= new cap" sent
 * before the command was applied proves nothing: the pool could still open
 * up to the old cap. Only then is the freed budget handed to another worker.
 *
 * The caller guarantees max(floor, 1) x workers <= budget (checked: the
 * initial caps must fit), and applies the initial targets before the pools
 * open any session.
 *
 * Deliberately not here: taking capacity from a worker in the middle band
 * (50..80%) to feed a starving one (it waits until that worker's demand
 * falls), and anything about health (a down backend's pools are drained by
 * the health code, not scaled).
 *
 * No clock is read; every call takes `now`. No allocation, no DPDK.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <warmpool/scale.h>

#define GROW_PCT 80   /* need above this share of the cap: grow */
#define SHRINK_PCT 50 /* need below this share of the cap: shrink */

static int __attribute__((format(printf, 4, 5)))
bad(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint32_t
max_u32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

int
wp_scale_params_check(const struct wp_scale_params *p, uint32_t nworkers,
		      char *err, size_t errlen)
{
	uint32_t floor;

	if (p == NULL)
		return bad(err, errlen, -EINVAL, "params: NULL");
	floor = max_u32(p->floor, 1);
	if (nworkers == 0 || nworkers > WP_SCALE_MAX_WORKERS)
		return bad(err, errlen, -EINVAL, "workers: %" PRIu32 " not in 1..%d",
			   nworkers, WP_SCALE_MAX_WORKERS);
	if (p->budget == 0)
		return bad(err, errlen, -EINVAL, "budget: must be >= 1");
	if (p->ceiling < floor)
		return bad(err, errlen, -EINVAL, "ceiling: %" PRIu32 " below floor %" PRIu32,
			   p->ceiling, floor);
	if (p->step == 0)
		return bad(err, errlen, -EINVAL, "step: must be >= 1");
	if (p->cooldown_ns < 0)
		return bad(err, errlen, -EINVAL, "cooldown: must be >= 0");
	if (p->preconnect_milli > 100000)
		return bad(err, errlen, -EINVAL, "preconnect_ratio: %" PRIu32 "/1000 above 100",
			   p->preconnect_milli);
	if ((uint64_t)floor * nworkers > p->budget)
		return bad(err, errlen, -EINVAL, "budget: floor x workers = %" PRIu64
			   " exceeds the budget %" PRIu32, (uint64_t)floor * nworkers, p->budget);
	return 0;
}

int
wp_scale_init(struct wp_scale *s, const struct wp_scale_params *p,
	      uint32_t nworkers, uint32_t min_idle)
{
	uint32_t cap;

	if (s == NULL || wp_scale_params_check(p, nworkers, NULL, 0) != 0)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->params = *p;
	s->params.floor = max_u32(p->floor, 1);
	s->nworkers = nworkers;
	s->base_min_idle = min_idle;
	cap = min_u32(p->ceiling, p->budget / nworkers); /* >= floor: checked */
	for (uint32_t i = 0; i < nworkers; i++) {
		s->w[i].t = (struct wp_scale_target){
			.min_idle = min_u32(min_idle, cap), .max_sessions = cap, .seq = 0,
		};
		s->w[i].held = cap;
	}
	return 0;
}

static uint32_t
charge(const struct wp_scale_worker *w)
{
	return max_u32(w->held, w->open);
}

static uint32_t
want_min_idle(const struct wp_scale *s, const struct wp_scale_input *in)
{
	uint64_t inflight = (uint64_t)in->leased + in->pending;
	uint64_t pre = (inflight * s->params.preconnect_milli + 999) / 1000;

	return (uint32_t)(pre > s->base_min_idle ? (pre > UINT32_MAX ? UINT32_MAX : pre)
						 : s->base_min_idle);
}

/* Sessions the worker would hold: in-flight plus its min_idle (64 bits:
 * the sum of three uint32 may not fit in 32). */
static uint64_t
need_of(const struct wp_scale *s, const struct wp_scale_input *in)
{
	return (uint64_t)in->leased + in->pending + want_min_idle(s, in);
}

static int
cooling(const struct wp_scale *s, const struct wp_scale_worker *w, int64_t now)
{
	return w->changed && now - w->last_change < s->params.cooldown_ns;
}

/* Set new targets if they differ; 1 if they did. */
static int
set_targets(struct wp_scale *s, struct wp_scale_worker *w, uint32_t cap,
	    uint32_t min_idle, int64_t now)
{
	min_idle = min_u32(min_idle, cap);
	if (cap == w->t.max_sessions && min_idle == w->t.min_idle)
		return 0;
	if (cap > w->t.max_sessions)
		s->st.grows++;
	else if (cap < w->t.max_sessions)
		s->st.shrinks++;
	else
		s->st.min_idle_moves++;
	w->t.max_sessions = cap;
	w->t.min_idle = min_idle;
	w->t.seq++;
	w->held = max_u32(w->held, cap);
	w->last_change = now;
	w->changed = 1;
	return 1;
}

/* Is worker a needier than worker b? (order of the growers) */
static int
needier(const struct wp_scale *s, const struct wp_scale_input *in, uint32_t a, uint32_t b)
{
	unsigned __int128 ua, ub; /* need / cap compared as cross products */

	if (in[a].pending != in[b].pending)
		return in[a].pending > in[b].pending;
	ua = (unsigned __int128)need_of(s, &in[a]) * s->w[b].t.max_sessions;
	ub = (unsigned __int128)need_of(s, &in[b]) * s->w[a].t.max_sessions;
	if (ua != ub)
		return ua > ub;
	return in[a].requests > in[b].requests;
}

int
wp_scale_update(struct wp_scale *s, int64_t now, const struct wp_scale_input *in, uint32_t n)
{
	const struct wp_scale_params *p;
	uint32_t grow[WP_SCALE_MAX_WORKERS];
	uint32_t ngrow = 0, changed = 0;
	uint64_t charged = 0, spare;

	if (s == NULL || in == NULL || n != s->nworkers)
		return -EINVAL;
	p = &s->params;
	s->st.periods++;

	/* Take the reports: acknowledgements release what lowered caps held. */
	for (uint32_t i = 0; i < n; i++) {
		struct wp_scale_worker *w = &s->w[i];

		w->open = in[i].open;
		if (in[i].applied_seq == w->t.seq)
			w->held = w->t.max_sessions;
		charged += charge(w);
	}
	if (charged > p->budget)
		s->st.over_budget++;
	spare = charged < p->budget ? p->budget - charged : 0;

	/* Shrink (or just move min_idle); collect the growers. Shrinking
	 * frees nothing now: held keeps the old cap until acknowledged.
	 * Then the growers share `spare`, the budget nobody is charged for. */
	for (uint32_t i = 0; i < n; i++) {
		struct wp_scale_worker *w = &s->w[i];
		uint32_t cap = w->t.max_sessions, min_idle = want_min_idle(s, &in[i]);
		uint64_t need = need_of(s, &in[i]);

		if (cooling(s, w, now))
			continue;
		if (in[i].pending > 0 || need * 100 > (uint64_t)GROW_PCT * cap) {
			if (cap < p->ceiling) {
				grow[ngrow++] = i;
				continue;
			}
		} else if (need * 100 < (uint64_t)SHRINK_PCT * cap) {
			/* least cap that keeps need <= GROW_PCT% of it */
			uint64_t keep = (need * 100 + GROW_PCT - 1) / GROW_PCT;
			uint32_t down = cap - p->floor > p->step ? cap - p->step : p->floor;

			if (keep < cap)
				cap = keep > down ? (uint32_t)keep : down;
		}
		changed += set_targets(s, w, cap, min_idle, now);
	}

	/* Growers, neediest first (insertion sort: n <= 128, once a period). */
	for (uint32_t i = 1; i < ngrow; i++) {
		uint32_t x = grow[i], j = i;

		for (; j > 0 && needier(s, in, x, grow[j - 1]); j--)
			grow[j] = grow[j - 1];
		grow[j] = x;
	}
	for (uint32_t k = 0; k < ngrow; k++) {
		struct wp_scale_worker *w = &s->w[grow[k]];
		uint32_t cap = w->t.max_sessions, base = charge(w);
		uint64_t top = (uint64_t)base + spare; /* charge may reach this */
		uint32_t up = p->ceiling - cap > p->step ? cap + p->step : p->ceiling;

		if (up > top)
			up = (uint32_t)top;  /* top >= base >= cap */
		if (up == cap)
			s->st.starved++;
		else if (up > base)
			spare -= up - base;
		changed += set_targets(s, w, up, want_min_idle(s, &in[grow[k]]), now);
	}
	return (int)changed;
}

int
wp_scale_set_tuning(struct wp_scale *s, uint32_t step, int64_t cooldown_ns,
		    uint32_t preconnect_milli)
{
	struct wp_scale_params p;

	if (s == NULL)
		return -EINVAL;
	p = s->params;
	p.step = step;
	p.cooldown_ns = cooldown_ns;
	p.preconnect_milli = preconnect_milli;
	if (wp_scale_params_check(&p, s->nworkers, NULL, 0) != 0)
		return -EINVAL;
	s->params = p;
	return 0;
}

int
wp_scale_target(const struct wp_scale *s, uint32_t worker, struct wp_scale_target *t)
{
	if (s == NULL || t == NULL || worker >= s->nworkers)
		return -EINVAL;
	*t = s->w[worker].t;
	return 0;
}

uint64_t
wp_scale_charged(const struct wp_scale *s)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < s->nworkers; i++)
		sum += charge(&s->w[i]);
	return sum;
}

int
wp_scale_check(const struct wp_scale *s, char *err, size_t errlen)
{
	const struct wp_scale_params *p = &s->params;
	uint64_t sum = wp_scale_charged(s);

	for (uint32_t i = 0; i < s->nworkers; i++) {
		const struct wp_scale_worker *w = &s->w[i];

		if (w->t.max_sessions < p->floor || w->t.max_sessions > p->ceiling)
			return bad(err, errlen, -EFAULT, "worker %" PRIu32 ": cap %" PRIu32
				   " outside floor..ceiling", i, w->t.max_sessions);
		if (w->t.min_idle > w->t.max_sessions)
			return bad(err, errlen, -EFAULT, "worker %" PRIu32 ": min_idle %" PRIu32
				   " above cap", i, w->t.min_idle);
		if (w->held < w->t.max_sessions)
			return bad(err, errlen, -EFAULT, "worker %" PRIu32 ": held %" PRIu32
				   " below cap", i, w->held);
	}
	if (sum > p->budget)
		return bad(err, errlen, -EFAULT, "charged %" PRIu64 " exceeds budget %" PRIu32,
			   sum, p->budget);
	return 0;
}
