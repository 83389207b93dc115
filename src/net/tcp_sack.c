/* SPDX-License-Identifier: BSD-3-Clause */
/* SACK scoreboard and SACK-driven loss recovery (RFC 2018, RFC 6675 in a
 * simplified form).
 *
 * The scoreboard is a short sorted array of disjoint ranges the peer has
 * reported (SACK blocks) above snd_una. During fast recovery every hole
 * below the highest SACKed byte is taken as lost (the FACK rule: with
 * 3 duplicate ACKs already seen, reordering that deep is rare here) and
 * retransmitted once per round, one segment per incoming ACK, so that a
 * window with many losses is repaired in about one round trip instead of
 * NewReno's one hole per round trip.
 *
 * Lost retransmissions: a round starts at snd_max (rxt_round). When data
 * sent after that point has been SACKed while holes below remain, or the
 * round is more than an RTT old and ACKs still leave its holes open, the
 * retransmissions of those holes were lost too, and a new round begins,
 * instead of waiting for the retransmission timer.
 *
 * The scoreboard also lets the go-back-N resend after a timeout skip what
 * the peer already holds, and a loss during that resend enter fast
 * recovery (the go-back-N pass goes on as its retransmission). It is cleared on the second consecutive timeout
 * in case the peer reneged (dropped data it had SACKed), RFC 2018 section 8.
 *
 * Ownership: the connection's lcore; called from tcp_in.c (ACKs) and
 * tcp_out.c (output, timers).
 */
#include "tcp_impl.h"

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Drop what snd_una has passed, trim a range it cuts. */
static void
sb_prune(struct wp_tcp_conn *c)
{
	uint8_t i = 0, j;

	while (i < c->sb_n && seq_leq(c->sb[i].r, c->snd_una))
		i++;
	if (i > 0) {
		for (j = 0; i + j < c->sb_n; j++)
			c->sb[j] = c->sb[i + j];
		c->sb_n = j;
	}
	if (c->sb_n > 0 && seq_lt(c->sb[0].l, c->snd_una))
		c->sb[0].l = c->snd_una;
}

/* Insert [l, r) keeping the array sorted and disjoint (merging touching
 * ranges). When full, the highest range is given up: holes low in the
 * window are the ones recovery needs first. */
static void
sb_insert(struct wp_tcp_conn *c, uint32_t l, uint32_t r)
{
	uint8_t i = 0, j, k;

	while (i < c->sb_n && seq_lt(c->sb[i].r, l))
		i++;
	/* ranges i..j-1 overlap or touch [l, r) */
	j = i;
	while (j < c->sb_n && seq_leq(c->sb[j].l, r)) {
		if (seq_lt(c->sb[j].l, l))
			l = c->sb[j].l;
		if (seq_gt(c->sb[j].r, r))
			r = c->sb[j].r;
		j++;
	}
	if (j > i) {                           /* merge into slot i */
		c->sb[i].l = l;
		c->sb[i].r = r;
		for (k = 1; j + k - 1 < c->sb_n; k++)
			c->sb[i + k] = c->sb[j + k - 1];
		c->sb_n = (uint8_t)(c->sb_n - (j - i) + 1);
		return;
	}
	if (c->sb_n == WP_TCP_SB_MAX) {
		if (i == c->sb_n)
			return;                    /* above everything: give up */
		c->sb_n--;
	}
	for (k = c->sb_n; k > i; k--)
		c->sb[k] = c->sb[k - 1];
	c->sb[i].l = l;
	c->sb[i].r = r;
	c->sb_n++;
}

void
wp_tcp_sb_update(struct wp_tcp_conn *c, const struct wp_tcp_opts *o)
{
	uint8_t i;

	sb_prune(c);
	if (!c->sack_ok || !(o->present & WP_TCPOPT_SACK))
		return;
	for (i = 0; i < o->nsack; i++) {
		uint32_t l = o->sack[i].left, r = o->sack[i].right;

		/* D-SACK (at or below snd_una) and blocks that are empty or
		 * claim data never sent say nothing about holes */
		if (!seq_lt(l, r) || seq_leq(r, c->snd_una) || seq_gt(r, c->snd_max) ||
		    r - l > c->snd_max - c->snd_una)
			continue;
		if (seq_lt(l, c->snd_una))
			l = c->snd_una;
		sb_insert(c, l, r);
	}
}

void
wp_tcp_sb_clear(struct wp_tcp_conn *c)
{
	c->sb_n = 0;
}

/* First byte at or after `from` not SACKed and below the highest SACKed
 * byte, and how many bytes (up to one MSS) follow it unSACKed. */
static bool
sb_next_hole(const struct wp_tcp_conn *c, uint32_t from, uint32_t *seq, uint32_t *len)
{
	uint8_t i;

	for (i = 0; i < c->sb_n; i++) {
		if (seq_geq(from, c->sb[i].r))
			continue;
		if (seq_geq(from, c->sb[i].l)) {   /* inside: skip the range */
			from = c->sb[i].r;
			continue;
		}
		*seq = from;
		*len = min_u32(c->sb[i].l - from, c->mss);
		return true;
	}
	return false;
}

void
wp_tcp_sb_skip(const struct wp_tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	uint8_t i;

	for (i = 0; i < c->sb_n; i++) {
		if (seq_geq(*seq, c->sb[i].r))
			continue;
		if (seq_geq(*seq, c->sb[i].l)) {
			*seq = c->sb[i].r;
			continue;
		}
		if (seq_lt(c->sb[i].l, *seq + *len))
			*len = c->sb[i].l - *seq;
		return;
	}
}

uint32_t
wp_tcp_sb_bytes_below(const struct wp_tcp_conn *c, uint32_t seq)
{
	uint32_t n = 0;
	uint8_t i;

	for (i = 0; i < c->sb_n && seq_lt(c->sb[i].l, seq); i++)
		n += (seq_lt(c->sb[i].r, seq) ? c->sb[i].r : seq) - c->sb[i].l;
	return n;
}

void
wp_tcp_sack_recovery_start(struct wp_tcp_conn *c)
{
	/* after a timeout go-back-N is still resending (snd_nxt < snd_max):
	 * it goes on doing so, skipping SACKed data, and this round has no
	 * holes of its own to resend */
	c->high_rxt = c->snd_nxt == c->snd_max ? c->snd_una : c->snd_max;
	c->rxt_round = c->snd_max;
	c->rxt_round_ns = c->tcp->net->now;
}

/* The resends of this round are taken as lost when data sent after the
 * round began has been SACKed, or (RACK-like, RFC 8985 in spirit) when
 * the round is older than 5/4 of a smoothed RTT and ACKs still arrive
 * without filling its holes: the case where the window left no room for
 * new data to probe with. */
static bool
round_lost(const struct wp_tcp_conn *c)
{
	int64_t age = c->tcp->net->now - c->rxt_round_ns;

	if (seq_gt(c->sb[c->sb_n - 1].r, c->rxt_round))
		return true;
	return c->srtt > 0 && age > c->srtt + c->srtt / 4 + WP_TCP_RACK_MIN_NS;
}

uint32_t
wp_tcp_sack_rexmit(struct wp_tcp_conn *c, uint32_t budget)
{
	uint32_t sent = 0, seq, len, data_end = c->sq_seq + c->sq_bytes;
	bool new_round = false;

	if (!c->sack_ok || c->sb_n == 0)
		return 0;
	if (seq_lt(c->high_rxt, c->snd_una))
		c->high_rxt = c->snd_una;
	while (sent < budget) {
		if (!sb_next_hole(c, c->high_rxt, &seq, &len)) {
			/* every hole resent once; data sent after this round
			 * began is SACKed, so resends still missing were lost */
			if (new_round || !round_lost(c) ||
			    !sb_next_hole(c, c->snd_una, &seq, &len))
				break;
			new_round = true;
			c->rxt_round = c->snd_max;
			c->rxt_round_ns = c->tcp->net->now;
			c->tcp->net->stats.tcp_sack_rounds++;
		}
		if (seq_geq(seq, data_end))
			break;                     /* only the FIN is missing */
		len = min_u32(len, data_end - seq);
		if (wp_tcp_xmit(c, seq, len, 0) != 0)
			break;
		c->high_rxt = seq + len;
		c->tcp->net->stats.tcp_sack_rexmits++;
		sent++;
	}
	return sent;
}
