/* SPDX-License-Identifier: BSD-3-Clause */
/* wp_tcpd: "our side" of the TCP integration tests. One lcore, one port
 * (a vdev given in the EAL arguments: net_af_packet or net_af_xdp on a
 * veth), one per-core stack; the main loop is wp_portq_poll() plus the
 * application below. It speaks the modes and byte streams of linux_peer
 * (pattern.h):
 *
 *   source  send --bytes of this side's stream (wp_tcp_send_bytes), then FIN
 *   sink    receive and check every byte, FIN after the peer's FIN
 *   echo    send back what arrives, zero-copy (the received mbufs go to
 *           wp_tcp_send); the window reopens (wp_tcp_recved) only as the
 *           echo is queued, so a slow peer closes our window
 *   rr      (client) requests of --rr-size, each echo checked before the next
 *   duplex  source and sink at once
 *
 * On exit (all connections done, timeout or signal) it waits for TIME_WAIT
 * to drain, then checks and prints, and exits 0 only if every check passed:
 *   - every connection ok: bytes complete, content right (pattern at every
 *     offset, SHA-256 per direction printed), closed the expected way;
 *   - flows_left: stats.tcp_conns == 0 before wp_net_free (no state left);
 *   - stack_mbufs: wp_net_mbufs_held() == 0 before wp_net_free;
 *   - mempool: after wp_net_free, after the PMD has handed back its TX
 *     completions and after the port is stopped and closed, the pool's
 *     in-use count equals the count right after the port started. That
 *     baseline is what the PMD keeps for itself: 0 for net_af_packet (it
 *     copies into fresh mbufs on RX and frees on TX); for net_af_xdp the
 *     mbufs posted to the fill ring at queue set-up (2048 here), which
 *     stay posted while it runs and which its close does not give back;
 *     net_tap holds its RX ring's mbufs (the baseline) while it runs and
 *     frees them at close, so there the end must be 0.
 *     net_af_xdp in zero-copy frees transmitted mbufs only when it reads
 *     the completion ring, which it does in tx_burst: so after the stack is
 *     freed we call rte_eth_tx_burst(port, q, NULL, 0) until the count
 *     stops falling, then stop and close, then compare.
 * Also printed: per-reason drop counters, close reasons, and every
 * non-zero TCP counter as "stat NAME=VALUE" for the scenario scripts.
 *
 * State: everything in this file is owned by the one lcore (main).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <sodium.h>

#include <warmpool/clock.h>
#include <warmpool/net.h>
#include <warmpool/port.h>
#include <warmpool/runtime.h>
#include <warmpool/tcp.h>

#include "pattern.h"

#define WPT_NS_MS 1000000LL
#define WPT_NS_S 1000000000LL

enum mode { M_SOURCE, M_SINK, M_ECHO, M_RR, M_DUPLEX };

struct opts {
	uint32_t ip;
	uint8_t prefix;
	uint16_t listen_port;
	uint32_t dst_ip;
	uint16_t dst_port;
	bool client;
	uint32_t conns;
	uint64_t bytes;
	enum mode mode;
	uint32_t rr_size;
	uint64_t seed;
	bool barrier;
	uint32_t exit_after;
	double timeout_s;
	int verbose;
	uint32_t expect_close;       /* bit per wp_tcp_close_reason accepted */
	uint32_t nb_mbufs;
	bool impair_rx, impair_tx;
	struct wp_impair_conf imp_rx, imp_tx;
	struct wp_net_conf nc;       /* TCP/stack knobs from the options */
	bool echo_copy;
	uint32_t max_connecting;     /* client: connects in progress at once */
};

static struct opts o;

enum cstate { S_FREE = 0, S_CONNECTING, S_OPEN };

struct tconn {
	struct wp_tcp_conn *c;
	enum cstate st;
	uint32_t idx;
	uint16_t cport;
	bool peer_closed, closing, shut, bad, in_q, retry;
	uint64_t queued;             /* bytes handed to the stack */
	uint64_t acked;              /* bytes the `sent` callback reported */
	uint64_t rcvd;
	uint64_t chunk_end;          /* rr */
	uint64_t key_in, key_out;
	struct rte_mbuf *pend, *pend_tail; /* echo: segments not yet queued */
	uint32_t pend_len;
	char why[96];
	crypto_hash_sha256_state sh_in, sh_out;
};

static struct tconn *tc;
static uint32_t tc_cap;
static uint32_t *freelist;
static uint32_t nfree;
static uint32_t *runq;             /* connections with work for pump() */
static uint32_t runq_head, runq_len;

static struct wp_net *net;
static struct rte_mempool *mp;
static volatile sig_atomic_t stop_sig;

static uint32_t n_started, n_connected, n_closed, n_ok, n_bad, n_open;
static uint32_t n_connect_err;   /* connect()/slot errors: always a failure */
static uint32_t n_connect_fail;  /* closed before connected */
static uint64_t tot_in, tot_out;
static uint32_t close_count[WP_TCP_CLOSE__COUNT];
static uint32_t peak_flows;
static uint8_t gen[64 * 1024];
static int64_t t_start;              /* for the t_ms= of event lines */

static long
t_ms(void)
{
	return (long)(((int64_t)wp_clock_ns() - t_start) / WPT_NS_MS);
}

static void
on_signal(int sig)
{
	stop_sig = sig;
}

/* ---- options ---- */

static void
usage(FILE *f)
{
	fprintf(f,
"usage: wp_tcpd EAL-OPTIONS -- --ip A.B.C.D/LEN (--listen PORT | --connect IP:PORT) [options]\n"
"  --mode sink|source|echo|rr|duplex  (default sink)\n"
"  --conns N            client: concurrent connections (default 1)\n"
"  --barrier            client: send nothing until all --conns are connected\n"
"  --max-connecting N   client: at most N connects in progress at once\n"
"  --bytes B            per connection per direction (rr: total request bytes)\n"
"  --rr-size R          rr request size (default 1024)\n"
"  --seed S             stream seed (default 1)\n"
"  --exit-after-conns N server: finish after N connections closed (without it:\n"
"                       run until SIGTERM/SIGINT, which is then the normal end)\n"
"  --expect-close R[,R] close reasons that count as ok (default normal):\n"
"                       normal reset refused timeout connect_timeout keepalive\n"
"                       unreachable abort shutdown\n"
"  --impair K=V,...     RX impairment: drop=ppm,dup=ppm,reorder=ppm,corrupt=ppm,\n"
"                       delay_us=N,jitter_us=N,seed=N\n"
"  --impair-tx K=V,...  the same for TX\n"
"  --keepalive IDLE_MS,INTVL_MS,PROBES\n"
"  --rcvbuf N --sndbuf N --max-conns N --syn-backlog N --no-syncookies\n"
"  --time-wait-ms N --rto-min-ms N --rto-initial-ms N --syn-retries N\n"
"  --delack-ms N --ooo-max N --mbufs N --echo-copy\n"
"  --no-rack-tlp        losses found by duplicate ACKs and the RTO only\n"
"  --timeout-s T        give up after T seconds (exit 3; default 60)\n"
"  -v, --verbose\n");
}

static void
die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wp_tcpd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(2);
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s || s[0] == '-')
		return -1;
	if (*end == 'k' || *end == 'K') { x <<= 10; end++; }
	else if (*end == 'm' || *end == 'M') { x <<= 20; end++; }
	else if (*end == 'g' || *end == 'G') { x <<= 30; end++; }
	if (*end != '\0')
		return -1;
	*v = x;
	return 0;
}

static uint32_t
num(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;
	if (parse_u64(s, &v) || v > max)
		die_usage("invalid value '%s' for %s", s, opt);
	return (uint32_t)v;
}

static int
parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

static void
parse_impair(const char *opt, const char *s, struct wp_impair_conf *c)
{
	char buf[256];
	char *save = NULL;

	memset(c, 0, sizeof(*c));
	c->seed = 1;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		uint64_t v;
		if (eq == NULL)
			die_usage("%s: '%s' is not KEY=VALUE", opt, kv);
		*eq = '\0';
		if (parse_u64(eq + 1, &v))
			die_usage("%s: bad value for %s", opt, kv);
		if (!strcmp(kv, "drop")) c->drop_ppm = (uint32_t)v;
		else if (!strcmp(kv, "dup")) c->dup_ppm = (uint32_t)v;
		else if (!strcmp(kv, "reorder")) c->reorder_ppm = (uint32_t)v;
		else if (!strcmp(kv, "corrupt")) c->corrupt_ppm = (uint32_t)v;
		else if (!strcmp(kv, "delay_us")) c->delay_ns = (int64_t)v * 1000;
		else if (!strcmp(kv, "jitter_us")) c->jitter_ns = (int64_t)v * 1000;
		else if (!strcmp(kv, "seed")) c->seed = v;
		else if (!strcmp(kv, "max_held")) c->max_held = (uint16_t)v;
		else die_usage("%s: unknown key '%s'", opt, kv);
	}
}

static const char *const close_names[WP_TCP_CLOSE__COUNT] = {
	"normal", "reset", "refused", "timeout", "connect_timeout",
	"keepalive", "unreachable", "abort", "shutdown",
};

static void
parse_args(int argc, char **argv)
{
	enum { O_IP = 256, O_LISTEN, O_CONNECT, O_CONNS, O_BYTES, O_MODE, O_RR,
	       O_SEED, O_BARRIER, O_EXIT, O_TIMEOUT, O_EXPECT, O_IMPAIR,
	       O_IMPAIR_TX, O_KA, O_RCVBUF, O_SNDBUF, O_MAXC, O_BACKLOG,
	       O_NOCOOKIE, O_TW, O_RTOMIN, O_DELACK, O_MBUFS, O_ECHOCOPY, O_MAXCONN,
	       O_RTOINIT, O_SYNRETRIES, O_OOOMAX, O_NORACK };
	static const struct option lo[] = {
		{"ip", 1, 0, O_IP}, {"listen", 1, 0, O_LISTEN},
		{"connect", 1, 0, O_CONNECT}, {"conns", 1, 0, O_CONNS},
		{"bytes", 1, 0, O_BYTES}, {"mode", 1, 0, O_MODE},
		{"rr-size", 1, 0, O_RR}, {"seed", 1, 0, O_SEED},
		{"barrier", 0, 0, O_BARRIER}, {"exit-after-conns", 1, 0, O_EXIT},
		{"timeout-s", 1, 0, O_TIMEOUT}, {"expect-close", 1, 0, O_EXPECT},
		{"impair", 1, 0, O_IMPAIR}, {"impair-tx", 1, 0, O_IMPAIR_TX},
		{"keepalive", 1, 0, O_KA}, {"rcvbuf", 1, 0, O_RCVBUF},
		{"sndbuf", 1, 0, O_SNDBUF}, {"max-conns", 1, 0, O_MAXC},
		{"syn-backlog", 1, 0, O_BACKLOG}, {"no-syncookies", 0, 0, O_NOCOOKIE},
		{"time-wait-ms", 1, 0, O_TW}, {"rto-min-ms", 1, 0, O_RTOMIN},
		{"delack-ms", 1, 0, O_DELACK}, {"mbufs", 1, 0, O_MBUFS},
		{"echo-copy", 0, 0, O_ECHOCOPY}, {"max-connecting", 1, 0, O_MAXCONN},
		{"rto-initial-ms", 1, 0, O_RTOINIT}, {"syn-retries", 1, 0, O_SYNRETRIES},
		{"ooo-max", 1, 0, O_OOOMAX}, {"no-rack-tlp", 0, 0, O_NORACK},
		{"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0},
	};
	bool have_ip = false;
	int c;

	wp_net_conf_default(&o.nc);
	o.conns = 1;
	o.mode = M_SINK;
	o.rr_size = 1024;
	o.seed = 1;
	o.timeout_s = 60;
	o.expect_close = 1u << WP_TCP_CLOSE_NORMAL;
	o.nb_mbufs = 65535;

	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_IP: {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s", optarg);
			char *sl = strchr(buf, '/');
			if (sl == NULL)
				die_usage("--ip wants A.B.C.D/LEN");
			*sl = '\0';
			if (parse_ip(buf, &o.ip))
				die_usage("bad --ip '%s'", optarg);
			o.prefix = (uint8_t)num("--ip", sl + 1, 32);
			have_ip = true;
			break;
		}
		case O_LISTEN:
			o.listen_port = (uint16_t)num("--listen", optarg, 65535);
			break;
		case O_CONNECT: {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s", optarg);
			char *colon = strrchr(buf, ':');
			if (colon == NULL)
				die_usage("--connect wants IP:PORT");
			*colon = '\0';
			if (parse_ip(buf, &o.dst_ip))
				die_usage("bad --connect '%s'", optarg);
			o.dst_port = (uint16_t)num("--connect", colon + 1, 65535);
			o.client = true;
			break;
		}
		case O_CONNS: o.conns = num("--conns", optarg, 1000000); break;
		case O_BYTES:
			if (parse_u64(optarg, &o.bytes))
				die_usage("invalid value '%s' for --bytes", optarg);
			break;
		case O_MODE:
			if (!strcmp(optarg, "sink")) o.mode = M_SINK;
			else if (!strcmp(optarg, "source")) o.mode = M_SOURCE;
			else if (!strcmp(optarg, "echo")) o.mode = M_ECHO;
			else if (!strcmp(optarg, "rr")) o.mode = M_RR;
			else if (!strcmp(optarg, "duplex")) o.mode = M_DUPLEX;
			else die_usage("bad --mode '%s'", optarg);
			break;
		case O_RR: o.rr_size = num("--rr-size", optarg, sizeof(gen)); break;
		case O_SEED:
			if (parse_u64(optarg, &o.seed))
				die_usage("invalid value '%s' for --seed", optarg);
			break;
		case O_BARRIER: o.barrier = true; break;
		case O_EXIT: o.exit_after = num("--exit-after-conns", optarg, 100000000); break;
		case O_TIMEOUT:
			o.timeout_s = atof(optarg);
			if (o.timeout_s <= 0)
				die_usage("invalid value '%s' for --timeout-s", optarg);
			break;
		case O_EXPECT: {
			char buf[128];
			char *save = NULL;
			o.expect_close = 0;
			snprintf(buf, sizeof(buf), "%s", optarg);
			for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int k;
				for (k = 0; k < WP_TCP_CLOSE__COUNT; k++)
					if (!strcmp(t, close_names[k]))
						break;
				if (k == WP_TCP_CLOSE__COUNT)
					die_usage("unknown close reason '%s'", t);
				o.expect_close |= 1u << k;
			}
			break;
		}
		case O_IMPAIR: parse_impair("--impair", optarg, &o.imp_rx); o.impair_rx = true; break;
		case O_IMPAIR_TX: parse_impair("--impair-tx", optarg, &o.imp_tx); o.impair_tx = true; break;
		case O_KA: {
			unsigned long a, b, p;
			if (sscanf(optarg, "%lu,%lu,%lu", &a, &b, &p) != 3 || a == 0 || b == 0 ||
			    p == 0 || p > 255)
				die_usage("--keepalive wants IDLE_MS,INTVL_MS,PROBES");
			o.nc.keepalive_idle_ns = (int64_t)a * WPT_NS_MS;
			o.nc.keepalive_intvl_ns = (int64_t)b * WPT_NS_MS;
			o.nc.keepalive_probes = (uint8_t)p;
			break;
		}
		case O_RCVBUF: o.nc.rcvbuf = num("--rcvbuf", optarg, UINT32_MAX); break;
		case O_SNDBUF: o.nc.sndbuf = num("--sndbuf", optarg, UINT32_MAX); break;
		case O_MAXC: o.nc.max_conns = num("--max-conns", optarg, UINT32_MAX); break;
		case O_BACKLOG: o.nc.syn_backlog = num("--syn-backlog", optarg, UINT32_MAX); break;
		case O_NOCOOKIE: o.nc.syn_cookies = false; break;
		case O_TW: o.nc.time_wait_ns = (int64_t)num("--time-wait-ms", optarg, 86400000) * WPT_NS_MS; break;
		case O_RTOMIN: o.nc.rto_min_ns = (int64_t)num("--rto-min-ms", optarg, 600000) * WPT_NS_MS; break;
		case O_DELACK: o.nc.delack_ns = (int64_t)num("--delack-ms", optarg, 1000) * WPT_NS_MS; break;
		case O_MBUFS: o.nb_mbufs = num("--mbufs", optarg, 4000000); break;
		case O_ECHOCOPY: o.echo_copy = true; break;
		case O_MAXCONN: o.max_connecting = num("--max-connecting", optarg, 1000000); break;
		case O_RTOINIT: o.nc.rto_initial_ns = (int64_t)num("--rto-initial-ms", optarg, 600000) * WPT_NS_MS; break;
		case O_SYNRETRIES: o.nc.syn_retries = (uint8_t)num("--syn-retries", optarg, 255); break;
		case O_OOOMAX: o.nc.ooo_max = num("--ooo-max", optarg, UINT32_MAX); break;
		case O_NORACK: o.nc.rack_tlp = false; break;
		case 'v': o.verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!have_ip)
		die_usage("--ip is required");
	if (o.client == (o.listen_port != 0))
		die_usage("need exactly one of --listen PORT and --connect IP:PORT");
	if (o.mode == M_RR && !o.client)
		die_usage("--mode rr is a client mode (the server side is echo)");
}

/* ---- connections ---- */

static void conn_fail(struct tconn *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Mark a connection failed; the first reason is kept. */
static void
conn_fail(struct tconn *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wpt_set_why(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	t->bad = true;
}

static struct tconn *
tconn_alloc(void)
{
	struct tconn *t;

	if (nfree == 0)
		return NULL;
	t = &tc[freelist[--nfree]];
	uint32_t idx = t->idx;
	memset(t, 0, sizeof(*t));
	t->idx = idx;
	return t;
}

static void
tconn_release(struct tconn *t)
{
	t->st = S_FREE;
	t->c = NULL;
	freelist[nfree++] = t->idx;
}

static void
runq_push(struct tconn *t)
{
	if (t->in_q)
		return;
	t->in_q = true;
	runq[(runq_head + runq_len) % tc_cap] = t->idx;
	runq_len++;
}

static void
tconn_begin(struct tconn *t, uint16_t cport)
{
	t->cport = cport;
	if (o.client) {
		t->key_out = wpt_key(o.seed, cport, WPT_DIR_C2S);
		t->key_in = wpt_key(o.seed, cport, o.mode == M_RR ? WPT_DIR_C2S : WPT_DIR_S2C);
	} else {
		t->key_in = wpt_key(o.seed, cport, WPT_DIR_C2S);
		t->key_out = wpt_key(o.seed, cport, o.mode == M_ECHO ? WPT_DIR_C2S : WPT_DIR_S2C);
	}
	crypto_hash_sha256_init(&t->sh_in);
	crypto_hash_sha256_init(&t->sh_out);
	t->st = S_OPEN;
	n_open++;
	n_connected++;
}

static bool
barrier_open(void)
{
	return !o.client || !o.barrier || n_connected + n_connect_err + n_connect_fail >= o.conns;
}

static void
cb_accepted(void *listen_arg, struct wp_tcp_conn *c)
{
	struct wp_tcp_info info;
	struct tconn *t = tconn_alloc();

	(void)listen_arg;
	if (t == NULL) {
		fprintf(stderr, "wp_tcpd: no connection slot left (%u): aborting one\n", tc_cap);
		n_connect_err++;
		wp_tcp_abort(c);  /* its closed callback sees arg NULL */
		return;
	}
	wp_tcp_info(c, &info);
	t->c = c;
	wp_tcp_set_arg(c, t);
	n_started++;
	tconn_begin(t, info.remote_port);
	if (o.verbose >= 2 || (o.verbose && n_started <= 8))
		printf("event accepted port=%u t_ms=%ld\n", t->cport, t_ms());
	runq_push(t);
}

static void
cb_connected(void *arg, struct wp_tcp_conn *c)
{
	struct tconn *t = arg;
	struct wp_tcp_info info;

	wp_tcp_info(c, &info);
	t->c = c;
	tconn_begin(t, info.local_port);
	if (o.verbose >= 2 || (o.verbose && n_connected <= 8))
		printf("event connected port=%u t_ms=%ld\n", t->cport, t_ms());
	runq_push(t);
	/* the barrier opening releases everybody */
	if (o.barrier && barrier_open())
		for (uint32_t i = 0; i < tc_cap; i++)
			if (tc[i].st == S_OPEN)
				runq_push(&tc[i]);
}

static void
cb_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct tconn *t = arg;
	uint32_t len = 0;

	if (t == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
		uint32_t n = s->data_len;
		if (o.mode == M_SOURCE) {
			conn_fail(t, "source got %u unexpected bytes", n);
		} else if (!t->bad) {
			long b = wpt_check(t->key_in, t->rcvd, p, n);
			if (b >= 0)
				conn_fail(t, "content mismatch at offset %" PRIu64,
					  t->rcvd + (uint64_t)b);
		}
		crypto_hash_sha256_update(&t->sh_in, p, n);
		t->rcvd += n;
		len += n;
	}
	if (len != m->pkt_len)
		conn_fail(t, "chain pkt_len %u but segments hold %u", m->pkt_len, len);
	if (o.mode == M_RR && t->rcvd > t->queued)
		conn_fail(t, "rr: received %" PRIu64 " beyond sent %" PRIu64, t->rcvd, t->queued);

	if (o.mode == M_ECHO) {
		/* keep the segments; the window reopens when they are queued */
		if (t->pend_tail)
			t->pend_tail->next = m;
		else
			t->pend = m;
		struct rte_mbuf *s = m;
		while (s->next)
			s = s->next;
		t->pend_tail = s;
		t->pend_len += len;
	} else {
		rte_pktmbuf_free(m);
		wp_tcp_recved(c, len);
	}
	runq_push(t);
}

static void
cb_sent(void *arg, struct wp_tcp_conn *c, uint32_t acked)
{
	struct tconn *t = arg;

	(void)c;
	if (t == NULL)
		return;
	t->acked += acked;
	if (t->acked > t->queued)
		conn_fail(t, "acked %" PRIu64 " > queued %" PRIu64, t->acked, t->queued);
	runq_push(t);
}

static void
cb_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	struct tconn *t = arg;

	(void)c;
	if (t == NULL)
		return;
	if (o.verbose >= 2 || (o.verbose && o.conns <= 8))
		printf("event peer_closed port=%u rcvd=%" PRIu64 " queued=%" PRIu64 " t_ms=%ld\n",
		       t->cport, t->rcvd, t->queued, t_ms());
	t->peer_closed = true;
	runq_push(t);
}

static void
tconn_report(const struct tconn *t, enum wp_tcp_close_reason why)
{
	uint8_t d[32];
	char hin[65], hout[65];
	crypto_hash_sha256_state s;

	s = t->sh_in;
	crypto_hash_sha256_final(&s, d);
	wpt_hex(d, 32, hin);
	s = t->sh_out;
	crypto_hash_sha256_final(&s, d);
	wpt_hex(d, 32, hout);
	printf("conn port=%u in=%" PRIu64 " out=%" PRIu64 " acked=%" PRIu64
	       " sha_in=%s sha_out=%s close=%s t_ms=%ld %s%s\n",
	       t->cport, t->rcvd, t->queued, t->acked, hin, hout,
	       wp_tcp_close_reason_name(why), t_ms(), t->bad ? "BAD " : "ok",
	       t->bad ? t->why : "");
}

static void
cb_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct tconn *t = arg;

	(void)c;
	if ((unsigned int)why < WP_TCP_CLOSE__COUNT)
		close_count[why]++;
	if (t == NULL)
		return;
	if (t->st == S_CONNECTING)
		n_connect_fail++;
	else if (t->st == S_OPEN)
		n_open--;
	n_closed++;

	if ((unsigned int)why >= WP_TCP_CLOSE__COUNT || !(o.expect_close & (1u << why)))
		conn_fail(t, "closed %s, not an expected reason",
			  wp_tcp_close_reason_name(why));
	if (!t->bad && why == WP_TCP_CLOSE_NORMAL) {
		uint64_t want_in = 0, want_out = 0;
		switch (o.mode) {
		case M_SOURCE: want_out = o.bytes; break;
		case M_SINK: want_in = o.bytes; break;
		case M_DUPLEX: case M_RR: want_in = want_out = o.bytes; break;
		case M_ECHO: want_in = want_out = t->rcvd; break;
		}
		if (t->rcvd != want_in || t->queued != want_out)
			conn_fail(t, "short: in=%" PRIu64 "/%" PRIu64 " out=%" PRIu64 "/%" PRIu64,
				  t->rcvd, want_in, t->queued, want_out);
		else if (t->acked != t->queued)
			conn_fail(t, "closed normally with %" PRIu64 " of %" PRIu64 " bytes acked",
				  t->acked, t->queued);
		else if (!t->peer_closed)
			conn_fail(t, "closed normally without peer_closed");
	}
	if (t->bad)
		n_bad++;
	else
		n_ok++;
	tot_in += t->rcvd;
	tot_out += t->queued;
	if (o.verbose || o.conns <= 8 || (t->bad && n_bad <= 10))
		tconn_report(t, why);
	rte_pktmbuf_free(t->pend);  /* NULL-safe */
	t->pend = t->pend_tail = NULL;
	/* a queued index of a released slot is skipped by pump (st FREE) */
	tconn_release(t);
}

static const struct wp_tcp_cbs cbs = {
	.accepted = cb_accepted,
	.connected = cb_connected,
	.data = cb_data,
	.sent = cb_sent,
	.peer_closed = cb_peer_closed,
	.closed = cb_closed,
};

/* Close our side once this connection has nothing more to do. */
static void
maybe_close(struct tconn *t)
{
	bool done = false;

	if (t->closing)
		return;
	switch (o.mode) {
	case M_SOURCE: done = t->queued == o.bytes; break;
	case M_SINK: done = t->peer_closed; break;
	case M_ECHO: done = t->peer_closed && t->pend == NULL; break;
	case M_RR: done = t->rcvd == o.bytes && t->queued == o.bytes; break;
	case M_DUPLEX: done = t->peer_closed && t->queued == o.bytes; break;
	}
	if (o.mode == M_DUPLEX && !t->shut && t->queued == o.bytes) {
		int r = wp_tcp_shutdown(t->c);
		if (r < 0)
			conn_fail(t, "wp_tcp_shutdown: %s", strerror(-r));
		t->shut = true;
	}
	if (!done)
		return;
	t->closing = true;
	int r = wp_tcp_close(t->c);
	if (r < 0)
		conn_fail(t, "wp_tcp_close: %s", strerror(-r));
}

/* Queue pattern bytes [queued, limit). Returns false when blocked. */
static bool
send_pattern(struct tconn *t, uint64_t limit)
{
	while (t->queued < limit) {
		uint32_t space = wp_tcp_send_space(t->c);
		uint64_t n = limit - t->queued;
		if (n > sizeof(gen))
			n = sizeof(gen);
		if (n > space)
			n = space;
		if (n == 0)
			return false;
		wpt_fill(t->key_out, t->queued, gen, (size_t)n);
		int r = wp_tcp_send_bytes(t->c, gen, (uint32_t)n);
		if (r == -ENOMEM) {
			t->retry = true;  /* pool empty: try again next loop */
			return false;
		}
		if (r < 0) {
			conn_fail(t, "wp_tcp_send_bytes(%" PRIu64 "): %s", n, strerror(-r));
			return false;
		}
		crypto_hash_sha256_update(&t->sh_out, gen, (size_t)n);
		t->queued += n;
	}
	return true;
}

/* Echo: queue as many pending segments as the send buffer takes, as one
 * chain (zero-copy) or copied out with wp_tcp_send_bytes (--echo-copy). */
static void
send_echo(struct tconn *t)
{
	while (t->pend != NULL) {
		uint32_t space = wp_tcp_send_space(t->c);
		struct rte_mbuf *head = t->pend, *s = head, *last = NULL;
		uint32_t bytes = 0;
		uint16_t nseg = 0;
		int r;

		if (o.echo_copy && space > sizeof(gen))
			space = sizeof(gen);
		/* the longest prefix of whole segments that fits */
		while (s != NULL && bytes + s->data_len <= space && nseg < 64) {
			bytes += s->data_len;
			nseg++;
			last = s;
			s = s->next;
		}
		if (last == NULL)
			return;  /* not even one segment fits: wait for `sent` */
		last->next = NULL;
		head->nb_segs = nseg;
		head->pkt_len = bytes;
		if (o.echo_copy) {
			uint32_t off = 0;
			for (struct rte_mbuf *x = head; x; x = x->next) {
				memcpy(gen + off, rte_pktmbuf_mtod(x, uint8_t *), x->data_len);
				off += x->data_len;
			}
			r = wp_tcp_send_bytes(t->c, gen, bytes);
		} else {
			for (struct rte_mbuf *x = head; x; x = x->next)
				crypto_hash_sha256_update(&t->sh_out,
							  rte_pktmbuf_mtod(x, uint8_t *),
							  x->data_len);
			r = wp_tcp_send(t->c, head);
		}
		if (r < 0) {
			/* the stack did not take it: it stays in front */
			last->next = s;
			if (r == -ENOMEM)
				t->retry = true;
			else
				conn_fail(t, "echo send of %u bytes: %s", bytes, strerror(-r));
			if (!o.echo_copy)
				conn_fail(t, "zero-copy echo refused (%s): sha_out is off", strerror(-r));
			return;
		}
		if (o.echo_copy) {
			crypto_hash_sha256_update(&t->sh_out, gen, bytes);
			rte_pktmbuf_free(head);
		}
		t->pend = s;
		if (s == NULL)
			t->pend_tail = NULL;
		t->pend_len -= bytes;
		t->queued += bytes;
		wp_tcp_recved(t->c, bytes);
	}
}

static void
pump(struct tconn *t)
{
	if (t->st != S_OPEN || t->closing || t->bad)
		goto check;
	if (!barrier_open())
		return;
	switch (o.mode) {
	case M_SOURCE:
	case M_DUPLEX:
		send_pattern(t, o.bytes);
		break;
	case M_RR:
		if (t->queued == t->chunk_end && t->rcvd == t->chunk_end &&
		    t->chunk_end < o.bytes) {
			t->chunk_end += o.rr_size;
			if (t->chunk_end > o.bytes)
				t->chunk_end = o.bytes;
		}
		send_pattern(t, t->chunk_end);
		break;
	case M_ECHO:
		send_echo(t);
		break;
	case M_SINK:
		break;
	}
check:
	if (t->st == S_OPEN && !t->closing) {
		if (t->bad) {
			/* stop wasting time on it: RST, closed(ABORT) reports it */
			t->closing = true;
			wp_tcp_abort(t->c);
			return;
		}
		maybe_close(t);
	}
}

static void
run_queue(void)
{
	uint32_t n = runq_len;

	while (n-- > 0 && runq_len > 0) {
		struct tconn *t = &tc[runq[runq_head]];
		runq_head = (runq_head + 1) % tc_cap;
		runq_len--;
		t->in_q = false;
		if (t->st == S_FREE)
			continue;
		t->retry = false;
		pump(t);
		if (t->retry && t->st != S_FREE)
			runq_push(t);
	}
}

static uint32_t client_next;

static void
client_start(void)
{
	while (client_next < o.conns &&
	       (o.max_connecting == 0 ||
		n_started - n_connected - n_connect_fail < o.max_connecting)) {
		struct tconn *t = tconn_alloc();
		struct wp_tcp_conn *c = NULL;
		int r;

		if (t == NULL)
			return;
		t->st = S_CONNECTING;
		r = wp_tcp_connect(net, o.dst_ip, o.dst_port, 0, &cbs, t, &c);
		if (r < 0) {
			if (r == -ENOMEM) {
				tconn_release(t);
				return;  /* again on the next loop */
			}
			fprintf(stderr, "wp_tcpd: wp_tcp_connect #%u: %s\n", client_next, strerror(-r));
			n_connect_err++;
			n_bad++;
			n_closed++;
			tconn_release(t);
			client_next++;
			continue;
		}
		/* connect may have completed and even closed synchronously */
		if (t->st == S_CONNECTING)
			t->c = c;
		n_started++;
		client_next++;
	}
}

/* ---- reporting ---- */

static void
progress(int64_t t0, int64_t now)
{
	struct wp_net_stats s;

	wp_net_stats(net, &s);
	uint64_t drops = 0;
	for (int i = 0; i < WP_DROP__COUNT; i++)
		drops += s.drops[i];
	uint64_t in = tot_in, out = tot_out;
	for (uint32_t i = 0; i < tc_cap; i++)
		if (tc[i].st == S_OPEN) {
			in += tc[i].rcvd;
			out += tc[i].queued;
		}
	fprintf(stderr, "wp_tcpd: t=%.1fs started=%u connected=%u open=%u closed=%u ok=%u bad=%u bytes_in=%" PRIu64 " bytes_out=%" PRIu64 " flows=%u retx=%" PRIu64 " rto=%" PRIu64 " drops=%" PRIu64 " mbufs_in_use=%u\n",
		(double)(now - t0) / 1e9, n_started, n_connected, n_open, n_closed,
		n_ok, n_bad, in, out, s.tcp_conns, s.tcp_retransmits, s.tcp_rto_fires,
		drops, rte_mempool_in_use_count(mp));
}

static void
print_unfinished(void)
{
	uint32_t shown = 0;

	for (uint32_t i = 0; i < tc_cap && shown < 10; i++) {
		struct tconn *t = &tc[i];
		struct wp_tcp_info in;
		if (t->st == S_FREE || t->c == NULL)
			continue;
		wp_tcp_info(t->c, &in);
		printf("unfinished port=%u state=%s in=%" PRIu64 " queued=%" PRIu64 " acked=%" PRIu64
		       " peer_closed=%d closing=%d snd_una=%u snd_nxt=%u snd_wnd=%u cwnd=%u rcv_nxt=%u rcv_wnd=%u send_queued=%u retx=%u rto_ms=%" PRId64 " %s\n",
		       t->cport, wp_tcp_state_name(in.state), t->rcvd, t->queued, t->acked,
		       t->peer_closed, t->closing, in.snd_una, in.snd_nxt, in.snd_wnd, in.cwnd,
		       in.rcv_nxt, in.rcv_wnd, in.send_queued, in.retransmits,
		       (int64_t)(in.rto_ns / WPT_NS_MS), t->why);
		shown++;
	}
}

#define STAT(name) { #name, offsetof(struct wp_net_stats, name) }
static const struct { const char *name; size_t off; } stat_list[] = {
	STAT(rx_frames), STAT(tx_frames), STAT(arp_requests_sent),
	STAT(arp_replies_sent), STAT(arp_evictions), STAT(icmp_echo_replies), STAT(icmp_errors_in),
	STAT(tcp_active_opens), STAT(tcp_passive_opens), STAT(tcp_syncookies_sent),
	STAT(tcp_syncookies_ok), STAT(tcp_segs_in), STAT(tcp_segs_out),
	STAT(tcp_retransmits), STAT(tcp_fast_retransmits), STAT(tcp_rto_fires),
	STAT(tcp_sack_rexmits), STAT(tcp_sack_rounds), STAT(tcp_loss_probes),
	STAT(tcp_rack_recoveries), STAT(tcp_idle_restarts), STAT(tcp_syn_data),
	STAT(tcp_dup_segs), STAT(tcp_ooo_segs), STAT(tcp_challenge_acks),
	STAT(tcp_rst_sent), STAT(tcp_rst_recv), STAT(tcp_zero_window_probes),
	STAT(tcp_keepalive_probes),
};

static void
print_stats(const struct wp_net_stats *s)
{
	for (size_t i = 0; i < sizeof(stat_list) / sizeof(stat_list[0]); i++) {
		uint64_t v;
		memcpy(&v, (const char *)s + stat_list[i].off, sizeof(v));
		printf("stat %s=%" PRIu64 "\n", stat_list[i].name, v);
	}
	printf("stat peak_flows=%u\n", peak_flows);
	for (int i = 0; i < WP_DROP__COUNT; i++)
		if (s->drops[i])
			printf("drop %s=%" PRIu64 "\n", wp_net_drop_name((enum wp_net_drop)i),
			       s->drops[i]);
	printf("close_reasons");
	for (int i = 0; i < WP_TCP_CLOSE__COUNT; i++)
		if (close_count[i])
			printf(" %s=%u", close_names[i], close_count[i]);
	printf("\n");
	for (int i = 0; i < WP_TCP_CLOSE__COUNT; i++)
		if (s->tcp_closed[i] != close_count[i])
			printf("note: stack counted %s=%" PRIu64 ", callbacks %u\n",
			       close_names[i], s->tcp_closed[i], close_count[i]);
}

/* ---- main ---- */

static int
mask_ok(uint32_t ip, uint8_t prefix, uint32_t other)
{
	uint32_t m = prefix == 0 ? 0 : ~0u << (32 - prefix);
	return (ip & m) == (other & m);
}

int
main(int argc, char **argv)
{
	struct wp_port_conf pc;
	struct wp_port_info info;
	struct wp_portq q;
	struct wp_net_io io;
	struct wp_net_stats st;
	uint16_t port_id;
	unsigned int inuse_base, inuse_keep = 0, inuse_end;
	int64_t t0, deadline, last_progress;
	int rc = 0, n;
	bool port_up = false, q_up = false, timed_out = false, finished = false;
	const char *why = NULL;
	char fails[512] = "";

	n = wp_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "wp_tcpd: EAL init failed: %s\n", strerror(-n));
		return 2;
	}
	argc -= n;
	argv += n;
	optind = 0;  /* EAL used getopt: start afresh (glibc) */
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0) {
		fprintf(stderr, "wp_tcpd: sodium_init failed\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o.client && !mask_ok(o.ip, o.prefix, o.dst_ip))
		fprintf(stderr, "wp_tcpd: warning: %s is off-link\n", "destination");

	if (rte_eth_dev_count_avail() != 1) {
		fprintf(stderr, "wp_tcpd: want exactly one port (a --vdev), have %u\n",
			rte_eth_dev_count_avail());
		rte_eal_cleanup();
		return 2;
	}
	RTE_ETH_FOREACH_DEV(port_id)
		break;

	mp = rte_pktmbuf_pool_create("wpt_mp", o.nb_mbufs, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "wp_tcpd: mempool of %u mbufs: %s\n", o.nb_mbufs,
			rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}

	memset(&pc, 0, sizeof(pc));
	pc.port_id = port_id;
	pc.nb_queues = 1;
	pc.use_offloads = true;
	pc.mp = mp;
	rc = wp_port_setup(&pc, &info);
	if (rc < 0) {
		fprintf(stderr, "wp_tcpd: port setup: %s\n", strerror(-rc));
		rc = 1;
		goto out_pool;
	}
	port_up = true;
	/* what the PMD took for itself (af_xdp fill ring): the baseline */
	inuse_base = rte_mempool_in_use_count(mp);
	/* what it still holds after its close: net_tap frees its RX ring */
	inuse_keep = strcmp(info.driver, "net_tap") == 0 ? 0 : inuse_base;

	rc = wp_portq_init(&q, port_id, 0, o.impair_rx ? &o.imp_rx : NULL,
			   o.impair_tx ? &o.imp_tx : NULL, (int)rte_socket_id());
	if (rc < 0) {
		fprintf(stderr, "wp_tcpd: queue init: %s\n", strerror(-rc));
		rc = 1;
		goto out_port;
	}
	q_up = true;
	wp_portq_io(&q, &info, &io);

	o.nc.ip = o.ip;
	o.nc.prefix_len = o.prefix;
	memcpy(o.nc.mac, info.mac, 6);
	if (wp_net_conf_check(&o.nc, &why) < 0) {
		fprintf(stderr, "wp_tcpd: bad stack config: %s\n", why ? why : "?");
		rc = 2;
		goto out_q;
	}
	t0 = (int64_t)wp_clock_ns();
	t_start = t0;
	net = wp_net_create(&o.nc, &io, mp, (int)rte_socket_id(), t0);
	if (net == NULL) {
		fprintf(stderr, "wp_tcpd: wp_net_create: %s\n", rte_strerror(rte_errno));
		rc = 1;
		goto out_q;
	}

	tc_cap = (o.client ? o.conns : (o.exit_after > o.conns ? o.exit_after : o.conns)) + 64;
	if (!o.client && tc_cap < 20000 + 64)
		tc_cap = 20000 + 64;  /* a server takes whatever comes */
	tc = calloc(tc_cap, sizeof(*tc));
	freelist = calloc(tc_cap, sizeof(*freelist));
	runq = calloc(tc_cap, sizeof(*runq));
	if (tc == NULL || freelist == NULL || runq == NULL) {
		fprintf(stderr, "wp_tcpd: out of memory\n");
		rc = 1;
		goto out_net;
	}
	for (uint32_t i = 0; i < tc_cap; i++) {
		tc[i].idx = i;
		freelist[i] = tc_cap - 1 - i;
	}
	nfree = tc_cap;

	if (!o.client) {
		rc = wp_tcp_listen(net, o.listen_port, &cbs, NULL);
		if (rc < 0) {
			fprintf(stderr, "wp_tcpd: listen %u: %s\n", o.listen_port, strerror(-rc));
			rc = 1;
			goto out_net;
		}
	}
	printf("ready driver=%s mac=%02x:%02x:%02x:%02x:%02x:%02x rx_offloads=%#" PRIx64
	       " tx_offloads=%#" PRIx64 " mempool_baseline=%u %s=%u\n",
	       info.driver, info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4],
	       info.mac[5], info.rx_offloads, info.tx_offloads, inuse_base,
	       o.client ? "connecting" : "listening", o.client ? o.dst_port : o.listen_port);

	deadline = t0 + (int64_t)(o.timeout_s * 1e9);
	last_progress = t0;
	for (;;) {
		int64_t now = (int64_t)wp_clock_ns();

		if (o.client)
			client_start();
		wp_portq_poll(&q, net, now);
		run_queue();
		wp_net_flush(net);

		wp_net_stats(net, &st);
		if (st.tcp_conns > peak_flows)
			peak_flows = st.tcp_conns;
		if (now - last_progress >= WPT_NS_S) {
			last_progress = now;
			progress(t0, now);
		}
		if (!finished) {
			if (o.client)
				finished = client_next >= o.conns && n_closed >= o.conns;
			else
				finished = o.exit_after > 0 && n_closed >= o.exit_after;
			if (finished) {
				printf("all %u connections ended after %.3f s; waiting for flows to drain\n",
				       n_closed, (double)(now - t0) / 1e9);
				/* TIME_WAIT must expire; give it its time plus 2 s */
				int64_t drain = now + o.nc.time_wait_ns + 2 * WPT_NS_S;
				if (drain > deadline)
					deadline = drain;
			}
		}
		if (finished && st.tcp_conns == 0)
			break;
		if (stop_sig) {
			printf("stopped by signal %d\n", (int)stop_sig);
			/* a server with no --exit-after-conns runs until told */
			if (!o.client && o.exit_after == 0 && n_open == 0)
				finished = true;
			break;
		}
		if (now >= deadline) {
			timed_out = true;
			printf("TIMEOUT after %.1f s: %u of %u connections ended, flows=%u\n",
			       (double)(now - t0) / 1e9, n_closed,
			       o.client ? o.conns : o.exit_after, st.tcp_conns);
			print_unfinished();
			break;
		}
	}
	progress(t0, (int64_t)wp_clock_ns());

	/* checks before teardown */
	wp_net_stats(net, &st);
	uint32_t held = wp_net_mbufs_held(net);
	uint32_t pend_app = 0;
	for (uint32_t i = 0; i < tc_cap; i++)
		for (struct rte_mbuf *m = tc[i].pend; m; m = m->next)
			pend_app++;
	printf("summary conns=%u ok=%u bad=%u connect_err=%u bytes_in=%" PRIu64 " bytes_out=%" PRIu64 "\n",
	       n_closed, n_ok, n_bad, n_connect_err, tot_in, tot_out);
	print_stats(&st);
	printf("flows_left=%u\n", st.tcp_conns);
	printf("stack_mbufs_held=%u app_mbufs_held=%u\n", held, pend_app);
	if (timed_out)
		strcat(fails, " timeout");
	if (stop_sig && !timed_out && !(finished))
		strcat(fails, " stopped-unfinished");
	if (n_bad > 0 || n_connect_err > 0)
		strcat(fails, " connections");
	if (o.client && n_ok != o.conns)
		strcat(fails, " not-all-ok");
	if (!o.client && o.exit_after > 0 && n_ok < o.exit_after)
		strcat(fails, " not-all-ok");
	if (st.tcp_conns != 0)
		strcat(fails, " flows-left");
	if (held != 0)
		strcat(fails, " stack-mbufs-held");

out_net:
	if (net != NULL) {
		/* connections still open get closed(SHUTDOWN) in here */
		wp_net_free(net);
		net = NULL;
	}
	for (uint32_t i = 0; tc != NULL && i < tc_cap; i++) {
		rte_pktmbuf_free(tc[i].pend);
		tc[i].pend = NULL;
	}
out_q:
	if (q_up) {
		/* let the PMD reap its TX completions (af_xdp zero-copy) */
		unsigned int prev = UINT32_MAX;
		for (int i = 0; i < 200; i++) {
			unsigned int cur = rte_mempool_in_use_count(mp);
			if (cur == inuse_base || (cur == prev && i >= 20))
				break;
			prev = cur;
			rte_eth_tx_burst(port_id, 0, NULL, 0);
			usleep(1000);
		}
		wp_portq_fini(&q);
	}
out_port:
	if (port_up) {
		struct rte_eth_stats es;
		if (rte_eth_stats_get(port_id, &es) == 0)
			printf("port ipackets=%" PRIu64 " opackets=%" PRIu64 " imissed=%" PRIu64
			       " ierrors=%" PRIu64 " oerrors=%" PRIu64 " rx_nombuf=%" PRIu64 "\n",
			       es.ipackets, es.opackets, es.imissed, es.ierrors, es.oerrors,
			       es.rx_nombuf);
		wp_port_close(port_id);
		inuse_end = rte_mempool_in_use_count(mp);
		printf("mempool baseline=%u end=%u leaked=%d (size %u; after the port was stopped and closed)\n",
		       inuse_base, inuse_end, (int)inuse_end - (int)inuse_keep, o.nb_mbufs);
		if (inuse_end != inuse_keep)
			strcat(fails, " mempool");
	}
out_pool:
	rte_mempool_free(mp);
	free(tc);
	free(freelist);
	free(runq);
	rte_eal_cleanup();
	if (rc != 0) {
		printf("RESULT FAIL: setup (%d)\n", rc);
		return rc;
	}
	if (fails[0] != '\0') {
		printf("RESULT FAIL:%s\n", fails);
		return timed_out ? 3 : 1;
	}
	printf("RESULT PASS\n");
	return 0;
}
