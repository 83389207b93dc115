/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal contracts between the layers of the per-core stack.
 *
 *   wp_net_input -> eth -> arp | ipv4 -> icmp | tcp
 *   tcp -> wp_ipv4_output -> wp_eth_output (ARP) -> wp_net_xmit -> io.tx
 *
 * Mbuf ownership: every function that takes an mbuf consumes it (sends,
 * queues or frees it), on success and on error alike, unless its comment
 * says otherwise. Every drop goes through wp_net_drop(), which frees the
 * mbuf, counts the reason and logs the first occurrence of each reason.
 *
 * Data pointers: the input functions receive the mbuf with its data
 * offset at their own header (eth at the Ethernet header, tcp at the TCP
 * header) and pkt_len trimmed to their own length (IP padding removed).
 * Output functions receive the mbuf with data at their payload and
 * prepend their header (the pool's 128 B headroom is enough for
 * Ethernet + IPv4 + TCP with options).
 *
 * struct wp_net is owned by one lcore; nothing here is shared.
 */
#ifndef WP_NET_IMPL_H
#define WP_NET_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <warmpool/net.h>
#include <warmpool/tcp.h>

#define WP_NET_TXBUF 32

struct wp_arp;     /* arp.c */
struct wp_tcp;     /* tcp_*.c */

struct wp_net {
	struct wp_net_conf conf;
	struct wp_net_io io;
	struct rte_mempool *mp;
	int socket;
	int64_t now;               /* time of the current input/timer call */
	uint32_t netmask;          /* from conf.prefix_len, host order */
	uint16_t ip_id;            /* IPv4 identification counter */
	uint16_t ntx;
	struct rte_mbuf *txbuf[WP_NET_TXBUF];
	struct wp_arp *arp;
	struct wp_tcp *tcp;
	struct wp_net_stats stats;
	uint64_t drop_logged;      /* bit per reason: first drop was logged */
};

/* Free `m` (may be NULL), count `why`, log the first one of each reason. */
void wp_net_drop(struct wp_net *net, struct rte_mbuf *m, enum wp_net_drop why);

/* Append a finished frame to the TX buffer; flushes when full. */
void wp_net_xmit(struct wp_net *net, struct rte_mbuf *m);

/* Allocate an mbuf for an outgoing frame; NULL counts WP_DROP_NOMEM. */
struct rte_mbuf *wp_net_alloc(struct wp_net *net);

/* ---- eth.c ---- */
void wp_eth_input(struct wp_net *net, struct rte_mbuf *m);
/* Prepend the Ethernet header for `ethertype` towards IPv4 next hop
 * `nexthop`; resolves through ARP (queues the frame while resolving). */
void wp_eth_output(struct wp_net *net, struct rte_mbuf *m, uint32_t nexthop,
		   uint16_t ethertype);
/* Prepend an Ethernet header to a known MAC and transmit. */
void wp_eth_output_to(struct wp_net *net, struct rte_mbuf *m, const uint8_t dst[6],
		      uint16_t ethertype);

/* ---- arp.c ---- */
int wp_arp_create(struct wp_net *net);
void wp_arp_free(struct wp_net *net);
void wp_arp_input(struct wp_net *net, struct rte_mbuf *m);   /* data at ARP header */
/* Resolve `ip`: 0 and the MAC in `mac` if known; otherwise queue `m`
 * (consumed) and send/repeat a request, return -EAGAIN. A full queue
 * drops `m` (WP_DROP_ARP_QUEUE_FULL) and returns -ENOBUFS. */
int wp_arp_resolve(struct wp_net *net, uint32_t ip, struct rte_mbuf *m, uint8_t mac[6]);
void wp_arp_timers(struct wp_net *net, int64_t now);
void wp_arp_announce(struct wp_net *net);            /* gratuitous ARP */
uint32_t wp_arp_mbufs_held(const struct wp_net *net);
/* Test hook: insert a static entry. */
int wp_arp_add_static(struct wp_net *net, uint32_t ip, const uint8_t mac[6]);

/* ---- ipv4.c ---- */
void wp_ipv4_input(struct wp_net *net, struct rte_mbuf *m);  /* data at IP header */
/* Prepend an IPv4 header (src = our address) and send to `dst`. For
 * proto TCP the TCP checksum is computed here (offload or software): the
 * caller leaves the checksum field zero. -ENETUNREACH when there is no
 * route (m dropped and counted). */
int wp_ipv4_output(struct wp_net *net, struct rte_mbuf *m, uint32_t dst, uint8_t proto);
bool wp_ipv4_is_local(const struct wp_net *net, uint32_t ip);
/* wp_csum_partial over `len` bytes of the chain `m` from offset `off`
 * (segments of any length); -1 if the chain is shorter than off + len. */
int64_t wp_net_csum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t sum);

/* ---- icmp.c ---- */
void wp_icmp_input(struct wp_net *net, struct rte_mbuf *m, uint32_t src); /* data at ICMP header */

/* ---- tcp (tcp_conn.c, tcp_in.c, tcp_out.c) ---- */
int wp_tcp_create(struct wp_net *net);
void wp_tcp_free(struct wp_net *net);
/* Data at the TCP header, pkt_len = TCP length, checksum already checked. */
void wp_tcp_input(struct wp_net *net, struct rte_mbuf *m, uint32_t src, uint32_t dst);
/* An ICMP error quoting one of our segments: `inner` points at the quoted
 * IP header, `len` bytes of it are present (>= IHL + 8, checked). Types
 * and codes per RFC 5927 / RFC 1122; `mtu` is the next-hop MTU for
 * "fragmentation needed". */
void wp_tcp_icmp_error(struct wp_net *net, uint8_t type, uint8_t code, uint16_t mtu,
		       const uint8_t *inner, uint32_t len);
void wp_tcp_timers(struct wp_net *net, int64_t now);
uint32_t wp_tcp_mbufs_held(const struct wp_net *net);
/* ARP gave up on `ip`: active opens waiting on it fail (UNREACHABLE). */
void wp_tcp_unreachable(struct wp_net *net, uint32_t ip);

#endif /* WP_NET_IMPL_H */
