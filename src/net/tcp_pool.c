/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP transport for a session pool: see include/warmpool/tcp_pool.h.
 *
 * State, owned by the worker's lcore: one slot per pool sid. A slot holds
 * the connection attached to the sid (`conn`, the pool knows about it)
 * and at most one connection the pool has already let go that is still
 * closing (`closing`, FIN exchange in progress). Every TCP callback gets
 * the slot as its argument and tells the two apart by pointer, so a sid
 * can be reused for a new connect while its previous connection finishes
 * closing. Invariants:
 *   - conn != NULL  <=> the pool's session sid is CONNECTING, IDLE or LEASED
 *   - a connection is never both a slot's conn and its closing
 *   - the pool hears about a session's end exactly once: from the pool
 *     itself (ops.close) or from TCP (wp_pool_lost), never both.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include <warmpool/net.h>
#include <warmpool/pool.h>
#include <warmpool/tcp.h>
#include <warmpool/tcp_pool.h>

#include "wp_mem.h"

#define TP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, RTE_LOGTYPE_USER1, "wp_tcp_pool: " fmt "\n", ##__VA_ARGS__)

struct tp_slot {
	struct wp_tcp_transport *t;
	uint32_t sid;
	struct wp_tcp_conn *conn;
	struct wp_tcp_conn *closing;
};

struct wp_tcp_transport {
	struct wp_tcp_transport_conf conf;
	struct wp_pool *pool;
	int64_t now;
	struct wp_tcp_transport_stats st;
	struct tp_slot slots[];
};

static enum wp_close_reason
pool_reason(enum wp_tcp_close_reason why, bool connecting)
{
	switch (why) {
	case WP_TCP_CLOSE_NORMAL:
		return WP_CLOSE_PEER_FIN;
	case WP_TCP_CLOSE_CONNECT_TIMEOUT:
		return WP_CLOSE_CONNECT_TIMEOUT;
	case WP_TCP_CLOSE_REFUSED:
	case WP_TCP_CLOSE_UNREACHABLE:
		return WP_CLOSE_CONNECT_FAILED;
	default:
		return connecting ? WP_CLOSE_CONNECT_FAILED : WP_CLOSE_PEER_RST;
	}
}

/* TCP ended (or is ending) the session attached to `s`: detach it and tell
 * the pool once; a leased session is also reported to the application. */
static void
slot_lost(struct tp_slot *s, enum wp_close_reason why)
{
	struct wp_tcp_transport *t = s->t;
	bool was_leased = wp_pool_session_state(t->pool, s->sid) == WP_SESS_LEASED;

	s->conn = NULL;
	t->st.open--;
	wp_pool_lost(t->pool, s->sid, why, t->now);
	if (was_leased && t->conf.app->lost != NULL)
		t->conf.app->lost(t->conf.app_arg, s->sid, why);
}

/* ---- TCP callbacks ------------------------------------------------------ */

static void
cb_connected(void *arg, struct wp_tcp_conn *c)
{
	struct tp_slot *s = arg;

	if (c == s->conn)
		wp_pool_connected(s->t->pool, s->sid, s->t->now);
}

static void
cb_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct tp_slot *s = arg;
	struct wp_tcp_transport *t = s->t;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (c != s->conn) {             /* closing: the pool let it go */
		wp_tcp_recved(c, len);
		rte_pktmbuf_free(m);
		return;
	}
	if (wp_pool_session_state(t->pool, s->sid) == WP_SESS_LEASED) {
		t->conf.app->data(t->conf.app_arg, s->sid, m);
		return;
	}
	/* Bytes nobody asked for: whoever reads this session next would get
	 * them as the answer to its request. Never lend it again. */
	t->st.desync++;
	TP_LOG(NOTICE, "backend %u: %u unexpected bytes on idle session %u, closing",
	       wp_pool_backend(t->pool), len, s->sid);
	wp_tcp_recved(c, len);
	rte_pktmbuf_free(m);
	s->closing = c;
	t->st.detached++;
	slot_lost(s, WP_CLOSE_PROTOCOL);
	wp_tcp_abort(c);
}

static void
cb_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	struct tp_slot *s = arg;

	if (c != s->conn)
		return;
	/* The backend will not answer on this connection any more (idle
	 * timeout on its side, or closing after a response): finish the
	 * close from our side and let the pool replace the session. */
	if (s->closing != NULL)
		wp_tcp_abort(s->closing);
	s->closing = c;
	s->t->st.detached++;
	slot_lost(s, WP_CLOSE_PEER_FIN);
	wp_tcp_close(c);
}

static void
cb_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct tp_slot *s = arg;
	struct wp_tcp_transport *t = s->t;

	if (c == s->closing) {
		s->closing = NULL;
		t->st.detached--;
		return;
	}
	if (c != s->conn)
		return;
	t->st.lost[why]++;
	slot_lost(s, pool_reason(why, wp_pool_session_state(t->pool, s->sid) ==
				     WP_SESS_CONNECTING));
}

static const struct wp_tcp_cbs tp_tcp_cbs = {
	.connected = cb_connected,
	.data = cb_data,
	.peer_closed = cb_peer_closed,
	.closed = cb_closed,
};

/* ---- pool ops ------------------------------------------------------------ */

static int
op_connect(void *ctx, uint16_t backend, uint32_t sid)
{
	struct wp_tcp_transport *t = ctx;
	struct tp_slot *s;
	struct wp_tcp_conn *c;
	int ret;

	(void)backend;
	if (sid >= t->conf.max_sessions)
		return -ERANGE;
	s = &t->slots[sid];
	ret = wp_tcp_connect(t->conf.net, t->conf.backend_ip, t->conf.backend_port, 0,
			     &tp_tcp_cbs, s, &c);
	if (ret < 0) {
		t->st.connect_errors++;
		return ret;
	}
	s->conn = c;
	t->st.connects++;
	t->st.open++;
	return 0;
}

static void
op_close(void *ctx, uint32_t sid, enum wp_close_reason why)
{
	struct wp_tcp_transport *t = ctx;
	struct tp_slot *s = &t->slots[sid];
	struct wp_tcp_conn *c = s->conn;
	struct wp_tcp_info info;

	if (c == NULL)
		return;
	s->conn = NULL;
	t->st.open--;
	wp_tcp_info(c, &info);
	/* Not yet connected, or desynchronised: nothing to finish politely. */
	if (info.state == WP_TCP_SYN_SENT || why == WP_CLOSE_PROTOCOL ||
	    why == WP_CLOSE_CONNECT_TIMEOUT || why == WP_CLOSE_LEAK_RECLAIM) {
		wp_tcp_abort(c);
		return;
	}
	if (s->closing != NULL)
		wp_tcp_abort(s->closing);
	s->closing = c;
	t->st.detached++;
	wp_tcp_close(c);
}

static int
op_probe(void *ctx, uint32_t sid)
{
	struct wp_tcp_transport *t = ctx;
	struct wp_tcp_info info;

	if (t->slots[sid].conn == NULL)
		return -ENOTCONN;
	wp_tcp_info(t->slots[sid].conn, &info);
	return info.state == WP_TCP_ESTABLISHED ? 0 : -ENOTCONN;
}

static bool
op_is_reusable(void *ctx, uint32_t sid)
{
	struct wp_tcp_transport *t = ctx;
	struct wp_tcp_info info;

	if (t->slots[sid].conn == NULL)
		return false;
	wp_tcp_info(t->slots[sid].conn, &info);
	if (info.state != WP_TCP_ESTABLISHED)
		return false;
	if (t->conf.app->is_reusable != NULL)
		return t->conf.app->is_reusable(t->conf.app_arg, sid);
	return true;
}

static void
op_granted(void *ctx, uint64_t tag, struct wp_lease lease)
{
	struct wp_tcp_transport *t = ctx;

	t->conf.app->granted(t->conf.app_arg, tag, lease);
}

static void
op_failed(void *ctx, uint64_t tag, int err)
{
	struct wp_tcp_transport *t = ctx;

	t->conf.app->failed(t->conf.app_arg, tag, err);
}

static void
op_leak(void *ctx, struct wp_lease lease, uint64_t holder, int64_t held_ns)
{
	struct wp_tcp_transport *t = ctx;

	if (t->conf.app->leak != NULL)
		t->conf.app->leak(t->conf.app_arg, lease, holder, held_ns);
}

static const struct wp_pool_ops tp_pool_ops = {
	.connect = op_connect,
	.close = op_close,
	.probe = op_probe,
	.is_reusable = op_is_reusable,
	.granted = op_granted,
	.failed = op_failed,
	.leak = op_leak,
};

/* ---- lifecycle ------------------------------------------------------------ */

const struct wp_pool_ops *
wp_tcp_transport_ops(void)
{
	return &tp_pool_ops;
}

struct wp_tcp_transport *
wp_tcp_transport_create(const struct wp_tcp_transport_conf *conf, int socket)
{
	struct wp_tcp_transport *t;

	if (conf == NULL || conf->net == NULL || conf->app == NULL ||
	    conf->app->granted == NULL || conf->app->failed == NULL ||
	    conf->app->data == NULL || conf->max_sessions == 0 ||
	    conf->backend_ip == 0 || conf->backend_port == 0) {
		TP_LOG(ERR, "create: need net, backend address and port, max_sessions >= 1, "
		       "and app callbacks data, granted and failed");
		errno = EINVAL;
		return NULL;
	}
	t = wp_zmalloc_socket("wp_tcp_transport",
			      sizeof(*t) + conf->max_sessions * sizeof(t->slots[0]),
			      RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t->conf = *conf;
	for (uint32_t i = 0; i < conf->max_sessions; i++) {
		t->slots[i].t = t;
		t->slots[i].sid = i;
	}
	return t;
}

void
wp_tcp_transport_attach(struct wp_tcp_transport *t, struct wp_pool *pool)
{
	t->pool = pool;
}

void
wp_tcp_transport_tick(struct wp_tcp_transport *t, int64_t now)
{
	t->now = now;
	wp_pool_tick(t->pool, now);
}

struct wp_tcp_conn *
wp_tcp_transport_conn(const struct wp_tcp_transport *t, uint32_t sid)
{
	return sid < t->conf.max_sessions ? t->slots[sid].conn : NULL;
}

void
wp_tcp_transport_stats(const struct wp_tcp_transport *t, struct wp_tcp_transport_stats *out)
{
	*out = t->st;
}

void
wp_tcp_transport_free(struct wp_tcp_transport *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->conf.max_sessions; i++) {
		struct tp_slot *s = &t->slots[i];
		struct wp_tcp_conn *c;

		/* abort() calls `closed` synchronously; clear first so the
		 * callback sees neither pointer and touches nothing. */
		if ((c = s->closing) != NULL) {
			s->closing = NULL;
			wp_tcp_abort(c);
		}
		if ((c = s->conn) != NULL) {
			s->conn = NULL;
			wp_tcp_abort(c);
		}
	}
	wp_mfree(t);
}
