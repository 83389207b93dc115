/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear histogram: bucket edges, precision, quantiles, merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <warmpool/hist.h>

static void
test_buckets_tile_the_line(void **state)
{
	(void)state;
	for (unsigned b = 0; b + 1 < WP_HIST_BUCKETS; b++) {
		uint64_t lo = wp_hist_bucket_low(b), hi = wp_hist_bucket_low(b + 1);

		assert_true(hi > lo);
		assert_int_equal(wp_hist_bucket(lo), b);
		assert_int_equal(wp_hist_bucket(hi - 1), b);
		/* at most 12.5% wide: the precision promised */
		if (b >= 16)
			assert_true((hi - lo) * 8 <= lo);
	}
	assert_int_equal(wp_hist_bucket(0), 0);
	assert_int_equal(wp_hist_bucket(15), 15);
	assert_int_equal(wp_hist_bucket(16), 16);
	assert_int_equal(wp_hist_bucket(UINT64_MAX), WP_HIST_BUCKETS - 1);
	assert_int_equal(wp_hist_bucket(1ull << 40), WP_HIST_BUCKETS - 1);
	assert_int_equal(wp_hist_bucket((1ull << 40) - 1), WP_HIST_BUCKETS - 1);
}

static void
test_quantiles_within_precision(void **state)
{
	static struct wp_hist h;

	(void)state;
	wp_hist_reset(&h);
	assert_int_equal(wp_hist_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		wp_hist_add(&h, v * 1000); /* 1 us .. 100 ms, uniform */
	assert_int_equal(h.total, 100000);
	assert_int_equal(h.max_ns, 100000000);
	for (double q = 0.1; q < 0.995; q += 0.1) {
		double want = q * 100000 * 1000, got = (double)wp_hist_quantile(&h, q);

		assert_true(got >= want * 0.93 && got <= want * 1.07);
	}
	assert_true((double)wp_hist_quantile(&h, 0.99) >= 99e6 * 0.93);
	assert_int_equal(wp_hist_quantile(&h, 1.0), 100000000);
	/* a single value comes back as itself when it is below 16 */
	wp_hist_reset(&h);
	wp_hist_add(&h, 7);
	assert_int_equal(wp_hist_quantile(&h, 0.5), 7);
}

static void
test_merge_is_sum(void **state)
{
	static struct wp_hist a, b, all;

	(void)state;
	wp_hist_reset(&a);
	wp_hist_reset(&b);
	wp_hist_reset(&all);
	srandom(7);
	for (int i = 0; i < 20000; i++) {
		uint64_t v = (uint64_t)random() % 50000000u;

		wp_hist_add(i % 3 ? &a : &b, v);
		wp_hist_add(&all, v);
	}
	wp_hist_merge(&a, &b);
	assert_memory_equal(a.count, all.count, sizeof(a.count));
	assert_int_equal(a.total, all.total);
	assert_int_equal(a.sum_ns, all.sum_ns);
	assert_int_equal(a.max_ns, all.max_ns);
	assert_int_equal(wp_hist_quantile(&a, 0.99), wp_hist_quantile(&all, 0.99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_tile_the_line),
		cmocka_unit_test(test_quantiles_within_precision),
		cmocka_unit_test(test_merge_is_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
