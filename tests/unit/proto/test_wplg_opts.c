/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-loadgen's option parsing and request (dpdk_apps/wp-loadgen/opts.c)
 * and its JSON report (report.c): no EAL, no stack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/hist.h>

#include "wplg.h"

static struct wplg_opts O;
static char err[512];

/* parse("a b c"): split on spaces, argv[0] = "wp-loadgen" */
static int
parse(const char *line)
{
	static char buf[2048];
	char *argv[64], *tok, *save = NULL;
	int argc = 0;
	FILE *null = fopen("/dev/null", "w");
	int rc;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = "wp-loadgen";
	for (tok = strtok_r(buf, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	rc = wplg_opts_parse(&O, argc, argv, null, err, sizeof(err));
	fclose(null);
	return rc;
}

static void
test_defaults_and_url(void **state)
{
	uint8_t req[4096];
	int n;

	(void)state;
	assert_int_equal(parse("--ip 198.18.2.20/24 http://198.18.2.2:8080/files/1000"), 0);
	assert_int_equal(O.conns, 10);
	assert_int_equal(O.depth, 1);
	assert_int_equal(O.mode, WP_LG_CLOSED);
	assert_true(O.duration_s == 10 && O.warmup_s == 2 && O.timeout_s == 2);
	assert_int_equal(O.dst_ip, 0xc6120202u);
	assert_int_equal(O.dst_port, 8080);
	assert_int_equal(O.src_ip, 0xc6120214u);
	assert_int_equal(O.prefix_len, 24);
	assert_string_equal(O.path, "/files/1000");
	assert_string_equal(O.host, "198.18.2.2:8080");
	n = wplg_build_request(&O, req, sizeof(req));
	assert_true(n > 0);
	req[n] = '\0';
	assert_string_equal((char *)req,
		"GET /files/1000 HTTP/1.1\r\nHost: 198.18.2.2:8080\r\n\r\n");
	/* no port, no path; options after the URL too */
	assert_int_equal(parse("http://198.18.2.2 --ip 198.18.2.20/24 -c 7"), 0);
	assert_int_equal(O.dst_port, 80);
	assert_string_equal(O.path, "/");
	assert_int_equal(O.conns, 7);
}

static void
test_open_loop_and_headers(void **state)
{
	uint8_t req[4096];
	int n;

	(void)state;
	assert_int_equal(parse("--ip 198.18.2.20/24 -R 5000 --poisson -k 4 -m HEAD "
			       "-H X-A:1 -H X-B:2 --json -q http://198.18.2.2/x"), 0);
	assert_int_equal(O.mode, WP_LG_POISSON);
	assert_true(O.rate == 5000);
	assert_int_equal(O.depth, 4);
	assert_int_equal(O.method, WP_HTTP1_M_HEAD);
	assert_true(O.json && O.quiet);
	n = wplg_build_request(&O, req, sizeof(req));
	req[n] = '\0';
	assert_string_equal((char *)req,
		"HEAD /x HTTP/1.1\r\nHost: 198.18.2.2\r\nX-A:1\r\nX-B:2\r\n\r\n");
	assert_int_equal(parse("--ip 198.18.2.20/24 -R 100 http://198.18.2.2/"), 0);
	assert_int_equal(O.mode, WP_LG_CONSTANT);
	assert_int_equal(O.idle, WPLG_IDLE_YIELD);
	assert_int_equal(parse("--ip 198.18.2.20/24 --idle sleep:50 http://198.18.2.2/"), 0);
	assert_int_equal(O.idle, WPLG_IDLE_SLEEP);
	assert_int_equal(O.idle_sleep_us, 50);
	assert_int_equal(parse("--ip 198.18.2.20/24 --idle spin http://198.18.2.2/"), 0);
	assert_int_equal(O.idle, WPLG_IDLE_SPIN);
}

static void
test_refusals(void **state)
{
	static const struct {
		const char *args, *want;
	} bad[] = {
		{ "http://198.18.2.2/", "--ip" },                              /* no --ip */
		{ "--ip 198.18.2.20/24", "no URL" },
		{ "--ip 198.18.2.20/24 https://198.18.2.2/", "only http://" },
		{ "--ip 198.18.2.20/24 http://example.com/", "numeric IPv4" },
		{ "--ip 198.18.2.20/24 http://198.18.2.2:0/", "port" },
		{ "--ip 198.18.2.20/24 http://198.18.2.2:70000/", "port" },
		{ "--ip 198.18.2.20/24 -c 0 http://198.18.2.2/", "-c" },
		{ "--ip 198.18.2.20/24 -k 65 http://198.18.2.2/", "-k" },
		{ "--ip 198.18.2.20/24 -R -5 http://198.18.2.2/", "bad value" },
		{ "--ip 198.18.2.20/24 --poisson http://198.18.2.2/", "--poisson needs --rate" },
		{ "--ip 198.18.2.20/24 -d 0 http://198.18.2.2/", "-d" },
		{ "--ip 198.18.2.20/24 --backlog 1000 http://198.18.2.2/", "--backlog" },
		{ "--ip 198.18.2.20/24 -m BREW http://198.18.2.2/", "-m" },
		{ "--ip 198.18.2.20/24 --idle sleep:0 http://198.18.2.2/", "--idle" },
		{ "--ip 198.18.2.20/24 --idle nap http://198.18.2.2/", "--idle" },
		{ "--ip 198.18.2.20/24 -H NoColon http://198.18.2.2/", "Name: value" },
		{ "--ip 198.18.2.20 http://198.18.2.2/", "--ip" },           /* no /LEN */
		{ "--ip 198.18.2.20/24 http://198.18.9.2/", "no --gateway" },
		{ "--ip 198.18.2.20/24 --bogus http://198.18.2.2/", "unknown" },
		{ "--ip 198.18.2.20/24 http://198.18.2.2/ http://198.18.2.3/", "one URL" },
		{ "--ip 198.18.2.20/24 http://198.18.2.2/a\"b", "path" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].args);

		if (rc != -22 || strstr(err, bad[i].want) == NULL)
			fail_msg("'%s': rc %d, message '%s', want -22 and '%s'", bad[i].args, rc,
				 err, bad[i].want);
	}
	/* an off-link target is fine with a gateway */
	assert_int_equal(parse("--ip 198.18.2.20/24 --gateway 198.18.2.1 http://198.18.9.2/"), 0);
	assert_int_equal(O.gateway, 0xc6120201u);
}

static void
test_help(void **state)
{
	(void)state;
	assert_int_equal(parse("--help"), 1);
	assert_int_equal(parse("-c 3 -h"), 1);
}

static void
test_json_report(void **state)
{
	struct wp_lg_stats s;
	struct wplg_run r = { .workers = 2, .measured_s = 2.0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(parse("--ip 198.18.2.20/24 -c 4 http://198.18.2.2/"), 0);
	memset(&s, 0, sizeof(s));
	s.completed = 1000;
	s.in_window = 1000;
	s.status[2] = 990;
	s.status[5] = 10;
	s.errors[WP_LG_E_TIMEOUT] = 3;
	s.bad_response[WP_HTTP1_E_STATUS] = 1;
	for (int i = 1; i <= 1000; i++)
		wp_hist_add(&s.lat, (uint64_t)i * 1000);
	f = open_memstream(&buf, &len);
	wplg_report_json(f, &O, &r, &s);
	fclose(f);
	assert_non_null(strstr(buf, "\"requests\": 1000, \"in_window\": 1000, \"rps\": 500.0,"));
	assert_non_null(strstr(buf, "\"5xx\": 10"));
	assert_non_null(strstr(buf, "\"timeout\": 3,"));
	assert_non_null(strstr(buf, "\"total\": 3}"));
	assert_non_null(strstr(buf, "\"bad_response\": {\"status\": 1}"));
	assert_non_null(strstr(buf, "\"max\": 1000.0"));
	assert_non_null(strstr(buf, "\"fatal\": null}\n"));
	assert_ptr_equal(strchr(buf, '\n'), buf + len - 1);      /* one line */
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_url),
		cmocka_unit_test(test_open_loop_and_headers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_json_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
