/* SPDX-License-Identifier: BSD-3-Clause */
/* Header-only harness for unit tests of the per-core stack (issue 3).
 *
 * What it gives a test (include it after <cmocka.h>' prerequisites; it
 * includes cmocka itself):
 *  - a capture wp_net_io: io.tx stores frames in env->cap (the test reads
 *    them with wph_read() and frees them with wph_cap_clear()); cap.accept
 *    limits how many frames one tx call takes, to simulate a full ring;
 *  - wph_setup()/wph_teardown(): one mempool per process, a stack with
 *    198.18.0.1/24, MAC 02:00:00:00:00:01, fixed secret, no gratuitous
 *    ARP, and the leak rule: the mempool's in-use count after teardown
 *    must equal the count before setup (asserted);
 *  - frame builders (ARP, ICMP echo, TCP with options/payload, correct
 *    checksums unless asked to corrupt them) that write into a byte
 *    buffer, and wph_inject() that puts bytes into an mbuf and feeds it
 *    to wp_net_input at env->now;
 *  - wph_read(): parse a captured frame (copied flat, chains welcome) back
 *    into fields with parse.h, verifying IP/TCP/ICMP checksums in software
 *    unless the stack was told the port offloads them;
 *  - wph_static_arp(): the peer's MAC without an ARP exchange.
 *
 * The peer is 198.18.0.2 / 02:00:00:00:00:02 by default.
 * Everything is static so several test files can include it.
 */
#ifndef WP_NET_HARNESS_H
#define WP_NET_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <warmpool/net.h>

#include "net/net_impl.h"
#include "net/parse.h"

#define WPH_IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define WPH_OUR_IP  WPH_IP(198, 18, 0, 1)
#define WPH_PEER_IP WPH_IP(198, 18, 0, 2)
#define WPH_MS(x) ((int64_t)(x) * 1000000LL)
#define WPH_S(x)  ((int64_t)(x) * 1000000000LL)

static const uint8_t wph_our_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t wph_peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t wph_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define WPH_CAP_MAX 4096
#define WPH_FRAME_MAX 16384

struct wph_cap {
	struct rte_mbuf *frames[WPH_CAP_MAX];
	uint32_t n;
	uint32_t accept;        /* max frames taken per tx call; 0 = all */
	uint64_t calls;
};

struct wph_env {
	struct rte_mempool *mp;
	struct wph_cap cap;
	struct wp_net_conf conf;
	struct wp_net_io io;
	struct wp_net *net;
	int64_t now;
	unsigned int in_use0;   /* mempool in-use count before setup */
};

static inline uint16_t
wph_cap_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wph_cap *c = arg;
	uint16_t i, take = n;

	c->calls++;
	if (c->accept && take > c->accept)
		take = (uint16_t)c->accept;
	if (take > WPH_CAP_MAX - c->n)
		take = (uint16_t)(WPH_CAP_MAX - c->n);
	for (i = 0; i < take; i++)
		c->frames[c->n++] = pkts[i];
	return take;
}

/* Free every captured frame. */
static inline void
wph_cap_clear(struct wph_cap *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		rte_pktmbuf_free(c->frames[i]);
	c->n = 0;
}

/* The process-wide test mempool (no per-lcore cache, so in-use counts
 * are exact). */
static inline struct rte_mempool *
wph_pool(void)
{
	static struct rte_mempool *mp;

	if (mp == NULL)
		mp = rte_pktmbuf_pool_create("wph_mp", 8191, 0, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(mp);
	return mp;
}

/* Test defaults: ours 198.18.0.1/24, no gateway, fixed secret, no
 * gratuitous ARP, small caches. TCP tests override what they need. */
static inline void
wph_conf(struct wp_net_conf *c)
{
	wp_net_conf_default(c);
	c->ip = WPH_OUR_IP;
	c->prefix_len = 24;
	memcpy(c->mac, wph_our_mac, 6);
	c->secret_seed = 0x5eed;
	c->arp_gratuitous = false;
	c->arp_entries = 64;
	c->arp_queue_max = 16;
	c->arp_retries = 3;
	c->arp_retry_ns = WPH_S(1);
	c->arp_timeout_ns = WPH_S(60);
	c->max_conns = 1024;
	c->delack_ns = WPH_MS(40);
}

/* Create the stack at env->now from `conf` (NULL: wph_conf defaults). */
static inline void
wph_setup_conf(struct wph_env *e, const struct wp_net_conf *conf)
{
	memset(&e->cap, 0, sizeof(e->cap));
	e->mp = wph_pool();
	e->in_use0 = rte_mempool_in_use_count(e->mp);
	if (conf)
		e->conf = *conf;
	else
		wph_conf(&e->conf);
	e->io.tx = wph_cap_tx;
	e->io.arg = &e->cap;
	e->net = wp_net_create(&e->conf, &e->io, e->mp, SOCKET_ID_ANY, e->now);
	assert_non_null(e->net);
}

static inline void
wph_setup(struct wph_env *e)
{
	wph_setup_conf(e, NULL);
}

/* Free the stack and captured frames; assert nothing leaked. */
static inline void
wph_teardown(struct wph_env *e)
{
	if (e->net) {
		wp_net_free(e->net);
		e->net = NULL;
	}
	wph_cap_clear(&e->cap);
	assert_int_equal(rte_mempool_in_use_count(e->mp), e->in_use0);
}

static inline void
wph_static_arp(struct wph_env *e)
{
	assert_int_equal(wp_arp_add_static(e->net, WPH_PEER_IP, wph_peer_mac), 0);
}

static inline uint64_t
wph_drops(const struct wph_env *e, enum wp_net_drop why)
{
	struct wp_net_stats s;

	wp_net_stats(e->net, &s);
	return s.drops[why];
}

static inline uint64_t
wph_drops_total(const struct wph_env *e)
{
	struct wp_net_stats s;
	uint64_t t = 0;

	wp_net_stats(e->net, &s);
	for (int i = 0; i < WP_DROP__COUNT; i++)
		t += s.drops[i];
	return t;
}

/* ---- byte writers ---- */

static inline void
wph_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wph_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
wph_get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
wph_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
wph_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	wph_put16(b + 12, type);
	return 14;
}

/* Ethernet + ARP (op 1 request, 2 reply) from `sha`/`spa`; Ethernet dst
 * `eth_dst`. Returns the frame length (42). */
static inline uint32_t
wph_build_arp(uint8_t *b, const uint8_t eth_dst[6], uint16_t op,
	      const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	uint8_t *p = b + wph_eth(b, eth_dst, sha, WP_ETHERTYPE_ARP);

	wph_put16(p, 1);
	wph_put16(p + 2, WP_ETHERTYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	wph_put16(p + 6, op);
	memcpy(p + 8, sha, 6);
	wph_put32(p + 14, spa);
	memcpy(p + 18, tha, 6);
	wph_put32(p + 24, tpa);
	return 14 + 28;
}

/* A 20-byte IPv4 header at `p` (checksum computed). */
static inline void
wph_ipv4_hdr(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4len,
	     uint16_t id, uint8_t ttl)
{
	uint16_t c;

	p[0] = 0x45;
	p[1] = 0;
	wph_put16(p + 2, (uint16_t)(20 + l4len));
	wph_put16(p + 4, id);
	wph_put16(p + 6, 0x4000);
	p[8] = ttl;
	p[9] = proto;
	p[10] = p[11] = 0;
	wph_put32(p + 12, src);
	wph_put32(p + 16, dst);
	c = wp_csum_fold(wp_csum_partial(p, 20, 0));
	wph_put16(p + 10, c);
}

/* Ethernet + IPv4 + ICMP echo (type 8 request / 0 reply) from the peer to
 * us. Returns the frame length. */
static inline uint32_t
wph_build_icmp_echo(uint8_t *b, uint8_t type, uint16_t ident, uint16_t seq,
		    const void *payload, uint32_t plen)
{
	uint8_t *ip = b + wph_eth(b, wph_our_mac, wph_peer_mac, WP_ETHERTYPE_IPV4);
	uint8_t *ic = ip + 20;

	ic[0] = type;
	ic[1] = 0;
	ic[2] = ic[3] = 0;
	wph_put16(ic + 4, ident);
	wph_put16(ic + 6, seq);
	if (plen)
		memcpy(ic + 8, payload, plen);
	wph_put16(ic + 2, wp_csum_fold(wp_csum_partial(ic, 8 + plen, 0)));
	wph_ipv4_hdr(ip, WPH_PEER_IP, WPH_OUR_IP, WP_IPPROTO_ICMP, 8 + plen, 0x1234, 64);
	return 14 + 20 + 8 + plen;
}

/* A TCP segment to build. Zero fields take defaults (peer -> us, window
 * 65535 if win_set is false). */
struct wph_tcp_seg {
	uint32_t src, dst;          /* 0 = peer / us */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;              /* WPH_FIN ... */
	uint16_t win;
	const uint8_t *opts;        /* raw option bytes */
	uint8_t optlen;             /* padded with EOL to a multiple of 4 */
	const void *payload;
	uint32_t plen;
	bool bad_csum;              /* flip the TCP checksum */
};

#define WPH_FIN 0x01
#define WPH_SYN 0x02
#define WPH_RST 0x04
#define WPH_PSH 0x08
#define WPH_ACK 0x10
#define WPH_URG 0x20

/* Ethernet + IPv4 + TCP, checksums correct unless s->bad_csum. */
static inline uint32_t
wph_build_tcp(uint8_t *b, uint32_t room, const struct wph_tcp_seg *s)
{
	uint32_t src = s->src ? s->src : WPH_PEER_IP, dst = s->dst ? s->dst : WPH_OUR_IP;
	uint32_t olen = ((uint32_t)s->optlen + 3) & ~3u, hl = 20 + olen, l4 = hl + s->plen;
	uint8_t *ip = b + 14, *t = ip + 20;
	uint16_t c;

	assert_true(14 + 20 + l4 <= room);
	assert_true(hl <= 60);
	wph_eth(b, wph_our_mac, wph_peer_mac, WP_ETHERTYPE_IPV4);
	wph_put16(t, s->sport);
	wph_put16(t + 2, s->dport);
	wph_put32(t + 4, s->seq);
	wph_put32(t + 8, s->ack);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = s->flags;
	wph_put16(t + 14, s->win);
	t[16] = t[17] = 0;
	t[18] = t[19] = 0;
	memset(t + 20, 0, olen);
	if (s->optlen)
		memcpy(t + 20, s->opts, s->optlen);
	if (s->plen)
		memcpy(t + hl, s->payload, s->plen);
	c = wp_csum_fold(wp_csum_partial(t, l4, wp_csum_pseudo(src, dst, WP_IPPROTO_TCP, l4)));
	if (s->bad_csum)
		c ^= 0x0101;
	wph_put16(t + 16, c);
	wph_ipv4_hdr(ip, src, dst, WP_IPPROTO_TCP, l4, 0x4321, 64);
	return 14 + 20 + l4;
}

/* Copy `len` bytes into a fresh mbuf from the test pool. */
static inline struct rte_mbuf *
wph_mbuf(struct wph_env *e, const void *bytes, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->mp);
	void *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, bytes, len);
	return m;
}

/* Feed one frame to the stack at env->now (not flushed). */
static inline void
wph_inject(struct wph_env *e, const void *bytes, uint32_t len)
{
	struct rte_mbuf *m = wph_mbuf(e, bytes, len);

	wp_net_input(e->net, &m, 1, e->now);
}

/* Build, inject and flush a TCP segment. */
static inline void
wph_inject_tcp(struct wph_env *e, const struct wph_tcp_seg *s)
{
	uint8_t b[WPH_FRAME_MAX];
	uint32_t n = wph_build_tcp(b, sizeof(b), s);

	wph_inject(e, b, n);
	wp_net_flush(e->net);
}

/* Advance the virtual clock, run timers, flush. */
static inline void
wph_advance(struct wph_env *e, int64_t dt)
{
	e->now += dt;
	wp_net_timers(e->net, e->now);
	wp_net_flush(e->net);
}

/* ---- reading captured frames back ---- */

enum wph_kind { WPH_OTHER = 0, WPH_ARP, WPH_ICMP, WPH_TCP };

struct wph_frame {
	uint8_t bytes[WPH_FRAME_MAX];   /* flat copy of the frame */
	uint32_t len;
	enum wph_kind kind;
	struct wp_eth_view eth;
	struct wp_arp_view arp;
	struct wp_ipv4_view ip;
	struct wp_tcp_view tcp;
	uint8_t icmp_type, icmp_code;
	const uint8_t *l4;              /* ICMP header */
	const uint8_t *payload;         /* TCP payload / ICMP data after 8 bytes */
	uint32_t plen;
	uint64_t ol_flags;              /* the mbuf's TX offload requests */
};

/* Parse captured frame `i` into *f. Checksums are checked in software
 * unless the mbuf asks the NIC for them (then the TCP field must hold the
 * pseudo-header sum, also checked). Fails the test on a malformed frame. */
static inline void
wph_read(const struct wph_env *e, uint32_t i, struct wph_frame *f)
{
	const struct rte_mbuf *m;
	const uint8_t *p;
	int rc;

	assert_true(i < e->cap.n);
	m = e->cap.frames[i];
	memset(f, 0, sizeof(*f));
	f->len = rte_pktmbuf_pkt_len(m);
	assert_true(f->len <= sizeof(f->bytes));
	p = rte_pktmbuf_read(m, 0, f->len, f->bytes);
	assert_non_null(p);
	if (p != f->bytes)
		memcpy(f->bytes, p, f->len);
	f->ol_flags = m->ol_flags;
	rc = wp_parse_eth(f->bytes, f->len, &f->eth);
	assert_int_equal(rc, WP_PARSE_OK);
	assert_memory_equal(f->eth.src, e->conf.mac, 6);
	if (f->eth.type == WP_ETHERTYPE_ARP) {
		rc = wp_parse_arp(f->bytes + 14, f->len - 14, &f->arp);
		assert_int_equal(rc, WP_PARSE_OK);
		f->kind = WPH_ARP;
		return;
	}
	if (f->eth.type != WP_ETHERTYPE_IPV4)
		return;
	bool ip_hw = (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) != 0;
	bool tcp_hw = (m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM) != 0;
	rc = wp_parse_ipv4(f->bytes + 14, f->len - 14, ip_hw, &f->ip);
	assert_int_equal(rc, WP_PARSE_OK);
	assert_int_equal(f->ip.total_len, f->len - 14);
	if (ip_hw)
		assert_int_equal(wph_get16(f->bytes + 14 + 10), 0);
	const uint8_t *l4 = f->bytes + 14 + f->ip.hdr_len;
	uint32_t l4len = f->ip.total_len - f->ip.hdr_len;
	f->l4 = l4;
	if (f->ip.proto == WP_IPPROTO_ICMP) {
		assert_true(l4len >= 8);
		assert_int_equal(wp_csum_fold(wp_csum_partial(l4, l4len, 0)), 0);
		f->kind = WPH_ICMP;
		f->icmp_type = l4[0];
		f->icmp_code = l4[1];
		f->payload = l4 + 8;
		f->plen = l4len - 8;
		return;
	}
	if (f->ip.proto != WP_IPPROTO_TCP)
		return;
	if (tcp_hw) {
		uint32_t ph = wp_csum_pseudo(f->ip.src, f->ip.dst, WP_IPPROTO_TCP, l4len);
		assert_int_equal(wph_get16(l4 + 16), (uint16_t)~wp_csum_fold(ph));
	}
	rc = wp_parse_tcp(l4, l4len, f->ip.src, f->ip.dst, tcp_hw, &f->tcp);
	assert_int_equal(rc, WP_PARSE_OK);
	f->kind = WPH_TCP;
	f->payload = l4 + f->tcp.hdr_len;
	f->plen = l4len - f->tcp.hdr_len;
}

#endif /* WP_NET_HARNESS_H */
