/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow steering, user-space half (issue 6): the ownership rule, RSS-aware
 * local ports, frame classification and the handoff rings.
 *
 * The rule is checked three ways: against Microsoft's published RSS
 * verification vectors, against DPDK's rte_softrss, and against a
 * bit-by-bit Toeplitz written here from the definition. Every local port
 * wp_rss_lport() hands out is checked with rte_softrss over the reply
 * tuple. Classification runs over a table of frames (a failing row prints
 * the frame); the handoff tests count every mbuf back into the pool.
 */
#include "../net/net_harness.h"

#include <rte_bus_vdev.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include <warmpool/port.h>
#include <warmpool/steer.h>

#include "../wp_test.h"

#define IP WPH_IP

/* ---- references ---- */

/* Toeplitz from the definition: for every set input bit i (MSB first),
 * XOR the 32 key bits starting at bit i. */
static uint32_t
ref_toeplitz(const uint8_t *key, const uint8_t *in, unsigned len)
{
	uint32_t h = 0;

	for (unsigned i = 0; i < len * 8; i++) {
		uint32_t w = 0;

		if (!(in[i / 8] & (0x80u >> (i % 8))))
			continue;
		for (unsigned b = 0; b < 32; b++) {
			unsigned k = i + b;

			w = (w << 1) | ((key[k / 8] >> (7 - k % 8)) & 1u);
		}
		h ^= w;
	}
	return h;
}

static uint32_t
softrss(const uint8_t *key, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport)
{
	struct rte_ipv4_tuple t = { .src_addr = sip, .dst_addr = dip,
				    .sport = sport, .dport = dport };

	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
}

static void
tuple_bytes(uint8_t *b, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport)
{
	wph_put32(b, sip);
	wph_put32(b + 4, dip);
	wph_put16(b + 8, sport);
	wph_put16(b + 10, dport);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static struct wp_rss *
mk_rss(uint16_t nworkers, uint16_t reta, const char *name)
{
	struct wp_rss_conf c = { .nworkers = nworkers, .reta_size = reta, .name = name };
	struct wp_rss *r = wp_rss_create(&c);

	assert_non_null(r);
	return r;
}

/* ---- the hash ---- */

/* Microsoft's "Verifying the RSS Hash Calculation" vectors (IPv4 with
 * TCP ports), which DPDK's test_thash.c also uses: with one worker the
 * key is Microsoft's, untouched by rte_thash. */
static void
t_hash_vectors(void **state)
{
	static const struct {
		uint32_t src, dst;
		uint16_t sport, dport;
		uint32_t hash;
	} v[] = {
		{ IP(66, 9, 149, 187), IP(161, 142, 100, 80), 2794, 1766, 0x51ccc178 },
		{ IP(199, 92, 111, 2), IP(65, 69, 140, 83), 14230, 4739, 0xc626b0ea },
		{ IP(24, 19, 198, 95), IP(12, 22, 207, 184), 12898, 38024, 0x5c2b394a },
		{ IP(38, 27, 205, 30), IP(209, 142, 163, 6), 48228, 2217, 0xafc7327f },
		{ IP(153, 39, 163, 191), IP(202, 188, 127, 2), 44251, 1303, 0x10e828a2 },
	};
	struct wp_rss *r = mk_rss(1, 128, "vec");

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		uint32_t h = wp_rss_hash(r, v[i].src, v[i].dst, v[i].sport, v[i].dport);

		if (h != v[i].hash)
			print_error("vector %u: got %08x want %08x\n", i, h, v[i].hash);
		assert_int_equal(h, v[i].hash);
		assert_int_equal(softrss(wp_rss_key(r), v[i].src, v[i].dst, v[i].sport,
					 v[i].dport), v[i].hash);
	}
	wp_rss_free(r);
}

/* With several workers rte_thash rewrites the key; the table hash must
 * still equal rte_softrss and the definition, and the owner is the RETA
 * entry of the low bits. */
static void
t_hash_random(void **state)
{
	struct wp_rss *r = mk_rss(3, 128, "rand");
	uint8_t b[12];

	(void)state;
	assert_int_equal(wp_rss_workers(r), 3);
	assert_int_equal(wp_rss_reta_size(r), 128);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(wp_rss_reta(r)[i], i % 3);
	for (unsigned i = 0; i < 20000; i++) {
		uint32_t s = rnd32(), d = rnd32(), h;
		uint16_t sp = (uint16_t)rnd32(), dp = (uint16_t)rnd32();

		h = wp_rss_hash(r, s, d, sp, dp);
		assert_int_equal(h, softrss(wp_rss_key(r), s, d, sp, dp));
		tuple_bytes(b, s, d, sp, dp);
		assert_int_equal(h, ref_toeplitz(wp_rss_key(r), b, 12));
		assert_int_equal(wp_rss_owner(r, s, d, sp, dp), wp_rss_reta(r)[h & 127] );
	}
	wp_rss_free(r);
}

static void
t_rss_bad_conf(void **state)
{
	struct wp_rss_conf c = { .nworkers = 0 };

	(void)state;
	assert_null(wp_rss_create(NULL));
	assert_null(wp_rss_create(&c));
	c.nworkers = WP_STEER_MAX_WORKERS + 1;
	assert_null(wp_rss_create(&c));
	c.nworkers = 2;
	c.reta_size = 100;                  /* not a power of two */
	assert_null(wp_rss_create(&c));
	c.reta_size = 1024;                 /* beyond WP_RSS_RETA_MAX */
	assert_null(wp_rss_create(&c));
	c.nworkers = 8;
	c.reta_size = 4;                    /* fewer entries than workers */
	assert_null(wp_rss_create(&c));
}

/* ---- local ports ---- */

static int
odd_only(void *arg, uint16_t port)
{
	unsigned *calls = arg;

	(*calls)++;
	return port & 1;
}

static int
none_free(void *arg, uint16_t port)
{
	(void)arg;
	(void)port;
	return 0;
}

/* Every port handed out lands its replies on the asking worker (checked
 * with rte_softrss, not with the module's own hash), lies in range and
 * passes the caller's "free" test. */
static void
t_lport_owner(void **state)
{
	static const uint16_t workers[] = { 2, 3, 4, 8 };

	(void)state;
	for (unsigned wi = 0; wi < RTE_DIM(workers); wi++) {
		char name[16];
		struct wp_rss *r;

		snprintf(name, sizeof(name), "lp%u", workers[wi]);
		r = mk_rss(workers[wi], 128, name);
		for (unsigned i = 0; i < 4000; i++) {
			unsigned w = i % workers[wi], calls = 0;
			uint32_t rip = IP(198, 18, 3, 1 + rnd32() % 200), lip = IP(198, 18, 3, 10);
			uint16_t rport = (uint16_t)(1 + rnd32() % 65535);
			uint16_t lo = 32768, hi = 60999, hint = (uint16_t)(lo + rnd32() % (hi - lo));
			uint16_t p = wp_rss_lport(r, w, rip, rport, lip, hint, lo, hi,
						  odd_only, &calls);
			uint32_t h;

			assert_true(p >= lo && p <= hi);
			assert_true(p & 1);
			assert_true(calls >= 1);
			h = softrss(wp_rss_key(r), rip, lip, rport, p);
			if (wp_rss_reta(r)[h & 127] != w)
				print_error("worker %u got port %u owned by %u\n", w, p,
					    wp_rss_reta(r)[h & 127]);
			assert_int_equal(wp_rss_reta(r)[h & 127], w);
		}
		/* nothing free: 0, never a port somebody else owns */
		assert_int_equal(wp_rss_lport(r, 1, IP(198, 18, 3, 1), 80, IP(198, 18, 3, 10),
					      40000, 32768, 60999, none_free, NULL), 0);
		/* a bad worker id or range */
		assert_int_equal(wp_rss_lport(r, workers[wi], IP(198, 18, 3, 1), 80,
					      IP(198, 18, 3, 10), 40000, 32768, 60999, NULL,
					      NULL), 0);
		assert_int_equal(wp_rss_lport(r, 0, IP(198, 18, 3, 1), 80, IP(198, 18, 3, 10),
					      40000, 5000, 4000, NULL, NULL), 0);
		wp_rss_free(r);
	}
}

/* A narrow range: the ports found are exactly the ones in range that the
 * rule gives the worker (none missed, none wrong). */
static void
t_lport_narrow(void **state)
{
	struct wp_rss *r = mk_rss(2, 128, "narrow");
	uint32_t rip = IP(198, 18, 3, 1), lip = IP(198, 18, 3, 10);
	uint16_t lo = 40000, hi = 40255;
	bool want[256] = { false }, got[256] = { false };
	unsigned nwant = 0, ngot = 0;

	(void)state;
	for (unsigned p = lo; p <= hi; p++)
		if (wp_rss_owner(r, rip, lip, 8080, (uint16_t)p) == 1) {
			want[p - lo] = true;
			nwant++;
		}
	assert_true(nwant > 64 && nwant < 192);
	for (unsigned i = 0; i < 256; i++) {
		uint16_t p = wp_rss_lport(r, 1, rip, 8080, lip, (uint16_t)(lo + i), lo, hi,
					  NULL, NULL);

		if (p == 0)
			continue;
		assert_true(want[p - lo]);
		if (!got[p - lo]) {
			got[p - lo] = true;
			ngot++;
		}
	}
	/* every hint finds some port; together they reach most of the set */
	assert_true(ngot > nwant / 2);
	wp_rss_free(r);
}

/* ---- classification ---- */

enum row_kind { R_TCP, R_ARP_REQ, R_ARP_REPLY, R_ICMP_ECHO, R_ICMP_ERR, R_RAW };

struct crow {
	const char *name;
	enum row_kind kind;
	uint32_t src, dst;
	uint16_t sport, dport;
	int cut;            /* bytes to drop from the end (truncation) */
	int poke_at;        /* >= 0: set byte at this offset to poke_val */
	uint8_t poke_val;
	int expect;         /* WP_STEER_LOCAL/ALL, or 99 = the rule's owner */
};

#define OWNER 99

static uint32_t
build_row(const struct crow *row, uint8_t *b)
{
	uint32_t n = 0;

	switch (row->kind) {
	case R_TCP: {
		struct wph_tcp_seg s = { .src = row->src, .dst = row->dst, .sport = row->sport,
					 .dport = row->dport, .flags = WPH_ACK, .win = 1000 };

		n = wph_build_tcp(b, WPH_FRAME_MAX, &s);
		break;
	}
	case R_ARP_REQ:
		n = wph_build_arp(b, wph_bcast, 1, wph_peer_mac, WPH_PEER_IP, wph_bcast,
				  WPH_OUR_IP);
		break;
	case R_ARP_REPLY:
		n = wph_build_arp(b, wph_our_mac, 2, wph_peer_mac, WPH_PEER_IP, wph_our_mac,
				  WPH_OUR_IP);
		break;
	case R_ICMP_ECHO:
		n = wph_build_icmp_echo(b, 8, 1, 1, "ping", 4);
		break;
	case R_ICMP_ERR: {
		/* port unreachable from the peer, quoting a segment we sent */
		uint8_t quote[64];
		struct wph_tcp_seg s = { .src = row->dst, .dst = row->src, .sport = row->dport,
					 .dport = row->sport, .flags = WPH_SYN, .win = 1000 };
		uint32_t q = wph_build_tcp(quote, sizeof(quote), &s);
		uint8_t *ip = b + wph_eth(b, wph_our_mac, wph_peer_mac, 0x0800), *ic = ip + 20;

		(void)q;
		memset(ic, 0, 8);
		ic[0] = 3;
		ic[1] = 3;
		memcpy(ic + 8, quote + 14, 28);       /* IP header + 8 bytes of TCP */
		wph_ipv4_hdr(ip, row->src, row->dst, 1, 8 + 28, 7, 64);
		n = 14 + 20 + 8 + 28;
		break;
	}
	case R_RAW:
		memset(b, 0, 60);
		wph_put16(b + 12, 0x86dd);            /* IPv6 */
		n = 60;
		break;
	}
	if (row->poke_at >= 0)
		b[row->poke_at] = row->poke_val;
	return n - (uint32_t)row->cut;
}

static void
t_classify_table(void **state)
{
	const uint32_t P = WPH_PEER_IP, U = WPH_OUR_IP;
	const struct crow rows[] = {
		{ "tcp to us", R_TCP, P, U, 5555, 80, 0, -1, 0, OWNER },
		{ "tcp other ports", R_TCP, P, U, 80, 40001, 0, -1, 0, OWNER },
		{ "tcp, ports cut off", R_TCP, P, U, 5555, 80, 40, -1, 0, WP_STEER_LOCAL },
		{ "tcp, only sport", R_TCP, P, U, 5555, 80, 38, -1, 0, WP_STEER_LOCAL },
		{ "tcp fragment (MF)", R_TCP, P, U, 5555, 80, 0, 14 + 6, 0x20, WP_STEER_LOCAL },
		{ "tcp fragment (offset)", R_TCP, P, U, 5555, 80, 0, 14 + 7, 0x08, WP_STEER_LOCAL },
		{ "ipv4 ihl 4", R_TCP, P, U, 5555, 80, 0, 14, 0x44, WP_STEER_LOCAL },
		{ "ipv4 ihl 15 past end", R_TCP, P, U, 5555, 80, 0, 14, 0x4f, WP_STEER_LOCAL },
		{ "ip version 6 in v4 type", R_TCP, P, U, 5555, 80, 0, 14, 0x65, WP_STEER_LOCAL },
		{ "udp", R_TCP, P, U, 5555, 80, 0, 14 + 9, 17, WP_STEER_LOCAL },
		{ "arp request", R_ARP_REQ, 0, 0, 0, 0, 0, -1, 0, WP_STEER_LOCAL },
		{ "arp reply", R_ARP_REPLY, 0, 0, 0, 0, 0, -1, 0, WP_STEER_ALL },
		{ "arp reply truncated", R_ARP_REPLY, 0, 0, 0, 0, 1, -1, 0, WP_STEER_LOCAL },
		{ "icmp echo", R_ICMP_ECHO, 0, 0, 0, 0, 0, -1, 0, WP_STEER_LOCAL },
		{ "icmp unreachable quoting tcp", R_ICMP_ERR, P, U, 80, 41234, 0, -1, 0, OWNER },
		{ "icmp error, quote cut", R_ICMP_ERR, P, U, 80, 41234, 5, -1, 0, WP_STEER_LOCAL },
		{ "icmp error quoting udp", R_ICMP_ERR, P, U, 80, 41234, 0, 14 + 28 + 9, 17,
		  WP_STEER_LOCAL },
		{ "icmp type 5 (redirect)", R_ICMP_ERR, P, U, 80, 41234, 0, 14 + 20, 5,
		  WP_STEER_LOCAL },
		{ "ipv6", R_RAW, 0, 0, 0, 0, 0, -1, 0, WP_STEER_LOCAL },
		{ "runt", R_RAW, 0, 0, 0, 0, 50, -1, 0, WP_STEER_LOCAL },
	};
	struct wp_rss *r = mk_rss(4, 128, "cls");
	struct wp_rss *one = mk_rss(1, 128, "cls1");
	uint8_t b[WPH_FRAME_MAX];

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(rows); i++) {
		const struct crow *row = &rows[i];
		uint32_t n = build_row(row, b);
		int want = row->expect, got;

		if (want == OWNER)
			want = (int)wp_rss_reta(r)[softrss(wp_rss_key(r), row->src, row->dst,
							   row->sport, row->dport) & 127];
		got = wp_steer_owner(r, b, n);
		if (got != want) {
			print_error("row '%s': got %d want %d; frame (%u bytes):", row->name,
				    got, want, n);
			for (uint32_t k = 0; k < n; k++)
				print_error("%s%02x", k % 16 ? " " : "\n  ", b[k]);
			print_error("\n");
		}
		assert_int_equal(got, want);
		/* one worker: everything is local */
		assert_int_equal(wp_steer_owner(one, b, n), WP_STEER_LOCAL);
	}
	/* every prefix of a good frame is safe and never names a bad worker */
	{
		const struct crow *row = &rows[0];
		uint32_t n = build_row(row, b);

		for (uint32_t k = 0; k <= n; k++) {
			int o = wp_steer_owner(r, b, k);

			assert_true(o == WP_STEER_LOCAL || o == WP_STEER_ALL || (o >= 0 && o < 4));
		}
	}
	wp_rss_free(one);
	wp_rss_free(r);
}

/* ---- handoff ---- */

/* A TCP frame from the peer that the rule gives to `owner`, tagged with
 * `tag` in its IP id so the receiver can check order. */
static struct rte_mbuf *
frame_for(struct rte_mempool *mp, const struct wp_rss *r, unsigned owner, uint16_t tag,
	  uint16_t port_id)
{
	uint8_t b[128];
	struct wph_tcp_seg s = { .flags = WPH_ACK, .win = 1000, .dport = 80 };
	struct rte_mbuf *m;
	uint32_t n;

	do {
		s.sport = (uint16_t)(1024 + rnd32() % 60000);
	} while (wp_rss_owner(r, WPH_PEER_IP, WPH_OUR_IP, s.sport, 80) != owner);
	n = wph_build_tcp(b, sizeof(b), &s);
	wph_put16(b + 14 + 4, tag);
	m = rte_pktmbuf_alloc(mp);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), b, n);
	m->port = port_id;
	return m;
}

static uint16_t
tag_of(const struct rte_mbuf *m)
{
	return wph_get16(rte_pktmbuf_mtod(m, const uint8_t *) + 14 + 4);
}

static void
t_handoff_split(void **state)
{
	struct rte_mempool *mp = wph_pool();
	unsigned in_use0 = rte_mempool_in_use_count(mp);
	struct wp_rss *r = mk_rss(3, 128, "ho");
	struct wp_handoff *h = wp_handoff_create(3, 64, SOCKET_ID_ANY);
	struct wp_steer_worker *sw[3];
	struct rte_mbuf *pkts[64], *got[64];
	unsigned owner_of[64], left;
	struct wp_steer_stats st;
	struct wp_handoff_stats hs;
	uint16_t kept, n;

	(void)state;
	assert_non_null(h);
	for (unsigned w = 0; w < 3; w++) {
		sw[w] = wp_steer_worker_create(h, w, SOCKET_ID_ANY);
		assert_non_null(sw[w]);
		assert_int_equal(wp_steer_worker_add_port(sw[w], 0, r), 0);
	}
	/* 48 frames land on worker 0: owners 0,1,2 interleaved, plus 2 ARP
	 * replies (kept by 0, copied to 1 and 2) and a frame from a port
	 * nobody added (local) */
	for (unsigned i = 0; i < 48; i++) {
		owner_of[i] = i % 3;
		pkts[i] = frame_for(mp, r, owner_of[i], (uint16_t)i, 0);
	}
	{
		uint8_t b[64];
		uint32_t an = wph_build_arp(b, wph_our_mac, 2, wph_peer_mac, WPH_PEER_IP,
					    wph_our_mac, WPH_OUR_IP);

		for (unsigned i = 48; i < 50; i++) {
			pkts[i] = rte_pktmbuf_alloc(mp);
			memcpy(rte_pktmbuf_append(pkts[i], (uint16_t)an), b, an);
			pkts[i]->port = 0;
			owner_of[i] = 100;
		}
	}
	pkts[50] = frame_for(mp, r, 2, 50, 5);
	owner_of[50] = 0;
	kept = wp_steer_rx(sw[0], pkts, 51);
	assert_int_equal(kept, 16 + 2 + 1);
	for (unsigned i = 0; i < kept; i++) {
		uint16_t t = tag_of(pkts[i]);

		if (pkts[i]->port == 0 && t < 48)
			assert_int_equal(owner_of[t], 0);
	}
	/* worker 1 and 2 get their 16 in order, then the ARP copies */
	for (unsigned w = 1; w < 3; w++) {
		unsigned tcp = 0, arp = 0, last = 0;

		n = wp_steer_drain(sw[w], got, 64);
		assert_int_equal(n, 16 + 2);
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(got[i], const uint8_t *);

			if (wph_get16(d + 12) == 0x0806) {
				arp++;
			} else {
				uint16_t t = tag_of(got[i]);

				assert_int_equal(owner_of[t], w);
				assert_true(tcp == 0 || t > last);
				last = t;
				tcp++;
			}
		}
		assert_int_equal(tcp, 16);
		assert_int_equal(arp, 2);
		rte_pktmbuf_free_bulk(got, n);
		assert_int_equal(wp_steer_drain(sw[w], got, 64), 0);
		wp_steer_worker_stats(sw[w], &st, &hs);
		assert_int_equal(st.from_peers, 18);
		assert_int_equal(hs.received[0], 18);
	}
	rte_pktmbuf_free_bulk(pkts, kept);
	wp_steer_worker_stats(sw[0], &st, &hs);
	assert_int_equal(st.landed, 51);
	assert_int_equal(st.local, 19);
	assert_int_equal(st.handed_off, 32);
	assert_int_equal(st.ring_full, 0);
	assert_int_equal(st.copies, 4);
	assert_int_equal(st.landed, st.local + st.handed_off + st.ring_full);
	assert_int_equal(hs.sent[1], 18);
	assert_int_equal(hs.sent[2], 18);

	/* a full ring: worker 1's ring from 0 holds 63; the rest is freed and
	 * counted, nothing leaks */
	for (unsigned i = 0; i < 64; i++)
		pkts[i] = frame_for(mp, r, 1, (uint16_t)i, 0);
	kept = wp_steer_rx(sw[0], pkts, 64);
	assert_int_equal(kept, 0);
	for (unsigned i = 0; i < 64; i++)
		pkts[i] = frame_for(mp, r, 1, (uint16_t)(64 + i), 0);
	kept = wp_steer_rx(sw[0], pkts, 64);
	assert_int_equal(kept, 0);
	wp_steer_worker_stats(sw[0], &st, &hs);
	assert_int_equal(st.ring_full, 128 - 63);
	assert_int_equal(hs.dropped[1], 128 - 63);
	assert_int_equal(st.landed, st.local + st.handed_off + st.ring_full);
	/* what is left in the rings is freed, and counted, by wp_handoff_free */
	for (unsigned w = 0; w < 3; w++)
		wp_steer_worker_free(sw[w]);
	wp_handoff_free(h, &left);
	assert_int_equal(left, 63);
	assert_int_equal(rte_mempool_in_use_count(mp), in_use0);
	wp_rss_free(r);
}

static void
t_handoff_single_and_bad(void **state)
{
	struct rte_mempool *mp = wph_pool();
	struct wp_rss *r1 = mk_rss(1, 128, "s1"), *r2 = mk_rss(2, 128, "s2");
	struct wp_handoff *h = wp_handoff_create(1, 0, SOCKET_ID_ANY);
	struct wp_steer_worker *sw;
	struct rte_mbuf *m;
	unsigned left;

	(void)state;
	assert_null(wp_handoff_create(0, 0, SOCKET_ID_ANY));
	assert_null(wp_handoff_create(2, 100, SOCKET_ID_ANY));
	assert_null(wp_handoff_create(WP_STEER_MAX_WORKERS + 1, 0, SOCKET_ID_ANY));
	assert_non_null(h);
	assert_null(wp_steer_worker_create(h, 1, SOCKET_ID_ANY));
	sw = wp_steer_worker_create(h, 0, SOCKET_ID_ANY);
	assert_non_null(sw);
	assert_int_equal(wp_steer_worker_add_port(sw, 0, r2), -EINVAL); /* 2 != 1 */
	assert_int_equal(wp_steer_worker_add_port(sw, 0, r1), 0);
	m = frame_for(mp, r2, 1, 1, 0);
	assert_int_equal(wp_steer_rx(sw, &m, 1), 1);
	assert_int_equal(wp_steer_drain(sw, &m + 1, 1), 0);
	rte_pktmbuf_free(m);
	wp_steer_worker_free(sw);
	wp_handoff_free(h, &left);
	assert_int_equal(left, 0);
	wp_handoff_free(NULL, &left);
	wp_rss_free(r1);
	wp_rss_free(r2);
}

/* ---- the stack's active opens through the hook ---- */

static unsigned closed_calls;

static void
count_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	(void)arg;
	(void)c;
	(void)why;
	closed_calls++;
}

static void
t_stack_lport_hook(void **state)
{
	struct wp_rss *r = mk_rss(4, 128, "stk");
	struct wp_steer_lport sl = { .rss = r, .worker = 3 };
	struct wph_env e;
	struct wp_tcp_cbs cbs;
	bool seen[65536] = { false };
	uint32_t backend = WPH_IP(198, 18, 0, 9);

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(&cbs, 0, sizeof(cbs));
	cbs.closed = count_closed;
	wph_conf(&e.conf);
	e.conf.lport_fn = wp_steer_lport_fn;
	e.conf.lport_arg = &sl;
	e.conf.ephemeral_lo = 50000;
	e.conf.ephemeral_hi = 50999;
	wph_setup_conf(&e, &e.conf);
	assert_int_equal(wp_arp_add_static(e.net, backend, wph_peer_mac), 0);
	/* about a quarter of the 1000 ports belong to worker 3: open until the
	 * stack runs out, every SYN's source port must be worker 3's */
	for (unsigned i = 0; i < 1000; i++) {
		struct wp_tcp_conn *c;
		struct wph_frame f;
		int rc = wp_tcp_connect(e.net, backend, 8080, 0, &cbs, NULL, &c);

		if (rc == -EADDRINUSE)
			break;
		assert_int_equal(rc, 0);
		wp_net_flush(e.net);
		assert_int_equal(e.cap.n, 1);
		wph_read(&e, 0, &f);
		assert_false(seen[f.tcp.sport]);
		seen[f.tcp.sport] = true;
		assert_int_equal(wp_rss_owner(r, backend, WPH_OUR_IP, 8080, f.tcp.sport), 3);
		assert_int_equal(wp_rss_reta(r)[softrss(wp_rss_key(r), backend, WPH_OUR_IP,
							8080, f.tcp.sport) & 127], 3);
		wph_cap_clear(&e.cap);
	}
	{
		unsigned opened = 0, want = 0;

		for (unsigned p = 50000; p <= 50999; p++) {
			opened += seen[p];
			want += wp_rss_owner(r, backend, WPH_OUR_IP, 8080, (uint16_t)p) == 3;
		}
		/* every port of worker 3 in the range is found, no other */
		assert_int_equal(opened, want);
	}
	closed_calls = 0;
	wph_teardown(&e);
	assert_true(closed_calls > 0);
	wp_rss_free(r);
}

/* ---- programming a port ---- */

/* net_null implements RSS key/RETA update and query (a software model of
 * a NIC's table); net_ring has no RSS at all. */
static void
t_program_port(void **state)
{
	struct wp_rss *r = mk_rss(2, 128, "prog");
	struct wp_rss_port_info info;
	struct wp_port_conf pc;
	struct wp_port_info pi;
	uint16_t port;

	(void)state;
	assert_int_equal(rte_vdev_init("net_null_steer", "copy=1"), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name("net_null_steer", &port), 0);
	memset(&pc, 0, sizeof(pc));
	pc.port_id = port;
	pc.nb_queues = 2;
	pc.mp = wph_pool();
	pc.rss_key = wp_rss_key(r);
	assert_int_equal(wp_port_setup(&pc, &pi), 0);
	assert_int_equal(wp_rss_program_port(r, port, &info), 0);
	assert_int_equal(info.mode, WP_RSS_PROGRAMMED);
	assert_int_equal(info.dev_reta_size, 128);
	assert_true(info.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP);
	/* read back independently of the module */
	{
		struct rte_eth_rss_reta_entry64 rt[2];
		struct rte_eth_rss_conf rc;
		uint8_t key[64];

		memset(rt, 0, sizeof(rt));
		rt[0].mask = rt[1].mask = ~0ULL;
		assert_int_equal(rte_eth_dev_rss_reta_query(port, rt, 128), 0);
		for (unsigned i = 0; i < 128; i++)
			assert_int_equal(rt[i / 64].reta[i % 64], i % 2);
		memset(&rc, 0, sizeof(rc));
		rc.rss_key = key;
		rc.rss_key_len = sizeof(key);
		assert_int_equal(rte_eth_dev_rss_hash_conf_get(port, &rc), 0);
		assert_memory_equal(key, wp_rss_key(r), WP_RSS_KEY_LEN);
	}
	/* a rule whose RETA size differs from the port's: software, said why */
	{
		struct wp_rss *r64 = mk_rss(2, 64, "prog64");

		assert_int_equal(wp_rss_program_port(r64, port, &info), 0);
		assert_int_equal(info.mode, WP_RSS_SOFTWARE);
		assert_non_null(strstr(info.why, "RETA of 128 entries"));
		wp_rss_free(r64);
	}
	/* one worker: nothing to program */
	{
		struct wp_rss *r1 = mk_rss(1, 128, "prog1");

		assert_int_equal(wp_rss_program_port(r1, port, &info), 0);
		assert_int_equal(info.mode, WP_RSS_SINGLE);
		wp_rss_free(r1);
	}
	wp_port_close(port);
	assert_int_equal(rte_vdev_uninit("net_null_steer"), 0);
	assert_int_equal(wp_rss_program_port(r, RTE_MAX_ETHPORTS, &info), -EINVAL);
	wp_rss_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_hash_vectors),
		cmocka_unit_test(t_hash_random),
		cmocka_unit_test(t_rss_bad_conf),
		cmocka_unit_test(t_lport_owner),
		cmocka_unit_test(t_lport_narrow),
		cmocka_unit_test(t_classify_table),
		cmocka_unit_test(t_handoff_split),
		cmocka_unit_test(t_handoff_single_and_bad),
		cmocka_unit_test(t_stack_lport_hook),
		cmocka_unit_test(t_program_port),
	};
	int rc;

	if (wp_test_eal_init("test_steer", NULL) < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wp_test_eal_cleanup();
	return rc;
}
