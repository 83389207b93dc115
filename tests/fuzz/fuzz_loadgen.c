/* libFuzzer target: wp-loadgen's engine (src/proto/loadgen.c) reading
 * arbitrary server bytes: responses split anywhere, pipelined, truncated,
 * interleaved with closes and silences.
 *
 * Two stacks in memory (A: the engine, closed loop, 2 connections with 4
 * requests pipelined each; B: a server that writes what the input says).
 * Each input is a sequence of records [u8 op][u8 clock step ms][u8 len]
 * [len bytes]: op & 3 picks what server connection 0/1 does: 0 and 1 send
 * the bytes on connection (op >> 2) & 1, 2 closes it (FIN), 3 resets it.
 * The frames between the stacks move at every step; the engine polls.
 *
 * Invariants (trap on violation) after every step:
 *   - outstanding requests never exceed connections x depth, open
 *     connections never exceed the configured ones
 *   - every mbuf is accounted for once both stacks are freed
 * and the engine always finishes (end + drain) within its bounded time.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <warmpool/http1.h>
#include <warmpool/loadgen.h>
#include <warmpool/net.h>
#include <warmpool/tcp.h>

#include "net/net_impl.h"

#define IP_A 0xc6120001u
#define IP_B 0xc6120002u
#define MS 1000000LL
#define NCONN 2
#define DEPTH 4

static struct rte_mempool *mp;

struct wire {
	struct rte_mbuf *q[1024];
	unsigned n;
};
static struct wire ab, ba;

static uint16_t
wire_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire *w = arg;
	uint16_t i;

	for (i = 0; i < n && w->n < 1024; i++)
		w->q[w->n++] = pkts[i];
	return i;
}

static void
deliver(struct wire *w, struct wp_net *to, int64_t now)
{
	unsigned n = w->n;
	struct rte_mbuf *batch[1024];

	memcpy(batch, w->q, n * sizeof(batch[0]));
	w->n = 0;
	for (unsigned i = 0; i < n; i += 32)
		wp_net_input(to, batch + i, (uint16_t)(n - i < 32 ? n - i : 32), now);
}

/* the server: connections in accept order, requests framed by wp_http1 */
static struct wp_tcp_conn *srv[NCONN];
static struct wp_http1 srv_req[NCONN];
static uint64_t srv_requests;  /* for a debugger */

static void
s_accepted(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	for (int i = 0; i < NCONN; i++)
		if (srv[i] == NULL) {
			srv[i] = c;
			wp_http1_init(&srv_req[i], WP_HTTP1_REQUEST, WP_HTTP1_M_GET, NULL);
			wp_tcp_set_arg(c, &srv[i]);
			return;
		}
	wp_tcp_abort(c);
}

static void
s_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct wp_tcp_conn **slot = arg;
	struct wp_http1 *h = &srv_req[slot - srv];
	uint32_t len = rte_pktmbuf_pkt_len(m), off = 0;

	while (off < len) {
		long r = wp_http1_feed_mbuf(h, m, off);

		if (r < 0)
			__builtin_trap();       /* the engine sends valid requests */
		off += (uint32_t)r;
		if (h->done) {
			srv_requests++;
			wp_http1_reset(h, WP_HTTP1_M_GET);
		}
	}
	wp_tcp_recved(c, len);
	rte_pktmbuf_free(m);
}

static void
s_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	wp_tcp_close(c);
}

static void
s_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct wp_tcp_conn **slot = arg;

	(void)c;
	(void)why;
	if (slot != NULL)
		*slot = NULL;
}

static const struct wp_tcp_cbs s_cbs = {
	.accepted = s_accepted, .data = s_data,
	.peer_closed = s_peer_closed, .closed = s_closed,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_loadgen", "--no-huge", "--no-shconf", "--no-pci",
			"--no-telemetry", "-m", "128", "--log-level=crit",
			"--file-prefix", "wp-fuzz-loadgen", "--lcores", "0@0" };

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "fuzz_loadgen: EAL init failed\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("fuzz_lg_mp", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL) {
		fprintf(stderr, "fuzz_loadgen: no mempool\n");
		return 1;
	}
	return 0;
}

static struct wp_net *
stack(uint32_t ip, uint8_t last, struct wire *out, int64_t now)
{
	struct wp_net_conf conf;
	struct wp_net_io io = { .tx = wire_tx, .arg = out };

	wp_net_conf_default(&conf);
	conf.ip = ip;
	conf.prefix_len = 24;
	memcpy(conf.mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, last }, 6);
	conf.arp_gratuitous = false;
	conf.max_conns = 64;
	conf.time_wait_ns = 10 * MS;
	conf.rto_min_ns = 10 * MS;
	conf.rto_initial_ns = 10 * MS;
	conf.secret_seed = last;
	return wp_net_create(&conf, &io, mp, 0, now);
}

static void
step(struct wp_net *a, struct wp_net *b, struct wp_lg *lg, int64_t now)
{
	wp_net_flush(a);
	wp_net_flush(b);
	wp_lg_input_time(lg, now);
	deliver(&ab, b, now);
	deliver(&ba, a, now);
	wp_net_timers(a, now);
	wp_net_timers(b, now);
	wp_lg_poll(lg, now);
	wp_net_flush(a);
	wp_net_flush(b);
}

static void
check(const struct wp_lg *lg)
{
	struct wp_lg_stats s;

	wp_lg_stats(lg, &s);
	if (s.outstanding > NCONN * DEPTH || s.open_conns > NCONN ||
	    s.completed > s.completed_all)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: f\r\n\r\n";
	struct wp_lg_conf c;
	struct wp_net *a, *b;
	struct wp_lg *lg;
	int64_t now = 1000 * MS, end;

	if (mp == NULL)
		return 0;
	memset(srv, 0, sizeof(srv));
	srv_requests = 0;
	ab.n = ba.n = 0;
	a = stack(IP_A, 1, &ab, now);
	b = stack(IP_B, 2, &ba, now);
	if (a == NULL || b == NULL)
		__builtin_trap();
	wp_arp_add_static(a, IP_B, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 2 });
	wp_arp_add_static(b, IP_A, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 1 });
	wp_tcp_listen(b, 80, &s_cbs, NULL);
	memset(&c, 0, sizeof(c));
	c.net = a;
	c.dst_ip = IP_B;
	c.dst_port = 80;
	c.conns = NCONN;
	c.depth = DEPTH;
	c.mode = size > 0 && (data[0] & 1) ? WP_LG_CONSTANT : WP_LG_CLOSED;
	c.rate = 2000;
	c.req = (const uint8_t *)req;
	c.req_len = sizeof(req) - 1;
	c.method = WP_HTTP1_M_GET;
	c.timeout_ns = 50 * MS;
	c.start_ns = now;
	c.measure_ns = now + 5 * MS;
	c.end_ns = now + 1000 * MS;
	c.backlog = 64;
	lg = wp_lg_create(&c, NULL);
	if (lg == NULL)
		__builtin_trap();
	for (int i = 0; i < 5; i++) {          /* handshakes, first requests */
		now += MS;
		step(a, b, lg, now);
	}
	while (size >= 3) {
		uint8_t op = data[0], st = data[1], len = data[2];
		struct wp_tcp_conn *sc = srv[(op >> 2) & 1];

		data += 3;
		size -= 3;
		if (len > size)
			len = (uint8_t)size;
		if (sc != NULL) {
			switch (op & 3) {
			case 0:
			case 1: (void)wp_tcp_send_bytes(sc, data, len); break;
			case 2: (void)wp_tcp_close(sc); break;
			case 3: wp_tcp_abort(sc); break;
			}
		}
		data += len;
		size -= len;
		now += (int64_t)(st % 20) * MS;
		step(a, b, lg, now);
		check(lg);
	}
	/* the run must end on its own: past end_ns, drain, closes */
	wp_lg_stop(lg, now);
	end = now + 10000 * MS;
	while (!wp_lg_finished(lg) && now < end) {
		now += MS;
		step(a, b, lg, now);
		check(lg);
	}
	if (!wp_lg_finished(lg))
		__builtin_trap();
	wp_lg_free(lg);
	wp_net_free(a);
	wp_net_free(b);
	for (unsigned i = 0; i < ab.n; i++)
		rte_pktmbuf_free(ab.q[i]);
	for (unsigned i = 0; i < ba.n; i++)
		rte_pktmbuf_free(ba.q[i]);
	if (rte_mempool_in_use_count(mp) != 0)
		__builtin_trap();
	return 0;
}
