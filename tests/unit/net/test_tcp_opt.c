/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP option tests: exact bytes of Linux option blocks both ways, every
 * malformed length the parser must refuse, room limits of the writer and
 * round trips of random option sets. tcp_opt.c is pure, so no EAL. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/tcp_opt.h"

/* A Linux 6.1 SYN: MSS 1460, SACK-perm + TS, NOP + WS 7. */
static const uint8_t linux_syn[20] = {
	0x02, 0x04, 0x05, 0xb4,
	0x04, 0x02, 0x08, 0x0a, 0x9a, 0x3b, 0x1c, 0x2d, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x03, 0x03, 0x07,
};

static void
test_linux_syn_parse(void **state)
{
	struct wp_tcp_opts o;

	(void)state;
	assert_int_equal(wp_tcp_opts_parse(linux_syn, sizeof(linux_syn), &o), 0);
	assert_int_equal(o.present, WP_TCPOPT_MSS | WP_TCPOPT_SACKOK |
			 WP_TCPOPT_TS | WP_TCPOPT_WSCALE);
	assert_int_equal(o.mss, 1460);
	assert_int_equal(o.wscale, 7);
	assert_int_equal(o.tsval, 0x9a3b1c2d);
	assert_int_equal(o.tsecr, 0);
	assert_int_equal(o.nsack, 0);
}

static void
test_linux_syn_write(void **state)
{
	struct wp_tcp_opts o = {
		.present = WP_TCPOPT_MSS | WP_TCPOPT_SACKOK | WP_TCPOPT_TS |
			   WP_TCPOPT_WSCALE,
		.mss = 1460, .wscale = 7, .tsval = 0x9a3b1c2d, .tsecr = 0,
	};
	uint8_t buf[48];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(wp_tcp_opts_write(buf, 40, &o), 20);
	assert_memory_equal(buf, linux_syn, sizeof(linux_syn));
	for (size_t i = 20; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xee);
}

static void
test_write_groups(void **state)
{
	uint8_t buf[40];
	struct wp_tcp_opts o;

	(void)state;
	/* TS without SACK-perm: NOP NOP TS (Linux SYN-ACK to a non-SACK peer) */
	memset(&o, 0, sizeof(o));
	o.present = WP_TCPOPT_TS;
	o.tsval = 0x01020304;
	o.tsecr = 0xa0b0c0d0;
	static const uint8_t ts[12] = { 1, 1, 8, 10, 1, 2, 3, 4,
					0xa0, 0xb0, 0xc0, 0xd0 };
	assert_int_equal(wp_tcp_opts_write(buf, sizeof(buf), &o), 12);
	assert_memory_equal(buf, ts, sizeof(ts));

	/* SACK-perm without TS: NOP NOP SACKOK */
	memset(&o, 0, sizeof(o));
	o.present = WP_TCPOPT_MSS | WP_TCPOPT_SACKOK | WP_TCPOPT_WSCALE;
	o.mss = 536;
	o.wscale = 14;
	static const uint8_t mss_sack_ws[12] = { 2, 4, 0x02, 0x18, 1, 1, 4, 2,
						 1, 3, 3, 14 };
	assert_int_equal(wp_tcp_opts_write(buf, sizeof(buf), &o), 12);
	assert_memory_equal(buf, mss_sack_ws, sizeof(mss_sack_ws));

	/* nothing present: nothing written */
	memset(&o, 0, sizeof(o));
	assert_int_equal(wp_tcp_opts_write(buf, sizeof(buf), &o), 0);
}

static void
test_sack_blocks(void **state)
{
	/* ACK with TS and three SACK blocks, as Linux sends it (40 bytes) */
	static const uint8_t ack[40] = {
		1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
		1, 1, 5, 26,
		0, 0, 0x10, 0, 0, 0, 0x20, 0,
		0, 0, 0x30, 0, 0, 0, 0x40, 0,
		0, 0, 0x50, 0, 0, 0, 0x60, 0,
	};
	struct wp_tcp_opts o;
	uint8_t buf[64];

	(void)state;
	assert_int_equal(wp_tcp_opts_parse(ack, sizeof(ack), &o), 0);
	assert_int_equal(o.present, WP_TCPOPT_TS | WP_TCPOPT_SACK);
	assert_int_equal(o.tsval, 7);
	assert_int_equal(o.tsecr, 9);
	assert_int_equal(o.nsack, 3);
	assert_int_equal(o.sack[0].left, 0x1000);
	assert_int_equal(o.sack[0].right, 0x2000);
	assert_int_equal(o.sack[2].left, 0x5000);
	assert_int_equal(o.sack[2].right, 0x6000);

	/* write it back: identical bytes */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(wp_tcp_opts_write(buf, sizeof(buf), &o), 40);
	assert_memory_equal(buf, ack, sizeof(ack));
	assert_int_equal(buf[40], 0xee);

	/* four blocks but TS present: only three fit in 40 bytes */
	o.nsack = 4;
	o.sack[3].left = 0x7000;
	o.sack[3].right = 0x8000;
	assert_int_equal(wp_tcp_opts_write(buf, 40, &o), 40);
	assert_int_equal(buf[15], 26);
	/* room for one block only */
	assert_int_equal(wp_tcp_opts_write(buf, 24, &o), 24);
	assert_int_equal(buf[14], 5);
	assert_int_equal(buf[15], 10);
	/* no room for even one block: SACK left out */
	assert_int_equal(wp_tcp_opts_write(buf, 23, &o), 12);

	/* without TS all four fit: 4 + 32 = 36 */
	o.present = WP_TCPOPT_SACK;
	assert_int_equal(wp_tcp_opts_write(buf, 40, &o), 36);
	assert_int_equal(wp_tcp_opts_parse(buf, 36, &o), 0);
	assert_int_equal(o.nsack, 4);
	assert_int_equal(o.sack[3].left, 0x7000);
	assert_int_equal(o.sack[3].right, 0x8000);

	/* SACK bit with no blocks writes nothing */
	o.nsack = 0;
	assert_int_equal(wp_tcp_opts_write(buf, 40, &o), 0);
}

static void
test_room(void **state)
{
	struct wp_tcp_opts o = {
		.present = WP_TCPOPT_MSS | WP_TCPOPT_SACKOK | WP_TCPOPT_TS |
			   WP_TCPOPT_WSCALE,
		.mss = 1460, .wscale = 7, .tsval = 1, .tsecr = 2,
	};
	uint8_t buf[64];

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(wp_tcp_opts_write(buf, 0, &o), 0);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(wp_tcp_opts_write(buf, 3, &o), 0);
	assert_int_equal(buf[0], 0xee);
	assert_int_equal(wp_tcp_opts_write(buf, 4, &o), 4);     /* MSS */
	assert_int_equal(buf[4], 0xee);
	/* 12: the SACK-perm+TS block does not fit; SACK-perm alone and WS do */
	assert_int_equal(wp_tcp_opts_write(buf, 12, &o), 12);
	static const uint8_t mss_sack_ws[12] = { 2, 4, 5, 0xb4, 1, 1, 4, 2,
						 1, 3, 3, 7 };
	assert_memory_equal(buf, mss_sack_ws, sizeof(mss_sack_ws));
	assert_int_equal(buf[12], 0xee);
	assert_int_equal(wp_tcp_opts_write(buf, 19, &o), 16);   /* MSS+SACKOK/TS */
	assert_int_equal(buf[16], 0xee);
	assert_int_equal(wp_tcp_opts_write(buf, 64, &o), 20);   /* capped at 40 */
}

static void
test_parse_skip_and_end(void **state)
{
	struct wp_tcp_opts o;

	(void)state;
	/* unknown kind 30 (MPTCP) len 4 skipped, then MSS */
	static const uint8_t unk[8] = { 30, 4, 0xaa, 0xbb, 2, 4, 0x05, 0xdc };
	assert_int_equal(wp_tcp_opts_parse(unk, sizeof(unk), &o), 0);
	assert_int_equal(o.present, WP_TCPOPT_MSS);
	assert_int_equal(o.mss, 1500);

	/* EOL ends the list: garbage after it is not looked at */
	static const uint8_t eol[8] = { 1, 3, 3, 2, 0, 0xff, 1, 0xff };
	assert_int_equal(wp_tcp_opts_parse(eol, sizeof(eol), &o), 0);
	assert_int_equal(o.present, WP_TCPOPT_WSCALE);
	assert_int_equal(o.wscale, 2);

	/* window scale kept as received, even above 14 */
	static const uint8_t ws15[4] = { 1, 3, 3, 15 };
	assert_int_equal(wp_tcp_opts_parse(ws15, sizeof(ws15), &o), 0);
	assert_int_equal(o.wscale, 15);

	/* a repeated option: the last one wins */
	static const uint8_t dup[8] = { 2, 4, 0, 100, 2, 4, 0, 200 };
	assert_int_equal(wp_tcp_opts_parse(dup, sizeof(dup), &o), 0);
	assert_int_equal(o.mss, 200);

	/* empty and all-NOP lists */
	assert_int_equal(wp_tcp_opts_parse(NULL, 0, &o), 0);
	assert_int_equal(o.present, 0);
	static const uint8_t nops[4] = { 1, 1, 1, 1 };
	assert_int_equal(wp_tcp_opts_parse(nops, sizeof(nops), &o), 0);
	assert_int_equal(o.present, 0);

	/* stale fields are cleared on every parse */
	assert_int_equal(wp_tcp_opts_parse(linux_syn, sizeof(linux_syn), &o), 0);
	assert_int_equal(wp_tcp_opts_parse(nops, sizeof(nops), &o), 0);
	assert_int_equal(o.mss, 0);
	assert_int_equal(o.tsval, 0);
}

struct bad_case {
	const char *what;
	uint8_t len;
	uint8_t b[44];
};

static const struct bad_case bad[] = {
	{ "kind without length byte", 1, { 2 } },
	{ "unknown kind without length", 2, { 1, 30 } },
	{ "length 0", 4, { 30, 0, 1, 1 } },
	{ "length 1", 4, { 30, 1, 1, 1 } },
	{ "unknown kind runs past end", 4, { 30, 5, 0, 0 } },
	{ "MSS runs past end", 3, { 2, 4, 5 } },
	{ "MSS length 3", 4, { 2, 3, 5, 1 } },
	{ "MSS length 5", 5, { 2, 5, 5, 0xb4, 0 } },
	{ "WS length 2", 4, { 3, 2, 1, 1 } },
	{ "WS length 4", 4, { 3, 4, 7, 0 } },
	{ "SACKOK length 3", 4, { 4, 3, 0, 1 } },
	{ "SACKOK length 1", 2, { 4, 1 } },
	{ "TS length 8", 8, { 8, 8, 0, 0, 0, 0, 0, 0 } },
	{ "TS length 12", 12, { 8, 12 } },
	{ "TS runs past end", 9, { 8, 10 } },
	{ "SACK length 2 (no block)", 4, { 5, 2, 1, 1 } },
	{ "SACK length 9", 9, { 5, 9 } },
	{ "SACK length 11", 12, { 5, 11 } },
	{ "SACK five blocks", 42, { 5, 42 } },
	{ "good MSS then bad WS", 8, { 2, 4, 5, 0xb4, 3, 2, 1, 1 } },
	{ "bad option after NOPs", 6, { 1, 1, 1, 1, 8, 1 } },
};

static void
test_parse_malformed(void **state)
{
	struct wp_tcp_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = wp_tcp_opts_parse(bad[i].b, bad[i].len, &o);

		if (rc != -EINVAL)
			fail_msg("%s: got %d, want -EINVAL", bad[i].what, rc);
	}
	/* the same bytes cut short of the bad option are fine */
	assert_int_equal(wp_tcp_opts_parse(bad[19].b, 4, &o), 0);
	assert_int_equal(o.mss, 1460);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
test_round_trip_random(void **state)
{
	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		struct wp_tcp_opts in, out;
		uint8_t buf[48];
		uint32_t room = rnd() % 45;

		memset(&in, 0, sizeof(in));
		in.present = (uint8_t)(rnd() & 0x1f);
		in.mss = (uint16_t)rnd();
		in.wscale = (uint8_t)rnd();
		in.tsval = rnd();
		in.tsecr = rnd();
		in.nsack = (in.present & WP_TCPOPT_SACK) ? (uint8_t)(1 + rnd() % 4) : 0;
		for (int b = 0; b < in.nsack; b++) {
			in.sack[b].left = rnd();
			in.sack[b].right = rnd();
		}
		memset(buf, 0xee, sizeof(buf));
		uint32_t n = wp_tcp_opts_write(buf, room, &in);
		assert_true(n <= room && n <= 40 && n % 4 == 0);
		for (uint32_t i = n; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xee);
		assert_int_equal(wp_tcp_opts_parse(buf, n, &out), 0);
		/* everything parsed back was asked for, unchanged */
		assert_int_equal(out.present & ~in.present, 0);
		if (out.present & WP_TCPOPT_MSS)
			assert_int_equal(out.mss, in.mss);
		if (out.present & WP_TCPOPT_WSCALE)
			assert_int_equal(out.wscale, in.wscale);
		if (out.present & WP_TCPOPT_TS) {
			assert_int_equal(out.tsval, in.tsval);
			assert_int_equal(out.tsecr, in.tsecr);
		}
		assert_true(out.nsack <= in.nsack);
		for (int b = 0; b < out.nsack; b++) {
			assert_int_equal(out.sack[b].left, in.sack[b].left);
			assert_int_equal(out.sack[b].right, in.sack[b].right);
		}
		/* with full room everything but surplus SACK blocks comes back */
		if (room >= 40) {
			assert_int_equal(out.present, in.present);
			uint32_t fixed = ((in.present & WP_TCPOPT_MSS) ? 4 : 0) +
				((in.present & WP_TCPOPT_TS) ? 12 :
				 (in.present & WP_TCPOPT_SACKOK) ? 4 : 0) +
				((in.present & WP_TCPOPT_WSCALE) ? 4 : 0);
			uint32_t fit = (40 - fixed - 4) / 8;
			uint32_t want = in.nsack < fit ? in.nsack : fit;
			assert_int_equal(out.nsack, want);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_syn_parse),
		cmocka_unit_test(test_linux_syn_write),
		cmocka_unit_test(test_write_groups),
		cmocka_unit_test(test_sack_blocks),
		cmocka_unit_test(test_room),
		cmocka_unit_test(test_parse_skip_and_end),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_round_trip_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
