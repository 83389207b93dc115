/* SPDX-License-Identifier: BSD-3-Clause */
/* Table-driven tests of the pure parsers and checksums (src/net/parse.h):
 * one row per drop reason of every parser plus valid frames, and the
 * RFC 1071 checksum against known vectors and a byte-wise reference.
 * Pure code: no EAL needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/parse.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define SRC IP(198, 18, 0, 2)
#define DST IP(198, 18, 0, 1)

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Reference checksum: the RFC 1071 loop, one 16-bit word at a time. */
static uint16_t
ref_csum(const uint8_t *p, uint32_t len, uint32_t init)
{
	uint64_t s = init;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* ---------------- checksums ---------------- */

static void
t_csum_vectors(void **st)
{
	(void)st;
	/* RFC 1071 section 3 example: sum 0xddf2, checksum 0x220d */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(wp_csum_fold(wp_csum_partial(rfc, sizeof(rfc), 0)), 0x220d);
	/* a well-known IPv4 header whose checksum is 0xb861 */
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal(wp_csum_fold(wp_csum_partial(ip, 20, 0)), 0xb861);
	put16(ip + 10, 0xb861);
	assert_int_equal(wp_csum_fold(wp_csum_partial(ip, 20, 0)), 0);
	/* odd length: the last byte is the high half of a word */
	static const uint8_t odd[] = { 0x01, 0x02, 0x03 };
	assert_int_equal(wp_csum_fold(wp_csum_partial(odd, 3, 0)), (uint16_t)~0x0402);
	/* empty */
	assert_int_equal(wp_csum_fold(wp_csum_partial(odd, 0, 0)), 0xffff);
	/* pseudo header: words of src, dst, proto, length */
	assert_int_equal(wp_csum_fold(wp_csum_pseudo(IP(192, 168, 0, 1), IP(192, 168, 0, 199), 6, 20)),
			 (uint16_t)~(0xc0a8 + 0x0001 + 0xc0a8 + 0x00c7 + 6 + 20 - 0xffff));
}

static void
t_csum_random(void **st)
{
	(void)st;
	uint8_t buf[1600];
	uint32_t seed = 12345;

	for (uint32_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (uint32_t off = 0; off < 8; off++) {
		for (uint32_t len = 0; len + off <= sizeof(buf); len += (len < 80 ? 1 : 37)) {
			uint32_t init = (len * 2654435761u) & 0xfffff;
			assert_int_equal(wp_csum_fold(wp_csum_partial(buf + off, len, init)),
					 ref_csum(buf + off, len, init));
		}
	}
	/* continuation over an even split equals one pass */
	uint32_t a = wp_csum_partial(buf, 100, 0);
	assert_int_equal(wp_csum_fold(wp_csum_partial(buf + 100, 901, a)),
			 wp_csum_fold(wp_csum_partial(buf, 1001, 0)));
	/* an all-ones buffer must not overflow the accumulator */
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(wp_csum_fold(wp_csum_partial(buf, sizeof(buf), 0xffffffffu)),
			 ref_csum(buf, sizeof(buf), 0xffff + 0xffff));
}

/* ---------------- Ethernet ---------------- */

static void
t_eth(void **st)
{
	(void)st;
	uint8_t f[14] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x06 };
	struct wp_eth_view v;

	assert_int_equal(wp_parse_eth(f, 0, &v), WP_DROP_ETH_SHORT);
	assert_int_equal(wp_parse_eth(f, 13, &v), WP_DROP_ETH_SHORT);
	assert_int_equal(wp_parse_eth(NULL, 14, &v), WP_DROP_ETH_SHORT);
	assert_int_equal(wp_parse_eth(f, 14, &v), WP_PARSE_OK);
	assert_ptr_equal(v.dst, f);
	assert_ptr_equal(v.src, f + 6);
	assert_int_equal(v.type, 0x0806);
	assert_int_equal(v.hdr_len, 14);
}

/* ---------------- ARP ---------------- */

static void
arp_base(uint8_t *p)
{
	static const uint8_t a[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
		0x02, 0, 0, 0, 0, 0x02, 198, 18, 0, 2,
		0, 0, 0, 0, 0, 0, 198, 18, 0, 1 };
	memcpy(p, a, 28);
}

struct arp_row {
	const char *name;
	uint32_t len;
	int off, val;        /* byte to overwrite, -1 none */
	int want;
};

static void
t_arp_table(void **st)
{
	(void)st;
	static const struct arp_row rows[] = {
		{ "valid request", 28, -1, 0, WP_PARSE_OK },
		{ "valid reply", 28, 7, 2, WP_PARSE_OK },
		{ "padded", 46, -1, 0, WP_PARSE_OK },
		{ "short", 27, -1, 0, WP_DROP_ARP_SHORT },
		{ "empty", 0, -1, 0, WP_DROP_ARP_SHORT },
		{ "htype 6", 28, 1, 6, WP_DROP_ARP_BAD },
		{ "ptype ipv6", 28, 2, 0x86, WP_DROP_ARP_BAD },
		{ "hlen 8", 28, 4, 8, WP_DROP_ARP_BAD },
		{ "plen 16", 28, 5, 16, WP_DROP_ARP_BAD },
		{ "op 0", 28, 7, 0, WP_DROP_ARP_BAD },
		{ "op 3 (rarp)", 28, 7, 3, WP_DROP_ARP_BAD },
		{ "op 0x101", 28, 6, 1, WP_DROP_ARP_BAD },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t p[64] = { 0 };
		struct wp_arp_view v;

		arp_base(p);
		if (rows[i].off >= 0)
			p[rows[i].off] = (uint8_t)rows[i].val;
		int rc = wp_parse_arp(p, rows[i].len, &v);
		if (rc != rows[i].want)
			fail_msg("row '%s': got %d want %d", rows[i].name, rc, rows[i].want);
		if (rc == WP_PARSE_OK) {
			assert_int_equal(v.op, rows[i].off == 7 ? 2 : 1);
			assert_ptr_equal(v.sha, p + 8);
			assert_ptr_equal(v.tha, p + 18);
			assert_int_equal(v.spa, SRC);
			assert_int_equal(v.tpa, DST);
		}
	}
}

/* ---------------- IPv4 ---------------- */

/* 20-byte header + 20 bytes payload, valid checksum. */
static void
ip_base(uint8_t *p)
{
	memset(p, 0, 64);
	p[0] = 0x45;
	put16(p + 2, 40);
	put16(p + 4, 0x1234);
	put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = 6;
	p[12] = 198; p[13] = 18; p[14] = 0; p[15] = 2;
	p[16] = 198; p[17] = 18; p[18] = 0; p[19] = 1;
}

static void
ip_fix(uint8_t *p)
{
	uint32_t hl = (uint32_t)(p[0] & 0xf) * 4;
	p[10] = p[11] = 0;
	put16(p + 10, wp_csum_fold(wp_csum_partial(p, hl, 0)));
}

struct ip_row {
	const char *name;
	uint32_t len;
	int off, val;        /* byte to overwrite, -1 none */
	int off2, val2;
	int fix;             /* recompute the header checksum after */
	int hw;              /* csum_ok_hw */
	int want;
};

static void
t_ipv4_table(void **st)
{
	(void)st;
	static const struct ip_row rows[] = {
		{ "valid", 40, -1, 0, -1, 0, 1, 0, WP_PARSE_OK },
		{ "valid padded", 46, -1, 0, -1, 0, 1, 0, WP_PARSE_OK },
		{ "df clear", 40, 6, 0x00, -1, 0, 1, 0, WP_PARSE_OK },
		{ "short 19", 19, -1, 0, -1, 0, 1, 0, WP_DROP_IP_SHORT },
		{ "empty", 0, -1, 0, -1, 0, 1, 0, WP_DROP_IP_SHORT },
		{ "version 6", 40, 0, 0x65, -1, 0, 1, 0, WP_DROP_IP_VERSION },
		{ "version 0", 40, 0, 0x05, -1, 0, 1, 0, WP_DROP_IP_VERSION },
		{ "ihl 4", 40, 0, 0x44, -1, 0, 0, 0, WP_DROP_IP_HLEN },
		{ "ihl 0", 40, 0, 0x40, -1, 0, 0, 0, WP_DROP_IP_HLEN },
		{ "ihl 15 past frame", 40, 0, 0x4f, -1, 0, 0, 0, WP_DROP_IP_HLEN },
		{ "total < ihl", 40, 3, 19, -1, 0, 1, 0, WP_DROP_IP_LEN },
		{ "total > frame", 40, 3, 41, -1, 0, 1, 0, WP_DROP_IP_LEN },
		{ "total 0xffff", 40, 2, 0xff, 3, 0xff, 1, 0, WP_DROP_IP_LEN },
		{ "bad checksum", 40, 10, 0x00, 11, 0x01, 0, 0, WP_DROP_IP_CSUM },
		{ "bad checksum, nic says good", 40, 10, 0x00, 11, 0x01, 0, 1, WP_PARSE_OK },
		{ "more fragments", 40, 6, 0x20, -1, 0, 1, 0, WP_DROP_IP_FRAG },
		{ "offset 1", 40, 7, 0x01, -1, 0, 1, 0, WP_DROP_IP_FRAG },
		{ "df + offset", 40, 6, 0x5f, 7, 0xff, 1, 0, WP_DROP_IP_FRAG },
		{ "options (ihl 6)", 40, 0, 0x46, -1, 0, 1, 0, WP_DROP_IP_OPTIONS },
		{ "options (ihl 10)", 40, 0, 0x4a, -1, 0, 1, 0, WP_DROP_IP_OPTIONS },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct ip_row *r = &rows[i];
		uint8_t p[64];
		struct wp_ipv4_view v;

		ip_base(p);
		if (r->off >= 0)
			p[r->off] = (uint8_t)r->val;
		if (r->off2 >= 0)
			p[r->off2] = (uint8_t)r->val2;
		if (r->fix)
			ip_fix(p);
		int rc = wp_parse_ipv4(p, r->len, r->hw, &v);
		if (rc != r->want)
			fail_msg("row '%s': got %d want %d", r->name, rc, r->want);
		if (rc == WP_PARSE_OK) {
			assert_int_equal(v.src, SRC);
			assert_int_equal(v.dst, DST);
			assert_int_equal(v.proto, 6);
			assert_int_equal(v.ttl, 64);
			assert_int_equal(v.tos, 0);
			assert_int_equal(v.id, 0x1234);
			assert_int_equal(v.hdr_len, 20);
			assert_int_equal(v.total_len, 40);
		}
	}
}

/* ---------------- TCP ---------------- */

/* 20-byte header + `olen` option bytes + `plen` payload bytes */
static uint32_t
tcp_base(uint8_t *p, uint32_t olen, uint32_t plen, uint8_t flags)
{
	memset(p, 0, 128);
	put16(p, 40000);
	put16(p + 2, 80);
	p[4] = 0x11; p[5] = 0x22; p[6] = 0x33; p[7] = 0x44;
	p[8] = 0x55; p[9] = 0x66; p[10] = 0x77; p[11] = 0x88;
	p[12] = (uint8_t)(((20 + olen) / 4) << 4);
	p[13] = flags;
	put16(p + 14, 29200);
	put16(p + 18, 7);
	for (uint32_t i = 0; i < olen; i++)
		p[20 + i] = 1;      /* NOP */
	for (uint32_t i = 0; i < plen; i++)
		p[20 + olen + i] = (uint8_t)('a' + i);
	return 20 + olen + plen;
}

static void
tcp_fix(uint8_t *p, uint32_t len)
{
	p[16] = p[17] = 0;
	put16(p + 16, wp_csum_fold(wp_csum_partial(p, len, wp_csum_pseudo(SRC, DST, 6, len))));
}

struct tcp_row {
	const char *name;
	uint32_t olen, plen;
	uint8_t flags;
	int off, val;        /* byte to overwrite before the checksum, -1 none */
	int trunc;           /* bytes to cut after the checksum */
	int corrupt;         /* flip a payload/header bit after the checksum */
	int hw;
	int want;
};

static void
t_tcp_table(void **st)
{
	(void)st;
	static const struct tcp_row rows[] = {
		{ "syn with 20B options", 20, 0, 0x02, -1, 0, 0, 0, 0, WP_PARSE_OK },
		{ "ack with odd payload", 0, 11, 0x10, -1, 0, 0, 0, 0, WP_PARSE_OK },
		{ "rst alone", 0, 0, 0x04, -1, 0, 0, 0, 0, WP_PARSE_OK },
		{ "fin ack psh", 12, 5, 0x19, -1, 0, 0, 0, 0, WP_PARSE_OK },
		{ "syn ack", 4, 0, 0x12, -1, 0, 0, 0, 0, WP_PARSE_OK },
		{ "short 19", 0, 0, 0x10, -1, 0, 1, 0, 0, WP_DROP_TCP_SHORT },
		{ "data offset 4", 0, 8, 0x10, 12, 0x40, 0, 0, 0, WP_DROP_TCP_HLEN },
		{ "data offset 0", 0, 8, 0x10, 12, 0x00, 0, 0, 0, WP_DROP_TCP_HLEN },
		{ "data offset past segment", 0, 8, 0x10, 12, 0xf0, 0, 0, 0, WP_DROP_TCP_HLEN },
		{ "bad checksum", 0, 8, 0x10, -1, 0, 0, 1, 0, WP_DROP_TCP_CSUM },
		{ "bad checksum, nic says good", 0, 8, 0x10, -1, 0, 0, 1, 1, WP_PARSE_OK },
		{ "truncated payload", 0, 8, 0x10, -1, 0, 3, 0, 0, WP_DROP_TCP_CSUM },
		{ "syn fin", 0, 0, 0x03, -1, 0, 0, 0, 0, WP_DROP_TCP_FLAGS },
		{ "syn rst", 0, 0, 0x06, -1, 0, 0, 0, 0, WP_DROP_TCP_FLAGS },
		{ "no flags", 0, 0, 0x00, -1, 0, 0, 0, 0, WP_DROP_TCP_FLAGS },
		{ "fin alone", 0, 0, 0x01, -1, 0, 0, 0, 0, WP_DROP_TCP_FLAGS },
		{ "psh urg alone", 0, 4, 0x28, -1, 0, 0, 0, 0, WP_DROP_TCP_FLAGS },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct tcp_row *r = &rows[i];
		uint8_t p[128];
		struct wp_tcp_view v;
		uint32_t len = tcp_base(p, r->olen, r->plen, r->flags);

		if (r->off >= 0)
			p[r->off] = (uint8_t)r->val;
		tcp_fix(p, len);
		if (r->corrupt)
			p[len - 1] ^= 0x40;
		len -= (uint32_t)r->trunc;
		int rc = wp_parse_tcp(p, len, SRC, DST, r->hw, &v);
		if (rc != r->want)
			fail_msg("row '%s': got %d want %d", r->name, rc, r->want);
		if (rc == WP_PARSE_OK) {
			assert_int_equal(v.sport, 40000);
			assert_int_equal(v.dport, 80);
			assert_int_equal(v.seq, 0x11223344);
			assert_int_equal(v.ack, 0x55667788);
			assert_int_equal(v.flags, r->flags);
			assert_int_equal(v.wnd, 29200);
			assert_int_equal(v.urp, 7);
			assert_int_equal(v.hdr_len, 20 + r->olen);
			assert_ptr_equal(v.opts, p + 20);
			assert_int_equal(v.opts_len, r->olen);
		}
	}
	/* the checksum covers the pseudo header: another source fails */
	uint8_t p[128];
	struct wp_tcp_view v;
	uint32_t len = tcp_base(p, 0, 4, 0x10);
	tcp_fix(p, len);
	assert_int_equal(wp_parse_tcp(p, len, SRC + 1, DST, 0, &v), WP_DROP_TCP_CSUM);
	assert_int_equal(wp_parse_tcp(p, len, SRC, DST, 0, &v), WP_PARSE_OK);
	assert_int_equal(wp_parse_tcp(NULL, 40, SRC, DST, 0, &v), WP_DROP_TCP_SHORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_csum_vectors),
		cmocka_unit_test(t_csum_random),
		cmocka_unit_test(t_eth),
		cmocka_unit_test(t_arp_table),
		cmocka_unit_test(t_ipv4_table),
		cmocka_unit_test(t_tcp_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
