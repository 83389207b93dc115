/* Demand-driven pool scaling (src/control/scale.c).
 *
 * No EAL: the module is pure C and reads no clock; the tests drive it with
 * a virtual clock and made-up worker reports. What is proven:
 *  - the precondition max(floor, 1) x workers <= budget and the other
 *    parameter checks, by name; initial targets;
 *  - skewed load (one worker busy, one idle) moves the caps toward the busy
 *    one, in steps of at most `step`, at most one change per pool per
 *    `cooldown`, until the busy one reaches the ceiling and the idle one
 *    the floor;
 *  - a lowered cap frees budget only once the worker has acknowledged it
 *    and reports open <= the new cap;
 *  - preconnect: min_idle = ceil(ratio x in-flight), at most the cap;
 *  - a reload's new step and cooldown: the next changes follow them;
 *    budget, floor and ceiling stay; bad values are refused;
 *  - property: thousands of periods with random demand, commands delivered
 *    late and open counts that lag the caps: the sessions the pools may
 *    open (max of open, applied cap and caps still in flight) never sum
 *    above the budget.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/scale.h>
#include "../../../src/pool/rand.h"

#define MS 1000000LL
#define SEC 1000000000LL

static void
check_ok(const struct wp_scale *s)
{
	char err[160] = "";

	if (wp_scale_check(s, err, sizeof(err)) != 0)
		fail_msg("wp_scale_check: %s", err);
}

static void
test_params_check(void **state)
{
	static const struct {
		struct wp_scale_params p;
		uint32_t nworkers;
		const char *field;
	} rows[] = {
		{ { .budget = 10, .floor = 4, .ceiling = 10, .step = 1 }, 3, "budget: floor x workers = 12" },
		{ { .budget = 2, .floor = 0, .ceiling = 2, .step = 1 }, 3, "budget: floor x workers = 3" },
		{ { .budget = 0, .floor = 0, .ceiling = 1, .step = 1 }, 1, "budget" },
		{ { .budget = 10, .floor = 5, .ceiling = 4, .step = 1 }, 1, "ceiling" },
		{ { .budget = 10, .floor = 1, .ceiling = 4, .step = 0 }, 1, "step" },
		{ { .budget = 10, .floor = 1, .ceiling = 4, .step = 1, .cooldown_ns = -1 }, 1, "cooldown" },
		{ { .budget = 10, .floor = 1, .ceiling = 4, .step = 1, .preconnect_milli = 100001 }, 1,
		  "preconnect_ratio" },
		{ { .budget = 10, .floor = 1, .ceiling = 4, .step = 1 }, 0, "workers" },
		{ { .budget = 1000, .floor = 1, .ceiling = 4, .step = 1 }, WP_SCALE_MAX_WORKERS + 1,
		  "workers" },
	};
	struct wp_scale s;
	char err[160];
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err[0] = '\0';
		assert_int_equal(wp_scale_params_check(&rows[i].p, rows[i].nworkers, err, sizeof(err)),
				 -EINVAL);
		if (strncmp(err, rows[i].field, strlen(rows[i].field)) != 0)
			fail_msg("row %zu: \"%s\" does not start with \"%s\"", i, err, rows[i].field);
		assert_int_equal(wp_scale_init(&s, &rows[i].p, rows[i].nworkers, 0), -EINVAL);
	}
	/* exactly at the precondition is fine */
	struct wp_scale_params p = { .budget = 12, .floor = 4, .ceiling = 10, .step = 1 };
	assert_int_equal(wp_scale_params_check(&p, 3, NULL, 0), 0);
}

static void
test_init(void **state)
{
	struct wp_scale_params p = { .budget = 100, .floor = 0, .ceiling = 30, .step = 4 };
	struct wp_scale_target t;
	struct wp_scale s;
	(void)state;

	assert_int_equal(wp_scale_init(&s, &p, 3, 5), 0);
	for (uint32_t w = 0; w < 3; w++) {
		assert_int_equal(wp_scale_target(&s, w, &t), 0);
		assert_int_equal(t.max_sessions, 30); /* min(ceiling, 100 / 3) */
		assert_int_equal(t.min_idle, 5);
		assert_int_equal(t.seq, 0);
	}
	assert_int_equal(wp_scale_target(&s, 3, &t), -EINVAL);
	assert_int_equal(s.params.floor, 1); /* 0 is taken as 1: a pool cap is >= 1 */
	assert_int_equal(wp_scale_charged(&s), 90);
	check_ok(&s);
	/* base min_idle above the cap is clamped */
	p.ceiling = 4;
	assert_int_equal(wp_scale_init(&s, &p, 3, 5), 0);
	assert_int_equal(wp_scale_target(&s, 0, &t), 0);
	assert_int_equal(t.min_idle, 4);
	struct wp_scale_input in[2] = { 0 };
	assert_int_equal(wp_scale_update(&s, 0, in, 2), -EINVAL); /* 3 workers */
}

/* A well-behaved worker: applies every target at once, so its report
 * acknowledges the latest seq. */
static void
report(const struct wp_scale *s, uint32_t w, struct wp_scale_input *in,
       uint32_t open, uint32_t leased, uint32_t pending, uint32_t requests)
{
	struct wp_scale_target t;

	assert_int_equal(wp_scale_target(s, w, &t), 0);
	*in = (struct wp_scale_input){
		.open = open < t.max_sessions ? open : t.max_sessions,
		.leased = leased, .pending = pending, .requests = requests,
		.applied_seq = t.seq,
	};
}

/* Worker 0 busy (every session leased, requests waiting), worker 1 idle:
 * the caps move toward worker 0, by at most `step`, at most once per
 * `cooldown` per pool, within floor and ceiling. */
static void
test_skewed_load(void **state)
{
	struct wp_scale_params p = {
		.budget = 64, .floor = 4, .ceiling = 56, .step = 4, .cooldown_ns = SEC,
	};
	struct wp_scale s;
	struct wp_scale_input in[2];
	struct wp_scale_target prev[2], t;
	int64_t last_change[2] = { -1, -1 };
	(void)state;

	assert_int_equal(wp_scale_init(&s, &p, 2, 2), 0);
	for (uint32_t w = 0; w < 2; w++)
		assert_int_equal(wp_scale_target(&s, w, &prev[w]), 0);
	for (int64_t now = 0; now < 60 * SEC; now += 250 * MS) {
		uint32_t cap0 = prev[0].max_sessions;

		report(&s, 0, &in[0], cap0, cap0, 20, 5000);
		report(&s, 1, &in[1], 2, 0, 0, 0);
		assert_true(wp_scale_update(&s, now, in, 2) >= 0);
		check_ok(&s);
		for (uint32_t w = 0; w < 2; w++) {
			assert_int_equal(wp_scale_target(&s, w, &t), 0);
			if (t.seq == prev[w].seq)
				continue;
			int64_t d = (int64_t)t.max_sessions - (int64_t)prev[w].max_sessions;
			if (w == 0)
				assert_true(d > 0 && d <= 4);  /* busy: only grows */
			else
				assert_true(d < 0 && d >= -4); /* idle: only shrinks */
			if (last_change[w] >= 0)
				assert_true(now - last_change[w] >= SEC);
			last_change[w] = now;
			prev[w] = t;
		}
	}
	assert_int_equal(prev[0].max_sessions, 56); /* ceiling */
	assert_int_equal(prev[1].max_sessions, 4);  /* floor */
	assert_int_equal(prev[1].min_idle, 2);
	assert_true(s.st.grows >= 6 && s.st.shrinks == 7);
	assert_int_equal(s.st.over_budget, 0);
}

/* Reload mid-run: step 2 -> 8, cooldown 1 s -> 0. */
static void
test_set_tuning(void **state)
{
	struct wp_scale_params p = {
		.budget = 64, .floor = 4, .ceiling = 56, .step = 2, .cooldown_ns = SEC,
	};
	struct wp_scale s;
	struct wp_scale_input in[2];
	struct wp_scale_target a, b;
	(void)state;

	assert_int_equal(wp_scale_init(&s, &p, 2, 2), 0);
	assert_int_equal(wp_scale_set_tuning(&s, 0, 0, 0), -EINVAL);         /* step 0 */
	assert_int_equal(wp_scale_set_tuning(&s, 8, -1, 0), -EINVAL);        /* cooldown */
	assert_int_equal(wp_scale_set_tuning(&s, 8, 0, 100001), -EINVAL);    /* ratio */
	assert_int_equal(s.params.step, 2);
	assert_int_equal(wp_scale_target(&s, 1, &a), 0);
	report(&s, 0, &in[0], 32, 32, 20, 5000);
	report(&s, 1, &in[1], 2, 0, 0, 0);
	assert_true(wp_scale_update(&s, 0, in, 2) >= 0);
	assert_int_equal(wp_scale_target(&s, 1, &b), 0);
	assert_int_equal((int64_t)a.max_sessions - b.max_sessions, 2);    /* old step */
	assert_int_equal(wp_scale_set_tuning(&s, 8, 0, 0), 0);
	assert_int_equal(s.params.budget, 64);
	assert_int_equal(s.params.ceiling, 56);
	a = b;
	report(&s, 0, &in[0], 32, 32, 20, 5000);
	report(&s, 1, &in[1], 2, 0, 0, 0);
	assert_true(wp_scale_update(&s, 1, in, 2) >= 0);  /* 1 ns later: no cooldown */
	assert_int_equal(wp_scale_target(&s, 1, &b), 0);
	assert_int_equal((int64_t)a.max_sessions - b.max_sessions, 8);    /* new step */
	check_ok(&s);
}

/* The same skew seen from the other side: all idle -> every cap to the
 * floor; all busy -> they share the budget, none above the ceiling. */
static void
test_floor_and_ceiling(void **state)
{
	struct wp_scale_params p = { .budget = 90, .floor = 10, .ceiling = 40, .step = 7 };
	struct wp_scale s;
	struct wp_scale_input in[3];
	struct wp_scale_target t;
	int64_t now = 0;
	uint32_t sum = 0;
	(void)state;

	assert_int_equal(wp_scale_init(&s, &p, 3, 0), 0);
	for (int i = 0; i < 20; i++, now += SEC) {
		for (uint32_t w = 0; w < 3; w++)
			report(&s, w, &in[w], 0, 0, 0, 0);
		assert_true(wp_scale_update(&s, now, in, 3) >= 0);
		check_ok(&s);
	}
	for (uint32_t w = 0; w < 3; w++) {
		assert_int_equal(wp_scale_target(&s, w, &t), 0);
		assert_int_equal(t.max_sessions, 10);
	}
	/* only worker 2 busy: it reaches the ceiling, not beyond */
	for (int i = 0; i < 20; i++, now += SEC) {
		for (uint32_t w = 0; w < 2; w++)
			report(&s, w, &in[w], 0, 0, 0, 0);
		assert_int_equal(wp_scale_target(&s, 2, &t), 0);
		report(&s, 2, &in[2], t.max_sessions, t.max_sessions, 100, 100);
		assert_true(wp_scale_update(&s, now, in, 3) >= 0);
		check_ok(&s);
	}
	assert_int_equal(wp_scale_target(&s, 2, &t), 0);
	assert_int_equal(t.max_sessions, 40);
	/* all busy: the budget is shared, all of it used, none above ceiling */
	for (int i = 0; i < 50; i++, now += SEC) {
		for (uint32_t w = 0; w < 3; w++) {
			assert_int_equal(wp_scale_target(&s, w, &t), 0);
			report(&s, w, &in[w], t.max_sessions, t.max_sessions, 100, 100);
		}
		assert_true(wp_scale_update(&s, now, in, 3) >= 0);
		check_ok(&s);
	}
	for (uint32_t w = 0; w < 3; w++) {
		assert_int_equal(wp_scale_target(&s, w, &t), 0);
		assert_true(t.max_sessions >= 10 && t.max_sessions <= 40);
		sum += t.max_sessions;
	}
	assert_int_equal(sum, 90);
	assert_true(s.st.starved > 0);
}

/* A lowered cap's budget is handed on only after the worker acknowledged
 * it, and then only down to the sessions it still has open. */
static void
test_handover_waits_for_ack(void **state)
{
	struct wp_scale_params p = { .budget = 40, .floor = 2, .ceiling = 40, .step = 10 };
	struct wp_scale s;
	struct wp_scale_input in[2];
	struct wp_scale_target t0, t1;
	(void)state;

	assert_int_equal(wp_scale_init(&s, &p, 2, 0), 0);
	/* period 1: worker 1 idle -> lowered to 10; worker 0 starved */
	in[0] = (struct wp_scale_input){ .open = 20, .leased = 20, .pending = 9 };
	in[1] = (struct wp_scale_input){ .open = 20 };
	assert_int_equal(wp_scale_update(&s, 0, in, 2), 1);
	assert_int_equal(wp_scale_target(&s, 1, &t1), 0);
	assert_int_equal(t1.max_sessions, 10);
	assert_int_equal(t1.seq, 1);
	assert_int_equal(wp_scale_charged(&s), 40);
	/* period 2: not applied yet (applied_seq 0, open 5 <= 10 proves
	 * nothing): worker 0 still starved; worker 1 lowered again to 2 */
	in[1] = (struct wp_scale_input){ .open = 5, .applied_seq = 0 };
	assert_int_equal(wp_scale_update(&s, 1, in, 2), 1);
	assert_int_equal(wp_scale_target(&s, 0, &t0), 0);
	assert_int_equal(t0.max_sessions, 20);
	assert_int_equal(wp_scale_target(&s, 1, &t1), 0);
	assert_int_equal(t1.max_sessions, 2);
	/* period 3: an old seq acknowledged (1, not 2): still held at 20 */
	in[1] = (struct wp_scale_input){ .open = 5, .applied_seq = 1 };
	assert_int_equal(wp_scale_update(&s, 2, in, 2), 0);
	assert_int_equal(wp_scale_target(&s, 0, &t0), 0);
	assert_int_equal(t0.max_sessions, 20);
	assert_int_equal(s.st.starved, 3);
	/* period 4: applied, but 15 still open (leased, coming back): 5 free */
	in[1] = (struct wp_scale_input){ .open = 15, .applied_seq = 2 };
	assert_int_equal(wp_scale_update(&s, 3, in, 2), 1);
	assert_int_equal(wp_scale_target(&s, 0, &t0), 0);
	assert_int_equal(t0.max_sessions, 25);
	check_ok(&s);
	/* period 5: down to its cap: worker 0 takes a full step */
	in[0].open = in[0].leased = 25;
	in[1] = (struct wp_scale_input){ .open = 2, .applied_seq = 2 };
	assert_int_equal(wp_scale_update(&s, 4, in, 2), 1);
	assert_int_equal(wp_scale_target(&s, 0, &t0), 0);
	assert_int_equal(t0.max_sessions, 35);
	/* period 6: the rest: 40 - 2 */
	in[0].open = in[0].leased = 35;
	assert_int_equal(wp_scale_update(&s, 5, in, 2), 1);
	assert_int_equal(wp_scale_target(&s, 0, &t0), 0);
	assert_int_equal(t0.max_sessions, 38);
	assert_int_equal(wp_scale_charged(&s), 40);
	check_ok(&s);
}

/* min_idle = ceil(ratio x (leased + pending)), at least [pool] min_idle,
 * at most the cap; 0 = off keeps [pool] min_idle. */
static void
test_preconnect(void **state)
{
	struct wp_scale_params p = {
		.budget = 100, .floor = 1, .ceiling = 100, .step = 100, .preconnect_milli = 1500,
	};
	struct wp_scale s;
	struct wp_scale_input in = { .open = 30, .leased = 10, .pending = 0, .requests = 50 };
	struct wp_scale_target t;
	(void)state;

	assert_int_equal(wp_scale_init(&s, &p, 1, 1), 0);
	assert_int_equal(wp_scale_update(&s, 0, &in, 1), 1);
	assert_int_equal(wp_scale_target(&s, 0, &t), 0);
	assert_int_equal(t.min_idle, 15);
	/* need 10 + 15 = 25 < 50% of 100: shrink, but keep need <= 80% */
	assert_int_equal(t.max_sessions, 32);
	/* more in flight than the cap allows: min_idle clamped to the cap */
	in = (struct wp_scale_input){ .open = 32, .leased = 32, .pending = 3, .applied_seq = t.seq };
	assert_int_equal(wp_scale_update(&s, 1, &in, 1), 1);
	assert_int_equal(wp_scale_target(&s, 0, &t), 0);
	assert_int_equal(t.max_sessions, 100);
	assert_int_equal(t.min_idle, 53); /* ceil(1.5 x 35) */
	p.budget = 40;
	p.ceiling = 40;
	assert_int_equal(wp_scale_init(&s, &p, 1, 1), 0);
	in.applied_seq = 0;
	in.pending = 30;
	assert_int_equal(wp_scale_update(&s, 0, &in, 1), 1);
	assert_int_equal(wp_scale_target(&s, 0, &t), 0);
	assert_int_equal(t.min_idle, 40);
	/* off: [pool] min_idle */
	p.preconnect_milli = 0;
	assert_int_equal(wp_scale_init(&s, &p, 1, 3), 0);
	assert_int_equal(wp_scale_update(&s, 0, &in, 1), 0);
	assert_int_equal(wp_scale_target(&s, 0, &t), 0);
	assert_int_equal(t.min_idle, 3);
}

/* ---- property: the budget holds whatever the workers do ---------------- */

#define SIM_MAX_W 8
#define SIM_RING 64

struct sim_worker {
	struct wp_scale_target applied;   /* what the pool enforces */
	uint32_t open;
	uint32_t demand;
	struct { struct wp_scale_target t; int64_t due; } ring[SIM_RING]; /* in flight */
	uint32_t head, len;
	uint32_t sent_seq;
	int64_t last_change;
	uint32_t last_cap;
};

static uint32_t
rnd(uint64_t *rng, uint32_t bound) /* [0, bound] */
{
	return (uint32_t)wp_rand_below(rng, (uint64_t)bound + 1);
}

/* Most sessions each pool could ever have open given what it enforces and
 * the caps still on their way to it. */
static uint64_t
physical(const struct sim_worker *sw, uint32_t n)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t m = sw[i].open > sw[i].applied.max_sessions ? sw[i].open
								    : sw[i].applied.max_sessions;
		for (uint32_t k = 0; k < sw[i].len; k++) {
			uint32_t c = sw[i].ring[(sw[i].head + k) % SIM_RING].t.max_sessions;
			m = c > m ? c : m;
		}
		sum += m;
	}
	return sum;
}

static void
sim_trial(uint64_t *rng, uint64_t *grows, uint64_t *shrinks)
{
	const int64_t period = 100 * MS;
	struct wp_scale_params p;
	struct wp_scale s;
	struct sim_worker sw[SIM_MAX_W];
	struct wp_scale_input in[SIM_MAX_W];
	uint32_t n = 2 + rnd(rng, SIM_MAX_W - 2), floor1;
	char err[160];

	memset(sw, 0, sizeof(sw));
	p.floor = rnd(rng, 3);
	floor1 = p.floor ? p.floor : 1;
	p.budget = floor1 * n + rnd(rng, 200);
	p.ceiling = floor1 + rnd(rng, p.budget);
	p.step = 1 + rnd(rng, 9);
	p.cooldown_ns = rnd(rng, 3) * period;
	p.preconnect_milli = rnd(rng, 2) == 0 ? 0 : rnd(rng, 3000);
	assert_int_equal(wp_scale_init(&s, &p, n, rnd(rng, 4)), 0);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(wp_scale_target(&s, i, &sw[i].applied), 0);
		sw[i].last_cap = sw[i].applied.max_sessions;
		sw[i].last_change = INT64_MIN;
	}

	for (int64_t now = 0; now < 2000 * period; now += period) {
		for (uint32_t i = 0; i < n; i++) {
			struct sim_worker *w = &sw[i];

			/* commands that arrived: idle sessions above the cap close
			 * at once, leased ones stay open for now */
			while (w->len > 0 && w->ring[w->head].due <= now) {
				w->applied = w->ring[w->head].t;
				w->head = (w->head + 1) % SIM_RING;
				w->len--;
				if (w->open > w->applied.max_sessions)
					w->open = w->applied.max_sessions +
						  rnd(rng, w->open - w->applied.max_sessions);
			}
			/* demand changes now and then, sometimes a lot */
			if (rnd(rng, 9) == 0)
				w->demand = rnd(rng, rnd(rng, 1) ? p.ceiling * 2 : 3);
			/* the pool follows, lagging: above its cap it only loses
			 * sessions; below it opens toward demand or min_idle and
			 * idles out what is not needed */
			uint32_t cap = w->applied.max_sessions;
			if (w->open > cap) {
				w->open -= rnd(rng, w->open - cap);
			} else {
				uint32_t want = w->demand > w->applied.min_idle ? w->demand
										: w->applied.min_idle;
				want = want < cap ? want : cap;
				if (w->open < want)
					w->open += rnd(rng, want - w->open);
				else
					w->open -= rnd(rng, w->open - want);
			}
		}
		if (physical(sw, n) > p.budget)
			fail_msg("pools may open %" PRIu64 " > budget %" PRIu32,
				 physical(sw, n), p.budget);

		for (uint32_t i = 0; i < n; i++) {
			struct sim_worker *w = &sw[i];
			uint32_t leased = w->demand < w->open ? w->demand : w->open;

			in[i] = (struct wp_scale_input){
				.open = w->open, .leased = leased,
				.pending = w->demand > w->open ? w->demand - w->open : 0,
				.requests = w->demand * 10, .applied_seq = w->applied.seq,
			};
		}
		assert_true(wp_scale_update(&s, now, in, n) >= 0);
		if (wp_scale_check(&s, err, sizeof(err)) != 0)
			fail_msg("wp_scale_check: %s", err);

		for (uint32_t i = 0; i < n; i++) {
			struct sim_worker *w = &sw[i];
			struct wp_scale_target t;
			int64_t due;

			assert_int_equal(wp_scale_target(&s, i, &t), 0);
			if (t.seq == w->sent_seq)
				continue;
			/* a new decision: within one step, after the cooldown */
			assert_true(t.max_sessions <= w->last_cap + p.step &&
				    t.max_sessions + p.step >= w->last_cap);
			assert_true(t.max_sessions >= floor1 && t.max_sessions <= p.ceiling);
			if (w->last_change != INT64_MIN)
				assert_true(now - w->last_change >= p.cooldown_ns);
			w->last_change = now;
			w->last_cap = t.max_sessions;
			w->sent_seq = t.seq;
			/* delivered 0..3 periods later, in order */
			due = now + rnd(rng, 3) * period;
			if (w->len > 0 && w->ring[(w->head + w->len - 1) % SIM_RING].due > due)
				due = w->ring[(w->head + w->len - 1) % SIM_RING].due;
			assert_true(w->len < SIM_RING);
			w->ring[(w->head + w->len) % SIM_RING].t = t;
			w->ring[(w->head + w->len) % SIM_RING].due = due;
			w->len++;
		}
		if (physical(sw, n) > p.budget)
			fail_msg("after update: pools may open %" PRIu64 " > budget %" PRIu32,
				 physical(sw, n), p.budget);
	}
	assert_int_equal(s.st.over_budget, 0);
	*grows += s.st.grows;
	*shrinks += s.st.shrinks;
}

static void
test_budget_property(void **state)
{
	uint64_t rng = 0x5ca1ab1eULL, grows = 0, shrinks = 0;
	(void)state;

	for (int trial = 0; trial < 200; trial++)
		sim_trial(&rng, &grows, &shrinks);
	/* the runs did move capacity around */
	assert_true(grows > 1000 && shrinks > 1000);
	printf("property: 200 trials x 2000 periods, %" PRIu64 " grows, %" PRIu64 " shrinks\n",
	       grows, shrinks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_check),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_skewed_load),
		cmocka_unit_test(test_set_tuning),
		cmocka_unit_test(test_floor_and_ceiling),
		cmocka_unit_test(test_handover_waits_for_ack),
		cmocka_unit_test(test_preconnect),
		cmocka_unit_test(test_budget_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
