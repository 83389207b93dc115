/* SPDX-License-Identifier: BSD-3-Clause */
/* Pure header parsers and RFC 1071 checksums (contract in parse.h).
 *
 * What it is: the only code that reads bytes from the wire before they are
 * trusted. Each parser takes a pointer and a length, reads nothing beyond
 * `len`, validates every field it reports and returns WP_PARSE_OK or the
 * enum wp_net_drop reason the caller counts.
 *
 * State: none. No DPDK, no allocation, no globals, so the libFuzzer target
 * tests/fuzz/fuzz_pkt.c links this file alone.
 *
 * Invariants guaranteed to callers on WP_PARSE_OK:
 *  - eth: len >= 14, hdr_len == 14;
 *  - arp: len >= 28, htype Ethernet, ptype IPv4, hlen 6, plen 4, op 1 or 2;
 *  - ipv4: version 4, hdr_len == 20 (options are refused), hdr_len <=
 *    total_len <= len, header checksum good (unless the NIC said so), not a
 *    fragment;
 *  - tcp: 20 <= hdr_len <= len, opts_len == hdr_len - 20, checksum good
 *    (unless the NIC said so), flags not impossible (SYN+FIN, SYN+RST, or
 *    none of SYN/RST/ACK).
 *
 * Checksums: wp_csum_partial sums the bytes as big-endian 16-bit words
 * (the result is a number, "host order"), wp_csum_fold folds and
 * complements it: the value to store in a checksum field, and 0 when the
 * summed bytes include a correct checksum field.
 */
#include <string.h>

#include "parse.h"

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
wp_parse_eth(const uint8_t *p, uint32_t len, struct wp_eth_view *v)
{
	if (p == NULL || len < 14)
		return WP_DROP_ETH_SHORT;
	v->dst = p;
	v->src = p + 6;
	v->type = rd16(p + 12);
	v->hdr_len = 14;
	return WP_PARSE_OK;
}

int
wp_parse_arp(const uint8_t *p, uint32_t len, struct wp_arp_view *v)
{
	if (p == NULL || len < 28)
		return WP_DROP_ARP_SHORT;
	if (rd16(p) != 1 || rd16(p + 2) != WP_ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4)
		return WP_DROP_ARP_BAD;
	v->op = rd16(p + 6);
	if (v->op != 1 && v->op != 2)
		return WP_DROP_ARP_BAD;
	v->sha = p + 8;
	v->spa = rd32(p + 14);
	v->tha = p + 18;
	v->tpa = rd32(p + 24);
	return WP_PARSE_OK;
}

int
wp_parse_ipv4(const uint8_t *p, uint32_t len, int csum_ok_hw, struct wp_ipv4_view *v)
{
	uint32_t hl, tl;
	uint16_t frag;

	if (p == NULL || len < 20)
		return WP_DROP_IP_SHORT;
	if ((p[0] >> 4) != 4)
		return WP_DROP_IP_VERSION;
	hl = (uint32_t)(p[0] & 0x0f) * 4;
	if (hl < 20 || hl > len)
		return WP_DROP_IP_HLEN;
	tl = rd16(p + 2);
	if (tl < hl || tl > len)
		return WP_DROP_IP_LEN;
	if (!csum_ok_hw && wp_csum_fold(wp_csum_partial(p, hl, 0)) != 0)
		return WP_DROP_IP_CSUM;
	frag = rd16(p + 6);
	if (frag & 0x3fff)          /* MF or a fragment offset; DF is fine */
		return WP_DROP_IP_FRAG;
	if (hl != 20)
		return WP_DROP_IP_OPTIONS;
	v->tos = p[1];
	v->total_len = tl;
	v->id = rd16(p + 4);
	v->ttl = p[8];
	v->proto = p[9];
	v->src = rd32(p + 12);
	v->dst = rd32(p + 16);
	v->hdr_len = hl;
	return WP_PARSE_OK;
}

int
wp_parse_tcp(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst,
	     int csum_ok_hw, struct wp_tcp_view *v)
{
	uint32_t hl;
	uint8_t f;

	if (p == NULL || len < 20)
		return WP_DROP_TCP_SHORT;
	hl = (uint32_t)(p[12] >> 4) * 4;
	if (hl < 20 || hl > len)
		return WP_DROP_TCP_HLEN;
	if (!csum_ok_hw &&
	    wp_csum_fold(wp_csum_partial(p, len,
			 wp_csum_pseudo(src, dst, WP_IPPROTO_TCP, len))) != 0)
		return WP_DROP_TCP_CSUM;
	f = p[13] & 0x3f;
	if ((f & 0x02) && (f & 0x05))     /* SYN with FIN or RST */
		return WP_DROP_TCP_FLAGS;
	if (!(f & 0x16))                  /* none of SYN, RST, ACK */
		return WP_DROP_TCP_FLAGS;
	v->sport = rd16(p);
	v->dport = rd16(p + 2);
	v->seq = rd32(p + 4);
	v->ack = rd32(p + 8);
	v->flags = f;
	v->wnd = rd16(p + 14);
	v->urp = rd16(p + 18);
	v->hdr_len = hl;
	v->opts = p + 20;
	v->opts_len = hl - 20;
	return WP_PARSE_OK;
}

/* One's complement sum of 32-bit native loads (RFC 1071 section 2: the sum
 * is byte-order independent up to a final swap), eight words per round. */
uint32_t
wp_csum_partial(const void *buf, uint32_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = 0;
	uint32_t w[8];
	uint16_t h;

	while (len >= 32) {
		memcpy(w, p, 32);
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
		p += 32;
		len -= 32;
	}
	while (len >= 4) {
		memcpy(w, p, 4);
		acc += w[0];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		acc += p[0];
#else
		acc += (uint32_t)p[0] << 8;
#endif
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	h = (uint16_t)acc;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	h = (uint16_t)(h << 8 | h >> 8);
#endif
	acc = (uint64_t)sum + h;
	return (uint32_t)((acc & 0xffffffffu) + (acc >> 32));
}

uint16_t
wp_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t
wp_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4len)
{
	uint64_t s = (uint64_t)(src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
		     proto + (l4len >> 16) + (l4len & 0xffff);
	return (uint32_t)s;
}
