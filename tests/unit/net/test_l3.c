/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet, ARP, IPv4 and ICMP of the per-core stack, driven through
 * wp_net_input() with the capture io of net_harness.h on a virtual clock:
 * frames in, exact frames and counters out. Every test ends with the
 * harness's leak check (mempool in-use count back to where it started). */
#include <stdlib.h>

#include "net_harness.h"
#include "../wp_test.h"

static const uint8_t zero_mac[6];

/* ---------------- helpers ---------------- */

static void
inject_arp_request_for(struct wph_env *e, uint32_t tpa)
{
	uint8_t b[64];
	uint32_t n = wph_build_arp(b, wph_bcast, 1, wph_peer_mac, WPH_PEER_IP, zero_mac, tpa);

	wph_inject(e, b, n);
	wp_net_flush(e->net);
}

static void
inject_arp_reply_from_peer(struct wph_env *e)
{
	uint8_t b[64];
	uint32_t n = wph_build_arp(b, wph_our_mac, 2, wph_peer_mac, WPH_PEER_IP,
				   wph_our_mac, WPH_OUR_IP);

	wph_inject(e, b, n);
	wp_net_flush(e->net);
}

static void
inject_echo(struct wph_env *e, uint16_t seq)
{
	uint8_t b[128];
	static const char pl[] = "warmpool-ping-payload";
	uint32_t n = wph_build_icmp_echo(b, 8, 0x77, seq, pl, sizeof(pl));

	wph_inject(e, b, n);
	wp_net_flush(e->net);
}

static void
assert_arp_request(const struct wph_env *e, uint32_t i, uint32_t tpa, const uint8_t *eth_dst)
{
	struct wph_frame f;

	wph_read(e, i, &f);
	assert_int_equal(f.kind, WPH_ARP);
	assert_int_equal(f.len, 42);
	assert_int_equal(f.arp.op, 1);
	assert_memory_equal(f.eth.dst, eth_dst, 6);
	assert_memory_equal(f.arp.sha, wph_our_mac, 6);
	assert_int_equal(f.arp.spa, WPH_OUR_IP);
	assert_memory_equal(f.arp.tha, zero_mac, 6);
	assert_int_equal(f.arp.tpa, tpa);
}

static uint32_t
arp_pending(const struct wph_env *e)
{
	struct wp_net_stats s;

	wp_net_stats(e->net, &s);
	return s.arp_pending;
}

/* ---------------- ARP ---------------- */

static void
t_arp_request_for_us(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	uint8_t want[64];

	wph_setup(&e);
	inject_arp_request_for(&e, WPH_OUR_IP);
	assert_int_equal(e.cap.n, 1);
	/* exact reply: unicast to the asker, our MAC and IP as sender */
	uint32_t n = wph_build_arp(want, wph_peer_mac, 2, wph_our_mac, WPH_OUR_IP,
				   wph_peer_mac, WPH_PEER_IP);
	assert_int_equal(rte_pktmbuf_pkt_len(e.cap.frames[0]), n);
	assert_memory_equal(rte_pktmbuf_mtod(e.cap.frames[0], void *), want, n);
	assert_int_equal(wph_drops_total(&e), 0);
	/* and we learned the asker: an echo reply goes out without ARP */
	wph_cap_clear(&e.cap);
	inject_echo(&e, 1);
	assert_int_equal(e.cap.n, 1);
	struct wph_frame f;
	wph_read(&e, 0, &f);
	assert_int_equal(f.kind, WPH_ICMP);
	assert_memory_equal(f.eth.dst, wph_peer_mac, 6);
	struct wp_net_stats s;
	wp_net_stats(e.net, &s);
	assert_int_equal(s.arp_replies_sent, 1);
	assert_int_equal(s.arp_requests_sent, 0);
	assert_int_equal(s.rx_frames, 2);
	assert_int_equal(s.tx_frames, 2);
	wph_teardown(&e);
}

static void
t_arp_not_us_and_bad(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	uint8_t b[64];
	uint32_t n;

	wph_setup(&e);
	inject_arp_request_for(&e, WPH_IP(198, 18, 0, 9));
	assert_int_equal(e.cap.n, 0);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_NOT_US), 1);
	/* not learned from a request for somebody else: echo needs ARP */
	inject_echo(&e, 1);
	assert_int_equal(e.cap.n, 1);
	assert_arp_request(&e, 0, WPH_PEER_IP, wph_bcast);
	wph_cap_clear(&e.cap);

	/* bad hardware type */
	n = wph_build_arp(b, wph_bcast, 1, wph_peer_mac, WPH_PEER_IP, zero_mac, WPH_OUR_IP);
	b[14 + 1] = 6;
	wph_inject(&e, b, n);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_BAD), 1);
	/* short */
	n = wph_build_arp(b, wph_bcast, 1, wph_peer_mac, WPH_PEER_IP, zero_mac, WPH_OUR_IP);
	wph_inject(&e, b, n - 1);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_SHORT), 1);
	/* multicast sender MAC */
	uint8_t mc[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	n = wph_build_arp(b, wph_bcast, 1, mc, WPH_PEER_IP, zero_mac, WPH_OUR_IP);
	wph_inject(&e, b, n);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_BAD), 2);
	/* somebody claims our address */
	n = wph_build_arp(b, wph_bcast, 1, wph_peer_mac, WPH_OUR_IP, zero_mac, WPH_OUR_IP);
	wph_inject(&e, b, n);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_BAD), 3);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 0);
	assert_int_equal(wph_drops_total(&e), 1 + 3 + 1);
	wph_teardown(&e);
}

/* Frames wait for resolution, one request goes out, the reply releases
 * them in order. */
static void
t_arp_resolve_releases_in_order(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	struct wph_frame f;

	wph_setup(&e);
	for (uint16_t s = 1; s <= 3; s++)
		inject_echo(&e, s);
	assert_int_equal(e.cap.n, 1);           /* one request only */
	assert_arp_request(&e, 0, WPH_PEER_IP, wph_bcast);
	assert_int_equal(arp_pending(&e), 3);
	assert_int_equal(wp_net_mbufs_held(e.net), 3);
	wph_cap_clear(&e.cap);
	e.now += WPH_MS(10);
	inject_arp_reply_from_peer(&e);
	assert_int_equal(e.cap.n, 3);
	for (uint32_t i = 0; i < 3; i++) {
		wph_read(&e, i, &f);
		assert_int_equal(f.kind, WPH_ICMP);
		assert_memory_equal(f.eth.dst, wph_peer_mac, 6);
		assert_int_equal(wph_get16(f.l4 + 6), i + 1);
	}
	assert_int_equal(arp_pending(&e), 0);
	assert_int_equal(wp_net_mbufs_held(e.net), 0);
	assert_int_equal(wph_drops_total(&e), 0);
	wph_teardown(&e);
}

/* Requests every arp_retry_ns, arp_retries of them, then the waiting
 * frames are dropped as unresolved. */
static void
t_arp_retry_and_give_up(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	struct wp_net_stats s;

	wph_setup(&e);
	inject_echo(&e, 1);
	inject_echo(&e, 2);
	assert_int_equal(e.cap.n, 1);
	wph_advance(&e, WPH_MS(999));
	assert_int_equal(e.cap.n, 1);           /* not yet */
	wph_advance(&e, WPH_MS(1));
	assert_int_equal(e.cap.n, 2);           /* 2nd request at 1 s */
	assert_arp_request(&e, 1, WPH_PEER_IP, wph_bcast);
	wph_advance(&e, WPH_S(1));
	assert_int_equal(e.cap.n, 3);           /* 3rd at 2 s */
	assert_int_equal(arp_pending(&e), 2);
	wph_advance(&e, WPH_MS(999));
	assert_int_equal(arp_pending(&e), 2);
	wph_advance(&e, WPH_MS(1));             /* 3 s: give up */
	assert_int_equal(e.cap.n, 3);
	assert_int_equal(arp_pending(&e), 0);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_UNRESOLVED), 2);
	wp_net_stats(e.net, &s);
	assert_int_equal(s.arp_requests_sent, 3);
	/* a new frame starts a new resolution */
	inject_echo(&e, 3);
	assert_int_equal(e.cap.n, 4);
	assert_arp_request(&e, 3, WPH_PEER_IP, wph_bcast);
	wph_teardown(&e);                       /* frees the waiting frame */
}

static void
t_arp_queue_bound(void **st)
{
	(void)st;
	struct wph_env e = { 0 };

	wph_setup(&e);                          /* arp_queue_max 16 */
	for (uint16_t s = 0; s < 20; s++)
		inject_echo(&e, s);
	assert_int_equal(arp_pending(&e), 16);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_QUEUE_FULL), 4);
	assert_int_equal(e.cap.n, 1);
	wph_cap_clear(&e.cap);
	inject_arp_reply_from_peer(&e);
	assert_int_equal(e.cap.n, 16);
	struct wph_frame f;
	wph_read(&e, 15, &f);
	assert_int_equal(wph_get16(f.l4 + 6), 15);
	wph_teardown(&e);
}

/* The queue is shared by all targets; one target giving up does not
 * disturb another's frames. */
static void
t_arp_two_targets(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	uint8_t b[64], mac3[6] = { 0x02, 0, 0, 0, 0, 0x03 };

	wph_setup(&e);
	inject_echo(&e, 1);                     /* waits for .2 */
	wph_advance(&e, WPH_MS(500));
	/* a frame towards .3 through wp_ipv4_output */
	uint8_t ic[8] = { 8 };
	wph_put16(ic + 2, wp_csum_fold(wp_csum_partial(ic, 8, 0)));
	struct rte_mbuf *m = wph_mbuf(&e, ic, 8);
	assert_int_equal(wp_ipv4_output(e.net, m, WPH_IP(198, 18, 0, 3), WP_IPPROTO_ICMP), 0);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 2);
	assert_arp_request(&e, 1, WPH_IP(198, 18, 0, 3), wph_bcast);
	assert_int_equal(arp_pending(&e), 2);
	for (int k = 0; k < 25; k++)            /* to 3 s: .2 gives up, .3 not yet */
		wph_advance(&e, WPH_MS(100));
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_UNRESOLVED), 1);
	assert_int_equal(arp_pending(&e), 1);
	uint32_t n = wph_build_arp(b, wph_our_mac, 2, mac3, WPH_IP(198, 18, 0, 3),
				   wph_our_mac, WPH_OUR_IP);
	wph_cap_clear(&e.cap);
	wph_inject(&e, b, n);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	struct wph_frame f;
	wph_read(&e, 0, &f);
	assert_memory_equal(f.eth.dst, mac3, 6);
	assert_int_equal(f.ip.dst, WPH_IP(198, 18, 0, 3));
	assert_int_equal(arp_pending(&e), 0);
	wph_teardown(&e);
}

/* Entries expire arp_timeout_ns after confirmation; used near the end of
 * their life they send one unicast refresh request. */
static void
t_arp_expiry_and_refresh(void **st)
{
	(void)st;
	struct wph_env e = { 0 };

	wph_setup(&e);                          /* timeout 60 s, 3 x 1 s retries */
	inject_arp_reply_from_peer(&e);         /* unsolicited reply to us: learned */
	inject_echo(&e, 1);
	assert_int_equal(e.cap.n, 1);           /* straight out */
	wph_advance(&e, WPH_S(57) + WPH_MS(500));
	inject_echo(&e, 2);                     /* in the refresh window */
	assert_int_equal(e.cap.n, 3);
	assert_arp_request(&e, 1, WPH_PEER_IP, wph_peer_mac);   /* unicast refresh */
	struct wph_frame f;
	wph_read(&e, 2, &f);
	assert_int_equal(f.kind, WPH_ICMP);
	inject_echo(&e, 3);                     /* one refresh only */
	assert_int_equal(e.cap.n, 4);
	wph_advance(&e, WPH_S(3));              /* 60.5 s: expired, swept */
	wph_cap_clear(&e.cap);
	inject_echo(&e, 4);
	assert_int_equal(e.cap.n, 1);
	assert_arp_request(&e, 0, WPH_PEER_IP, wph_bcast);
	assert_int_equal(arp_pending(&e), 1);
	/* the refresh answered in time keeps the entry */
	inject_arp_reply_from_peer(&e);
	assert_int_equal(e.cap.n, 2);
	wph_advance(&e, WPH_S(58));
	wph_cap_clear(&e.cap);
	inject_echo(&e, 5);                     /* refresh request + reply */
	assert_int_equal(e.cap.n, 2);
	inject_arp_reply_from_peer(&e);
	wph_advance(&e, WPH_S(30));             /* 30 s after the last confirmation */
	wph_cap_clear(&e.cap);
	inject_echo(&e, 6);
	assert_int_equal(e.cap.n, 1);
	wph_read(&e, 0, &f);
	assert_int_equal(f.kind, WPH_ICMP);
	assert_int_equal(wph_drops_total(&e), 0);
	wph_teardown(&e);
}

/* A full cache (3/4 of arp_entries) of live entries: resolving a new next
 * hop evicts the one confirmed longest ago, not the newcomer's frame;
 * learning from a request to us never evicts. */
static void
t_arp_full_evicts_oldest(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	struct wp_net_stats s;
	uint8_t b[64], mac[6] = { 0x02, 0, 0, 0, 0x11, 0 };
	uint8_t ic[8] = { 8 };
	uint32_t n, k;

	wph_setup(&e);                          /* 64 slots: 48 usable */
	wph_put16(ic + 2, wp_csum_fold(wp_csum_partial(ic, 8, 0)));
	for (k = 0; k < 48; k++) {              /* .10 .. .57, 1 ms apart */
		mac[5] = (uint8_t)k;
		n = wph_build_arp(b, wph_bcast, 1, mac, WPH_IP(198, 18, 0, 10 + k),
				  zero_mac, WPH_OUR_IP);
		wph_inject(&e, b, n);
		e.now += WPH_MS(1);
	}
	wp_net_flush(e.net);
	wph_cap_clear(&e.cap);
	/* full: a request from .200 is answered but not learned */
	mac[5] = 200;
	n = wph_build_arp(b, wph_bcast, 1, mac, WPH_IP(198, 18, 0, 200), zero_mac, WPH_OUR_IP);
	wph_inject(&e, b, n);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);           /* the reply */
	wph_cap_clear(&e.cap);
	/* a frame to .100: .10, the oldest, makes room */
	assert_int_equal(wp_ipv4_output(e.net, wph_mbuf(&e, ic, 8), WPH_IP(198, 18, 0, 100),
					WP_IPPROTO_ICMP), 0);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	assert_arp_request(&e, 0, WPH_IP(198, 18, 0, 100), wph_bcast);
	wp_net_stats(e.net, &s);
	assert_int_equal(s.arp_evictions, 1);
	assert_int_equal(arp_pending(&e), 1);
	wph_cap_clear(&e.cap);
	/* .11 is still known: straight out */
	assert_int_equal(wp_ipv4_output(e.net, wph_mbuf(&e, ic, 8), WPH_IP(198, 18, 0, 11),
					WP_IPPROTO_ICMP), 0);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	{
		struct wph_frame f;

		wph_read(&e, 0, &f);
		assert_int_equal(f.kind, WPH_ICMP);
		mac[5] = 1;
		assert_memory_equal(f.eth.dst, mac, 6);
	}
	wph_cap_clear(&e.cap);
	/* .10 was the one evicted; .200 was never learned: both ask again,
	 * each evicting the next oldest (.11, then .12) */
	assert_int_equal(wp_ipv4_output(e.net, wph_mbuf(&e, ic, 8), WPH_IP(198, 18, 0, 10),
					WP_IPPROTO_ICMP), 0);
	assert_int_equal(wp_ipv4_output(e.net, wph_mbuf(&e, ic, 8), WPH_IP(198, 18, 0, 200),
					WP_IPPROTO_ICMP), 0);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 2);
	assert_arp_request(&e, 0, WPH_IP(198, 18, 0, 10), wph_bcast);
	assert_arp_request(&e, 1, WPH_IP(198, 18, 0, 200), wph_bcast);
	wp_net_stats(e.net, &s);
	assert_int_equal(s.arp_evictions, 3);
	assert_int_equal(arp_pending(&e), 3);
	assert_int_equal(wph_drops(&e, WP_DROP_ARP_QUEUE_FULL), 0);
	wph_teardown(&e);
}

static void
t_gratuitous_arp(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	struct wp_net_conf c;

	wph_conf(&c);
	c.arp_gratuitous = true;
	wph_setup_conf(&e, &c);
	assert_int_equal(e.cap.n, 1);
	assert_arp_request(&e, 0, WPH_OUR_IP, wph_bcast);
	wph_teardown(&e);
}

/* Frames from the cache (static) and the TX buffer: mbufs_held counts
 * them; teardown frees ARP-queued frames. */
static void
t_static_arp_and_txbuf(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	uint8_t b[128];

	wph_setup(&e);
	wph_static_arp(&e);
	uint32_t n = wph_build_icmp_echo(b, 8, 1, 1, "x", 1);
	wph_inject(&e, b, n);
	assert_int_equal(wp_net_mbufs_held(e.net), 1);   /* in the TX buffer */
	assert_int_equal(e.cap.n, 0);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	assert_int_equal(wp_net_mbufs_held(e.net), 0);
	/* a full TX buffer flushes by itself */
	for (int i = 0; i < WP_NET_TXBUF; i++)
		wph_inject(&e, b, n);
	assert_int_equal(e.cap.n, 1 + WP_NET_TXBUF);
	/* a port that takes only some: the rest are counted TX_FULL */
	e.cap.accept = 1;
	for (int i = 0; i < 3; i++)
		wph_inject(&e, b, n);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 2 + WP_NET_TXBUF);
	assert_int_equal(wph_drops(&e, WP_DROP_TX_FULL), 2);
	wph_teardown(&e);
}

/* ---------------- ICMP ---------------- */

static void
t_icmp_echo_exact(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	uint8_t b[256];
	char payload[56];
	struct wph_frame f;

	for (int i = 0; i < 56; i++)
		payload[i] = (char)(i * 7);
	wph_setup(&e);
	wph_static_arp(&e);
	uint32_t n = wph_build_icmp_echo(b, 8, 0xbeef, 42, payload, sizeof(payload));
	wph_inject(&e, b, n);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	wph_read(&e, 0, &f);
	assert_int_equal(f.len, n);
	assert_memory_equal(f.eth.dst, wph_peer_mac, 6);
	assert_int_equal(f.ip.src, WPH_OUR_IP);
	assert_int_equal(f.ip.dst, WPH_PEER_IP);
	assert_int_equal(f.ip.ttl, 64);
	assert_int_equal(f.ip.proto, WP_IPPROTO_ICMP);
	assert_int_equal(wph_get16(f.bytes + 14 + 6), 0x4000);   /* DF */
	assert_int_equal(f.icmp_type, 0);
	assert_int_equal(f.icmp_code, 0);
	assert_int_equal(wph_get16(f.l4 + 4), 0xbeef);
	assert_int_equal(wph_get16(f.l4 + 6), 42);
	assert_int_equal(f.plen, sizeof(payload));
	assert_memory_equal(f.payload, payload, sizeof(payload));
	/* the checksum is the request's plus 0x0800 (type 8 -> 0) */
	uint16_t req = wph_get16(b + 14 + 20 + 2), rep = wph_get16(f.l4 + 2);
	uint32_t sum = (uint32_t)req + 0x0800;
	assert_int_equal(rep, (uint16_t)((sum & 0xffff) + (sum >> 16)));
	struct wp_net_stats s;
	wp_net_stats(e.net, &s);
	assert_int_equal(s.icmp_echo_replies, 1);
	wph_teardown(&e);
}

/* An ICMP error quoting one of our TCP segments. */
static uint32_t
build_icmp_error(uint8_t *b, uint8_t type, uint8_t code, uint16_t mtu, uint32_t qsrc,
		 uint8_t qproto, uint32_t quote_len)
{
	uint8_t *ip = b + wph_eth(b, wph_our_mac, wph_peer_mac, WP_ETHERTYPE_IPV4);
	uint8_t *ic = ip + 20, *q = ic + 8;

	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	wph_put16(ic + 6, mtu);
	wph_ipv4_hdr(q, qsrc, WPH_PEER_IP, qproto, 20, 1, 64);
	wph_put16(q + 20, 40000);
	wph_put16(q + 22, 80);
	wph_put32(q + 24, 0xabcdef01);
	wph_put16(ic + 2, wp_csum_fold(wp_csum_partial(ic, 8 + quote_len, 0)));
	wph_ipv4_hdr(ip, WPH_PEER_IP, WPH_OUR_IP, WP_IPPROTO_ICMP, 8 + quote_len, 9, 64);
	return 14 + 20 + 8 + quote_len;
}

struct icmp_row {
	const char *name;
	uint8_t type, code;
	uint32_t qsrc;
	uint8_t qproto;
	uint32_t quote_len;
	int corrupt;
	int want;            /* drop reason, or -1: delivered to TCP */
};

static void
t_icmp_table(void **st)
{
	(void)st;
	static const struct icmp_row rows[] = {
		{ "unreachable port", 3, 3, WPH_OUR_IP, 6, 28, 0, -1 },
		{ "frag needed", 3, 4, WPH_OUR_IP, 6, 28, 0, -1 },
		{ "time exceeded", 11, 0, WPH_OUR_IP, 6, 28, 0, -1 },
		{ "param problem", 12, 0, WPH_OUR_IP, 6, 28, 0, -1 },
		{ "long quote", 3, 1, WPH_OUR_IP, 6, 60, 0, -1 },
		{ "quote of udp", 3, 3, WPH_OUR_IP, 17, 28, 0, WP_DROP_ICMP_TYPE },
		{ "quote not from us", 3, 3, WPH_IP(198, 18, 0, 7), 6, 28, 0, WP_DROP_ICMP_TYPE },
		{ "quote too short", 3, 3, WPH_OUR_IP, 6, 27, 0, WP_DROP_ICMP_SHORT },
		{ "bad checksum", 3, 3, WPH_OUR_IP, 6, 28, 1, WP_DROP_ICMP_CSUM },
		{ "echo reply", 0, 0, WPH_OUR_IP, 6, 28, 0, WP_DROP_ICMP_TYPE },
		{ "redirect", 5, 1, WPH_OUR_IP, 6, 28, 0, WP_DROP_ICMP_TYPE },
		{ "timestamp", 13, 0, WPH_OUR_IP, 6, 28, 0, WP_DROP_ICMP_TYPE },
	};
	struct wph_env e = { 0 };
	uint8_t b[256] = { 0 };
	struct wp_net_stats s;

	wph_setup(&e);
	wph_static_arp(&e);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct icmp_row *r = &rows[i];
		uint64_t before_drops = wph_drops_total(&e), before_err;

		wp_net_stats(e.net, &s);
		before_err = s.icmp_errors_in;
		uint32_t n = build_icmp_error(b, r->type, r->code, 1400, r->qsrc, r->qproto,
					      r->quote_len);
		if (r->corrupt)
			b[n - 1] ^= 1;
		wph_inject(&e, b, n);
		wp_net_flush(e.net);
		wp_net_stats(e.net, &s);
		if (e.cap.n != 0)
			fail_msg("row '%s': an ICMP error was answered", r->name);
		if (r->want < 0) {
			if (s.icmp_errors_in != before_err + 1 || wph_drops_total(&e) != before_drops)
				fail_msg("row '%s': not delivered to TCP", r->name);
		} else {
			if (s.drops[r->want] == 0 || wph_drops_total(&e) != before_drops + 1 ||
			    s.icmp_errors_in != before_err)
				fail_msg("row '%s': want drop %s", r->name,
					 wp_net_drop_name((enum wp_net_drop)r->want));
		}
	}
	/* short ICMP, bad echo checksum */
	uint32_t n = wph_build_icmp_echo(b, 8, 1, 1, NULL, 0);
	wph_ipv4_hdr(b + 14, WPH_PEER_IP, WPH_OUR_IP, WP_IPPROTO_ICMP, 7, 1, 64);
	wph_inject(&e, b, n - 1);
	assert_int_equal(wph_drops(&e, WP_DROP_ICMP_SHORT), 2);
	n = wph_build_icmp_echo(b, 8, 1, 1, "abc", 3);
	b[n - 1] ^= 0x10;
	wph_inject(&e, b, n);
	assert_int_equal(wph_drops(&e, WP_DROP_ICMP_CSUM), 2);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 0);
	wph_teardown(&e);
}

/* ---------------- IPv4 / Ethernet input ---------------- */

enum mut {
	M_NONE, M_ETH_SHORT, M_ETH_DST, M_ETH_BCAST_OK, M_ETH_TYPE, M_IP_SHORT, M_VERSION,
	M_IHL4, M_IHL15, M_TOTAL_BIG, M_TOTAL_SMALL, M_IP_CSUM, M_MF, M_OFFSET, M_OPTIONS,
	M_DST_OTHER, M_DST_BCAST, M_SRC_ZERO, M_SRC_US, M_SRC_MCAST, M_SRC_SUBNET_BCAST,
	M_SRC_LOOPBACK, M_PROTO_UDP, M_TCP_CSUM, M_TCP_SHORT, M_PADDED, M_OFFLINK_SRC,
};

struct ip_row {
	const char *name;
	enum mut mut;
	int want;            /* drop reason; WP_DROP_TCP_NO_FLOW = reached TCP */
};

static void
ip_fix(uint8_t *ip)
{
	uint32_t hl = (uint32_t)(ip[0] & 0xf) * 4;
	ip[10] = ip[11] = 0;
	wph_put16(ip + 10, wp_csum_fold(wp_csum_partial(ip, hl, 0)));
}

/* Build a SYN to port 80 and apply one mutation; returns the length. */
static uint32_t
mutated_frame(uint8_t *b, uint32_t room, enum mut mu)
{
	struct wph_tcp_seg s = { .sport = 40000, .dport = 80, .seq = 1000,
				 .flags = WPH_SYN, .win = 65535 };
	uint8_t *ip = b + 14;
	uint32_t n;

	switch (mu) {
	case M_DST_OTHER: s.dst = WPH_IP(198, 18, 0, 9); break;
	case M_DST_BCAST: s.dst = WPH_IP(198, 18, 0, 255); break;
	case M_SRC_ZERO: s.src = 0xffffffffu; break;     /* fixed below */
	case M_SRC_US: s.src = WPH_OUR_IP; break;
	case M_SRC_MCAST: s.src = WPH_IP(224, 0, 0, 1); break;
	case M_SRC_SUBNET_BCAST: s.src = WPH_IP(198, 18, 0, 255); break;
	case M_SRC_LOOPBACK: s.src = WPH_IP(127, 0, 0, 1); break;
	case M_OFFLINK_SRC: s.src = WPH_IP(203, 0, 113, 5); break;
	default: break;
	}
	n = wph_build_tcp(b, room, &s);
	switch (mu) {
	case M_ETH_SHORT: return 13;
	case M_ETH_DST: b[5] = 0x33; break;
	case M_ETH_BCAST_OK: memset(b, 0xff, 6); break;
	case M_ETH_TYPE: b[12] = 0x86; b[13] = 0xdd; break;
	case M_IP_SHORT: return 14 + 19;
	case M_VERSION: ip[0] = 0x65; ip_fix(ip); break;
	case M_IHL4: ip[0] = 0x44; break;
	case M_IHL15: ip[0] = 0x4f; return 14 + 40;
	case M_TOTAL_BIG: wph_put16(ip + 2, (uint16_t)(n - 14 + 1)); ip_fix(ip); break;
	case M_TOTAL_SMALL: wph_put16(ip + 2, 19); ip_fix(ip); break;
	case M_IP_CSUM: ip[10] ^= 0x11; break;
	case M_MF: ip[6] |= 0x20; ip_fix(ip); break;
	case M_OFFSET: ip[7] = 0x10; ip_fix(ip); break;
	case M_OPTIONS: ip[0] = 0x46; ip_fix(ip); break;
	case M_SRC_ZERO:
		wph_put32(ip + 12, 0);
		ip_fix(ip);
		break;
	case M_PROTO_UDP: ip[9] = 17; ip_fix(ip); break;
	case M_TCP_CSUM: b[n - 1] ^= 0x01; break;      /* last byte of the TCP header */
	case M_TCP_SHORT:
		wph_put16(ip + 2, 20 + 19);
		ip_fix(ip);
		return 14 + 20 + 19;
	case M_PADDED:
		memset(b + n, 0xee, 60 - n);
		return 60;                          /* Ethernet minimum: 6 pad bytes */
	default: break;
	}
	return n;
}

static void
t_ipv4_input_table(void **st)
{
	(void)st;
	static const struct ip_row rows[] = {
		{ "valid syn", M_NONE, WP_DROP_TCP_NO_FLOW },
		{ "broadcast eth dst", M_ETH_BCAST_OK, WP_DROP_TCP_NO_FLOW },
		{ "ethernet padding trimmed", M_PADDED, WP_DROP_TCP_NO_FLOW },
		{ "off-link source", M_OFFLINK_SRC, WP_DROP_TCP_NO_FLOW },
		{ "eth short", M_ETH_SHORT, WP_DROP_ETH_SHORT },
		{ "eth dst other", M_ETH_DST, WP_DROP_ETH_DST },
		{ "eth type ipv6", M_ETH_TYPE, WP_DROP_ETH_TYPE },
		{ "ip short", M_IP_SHORT, WP_DROP_IP_SHORT },
		{ "ip version 6", M_VERSION, WP_DROP_IP_VERSION },
		{ "ihl 4", M_IHL4, WP_DROP_IP_HLEN },
		{ "ihl 15", M_IHL15, WP_DROP_IP_HLEN },
		{ "total beyond frame", M_TOTAL_BIG, WP_DROP_IP_LEN },
		{ "total below ihl", M_TOTAL_SMALL, WP_DROP_IP_LEN },
		{ "ip checksum", M_IP_CSUM, WP_DROP_IP_CSUM },
		{ "more fragments", M_MF, WP_DROP_IP_FRAG },
		{ "fragment offset", M_OFFSET, WP_DROP_IP_FRAG },
		{ "ip options", M_OPTIONS, WP_DROP_IP_OPTIONS },
		{ "dst other host", M_DST_OTHER, WP_DROP_IP_DST },
		{ "dst subnet broadcast", M_DST_BCAST, WP_DROP_IP_DST },
		{ "src 0.0.0.0", M_SRC_ZERO, WP_DROP_IP_SRC },
		{ "src is us", M_SRC_US, WP_DROP_IP_SRC },
		{ "src multicast", M_SRC_MCAST, WP_DROP_IP_SRC },
		{ "src subnet broadcast", M_SRC_SUBNET_BCAST, WP_DROP_IP_SRC },
		{ "src loopback", M_SRC_LOOPBACK, WP_DROP_IP_SRC },
		{ "udp", M_PROTO_UDP, WP_DROP_IP_PROTO },
		{ "tcp checksum", M_TCP_CSUM, WP_DROP_TCP_CSUM },
		{ "tcp short", M_TCP_SHORT, WP_DROP_TCP_SHORT },
	};
	struct wph_env e = { 0 };
	struct wp_net_conf c;
	uint8_t b[256];

	/* a gateway, so that a TCP RST towards the off-link source waits for
	 * ARP instead of counting a no-route drop */
	wph_conf(&c);
	c.gateway = WPH_IP(198, 18, 0, 254);
	wph_setup_conf(&e, &c);
	wph_static_arp(&e);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct ip_row *r = &rows[i];
		uint64_t before = wph_drops(&e, (enum wp_net_drop)r->want);
		uint64_t total = wph_drops_total(&e);

		memset(b, 0, sizeof(b));
		uint32_t n = mutated_frame(b, sizeof(b), r->mut);
		wph_inject(&e, b, n);
		wp_net_flush(e.net);
		if (wph_drops(&e, (enum wp_net_drop)r->want) != before + 1 ||
		    wph_drops_total(&e) != total + 1)
			fail_msg("row '%s': want exactly one %s", r->name,
				 wp_net_drop_name((enum wp_net_drop)r->want));
		/* TCP may answer a SYN to a closed port with RST; nothing else may
		 * produce a frame */
		if (r->want != WP_DROP_TCP_NO_FLOW && e.cap.n != 0)
			fail_msg("row '%s': dropped frame produced output", r->name);
		wph_cap_clear(&e.cap);
	}
	wph_teardown(&e);
}

/* RX checksum flags from the NIC are trusted both ways. */
static void
t_rx_offload_flags(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	uint8_t b[256];
	struct rte_mbuf *m;
	uint32_t n;

	wph_setup(&e);
	wph_static_arp(&e);
	/* IP checksum wrong but NIC says good: accepted */
	n = mutated_frame(b, sizeof(b), M_IP_CSUM);
	m = wph_mbuf(&e, b, n);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	wp_net_input(e.net, &m, 1, e.now);
	assert_int_equal(wph_drops(&e, WP_DROP_TCP_NO_FLOW), 1);
	/* NIC says bad: dropped without looking */
	n = mutated_frame(b, sizeof(b), M_NONE);
	m = wph_mbuf(&e, b, n);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_BAD;
	wp_net_input(e.net, &m, 1, e.now);
	assert_int_equal(wph_drops(&e, WP_DROP_IP_CSUM), 1);
	/* TCP checksum wrong, L4 good */
	n = mutated_frame(b, sizeof(b), M_TCP_CSUM);
	m = wph_mbuf(&e, b, n);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	wp_net_input(e.net, &m, 1, e.now);
	assert_int_equal(wph_drops(&e, WP_DROP_TCP_NO_FLOW), 2);
	/* L4 bad */
	n = mutated_frame(b, sizeof(b), M_NONE);
	m = wph_mbuf(&e, b, n);
	m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
	wp_net_input(e.net, &m, 1, e.now);
	assert_int_equal(wph_drops(&e, WP_DROP_TCP_CSUM), 1);
	assert_int_equal(wph_drops_total(&e), 4);
	wp_net_flush(e.net);
	wph_teardown(&e);
}

/* A TCP segment split over two mbufs at an odd offset: headers in the
 * first, checksum verified over the chain. */
static void
t_multiseg_input(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	uint8_t b[512], pl[301];
	struct wph_tcp_seg s = { .sport = 40000, .dport = 80, .seq = 1, .ack = 1,
				 .flags = WPH_ACK, .win = 100, .payload = pl, .plen = sizeof(pl) };

	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 13 + 1);
	wph_setup(&e);
	uint32_t n = wph_build_tcp(b, sizeof(b), &s);
	for (uint32_t cut = 14 + 20 + 20; cut < n; cut += 37) {
		for (int bad = 0; bad < 2; bad++) {
			struct rte_mbuf *m = wph_mbuf(&e, b, cut);
			struct rte_mbuf *t = wph_mbuf(&e, b + cut, n - cut);

			if (bad)
				rte_pktmbuf_mtod(t, uint8_t *)[0] ^= 0x80;
			assert_int_equal(rte_pktmbuf_chain(m, t), 0);
			wp_net_input(e.net, &m, 1, e.now);
		}
	}
	uint32_t cuts = (n - (14 + 20 + 20) + 36) / 37;
	assert_int_equal(wph_drops(&e, WP_DROP_TCP_NO_FLOW), cuts);
	assert_int_equal(wph_drops(&e, WP_DROP_TCP_CSUM), cuts);
	/* headers not in the first segment */
	struct rte_mbuf *m = wph_mbuf(&e, b, 14 + 10);
	struct rte_mbuf *t = wph_mbuf(&e, b + 24, n - 24);
	assert_int_equal(rte_pktmbuf_chain(m, t), 0);
	wp_net_input(e.net, &m, 1, e.now);
	assert_int_equal(wph_drops(&e, WP_DROP_MULTISEG), 1);
	wp_net_flush(e.net);
	wph_teardown(&e);
}

/* ---------------- IPv4 output ---------------- */

/* A TCP header (checksum zero) + payload, headers and payload in separate
 * segments when `chain`. */
static struct rte_mbuf *
tcp_out_mbuf(struct wph_env *e, uint32_t plen, bool chain)
{
	uint8_t hdr[20] = { 0 };
	uint8_t pl[1200];

	wph_put16(hdr, 80);
	wph_put16(hdr + 2, 40000);
	wph_put32(hdr + 4, 7);
	wph_put32(hdr + 8, 9);
	hdr[12] = 5 << 4;
	hdr[13] = WPH_ACK | WPH_PSH;
	wph_put16(hdr + 14, 1000);
	for (uint32_t i = 0; i < plen; i++)
		pl[i] = (uint8_t)(i ^ 0x5a);
	struct rte_mbuf *m = wph_mbuf(e, hdr, 20);
	/* room for the lower headers */
	assert_true(rte_pktmbuf_headroom(m) >= 14 + 20);
	if (plen == 0)
		return m;
	if (chain) {
		assert_int_equal(rte_pktmbuf_chain(m, wph_mbuf(e, pl, plen)), 0);
	} else {
		void *d = rte_pktmbuf_append(m, (uint16_t)plen);
		memcpy(d, pl, plen);
	}
	return m;
}

static void
t_ipv4_output(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	struct wph_frame f;

	wph_setup(&e);
	wph_static_arp(&e);
	for (int chain = 0; chain < 2; chain++) {
		for (uint32_t plen = 0; plen < 1200; plen += 299) {
			wph_cap_clear(&e.cap);
			struct rte_mbuf *m = tcp_out_mbuf(&e, plen, chain);
			assert_int_equal(wp_ipv4_output(e.net, m, WPH_PEER_IP, WP_IPPROTO_TCP), 0);
			wp_net_flush(e.net);
			assert_int_equal(e.cap.n, 1);
			wph_read(&e, 0, &f);    /* verifies both checksums in software */
			assert_int_equal(f.kind, WPH_TCP);
			assert_memory_equal(f.eth.dst, wph_peer_mac, 6);
			assert_int_equal(f.ip.src, WPH_OUR_IP);
			assert_int_equal(f.ip.dst, WPH_PEER_IP);
			assert_int_equal(f.ip.ttl, 64);
			assert_int_equal(f.ip.tos, 0);
			assert_int_equal(wph_get16(f.bytes + 14 + 6), 0x4000);
			assert_int_equal(f.plen, plen);
			assert_int_equal(f.tcp.flags, WPH_ACK | WPH_PSH);
			assert_int_equal(f.ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM), 0);
		}
	}
	/* the ID counter moves by one per datagram */
	uint16_t id0 = f.ip.id;
	wph_cap_clear(&e.cap);
	assert_int_equal(wp_ipv4_output(e.net, tcp_out_mbuf(&e, 10, false), WPH_PEER_IP,
					WP_IPPROTO_TCP), 0);
	wp_net_flush(e.net);
	wph_read(&e, 0, &f);
	assert_int_equal(f.ip.id, (uint16_t)(id0 + 1));
	/* off-link without a gateway */
	assert_int_equal(wp_ipv4_output(e.net, tcp_out_mbuf(&e, 10, false),
					WPH_IP(203, 0, 113, 1), WP_IPPROTO_TCP), -ENETUNREACH);
	assert_int_equal(wph_drops(&e, WP_DROP_IP_NO_ROUTE), 1);
	wph_teardown(&e);

	/* with a gateway: off-link goes to the gateway's MAC */
	struct wp_net_conf c;
	wph_conf(&c);
	c.gateway = WPH_IP(198, 18, 0, 254);
	wph_setup_conf(&e, &c);
	assert_int_equal(wp_ipv4_output(e.net, tcp_out_mbuf(&e, 10, false),
					WPH_IP(203, 0, 113, 1), WP_IPPROTO_TCP), 0);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	assert_arp_request(&e, 0, c.gateway, wph_bcast);
	uint8_t gwmac[6] = { 0x02, 0, 0, 0, 0, 0xfe }, b[64];
	uint32_t n = wph_build_arp(b, wph_our_mac, 2, gwmac, c.gateway, wph_our_mac, WPH_OUR_IP);
	wph_inject(&e, b, n);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 2);
	wph_read(&e, 1, &f);
	assert_memory_equal(f.eth.dst, gwmac, 6);
	assert_int_equal(f.ip.dst, WPH_IP(203, 0, 113, 1));
	wph_teardown(&e);
}

/* Checksum offload: the NIC computes, the stack prepares the mbuf. */
static void
t_ipv4_output_offload(void **st)
{
	(void)st;
	struct wph_env e = { 0 };
	struct wph_frame f;

	wph_setup(&e);
	wph_static_arp(&e);
	/* the io is copied at create: recreate with offloads */
	wp_net_free(e.net);
	e.io.tx_offloads = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	e.net = wp_net_create(&e.conf, &e.io, e.mp, SOCKET_ID_ANY, e.now);
	assert_non_null(e.net);
	wph_static_arp(&e);
	struct rte_mbuf *m = tcp_out_mbuf(&e, 100, true);
	assert_int_equal(wp_ipv4_output(e.net, m, WPH_PEER_IP, WP_IPPROTO_TCP), 0);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	m = e.cap.frames[0];
	assert_int_equal(m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
					RTE_MBUF_F_TX_TCP_CKSUM),
			 RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	wph_read(&e, 0, &f);   /* checks: IP csum 0, TCP field = pseudo-header sum */
	assert_int_equal(f.plen, 100);
	/* ICMP gets IP offload only */
	wph_cap_clear(&e.cap);
	uint8_t b[128];
	uint32_t n = wph_build_icmp_echo(b, 8, 1, 2, "hello", 5);
	wph_inject(&e, b, n);
	wp_net_flush(e.net);
	assert_int_equal(e.cap.n, 1);
	m = e.cap.frames[0];
	assert_int_equal(m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM),
			 RTE_MBUF_F_TX_IP_CKSUM);
	wph_read(&e, 0, &f);
	assert_int_equal(f.icmp_type, 0);
	wph_teardown(&e);
}

/* ---------------- configuration, names ---------------- */

static const char *const conf_rows[] = {
	"ip", "ip", "ip", "prefix_len", "prefix_len", "mac", "mac", "mtu", "mtu",
	"arp_entries", "arp_entries", "arp_timeout_ns", "arp_retry_ns", "arp_retries",
	"arp_queue_max", "max_conns", "syn_backlog", "ephemeral_lo", "ephemeral_lo",
	"sndbuf", "rcvbuf", "delack_ns", "rto_min_ns", "rto_max_ns", "rto_initial_ns",
	"time_wait_ns", "keepalive", "timer_tick_ns", "gateway", "gateway",
};

/* Row i of conf_rows: break exactly the field it names. */
static void
conf_mutate(size_t i, struct wp_net_conf *c)
{
	switch (i) {
	case 0: c->ip = 0; break;
	case 1: c->ip = WPH_IP(224, 0, 0, 1); break;
	case 2: c->ip = WPH_IP(127, 0, 0, 1); break;
	case 3: c->prefix_len = 0; break;
	case 4: c->prefix_len = 33; break;
	case 5: memset(c->mac, 0, 6); break;
	case 6: c->mac[0] = 0x01; break;
	case 7: c->mtu = 575; break;
	case 8: c->mtu = 9001; break;
	case 9: c->arp_entries = 100; break;
	case 10: c->arp_entries = 0; break;
	case 11: c->arp_timeout_ns = 0; break;
	case 12: c->arp_retry_ns = -1; break;
	case 13: c->arp_retries = 0; break;
	case 14: c->arp_queue_max = 0; break;
	case 15: c->max_conns = 0; break;
	case 16: c->syn_backlog = 0; break;
	case 17: c->ephemeral_lo = 0; break;
	case 18: c->ephemeral_lo = 5000; c->ephemeral_hi = 4999; break;
	case 19: c->sndbuf = 0; break;
	case 20: c->rcvbuf = 0; break;
	case 21: c->delack_ns = -1; break;
	case 22: c->rto_min_ns = 0; break;
	case 23: c->rto_max_ns = c->rto_min_ns - 1; break;
	case 24: c->rto_initial_ns = c->rto_max_ns + 1; break;
	case 25: c->time_wait_ns = -1; break;
	case 26: c->keepalive_idle_ns = 1; c->keepalive_probes = 0; break;
	case 27: c->timer_tick_ns = 0; break;
	case 28: c->gateway = WPH_IP(10, 0, 0, 1); break;
	case 29: c->gateway = WPH_OUR_IP; break;
	default: fail();
	}
}

static void
t_conf_check(void **st)
{
	(void)st;
	struct wp_net_conf c;
	const char *why = "x";

	wph_conf(&c);
	assert_int_equal(wp_net_conf_check(&c, &why), 0);
	assert_null(why);
	for (size_t i = 0; i < sizeof(conf_rows) / sizeof(conf_rows[0]); i++) {
		wph_conf(&c);
		conf_mutate(i, &c);
		why = NULL;
		assert_int_equal(wp_net_conf_check(&c, &why), -EINVAL);
		assert_non_null(why);
		if (strcmp(why, conf_rows[i]) != 0)
			fail_msg("row %zu: named %s, want %s", i, why, conf_rows[i]);
	}
	/* create refuses a bad conf with rte_errno EINVAL */
	struct wph_cap cap = { 0 };
	struct wp_net_io io = { .tx = wph_cap_tx, .arg = &cap };
	wph_conf(&c);
	c.mtu = 10;
	assert_null(wp_net_create(&c, &io, wph_pool(), SOCKET_ID_ANY, 0));
	assert_int_equal(rte_errno, EINVAL);
	/* defaults: the caller must set ip/prefix/mac */
	wp_net_conf_default(&c);
	assert_int_equal(wp_net_conf_check(&c, NULL), -EINVAL);
	assert_int_equal(c.mtu, 1500);
	assert_true(c.rto_min_ns >= WPH_S(1));
	assert_true(c.rto_max_ns >= WPH_S(60));
}

static void
t_drop_names(void **st)
{
	(void)st;
	for (int i = 0; i < WP_DROP__COUNT; i++) {
		const char *n = wp_net_drop_name((enum wp_net_drop)i);
		assert_string_not_equal(n, "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, wp_net_drop_name((enum wp_net_drop)j));
	}
	assert_string_equal(wp_net_drop_name(WP_DROP_IP_CSUM), "ip_csum");
	assert_string_equal(wp_net_drop_name(WP_DROP__COUNT), "?");
	assert_string_equal(wp_net_drop_name((enum wp_net_drop)-1), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_arp_request_for_us),
		cmocka_unit_test(t_arp_not_us_and_bad),
		cmocka_unit_test(t_arp_resolve_releases_in_order),
		cmocka_unit_test(t_arp_retry_and_give_up),
		cmocka_unit_test(t_arp_queue_bound),
		cmocka_unit_test(t_arp_two_targets),
		cmocka_unit_test(t_arp_expiry_and_refresh),
		cmocka_unit_test(t_arp_full_evicts_oldest),
		cmocka_unit_test(t_gratuitous_arp),
		cmocka_unit_test(t_static_arp_and_txbuf),
		cmocka_unit_test(t_icmp_echo_exact),
		cmocka_unit_test(t_icmp_table),
		cmocka_unit_test(t_ipv4_input_table),
		cmocka_unit_test(t_rx_offload_flags),
		cmocka_unit_test(t_multiseg_input),
		cmocka_unit_test(t_ipv4_output),
		cmocka_unit_test(t_ipv4_output_offload),
		cmocka_unit_test(t_conf_check),
		cmocka_unit_test(t_drop_names),
	};
	int rc;

	if (wp_test_eal_init("test_l3", NULL) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wp_test_eal_cleanup();
	return rc;
}
