/* SPDX-License-Identifier: BSD-3-Clause */
/* Two TCP stacks talking: stack A (198.18.0.1) and stack B (198.18.0.2)
 * wired back to back in memory, each one's io.tx feeding a wire the other
 * reads, on a virtual clock. A connects to B's listener, both send a few
 * MB at once with checked content, then both half-close and the
 * connection ends through the FIN exchange and TIME_WAIT.
 *
 * The wire impairs with a seeded PRNG (same seed, same run): drops,
 * duplicates, reorders (a frame held back behind later ones) and
 * corruption (a flipped byte, which the receiver's checksum catches).
 *
 * At the end: every byte arrived once and in order, both `closed` calls
 * were NORMAL, no flow left (stats.tcp_conns == 0 after TIME_WAIT), no
 * mbuf held by either stack and the mempool back to its starting count. */
#include <stdlib.h>

#include <warmpool/tcp.h>

#include "net_harness.h"
#include "net/tcp_impl.h"
#include "../wp_test.h"

#define IP_A WPH_IP(198, 18, 0, 1)
#define IP_B WPH_IP(198, 18, 0, 2)
#define PORT_B 7000
#define WIRE_MAX 8192

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

struct impair {
	uint32_t drop_ppm, dup_ppm, reorder_ppm, corrupt_ppm;
};

struct wire {
	struct rte_mbuf *q[WIRE_MAX];
	uint32_t n;
	struct rte_mbuf *late[64];      /* held back: delivered after the next batch */
	uint32_t nlate;
	uint64_t dropped, duped, reordered, corrupted, frames;
};

struct side {
	struct wp_net *net;
	struct wire in;                 /* frames for this side */
	struct wp_tcp_conn *c;
	uint8_t dir;                    /* pattern selector of what this side sends */
	uint64_t queued;                /* bytes handed to wp_tcp_send */
	uint64_t got;                   /* bytes received (checked) */
	uint64_t acked;
	bool shut, peer_closed, closed;
	int reason;
	uint64_t bad_bytes;
};

static struct side SA, SB;
static struct rte_mempool *MP;
static uint64_t rng;
static uint64_t total;              /* bytes each way */

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static inline uint8_t
pattern(uint8_t dir, uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 11) + dir * 71);
}

static uint16_t
tx_to(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire *w = arg;
	uint16_t i;

	for (i = 0; i < n && w->n < WIRE_MAX; i++)
		w->q[w->n++] = pkts[i];
	return i;
}

static void
on_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct side *s = arg;
	uint8_t peer_dir = s == &SA ? SB.dir : SA.dir;
	const struct rte_mbuf *seg;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	for (seg = m; seg != NULL; seg = seg->next) {
		const uint8_t *p = rte_pktmbuf_mtod(seg, const uint8_t *);

		for (uint32_t i = 0; i < seg->data_len; i++)
			if (p[i] != pattern(peer_dir, s->got + i))
				s->bad_bytes++;
		s->got += seg->data_len;
	}
	rte_pktmbuf_free(m);
	wp_tcp_recved(c, len);
}

static void
on_sent(void *arg, struct wp_tcp_conn *c, uint32_t n)
{
	struct side *s = arg;

	(void)c;
	s->acked += n;
}

static void
on_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	struct side *s = arg;

	(void)c;
	s->peer_closed = true;
}

static void
on_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct side *s = arg;

	assert_ptr_equal(c, s->c);
	s->closed = true;
	s->reason = (int)why;
	s->c = NULL;
}

static void
on_connected(void *arg, struct wp_tcp_conn *c)
{
	struct side *s = arg;

	s->c = c;
}

static void
on_accepted(void *larg, struct wp_tcp_conn *c)
{
	struct side *s = larg;

	assert_null(s->c);
	s->c = c;
	wp_tcp_set_arg(c, s);
}

static const struct wp_tcp_cbs cbs = {
	.accepted = on_accepted,
	.connected = on_connected,
	.data = on_data,
	.sent = on_sent,
	.peer_closed = on_peer_closed,
	.closed = on_closed,
};

/* Deliver what is on wire `w` to stack `to`, impaired. */
static void
pump(struct wire *w, struct wp_net *to, const struct impair *im, int64_t now)
{
	struct rte_mbuf *batch[WIRE_MAX + 64 + 64];
	struct rte_mbuf *late[64];
	uint32_t nb = 0, nl = 0, i;

	for (i = 0; i < w->n; i++) {
		struct rte_mbuf *m = w->q[i];
		uint64_t r = rnd() % 1000000;

		w->frames++;
		if (r < im->drop_ppm) {
			w->dropped++;
			rte_pktmbuf_free(m);
			continue;
		}
		r = rnd() % 1000000;
		if (r < im->corrupt_ppm && rte_pktmbuf_data_len(m) > 40) {
			uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
			uint32_t at = 34 + (uint32_t)(rnd() % (rte_pktmbuf_data_len(m) - 34));

			p[at] ^= 0x5a;
			w->corrupted++;
		}
		r = rnd() % 1000000;
		if (r < im->dup_ppm) {
			struct rte_mbuf *d = rte_pktmbuf_copy(m, MP, 0, UINT32_MAX);

			assert_non_null(d);
			batch[nb++] = d;
			w->duped++;
		}
		r = rnd() % 1000000;
		if (r < im->reorder_ppm && nl < RTE_DIM(late)) {
			late[nl++] = m;
			w->reordered++;
			continue;
		}
		batch[nb++] = m;
	}
	w->n = 0;
	/* last round's late frames go after this round's */
	for (i = 0; i < w->nlate; i++)
		batch[nb++] = w->late[i];
	memcpy(w->late, late, nl * sizeof(late[0]));
	w->nlate = nl;
	for (i = 0; i < nb; i += 32) {
		uint16_t k = (uint16_t)(nb - i < 32 ? nb - i : 32);

		wp_net_input(to, batch + i, k, now);
	}
}

static void
feed(struct side *s)
{
	static uint8_t buf[16384];

	if (s->c == NULL || s->shut)
		return;
	while (s->queued < total) {
		uint32_t space = wp_tcp_send_space(s->c), n;

		n = (uint32_t)RTE_MIN((uint64_t)space, RTE_MIN(total - s->queued, (uint64_t)sizeof(buf)));
		if (n < 1024 && n < total - s->queued)
			break;
		for (uint32_t i = 0; i < n; i++)
			buf[i] = pattern(s->dir, s->queued + i);
		assert_int_equal(wp_tcp_send_bytes(s->c, buf, n), 0);
		s->queued += n;
	}
	if (s->queued == total) {
		assert_int_equal(wp_tcp_shutdown(s->c), 0);
		s->shut = true;
	}
}

static struct wp_net *
make_stack(struct side *s, uint32_t ip, const uint8_t mac[6], struct wire *out,
	   const struct wp_net_conf *base, int64_t now)
{
	struct wp_net_conf cf = *base;
	struct wp_net_io io = { .tx = tx_to, .arg = out };

	cf.ip = ip;
	memcpy(cf.mac, mac, 6);
	s->net = wp_net_create(&cf, &io, MP, SOCKET_ID_ANY, now);
	assert_non_null(s->net);
	return s->net;
}

static struct wp_net_stats
run_pair_rack(const struct impair *im, uint64_t bytes, bool opts, uint64_t seed, bool rack,
	      uint32_t buf)
{
	struct wp_net_conf cf;
	struct wp_net_stats sa, sb;
	int64_t now = WPH_S(1000);
	unsigned in_use0;
	uint64_t iters = 0;
	struct wp_tcp_conn *c;

	MP = wph_pool();
	in_use0 = rte_mempool_in_use_count(MP);
	rng = seed;
	total = bytes;
	memset(&SA, 0, sizeof(SA));
	memset(&SB, 0, sizeof(SB));
	SA.dir = 1;
	SB.dir = 2;
	SA.reason = SB.reason = -1;

	wph_conf(&cf);
	cf.prefix_len = 24;
	cf.secret_seed = seed;
	cf.rto_min_ns = WPH_MS(20);
	cf.rto_initial_ns = WPH_MS(100);
	cf.time_wait_ns = WPH_S(2);
	cf.delack_ns = WPH_MS(5);
	cf.sndbuf = buf;
	cf.rcvbuf = buf;
	cf.opt_sack = cf.opt_timestamps = cf.opt_wscale = opts;
	cf.rack_tlp = rack;
	make_stack(&SA, IP_A, mac_a, &SB.in, &cf, now);
	make_stack(&SB, IP_B, mac_b, &SA.in, &cf, now);
	assert_int_equal(wp_arp_add_static(SA.net, IP_B, mac_b), 0);
	assert_int_equal(wp_arp_add_static(SB.net, IP_A, mac_a), 0);
	assert_int_equal(wp_tcp_listen(SB.net, PORT_B, &cbs, &SB), 0);
	assert_int_equal(wp_tcp_connect(SA.net, IP_B, PORT_B, 0, &cbs, &SA, &c), 0);
	SA.c = c;

	while (!(SA.closed && SB.closed) && iters < 2000000) {
		iters++;
		now += 50000;                         /* 50 us per round */
		wp_net_flush(SA.net);
		wp_net_flush(SB.net);
		pump(&SA.in, SA.net, im, now);
		pump(&SB.in, SB.net, im, now);
		wp_net_timers(SA.net, now);
		wp_net_timers(SB.net, now);
		feed(&SA);
		feed(&SB);
		if (SA.c && SA.peer_closed && SA.shut && SA.acked == total && !SA.closed)
			wp_tcp_close(SA.c);
		if (SB.c && SB.peer_closed && SB.shut && SB.acked == total && !SB.closed)
			wp_tcp_close(SB.c);
	}
	print_message("bytes %" PRIu64 " each way, %" PRIu64 " rounds (%.1f ms virtual); "
		      "A->B frames %" PRIu64 " dropped %" PRIu64 " duped %" PRIu64
		      " reordered %" PRIu64 " corrupted %" PRIu64 "\n",
		      bytes, iters, iters * 0.05, SB.in.frames, SB.in.dropped, SB.in.duped,
		      SB.in.reordered, SB.in.corrupted);
	assert_true(SA.closed && SB.closed);
	assert_int_equal(SA.reason, WP_TCP_CLOSE_NORMAL);
	assert_int_equal(SB.reason, WP_TCP_CLOSE_NORMAL);
	assert_int_equal(SA.got, total);
	assert_int_equal(SB.got, total);
	assert_int_equal(SA.bad_bytes, 0);
	assert_int_equal(SB.bad_bytes, 0);
	assert_int_equal(SA.acked, total);
	assert_int_equal(SB.acked, total);
	/* TIME_WAIT is still there on (at least) one side; let it expire,
	 * answering whatever is still on the wires */
	for (int i = 0; i < 100; i++) {
		now += WPH_MS(50);
		wp_net_flush(SA.net);
		wp_net_flush(SB.net);
		pump(&SA.in, SA.net, im, now);
		pump(&SB.in, SB.net, im, now);
		wp_net_timers(SA.net, now);
		wp_net_timers(SB.net, now);
	}
	wp_net_flush(SA.net);
	wp_net_flush(SB.net);
	wp_net_stats(SA.net, &sa);
	wp_net_stats(SB.net, &sb);
	print_message("A: segs out %" PRIu64 " rexmit %" PRIu64 " fast %" PRIu64 " rto %" PRIu64
		      " ooo %" PRIu64 " dup %" PRIu64 " csum drops %" PRIu64 "\n",
		      sa.tcp_segs_out, sa.tcp_retransmits, sa.tcp_fast_retransmits, sa.tcp_rto_fires,
		      sa.tcp_ooo_segs, sa.tcp_dup_segs, sa.drops[WP_DROP_TCP_CSUM] + sa.drops[WP_DROP_IP_CSUM]);
	assert_int_equal(sa.tcp_conns, 0);
	assert_int_equal(sb.tcp_conns, 0);
	assert_int_equal(sa.tcp_closed[WP_TCP_CLOSE_NORMAL], 1);
	assert_int_equal(sb.tcp_closed[WP_TCP_CLOSE_NORMAL], 1);
	assert_int_equal(sa.tcp_rst_sent + sb.tcp_rst_sent, 0);
	assert_int_equal(wp_net_mbufs_held(SA.net), 0);
	assert_int_equal(wp_net_mbufs_held(SB.net), 0);
	if (im->drop_ppm)
		assert_true(sa.tcp_retransmits + sb.tcp_retransmits > 0);
	/* whatever is still on the wires */
	pump(&SA.in, SA.net, &(struct impair){ 0 }, now);
	pump(&SB.in, SB.net, &(struct impair){ 0 }, now);
	pump(&SA.in, SA.net, &(struct impair){ 0 }, now);
	pump(&SB.in, SB.net, &(struct impair){ 0 }, now);
	wp_net_free(SA.net);
	wp_net_free(SB.net);
	for (uint32_t i = 0; i < SA.in.n; i++)
		rte_pktmbuf_free(SA.in.q[i]);
	for (uint32_t i = 0; i < SB.in.n; i++)
		rte_pktmbuf_free(SB.in.q[i]);
	assert_int_equal(rte_mempool_in_use_count(MP), in_use0);
	return sa;
}

static struct wp_net_stats
run_pair(const struct impair *im, uint64_t bytes, bool opts, uint64_t seed)
{
	return run_pair_rack(im, bytes, opts, seed, true, 128 * 1024);
}

static void
t_pair_clean(void **st)
{
	const struct impair im = { 0 };

	(void)st;
	run_pair(&im, 4u << 20, true, 1);
}

static void
t_pair_clean_no_options(void **st)
{
	const struct impair im = { 0 };

	(void)st;
	run_pair(&im, 1u << 20, false, 2);
}

static void
t_pair_impaired(void **st)
{
	/* 1% loss, 0.5% duplicates, 2% reordered, 0.2% corrupted */
	const struct impair im = { .drop_ppm = 10000, .dup_ppm = 5000, .reorder_ppm = 20000,
				   .corrupt_ppm = 2000 };

	(void)st;
	run_pair(&im, 3u << 20, true, 0xfeed);
}

/* 5% loss both ways, the same seed with and without options: SACK
 * recovery repairs the holes of a window without waiting for timeouts,
 * NewReno alone cannot (both without the loss timer, which helps each
 * and is compared on its own below). */
static void
t_pair_lossy_sack_vs_newreno(void **st)
{
	const struct impair im = { .drop_ppm = 50000 };
	struct wp_net_stats sack, nr;

	(void)st;
	sack = run_pair_rack(&im, 2u << 20, true, 99, false, 128 * 1024);
	nr = run_pair_rack(&im, 2u << 20, false, 99, false, 128 * 1024);
	print_message("5%% loss, 2 MiB: RTOs with SACK %" PRIu64 " (SACK resends %" PRIu64
		      ", lost-resend rounds %" PRIu64 "), NewReno %" PRIu64 "\n",
		      sack.tcp_rto_fires, sack.tcp_sack_rexmits, sack.tcp_sack_rounds,
		      nr.tcp_rto_fires);
	assert_true(sack.tcp_sack_rexmits > 0);
	assert_int_equal(nr.tcp_sack_rexmits, 0);
	assert_true(sack.tcp_rto_fires * 2 < nr.tcp_rto_fires);
}

/* 5% loss both ways, SACK on, 8 KiB windows (flights of a few segments,
 * where three duplicate ACKs are rare and a lost tail or ACK leaves
 * nothing to clock recovery), the same seeds with and without the loss
 * timer (tcp_recovery.c): the reordering window and the tail probes find
 * those losses, so the timeouts that remain are a fraction of those
 * without. */
static void
t_pair_lossy_rack_vs_rto_only(void **st)
{
	const struct impair im = { .drop_ppm = 50000 };
	uint64_t rto_on = 0, rto_off = 0, probes = 0, early = 0;

	(void)st;
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct wp_net_stats on = run_pair_rack(&im, 256u << 10, true, seed, true, 8192);
		struct wp_net_stats off = run_pair_rack(&im, 256u << 10, true, seed, false, 8192);

		rto_on += on.tcp_rto_fires;
		rto_off += off.tcp_rto_fires;
		probes += on.tcp_loss_probes;
		early += on.tcp_rack_recoveries;
		assert_int_equal(off.tcp_loss_probes + off.tcp_rack_recoveries, 0);
	}
	print_message("5%% loss, 8 KiB windows, 8 x 256 KiB: RTOs with the loss timer %" PRIu64
		      " (probes %" PRIu64 ", early recoveries %" PRIu64 "), without %" PRIu64 "\n",
		      rto_on, probes, early, rto_off);
	assert_true(probes > 0);
	assert_true(early > 0);
	assert_true(rto_on * 4 <= rto_off);
}

static void
t_pair_lossy_no_options(void **st)
{
	const struct impair im = { .drop_ppm = 50000, .reorder_ppm = 10000 };

	(void)st;
	run_pair(&im, 1u << 20, false, 77);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_pair_clean),
		cmocka_unit_test(t_pair_clean_no_options),
		cmocka_unit_test(t_pair_impaired),
		cmocka_unit_test(t_pair_lossy_no_options),
		cmocka_unit_test(t_pair_lossy_sack_vs_newreno),
		cmocka_unit_test(t_pair_lossy_rack_vs_rto_only),
	};
	int rc;

	if (wp_test_eal_init("test_tcp_pair", NULL) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wp_test_eal_cleanup();
	return rc;
}
