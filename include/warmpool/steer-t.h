/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of flow steering (DESIGN.md section 4).
 *
 * Ownership rule. A frame's owner worker is a pure function of the tuple
 * it arrived with:
 *
 *   h     = Toeplitz(key, src_ip, dst_ip, src_port, dst_port)
 *           (12 bytes in network order, the Microsoft RSS definition,
 *           identical to rte_softrss() over struct rte_ipv4_tuple)
 *   owner = reta[h & (reta_size - 1)]
 *
 * Ports whose RSS we can program get the same key and RETA, so there the
 * queue a frame lands on IS its owner and nothing is handed off. Where the
 * NIC's spreading is not ours (net_tap, net_af_packet fan-out, AF_XDP on a
 * kernel driver) a frame that lands elsewhere crosses to its owner over a
 * single-producer/single-consumer ring (mbuf pointer, no copy). The XDP
 * program (bpf/) evaluates the same rule to count such frames.
 *
 * Backend sessions are opened by us: the worker picks the local port with
 * rte_thash so that the reply tuple hashes to a RETA entry it owns, and the
 * rule above makes it the owner of its own sessions without any table.
 * Client flows are owned by whoever the rule names; with a programmed NIC
 * that is the queue their SYN arrived on.
 *
 * Frames that are not TCP/IPv4 (and not ICMP errors about a TCP flow) are
 * handled by the worker they landed on, except ARP replies, which every
 * worker's ARP cache needs: the landing worker keeps the frame and sends
 * each other worker a copy.
 */
#ifndef WARMPOOL_STEER_T_H
#define WARMPOOL_STEER_T_H

#include <stdbool.h>
#include <stdint.h>

#define WP_RSS_KEY_LEN 40          /* bytes: the usual 40-byte Toeplitz key */
#define WP_RSS_RETA_MAX 512        /* entries, a power of two */
#define WP_STEER_MAX_WORKERS 64

/* What wp_steer_owner() says of a frame besides a worker id (>= 0). */
enum {
	WP_STEER_LOCAL = -1,    /* the landing worker handles it */
	WP_STEER_ALL = -2,      /* the landing worker, and a copy to every other */
};

/* How a port's spreading relates to the ownership rule. */
enum wp_rss_mode {
	WP_RSS_SOFTWARE = 0,    /* the port's spreading is not ours: handoff */
	WP_RSS_PROGRAMMED,      /* key and RETA written and read back equal */
	WP_RSS_SINGLE,          /* one worker: everything is local */
};

/* The ownership rule of one port. Built on the main lcore before the
 * workers start, read-only afterwards and read by every worker (no
 * writes, so sharing it needs no synchronisation). */
struct wp_rss;

struct wp_rss_conf {
	uint16_t nworkers;       /* 1..WP_STEER_MAX_WORKERS */
	uint16_t reta_size;      /* power of two 4..512; 0 = 128 */
	const uint8_t *seed_key; /* NULL: the Microsoft default key; rte_thash
				  * rewrites the bits behind the local port */
	const char *name;        /* for logs and the rte_thash context */
};

/* What programming a port found. */
struct wp_rss_port_info {
	enum wp_rss_mode mode;
	uint16_t dev_reta_size;  /* what the port reports (0: no RSS) */
	uint64_t rss_hf;         /* hash functions enabled */
	bool hash_in_mbuf;       /* RX delivers mbuf->hash.rss (information:
				  * steering still hashes in software) */
	char why[96];            /* SOFTWARE: the reason, for the start-up log */
};

/* Handoff counters of one worker, by peer worker. `sent`/`dropped` count
 * frames this worker sent to peer p (dropped: p's ring was full, freed
 * here); `received` frames it took from p's ring. Owned and written by
 * the worker only; the control core learns them through telemetry. */
struct wp_handoff_stats {
	uint64_t sent[WP_STEER_MAX_WORKERS];
	uint64_t dropped[WP_STEER_MAX_WORKERS];
	uint64_t received[WP_STEER_MAX_WORKERS];
};

/* One worker's steering counters (worker-owned). For the frames taken
 * from its port queues: landed == local + handed_off + ring_full.
 * Copies of broadcast frames are counted apart (copies, copy_lost). */
struct wp_steer_stats {
	uint64_t landed;         /* frames received from its port queues */
	uint64_t local;          /* of those, kept (owned or LOCAL/ALL) */
	uint64_t handed_off;     /* sent to their owner's ring */
	uint64_t ring_full;      /* owner's ring full: freed, counted */
	uint64_t from_peers;     /* frames taken from other workers' rings */
	uint64_t copies;         /* broadcast copies sent (ARP replies) */
	uint64_t copy_lost;      /* copies not allocated or not enqueued */
};

/* The argument of wp_steer_lport_fn (steer.h): which rule, which worker.
 * Lives as long as the stack that uses it. */
struct wp_steer_lport {
	const struct wp_rss *rss;
	unsigned worker;
};

struct wp_handoff;
struct wp_steer_worker;

#endif /* WARMPOOL_STEER_T_H */
