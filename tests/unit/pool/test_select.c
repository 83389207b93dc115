/* Backend choice: weighted P2C over UP pools (select.c). */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "../wp_test.h"
#include "fake_transport.h"

#define NB 4
static struct fake *fk[NB];
static struct wp_selector *sel;

static int
setup(void **state)
{
	struct wp_pool_params prm;
	(void)state;
	wp_pool_params_default(&prm);
	prm.min_idle = 0;
	prm.max_sessions = 64;
	prm.max_pending = 64;
	sel = wp_selector_create(NB, SOCKET_ID_ANY, 42);
	assert_non_null(sel);
	for (unsigned i = 0; i < NB; i++) {
		fk[i] = calloc(1, sizeof(*fk[i]));
		fk[i]->pool = wp_pool_create(&prm, (uint16_t)i, SOCKET_ID_ANY, &fake_ops, fk[i]);
		assert_non_null(fk[i]->pool);
		assert_int_equal(wp_selector_set(sel, i, fk[i]->pool, 1), 0);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NB; i++) {
		wp_pool_free(fk[i]->pool);
		free(fk[i]);
	}
	wp_selector_free(sel);
	return 0;
}

static void
test_skips_down(void **state)
{
	unsigned hits[NB] = { 0 };
	(void)state;
	wp_pool_set_state(fk[1]->pool, WP_BACKEND_DOWN, 0);
	wp_pool_set_state(fk[3]->pool, WP_BACKEND_DRAIN, 0);
	wp_selector_refresh(sel);
	for (int i = 0; i < 10000; i++) {
		int b = wp_selector_pick(sel);
		assert_true(b >= 0 && b < NB);
		hits[b]++;
	}
	assert_int_equal(hits[1], 0);
	assert_int_equal(hits[3], 0);
	assert_true(hits[0] > 3000 && hits[2] > 3000);
	/* all down: nothing to pick */
	wp_pool_set_state(fk[0]->pool, WP_BACKEND_DOWN, 0);
	wp_pool_set_state(fk[2]->pool, WP_BACKEND_DOWN, 0);
	wp_selector_refresh(sel);
	assert_int_equal(wp_selector_pick(sel), -EHOSTUNREACH);
	/* back up */
	wp_pool_set_state(fk[1]->pool, WP_BACKEND_UP, 0);
	wp_selector_refresh(sel);
	assert_int_equal(wp_selector_pick(sel), 1);
}

static void
test_weights_when_idle(void **state)
{
	unsigned hits[NB] = { 0 };
	(void)state;
	/* weights 1:1:1:5 and no load: the first draw decides, so the heavy
	 * backend wins about 5/8 x (chance it is drawn at all) of picks */
	assert_int_equal(wp_selector_set(sel, 3, fk[3]->pool, 5), 0);
	for (int i = 0; i < 80000; i++)
		hits[wp_selector_pick(sel)]++;
	print_message("hits %u %u %u %u\n", hits[0], hits[1], hits[2], hits[3]);
	assert_true(hits[3] > 2 * hits[0]);
	assert_true(hits[0] > 5000 && hits[1] > 5000 && hits[2] > 5000);
	assert_int_equal(wp_selector_set(sel, 0, fk[0]->pool, 0), -EINVAL);
	assert_int_equal(wp_selector_set(sel, NB, fk[0]->pool, 1), -EINVAL);
}

/* Least outstanding wins between the two candidates: a backend holding
 * many leases gets few new requests. */
static void
test_least_outstanding(void **state)
{
	unsigned hits[NB] = { 0 };
	struct wp_lease l;
	(void)state;
	/* 20 requests outstanding on backend 2 (queued waiters count too) */
	for (int i = 0; i < 20; i++)
		assert_int_equal(wp_pool_acquire(fk[2]->pool, 0, (uint64_t)i, &l), -EINPROGRESS);
	assert_int_equal(wp_pool_outstanding(fk[2]->pool), 20);
	for (int i = 0; i < 30000; i++)
		hits[wp_selector_pick(sel)]++;
	print_message("hits %u %u %u %u\n", hits[0], hits[1], hits[2], hits[3]);
	/* backend 2 is only chosen when drawn twice: about 1/16 of picks */
	assert_true(hits[2] < 30000 / 10);
	assert_true(hits[0] > 7000 && hits[1] > 7000 && hits[3] > 7000);
}

int
main(void)
{
	if (wp_test_eal_init("test_select", NULL) < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_skips_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weights_when_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_least_outstanding, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("select", tests, NULL, NULL);
	wp_test_eal_cleanup();
	return failed;
}
