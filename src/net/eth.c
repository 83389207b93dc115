/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet layer of the per-core stack (contracts in net_impl.h).
 *
 * Input: accept frames to our MAC or broadcast carrying ARP or IPv4, strip
 * the header and hand them up. Everything else is dropped and counted
 * (multicast other than broadcast, VLAN tags, IPv6, LLDP, ...).
 * Output: resolve the next hop through ARP (which may hold the frame),
 * prepend the header and put the frame in the TX buffer.
 *
 * No state of its own; runs on the lcore owning the struct wp_net.
 * Headers must lie in the first segment; later segments may carry payload.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "net_impl.h"
#include "parse.h"

static const uint8_t wp_eth_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void
wp_eth_input(struct wp_net *net, struct rte_mbuf *m)
{
	struct wp_eth_view v;
	int rc;

	rc = wp_parse_eth(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &v);
	if (rc != WP_PARSE_OK) {
		wp_net_drop(net, m, rc == WP_DROP_ETH_SHORT && m->pkt_len >= 14 ?
			    WP_DROP_MULTISEG : (enum wp_net_drop)rc);
		return;
	}
	if (memcmp(v.dst, net->conf.mac, 6) != 0 && memcmp(v.dst, wp_eth_bcast, 6) != 0) {
		wp_net_drop(net, m, WP_DROP_ETH_DST);
		return;
	}
	switch (v.type) {
	case WP_ETHERTYPE_IPV4:
		rte_pktmbuf_adj(m, (uint16_t)v.hdr_len);
		wp_ipv4_input(net, m);
		break;
	case WP_ETHERTYPE_ARP:
		rte_pktmbuf_adj(m, (uint16_t)v.hdr_len);
		wp_arp_input(net, m);
		break;
	default:
		wp_net_drop(net, m, WP_DROP_ETH_TYPE);
		break;
	}
}

void
wp_eth_output_to(struct wp_net *net, struct rte_mbuf *m, const uint8_t dst[6],
		 uint16_t ethertype)
{
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, 14);

	if (h == NULL) {               /* no headroom: not a frame we built */
		wp_net_drop(net, m, WP_DROP_NOMEM);
		return;
	}
	memcpy(h, dst, 6);
	memcpy(h + 6, net->conf.mac, 6);
	h[12] = (uint8_t)(ethertype >> 8);
	h[13] = (uint8_t)ethertype;
	m->l2_len = 14;
	wp_net_xmit(net, m);
}

void
wp_eth_output(struct wp_net *net, struct rte_mbuf *m, uint32_t nexthop, uint16_t ethertype)
{
	uint8_t mac[6];

	if (wp_arp_resolve(net, nexthop, m, mac) == 0)
		wp_eth_output_to(net, m, mac, ethertype);
	/* else: m is queued behind resolution, or dropped and counted */
}
