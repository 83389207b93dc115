/* SPDX-License-Identifier: BSD-3-Clause */
/* Port layer (DESIGN.md section 3; contract in include/warmpool/port.h):
 * ethdev set-up with one RX/TX queue pair per worker, offload detection,
 * burst I/O for the stack, the optional impairment stage, and one poll
 * iteration of a worker.
 *
 * Offloads: IPv4 and TCP checksums, RX and TX, are enabled when the port
 * offers them and the caller allows it (use_offloads); the stack reads the
 * enabled masks through struct wp_net_io. Chained mbufs on TX need
 * RTE_ETH_TX_OFFLOAD_MULTI_SEGS on PMDs that announce it, so it is enabled
 * whenever offered. TSO and LRO are logged when offered but never enabled
 * (the stack segments by MSS itself and wants every segment's ACK clock).
 * With several queues and an RSS-capable port, RSS hashes IPv4/TCP so
 * flows spread over the workers (DESIGN.md section 4).
 *
 * Ownership: wp_port_setup()/wp_port_close() run on the main lcore before
 * workers start / after they stop. A struct wp_portq belongs to the worker
 * polling its queue; nothing here is shared between lcores.
 *
 * TX with impairment: frames handed to the stage belong to it, so
 * wp_portq_tx() reports them all as taken; what the NIC later refuses is
 * freed here and counted in tx_dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <warmpool/net.h>
#include <warmpool/port.h>

#define WP_PORT_DEFAULT_DESC 1024
#define WP_PORT_TX_TRIES     4
#define WP_PORT_BURST        32
#define WP_PORT_CHUNK        64

#define WP_PORT_RX_CSUM (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define WP_PORT_TX_CSUM (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)

/* "name,name" of the offload bits in `mask`. */
static void
wp_port_offload_names(char *buf, size_t len, uint64_t mask, bool rx)
{
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (unsigned int b = 0; b < 64 && off < len; b++) {
		uint64_t bit = 1ull << b;

		if (!(mask & bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
			     rx ? rte_eth_dev_rx_offload_name(bit) : rte_eth_dev_tx_offload_name(bit));
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
}

/* A locally administered unicast MAC for ports that report none (some
 * virtual PMDs): 02:77:70:<port>:<random>. */
static void
wp_port_make_mac(uint16_t port_id, struct rte_ether_addr *a)
{
	uint64_t r = rte_rand();

	a->addr_bytes[0] = 0x02;
	a->addr_bytes[1] = 0x77;
	a->addr_bytes[2] = 0x70;
	a->addr_bytes[3] = (uint8_t)port_id;
	a->addr_bytes[4] = (uint8_t)r;
	a->addr_bytes[5] = (uint8_t)(r >> 8);
}

int
wp_port_setup(const struct wp_port_conf *conf, struct wp_port_info *info)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf ec;
	struct rte_ether_addr mac;
	uint16_t port, q, nrxd, ntxd, mtu = 0;
	uint64_t rx_off = 0, tx_off = 0;
	char rxs[256], txs[256], more_rx[256], more_tx[256];
	bool started = false;
	int ret, socket;

	if (conf == NULL || info == NULL || conf->mp == NULL || conf->nb_queues == 0)
		return -EINVAL;
	port = conf->port_id;
	if (!rte_eth_dev_is_valid_port(port))
		return -ENODEV;
	ret = rte_eth_dev_info_get(port, &di);
	if (ret != 0)
		goto fail;
	if (conf->nb_queues > di.max_rx_queues || conf->nb_queues > di.max_tx_queues) {
		RTE_LOG(ERR, USER1, "port %u (%s): %u queues asked, %u RX / %u TX offered\n",
			port, di.driver_name, conf->nb_queues, di.max_rx_queues, di.max_tx_queues);
		ret = -EINVAL;
		goto fail;
	}
	if (conf->mtu && (conf->mtu < di.min_mtu || conf->mtu > di.max_mtu)) {
		RTE_LOG(ERR, USER1, "port %u (%s): MTU %u outside [%u, %u]\n",
			port, di.driver_name, conf->mtu, di.min_mtu, di.max_mtu);
		ret = -EINVAL;
		goto fail;
	}
	if (conf->use_offloads) {
		rx_off = di.rx_offload_capa & WP_PORT_RX_CSUM;
		tx_off = di.tx_offload_capa & WP_PORT_TX_CSUM;
	}
	tx_off |= di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	memset(&ec, 0, sizeof(ec));
	ec.rxmode.offloads = rx_off;
	ec.txmode.offloads = tx_off;
	if (conf->mtu)
		ec.rxmode.mtu = conf->mtu;
	if (conf->nb_queues > 1 && di.flow_type_rss_offloads != 0) {
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP) & di.flow_type_rss_offloads;
		/* the steering rule's key (steer.h); its RETA is written after
		 * start by wp_rss_program_port, which also reads both back */
		if (conf->rss_key != NULL && (di.hash_key_size == 0 || di.hash_key_size == 40)) {
			ec.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)conf->rss_key;
			ec.rx_adv_conf.rss_conf.rss_key_len = 40;
		}
		if (di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
			ec.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
	}
	ret = rte_eth_dev_configure(port, conf->nb_queues, conf->nb_queues, &ec);
	if (ret != 0)
		goto fail;
	nrxd = conf->rx_desc ? conf->rx_desc : WP_PORT_DEFAULT_DESC;
	ntxd = conf->tx_desc ? conf->tx_desc : WP_PORT_DEFAULT_DESC;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	if (ret != 0)
		goto fail;
	socket = rte_eth_dev_socket_id(port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < conf->nb_queues; q++) {
		struct rte_eth_rxconf rxc = di.default_rxconf;
		struct rte_eth_txconf txc = di.default_txconf;

		rxc.offloads = rx_off;
		txc.offloads = tx_off;
		ret = rte_eth_rx_queue_setup(port, q, nrxd, (unsigned int)socket, &rxc, conf->mp);
		if (ret != 0)
			goto fail;
		ret = rte_eth_tx_queue_setup(port, q, ntxd, (unsigned int)socket, &txc);
		if (ret != 0)
			goto fail;
	}
	if (conf->mtu) {
		ret = rte_eth_dev_set_mtu(port, conf->mtu);
		if (ret == -ENOTSUP) {
			RTE_LOG(WARNING, USER1, "port %u (%s): cannot set MTU %u, keeping the port's\n",
				port, di.driver_name, conf->mtu);
		} else if (ret != 0) {
			goto fail;
		}
	}
	if (conf->promiscuous) {
		ret = rte_eth_promiscuous_enable(port);
		if (ret != 0)
			RTE_LOG(WARNING, USER1, "port %u (%s): promiscuous mode refused (%d)\n",
				port, di.driver_name, ret);
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		goto fail;
	started = true;

	ret = rte_eth_macaddr_get(port, &mac);
	if (ret != 0)
		goto fail;
	if (!rte_is_valid_assigned_ether_addr(&mac)) {
		wp_port_make_mac(port, &mac);
		ret = rte_eth_dev_default_mac_addr_set(port, &mac);
		RTE_LOG(NOTICE, USER1, "port %u (%s): no MAC, using " RTE_ETHER_ADDR_PRT_FMT "%s\n",
			port, di.driver_name, RTE_ETHER_ADDR_BYTES(&mac),
			ret == 0 ? "" : " (not programmed into the port)");
	}
	if (rte_eth_dev_get_mtu(port, &mtu) != 0 || mtu == 0)
		mtu = conf->mtu ? conf->mtu : RTE_ETHER_MTU;

	memset(info, 0, sizeof(*info));
	info->port_id = port;
	info->nb_queues = conf->nb_queues;
	memcpy(info->mac, mac.addr_bytes, 6);
	info->mtu = mtu;
	snprintf(info->driver, sizeof(info->driver), "%s", di.driver_name ? di.driver_name : "?");
	info->socket = socket;
	info->rx_offloads = rx_off;
	info->tx_offloads = tx_off;
	info->rx_offload_capa = di.rx_offload_capa;
	info->tx_offload_capa = di.tx_offload_capa;

	wp_port_offload_names(rxs, sizeof(rxs), rx_off, true);
	wp_port_offload_names(txs, sizeof(txs), tx_off, false);
	wp_port_offload_names(more_rx, sizeof(more_rx),
			      di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_LRO, true);
	wp_port_offload_names(more_tx, sizeof(more_tx),
			      di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO, false);
	RTE_LOG(INFO, USER1, "port %u (%s): %u queue pair(s), %u/%u desc, MTU %u, MAC "
		RTE_ETHER_ADDR_PRT_FMT ", socket %d; RX offloads: %s; TX offloads: %s; "
		"offered, not used yet: LRO %s, TSO %s\n",
		port, info->driver, conf->nb_queues, nrxd, ntxd, mtu, RTE_ETHER_ADDR_BYTES(&mac),
		socket, rxs, txs, more_rx, more_tx);
	return 0;
fail:
	RTE_LOG(ERR, USER1, "port %u: set-up failed: %s\n", port, rte_strerror(-ret));
	if (started)
		rte_eth_dev_stop(port);
	return ret < 0 ? ret : -EIO;
}

void
wp_port_close(uint16_t port_id)
{
	if (!rte_eth_dev_is_valid_port(port_id))
		return;
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
}

int
wp_portq_init(struct wp_portq *q, uint16_t port_id, uint16_t queue_id,
	      const struct wp_impair_conf *rx_imp, const struct wp_impair_conf *tx_imp,
	      int socket)
{
	if (q == NULL)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->port_id = port_id;
	q->queue_id = queue_id;
	if (wp_impair_active(rx_imp)) {
		q->rx_impair = wp_impair_create(rx_imp, socket);
		if (q->rx_impair == NULL)
			goto fail;
	}
	if (wp_impair_active(tx_imp)) {
		q->tx_impair = wp_impair_create(tx_imp, socket);
		if (q->tx_impair == NULL)
			goto fail;
		/* a NIC computing checksums after the damage would hide it */
		q->tx_corrupts = tx_imp->corrupt_ppm > 0;
	}
	return 0;
fail:
	wp_portq_fini(q);
	return -rte_errno;
}

void
wp_portq_fini(struct wp_portq *q)
{
	if (q == NULL)
		return;
	wp_impair_free(q->rx_impair);
	wp_impair_free(q->tx_impair);
	q->rx_impair = q->tx_impair = NULL;
}

uint16_t
wp_portq_rx(struct wp_portq *q, struct rte_mbuf **pkts, uint16_t n, int64_t now)
{
	struct rte_mbuf *raw[WP_PORT_CHUNK];
	uint16_t nb;

	if (q->rx_impair == NULL) {
		nb = rte_eth_rx_burst(q->port_id, q->queue_id, pkts, n);
		q->rx_pkts += nb;
		return nb;
	}
	/* the stage may return more than it got (duplicates, released held
	 * frames); what does not fit in `pkts` stays held for the next call */
	nb = rte_eth_rx_burst(q->port_id, q->queue_id, raw, RTE_MIN(n, WP_PORT_CHUNK));
	q->rx_pkts += nb;
	return wp_impair_apply(q->rx_impair, raw, nb, pkts, n, now);
}

/* Burst to the NIC, a few tries while the ring is full; returns how many
 * it took. */
static uint16_t
wp_portq_burst(struct wp_portq *q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = 0, k;

	for (int t = 0; t < WP_PORT_TX_TRIES && sent < n; t++) {
		k = rte_eth_tx_burst(q->port_id, q->queue_id, pkts + sent, n - sent);
		sent += k;
	}
	q->tx_pkts += sent;
	q->tx_dropped += n - sent;
	return sent;
}

/* Send frames that came out of the TX impairment stage; they are ours. */
static void
wp_portq_send_owned(struct wp_portq *q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = wp_portq_burst(q, pkts, n);

	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
}

uint16_t
wp_portq_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wp_portq *q = arg;
	struct rte_mbuf *out[WP_PORT_CHUNK];
	uint16_t done = 0, chunk, k;

	if (q->tx_impair == NULL)
		return wp_portq_burst(q, pkts, n);
	/* the stage takes every frame; it has no clock of its own here, so
	 * held frames keep the time of their last apply (wp_portq_tx_held
	 * advances it) */
	while (done < n) {
		chunk = RTE_MIN((uint16_t)(n - done), (uint16_t)(WP_PORT_CHUNK / 2));
		k = wp_impair_apply(q->tx_impair, pkts + done, chunk, out, WP_PORT_CHUNK,
				    q->tx_now);
		wp_portq_send_owned(q, out, k);
		done += chunk;
	}
	return n;
}

void
wp_portq_tx_held(struct wp_portq *q, int64_t now)
{
	struct rte_mbuf *out[WP_PORT_CHUNK];
	uint16_t k;

	if (q->tx_impair == NULL)
		return;
	q->tx_now = now;
	do {
		k = wp_impair_apply(q->tx_impair, NULL, 0, out, WP_PORT_CHUNK, now);
		wp_portq_send_owned(q, out, k);
	} while (k == WP_PORT_CHUNK);
}

void
wp_portq_io(struct wp_portq *q, const struct wp_port_info *info, struct wp_net_io *io)
{
	memset(io, 0, sizeof(*io));
	io->tx = wp_portq_tx;
	io->arg = q;
	io->rx_offloads = info->rx_offloads;
	io->tx_offloads = info->tx_offloads;
	if (q->tx_corrupts)
		io->tx_offloads &= ~(uint64_t)WP_PORT_TX_CSUM;
}

uint16_t
wp_portq_poll(struct wp_portq *q, struct wp_net *net, int64_t now)
{
	struct rte_mbuf *pkts[WP_PORT_BURST];
	uint16_t n;

	n = wp_portq_rx(q, pkts, WP_PORT_BURST, now);
	if (n > 0)
		wp_net_input(net, pkts, n, now);
	wp_net_timers(net, now);
	if (q->tx_impair != NULL) {
		q->tx_now = now;
		wp_portq_tx_held(q, now);
	}
	wp_net_flush(net);
	return n;
}
