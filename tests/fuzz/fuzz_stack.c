/* libFuzzer target: the whole per-core stack (Ethernet, ARP, IPv4, ICMP,
 * TCP state machine and options) fed with arbitrary frames.
 *
 * Each input is a sequence of records: [u16 length][u8 clock step ms]
 * [frame bytes]. Every input gets a fresh stack on a virtual clock with a
 * fixed secret, a static ARP entry for the peer, a listener on port 80 and
 * one active open to 198.18.0.2:8080, so the fuzzer can reach every
 * state: the ISNs are deterministic and its comparison tracing learns
 * them. The application echoes what it receives and closes on FIN.
 *
 * Invariants checked after every frame (trap on violation):
 *   - every mbuf is accounted for: pool in use == mbufs the stack holds
 *     (the capture io frees what the stack sends at once)
 *   - the flow table never holds more than max_conns
 * and at the end the stack frees cleanly with the pool back to empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <warmpool/net.h>
#include <warmpool/tcp.h>

#include "net/net_impl.h"

#define IP_US   0xc6120001u
#define IP_PEER 0xc6120002u
#define MS 1000000LL

static struct rte_mempool *mp;
static uint64_t sent_frames;

static uint16_t
sink_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	for (uint16_t i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	sent_frames += n;
	return n;
}

static void
app_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)arg;
	wp_tcp_recved(c, len);
	if (wp_tcp_send(c, m) < 0)
		rte_pktmbuf_free(m);
}

static void
app_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	wp_tcp_close(c);
}

static void
app_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	(void)arg;
	(void)c;
	if ((unsigned)why >= WP_TCP_CLOSE__COUNT)
		__builtin_trap();
}

static const struct wp_tcp_cbs cbs = {
	.data = app_data,
	.peer_closed = app_peer_closed,
	.closed = app_closed,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_stack", "--no-huge", "--no-shconf", "--no-pci",
			"--no-telemetry", "-m", "128", "--log-level=crit",
			"--file-prefix", "wp-fuzz-stack", "--lcores", "0@0" };

	(void)argc;
	(void)argv;
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "fuzz_stack: EAL init failed\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("fuzz_mp", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL) {
		fprintf(stderr, "fuzz_stack: no mempool\n");
		return 1;
	}
	return 0;
}

static void
check_accounting(const struct wp_net *net)
{
	struct wp_net_stats st;

	if (rte_mempool_in_use_count(mp) != wp_net_mbufs_held(net))
		__builtin_trap();
	wp_net_stats(net, &st);
	if (st.tcp_conns > 16)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 2 };
	struct wp_net_conf conf;
	struct wp_net_io io = { .tx = sink_tx };
	struct wp_tcp_conn *c;
	struct wp_net *net;
	int64_t now = 1000 * MS;

	if (mp == NULL)
		return 0;
	wp_net_conf_default(&conf);
	conf.ip = IP_US;
	conf.prefix_len = 24;
	memcpy(conf.mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, 1 }, 6);
	conf.max_conns = 16;
	conf.syn_backlog = 2;        /* reach the SYN cookie path quickly */
	conf.secret_seed = 1;
	conf.arp_gratuitous = false;
	conf.keepalive_idle_ns = 50 * MS;
	conf.keepalive_intvl_ns = 10 * MS;
	conf.keepalive_probes = 2;
	net = wp_net_create(&conf, &io, mp, 0, now);
	if (net == NULL)
		__builtin_trap();
	wp_arp_add_static(net, IP_PEER, peer_mac);
	wp_tcp_listen(net, 80, &cbs, NULL);
	wp_tcp_connect(net, IP_PEER, 8080, 40000, &cbs, NULL, &c);
	wp_net_flush(net);

	while (size >= 3) {
		uint16_t len = (uint16_t)(data[0] | data[1] << 8);
		uint8_t step = data[2];
		struct rte_mbuf *m;

		data += 3;
		size -= 3;
		if (len > size)
			len = (uint16_t)size;
		if (len > RTE_MBUF_DEFAULT_DATAROOM)
			len = RTE_MBUF_DEFAULT_DATAROOM;
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			__builtin_trap();     /* would mean a leak: the pool is big */
		memcpy(rte_pktmbuf_append(m, len), data, len);
		data += len;
		size -= len;
		wp_net_input(net, &m, 1, now);
		now += (int64_t)step * MS;
		wp_net_timers(net, now);
		wp_net_flush(net);
		check_accounting(net);
	}
	/* Let timers run out the connections' lives too. */
	for (int i = 0; i < 5; i++) {
		now += 30000 * MS;
		wp_net_timers(net, now);
		wp_net_flush(net);
		check_accounting(net);
	}
	wp_net_free(net);
	if (rte_mempool_in_use_count(mp) != 0)
		__builtin_trap();
	return 0;
}
