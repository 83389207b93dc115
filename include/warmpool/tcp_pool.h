/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP transport under a session pool (DESIGN.md sections 2 and 3).
 *
 * One transport serves one pool: one (worker, backend) pair. It implements
 * the pool's transport ops (connect, close, probe) on the worker's TCP
 * stack and turns what TCP reports into pool events:
 *
 *   TCP connected                 -> wp_pool_connected
 *   TCP closed / peer FIN / RST   -> wp_pool_lost (PEER_FIN, PEER_RST,
 *                                    CONNECT_FAILED, CONNECT_TIMEOUT)
 *   bytes on an idle session      -> the session is desynchronised: closed
 *                                    and reported lost (PROTOCOL)
 *   bytes on a leased session     -> app->data
 *
 * A backend's idle FIN (keep-alive timeout on the server) is therefore
 * noticed at once and the pool replaces the session.
 *
 * The pool's application callbacks (granted, failed, leak, is_reusable)
 * are passed through to `app`. Everything lives on the worker's lcore.
 * The pool never reads a clock and neither do TCP's callbacks, so the
 * transport keeps the `now` of its last wp_tcp_transport_tick().
 */
#ifndef WARMPOOL_TCP_POOL_H
#define WARMPOOL_TCP_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/net-t.h>
#include <warmpool/pool-t.h>
#include <warmpool/tcp-t.h>

struct rte_mbuf;
struct wp_pool;

struct wp_tcp_transport_app {
	/* Bytes from the backend on a leased session; the app owns `m` and
	 * must call wp_tcp_recved() on the session's connection when done. */
	void (*data)(void *app_arg, uint32_t sid, struct rte_mbuf *m);
	/* A leased session ended under the application (before this call
	 * the pool has already been told: the lease is dead). */
	void (*lost)(void *app_arg, uint32_t sid, enum wp_close_reason why);
	/* Pool pass-through (see struct wp_pool_ops). */
	bool (*is_reusable)(void *app_arg, uint32_t sid);
	void (*granted)(void *app_arg, uint64_t tag, struct wp_lease lease);
	void (*failed)(void *app_arg, uint64_t tag, int err);
	void (*leak)(void *app_arg, struct wp_lease lease, uint64_t holder, int64_t held_ns);
};

struct wp_tcp_transport_conf {
	struct wp_net *net;
	uint32_t backend_ip;       /* host order */
	uint16_t backend_port;
	uint32_t max_sessions;     /* the pool's max_sessions (its capacity) */
	const struct wp_tcp_transport_app *app;   /* granted and failed required */
	void *app_arg;
};

struct wp_tcp_transport_stats {
	uint64_t connects;
	uint64_t connect_errors;   /* wp_tcp_connect refused at once */
	uint64_t desync;           /* bytes arrived on an idle session */
	uint64_t lost[WP_TCP_CLOSE__COUNT];   /* sessions TCP ended, by reason */
	uint32_t open;             /* gauge: connections attached to sids */
	uint32_t detached;         /* gauge: closing after the pool let them go */
};

struct wp_tcp_transport;

/* NULL + errno (EINVAL, ENOMEM). */
struct wp_tcp_transport *wp_tcp_transport_create(const struct wp_tcp_transport_conf *conf,
						 int socket);
/* The ops table to give wp_pool_create() with the transport as ctx. */
const struct wp_pool_ops *wp_tcp_transport_ops(void);
/* Bind the pool created with those ops (once, before the first tick). */
void wp_tcp_transport_attach(struct wp_tcp_transport *t, struct wp_pool *pool);
/* Remember `now` for the events TCP reports, then wp_pool_tick(). */
void wp_tcp_transport_tick(struct wp_tcp_transport *t, int64_t now);
/* The connection behind a session (NULL if none): send on it while leased. */
struct wp_tcp_conn *wp_tcp_transport_conn(const struct wp_tcp_transport *t, uint32_t sid);
void wp_tcp_transport_stats(const struct wp_tcp_transport *t, struct wp_tcp_transport_stats *out);
/* Abort whatever is still attached or closing and free. Shut the pool
 * down and free it first. */
void wp_tcp_transport_free(struct wp_tcp_transport *t);

#endif /* WARMPOOL_TCP_POOL_H */
