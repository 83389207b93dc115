/* SPDX-License-Identifier: BSD-3-Clause */
/* Frames and cases for the XDP steering tests, shared by the host unit
 * test (test_xdp_decide.c, no root) and the privileged test that runs the
 * real program through BPF_PROG_TEST_RUN (tests/integration/steer/
 * test_xdp_prog.c), so both judge the same rows.
 *
 * A case is a frame description, the queue it arrives on, whether a
 * configuration is live and whether a socket is bound on that queue, and
 * what must happen: the verdict and the counters (besides RX) that move
 * by one. For appliance TCP the owner is computed by the test with DPDK's
 * rte_softrss (independent of the code under test) and the queue can be
 * chosen relative to it: the owner's queue, or another one.
 */
#ifndef WP_TEST_XDP_FRAMES_H
#define WP_TEST_XDP_FRAMES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/bpf.h>

#include <rte_thash.h>

#include "steer_kern_user.h"

#define TX_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
/* the appliance's addresses and ports in the test configuration */
#define TX_APP1 TX_IP(198, 18, 6, 1)
#define TX_APP2 TX_IP(198, 18, 6, 10)
#define TX_PEER TX_IP(198, 18, 6, 2)
#define TX_OTHER TX_IP(198, 18, 6, 3)
#define TX_LISTEN 80
#define TX_LOCAL_LO 40000
#define TX_LOCAL_HI 40999
#define TX_RETA 128
#define TX_WORKERS 4
#define TX_FRAME_MAX 256

/* The Microsoft RSS verification key (also DPDK's test_thash.c). */
static const uint8_t tx_ms_key[WP_XDP_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

enum tx_kind { TX_ARP, TX_ICMP, TX_TCP, TX_UDP, TX_IPV6, TX_VLAN, TX_RUNT };

struct tx_frame {
	enum tx_kind kind;
	uint32_t src, dst;      /* IPv4, host order (ARP: spa, tpa) */
	uint16_t sport, dport;
	uint8_t ihl;            /* 0: 5 */
	uint16_t frag;          /* IPv4 flags+offset field */
	uint16_t arp_htype;     /* 0: 1 (Ethernet) */
	uint16_t trim;          /* cut this many bytes off the end */
};

static inline void
tx_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
tx_put32(uint8_t *p, uint32_t v)
{
	tx_put16(p, (uint16_t)(v >> 16));
	tx_put16(p + 2, (uint16_t)v);
}

/* Build the frame into buf (TX_FRAME_MAX); returns its length. Checksums
 * are not filled: the program does not read them. */
static inline uint32_t
tx_build(const struct tx_frame *f, uint8_t *buf)
{
	static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 2 };
	uint32_t len = 0;
	uint8_t *ip;

	memset(buf, 0, TX_FRAME_MAX);
	memcpy(buf, mac_a, 6);
	memcpy(buf + 6, mac_b, 6);
	switch (f->kind) {
	case TX_ARP:
		tx_put16(buf + 12, 0x0806);
		tx_put16(buf + 14, f->arp_htype ? f->arp_htype : 1);
		tx_put16(buf + 16, 0x0800);
		buf[18] = 6;
		buf[19] = 4;
		tx_put16(buf + 20, 1); /* request */
		memcpy(buf + 22, mac_b, 6);
		tx_put32(buf + 28, f->src);
		tx_put32(buf + 38, f->dst);
		len = 42;
		break;
	case TX_IPV6:
		tx_put16(buf + 12, 0x86dd);
		buf[14] = 0x60;
		len = 14 + 40;
		break;
	case TX_VLAN:
		tx_put16(buf + 12, 0x8100);
		tx_put16(buf + 14, 7);
		tx_put16(buf + 16, 0x0800);
		len = 18 + 40;
		break;
	case TX_RUNT:
		len = 10;
		break;
	case TX_ICMP:
	case TX_TCP:
	case TX_UDP: {
		uint32_t ihl = f->ihl ? f->ihl : 5, l4len;

		tx_put16(buf + 12, 0x0800);
		ip = buf + 14;
		ip[0] = (uint8_t)(0x40 | (ihl & 0x0f));
		ip[8] = 64;
		ip[9] = f->kind == TX_TCP ? 6 : f->kind == TX_UDP ? 17 : 1;
		tx_put16(ip + 6, f->frag);
		tx_put32(ip + 12, f->src);
		tx_put32(ip + 16, f->dst);
		l4len = f->kind == TX_TCP ? 20 : 8;
		if (f->kind == TX_ICMP)
			ip[4 * ihl] = 8; /* echo request */
		else {
			tx_put16(ip + 4 * ihl, f->sport);
			tx_put16(ip + 4 * ihl + 2, f->dport);
		}
		if (f->kind == TX_TCP)
			ip[4 * ihl + 12] = 5 << 4;
		tx_put16(ip + 2, (uint16_t)(4 * ihl + l4len));
		len = 14 + 4 * ihl + l4len;
		break;
	}
	}
	if (len < 60 && f->kind != TX_RUNT)
		len = 60; /* Ethernet minimum without FCS */
	len = f->trim < len ? len - f->trim : 0;
	return len;
}

static inline void
tx_hexdump(const char *what, const uint8_t *p, uint32_t len)
{
	fprintf(stderr, "%s (%u bytes):", what, len);
	for (uint32_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", p[i]);
	fprintf(stderr, "\n");
}

/* The test configuration: two addresses, port 80 and 40000-40999, owner
 * of RETA entry i = i % 4, the Microsoft key, queue_base 0. */
static inline void
tx_rules(struct wp_xdp_rules *r, uint32_t flags)
{
	memset(r, 0, sizeof(*r));
	r->addr[0] = __builtin_bswap32(TX_APP1);
	r->addr[1] = __builtin_bswap32(TX_APP2);
	r->n_addr = 2;
	r->port[0].lo = r->port[0].hi = TX_LISTEN;
	r->port[1].lo = TX_LOCAL_LO;
	r->port[1].hi = TX_LOCAL_HI;
	r->n_port = 2;
	r->flags = flags;
}

static inline void
tx_owners(uint16_t owner[TX_RETA])
{
	for (int i = 0; i < TX_RETA; i++)
		owner[i] = (uint16_t)(i % TX_WORKERS);
}

/* Independent reference: rte_softrss over the received tuple (host-order
 * words, as DPDK's test_thash.c uses it). */
static inline uint32_t
tx_softrss(const uint8_t key[WP_XDP_KEY_LEN], uint32_t src, uint32_t dst,
	   uint16_t sport, uint16_t dport)
{
	union rte_thash_tuple t;

	memset(&t, 0, sizeof(t));
	t.v4.src_addr = src;
	t.v4.dst_addr = dst;
	t.v4.sport = sport;
	t.v4.dport = dport;
	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
}

/* Where the case's frame arrives. */
enum tx_queue_mode { TXQ_FIXED, TXQ_OWNER, TXQ_NOT_OWNER };

#define TX_NO_CTR 0xffu
struct tx_case {
	const char *name;
	struct tx_frame f;
	enum tx_queue_mode qmode;
	uint32_t q;            /* TXQ_FIXED */
	int configured;
	int socket;            /* a socket is bound on the arrival queue */
	uint32_t flags;        /* rule flags (WP_XDP_F_META is always added) */
	int verdict;           /* XDP_PASS / XDP_REDIRECT / XDP_DROP */
	uint8_t ctr[3];        /* counters that move by one besides RX (TX_NO_CTR) */
};

#define C0 { TX_NO_CTR, TX_NO_CTR, TX_NO_CTR }
#define C1(a) { WP_XDP_CTR_##a, TX_NO_CTR, TX_NO_CTR }
#define C2(a, b) { WP_XDP_CTR_##a, WP_XDP_CTR_##b, TX_NO_CTR }
#define C3(a, b, c) { WP_XDP_CTR_##a, WP_XDP_CTR_##b, WP_XDP_CTR_##c }

#define TCP_TO(d, dp) { .kind = TX_TCP, .src = TX_PEER, .dst = (d), .sport = 51234, .dport = (dp) }

static const struct tx_case tx_cases[] = {
	/* before any configuration: DPDK's default behaviour */
	{ "unconfigured, socket bound: redirect", TCP_TO(TX_OTHER, 22), TXQ_FIXED, 1, 0, 1, 0,
	  XDP_REDIRECT, C2(UNCONFIGURED, REDIRECT) },
	{ "unconfigured, no socket: pass", TCP_TO(TX_APP1, 80), TXQ_FIXED, 2, 0, 0, 0,
	  XDP_PASS, C2(UNCONFIGURED, NO_SOCKET) },
	/* appliance traffic */
	{ "ARP request for the appliance", { .kind = TX_ARP, .src = TX_PEER, .dst = TX_APP1 },
	  TXQ_FIXED, 0, 1, 1, 0, XDP_REDIRECT, C2(ARP, REDIRECT) },
	{ "ARP request for the second address", { .kind = TX_ARP, .src = TX_PEER, .dst = TX_APP2 },
	  TXQ_FIXED, 3, 1, 1, 0, XDP_REDIRECT, C2(ARP, REDIRECT) },
	{ "ICMP echo to the appliance", { .kind = TX_ICMP, .src = TX_PEER, .dst = TX_APP1 },
	  TXQ_FIXED, 1, 1, 1, 0, XDP_REDIRECT, C2(ICMP, REDIRECT) },
	{ "TCP to the listening port, owner's queue", TCP_TO(TX_APP1, 80), TXQ_OWNER, 0, 1, 1, 0,
	  XDP_REDIRECT, C2(TCP, REDIRECT) },
	{ "TCP to the listening port, non-owner queue", TCP_TO(TX_APP1, 80), TXQ_NOT_OWNER, 0, 1, 1,
	  0, XDP_REDIRECT, C3(TCP, NON_OWNER, REDIRECT) },
	{ "TCP to a local port (range low end)", TCP_TO(TX_APP2, 40000), TXQ_OWNER, 0, 1, 1, 0,
	  XDP_REDIRECT, C2(TCP, REDIRECT) },
	{ "TCP to a local port (range high end), non-owner", TCP_TO(TX_APP1, 40999), TXQ_NOT_OWNER,
	  0, 1, 1, 0, XDP_REDIRECT, C3(TCP, NON_OWNER, REDIRECT) },
	{ "TCP with IP options, owner's queue",
	  { .kind = TX_TCP, .src = TX_PEER, .dst = TX_APP1, .sport = 7, .dport = 80, .ihl = 15 },
	  TXQ_OWNER, 0, 1, 1, 0, XDP_REDIRECT, C2(TCP, REDIRECT) },
	{ "appliance TCP, no socket: pass", TCP_TO(TX_APP1, 80), TXQ_OWNER, 0, 1, 0, 0,
	  XDP_PASS, C2(TCP, NO_SOCKET) },
	{ "appliance TCP, no socket, drop flag: drop", TCP_TO(TX_APP1, 80), TXQ_OWNER, 0, 1, 0,
	  WP_XDP_F_DROP_NO_SOCKET, XDP_DROP, C2(TCP, NO_SOCKET) },
	{ "appliance ICMP, no socket: pass", { .kind = TX_ICMP, .src = TX_PEER, .dst = TX_APP1 },
	  TXQ_FIXED, 2, 1, 0, 0, XDP_PASS, C2(ICMP, NO_SOCKET) },
	/* the kernel's traffic */
	{ "ARP request for a Linux address", { .kind = TX_ARP, .src = TX_PEER, .dst = TX_OTHER },
	  TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(OTHER_ADDR, PASS) },
	{ "ARP with another hardware type", { .kind = TX_ARP, .src = TX_PEER, .dst = TX_APP1,
	  .arp_htype = 6 }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(OTHER_PROTO, PASS) },
	{ "ARP cut short", { .kind = TX_ARP, .src = TX_PEER, .dst = TX_APP1, .trim = 40 },
	  TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(SHORT, PASS) },
	{ "ICMP to a Linux address", { .kind = TX_ICMP, .src = TX_PEER, .dst = TX_OTHER },
	  TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(OTHER_ADDR, PASS) },
	{ "TCP to a Linux address", TCP_TO(TX_OTHER, 80), TXQ_FIXED, 1, 1, 1, 0,
	  XDP_PASS, C2(OTHER_ADDR, PASS) },
	{ "TCP to the appliance, port not ours", TCP_TO(TX_APP1, 22), TXQ_FIXED, 1, 1, 1, 0,
	  XDP_PASS, C2(OTHER_PORT, PASS) },
	{ "TCP to the appliance, port just above the range", TCP_TO(TX_APP1, 41000), TXQ_FIXED, 1,
	  1, 1, 0, XDP_PASS, C2(OTHER_PORT, PASS) },
	{ "TCP to the appliance, port just below the range", TCP_TO(TX_APP1, 39999), TXQ_FIXED, 1,
	  1, 1, 0, XDP_PASS, C2(OTHER_PORT, PASS) },
	{ "UDP to the appliance", { .kind = TX_UDP, .src = TX_PEER, .dst = TX_APP1, .sport = 53,
	  .dport = 80 }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(OTHER_PROTO, PASS) },
	{ "IPv4 fragment (MF) to the appliance", { .kind = TX_TCP, .src = TX_PEER, .dst = TX_APP1,
	  .sport = 1, .dport = 80, .frag = 0x2000 }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS,
	  C2(FRAG, PASS) },
	{ "IPv4 fragment (offset) to the appliance", { .kind = TX_TCP, .src = TX_PEER,
	  .dst = TX_APP1, .sport = 1, .dport = 80, .frag = 0x0010 }, TXQ_FIXED, 0, 1, 1, 0,
	  XDP_PASS, C2(FRAG, PASS) },
	{ "DF set is not a fragment", { .kind = TX_TCP, .src = TX_PEER, .dst = TX_APP1,
	  .sport = 1, .dport = 80, .frag = 0x4000 }, TXQ_OWNER, 0, 1, 1, 0, XDP_REDIRECT,
	  C2(TCP, REDIRECT) },
	{ "IHL below 5", { .kind = TX_TCP, .src = TX_PEER, .dst = TX_APP1, .sport = 1,
	  .dport = 80, .ihl = 4 }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(SHORT, PASS) },
	{ "TCP header cut short", { .kind = TX_TCP, .src = TX_PEER, .dst = TX_APP1, .sport = 1,
	  .dport = 80, .trim = 10 }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(SHORT, PASS) },
	{ "IPv4 header cut short", { .kind = TX_TCP, .src = TX_PEER, .dst = TX_APP1, .sport = 1,
	  .dport = 80, .trim = 30 }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(SHORT, PASS) },
	{ "IPv6", { .kind = TX_IPV6 }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS, C2(NOT_IP, PASS) },
	{ "VLAN-tagged IPv4", { .kind = TX_VLAN }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS,
	  C2(NOT_IP, PASS) },
	{ "runt (10 bytes)", { .kind = TX_RUNT }, TXQ_FIXED, 0, 1, 1, 0, XDP_PASS,
	  C2(SHORT, PASS) },
};
#define TX_NCASES (sizeof(tx_cases) / sizeof(tx_cases[0]))

/* The case's owner (TCP to the appliance) by rte_softrss, else -1. */
static inline int
tx_case_owner(const struct tx_case *c, const uint16_t owner[TX_RETA])
{
	if (c->f.kind != TX_TCP || !c->configured)
		return -1;
	return owner[tx_softrss(tx_ms_key, c->f.src, c->f.dst, c->f.sport, c->f.dport) &
		     (TX_RETA - 1)];
}

/* Arrival queue of the case. */
static inline uint32_t
tx_case_queue(const struct tx_case *c, const uint16_t owner[TX_RETA])
{
	int o = tx_case_owner(c, owner);

	switch (c->qmode) {
	case TXQ_OWNER:
		return o < 0 ? 0 : (uint32_t)o;
	case TXQ_NOT_OWNER:
		return o < 0 ? 0 : (uint32_t)(o + 1) % TX_WORKERS;
	default:
		return c->q;
	}
}

#endif /* WP_TEST_XDP_FRAMES_H */
