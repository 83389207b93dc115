/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP output: building segments, the send queue, retransmission (RFC 6298),
 * congestion window (RFC 5681, RFC 6928 initial window), persist and
 * keep-alive timers, delayed ACKs, RSTs (internals: tcp_impl.h).
 *
 * Frames are single-segment: every outgoing segment is a freshly allocated
 * mbuf into which the payload is copied from the send queue (and copied
 * again on retransmission). The af_xdp and af_packet PMDs this stack runs
 * on are not multi-segment safe, and copying 1460 bytes is cheap next to a
 * frame's other costs; the application's mbufs stay in the queue until the
 * peer acknowledges them. Headers are prepended in the headroom, the IP
 * layer computes the checksum (we leave it 0).
 *
 * Nagle is off (a request/response proxy wants every byte out now), but the
 * sender never exceeds min(peer window, cwnd) and avoids silly windows in
 * the simple form of RFC 9293 3.8.6.2.1: a short segment only goes out when
 * it empties the queue or is at least half the largest window the peer has
 * offered; otherwise the persist timer forces it later.
 *
 * Congestion window: RFC 6928 initial window (one segment after a SYN
 * timeout, RFC 5681 3.1), and back to at most that after more than an RTO
 * without sending data (RFC 5681 4.1, ssthresh kept at 3/4 of the old
 * window as RFC 2861 and Linux do): a pooled session that sat idle does
 * not burst the window it had.
 *
 * Zero-window probes and keep-alives are Linux style: a segment without
 * data at snd_una - 1, which any RFC 9293 receiver answers with an ACK
 * carrying its current window.
 *
 * Ownership: runs on the stack's lcore, on connections the caller holds
 * (busy reference) - nothing here frees a connection slot.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp_impl.h"

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* ------------------------------------------------------------ send queue */

void
wp_tcp_sq_append(struct wp_tcp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s;
	uint32_t n = 0;

	for (s = m; s->next != NULL; s = s->next)
		n++;
	n++;
	if (c->sq_tail)
		c->sq_tail->next = m;
	else
		c->sq_head = m;
	c->sq_tail = s;
	c->sq_segs += n;
	c->sq_bytes += len;
	c->tcp->mbufs_held += n;
}

/* Remove `n` bytes from the head; the segments are freed one by one (the
 * queue is one list of segments, so pkt_len of interior segments means
 * nothing and a partially acknowledged segment is trimmed in place). */
uint32_t
wp_tcp_sq_trim(struct wp_tcp_conn *c, uint32_t n)
{
	struct rte_mbuf *s;
	uint32_t left = n;
	bool cur_gone = false;

	if (left > c->sq_bytes)
		left = n = c->sq_bytes;
	while ((s = c->sq_head) != NULL && (left > 0 || s->data_len == 0)) {
		if (s->data_len > left) {
			s->data_off = (uint16_t)(s->data_off + left);
			s->data_len = (uint16_t)(s->data_len - left);
			left = 0;
			break;
		}
		left -= s->data_len;
		c->sq_head = s->next;
		if (s == c->sq_cur)
			cur_gone = true;
		rte_pktmbuf_free_seg(s);
		c->sq_segs--;
		c->tcp->mbufs_held--;
	}
	if (c->sq_head == NULL)
		c->sq_tail = NULL;
	c->sq_bytes -= n;
	c->sq_seq += n;
	if (c->sq_cur != NULL) {
		if (cur_gone || c->sq_cur == c->sq_head || c->sq_cur_off < n) {
			c->sq_cur = c->sq_head;
			c->sq_cur_off = 0;
		} else {
			c->sq_cur_off -= n;
		}
	}
	return n;
}

void
wp_tcp_sq_free(struct wp_tcp_conn *c)
{
	struct rte_mbuf *s;

	while ((s = c->sq_head) != NULL) {
		c->sq_head = s->next;
		rte_pktmbuf_free_seg(s);
		c->tcp->mbufs_held--;
	}
	c->sq_tail = c->sq_cur = NULL;
	c->sq_segs = 0;
	c->sq_bytes = 0;
	c->sq_cur_off = 0;
}

/* Copy `len` queue bytes starting at queue offset `off` to `dst`. */
static void
sq_copy(struct wp_tcp_conn *c, uint32_t off, uint8_t *dst, uint32_t len)
{
	struct rte_mbuf *s;
	uint32_t soff, in, n;

	if (c->sq_cur != NULL && off >= c->sq_cur_off) {
		s = c->sq_cur;
		soff = c->sq_cur_off;
	} else {
		s = c->sq_head;
		soff = 0;
	}
	while (s != NULL && off >= soff + s->data_len) {
		soff += s->data_len;
		s = s->next;
	}
	c->sq_cur = s;
	c->sq_cur_off = soff;
	while (len > 0 && s != NULL) {
		in = off - soff;
		n = min_u32(s->data_len - in, len);
		memcpy(dst, rte_pktmbuf_mtod_offset(s, const uint8_t *, in), n);
		dst += n;
		len -= n;
		off += n;
		soff += s->data_len;
		s = s->next;
	}
}

/* -------------------------------------------------------------- segments */

uint32_t
wp_tcp_rcv_space(const struct wp_tcp_conn *c)
{
	uint32_t buf = c->tcp->net->conf.rcvbuf;

	return c->rcv_unread >= buf ? 0 : buf - c->rcv_unread;
}

/* The window field for a segment; moves rcv_adv right, never left. */
static uint16_t
rcv_window(struct wp_tcp_conn *c, bool syn)
{
	uint32_t space = wp_tcp_rcv_space(c), win, right;
	uint8_t ws = c->rcv_wscale;

	if (syn)
		return (uint16_t)min_u32(space, 65535);
	win = min_u32(space >> ws, 65535);
	right = c->rcv_nxt + (win << ws);
	if (seq_lt(right, c->rcv_adv)) {
		win = min_u32((c->rcv_adv - c->rcv_nxt + (1u << ws) - 1) >> ws, 65535);
		right = c->rcv_nxt + (win << ws);
	}
	if (seq_gt(right, c->rcv_adv))
		c->rcv_adv = right;
	return (uint16_t)win;
}

static void
sack_blocks(struct wp_tcp_conn *c, struct wp_tcp_opts *o)
{
	struct rte_mbuf *m = c->ooo;
	uint32_t l, r;

	o->nsack = 0;
	while (m != NULL && o->nsack < WP_TCP_MAX_SACK) {
		struct wp_tcp_ooo_meta *md = wp_tcp_ooo_meta(c->tcp, m);

		l = md->seq;
		r = l + m->pkt_len;
		m = md->next;
		while (m != NULL && wp_tcp_ooo_meta(c->tcp, m)->seq == r) {
			r += m->pkt_len;
			m = wp_tcp_ooo_meta(c->tcp, m)->next;
		}
		o->sack[o->nsack].left = l;
		o->sack[o->nsack].right = r;
		o->nsack++;
	}
	if (o->nsack > 0)
		o->present |= WP_TCPOPT_SACK;
}

int
wp_tcp_xmit(struct wp_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct wp_tcp *tcp = c->tcp;
	struct wp_net *net = tcp->net;
	const struct wp_net_conf *cf = &net->conf;
	struct wp_tcp_opts o;
	uint8_t optbuf[40], *th;
	uint32_t optlen, seglen;
	struct rte_mbuf *m;
	bool syn = flags & WP_TH_SYN;
	uint16_t win;

	m = wp_net_alloc(net);
	if (m == NULL)
		return -ENOMEM;
	if (len > 0) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);

		if (p == NULL) {
			wp_net_drop(net, m, WP_DROP_NOMEM);
			return -ENOMEM;
		}
		sq_copy(c, seq - c->sq_seq, p, len);
	}
	if (c->state != WP_TCP_SYN_SENT)
		flags |= WP_TH_ACK;

	memset(&o, 0, sizeof(o));
	if (syn) {
		o.present |= WP_TCPOPT_MSS;
		o.mss = tcp->our_mss;
		if (cf->opt_wscale && (c->active || c->wscale_ok)) {
			o.present |= WP_TCPOPT_WSCALE;
			o.wscale = tcp->our_wscale;
		}
		if (cf->opt_sack && (c->active || c->sack_ok))
			o.present |= WP_TCPOPT_SACKOK;
		if (cf->opt_timestamps && (c->active || c->ts_ok)) {
			o.present |= WP_TCPOPT_TS;
			o.tsval = wp_tcp_ts_now(c);
			o.tsecr = c->state == WP_TCP_SYN_SENT ? 0 : c->ts_recent;
		}
	} else if (c->ts_ok) {
		o.present |= WP_TCPOPT_TS;
		o.tsval = wp_tcp_ts_now(c);
		o.tsecr = c->ts_recent;
	}
	if (c->sack_ok && c->ooo != NULL && len == 0 && !(flags & (WP_TH_SYN | WP_TH_FIN | WP_TH_RST)))
		sack_blocks(c, &o);
	optlen = wp_tcp_opts_write(optbuf, sizeof(optbuf), &o);
	th = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)(WP_TCP_HDR_LEN + optlen));
	if (th == NULL) {
		wp_net_drop(net, m, WP_DROP_NOMEM);
		return -ENOMEM;
	}
	win = (flags & WP_TH_RST) && !(flags & WP_TH_ACK) ? 0 : rcv_window(c, syn);
	wr16(th, c->key.lport);
	wr16(th + 2, c->key.rport);
	wr32(th + 4, seq);
	wr32(th + 8, (flags & WP_TH_ACK) ? c->rcv_nxt : 0);
	th[12] = (uint8_t)(((WP_TCP_HDR_LEN + optlen) / 4) << 4);
	th[13] = flags;
	wr16(th + 14, win);
	wr16(th + 16, 0);
	wr16(th + 18, 0);
	memcpy(th + WP_TCP_HDR_LEN, optbuf, optlen);

	net->stats.tcp_segs_out++;
	seglen = len + (syn ? 1 : 0) + ((flags & WP_TH_FIN) ? 1 : 0);
	if (len > 0)
		c->last_data_ns = net->now;
	if (seglen > 0) {
		if (seq_lt(seq, c->snd_max)) {
			net->stats.tcp_retransmits++;
			c->retransmits++;
			if (c->rtt_timing && seq_lt(seq, c->rtt_seq))
				c->rtt_timing = false;      /* Karn */
		} else if (!c->rtt_timing) {
			c->rtt_timing = true;
			c->rtt_seq = seq + seglen;
			c->rtt_start = net->now;
		}
		if (seq_gt(seq + seglen, c->snd_max))
			c->snd_max = seq + seglen;
	}
	if (flags & WP_TH_ACK) {
		c->ack_bytes = 0;
		c->wnd_update = false;
		c->last_ack_sent = c->rcv_nxt;
		wp_tcp_timer_cancel(c, WP_TT_DELACK);
	}
	if (flags & WP_TH_RST)
		net->stats.tcp_rst_sent++;
	return wp_ipv4_output(net, m, c->key.rip, WP_IPPROTO_TCP);
}

void
wp_tcp_send_ack(struct wp_tcp_conn *c)
{
	/* seq = snd_max, not snd_nxt (as BSD does): while go-back-N resends
	 * after a timeout snd_nxt is below what the peer has received, and a
	 * pure ACK at snd_nxt would be unacceptable to it (RFC 9293 3.10.7.4)
	 * and dropped with its ACK field. Two such senders each dropping the
	 * other's ACKs livelocked under loss. */
	(void)wp_tcp_xmit(c, c->snd_max, 0, 0);
}

void
wp_tcp_send_rst(struct wp_tcp_conn *c)
{
	(void)wp_tcp_xmit(c, c->snd_max, 0, WP_TH_RST);
}

void
wp_tcp_challenge_ack(struct wp_tcp_conn *c)
{
	struct wp_tcp *tcp = c->tcp;
	int64_t now = tcp->net->now;

	if (now - tcp->chal_window >= 1000000000LL) {
		tcp->chal_window = now;
		tcp->chal_count = 0;
	}
	if (tcp->chal_count >= WP_TCP_CHALLENGE_PER_S)
		return;
	tcp->chal_count++;
	tcp->net->stats.tcp_challenge_acks++;
	wp_tcp_send_ack(c);
}

void
wp_tcp_rst_reply(struct wp_tcp *tcp, uint32_t src, uint32_t dst, uint16_t sport,
		 uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t seglen)
{
	struct wp_net *net = tcp->net;
	struct rte_mbuf *m;
	uint8_t *th;

	(void)dst;
	if (flags & WP_TH_RST)
		return;
	m = wp_net_alloc(net);
	if (m == NULL)
		return;
	th = (uint8_t *)rte_pktmbuf_append(m, WP_TCP_HDR_LEN);
	if (th == NULL) {
		wp_net_drop(net, m, WP_DROP_NOMEM);
		return;
	}
	memset(th, 0, WP_TCP_HDR_LEN);
	wr16(th, dport);
	wr16(th + 2, sport);
	if (flags & WP_TH_ACK) {
		wr32(th + 4, ack);
		th[13] = WP_TH_RST;
	} else {
		wr32(th + 8, seq + seglen);
		th[13] = WP_TH_RST | WP_TH_ACK;
	}
	th[12] = (WP_TCP_HDR_LEN / 4) << 4;
	net->stats.tcp_segs_out++;
	net->stats.tcp_rst_sent++;
	(void)wp_ipv4_output(net, m, src, WP_IPPROTO_TCP);
}

/* ----------------------------------------------------------- the sender */

static void
persist_arm(struct wp_tcp_conn *c);

static bool
output_state(enum wp_tcp_state s)
{
	return s == WP_TCP_ESTABLISHED || s == WP_TCP_CLOSE_WAIT || s == WP_TCP_FIN_WAIT_1 ||
	       s == WP_TCP_CLOSING || s == WP_TCP_LAST_ACK;
}

/* Send segments from snd_nxt while the windows allow; returns how many. */
static uint32_t
send_segs(struct wp_tcp_conn *c)
{
	uint32_t data_end, avail, inflight, usable, len, sent = 0;
	bool fin;

	for (;;) {
		uint32_t cap = c->mss;

		/* resending after a timeout: skip what the peer SACKed */
		if (c->sb_n > 0 && seq_lt(c->snd_nxt, c->snd_max))
			wp_tcp_sb_skip(c, &c->snd_nxt, &cap);
		data_end = c->sq_seq + c->sq_bytes;
		avail = seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		/* the peer's window counts from snd_una; cwnd counts what is
		 * in the network, so SACKed data is not (in recovery the
		 * inflated cwnd already allows for it, RFC 6582) */
		inflight = c->snd_nxt - c->snd_una;
		usable = c->snd_wnd > inflight ? c->snd_wnd - inflight : 0;
		if (c->sb_n > 0 && !c->in_recovery)
			inflight -= wp_tcp_sb_bytes_below(c, c->snd_nxt);
		usable = min_u32(usable, c->cwnd > inflight ? c->cwnd - inflight : 0);
		len = min_u32(min_u32(avail, cap), usable);
		fin = c->fin_queued && seq_leq(c->snd_nxt, data_end) &&
		      c->snd_nxt + len == data_end;
		if (len == 0 && !fin)
			break;
		/* sender SWS avoidance: a short segment that leaves data
		 * behind waits unless it is half the peer's largest window
		 * (a hole before SACKed data is as long as it is) */
		if (len < avail && len < cap && len < c->max_snd_wnd / 2)
			break;
		if (wp_tcp_xmit(c, c->snd_nxt, len, fin ? WP_TH_FIN : 0) != 0)
			break;
		sent++;
		c->snd_nxt += len + (fin ? 1 : 0);
		if (fin)
			c->fin_sent = true;
		if (!wp_timer_armed(&c->t[WP_TT_RTX]) || c->persist)
			wp_tcp_rtx_arm(c);
		if (fin)
			break;
	}
	return sent;
}

/* RFC 5681 4.1: no data sent for more than an RTO, so cwnd no longer
 * measures the path; restart from at most the initial window. ssthresh
 * keeps 3/4 of the old cwnd (RFC 2861, as Linux) so slow start climbs back
 * quickly to where the path was. A pooled session reused after an idle
 * spell starts like a fresh one instead of bursting an old window. */
static void
idle_restart(struct wp_tcp_conn *c)
{
	int64_t now = c->tcp->net->now;
	uint32_t rw = wp_tcp_initial_window(c);

	if (c->snd_una != c->snd_max || c->last_data_ns == 0 ||
	    now - c->last_data_ns <= wp_tcp_rto_now(c) || c->cwnd <= rw)
		return;
	if (c->ssthresh < c->cwnd / 4 * 3)
		c->ssthresh = c->cwnd / 4 * 3;
	c->cwnd = rw;
	c->ca_acked = 0;
	c->tcp->net->stats.tcp_idle_restarts++;
}

void
wp_tcp_output(struct wp_tcp_conn *c)
{
	if (!output_state(c->state))
		return;
	idle_restart(c);
	if (send_segs(c) > 0)
		wp_tcp_loss_arm(c);
	if (c->snd_nxt == c->snd_una && c->snd_una == c->snd_max &&
	    seq_lt(c->snd_nxt, c->sq_seq + c->sq_bytes) &&
	    !wp_timer_armed(&c->t[WP_TT_RTX]))
		persist_arm(c);
}

/* ---------------------------------------------------------------- timers */

void
wp_tcp_timer_arm(struct wp_tcp_conn *c, enum wp_tcp_timer_kind k, int64_t when)
{
	wp_timer_arm(&c->tcp->wheel, &c->t[k], when);
}

void
wp_tcp_timer_cancel(struct wp_tcp_conn *c, enum wp_tcp_timer_kind k)
{
	if (wp_timer_armed(&c->t[k]))
		wp_timer_cancel(&c->tcp->wheel, &c->t[k]);
}

int64_t
wp_tcp_rto_now(const struct wp_tcp_conn *c)
{
	int64_t max = c->tcp->net->conf.rto_max_ns, t = c->rto;
	uint8_t i;

	for (i = 0; i < c->backoff && t < max; i++)
		t *= 2;
	return t < max ? t : max;
}

void
wp_tcp_rtx_arm(struct wp_tcp_conn *c)
{
	c->persist = false;
	wp_tcp_timer_arm(c, WP_TT_RTX, c->tcp->net->now + wp_tcp_rto_now(c));
}

static void
persist_arm(struct wp_tcp_conn *c)
{
	c->persist = true;
	wp_tcp_timer_arm(c, WP_TT_RTX, c->tcp->net->now + wp_tcp_rto_now(c));
}

void
wp_tcp_rtt_sample(struct wp_tcp_conn *c, int64_t r)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;
	int64_t d, var;

	if (r <= 0)
		r = 1;
	if (c->srtt == 0) {
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		d = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + d) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	var = 4 * c->rttvar;
	if (var < cf->timer_tick_ns)
		var = cf->timer_tick_ns;
	c->rto = c->srtt + var;
	if (c->rto < cf->rto_min_ns)
		c->rto = cf->rto_min_ns;
	if (c->rto > cf->rto_max_ns)
		c->rto = cf->rto_max_ns;
}

void
wp_tcp_mss_update(struct wp_tcp_conn *c)
{
	uint32_t m = min_u32(c->peer_mss, c->tcp->mss_cap);

	if (c->ts_ok)
		m -= 12;
	if (m < 64)
		m = 64;
	c->mss = (uint16_t)m;
}

void
wp_tcp_ack_schedule(struct wp_tcp_conn *c, uint32_t seglen)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;

	c->ack_bytes += seglen;
	if (seglen > c->rcv_mss)
		c->rcv_mss = min_u32(seglen, c->tcp->our_mss);
	if (cf->delack_ns == 0 || c->ack_bytes >= 2 * c->rcv_mss)
		wp_tcp_send_ack(c);
	else if (!wp_timer_armed(&c->t[WP_TT_DELACK]))
		wp_tcp_timer_arm(c, WP_TT_DELACK, c->tcp->net->now + cf->delack_ns);
}

void
wp_tcp_keepalive_arm(struct wp_tcp_conn *c)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;

	if (cf->keepalive_idle_ns > 0 && !wp_timer_armed(&c->t[WP_TT_KEEP]))
		wp_tcp_timer_arm(c, WP_TT_KEEP, c->tcp->net->now + cf->keepalive_idle_ns);
}

static void
give_up(struct wp_tcp_conn *c)
{
	switch (c->state) {
	case WP_TCP_SYN_SENT:
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_CONNECT_TIMEOUT);
		break;
	case WP_TCP_SYN_RECEIVED:
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_TIMEOUT);
		break;
	default:
		wp_tcp_send_rst(c);
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_TIMEOUT);
		break;
	}
}

static void
rto_fire(struct wp_tcp_conn *c)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;
	uint32_t limit, len, flight;
	bool fin;

	wp_tcp_timer_cancel(c, WP_TT_LOSS);
	if (c->snd_una == c->snd_max)
		return;
	limit = c->state == WP_TCP_SYN_SENT || c->state == WP_TCP_SYN_RECEIVED ?
		cf->syn_retries : cf->max_retries;
	if (c->retries >= limit) {
		give_up(c);
		return;
	}
	c->retries++;
	if (c->backoff < 30)
		c->backoff++;
	c->tcp->net->stats.tcp_rto_fires++;
	c->rtt_timing = false;
	if (c->state == WP_TCP_SYN_SENT || c->state == WP_TCP_SYN_RECEIVED) {
		c->syn_timeout = true;
		(void)wp_tcp_xmit(c, c->iss, 0, WP_TH_SYN);
		wp_tcp_rtx_arm(c);
		return;
	}
	/* RFC 5681 (7)/(8): loss window; ssthresh only on the first timeout
	 * of a series. RFC 6582: recover = highest sent. */
	flight = c->snd_max - c->snd_una;
	if (c->retries == 1)
		c->ssthresh = flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
	c->cwnd = c->mss;
	c->ca_acked = 0;
	c->dupacks = 0;
	c->in_recovery = false;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	/* a second timeout in a row: the peer may have reneged on what it
	 * SACKed (RFC 2018 section 8), so resend everything */
	if (c->retries >= 2)
		wp_tcp_sb_clear(c);
	/* go back N: resend the first unacknowledged segment now, whatever
	 * the window, the rest (minus what the peer SACKed) as the ACKs
	 * come back */
	len = wp_tcp_head_len(c, &fin);
	(void)wp_tcp_xmit(c, c->snd_una, len, fin ? WP_TH_FIN : 0);
	c->snd_nxt = c->snd_una + len + (fin ? 1 : 0);
	wp_tcp_rtx_arm(c);
}

static void
persist_fire(struct wp_tcp_conn *c)
{
	const struct wp_net_conf *cf = &c->tcp->net->conf;
	uint32_t data_end = c->sq_seq + c->sq_bytes, avail, len;
	bool fin;

	avail = seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
	if (avail == 0 || c->snd_nxt != c->snd_una) {
		c->persist = false;
		if (c->snd_una != c->snd_max)
			wp_tcp_rtx_arm(c);
		return;
	}
	if (c->retries >= cf->max_retries) {
		give_up(c);
		return;
	}
	c->retries++;
	if (c->backoff < 30)
		c->backoff++;
	if (c->snd_wnd == 0) {
		c->tcp->net->stats.tcp_zero_window_probes++;
		(void)wp_tcp_xmit(c, c->snd_una - 1, 0, 0);
		persist_arm(c);
		return;
	}
	/* the window is open but too small for the SWS rule: force it */
	len = min_u32(min_u32(avail, c->snd_wnd), c->mss);
	fin = c->fin_queued && c->snd_nxt + len == data_end;
	if (wp_tcp_xmit(c, c->snd_nxt, len, fin ? WP_TH_FIN : 0) == 0) {
		c->snd_nxt += len + (fin ? 1 : 0);
		if (fin)
			c->fin_sent = true;
	}
	wp_tcp_rtx_arm(c);
}

static void
keep_fire(struct wp_tcp_conn *c)
{
	struct wp_net *net = c->tcp->net;
	const struct wp_net_conf *cf = &net->conf;

	if (c->state == WP_TCP_TIME_WAIT) {
		wp_tcp_conn_release(c);
		return;
	}
	if (c->state == WP_TCP_FIN_WAIT_2 && c->app_closed) {
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_TIMEOUT);
		return;
	}
	if (cf->keepalive_idle_ns <= 0 ||
	    (c->state != WP_TCP_ESTABLISHED && c->state != WP_TCP_CLOSE_WAIT &&
	     c->state != WP_TCP_FIN_WAIT_2))
		return;
	if (net->now - c->last_rx < cf->keepalive_idle_ns) {
		wp_tcp_timer_arm(c, WP_TT_KEEP, c->last_rx + cf->keepalive_idle_ns);
		return;
	}
	if (c->snd_una != c->snd_max || c->sq_bytes > 0) {
		/* data outstanding: the RTO watches the peer */
		wp_tcp_timer_arm(c, WP_TT_KEEP, net->now + cf->keepalive_idle_ns);
		return;
	}
	if (c->ka_probes >= cf->keepalive_probes) {
		wp_tcp_send_rst(c);
		wp_tcp_conn_closed(c, WP_TCP_CLOSE_KEEPALIVE);
		return;
	}
	c->ka_probes++;
	net->stats.tcp_keepalive_probes++;
	(void)wp_tcp_xmit(c, c->snd_una - 1, 0, 0);
	wp_tcp_timer_arm(c, WP_TT_KEEP, net->now + cf->keepalive_intvl_ns);
}

void
wp_tcp_timer_fire(struct wp_tcp_conn *c, enum wp_tcp_timer_kind k)
{
	switch (k) {
	case WP_TT_RTX:
		if (c->persist)
			persist_fire(c);
		else
			rto_fire(c);
		break;
	case WP_TT_DELACK:
		if (c->ack_bytes > 0 && c->state != WP_TCP_TIME_WAIT)
			wp_tcp_send_ack(c);
		break;
	case WP_TT_KEEP:
		keep_fire(c);
		break;
	case WP_TT_LOSS:
		wp_tcp_loss_fire(c);
		break;
	default:
		break;
	}
}
