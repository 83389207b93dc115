/* SPDX-License-Identifier: BSD-3-Clause */
/* Port layer (DESIGN.md section 3): DPDK ethdev set-up with one RX/TX
 * queue pair per worker, offload detection, burst I/O, and a seeded
 * impairment stage (this kernel has no netem).
 *
 * wp_port_setup() runs once on the main lcore before workers start. After
 * that, queue q of a port belongs to worker q: its struct wp_portq is only
 * touched on that worker's lcore.
 */
#ifndef WARMPOOL_PORT_H
#define WARMPOOL_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/net-t.h>

struct rte_mbuf;
struct rte_mempool;

struct wp_port_conf {
	uint16_t port_id;
	uint16_t nb_queues;     /* RX/TX queue pairs, one per worker */
	uint16_t rx_desc;       /* 0 = default (1024) */
	uint16_t tx_desc;       /* 0 = default (1024) */
	uint16_t mtu;           /* 0 = leave the port's */
	bool promiscuous;
	bool use_offloads;      /* false: software checksums even if offered */
	struct rte_mempool *mp; /* RX pool, shared by the queues of this port */
	const uint8_t *rss_key; /* with several queues on an RSS port: the
				 * steering rule's 40-byte key (steer.h);
				 * NULL = the driver's */
};

/* What set-up found and enabled. */
struct wp_port_info {
	uint16_t port_id;
	uint16_t nb_queues;
	uint8_t mac[6];
	uint16_t mtu;
	char driver[32];
	int socket;
	uint64_t rx_offloads;   /* enabled RTE_ETH_RX_OFFLOAD_* */
	uint64_t tx_offloads;   /* enabled RTE_ETH_TX_OFFLOAD_* */
	uint64_t rx_offload_capa; /* what the port offers, for hw_notes/logs */
	uint64_t tx_offload_capa;
};

/* Configure and start the port. Logs the offloads it enables and the ones
 * it could have (TSO/LRO are never enabled yet). -EINVAL, -ENODEV, or the
 * ethdev error. */
int wp_port_setup(const struct wp_port_conf *conf, struct wp_port_info *info);

/* Stop and close the port. */
void wp_port_close(uint16_t port_id);

/* Seeded impairment, applied to received frames before the stack sees
 * them (and optionally to transmitted frames). Probabilities are parts
 * per million; all zero (the default) means off and costs one branch.
 * The same seed and the same input give the same faults. */
struct wp_impair_conf {
	uint64_t seed;
	uint32_t drop_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;   /* hold a frame back behind the next one(s) */
	uint32_t corrupt_ppm;   /* flip one random bit after the Ethernet header */
	int64_t delay_ns;       /* fixed extra delay for every frame */
	int64_t jitter_ns;      /* plus U[0, jitter] (reorders naturally) */
	uint16_t max_held;      /* frames held for delay/reorder; default 256 */
};

struct wp_impair_stats {
	uint64_t seen, dropped, duplicated, reordered, corrupted, delayed;
	uint64_t overflow;      /* held queue full: passed through undelayed */
	uint32_t held;          /* gauge */
};

struct wp_impair;

struct wp_impair *wp_impair_create(const struct wp_impair_conf *conf, int socket);
/* Frees held frames. */
void wp_impair_free(struct wp_impair *imp);
/* Run `n` frames through the stage; write the frames due now to `out`
 * (room for `max_out`, at least 2*n + max_held is always enough) and
 * return how many. Held frames come out on later calls once due. */
uint16_t wp_impair_apply(struct wp_impair *imp, struct rte_mbuf **in, uint16_t n,
			 struct rte_mbuf **out, uint16_t max_out, int64_t now);
void wp_impair_stats(const struct wp_impair *imp, struct wp_impair_stats *out);
bool wp_impair_active(const struct wp_impair_conf *conf);

/* One worker's queue pair. */
struct wp_portq {
	uint16_t port_id;
	uint16_t queue_id;
	struct wp_impair *rx_impair;   /* NULL = off */
	struct wp_impair *tx_impair;   /* NULL = off */
	uint64_t rx_pkts, tx_pkts, tx_dropped;
	int64_t tx_now;                /* clock of the last poll, for tx_impair */
	bool tx_corrupts;              /* tx_impair corrupts: no TX csum offload */
};

/* Fill `q` for (port, queue); impairment confs may be NULL. */
int wp_portq_init(struct wp_portq *q, uint16_t port_id, uint16_t queue_id,
		  const struct wp_impair_conf *rx_imp,
		  const struct wp_impair_conf *tx_imp, int socket);
void wp_portq_fini(struct wp_portq *q);

/* Receive up to n frames (after impairment). */
uint16_t wp_portq_rx(struct wp_portq *q, struct rte_mbuf **pkts, uint16_t n, int64_t now);

/* struct wp_net_io.tx for this queue (arg = struct wp_portq *): bursts to
 * the NIC, retrying a few times when the ring is full; returns how many
 * the NIC took. */
uint16_t wp_portq_tx(void *q, struct rte_mbuf **pkts, uint16_t n);

/* Send TX-side frames held back by tx_impair once they are due (call
 * every poll iteration when tx_impair is set). */
void wp_portq_tx_held(struct wp_portq *q, int64_t now);

/* Fill a struct wp_net_io for this queue with the port's offloads. */
void wp_portq_io(struct wp_portq *q, const struct wp_port_info *info, struct wp_net_io *io);

struct wp_net;

/* One poll iteration of a worker for this queue: receive a burst, feed it
 * to the stack, run due timers, send TX-held frames, flush. Returns the
 * number of frames received (0 = idle, for adaptive back-off). */
uint16_t wp_portq_poll(struct wp_portq *q, struct wp_net *net, int64_t now);

#endif /* WARMPOOL_PORT_H */
