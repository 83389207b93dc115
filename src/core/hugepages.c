/* SPDX-License-Identifier: BSD-3-Clause */
/* Hugepage detection: the --no-huge fallback.
 *
 * EAL without hugepages fails with messages about mmap and hugetlbfs that
 * say little about what to do. Before EAL starts we read HugePages_Free
 * from /proc/meminfo (any meminfo-format file, so tests use fixtures) and,
 * when none are free and the user expressed no hugepage wish, append
 * "--no-huge" and say so in one line that tells how to reserve them.
 *
 * The file is outside input: it is read with one bounded read into a fixed
 * budget (WP_MEMINFO_MAX_BYTES), the parser works on (pointer, length)
 * without relying on a terminating NUL, refuses NUL bytes, checks for
 * overflow, and never asserts on content. It only knows the default
 * hugepage size's counter (HugePages_Free); pages of other sizes reserved
 * through /sys are not seen, which at worst means a needless --no-huge.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <warmpool/hugepages.h>

#define WP_HP_KEY "HugePages_Free:"
#define WP_DIM(a) (sizeof(a) / sizeof((a)[0]))

static bool
wp_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Value part of a "HugePages_Free:" line: blanks, digits, blanks. */
static int
wp_hp_parse_value(const char *p, const char *end)
{
	long long v = 0;
	bool digits = false;

	while (p < end && wp_is_blank(*p))
		p++;
	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX)
			return -ERANGE;
		digits = true;
		p++;
	}
	while (p < end && wp_is_blank(*p))
		p++;
	if (!digits || p != end)
		return -EINVAL;
	return (int)v;
}

int
wp_hugepages_parse(const char *buf, size_t len)
{
	const char *p, *end;
	const size_t klen = sizeof(WP_HP_KEY) - 1;

	if (buf == NULL && len != 0)
		return -EINVAL;
	if (len > WP_MEMINFO_MAX_BYTES)
		return -EFBIG;
	if (len != 0 && memchr(buf, '\0', len) != NULL)
		return -EINVAL; /* meminfo is text; binary is not meminfo */

	p = buf;
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) >= klen && memcmp(p, WP_HP_KEY, klen) == 0)
			return wp_hp_parse_value(p + klen, eol);
		p = nl ? nl + 1 : end;
	}
	return -ENODATA;
}

int
wp_hugepages_free(const char *path)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n;
	int ret;

	if (path == NULL)
		path = WP_MEMINFO_PATH;
	buf = malloc(WP_MEMINFO_MAX_BYTES + 1);
	if (buf == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	f = fopen(path, "re");
	if (f == NULL) {
		ret = -errno;
		goto out;
	}
	/* one bounded read: at most the budget plus one byte to detect excess */
	n = fread(buf, 1, WP_MEMINFO_MAX_BYTES + 1, f);
	if (ferror(f)) {
		ret = errno ? -errno : -EIO;
		goto out;
	}
	ret = wp_hugepages_parse(buf, n);
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return ret;
}

/* Index of "--" among argv[1..argc-1], or argc. */
static int
wp_eal_end(int argc, char *const argv[])
{
	int i;

	for (i = 1; i < argc && argv[i] != NULL; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return i;
}

static bool
wp_has_opt(int end, char *const argv[], const char *opt)
{
	size_t l = strlen(opt);
	int i;

	for (i = 1; i < end; i++)
		if (strncmp(argv[i], opt, l) == 0 &&
		    (argv[i][l] == '\0' || argv[i][l] == '='))
			return true;
	return false;
}

int
wp_hugepages_eal_fixup(int argc, char *const argv[],
		const char *meminfo_path, FILE *log)
{
	static const char *const explicit_huge[] = {
		"--socket-mem", "--socket-limit", "--huge-dir",
	};
	const char *path = meminfo_path ? meminfo_path : WP_MEMINFO_PATH;
	bool no_huge, in_memory;
	int end, flags = 0, free_pages;
	size_t k;

	if (argc < 1 || argv == NULL)
		return -EINVAL;
	if (log == NULL)
		log = stderr;
	end = wp_eal_end(argc, argv);
	no_huge = wp_has_opt(end, argv, "--no-huge");
	in_memory = wp_has_opt(end, argv, "--in-memory");

	if (no_huge)
		goto in_memory_check;
	for (k = 0; k < WP_DIM(explicit_huge); k++)
		if (wp_has_opt(end, argv, explicit_huge[k]))
			return 0; /* the user wants hugepages: let EAL say why not */

	free_pages = wp_hugepages_free(path);
	if (free_pages < 0) {
		fprintf(log, "warmpool: cannot read HugePages_Free from %s (%s); "
				"leaving EAL options unchanged\n",
				path, strerror(-free_pages));
		return 0;
	}
	if (free_pages > 0)
		return 0;
	flags |= WP_EAL_ADD_NO_HUGE;
	fprintf(log, "warmpool: no free hugepages (HugePages_Free=0 in %s); "
			"falling back to --no-huge%s. Reserve them with: "
			"sudo ./warmpool.sh hugepages\n", path,
			in_memory ? " (and --no-shconf for --in-memory)" : "");
	if (in_memory)
		flags |= WP_EAL_IN_MEMORY_TO_NO_SHCONF;
	return flags;

in_memory_check:
	if (in_memory) {
		flags |= WP_EAL_IN_MEMORY_TO_NO_SHCONF;
		fprintf(log, "warmpool: DPDK refuses --in-memory with --no-huge; "
				"using --no-shconf instead (the same without "
				"hugepages)\n");
	}
	return flags;
}

char **
wp_hugepages_eal_argv(int argc, char *const argv[], int flags, int *out_argc)
{
	static char no_huge[] = "--no-huge";
	static char no_shconf[] = "--no-shconf";
	int add = (flags & WP_EAL_ADD_NO_HUGE) ? 1 : 0;
	char **v;
	int end, i, n = 0;

	if (argc < 1 || argv == NULL || out_argc == NULL ||
	    (flags & ~(WP_EAL_ADD_NO_HUGE | WP_EAL_IN_MEMORY_TO_NO_SHCONF))) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL) {
			errno = EINVAL;
			return NULL;
		}
	}
	v = calloc((size_t)argc + (size_t)add + 1, sizeof(*v));
	if (v == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	end = wp_eal_end(argc, argv);
	for (i = 0; i < end; i++) {
		if (i > 0 && (flags & WP_EAL_IN_MEMORY_TO_NO_SHCONF) &&
		    strcmp(argv[i], "--in-memory") == 0)
			v[n++] = no_shconf;
		else
			v[n++] = argv[i];
	}
	if (add)
		v[n++] = no_huge;
	for (; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	*out_argc = n;
	return v;
}
