/* SPDX-License-Identifier: BSD-3-Clause */
/* Loss recovery entry and the loss timer: RACK-TLP (RFC 8985) in the
 * simplified form this stack can afford (internals: tcp_impl.h).
 *
 * Duplicate ACKs and the retransmission timer alone leave two holes that
 * a lossy path falls into all the time, and each costs a full RTO (1 s by
 * RFC 6298): a loss with fewer than three segments behind it (a small
 * window, the end of a burst), and a tail with no ACK coming back at all
 * (the last segments lost, or the one stretch ACK that covered them). On
 * a veth at 5% loss, nearly every RTO we took was one of those two.
 *
 * The loss timer (WP_TT_LOSS) closes both. It is (re)armed after every
 * ACK that reaches the congestion code and after every transmission by
 * wp_tcp_output(), and fires at most once per arming:
 *
 *  - Reordering window. Outside recovery, once the scoreboard shows a
 *    hole (SACKed data above snd_una), the hole is taken as lost when it
 *    is still there a reordering window (srtt/4, at least a timer tick)
 *    after the ACK that first showed it. This is RACK's rule for data
 *    sent once: the SACKed segment left after the hole and has already
 *    arrived, so by the time that ACK is here the hole's segment has had
 *    an RTT; give reordering reo_wnd more. Without per-segment send
 *    times we use sequence order for send order, which is exact for data
 *    sent once; lost retransmissions are tcp_sack.c's rounds.
 *  - Tail loss probe. Otherwise, if no ACK comes for PTO = 2 srtt (plus
 *    RFC 8985's 200 ms allowance for a delayed ACK when one segment or
 *    less is in flight, at least two timer ticks), send one segment
 *    whatever cwnd says: the last one sent, again. Its ACK (with SACK
 *    blocks) tells the reordering window or the recovery rounds what is
 *    missing. In recovery the probe is the first hole again (a new
 *    round): the likeliest silence there is a lost retransmission with
 *    nothing behind it.
 *
 * Two departures from RFC 8985, both measured on a veth at 5% loss
 * against Linux. (1) The probe resends the last segment even when new
 * data could go: the commonest silence there was not lost data but the
 * one stretch ACK Linux sent for a whole burst, and Linux answers a
 * duplicate segment at once (D-SACK) but a single in-order new one only
 * after its 40 ms delayed-ACK timer. (2) If the probe meets silence too,
 * one more goes after twice the PTO (WP_TCP_TLP_MAX probes per silence),
 * because an RTO costs thousands of RTTs here and a probe one segment.
 *
 * After each probe the RTO is re-armed from now (RFC 8985 7.3); after the
 * last one the loss timer waits for an ACK, so a dead path backs off
 * exactly as before. Spurious probes (a late ACK) cost one segment each.
 * Not done: the TLP loss detection that reduces cwnd when a probe alone
 * repaired a loss (it needs D-SACK), and per-segment send times.
 *
 * Ownership: the connection's lcore; called from tcp_in.c, tcp_out.c and
 * the timer dispatch, on connections the caller holds.
 */
#include "tcp_impl.h"

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

uint32_t
wp_tcp_head_len(const struct wp_tcp_conn *c, bool *fin)
{
	uint32_t data_end = c->sq_seq + c->sq_bytes, len, seq = c->snd_una;

	len = seq_lt(c->snd_una, data_end) ? min_u32(data_end - c->snd_una, c->mss) : 0;
	/* a SACKed range starting at snd_una itself claims data the peer
	 * has not acknowledged: it is not believed (reneging, a confused
	 * peer), the head goes whole */
	if (c->sb_n > 0 && seq_gt(c->sb[0].l, c->snd_una))
		wp_tcp_sb_skip(c, &seq, &len);
	*fin = c->fin_sent && c->snd_una + len == data_end;
	return len;
}

void
wp_tcp_rexmit_head(struct wp_tcp_conn *c)
{
	bool fin;
	uint32_t len = wp_tcp_head_len(c, &fin);

	if (wp_tcp_xmit(c, c->snd_una, len, fin ? WP_TH_FIN : 0) == 0 && len > 0 &&
	    seq_gt(c->snd_una + len, c->high_rxt))
		c->high_rxt = c->snd_una + len;
}

void
wp_tcp_recovery_enter(struct wp_tcp_conn *c)
{
	uint32_t flight = c->snd_nxt - c->snd_una;   /* = snd_max - snd_una unless resending */
	uint32_t dup = c->dupacks < 3 ? c->dupacks : 3;

	c->ssthresh = flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->reo_start = 0;
	c->tcp->net->stats.tcp_fast_retransmits++;
	c->rtt_timing = false;
	wp_tcp_sack_recovery_start(c);
	if (wp_tcp_sack_rexmit(c, 1) == 0)
		wp_tcp_rexmit_head(c);
	/* RFC 6582 inflates by the three segments the duplicate ACKs say
	 * have left the network; entered from the timer there may be fewer */
	c->cwnd = c->ssthresh + (dup > 0 ? dup : 1) * c->mss;
}

static int64_t
reo_wnd(const struct wp_tcp_conn *c)
{
	int64_t w = c->srtt / 4, tick = c->tcp->net->conf.timer_tick_ns;

	return w > tick ? w : tick;
}

static bool
loss_state(enum wp_tcp_state s)
{
	return s == WP_TCP_ESTABLISHED || s == WP_TCP_CLOSE_WAIT || s == WP_TCP_FIN_WAIT_1 ||
	       s == WP_TCP_CLOSING || s == WP_TCP_LAST_ACK;
}

static int64_t
pto(const struct wp_tcp_conn *c)
{
	int64_t p = 2 * c->srtt, min = 2 * c->tcp->net->conf.timer_tick_ns;

	if (c->snd_max - c->snd_una <= c->mss)
		p += WP_TCP_TLP_DELACK_NS;
	return p > min ? p : min;
}

/* The deadline moves later with nearly every ACK; the wheel timer is only
 * moved when the deadline comes earlier. A timer that fires before the
 * current deadline just goes again (wp_tcp_loss_fire), so a stream of
 * ACKs costs a store each instead of a wheel operation. */
static void
loss_timer_set(struct wp_tcp_conn *c, int64_t when)
{
	c->loss_at = when;
	if (!wp_timer_armed(&c->t[WP_TT_LOSS]) || when < c->loss_timer_at) {
		c->loss_timer_at = when;
		wp_tcp_timer_arm(c, WP_TT_LOSS, when);
	}
}

void
wp_tcp_loss_arm(struct wp_tcp_conn *c)
{
	struct wp_net *net = c->tcp->net;
	int64_t when;

	if (!net->conf.rack_tlp || c->snd_una == c->snd_max || c->persist || c->srtt == 0 ||
	    !loss_state(c->state)) {
		c->reo_start = 0;
		wp_tcp_timer_cancel(c, WP_TT_LOSS);
		return;
	}
	if (c->sb_n == 0)
		c->reo_start = 0;
	if (!c->in_recovery && c->sb_n > 0) {
		if (c->reo_start == 0)
			c->reo_start = net->now;
		when = c->reo_start + reo_wnd(c);
	} else {
		when = net->now + pto(c);
	}
	loss_timer_set(c, when);
}

/* Resend the last segment sent (up to one MSS ending at snd_max, with our
 * FIN if that was sent). */
static void
rexmit_tail(struct wp_tcp_conn *c)
{
	uint32_t data_end = c->sq_seq + c->sq_bytes, end, len;

	end = c->fin_sent ? data_end : c->snd_max;
	len = min_u32(end - c->snd_una, c->mss);
	(void)wp_tcp_xmit(c, end - len, len, c->fin_sent ? WP_TH_FIN : 0);
}

void
wp_tcp_loss_fire(struct wp_tcp_conn *c)
{
	struct wp_net *net = c->tcp->net;

	if (c->snd_una == c->snd_max || c->persist || !loss_state(c->state))
		return;
	if (net->now < c->loss_at) {           /* moved later since armed */
		c->loss_timer_at = c->loss_at;
		wp_tcp_timer_arm(c, WP_TT_LOSS, c->loss_at);
		return;
	}
	if (!c->in_recovery && c->sb_n > 0) {
		/* the reordering window ran out: the hole is lost; if its
		 * retransmission meets silence, probe as in any recovery */
		net->stats.tcp_rack_recoveries++;
		wp_tcp_recovery_enter(c);
		wp_tcp_loss_arm(c);
		return;
	}
	net->stats.tcp_loss_probes++;
	if (c->in_recovery) {
		c->rxt_round = c->snd_max;
		c->rxt_round_ns = net->now;
		c->high_rxt = c->snd_una;
		if (wp_tcp_sack_rexmit(c, 1) == 0)
			wp_tcp_rexmit_head(c);
	} else {
		rexmit_tail(c);
	}
	wp_tcp_rtx_arm(c);
	/* silence again: one more probe, twice as late, then the RTO */
	if (++c->probes < WP_TCP_TLP_MAX)
		loss_timer_set(c, net->now + (pto(c) << c->probes));
}
