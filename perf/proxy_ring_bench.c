/* SPDX-License-Identifier: BSD-3-Clause */
/* proxy_ring_bench: the kernel-free run of the perf harness (issue 7).
 *
 * wp-loadgen's engine (wp_lg), the warmpool proxy (wp_proxy, as warmpoold
 * runs it) and a DPDK HTTP/1.1 responder, each on its own stack, joined by
 * net_ring ports (two rte_rings per link) in ONE process on ONE lcore:
 *
 *   [L] wp_lg 198.18.10.1 ==ring== [P1] 198.18.10.2:8080  wp_proxy
 *                                   [P2] 198.18.11.2 ==ring== [S] 198.18.11.1:80 responder
 *
 * and, measured first in the same run, the same client and responder
 * with no proxy between them ([Ld] ==ring== [Sd]): the baseline.
 *
 * Everything shares the core, so "proxied requests/s" here is the rate of
 * the whole chain (client stack, both proxy stacks, the proxy, responder)
 * on one core; the proxy's own share is measured with callgrind by
 * perf/ring_profile.sh (instructions per proxied request by function).
 * --requests N runs exactly N proxied requests after the warm-up and
 * exits (for callgrind). The responder's answers are framed by wp_http1
 * like everything else; responses are canned (--size body bytes).
 *
 * Last line: the DESIGN.md section 9 JSON, proxied requests/s on one core
 * against the same chain without the proxy.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <warmpool/clock.h>
#include <warmpool/loadgen.h>
#include <warmpool/net.h>
#include <warmpool/pool.h>
#include <warmpool/port.h>
#include <warmpool/proxy.h>
#include <warmpool/runtime.h>
#include <warmpool/tcp.h>

#define IP_L  0xc6120a01u   /* 198.18.10.1 */
#define IP_P1 0xc6120a02u   /* 198.18.10.2 */
#define IP_S  0xc6120b01u   /* 198.18.11.1 */
#define IP_P2 0xc6120b02u   /* 198.18.11.2 */
#define IP_SD 0xc6120a03u   /* 198.18.10.3: the responder of the baseline */
#define VPORT 8080
#define SPORT 80
#define MAX_SRV_CONNS 4096

struct side {
	struct wp_portq q;
	struct wp_port_info info;
	struct wp_net *net;
	bool up;
};

static struct {
	uint32_t conns, depth, sessions, size;
	double seconds, warmup;
	uint64_t requests;
	bool json, no_direct;
} opt = { 64, 1, 64, 64, 3.0, 0.5, 0, false, false };

static struct rte_mempool *mp;
static struct rte_ring *rings[8];
static unsigned nrings;
static char resp[65536 + 128];
static uint32_t resp_len;

/* ---- the responder ----------------------------------------------------- */

struct srv_conn {
	struct wp_http1 req;
	bool used;
};
static struct srv_conn srv[MAX_SRV_CONNS];
static uint64_t srv_answers, srv_errors;

static void
srv_accepted(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	for (unsigned i = 0; i < MAX_SRV_CONNS; i++)
		if (!srv[i].used) {
			srv[i].used = true;
			wp_http1_init(&srv[i].req, WP_HTTP1_REQUEST, WP_HTTP1_M_GET, NULL);
			wp_tcp_set_arg(c, &srv[i]);
			return;
		}
	srv_errors++;
	wp_tcp_abort(c);
}

static void
srv_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct srv_conn *sc = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m), off = 0;

	while (off < len) {
		long r = wp_http1_feed_mbuf(&sc->req, m, off);

		if (r < 0) {
			srv_errors++;
			break;
		}
		off += (uint32_t)r;
		if (sc->req.done) {
			if (wp_tcp_send_bytes(c, resp, resp_len) < 0)
				srv_errors++;
			srv_answers++;
			wp_http1_reset(&sc->req, WP_HTTP1_M_GET);
		}
	}
	wp_tcp_recved(c, len);
	rte_pktmbuf_free(m);
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
		sc->used = false;
}

static const struct wp_tcp_cbs srv_cbs = {
	.accepted = srv_accepted,
	.data = srv_data,
	.peer_closed = srv_peer_closed,
	.closed = srv_closed,
};

/* ---- set-up ----------------------------------------------------------------- */

static struct rte_ring *
ring(const char *name)
{
	struct rte_ring *r = rte_ring_create(name, 4096, rte_socket_id(),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);

	if (r == NULL) {
		fprintf(stderr, "proxy_ring_bench: ring %s: %s\n", name, rte_strerror(rte_errno));
		exit(1);
	}
	rings[nrings++] = r;
	return r;
}

static void
side_init(struct side *s, const char *name, struct rte_ring *rx, struct rte_ring *tx,
	  uint32_t ip, uint32_t max_conns, int64_t now)
{
	struct wp_port_conf pc = { .nb_queues = 1, .mp = mp, .use_offloads = true };
	struct wp_net_conf nc;
	struct wp_net_io io;
	int port;

	port = rte_eth_from_rings(name, &rx, 1, &tx, 1, rte_socket_id());
	if (port >= 0)
		pc.port_id = (uint16_t)port;
	if (port < 0 || wp_port_setup(&pc, &s->info) < 0 ||
	    wp_portq_init(&s->q, pc.port_id, 0, NULL, NULL, rte_socket_id()) < 0) {
		fprintf(stderr, "proxy_ring_bench: port %s set-up failed\n", name);
		exit(1);
	}
	wp_portq_io(&s->q, &s->info, &io);
	wp_net_conf_default(&nc);
	nc.ip = ip;
	nc.prefix_len = 24;
	memcpy(nc.mac, s->info.mac, 6);
	nc.max_conns = max_conns;
	nc.time_wait_ns = 10 * 1000 * 1000;
	s->net = wp_net_create(&nc, &io, mp, rte_socket_id(), now);
	if (s->net == NULL) {
		fprintf(stderr, "proxy_ring_bench: stack %s: %s\n", name, rte_strerror(rte_errno));
		exit(1);
	}
	s->up = true;
}

static void
side_fini(struct side *s)
{
	if (!s->up)
		return;
	wp_net_free(s->net);
	wp_portq_fini(&s->q);
	wp_port_close(s->info.port_id);
	s->up = false;
}

static struct wp_lg *
lg_make(struct wp_net *net, uint32_t dst, uint16_t dport, int64_t now)
{
	static const char req[] = "GET /bench HTTP/1.1\r\nHost: bench\r\n\r\n";
	struct wp_lg_conf c;
	struct wp_lg *lg;
	const char *why = NULL;

	memset(&c, 0, sizeof(c));
	c.net = net;
	c.dst_ip = dst;
	c.dst_port = dport;
	c.conns = opt.conns;
	c.depth = opt.depth;
	c.mode = WP_LG_CLOSED;
	c.req = (const uint8_t *)req;
	c.req_len = sizeof(req) - 1;
	c.method = WP_HTTP1_M_GET;
	c.timeout_ns = 2LL * 1000000000LL;
	c.start_ns = now;
	c.measure_ns = now + (int64_t)(opt.warmup * 1e9);
	c.end_ns = opt.requests ? INT64_MAX / 2 : c.measure_ns + (int64_t)(opt.seconds * 1e9);
	c.socket = (int)rte_socket_id();
	lg = wp_lg_create(&c, &why);
	if (lg == NULL) {
		fprintf(stderr, "proxy_ring_bench: load engine: %s\n", why ? why : strerror(errno));
		exit(1);
	}
	return lg;
}

struct result {
	double secs, rps;
	struct wp_lg_stats st;
};

/* Run one chain until the engine is done; sides[] are polled in order. */
static void
run(struct wp_lg *lg, struct side **sides, unsigned n, struct wp_proxy *px,
    struct result *r)
{
	int64_t t_measure = -1, t_end = 0, now;
	bool stopped = false;
	struct wp_lg_stats s;

	do {
		now = (int64_t)wp_clock_ns();
		wp_lg_input_time(lg, now);
		for (unsigned i = 0; i < n; i++)
			wp_portq_poll(&sides[i]->q, sides[i]->net, now);
		if (px != NULL)
			wp_proxy_poll(px, now);
		wp_lg_poll(lg, now);
		for (unsigned i = 0; i < n; i++)
			wp_net_flush(sides[i]->net);
		if (opt.requests != 0 && !stopped) {
			wp_lg_stats(lg, &s);
			if (t_measure < 0 && s.completed > 0)
				t_measure = now;
			if (s.completed >= opt.requests) {
				wp_lg_stop(lg, now);
				stopped = true;
				t_end = now;
			}
		}
	} while (!wp_lg_finished(lg));
	wp_lg_stats(lg, &r->st);
	if (opt.requests == 0)
		r->secs = opt.seconds;
	else
		r->secs = t_end > t_measure && t_measure > 0 ? (double)(t_end - t_measure) / 1e9 : 0;
	r->rps = r->secs > 0 ? (double)r->st.completed / r->secs : 0;
}

/* Poll a chain until no flow is left on any of its stacks (FINs and the
 * short TIME_WAITs done), at most 2 s: by state, not by time, so the
 * callgrind runs count no idle polling. */
static void
settle(struct side **sides, unsigned n, struct wp_proxy *px)
{
	int64_t end = (int64_t)wp_clock_ns() + 2000LL * 1000000LL, now;
	uint32_t left;

	do {
		struct wp_net_stats st;

		now = (int64_t)wp_clock_ns();
		left = 0;
		for (unsigned i = 0; i < n; i++) {
			wp_portq_poll(&sides[i]->q, sides[i]->net, now);
			wp_net_stats(sides[i]->net, &st);
			left += st.tcp_conns;
		}
		if (px != NULL)
			wp_proxy_poll(px, now);
	} while (left > 0 && now < end);
}

static uint64_t
errs(const struct wp_lg_stats *s)
{
	uint64_t n = 0;

	for (int e = 0; e < WP_LG_E__COUNT; e++)
		n += s->errors[e];
	return n;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: proxy_ring_bench [EAL options] -- [options]\n"
		"  --conns N        client connections (1..4096, default 64)\n"
		"  --depth K        requests outstanding per connection (1..64, default 1)\n"
		"  --sessions N     proxy's backend sessions (min_idle = max_sessions, default 64)\n"
		"  --size B         response body bytes (0..65536, default 64)\n"
		"  --seconds S      measured time per chain (default 3)\n"
		"  --warmup S       warm-up per chain (default 0.5)\n"
		"  --requests N     proxied chain only: exactly N requests, then exit (callgrind)\n"
		"  --no-direct      skip the baseline without proxy\n"
		"  --json           the results as one JSON line before the last line\n"
		"  -h, --help\n");
}

static void
parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "conns", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'k' },
		{ "sessions", required_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "requests", required_argument, NULL, 'n' },
		{ "no-direct", no_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': opt.conns = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'k': opt.depth = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'S': opt.sessions = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'z': opt.size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 't': opt.seconds = strtod(optarg, NULL); break;
		case 'w': opt.warmup = strtod(optarg, NULL); break;
		case 'n': opt.requests = strtoull(optarg, NULL, 10); break;
		case 'D': opt.no_direct = true; break;
		case 'j': opt.json = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (opt.conns == 0 || opt.conns > 4096 || opt.depth == 0 || opt.depth > WP_LG_MAX_DEPTH ||
	    opt.sessions == 0 || opt.sessions > 4096 || opt.size > 65536 || opt.seconds <= 0 ||
	    opt.warmup < 0) {
		fprintf(stderr, "proxy_ring_bench: bad option value (see --help)\n");
		exit(2);
	}
	if (opt.requests != 0)
		opt.no_direct = true;
}

int
main(int argc, char **argv)
{
	struct side L, P1, P2, S, Ld, Sd;
	struct result rd, rp;
	struct wp_proxy_conf pc;
	struct wp_proxy *px;
	struct wp_proxy_stats ps;
	struct wp_lg *lg;
	unsigned start_in_use, in_use;
	int64_t now;
	int n, ret = 0;

	n = wp_eal_init(argc, argv);
	if (n < 0)
		return 1;
	parse(argc - n, argv + n);
	memset(&L, 0, sizeof(L));
	P1 = P2 = S = Ld = Sd = L;
	memset(&rd, 0, sizeof(rd));
	memset(&rp, 0, sizeof(rp));
	resp_len = (uint32_t)snprintf(resp, sizeof(resp),
				      "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", opt.size);
	memset(resp + resp_len, 'r', opt.size);
	resp_len += opt.size;

	/* the four rings hold 16k frames at most; a few per connection more */
	mp = rte_pktmbuf_pool_create("prb_mp", rte_align32pow2(16384 + 64 * opt.conns) - 1, 256,
				     0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "proxy_ring_bench: mempool: %s (give EAL more memory: -m)\n",
			rte_strerror(rte_errno));
		return 1;
	}
	start_in_use = rte_mempool_in_use_count(mp);
	now = (int64_t)wp_clock_ns();

	/* baseline: client and responder, nothing between */
	if (!opt.no_direct) {
		struct rte_ring *a = ring("prb_ld"), *b = ring("prb_dl");
		struct side *ch[] = { &Ld, &Sd };

		side_init(&Ld, "prbLd", b, a, IP_L, 2 * opt.conns + 1024, now);
		side_init(&Sd, "prbSd", a, b, IP_SD, 2 * opt.conns + 1024, now);
		if (wp_tcp_listen(Sd.net, SPORT, &srv_cbs, NULL) < 0)
			return 1;
		lg = lg_make(Ld.net, IP_SD, SPORT, (int64_t)wp_clock_ns());
		run(lg, ch, 2, NULL, &rd);
		wp_lg_free(lg);
		settle(ch, 2, NULL);
		side_fini(&Ld);
		side_fini(&Sd);
	}

	/* proxied: L -> P1 | proxy | P2 -> S */
	{
		struct rte_ring *lp = ring("prb_lp"), *pl = ring("prb_pl");
		struct rte_ring *ps_ = ring("prb_ps"), *sp = ring("prb_sp");
		struct side *ch[] = { &L, &P1, &P2, &S };

		now = (int64_t)wp_clock_ns();
		side_init(&L, "prbL", pl, lp, IP_L, 2 * opt.conns + 1024, now);
		side_init(&P1, "prbP1", lp, pl, IP_P1, 2 * opt.conns + 1024, now);
		side_init(&P2, "prbP2", sp, ps_, IP_P2, 2 * opt.sessions + 1024, now);
		side_init(&S, "prbS", ps_, sp, IP_S, 2 * opt.sessions + 1024, now);
		if (wp_tcp_listen(S.net, SPORT, &srv_cbs, NULL) < 0)
			return 1;
		memset(&pc, 0, sizeof(pc));
		pc.client_net = P1.net;
		pc.backend_net = P2.net;
		pc.mp = mp;
		pc.listen_port = VPORT;
		pc.max_clients = opt.conns + 64;
		pc.limits.max_line = 8192;         /* warmpoold's defaults */
		pc.limits.max_header_bytes = 32768;
		pc.limits.max_headers = 100;
		pc.backend_timeout_ns = 5LL * 1000000000LL;
		pc.retry_idempotent = true;
		pc.retry_buf = 4096;
		wp_pool_params_default(&pc.pool);
		pc.pool.min_idle = opt.sessions;
		pc.pool.max_sessions = opt.sessions;
		pc.pool.max_pending = 1u << 20;
		pc.pool.max_requests = 0;
		pc.pool.connect_burst = opt.sessions;
		pc.nbackends = 1;
		pc.backends[0].ip = IP_S;
		pc.backends[0].port = SPORT;
		pc.backends[0].weight = 1;
		pc.seed = 1;
		pc.socket = (int)rte_socket_id();
		pc.nworkers = 1;
		px = wp_proxy_create(&pc);
		if (px == NULL) {
			fprintf(stderr, "proxy_ring_bench: proxy: %s\n", strerror(errno));
			return 1;
		}
		/* warm the pool before the clock starts: every session idle */
		{
			int64_t end = (int64_t)wp_clock_ns() + 2000LL * 1000000LL, t;
			struct wp_pool_stats pst;

			do {
				t = (int64_t)wp_clock_ns();
				for (unsigned i = 0; i < 4; i++)
					wp_portq_poll(&ch[i]->q, ch[i]->net, t);
				wp_proxy_poll(px, t);
				wp_pool_stats(wp_proxy_pool(px, 0), &pst);
			} while (pst.idle < opt.sessions && t < end);
		}
		lg = lg_make(L.net, IP_P1, VPORT, (int64_t)wp_clock_ns());
		run(lg, ch, 4, px, &rp);
		wp_lg_free(lg);
		wp_proxy_stats(px, &ps);
		wp_proxy_drain(px);
		settle(ch, 4, px);
		wp_proxy_close_sessions(px);
		settle(ch, 4, px);
		wp_proxy_free(px);
		side_fini(&L);
		side_fini(&P1);
		side_fini(&P2);
		side_fini(&S);
	}
	for (unsigned i = 0; i < nrings; i++) {
		struct rte_mbuf *m = NULL;

		while (rte_ring_dequeue(rings[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	in_use = rte_mempool_in_use_count(mp);

	printf("proxy_ring_bench: one lcore, net_ring, %u connections x %u outstanding, "
	       "%u-byte responses, %u backend sessions\n", opt.conns, opt.depth, opt.size,
	       opt.sessions);
	printf("  %-34s %12s %12s %10s %8s\n", "chain", "requests", "req/s", "ns/req", "errors");
	if (!opt.no_direct)
		printf("  %-34s %12" PRIu64 " %12.0f %10.1f %8" PRIu64 "\n",
		       "client -> responder (no proxy)", rd.st.completed, rd.rps,
		       rd.rps > 0 ? 1e9 / rd.rps : 0, errs(&rd.st));
	printf("  %-34s %12" PRIu64 " %12.0f %10.1f %8" PRIu64 "\n",
	       "client -> wp_proxy -> responder", rp.st.completed, rp.rps,
	       rp.rps > 0 ? 1e9 / rp.rps : 0, errs(&rp.st));
	printf("  proxy: requests %" PRIu64 ", responses %" PRIu64 ", reused sessions %" PRIu64
	       ", errors %" PRIu64 "; latency p50 %.1f us p99 %.1f us; goal 1,000,000 req/s "
	       "on one core: %s\n", ps.requests, ps.responses, ps.reused,
	       ps.errors[WP_PX_E_BACKEND_FAILED] + ps.errors[WP_PX_E_POOL_FULL] +
	       ps.errors[WP_PX_E_ACQUIRE_TIMEOUT] + ps.errors[WP_PX_E_BACKEND_TIMEOUT],
	       (double)wp_hist_quantile(&rp.st.lat, 0.5) / 1e3,
	       (double)wp_hist_quantile(&rp.st.lat, 0.99) / 1e3,
	       rp.rps >= 1e6 ? "met" : "not met");
	for (int e = 0; e < WP_LG_E__COUNT; e++)
		if (rp.st.errors[e] != 0)
			fprintf(stderr, "proxy_ring_bench: proxied chain: %s %" PRIu64 "\n",
				wp_lg_err_name((enum wp_lg_err)e), rp.st.errors[e]);
	if (errs(&rp.st) != 0 || errs(&rd.st) != 0 || srv_errors != 0) {
		fprintf(stderr, "proxy_ring_bench: errors (responder %" PRIu64 ")\n", srv_errors);
		ret = 1;
	}
	if (in_use != start_in_use) {
		fprintf(stderr, "proxy_ring_bench: mbuf leak: %u in use, %u at start\n", in_use,
			start_in_use);
		ret = 1;
	}
	if (opt.json)
		printf("{\"proxied_rps\": %.0f, \"direct_rps\": %.0f, \"proxied_requests\": %" PRIu64
		       ", \"seconds\": %.3f}\n", rp.rps, rd.rps, rp.st.completed, rp.secs);
	printf("{\"bench\": \"proxy_ring_bench\", \"metric\": \"proxied_rps_one_core\", "
	       "\"unit\": \"req/s\", \"warmpool\": %.0f, \"peer\": \"%s\", \"peer_value\": %.0f, "
	       "\"ratio\": %.3f, \"higher_is_better\": true}\n", rp.rps,
	       opt.no_direct ? "goal of issue 7 (1M req/s)" : "same chain without the proxy",
	       opt.no_direct ? 1e6 : rd.rps,
	       opt.no_direct ? rp.rps / 1e6 : (rd.rps > 0 ? rp.rps / rd.rps : 0));
	rte_mempool_free(mp);
	for (unsigned i = 0; i < nrings; i++)
		rte_ring_free(rings[i]);
	rte_eal_cleanup();
	return ret;
}
