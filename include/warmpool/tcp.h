/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP for applications on a per-core stack (types in tcp-t.h). Every call
 * is made on the lcore that owns the stack. Negative errno-style returns. */
#ifndef WARMPOOL_TCP_H
#define WARMPOOL_TCP_H

#include <warmpool/net-t.h>
#include <warmpool/tcp-t.h>

/* Accept connections to local `port`. -EADDRINUSE if already listening,
 * -ENOMEM. Callbacks are copied. */
int wp_tcp_listen(struct wp_net *net, uint16_t port,
		  const struct wp_tcp_cbs *cbs, void *listen_arg);

/* Stop listening: half-open connections are dropped (RST), established
 * ones are unaffected. -ENOENT if not listening. */
int wp_tcp_unlisten(struct wp_net *net, uint16_t port);

/* Open a connection to dst:dport from local port `sport` (0 = pick a free
 * ephemeral port). Sends the SYN (or queues it behind ARP resolution).
 * *out is valid until `closed`. -EADDRINUSE (tuple taken / no free port),
 * -ENOSPC (flow table full), -ENETUNREACH (no route), -ENOMEM. */
int wp_tcp_connect(struct wp_net *net, uint32_t dst, uint16_t dport,
		   uint16_t sport, const struct wp_tcp_cbs *cbs, void *arg,
		   struct wp_tcp_conn **out);

void wp_tcp_set_arg(struct wp_tcp_conn *c, void *arg);
void *wp_tcp_get_arg(const struct wp_tcp_conn *c);

/* Queue the chain `m` for sending. On 0 the stack owns `m`; on error the
 * caller still does. -ENOBUFS: exceeds free send space (nothing queued);
 * -ENOTCONN: not yet or no longer able to send (after shutdown/close). */
int wp_tcp_send(struct wp_tcp_conn *c, struct rte_mbuf *m);

/* Copy `len` bytes into fresh mbufs and queue them. Same errors, and
 * -ENOMEM when the mempool is empty. */
int wp_tcp_send_bytes(struct wp_tcp_conn *c, const void *buf, uint32_t len);

/* Bytes that wp_tcp_send() would accept now. */
uint32_t wp_tcp_send_space(const struct wp_tcp_conn *c);

/* The application consumed `len` bytes delivered by `data`: reopen the
 * receive window by that much (a window update is sent when it grows
 * enough to matter, RFC 9293 receiver SWS avoidance). */
void wp_tcp_recved(struct wp_tcp_conn *c, uint32_t len);

/* Send FIN after everything queued (half-close); receiving continues. */
int wp_tcp_shutdown(struct wp_tcp_conn *c);

/* shutdown() and stop delivering data (later data is acknowledged and
 * freed). `closed` follows when the connection has fully ended. */
int wp_tcp_close(struct wp_tcp_conn *c);

/* Send RST and end the connection now: `closed` (WP_TCP_CLOSE_ABORT) is
 * called before this returns. */
void wp_tcp_abort(struct wp_tcp_conn *c);

void wp_tcp_info(const struct wp_tcp_conn *c, struct wp_tcp_info *out);

const char *wp_tcp_state_name(enum wp_tcp_state s);
const char *wp_tcp_close_reason_name(enum wp_tcp_close_reason r);

#endif /* WARMPOOL_TCP_H */
