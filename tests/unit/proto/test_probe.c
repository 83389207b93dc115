/* SPDX-License-Identifier: BSD-3-Clause */
/* Health probes (src/proto/probe.c) on real TCP: stack A runs the prober,
 * stack B plays backends on several ports, each behaving one way:
 *
 *   80  HTTP, answers 200 and closes         81  accepts, never answers
 *   82  nobody listens (RST: refused)        83  answers garbage
 *   84  HTTP, answers 503                    85  accepts, then closes at once
 *
 * Every probe must end exactly once with the right outcome, with latency
 * on the virtual clock, and leave no flow and no mbuf behind. */
#include "../net/pair_harness.h"

#include <warmpool/probe.h>
#include <warmpool/tcp.h>

#include "../wp_test.h"

static struct wpp P;
static struct wp_prober *PR;

#define MAXR 64
static struct wp_probe_result results[MAXR];
static unsigned nresults;
static char last_request[512];

static void
on_done(void *arg, const struct wp_probe_result *r)
{
	(void)arg;
	assert_true(nresults < MAXR);
	results[nresults++] = *r;
}

static void
tick(int64_t now)
{
	if (PR != NULL)
		wp_prober_poll(PR, now);
}

/* ------------------------------------------------------------ backends */

static void
be_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	uint16_t port = (uint16_t)(uintptr_t)arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const char *ans = NULL;

	wp_tcp_recved(c, len);
	if (len < sizeof(last_request)) {
		const void *d = rte_pktmbuf_read(m, 0, len, last_request);

		memmove(last_request, d, len); /* read copies only split data */
		last_request[len] = '\0';
	}
	rte_pktmbuf_free(m);
	if (port == 80)
		ans = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	else if (port == 83)
		ans = "SMTP ready\r\n";
	else if (port == 84)
		ans = "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n";
	if (ans != NULL) {
		assert_int_equal(wp_tcp_send_bytes(c, ans, (uint32_t)strlen(ans)), 0);
		wp_tcp_close(c);
	}
}

static void
be_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	wp_tcp_close(c);
}

static void
be_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	(void)arg;
	(void)c;
	(void)why;
}

static void
be_accepted(void *listen_arg, struct wp_tcp_conn *c)
{
	wp_tcp_set_arg(c, listen_arg);
	if ((uintptr_t)listen_arg == 85)
		wp_tcp_close(c);
}

static const struct wp_tcp_cbs be_cbs = {
	.accepted = be_accepted,
	.data = be_data,
	.peer_closed = be_peer_closed,
	.closed = be_closed,
};

/* ------------------------------------------------------------ rig */

static void
rig_up(enum wp_probe_type type, uint32_t max_inflight)
{
	struct wp_prober_conf pc;
	static const uint16_t ports[] = { 80, 81, 83, 84, 85 };

	wpp_setup(&P, "probe_mp");
	for (unsigned i = 0; i < RTE_DIM(ports); i++)
		assert_int_equal(wp_tcp_listen(P.b, ports[i], &be_cbs,
				(void *)(uintptr_t)ports[i]), 0);
	memset(&pc, 0, sizeof(pc));
	pc.net = P.a;
	pc.type = (uint8_t)type;
	strcpy(pc.method, "GET");
	strcpy(pc.path, "/healthz");
	pc.expect_status = 200;
	pc.max_inflight = max_inflight;
	pc.done = on_done;
	PR = wp_prober_create(&pc, SOCKET_ID_ANY);
	assert_non_null(PR);
	P.tick = tick;
	nresults = 0;
	last_request[0] = '\0';
}

static int
teardown(void **state)
{
	(void)state;
	wp_prober_free(PR);
	PR = NULL;
	wpp_teardown(&P);
	return 0;
}

static const struct wp_probe_result *
result_of(uint64_t id)
{
	const struct wp_probe_result *r = NULL;

	for (unsigned i = 0; i < nresults; i++)
		if (results[i].id == id) {
			assert_null(r); /* exactly once */
			r = &results[i];
		}
	assert_non_null(r);
	return r;
}

static void
start(uint64_t id, uint16_t port, int64_t timeout)
{
	assert_int_equal(wp_prober_start(PR, id, (uint16_t)id, WPP_IP_B, port,
			P.now, P.now + timeout), 0);
}

/* ------------------------------------------------------------ tests */

static void
test_http_outcomes(void **state)
{
	struct wp_prober_stats st;

	(void)state;
	rig_up(WP_PROBE_HTTP, 8);
	start(1, 80, 500 * WPP_MS);
	start(2, 81, 500 * WPP_MS);
	start(3, 82, 500 * WPP_MS);
	start(4, 83, 500 * WPP_MS);
	start(5, 84, 500 * WPP_MS);
	start(6, 85, 500 * WPP_MS);
	wpp_pump(&P, 10, 1 * WPP_MS);
	/* everything but the silent backend is decided within a few RTTs */
	assert_int_equal(nresults, 5);
	assert_int_equal(result_of(1)->fail, WP_PROBE_OK);
	assert_int_equal(result_of(1)->status, 200);
	assert_true(result_of(1)->latency_ns >= 1 * WPP_MS);
	assert_true(result_of(1)->latency_ns <= 5 * WPP_MS);
	assert_int_equal(result_of(3)->fail, WP_PROBE_F_REFUSED);
	assert_int_equal(result_of(4)->fail, WP_PROBE_F_BAD_ANSWER);
	assert_int_equal(result_of(5)->fail, WP_PROBE_F_STATUS);
	assert_int_equal(result_of(5)->status, 503);
	assert_int_equal(result_of(6)->fail, WP_PROBE_F_RESET);
	/* the request the backend saw */
	assert_non_null(strstr(last_request, "GET /healthz HTTP/1.1\r\n"));
	assert_non_null(strstr(last_request, "Connection: close\r\n"));
	/* the silent one times out at its deadline, not before */
	wpp_pump(&P, 480, 1 * WPP_MS);
	assert_int_equal(nresults, 5);
	wpp_pump(&P, 20, 1 * WPP_MS);
	assert_int_equal(nresults, 6);
	assert_int_equal(result_of(2)->fail, WP_PROBE_F_TIMEOUT);
	assert_true(result_of(2)->latency_ns >= 500 * WPP_MS);
	wpp_pump(&P, 20, 10 * WPP_MS);
	wp_prober_stats(PR, &st);
	assert_int_equal(st.started, 6);
	assert_int_equal(st.ok, 1);
	assert_int_equal(st.failed[WP_PROBE_F_TIMEOUT], 1);
	assert_int_equal(st.failed[WP_PROBE_F_REFUSED], 1);
	assert_int_equal(st.inflight, 0);
}

static void
test_tcp_outcomes(void **state)
{
	(void)state;
	rig_up(WP_PROBE_TCP, 4);
	start(1, 81, 500 * WPP_MS); /* accepts: a TCP check is happy */
	start(2, 82, 500 * WPP_MS);
	wpp_pump(&P, 10, 1 * WPP_MS);
	assert_int_equal(nresults, 2);
	assert_int_equal(result_of(1)->fail, WP_PROBE_OK);
	assert_int_equal(result_of(1)->status, 0);
	assert_int_equal(result_of(2)->fail, WP_PROBE_F_REFUSED);
}

static void
test_busy_and_free_in_flight(void **state)
{
	struct wp_prober_stats st;

	(void)state;
	rig_up(WP_PROBE_HTTP, 2);
	start(1, 81, 10000 * WPP_MS);
	start(2, 81, 10000 * WPP_MS);
	assert_int_equal(wp_prober_start(PR, 3, 3, WPP_IP_B, 81, P.now, P.now + 1), -EBUSY);
	wpp_pump(&P, 5, 1 * WPP_MS);
	wp_prober_stats(PR, &st);
	assert_int_equal(st.inflight, 2);
	assert_int_equal(st.failed[WP_PROBE_OK], 1); /* the refused start */
	/* freeing with probes in flight aborts them silently */
	wp_prober_free(PR);
	PR = NULL;
	assert_int_equal(nresults, 0);
}

static void
test_bad_conf(void **state)
{
	struct wp_prober_conf pc;

	(void)state;
	wpp_setup(&P, "probe_mp");
	memset(&pc, 0, sizeof(pc));
	pc.net = P.a;
	pc.type = WP_PROBE_HTTP;
	pc.max_inflight = 1;
	pc.done = on_done;
	pc.expect_status = 200;
	strcpy(pc.method, "GET");
	strcpy(pc.path, "/a b"); /* would split the request line */
	errno = 0;
	assert_null(wp_prober_create(&pc, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	strcpy(pc.path, "/");
	strcpy(pc.method, "POST");
	assert_null(wp_prober_create(&pc, SOCKET_ID_ANY));
	strcpy(pc.method, "HEAD");
	pc.expect_status = 99;
	assert_null(wp_prober_create(&pc, SOCKET_ID_ANY));
	pc.expect_status = 204;
	PR = wp_prober_create(&pc, SOCKET_ID_ANY);
	assert_non_null(PR);
	assert_string_equal(wp_probe_fail_name(WP_PROBE_F_STATUS), "status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_http_outcomes, teardown),
		cmocka_unit_test_teardown(test_tcp_outcomes, teardown),
		cmocka_unit_test_teardown(test_busy_and_free_in_flight, teardown),
		cmocka_unit_test_teardown(test_bad_conf, teardown),
	};
	int ret;

	if (wp_test_eal_init("test_probe", NULL) < 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	wp_test_eal_cleanup();
	return ret;
}
