/* SPDX-License-Identifier: BSD-3-Clause */
/* The load generator engine (src/proto/loadgen.c) on two stacks in memory
 * (pair_harness.h, virtual clock): stack A runs wp_lg, stack B a small
 * HTTP/1.1 responder framed by wp_http1 that can stall, talk another
 * protocol or stay silent. Also the open-loop schedule and the merge of
 * per-core results. */
#include <inttypes.h>
#include <math.h>

#include "../net/pair_harness.h"

#include <warmpool/hist.h>
#include <warmpool/loadgen.h>
#include <warmpool/tcp.h>

#include "../wp_test.h"

#define PORT 8080
#define US 1000LL

/* ---- the responder on stack B ------------------------------------------ */

enum srv_kind { SRV_HTTP = 0, SRV_BANNER, SRV_SILENT };

struct srv_conn {
	struct wp_tcp_conn *c;
	struct wp_http1 req;
	unsigned pending;            /* framed requests not yet answered */
};

static struct {
	enum srv_kind kind;
	int64_t stall_from, stall_to;  /* hold answers in [from, to) */
	struct srv_conn conns[64];
	uint64_t requests, answered;
} S;

static struct wpp P;
static struct wp_lg *LG;

static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

static void
srv_answer(struct srv_conn *sc)
{
	while (sc->pending > 0) {
		assert_int_equal(wp_tcp_send_bytes(sc->c, resp, sizeof(resp) - 1), 0);
		sc->pending--;
		S.answered++;
	}
}

static bool
stalled(int64_t now)
{
	return now >= S.stall_from && now < S.stall_to;
}

static void
srv_accepted(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	for (unsigned i = 0; i < RTE_DIM(S.conns); i++)
		if (S.conns[i].c == NULL) {
			S.conns[i].c = c;
			S.conns[i].pending = 0;
			wp_http1_init(&S.conns[i].req, WP_HTTP1_REQUEST, WP_HTTP1_M_GET, NULL);
			wp_tcp_set_arg(c, &S.conns[i]);
			if (S.kind == SRV_BANNER)
				wp_tcp_send_bytes(c, "SSH-2.0-OpenSSH_9.2\r\n", 21);
			return;
		}
	fail_msg("responder: out of connection slots");
}

static void
srv_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct srv_conn *sc = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m), off = 0;

	while (off < len && S.kind == SRV_HTTP) {
		long r = wp_http1_feed_mbuf(&sc->req, m, off);

		assert_true(r >= 0);
		off += (uint32_t)r;
		if (sc->req.done) {
			S.requests++;
			sc->pending++;
			wp_http1_reset(&sc->req, WP_HTTP1_M_GET);
		}
	}
	wp_tcp_recved(c, len);
	rte_pktmbuf_free(m);
	if (!stalled(P.now))
		srv_answer(sc);
}

static void
srv_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	wp_tcp_close(c);
}

static void
srv_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct srv_conn *sc = arg;

	(void)c;
	(void)why;
	if (sc != NULL)
		sc->c = NULL;
}

static const struct wp_tcp_cbs srv_cbs = {
	.accepted = srv_accepted,
	.data = srv_data,
	.peer_closed = srv_peer_closed,
	.closed = srv_closed,
};

/* After every harness step: the responder's held answers, then the engine. */
static void
tick(int64_t now)
{
	if (!stalled(now))
		for (unsigned i = 0; i < RTE_DIM(S.conns); i++)
			if (S.conns[i].c != NULL && S.conns[i].pending > 0)
				srv_answer(&S.conns[i]);
	if (LG != NULL) {
		wp_lg_input_time(LG, now);
		wp_lg_poll(LG, now);
	}
}

static const char req_get[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

static void
lg_setup(enum srv_kind kind, bool listen)
{
	memset(&S, 0, sizeof(S));
	S.kind = kind;
	S.stall_from = S.stall_to = INT64_MAX;
	wpp_setup(&P, "lg_mp");
	P.tick = tick;
	if (listen)
		assert_int_equal(wp_tcp_listen(P.b, PORT, &srv_cbs, NULL), 0);
}

static void
lg_conf(struct wp_lg_conf *c, enum wp_lg_mode mode, uint32_t conns, uint32_t depth,
	double rate)
{
	memset(c, 0, sizeof(*c));
	c->net = P.a;
	c->dst_ip = WPP_IP_B;
	c->dst_port = PORT;
	c->conns = conns;
	c->depth = depth;
	c->mode = mode;
	c->rate = rate;
	c->req = (const uint8_t *)req_get;
	c->req_len = sizeof(req_get) - 1;
	c->method = WP_HTTP1_M_GET;
	c->timeout_ns = 500 * WPP_MS;
	c->start_ns = P.now;
	c->measure_ns = P.now + 200 * WPP_MS;
	c->end_ns = c->measure_ns + 1000 * WPP_MS;
	c->seed = 7;
	c->socket = SOCKET_ID_ANY;
}

/* Pump 100 us steps until the engine is finished (or `limit` of virtual
 * time passed: then the test fails). */
static void
run_to_end(int64_t limit)
{
	int64_t end = P.now + limit;

	while (!wp_lg_finished(LG) && P.now < end)
		wpp_pump(&P, 10, 100 * US);
	assert_true(wp_lg_finished(LG));
}

static void
lg_teardown(void)
{
	wp_lg_free(LG);
	LG = NULL;
	wpp_teardown(&P);
}

static uint64_t
errors_total(const struct wp_lg_stats *s)
{
	uint64_t n = 0;

	for (int e = 0; e < WP_LG_E__COUNT; e++)
		n += s->errors[e];
	return n;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_closed_loop_counts(void **state)
{
	struct wp_lg_conf c;
	struct wp_lg_stats s;

	(void)state;
	lg_setup(SRV_HTTP, true);
	lg_conf(&c, WP_LG_CLOSED, 4, 2, 0);
	LG = wp_lg_create(&c, NULL);
	assert_non_null(LG);
	run_to_end(5000 * WPP_MS);
	wp_lg_stats(LG, &s);
	assert_int_equal(wp_lg_fatal(LG, NULL), WP_LG_F_NONE);
	assert_int_equal(errors_total(&s), 0);
	assert_true(s.completed > 1000);
	assert_int_equal(s.status[2], s.completed);
	assert_int_equal(s.lat.total, s.completed);
	/* every request sent over the run was answered, and the server saw
	 * exactly the requests we counted as answered */
	assert_int_equal(s.outstanding, 0);
	assert_int_equal(s.completed_all, S.requests);
	/* whole responses only: what came in during the window is a multiple
	 * of the response, and at least the measured ones */
	assert_int_equal(s.bytes_in % (sizeof(resp) - 1), 0);
	assert_true(s.bytes_in >= (sizeof(resp) - 1) * s.completed);
	assert_int_equal(s.connects, 4);
	assert_int_equal(s.connected, 4);
	assert_int_equal(s.open_conns, 0);
	lg_teardown();
}

/* The server holds every answer for 200 ms. At 1000 req/s constant the
 * requests intended during the stall wait for it, and their wait counts:
 * about 200 of the 1000 measured requests are late, most of them by 50 ms
 * or more. A generator that timed from the actual send (one
 * connection, one request at a time) would record ONE slow request. */
static void
test_open_loop_no_coordinated_omission(void **state)
{
	struct wp_lg_conf c;
	struct wp_lg_stats s;
	uint64_t slow = 0;

	(void)state;
	lg_setup(SRV_HTTP, true);
	lg_conf(&c, WP_LG_CONSTANT, 1, 1, 1000);
	S.stall_from = c.measure_ns + 300 * WPP_MS;
	S.stall_to = S.stall_from + 200 * WPP_MS;
	LG = wp_lg_create(&c, NULL);
	assert_non_null(LG);
	run_to_end(5000 * WPP_MS);
	wp_lg_stats(LG, &s);
	assert_int_equal(errors_total(&s), 0);
	assert_int_equal(s.intended, 1000);     /* exactly rate x 1 s */
	assert_int_equal(s.completed, 1000);
	assert_true(s.in_window >= 990 && s.in_window <= 1000);
	for (unsigned b = 0; b < WP_HIST_BUCKETS; b++)
		if (wp_hist_bucket_low(b) >= 50 * WPP_MS)
			slow += s.lat.count[b];
	/* the requests intended during the stall drain one round trip at a
	 * time after it (0.2 ms each here), so ~190 of them are >= 50 ms;
	 * timed from the actual send it would be 1 */
	assert_true(slow >= 140 && slow <= 260);
	assert_true(s.lat.max_ns >= 190 * WPP_MS && s.lat.max_ns <= 215 * WPP_MS);
	assert_true(wp_hist_quantile(&s.lat, 0.5) < 2 * WPP_MS);
	/* the requests were sent late because the one connection was busy */
	assert_true(s.lag.max_ns >= 190 * WPP_MS);
	lg_teardown();
}

static void
test_refused_is_fatal(void **state)
{
	struct wp_lg_conf c;
	struct wp_lg_stats s;
	const char *why;

	(void)state;
	lg_setup(SRV_HTTP, false);          /* nobody listens: RST to SYN */
	lg_conf(&c, WP_LG_CLOSED, 50, 1, 0);
	c.end_ns = c.measure_ns + 60000 * WPP_MS;
	LG = wp_lg_create(&c, NULL);
	assert_non_null(LG);
	run_to_end(1000 * WPP_MS);          /* long before the planned end */
	assert_int_equal(wp_lg_fatal(LG, &why), WP_LG_F_CONNECT);
	assert_string_equal(why, "refused");
	wp_lg_stats(LG, &s);
	assert_int_equal(s.connected, 0);
	/* one connection probes the target first: three refusals decide,
	 * not fifty SYNs */
	assert_int_equal(s.connects, 3);
	assert_int_equal(s.errors[WP_LG_E_REFUSED], 3);
	lg_teardown();
}

static void
test_other_protocol_is_fatal(void **state)
{
	struct wp_lg_conf c;
	const char *why;

	(void)state;
	lg_setup(SRV_BANNER, true);
	lg_conf(&c, WP_LG_CLOSED, 2, 1, 0);
	c.end_ns = c.measure_ns + 60000 * WPP_MS;
	LG = wp_lg_create(&c, NULL);
	assert_non_null(LG);
	run_to_end(1000 * WPP_MS);
	assert_int_equal(wp_lg_fatal(LG, &why), WP_LG_F_PROTOCOL);
	assert_string_equal(why, wp_http1_err_name(WP_HTTP1_E_STATUS));
	lg_teardown();
}

static void
test_silent_is_fatal(void **state)
{
	struct wp_lg_conf c;
	struct wp_lg_stats s;

	(void)state;
	lg_setup(SRV_SILENT, true);
	lg_conf(&c, WP_LG_CLOSED, 2, 1, 0);
	c.end_ns = c.measure_ns + 60000 * WPP_MS;
	LG = wp_lg_create(&c, NULL);
	assert_non_null(LG);
	run_to_end(2000 * WPP_MS);          /* timeout 500 ms */
	assert_int_equal(wp_lg_fatal(LG, NULL), WP_LG_F_SILENT);
	wp_lg_stats(LG, &s);
	assert_true(s.errors[WP_LG_E_TIMEOUT] >= 1);
	lg_teardown();
}

/* ---- schedule ---------------------------------------------------------- */

static void
test_sched_constant_exact(void **state)
{
	struct wp_lg_sched s;
	int64_t t = 0;

	(void)state;
	wp_lg_sched_init(&s, WP_LG_CONSTANT, 1000, 5 * WPP_MS, 0);
	assert_int_equal(wp_lg_sched_next(&s), 5 * WPP_MS);
	assert_int_equal(wp_lg_sched_next(&s), 6 * WPP_MS);
	/* a period that is no whole number of ns does not drift: the 3000th
	 * arrival at 3/s is exactly 1000 s after the first */
	wp_lg_sched_init(&s, WP_LG_CONSTANT, 3, 0, 0);
	for (int i = 0; i <= 3000; i++)
		t = wp_lg_sched_next(&s);
	assert_int_equal(t, 1000LL * 1000 * WPP_MS);
}

static void
test_sched_poisson(void **state)
{
	struct wp_lg_sched a, b;
	int64_t prev, t = 0;
	uint64_t n = 200000, below = 0;
	double period = 1e9 / 5000, mean;

	(void)state;
	wp_lg_sched_init(&a, WP_LG_POISSON, 5000, 0, 11);
	wp_lg_sched_init(&b, WP_LG_POISSON, 5000, 0, 11);
	prev = wp_lg_sched_next(&a);
	assert_int_equal(prev, 0);
	assert_int_equal(wp_lg_sched_next(&b), 0);
	for (uint64_t i = 0; i < n; i++) {
		t = wp_lg_sched_next(&a);
		assert_int_equal(t, wp_lg_sched_next(&b));     /* same seed, same times */
		assert_true(t >= prev);
		if ((double)(t - prev) < period)
			below++;
		prev = t;
	}
	/* exponential gaps: mean 1/rate, P(gap < mean) = 1 - 1/e */
	mean = (double)t / (double)n;
	assert_true(fabs(mean / period - 1.0) < 0.01);
	assert_true(fabs((double)below / (double)n - (1.0 - exp(-1.0))) < 0.005);
	/* another seed, other times */
	wp_lg_sched_init(&b, WP_LG_POISSON, 5000, 0, 12);
	wp_lg_sched_next(&b);
	wp_lg_sched_init(&a, WP_LG_POISSON, 5000, 0, 11);
	wp_lg_sched_next(&a);
	assert_int_not_equal(wp_lg_sched_next(&a), wp_lg_sched_next(&b));
}

/* ---- merge ------------------------------------------------------------- */

static void
test_stats_merge(void **state)
{
	struct wp_lg_stats w[3], sum, one;
	uint64_t x = 12345;

	(void)state;
	memset(w, 0, sizeof(w));
	memset(&sum, 0, sizeof(sum));
	memset(&one, 0, sizeof(one));
	/* three "cores" with different latency ranges; one histogram fed
	 * everything must read the same quantiles as the merge */
	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < 10000; i++) {
			uint64_t v;

			x = x * 6364136223846793005ull + 1442695040888963407ull;
			v = (x >> 33) % ((uint64_t)(k + 1) * 1000000) + 1000;
			wp_hist_add(&w[k].lat, v);
			wp_hist_add(&one.lat, v);
		}
		w[k].completed = 10000;
		w[k].errors[WP_LG_E_TIMEOUT] = (uint64_t)k;
		w[k].status[2] = 10000;
		w[k].bytes_in = 100u * (uint64_t)(k + 1);
		w[k].open_conns = 5;
	}
	for (int k = 0; k < 3; k++)
		wp_lg_stats_merge(&sum, &w[k]);
	assert_int_equal(sum.completed, 30000);
	assert_int_equal(sum.errors[WP_LG_E_TIMEOUT], 3);
	assert_int_equal(sum.status[2], 30000);
	assert_int_equal(sum.bytes_in, 600);
	assert_int_equal(sum.open_conns, 15);
	assert_int_equal(sum.lat.total, 30000);
	assert_int_equal(sum.lat.max_ns, one.lat.max_ns);
	assert_int_equal(sum.lat.sum_ns, one.lat.sum_ns);
	for (double q = 0.1; q < 1.0; q += 0.1)
		assert_int_equal(wp_hist_quantile(&sum.lat, q), wp_hist_quantile(&one.lat, q));
	assert_int_equal(wp_hist_quantile(&sum.lat, 0.999), wp_hist_quantile(&one.lat, 0.999));
}

static void
test_conf_refused(void **state)
{
	struct wp_lg_conf c;
	const char *why = NULL;

	(void)state;
	wpp_setup(&P, "lg_mp");
	lg_conf(&c, WP_LG_CLOSED, 1, 1, 0);
	c.depth = WP_LG_MAX_DEPTH + 1;
	assert_null(wp_lg_create(&c, &why));
	assert_string_equal(why, "depth");
	lg_conf(&c, WP_LG_POISSON, 1, 1, 0);
	assert_null(wp_lg_create(&c, &why));
	assert_string_equal(why, "rate");
	lg_conf(&c, WP_LG_CONSTANT, 1, 1, 10);
	c.backlog = 1000;
	assert_null(wp_lg_create(&c, &why));
	assert_string_equal(why, "backlog");
	wpp_teardown(&P);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sched_constant_exact),
		cmocka_unit_test(test_sched_poisson),
		cmocka_unit_test(test_stats_merge),
		cmocka_unit_test(test_conf_refused),
		cmocka_unit_test(test_closed_loop_counts),
		cmocka_unit_test(test_open_loop_no_coordinated_omission),
		cmocka_unit_test(test_refused_is_fatal),
		cmocka_unit_test(test_other_protocol_is_fatal),
		cmocka_unit_test(test_silent_is_fatal),
	};
	int rc;

	if (wp_test_eal_init("test_loadgen", NULL) < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wp_test_eal_cleanup();
	return rc;
}
