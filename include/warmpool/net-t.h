/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the per-core network stack (DESIGN.md section 3).
 *
 * One struct wp_net per worker: Ethernet, ARP, IPv4, ICMP and TCP for one
 * (port, queue) pair, owned by the worker's lcore and touched by nobody
 * else. Nothing in it is atomic. Like the pool, the stack never reads a
 * clock: every entry point takes `now` (ns, monotonic), so unit tests run
 * it on a virtual clock.
 *
 * The stack does not own the NIC. Frames come in through wp_net_input()
 * and leave through struct wp_net_io, which the port layer (port.h)
 * provides for a real queue and the tests provide to capture frames.
 *
 * Addresses and ports are host byte order everywhere in this API.
 */
#ifndef WARMPOOL_NET_T_H
#define WARMPOOL_NET_T_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

/* Why a frame was dropped. Every dropped frame counts exactly one. */
enum wp_net_drop {
	WP_DROP_ETH_SHORT = 0,  /* shorter than an Ethernet header */
	WP_DROP_ETH_DST,        /* not our MAC, not broadcast */
	WP_DROP_ETH_TYPE,       /* neither IPv4 nor ARP (VLAN, IPv6, ...) */
	WP_DROP_MULTISEG,       /* headers not in the first segment */
	WP_DROP_ARP_SHORT,
	WP_DROP_ARP_BAD,        /* not Ethernet/IPv4, bad lengths or opcode */
	WP_DROP_ARP_NOT_US,     /* request for another address */
	WP_DROP_ARP_QUEUE_FULL, /* waiting-for-resolution queue full */
	WP_DROP_ARP_UNRESOLVED, /* resolution gave up (retries exhausted) */
	WP_DROP_IP_SHORT,
	WP_DROP_IP_VERSION,
	WP_DROP_IP_HLEN,        /* IHL < 5 or beyond the frame */
	WP_DROP_IP_LEN,         /* total length < IHL or beyond the frame */
	WP_DROP_IP_CSUM,
	WP_DROP_IP_FRAG,        /* fragments are not reassembled */
	WP_DROP_IP_OPTIONS,     /* IP options are not supported */
	WP_DROP_IP_DST,         /* not our address */
	WP_DROP_IP_SRC,         /* martian source (0, broadcast, multicast, ours) */
	WP_DROP_IP_PROTO,       /* neither TCP nor ICMP */
	WP_DROP_IP_NO_ROUTE,    /* output: off-link and no gateway */
	WP_DROP_ICMP_SHORT,
	WP_DROP_ICMP_CSUM,
	WP_DROP_ICMP_TYPE,      /* types we do not handle */
	WP_DROP_TCP_SHORT,
	WP_DROP_TCP_HLEN,       /* data offset < 5 or beyond the segment */
	WP_DROP_TCP_CSUM,
	WP_DROP_TCP_OPTION,     /* impossible option length */
	WP_DROP_TCP_FLAGS,      /* impossible flag combination (SYN+FIN, none) */
	WP_DROP_TCP_NO_FLOW,    /* no connection, no listener (RST sent) */
	WP_DROP_TCP_WINDOW,     /* segment outside the receive window */
	WP_DROP_TCP_ACK,        /* unacceptable ACK */
	WP_DROP_TCP_RST,        /* RST not exactly at rcv_nxt (challenge ACK) */
	WP_DROP_TCP_SYN,        /* SYN on a synchronised connection (challenge ACK) */
	WP_DROP_TCP_PAWS,       /* timestamp older than ts_recent (RFC 7323) */
	WP_DROP_TCP_BACKLOG,    /* listener full and cookies off/invalid */
	WP_DROP_TCP_COOKIE,     /* ACK with a bad or stale SYN cookie (no RST) */
	WP_DROP_TCP_OOO_FULL,   /* out-of-order queue full */
	WP_DROP_TCP_NO_CONN,    /* flow table full */
	WP_DROP_NOMEM,          /* mbuf allocation failed */
	WP_DROP_TX_FULL,        /* the port did not take the frame */
	WP_DROP__COUNT
};

/* Stack configuration. wp_net_conf_default() fills sane values; the caller
 * sets at least ip, prefix_len and mac. */
struct wp_net_conf {
	uint32_t ip;              /* our address */
	uint8_t prefix_len;       /* on-link prefix, 1..32 */
	uint32_t gateway;         /* 0 = off-link destinations unreachable */
	uint8_t mac[6];           /* our MAC (the port's) */
	uint16_t mtu;             /* IP MTU, 576..9000; default 1500 */
	unsigned int worker;      /* worker index, for names and logs */

	/* ARP */
	uint32_t arp_entries;     /* cache size (power of two) */
	int64_t arp_timeout_ns;   /* entry lifetime after last confirmation */
	int64_t arp_retry_ns;     /* request retransmit interval */
	uint8_t arp_retries;      /* requests before giving up */
	uint16_t arp_queue_max;   /* frames waiting for resolution, all targets */
	bool arp_gratuitous;      /* announce our address at start */

	/* TCP */
	uint32_t max_conns;       /* flow table capacity (all states) */
	uint32_t syn_backlog;     /* half-open per listener before SYN cookies */
	bool syn_cookies;         /* false: a full backlog drops the SYN */
	uint16_t ephemeral_lo;    /* local ports for active opens */
	uint16_t ephemeral_hi;
	uint32_t sndbuf;          /* bytes queued (unacked + unsent) per conn */
	uint32_t rcvbuf;          /* receive window: bytes not yet wp_tcp_recved() */
	uint32_t ooo_max;         /* out-of-order segments held per conn */
	bool opt_sack;            /* offer/accept SACK-permitted */
	bool opt_timestamps;      /* offer/accept RFC 7323 timestamps */
	bool opt_wscale;          /* offer/accept window scaling */
	int64_t delack_ns;        /* delayed ACK timeout; 0 = ACK every segment */
	bool rack_tlp;            /* time-based loss detection and tail loss
				   * probes (RFC 8985, simplified); false: only
				   * duplicate ACKs and the RTO find losses */
	int64_t rto_initial_ns;   /* RFC 6298: 1 s */
	int64_t rto_min_ns;       /* RFC 6298: 1 s; Linux uses 200 ms */
	int64_t rto_max_ns;       /* backoff cap, >= 60 s per RFC 6298 */
	uint8_t syn_retries;      /* SYN retransmissions before giving up */
	uint8_t max_retries;      /* data retransmissions before giving up */
	int64_t time_wait_ns;     /* 2 MSL */
	int64_t keepalive_idle_ns;  /* 0 = keep-alive off */
	int64_t keepalive_intvl_ns;
	uint8_t keepalive_probes;
	int64_t timer_tick_ns;    /* timer wheel granularity */
	uint64_t secret_seed;     /* 0 = random ISN/cookie secret; else fixed (tests) */

	/* Local ports of active opens that ask for none. NULL: a cursor
	 * walks ephemeral_lo..hi. Set (flow steering, steer.h): called with
	 * the peer, our address and the cursor as a hint, and `is_free` to
	 * test a candidate against the flow table; returns a free port in
	 * [lo, hi] whose replies reach this stack's worker, or 0 (the
	 * connect then fails with -EADDRINUSE). */
	uint16_t (*lport_fn)(void *arg, uint32_t rip, uint16_t rport, uint32_t lip,
			     uint16_t hint, uint16_t lo, uint16_t hi,
			     int (*is_free)(void *free_arg, uint16_t port), void *free_arg);
	void *lport_arg;
};

/* How frames leave the stack. `tx` takes up to n frames and returns how
 * many it accepted; the stack frees and counts the rest (WP_DROP_TX_FULL).
 * The offload masks are RTE_ETH_{RX,TX}_OFFLOAD_* bits the port has
 * enabled; the stack uses IPv4 and TCP checksum offloads when present and
 * computes checksums in software otherwise. */
struct wp_net_io {
	uint16_t (*tx)(void *arg, struct rte_mbuf **pkts, uint16_t n);
	void *arg;
	uint64_t rx_offloads;
	uint64_t tx_offloads;
};

struct wp_net_stats {
	uint64_t rx_frames;
	uint64_t tx_frames;
	uint64_t drops[WP_DROP__COUNT];
	uint64_t arp_requests_sent;
	uint64_t arp_replies_sent;
	uint64_t arp_evictions;    /* live entries dropped to make room */
	uint64_t icmp_echo_replies;
	uint64_t icmp_errors_in;   /* ICMP errors delivered to TCP */
	/* TCP */
	uint64_t tcp_active_opens;
	uint64_t tcp_passive_opens;
	uint64_t tcp_syncookies_sent;
	uint64_t tcp_syncookies_ok;
	uint64_t tcp_segs_in;
	uint64_t tcp_segs_out;
	uint64_t tcp_retransmits;
	uint64_t tcp_fast_retransmits;
	uint64_t tcp_rto_fires;
	uint64_t tcp_sack_rexmits;  /* holes resent from the SACK scoreboard */
	uint64_t tcp_sack_rounds;   /* lost retransmissions detected by SACK */
	uint64_t tcp_loss_probes;   /* segments sent by the loss timer (TLP) */
	uint64_t tcp_rack_recoveries; /* recoveries begun by the reordering
				     * window, before 3 duplicate ACKs */
	uint64_t tcp_idle_restarts; /* cwnd back to the initial window after
				     * an idle RTO (RFC 5681 4.1) */
	uint64_t tcp_syn_data;      /* SYN payload kept for the handshake */
	uint64_t tcp_dup_segs;        /* entirely old data received */
	uint64_t tcp_ooo_segs;        /* queued out of order */
	uint64_t tcp_challenge_acks;  /* RFC 5961 */
	uint64_t tcp_rst_sent;
	uint64_t tcp_rst_recv;
	uint64_t tcp_zero_window_probes;
	uint64_t tcp_keepalive_probes;
	uint64_t tcp_closed[16];      /* by enum wp_tcp_close_reason */
	uint32_t tcp_conns;           /* gauge: flows in the table, all states */
	uint32_t tcp_time_wait;       /* gauge: of those, in TIME_WAIT (closed for the app) */
	uint32_t arp_pending;         /* gauge: frames waiting for ARP */
};

struct wp_net;

#endif /* WARMPOOL_NET_T_H */
