/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the per-core TCP API (DESIGN.md section 3).
 *
 * A connection (struct wp_tcp_conn) belongs to the stack of one worker and
 * is only ever touched on that worker's lcore. The application sees it
 * through callbacks; the pointer is valid from `accepted`/wp_tcp_connect()
 * until the `closed` callback returns, and never after.
 *
 * Data is mbuf chains both ways, no copies in the API:
 *  - received bytes arrive in order as an mbuf chain whose data is the
 *    payload only; the application owns it and frees it. The receive
 *    window only reopens when the application calls wp_tcp_recved(), so a
 *    slow reader closes the window instead of growing a queue.
 *  - bytes to send are handed over as an mbuf chain; the stack owns it from
 *    then on and frees it when the peer has acknowledged it.
 */
#ifndef WARMPOOL_TCP_T_H
#define WARMPOOL_TCP_T_H

#include <stdint.h>

struct rte_mbuf;
struct wp_tcp_conn;

/* RFC 9293 states. */
enum wp_tcp_state {
	WP_TCP_CLOSED = 0,
	WP_TCP_LISTEN,
	WP_TCP_SYN_SENT,
	WP_TCP_SYN_RECEIVED,
	WP_TCP_ESTABLISHED,
	WP_TCP_FIN_WAIT_1,
	WP_TCP_FIN_WAIT_2,
	WP_TCP_CLOSE_WAIT,
	WP_TCP_CLOSING,
	WP_TCP_LAST_ACK,
	WP_TCP_TIME_WAIT,
	WP_TCP_STATE__COUNT
};

/* Why a connection ended; given to the `closed` callback and counted. */
enum wp_tcp_close_reason {
	WP_TCP_CLOSE_NORMAL = 0,    /* FIN both ways, all data acknowledged */
	WP_TCP_CLOSE_RESET,         /* peer sent an acceptable RST */
	WP_TCP_CLOSE_REFUSED,       /* RST in answer to our SYN */
	WP_TCP_CLOSE_TIMEOUT,       /* retransmissions exhausted */
	WP_TCP_CLOSE_CONNECT_TIMEOUT, /* SYN retransmissions exhausted */
	WP_TCP_CLOSE_KEEPALIVE,     /* keep-alive probes unanswered */
	WP_TCP_CLOSE_UNREACHABLE,   /* ICMP unreachable / ARP failure on connect */
	WP_TCP_CLOSE_ABORT,         /* wp_tcp_abort() by the application (RST sent) */
	WP_TCP_CLOSE_SHUTDOWN,      /* stack destroyed with the connection open */
	WP_TCP_CLOSE__COUNT
};

/* Callbacks. `arg` is the connection's argument (wp_tcp_set_arg, or the one
 * given to wp_tcp_connect). Callbacks may call the TCP API on the same
 * connection (send, recved, close, abort) but must not free it some other
 * way. Any callback may be NULL except `closed`. */
struct wp_tcp_cbs {
	/* Passive open completed (three-way handshake done). `listen_arg` is
	 * the listener's argument; set the connection's own with
	 * wp_tcp_set_arg(). */
	void (*accepted)(void *listen_arg, struct wp_tcp_conn *c);
	/* Active open completed. */
	void (*connected)(void *arg, struct wp_tcp_conn *c);
	/* In-order bytes; the application owns `m` (a chain, payload only). */
	void (*data)(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m);
	/* `acked` more bytes left the send buffer (acknowledged by the peer). */
	void (*sent)(void *arg, struct wp_tcp_conn *c, uint32_t acked);
	/* The peer sent FIN after all its data: no more `data` calls. */
	void (*peer_closed)(void *arg, struct wp_tcp_conn *c);
	/* Last call for this connection; `c` is invalid once it returns. */
	void (*closed)(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why);
};

/* A snapshot of one connection, for tests and telemetry. */
struct wp_tcp_info {
	enum wp_tcp_state state;
	uint32_t local_ip, remote_ip;
	uint16_t local_port, remote_port;
	uint32_t snd_una, snd_nxt, snd_wnd, cwnd, ssthresh;
	uint32_t rcv_nxt, rcv_wnd;
	uint32_t mss;               /* effective send MSS */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t sack_ok, ts_ok;
	int64_t srtt_ns, rto_ns;
	uint32_t send_queued;       /* bytes in the send buffer (unacked + unsent) */
	uint32_t retransmits;
};

#endif /* WARMPOOL_TCP_T_H */
