/* SPDX-License-Identifier: BSD-3-Clause */
/* Who handles a received frame (the rule of steer-t.h applied to bytes).
 *
 * This reads outside bytes, so it reads only what `len` allows and never
 * trusts a length field beyond it; whatever it does not understand stays
 * with the landing worker, whose stack drops it and counts the reason (one
 * parser decides drops: src/net/parse.c; this one only routes).
 *
 *   ARP reply                  -> every worker (each keeps its own cache)
 *   ARP request, other ARP     -> landing worker (any worker can answer)
 *   IPv4 fragment              -> landing worker (dropped there, counted)
 *   IPv4/TCP                   -> owner of (src, dst, sport, dport)
 *   ICMP dest-unreachable, time-exceeded, parameter-problem quoting a TCP
 *   segment we sent            -> owner of that flow's reply tuple
 *   anything else              -> landing worker
 */
#include <stdint.h>

#include <warmpool/steer.h>

#include "steer_impl.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_LEN 28
#define ARP_OP_REPLY 2
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define ICMP_HLEN 8

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* IPv4 header at p with `room` bytes: its header length, or 0 if it is not
 * a whole, unfragmented IPv4 header with 4 bytes of payload after it. */
static unsigned
ipv4_hlen(const uint8_t *p, uint32_t room)
{
	unsigned hl;

	if (room < 20 || (p[0] >> 4) != 4)
		return 0;
	hl = (p[0] & 15u) * 4u;
	if (hl < 20 || hl + 4 > room)
		return 0;
	if ((rd16(p + 6) & 0x3fff) != 0)   /* MF or an offset: a fragment */
		return 0;
	return hl;
}

int
wp_steer_owner(const struct wp_rss *rss, const uint8_t *f, uint32_t len)
{
	const uint8_t *ip, *in;
	unsigned hl, ihl;
	uint32_t room;

	if (rss->nworkers <= 1 || len < ETH_HLEN)
		return WP_STEER_LOCAL;
	switch (rd16(f + 12)) {
	case ETHERTYPE_ARP:
		if (len >= ETH_HLEN + ARP_LEN && rd16(f + ETH_HLEN + 6) == ARP_OP_REPLY)
			return WP_STEER_ALL;
		return WP_STEER_LOCAL;
	case ETHERTYPE_IPV4:
		break;
	default:
		return WP_STEER_LOCAL;
	}
	ip = f + ETH_HLEN;
	room = len - ETH_HLEN;
	hl = ipv4_hlen(ip, room);
	if (hl == 0)
		return WP_STEER_LOCAL;
	if (ip[9] == IPPROTO_TCP_)
		return (int)wp_rss_owner_of_hash(rss,
				wp_rss_hash_inline(rss, rd32(ip + 12), rd32(ip + 16),
						   rd16(ip + hl), rd16(ip + hl + 2)));
	if (ip[9] != IPPROTO_ICMP_ || hl + ICMP_HLEN > room)
		return WP_STEER_LOCAL;
	if (ip[hl] != 3 && ip[hl] != 11 && ip[hl] != 12)
		return WP_STEER_LOCAL;
	/* the quoted header is one we sent: src = us, dst = the peer */
	in = ip + hl + ICMP_HLEN;
	ihl = ipv4_hlen(in, room - hl - ICMP_HLEN);
	if (ihl == 0 || in[9] != IPPROTO_TCP_)
		return WP_STEER_LOCAL;
	return (int)wp_rss_owner_of_hash(rss,
			wp_rss_hash_inline(rss, rd32(in + 16), rd32(in + 12),
					   rd16(in + ihl + 2), rd16(in + ihl)));
}
