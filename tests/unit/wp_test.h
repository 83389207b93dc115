/* Shared helpers for cmocka unit tests.
 *
 * wp_test_eal_init() starts EAL the way every unit test must: no hugepages,
 * no shared runtime files (--no-shconf; --in-memory is refused with
 * --no-huge in DPDK 22.11), no PCI scan, and a --file-prefix unique to
 * the test so parallel tests never collide. Tests that need more lcores
 * pass them in `lcores` (DPDK --lcores syntax, e.g. "0@0,1@0").
 */
#ifndef WP_TEST_H
#define WP_TEST_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <rte_eal.h>
#include <warmpool/clock.h>

static inline int
wp_test_eal_init(const char *name, const char *lcores)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "wpt-%s-%d", name, (int)getpid());
	char *argv[] = {
		(char *)name, "--no-huge", "--no-shconf", "--no-pci",
		"--no-telemetry", "-m", "256", "--log-level=warning",
		"--file-prefix", prefix, "--lcores", (char *)(lcores ? lcores : "0@0"),
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0]));
	int ret = rte_eal_init(argc, argv);
	if (ret < 0)
		fprintf(stderr, "%s: rte_eal_init failed (%d)\n", name, ret);
	return ret < 0 ? ret : 0;
}

/* rte_eal_cleanup(), then remove the test's runtime directory
 * (/var/run/dpdk/<file-prefix>): EAL leaves it behind, empty with
 * --no-shconf, and one per test run adds up. rmdir() only removes it if
 * empty, so nothing of anybody else's can go. */
static inline void
wp_test_eal_cleanup(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (dir[0] != '\0')
		rmdir(dir);
}

#endif
