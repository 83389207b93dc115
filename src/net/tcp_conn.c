/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP connections and the application API (contracts: tcp.h, tcp-t.h,
 * net_impl.h; shared internals and invariants: tcp_impl.h).
 *
 * What lives here: the per-stack struct wp_tcp (create/free), listeners,
 * connection slots (preallocated, free list, flow table entry), the end of
 * a connection (`closed` callback, counting, release), every public
 * wp_tcp_* call, the timer wheel dispatch, ICMP errors and ARP failure.
 * Segment arrival is in tcp_in.c, segment output and timers in tcp_out.c.
 *
 * Ownership: all of it belongs to the lcore of the stack. Callbacks run on
 * that lcore from inside wp_net_input/wp_net_timers or from an API call,
 * and may re-enter the API on the same connection: a connection closed
 * from inside a callback is torn down at once (flow entry, queues, timers)
 * but its slot only returns to the free list when the outermost code that
 * holds it lets go (busy count, see tcp_impl.h), so no caller ever touches
 * a recycled slot.
 *
 * Choices the API leaves open, made here:
 *  - a passive connection's argument starts as the listener's; `accepted`
 *    may replace it with wp_tcp_set_arg();
 *  - `closed` is called when the application's side is over: NORMAL on
 *    entering TIME_WAIT (the slot lives on until 2 MSL, invisible to the
 *    application) or when our FIN is acknowledged in LAST_ACK;
 *  - wp_tcp_close() in FIN_WAIT_2 (or reaching it after close) arms a 60 s
 *    orphan timer (Linux's tcp_fin_timeout): a peer that never sends its
 *    FIN ends with closed(TIMEOUT);
 *  - shutdown/close before the handshake completes sends the FIN once it
 *    does; data can only be sent from ESTABLISHED/CLOSE_WAIT (-ENOTCONN);
 *  - ephemeral ports: a per-stack cursor walks ephemeral_lo..hi and takes
 *    the first port whose 4-tuple is free (one flow lookup per try), or,
 *    with conf.lport_fn (flow steering), that function picks one from the
 *    cursor as a hint and the flow table as the judge of "free";
 *  - a window update on wp_tcp_recved() needs the right edge to move by
 *    min(rcvbuf/2, MSS) (RFC 9293 receiver SWS) and, as in Linux, the
 *    window the peer knows to at least double; inside the `data`
 *    callback it rides on the ACK for that data instead.
 *
 * Counting: every connection that gets a slot (active open, SYN_RECEIVED,
 * SYN cookie) ends with exactly one stats.tcp_closed[reason]; a
 * connection entering TIME_WAIT is counted (NORMAL) and gets its `closed`
 * call on entry, but stays in the flow table - and in stats.tcp_conns -
 * until 2 MSL have passed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "tcp_impl.h"
#include "wp_mem.h"

#define TCP_LOG(level, fmt, ...) \
	RTE_LOG(level, USER1, "wp_tcp: " fmt "\n", ##__VA_ARGS__)

static const char *const state_names[WP_TCP_STATE__COUNT] = {
	[WP_TCP_CLOSED] = "CLOSED",
	[WP_TCP_LISTEN] = "LISTEN",
	[WP_TCP_SYN_SENT] = "SYN_SENT",
	[WP_TCP_SYN_RECEIVED] = "SYN_RECEIVED",
	[WP_TCP_ESTABLISHED] = "ESTABLISHED",
	[WP_TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[WP_TCP_FIN_WAIT_2] = "FIN_WAIT_2",
	[WP_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[WP_TCP_CLOSING] = "CLOSING",
	[WP_TCP_LAST_ACK] = "LAST_ACK",
	[WP_TCP_TIME_WAIT] = "TIME_WAIT",
};

static const char *const reason_names[WP_TCP_CLOSE__COUNT] = {
	[WP_TCP_CLOSE_NORMAL] = "normal",
	[WP_TCP_CLOSE_RESET] = "reset",
	[WP_TCP_CLOSE_REFUSED] = "refused",
	[WP_TCP_CLOSE_TIMEOUT] = "timeout",
	[WP_TCP_CLOSE_CONNECT_TIMEOUT] = "connect_timeout",
	[WP_TCP_CLOSE_KEEPALIVE] = "keepalive",
	[WP_TCP_CLOSE_UNREACHABLE] = "unreachable",
	[WP_TCP_CLOSE_ABORT] = "abort",
	[WP_TCP_CLOSE_SHUTDOWN] = "shutdown",
};

const char *
wp_tcp_state_name(enum wp_tcp_state s)
{
	if ((unsigned int)s >= WP_TCP_STATE__COUNT)
		return "?";
	return state_names[s];
}

const char *
wp_tcp_close_reason_name(enum wp_tcp_close_reason r)
{
	if ((unsigned int)r >= WP_TCP_CLOSE__COUNT)
		return "?";
	return reason_names[r];
}

/* ---------------------------------------------------------------- stack */

static void
timer_fire(struct wp_timer *t, void *arg)
{
	struct wp_tcp *tcp = arg;
	size_t idx = (size_t)((const char *)t - (const char *)tcp->conns) /
		     sizeof(struct wp_tcp_conn);
	struct wp_tcp_conn *c = &tcp->conns[idx];
	enum wp_tcp_timer_kind k = (enum wp_tcp_timer_kind)(t - c->t);

	if (c->state == WP_TCP_CLOSED || c->zombie)
		return;
	wp_tcp_conn_get(c);
	wp_tcp_timer_fire(c, k);
	wp_tcp_conn_put(c);
}

static uint8_t
choose_wscale(uint32_t rcvbuf)
{
	uint8_t s = 0;

	while (s < 14 && (rcvbuf >> s) > 65535)
		s++;
	return s;
}

int
wp_tcp_create(struct wp_net *net)
{
	static const struct rte_mbuf_dynfield ooo_desc = {
		.name = "wp_tcp_ooo",
		.size = sizeof(struct wp_tcp_ooo_meta),
		.align = __alignof__(struct wp_tcp_ooo_meta),
	};
	static uint32_t instances;
	const struct wp_net_conf *cf = &net->conf;
	struct wp_tcp *tcp;
	char name[32];
	uint32_t i, room;
	int err;

	tcp = wp_zmalloc_socket("wp_tcp", sizeof(*tcp), RTE_CACHE_LINE_SIZE, net->socket);
	if (tcp == NULL)
		return -ENOMEM;
	tcp->net = net;
	tcp->nconns = cf->max_conns;
	tcp->conns = wp_zmalloc_socket("wp_tcp_conns", (size_t)cf->max_conns * sizeof(*tcp->conns),
				       RTE_CACHE_LINE_SIZE, net->socket);
	if (tcp->conns == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = cf->max_conns; i-- > 0;) {
		tcp->conns[i].tcp = tcp;
		tcp->conns[i].free_next = tcp->free_list;
		tcp->free_list = &tcp->conns[i];
	}
	snprintf(name, sizeof(name), "wp_flow_w%u_%u", cf->worker,
		 __atomic_fetch_add(&instances, 1, __ATOMIC_RELAXED));
	tcp->flows = wp_flow_table_create(name, cf->max_conns, net->socket);
	if (tcp->flows == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	err = wp_timer_wheel_init(&tcp->wheel, net->now, cf->timer_tick_ns, 4096, net->socket);
	if (err != 0)
		goto fail_flows;
	tcp->ooo_dynoff = rte_mbuf_dynfield_register(&ooo_desc);
	if (tcp->ooo_dynoff < 0) {
		err = -rte_errno;
		TCP_LOG(ERR, "cannot register the mbuf dynfield (%d)", err);
		goto fail_wheel;
	}
	wp_tcp_secret_init(&tcp->secret, cf->secret_seed);
	tcp->our_wscale = cf->opt_wscale ? choose_wscale(cf->rcvbuf) : 0;
	tcp->our_mss = (uint16_t)(cf->mtu - 40);
	room = rte_pktmbuf_data_room_size(net->mp) - RTE_PKTMBUF_HEADROOM;
	tcp->mss_cap = (uint16_t)(room < tcp->our_mss ? room : tcp->our_mss);
	tcp->eph_next = (uint16_t)(cf->ephemeral_lo +
		(cf->secret_seed ^ (uint64_t)net->now) %
		((uint32_t)cf->ephemeral_hi - cf->ephemeral_lo + 1));
	net->tcp = tcp;
	return 0;
fail_wheel:
	wp_timer_wheel_fini(&tcp->wheel);
fail_flows:
	wp_flow_table_free(tcp->flows);
fail:
	wp_mfree(tcp->conns);
	wp_mfree(tcp);
	return err;
}

void
wp_tcp_free(struct wp_net *net)
{
	struct wp_tcp *tcp = net->tcp;
	struct wp_tcp_listener *l;
	uint32_t i;

	if (tcp == NULL)
		return;
	for (i = 0; i < tcp->nconns; i++) {
		struct wp_tcp_conn *c = &tcp->conns[i];

		if (c->state == WP_TCP_CLOSED)
			continue;
		if (c->state >= WP_TCP_SYN_RECEIVED && c->state != WP_TCP_TIME_WAIT)
			wp_tcp_send_rst(c);
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_SHUTDOWN);
	}
	for (i = 0; i < WP_TCP_LISTEN_BUCKETS; i++) {
		while ((l = tcp->listen[i]) != NULL) {
			tcp->listen[i] = l->next;
			wp_mfree(l);
		}
	}
	wp_timer_wheel_fini(&tcp->wheel);
	wp_flow_table_free(tcp->flows);
	wp_mfree(tcp->conns);
	wp_mfree(tcp);
	net->tcp = NULL;
}

uint32_t
wp_tcp_mbufs_held(const struct wp_net *net)
{
	return net->tcp ? net->tcp->mbufs_held : 0;
}

void
wp_tcp_timers(struct wp_net *net, int64_t now)
{
	wp_timer_wheel_run(&net->tcp->wheel, now, timer_fire, net->tcp);
}

/* ---------------------------------------------------------- connections */

struct wp_tcp_conn *
wp_tcp_conn_alloc(struct wp_tcp *tcp, const struct wp_flow_key *k)
{
	struct wp_tcp_conn *c = tcp->free_list;
	int i;

	if (c == NULL)
		return NULL;
	if (wp_flow_add(tcp->flows, k, c) != 0)
		return NULL;
	tcp->free_list = c->free_next;
	memset(c, 0, sizeof(*c));
	c->tcp = tcp;
	c->key = *k;
	for (i = 0; i < WP_TT__COUNT; i++)
		wp_timer_init(&c->t[i]);
	tcp->net->stats.tcp_conns++;
	return c;
}

void
wp_tcp_conn_init_common(struct wp_tcp_conn *c)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;

	c->rto = cf->rto_initial_ns;
	c->peer_mss = WP_TCP_DEFAULT_MSS;
	c->ssthresh = UINT32_MAX;
	c->rcv_mss = WP_TCP_DEFAULT_MSS;
	c->last_rx = c->tcp->net->now;
	wp_tcp_mss_update(c);
}

void
wp_tcp_half_unlink(struct wp_tcp_conn *c)
{
	struct wp_tcp_listener *l = c->listener;

	if (l == NULL)
		return;
	if (c->hprev)
		c->hprev->hnext = c->hnext;
	else
		l->half = c->hnext;
	if (c->hnext)
		c->hnext->hprev = c->hprev;
	c->hnext = c->hprev = NULL;
	l->backlog--;
	c->listener = NULL;
}

void
wp_tcp_conn_release(struct wp_tcp_conn *c)
{
	struct wp_tcp *tcp = c->tcp;
	int i;

	if (!c->zombie) {
		for (i = 0; i < WP_TT__COUNT; i++)
			wp_timer_cancel(&tcp->wheel, &c->t[i]);
		wp_tcp_sq_free(c);
		wp_tcp_ooo_free(c);
		wp_tcp_half_unlink(c);
		if (wp_flow_del(tcp->flows, &c->key) == 0)
			tcp->net->stats.tcp_conns--;
		if (c->state == WP_TCP_TIME_WAIT)
			tcp->net->stats.tcp_time_wait--;
		c->state = WP_TCP_CLOSED;
		c->closed_cb = true;
		c->zombie = true;
	}
	if (c->busy > 0)
		return;
	c->zombie = false;
	c->free_next = tcp->free_list;
	tcp->free_list = c;
}

bool
wp_tcp_conn_put(struct wp_tcp_conn *c)
{
	c->busy--;
	if (!c->zombie)
		return true;
	if (c->busy == 0)
		wp_tcp_conn_release(c);
	return false;
}

void
wp_tcp_conn_closed(struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	if (c->zombie)
		return;
	if (!c->closed_cb) {
		c->closed_cb = true;
		c->tcp->net->stats.tcp_closed[why]++;
		c->state = WP_TCP_CLOSED;
		if (c->app_known) {
			wp_tcp_conn_get(c);
			c->cbs.closed(c->arg, c, why);
			c->busy--;
		}
	}
	wp_tcp_conn_release(c);
}

void
wp_tcp_enter_time_wait(struct wp_tcp_conn *c)
{
	struct wp_net *net = c->tcp->net;

	if (c->state != WP_TCP_TIME_WAIT)
		net->stats.tcp_time_wait++;
	c->state = WP_TCP_TIME_WAIT;
	wp_tcp_timer_cancel(c, WP_TT_RTX);
	wp_tcp_timer_cancel(c, WP_TT_DELACK);
	wp_tcp_timer_cancel(c, WP_TT_LOSS);
	c->persist = false;
	wp_tcp_sq_free(c);
	wp_tcp_ooo_free(c);
	if (!c->closed_cb) {
		c->closed_cb = true;
		net->stats.tcp_closed[WP_TCP_CLOSE_NORMAL]++;
		if (c->app_known) {
			wp_tcp_conn_get(c);
			c->cbs.closed(c->arg, c, WP_TCP_CLOSE_NORMAL);
			c->busy--;
		}
	}
	if (net->conf.time_wait_ns == 0)
		wp_tcp_conn_release(c);
	else
		wp_tcp_timer_arm(c, WP_TT_KEEP, net->now + net->conf.time_wait_ns);
}

uint32_t
wp_tcp_initial_window(const struct wp_tcp_conn *c)
{
	uint32_t iw = 10u * c->mss;

	if (iw > 14600u && iw > 2u * c->mss)
		iw = 14600u > 2u * c->mss ? 14600u : 2u * c->mss;
	return iw;
}

void
wp_tcp_established(struct wp_tcp_conn *c, void *larg)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;

	c->state = WP_TCP_ESTABLISHED;
	c->cwnd = wp_tcp_initial_window(c);
	if (c->syn_timeout) {
		/* RFC 5681 3.1: after a lost SYN or SYN-ACK the initial window
		 * is one segment; RFC 6298 5.7: without an RTT sample (Karn
		 * forbids one from a resent SYN) the RTO starts at 3 s */
		c->cwnd = c->mss;
		if (c->srtt == 0 && c->rto < 3 * WP_TCP_NS_PER_S)
			c->rto = 3 * WP_TCP_NS_PER_S < cf->rto_max_ns ? 3 * WP_TCP_NS_PER_S :
				 cf->rto_max_ns;
	}
	c->sq_seq = c->snd_una;
	wp_tcp_keepalive_arm(c);
	if (c->fin_queued)
		c->state = WP_TCP_FIN_WAIT_1;
	if (!c->app_known) {
		/* passive: the application learns about it now */
		wp_tcp_half_unlink(c);
		c->app_known = true;
		if (c->cbs.accepted)
			c->cbs.accepted(larg, c);
	} else if (c->cbs.connected) {
		c->cbs.connected(c->arg, c);
	}
	if (!c->zombie)
		wp_tcp_output(c);
}

/* ------------------------------------------------------------ listeners */

struct wp_tcp_listener *
wp_tcp_listener_find(struct wp_tcp *tcp, uint16_t port)
{
	struct wp_tcp_listener *l = tcp->listen[port % WP_TCP_LISTEN_BUCKETS];

	while (l != NULL && l->port != port)
		l = l->next;
	return l;
}

int
wp_tcp_listen(struct wp_net *net, uint16_t port, const struct wp_tcp_cbs *cbs,
	      void *listen_arg)
{
	struct wp_tcp *tcp = net->tcp;
	struct wp_tcp_listener *l;

	if (port == 0 || cbs == NULL || cbs->closed == NULL)
		return -EINVAL;
	if (wp_tcp_listener_find(tcp, port) != NULL)
		return -EADDRINUSE;
	l = wp_zmalloc_socket("wp_tcp_listener", sizeof(*l), 0, net->socket);
	if (l == NULL)
		return -ENOMEM;
	l->port = port;
	l->cbs = *cbs;
	l->arg = listen_arg;
	l->next = tcp->listen[port % WP_TCP_LISTEN_BUCKETS];
	tcp->listen[port % WP_TCP_LISTEN_BUCKETS] = l;
	return 0;
}

int
wp_tcp_unlisten(struct wp_net *net, uint16_t port)
{
	struct wp_tcp *tcp = net->tcp;
	struct wp_tcp_listener **pp = &tcp->listen[port % WP_TCP_LISTEN_BUCKETS];
	struct wp_tcp_listener *l;

	while (*pp != NULL && (*pp)->port != port)
		pp = &(*pp)->next;
	l = *pp;
	if (l == NULL)
		return -ENOENT;
	while (l->half != NULL) {
		struct wp_tcp_conn *c = l->half;

		wp_tcp_send_rst(c);
		wp_tcp_half_unlink(c);
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_ABORT);
	}
	*pp = l->next;
	wp_mfree(l);
	return 0;
}

/* ----------------------------------------------------------- active open */

static bool
routable(const struct wp_net *net, uint32_t dst)
{
	if (dst == 0 || dst == 0xffffffffu || (dst >> 28) >= 0xe)
		return false;
	return ((dst ^ net->conf.ip) & net->netmask) == 0 || net->conf.gateway != 0;
}

static uint32_t
nexthop(const struct wp_net *net, uint32_t dst)
{
	return ((dst ^ net->conf.ip) & net->netmask) == 0 ? dst : net->conf.gateway;
}

/* wp_net_conf.lport_fn's view of the flow table: is this local port free
 * for the 4-tuple being opened? */
struct lport_probe {
	const struct wp_flow_table *flows;
	struct wp_flow_key key;
};

static int
lport_is_free(void *arg, uint16_t port)
{
	struct lport_probe *lp = arg;

	lp->key.lport = port;
	return wp_flow_lookup(lp->flows, &lp->key) == NULL;
}

int
wp_tcp_connect(struct wp_net *net, uint32_t dst, uint16_t dport, uint16_t sport,
	       const struct wp_tcp_cbs *cbs, void *arg, struct wp_tcp_conn **out)
{
	struct wp_tcp *tcp = net->tcp;
	const struct wp_net_conf *cf = &net->conf;
	struct wp_flow_key k = { .rip = dst, .lip = cf->ip, .rport = dport };
	struct wp_tcp_conn *c;
	uint32_t range, tries;
	int err;

	if (cbs == NULL || cbs->closed == NULL || dport == 0 || out == NULL)
		return -EINVAL;
	if (!routable(net, dst) || dst == cf->ip)
		return -ENETUNREACH;
	if (tcp->free_list == NULL || wp_flow_count(tcp->flows) >= tcp->nconns)
		return -ENOSPC;
	if (sport != 0) {
		k.lport = sport;
		if (wp_flow_lookup(tcp->flows, &k) != NULL)
			return -EADDRINUSE;
	} else if (cf->lport_fn != NULL) {
		struct lport_probe lp = { .flows = tcp->flows, .key = k };

		k.lport = cf->lport_fn(cf->lport_arg, dst, dport, cf->ip, tcp->eph_next,
				       cf->ephemeral_lo, cf->ephemeral_hi, lport_is_free, &lp);
		if (k.lport == 0 || k.lport < cf->ephemeral_lo || k.lport > cf->ephemeral_hi ||
		    wp_flow_lookup(tcp->flows, &k) != NULL)
			return -EADDRINUSE;
		tcp->eph_next = k.lport >= cf->ephemeral_hi ? cf->ephemeral_lo
							    : (uint16_t)(k.lport + 1);
	} else {
		range = (uint32_t)cf->ephemeral_hi - cf->ephemeral_lo + 1;
		for (tries = 0; tries < range; tries++) {
			k.lport = tcp->eph_next;
			tcp->eph_next = tcp->eph_next >= cf->ephemeral_hi ?
					cf->ephemeral_lo : (uint16_t)(tcp->eph_next + 1);
			if (wp_flow_lookup(tcp->flows, &k) == NULL)
				break;
		}
		if (tries == range)
			return -EADDRINUSE;
	}
	c = wp_tcp_conn_alloc(tcp, &k);
	if (c == NULL)
		return -ENOSPC;
	wp_tcp_conn_init_common(c);
	c->active = true;
	c->cbs = *cbs;
	c->arg = arg;
	c->state = WP_TCP_SYN_SENT;
	c->iss = wp_tcp_isn(&tcp->secret, &k, net->now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->ts_off = 0;
	wp_tcp_conn_get(c);
	err = wp_tcp_xmit(c, c->iss, 0, WP_TH_SYN);
	c->snd_nxt = c->iss + 1;
	if (err == -ENETUNREACH) {
		c->closed_cb = true;           /* the application never had it */
		net->stats.tcp_closed[WP_TCP_CLOSE_UNREACHABLE]++;
		wp_tcp_conn_release(c);
		wp_tcp_conn_put(c);
		return -ENETUNREACH;
	}
	wp_tcp_rtx_arm(c);
	c->app_known = true;
	net->stats.tcp_active_opens++;
	wp_tcp_conn_put(c);
	*out = c;
	return 0;
}

void
wp_tcp_set_arg(struct wp_tcp_conn *c, void *arg)
{
	c->arg = arg;
}

void *
wp_tcp_get_arg(const struct wp_tcp_conn *c)
{
	return c->arg;
}

/* ------------------------------------------------------------- data API */

static bool
can_send(const struct wp_tcp_conn *c)
{
	return (c->state == WP_TCP_ESTABLISHED || c->state == WP_TCP_CLOSE_WAIT) &&
	       !c->fin_queued && !c->zombie;
}

uint32_t
wp_tcp_send_space(const struct wp_tcp_conn *c)
{
	uint32_t buf = c->tcp->net->conf.sndbuf;

	if (!can_send(c))
		return 0;
	return c->sq_bytes >= buf ? 0 : buf - c->sq_bytes;
}

int
wp_tcp_send(struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	const struct rte_mbuf *s;
	uint64_t len = 0;

	if (m == NULL)
		return -EINVAL;
	if (!can_send(c))
		return -ENOTCONN;
	for (s = m; s != NULL; s = s->next)
		len += s->data_len;
	if (len > wp_tcp_send_space(c))
		return -ENOBUFS;
	if (len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	wp_tcp_sq_append(c, m, (uint32_t)len);
	wp_tcp_conn_get(c);
	wp_tcp_output(c);
	wp_tcp_conn_put(c);
	return 0;
}

int
wp_tcp_send_bytes(struct wp_tcp_conn *c, const void *buf, uint32_t len)
{
	struct rte_mempool *mp = c->tcp->net->mp;
	struct rte_mbuf *head = NULL, *tail = NULL, *m;
	const uint8_t *p = buf;
	uint32_t off = 0, n, room;
	char *d;

	if (!can_send(c))
		return -ENOTCONN;
	if (len > wp_tcp_send_space(c))
		return -ENOBUFS;
	if (len == 0)
		return 0;
	while (off < len) {
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL) {
			rte_pktmbuf_free(head);
			return -ENOMEM;
		}
		room = rte_pktmbuf_tailroom(m);
		n = len - off < room ? len - off : room;
		d = rte_pktmbuf_append(m, (uint16_t)n);
		memcpy(d, p + off, n);
		off += n;
		if (head == NULL) {
			head = tail = m;
		} else {
			tail->next = m;
			tail = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
	}
	return wp_tcp_send(c, head);
}

void
wp_tcp_recved(struct wp_tcp_conn *c, uint32_t len)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;
	uint32_t thresh, right, adv;

	if (c->zombie || c->state == WP_TCP_CLOSED)
		return;
	c->rcv_unread -= len < c->rcv_unread ? len : c->rcv_unread;
	if (c->state != WP_TCP_ESTABLISHED && c->state != WP_TCP_FIN_WAIT_1 &&
	    c->state != WP_TCP_FIN_WAIT_2)
		return;
	/* receiver SWS avoidance (RFC 9293 3.8.6.2.2): update when the right
	 * edge can move by min(rcvbuf/2, MSS), and (like Linux) only when
	 * that at least doubles the window the peer knows, so an application
	 * that keeps up does not turn every delayed ACK into an immediate one */
	thresh = cf->rcvbuf / 2 < c->tcp->our_mss ? cf->rcvbuf / 2 : c->tcp->our_mss;
	{
		uint32_t w = wp_tcp_rcv_space(c) >> c->rcv_wscale;

		right = c->rcv_nxt + ((w > 65535 ? 65535 : w) << c->rcv_wscale);
	}
	adv = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	if (!seq_gt(right, c->rcv_adv) || right - c->rcv_adv < thresh ||
	    right - c->rcv_nxt < 2 * adv)
		return;
	if (c->in_rx) {
		c->wnd_update = true;      /* the ACK after this delivery carries it */
		return;
	}
	wp_tcp_conn_get(c);
	wp_tcp_send_ack(c);
	wp_tcp_conn_put(c);
}

int
wp_tcp_shutdown(struct wp_tcp_conn *c)
{
	if (c->zombie || c->closed_cb)
		return -ENOTCONN;
	if (c->fin_queued)
		return 0;
	switch (c->state) {
	case WP_TCP_SYN_SENT:
	case WP_TCP_SYN_RECEIVED:
		c->fin_queued = true;    /* FIN once established */
		return 0;
	case WP_TCP_ESTABLISHED:
		c->state = WP_TCP_FIN_WAIT_1;
		break;
	case WP_TCP_CLOSE_WAIT:
		c->state = WP_TCP_LAST_ACK;
		break;
	default:
		return -ENOTCONN;
	}
	c->fin_queued = true;
	wp_tcp_conn_get(c);
	wp_tcp_output(c);
	wp_tcp_conn_put(c);
	return 0;
}

int
wp_tcp_close(struct wp_tcp_conn *c)
{
	int err;

	if (c->zombie || c->closed_cb)
		return -ENOTCONN;
	c->app_closed = true;
	err = wp_tcp_shutdown(c);
	if (err == 0 && !c->zombie && c->state == WP_TCP_FIN_WAIT_2)
		wp_tcp_timer_arm(c, WP_TT_KEEP, c->tcp->net->now + WP_TCP_FIN_WAIT_2_NS);
	return err;
}

void
wp_tcp_abort(struct wp_tcp_conn *c)
{
	if (c->zombie || c->closed_cb)
		return;
	wp_tcp_conn_get(c);
	if (c->state >= WP_TCP_SYN_RECEIVED && c->state != WP_TCP_TIME_WAIT)
		wp_tcp_send_rst(c);
	wp_tcp_conn_closed(c, WP_TCP_CLOSE_ABORT);
	wp_tcp_conn_put(c);
}

void
wp_tcp_info(const struct wp_tcp_conn *c, struct wp_tcp_info *o)
{
	memset(o, 0, sizeof(*o));
	o->state = c->state;
	o->local_ip = c->key.lip;
	o->remote_ip = c->key.rip;
	o->local_port = c->key.lport;
	o->remote_port = c->key.rport;
	o->snd_una = c->snd_una;
	o->snd_nxt = c->snd_nxt;
	o->snd_wnd = c->snd_wnd;
	o->cwnd = c->cwnd;
	o->ssthresh = c->ssthresh;
	o->rcv_nxt = c->rcv_nxt;
	o->rcv_wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	o->mss = c->mss;
	o->snd_wscale = c->snd_wscale;
	o->rcv_wscale = c->rcv_wscale;
	o->sack_ok = c->sack_ok;
	o->ts_ok = c->ts_ok;
	o->srtt_ns = c->srtt;
	o->rto_ns = wp_tcp_rto_now(c);
	o->send_queued = c->sq_bytes;
	o->retransmits = c->retransmits;
}

/* ----------------------------------------------------- errors from below */

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void
wp_tcp_icmp_error(struct wp_net *net, uint8_t type, uint8_t code, uint16_t mtu,
		  const uint8_t *inner, uint32_t len)
{
	struct wp_tcp *tcp = net->tcp;
	struct wp_flow_key k;
	struct wp_tcp_conn *c;
	uint32_t ihl, seq;

	if (inner == NULL || len < 20)
		return;
	ihl = (uint32_t)(inner[0] & 0x0f) * 4;
	if (ihl < 20 || len < ihl + 8 || inner[9] != WP_IPPROTO_TCP)
		return;
	k.lip = rd32(inner + 12);
	k.rip = rd32(inner + 16);
	k.lport = (uint16_t)((inner[ihl] << 8) | inner[ihl + 1]);
	k.rport = (uint16_t)((inner[ihl + 2] << 8) | inner[ihl + 3]);
	seq = rd32(inner + ihl + 4);
	c = wp_flow_lookup(tcp->flows, &k);
	if (c == NULL || c->zombie || c->state == WP_TCP_TIME_WAIT)
		return;
	/* RFC 5927 section 4.1 / RFC 5961: the quoted sequence must be in
	 * flight, or this is a blind attack */
	if (seq_lt(seq, c->snd_una) || seq_geq(seq, c->snd_max))
		return;
	if (type != 3)
		return;                   /* time exceeded, parameter problem: soft */
	wp_tcp_conn_get(c);
	if (code == 4) {                  /* fragmentation needed (RFC 1191) */
		uint16_t pm = mtu < 576 ? 576 : mtu;

		if (pm - 40 < c->peer_mss) {
			c->peer_mss = (uint16_t)(pm - 40);
			wp_tcp_mss_update(c);
			if (wp_tcp_synchronised(c->state) && c->snd_nxt != c->snd_una) {
				c->snd_nxt = c->snd_una;   /* resend at the new size */
				wp_tcp_output(c);
			}
		}
	} else if ((code == 2 || code == 3) && c->state == WP_TCP_SYN_SENT) {
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_UNREACHABLE);
	}
	wp_tcp_conn_put(c);
}

void
wp_tcp_unreachable(struct wp_net *net, uint32_t ip)
{
	struct wp_tcp *tcp = net->tcp;
	uint32_t i;

	for (i = 0; i < tcp->nconns; i++) {
		struct wp_tcp_conn *c = &tcp->conns[i];

		if (c->state == WP_TCP_SYN_SENT && !c->zombie && nexthop(net, c->key.rip) == ip)
			wp_tcp_conn_closed(c, WP_TCP_CLOSE_UNREACHABLE);
	}
}
