/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP for the per-core stack (RFC 792, RFC 1122 3.2.2; contracts in
 * net_impl.h).
 *
 * Echo requests are answered in place (the request mbuf becomes the
 * reply: type 0, new checksum, new IP header). Destination unreachable
 * (3), time exceeded (11) and parameter problem (12) that quote one of our
 * TCP segments (quoted IPv4 header sane, protocol TCP, quoted source is
 * us, IHL + 8 bytes present in the first segment) go to
 * wp_tcp_icmp_error(), which decides per RFC 5927 / RFC 1122 what they
 * mean. Every other type is counted as WP_DROP_ICMP_TYPE. We never send
 * ICMP errors, and in particular never answer one.
 *
 * No state of its own; runs on the lcore owning the struct wp_net.
 */
#include <rte_mbuf.h>

#include "net_impl.h"
#include "parse.h"

#define WP_ICMP_ECHO_REPLY    0
#define WP_ICMP_UNREACH       3
#define WP_ICMP_ECHO          8
#define WP_ICMP_TIME_EXCEEDED 11
#define WP_ICMP_PARAM_PROBLEM 12

static void
wp_icmp_echo(struct wp_net *net, struct rte_mbuf *m, uint32_t src)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint8_t *p;
	int64_t sum;
	uint16_t c;

	if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1) {
		/* somebody else sees these bytes: answer from a copy */
		struct rte_mbuf *c2 = rte_pktmbuf_copy(m, net->mp, 0, UINT32_MAX);

		rte_pktmbuf_free(m);
		if (c2 == NULL) {
			wp_net_drop(net, NULL, WP_DROP_NOMEM);
			return;
		}
		m = c2;
	}
	p = rte_pktmbuf_mtod(m, uint8_t *);
	p[0] = WP_ICMP_ECHO_REPLY;
	p[1] = 0;
	p[2] = p[3] = 0;
	sum = wp_net_csum_mbuf(m, 0, len, 0);
	c = wp_csum_fold((uint32_t)(sum < 0 ? 0 : sum));
	p[2] = (uint8_t)(c >> 8);
	p[3] = (uint8_t)c;
	if (wp_ipv4_output(net, m, src, WP_IPPROTO_ICMP) == 0)
		net->stats.icmp_echo_replies++;
}

static void
wp_icmp_error(struct wp_net *net, struct rte_mbuf *m, const uint8_t *p)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), seg = rte_pktmbuf_data_len(m);
	const uint8_t *inner = p + 8;
	uint32_t ihl, isrc;
	uint16_t mtu = 0;

	if (len < 8 + 20 + 8) {
		wp_net_drop(net, m, WP_DROP_ICMP_SHORT);
		return;
	}
	if (seg < 8 + 20 + 8) {
		wp_net_drop(net, m, WP_DROP_MULTISEG);
		return;
	}
	ihl = (uint32_t)(inner[0] & 0x0f) * 4;
	if ((inner[0] >> 4) != 4 || ihl < 20 || len < 8 + ihl + 8) {
		wp_net_drop(net, m, WP_DROP_ICMP_SHORT);
		return;
	}
	if (seg < 8 + ihl + 8) {
		wp_net_drop(net, m, WP_DROP_MULTISEG);
		return;
	}
	isrc = (uint32_t)inner[12] << 24 | (uint32_t)inner[13] << 16 |
	       (uint32_t)inner[14] << 8 | inner[15];
	if (inner[9] != WP_IPPROTO_TCP || isrc != net->conf.ip) {
		wp_net_drop(net, m, WP_DROP_ICMP_TYPE);   /* not about our TCP */
		return;
	}
	if (p[0] == WP_ICMP_UNREACH && p[1] == 4)
		mtu = (uint16_t)((uint16_t)p[6] << 8 | p[7]);
	net->stats.icmp_errors_in++;
	wp_tcp_icmp_error(net, p[0], p[1], mtu, inner, RTE_MIN(len, seg) - 8);
	rte_pktmbuf_free(m);
}

void
wp_icmp_input(struct wp_net *net, struct rte_mbuf *m, uint32_t src)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	int64_t sum;

	if (len < 8) {
		wp_net_drop(net, m, WP_DROP_ICMP_SHORT);
		return;
	}
	if (rte_pktmbuf_data_len(m) < 8) {
		wp_net_drop(net, m, WP_DROP_MULTISEG);
		return;
	}
	sum = wp_net_csum_mbuf(m, 0, len, 0);
	if (sum < 0 || wp_csum_fold((uint32_t)sum) != 0) {
		wp_net_drop(net, m, WP_DROP_ICMP_CSUM);
		return;
	}
	switch (p[0]) {
	case WP_ICMP_ECHO:
		wp_icmp_echo(net, m, src);
		break;
	case WP_ICMP_UNREACH:
	case WP_ICMP_TIME_EXCEEDED:
	case WP_ICMP_PARAM_PROBLEM:
		wp_icmp_error(net, m, p);
		break;
	default:
		wp_net_drop(net, m, WP_DROP_ICMP_TYPE);
		break;
	}
}
