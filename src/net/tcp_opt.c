/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP options: parse and build (contract: tcp_opt.h).
 *
 * What it is: the only code that reads or writes the option bytes of a TCP
 * header. Pure functions over caller buffers: no DPDK, no globals, no
 * allocation, so the libFuzzer target (tests/fuzz/fuzz_tcp_opt.c) links
 * this file alone.
 *
 * Parsing (RFC 9293 section 3.1): EOL ends the list, NOP is one byte,
 * every other kind has a length byte >= 2 that must stay inside the
 * buffer. Known kinds must have their exact length (MSS 4, WS 3,
 * SACK-permitted 2, TS 10, SACK 2 + 8n with 1 <= n <= 4); anything else is
 * -EINVAL and the caller drops the segment. Unknown kinds with a sane
 * length are skipped. A repeated option overwrites the earlier one. The
 * window scale is kept as received (callers clamp to 14, RFC 7323 2.3).
 *
 * Writing follows Linux's tcp_options_write() so our SYNs look like a
 * Linux host's (20 bytes with everything):
 *   MSS                      02 04 mm mm
 *   SACK-perm + TS           04 02 08 0a <tsval> <tsecr>
 *     or TS alone            01 01 08 0a <tsval> <tsecr>
 *   SACK-perm alone          01 01 04 02
 *   window scale             01 03 03 ws
 *   SACK blocks              01 01 05 (2+8n) <left right>*n
 * Every group is a multiple of 4 bytes, so no trailing padding is ever
 * needed. A group that does not fit in `room` (capped at 40) is left out;
 * SACK blocks are cut to as many as fit.
 *
 * Invariants: parse fills only fields whose bit it sets in `present`;
 * WP_TCPOPT_SACK is set iff 1 <= nsack <= WP_TCP_MAX_SACK; write returns a
 * multiple of 4 <= min(room, 40) and never touches bytes beyond it.
 */
#include <errno.h>
#include <string.h>

#include "tcp_opt.h"

enum {
	KIND_EOL = 0,
	KIND_NOP = 1,
	KIND_MSS = 2,
	KIND_WS = 3,
	KIND_SACKOK = 4,
	KIND_SACK = 5,
	KIND_TS = 8,
};

enum {
	LEN_MSS = 4,
	LEN_WS = 3,
	LEN_SACKOK = 2,
	LEN_TS = 10,
	LEN_SACK_BASE = 2,
	LEN_SACK_BLOCK = 8,
	OPT_SPACE = 40,
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline uint8_t *
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static inline uint8_t *
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static inline uint8_t *
wr4(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return p + 4;
}

int
wp_tcp_opts_parse(const uint8_t *p, uint32_t len, struct wp_tcp_opts *o)
{
	uint32_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i];
		uint32_t olen;

		if (kind == KIND_EOL)
			break;
		if (kind == KIND_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			return -EINVAL;         /* kind without its length byte */
		olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		const uint8_t *v = p + i + 2;
		switch (kind) {
		case KIND_MSS:
			if (olen != LEN_MSS)
				return -EINVAL;
			o->mss = rd16(v);
			o->present |= WP_TCPOPT_MSS;
			break;
		case KIND_WS:
			if (olen != LEN_WS)
				return -EINVAL;
			o->wscale = v[0];
			o->present |= WP_TCPOPT_WSCALE;
			break;
		case KIND_SACKOK:
			if (olen != LEN_SACKOK)
				return -EINVAL;
			o->present |= WP_TCPOPT_SACKOK;
			break;
		case KIND_TS:
			if (olen != LEN_TS)
				return -EINVAL;
			o->tsval = rd32(v);
			o->tsecr = rd32(v + 4);
			o->present |= WP_TCPOPT_TS;
			break;
		case KIND_SACK: {
			uint32_t n = (olen - LEN_SACK_BASE) / LEN_SACK_BLOCK;

			if ((olen - LEN_SACK_BASE) % LEN_SACK_BLOCK != 0 ||
			    n == 0 || n > WP_TCP_MAX_SACK)
				return -EINVAL;
			for (uint32_t b = 0; b < n; b++) {
				o->sack[b].left = rd32(v + b * LEN_SACK_BLOCK);
				o->sack[b].right = rd32(v + b * LEN_SACK_BLOCK + 4);
			}
			o->nsack = (uint8_t)n;
			o->present |= WP_TCPOPT_SACK;
			break;
		}
		default:
			break;                  /* unknown kind: skip */
		}
		i += olen;
	}
	return 0;
}

uint32_t
wp_tcp_opts_write(uint8_t *p, uint32_t room, const struct wp_tcp_opts *o)
{
	uint8_t *w = p;
	uint8_t present = o->present;

	if (room > OPT_SPACE)
		room = OPT_SPACE;
	room &= ~3u;
#define LEFT() (room - (uint32_t)(w - p))

	if ((present & WP_TCPOPT_MSS) && LEFT() >= 4) {
		w = wr4(w, KIND_MSS, LEN_MSS, 0, 0);
		wr16(w - 2, o->mss);
	}
	if ((present & WP_TCPOPT_TS) && LEFT() >= 12) {
		if (present & WP_TCPOPT_SACKOK) {
			w = wr4(w, KIND_SACKOK, LEN_SACKOK, KIND_TS, LEN_TS);
			present &= (uint8_t)~WP_TCPOPT_SACKOK;
		} else {
			w = wr4(w, KIND_NOP, KIND_NOP, KIND_TS, LEN_TS);
		}
		w = wr32(w, o->tsval);
		w = wr32(w, o->tsecr);
	}
	if ((present & WP_TCPOPT_SACKOK) && LEFT() >= 4)
		w = wr4(w, KIND_NOP, KIND_NOP, KIND_SACKOK, LEN_SACKOK);
	if ((present & WP_TCPOPT_WSCALE) && LEFT() >= 4)
		w = wr4(w, KIND_NOP, KIND_WS, LEN_WS, o->wscale);
	if ((present & WP_TCPOPT_SACK) && o->nsack > 0 && LEFT() >= 4 + LEN_SACK_BLOCK) {
		uint32_t n = (LEFT() - 4) / LEN_SACK_BLOCK;

		if (n > o->nsack)
			n = o->nsack;
		if (n > WP_TCP_MAX_SACK)
			n = WP_TCP_MAX_SACK;
		w = wr4(w, KIND_NOP, KIND_NOP, KIND_SACK,
			(uint8_t)(LEN_SACK_BASE + n * LEN_SACK_BLOCK));
		for (uint32_t b = 0; b < n; b++) {
			w = wr32(w, o->sack[b].left);
			w = wr32(w, o->sack[b].right);
		}
	}
#undef LEFT
	return (uint32_t)(w - p);
}
