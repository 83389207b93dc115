/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 layer of the per-core stack (contracts in net_impl.h, parse.h).
 *
 * Input: header checks (parse.h: version, IHL, total length, checksum
 * unless the NIC vouched for it, no fragments, no options), destination
 * must be our unicast address, martian sources refused, Ethernet padding
 * trimmed; TCP segments have their checksum verified (NIC flag or
 * software, over the whole chain) before wp_tcp_input(), ICMP goes to
 * icmp.c. No reassembly, no forwarding, no ICMP "protocol unreachable".
 *
 * Output: prepend a 20-byte header (DF, TTL 64, per-stack ID counter),
 * compute the IP and, for TCP, the TCP checksum -- in software, or leave
 * them to the NIC when io.tx_offloads has the checksum offloads (DPDK
 * wants RTE_MBUF_F_TX_IPV4 | _IP_CKSUM | _TCP_CKSUM, l2_len/l3_len and the
 * pseudo-header sum in the TCP checksum field). Routing: on-link by
 * prefix, else the gateway, else -ENETUNREACH.
 *
 * No state besides net->ip_id; runs on the lcore owning the struct wp_net.
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "net_impl.h"
#include "parse.h"

#define WP_IP_TTL 64

bool
wp_ipv4_is_local(const struct wp_net *net, uint32_t ip)
{
	return ip == net->conf.ip;
}

int64_t
wp_net_csum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t sum)
{
	uint64_t acc = sum;
	uint32_t n, s;
	int odd = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len > 0) {
		if (m == NULL)
			return -1;
		n = RTE_MIN((uint32_t)m->data_len - off, len);
		s = wp_csum_partial(rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n, 0);
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		if (odd)        /* segment starts mid-word: its sum is byte-swapped */
			s = ((s & 0xff) << 8) | (s >> 8);
		acc += s;
		odd ^= n & 1;
		len -= n;
		off = 0;
		m = m->next;
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (int64_t)(uint32_t)((acc & 0xffffffffu) + (acc >> 32));
}

static bool
wp_ipv4_martian_src(const struct wp_net *net, uint32_t src)
{
	uint32_t top = src >> 24;

	if (src == 0 || top == 0 || top == 127 || top >= 224)   /* this-net, loopback, class D/E, bcast */
		return true;
	if (src == net->conf.ip)
		return true;
	/* directed broadcast of our subnet (not for /31, /32) */
	if (net->conf.prefix_len < 31 && (src & ~net->netmask) == ~net->netmask &&
	    (src & net->netmask) == (net->conf.ip & net->netmask))
		return true;
	return false;
}

static void
wp_ipv4_tcp_input(struct wp_net *net, struct rte_mbuf *m, uint32_t src, uint32_t dst)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), seg = rte_pktmbuf_data_len(m), hl;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	int64_t sum;

	if (len < 20) {
		wp_net_drop(net, m, WP_DROP_TCP_SHORT);
		return;
	}
	if (seg < len) {        /* chained: the TCP header must be in the first segment */
		if (seg < 20) {
			wp_net_drop(net, m, WP_DROP_MULTISEG);
			return;
		}
		hl = (uint32_t)(p[12] >> 4) * 4;
		if (seg < hl && hl <= len) {
			wp_net_drop(net, m, WP_DROP_MULTISEG);
			return;
		}
	}
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		wp_net_drop(net, m, WP_DROP_TCP_CSUM);
		return;
	}
	if (l4 != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		sum = wp_net_csum_mbuf(m, 0, len, wp_csum_pseudo(src, dst, WP_IPPROTO_TCP, len));
		if (sum < 0 || wp_csum_fold((uint32_t)sum) != 0) {
			wp_net_drop(net, m, WP_DROP_TCP_CSUM);
			return;
		}
	}
	wp_tcp_input(net, m, src, dst);
}

void
wp_ipv4_input(struct wp_net *net, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), seg = rte_pktmbuf_data_len(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	struct wp_ipv4_view v;
	int rc;

	if (seg < len && (seg < 20 || seg < (uint32_t)(p[0] & 0x0f) * 4)) {
		wp_net_drop(net, m, WP_DROP_MULTISEG);
		return;
	}
	if (ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
		wp_net_drop(net, m, WP_DROP_IP_CSUM);
		return;
	}
	rc = wp_parse_ipv4(p, len, ipf == RTE_MBUF_F_RX_IP_CKSUM_GOOD, &v);
	if (rc != WP_PARSE_OK) {
		wp_net_drop(net, m, (enum wp_net_drop)rc);
		return;
	}
	if (v.dst != net->conf.ip) {
		wp_net_drop(net, m, WP_DROP_IP_DST);
		return;
	}
	if (wp_ipv4_martian_src(net, v.src)) {
		wp_net_drop(net, m, WP_DROP_IP_SRC);
		return;
	}
	if (len > v.total_len && rte_pktmbuf_trim(m, (uint16_t)(len - v.total_len)) != 0) {
		wp_net_drop(net, m, WP_DROP_IP_LEN);   /* padding spread over segments */
		return;
	}
	switch (v.proto) {
	case WP_IPPROTO_TCP:
		rte_pktmbuf_adj(m, (uint16_t)v.hdr_len);
		wp_ipv4_tcp_input(net, m, v.src, v.dst);
		break;
	case WP_IPPROTO_ICMP:
		rte_pktmbuf_adj(m, (uint16_t)v.hdr_len);
		wp_icmp_input(net, m, v.src);
		break;
	default:
		wp_net_drop(net, m, WP_DROP_IP_PROTO);
		break;
	}
}

int
wp_ipv4_output(struct wp_net *net, struct rte_mbuf *m, uint32_t dst, uint8_t proto)
{
	uint32_t nexthop, l4len = rte_pktmbuf_pkt_len(m), ip = net->conf.ip;
	uint64_t txo = net->io.tx_offloads;
	uint8_t *h;
	uint16_t c;
	int64_t sum;

	if (((dst ^ ip) & net->netmask) == 0) {
		nexthop = dst;
	} else if (net->conf.gateway != 0) {
		nexthop = net->conf.gateway;
	} else {
		wp_net_drop(net, m, WP_DROP_IP_NO_ROUTE);
		return -ENETUNREACH;
	}
	h = (uint8_t *)rte_pktmbuf_prepend(m, 20);
	if (h == NULL || l4len + 20 > UINT16_MAX ||
	    (proto == WP_IPPROTO_TCP && rte_pktmbuf_data_len(m) < 20 + 20)) {
		wp_net_drop(net, m, WP_DROP_NOMEM);   /* caller bug: no headroom / bad mbuf */
		return -ENOBUFS;
	}
	h[0] = 0x45;
	h[1] = 0;
	h[2] = (uint8_t)((l4len + 20) >> 8);
	h[3] = (uint8_t)(l4len + 20);
	h[4] = (uint8_t)(net->ip_id >> 8);
	h[5] = (uint8_t)net->ip_id;
	net->ip_id++;
	h[6] = 0x40;                /* DF */
	h[7] = 0;
	h[8] = WP_IP_TTL;
	h[9] = proto;
	h[10] = h[11] = 0;
	h[12] = (uint8_t)(ip >> 24);
	h[13] = (uint8_t)(ip >> 16);
	h[14] = (uint8_t)(ip >> 8);
	h[15] = (uint8_t)ip;
	h[16] = (uint8_t)(dst >> 24);
	h[17] = (uint8_t)(dst >> 16);
	h[18] = (uint8_t)(dst >> 8);
	h[19] = (uint8_t)dst;

	/* keep only the mbuf-type bits; RX flags of a recycled mbuf must not
	 * reach the driver as TX requests */
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	m->l2_len = 14;
	m->l3_len = 20;
	if (proto == WP_IPPROTO_TCP) {
		uint8_t *ck = h + 20 + 16;
		uint32_t ph = wp_csum_pseudo(ip, dst, WP_IPPROTO_TCP, l4len);

		if (txo & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
			c = (uint16_t)~wp_csum_fold(ph);    /* folded, not complemented */
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		} else {
			ck[0] = ck[1] = 0;
			sum = wp_net_csum_mbuf(m, 20, l4len, ph);
			c = wp_csum_fold((uint32_t)(sum < 0 ? 0 : sum));
		}
		ck[0] = (uint8_t)(c >> 8);
		ck[1] = (uint8_t)c;
	}
	if (txo & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		c = wp_csum_fold(wp_csum_partial(h, 20, 0));
		h[10] = (uint8_t)(c >> 8);
		h[11] = (uint8_t)c;
	}
	wp_eth_output(net, m, nexthop, WP_ETHERTYPE_IPV4);
	return 0;
}
