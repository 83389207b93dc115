/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-core network stack: create it, feed it frames, run its timers,
 * flush what it wants to send. Every function here must be called on the
 * lcore that owns the stack (types and ownership in net-t.h). */
#ifndef WARMPOOL_NET_H
#define WARMPOOL_NET_H

#include <warmpool/net-t.h>

/* Fill `conf` with defaults (mtu 1500, 1 s RTO floor per RFC 6298, ...).
 * ip, prefix_len and mac are zeroed: the caller must set them. */
void wp_net_conf_default(struct wp_net_conf *conf);

/* 0 or -EINVAL, naming the first bad field in `why` (if not NULL). */
int wp_net_conf_check(const struct wp_net_conf *conf, const char **why);

/* Create a stack sending through `io` and allocating from `mp` (the pool
 * the port receives into, or any pktmbuf pool with >= 128 B headroom).
 * Sends a gratuitous ARP (through io) if conf->arp_gratuitous.
 * Returns NULL with rte_errno set on bad config or no memory. */
struct wp_net *wp_net_create(const struct wp_net_conf *conf,
			     const struct wp_net_io *io,
			     struct rte_mempool *mp, int socket, int64_t now);

/* Close every connection (closed callbacks with WP_TCP_CLOSE_SHUTDOWN, RST
 * to synchronised peers), free every held mbuf, free the stack. */
void wp_net_free(struct wp_net *net);

/* Process received frames. The stack takes ownership of every mbuf. */
void wp_net_input(struct wp_net *net, struct rte_mbuf **pkts, uint16_t n, int64_t now);

/* Run due timers (ARP retries/expiry, TCP timers). Cheap when nothing is
 * due; call it every poll iteration. */
void wp_net_timers(struct wp_net *net, int64_t now);

/* Hand buffered frames to io.tx. Frames are buffered per core and sent
 * when the buffer fills or on flush; call it at the end of every poll
 * iteration. */
void wp_net_flush(struct wp_net *net);

/* Counters snapshot. */
void wp_net_stats(const struct wp_net *net, struct wp_net_stats *out);

/* Name of a drop reason ("ip_csum", ...); "?" for out-of-range values. */
const char *wp_net_drop_name(enum wp_net_drop why);

/* mbufs the stack holds right now (send/out-of-order queues, ARP queue,
 * TX buffer). With the application's own, this is what a leak check
 * compares against the mempool's in-use count. */
uint32_t wp_net_mbufs_held(const struct wp_net *net);

/* The stack's own address, for applications. */
uint32_t wp_net_ip(const struct wp_net *net);

#endif /* WARMPOOL_NET_H */
