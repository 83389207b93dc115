/* SPDX-License-Identifier: BSD-3-Clause */
/* wp_eal_init(): EAL starts through the wrapper, and its return value maps
 * back onto the caller's argv exactly like rte_eal_init()'s, whether or not
 * the hugepage fallback inserted "--no-huge" (it does when this machine has
 * no free hugepages; the mapping must hold either way). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include <warmpool/runtime.h>

#include "../wp_test.h"


static void
test_eal_init_argv_mapping(void **state)
{
	char prefix[64];
	char *argv[] = {
		"test_core_eal", "--in-memory", "--no-pci", "--no-telemetry",
		"--log-level=warning", "--file-prefix", prefix,
		"--lcores", "0@0,1@0", "--", "--app-opt", "value", NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	int n;

	(void)state;
	snprintf(prefix, sizeof(prefix), "wpt-core-eal-%d", (int)getpid());
	assert_int_equal(wp_eal_init(0, argv), -EINVAL);

	n = wp_eal_init(argc, argv);
	assert_true(n > 0);
	assert_int_equal(n, 9); /* the index of "--" */
	assert_int_equal(argc - n, 3);
	assert_string_equal(argv[n], "test_core_eal");
	assert_string_equal(argv[n + 1], "--app-opt");
	assert_string_equal(argv[n + 2], "value");
	assert_int_equal(rte_lcore_count(), 2);
	wp_test_eal_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eal_init_argv_mapping),
	};

	return cmocka_run_group_tests_name("core eal", tests, NULL, NULL);
}
