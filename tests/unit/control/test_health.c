/* Active health checks (src/control/health.c), on a virtual clock.
 *
 * No EAL: the checker is pure C. A small event-driven simulation jumps the
 * clock to the next thing the checker waits for (a check time or a probe
 * deadline, read from its public per-backend state) and answers each probe
 * at once, healthy or not, or never (a silent backend). So every time
 * asserted below is exact, not rounded to a tick. What is proven:
 *  - fall / rise: DOWN exactly at the fall-th failed check, within
 *    fall x (interval + jitter) + timeout of the death; UP exactly at the
 *    rise-th good check; one event each, nothing in between;
 *  - a silent backend: timeouts count as failures (DOWN at the fall-th
 *    deadline), and an answer at the deadline is a timeout;
 *  - late, repeated and unknown answers are ignored and counted;
 *  - schedule: waits stay within interval +- jitter and use the range;
 *    first checks of 32 backends spread over the initial spread; a timeout
 *    longer than the interval delays the next check; same seed, same
 *    schedule; another seed, another;
 *  - drain overlays the checked state; UNKNOWN / DOWN start states;
 *  - parameters: every refusal names its parameter; create refuses them;
 *  - new timing while running (reload): the next check comes within one
 *    new interval, then the new interval holds exactly, the new fall
 *    applies at the next failure; bad values change nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/health.h>

#define MS 1000000LL
#define SEC 1000000000LL
#define NB_MAX 32
#define MAX_CHECKS 512
#define MAX_EVENTS 64

struct sim {
	struct wp_health *h;
	uint32_t nb;
	int64_t now;
	bool alive[NB_MAX];   /* answers healthy */
	bool silent[NB_MAX];  /* never answers */
	int64_t check[NB_MAX][MAX_CHECKS]; /* start times of the checks */
	unsigned ncheck[NB_MAX];
	struct wp_health_event ev[MAX_EVENTS];
	unsigned nev;
};

static void
record(void *ctx, const struct wp_health_event *ev)
{
	struct sim *s = ctx;
	assert_true(s->nev < MAX_EVENTS);
	s->ev[s->nev++] = *ev;
}

static void
params(struct wp_health_params *p)
{
	wp_health_params_default(p);
	p->interval_ns = 1 * SEC;
	p->jitter_ns = 100 * MS;
	p->initial_spread_ns = 500 * MS;
	p->timeout_ns = 300 * MS;
	p->rise = 2;
	p->fall = 3;
	p->seed = 7;
}

static void
sim_init(struct sim *s, const struct wp_health_params *p, uint32_t nb)
{
	memset(s, 0, sizeof(*s));
	s->nb = nb;
	for (uint32_t i = 0; i < nb; i++)
		s->alive[i] = true;
	s->h = wp_health_create(p, nb, 0, record, s);
	assert_non_null(s->h);
}

/* The next time the checker has something to do. */
static int64_t
next_event(const struct sim *s)
{
	int64_t t = INT64_MAX;
	for (uint32_t i = 0; i < s->nb; i++) {
		const struct wp_health_backend *b = wp_health_backend(s->h, i);
		int64_t x = b->probe_id ? b->deadline : b->next_check;
		if (x < t)
			t = x;
	}
	return t;
}

/* Run the checker up to `end`, answering every probe at once. */
static void
sim_run(struct sim *s, int64_t end)
{
	for (;;) {
		int64_t t = next_event(s);
		if (t > end)
			break;
		s->now = t;
		struct wp_health_probe pr[NB_MAX];
		unsigned n = wp_health_due(s->h, s->now, pr, NB_MAX);
		for (unsigned k = 0; k < n; k++) {
			uint32_t b = pr[k].backend;
			assert_int_equal(pr[k].deadline, s->now + 300 * MS);
			assert_true(s->ncheck[b] < MAX_CHECKS);
			s->check[b][s->ncheck[b]++] = s->now;
			if (!s->silent[b])
				assert_int_equal(wp_health_result(s->h, pr[k].id, s->alive[b], s->now), 0);
		}
	}
	s->now = end;
}

/* Index of the first check of backend b at or after t. */
static unsigned
first_check_after(const struct sim *s, uint32_t b, int64_t t)
{
	for (unsigned k = 0; k < s->ncheck[b]; k++)
		if (s->check[b][k] >= t)
			return k;
	fail_msg("no check after %lld", (long long)t);
	return 0;
}

static void
test_fall_then_rise_exact(void **state)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	sim_init(s, &p, 4);

	sim_run(s, 10 * SEC);
	assert_int_equal(s->nev, 0);
	for (uint32_t b = 0; b < 4; b++)
		assert_int_equal(wp_health_state(s->h, b), WP_HEALTH_UP);

	/* Backend 2 dies. */
	int64_t death = s->now + 123;
	s->alive[2] = false;
	sim_run(s, 20 * SEC);
	assert_int_equal(s->nev, 1);
	unsigned k = first_check_after(s, 2, death);
	int64_t third = s->check[2][k + 2];
	assert_int_equal(s->ev[0].backend, 2);
	assert_int_equal(s->ev[0].from, WP_HEALTH_UP);
	assert_int_equal(s->ev[0].to, WP_HEALTH_DOWN);
	assert_int_equal(s->ev[0].now, third);          /* the fall-th failed check */
	assert_true(third - death <= 3 * (p.interval_ns + p.jitter_ns) + p.timeout_ns);
	const struct wp_health_backend *b2 = wp_health_backend(s->h, 2);
	assert_int_equal(b2->last_change, third);
	assert_int_equal(b2->transitions, 1);
	assert_true(b2->failed >= 3);
	assert_int_equal(b2->timeouts, 0);
	assert_int_equal(b2->checks, b2->ok + b2->failed);

	/* It comes back. */
	int64_t revival = s->now + 77;
	s->alive[2] = true;
	sim_run(s, 30 * SEC);
	assert_int_equal(s->nev, 2);
	k = first_check_after(s, 2, revival);
	assert_int_equal(s->ev[1].to, WP_HEALTH_UP);
	assert_int_equal(s->ev[1].now, s->check[2][k + 1]); /* the rise-th good check */
	assert_int_equal(b2->transitions, 2);
	for (uint32_t b = 0; b < 4; b++)
		if (b != 2)
			assert_int_equal(wp_health_backend(s->h, b)->transitions, 0);
	wp_health_free(s->h);
	free(s);
}

/* One failure, then a success: the streak starts over, no flap. */
static void
test_hysteresis(void **state)
{
	struct wp_health_params p;
	struct wp_health_probe pr;
	int64_t now = 0;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	p.initial_spread_ns = 0;
	sim_init(s, &p, 1);
	/* fail, fail, ok, fail, fail: never three in a row */
	const bool seq[] = { false, false, true, false, false };
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(wp_health_due(s->h, now, &pr, 1), 1);
		assert_int_equal(wp_health_result(s->h, pr.id, seq[i], now + MS), 0);
		now = wp_health_backend(s->h, 0)->next_check;
	}
	assert_int_equal(wp_health_state(s->h, 0), WP_HEALTH_UP);
	assert_int_equal(wp_health_backend(s->h, 0)->fail_streak, 2);
	assert_int_equal(s->nev, 0);
	assert_int_equal(wp_health_due(s->h, now, &pr, 1), 1);
	assert_int_equal(wp_health_result(s->h, pr.id, false, now + MS), 0);
	assert_int_equal(wp_health_state(s->h, 0), WP_HEALTH_DOWN);
	wp_health_free(s->h);
	free(s);
}

static void
test_timeout_is_failure(void **state)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	sim_init(s, &p, 2);
	sim_run(s, 5 * SEC);
	int64_t death = s->now;
	s->silent[1] = true;
	sim_run(s, 15 * SEC);
	assert_int_equal(s->nev, 1);
	unsigned k = first_check_after(s, 1, death);
	assert_int_equal(s->ev[0].backend, 1);
	assert_int_equal(s->ev[0].to, WP_HEALTH_DOWN);
	assert_int_equal(s->ev[0].now, s->check[1][k + 2] + p.timeout_ns);
	const struct wp_health_backend *b = wp_health_backend(s->h, 1);
	assert_true(b->timeouts >= 3);
	assert_int_equal(b->failed, 0);
	assert_int_equal(b->checks, b->ok + b->timeouts + (b->probe_id != 0));
	wp_health_free(s->h);
	free(s);
}

/* An answer that arrives at the deadline, before due() has seen it. */
static void
test_answer_at_deadline_is_timeout(void **state)
{
	struct wp_health_params p;
	struct wp_health_probe pr;
	(void)state;
	params(&p);
	p.initial_spread_ns = 0;
	p.fall = 1;
	struct wp_health *h = wp_health_create(&p, 1, 0, NULL, NULL);
	assert_non_null(h);
	assert_int_equal(wp_health_due(h, 0, &pr, 1), 1);
	assert_int_equal(wp_health_result(h, pr.id, true, pr.deadline), 0);
	assert_int_equal(wp_health_backend(h, 0)->timeouts, 1);
	assert_int_equal(wp_health_backend(h, 0)->ok, 0);
	assert_int_equal(wp_health_state(h, 0), WP_HEALTH_DOWN);
	wp_health_free(h);
}

static void
test_late_answers_ignored(void **state)
{
	struct wp_health_params p;
	struct wp_health_probe p1, p2;
	(void)state;
	params(&p);
	p.initial_spread_ns = 0;
	p.fall = 2;
	struct wp_health *h = wp_health_create(&p, 3, 0, NULL, NULL);
	assert_non_null(h);
	const struct wp_health_backend *b = wp_health_backend(h, 0);

	/* p1 on backend 0 is never answered in time. */
	struct wp_health_probe all[3];
	assert_int_equal(wp_health_due(h, 0, all, 3), 3);
	p1 = all[0];
	for (unsigned i = 1; i < 3; i++)
		assert_int_equal(wp_health_result(h, all[i].id, true, 1), 0);
	assert_int_equal(wp_health_due(h, p1.deadline, NULL, 0), 0);
	assert_int_equal(b->timeouts, 1);
	assert_int_equal(b->fail_streak, 1);

	/* p2 succeeds; then p1's answer arrives: failed, but too late. */
	int64_t t = b->next_check;
	assert_int_equal(wp_health_due(h, t, &p2, 1), 1);
	assert_int_equal(p2.backend, 0);
	assert_true(p2.id != p1.id);
	/* p1's answer while p2 is in flight is not taken for p2's */
	assert_int_equal(wp_health_result(h, p1.id, true, t + 1), -ESTALE);
	assert_int_equal(b->probe_id, p2.id);
	assert_int_equal(wp_health_result(h, p2.id, true, t + MS), 0);
	assert_int_equal(wp_health_result(h, p1.id, false, t + 2 * MS), -ESTALE);
	assert_int_equal(wp_health_result(h, p2.id, false, t + 3 * MS), -ESTALE); /* repeated */
	assert_int_equal(wp_health_result(h, 0, false, t), -ESTALE);
	assert_int_equal(wp_health_result(h, 12345, false, t), -ESTALE);
	assert_int_equal(wp_health_result(h, UINT64_MAX, false, t), -ESTALE);
	assert_int_equal(wp_health_stats(h)->stale, 6);
	assert_int_equal(b->fail_streak, 0);
	assert_int_equal(b->ok_streak, 1);
	assert_int_equal(b->failed, 0);
	assert_int_equal(wp_health_state(h, 0), WP_HEALTH_UP);
	wp_health_free(h);
}

/* Waits are interval +- jitter, cover the range, and are not all equal. */
static void
test_jitter_bounds(void **state)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	sim_init(s, &p, 1);
	sim_run(s, 400 * SEC);
	assert_true(s->ncheck[0] > 300);
	int64_t lo = INT64_MAX, hi = 0;
	for (unsigned k = 1; k < s->ncheck[0]; k++) {
		int64_t gap = s->check[0][k] - s->check[0][k - 1];
		assert_true(gap >= p.interval_ns - p.jitter_ns);
		assert_true(gap <= p.interval_ns + p.jitter_ns);
		lo = gap < lo ? gap : lo;
		hi = gap > hi ? gap : hi;
	}
	assert_true(lo < p.interval_ns - p.jitter_ns * 9 / 10);
	assert_true(hi > p.interval_ns + p.jitter_ns * 9 / 10);
	wp_health_free(s->h);
	free(s);
}

/* Without jitter the checks are exactly interval apart (the rule above is
 * the jitter's doing, not the clock's). */
static void
test_no_jitter_exact(void **state)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	p.jitter_ns = 0;
	sim_init(s, &p, 1);
	sim_run(s, 20 * SEC);
	for (unsigned k = 1; k < s->ncheck[0]; k++)
		assert_int_equal(s->check[0][k] - s->check[0][k - 1], p.interval_ns);
	wp_health_free(s->h);
	free(s);
}

/* A reload: interval 1 s -> 400 ms, fall 3 -> 1, mid-run. */
static void
test_set_params(void **state)
{
	struct wp_health_params p, q;
	struct sim *s = calloc(1, sizeof(*s));
	int64_t t0;
	unsigned k;
	(void)state;
	params(&p);
	p.jitter_ns = 0;
	sim_init(s, &p, 1);
	sim_run(s, 5 * SEC + 400 * MS);         /* between two checks */
	t0 = s->now;
	k = s->ncheck[0];
	/* the old schedule would wait longer than one new interval */
	assert_true(wp_health_backend(s->h, 0)->next_check > t0 + 400 * MS);
	q = p;
	q.interval_ns = 400 * MS;
	q.fall = 1;
	q.jitter_ns = q.interval_ns;            /* bad: jitter must be < interval */
	assert_int_equal(wp_health_set_params(s->h, &q, t0), -EINVAL);
	q.jitter_ns = 0;
	assert_int_equal(wp_health_set_params(s->h, &q, t0), 0);
	sim_run(s, 8 * SEC);
	assert_true(s->ncheck[0] > k + 2);
	assert_true(s->check[0][k] <= t0 + 400 * MS);
	for (unsigned i = k + 1; i < s->ncheck[0]; i++)
		assert_int_equal(s->check[0][i] - s->check[0][i - 1], 400 * MS);
	/* fall 1: DOWN at the first failed check */
	s->alive[0] = false;
	k = s->ncheck[0];
	sim_run(s, 9 * SEC);
	assert_int_equal(s->nev, 1);
	assert_int_equal(s->ev[0].to, WP_HEALTH_DOWN);
	assert_int_equal(s->ev[0].now, s->check[0][k]);
	wp_health_free(s->h);
	free(s);
}

static void
test_initial_spread(void **state)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	p.initial_spread_ns = 2 * SEC;
	p.interval_ns = 10 * SEC; /* so every first check falls in the spread */
	p.jitter_ns = 0;
	sim_init(s, &p, 32);
	sim_run(s, 2 * SEC);
	int64_t lo = INT64_MAX, hi = 0;
	unsigned quarter[4] = { 0 };
	for (uint32_t b = 0; b < 32; b++) {
		assert_int_equal(s->ncheck[b], 1);
		int64_t t = s->check[b][0];
		assert_true(t >= 0 && t <= p.initial_spread_ns);
		for (uint32_t c = 0; c < b; c++)
			assert_true(s->check[c][0] != t);
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
		quarter[t / (p.initial_spread_ns / 4) < 4 ? t / (p.initial_spread_ns / 4) : 3]++;
	}
	assert_true(hi - lo > p.initial_spread_ns / 2);
	for (unsigned q = 0; q < 4; q++)
		assert_true(quarter[q] >= 2); /* P(miss) ~ 32 x 0.75^31: tiny; seed fixed */
	wp_health_free(s->h);
	free(s);
}

/* A zero spread: every backend is checked at creation. */
static void
test_no_spread(void **state)
{
	struct wp_health_params p;
	struct wp_health_probe pr[8];
	(void)state;
	params(&p);
	p.initial_spread_ns = 0;
	struct wp_health *h = wp_health_create(&p, 8, 5 * SEC, NULL, NULL);
	assert_non_null(h);
	assert_int_equal(wp_health_due(h, 5 * SEC - 1, pr, 8), 0);
	/* max = 3: the rest stay due */
	assert_int_equal(wp_health_due(h, 5 * SEC, pr, 3), 3);
	assert_int_equal(wp_health_due(h, 5 * SEC, pr, 8), 5);
	assert_int_equal(wp_health_due(h, 5 * SEC, pr, 8), 0);
	assert_int_equal(wp_health_stats(h)->probes, 8);
	wp_health_free(h);
}

static void
run_schedule(uint64_t seed, int64_t *out, unsigned n)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	params(&p);
	p.seed = seed;
	sim_init(s, &p, 8);
	sim_run(s, 30 * SEC);
	unsigned k = 0;
	for (uint32_t b = 0; b < 8; b++)
		for (unsigned c = 0; c < s->ncheck[b] && k < n; c++)
			out[k++] = s->check[b][c];
	assert_int_equal(k, n);
	wp_health_free(s->h);
	free(s);
}

static void
test_same_seed_same_schedule(void **state)
{
	int64_t a[200], b[200], c[200];
	(void)state;
	run_schedule(42, a, 200);
	run_schedule(42, b, 200);
	run_schedule(43, c, 200);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

/* timeout > interval: the next check waits for the deadline. */
static void
test_long_timeout(void **state)
{
	struct wp_health_params p;
	struct wp_health_probe pr;
	(void)state;
	params(&p);
	p.initial_spread_ns = 0;
	p.jitter_ns = 0;
	p.interval_ns = 100 * MS;
	p.timeout_ns = 250 * MS;
	struct wp_health *h = wp_health_create(&p, 1, 0, NULL, NULL);
	assert_non_null(h);
	assert_int_equal(wp_health_due(h, 0, &pr, 1), 1);
	assert_int_equal(wp_health_due(h, 100 * MS, &pr, 1), 0);
	assert_int_equal(wp_health_due(h, 250 * MS - 1, &pr, 1), 0);
	assert_int_equal(wp_health_due(h, 250 * MS, &pr, 1), 1);
	assert_int_equal(wp_health_backend(h, 0)->timeouts, 1);
	assert_int_equal(wp_health_backend(h, 0)->next_check, 500 * MS);
	/* answered quickly: the next still waits for this one's deadline */
	assert_int_equal(wp_health_result(h, pr.id, true, 260 * MS), 0);
	assert_int_equal(wp_health_due(h, 499 * MS, &pr, 1), 0);
	assert_int_equal(wp_health_due(h, 500 * MS, &pr, 1), 1);
	wp_health_free(h);
}

static void
test_drain(void **state)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	sim_init(s, &p, 2);
	sim_run(s, 3 * SEC);
	assert_int_equal(wp_health_set_drain(s->h, 1, true, s->now), 0);
	assert_int_equal(s->nev, 1);
	assert_int_equal(s->ev[0].from, WP_HEALTH_UP);
	assert_int_equal(s->ev[0].to, WP_HEALTH_DRAIN);
	assert_int_equal(wp_health_state(s->h, 1), WP_HEALTH_DRAIN);
	assert_int_equal(wp_health_set_drain(s->h, 1, true, s->now), 0); /* again: no event */
	assert_int_equal(s->nev, 1);

	/* Checks go on while drained; the verdict changes underneath. */
	uint64_t before = wp_health_backend(s->h, 1)->checks;
	s->alive[1] = false;
	sim_run(s, 10 * SEC);
	assert_true(wp_health_backend(s->h, 1)->checks >= before + 3);
	assert_int_equal(wp_health_backend(s->h, 1)->checked, WP_HEALTH_DOWN);
	assert_int_equal(wp_health_state(s->h, 1), WP_HEALTH_DRAIN);
	assert_int_equal(s->nev, 1);

	/* Lifted: the checked state shows. */
	assert_int_equal(wp_health_set_drain(s->h, 1, false, s->now), 0);
	assert_int_equal(s->nev, 2);
	assert_int_equal(s->ev[1].from, WP_HEALTH_DRAIN);
	assert_int_equal(s->ev[1].to, WP_HEALTH_DOWN);
	assert_int_equal(s->ev[1].now, s->now);
	assert_int_equal(wp_health_state(s->h, 0), WP_HEALTH_UP);
	assert_int_equal(wp_health_set_drain(s->h, 2, true, s->now), -EINVAL);
	wp_health_free(s->h);
	free(s);
}

static void
test_start_states(void **state)
{
	struct wp_health_params p;
	struct sim *s = calloc(1, sizeof(*s));
	(void)state;
	params(&p);
	p.initial_state = WP_HEALTH_UNKNOWN;
	sim_init(s, &p, 2);
	s->alive[1] = false;
	assert_int_equal(wp_health_state(s->h, 0), WP_HEALTH_UNKNOWN);
	sim_run(s, 10 * SEC);
	assert_int_equal(s->nev, 2);
	for (unsigned i = 0; i < 2; i++) {
		uint32_t b = s->ev[i].backend;
		assert_int_equal(s->ev[i].from, WP_HEALTH_UNKNOWN);
		assert_int_equal(s->ev[i].to, b == 0 ? WP_HEALTH_UP : WP_HEALTH_DOWN);
		/* UP at the 2nd (rise) check, DOWN at the 3rd (fall) */
		assert_int_equal(s->ev[i].now, s->check[b][b == 0 ? 1 : 2]);
	}
	wp_health_free(s->h);

	p.initial_state = WP_HEALTH_DOWN;
	sim_init(s, &p, 1);
	assert_int_equal(wp_health_state(s->h, 0), WP_HEALTH_DOWN);
	sim_run(s, 10 * SEC);
	assert_int_equal(s->nev, 1);
	assert_int_equal(s->ev[0].to, WP_HEALTH_UP);
	assert_int_equal(s->ev[0].now, s->check[0][1]);
	wp_health_free(s->h);
	free(s);
}

static void
test_params(void **state)
{
	struct wp_health_params p;
	char err[128];
	(void)state;
	wp_health_params_default(&p);
	assert_int_equal(wp_health_params_check(&p, err, sizeof(err)), 0);
	assert_int_equal(p.initial_state, WP_HEALTH_UP);

	static const char *const field[] = {
		"interval", "jitter", "jitter", "initial_spread", "timeout",
		"rise", "fall", "initial_state",
	};
	for (unsigned i = 0; i < sizeof(field) / sizeof(field[0]); i++) {
		wp_health_params_default(&p);
		switch (i) {
		case 0: p.interval_ns = 0; break;
		case 1: p.jitter_ns = p.interval_ns; break;
		case 2: p.jitter_ns = -1; break;
		case 3: p.initial_spread_ns = -1; break;
		case 4: p.timeout_ns = 0; break;
		case 5: p.rise = 0; break;
		case 6: p.fall = 0; break;
		case 7: p.initial_state = WP_HEALTH_DRAIN; break;
		}
		assert_int_equal(wp_health_params_check(&p, err, sizeof(err)), -EINVAL);
		assert_memory_equal(err, field[i], strlen(field[i]));
		assert_int_equal(err[strlen(field[i])], ':');
		errno = 0;
		assert_null(wp_health_create(&p, 1, 0, NULL, NULL));
		assert_int_equal(errno, EINVAL);
	}
	wp_health_params_default(&p);
	errno = 0;
	assert_null(wp_health_create(&p, 0, 0, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(wp_health_backend(NULL, 0));
	wp_health_free(NULL);
	assert_string_equal(wp_health_state_name(WP_HEALTH_DRAIN), "drain");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fall_then_rise_exact),
		cmocka_unit_test(test_set_params),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_timeout_is_failure),
		cmocka_unit_test(test_answer_at_deadline_is_timeout),
		cmocka_unit_test(test_late_answers_ignored),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_no_jitter_exact),
		cmocka_unit_test(test_initial_spread),
		cmocka_unit_test(test_no_spread),
		cmocka_unit_test(test_same_seed_same_schedule),
		cmocka_unit_test(test_long_timeout),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_start_states),
		cmocka_unit_test(test_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
