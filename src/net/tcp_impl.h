/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP engine internals shared by tcp_conn.c, tcp_in.c and tcp_out.c
 * (DESIGN.md section 3; application API in include/warmpool/tcp.h).
 *
 * Ownership. struct wp_tcp hangs off struct wp_net and belongs to the same
 * lcore; so does every struct wp_tcp_conn, listener, timer and queued mbuf
 * reachable from it. Nothing is atomic or locked.
 *
 * Connections are preallocated at create (conf.max_conns, one array) and
 * recycled through a free list; the flow table (same capacity) maps the
 * 4-tuple to the slot. A slot is "live" from conn_alloc until
 * wp_tcp_conn_release, and is in the flow table exactly while live.
 *
 * Mbufs held (wp_tcp_mbufs_held == tcp->mbufs_held):
 *  - the send queue: the application's chains, unlinked into one list of
 *    segments through ->next; each segment is counted once;
 *  - the out-of-order queue: received payload chains sorted by sequence,
 *    linked through a registered mbuf dynamic field; each segment counted.
 *
 * Invariants of a live connection:
 *  - snd_una <= snd_nxt <= snd_max (sequence order); snd_max is the highest
 *    sequence ever sent (+1), snd_nxt goes back to snd_una after an RTO;
 *  - once the SYN is acknowledged, sq_seq == snd_una until our FIN is
 *    acknowledged (then snd_una == sq_seq + 1, sq_bytes == 0); byte i of
 *    the send queue has sequence sq_seq + i, our FIN sq_seq + sq_bytes;
 *  - rcv_adv (right edge last advertised) never moves left;
 *  - ooo segments all start after rcv_nxt, sorted, non-overlapping;
 *  - closed_cb: the application has had its `closed` call; after that no
 *    callback is made and the pointer is not the application's any more
 *    (TIME_WAIT conns live on with closed_cb set until the timer ends);
 *  - busy > 0 while input/timer/API code runs on the conn: a release asked
 *    for meanwhile (from a callback) only marks `zombie`; the outermost
 *    caller finishes it (tcp_conn_put).
 */
#ifndef WP_NET_TCP_IMPL_H
#define WP_NET_TCP_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "net_impl.h"
#include "flow.h"
#include "parse.h"
#include "timer.h"
#include "tcp_isn.h"
#include "tcp_opt.h"

#define WP_TH_FIN 0x01
#define WP_TH_SYN 0x02
#define WP_TH_RST 0x04
#define WP_TH_PSH 0x08
#define WP_TH_ACK 0x10
#define WP_TH_URG 0x20

#define WP_TCP_HDR_LEN 20
#define WP_TCP_LISTEN_BUCKETS 64
#define WP_TCP_DEFAULT_MSS 536
#define WP_TCP_FIN_WAIT_2_NS (60LL * 1000000000LL)  /* orphaned FIN_WAIT_2 */
#define WP_TCP_CHALLENGE_PER_S 1000                 /* RFC 5961 section 7 */
#define WP_TCP_SB_MAX 8                             /* SACK scoreboard ranges */
#define WP_TCP_RACK_MIN_NS 1000000LL                /* reordering allowance, 1 ms */
#define WP_TCP_TLP_DELACK_NS (200LL * 1000000LL)    /* RFC 8985 WCDelAckT */
#define WP_TCP_TLP_MAX 2                            /* loss probes per silence */
#define WP_TCP_NS_PER_S 1000000000LL

static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

enum wp_tcp_timer_kind {
	WP_TT_RTX = 0,   /* retransmission (SYN, data, FIN) or persist */
	WP_TT_DELACK,    /* delayed ACK */
	WP_TT_KEEP,      /* keep-alive, TIME_WAIT, FIN_WAIT_2 orphan */
	WP_TT_LOSS,      /* reordering window / loss probe (tcp_recovery.c) */
	WP_TT__COUNT
};

struct wp_tcp_listener {
	struct wp_tcp_listener *next;   /* hash bucket chain */
	uint16_t port;
	struct wp_tcp_cbs cbs;
	void *arg;
	uint32_t backlog;               /* half-open (SYN_RECEIVED) conns */
	struct wp_tcp_conn *half;       /* list of them (hnext/hprev) */
	int64_t last_cookie_ns;         /* last cookie SYN-ACK; 0 = never */
};

struct wp_tcp_conn {
	struct wp_tcp *tcp;
	struct wp_flow_key key;         /* rip/lip/rport/lport, host order */
	enum wp_tcp_state state;
	struct wp_tcp_cbs cbs;          /* copied: from connect or the listener */
	void *arg;
	struct wp_tcp_listener *listener; /* while SYN_RECEIVED (passive) */
	struct wp_tcp_conn *hnext, *hprev; /* listener's half-open list */
	struct wp_tcp_conn *free_next;

	/* lifetime flags */
	bool active;          /* we sent the SYN */
	bool app_known;       /* accepted/connect: the application has it */
	bool closed_cb;       /* `closed` delivered (or never owed) */
	bool zombie;          /* release pending until busy drops to 0 */
	bool app_closed;      /* wp_tcp_close: discard incoming data */
	bool fin_queued;      /* shutdown: send FIN after the queue */
	bool fin_sent;        /* FIN has been sent at least once */
	bool peer_fin;        /* FIN received (in order) */
	bool ooo_fin;         /* FIN seen out of order at ooo_fin_seq */
	bool sack_ok, ts_ok, wscale_ok;
	bool in_recovery;     /* NewReno fast recovery */
	bool rtt_timing;      /* rtt_seq/rtt_start valid (Karn) */
	bool persist;         /* the RTX timer is a persist timer */
	bool cookie;          /* created from a SYN cookie */
	bool in_rx;           /* inside the `data` callback */
	bool wnd_update;      /* recved() there wants a window update */
	bool syn_timeout;     /* our SYN or SYN-ACK was resent by the RTO */
	uint16_t busy;

	/* send sequence space */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss;         /* payload bytes per segment (options excluded) */
	uint16_t peer_mss;    /* from the SYN (default 536) */

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv, last_ack_sent;
	uint32_t rcv_unread;  /* delivered, not yet wp_tcp_recved */
	uint32_t rcv_mss;     /* largest segment seen, for delayed ACKs */
	uint32_t ack_bytes;   /* received since our last ACK */
	uint32_t ooo_fin_seq;

	/* congestion control (RFC 5681, RFC 6582) */
	uint32_t cwnd, ssthresh, recover, ca_acked;
	uint8_t dupacks;
	int64_t last_data_ns;           /* data last sent (0 = never): idle restart */

	/* SACK scoreboard (tcp_sack.c): sorted disjoint ranges above
	 * snd_una the peer holds; recovery resends holes up to high_rxt in
	 * rounds that began at snd_max = rxt_round */
	uint8_t sb_n;
	struct { uint32_t l, r; } sb[WP_TCP_SB_MAX];
	uint32_t high_rxt, rxt_round;
	int64_t rxt_round_ns;           /* when this round began */
	int64_t reo_start;              /* outside recovery: when the scoreboard
					 * first showed a hole (0 = none) */
	uint8_t probes;                 /* loss probes since snd_una last moved */
	int64_t loss_at;                /* loss timer deadline (tcp_recovery.c) */
	int64_t loss_timer_at;          /* what the wheel timer is armed for */

	/* RTT / RTO (RFC 6298) */
	int64_t srtt, rttvar, rto;      /* ns; srtt 0 = no sample yet */
	uint32_t rtt_seq;
	int64_t rtt_start;
	uint8_t backoff;                /* RTO doubling shift */
	uint8_t retries;                /* consecutive RTO / persist fires */
	uint8_t ka_probes;              /* unanswered keep-alive probes */
	uint32_t retransmits;

	/* timestamps (RFC 7323) */
	uint32_t ts_recent;
	uint32_t ts_off;                /* added to the 1 ms clock */
	int64_t last_rx;                /* for keep-alive */

	/* send queue */
	struct rte_mbuf *sq_head, *sq_tail;
	uint32_t sq_seq, sq_bytes, sq_segs;
	struct rte_mbuf *sq_cur;        /* cursor: segment at byte sq_cur_off */
	uint32_t sq_cur_off;

	/* out-of-order queue */
	struct rte_mbuf *ooo;
	uint32_t ooo_n, ooo_bytes, ooo_segs;

	struct wp_timer t[WP_TT__COUNT];
};

struct wp_tcp {
	struct wp_net *net;
	struct wp_tcp_conn *conns;      /* max_conns slots */
	struct wp_tcp_conn *free_list;
	uint32_t nconns;                /* max_conns */
	struct wp_flow_table *flows;
	struct wp_timer_wheel wheel;
	struct wp_tcp_secret secret;
	struct wp_tcp_listener *listen[WP_TCP_LISTEN_BUCKETS];
	uint16_t eph_next;              /* ephemeral port cursor */
	uint8_t our_wscale;             /* shift so rcvbuf fits 16 bits */
	uint16_t our_mss;               /* mtu - 40 */
	uint16_t mss_cap;               /* payload that fits one mbuf */
	int ooo_dynoff;                 /* dynfield offset (struct wp_tcp_ooo_meta) */
	uint32_t mbufs_held;
	int64_t chal_window;            /* RFC 5961 rate limit: window start */
	uint32_t chal_count;
};

/* Per-mbuf metadata of an out-of-order chain (registered dynfield). */
struct wp_tcp_ooo_meta {
	struct rte_mbuf *next;
	uint32_t seq;
};

static inline struct wp_tcp_ooo_meta *
wp_tcp_ooo_meta(const struct wp_tcp *tcp, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, tcp->ooo_dynoff, struct wp_tcp_ooo_meta *);
}

static inline uint32_t
wp_tcp_ts_now(const struct wp_tcp_conn *c)
{
	return (uint32_t)(c->tcp->net->now / 1000000) + c->ts_off;
}

static inline bool
wp_tcp_synchronised(enum wp_tcp_state s)
{
	return s >= WP_TCP_ESTABLISHED;
}

/* ---- tcp_conn.c ---- */
struct wp_tcp_conn *wp_tcp_conn_alloc(struct wp_tcp *tcp, const struct wp_flow_key *k);
/* End the connection: `closed` (if owed) with `why`, counted, then
 * release (unless TIME_WAIT keeps it). */
void wp_tcp_conn_closed(struct wp_tcp_conn *c, enum wp_tcp_close_reason why);
/* Remove from the flow table, free queues, cancel timers, return the slot.
 * Deferred (zombie) while busy. */
void wp_tcp_conn_release(struct wp_tcp_conn *c);
static inline void wp_tcp_conn_get(struct wp_tcp_conn *c) { c->busy++; }
/* Drop a busy reference; returns false if the conn is gone. */
bool wp_tcp_conn_put(struct wp_tcp_conn *c);
struct wp_tcp_listener *wp_tcp_listener_find(struct wp_tcp *tcp, uint16_t port);
void wp_tcp_half_unlink(struct wp_tcp_conn *c);
/* Choose our window scale, the initial RTO etc. for a new conn. */
void wp_tcp_conn_init_common(struct wp_tcp_conn *c);
/* Enter TIME_WAIT: app is done (closed NORMAL), timer 2MSL. */
void wp_tcp_enter_time_wait(struct wp_tcp_conn *c);
/* Mark the connection established and tell the application. */
void wp_tcp_established(struct wp_tcp_conn *c, void *larg);
/* RFC 6928 initial window: min(10 MSS, max(2 MSS, 14600)). */
uint32_t wp_tcp_initial_window(const struct wp_tcp_conn *c);

/* ---- tcp_in.c ---- */
/* (wp_tcp_input, net_impl.h) */

/* ---- tcp_recovery.c ---- */
/* Bytes of the first unacknowledged segment: from snd_una, at most one
 * MSS, cut where the peer's first SACKed range begins; *fin: our FIN goes
 * with them (they end the data and the FIN was sent). */
uint32_t wp_tcp_head_len(const struct wp_tcp_conn *c, bool *fin);
/* Resend that segment (NewReno's retransmission, the RTO's first). */
void wp_tcp_rexmit_head(struct wp_tcp_conn *c);
/* Fast recovery begins (3 duplicate ACKs or the reordering window ran
 * out): ssthresh, recover, first retransmission. */
void wp_tcp_recovery_enter(struct wp_tcp_conn *c);
/* After an ACK or a transmission: (re)arm or cancel the loss timer. */
void wp_tcp_loss_arm(struct wp_tcp_conn *c);
void wp_tcp_loss_fire(struct wp_tcp_conn *c);

/* ---- tcp_sack.c ---- */
/* Take the SACK blocks of an ACK (after snd_una moved) into the scoreboard. */
void wp_tcp_sb_update(struct wp_tcp_conn *c, const struct wp_tcp_opts *o);
void wp_tcp_sb_clear(struct wp_tcp_conn *c);
/* Move *seq past SACKed data and cut *len at the next SACKed range. */
void wp_tcp_sb_skip(const struct wp_tcp_conn *c, uint32_t *seq, uint32_t *len);
/* SACKed bytes below `seq` (not in flight any more). */
uint32_t wp_tcp_sb_bytes_below(const struct wp_tcp_conn *c, uint32_t seq);
/* Fast recovery begins: first retransmission round from snd_una. */
void wp_tcp_sack_recovery_start(struct wp_tcp_conn *c);
/* Resend up to `budget` segments of holes; returns how many were sent
 * (0 without SACK information). */
uint32_t wp_tcp_sack_rexmit(struct wp_tcp_conn *c, uint32_t budget);

/* ---- tcp_out.c ---- */
/* Send whatever window and cwnd allow (data, FIN). */
void wp_tcp_output(struct wp_tcp_conn *c);
/* A segment at `seq` with `len` queue bytes from seq (flags ACK unless
 * SYN_SENT; SYN/FIN from `flags`). 0 or -ENOMEM. */
int wp_tcp_xmit(struct wp_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags);
void wp_tcp_send_ack(struct wp_tcp_conn *c);
void wp_tcp_send_rst(struct wp_tcp_conn *c);
/* RST to a segment without a connection (RFC 9293 reset generation). */
void wp_tcp_rst_reply(struct wp_tcp *tcp, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t seglen);
/* Challenge ACK (RFC 5961), rate-limited per stack. */
void wp_tcp_challenge_ack(struct wp_tcp_conn *c);
/* Receive data path helpers. */
void wp_tcp_ack_schedule(struct wp_tcp_conn *c, uint32_t seglen);
uint32_t wp_tcp_rcv_space(const struct wp_tcp_conn *c);
/* Timers. */
void wp_tcp_rtx_arm(struct wp_tcp_conn *c);
/* The current retransmission timeout, backoff applied, capped. */
int64_t wp_tcp_rto_now(const struct wp_tcp_conn *c);
void wp_tcp_timer_arm(struct wp_tcp_conn *c, enum wp_tcp_timer_kind k, int64_t when);
void wp_tcp_timer_cancel(struct wp_tcp_conn *c, enum wp_tcp_timer_kind k);
void wp_tcp_timer_fire(struct wp_tcp_conn *c, enum wp_tcp_timer_kind k);
void wp_tcp_keepalive_arm(struct wp_tcp_conn *c);
/* Send queue. */
void wp_tcp_sq_append(struct wp_tcp_conn *c, struct rte_mbuf *m, uint32_t len);
uint32_t wp_tcp_sq_trim(struct wp_tcp_conn *c, uint32_t n);
void wp_tcp_sq_free(struct wp_tcp_conn *c);
void wp_tcp_ooo_free(struct wp_tcp_conn *c);
/* New ACK processing helpers (RTT sample, RTO). */
void wp_tcp_rtt_sample(struct wp_tcp_conn *c, int64_t rtt);
void wp_tcp_mss_update(struct wp_tcp_conn *c);

#endif /* WP_NET_TCP_IMPL_H */
