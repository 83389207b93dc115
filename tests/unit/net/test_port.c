/* SPDX-License-Identifier: BSD-3-Clause */
/* The port layer on real ethdevs without root: two net_ring ports cross-
 * connected by two rte_rings (A's TX is B's RX and back). Proves set-up,
 * burst RX/TX and wp_portq_poll, then runs two stacks on the two ports
 * that resolve each other with ARP and ping (ICMP echo), end to end
 * through every layer of src/net below TCP. Also the impairment stage on
 * a port queue. Every test checks the mempool's in-use count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <warmpool/net.h>
#include <warmpool/port.h>

#include "net/net_impl.h"
#include "net/parse.h"
#include "../wp_test.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define IP_A IP(198, 18, 0, 1)
#define IP_B IP(198, 18, 0, 2)

static struct rte_mempool *mp;
static struct rte_ring *ring_ab, *ring_ba;
static struct wp_port_info info_a, info_b;
static struct wp_portq qa, qb;
static unsigned int in_use0;

static int
make_port(const char *name, struct rte_ring *rx, struct rte_ring *tx, struct wp_port_info *info)
{
	struct wp_port_conf pc = { .nb_queues = 1, .mp = mp, .use_offloads = true,
				   .promiscuous = true };
	int port = rte_eth_from_rings(name, &rx, 1, &tx, 1, (unsigned int)rte_socket_id());

	if (port < 0)
		return -1;
	pc.port_id = (uint16_t)port;
	return wp_port_setup(&pc, info);
}

static int
group_setup(void **st)
{
	(void)st;
	mp = rte_pktmbuf_pool_create("port_mp", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	ring_ab = rte_ring_create("r_ab", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	ring_ba = rte_ring_create("r_ba", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (mp == NULL || ring_ab == NULL || ring_ba == NULL)
		return -1;
	if (make_port("wpA", ring_ba, ring_ab, &info_a) != 0 ||
	    make_port("wpB", ring_ab, ring_ba, &info_b) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **st)
{
	(void)st;
	wp_port_close(info_a.port_id);
	wp_port_close(info_b.port_id);
	rte_ring_free(ring_ab);
	rte_ring_free(ring_ba);
	rte_mempool_free(mp);
	return 0;
}

static int
setup(void **st)
{
	(void)st;
	in_use0 = rte_mempool_in_use_count(mp);
	assert_int_equal(wp_portq_init(&qa, info_a.port_id, 0, NULL, NULL, SOCKET_ID_ANY), 0);
	assert_int_equal(wp_portq_init(&qb, info_b.port_id, 0, NULL, NULL, SOCKET_ID_ANY), 0);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	struct rte_mbuf *m[32];
	uint16_t n;

	wp_portq_fini(&qa);
	wp_portq_fini(&qb);
	/* nothing may be left in flight */
	n = rte_eth_rx_burst(info_a.port_id, 0, m, 32);
	rte_pktmbuf_free_bulk(m, n);
	assert_int_equal(n, 0);
	n = rte_eth_rx_burst(info_b.port_id, 0, m, 32);
	rte_pktmbuf_free_bulk(m, n);
	assert_int_equal(n, 0);
	assert_int_equal(rte_mempool_in_use_count(mp), in_use0);
	return 0;
}

static struct rte_mbuf *
frame(uint32_t id, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	for (uint16_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i + id);
	memcpy(p + 14, &id, 4);
	return m;
}

static void
t_setup_info(void **st)
{
	(void)st;
	struct wp_port_conf pc = { .port_id = info_a.port_id, .nb_queues = 1, .mp = mp };
	struct wp_port_info info;

	assert_string_equal(info_a.driver, "net_ring");
	assert_int_equal(info_a.nb_queues, 1);
	assert_true(info_a.mtu >= 1500);
	/* a usable unicast MAC, different per port */
	assert_int_equal(info_a.mac[0] & 1, 0);
	assert_true(memcmp(info_a.mac, "\0\0\0\0\0\0", 6) != 0);
	assert_memory_not_equal(info_a.mac, info_b.mac, 6);
	/* only offered checksum offloads can be enabled */
	assert_int_equal(info_a.rx_offloads & ~info_a.rx_offload_capa, 0);
	assert_int_equal(info_a.tx_offloads & ~info_a.tx_offload_capa, 0);
	/* bad requests */
	pc.nb_queues = 0;
	assert_int_equal(wp_port_setup(&pc, &info), -EINVAL);
	pc.nb_queues = 1;
	pc.mp = NULL;
	assert_int_equal(wp_port_setup(&pc, &info), -EINVAL);
	pc.mp = mp;
	pc.port_id = RTE_MAX_ETHPORTS - 1;
	assert_int_equal(wp_port_setup(&pc, &info), -ENODEV);
	/* io carries the port's offloads */
	struct wp_net_io io;
	wp_portq_io(&qa, &info_a, &io);
	assert_ptr_equal(io.tx, wp_portq_tx);
	assert_ptr_equal(io.arg, &qa);
	assert_int_equal(io.rx_offloads, info_a.rx_offloads);
	assert_int_equal(io.tx_offloads, info_a.tx_offloads);
}

/* Frames sent on A arrive on B, bytes and order intact. */
static void
t_frames_flow(void **st)
{
	(void)st;
	struct rte_mbuf *tx[40], *rx[64];
	uint16_t got = 0, n;

	for (uint32_t i = 0; i < 40; i++)
		tx[i] = frame(i, (uint16_t)(60 + i));
	assert_int_equal(wp_portq_tx(&qa, tx, 40), 40);
	assert_int_equal(qa.tx_pkts, 40);
	while ((n = wp_portq_rx(&qb, rx + got, 32, 0)) > 0)
		got += n;
	assert_int_equal(got, 40);
	assert_int_equal(qb.rx_pkts, 40);
	for (uint32_t i = 0; i < 40; i++) {
		struct rte_mbuf *ref = frame(i, (uint16_t)(60 + i));
		assert_int_equal(rte_pktmbuf_pkt_len(rx[i]), 60 + i);
		assert_memory_equal(rte_pktmbuf_mtod(rx[i], void *), rte_pktmbuf_mtod(ref, void *),
				    60 + i);
		rte_pktmbuf_free(ref);
		rte_pktmbuf_free(rx[i]);
	}
}

/* A full ring: the port takes what fits and says so. */
static void
t_tx_full(void **st)
{
	(void)st;
	enum { N = 1100 };          /* ring of 1024 holds 1023 */
	static struct rte_mbuf *tx[N];
	struct rte_mbuf *rx[32];
	uint16_t taken = 0, n;

	for (uint32_t i = 0; i < N; i++)
		tx[i] = frame(i, 64);
	for (uint32_t off = 0; off < N; off += 100) {
		uint16_t k = (uint16_t)RTE_MIN(100u, N - off);
		taken += wp_portq_tx(&qa, tx + off, k);
	}
	assert_int_equal(taken, 1023);
	assert_int_equal(qa.tx_dropped, N - 1023);
	rte_pktmbuf_free_bulk(tx + taken, N - taken);
	while ((n = wp_portq_rx(&qb, rx, 32, 0)) > 0)
		rte_pktmbuf_free_bulk(rx, n);
	assert_int_equal(qb.rx_pkts, 1023);
}

/* Two stacks, one per port: A pings B. ARP request/reply cross the rings,
 * the echo request waits for resolution, B answers, A receives the reply
 * (which it counts as an ICMP type it does not handle). */
static void
t_two_stacks_ping(void **st)
{
	(void)st;
	struct wp_net_conf ca, cb;
	struct wp_net_io ioa, iob;
	struct wp_net_stats sa, sb;

	wp_net_conf_default(&ca);
	ca.ip = IP_A;
	ca.prefix_len = 24;
	memcpy(ca.mac, info_a.mac, 6);
	ca.secret_seed = 1;
	cb = ca;
	cb.ip = IP_B;
	memcpy(cb.mac, info_b.mac, 6);
	wp_portq_io(&qa, &info_a, &ioa);
	wp_portq_io(&qb, &info_b, &iob);
	int64_t now = 1000;
	struct wp_net *a = wp_net_create(&ca, &ioa, mp, SOCKET_ID_ANY, now);
	struct wp_net *b = wp_net_create(&cb, &iob, mp, SOCKET_ID_ANY, now);
	assert_non_null(a);
	assert_non_null(b);

	/* an echo request from A's stack to B */
	uint8_t ic[8 + 32];
	memset(ic, 0, sizeof(ic));
	ic[0] = 8;
	ic[5] = 0x42;
	ic[7] = 1;
	for (int i = 8; i < (int)sizeof(ic); i++)
		ic[i] = (uint8_t)i;
	uint16_t c = wp_csum_fold(wp_csum_partial(ic, sizeof(ic), 0));
	ic[2] = (uint8_t)(c >> 8);
	ic[3] = (uint8_t)c;
	struct rte_mbuf *m = wp_net_alloc(a);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, sizeof(ic)), ic, sizeof(ic));
	a->now = now;
	assert_int_equal(wp_ipv4_output(a, m, IP_B, WP_IPPROTO_ICMP), 0);
	wp_net_flush(a);

	for (int i = 0; i < 10; i++) {
		now += 1000;
		wp_portq_poll(&qb, b, now);
		wp_portq_poll(&qa, a, now);
	}
	wp_net_stats(a, &sa);
	wp_net_stats(b, &sb);
	/* each announced itself: B had no use for A's announcement (not for
	 * it), while B's resolved A's pending entry at once (RFC 826 merge) */
	assert_int_equal(sb.drops[WP_DROP_ARP_NOT_US], 1);
	assert_int_equal(sa.drops[WP_DROP_ARP_NOT_US], 0);
	/* A asked, B answered and learned A from the request */
	assert_int_equal(sa.arp_requests_sent, 2);      /* gratuitous + request */
	assert_int_equal(sb.arp_replies_sent, 1);
	assert_int_equal(sb.arp_requests_sent, 1);      /* gratuitous only */
	assert_int_equal(sb.icmp_echo_replies, 1);
	assert_int_equal(sa.drops[WP_DROP_ICMP_TYPE], 1);  /* the echo reply */
	assert_int_equal(sa.arp_pending, 0);
	assert_int_equal(sa.rx_frames, 3);      /* B's GARP, ARP reply, echo reply */
	assert_int_equal(sb.rx_frames, 3);      /* A's GARP, ARP request, echo request */
	assert_int_equal(sa.tx_frames, 3);
	assert_int_equal(sb.tx_frames, 3);
	uint64_t total = 0;
	for (int i = 0; i < WP_DROP__COUNT; i++)
		total += sa.drops[i] + sb.drops[i];
	assert_int_equal(total, 2);
	assert_int_equal(wp_net_mbufs_held(a) + wp_net_mbufs_held(b), 0);
	wp_net_free(a);
	wp_net_free(b);
}

/* RX impairment on a port queue: a seeded drop stage in front of the
 * stack, same seed same survivors. */
static void
t_port_rx_impair(void **st)
{
	(void)st;
	struct wp_impair_conf ic = { .seed = 99, .drop_ppm = 500000 };
	struct rte_mbuf *tx[64], *rx[64];
	uint32_t ids[2][64], got[2] = { 0, 0 };

	for (int run = 0; run < 2; run++) {
		wp_portq_fini(&qb);
		assert_int_equal(wp_portq_init(&qb, info_b.port_id, 0, &ic, NULL, SOCKET_ID_ANY), 0);
		assert_non_null(qb.rx_impair);
		for (uint32_t i = 0; i < 64; i++)
			tx[i] = frame(i, 64);
		assert_int_equal(wp_portq_tx(&qa, tx, 64), 64);
		uint16_t n;
		while ((n = wp_portq_rx(&qb, rx, 32, 0)) > 0) {
			for (uint16_t i = 0; i < n; i++) {
				memcpy(&ids[run][got[run]++],
				       rte_pktmbuf_mtod_offset(rx[i], void *, 14), 4);
				rte_pktmbuf_free(rx[i]);
			}
		}
		struct wp_impair_stats s;
		wp_impair_stats(qb.rx_impair, &s);
		assert_int_equal(s.seen, 64);
		assert_int_equal(got[run], 64 - s.dropped);
		assert_true(s.dropped > 10 && s.dropped < 54);
	}
	assert_int_equal(got[0], got[1]);
	assert_memory_equal(ids[0], ids[1], got[0] * sizeof(uint32_t));
	/* TX corruption turns the TX checksum offloads off in the io */
	struct wp_impair_conf tc = { .seed = 1, .corrupt_ppm = 1000 };
	wp_portq_fini(&qa);
	assert_int_equal(wp_portq_init(&qa, info_a.port_id, 0, NULL, &tc, SOCKET_ID_ANY), 0);
	struct wp_port_info fake = info_a;
	fake.tx_offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	struct wp_net_io io;
	wp_portq_io(&qa, &fake, &io);
	assert_int_equal(io.tx_offloads & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM), 0);
}

/* TX impairment with delay: frames wait in the stage until a poll at a
 * later time sends them. */
static void
t_port_tx_delay(void **st)
{
	(void)st;
	struct wp_impair_conf tc = { .seed = 4, .delay_ns = 5000000 };
	struct rte_mbuf *tx[8], *rx[16];

	wp_portq_fini(&qa);
	assert_int_equal(wp_portq_init(&qa, info_a.port_id, 0, NULL, &tc, SOCKET_ID_ANY), 0);
	wp_portq_tx_held(&qa, 0);
	for (uint32_t i = 0; i < 8; i++)
		tx[i] = frame(i, 64);
	assert_int_equal(wp_portq_tx(&qa, tx, 8), 8);   /* all taken by the stage */
	assert_int_equal(wp_portq_rx(&qb, rx, 16, 0), 0);
	wp_portq_tx_held(&qa, 4999999);
	assert_int_equal(wp_portq_rx(&qb, rx, 16, 0), 0);
	wp_portq_tx_held(&qa, 5000000);
	assert_int_equal(wp_portq_rx(&qb, rx, 16, 0), 8);
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t id;
		memcpy(&id, rte_pktmbuf_mtod_offset(rx[i], void *, 14), 4);
		assert_int_equal(id, i);
	}
	rte_pktmbuf_free_bulk(rx, 8);
	/* held frames are freed by fini */
	for (uint32_t i = 0; i < 8; i++)
		tx[i] = frame(i, 64);
	assert_int_equal(wp_portq_tx(&qa, tx, 8), 8);
	assert_int_equal(rte_mempool_in_use_count(mp), in_use0 + 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_setup_info, setup, teardown),
		cmocka_unit_test_setup_teardown(t_frames_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(t_tx_full, setup, teardown),
		cmocka_unit_test_setup_teardown(t_two_stacks_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(t_port_rx_impair, setup, teardown),
		cmocka_unit_test_setup_teardown(t_port_tx_delay, setup, teardown),
	};
	int rc;

	if (wp_test_eal_init("test_port", NULL) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	wp_test_eal_cleanup();
	return rc;
}
