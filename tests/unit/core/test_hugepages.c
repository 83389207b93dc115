/* SPDX-License-Identifier: BSD-3-Clause */
/* HugePages_Free parser and the --no-huge decision, on fixture files
 * written to a fresh temporary directory. No EAL. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <warmpool/hugepages.h>

static char tmpdir[] = "/tmp/wpt-hugepages-XXXXXX";

static const char meminfo_head[] =
	"MemTotal:        8039708 kB\n"
	"MemFree:         1234567 kB\n"
	"MemAvailable:    5555555 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemHugePages:        0 kB\n"
	"FileHugePages:         0 kB\n"
	"HugePages_Total:      64\n";
static const char meminfo_tail[] =
	"HugePages_Rsvd:        0\n"
	"HugePages_Surp:        0\n"
	"Hugepagesize:       2048 kB\n"
	"Hugetlb:          131072 kB\n";

/* Write `len` bytes to tmpdir/name; returns the path (static buffer). */
static const char *
fixture(const char *name, const void *bytes, size_t len)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *
meminfo_with(const char *name, const char *free_line)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "%s%s%s", meminfo_head, free_line,
			meminfo_tail);

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	return fixture(name, buf, (size_t)n);
}

/* Parse from an exact-size heap copy: no NUL after the bytes, so ASan sees
 * any read past the end. */
static int
parse_exact(const void *bytes, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	ret = wp_hugepages_parse(copy, len);
	free(copy);
	return ret;
}

static void
test_normal(void **state)
{
	(void)state;
	assert_int_equal(wp_hugepages_free(meminfo_with("normal",
			"HugePages_Free:       17\n")), 17);
	assert_int_equal(wp_hugepages_free(meminfo_with("tab",
			"HugePages_Free:\t3\t\n")), 3);
	assert_int_equal(wp_hugepages_free(meminfo_with("crlf",
			"HugePages_Free:       5\r\n")), 5);
	assert_int_equal(wp_hugepages_free(meminfo_with("max",
			"HugePages_Free: 2147483647\n")), INT_MAX);
	/* last line without a newline */
	assert_int_equal(parse_exact("HugePages_Free: 9", 17), 9);
	/* the real file parses to something sane */
	assert_true(wp_hugepages_free(NULL) >= 0);
}

static void
test_zero_free(void **state)
{
	(void)state;
	assert_int_equal(wp_hugepages_free(meminfo_with("zero",
			"HugePages_Free:        0\n")), 0);
}

static void
test_missing_field(void **state)
{
	char buf[1024];
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf), "%s%s", meminfo_head, meminfo_tail);
	assert_int_equal(wp_hugepages_free(fixture("missing", buf, (size_t)n)),
			-ENODATA);
	assert_int_equal(wp_hugepages_free(fixture("empty", "", 0)), -ENODATA);
	assert_int_equal(parse_exact("", 0), -ENODATA);
	/* near misses are not the field */
	assert_int_equal(parse_exact("HugePages_Freeish: 4\n", 21), -ENODATA);
	assert_int_equal(parse_exact(" HugePages_Free: 4\n", 19), -ENODATA);
	assert_int_equal(parse_exact("hugepages_free: 4\n", 18), -ENODATA);
	assert_int_equal(parse_exact("HugePages_Free", 14), -ENODATA);
	assert_int_equal(wp_hugepages_free("/nonexistent/wp/meminfo"), -ENOENT);
	assert_int_equal(wp_hugepages_free(tmpdir), -EISDIR);
}

static void
test_malformed_value(void **state)
{
	(void)state;
	assert_int_equal(wp_hugepages_free(meminfo_with("letters",
			"HugePages_Free:       12abc\n")), -EINVAL);
	assert_int_equal(wp_hugepages_free(meminfo_with("novalue",
			"HugePages_Free:\n")), -EINVAL);
	assert_int_equal(wp_hugepages_free(meminfo_with("negative",
			"HugePages_Free: -1\n")), -EINVAL);
	assert_int_equal(wp_hugepages_free(meminfo_with("unit",
			"HugePages_Free: 4 kB\n")), -EINVAL);
	assert_int_equal(wp_hugepages_free(meminfo_with("overflow",
			"HugePages_Free: 2147483648\n")), -ERANGE);
	assert_int_equal(wp_hugepages_free(meminfo_with("hugeoverflow",
			"HugePages_Free: 99999999999999999999999999999\n")),
			-ERANGE);
	assert_int_equal(parse_exact("HugePages_Free:", 15), -EINVAL);
}

static void
test_garbage_binary(void **state)
{
	unsigned char bin[4096];
	unsigned int i, seed = 12345;
	size_t len;

	(void)state;
	for (i = 0; i < sizeof(bin); i++) {
		seed = seed * 1103515245u + 12345u;
		bin[i] = (unsigned char)(seed >> 16);
	}
	bin[100] = 0; /* surely binary */
	assert_int_equal(wp_hugepages_free(fixture("binary", bin, sizeof(bin))),
			-EINVAL);
	/* NUL inside an otherwise good file */
	assert_int_equal(parse_exact("HugePages_Free: 1\0\n", 19), -EINVAL);
	assert_int_equal(parse_exact("HugePages_Free: 1\n\0", 19), -EINVAL);

	/* random buffers of every length: only documented answers, and ASan
	 * watches for any read past the end */
	for (len = 0; len < 600; len++) {
		unsigned char buf[600 + 20];
		int ret;

		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)(seed >> 16);
			if (buf[i] == 0)
				buf[i] = '\n';
		}
		if (len > 20 && len % 3 == 0)
			memcpy(buf + len / 2 - 10, "\nHugePages_Free: ", 17);
		ret = parse_exact(buf, len);
		assert_true(ret >= 0 || ret == -EINVAL || ret == -ENODATA ||
				ret == -ERANGE);
	}
}

/* Append a string to buf at *n (no NUL kept). */
static void
put(char *buf, size_t *n, const char *str)
{
	size_t l = strlen(str);

	memcpy(buf + *n, str, l);
	*n += l;
}

static void
test_long_lines(void **state)
{
	const size_t long_len = 20000, big = WP_MEMINFO_MAX_BYTES + 100;
	char *buf = malloc(big + 64);
	size_t n;

	(void)state;
	assert_non_null(buf);
	/* a very long line (no field in it), then the field: found */
	memset(buf, 'x', long_len);
	n = long_len;
	put(buf, &n, "\nHugePages_Free: 7\n");
	assert_int_equal(wp_hugepages_free(fixture("longline", buf, n)), 7);

	/* the key inside a long line, not at its start: not the field */
	memcpy(buf + 5000, "HugePages_Free: 99", 18);
	n = long_len;
	put(buf, &n, "\nMemFree: 1 kB\n");
	assert_int_equal(wp_hugepages_free(fixture("keyinside", buf, n)),
			-ENODATA);

	/* the field's own line padded to kilobytes of blanks: still fine */
	n = 0;
	put(buf, &n, "HugePages_Free:");
	memset(buf + n, ' ', 10000);
	n += 10000;
	put(buf, &n, "11\n");
	assert_int_equal(wp_hugepages_free(fixture("padded", buf, n)), 11);

	/* more than the budget: refused, whatever it holds */
	memset(buf, 'y', big);
	memcpy(buf, "HugePages_Free: 1\n", 18);
	assert_int_equal(wp_hugepages_free(fixture("toobig", buf, big)), -EFBIG);
	assert_int_equal(wp_hugepages_parse(buf, big), -EFBIG);
	/* exactly the budget is still read */
	assert_int_equal(wp_hugepages_free(fixture("budget", buf,
			WP_MEMINFO_MAX_BYTES)), 1);
	/* an endless file is read only up to the budget */
	assert_int_equal(wp_hugepages_free("/dev/zero"), -EFBIG);
	free(buf);
}

/* ---- the --no-huge decision ---- */

struct logcap {
	char *text;
	size_t len;
	FILE *f;
};

static void
logcap_open(struct logcap *l)
{
	l->text = NULL;
	l->len = 0;
	l->f = open_memstream(&l->text, &l->len);
	assert_non_null(l->f);
}

static void
logcap_close(struct logcap *l)
{
	fclose(l->f);
	free(l->text);
}

static int
decide(int argc, char **argv, const char *path, struct logcap *l)
{
	int ret = wp_hugepages_eal_fixup(argc, argv, path, l->f);

	fflush(l->f);
	return ret;
}

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void
test_decision(void **state)
{
	const char *zero, *some;
	struct logcap l;
	char *plain[] = { "warmpoold", "-l", "0-1", "--", "--verbose" };
	char *nohuge[] = { "warmpoold", "--no-huge", "-l", "0-1" };
	char *late[] = { "warmpoold", "-l", "0-1", "--", "--no-huge" };
	char *sockmem[] = { "warmpoold", "--socket-mem=512", "--" };
	char *hugedir[] = { "warmpoold", "--huge-dir", "/mnt/huge" };
	char *inmem[] = { "warmpoold", "--in-memory", "-l", "0-1", "--", "-v" };
	char *both[] = { "warmpoold", "--no-huge", "--in-memory" };
	char *prog_only[] = { "warmpoold" };
	char zpath[PATH_MAX], spath[PATH_MAX];

	(void)state;
	zero = meminfo_with("d-zero", "HugePages_Free:        0\n");
	snprintf(zpath, sizeof(zpath), "%s", zero);
	some = meminfo_with("d-some", "HugePages_Free:       12\n");
	snprintf(spath, sizeof(spath), "%s", some);

	/* zero free, nothing said: append, with one explanatory line */
	logcap_open(&l);
	assert_int_equal(decide(ARGC(plain), plain, zpath, &l),
			WP_EAL_ADD_NO_HUGE);
	assert_non_null(strstr(l.text, "no free hugepages (HugePages_Free=0 in "));
	assert_non_null(strstr(l.text, zpath));
	assert_non_null(strstr(l.text, "falling back to --no-huge"));
	assert_non_null(strstr(l.text, "sudo ./warmpool.sh hugepages"));
	assert_non_null(strchr(l.text, '\n'));
	assert_ptr_equal(strchr(l.text, '\n') + 1, l.text + l.len); /* one line */
	logcap_close(&l);

	logcap_open(&l);
	assert_int_equal(decide(ARGC(prog_only), prog_only, zpath, &l),
			WP_EAL_ADD_NO_HUGE);
	logcap_close(&l);

	/* --no-huge after "--" belongs to the application: still append */
	logcap_open(&l);
	assert_int_equal(decide(ARGC(late), late, zpath, &l),
			WP_EAL_ADD_NO_HUGE);
	logcap_close(&l);

	/* --in-memory cannot stay next to --no-huge (DPDK 22.11) */
	logcap_open(&l);
	assert_int_equal(decide(ARGC(inmem), inmem, zpath, &l),
			WP_EAL_ADD_NO_HUGE | WP_EAL_IN_MEMORY_TO_NO_SHCONF);
	assert_non_null(strstr(l.text, "--no-shconf"));
	assert_ptr_equal(strchr(l.text, '\n') + 1, l.text + l.len);
	logcap_close(&l);
	logcap_open(&l);
	assert_int_equal(decide(ARGC(both), both, spath, &l),
			WP_EAL_IN_MEMORY_TO_NO_SHCONF);
	assert_non_null(strstr(l.text, "--no-shconf"));
	logcap_close(&l);
	/* with hugepages, --in-memory is fine as it is */
	logcap_open(&l);
	assert_int_equal(decide(ARGC(inmem), inmem, spath, &l), 0);
	assert_int_equal(l.len, 0);
	logcap_close(&l);

	/* the user already said --no-huge, or asked for hugepages: leave it */
	logcap_open(&l);
	assert_int_equal(decide(ARGC(nohuge), nohuge, zpath, &l), 0);
	assert_int_equal(decide(ARGC(sockmem), sockmem, zpath, &l), 0);
	assert_int_equal(decide(ARGC(hugedir), hugedir, zpath, &l), 0);
	assert_int_equal(l.len, 0);
	logcap_close(&l);

	/* hugepages free: nothing to do, nothing said */
	logcap_open(&l);
	assert_int_equal(decide(ARGC(plain), plain, spath, &l), 0);
	assert_int_equal(l.len, 0);
	logcap_close(&l);

	/* unreadable meminfo: leave EAL alone, but say why */
	logcap_open(&l);
	assert_int_equal(decide(ARGC(plain), plain, "/nonexistent/meminfo", &l),
			0);
	assert_non_null(strstr(l.text, "cannot read HugePages_Free"));
	logcap_close(&l);

	/* bad arguments */
	logcap_open(&l);
	assert_int_equal(decide(0, plain, zpath, &l), -EINVAL);
	assert_int_equal(decide(2, NULL, zpath, &l), -EINVAL);
	logcap_close(&l);
}

static void
assert_argv(char **got, int got_argc, const char *const *want, int want_argc)
{
	int i;

	assert_non_null(got);
	assert_int_equal(got_argc, want_argc);
	for (i = 0; i < want_argc; i++)
		assert_string_equal(got[i], want[i]);
	assert_null(got[want_argc]);
}

static void
test_eal_argv(void **state)
{
	char *a[] = { "p", "--in-memory", "-l", "0-1", "--", "--in-memory", "x" };
	char *b[] = { "p", "-l", "0-1" };
	static const char *const a_both[] = { "p", "--no-shconf", "-l", "0-1",
		"--no-huge", "--", "--in-memory", "x" };
	static const char *const a_add[] = { "p", "--in-memory", "-l", "0-1",
		"--no-huge", "--", "--in-memory", "x" };
	static const char *const b_add[] = { "p", "-l", "0-1", "--no-huge" };
	char **v;
	int n = -1;

	(void)state;
	v = wp_hugepages_eal_argv(ARGC(a), a, 0, &n);
	assert_argv(v, n, (const char *const *)a, ARGC(a));
	free(v);
	v = wp_hugepages_eal_argv(ARGC(a), a,
			WP_EAL_ADD_NO_HUGE | WP_EAL_IN_MEMORY_TO_NO_SHCONF, &n);
	assert_argv(v, n, a_both, ARGC(a_both));
	free(v);
	v = wp_hugepages_eal_argv(ARGC(a), a, WP_EAL_ADD_NO_HUGE, &n);
	assert_argv(v, n, a_add, ARGC(a_add));
	free(v);
	v = wp_hugepages_eal_argv(ARGC(b), b, WP_EAL_ADD_NO_HUGE, &n);
	assert_argv(v, n, b_add, ARGC(b_add));
	free(v);

	errno = 0;
	assert_null(wp_hugepages_eal_argv(ARGC(b), b, 0x80, &n));
	assert_int_equal(errno, EINVAL);
	assert_null(wp_hugepages_eal_argv(0, b, 0, &n));
	assert_null(wp_hugepages_eal_argv(ARGC(b), b, 0, NULL));
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_zero_free),
		cmocka_unit_test(test_missing_field),
		cmocka_unit_test(test_malformed_value),
		cmocka_unit_test(test_garbage_binary),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_decision),
		cmocka_unit_test(test_eal_argv),
	};

	return cmocka_run_group_tests_name("core hugepages", tests, setup,
			teardown);
}
