/* SPDX-License-Identifier: BSD-3-Clause */
/* Hugepage detection and the --no-huge fallback for EAL start-up.
 *
 * warmpool wants its per-core state in hugepages, but a machine without
 * reserved hugepages should still start (slower, and loudly) rather than
 * fail inside EAL with a message about mmap. These functions read
 * HugePages_Free from a meminfo-format file and decide whether the EAL
 * argument list needs "--no-huge" appended. They run before EAL exists,
 * so they use only libc.
 */
#ifndef WARMPOOL_HUGEPAGES_H
#define WARMPOOL_HUGEPAGES_H

#include <stddef.h>
#include <stdio.h>

#define WP_MEMINFO_PATH "/proc/meminfo"
/* Inputs larger than this are refused (-EFBIG): /proc/meminfo is ~1.5 KiB. */
#define WP_MEMINFO_MAX_BYTES (64u * 1024u)

/* Parse meminfo-format bytes (need not be NUL-terminated) and return the
 * value of the "HugePages_Free:" line, or a negative errno:
 *   -ENODATA  no HugePages_Free line
 *   -EINVAL   a NUL byte in the input, or a HugePages_Free line whose value
 *             is not a plain decimal number followed only by blanks
 *   -ERANGE   value above INT_MAX
 *   -EFBIG    len > WP_MEMINFO_MAX_BYTES
 * Pure: no I/O, no allocation, any bytes are safe. */
int wp_hugepages_parse(const char *buf, size_t len);

/* Read at most WP_MEMINFO_MAX_BYTES (+1 to detect overflow) from `path`
 * (NULL = /proc/meminfo) and parse it as above. Open or read errors return
 * -errno. */
int wp_hugepages_free(const char *path);

/* What wp_hugepages_eal_fixup() asks to change in the EAL options. */
enum wp_eal_fixup {
	WP_EAL_ADD_NO_HUGE = 1 << 0,  /* append "--no-huge" */
	/* DPDK 22.11 refuses --in-memory together with --no-huge (no-huge
	 * implies legacy memory, which in-memory rejects). Without hugepages
	 * the only thing --in-memory adds over --no-shconf is unlinking
	 * hugepage files, which do not exist, so it is replaced by
	 * "--no-shconf". */
	WP_EAL_IN_MEMORY_TO_NO_SHCONF = 1 << 1,
};

/* Decide how to adjust the EAL options for the hugepages at hand.
 * argv[0] is the program name; EAL options end at "--" or at argc.
 * - WP_EAL_ADD_NO_HUGE when the EAL options contain neither --no-huge nor
 *   an explicit hugepage option (--socket-mem, --socket-limit, --huge-dir)
 *   and `meminfo_path` (NULL = /proc/meminfo) reports zero free hugepages;
 * - WP_EAL_IN_MEMORY_TO_NO_SHCONF when --no-huge is then in effect (given
 *   or added) and --in-memory is among the EAL options.
 * Each change is explained in one line on `log` (NULL = stderr); a line is
 * also written when meminfo cannot be read (and nothing is added).
 * Returns a set of enum wp_eal_fixup flags (0: leave argv alone), or
 * -EINVAL on bad arguments. */
int wp_hugepages_eal_fixup(int argc, char *const argv[],
		const char *meminfo_path, FILE *log);

/* Build the adjusted EAL argument vector: a calloc()ed array of argc + 1
 * (or + 2) pointers, NULL-terminated, whose strings are argv's own or
 * static ones; free it with free(). *out_argc gets its length. Arguments
 * after "--" are never touched, and everything inserted goes before "--",
 * so EAL consumes exactly `flags & WP_EAL_ADD_NO_HUGE` more arguments than
 * it would have from argv. NULL and errno (EINVAL, ENOMEM) on failure. */
char **wp_hugepages_eal_argv(int argc, char *const argv[], int flags,
		int *out_argc);

#endif /* WARMPOOL_HUGEPAGES_H */
