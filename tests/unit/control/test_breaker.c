/* The circuit breaker, its worker gate and the retry budget
 * (src/control/breaker.c).
 *
 * No EAL: the module is pure C and reads no clock; every test drives it
 * with a virtual clock `now`. What is proven:
 *  - parameter checks name the bad parameter;
 *  - closed -> open for each cause (sessions, pending, retry budget), with
 *    the cause and the figures in the event, and not at the limit itself;
 *    failures alone do not open a closed breaker;
 *  - open_time is respected to the nanosecond; half-open with all probes
 *    successful closes, one failure (or a limit) reopens and restarts the
 *    open time; no verdict within open_time re-arms the probes;
 *  - the gate admits exactly its probe share in half-open, resets only on a
 *    new epoch, denies when open; the share is ceil(probes / workers);
 *  - the retry budget: 20% of 1000 requests gives 200 retries plus the
 *    floor and not one more; the floor alone; the bound of the bucket;
 *    time running backwards adds nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/breaker.h>

#define MS 1000000LL
#define SEC 1000000000LL

static struct wp_breaker_params
params(void)
{
	return (struct wp_breaker_params){
		.max_sessions = 100,
		.max_pending = 50,
		.retry_budget_percent = 20,
		.min_retries_per_s = 3,
		.open_time_ns = 5 * SEC,
		.half_open_probes = 3,
	};
}

static void
test_params_check(void **state)
{
	struct wp_breaker_params p = params();
	char err[128];
	(void)state;

	assert_int_equal(wp_breaker_params_check(&p, err, sizeof(err)), 0);
	p.max_sessions = 0;
	assert_int_equal(wp_breaker_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "max_sessions"));
	p = params();
	p.retry_budget_percent = 101;
	assert_int_equal(wp_breaker_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "retry_budget_percent"));
	p = params();
	p.min_retries_per_s = 1000001;
	assert_int_equal(wp_breaker_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "min_retries_per_s"));
	p = params();
	p.open_time_ns = 0;
	assert_int_equal(wp_breaker_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "open_time"));
	p = params();
	p.half_open_probes = 0;
	assert_int_equal(wp_breaker_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "half_open_probes"));
	/* max_pending 0 is allowed: any waiting request opens */
	p = params();
	p.max_pending = 0;
	assert_int_equal(wp_breaker_params_check(&p, NULL, 0), 0);

	struct wp_breaker b;
	p.half_open_probes = 0;
	assert_int_equal(wp_breaker_init(&b, &p, 1, 0), -EINVAL);
	p = params();
	assert_int_equal(wp_breaker_init(&b, &p, 0, 0), -EINVAL);
	assert_int_equal(wp_breaker_init(&b, &p, 1, 0), 0);
	assert_int_equal(wp_breaker_update(&b, 0, NULL, NULL), -EINVAL);
	assert_string_equal(wp_breaker_state_name(WP_BREAKER_HALF_OPEN), "half-open");
	assert_string_equal(wp_breaker_cause_name(WP_BREAKER_C_RETRY_BUDGET), "retry_budget");
	assert_string_equal(wp_breaker_cause_name(WP_BREAKER_C__COUNT), "?");
}

/* Each cause opens a closed breaker, and the event says which. The limit
 * itself is allowed ("beyond max_sessions"). */
static void
test_open_causes(void **state)
{
	static const struct {
		struct wp_breaker_input at_limit;  /* stays closed */
		struct wp_breaker_input beyond;    /* opens */
		uint8_t cause;
	} rows[] = {
		{ { .sessions = 100 }, { .sessions = 101 }, WP_BREAKER_C_SESSIONS },
		{ { .pending = 50 }, { .pending = 51 }, WP_BREAKER_C_PENDING },
		{ { .retries_denied = 0, .failures = 1000 }, { .retries_denied = 1 },
		  WP_BREAKER_C_RETRY_BUDGET },
	};
	struct wp_breaker_params p = params();
	(void)state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct wp_breaker b;
		struct wp_breaker_event ev;
		struct wp_breaker_cmd cmd;

		assert_int_equal(wp_breaker_init(&b, &p, 2, 0), 0);
		assert_int_equal(wp_breaker_update(&b, 1 * SEC, &rows[i].at_limit, &ev), 0);
		assert_int_equal(b.state, WP_BREAKER_CLOSED);
		assert_int_equal(wp_breaker_update(&b, 2 * SEC, &rows[i].beyond, &ev), 1);
		assert_int_equal(b.state, WP_BREAKER_OPEN);
		assert_int_equal(ev.from, WP_BREAKER_CLOSED);
		assert_int_equal(ev.to, WP_BREAKER_OPEN);
		assert_int_equal(ev.cause, rows[i].cause);
		assert_int_equal(ev.at, 2 * SEC);
		assert_memory_equal(&ev.in, &rows[i].beyond, sizeof(ev.in));
		assert_int_equal(b.st.events[rows[i].cause], 1);
		assert_int_equal(b.st.periods, 2);
		wp_breaker_cmd(&b, &cmd);
		assert_int_equal(cmd.state, WP_BREAKER_OPEN);
		assert_int_equal(cmd.probes, 0);
		assert_int_equal(cmd.epoch, 1);
		/* still tripped while open: no new event */
		assert_int_equal(wp_breaker_update(&b, 3 * SEC, &rows[i].beyond, &ev), 0);
	}
}

/* Open for exactly open_time, then half-open; NULL ev is fine. */
static void
test_open_time(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_breaker_input trip = { .sessions = 500 }, calm = { 0 };
	struct wp_breaker_event ev;
	struct wp_breaker b;
	(void)state;

	assert_int_equal(wp_breaker_init(&b, &p, 1, 0), 0);
	assert_int_equal(wp_breaker_update(&b, 10 * SEC, &trip, NULL), 1);
	for (int64_t t = 10 * SEC; t < 15 * SEC; t += 250 * MS)
		assert_int_equal(wp_breaker_update(&b, t, &calm, &ev), 0);
	assert_int_equal(wp_breaker_update(&b, 15 * SEC - 1, &calm, &ev), 0);
	assert_int_equal(b.state, WP_BREAKER_OPEN);
	assert_int_equal(wp_breaker_update(&b, 15 * SEC, &calm, &ev), 1);
	assert_int_equal(ev.from, WP_BREAKER_OPEN);
	assert_int_equal(ev.to, WP_BREAKER_HALF_OPEN);
	assert_int_equal(ev.cause, WP_BREAKER_C_OPEN_TIME);
	assert_int_equal(b.state, WP_BREAKER_HALF_OPEN);
}

/* A reload while open: the new open_time counts from when it opened; the
 * new limits judge the next update; bad params change nothing. */
static void
test_set_params(void **state)
{
	struct wp_breaker_params p = params(), q;
	struct wp_breaker_input trip = { .sessions = 500 }, calm = { 0 }, some = { .sessions = 50 };
	struct wp_breaker_event ev;
	struct wp_breaker b;
	(void)state;

	assert_int_equal(wp_breaker_init(&b, &p, 1, 0), 0);
	assert_int_equal(wp_breaker_update(&b, 10 * SEC, &trip, NULL), 1);
	q = p;
	q.open_time_ns = 2 * SEC;
	q.max_sessions = 40;
	q.half_open_probes = 0;                 /* bad */
	assert_int_equal(wp_breaker_set_params(&b, &q), -EINVAL);
	assert_int_equal(b.params.open_time_ns, p.open_time_ns);
	q.half_open_probes = 1;
	assert_int_equal(wp_breaker_set_params(&b, &q), 0);
	assert_int_equal(b.state, WP_BREAKER_OPEN);
	assert_int_equal(wp_breaker_update(&b, 12 * SEC - 1, &calm, &ev), 0);
	assert_int_equal(wp_breaker_update(&b, 12 * SEC, &calm, &ev), 1);
	assert_int_equal(ev.to, WP_BREAKER_HALF_OPEN);
	/* one probe now decides */
	assert_int_equal(wp_breaker_update(&b, 12 * SEC + MS, &(struct wp_breaker_input){
		.successes = 1 }, &ev), 1);
	assert_int_equal(ev.to, WP_BREAKER_CLOSED);
	/* 50 sessions: under the old 100-ish limit, over the new 40 */
	assert_int_equal(wp_breaker_update(&b, 13 * SEC, &some, &ev), 1);
	assert_int_equal(ev.to, WP_BREAKER_OPEN);
	assert_int_equal(ev.cause, WP_BREAKER_C_SESSIONS);
}

/* The retry budget's new percent and floor: the balance carries over,
 * capped to the new bound; deposits follow the new percent. */
static void
test_retry_budget_set_params(void **state)
{
	struct wp_breaker_params p = params(), q;
	struct wp_retry_budget rb;
	int64_t now = SEC;
	(void)state;

	assert_int_equal(wp_retry_budget_init(&rb, &p, 1, 0, now), 0);
	for (int i = 0; i < 100; i++)
		wp_retry_budget_request(&rb, now);      /* 100 x 20% = 20 tokens */
	assert_int_equal(wp_retry_budget_tokens(&rb, now), 20);
	q = p;
	q.retry_budget_percent = 50;
	q.min_retries_per_s = 0;
	assert_int_equal(wp_retry_budget_set_params(&rb, &q, 0, now), -EINVAL);
	assert_int_equal(wp_retry_budget_set_params(&rb, &q, 1, now), 0);
	assert_int_equal(wp_retry_budget_tokens(&rb, now), 20);
	assert_int_equal(rb.requests, 100);
	for (int i = 0; i < 10; i++)
		wp_retry_budget_request(&rb, now);      /* + 10 x 50% */
	assert_int_equal(wp_retry_budget_tokens(&rb, now), 25);
	now += 10 * SEC;                                /* no floor any more */
	assert_int_equal(wp_retry_budget_tokens(&rb, now), 25);
	/* deposits stop at the (default) bound */
	for (int i = 0; i < 1000; i++)
		wp_retry_budget_request(&rb, now);
	assert_int_equal(wp_retry_budget_tokens(&rb, now), WP_RETRY_BUDGET_MIN_TOKENS);
}

static void
to_half_open(struct wp_breaker *b, int64_t *now)
{
	struct wp_breaker_input trip = { .pending = 1000 }, calm = { 0 };

	assert_int_equal(wp_breaker_update(b, *now, &trip, NULL), 1);
	*now += b->params.open_time_ns;
	assert_int_equal(wp_breaker_update(b, *now, &calm, NULL), 1);
	assert_int_equal(b->state, WP_BREAKER_HALF_OPEN);
}

/* Half-open: successes over several periods close it once they reach
 * half_open_probes; fewer do not. */
static void
test_half_open_success(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_breaker_input two = { .successes = 2 }, one = { .successes = 1 };
	struct wp_breaker_event ev;
	struct wp_breaker b;
	int64_t now = SEC;
	(void)state;

	assert_int_equal(wp_breaker_init(&b, &p, 1, 0), 0);
	to_half_open(&b, &now);
	assert_int_equal(wp_breaker_update(&b, now + 100 * MS, &two, &ev), 0);
	assert_int_equal(b.state, WP_BREAKER_HALF_OPEN);
	assert_int_equal(wp_breaker_update(&b, now + 200 * MS, &one, &ev), 1);
	assert_int_equal(ev.from, WP_BREAKER_HALF_OPEN);
	assert_int_equal(ev.to, WP_BREAKER_CLOSED);
	assert_int_equal(ev.cause, WP_BREAKER_C_PROBES_OK);
	assert_int_equal(b.state, WP_BREAKER_CLOSED);
	assert_int_equal(b.st.events[WP_BREAKER_C_PROBES_OK], 1);
	/* and a fresh round starts from zero successes */
	now += SEC;
	to_half_open(&b, &now);
	assert_int_equal(wp_breaker_update(&b, now + 1, &two, &ev), 0);
	assert_int_equal(b.state, WP_BREAKER_HALF_OPEN);
}

/* Half-open: a failure among successes reopens, and the open time counts
 * again from then. A limit reopens with its own cause. */
static void
test_half_open_failure(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_breaker_input mixed = { .successes = 5, .failures = 1 }, calm = { 0 };
	struct wp_breaker_input busy = { .sessions = 101, .successes = 3 };
	struct wp_breaker_event ev;
	struct wp_breaker b;
	int64_t now = SEC;
	(void)state;

	assert_int_equal(wp_breaker_init(&b, &p, 1, 0), 0);
	to_half_open(&b, &now);
	now += 2 * SEC;
	assert_int_equal(wp_breaker_update(&b, now, &mixed, &ev), 1);
	assert_int_equal(ev.to, WP_BREAKER_OPEN);
	assert_int_equal(ev.cause, WP_BREAKER_C_PROBE_FAILED);
	assert_int_equal(wp_breaker_update(&b, now + p.open_time_ns - 1, &calm, &ev), 0);
	assert_int_equal(b.state, WP_BREAKER_OPEN);
	assert_int_equal(wp_breaker_update(&b, now + p.open_time_ns, &calm, &ev), 1);
	assert_int_equal(b.state, WP_BREAKER_HALF_OPEN);
	now += p.open_time_ns;
	assert_int_equal(wp_breaker_update(&b, now + 1, &busy, &ev), 1);
	assert_int_equal(ev.to, WP_BREAKER_OPEN);
	assert_int_equal(ev.cause, WP_BREAKER_C_SESSIONS);
}

/* Half-open without a verdict for open_time: a new epoch re-arms the
 * workers' probes, and the new round counts successes from zero, so the
 * round that closes the breaker saw every one of its probes succeed. */
static void
test_half_open_rearm(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_breaker_input one = { .successes = 1 }, calm = { 0 };
	struct wp_breaker_event ev;
	struct wp_breaker_cmd cmd;
	struct wp_breaker b;
	int64_t now = SEC;
	uint32_t epoch;
	(void)state;

	assert_int_equal(wp_breaker_init(&b, &p, 4, 0), 0);
	to_half_open(&b, &now);
	wp_breaker_cmd(&b, &cmd);
	epoch = cmd.epoch;
	assert_int_equal(cmd.probes, 1); /* ceil(3 / 4) */
	assert_int_equal(wp_breaker_update(&b, now + SEC, &one, &ev), 0);
	assert_int_equal(wp_breaker_update(&b, now + p.open_time_ns - 1, &calm, &ev), 0);
	assert_int_equal(wp_breaker_update(&b, now + p.open_time_ns, &calm, &ev), 1);
	assert_int_equal(ev.from, WP_BREAKER_HALF_OPEN);
	assert_int_equal(ev.to, WP_BREAKER_HALF_OPEN);
	assert_int_equal(ev.cause, WP_BREAKER_C_PROBE_REARM);
	wp_breaker_cmd(&b, &cmd);
	assert_int_not_equal(cmd.epoch, epoch);
	assert_int_equal(cmd.state, WP_BREAKER_HALF_OPEN);
	assert_int_equal(b.probe_ok, 0);
}

/* Failures in the closed state are outlier detection's business. */
static void
test_closed_ignores_failures(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_breaker_input bad = { .failures = 100000, .sessions = 100, .pending = 50 };
	struct wp_breaker b;
	(void)state;

	assert_int_equal(wp_breaker_init(&b, &p, 1, 0), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(wp_breaker_update(&b, i * SEC, &bad, NULL), 0);
	assert_int_equal(b.state, WP_BREAKER_CLOSED);
	assert_int_equal(b.st.failures, 100 * 100000ull);
}

/* The gate admits exactly its share of probes, once per epoch. */
static void
test_gate(void **state)
{
	struct wp_breaker_gate g;
	struct wp_breaker_cmd cmd;
	int admitted = 0;
	(void)state;

	wp_breaker_gate_init(&g);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(wp_breaker_gate_admit(&g), 0);
	cmd = (struct wp_breaker_cmd){ .state = WP_BREAKER_OPEN, .epoch = 1 };
	assert_int_equal(wp_breaker_gate_apply(&g, &cmd), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(wp_breaker_gate_admit(&g), -EBUSY);
	cmd = (struct wp_breaker_cmd){ .state = WP_BREAKER_HALF_OPEN, .probes = 3, .epoch = 2 };
	assert_int_equal(wp_breaker_gate_apply(&g, &cmd), 0);
	for (int i = 0; i < 1000; i++)
		admitted += wp_breaker_gate_admit(&g) == 0;
	assert_int_equal(admitted, 3);
	/* the same command again (same epoch): no fresh probes */
	assert_int_equal(wp_breaker_gate_apply(&g, &cmd), 0);
	assert_int_equal(wp_breaker_gate_admit(&g), -EBUSY);
	/* a re-armed round: fresh probes */
	cmd.epoch = 3;
	assert_int_equal(wp_breaker_gate_apply(&g, &cmd), 0);
	admitted = 0;
	for (int i = 0; i < 10; i++)
		admitted += wp_breaker_gate_admit(&g) == 0;
	assert_int_equal(admitted, 3);
	assert_int_equal(g.admitted, 1006);
	assert_int_equal(g.probes_admitted, 6);
	assert_int_equal(g.denied, 1000 + 997 + 1 + 7);
	cmd.state = WP_BREAKER__STATES;
	assert_int_equal(wp_breaker_gate_apply(&g, &cmd), -EINVAL);
	cmd = (struct wp_breaker_cmd){ .state = WP_BREAKER_CLOSED, .epoch = 4 };
	assert_int_equal(wp_breaker_gate_apply(&g, &cmd), 0);
	assert_int_equal(wp_breaker_gate_admit(&g), 0);
}

/* Control core and three workers together: trip, deny everywhere, half-open
 * lets ceil(5 / 3) = 2 probes per worker through, their successes close. */
static void
test_breaker_with_gates(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_breaker_gate g[3];
	struct wp_breaker_cmd cmd;
	struct wp_breaker b;
	struct wp_breaker_input in = { .pending = 51 };
	int64_t now = 0;
	uint32_t probes = 0;
	(void)state;

	p.half_open_probes = 5;
	assert_int_equal(wp_breaker_init(&b, &p, 3, now), 0);
	for (int w = 0; w < 3; w++)
		wp_breaker_gate_init(&g[w]);
	assert_int_equal(wp_breaker_update(&b, now, &in, NULL), 1);
	wp_breaker_cmd(&b, &cmd);
	for (int w = 0; w < 3; w++) {
		assert_int_equal(wp_breaker_gate_apply(&g[w], &cmd), 0);
		assert_int_equal(wp_breaker_gate_admit(&g[w]), -EBUSY);
	}
	now += p.open_time_ns;
	in = (struct wp_breaker_input){ 0 };
	assert_int_equal(wp_breaker_update(&b, now, &in, NULL), 1);
	wp_breaker_cmd(&b, &cmd);
	assert_int_equal(cmd.probes, 2);
	for (int w = 0; w < 3; w++) {
		assert_int_equal(wp_breaker_gate_apply(&g[w], &cmd), 0);
		for (int i = 0; i < 100; i++)
			probes += wp_breaker_gate_admit(&g[w]) == 0;
	}
	assert_int_equal(probes, 6);
	in.successes = probes;
	assert_int_equal(wp_breaker_update(&b, now + 100 * MS, &in, NULL), 1);
	assert_int_equal(b.state, WP_BREAKER_CLOSED);
	wp_breaker_cmd(&b, &cmd);
	for (int w = 0; w < 3; w++) {
		assert_int_equal(wp_breaker_gate_apply(&g[w], &cmd), 0);
		assert_int_equal(wp_breaker_gate_admit(&g[w]), 0);
	}
}

/* ---- retry budget ------------------------------------------------------ */

/* 20% of 1000 requests over one second, each followed by a retry: 200 from
 * the deposits plus up to 3 from the floor, and not one more. */
static void
test_retry_budget_percent(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_retry_budget rb;
	int64_t now = 7 * SEC;
	uint32_t allowed = 0;
	(void)state;

	assert_int_equal(wp_retry_budget_init(&rb, &p, 1, 10000, now), 0);
	assert_int_equal(wp_retry_budget_withdraw(&rb, now), -EDQUOT); /* starts empty */
	for (int i = 0; i < 1000; i++) {
		now += MS;
		wp_retry_budget_request(&rb, now);
		allowed += wp_retry_budget_withdraw(&rb, now) == 0;
	}
	/* deposits: 1000 x 0.2 = 200; floor: 3 tokens/s x 1 s = 3 */
	assert_true(allowed >= 200 && allowed <= 203);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(wp_retry_budget_withdraw(&rb, now), -EDQUOT);
	assert_int_equal(rb.requests, 1000);
	assert_int_equal(rb.retries, allowed);
	assert_int_equal(rb.denied, 1 + (1000 - allowed) + 1000);
	/* the floor goes on: one more second gives exactly 3 */
	now += SEC;
	allowed = 0;
	for (int i = 0; i < 10; i++)
		allowed += wp_retry_budget_withdraw(&rb, now) == 0;
	assert_true(allowed == 3 || allowed == 4); /* 3 plus a fraction left over */
}

/* Without any deposit the floor alone allows min_retries_per_s; the bucket
 * is bounded (default: 10 s of the floor, at least 100 tokens). */
static void
test_retry_budget_floor_and_bound(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_retry_budget rb;
	int64_t now = 0;
	uint32_t allowed = 0;
	(void)state;

	p.retry_budget_percent = 0;
	p.min_retries_per_s = 5;
	assert_int_equal(wp_retry_budget_init(&rb, &p, 1, 0, now), 0);
	for (int s = 0; s < 10; s++) {
		for (int i = 0; i < 100; i++) {
			now += 10 * MS;
			wp_retry_budget_request(&rb, now);
			allowed += wp_retry_budget_withdraw(&rb, now) == 0;
		}
	}
	assert_int_equal(allowed, 50);
	/* a long quiet spell fills the bucket to its bound, not beyond */
	now += 3600 * SEC;
	assert_int_equal(wp_retry_budget_tokens(&rb, now), 100);
	/* deposits are bounded too */
	p.retry_budget_percent = 100;
	p.min_retries_per_s = 0;
	assert_int_equal(wp_retry_budget_init(&rb, &p, 1, 7, now), 0);
	for (int i = 0; i < 1000; i++)
		wp_retry_budget_request(&rb, now);
	assert_int_equal(wp_retry_budget_tokens(&rb, now), 7);
	/* floor of 20 per worker: bound 200 */
	p.min_retries_per_s = 40;
	assert_int_equal(wp_retry_budget_init(&rb, &p, 2, 0, 0), 0);
	assert_int_equal(wp_retry_budget_tokens(&rb, 1000 * SEC), 200);
	assert_int_equal(wp_retry_budget_tokens(&rb, 1000 * SEC + SEC / 2), 200);
}

/* The floor is split between workers (rounded up); time going backwards
 * adds nothing and does not rewind the refill. */
static void
test_retry_budget_workers_and_time(void **state)
{
	struct wp_breaker_params p = params();
	struct wp_retry_budget rb;
	(void)state;

	p.retry_budget_percent = 0;
	p.min_retries_per_s = 3;
	assert_int_equal(wp_retry_budget_init(&rb, &p, 2, 1000, 0), 0);
	assert_int_equal(wp_retry_budget_tokens(&rb, 10 * SEC), 20); /* 2/s */
	assert_int_equal(wp_retry_budget_tokens(&rb, 5 * SEC), 20);
	assert_int_equal(wp_retry_budget_tokens(&rb, 10 * SEC), 20);
	assert_int_equal(wp_retry_budget_tokens(&rb, 11 * SEC), 22);
	assert_int_equal(wp_retry_budget_init(&rb, &p, 0, 0, 0), -EINVAL);
	p.retry_budget_percent = 200;
	assert_int_equal(wp_retry_budget_init(&rb, &p, 1, 0, 0), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_check),
		cmocka_unit_test(test_open_causes),
		cmocka_unit_test(test_open_time),
		cmocka_unit_test(test_set_params),
		cmocka_unit_test(test_retry_budget_set_params),
		cmocka_unit_test(test_half_open_success),
		cmocka_unit_test(test_half_open_failure),
		cmocka_unit_test(test_half_open_rearm),
		cmocka_unit_test(test_closed_ignores_failures),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_breaker_with_gates),
		cmocka_unit_test(test_retry_budget_percent),
		cmocka_unit_test(test_retry_budget_floor_and_bound),
		cmocka_unit_test(test_retry_budget_workers_and_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
