/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the pure header parsers of src/net/parse.c, driven
 * over one frame the way the stack does (Ethernet -> ARP | IPv4 -> TCP),
 * plus the RFC 1071 checksum against a byte-at-a-time reference.
 *
 * Invariants checked (any violation traps):
 *  - every parser returns WP_PARSE_OK or one of its own drop reasons;
 *  - on OK, every reported length and pointer lies inside the input
 *    (hdr_len <= len, total_len <= len, options inside the header, ...);
 *  - a header the parser accepted really has a good checksum, and saying
 *    the NIC verified the checksum never turns an accepted header into a
 *    rejected one;
 *  - wp_csum_partial equals the reference for any bytes, any split.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static int
inside(const uint8_t *p, uint32_t n, const uint8_t *base, uint32_t len)
{
	return p >= base && n <= len && (uint32_t)(p - base) <= len - n;
}

static uint16_t
ref_csum(const uint8_t *p, uint32_t len)
{
	uint64_t s = 0;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
fuzz_tcp(const uint8_t *p, uint32_t len, uint32_t src, uint32_t dst)
{
	struct wp_tcp_view v, vh;

	memset(&v, 0, sizeof(v));       /* views are compared bytewise */
	memset(&vh, 0, sizeof(vh));
	int rc = wp_parse_tcp(p, len, src, dst, 0, &v);
	int rh = wp_parse_tcp(p, len, src, dst, 1, &vh);

	CHECK(rc == WP_PARSE_OK || rc == WP_DROP_TCP_SHORT || rc == WP_DROP_TCP_HLEN ||
	      rc == WP_DROP_TCP_CSUM || rc == WP_DROP_TCP_FLAGS);
	CHECK(rh != WP_DROP_TCP_CSUM);
	if (rc == WP_PARSE_OK) {
		CHECK(rh == WP_PARSE_OK);
		CHECK(memcmp(&v, &vh, sizeof(v)) == 0);
		CHECK(wp_csum_fold(wp_csum_partial(p, len,
				   wp_csum_pseudo(src, dst, WP_IPPROTO_TCP, len))) == 0);
	}
	if (rh != WP_PARSE_OK)
		return;
	CHECK(vh.hdr_len >= 20 && vh.hdr_len <= 60 && vh.hdr_len % 4 == 0);
	CHECK(vh.hdr_len <= len);
	CHECK(vh.opts == p + 20);
	CHECK(vh.opts_len == vh.hdr_len - 20);
	CHECK(inside(vh.opts, vh.opts_len, p, len));
	CHECK((vh.flags & ~0x3f) == 0);
	CHECK(!((vh.flags & 0x02) && (vh.flags & 0x05)));
	CHECK(vh.flags & 0x16);
}

static void
fuzz_ipv4(const uint8_t *p, uint32_t len)
{
	struct wp_ipv4_view v, vh;

	memset(&v, 0, sizeof(v));
	memset(&vh, 0, sizeof(vh));
	int rc = wp_parse_ipv4(p, len, 0, &v);
	int rh = wp_parse_ipv4(p, len, 1, &vh);

	CHECK(rc == WP_PARSE_OK || rc == WP_DROP_IP_SHORT || rc == WP_DROP_IP_VERSION ||
	      rc == WP_DROP_IP_HLEN || rc == WP_DROP_IP_LEN || rc == WP_DROP_IP_CSUM ||
	      rc == WP_DROP_IP_FRAG || rc == WP_DROP_IP_OPTIONS);
	CHECK(rh != WP_DROP_IP_CSUM);
	if (rc == WP_PARSE_OK) {
		CHECK(rh == WP_PARSE_OK);
		CHECK(memcmp(&v, &vh, sizeof(v)) == 0);
		CHECK(wp_csum_fold(wp_csum_partial(p, v.hdr_len, 0)) == 0);
	}
	if (rh != WP_PARSE_OK)
		return;
	CHECK(vh.hdr_len == 20);
	CHECK(vh.hdr_len <= vh.total_len);
	CHECK(vh.total_len <= len);
	CHECK((p[0] >> 4) == 4);
	CHECK((((uint32_t)p[6] << 8 | p[7]) & 0x3fff) == 0);
	/* the stack trims padding and hands TCP its own length */
	if (vh.proto == WP_IPPROTO_TCP)
		fuzz_tcp(p + vh.hdr_len, vh.total_len - vh.hdr_len, vh.src, vh.dst);
}

static void
fuzz_arp(const uint8_t *p, uint32_t len)
{
	struct wp_arp_view v;
	int rc = wp_parse_arp(p, len, &v);

	CHECK(rc == WP_PARSE_OK || rc == WP_DROP_ARP_SHORT || rc == WP_DROP_ARP_BAD);
	if (rc != WP_PARSE_OK)
		return;
	CHECK(len >= 28);
	CHECK(v.op == 1 || v.op == 2);
	CHECK(inside(v.sha, 6, p, len));
	CHECK(inside(v.tha, 6, p, len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t len = size > 65535 + 14 ? 65535 + 14 : (uint32_t)size;
	struct wp_eth_view e;
	int rc;

	/* checksum: one pass, and an even split continued */
	CHECK(wp_csum_fold(wp_csum_partial(data, len, 0)) == ref_csum(data, len));
	if (len >= 2) {
		uint32_t k = (data[0] % (len / 2 + 1)) * 2;
		CHECK(wp_csum_fold(wp_csum_partial(data + k, len - k,
						   wp_csum_partial(data, k, 0))) ==
		      ref_csum(data, len));
	}

	rc = wp_parse_eth(data, len, &e);
	CHECK(rc == WP_PARSE_OK || rc == WP_DROP_ETH_SHORT);
	if (rc != WP_PARSE_OK)
		return 0;
	CHECK(e.hdr_len == 14 && e.hdr_len <= len);
	CHECK(e.dst == data && e.src == data + 6);
	if (e.type == WP_ETHERTYPE_ARP)
		fuzz_arp(data + e.hdr_len, len - e.hdr_len);
	else if (e.type == WP_ETHERTYPE_IPV4)
		fuzz_ipv4(data + e.hdr_len, len - e.hdr_len);
	return 0;
}
