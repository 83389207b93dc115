/* The session pool on real TCP: two stacks wired back to back in memory
 * (A = appliance side with the pool, B = a backend that accepts and
 * echoes), driven on a virtual clock. Proves the transport adapter of
 * tcp_pool.h: warm-up opens real connections, leases carry bytes, an idle
 * FIN or stray bytes from the backend end a session and the pool replaces
 * it, and shutting down leaves no flow and no mbuf behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <warmpool/net.h>
#include <warmpool/pool.h>
#include <warmpool/tcp.h>
#include <warmpool/tcp_pool.h>

#include "net/net_impl.h"
#include "../wp_test.h"

#define IP_A 0xc6120001u   /* 198.18.0.1 */
#define IP_B 0xc6120002u   /* 198.18.0.2 */
#define BACKEND_PORT 8080
#define MS 1000000LL

/* A one-way in-memory wire: frames sent by one stack wait here until the
 * pump hands them to the other. */
struct wire {
	struct rte_mbuf *q[4096];
	unsigned n;
};

static uint16_t
wire_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire *w = arg;
	uint16_t i;

	for (i = 0; i < n && w->n < RTE_DIM(w->q); i++)
		w->q[w->n++] = pkts[i];
	return i;
}

/* The backend side: accepts, echoes, and lets tests close or poke at
 * its connections. */
struct backend {
	struct wp_tcp_conn *conns[64];
	unsigned nconns;
	unsigned accepted;
};

struct app {
	struct wp_lease granted[64];
	unsigned ngranted;
	unsigned failed;
	char got[256];
	unsigned got_len;
	unsigned lost;
	enum wp_close_reason last_lost;
};

struct rig {
	struct rte_mempool *mp;
	unsigned mp_start;
	struct wire ab, ba;
	struct wp_net *a, *b;
	struct wp_pool *pool;
	struct wp_tcp_transport *tp;
	struct backend be;
	struct app app;
	int64_t now;
};

static struct rig R;

static void
be_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)arg;
	wp_tcp_recved(c, len);
	assert_int_equal(wp_tcp_send(c, m), 0);   /* echo, zero copy */
}

static void
be_forget(struct wp_tcp_conn *c)
{
	for (unsigned i = 0; i < R.be.nconns; i++)
		if (R.be.conns[i] == c)
			R.be.conns[i] = R.be.conns[--R.be.nconns];
}

static void
be_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	be_forget(c);
	wp_tcp_close(c);
}

static void
be_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	(void)arg;
	(void)why;
	be_forget(c);
}

static const struct wp_tcp_cbs be_cbs;

static void
be_accepted(void *listen_arg, struct wp_tcp_conn *c)
{
	(void)listen_arg;
	R.be.accepted++;
	assert_true(R.be.nconns < RTE_DIM(R.be.conns));
	R.be.conns[R.be.nconns++] = c;
}

static const struct wp_tcp_cbs be_cbs = {
	.accepted = be_accepted,
	.data = be_data,
	.peer_closed = be_peer_closed,
	.closed = be_closed,
};

static void
app_data(void *arg, uint32_t sid, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)arg;
	assert_true(R.app.got_len + len <= sizeof(R.app.got));
	uint32_t off = 0;
	for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
		memcpy(R.app.got + R.app.got_len + off, rte_pktmbuf_mtod(seg, char *),
		       seg->data_len);
		off += seg->data_len;
	}
	R.app.got_len += len;
	wp_tcp_recved(wp_tcp_transport_conn(R.tp, sid), len);
	rte_pktmbuf_free(m);
}

static void
app_lost(void *arg, uint32_t sid, enum wp_close_reason why)
{
	(void)arg;
	(void)sid;
	R.app.lost++;
	R.app.last_lost = why;
}

static void
app_granted(void *arg, uint64_t tag, struct wp_lease lease)
{
	(void)arg;
	(void)tag;
	R.app.granted[R.app.ngranted++] = lease;
}

static void
app_failed(void *arg, uint64_t tag, int err)
{
	(void)arg;
	(void)tag;
	(void)err;
	R.app.failed++;
}

static const struct wp_tcp_transport_app app_cbs = {
	.data = app_data,
	.lost = app_lost,
	.granted = app_granted,
	.failed = app_failed,
};

/* Deliver what is on the wires, run timers, advance the clock by `step`,
 * `rounds` times. */
static void
pump(int rounds, int64_t step)
{
	for (int r = 0; r < rounds; r++) {
		struct rte_mbuf *batch[4096];
		unsigned n;

		wp_net_flush(R.a);
		wp_net_flush(R.b);
		n = R.ab.n;
		memcpy(batch, R.ab.q, n * sizeof(batch[0]));
		R.ab.n = 0;
		for (unsigned i = 0; i < n; i += 32)
			wp_net_input(R.b, batch + i, (uint16_t)RTE_MIN(32u, n - i), R.now);
		n = R.ba.n;
		memcpy(batch, R.ba.q, n * sizeof(batch[0]));
		R.ba.n = 0;
		for (unsigned i = 0; i < n; i += 32)
			wp_net_input(R.a, batch + i, (uint16_t)RTE_MIN(32u, n - i), R.now);
		R.now += step;
		wp_net_timers(R.a, R.now);
		wp_net_timers(R.b, R.now);
		wp_tcp_transport_tick(R.tp, R.now);
	}
	wp_net_flush(R.a);
	wp_net_flush(R.b);
}

static struct wp_net *
make_stack(uint32_t ip, uint8_t last, struct wire *out)
{
	struct wp_net_conf conf;
	struct wp_net_io io = { .tx = wire_tx, .arg = out };

	wp_net_conf_default(&conf);
	conf.ip = ip;
	conf.prefix_len = 24;
	memcpy(conf.mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, last }, 6);
	conf.arp_gratuitous = false;
	conf.max_conns = 256;
	conf.time_wait_ns = 100 * MS;
	conf.secret_seed = 42 + last;
	return wp_net_create(&conf, &io, R.mp, SOCKET_ID_ANY, R.now);
}

static int
setup(void **state)
{
	struct wp_pool_params pp;
	struct wp_tcp_transport_conf tc;

	(void)state;
	memset(&R, 0, sizeof(R));
	R.now = 1000 * MS;
	R.mp = rte_pktmbuf_pool_create("tp_mp", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	assert_non_null(R.mp);
	R.mp_start = rte_mempool_in_use_count(R.mp);
	R.a = make_stack(IP_A, 1, &R.ab);
	R.b = make_stack(IP_B, 2, &R.ba);
	assert_non_null(R.a);
	assert_non_null(R.b);
	assert_int_equal(wp_arp_add_static(R.a, IP_B, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 2 }), 0);
	assert_int_equal(wp_arp_add_static(R.b, IP_A, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 1 }), 0);
	assert_int_equal(wp_tcp_listen(R.b, BACKEND_PORT, &be_cbs, NULL), 0);

	wp_pool_params_default(&pp);
	pp.min_idle = 4;
	pp.max_sessions = 8;
	pp.max_pending = 8;
	pp.connect_burst = 8;
	pp.connect_interval_ns = 1 * MS;
	pp.idle_timeout_ns = 0;
	pp.max_age_ns = 0;
	pp.max_age_jitter_ns = 0;
	pp.probe_idle_ns = 0;
	tc = (struct wp_tcp_transport_conf){
		.net = R.a, .backend_ip = IP_B, .backend_port = BACKEND_PORT,
		.max_sessions = pp.max_sessions, .app = &app_cbs,
	};
	R.tp = wp_tcp_transport_create(&tc, SOCKET_ID_ANY);
	assert_non_null(R.tp);
	R.pool = wp_pool_create(&pp, 0, SOCKET_ID_ANY, wp_tcp_transport_ops(), R.tp);
	assert_non_null(R.pool);
	wp_tcp_transport_attach(R.tp, R.pool);
	return 0;
}

static int
teardown(void **state)
{
	struct wp_net_stats sa, sb;
	char err[128];

	(void)state;
	assert_int_equal(wp_pool_check(R.pool, err, sizeof(err)), 0);
	wp_pool_shutdown(R.pool);
	pump(50, 10 * MS);          /* FINs out, TIME_WAIT (100 ms) over */
	wp_net_stats(R.a, &sa);
	wp_net_stats(R.b, &sb);
	assert_int_equal(sa.tcp_conns, 0);
	assert_int_equal(sb.tcp_conns, 0);
	wp_pool_free(R.pool);
	wp_tcp_transport_free(R.tp);
	wp_net_free(R.a);
	wp_net_free(R.b);
	for (unsigned i = 0; i < R.ab.n; i++)
		rte_pktmbuf_free(R.ab.q[i]);
	for (unsigned i = 0; i < R.ba.n; i++)
		rte_pktmbuf_free(R.ba.q[i]);
	assert_int_equal(rte_mempool_in_use_count(R.mp), R.mp_start);
	rte_mempool_free(R.mp);
	return 0;
}

static void
test_warmup_opens_real_connections(void **state)
{
	struct wp_pool_stats ps;
	struct wp_tcp_transport_stats ts;

	(void)state;
	pump(20, 1 * MS);
	wp_pool_stats(R.pool, &ps);
	wp_tcp_transport_stats(R.tp, &ts);
	assert_int_equal(ps.idle, 4);
	assert_int_equal(ps.opened, 4);
	assert_int_equal(ts.open, 4);
	assert_int_equal(R.be.accepted, 4);
	assert_int_equal(R.be.nconns, 4);
}

static void
test_lease_carries_bytes_and_is_reused(void **state)
{
	struct wp_lease l;
	struct wp_pool_stats ps;

	(void)state;
	pump(20, 1 * MS);
	for (int round = 0; round < 3; round++) {
		R.app.got_len = 0;
		assert_int_equal(wp_pool_acquire(R.pool, R.now, 1, &l), 0);
		assert_int_equal(wp_tcp_send_bytes(wp_tcp_transport_conn(R.tp, l.sid),
						   "ping", 4), 0);
		pump(5, 1 * MS);
		assert_int_equal(R.app.got_len, 4);
		assert_memory_equal(R.app.got, "ping", 4);
		assert_int_equal(wp_pool_release(R.pool, l, R.now), 0);
	}
	wp_pool_stats(R.pool, &ps);
	assert_int_equal(ps.acquires, 3);
	assert_int_equal(ps.reused, 2);       /* LIFO: the same warm session */
	/* One more connection while the first lease kept idle below min_idle,
	 * and none after: every lease after the first reused a warm one. */
	assert_int_equal(R.be.accepted, 5);
}

static void
test_backend_idle_fin_is_replaced(void **state)
{
	struct wp_pool_stats ps;

	(void)state;
	pump(20, 1 * MS);
	/* The backend closes one idle connection, as a server's keep-alive
	 * timeout would. */
	wp_tcp_close(R.be.conns[0]);
	pump(20, 1 * MS);
	wp_pool_stats(R.pool, &ps);
	assert_int_equal(ps.closed[WP_CLOSE_PEER_FIN], 1);
	assert_int_equal(ps.idle, 4);         /* replaced */
	assert_int_equal(R.be.accepted, 5);
	assert_int_equal(R.app.lost, 0);      /* it was not leased */
}

static void
test_stray_bytes_on_idle_session_close_it(void **state)
{
	struct wp_pool_stats ps;
	struct wp_tcp_transport_stats ts;

	(void)state;
	pump(20, 1 * MS);
	assert_int_equal(wp_tcp_send_bytes(R.be.conns[1], "HTTP/1.1 200 OK\r\n", 17), 0);
	pump(20, 1 * MS);
	wp_pool_stats(R.pool, &ps);
	wp_tcp_transport_stats(R.tp, &ts);
	assert_int_equal(ts.desync, 1);
	assert_int_equal(ps.closed[WP_CLOSE_PROTOCOL], 1);
	assert_int_equal(ps.idle, 4);
}

static void
test_leased_session_reset_reaches_app(void **state)
{
	struct wp_lease l;
	struct wp_pool_stats ps;

	(void)state;
	pump(20, 1 * MS);
	assert_int_equal(wp_pool_acquire(R.pool, R.now, 7, &l), 0);
	/* The backend conn of this lease: the one whose remote port is our
	 * session's local port. */
	struct wp_tcp_info ia, ib;
	wp_tcp_info(wp_tcp_transport_conn(R.tp, l.sid), &ia);
	for (unsigned i = 0; i < R.be.nconns; i++) {
		wp_tcp_info(R.be.conns[i], &ib);
		if (ib.remote_port == ia.local_port) {
			wp_tcp_abort(R.be.conns[i]);
			break;
		}
	}
	pump(5, 1 * MS);
	assert_int_equal(R.app.lost, 1);
	assert_int_equal(R.app.last_lost, WP_CLOSE_PEER_RST);
	assert_int_equal(wp_pool_release(R.pool, l, R.now), -ESTALE);
	pump(20, 1 * MS);
	wp_pool_stats(R.pool, &ps);
	assert_int_equal(ps.closed[WP_CLOSE_PEER_RST], 1);
	assert_int_equal(ps.idle, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_warmup_opens_real_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_carries_bytes_and_is_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_idle_fin_is_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_bytes_on_idle_session_close_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leased_session_reset_reaches_app, setup, teardown),
	};
	int ret;

	if (wp_test_eal_init("test_tcp_pool", NULL) < 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	wp_test_eal_cleanup();
	return ret;
}
