/* Passive outlier detection (src/control/outlier.c), on a virtual clock.
 *
 * No EAL: the detector is pure C. What is proven:
 *  - consecutive failures of every kind eject, at exactly the threshold;
 *    a success resets the streak; batched runs give the same verdicts as
 *    one call per outcome;
 *  - the n-th ejection lasts n x base (1x, 2x, 3x), capped at max, ends
 *    exactly at its time in tick(), and the multiplier decays while the
 *    backend stays in service;
 *  - the share: 4 backends at 50% eject two; a third failing backend is
 *    refused (counted once), keeps its streak, and is ejected in the tick
 *    that returns one of the others; a success meanwhile cancels that;
 *  - consecutive_failures = 0 and max_ejected_percent = 0 never eject;
 *    outcomes during an ejection do not extend it;
 *  - bad arguments and parameters are refused by name;
 *  - new parameters while running (reload): threshold, share and ejection
 *    times take effect at the next report / ejection, a running
 *    ejection keeps its end, multipliers are capped; bad ones are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/outlier.h>

#define SEC 1000000000LL
#define MAX_EVENTS 64

static struct wp_outlier_event ev[MAX_EVENTS];
static unsigned nev;

static void
record(void *ctx, const struct wp_outlier_event *e)
{
	(void)ctx;
	assert_true(nev < MAX_EVENTS);
	ev[nev++] = *e;
}

/* threshold 3, base 10 s, max 25 s, 50% */
static struct wp_outlier *
make(uint32_t nb, uint32_t threshold, uint32_t percent)
{
	struct wp_outlier_params p;
	wp_outlier_params_default(&p);
	p.consecutive_failures = threshold;
	p.base_ejection_ns = 10 * SEC;
	p.max_ejection_ns = 25 * SEC;
	p.max_ejected_percent = percent;
	nev = 0;
	struct wp_outlier *o = wp_outlier_create(&p, nb, record, NULL);
	assert_non_null(o);
	return o;
}

static void
failures(struct wp_outlier *o, uint32_t b, unsigned n, int64_t now)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(wp_outlier_report(o, b, WP_OUTCOME_5XX, 1, now), 0);
}

static void
test_threshold_and_kinds(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 4, 100);
	const enum wp_outcome kinds[] = {
		WP_OUTCOME_CONNECT_FAIL, WP_OUTCOME_RESET, WP_OUTCOME_TIMEOUT,
	};
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(wp_outlier_report(o, 1, kinds[i], 1, 100), 0);
	assert_false(wp_outlier_is_ejected(o, 1));
	assert_int_equal(nev, 0);
	assert_int_equal(wp_outlier_report(o, 1, WP_OUTCOME_5XX, 1, 200), 0);
	assert_true(wp_outlier_is_ejected(o, 1));
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0].backend, 1);
	assert_true(ev[0].ejected);
	assert_int_equal(ev[0].now, 200);
	assert_int_equal(ev[0].until, 200 + 10 * SEC);
	const struct wp_outlier_backend *b = wp_outlier_backend(o, 1);
	for (unsigned k = WP_OUTCOME_CONNECT_FAIL; k < WP_OUTCOME__COUNT; k++)
		assert_int_equal(b->outcomes[k], 1);
	assert_int_equal(b->ejections, 1);
	assert_int_equal(wp_outlier_stats(o)->ejected, 1);
	wp_outlier_free(o);
}

static void
test_success_resets_streak(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 3, 100);
	for (unsigned i = 0; i < 10; i++) {
		failures(o, 0, 2, i);
		assert_int_equal(wp_outlier_report(o, 0, WP_OUTCOME_SUCCESS, 1, i), 0);
	}
	assert_false(wp_outlier_is_ejected(o, 0));
	assert_int_equal(wp_outlier_backend(o, 0)->streak, 0);
	assert_int_equal(wp_outlier_backend(o, 0)->outcomes[WP_OUTCOME_5XX], 20);
	failures(o, 0, 3, 50);
	assert_true(wp_outlier_is_ejected(o, 0));
	wp_outlier_free(o);
}

/* Runs in order give the same verdict as single outcomes. */
static void
test_batched_runs(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 5, 100);
	/* 4 fail, 1 ok, 4 fail: no ejection */
	assert_int_equal(wp_outlier_report(o, 2, WP_OUTCOME_RESET, 4, 1), 0);
	assert_int_equal(wp_outlier_report(o, 2, WP_OUTCOME_SUCCESS, 1, 1), 0);
	assert_int_equal(wp_outlier_report(o, 2, WP_OUTCOME_TIMEOUT, 4, 1), 0);
	assert_false(wp_outlier_is_ejected(o, 2));
	/* a zero-length run changes nothing */
	assert_int_equal(wp_outlier_report(o, 2, WP_OUTCOME_SUCCESS, 0, 1), 0);
	assert_int_equal(wp_outlier_backend(o, 2)->streak, 4);
	/* 1 more: 5 in a row */
	assert_int_equal(wp_outlier_report(o, 2, WP_OUTCOME_5XX, 1, 2), 0);
	assert_true(wp_outlier_is_ejected(o, 2));
	/* one run of 12 ejects once */
	assert_int_equal(wp_outlier_report(o, 3, WP_OUTCOME_CONNECT_FAIL, 12, 3), 0);
	assert_true(wp_outlier_is_ejected(o, 3));
	assert_int_equal(wp_outlier_backend(o, 3)->ejections, 1);
	assert_int_equal(nev, 2);
	wp_outlier_free(o);
}

/* n-th ejection: n x base, capped; ends exactly at its time. */
static void
test_growth_and_cap(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 3, 50);
	const int64_t want[] = { 10 * SEC, 20 * SEC, 25 * SEC, 25 * SEC };
	int64_t now = 1000;
	for (unsigned n = 0; n < 4; n++) {
		unsigned e = nev;
		failures(o, 0, 3, now);
		assert_int_equal(nev, e + 1);
		assert_true(ev[e].ejected);
		assert_int_equal(ev[e].until - now, want[n]);
		assert_int_equal(wp_outlier_tick(o, ev[e].until - 1), 0);
		assert_true(wp_outlier_is_ejected(o, 0));
		now = ev[e].until;
		assert_int_equal(wp_outlier_tick(o, now), 1);
		assert_false(wp_outlier_is_ejected(o, 0));
		assert_int_equal(nev, e + 2);
		assert_false(ev[e + 1].ejected);
		assert_int_equal(ev[e + 1].now, now);
		assert_int_equal(wp_outlier_backend(o, 0)->last_change, now);
		now += SEC; /* fails again soon after coming back */
	}
	assert_int_equal(wp_outlier_backend(o, 0)->ejections, 4);
	assert_int_equal(wp_outlier_stats(o)->ejected, 0);
	wp_outlier_free(o);
}

/* Reload: threshold 3 -> 2, base 10 s -> 1 s, max 25 s -> 2 s. */
static void
test_set_params(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 3, 50);
	struct wp_outlier_params q;
	int64_t now = 1000, until;

	for (unsigned n = 0; n < 2; n++) {      /* multiplier 2: ejected 20 s */
		failures(o, 0, 3, now);
		now = wp_outlier_backend(o, 0)->until;
		wp_outlier_tick(o, now);
	}
	failures(o, 0, 3, now);                 /* third: 25 s, running */
	until = wp_outlier_backend(o, 0)->until;
	assert_int_equal(until - now, 25 * SEC);
	failures(o, 1, 1, now);                 /* backend 1: one failure so far */
	wp_outlier_params_default(&q);
	q.consecutive_failures = 2;
	q.base_ejection_ns = 1 * SEC;
	q.max_ejection_ns = SEC / 2;            /* bad: below base */
	q.max_ejected_percent = 50;
	assert_int_equal(wp_outlier_set_params(o, &q), -EINVAL);
	q.max_ejection_ns = 2 * SEC;
	assert_int_equal(wp_outlier_set_params(o, &q), 0);
	assert_int_equal(wp_outlier_backend(o, 0)->until, until);  /* kept */
	assert_int_equal(wp_outlier_backend(o, 0)->multiplier, 2); /* capped: 2 s / 1 s */
	/* backend 1: its second failure now ejects, for at most 2 s */
	failures(o, 1, 1, now + 1);
	assert_true(wp_outlier_is_ejected(o, 1));
	assert_int_equal(wp_outlier_backend(o, 1)->until - (now + 1), 1 * SEC);
	assert_int_equal(wp_outlier_tick(o, now + 1 + SEC), 1);
	assert_true(wp_outlier_is_ejected(o, 0));
	assert_int_equal(wp_outlier_tick(o, until), 1);
	wp_outlier_free(o);
}

/* The multiplier decays one step per base_ejection in service. */
static void
test_multiplier_decays(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 3, 50);
	int64_t now = 0;
	for (unsigned n = 0; n < 3; n++) {       /* 10, 20, 25 s */
		failures(o, 1, 3, now);
		now = wp_outlier_backend(o, 1)->until;
		wp_outlier_tick(o, now);
	}
	assert_int_equal(wp_outlier_backend(o, 1)->multiplier, 3);
	/* 2 x base in service: 3 -> 1, so the next is 2 x base */
	now += 2 * 10 * SEC;
	failures(o, 1, 3, now);
	assert_int_equal(wp_outlier_backend(o, 1)->until - now, 20 * SEC);
	now = wp_outlier_backend(o, 1)->until;
	wp_outlier_tick(o, now);
	/* a long quiet spell: back to 1 x base */
	now += 3600 * SEC;
	failures(o, 1, 3, now);
	assert_int_equal(wp_outlier_backend(o, 1)->until - now, 10 * SEC);
	wp_outlier_free(o);
}

/* 4 backends, 50%: a third failing backend waits for room. */
static void
test_max_share(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 3, 50);
	failures(o, 0, 3, 0);
	failures(o, 1, 3, 5 * SEC);
	assert_int_equal(wp_outlier_stats(o)->ejected, 2);
	failures(o, 2, 3, 6 * SEC);
	assert_false(wp_outlier_is_ejected(o, 2));
	const struct wp_outlier_backend *b2 = wp_outlier_backend(o, 2);
	assert_true(b2->waiting);
	assert_int_equal(b2->refused, 1);
	assert_int_equal(b2->streak, 3);
	failures(o, 2, 5, 7 * SEC);                 /* still no room: counted once */
	assert_false(wp_outlier_is_ejected(o, 2));
	assert_int_equal(b2->refused, 1);
	assert_int_equal(wp_outlier_stats(o)->refused, 1);
	assert_int_equal(nev, 2);

	/* Backend 0 returns at 10 s; 2 takes its place in the same tick. */
	assert_int_equal(wp_outlier_tick(o, 10 * SEC - 1), 0);
	assert_false(wp_outlier_is_ejected(o, 2));
	assert_int_equal(wp_outlier_tick(o, 10 * SEC), 1);
	assert_int_equal(nev, 4);
	assert_int_equal(ev[2].backend, 0);
	assert_false(ev[2].ejected);
	assert_int_equal(ev[3].backend, 2);
	assert_true(ev[3].ejected);
	assert_int_equal(ev[3].until, 20 * SEC);
	assert_true(wp_outlier_is_ejected(o, 2));
	assert_false(b2->waiting);
	assert_int_equal(b2->streak, 0);
	assert_int_equal(wp_outlier_stats(o)->ejected, 2);
	wp_outlier_free(o);
}

/* A waiting backend that succeeds is no longer due. */
static void
test_share_success_cancels(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 3, 50);
	failures(o, 0, 3, 0);
	failures(o, 1, 3, 0);
	failures(o, 3, 3, 0);
	assert_true(wp_outlier_backend(o, 3)->waiting);
	assert_int_equal(wp_outlier_report(o, 3, WP_OUTCOME_SUCCESS, 1, SEC), 0);
	assert_false(wp_outlier_backend(o, 3)->waiting);
	assert_int_equal(wp_outlier_tick(o, 10 * SEC), 2);
	assert_false(wp_outlier_is_ejected(o, 3));
	assert_int_equal(wp_outlier_stats(o)->ejected, 0);
	/* with room, the next streak ejects at once */
	failures(o, 3, 3, 11 * SEC);
	assert_true(wp_outlier_is_ejected(o, 3));
	wp_outlier_free(o);
}

static void
test_off_and_zero_share(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 0, 100);   /* off */
	failures(o, 0, 1000, 0);
	assert_false(wp_outlier_is_ejected(o, 0));
	assert_int_equal(wp_outlier_backend(o, 0)->outcomes[WP_OUTCOME_5XX], 1000);
	assert_int_equal(nev, 0);
	wp_outlier_free(o);

	o = make(4, 3, 0);                         /* 0%: never */
	failures(o, 0, 10, 0);
	assert_false(wp_outlier_is_ejected(o, 0));
	assert_int_equal(wp_outlier_backend(o, 0)->refused, 1);
	assert_int_equal(wp_outlier_tick(o, 3600 * SEC), 0);
	assert_false(wp_outlier_is_ejected(o, 0));
	wp_outlier_free(o);

	o = make(3, 3, 50);                        /* floor(1.5) = 1 */
	failures(o, 0, 3, 0);
	failures(o, 1, 3, 0);
	assert_true(wp_outlier_is_ejected(o, 0));
	assert_false(wp_outlier_is_ejected(o, 1));
	wp_outlier_free(o);
}

/* Failures reported while ejected neither extend the ejection nor carry
 * over into a streak after the return. */
static void
test_outcomes_while_ejected(void **state)
{
	(void)state;
	struct wp_outlier *o = make(4, 3, 50);
	failures(o, 0, 3, 0);
	failures(o, 0, 10, SEC);
	assert_int_equal(wp_outlier_backend(o, 0)->until, 10 * SEC);
	assert_int_equal(wp_outlier_backend(o, 0)->ejections, 1);
	assert_int_equal(wp_outlier_backend(o, 0)->outcomes[WP_OUTCOME_5XX], 13);
	assert_int_equal(wp_outlier_tick(o, 10 * SEC), 1);
	failures(o, 0, 2, 11 * SEC);
	assert_false(wp_outlier_is_ejected(o, 0));
	wp_outlier_free(o);
}

static void
test_bad_args(void **state)
{
	struct wp_outlier_params p;
	char err[128];
	(void)state;
	struct wp_outlier *o = make(2, 3, 50);
	assert_int_equal(wp_outlier_report(o, 2, WP_OUTCOME_5XX, 1, 0), -EINVAL);
	assert_int_equal(wp_outlier_report(o, 0, WP_OUTCOME__COUNT, 1, 0), -EINVAL);
	assert_int_equal(wp_outlier_report(o, 0, (enum wp_outcome)-1, 1, 0), -EINVAL);
	assert_int_equal(wp_outlier_report(NULL, 0, WP_OUTCOME_5XX, 1, 0), -EINVAL);
	assert_null(wp_outlier_backend(o, 2));
	assert_false(wp_outlier_is_ejected(o, 2));
	wp_outlier_free(o);
	wp_outlier_free(NULL);

	wp_outlier_params_default(&p);
	assert_int_equal(wp_outlier_params_check(&p, err, sizeof(err)), 0);
	static const char *const field[] = {
		"base_ejection", "max_ejection", "max_ejection", "max_ejected_percent",
	};
	for (unsigned i = 0; i < 4; i++) {
		wp_outlier_params_default(&p);
		switch (i) {
		case 0: p.base_ejection_ns = 0; break;
		case 1: p.max_ejection_ns = p.base_ejection_ns - 1; break;
		case 2: p.max_ejection_ns = 86401 * SEC; break;
		case 3: p.max_ejected_percent = 101; break;
		}
		assert_int_equal(wp_outlier_params_check(&p, err, sizeof(err)), -EINVAL);
		assert_memory_equal(err, field[i], strlen(field[i]));
		assert_int_equal(err[strlen(field[i])], ':');
		errno = 0;
		assert_null(wp_outlier_create(&p, 4, NULL, NULL));
		assert_int_equal(errno, EINVAL);
	}
	wp_outlier_params_default(&p);
	errno = 0;
	assert_null(wp_outlier_create(&p, 0, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(wp_outcome_name(WP_OUTCOME_5XX), "5xx");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_and_kinds),
		cmocka_unit_test(test_success_resets_streak),
		cmocka_unit_test(test_batched_runs),
		cmocka_unit_test(test_growth_and_cap),
		cmocka_unit_test(test_set_params),
		cmocka_unit_test(test_multiplier_decays),
		cmocka_unit_test(test_max_share),
		cmocka_unit_test(test_share_success_cancels),
		cmocka_unit_test(test_off_and_zero_share),
		cmocka_unit_test(test_outcomes_while_ejected),
		cmocka_unit_test(test_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
