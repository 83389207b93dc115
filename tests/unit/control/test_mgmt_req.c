/* SPDX-License-Identifier: BSD-3-Clause */
/* Management listener requests (src/control/mgmt_req.c, contract
 * include/warmpool/mgmt_req.h): a table of requests with the route or the
 * status each must get, fed whole, split at every point and one byte at a
 * time. No EAL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/mgmt_req.h>

struct row {
	const char *req;
	int done;               /* a verdict is expected */
	uint8_t route;
	uint16_t status;
	const char *name;
	const char *allow;
};

#define H "HTTP/1.1\r\nHost: x\r\n\r\n"
static const struct row rows[] = {
	{ "GET /metrics " H, 1, WP_MGMT_R_METRICS, 0, "", NULL },
	{ "GET /metrics?name[]=x HTTP/1.0\r\n\r\n", 1, WP_MGMT_R_METRICS, 0, "", NULL },
	{ "GET /backends " H, 1, WP_MGMT_R_BACKENDS, 0, "", NULL },
	{ "GET /backends/ " H, 1, WP_MGMT_R_BACKENDS, 0, "", NULL },
	{ "POST /backends/b1/drain " H, 1, WP_MGMT_R_DRAIN, 0, "b1", NULL },
	{ "POST /backends/web_2.x-y/undrain HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
	  1, WP_MGMT_R_UNDRAIN, 0, "web_2.x-y", NULL },
	{ "POST /backends/b1/drain HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "3\r\nabc\r\n0\r\n\r\n", 1, WP_MGMT_R_DRAIN, 0, "b1", NULL },
	/* not yet complete: no verdict */
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", 0, WP_MGMT_R_NONE, 0, "", NULL },
	{ "POST /backends/b1/drain HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", 0,
	  WP_MGMT_R_NONE, 0, "", NULL },
	/* refused */
	{ "POST /metrics " H, 1, WP_MGMT_R_NONE, 405, "", "GET" },
	{ "HEAD /backends " H, 1, WP_MGMT_R_NONE, 405, "", "GET" },
	{ "GET /backends/b1/drain " H, 1, WP_MGMT_R_NONE, 405, "", "POST" },
	{ "GET / " H, 1, WP_MGMT_R_NONE, 404, "", NULL },
	{ "GET /metricsx " H, 1, WP_MGMT_R_NONE, 404, "", NULL },
	{ "POST /backends/b1/stop " H, 1, WP_MGMT_R_NONE, 404, "", NULL },
	{ "POST /backends/b1 " H, 1, WP_MGMT_R_NONE, 404, "", NULL },
	{ "POST /backends//drain " H, 1, WP_MGMT_R_NONE, 404, "", NULL },
	{ "POST /backends/a%2fb/drain " H, 1, WP_MGMT_R_NONE, 404, "", NULL },
	{ "POST /backends/0123456789012345678901234567890123/drain " H, 1, WP_MGMT_R_NONE,
	  404, "", NULL },
	{ "POST /backends/b1/drain/x " H, 1, WP_MGMT_R_NONE, 404, "", NULL },
	{ "POST /backends/b1/drain HTTP/1.1\r\nContent-Length: 4097\r\n\r\n", 1,
	  WP_MGMT_R_NONE, 413, "", NULL },
	{ "GET /metrics HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	  1, WP_MGMT_R_NONE, 400, "", NULL },
	{ "GET /metrics HTTP/2.0\r\n\r\n", 1, WP_MGMT_R_NONE, 505, "", NULL },
	{ "GET /metrics\r\n\r\n", 1, WP_MGMT_R_NONE, 400, "", NULL },
	{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 1, WP_MGMT_R_NONE, 400, "", NULL },
};

static void
check(const struct row *r, size_t cut, size_t step)
{
	static struct wp_mgmt_req q;
	size_t len = strlen(r->req), off = 0;
	int done = 0;

	wp_mgmt_req_init(&q);
	while (off < len && !done) {
		size_t n = step ? step : (off < cut ? cut - off : len - off);

		if (n > len - off)
			n = len - off;
		done = wp_mgmt_req_feed(&q, (const uint8_t *)r->req + off, n);
		off += n;
	}
	if (done != r->done || q.route != r->route || q.status != r->status ||
	    strcmp(q.name, r->name) != 0 ||
	    (r->allow != NULL && (q.allow == NULL || strcmp(q.allow, r->allow) != 0))) {
		print_error("'%s' (cut %zu, step %zu): done %d route %u status %u name '%s'\n",
			    r->req, cut, step, done, q.route, q.status, q.name);
		fail();
	}
}

static void
test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = strlen(rows[i].req);

		check(&rows[i], len, 0);
		check(&rows[i], 0, 1);
		for (size_t cut = 1; cut < len; cut++)
			check(&rows[i], cut, 0);
	}
}

/* A head over the framer's limits: 431/414, never a buffer overrun. */
static void
test_limits(void **state)
{
	static struct wp_mgmt_req q;
	static char big[8192];
	(void)state;

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	wp_mgmt_req_init(&q);
	assert_int_equal(wp_mgmt_req_feed(&q, (const uint8_t *)big, sizeof(big)), 1);
	assert_int_equal(q.status, 414);
	wp_mgmt_req_init(&q);
	assert_int_equal(wp_mgmt_req_feed(&q, (const uint8_t *)"GET /metrics HTTP/1.1\r\n", 23), 0);
	for (int i = 0; i < 400; i++) {
		if (wp_mgmt_req_feed(&q, (const uint8_t *)"X-Pad: aaaaaaaaaaaa\r\n", 21) == 1)
			break;
	}
	assert_int_equal(q.status, 431);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
