/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options: parse and build (RFC 9293 MSS, RFC 7323 window scale and
 * timestamps, RFC 2018 SACK-permitted and SACK blocks). Pure: no DPDK,
 * no state, so a libFuzzer target drives the parser directly.
 */
#ifndef WP_NET_TCP_OPT_H
#define WP_NET_TCP_OPT_H

#include <stdint.h>

#define WP_TCPOPT_MSS     0x01
#define WP_TCPOPT_WSCALE  0x02
#define WP_TCPOPT_SACKOK  0x04
#define WP_TCPOPT_TS      0x08
#define WP_TCPOPT_SACK    0x10

#define WP_TCP_MAX_SACK   4

struct wp_tcp_opts {
	uint8_t present;             /* WP_TCPOPT_* bits */
	uint16_t mss;
	uint8_t wscale;              /* as received; callers clamp to 14 */
	uint32_t tsval, tsecr;
	uint8_t nsack;
	struct { uint32_t left, right; } sack[WP_TCP_MAX_SACK];
};

/* 0, or -EINVAL for an impossible length (option running past the end,
 * length < 2, wrong fixed length for a known kind). Unknown kinds with a
 * sane length are skipped. */
int wp_tcp_opts_parse(const uint8_t *p, uint32_t len, struct wp_tcp_opts *o);

/* Write the options in `o->present` (SACK blocks as many as fit) padded
 * with NOPs/EOL to a multiple of 4; returns the length written, at most
 * `room` (max 40). Order follows Linux (MSS, SACK-perm+TS, WS) so that
 * SYNs are 20 bytes with everything. */
uint32_t wp_tcp_opts_write(uint8_t *p, uint32_t room, const struct wp_tcp_opts *o);

#endif /* WP_NET_TCP_OPT_H */
