/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP steering decision, written once for two compilers: clang
 * -target bpf (bpf/steer.bpf.c) and the host C compiler (unit tests, the
 * fuzz target, the loader's key expansion). DESIGN.md section 4, issue 6.
 *
 * What it decides, per frame on RX queue q:
 *   1. not configured yet: behave like DPDK's default program, send the
 *      frame to q's AF_XDP socket if one is bound, else to the kernel;
 *   2. not for the appliance (struct wp_xdp_rules): XDP_PASS;
 *   3. for the appliance: bpf_redirect_map(&xsks_map, q, fallback), with
 *      fallback XDP_PASS (or XDP_DROP with WP_XDP_F_DROP_NO_SOCKET). For
 *      TCP the owner is owner_map[Toeplitz(tuple) & (reta_size - 1)] and a
 *      frame whose owner's queue is not q counts as NON_OWNER. The kernel
 *      only delivers a redirected frame to the socket bound to the queue it
 *      arrived on, so the program records ownership but cannot move the
 *      frame; the worker hands it over in software.
 * Each frame bumps RX and one outcome counter (REDIRECT, PASS, NO_SOCKET),
 * plus its kind or its pass reason (see WP_XDP_COUNTERS).
 *
 * Parsing: every read is preceded by a check against data_end, in the
 * form the BPF verifier accepts (pointer + constant <= end). Nothing is
 * trusted: bad ARP fields, IHL < 5, truncated headers and fragments all go
 * to the kernel, counted by reason. VLAN tags are not parsed (NOT_IP).
 *
 * Environment. wp_xdp_classify() is pure. wp_xdp_steer(), the whole
 * program, touches maps through five hooks, which the including file
 * defines (static inline) before including this header, and then defines
 * WP_XDP_HAVE_ENV (without it only the pure parts are compiled):
 *
 *   typedef ... wp_xdp_env_t;      (struct xdp_md in BPF, a struct of
 *                                   arrays in host tests)
 *   const struct wp_xdp_cfg *wp_xdp_env_cfg(wp_xdp_env_t *, __u32 *slot);
 *                                  the live slot, NULL if there is none
 *   __u32 wp_xdp_env_owner(wp_xdp_env_t *, __u32 slot, __u32 reta_idx);
 *                                  owner_map entry or WP_XDP_OWNER_NONE
 *   struct wp_xdp_qstats *wp_xdp_env_stats(wp_xdp_env_t *, __u32 q);
 *                                  this CPU's counters of q, or NULL
 *   int wp_xdp_env_redirect(wp_xdp_env_t *, __u32 q, int fallback);
 *                                  bpf_redirect_map(&xsks_map, q, fallback)
 *   int wp_xdp_env_meta(wp_xdp_env_t *, const struct wp_xdp_meta *);
 *                                  prepend the mark; 0 or -1
 *
 * so the host runs the very statements the kernel runs, minus the helpers.
 * Verdict constants are the kernel's enum xdp_action (<linux/bpf.h>).
 */
#ifndef WP_STEER_DECIDE_H
#define WP_STEER_DECIDE_H

#include <linux/bpf.h>
#include <linux/types.h>

#include "steer_kern_user.h"

#ifdef __bpf__
#define WP_XDP_INLINE static __attribute__((always_inline)) inline
#else
#define WP_XDP_INLINE static inline
#endif

#if defined(__clang__)
#define WP_XDP_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define WP_XDP_UNROLL _Pragma("GCC unroll 16")
#else
#define WP_XDP_UNROLL
#endif

#define WP_XDP_ETH_HLEN 14
#define WP_XDP_ETH_P_IP 0x0800
#define WP_XDP_ETH_P_ARP 0x0806
#define WP_XDP_ARP_LEN 28 /* Ethernet/IPv4 ARP body */
#define WP_XDP_IPPROTO_ICMP 1
#define WP_XDP_IPPROTO_TCP 6

/* What classification found. ctr is the counter the frame adds besides
 * RX and its outcome: its kind (ARP/ICMP/TCP) when ours, else its pass
 * reason. For TCP, tuple holds the Toeplitz input and hash its hash. */
struct wp_xdp_class {
	__u32 ours;
	__u32 ctr;  /* enum wp_xdp_ctr */
	__u32 kind; /* enum wp_xdp_meta_kind */
	__u32 hash; /* valid when kind == WP_XDP_KIND_TCP */
};

WP_XDP_INLINE __u16
wp_xdp_rd16(const __u8 *p)
{
	return (__u16)((__u16)p[0] << 8 | p[1]);
}

/* addr is in network byte order, as in the packet and in rules.addr[]. */
WP_XDP_INLINE int
wp_xdp_is_our_addr(const struct wp_xdp_rules *r, __be32 addr)
{
	int hit = 0;

	WP_XDP_UNROLL
	for (__u32 i = 0; i < WP_XDP_MAX_ADDRS; i++)
		if (i < r->n_addr && r->addr[i] == addr)
			hit = 1;
	return hit;
}

WP_XDP_INLINE int
wp_xdp_is_our_port(const struct wp_xdp_rules *r, __u16 port)
{
	int hit = 0;

	WP_XDP_UNROLL
	for (__u32 i = 0; i < WP_XDP_MAX_PORT_RANGES; i++)
		if (i < r->n_port && port >= r->port[i].lo && port <= r->port[i].hi)
			hit = 1;
	return hit;
}

/* Toeplitz over the 12-byte tuple with the expanded key (see
 * steer_kern_user.h); ip points at the IPv4 header (addresses at 12..19),
 * l4 at the TCP header (ports at 0..3). Both ranges already checked. */
WP_XDP_INLINE __u32
wp_xdp_toeplitz_tuple(const struct wp_xdp_cfg *cfg, const __u8 *ip, const __u8 *l4)
{
	__u32 h = 0;

	WP_XDP_UNROLL
	for (int i = 0; i < 8; i++)
		h ^= cfg->tbl[i][ip[12 + i]];
	WP_XDP_UNROLL
	for (int i = 0; i < 4; i++)
		h ^= cfg->tbl[8 + i][l4[i]];
	return h;
}

WP_XDP_INLINE void
wp_xdp_pass_for(struct wp_xdp_class *c, __u32 reason)
{
	c->ours = 0;
	c->ctr = reason;
	c->kind = WP_XDP_KIND_NONE;
	c->hash = 0;
}

/* Is this frame for the appliance? Pure: reads the frame and the
 * configuration, writes *c, nothing else. */
WP_XDP_INLINE void
wp_xdp_classify(const void *data, const void *data_end, const struct wp_xdp_cfg *cfg,
		struct wp_xdp_class *c)
{
	const __u8 *p = data;
	const __u8 *end = data_end;
	const __u8 *ip, *l4;
	__u16 type;
	__u32 ihl;

	if (p + WP_XDP_ETH_HLEN > end) {
		wp_xdp_pass_for(c, WP_XDP_CTR_SHORT);
		return;
	}
	type = wp_xdp_rd16(p + 12);
	if (type == WP_XDP_ETH_P_ARP) {
		const __u8 *a = p + WP_XDP_ETH_HLEN;
		__be32 tpa;

		if (a + WP_XDP_ARP_LEN > end) {
			wp_xdp_pass_for(c, WP_XDP_CTR_SHORT);
			return;
		}
		/* Ethernet hardware, IPv4 protocol, 6- and 4-byte addresses */
		if (wp_xdp_rd16(a) != 1 || wp_xdp_rd16(a + 2) != WP_XDP_ETH_P_IP ||
		    a[4] != 6 || a[5] != 4) {
			wp_xdp_pass_for(c, WP_XDP_CTR_OTHER_PROTO);
			return;
		}
		__builtin_memcpy(&tpa, a + 24, 4);
		if (!wp_xdp_is_our_addr(&cfg->rules, tpa)) {
			wp_xdp_pass_for(c, WP_XDP_CTR_OTHER_ADDR);
			return;
		}
		c->ours = 1;
		c->ctr = WP_XDP_CTR_ARP;
		c->kind = WP_XDP_KIND_ARP;
		c->hash = 0;
		return;
	}
	if (type != WP_XDP_ETH_P_IP) {
		wp_xdp_pass_for(c, WP_XDP_CTR_NOT_IP);
		return;
	}

	ip = p + WP_XDP_ETH_HLEN;
	if (ip + 20 > end) {
		wp_xdp_pass_for(c, WP_XDP_CTR_SHORT);
		return;
	}
	ihl = (__u32)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20) {
		wp_xdp_pass_for(c, WP_XDP_CTR_SHORT);
		return;
	}
	{
		__be32 daddr;

		__builtin_memcpy(&daddr, ip + 16, 4);
		if (!wp_xdp_is_our_addr(&cfg->rules, daddr)) {
			wp_xdp_pass_for(c, WP_XDP_CTR_OTHER_ADDR);
			return;
		}
	}
	/* MF set or a fragment offset: the appliance does not reassemble */
	if (wp_xdp_rd16(ip + 6) & 0x3fff) {
		wp_xdp_pass_for(c, WP_XDP_CTR_FRAG);
		return;
	}
	if (ip[9] == WP_XDP_IPPROTO_ICMP) {
		c->ours = 1;
		c->ctr = WP_XDP_CTR_ICMP;
		c->kind = WP_XDP_KIND_ICMP;
		c->hash = 0;
		return;
	}
	if (ip[9] != WP_XDP_IPPROTO_TCP) {
		wp_xdp_pass_for(c, WP_XDP_CTR_OTHER_PROTO);
		return;
	}
	/* ihl <= 60: the constant bound keeps l4 provably inside the frame */
	ihl &= 0x3c;
	l4 = ip + ihl;
	if (l4 + 20 > end) {
		wp_xdp_pass_for(c, WP_XDP_CTR_SHORT);
		return;
	}
	if (!wp_xdp_is_our_port(&cfg->rules, wp_xdp_rd16(l4 + 2))) {
		wp_xdp_pass_for(c, WP_XDP_CTR_OTHER_PORT);
		return;
	}
	c->ours = 1;
	c->ctr = WP_XDP_CTR_TCP;
	c->kind = WP_XDP_KIND_TCP;
	c->hash = wp_xdp_toeplitz_tuple(cfg, ip, l4);
}

#ifdef WP_XDP_HAVE_ENV
#define wp_xdp_count_(st, n) do { if (st) (st)->c[(n)]++; } while (0)

/* The program: classify, look up the owner, mark, redirect, count. Returns
 * the XDP verdict. q is the frame's RX queue (ctx->rx_queue_index). */
WP_XDP_INLINE int
wp_xdp_steer(wp_xdp_env_t *env, const void *data, const void *data_end, __u32 q)
{
	struct wp_xdp_qstats *st = wp_xdp_env_stats(env, q);
	const struct wp_xdp_cfg *cfg;
	struct wp_xdp_class c;
	__u32 slot = 0;
	int fallback, act;

	wp_xdp_count_(st, WP_XDP_CTR_RX);
	cfg = wp_xdp_env_cfg(env, &slot);
	if (cfg == 0) {
		wp_xdp_count_(st, WP_XDP_CTR_UNCONFIGURED);
		act = wp_xdp_env_redirect(env, q, XDP_PASS);
		wp_xdp_count_(st, act == XDP_REDIRECT ? WP_XDP_CTR_REDIRECT :
					WP_XDP_CTR_NO_SOCKET);
		return act;
	}

	wp_xdp_classify(data, data_end, cfg, &c);
	wp_xdp_count_(st, c.ctr);
	if (!c.ours) {
		wp_xdp_count_(st, WP_XDP_CTR_PASS);
		return XDP_PASS;
	}

	if (c.kind == WP_XDP_KIND_TCP || (cfg->rules.flags & WP_XDP_F_META)) {
		struct wp_xdp_meta m = {
			.magic = WP_XDP_META_MAGIC,
			.hash = c.hash,
			.owner = 0,
			.flags = 0,
			.kind = (__u8)c.kind,
		};

		if (c.kind == WP_XDP_KIND_TCP) {
			__u32 idx = c.hash & (cfg->reta_size - 1) & (WP_XDP_RETA_MAX - 1);
			__u32 owner = wp_xdp_env_owner(env, slot, idx);

			if (owner != WP_XDP_OWNER_NONE) {
				m.owner = (__u16)owner;
				m.flags |= WP_XDP_META_HAS_OWNER;
				if (owner + cfg->rules.queue_base != q) {
					m.flags |= WP_XDP_META_NON_OWNER;
					wp_xdp_count_(st, WP_XDP_CTR_NON_OWNER);
				}
			}
		}
		if ((cfg->rules.flags & WP_XDP_F_META) && wp_xdp_env_meta(env, &m) != 0)
			wp_xdp_count_(st, WP_XDP_CTR_META_FAIL);
	}

	fallback = (cfg->rules.flags & WP_XDP_F_DROP_NO_SOCKET) ? XDP_DROP : XDP_PASS;
	act = wp_xdp_env_redirect(env, q, fallback);
	wp_xdp_count_(st, act == XDP_REDIRECT ? WP_XDP_CTR_REDIRECT : WP_XDP_CTR_NO_SOCKET);
	return act;
}
#endif /* WP_XDP_HAVE_ENV */

#ifndef __bpf__
/* ---- host side only: the key expansion and a bitwise reference ---- */

/* The 32-bit window of key starting at bit `bit` (bit 0 = MSB of key[0]).
 * bit + 32 <= 8 * WP_XDP_KEY_LEN. */
static inline __u32
wp_xdp_key_window(const __u8 key[WP_XDP_KEY_LEN], __u32 bit)
{
	__u32 byte = bit / 8, sh = bit % 8;
	__u32 w = (__u32)key[byte] << 24 | (__u32)key[byte + 1] << 16 |
		  (__u32)key[byte + 2] << 8 | key[byte + 3];

	if (sh != 0)
		w = w << sh | (__u32)key[byte + 4] >> (8 - sh);
	return w;
}

/* Toeplitz, one bit at a time, the way the Microsoft RSS specification
 * writes it: for every set bit i of the input (MSB first), XOR in the key
 * window at bit i. len <= WP_XDP_KEY_LEN - 4. */
static inline __u32
wp_xdp_toeplitz_ref(const __u8 key[WP_XDP_KEY_LEN], const __u8 *in, __u32 len)
{
	__u32 h = 0;

	for (__u32 i = 0; i < len * 8; i++)
		if (in[i / 8] & (0x80u >> (i % 8)))
			h ^= wp_xdp_key_window(key, i);
	return h;
}

/* Expand key into the table the program uses. */
static inline void
wp_xdp_toeplitz_expand(const __u8 key[WP_XDP_KEY_LEN],
		       __u32 tbl[WP_XDP_TUPLE_LEN][256])
{
	for (__u32 i = 0; i < WP_XDP_TUPLE_LEN; i++) {
		__u32 w[8];

		for (__u32 j = 0; j < 8; j++)
			w[j] = wp_xdp_key_window(key, 8 * i + j);
		for (__u32 b = 0; b < 256; b++) {
			__u32 h = 0;

			for (__u32 j = 0; j < 8; j++)
				if (b & (0x80u >> j))
					h ^= w[j];
			tbl[i][b] = h;
		}
	}
}
#endif /* !__bpf__ */

#endif /* WP_STEER_DECIDE_H */
