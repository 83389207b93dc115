/* SPDX-License-Identifier: BSD-3-Clause */
/* ISN and SYN cookie tests: ISNs differ per tuple and follow the 4 us
 * clock, seeds are deterministic; cookies round-trip for every MSS table
 * entry and option combination, and are refused with the documented code
 * for a wrong tuple, wrong peer ISN, any flipped bit and old age (exact
 * boundary). tcp_isn.c calls no DPDK function, so no EAL is needed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/tcp_isn.h"

#define SEC 1000000000LL
#define PERIOD (64 * SEC)

/* The table documented in tcp_isn.c. */
static const uint16_t mss_tab[8] = { 48, 536, 1220, 1300, 1440, 1460, 4312, 8960 };

static const struct wp_flow_key key0 = {
	.rip = 0xc0a80105, .lip = 0x0a000001, .rport = 51000, .lport = 443,
};

static void
test_secret_seed(void **state)
{
	struct wp_tcp_secret a, b, c, r1, r2;
	static const uint8_t zero[16];

	(void)state;
	wp_tcp_secret_init(&a, 42);
	wp_tcp_secret_init(&b, 42);
	wp_tcp_secret_init(&c, 43);
	assert_memory_equal(a.key, b.key, 16);
	assert_memory_not_equal(a.key, c.key, 16);
	assert_int_equal(wp_tcp_isn(&a, &key0, 12345 * SEC), wp_tcp_isn(&b, &key0, 12345 * SEC));
	assert_int_not_equal(wp_tcp_isn(&a, &key0, 12345 * SEC), wp_tcp_isn(&c, &key0, 12345 * SEC));

	/* seed 0: random keys (a 2^-128 chance of a false failure) */
	wp_tcp_secret_init(&r1, 0);
	wp_tcp_secret_init(&r2, 0);
	assert_memory_not_equal(r1.key, r2.key, 16);
	assert_memory_not_equal(r1.key, zero, 16);
}

static void
test_isn_per_tuple(void **state)
{
	struct wp_tcp_secret s;
	struct wp_flow_key k[5];
	uint32_t isn[5];
	int64_t now = 1000 * SEC;

	(void)state;
	wp_tcp_secret_init(&s, 7);
	for (int i = 0; i < 5; i++)
		k[i] = key0;
	k[1].rip ^= 1;
	k[2].lip ^= 1;
	k[3].rport ^= 1;
	k[4].lport ^= 1;
	for (int i = 0; i < 5; i++)
		isn[i] = wp_tcp_isn(&s, &k[i], now);
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			assert_int_not_equal(isn[i], isn[j]);
	/* swapping the ports is a different connection too */
	struct wp_flow_key sw = key0;
	sw.rport = key0.lport;
	sw.lport = key0.rport;
	assert_int_not_equal(wp_tcp_isn(&s, &sw, now), isn[0]);
}

static void
test_isn_clock(void **state)
{
	struct wp_tcp_secret s;
	int64_t now = 4000LL * 1000000;   /* a multiple of 4 us */

	(void)state;
	wp_tcp_secret_init(&s, 7);
	uint32_t base = wp_tcp_isn(&s, &key0, now);
	assert_int_equal(wp_tcp_isn(&s, &key0, now + 3999), base);
	assert_int_equal(wp_tcp_isn(&s, &key0, now + 4000), base + 1);
	assert_int_equal(wp_tcp_isn(&s, &key0, now + 4000 * 250000), base + 250000);
	/* one second is 250000 ticks; 2^32 ticks (~4.8 h) wrap around */
	assert_int_equal(wp_tcp_isn(&s, &key0, now + 4000LL * (1LL << 32)), base);
}

static void
expect_opts(const struct wp_syncookie_opts *got, uint16_t mss, uint8_t ws,
	    bool sack, bool ts)
{
	assert_int_equal(got->mss, mss);
	assert_int_equal(got->wscale, ws);
	assert_int_equal(got->sack_ok, sack);
	assert_int_equal(got->ts_ok, ts);
}

static void
test_cookie_round_trip(void **state)
{
	static const uint8_t ws_vals[] = { 0, 1, 7, 14, 0xf };
	static const uint32_t ts_now_vals[] = { 0x12345678, 0, 5, 63, 64, 0xffffffff };
	struct wp_tcp_secret s;
	int64_t now = 5000 * SEC + 123;

	(void)state;
	wp_tcp_secret_init(&s, 99);
	for (int m = 0; m < 8; m++) {
		/* the exact entry and a value just below the next one */
		uint16_t peer_mss[2] = { mss_tab[m],
			(uint16_t)(m < 7 ? mss_tab[m + 1] - 1 : 65535) };
		for (int pm = 0; pm < 2; pm++)
		for (unsigned w = 0; w < sizeof(ws_vals); w++)
		for (int sack = 0; sack < 2; sack++)
		for (int ts = 0; ts < 2; ts++)
		for (unsigned tn = 0; tn < sizeof(ts_now_vals) / 4; tn++) {
			struct wp_syncookie_opts in = {
				.mss = peer_mss[pm], .wscale = ws_vals[w],
				.sack_ok = sack, .ts_ok = ts,
			}, out;
			uint32_t peer_isn = 0xdead0000u + (uint32_t)m;
			uint32_t ts_now = ts_now_vals[tn], tsval = 0xabababab;
			uint32_t c = wp_syncookie_make(&s, &key0, peer_isn, now,
						       &in, ts_now, &tsval);

			assert_int_equal(c >> 27, (now / PERIOD) % 32);
			assert_int_equal((c >> 24) & 7, m);
			if (!ts) {
				assert_int_equal(tsval, 0xabababab);  /* untouched */
			} else {
				uint32_t lag = ts_now - tsval;
				uint32_t want = 0x20 | ws_vals[w] | (sack ? 0x10 : 0);
				assert_true(lag < 64);
				assert_int_equal(tsval & 0x3f, want);
			}
			memset(&out, 0x55, sizeof(out));
			assert_int_equal(wp_syncookie_check(&s, &key0, peer_isn, c,
					 now + 10 * SEC, ts, tsval, &out), 0);
			if (ts)
				expect_opts(&out, mss_tab[m], ws_vals[w], sack, true);
			else
				expect_opts(&out, mss_tab[m], 0xf, false, false);
		}
	}
	/* below the table: the smallest entry */
	struct wp_syncookie_opts tiny = { .mss = 20, .wscale = 0xf }, out;
	uint32_t c = wp_syncookie_make(&s, &key0, 1, now, &tiny, 0, NULL);
	assert_int_equal(wp_syncookie_check(&s, &key0, 1, c, now, false, 0, &out), 0);
	assert_int_equal(out.mss, 48);
	/* a shift above 14 is clamped to 14 (15 means none) */
	struct wp_syncookie_opts big = { .mss = 1460, .wscale = 200, .ts_ok = true };
	uint32_t tsval;
	c = wp_syncookie_make(&s, &key0, 1, now, &big, 1000, &tsval);
	assert_int_equal(wp_syncookie_check(&s, &key0, 1, c, now, true, tsval, &out), 0);
	assert_int_equal(out.wscale, 14);
}

static void
test_cookie_reject(void **state)
{
	struct wp_tcp_secret s, other;
	struct wp_syncookie_opts in = { .mss = 1460, .wscale = 7, .sack_ok = true,
					.ts_ok = true }, out;
	int64_t now = 777 * SEC;
	uint32_t peer_isn = 0x01020304, tsval;

	(void)state;
	wp_tcp_secret_init(&s, 5);
	wp_tcp_secret_init(&other, 6);
	uint32_t c = wp_syncookie_make(&s, &key0, peer_isn, now, &in, 100000, &tsval);
	assert_int_equal(wp_syncookie_check(&s, &key0, peer_isn, c, now, true, tsval, &out), 0);

	/* wrong tuple, field by field */
	struct wp_flow_key k;
	k = key0; k.rip++;
	assert_int_equal(wp_syncookie_check(&s, &k, peer_isn, c, now, true, tsval, &out), -EINVAL);
	k = key0; k.lip++;
	assert_int_equal(wp_syncookie_check(&s, &k, peer_isn, c, now, true, tsval, &out), -EINVAL);
	k = key0; k.rport++;
	assert_int_equal(wp_syncookie_check(&s, &k, peer_isn, c, now, true, tsval, &out), -EINVAL);
	k = key0; k.lport++;
	assert_int_equal(wp_syncookie_check(&s, &k, peer_isn, c, now, true, tsval, &out), -EINVAL);
	/* wrong peer ISN, wrong secret */
	assert_int_equal(wp_syncookie_check(&s, &key0, peer_isn + 1, c, now, true, tsval, &out), -EINVAL);
	assert_int_equal(wp_syncookie_check(&other, &key0, peer_isn, c, now, true, tsval, &out), -EINVAL);
	/* every single flipped bit: time, MSS index and MAC are all covered */
	for (int b = 0; b < 32; b++) {
		int rc = wp_syncookie_check(&s, &key0, peer_isn, c ^ (1u << b), now,
					    true, tsval, &out);
		if (rc != -EINVAL)
			fail_msg("bit %d flipped: got %d", b, rc);
	}
	/* echoed TSval without the cookie marker */
	assert_int_equal(wp_syncookie_check(&s, &key0, peer_isn, c, now, true,
					    tsval & ~0x20u, &out), -EINVAL);
	/* the ACK may drop timestamps: the cookie holds, the options go */
	assert_int_equal(wp_syncookie_check(&s, &key0, peer_isn, c, now, false, 0, &out), 0);
	expect_opts(&out, 1460, 0xf, false, false);
	/* too old */
	assert_int_equal(wp_syncookie_check(&s, &key0, peer_isn, c, now + 3 * PERIOD,
					    true, tsval, &out), -ETIMEDOUT);
}

static void
test_cookie_age(void **state)
{
	struct wp_tcp_secret s;
	struct wp_syncookie_opts in = { .mss = 536, .wscale = 0xf }, out;
	int64_t p = 1000;                       /* period number */
	int64_t start = p * PERIOD;

	(void)state;
	wp_tcp_secret_init(&s, 11);
	/* made at the first and the last ns of period p */
	uint32_t c0 = wp_syncookie_make(&s, &key0, 9, start, &in, 0, NULL);
	uint32_t c1 = wp_syncookie_make(&s, &key0, 9, start + PERIOD - 1, &in, 0, NULL);
	assert_int_equal(c0, c1);                /* same period, same cookie */
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start, false, 0, &out), 0);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start + PERIOD, false, 0, &out), 0);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start + 2 * PERIOD - 1,
					    false, 0, &out), 0);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start + 2 * PERIOD,
					    false, 0, &out), -ETIMEDOUT);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start + 31 * PERIOD,
					    false, 0, &out), -ETIMEDOUT);
	/* a whole counter wrap later the 5-bit time matches again, but the
	 * MAC covers the full period: refused */
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start + 32 * PERIOD,
					    false, 0, &out), -EINVAL);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start + 33 * PERIOD,
					    false, 0, &out), -EINVAL);
	/* a cookie from the future (clock went back) is not ours */
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, c0, start - 1, false, 0, &out),
			 -EINVAL);
	/* near time 0: no period before 0 to fall back to */
	uint32_t z = wp_syncookie_make(&s, &key0, 9, 0, &in, 0, NULL);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, z, PERIOD, false, 0, &out), 0);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, z, 2 * PERIOD, false, 0, &out),
			 -ETIMEDOUT);
	assert_int_equal(wp_syncookie_check(&s, &key0, 9, z ^ (1u << 31), 0, false, 0, &out),
			 -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_seed),
		cmocka_unit_test(test_isn_per_tuple),
		cmocka_unit_test(test_isn_clock),
		cmocka_unit_test(test_cookie_round_trip),
		cmocka_unit_test(test_cookie_reject),
		cmocka_unit_test(test_cookie_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
