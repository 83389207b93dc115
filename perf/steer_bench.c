/* SPDX-License-Identifier: BSD-3-Clause */
/* steer_bench: what flow steering costs per packet (issue 6), against
 * peers measured in the same run.
 *
 *   hash      the rule's table-driven Toeplitz (wp_rss_hash) against
 *             DPDK's rte_softrss over the same random IPv4/TCP tuples
 *             (one lcore; ns per hash)
 *   classify  wp_steer_owner on a whole frame: parse Ethernet/IPv4/TCP,
 *             hash, RETA (one lcore; ns per frame)
 *   handoff   two lcores, the landing worker and the owner: bursts of 32
 *             frames, every one owned by the other worker, classified and
 *             handed over; the owner takes them and gives the mbufs back
 *             over a return ring. ns per frame from the first burst to
 *             the last frame taken, for
 *               warmpool     wp_steer_rx / wp_steer_drain (per-pair SPSC
 *                            rte_ring, burst enqueue/dequeue)
 *               mutex queue  the same classification, then a FIFO behind
 *                            a pthread mutex (one lock per burst each side)
 *             The return path (an SPSC rte_ring) is the same for both.
 *
 * Every figure is the median of --runs runs. Last line: DESIGN.md
 * section 9 JSON for the handoff, warmpool against the mutex queue
 * (ns per frame, lower is better: ratio = mutex / warmpool).
 *
 * usage: steer_bench [EAL options] -- [--quick] [--runs N]
 * EAL needs two lcores for the handoff part, e.g. --lcores 0@0,1@1
 * (both may share a CPU, which then measures the time-sliced case).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include <warmpool/clock.h>
#include <warmpool/steer.h>

#define BURST 32
#define NMBUF 4096
#define MAX_RUNS 31
#define NTUPLES 4096

static unsigned runs = 5;
static uint64_t hash_iters = 20000000;
static uint64_t frames_per_run = 4000000;

static struct wp_rss *rss;
static struct rte_mempool *mp;
static struct rte_ring *ret_ring;      /* owner -> landing: mbufs back */
static struct wp_handoff *ho;
static struct wp_steer_worker *sw[2];

/* ---- the mutex queue peer ----------------------------------------------- */

struct mq {
	pthread_mutex_t mu;
	uint32_t head, tail;                /* tail - head frames queued */
	struct rte_mbuf *slot[1024];
};
static struct mq mq;

static unsigned
mq_put(struct mq *q, struct rte_mbuf **m, unsigned n)
{
	unsigned k = 0;

	pthread_mutex_lock(&q->mu);
	while (k < n && q->tail - q->head < RTE_DIM(q->slot)) {
		q->slot[q->tail % RTE_DIM(q->slot)] = m[k++];
		q->tail++;
	}
	pthread_mutex_unlock(&q->mu);
	return k;
}

static unsigned
mq_get(struct mq *q, struct rte_mbuf **m, unsigned max)
{
	unsigned k = 0;

	pthread_mutex_lock(&q->mu);
	while (k < max && q->head != q->tail) {
		m[k++] = q->slot[q->head % RTE_DIM(q->slot)];
		q->head++;
	}
	pthread_mutex_unlock(&q->mu);
	return k;
}

/* ---- frames ---------------------------------------------------------------- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* An Ethernet/IPv4/TCP ACK from a client to us that the rule gives to
 * worker 1 (the landing worker is 0). Checksums do not matter here. */
static void
fill_frame(struct rte_mbuf *m, uint32_t i)
{
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, 54);
	uint32_t src = 0xc6120001u + (i % 250), dst = 0xc6120201u;
	uint16_t sport = (uint16_t)(1024 + i % 60000);

	while (wp_rss_owner(rss, src, dst, sport, 8080) != 1)
		sport++;
	memset(b, 0, 54);
	put16(b + 12, 0x0800);
	b[14] = 0x45;
	put16(b + 16, 40);
	b[22] = 64;
	b[23] = 6;
	put32(b + 26, src);
	put32(b + 30, dst);
	put16(b + 34, sport);
	put16(b + 36, 8080);
	b[46] = 0x50;
	b[47] = 0x10;
	m->port = 0;
}

/* ---- one-lcore parts ------------------------------------------------------ */

static uint32_t tup[NTUPLES][4];

static double
bench_hash(bool table)
{
	uint64_t t0, sum = 0;
	uint64_t n = hash_iters;

	t0 = wp_clock_ns();
	for (uint64_t i = 0; i < n; i++) {
		const uint32_t *t = tup[i % NTUPLES];

		if (table) {
			sum += wp_rss_hash(rss, t[0], t[1], (uint16_t)t[2], (uint16_t)t[3]);
		} else {
			struct rte_ipv4_tuple v = { .src_addr = t[0], .dst_addr = t[1],
						    .sport = (uint16_t)t[2],
						    .dport = (uint16_t)t[3] };

			sum += rte_softrss((uint32_t *)&v, RTE_THASH_V4_L4_LEN, wp_rss_key(rss));
		}
	}
	if (sum == 42)              /* keep the loop */
		printf(" ");
	return (double)(wp_clock_ns() - t0) / (double)n;
}

static double
bench_classify(struct rte_mbuf **m, unsigned nm)
{
	uint64_t t0, n = hash_iters / 2;
	int sum = 0;

	t0 = wp_clock_ns();
	for (uint64_t i = 0; i < n; i++) {
		struct rte_mbuf *x = m[i % nm];

		sum += wp_steer_owner(rss, rte_pktmbuf_mtod(x, const uint8_t *),
				      rte_pktmbuf_data_len(x));
	}
	if (sum == 42)
		printf(" ");
	return (double)(wp_clock_ns() - t0) / (double)n;
}

/* ---- two-lcore handoff ---------------------------------------------------- */

enum { H_WARMPOOL, H_MUTEX };

static int mode;
static atomic_uint go, done_landing;
static uint64_t t_start, t_end;

/* The landing worker: refill its burst from the return ring, classify and
 * hand over, until it has sent frames_per_run. */
static int
landing_main(void *arg)
{
	struct rte_mbuf *b[BURST];
	uint64_t sent = 0;

	(void)arg;
	while (atomic_load(&go) == 0)
		rte_pause();
	t_start = wp_clock_ns();
	while (sent < frames_per_run) {
		uint64_t want = frames_per_run - sent;
		unsigned n = rte_ring_sc_dequeue_burst(ret_ring, (void **)b,
						       want < BURST ? (unsigned)want : BURST, NULL);

		if (n == 0)
			continue;
		if (mode == H_WARMPOOL) {
			uint16_t kept = wp_steer_rx(sw[0], b, (uint16_t)n);

			if (kept != 0)
				abort();
		} else {
			unsigned k = 0;

			for (unsigned i = 0; i < n; i++)
				if (wp_steer_owner(rss, rte_pktmbuf_mtod(b[i], const uint8_t *),
						   rte_pktmbuf_data_len(b[i])) != 1)
					abort();
			while (k < n)
				k += mq_put(&mq, b + k, n - k);
		}
		sent += n;
	}
	atomic_store(&done_landing, 1);
	return 0;
}

/* The owner: take what was handed over, give the mbufs back. */
static int
owner_main(void *arg)
{
	struct rte_mbuf *b[BURST];
	uint64_t got = 0;

	(void)arg;
	while (atomic_load(&go) == 0)
		rte_pause();
	while (got < frames_per_run) {
		unsigned n = mode == H_WARMPOOL ? wp_steer_drain(sw[1], b, BURST)
						: mq_get(&mq, b, BURST);
		unsigned k = 0;

		while (k < n)
			k += rte_ring_sp_enqueue_burst(ret_ring, (void **)(b + k), n - k, NULL);
		got += n;
	}
	t_end = wp_clock_ns();
	return 0;
}

static double
bench_handoff(int m, unsigned landing_lcore, unsigned owner_lcore)
{
	struct wp_steer_stats st;

	mode = m;
	atomic_store(&go, 0);
	atomic_store(&done_landing, 0);
	if (rte_eal_remote_launch(landing_main, NULL, landing_lcore) != 0 ||
	    (owner_lcore != rte_get_main_lcore() &&
	     rte_eal_remote_launch(owner_main, NULL, owner_lcore) != 0)) {
		fprintf(stderr, "steer_bench: cannot launch on lcores %u/%u\n", landing_lcore,
			owner_lcore);
		exit(1);
	}
	atomic_store(&go, 1);
	if (owner_lcore == rte_get_main_lcore())
		owner_main(NULL);
	rte_eal_mp_wait_lcore();
	if (m == H_WARMPOOL) {
		wp_steer_worker_stats(sw[0], &st, NULL);
		if (st.ring_full != 0)
			fprintf(stderr, "steer_bench: %" PRIu64 " frames dropped on a full ring\n",
				st.ring_full);
	}
	return (double)(t_end - t_start) / (double)frames_per_run;
}

/* ---- main ---------------------------------------------------------------- */

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(v[0]), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: steer_bench [EAL options] -- [--quick] [--runs N] [--help]\n"
		"  --quick    fewer iterations (a CI-sized check)\n"
		"  --runs N   runs per figure, median reported (1..%d, default 5)\n"
		"EAL needs two lcores for the handoff part, e.g. --lcores 0@0,1@1.\n",
		MAX_RUNS);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "runs", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct wp_rss_conf rc = { .nworkers = 2, .reta_size = 128, .name = "bench" };
	double h_tab[MAX_RUNS], h_soft[MAX_RUNS], cls[MAX_RUNS], ho_wp[MAX_RUNS], ho_mx[MAX_RUNS];
	struct rte_mbuf *m[NMBUF];
	unsigned lc_land, lc_own;
	int ret, opt;
	uint64_t x = 88172645463325252ull;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "steer_bench: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'q':
			runs = 3;
			hash_iters = 4000000;
			frames_per_run = 1000000;
			break;
		case 'r':
			runs = (unsigned)atoi(optarg);
			if (runs < 1 || runs > MAX_RUNS) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "steer_bench: needs two lcores (e.g. --lcores 0@0,1@1)\n");
		return 2;
	}
	lc_land = rte_get_next_lcore(-1, 1, 0);
	lc_own = rte_get_main_lcore();
	rss = wp_rss_create(&rc);
	mp = rte_pktmbuf_pool_create("steer_bench", NMBUF * 2, 0, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	ret_ring = rte_ring_create("steer_ret", NMBUF * 2, (int)rte_socket_id(),
				   RING_F_SP_ENQ | RING_F_SC_DEQ);
	ho = wp_handoff_create(2, 1024, (int)rte_socket_id());
	if (rss == NULL || mp == NULL || ret_ring == NULL || ho == NULL) {
		fprintf(stderr, "steer_bench: set-up failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (unsigned w = 0; w < 2; w++) {
		sw[w] = wp_steer_worker_create(ho, w, (int)rte_socket_id());
		if (sw[w] == NULL || wp_steer_worker_add_port(sw[w], 0, rss) != 0)
			return 1;
	}
	pthread_mutex_init(&mq.mu, NULL);
	for (unsigned i = 0; i < NTUPLES; i++)
		for (unsigned k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			tup[i][k] = (uint32_t)x;
		}
	/* 256 frames circulate: enough to keep both sides busy, few enough
	 * to stay in cache like a real burst does */
	for (unsigned i = 0; i < 256; i++) {
		m[i] = rte_pktmbuf_alloc(mp);
		if (m[i] == NULL)
			return 1;
		fill_frame(m[i], i * 7919u);
	}

	printf("steer_bench: %u runs, median; handoff between lcores %u (landing) and %u "
	       "(owner)\n", runs, lc_land, lc_own);
	for (unsigned r = 0; r < runs; r++) {
		h_tab[r] = bench_hash(true);
		h_soft[r] = bench_hash(false);
		cls[r] = bench_classify(m, 256);
		for (int k = 0; k < 2; k++) {
			if (rte_ring_sp_enqueue_bulk(ret_ring, (void **)m, 256, NULL) != 256)
				return 1;
			if (k == 0)
				ho_wp[r] = bench_handoff(H_WARMPOOL, lc_land, lc_own);
			else
				ho_mx[r] = bench_handoff(H_MUTEX, lc_land, lc_own);
			/* every mbuf is back in the return ring: take them out */
			if (rte_ring_sc_dequeue_bulk(ret_ring, (void **)m, 256, NULL) != 256) {
				fprintf(stderr, "steer_bench: frames missing after a run\n");
				return 1;
			}
		}
	}
	{
		double ht = median(h_tab, runs), hs = median(h_soft, runs), c = median(cls, runs);
		double hw = median(ho_wp, runs), hm = median(ho_mx, runs);

		printf("\n%-44s %10s\n", "what (ns per item, median)", "ns");
		printf("%-44s %10.2f\n", "hash: wp_rss_hash (table Toeplitz)", ht);
		printf("%-44s %10.2f   (x%.2f)\n", "hash: rte_softrss (DPDK, bit loop)", hs, hs / ht);
		printf("%-44s %10.2f\n", "classify: wp_steer_owner, whole frame", c);
		printf("%-44s %10.2f\n", "handoff: warmpool (SPSC ring per pair)", hw);
		printf("%-44s %10.2f   (x%.2f)\n", "handoff: mutex queue (same classify)", hm, hm / hw);
		printf("{\"bench\": \"steer_bench\", \"metric\": \"handoff ns per frame between two "
		       "workers (classify + hand over + take)\", \"unit\": \"ns\", \"warmpool\": %.2f, "
		       "\"peer\": \"mutex queue\", \"peer_value\": %.2f, \"ratio\": %.2f, "
		       "\"higher_is_better\": false}\n", hw, hm, hm / hw);
	}
	for (unsigned i = 0; i < 256; i++)
		rte_pktmbuf_free(m[i]);
	for (unsigned w = 0; w < 2; w++)
		wp_steer_worker_free(sw[w]);
	wp_handoff_free(ho, NULL);
	rte_ring_free(ret_ring);
	rte_mempool_free(mp);
	wp_rss_free(rss);
	rte_eal_cleanup();
	return 0;
}
