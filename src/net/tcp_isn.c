/* SPDX-License-Identifier: BSD-3-Clause */
/* Initial sequence numbers and SYN cookies (contract: tcp_isn.h).
 *
 * What it is: pure functions of a per-stack secret (struct wp_tcp_secret,
 * owned by the stack instance of one lcore, written once at start-up and
 * then only read), the 4-tuple and a time. The keyed function F is
 * SipHash-2-4 from libsodium (crypto_shorthash_siphash24); its input is
 * serialised explicitly, field by field, so the result does not depend on
 * struct layout, and starts with a domain byte so that ISN and cookie MACs
 * never share an input.
 *
 * ISN (RFC 6528): M + F(lip, lport, rip, rport), M = now / 4 us.
 *
 * Cookie layout (bits of the 32-bit ISN we send in the SYN-ACK):
 *   31..27  t = P mod 32, P = floor(now / 64 s) (the period)
 *   26..24  index into wp_cookie_mss[] (peer's MSS rounded down)
 *   23..0   low 24 bits of F('C', tuple, peer ISN, P, index)
 * The MAC covers the full 64-bit period P, not only t: on check P is
 * rebuilt as the latest period with P mod 32 == t, so a cookie replayed a
 * whole counter wrap (32 periods, ~34 min) later fails the MAC instead of
 * looking fresh. Check order: MAC first (-EINVAL), then age: accepted
 * iff the current period is P or P + 1 (-ETIMEDOUT otherwise), so a
 * cookie lives between 64 and 128 s.
 *
 * Options through timestamps (as Linux, net/ipv4/syncookies.c): when the
 * peer sent TS, the low 6 bits of our TSval carry
 *   bits 3..0  peer's window shift (0..14; 0xf = no window scaling)
 *   bit  4     SACK permitted
 *   bit  5     marker: always 1 in a cookie TSval
 * The TSval is the largest value <= ts_now (mod 2^32) with those low
 * bits, i.e. it is in (ts_now - 64, ts_now]. It still behaves as our
 * clock: it never runs ahead of ts_now, so the TSvals we send after the
 * handshake (from the real clock) are never older than it and the peer's
 * PAWS check keeps accepting them; the lag is at most 63 clock ticks.
 * The option bits are not covered by the MAC (the peer could only lie
 * about its own options, which it can do in the SYN anyway); an echoed
 * TSecr without the marker is refused (-EINVAL). If the ACK carries no
 * timestamp the connection gets neither window scaling nor SACK.
 *
 * The MSS table errs low: a peer MSS below the first entry maps to the
 * first entry (48, Linux's smallest acceptable MSS), otherwise the
 * largest entry <= the peer's MSS, so we never send bigger segments than
 * the peer asked for.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <sodium.h>

#include <rte_common.h>
#include <rte_log.h>

#include "tcp_isn.h"

#define COOKIE_PERIOD_NS (64LL * 1000000000LL)
#define COOKIE_T_BITS 5
#define COOKIE_T_MASK ((1u << COOKIE_T_BITS) - 1)
#define COOKIE_MAC_MASK 0xffffffu
#define ISN_TICK_NS 4000

#define TS_WSCALE_MASK 0x0fu
#define TS_SACK 0x10u
#define TS_MARKER 0x20u
#define TS_BITS 6
#define TS_MASK ((1u << TS_BITS) - 1)
#define MAX_WSCALE 14

static const uint16_t wp_cookie_mss[8] = {
	48, 536, 1220, 1300, 1440, 1460, 4312, 8960,
};

_Static_assert(sizeof(((struct wp_tcp_secret *)0)->key) ==
	       crypto_shorthash_siphash24_KEYBYTES, "SipHash key size");

static inline uint8_t *
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static inline uint8_t *
put_tuple(uint8_t *p, const struct wp_flow_key *k)
{
	p = put32(p, k->lip);
	p = put32(p, k->rip);
	p = put32(p, ((uint32_t)k->lport << 16) | k->rport);
	return p;
}

static uint64_t
siphash(const struct wp_tcp_secret *s, const uint8_t *in, size_t len)
{
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t v;

	crypto_shorthash_siphash24(out, in, len, s->key);
	memcpy(&v, out, sizeof(v));
	return v;
}

void
wp_tcp_secret_init(struct wp_tcp_secret *s, uint64_t seed)
{
	/* idempotent and thread-safe; < 0 only if libsodium cannot start (no
	 * entropy source): SipHash and BLAKE2b below need no initialisation,
	 * and randombytes_buf aborts rather than hand out a weak key */
	if (sodium_init() < 0)
		RTE_LOG(WARNING, USER1, "warmpool.tcp: sodium_init failed\n");
	if (seed == 0) {
		ssize_t n = getrandom(s->key, sizeof(s->key), 0);

		if (n != (ssize_t)sizeof(s->key))
			randombytes_buf(s->key, sizeof(s->key));
		return;
	}
	/* tests: a key that depends only on the seed */
	static const char ctx[] = "warmpool tcp secret v1";
	uint8_t in[8];

	memcpy(in, &seed, sizeof(in));
	crypto_generichash(s->key, sizeof(s->key), in, sizeof(in),
			   (const unsigned char *)ctx, sizeof(ctx) - 1);
}

uint32_t
wp_tcp_isn(const struct wp_tcp_secret *s, const struct wp_flow_key *k, int64_t now)
{
	uint8_t in[1 + 12], *p = in;

	*p++ = 'I';
	p = put_tuple(p, k);
	uint32_t m = (uint32_t)((uint64_t)now / ISN_TICK_NS);

	return m + (uint32_t)siphash(s, in, (size_t)(p - in));
}

static inline uint64_t
cookie_period(int64_t now)
{
	return now < 0 ? 0 : (uint64_t)now / (uint64_t)COOKIE_PERIOD_NS;
}

static uint32_t
cookie_mac(const struct wp_tcp_secret *s, const struct wp_flow_key *k,
	   uint32_t peer_isn, uint64_t period, uint32_t mss_idx)
{
	uint8_t in[1 + 12 + 4 + 8 + 1], *p = in;

	*p++ = 'C';
	p = put_tuple(p, k);
	p = put32(p, peer_isn);
	memcpy(p, &period, 8);
	p += 8;
	*p++ = (uint8_t)mss_idx;
	return (uint32_t)siphash(s, in, (size_t)(p - in)) & COOKIE_MAC_MASK;
}

static uint32_t
mss_index(uint16_t mss)
{
	uint32_t i;

	for (i = RTE_DIM(wp_cookie_mss) - 1; i > 0; i--)
		if (mss >= wp_cookie_mss[i])
			break;
	return i;
}

uint32_t
wp_syncookie_make(const struct wp_tcp_secret *s, const struct wp_flow_key *k,
		  uint32_t peer_isn, int64_t now, const struct wp_syncookie_opts *o,
		  uint32_t ts_now, uint32_t *tsval)
{
	uint64_t period = cookie_period(now);
	uint32_t idx = mss_index(o->mss);
	uint32_t t = (uint32_t)(period & COOKIE_T_MASK);

	if (o->ts_ok && tsval != NULL) {
		uint32_t bits = TS_MARKER;
		uint32_t ts;

		if (o->wscale == 0xf)
			bits |= TS_WSCALE_MASK;
		else
			bits |= RTE_MIN(o->wscale, MAX_WSCALE);
		if (o->sack_ok)
			bits |= TS_SACK;
		ts = (ts_now & ~TS_MASK) | bits;
		if ((int32_t)(ts - ts_now) > 0)     /* ahead of the clock: step back */
			ts -= 1u << TS_BITS;
		*tsval = ts;
	}
	return (t << 27) | (idx << 24) | cookie_mac(s, k, peer_isn, period, idx);
}

int
wp_syncookie_check(const struct wp_tcp_secret *s, const struct wp_flow_key *k,
		   uint32_t peer_isn, uint32_t cookie, int64_t now,
		   bool has_ts, uint32_t tsecr, struct wp_syncookie_opts *o)
{
	uint64_t cur = cookie_period(now);
	uint32_t t = cookie >> 27;
	uint32_t idx = (cookie >> 24) & 7u;
	uint32_t age = ((uint32_t)cur - t) & COOKIE_T_MASK;

	if (age > cur)                          /* before time 0: cannot be ours */
		return -EINVAL;
	if (cookie_mac(s, k, peer_isn, cur - age, idx) != (cookie & COOKIE_MAC_MASK))
		return -EINVAL;
	if (age > 1)
		return -ETIMEDOUT;

	if (has_ts && !(tsecr & TS_MARKER))
		return -EINVAL;

	o->mss = wp_cookie_mss[idx];
	o->ts_ok = has_ts;
	o->wscale = has_ts ? (uint8_t)(tsecr & TS_WSCALE_MASK) : 0xf;
	o->sack_ok = has_ts && (tsecr & TS_SACK) != 0;
	return 0;
}
