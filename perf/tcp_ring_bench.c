/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp_ring_bench: warmpool's TCP stack against itself with no kernel on
 * the path. Two ethdevs made from two rte_rings by the net_ring PMD are
 * wired back to back; stack A (198.18.0.1, the client) and stack B
 * (198.18.0.2, an echo server) run on one lcore, each polling its own
 * port through the normal port layer (wp_portq_poll), ARP included.
 *
 *   rr    C connections, each keeps one request of --size bytes
 *         outstanding; B echoes it; a reply completes a request.
 *   bulk  one connection streams from A to B for the duration.
 *
 * Both stacks share the one core, so a request's cost here is the client's
 * and the server's together. --requests N runs exactly N rr requests after
 * the handshakes and exits: perf/tcp_bench.sh runs it under callgrind with
 * two values of N and divides the difference, which gives instructions per
 * request without start-up costs.
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
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <warmpool/clock.h>
#include <warmpool/net.h>
#include <warmpool/port.h>
#include <warmpool/runtime.h>
#include <warmpool/tcp.h>

#define IP_A 0xc6120001u
#define IP_B 0xc6120002u
#define PORT 7000
#define MAX_CONNS 1024

struct side {
	struct wp_portq q;
	struct wp_net *net;
	struct wp_port_info info;
};

static struct {
	unsigned conns;
	uint32_t size;
	double seconds;
	uint64_t requests;        /* 0 = timed */
	const char *mode;
	int json;
	int no_rack_tlp;          /* wp_net_conf.rack_tlp off */
} opt = { 64, 64, 3.0, 0, "rr", 0, 0 };

static struct side A, B;
static char reqbuf[65536];
static uint64_t done_reqs, bulk_bytes, connected_n, failures;
static int stop_sending;

struct cstate {
	struct wp_tcp_conn *c;
	uint32_t got;              /* reply bytes of the current request */
};
static struct cstate cs[MAX_CONNS];

/* ---- server: echo ------------------------------------------------------- */

static void
srv_accepted(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	(void)c;
}

static void
srv_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)arg;
	wp_tcp_recved(c, len);
	if (strcmp(opt.mode, "bulk") == 0) {
		bulk_bytes += len;
		rte_pktmbuf_free(m);
		return;
	}
	if (wp_tcp_send(c, m) < 0) {
		failures++;
		rte_pktmbuf_free(m);
	}
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
	(void)arg;
	(void)c;
	if (why != WP_TCP_CLOSE_NORMAL)
		failures++;
}

static const struct wp_tcp_cbs srv_cbs = {
	.accepted = srv_accepted,
	.data = srv_data,
	.peer_closed = srv_peer_closed,
	.closed = srv_closed,
};

/* ---- client ---------------------------------------------------------------- */

static void
cli_send(struct cstate *s)
{
	if (stop_sending)
		return;
	if (wp_tcp_send_bytes(s->c, reqbuf, opt.size) < 0)
		failures++;
}

static void
cli_connected(void *arg, struct wp_tcp_conn *c)
{
	(void)c;
	connected_n++;
	if (strcmp(opt.mode, "rr") == 0)
		cli_send(arg);
}

static void
cli_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct cstate *s = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	wp_tcp_recved(c, len);
	rte_pktmbuf_free(m);
	s->got += len;
	while (s->got >= opt.size) {
		s->got -= opt.size;
		done_reqs++;
		if (opt.requests != 0 && done_reqs >= opt.requests)
			stop_sending = 1;
		cli_send(s);
	}
}

static void
cli_sent(void *arg, struct wp_tcp_conn *c, uint32_t acked)
{
	(void)arg;
	(void)acked;
	if (strcmp(opt.mode, "bulk") != 0 || stop_sending)
		return;
	while (wp_tcp_send_space(c) >= sizeof(reqbuf) / 4)
		if (wp_tcp_send_bytes(c, reqbuf, sizeof(reqbuf) / 4) < 0)
			break;
}

static void
cli_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct cstate *s = arg;

	(void)c;
	s->c = NULL;
	if (why != WP_TCP_CLOSE_NORMAL)
		failures++;
}

static const struct wp_tcp_cbs cli_cbs = {
	.connected = cli_connected,
	.data = cli_data,
	.sent = cli_sent,
	.closed = cli_closed,
};

/* The stack's clock is signed nanoseconds. */
static inline int64_t
now_ns(void)
{
	return (int64_t)wp_clock_ns();
}

/* ---- set-up ------------------------------------------------------------------ */

static int
side_init(struct side *s, const char *name, struct rte_ring *rx, struct rte_ring *tx,
	  struct rte_mempool *mp, uint32_t ip, int64_t now)
{
	struct wp_port_conf pc = { .nb_queues = 1, .mp = mp, .use_offloads = true };
	struct wp_net_conf nc;
	struct wp_net_io io;
	int port, ret;

	port = rte_eth_from_rings(name, &rx, 1, &tx, 1, rte_socket_id());
	if (port < 0)
		return -rte_errno;
	pc.port_id = (uint16_t)port;
	ret = wp_port_setup(&pc, &s->info);
	if (ret < 0)
		return ret;
	ret = wp_portq_init(&s->q, pc.port_id, 0, NULL, NULL, rte_socket_id());
	if (ret < 0)
		return ret;
	wp_portq_io(&s->q, &s->info, &io);
	wp_net_conf_default(&nc);
	nc.ip = ip;
	nc.prefix_len = 24;
	memcpy(nc.mac, s->info.mac, 6);
	nc.max_conns = 2 * MAX_CONNS;
	nc.sndbuf = nc.rcvbuf = 1 << 20;
	nc.time_wait_ns = 10 * 1000 * 1000;
	nc.rack_tlp = !opt.no_rack_tlp;
	s->net = wp_net_create(&nc, &io, mp, rte_socket_id(), now);
	return s->net == NULL ? -rte_errno : 0;
}

static void
poll_both(void)
{
	int64_t now = now_ns();

	wp_portq_poll(&A.q, A.net, now);
	wp_portq_poll(&B.q, B.net, now);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tcp_ring_bench [EAL options] -- [options]\n"
		"  --mode rr|bulk     request/response (default) or one bulk stream\n"
		"  --conns N          rr connections, 1..%d (default 64)\n"
		"  --size B           rr request and reply size (default 64)\n"
		"  --seconds S        measured time (default 3)\n"
		"  --requests N       rr: stop after exactly N requests (for callgrind)\n"
		"  --json             one JSON line with the figures\n"
		"  --no-rack-tlp      stacks without the loss timer (its cost)\n"
		"  -h, --help\n", MAX_CONNS);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "conns", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "requests", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-rack-tlp", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'm': opt.mode = optarg; break;
		case 'c': opt.conns = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': opt.size = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 't': opt.seconds = strtod(optarg, NULL); break;
		case 'n': opt.requests = strtoull(optarg, NULL, 10); break;
		case 'j': opt.json = 1; break;
		case 'r': opt.no_rack_tlp = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if ((strcmp(opt.mode, "rr") != 0 && strcmp(opt.mode, "bulk") != 0) ||
	    opt.conns == 0 || opt.conns > MAX_CONNS || opt.size == 0 ||
	    opt.size > sizeof(reqbuf) || opt.seconds <= 0) {
		fprintf(stderr, "tcp_ring_bench: bad option value (see --help)\n");
		return -EINVAL;
	}
	if (strcmp(opt.mode, "bulk") == 0)
		opt.conns = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	struct rte_ring *r_ab, *r_ba;
	unsigned start_in_use;
	int64_t t0, t1, deadline;
	uint64_t reqs0, bytes0;
	int ret, n;

	n = wp_eal_init(argc, argv);
	if (n < 0)
		return 1;
	argc -= n;
	argv += n;
	if (parse_args(argc, argv) < 0)
		return 2;
	memset(reqbuf, 'q', sizeof(reqbuf));

	mp = rte_pktmbuf_pool_create("bench_mp", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	r_ab = rte_ring_create("r_ab", 4096, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	r_ba = rte_ring_create("r_ba", 4096, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (mp == NULL || r_ab == NULL || r_ba == NULL) {
		fprintf(stderr, "tcp_ring_bench: out of memory for the pool or rings\n");
		return 1;
	}
	start_in_use = rte_mempool_in_use_count(mp);
	t0 = now_ns();
	if ((ret = side_init(&A, "wpA", r_ba, r_ab, mp, IP_A, t0)) < 0 ||
	    (ret = side_init(&B, "wpB", r_ab, r_ba, mp, IP_B, t0)) < 0) {
		fprintf(stderr, "tcp_ring_bench: port/stack set-up failed: %s\n", strerror(-ret));
		return 1;
	}
	if (wp_tcp_listen(B.net, PORT, &srv_cbs, NULL) < 0)
		return 1;
	for (unsigned i = 0; i < opt.conns; i++) {
		ret = wp_tcp_connect(A.net, IP_B, PORT, 0, &cli_cbs, &cs[i], &cs[i].c);
		if (ret < 0) {
			fprintf(stderr, "tcp_ring_bench: connect %u: %s\n", i, strerror(-ret));
			return 1;
		}
	}
	deadline = now_ns() + 5000000000LL;
	while (connected_n < opt.conns && now_ns() < deadline)
		poll_both();
	if (connected_n < opt.conns) {
		fprintf(stderr, "tcp_ring_bench: only %" PRIu64 " of %u connections came up\n",
			connected_n, opt.conns);
		return 1;
	}
	if (strcmp(opt.mode, "bulk") == 0)
		cli_sent(&cs[0], cs[0].c, 0);

	/* Measure. */
	reqs0 = done_reqs;
	bytes0 = bulk_bytes;
	t0 = now_ns();
	if (opt.requests != 0) {
		while (done_reqs < opt.requests && failures == 0)
			poll_both();
	} else {
		deadline = t0 + (int64_t)(opt.seconds * 1e9);
		while (now_ns() < deadline)
			for (int i = 0; i < 64; i++)
				poll_both();
	}
	t1 = now_ns();
	stop_sending = 1;

	/* Close everything and check that nothing is left behind. */
	for (unsigned i = 0; i < opt.conns; i++)
		if (cs[i].c != NULL)
			wp_tcp_close(cs[i].c);
	deadline = now_ns() + 2000000000LL;
	struct wp_net_stats sa, sb;
	do {
		poll_both();
		wp_net_stats(A.net, &sa);
		wp_net_stats(B.net, &sb);
	} while ((sa.tcp_conns || sb.tcp_conns) && now_ns() < deadline);

	double secs = (double)(t1 - t0) / 1e9;
	double rps = (double)(done_reqs - reqs0) / secs;
	double gbps = (double)(bulk_bytes - bytes0) * 8 / secs / 1e9;
	if (strcmp(opt.mode, "rr") == 0)
		printf("%s rr conns=%u size=%u requests=%" PRIu64 " seconds=%.3f rps=%.0f ns_per_req=%.1f\n",
		       "warmpool-ring", opt.conns, opt.size, done_reqs - reqs0, secs, rps, 1e9 / rps);
	else
		printf("%s bulk seconds=%.3f bytes=%" PRIu64 " gbit_s=%.3f\n", "warmpool-ring",
		       secs, bulk_bytes - bytes0, gbps);
	if (opt.json)
		printf("{\"mode\": \"%s\", \"rps\": %.0f, \"gbit_s\": %.3f, \"failures\": %" PRIu64 "}\n",
		       opt.mode, rps, gbps, failures);

	ret = 0;
	if (failures != 0 || sa.tcp_conns != 0 || sb.tcp_conns != 0) {
		fprintf(stderr, "tcp_ring_bench: %" PRIu64 " failures, flows left A=%u B=%u\n",
			failures, sa.tcp_conns, sb.tcp_conns);
		ret = 1;
	}
	wp_net_free(A.net);
	wp_net_free(B.net);
	wp_portq_fini(&A.q);
	wp_portq_fini(&B.q);
	wp_port_close(A.info.port_id);
	wp_port_close(B.info.port_id);
	/* Frames still in the rings belong to nobody now. */
	struct rte_mbuf *m = NULL;
	while (rte_ring_dequeue(r_ab, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	while (rte_ring_dequeue(r_ba, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	if (rte_mempool_in_use_count(mp) != start_in_use) {
		fprintf(stderr, "tcp_ring_bench: mbuf leak: %u in use, %u at start\n",
			rte_mempool_in_use_count(mp), start_in_use);
		ret = 1;
	}
	rte_eal_cleanup();
	return ret;
}
