/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-core stack object (DESIGN.md section 3; contracts in net.h and
 * net_impl.h): configuration, creation and teardown of the layers, the
 * input entry point, timers, the TX buffer, drop accounting.
 *
 * Ownership: struct wp_net and everything reachable from it belong to the
 * lcore that created it. Nothing is atomic.
 *
 * Invariants:
 *  - every frame handed to wp_net_input is either sent, held (ARP queue,
 *    TCP queues, TX buffer) or freed through wp_net_drop, which counts
 *    exactly one reason;
 *  - 0 <= ntx <= WP_NET_TXBUF; the buffer is handed to io.tx when full and
 *    on wp_net_flush, and whatever io.tx refuses is counted WP_DROP_TX_FULL;
 *  - stats.rx_frames counts frames given to the stack, stats.tx_frames
 *    frames io.tx accepted.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "net_impl.h"
#include "wp_mem.h"

#define WP_NS_PER_MS 1000000LL
#define WP_NS_PER_S  1000000000LL

static const char *const wp_drop_names[WP_DROP__COUNT] = {
	[WP_DROP_ETH_SHORT] = "eth_short",
	[WP_DROP_ETH_DST] = "eth_dst",
	[WP_DROP_ETH_TYPE] = "eth_type",
	[WP_DROP_MULTISEG] = "multiseg",
	[WP_DROP_ARP_SHORT] = "arp_short",
	[WP_DROP_ARP_BAD] = "arp_bad",
	[WP_DROP_ARP_NOT_US] = "arp_not_us",
	[WP_DROP_ARP_QUEUE_FULL] = "arp_queue_full",
	[WP_DROP_ARP_UNRESOLVED] = "arp_unresolved",
	[WP_DROP_IP_SHORT] = "ip_short",
	[WP_DROP_IP_VERSION] = "ip_version",
	[WP_DROP_IP_HLEN] = "ip_hlen",
	[WP_DROP_IP_LEN] = "ip_len",
	[WP_DROP_IP_CSUM] = "ip_csum",
	[WP_DROP_IP_FRAG] = "ip_frag",
	[WP_DROP_IP_OPTIONS] = "ip_options",
	[WP_DROP_IP_DST] = "ip_dst",
	[WP_DROP_IP_SRC] = "ip_src",
	[WP_DROP_IP_PROTO] = "ip_proto",
	[WP_DROP_IP_NO_ROUTE] = "ip_no_route",
	[WP_DROP_ICMP_SHORT] = "icmp_short",
	[WP_DROP_ICMP_CSUM] = "icmp_csum",
	[WP_DROP_ICMP_TYPE] = "icmp_type",
	[WP_DROP_TCP_SHORT] = "tcp_short",
	[WP_DROP_TCP_HLEN] = "tcp_hlen",
	[WP_DROP_TCP_CSUM] = "tcp_csum",
	[WP_DROP_TCP_OPTION] = "tcp_option",
	[WP_DROP_TCP_FLAGS] = "tcp_flags",
	[WP_DROP_TCP_NO_FLOW] = "tcp_no_flow",
	[WP_DROP_TCP_WINDOW] = "tcp_window",
	[WP_DROP_TCP_ACK] = "tcp_ack",
	[WP_DROP_TCP_RST] = "tcp_rst",
	[WP_DROP_TCP_SYN] = "tcp_syn",
	[WP_DROP_TCP_PAWS] = "tcp_paws",
	[WP_DROP_TCP_BACKLOG] = "tcp_backlog",
	[WP_DROP_TCP_COOKIE] = "tcp_cookie",
	[WP_DROP_TCP_OOO_FULL] = "tcp_ooo_full",
	[WP_DROP_TCP_NO_CONN] = "tcp_no_conn",
	[WP_DROP_NOMEM] = "nomem",
	[WP_DROP_TX_FULL] = "tx_full",
};

const char *
wp_net_drop_name(enum wp_net_drop why)
{
	if ((unsigned int)why >= WP_DROP__COUNT || wp_drop_names[why] == NULL)
		return "?";
	return wp_drop_names[why];
}

void
wp_net_conf_default(struct wp_net_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->mtu = 1500;
	c->arp_entries = 256;
	c->arp_timeout_ns = 60 * WP_NS_PER_S;
	c->arp_retry_ns = 1 * WP_NS_PER_S;
	c->arp_retries = 3;
	c->arp_queue_max = 256;
	c->arp_gratuitous = true;
	c->max_conns = 16384;
	c->syn_backlog = 256;
	c->syn_cookies = true;
	c->ephemeral_lo = 32768;
	c->ephemeral_hi = 60999;
	c->sndbuf = 256 * 1024;
	c->rcvbuf = 256 * 1024;
	c->ooo_max = 256;      /* a 256 KiB window of 1460 B segments is ~180 */
	c->opt_sack = true;
	c->opt_timestamps = true;
	c->opt_wscale = true;
	c->delack_ns = 40 * WP_NS_PER_MS;
	c->rack_tlp = true;
	c->rto_initial_ns = 1 * WP_NS_PER_S;
	c->rto_min_ns = 1 * WP_NS_PER_S;
	c->rto_max_ns = 60 * WP_NS_PER_S;
	c->syn_retries = 6;
	c->max_retries = 15;
	c->time_wait_ns = 60 * WP_NS_PER_S;
	c->keepalive_idle_ns = 0;
	c->keepalive_intvl_ns = 75 * WP_NS_PER_S;
	c->keepalive_probes = 9;
	c->timer_tick_ns = 1 * WP_NS_PER_MS;
	c->secret_seed = 0;
}

static bool
mac_is_zero_or_group(const uint8_t m[6])
{
	return (m[0] & 1) || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

int
wp_net_conf_check(const struct wp_net_conf *c, const char **why)
{
	const char *bad = NULL;
	uint32_t mask;

	if (c == NULL)
		bad = "conf";
	else if (c->prefix_len < 1 || c->prefix_len > 32)
		bad = "prefix_len";
	else if (c->ip == 0 || (c->ip >> 28) >= 0xe || (c->ip >> 24) == 127)
		bad = "ip";
	else if (mac_is_zero_or_group(c->mac))
		bad = "mac";
	else if (c->mtu < 576 || c->mtu > 9000)
		bad = "mtu";
	else if (c->arp_entries < 4 || c->arp_entries > (1u << 20) ||
		 (c->arp_entries & (c->arp_entries - 1)) != 0)
		bad = "arp_entries";
	else if (c->arp_timeout_ns <= 0)
		bad = "arp_timeout_ns";
	else if (c->arp_retry_ns <= 0)
		bad = "arp_retry_ns";
	else if (c->arp_retries < 1)
		bad = "arp_retries";
	else if (c->arp_queue_max < 1)
		bad = "arp_queue_max";
	else if (c->max_conns < 1)
		bad = "max_conns";
	else if (c->syn_backlog < 1)
		bad = "syn_backlog";
	else if (c->ephemeral_lo == 0 || c->ephemeral_lo > c->ephemeral_hi)
		bad = "ephemeral_lo";
	else if (c->sndbuf < 1)
		bad = "sndbuf";
	else if (c->rcvbuf < 1 || c->rcvbuf > (65535u << 14))
		bad = "rcvbuf";
	else if (c->delack_ns < 0)
		bad = "delack_ns";
	else if (c->rto_min_ns <= 0)
		bad = "rto_min_ns";
	else if (c->rto_max_ns < c->rto_min_ns)
		bad = "rto_max_ns";
	else if (c->rto_initial_ns < c->rto_min_ns || c->rto_initial_ns > c->rto_max_ns)
		bad = "rto_initial_ns";
	else if (c->time_wait_ns < 0)
		bad = "time_wait_ns";
	else if (c->keepalive_idle_ns < 0 ||
		 (c->keepalive_idle_ns > 0 &&
		  (c->keepalive_intvl_ns <= 0 || c->keepalive_probes < 1)))
		bad = "keepalive";
	else if (c->timer_tick_ns <= 0)
		bad = "timer_tick_ns";
	if (bad == NULL && c->gateway != 0) {
		mask = c->prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> c->prefix_len);
		if ((c->gateway & mask) != (c->ip & mask) || c->gateway == c->ip)
			bad = "gateway";
	}
	if (why)
		*why = bad;
	return bad ? -EINVAL : 0;
}

struct wp_net *
wp_net_create(const struct wp_net_conf *conf, const struct wp_net_io *io,
	      struct rte_mempool *mp, int socket, int64_t now)
{
	struct wp_net *net = NULL;
	const char *why = NULL;
	int err;

	if (wp_net_conf_check(conf, &why) != 0 || io == NULL || io->tx == NULL || mp == NULL) {
		RTE_LOG(ERR, USER1, "wp_net: bad configuration (%s)\n",
			why ? why : "io/mempool");
		err = EINVAL;
		goto fail;
	}
	if (rte_pktmbuf_data_room_size(mp) < RTE_PKTMBUF_HEADROOM + 64u) {
		RTE_LOG(ERR, USER1, "wp_net: mempool %s is not a usable pktmbuf pool\n", mp->name);
		err = EINVAL;
		goto fail;
	}
	net = wp_zmalloc_socket("wp_net", sizeof(*net), RTE_CACHE_LINE_SIZE, socket);
	if (net == NULL) {
		err = ENOMEM;
		goto fail;
	}
	net->conf = *conf;
	net->io = *io;
	net->mp = mp;
	net->socket = socket;
	net->now = now;
	net->netmask = conf->prefix_len == 32 ? 0xffffffffu : ~(0xffffffffu >> conf->prefix_len);
	net->ip_id = (uint16_t)(conf->secret_seed ? conf->secret_seed : (uint64_t)now);
	err = -wp_arp_create(net);
	if (err != 0)
		goto fail;
	err = -wp_tcp_create(net);
	if (err != 0) {
		wp_arp_free(net);
		goto fail;
	}
	if (conf->arp_gratuitous) {
		wp_arp_announce(net);
		wp_net_flush(net);
	}
	return net;
fail:
	wp_mfree(net);
	rte_errno = err;
	return NULL;
}

void
wp_net_free(struct wp_net *net)
{
	if (net == NULL)
		return;
	wp_tcp_free(net);       /* may queue RSTs: send them */
	wp_net_flush(net);
	wp_arp_free(net);       /* frees frames still waiting for ARP */
	wp_net_flush(net);
	wp_mfree(net);
}

void
wp_net_input(struct wp_net *net, struct rte_mbuf **pkts, uint16_t n, int64_t now)
{
	uint16_t i;

	net->now = now;
	net->stats.rx_frames += n;
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		wp_eth_input(net, pkts[i]);
	}
}

void
wp_net_timers(struct wp_net *net, int64_t now)
{
	net->now = now;
	wp_arp_timers(net, now);
	wp_tcp_timers(net, now);
}

void
wp_net_flush(struct wp_net *net)
{
	uint16_t n = net->ntx, sent, i;

	if (n == 0)
		return;
	net->ntx = 0;
	sent = net->io.tx(net->io.arg, net->txbuf, n);
	if (sent > n)
		sent = n;
	net->stats.tx_frames += sent;
	for (i = sent; i < n; i++)
		wp_net_drop(net, net->txbuf[i], WP_DROP_TX_FULL);
}

void
wp_net_xmit(struct wp_net *net, struct rte_mbuf *m)
{
	net->txbuf[net->ntx++] = m;
	if (net->ntx == WP_NET_TXBUF)
		wp_net_flush(net);
}

struct rte_mbuf *
wp_net_alloc(struct wp_net *net)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(net->mp);

	if (m == NULL)
		wp_net_drop(net, NULL, WP_DROP_NOMEM);
	return m;
}

void
wp_net_drop(struct wp_net *net, struct rte_mbuf *m, enum wp_net_drop why)
{
	if (m != NULL)
		rte_pktmbuf_free(m);
	if ((unsigned int)why >= WP_DROP__COUNT)
		return;
	net->stats.drops[why]++;
	if (!(net->drop_logged & (1ull << why))) {
		net->drop_logged |= 1ull << why;
		RTE_LOG(INFO, USER1, "wp_net[%u]: first drop for %s\n",
			net->conf.worker, wp_net_drop_name(why));
	}
}

void
wp_net_stats(const struct wp_net *net, struct wp_net_stats *out)
{
	*out = net->stats;
	out->arp_pending = wp_arp_mbufs_held(net);
}

uint32_t
wp_net_mbufs_held(const struct wp_net *net)
{
	return net->ntx + wp_arp_mbufs_held(net) + wp_tcp_mbufs_held(net);
}

uint32_t
wp_net_ip(const struct wp_net *net)
{
	return net->conf.ip;
}
