/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow table tests: add/lookup/del, duplicates, exact capacity (-ENOSPC at
 * capacity + 1 for several sizes), tables sharing a name, and 100k random
 * operations checked against a plain array model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_memory.h>

#include "net/flow.h"
#include "../wp_test.h"

static struct wp_flow_key
mkkey(uint32_t i)
{
	struct wp_flow_key k = {
		.rip = 0x0a000000u | (i >> 8),
		.lip = 0xc0a80001u,
		.rport = (uint16_t)(1024 + (i & 0xff)),
		.lport = 443,
	};
	return k;
}

static void
test_basic(void **state)
{
	struct wp_flow_table *ft = wp_flow_table_create("t_basic", 16, SOCKET_ID_ANY);
	struct wp_flow_key k = mkkey(1), k2 = mkkey(2);
	int a, b;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(wp_flow_count(ft), 0);
	assert_null(wp_flow_lookup(ft, &k));
	assert_int_equal(wp_flow_add(ft, &k, &a), 0);
	assert_int_equal(wp_flow_count(ft), 1);
	assert_ptr_equal(wp_flow_lookup(ft, &k), &a);
	assert_null(wp_flow_lookup(ft, &k2));
	/* duplicate keeps the first value */
	assert_int_equal(wp_flow_add(ft, &k, &b), -EEXIST);
	assert_ptr_equal(wp_flow_lookup(ft, &k), &a);
	assert_int_equal(wp_flow_count(ft), 1);
	/* NULL value is refused: it would read as "not found" */
	assert_int_equal(wp_flow_add(ft, &k2, NULL), -EINVAL);
	assert_int_equal(wp_flow_count(ft), 1);
	/* the reverse tuple is a different key */
	struct wp_flow_key r = { .rip = k.lip, .lip = k.rip, .rport = k.lport, .lport = k.rport };
	assert_null(wp_flow_lookup(ft, &r));
	assert_int_equal(wp_flow_add(ft, &r, &b), 0);
	assert_ptr_equal(wp_flow_lookup(ft, &r), &b);
	assert_ptr_equal(wp_flow_lookup(ft, &k), &a);
	/* delete */
	assert_int_equal(wp_flow_del(ft, &k), 0);
	assert_null(wp_flow_lookup(ft, &k));
	assert_int_equal(wp_flow_del(ft, &k), -ENOENT);
	assert_int_equal(wp_flow_del(ft, &k2), -ENOENT);
	assert_int_equal(wp_flow_count(ft), 1);
	assert_int_equal(wp_flow_add(ft, &k, &b), 0);
	assert_ptr_equal(wp_flow_lookup(ft, &k), &b);
	assert_int_equal(wp_flow_count(ft), 2);
	wp_flow_table_free(ft);
	wp_flow_table_free(NULL);
}

static void
test_create_invalid(void **state)
{
	(void)state;
	errno = 0;
	assert_null(wp_flow_table_create("t_zero", 0, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(wp_flow_table_create(NULL, 8, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
}

static void
test_capacity_exact(void **state)
{
	static const uint32_t caps[] = { 1, 5, 8, 9, 100, 1000, 4096 };
	static int vals[4097];

	(void)state;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint32_t cap = caps[c];
		struct wp_flow_table *ft = wp_flow_table_create("t_cap", cap, SOCKET_ID_ANY);

		assert_non_null(ft);
		for (uint32_t i = 0; i < cap; i++) {
			struct wp_flow_key k = mkkey(i);
			int rc = wp_flow_add(ft, &k, &vals[i]);
			if (rc != 0)
				fail_msg("cap %u: add %u failed: %d", cap, i, rc);
		}
		assert_int_equal(wp_flow_count(ft), cap);
		struct wp_flow_key extra = mkkey(cap);
		assert_int_equal(wp_flow_add(ft, &extra, &vals[cap]), -ENOSPC);
		/* a duplicate at capacity is still -EEXIST */
		struct wp_flow_key k0 = mkkey(0);
		assert_int_equal(wp_flow_add(ft, &k0, &vals[0]), -EEXIST);
		for (uint32_t i = 0; i < cap; i++) {
			struct wp_flow_key k = mkkey(i);
			assert_ptr_equal(wp_flow_lookup(ft, &k), &vals[i]);
		}
		/* one out, one in */
		assert_int_equal(wp_flow_del(ft, &k0), 0);
		assert_int_equal(wp_flow_add(ft, &extra, &vals[cap]), 0);
		assert_ptr_equal(wp_flow_lookup(ft, &extra), &vals[cap]);
		assert_int_equal(wp_flow_add(ft, &k0, &vals[0]), -ENOSPC);
		assert_int_equal(wp_flow_count(ft), cap);
		wp_flow_table_free(ft);
	}
}

static void
test_same_name(void **state)
{
	struct wp_flow_table *a = wp_flow_table_create("wp_flow_w3", 8, SOCKET_ID_ANY);
	struct wp_flow_table *b = wp_flow_table_create("wp_flow_w3", 8, SOCKET_ID_ANY);
	/* a long name is cut for rte_hash, and still works */
	struct wp_flow_table *c = wp_flow_table_create(
		"a_rather_long_flow_table_name_beyond_rte_limits", 8, SOCKET_ID_ANY);
	struct wp_flow_key k = mkkey(7);
	int x, y;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal(wp_flow_add(a, &k, &x), 0);
	assert_int_equal(wp_flow_add(b, &k, &y), 0);
	assert_ptr_equal(wp_flow_lookup(a, &k), &x);
	assert_ptr_equal(wp_flow_lookup(b, &k), &y);
	assert_null(wp_flow_lookup(c, &k));
	wp_flow_table_free(a);
	wp_flow_table_free(b);
	wp_flow_table_free(c);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

#define UNIVERSE 3000
#define CAP 1024

static void
test_random_vs_model(void **state)
{
	static char vals[UNIVERSE];
	static void *model[UNIVERSE];
	uint32_t count = 0, enospc = 0;
	struct wp_flow_table *ft = wp_flow_table_create("t_rand", CAP, SOCKET_ID_ANY);

	(void)state;
	assert_non_null(ft);
	memset(model, 0, sizeof(model));
	for (int op = 0; op < 100000; op++) {
		/* biased towards adds so the table fills and hits -ENOSPC */
		uint32_t i = rnd() % UNIVERSE, r = rnd() % 10;
		struct wp_flow_key k = mkkey(i);

		if (r < 5) {
			int want = model[i] ? -EEXIST : count >= CAP ? -ENOSPC : 0;
			int got = wp_flow_add(ft, &k, &vals[i]);
			if (got != want)
				fail_msg("op %d add %u: got %d want %d", op, i, got, want);
			if (got == 0) {
				model[i] = &vals[i];
				count++;
			}
			enospc += got == -ENOSPC;
		} else if (r < 8) {
			int want = model[i] ? 0 : -ENOENT;
			int got = wp_flow_del(ft, &k);
			if (got != want)
				fail_msg("op %d del %u: got %d want %d", op, i, got, want);
			if (got == 0) {
				model[i] = NULL;
				count--;
			}
		} else {
			assert_ptr_equal(wp_flow_lookup(ft, &k), model[i]);
		}
		assert_int_equal(wp_flow_count(ft), count);
		if (op % 20000 == 19999)
			for (uint32_t j = 0; j < UNIVERSE; j++) {
				struct wp_flow_key kj = mkkey(j);
				assert_ptr_equal(wp_flow_lookup(ft, &kj), model[j]);
			}
	}
	/* the run did reach capacity, so -ENOSPC was exercised */
	assert_true(enospc > 0);
	wp_flow_table_free(ft);
}

static int
setup(void **state)
{
	(void)state;
	return wp_test_eal_init("test_flow", NULL);
}

static int
teardown(void **state)
{
	(void)state;
	wp_test_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_capacity_exact),
		cmocka_unit_test(test_same_name),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
