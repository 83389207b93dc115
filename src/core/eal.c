/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL start-up with the hugepage fallback.
 *
 * wp_eal_init() is rte_eal_init() plus one decision taken beforehand
 * (hugepages.c): if no hugepages are free and the user did not say
 * anything about hugepages, "--no-huge" is inserted at the end of the EAL
 * options, i.e. just before "--" (or at the end when there is no "--");
 * and since DPDK 22.11 refuses --in-memory with --no-huge, --in-memory
 * then becomes --no-shconf (all it means without hugepages).
 *
 * EAL is handed a copy of argv so that the caller's array keeps its shape,
 * and the return value is translated back to the caller's argv: it is used
 * exactly like rte_eal_init()'s (argc -= n; argv += n), and argv[n] is set
 * to the program name the way EAL does it, so getopt on the application
 * options sees a normal argv[0].
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include <warmpool/hugepages.h>
#include <warmpool/runtime.h>

int
wp_eal_init(int argc, char **argv)
{
	char **eal_argv = NULL;
	int flags, eal_argc, add, ret;

	if (argc < 1 || argv == NULL)
		return -EINVAL;

	flags = wp_hugepages_eal_fixup(argc, argv, NULL, NULL);
	if (flags < 0)
		return flags;
	eal_argv = wp_hugepages_eal_argv(argc, argv, flags, &eal_argc);
	if (eal_argv == NULL)
		return -errno;
	add = eal_argc - argc;

	ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		ret = rte_errno ? -rte_errno : -EINVAL;
		goto out;
	}
	/* what EAL consumed, less what we inserted (all before "--") */
	ret -= add;
	if (ret > 0 && ret < argc)
		argv[ret] = argv[0];
out:
	free(eal_argv);
	return ret;
}
