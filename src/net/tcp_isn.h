/* SPDX-License-Identifier: BSD-3-Clause */
/* Initial sequence numbers (RFC 6528) and SYN cookies, both keyed with a
 * per-stack secret through SipHash-2-4 (libsodium's crypto_shorthash).
 *
 * ISN = M + F(lip, lport, rip, rport, secret), M a 4 us clock (RFC 6528).
 *
 * SYN cookie (the server's ISN when the listener's backlog is full):
 *   bits 31..27  t = (now / 64 s) mod 32  (cookie ages out after 2 periods)
 *   bits 26..24  index of the peer's MSS in a fixed table
 *   bits 23..0   F(tuple, peer ISN, t, secret) truncated
 * Window scale and SACK-permitted cannot fit; when the peer sent
 * timestamps they travel in the low 6 bits of our TSval (wscale 4 bits,
 * 0xf = none, SACK 1 bit, 1 bit = cookie marker) as Linux does; without
 * timestamps a cookie connection has neither.
 */
#ifndef WP_NET_TCP_ISN_H
#define WP_NET_TCP_ISN_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"

struct wp_tcp_secret {
	uint8_t key[16];
};

/* seed 0: random key (getrandom); otherwise derived from seed (tests). */
void wp_tcp_secret_init(struct wp_tcp_secret *s, uint64_t seed);

uint32_t wp_tcp_isn(const struct wp_tcp_secret *s, const struct wp_flow_key *k, int64_t now);

struct wp_syncookie_opts {
	uint16_t mss;        /* peer's MSS (rounded down to the table) */
	uint8_t wscale;      /* peer's shift, 0xf = none */
	bool sack_ok;
	bool ts_ok;          /* peer sent timestamps */
};

/* The cookie ISN for a SYN with peer ISN `peer_isn`. If o->ts_ok, *tsval
 * gets the TSval to send (carrying wscale/SACK in its low bits, built on
 * `ts_now`). */
uint32_t wp_syncookie_make(const struct wp_tcp_secret *s, const struct wp_flow_key *k,
			   uint32_t peer_isn, int64_t now, const struct wp_syncookie_opts *o,
			   uint32_t ts_now, uint32_t *tsval);

/* Check the ACK of a cookie SYN-ACK: `cookie` = ack - 1, `peer_isn` =
 * seq - 1, `tsecr` = the echoed TSval (valid if has_ts). 0 and the
 * recovered options in *o, or -EINVAL (bad MAC) / -ETIMEDOUT (too old). */
int wp_syncookie_check(const struct wp_tcp_secret *s, const struct wp_flow_key *k,
		       uint32_t peer_isn, uint32_t cookie, int64_t now,
		       bool has_ts, uint32_t tsecr, struct wp_syncookie_opts *o);

#endif /* WP_NET_TCP_ISN_H */
