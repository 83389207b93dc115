/* SPDX-License-Identifier: BSD-3-Clause */
/* Pure header parsers and checksums for Ethernet, ARP, IPv4, ICMP and TCP
 * (DESIGN.md section 3). No DPDK, no allocation, no state: each takes
 * bytes and a length, validates everything it reads, and returns
 * WP_PARSE_OK (-1) or the enum wp_net_drop reason to count. Being pure is what lets the libFuzzer targets in
 * tests/fuzz drive them directly and lets eth.c/ipv4.c/icmp.c stay thin.
 * Multi-byte fields in the results are host order.
 */
#ifndef WP_NET_PARSE_H
#define WP_NET_PARSE_H

#include <stdint.h>

#include <warmpool/net-t.h>

#define WP_PARSE_OK (-1)

#define WP_ETHERTYPE_IPV4 0x0800
#define WP_ETHERTYPE_ARP  0x0806
#define WP_IPPROTO_ICMP   1
#define WP_IPPROTO_TCP    6

struct wp_eth_view {
	const uint8_t *dst, *src;   /* 6 bytes each, into the frame */
	uint16_t type;
	uint32_t hdr_len;           /* 14 */
};

struct wp_arp_view {
	uint16_t op;                /* 1 request, 2 reply */
	const uint8_t *sha, *tha;   /* 6 bytes each */
	uint32_t spa, tpa;
};

struct wp_ipv4_view {
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t id;
	uint32_t hdr_len;           /* IHL * 4 */
	uint32_t total_len;         /* from the header, <= frame length */
};

struct wp_tcp_view {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;              /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
	uint16_t wnd;               /* raw, unscaled */
	uint16_t urp;
	uint32_t hdr_len;           /* data offset * 4 */
	const uint8_t *opts;        /* hdr_len - 20 bytes */
	uint32_t opts_len;
};

/* Each returns WP_PARSE_OK or the reason to drop. */
int wp_parse_eth(const uint8_t *p, uint32_t len, struct wp_eth_view *v);
int wp_parse_arp(const uint8_t *p, uint32_t len, struct wp_arp_view *v);
/* Checks version, IHL, total length, checksum (unless csum_ok_hw), the
 * DF/MF/offset bits (any fragment -> WP_DROP_IP_FRAG), options. */
int wp_parse_ipv4(const uint8_t *p, uint32_t len, int csum_ok_hw, struct wp_ipv4_view *v);
/* `len` is the TCP length (IP total - IHL). Checks data offset and flags,
 * and the checksum against the pseudo header unless csum_ok_hw. */
int wp_parse_tcp(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst,
		 int csum_ok_hw, struct wp_tcp_view *v);

/* Internet checksum helpers (RFC 1071), host-order results folded to 16 bits.
 * wp_csum_partial adds the bytes as big-endian 16-bit words to `sum`;
 * wp_csum_fold folds and complements: the value to store (htons) in a
 * checksum field, and 0 when the summed bytes include a correct one. */
uint32_t wp_csum_partial(const void *p, uint32_t len, uint32_t sum);
uint16_t wp_csum_fold(uint32_t sum);
/* Pseudo-header sum for src, dst, proto, L4 length. */
uint32_t wp_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4len);

#endif /* WP_NET_PARSE_H */
