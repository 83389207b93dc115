/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP segment arrival (RFC 9293 section 3.10.7), listeners and SYN cookies,
 * the RFC 5961 checks against blind attacks, PAWS (RFC 7323), the
 * receive path (in-order delivery, out-of-order queue) and the ACK side of
 * congestion control (RFC 5681 / RFC 6582 NewReno). Internals: tcp_impl.h.
 *
 * Receive path, zero copy: the received mbuf itself is handed to the
 * application after rte_pktmbuf_adj() has removed the headers and the
 * segment has been trimmed to its acceptable part. Out-of-order segments
 * are kept (at most conf.ooo_max) sorted and non-overlapping, and handed
 * over when the hole fills.
 *
 * The receive window is rcvbuf minus the bytes delivered but not yet
 * wp_tcp_recved(), measured from rcv_nxt; out-of-order bytes sit inside
 * that window (they are in [rcv_nxt, rcv_adv)), so they are counted when
 * they are delivered. The advertised right edge never moves left.
 *
 * Choices: data on a SYN is held (out-of-order queue at irs + 1) and
 * delivered when the handshake completes, data on a SYN-ACK is delivered
 * at once (data on a simultaneous-open SYN and on a cookie SYN is not
 * kept: the peer resends it); NewReno leaves recovery with cwnd =
 * min(ssthresh, max(flight, MSS) + MSS) (RFC 6582 3.2 step 3, option 1),
 * with SACK cwnd = ssthresh (option 2); losses are found by duplicate
 * ACKs and SACK (tcp_sack.c) and by the loss timer (tcp_recovery.c); a
 * SYN for a tuple in TIME_WAIT with a higher sequence number or timestamp
 * ends the TIME_WAIT and opens a new connection (RFC 6191 style, as
 * Linux); RST in TIME_WAIT ends it (Linux's default, not RFC 1337); the
 * ACK of a peer's FIN in CLOSE_WAIT is delayed like a data ACK so the
 * application's answer or FIN can carry it; segments without a timestamp
 * on a timestamp connection are accepted (as Linux, where RFC 7323 says
 * drop); an ACK whose SYN cookie does not check is dropped without the
 * RST of RFC 9293 3.10.7.2 (it may be a cookie connection's later segment
 * arriving first); a SYN_RECEIVED connection answered with the ACK of a
 * cookie for the same SYN becomes the cookie's connection.
 *
 * Every segment that is not consumed (delivered, queued) is freed: through
 * wp_net_drop with its reason when it is refused, plainly when it was
 * processed (a pure ACK, a RST that ended a connection).
 *
 * Ownership: stack lcore only. A connection is held (busy) for the whole
 * of its segment's processing; after every application callback the code
 * checks `zombie` and stops if the application ended the connection.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp_impl.h"

#define COOKIE_LIFETIME_NS (128LL * 1000000000LL)  /* two cookie periods */

struct seg {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint32_t len;            /* payload bytes */
	struct wp_tcp_opts o;
};

static inline uint32_t
seg_len(const struct seg *s)
{
	return s->len + ((s->flags & WP_TH_SYN) ? 1 : 0) + ((s->flags & WP_TH_FIN) ? 1 : 0);
}

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* --------------------------------------------------------- mbuf helpers */

/* Remove `n` bytes from the front of chain `m` (n < pkt_len); returns the
 * new head (leading segments emptied are freed). */
static struct rte_mbuf *
chain_adj(struct rte_mbuf *m, uint32_t n)
{
	struct rte_mbuf *next;

	while (n > 0 && n >= m->data_len && m->next != NULL) {
		next = m->next;
		n -= m->data_len;
		next->pkt_len = m->pkt_len - m->data_len;
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (n > 0)
		rte_pktmbuf_adj(m, (uint16_t)n);
	return m;
}

/* Keep the first `keep` bytes of chain `m` (0 < keep <= pkt_len). */
static void
chain_keep(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *s = m;
	uint32_t acc = 0;
	uint16_t nseg = 1;

	if (keep >= m->pkt_len)
		return;
	while (acc + s->data_len < keep) {
		acc += s->data_len;
		s = s->next;
		nseg++;
	}
	s->data_len = (uint16_t)(keep - acc);
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->pkt_len = keep;
	m->nb_segs = nseg;
}

/* ------------------------------------------------------ out-of-order queue */

static inline struct wp_tcp_ooo_meta *
meta(struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	return wp_tcp_ooo_meta(c->tcp, m);
}

static void
ooo_unlink_count(struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	c->ooo_n--;
	c->ooo_bytes -= m->pkt_len;
	c->ooo_segs -= m->nb_segs;
	c->tcp->mbufs_held -= m->nb_segs;
}

void
wp_tcp_ooo_free(struct wp_tcp_conn *c)
{
	struct rte_mbuf *m;

	while ((m = c->ooo) != NULL) {
		c->ooo = meta(c, m)->next;
		ooo_unlink_count(c, m);
		rte_pktmbuf_free(m);
	}
	c->ooo_fin = false;
}

/* Queue [seq, seq+len) (after rcv_nxt, inside the window). Returns false
 * if it was dropped (queue full). */
static bool
ooo_insert(struct wp_tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	struct wp_net *net = c->tcp->net;
	struct rte_mbuf *prev = NULL, *cur = c->ooo, *next;
	uint32_t end = seq + len, pend, cend;

	while (cur != NULL && seq_lt(meta(c, cur)->seq, seq)) {
		prev = cur;
		cur = meta(c, cur)->next;
	}
	if (prev != NULL) {
		pend = meta(c, prev)->seq + prev->pkt_len;
		if (seq_geq(pend, end)) {
			net->stats.tcp_dup_segs++;
			rte_pktmbuf_free(m);
			return true;            /* already have all of it */
		}
		if (seq_gt(pend, seq)) {
			m = chain_adj(m, pend - seq);
			seq = pend;
		}
	}
	while (cur != NULL && seq_lt(meta(c, cur)->seq, end)) {
		cend = meta(c, cur)->seq + cur->pkt_len;
		if (seq_leq(cend, end)) {       /* covered by the new one */
			next = meta(c, cur)->next;
			if (prev)
				meta(c, prev)->next = next;
			else
				c->ooo = next;
			ooo_unlink_count(c, cur);
			rte_pktmbuf_free(cur);
			cur = next;
		} else {
			chain_keep(m, meta(c, cur)->seq - seq);
			end = meta(c, cur)->seq;
			break;
		}
	}
	if (c->ooo_n >= net->conf.ooo_max) {
		wp_net_drop(net, m, WP_DROP_TCP_OOO_FULL);
		return false;
	}
	meta(c, m)->seq = seq;
	meta(c, m)->next = cur;
	if (prev)
		meta(c, prev)->next = m;
	else
		c->ooo = m;
	c->ooo_n++;
	c->ooo_bytes += m->pkt_len;
	c->ooo_segs += m->nb_segs;
	c->tcp->mbufs_held += m->nb_segs;
	net->stats.tcp_ooo_segs++;
	return true;
}

/* ------------------------------------------------------------- receive */

/* Hand in-order bytes to the application (or discard them after close). */
static void
deliver(struct wp_tcp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	if (c->app_closed || c->cbs.data == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	c->rcv_unread += len;
	c->in_rx = true;
	c->cbs.data(c->arg, c, m);
	c->in_rx = false;
}

static void fin_received(struct wp_tcp_conn *c);

/* Move the head of the out-of-order queue while it touches rcv_nxt. */
static void
ooo_drain(struct wp_tcp_conn *c)
{
	struct rte_mbuf *m;
	uint32_t seq, len, d;

	while (!c->zombie && (m = c->ooo) != NULL && seq_leq(meta(c, m)->seq, c->rcv_nxt)) {
		seq = meta(c, m)->seq;
		c->ooo = meta(c, m)->next;
		ooo_unlink_count(c, m);
		len = m->pkt_len;
		d = c->rcv_nxt - seq;
		if (d >= len) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (d > 0)
			m = chain_adj(m, d);
		len -= d;
		c->rcv_nxt += len;
		deliver(c, m, len);
	}
	if (!c->zombie && c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq) {
		c->ooo_fin = false;
		fin_received(c);
	}
}

static void
fin_received(struct wp_tcp_conn *c)
{
	c->rcv_nxt++;
	c->peer_fin = true;
	wp_tcp_ooo_free(c);
	switch (c->state) {
	case WP_TCP_SYN_RECEIVED:
	case WP_TCP_ESTABLISHED:
		c->state = WP_TCP_CLOSE_WAIT;
		break;
	case WP_TCP_FIN_WAIT_1:
		c->state = WP_TCP_CLOSING;
		break;
	default:
		break;
	}
	if (c->cbs.peer_closed) {
		c->cbs.peer_closed(c->arg, c);
		if (c->zombie)
			return;
	}
	/* The FIN's ACK rides on what the application sends in answer (its
	 * last bytes, its own FIN) if that comes from the callback or, in
	 * CLOSE_WAIT, within the delayed-ACK time (as Linux, which enters
	 * pingpong mode there); only otherwise a pure ACK. A pure ACK sent
	 * just before our FIN is one segment more per close, and one that,
	 * reordered behind our FIN, reaches a peer already in TIME_WAIT as
	 * an old ACK: it answers with an ACK, which finds us closed, and our
	 * RST ends its TIME_WAIT. Closing states ACK at once: the peer
	 * waits on it. */
	if (c->last_ack_sent != c->rcv_nxt) {
		if (c->state == WP_TCP_CLOSE_WAIT && !c->app_closed)
			wp_tcp_ack_schedule(c, 1);
		else
			wp_tcp_send_ack(c);
	}
	if (c->state == WP_TCP_FIN_WAIT_2)
		wp_tcp_enter_time_wait(c);
}

/* Text and FIN of an acceptable segment in ESTABLISHED / FIN_WAIT_1/2.
 * Consumes m (data at the payload). */
static void
data_in(struct wp_tcp_conn *c, struct rte_mbuf *m, const struct seg *s)
{
	struct wp_net *net = c->tcp->net;
	uint32_t seq = s->seq, len = s->len, right, d;
	bool fin = s->flags & WP_TH_FIN, had_ooo = c->ooo != NULL;

	if (c->peer_fin) {             /* nothing after the FIN */
		rte_pktmbuf_free(m);
		return;
	}
	if (len > 0 && seq_lt(seq, c->rcv_nxt)) {
		d = c->rcv_nxt - seq;
		if (d >= len) {
			fin = fin && seq + len == c->rcv_nxt;
			net->stats.tcp_dup_segs++;
			rte_pktmbuf_free(m);
			m = NULL;
			len = 0;
			seq = c->rcv_nxt;
		} else {
			m = chain_adj(m, d);
			seq += d;
			len -= d;
		}
	}
	right = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv : c->rcv_nxt;
	if (len > 0 && seq_gt(seq + len, right)) {
		uint32_t keep = seq_gt(right, seq) ? right - seq : 0;

		fin = false;               /* the FIN lies beyond the window */
		if (keep == 0) {
			rte_pktmbuf_free(m);
			m = NULL;
			len = 0;
		} else {
			chain_keep(m, keep);
			len = keep;
		}
	}
	if (len == 0 && m != NULL) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	if (seq == c->rcv_nxt) {
		if (len > 0) {
			c->rcv_nxt += len;
			deliver(c, m, len);
			if (c->zombie)
				return;
			/* a FIN that came early waits in ooo_fin even with
			 * no data queued out of order */
			if (had_ooo || c->ooo_fin) {
				ooo_drain(c);
				if (c->zombie)
					return;
			}
		}
		if (fin && seq + len == c->rcv_nxt && !c->peer_fin) {
			fin_received(c);
			return;
		}
		if (c->peer_fin)
			return;
		if (had_ooo || c->ooo != NULL || c->wnd_update)
			wp_tcp_send_ack(c);    /* filled (part of) a hole */
		else if (len > 0)
			wp_tcp_ack_schedule(c, len);
		return;
	}
	/* beyond rcv_nxt: hold it */
	if (len > 0) {
		if (!ooo_insert(c, m, seq, len))
			fin = false;
	}
	if (fin) {
		c->ooo_fin = true;
		c->ooo_fin_seq = seq + len;
	}
	wp_tcp_send_ack(c);                /* duplicate ACK, with SACK blocks */
}

/* ----------------------------------------------------------- ACK side */

static void
dupack(struct wp_tcp_conn *c)
{
	if (c->dupacks < 255)
		c->dupacks++;
	if (c->in_recovery) {
		/* a hole to resend takes the slot this ACK freed; otherwise
		 * inflate so new data can go (RFC 6582 step 4) */
		if (wp_tcp_sack_rexmit(c, 1) == 0)
			c->cwnd += c->mss;
		return;
	}
	if (c->dupacks != 3)
		return;
	/* RFC 6582 3.2 step 2: only if this is a new loss episode. After a
	 * timeout, duplicate ACKs may just answer our go-back-N resends;
	 * with SACK, a scoreboard showing holes tells a new loss from
	 * those, so a loss during the resend does not wait for another
	 * (doubled) timeout. */
	if (!seq_gt(c->snd_una, c->recover) && c->recover != c->iss &&
	    !(c->sack_ok && c->sb_n > 0))
		return;
	wp_tcp_recovery_enter(c);
}

/* SEG.ACK acknowledges new data: snd_una < ack <= snd_max. */
static void
ack_new(struct wp_tcp_conn *c, const struct seg *s)
{
	struct wp_net *net = c->tcp->net;
	uint32_t acked = s->ack - c->snd_una, data_acked;

	if (c->rtt_timing && seq_geq(s->ack, c->rtt_seq)) {
		wp_tcp_rtt_sample(c, net->now - c->rtt_start);
		c->rtt_timing = false;
	} else if (!c->rtt_timing && c->ts_ok && (s->o.present & WP_TCPOPT_TS) && s->o.tsecr != 0) {
		uint32_t ms = wp_tcp_ts_now(c) - s->o.tsecr;

		if (ms < 60000)
			wp_tcp_rtt_sample(c, (int64_t)ms * 1000000);
	}
	data_acked = min_u32(acked, c->sq_bytes);
	c->snd_una = s->ack;
	if (seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	c->backoff = 0;
	c->retries = 0;
	c->probes = 0;                 /* progress: the peer may be probed again */
	wp_tcp_sq_trim(c, data_acked);
	wp_tcp_sb_update(c, &s->o);

	if (c->in_recovery) {
		if (seq_geq(s->ack, c->recover)) {          /* full ACK */
			uint32_t fl = c->snd_max - c->snd_una;

			/* RFC 6582 3.2 step 3: option (1) for NewReno, which
			 * knows nothing of what is in flight; with SACK option
			 * (2), as Linux ends recovery: a window the repair
			 * emptied does not restart from 2 MSS */
			if (c->sack_ok)
				c->cwnd = c->ssthresh;
			else
				c->cwnd = min_u32(c->ssthresh, (fl > c->mss ? fl : c->mss) + c->mss);
			c->in_recovery = false;
			c->dupacks = 0;
		} else {                                    /* partial ACK */
			/* resend holes the scoreboard shows; without SACK (or
			 * when snd_una's hole was not resent yet) NewReno's
			 * one segment at snd_una */
			if (wp_tcp_sack_rexmit(c, 2) == 0 && seq_geq(c->snd_una, c->high_rxt))
				wp_tcp_rexmit_head(c);
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			if (acked >= c->mss)
				c->cwnd += c->mss;
			if (c->cwnd < c->mss)
				c->cwnd = c->mss;
		}
	} else {
		c->dupacks = 0;
		if (c->cwnd < c->ssthresh) {
			c->cwnd += min_u32(acked, c->mss);
		} else {
			c->ca_acked += acked;
			if (c->ca_acked >= c->cwnd) {
				c->ca_acked -= c->cwnd;
				c->cwnd += c->mss;
			}
		}
	}
	if (c->snd_una == c->snd_max) {
		if (!c->persist)
			wp_tcp_timer_cancel(c, WP_TT_RTX);
	} else {
		wp_tcp_rtx_arm(c);
	}
	if (data_acked > 0 && c->cbs.sent && c->app_known && !c->closed_cb)
		c->cbs.sent(c->arg, c, data_acked);
}

static bool
fin_acked(const struct wp_tcp_conn *c)
{
	return c->fin_sent && c->snd_una == c->snd_max && c->sq_bytes == 0;
}

/* ----------------------------------------------------- synchronised states */

static void
apply_syn_opts(struct wp_tcp_conn *c, const struct wp_tcp_opts *o)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;

	c->peer_mss = (o->present & WP_TCPOPT_MSS) ? o->mss : WP_TCP_DEFAULT_MSS;
	if (cf->opt_wscale && (o->present & WP_TCPOPT_WSCALE)) {
		c->wscale_ok = true;
		c->snd_wscale = o->wscale > 14 ? 14 : o->wscale;
		c->rcv_wscale = c->tcp->our_wscale;
	} else {
		c->wscale_ok = false;
		c->snd_wscale = c->rcv_wscale = 0;
	}
	c->sack_ok = cf->opt_sack && (o->present & WP_TCPOPT_SACKOK);
	c->ts_ok = cf->opt_timestamps && (o->present & WP_TCPOPT_TS);
	if (c->ts_ok)
		c->ts_recent = o->tsval;
	wp_tcp_mss_update(c);
}

static void
set_snd_wnd(struct wp_tcp_conn *c, const struct seg *s, bool syn)
{
	c->snd_wnd = syn ? s->wnd : (uint32_t)s->wnd << c->snd_wscale;
	if (c->snd_wnd > c->max_snd_wnd)
		c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
}

static void
syn_sent_input(struct wp_tcp_conn *c, struct rte_mbuf *m, const struct seg *s)
{
	struct wp_tcp *tcp = c->tcp;
	struct wp_net *net = tcp->net;
	bool ack_ok = false;

	if (s->flags & WP_TH_ACK) {
		if (seq_leq(s->ack, c->iss) || seq_gt(s->ack, c->snd_max)) {
			wp_tcp_rst_reply(tcp, s->src, s->dst, s->sport, s->dport, s->seq, s->ack,
					 s->flags, seg_len(s));
			wp_net_drop(net, m, WP_DROP_TCP_ACK);
			return;
		}
		ack_ok = true;
	}
	if (s->flags & WP_TH_RST) {
		if (!ack_ok) {
			wp_net_drop(net, m, WP_DROP_TCP_RST);
			return;
		}
		net->stats.tcp_rst_recv++;
		rte_pktmbuf_free(m);
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_REFUSED);
		return;
	}
	if (!(s->flags & WP_TH_SYN)) {
		wp_net_drop(net, m, WP_DROP_TCP_ACK);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	apply_syn_opts(c, &s->o);
	c->rcv_adv = c->rcv_nxt + min_u32(wp_tcp_rcv_space(c), 65535);
	if (!ack_ok) {                 /* simultaneous open: its data is not kept */
		rte_pktmbuf_free(m);
		c->state = WP_TCP_SYN_RECEIVED;
		set_snd_wnd(c, s, true);
		(void)wp_tcp_xmit(c, c->iss, 0, WP_TH_SYN);
		wp_tcp_rtx_arm(c);
		return;
	}
	c->snd_una = s->ack;
	if (c->rtt_timing && seq_geq(s->ack, c->rtt_seq))
		wp_tcp_rtt_sample(c, net->now - c->rtt_start);
	c->rtt_timing = false;
	c->retries = 0;
	c->backoff = 0;
	c->recover = c->iss;
	wp_tcp_timer_cancel(c, WP_TT_RTX);
	set_snd_wnd(c, s, true);
	wp_tcp_conn_get(c);
	wp_tcp_established(c, NULL);
	if (c->zombie) {
		rte_pktmbuf_free(m);
	} else if (s->len > 0) {
		/* data on the SYN-ACK: the connection is open, take it as
		 * the first text (it is acknowledged with it) */
		struct seg t = *s;

		t.seq = s->seq + 1;
		t.flags = (uint8_t)(s->flags & ~WP_TH_SYN);
		data_in(c, m, &t);
		if (!c->zombie && c->last_ack_sent != c->rcv_nxt)
			wp_tcp_send_ack(c);      /* the handshake's ACK: now */
	} else {
		rte_pktmbuf_free(m);
		if (c->snd_nxt == c->snd_una)
			wp_tcp_send_ack(c);
	}
	wp_tcp_conn_put(c);
}

static void
sync_input(struct wp_tcp_conn *c, struct rte_mbuf *m, const struct seg *s);

static void listen_input(struct wp_tcp *tcp, struct wp_tcp_listener *l,
			 struct rte_mbuf *m, const struct seg *s);

static bool
seq_acceptable(const struct wp_tcp_conn *c, const struct seg *s, uint32_t wnd)
{
	uint32_t n = seg_len(s);

	if (n == 0) {
		if (wnd == 0)
			return s->seq == c->rcv_nxt;
		return seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, c->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return (seq_geq(s->seq, c->rcv_nxt) && seq_lt(s->seq, c->rcv_nxt + wnd)) ||
	       (seq_geq(s->seq + n - 1, c->rcv_nxt) && seq_lt(s->seq + n - 1, c->rcv_nxt + wnd));
}

/* The options a connection has when its peer answered a cookie SYN-ACK:
 * what the cookie carried, which is what that SYN-ACK offered (window
 * scaling and SACK only with timestamps), and our timestamps continuing
 * from the cookie's TSval, which the peer checks ours against (PAWS). */
static void
cookie_opts(struct wp_tcp_conn *c, const struct seg *s, const struct wp_syncookie_opts *co)
{
	uint32_t now_ms = (uint32_t)(c->tcp->net->now / 1000000);

	c->peer_mss = co->mss;
	c->ts_ok = c->wscale_ok = c->sack_ok = false;
	c->snd_wscale = c->rcv_wscale = 0;
	c->ts_off = 0;
	if (co->ts_ok && (s->o.present & WP_TCPOPT_TS)) {
		c->ts_ok = true;
		c->ts_recent = s->o.tsval;
		if (seq_gt(s->o.tsecr, now_ms))
			c->ts_off = s->o.tsecr - now_ms;   /* stay monotonic */
		if (co->wscale != 0xf) {
			c->wscale_ok = true;
			c->snd_wscale = co->wscale > 14 ? 14 : co->wscale;
			c->rcv_wscale = c->tcp->our_wscale;
		}
		c->sack_ok = co->sack_ok;
	}
	wp_tcp_mss_update(c);
}

/* Our SYN-ACK was answered, but with the ACK of a SYN cookie for the same
 * SYN: one copy of a duplicated SYN found the backlog full (a cookie
 * SYN-ACK), another found room (this connection, another ISS), and the
 * peer took the cookie. Become what the cookie would have made - its ISS
 * and options - instead of resetting a connection the peer believes
 * established (the RST killed 4-9 of 10,000 connects under 2% duplication
 * in the impairment test). */
static bool
cookie_adopt(struct wp_tcp_conn *c, const struct seg *s)
{
	struct wp_tcp *tcp = c->tcp;
	struct wp_net *net = tcp->net;
	struct wp_syncookie_opts co;

	if (c->active || c->listener == NULL || !net->conf.syn_cookies ||
	    c->listener->last_cookie_ns <= net->now || s->seq != c->irs + 1 ||
	    wp_syncookie_check(&tcp->secret, &c->key, c->irs, s->ack - 1, net->now,
			       s->o.present & WP_TCPOPT_TS, s->o.tsecr, &co) != 0)
		return false;
	c->iss = s->ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = s->ack;
	c->rtt_timing = false;
	cookie_opts(c, s, &co);
	net->stats.tcp_syncookies_ok++;
	return true;
}

static void
sync_input(struct wp_tcp_conn *c, struct rte_mbuf *m, const struct seg *s)
{
	struct wp_tcp *tcp = c->tcp;
	struct wp_net *net = tcp->net;
	const struct wp_net_conf *cf = &net->conf;
	uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	bool has_ts = s->o.present & WP_TCPOPT_TS, force_ack = false;
	struct seg t = *s;

	/* our SYN-ACK was lost: the peer repeats its SYN */
	if (c->state == WP_TCP_SYN_RECEIVED && (s->flags & WP_TH_SYN) &&
	    !(s->flags & WP_TH_ACK) && s->seq == c->irs) {
		(void)wp_tcp_xmit(c, c->iss, 0, WP_TH_SYN);
		wp_net_drop(net, m, WP_DROP_TCP_SYN);
		return;
	}
	/* a new SYN for a tuple in TIME_WAIT (RFC 6191 style reuse) */
	if (c->state == WP_TCP_TIME_WAIT && (s->flags & WP_TH_SYN) && !(s->flags & WP_TH_ACK) &&
	    (seq_gt(s->seq, c->rcv_nxt) ||
	     (c->ts_ok && has_ts && seq_gt(s->o.tsval, c->ts_recent)))) {
		struct wp_tcp_listener *l = wp_tcp_listener_find(tcp, c->key.lport);

		if (l != NULL) {
			wp_tcp_conn_release(c);
			listen_input(tcp, l, m, s);
			return;
		}
	}
	/* PAWS (RFC 7323 section 5) */
	if (c->ts_ok && has_ts && !(s->flags & WP_TH_RST) && seq_lt(s->o.tsval, c->ts_recent)) {
		wp_tcp_send_ack(c);
		wp_net_drop(net, m, WP_DROP_TCP_PAWS);
		return;
	}
	/* 1. sequence number */
	if (!seq_acceptable(c, s, wnd)) {
		if (wnd == 0 && s->seq == c->rcv_nxt && !(s->flags & WP_TH_SYN)) {
			/* zero window: keep the ACK (and RST), not the text,
			 * and answer with an ACK (RFC 9293 3.10.7.4) */
			t.len = 0;
			t.flags &= (uint8_t)~WP_TH_FIN;
			force_ack = !(s->flags & WP_TH_RST) && seg_len(s) > 0;
		} else {
			if (!(s->flags & WP_TH_RST)) {
				if (s->len > 0 && seq_leq(s->seq + s->len, c->rcv_nxt))
					net->stats.tcp_dup_segs++;
				if (c->state == WP_TCP_TIME_WAIT && (s->flags & WP_TH_FIN))
					wp_tcp_timer_arm(c, WP_TT_KEEP, net->now + cf->time_wait_ns);
				wp_tcp_send_ack(c);
			}
			wp_net_drop(net, m, WP_DROP_TCP_WINDOW);
			return;
		}
	}
	c->last_rx = net->now;
	c->ka_probes = 0;
	/* 2. RST (RFC 5961 section 3) */
	if (t.flags & WP_TH_RST) {
		if (t.seq != c->rcv_nxt) {
			wp_tcp_challenge_ack(c);
			wp_net_drop(net, m, WP_DROP_TCP_RST);
			return;
		}
		net->stats.tcp_rst_recv++;
		rte_pktmbuf_free(m);
		if (c->state == WP_TCP_TIME_WAIT)
			wp_tcp_conn_release(c);
		else
			wp_tcp_conn_closed(c, c->state == WP_TCP_SYN_RECEIVED && c->active ?
					   WP_TCP_CLOSE_REFUSED : WP_TCP_CLOSE_RESET);
		return;
	}
	/* 4. SYN (RFC 5961 section 4) */
	if (t.flags & WP_TH_SYN) {
		wp_tcp_challenge_ack(c);
		wp_net_drop(net, m, WP_DROP_TCP_SYN);
		return;
	}
	/* RFC 7323 4.3: remember the timestamp to echo */
	if (c->ts_ok && has_ts && seq_leq(t.seq, c->last_ack_sent) && seq_geq(t.o.tsval, c->ts_recent))
		c->ts_recent = t.o.tsval;
	/* 5. ACK */
	if (!(t.flags & WP_TH_ACK)) {
		wp_net_drop(net, m, WP_DROP_TCP_ACK);
		return;
	}
	if (c->state == WP_TCP_SYN_RECEIVED) {
		if ((seq_leq(t.ack, c->snd_una) || seq_gt(t.ack, c->snd_max)) &&
		    !cookie_adopt(c, &t)) {
			wp_tcp_rst_reply(tcp, t.src, t.dst, t.sport, t.dport, t.seq, t.ack,
					 t.flags, seg_len(&t));
			wp_net_drop(net, m, WP_DROP_TCP_ACK);
			return;
		}
		c->snd_una = t.ack;
		if (c->rtt_timing && seq_geq(t.ack, c->rtt_seq))
			wp_tcp_rtt_sample(c, net->now - c->rtt_start);
		c->rtt_timing = false;
		c->retries = 0;
		c->backoff = 0;
		c->recover = c->iss;
		wp_tcp_timer_cancel(c, WP_TT_RTX);
		set_snd_wnd(c, &t, false);
		wp_tcp_established(c, c->listener ? c->listener->arg : NULL);
		if (c->zombie) {
			rte_pktmbuf_free(m);
			return;
		}
		if (c->ooo != NULL) {          /* the data that came on the SYN */
			uint32_t before = c->rcv_nxt;

			ooo_drain(c);
			if (c->zombie) {
				rte_pktmbuf_free(m);
				return;
			}
			if (c->last_ack_sent != c->rcv_nxt)
				wp_tcp_ack_schedule(c, c->rcv_nxt - before);
		}
	}
	if (c->state == WP_TCP_TIME_WAIT) {
		if (t.flags & WP_TH_FIN) {         /* (in-window) repeated FIN */
			wp_tcp_send_ack(c);
			wp_tcp_timer_arm(c, WP_TT_KEEP, net->now + cf->time_wait_ns);
		}
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 5961 section 5: ACK value */
	{
		uint32_t allow = c->max_snd_wnd > 65535 ? c->max_snd_wnd : 65535;

		if (seq_gt(t.ack, c->snd_max) || seq_lt(t.ack, c->snd_una - allow)) {
			wp_tcp_challenge_ack(c);
			wp_net_drop(net, m, WP_DROP_TCP_ACK);
			return;
		}
	}
	{
		uint32_t new_wnd = (uint32_t)t.wnd << c->snd_wscale;
		bool wnd_update = seq_lt(c->snd_wl1, t.seq) ||
				  (c->snd_wl1 == t.seq && seq_leq(c->snd_wl2, t.ack));

		if (seq_gt(t.ack, c->snd_una)) {
			if (wnd_update)
				set_snd_wnd(c, &t, false);
			ack_new(c, &t);
			if (c->zombie) {
				rte_pktmbuf_free(m);
				return;
			}
		} else {
			/* RFC 5681 wants the window unchanged; Linux grows its
			 * window during recovery, so an ACK carrying SACK blocks
			 * (new data reached the peer above a hole, RFC 6675)
			 * counts as a duplicate whatever the window says. */
			if (t.ack == c->snd_una && seg_len(&t) == 0 &&
			    (new_wnd == c->snd_wnd ||
			     (c->sack_ok && (t.o.present & WP_TCPOPT_SACK))) &&
			    c->snd_una != c->snd_max && !c->persist) {
				wp_tcp_sb_update(c, &t.o);
				dupack(c);
			}
			if (wnd_update)
				set_snd_wnd(c, &t, false);
		}
		if (c->persist || c->snd_wnd == 0)
			c->retries = 0;        /* the peer answers: keep probing */
		if (c->persist && c->snd_wnd > 0) {
			wp_tcp_timer_cancel(c, WP_TT_RTX);
			c->persist = false;
			c->backoff = 0;
		}
	}
	switch (c->state) {
	case WP_TCP_FIN_WAIT_1:
		if (fin_acked(c)) {
			c->state = WP_TCP_FIN_WAIT_2;
			wp_tcp_timer_cancel(c, WP_TT_RTX);
			if (c->app_closed)
				wp_tcp_timer_arm(c, WP_TT_KEEP, net->now + WP_TCP_FIN_WAIT_2_NS);
		}
		break;
	case WP_TCP_CLOSING:
		if (fin_acked(c)) {
			rte_pktmbuf_free(m);
			wp_tcp_enter_time_wait(c);
			return;
		}
		break;
	case WP_TCP_LAST_ACK:
		if (fin_acked(c)) {
			rte_pktmbuf_free(m);
			wp_tcp_conn_closed(c, WP_TCP_CLOSE_NORMAL);
			return;
		}
		break;
	default:
		break;
	}
	/* 7. text, 8. FIN */
	if (c->state == WP_TCP_ESTABLISHED || c->state == WP_TCP_FIN_WAIT_1 ||
	    c->state == WP_TCP_FIN_WAIT_2) {
		if (t.len > 0 || (t.flags & WP_TH_FIN))
			data_in(c, m, &t);
		else
			rte_pktmbuf_free(m);
	} else {
		/* CLOSE_WAIT, CLOSING, LAST_ACK: the peer's FIN came already */
		if (t.len > 0 || (t.flags & WP_TH_FIN))
			wp_tcp_send_ack(c);
		rte_pktmbuf_free(m);
	}
	if (c->zombie)
		return;
	{
		uint64_t before = net->stats.tcp_segs_out;

		wp_tcp_output(c);
		if (force_ack && net->stats.tcp_segs_out == before)
			wp_tcp_send_ack(c);
	}
	wp_tcp_loss_arm(c);
}

static void
conn_input(struct wp_tcp_conn *c, struct rte_mbuf *m, const struct seg *s)
{
	wp_tcp_conn_get(c);
	if (c->state == WP_TCP_SYN_SENT)
		syn_sent_input(c, m, s);
	else
		sync_input(c, m, s);
	wp_tcp_conn_put(c);
}

/* ------------------------------------------------------------- listeners */

static void
cookie_synack(struct wp_tcp *tcp, struct wp_tcp_listener *l, const struct seg *s,
	      const struct wp_flow_key *k)
{
	struct wp_net *net = tcp->net;
	const struct wp_net_conf *cf = &net->conf;
	struct wp_syncookie_opts co = {
		.mss = (s->o.present & WP_TCPOPT_MSS) ? s->o.mss : WP_TCP_DEFAULT_MSS,
		.wscale = (cf->opt_wscale && (s->o.present & WP_TCPOPT_WSCALE)) ?
			  (s->o.wscale > 14 ? 14 : s->o.wscale) : 0xf,
		.sack_ok = cf->opt_sack && (s->o.present & WP_TCPOPT_SACKOK),
		.ts_ok = cf->opt_timestamps && (s->o.present & WP_TCPOPT_TS),
	};
	/* a stateless stand-in, only for building the segment */
	struct wp_tcp_conn tmp;
	uint32_t now_ms = (uint32_t)(net->now / 1000000), tsval = 0, cookie;

	cookie = wp_syncookie_make(&tcp->secret, k, s->seq, net->now, &co, now_ms, &tsval);
	memset(&tmp, 0, sizeof(tmp));
	tmp.tcp = tcp;
	tmp.key = *k;
	tmp.state = WP_TCP_SYN_RECEIVED;
	tmp.iss = tmp.snd_max = cookie;
	tmp.rcv_nxt = s->seq + 1;
	tmp.ts_ok = co.ts_ok;
	tmp.ts_recent = s->o.tsval;
	tmp.ts_off = tsval - now_ms;
	tmp.wscale_ok = co.ts_ok && co.wscale != 0xf;
	tmp.sack_ok = co.ts_ok && co.sack_ok;
	(void)wp_tcp_xmit(&tmp, cookie, 0, WP_TH_SYN);
	net->stats.tcp_syncookies_sent++;
	l->last_cookie_ns = net->now + COOKIE_LIFETIME_NS;   /* valid until */
}

static void
cookie_ack(struct wp_tcp *tcp, struct wp_tcp_listener *l, struct rte_mbuf *m,
	   const struct seg *s, const struct wp_flow_key *k)
{
	struct wp_net *net = tcp->net;
	bool has_ts = s->o.present & WP_TCPOPT_TS;
	struct wp_syncookie_opts co;
	struct wp_tcp_conn *c;

	/* A failed check gets no RST while cookies are in use: a later
	 * segment of a cookie connection (its second data segment, an ACK)
	 * reordered ahead of the first carries seq - 1 != the ISN the cookie
	 * was made for, and a RST would kill the connection the first
	 * segment is about to open (as it did to 3 of 10,000 connections in
	 * the impairment test; Linux resets there). Garbage is dropped the
	 * same way, with nothing sent back (counted). */
	if (wp_syncookie_check(&tcp->secret, k, s->seq - 1, s->ack - 1, net->now, has_ts,
			       s->o.tsecr, &co) != 0) {
		wp_net_drop(net, m, WP_DROP_TCP_COOKIE);
		return;
	}
	c = wp_tcp_conn_alloc(tcp, k);
	if (c == NULL) {
		wp_net_drop(net, m, WP_DROP_TCP_NO_CONN);
		return;
	}
	wp_tcp_conn_init_common(c);
	c->cookie = true;
	c->cbs = l->cbs;
	c->arg = l->arg;
	c->state = WP_TCP_SYN_RECEIVED;
	c->iss = s->ack - 1;
	c->irs = s->seq - 1;
	c->snd_una = c->snd_nxt = c->snd_max = s->ack;
	c->rcv_nxt = s->seq;
	cookie_opts(c, s, &co);
	c->rcv_adv = c->rcv_nxt + min_u32(wp_tcp_rcv_space(c), 65535);
	c->last_ack_sent = c->rcv_nxt;
	c->recover = c->iss;
	set_snd_wnd(c, s, false);
	net->stats.tcp_syncookies_ok++;
	net->stats.tcp_passive_opens++;
	wp_tcp_conn_get(c);
	wp_tcp_established(c, l->arg);
	if (c->zombie) {
		wp_tcp_conn_put(c);
		rte_pktmbuf_free(m);
		return;
	}
	/* the ACK may carry data or a FIN: process it as established */
	sync_input(c, m, s);
	wp_tcp_conn_put(c);
}

static void
listen_input(struct wp_tcp *tcp, struct wp_tcp_listener *l, struct rte_mbuf *m,
	     const struct seg *s)
{
	struct wp_net *net = tcp->net;
	const struct wp_net_conf *cf = &net->conf;
	struct wp_flow_key k = { .rip = s->src, .lip = s->dst, .rport = s->sport, .lport = s->dport };
	struct wp_tcp_conn *c;

	if (s->flags & WP_TH_RST) {
		wp_net_drop(net, m, WP_DROP_TCP_NO_FLOW);
		return;
	}
	if (s->flags & WP_TH_ACK) {
		if (!(s->flags & WP_TH_SYN) && cf->syn_cookies && l->last_cookie_ns > net->now) {
			cookie_ack(tcp, l, m, s, &k);
			return;
		}
		wp_tcp_rst_reply(tcp, s->src, s->dst, s->sport, s->dport, s->seq, s->ack,
				 s->flags, seg_len(s));
		wp_net_drop(net, m, WP_DROP_TCP_NO_FLOW);
		return;
	}
	if (!(s->flags & WP_TH_SYN)) {
		wp_net_drop(net, m, WP_DROP_TCP_NO_FLOW);
		return;
	}
	if (l->backlog >= cf->syn_backlog || tcp->free_list == NULL) {
		if (cf->syn_cookies) {
			cookie_synack(tcp, l, s, &k);
			rte_pktmbuf_free(m);
		} else {
			wp_net_drop(net, m, l->backlog >= cf->syn_backlog ?
				    WP_DROP_TCP_BACKLOG : WP_DROP_TCP_NO_CONN);
		}
		return;
	}
	c = wp_tcp_conn_alloc(tcp, &k);
	if (c == NULL) {
		wp_net_drop(net, m, WP_DROP_TCP_NO_CONN);
		return;
	}
	wp_tcp_conn_init_common(c);
	c->cbs = l->cbs;
	c->arg = l->arg;
	c->state = WP_TCP_SYN_RECEIVED;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->iss = wp_tcp_isn(&tcp->secret, &k, net->now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	apply_syn_opts(c, &s->o);
	c->snd_wnd = s->wnd;
	c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->rcv_adv = c->rcv_nxt + min_u32(wp_tcp_rcv_space(c), 65535);
	c->listener = l;
	c->hnext = l->half;
	if (l->half)
		l->half->hprev = c;
	l->half = c;
	l->backlog++;
	net->stats.tcp_passive_opens++;
	/* data on the SYN (RFC 9293 3.10.7.2: queued for processing once
	 * established): held in the out-of-order queue at irs + 1, where the
	 * handshake's ACK finds it; the SYN-ACK acknowledges the SYN only */
	if (s->len > 0 && !(s->flags & WP_TH_FIN)) {
		uint32_t keep = min_u32(s->len, c->rcv_adv - c->rcv_nxt);

		if (keep < s->len)
			chain_keep(m, keep);
		if (ooo_insert(c, m, c->rcv_nxt, keep))
			net->stats.tcp_syn_data++;
	} else {
		rte_pktmbuf_free(m);
	}
	wp_tcp_conn_get(c);
	(void)wp_tcp_xmit(c, c->iss, 0, WP_TH_SYN);
	c->snd_nxt = c->iss + 1;
	wp_tcp_rtx_arm(c);
	wp_tcp_conn_put(c);
}

/* ---------------------------------------------------------------- entry */

void
wp_tcp_input(struct wp_net *net, struct rte_mbuf *m, uint32_t src, uint32_t dst)
{
	struct wp_tcp *tcp = net->tcp;
	struct wp_tcp_view v;
	struct wp_flow_key k;
	struct wp_tcp_listener *l;
	struct wp_tcp_conn *c;
	struct seg s;
	int r;

	if (rte_pktmbuf_pkt_len(m) >= WP_TCP_HDR_LEN && rte_pktmbuf_data_len(m) < WP_TCP_HDR_LEN) {
		wp_net_drop(net, m, WP_DROP_MULTISEG);
		return;
	}
	r = wp_parse_tcp(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_pkt_len(m),
			 src, dst, 1, &v);
	if (r != WP_PARSE_OK) {
		wp_net_drop(net, m, (enum wp_net_drop)r);
		return;
	}
	if (v.hdr_len > rte_pktmbuf_data_len(m)) {
		wp_net_drop(net, m, WP_DROP_MULTISEG);
		return;
	}
	net->stats.tcp_segs_in++;
	if (wp_tcp_opts_parse(v.opts, v.opts_len, &s.o) != 0) {
		wp_net_drop(net, m, WP_DROP_TCP_OPTION);
		return;
	}
	s.src = src;
	s.dst = dst;
	s.sport = v.sport;
	s.dport = v.dport;
	s.seq = v.seq;
	s.ack = v.ack;
	s.flags = v.flags;
	s.wnd = v.wnd;
	s.len = rte_pktmbuf_pkt_len(m) - v.hdr_len;
	rte_pktmbuf_adj(m, (uint16_t)v.hdr_len);   /* data at the payload now */

	k.rip = src;
	k.lip = dst;
	k.rport = v.sport;
	k.lport = v.dport;
	c = wp_flow_lookup(tcp->flows, &k);
	if (c != NULL) {
		conn_input(c, m, &s);
		return;
	}
	l = wp_tcp_listener_find(tcp, v.dport);
	if (l != NULL) {
		listen_input(tcp, l, m, &s);
		return;
	}
	wp_tcp_rst_reply(tcp, src, dst, v.sport, v.dport, v.seq, v.ack, v.flags, seg_len(&s));
	wp_net_drop(net, m, WP_DROP_TCP_NO_FLOW);
}
