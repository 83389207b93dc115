/* SPDX-License-Identifier: BSD-3-Clause */
/* The TCP engine driven with crafted segments on a virtual clock (issue 3:
 * "crafted packets in tables, packet in, packets out expected").
 *
 * The peer is the test: it injects Ethernet+IPv4+TCP frames built by
 * net_harness.h and reads back what the stack sent. Sequence numbers in the
 * tables are relative: input seq to the peer's next sequence (`rcv`), input
 * ack to our next sequence (`snd`); expected output the same way. The
 * connection's state is looked up in the stack's flow table after each
 * step (absent = CLOSED). Every test ends with the harness's leak check:
 * the mempool's in-use count is back to where it started. */
#include <stdlib.h>

#include <warmpool/tcp.h>

#include "net_harness.h"
#include "net/tcp_impl.h"
#include "../wp_test.h"

#define LPORT 8080
#define PPORT 40000
#define PISN  1000000u       /* the peer's ISN */

/* ------------------------------------------------------------ the rig */

struct app {
	unsigned accepted, connected, peer_closed, closed, sent_calls;
	int reason;                  /* last closed reason, -1 none */
	uint64_t sent;
	uint8_t rx[1 << 20];
	uint32_t rx_len;
	uint32_t data_calls;
	bool no_recved;              /* do not wp_tcp_recved() what arrives */
	bool abort_on_data;
	bool close_on_fin;           /* wp_tcp_close() from peer_closed */
	struct wp_tcp_conn *c;
};

static struct wph_env E;
static struct app A;
static uint32_t snd, rcv, iss; /* our next seq, peer's next seq, our ISS */
static bool peer_ts;           /* the peer uses timestamps */
static uint32_t peer_tsval = 5000;
static struct wph_frame F;     /* last frame read */

static void
cb_accepted(void *larg, struct wp_tcp_conn *c)
{
	(void)larg;
	A.accepted++;
	A.c = c;
}

static void
cb_connected(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	A.connected++;
	A.c = c;
}

static void
cb_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);

	(void)arg;
	A.data_calls++;
	assert_true(A.rx_len + len <= sizeof(A.rx));
	{
		const void *p = rte_pktmbuf_read(m, 0, len, A.rx + A.rx_len);

		assert_non_null(p);
		if (p != A.rx + A.rx_len)
			memcpy(A.rx + A.rx_len, p, len);
	}
	A.rx_len += len;
	rte_pktmbuf_free(m);
	if (!A.no_recved)
		wp_tcp_recved(c, len);
	if (A.abort_on_data)
		wp_tcp_abort(c);
}

static void
cb_sent(void *arg, struct wp_tcp_conn *c, uint32_t n)
{
	(void)arg;
	(void)c;
	A.sent += n;
	A.sent_calls++;
}

static void
cb_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	(void)arg;
	A.peer_closed++;
	if (A.close_on_fin)
		assert_int_equal(wp_tcp_close(c), 0);
}

static void
cb_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	(void)arg;
	assert_ptr_equal(c, A.c);
	A.closed++;
	A.reason = (int)why;
	A.c = NULL;
}

static const struct wp_tcp_cbs CBS = {
	.accepted = cb_accepted,
	.connected = cb_connected,
	.data = cb_data,
	.sent = cb_sent,
	.peer_closed = cb_peer_closed,
	.closed = cb_closed,
};

static void
rig_conf(struct wp_net_conf *c)
{
	wph_conf(c);
	c->delack_ns = 0;            /* most tables want an ACK per segment */
	c->rto_min_ns = WPH_MS(200);
	c->rto_initial_ns = WPH_S(1);
	c->time_wait_ns = WPH_S(60);
}

static void
rig_up_conf(const struct wp_net_conf *conf)
{
	memset(&A, 0, sizeof(A));
	A.reason = -1;
	memset(&E, 0, sizeof(E));
	E.now = WPH_S(100);
	peer_ts = false;
	peer_tsval = 5000;
	wph_setup_conf(&E, conf);
	wph_static_arp(&E);
	assert_int_equal(wp_tcp_listen(E.net, LPORT, &CBS, NULL), 0);
}

static void
rig_up(void)
{
	struct wp_net_conf c;

	rig_conf(&c);
	rig_up_conf(&c);
}

/* Losses found only by duplicate ACKs and the RTO: for the tests of the
 * timeout path, which the loss timer (tcp_recovery.c) would pre-empt. */
static void
rig_up_rto_only(void)
{
	struct wp_net_conf c;

	rig_conf(&c);
	c.rack_tlp = false;
	rig_up_conf(&c);
}

static void
rig_down(void)
{
	struct wp_net_stats s;

	wp_net_free(E.net);
	E.net = NULL;
	wph_cap_clear(&E.cap);
	assert_int_equal(rte_mempool_in_use_count(E.mp), E.in_use0);
	(void)s;
}

static struct wp_net_stats
stats(void)
{
	struct wp_net_stats s;

	wp_net_stats(E.net, &s);
	return s;
}

static struct wp_tcp_conn *
lookup(void)
{
	struct wp_flow_key k = { .rip = WPH_PEER_IP, .lip = WPH_OUR_IP,
				 .rport = PPORT, .lport = LPORT };

	return wp_flow_lookup(E.net->tcp->flows, &k);
}

static enum wp_tcp_state
state(void)
{
	struct wp_tcp_conn *c = lookup();

	return c ? c->state : WP_TCP_CLOSED;
}

/* Option bytes for a SYN: mss 0 = none, ws < 0 = none. */
static uint8_t
syn_opts(uint8_t *b, uint16_t mss, int ws, bool sack, bool ts, uint32_t tsval, uint32_t tsecr)
{
	uint8_t n = 0;

	if (mss) {
		b[n++] = 2; b[n++] = 4; b[n++] = (uint8_t)(mss >> 8); b[n++] = (uint8_t)mss;
	}
	if (sack) {
		b[n++] = 1; b[n++] = 1; b[n++] = 4; b[n++] = 2;
	}
	if (ts) {
		b[n++] = 1; b[n++] = 1; b[n++] = 8; b[n++] = 10;
		wph_put32(b + n, tsval); n += 4;
		wph_put32(b + n, tsecr); n += 4;
	}
	if (ws >= 0) {
		b[n++] = 1; b[n++] = 3; b[n++] = 3; b[n++] = (uint8_t)ws;
	}
	return n;
}

/* Inject a segment from the peer (ports PPORT -> LPORT); with peer_ts,
 * a TS option (TSval peer_tsval, TSecr = last TSval we sent). */
static uint32_t our_last_tsval;

static void
peer_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const void *pl, uint32_t plen)
{
	uint8_t o[12];
	struct wph_tcp_seg s = {
		.sport = PPORT, .dport = LPORT, .seq = seq, .ack = ack, .flags = flags,
		.win = win, .payload = pl, .plen = plen,
	};

	if (peer_ts) {
		s.optlen = syn_opts(o, 0, -1, false, true, peer_tsval, our_last_tsval);
		s.opts = o;
	}
	wph_inject_tcp(&E, &s);
}

static uint32_t
nout(void)
{
	return E.cap.n;
}

/* Read captured frame i into F, check it is TCP between our ports. */
static void
out(uint32_t i)
{
	struct wp_tcp_opts o;

	wph_read(&E, i, &F);
	assert_int_equal(F.kind, WPH_TCP);
	assert_int_equal(F.ip.dst, WPH_PEER_IP);
	assert_int_equal(wp_tcp_opts_parse(F.tcp.opts, F.tcp.opts_len, &o), 0);
	if (o.present & WP_TCPOPT_TS)
		our_last_tsval = o.tsval;
}

static struct wp_tcp_opts
out_opts(void)
{
	struct wp_tcp_opts o;

	assert_int_equal(wp_tcp_opts_parse(F.tcp.opts, F.tcp.opts_len, &o), 0);
	return o;
}

static void
expect(uint32_t i, uint8_t flags, uint32_t seq, uint32_t ack)
{
	out(i);
	assert_int_equal(F.tcp.flags, flags);
	assert_int_equal(F.tcp.seq, seq);
	if (flags & WPH_ACK)
		assert_int_equal(F.tcp.ack, ack);
}

static void
clear(void)
{
	wph_cap_clear(&E.cap);
}

/* The peer opens a connection to LPORT; leaves it ESTABLISHED with the
 * application holding it. opts: the SYN's options. */
static void
open_passive_opts(const uint8_t *opts, uint8_t optlen, uint16_t win)
{
	struct wph_tcp_seg s = {
		.sport = PPORT, .dport = LPORT, .seq = PISN, .flags = WPH_SYN, .win = win,
		.opts = opts, .optlen = optlen,
	};

	wph_inject_tcp(&E, &s);
	assert_int_equal(nout(), 1);
	out(0);
	assert_int_equal(F.tcp.flags, WPH_SYN | WPH_ACK);
	assert_int_equal(F.tcp.ack, PISN + 1);
	assert_int_equal(F.tcp.sport, LPORT);
	assert_int_equal(F.tcp.dport, PPORT);
	iss = F.tcp.seq;
	snd = iss + 1;
	rcv = PISN + 1;
	assert_int_equal(state(), WP_TCP_SYN_RECEIVED);
	assert_int_equal(A.accepted, 0);
	clear();
}

static void
open_passive(void)
{
	uint8_t o[40];
	uint8_t n = syn_opts(o, 1460, -1, false, false, 0, 0);

	open_passive_opts(o, n, 65535);
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	assert_int_equal(nout(), 0);
	assert_int_equal(A.accepted, 1);
	assert_non_null(A.c);
	assert_int_equal(state(), WP_TCP_ESTABLISHED);
}

static void
fill(uint8_t *b, uint32_t n, uint32_t off)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = (uint8_t)((off + i) * 7 + 3);
}

/* ------------------------------------------------- states for the tables */

enum setup {
	S_SYN_SENT, S_SYN_RECEIVED, S_ESTABLISHED, S_CLOSE_WAIT, S_LAST_ACK,
	S_FIN_WAIT_1, S_FIN_WAIT_2, S_CLOSING, S_TIME_WAIT,
};

static const struct wp_tcp_cbs CBS_ACTIVE = {
	.connected = cb_connected, .data = cb_data, .sent = cb_sent,
	.peer_closed = cb_peer_closed, .closed = cb_closed,
};

static struct wp_tcp_conn *
active_conn(void)
{
	struct wp_tcp_conn *c;

	assert_int_equal(wp_tcp_connect(E.net, WPH_PEER_IP, PPORT, LPORT + 1, &CBS_ACTIVE, NULL, &c), 0);
	wp_net_flush(E.net);
	A.c = c;
	return c;
}

static enum wp_tcp_state
active_state(void)
{
	struct wp_flow_key k = { .rip = WPH_PEER_IP, .lip = WPH_OUR_IP,
				 .rport = PPORT, .lport = LPORT + 1 };
	struct wp_tcp_conn *c = wp_flow_lookup(E.net->tcp->flows, &k);

	return c ? c->state : WP_TCP_CLOSED;
}

static void
peer_seg_to(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win)
{
	struct wph_tcp_seg s = {
		.sport = PPORT, .dport = dport, .seq = seq, .ack = ack, .flags = flags, .win = win,
	};

	wph_inject_tcp(&E, &s);
}

static void
setup_state(enum setup st)
{
	switch (st) {
	case S_SYN_SENT:
		active_conn();
		assert_int_equal(nout(), 1);
		out(0);
		assert_int_equal(F.tcp.flags, WPH_SYN);
		iss = F.tcp.seq;
		snd = iss + 1;
		rcv = PISN;      /* nothing from the peer yet */
		clear();
		return;
	case S_SYN_RECEIVED: {
		uint8_t o[8];

		open_passive_opts(o, syn_opts(o, 1460, -1, false, false, 0, 0), 65535);
		return;
	}
	default:
		break;
	}
	open_passive();
	switch (st) {
	case S_ESTABLISHED:
		break;
	case S_CLOSE_WAIT:
		peer_seg(WPH_FIN | WPH_ACK, rcv, snd, 65535, NULL, 0);
		rcv++;
		assert_int_equal(state(), WP_TCP_CLOSE_WAIT);
		break;
	case S_LAST_ACK:
		peer_seg(WPH_FIN | WPH_ACK, rcv, snd, 65535, NULL, 0);
		rcv++;
		assert_int_equal(wp_tcp_close(A.c), 0);
		snd++;
		assert_int_equal(state(), WP_TCP_LAST_ACK);
		break;
	case S_FIN_WAIT_1:
		assert_int_equal(wp_tcp_close(A.c), 0);
		snd++;
		assert_int_equal(state(), WP_TCP_FIN_WAIT_1);
		break;
	case S_FIN_WAIT_2:
		assert_int_equal(wp_tcp_shutdown(A.c), 0);
		snd++;
		peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
		assert_int_equal(state(), WP_TCP_FIN_WAIT_2);
		break;
	case S_CLOSING:
		assert_int_equal(wp_tcp_shutdown(A.c), 0);
		peer_seg(WPH_FIN | WPH_ACK, rcv, snd, 65535, NULL, 0);   /* our FIN not acked */
		snd++;
		rcv++;
		assert_int_equal(state(), WP_TCP_CLOSING);
		break;
	case S_TIME_WAIT:
		assert_int_equal(wp_tcp_shutdown(A.c), 0);
		snd++;
		peer_seg(WPH_FIN | WPH_ACK, rcv, snd, 65535, NULL, 0);
		rcv++;
		assert_int_equal(state(), WP_TCP_TIME_WAIT);
		break;
	default:
		break;
	}
	wp_net_flush(E.net);
	clear();
}

/* ------------------------------------------------------------- the table */

#define NONE (-1)
#define GONE WP_TCP_CLOSED

struct row {
	const char *name;
	enum setup setup;
	uint8_t flags;        /* input */
	int32_t dseq, dack;   /* relative to rcv / snd */
	uint32_t plen;
	uint8_t oflags;       /* expected first output; 0 = none at all */
	int32_t oseq, oack;   /* relative to snd / rcv before the input */
	enum wp_tcp_state after;
	int drop;             /* enum wp_net_drop expected once, NONE */
	int reason;           /* closed callback reason expected, NONE */
};

#define A_ WPH_ACK
#define R_ WPH_RST
#define S_ WPH_SYN
#define F_ WPH_FIN

static const struct row rows[] = {
	/* ESTABLISHED */
	{ "est rst exact", S_ESTABLISHED, R_ | A_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_RESET },
	{ "est rst exact no ack", S_ESTABLISHED, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_RESET },
	{ "est rst in window", S_ESTABLISHED, R_ | A_, 100, 0, 0, A_, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_RST, NONE },
	{ "est rst out of window", S_ESTABLISHED, R_ | A_, 10000000, 0, 0, 0, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_WINDOW, NONE },
	{ "est rst old", S_ESTABLISHED, R_, -5, 0, 0, 0, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_WINDOW, NONE },
	{ "est syn in window", S_ESTABLISHED, S_, 0, 0, 0, A_, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_SYN, NONE },
	{ "est syn+ack", S_ESTABLISHED, S_ | A_, 10, 0, 0, A_, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_SYN, NONE },
	{ "est ack too new", S_ESTABLISHED, A_, 0, 1000, 0, A_, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_ACK, NONE },
	{ "est ack too old", S_ESTABLISHED, A_, 0, -200000, 0, A_, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_ACK, NONE },
	{ "est no ack flag data", S_ESTABLISHED, WPH_PSH, 0, 0, 5, 0, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_FLAGS, NONE },
	{ "est data out of window", S_ESTABLISHED, A_, 10000000, 0, 10, A_, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_WINDOW, NONE },
	{ "est old data", S_ESTABLISHED, A_, -20, 0, 10, A_, 0, 0, WP_TCP_ESTABLISHED, WP_DROP_TCP_WINDOW, NONE },
	{ "est data", S_ESTABLISHED, A_, 0, 0, 100, A_, 0, 100, WP_TCP_ESTABLISHED, NONE, NONE },
	{ "est fin", S_ESTABLISHED, F_ | A_, 0, 0, 0, A_, 0, 1, WP_TCP_CLOSE_WAIT, NONE, NONE },
	{ "est data+fin", S_ESTABLISHED, F_ | A_, 0, 0, 10, A_, 0, 11, WP_TCP_CLOSE_WAIT, NONE, NONE },
	{ "est fin out of order", S_ESTABLISHED, F_ | A_, 5, 0, 0, A_, 0, 0, WP_TCP_ESTABLISHED, NONE, NONE },
	/* CLOSE_WAIT */
	{ "cw rst exact", S_CLOSE_WAIT, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_RESET },
	{ "cw rst in window", S_CLOSE_WAIT, R_, 3, 0, 0, A_, 0, 0, WP_TCP_CLOSE_WAIT, WP_DROP_TCP_RST, NONE },
	{ "cw fin again", S_CLOSE_WAIT, F_ | A_, -1, 0, 0, A_, 0, 0, WP_TCP_CLOSE_WAIT, WP_DROP_TCP_WINDOW, NONE },
	{ "cw syn", S_CLOSE_WAIT, S_, 0, 0, 0, A_, 0, 0, WP_TCP_CLOSE_WAIT, WP_DROP_TCP_SYN, NONE },
	/* LAST_ACK */
	{ "la ack of fin", S_LAST_ACK, A_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_NORMAL },
	{ "la ack before fin", S_LAST_ACK, A_, 0, -1, 0, 0, 0, 0, WP_TCP_LAST_ACK, NONE, NONE },
	{ "la rst exact", S_LAST_ACK, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_RESET },
	{ "la rst in window", S_LAST_ACK, R_, 7, 0, 0, A_, 0, 0, WP_TCP_LAST_ACK, WP_DROP_TCP_RST, NONE },
	/* FIN_WAIT_1 */
	{ "fw1 ack of fin", S_FIN_WAIT_1, A_, 0, 0, 0, 0, 0, 0, WP_TCP_FIN_WAIT_2, NONE, NONE },
	{ "fw1 fin+ack of fin", S_FIN_WAIT_1, F_ | A_, 0, 0, 0, A_, 0, 1, WP_TCP_TIME_WAIT, NONE, WP_TCP_CLOSE_NORMAL },
	{ "fw1 fin simultaneous", S_FIN_WAIT_1, F_ | A_, 0, -1, 0, A_, 0, 1, WP_TCP_CLOSING, NONE, NONE },
	{ "fw1 rst exact", S_FIN_WAIT_1, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_RESET },
	{ "fw1 data (discarded, acked)", S_FIN_WAIT_1, A_, 0, -1, 10, A_, 0, 10, WP_TCP_FIN_WAIT_1, NONE, NONE },
	/* FIN_WAIT_2 */
	{ "fw2 fin", S_FIN_WAIT_2, F_ | A_, 0, 0, 0, A_, 0, 1, WP_TCP_TIME_WAIT, NONE, WP_TCP_CLOSE_NORMAL },
	{ "fw2 data", S_FIN_WAIT_2, A_, 0, 0, 10, A_, 0, 10, WP_TCP_FIN_WAIT_2, NONE, NONE },
	{ "fw2 rst exact", S_FIN_WAIT_2, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_RESET },
	{ "fw2 syn", S_FIN_WAIT_2, S_, 0, 0, 0, A_, 0, 0, WP_TCP_FIN_WAIT_2, WP_DROP_TCP_SYN, NONE },
	/* CLOSING */
	{ "closing ack of fin", S_CLOSING, A_, 0, 0, 0, 0, 0, 0, WP_TCP_TIME_WAIT, NONE, WP_TCP_CLOSE_NORMAL },
	{ "closing rst exact", S_CLOSING, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_RESET },
	/* TIME_WAIT */
	{ "tw fin again", S_TIME_WAIT, F_ | A_, -1, 0, 0, A_, 0, 0, WP_TCP_TIME_WAIT, WP_DROP_TCP_WINDOW, NONE },
	{ "tw rst exact", S_TIME_WAIT, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, NONE },
	{ "tw rst in window", S_TIME_WAIT, R_, 2, 0, 0, A_, 0, 0, WP_TCP_TIME_WAIT, WP_DROP_TCP_RST, NONE },
	{ "tw ack", S_TIME_WAIT, A_, 0, 0, 0, 0, 0, 0, WP_TCP_TIME_WAIT, NONE, NONE },
	/* SYN_RECEIVED */
	{ "sr rst exact", S_SYN_RECEIVED, R_, 0, 0, 0, 0, 0, 0, GONE, NONE, NONE },
	{ "sr rst in window", S_SYN_RECEIVED, R_, 9, 0, 0, A_, 0, 0, WP_TCP_SYN_RECEIVED, WP_DROP_TCP_RST, NONE },
	{ "sr bad ack", S_SYN_RECEIVED, A_, 0, 5, 0, R_, 5, 0, WP_TCP_SYN_RECEIVED, WP_DROP_TCP_ACK, NONE },
	{ "sr syn again", S_SYN_RECEIVED, S_, -1, 0, 0, S_ | A_, -1, 0, WP_TCP_SYN_RECEIVED, WP_DROP_TCP_SYN, NONE },
	{ "sr ack", S_SYN_RECEIVED, A_, 0, 0, 0, 0, 0, 0, WP_TCP_ESTABLISHED, NONE, NONE },
	/* SYN_SENT (rcv = PISN: the peer's SYN consumes it) */
	{ "ss rst+ack", S_SYN_SENT, R_ | A_, 0, 0, 0, 0, 0, 0, GONE, NONE, WP_TCP_CLOSE_REFUSED },
	{ "ss rst no ack", S_SYN_SENT, R_, 0, 0, 0, 0, 0, 0, WP_TCP_SYN_SENT, WP_DROP_TCP_RST, NONE },
	{ "ss bad ack", S_SYN_SENT, A_, 0, 10, 0, R_, 10, 0, WP_TCP_SYN_SENT, WP_DROP_TCP_ACK, NONE },
	{ "ss bad ack rst", S_SYN_SENT, R_ | A_, 0, 10, 0, 0, 0, 0, WP_TCP_SYN_SENT, WP_DROP_TCP_ACK, NONE },
	{ "ss syn+ack", S_SYN_SENT, S_ | A_, 0, 0, 0, A_, 0, 1, WP_TCP_ESTABLISHED, NONE, NONE },
	{ "ss simultaneous syn", S_SYN_SENT, S_, 0, 0, 0, S_ | A_, -1, 1, WP_TCP_SYN_RECEIVED, NONE, NONE },
	{ "ss ack only", S_SYN_SENT, A_, 0, 0, 0, 0, 0, 0, WP_TCP_SYN_SENT, WP_DROP_TCP_ACK, NONE },
};

static void
t_state_table(void **st)
{
	static uint8_t pl[256];

	(void)st;
	for (size_t i = 0; i < RTE_DIM(rows); i++) {
		const struct row *r = &rows[i];
		bool active = r->setup == S_SYN_SENT;
		struct wp_net_stats s0, s1;
		uint32_t snd0, rcv0, closed0;

		print_message("row %zu: %s\n", i, r->name);
		rig_up();
		setup_state(r->setup);
		snd0 = snd;
		rcv0 = rcv;
		s0 = stats();
		closed0 = A.closed;
		assert_true(r->plen <= sizeof(pl));
		fill(pl, r->plen, 0);
		{
			struct wph_tcp_seg sg = {
				.sport = PPORT, .dport = active ? LPORT + 1 : LPORT,
				.seq = rcv + (uint32_t)r->dseq, .ack = snd + (uint32_t)r->dack,
				.flags = r->flags, .win = 65535, .payload = pl, .plen = r->plen,
			};
			wph_inject_tcp(&E, &sg);
		}
		s1 = stats();
		if (r->oflags == 0) {
			assert_int_equal(nout(), 0);
		} else {
			assert_true(nout() >= 1);
			expect(0, r->oflags, snd0 + (uint32_t)r->oseq, rcv0 + (uint32_t)r->oack);
		}
		assert_int_equal(active ? active_state() : state(), r->after);
		for (int d = 0; d < WP_DROP__COUNT; d++)
			assert_int_equal(s1.drops[d] - s0.drops[d], d == r->drop ? 1 : 0);
		if (r->reason == NONE) {
			assert_int_equal(A.closed, closed0);
		} else {
			assert_int_equal(A.closed, closed0 + 1);
			assert_int_equal(A.reason, r->reason);
		}
		if ((r->drop == WP_DROP_TCP_RST && !active) ||
		    (r->drop == WP_DROP_TCP_SYN && r->setup != S_SYN_RECEIVED))
			assert_int_equal(s1.tcp_challenge_acks - s0.tcp_challenge_acks, 1);
		if ((r->flags & R_) && r->after == GONE)
			assert_int_equal(s1.tcp_rst_recv - s0.tcp_rst_recv, 1);
		rig_down();
	}
}

/* ----------------------------------------------------- scenario tests */

static void
t_passive_open_options(void **st)
{
	uint8_t o[40], n;
	struct wp_tcp_opts oo;
	struct wp_tcp_info info;
	struct wp_net_stats s;

	(void)st;
	rig_up();
	n = syn_opts(o, 1000, 7, true, true, 777, 0);
	open_passive_opts(o, n, 29200);
	/* the SYN-ACK was read by open_passive_opts: read it again */
	{
		struct wph_tcp_seg sg = {
			.sport = PPORT, .dport = LPORT, .seq = PISN, .flags = WPH_SYN, .win = 29200,
			.opts = o, .optlen = n,
		};
		wph_inject_tcp(&E, &sg);   /* repeated SYN: SYN-ACK again */
	}
	assert_int_equal(nout(), 1);
	expect(0, WPH_SYN | WPH_ACK, iss, PISN + 1);
	oo = out_opts();
	assert_true(oo.present & WP_TCPOPT_MSS);
	assert_int_equal(oo.mss, 1460);
	assert_true(oo.present & WP_TCPOPT_WSCALE);
	assert_int_equal(oo.wscale, E.net->tcp->our_wscale);
	assert_true(oo.present & WP_TCPOPT_SACKOK);
	assert_true(oo.present & WP_TCPOPT_TS);
	assert_int_equal(oo.tsecr, 777);
	assert_int_equal(oo.tsval, (uint32_t)(E.now / 1000000));
	assert_int_equal(F.tcp.wnd, 65535);          /* SYN windows are not scaled */
	clear();
	peer_ts = true;
	peer_tsval = 778;
	peer_seg(WPH_ACK, rcv, snd, 100, NULL, 0);   /* 100 << 7 */
	assert_int_equal(A.accepted, 1);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.state, WP_TCP_ESTABLISHED);
	assert_int_equal(info.snd_wnd, 12800);
	assert_int_equal(info.snd_wscale, 7);
	assert_int_equal(info.rcv_wscale, E.net->tcp->our_wscale);
	assert_int_equal(info.mss, 1000 - 12);      /* clamp to the peer, minus TS */
	assert_true(info.sack_ok);
	assert_true(info.ts_ok);
	/* a data segment is mss long and carries TS; window field scaled */
	{
		static uint8_t big[3000];

		fill(big, sizeof(big), 0);
		assert_int_equal(wp_tcp_send_bytes(A.c, big, sizeof(big)), 0);
		wp_net_flush(E.net);
	}
	assert_int_equal(nout(), 4);                 /* 988+988+988+36 */
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(F.plen, 988);
	oo = out_opts();
	assert_true(oo.present & WP_TCPOPT_TS);
	assert_int_equal(oo.tsecr, 778);
	assert_int_equal(F.tcp.wnd, E.conf.rcvbuf >> E.net->tcp->our_wscale);
	out(3);
	assert_int_equal(F.plen, 3000 - 3 * 988);
	s = stats();
	assert_int_equal(s.tcp_passive_opens, 1);
	assert_int_equal(s.tcp_conns, 1);
	rig_down();
}

static void
t_options_absent(void **st)
{
	struct wph_tcp_seg sg = {
		.sport = PPORT, .dport = LPORT, .seq = PISN, .flags = WPH_SYN, .win = 8192,
	};
	struct wp_tcp_opts oo;
	struct wp_tcp_info info;

	(void)st;
	rig_up();
	wph_inject_tcp(&E, &sg);
	assert_int_equal(nout(), 1);
	out(0);
	oo = out_opts();
	assert_int_equal(oo.present, WP_TCPOPT_MSS);    /* nothing the peer did not offer */
	iss = F.tcp.seq;
	snd = iss + 1;
	rcv = PISN + 1;
	clear();
	peer_seg(WPH_ACK, rcv, snd, 8192, NULL, 0);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.mss, 536);                 /* RFC 9293 default */
	assert_int_equal(info.snd_wscale, 0);
	assert_int_equal(info.rcv_wscale, 0);
	assert_false(info.sack_ok);
	assert_false(info.ts_ok);
	assert_int_equal(info.snd_wnd, 8192);
	/* our window is not scaled either: capped at 65535 */
	assert_int_equal(wp_tcp_send_bytes(A.c, "x", 1), 0);
	wp_net_flush(E.net);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(F.tcp.wnd, 65535);
	assert_int_equal(F.tcp.opts_len, 0);
	rig_down();
}

static void
t_active_open(void **st)
{
	uint8_t o[40], n;
	struct wp_tcp_opts oo;
	struct wp_tcp_info info;
	struct wp_tcp_conn *c;

	(void)st;
	rig_up();
	assert_int_equal(wp_tcp_connect(E.net, WPH_PEER_IP, PPORT, 0, &CBS_ACTIVE, NULL, &c), 0);
	wp_net_flush(E.net);
	A.c = c;
	assert_int_equal(nout(), 1);
	out(0);
	assert_int_equal(F.tcp.flags, WPH_SYN);
	assert_true(F.tcp.sport >= E.conf.ephemeral_lo && F.tcp.sport <= E.conf.ephemeral_hi);
	oo = out_opts();
	assert_int_equal(oo.present, WP_TCPOPT_MSS | WP_TCPOPT_WSCALE | WP_TCPOPT_SACKOK | WP_TCPOPT_TS);
	assert_int_equal(oo.tsecr, 0);
	assert_int_equal(F.tcp.opts_len, 20);            /* Linux layout */
	iss = F.tcp.seq;
	{
		uint16_t sp = F.tcp.sport;
		struct wph_tcp_seg sg = {
			.sport = PPORT, .dport = sp, .seq = PISN, .ack = iss + 1,
			.flags = WPH_SYN | WPH_ACK, .win = 65535,
		};

		n = syn_opts(o, 1400, 2, false, true, 4242, oo.tsval);
		sg.opts = o;
		sg.optlen = n;
		clear();
		E.now += WPH_MS(3);
		wph_inject_tcp(&E, &sg);
	}
	assert_int_equal(A.connected, 1);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, iss + 1, PISN + 1);
	oo = out_opts();
	assert_int_equal(oo.present, WP_TCPOPT_TS);
	assert_int_equal(oo.tsecr, 4242);
	wp_tcp_info(c, &info);
	assert_int_equal(info.state, WP_TCP_ESTABLISHED);
	assert_int_equal(info.mss, 1400 - 12);
	assert_int_equal(info.snd_wscale, 2);
	assert_false(info.sack_ok);
	assert_int_equal(info.srtt_ns, WPH_MS(3));      /* the SYN was timed */
	assert_int_equal(stats().tcp_active_opens, 1);
	/* wrong-port connect errors */
	assert_int_equal(wp_tcp_connect(E.net, WPH_IP(10, 0, 0, 1), 80, 0, &CBS_ACTIVE, NULL, &c),
			 -ENETUNREACH);
	assert_int_equal(wp_tcp_connect(E.net, WPH_PEER_IP, PPORT, info.local_port, &CBS_ACTIVE,
					NULL, &c), -EADDRINUSE);
	rig_down();
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_SHUTDOWN);
}

static void
t_data_both_ways_and_close(void **st)
{
	static uint8_t pl[5000], got[5000];
	struct wp_net_stats s;

	(void)st;
	rig_up();
	open_passive();
	fill(pl, sizeof(pl), 0);
	/* peer -> us: 3 segments, in order */
	peer_seg(WPH_ACK, rcv, snd, 65535, pl, 1460);
	peer_seg(WPH_ACK | WPH_PSH, rcv + 1460, snd, 65535, pl + 1460, 1460);
	peer_seg(WPH_ACK | WPH_PSH, rcv + 2920, snd, 65535, pl + 2920, 100);
	rcv += 3020;
	assert_int_equal(A.rx_len, 3020);
	assert_memory_equal(A.rx, pl, 3020);
	assert_int_equal(nout(), 3);                 /* delack off: an ACK each */
	expect(2, WPH_ACK, snd, rcv);
	clear();
	/* us -> peer */
	fill(got, sizeof(got), 0);
	assert_int_equal(wp_tcp_send_bytes(A.c, got, 4000), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 3);
	for (uint32_t i = 0, off = 0; i < 3; i++) {
		expect(i, WPH_ACK, snd + off, rcv);
		assert_memory_equal(F.payload, got + off, F.plen);
		off += F.plen;
	}
	clear();
	peer_seg(WPH_ACK, rcv, snd + 1460, 65535, NULL, 0);
	assert_int_equal(A.sent, 1460);
	peer_seg(WPH_ACK, rcv, snd + 4000, 65535, NULL, 0);
	assert_int_equal(A.sent, 4000);
	snd += 4000;
	assert_int_equal(E.net->tcp->mbufs_held, 0);
	assert_int_equal(nout(), 0);
	/* we close first: FIN, peer ACKs and FINs, TIME_WAIT, expiry */
	assert_int_equal(wp_tcp_close(A.c), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK | WPH_FIN, snd, rcv);
	clear();
	peer_seg(WPH_ACK | WPH_FIN, rcv, snd + 1, 65535, NULL, 0);
	expect(0, WPH_ACK, snd + 1, rcv + 1);
	assert_int_equal(state(), WP_TCP_TIME_WAIT);
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_NORMAL);
	assert_int_equal(A.peer_closed, 1);
	s = stats();
	assert_int_equal(s.tcp_conns, 1);            /* TIME_WAIT still counts */
	assert_int_equal(s.tcp_closed[WP_TCP_CLOSE_NORMAL], 1);
	wph_advance(&E, WPH_S(59));
	assert_int_equal(state(), WP_TCP_TIME_WAIT);
	wph_advance(&E, WPH_S(2));
	assert_int_equal(state(), WP_TCP_CLOSED);
	assert_int_equal(stats().tcp_conns, 0);
	rig_down();
}

static void
t_rto_backoff_and_give_up(void **st)
{
	struct wp_net_conf cf;
	struct wp_net_stats s;
	int64_t rto = WPH_S(1);

	(void)st;
	rig_conf(&cf);
	cf.max_retries = 4;
	cf.rto_max_ns = WPH_S(5);
	rig_up_conf(&cf);
	open_passive();
	assert_int_equal(wp_tcp_send_bytes(A.c, "hello", 5), 0);
	wp_net_flush(E.net);
	expect(0, WPH_ACK, snd, rcv);
	clear();
	/* rto is 1 s (no RTT sample yet: the SYN-ACK was not answered in
	 * measurable time... the handshake gave a 0 sample -> rto_min) */
	rto = E.net->tcp->conns[0].rto;
	for (int i = 0; i < 4; i++) {
		int64_t t = rto << i;

		if (t > WPH_S(5))
			t = WPH_S(5);
		wph_advance(&E, t - WPH_MS(2));
		assert_int_equal(nout(), 0);
		wph_advance(&E, WPH_MS(3));
		assert_int_equal(nout(), 1);
		expect(0, WPH_ACK, snd, rcv);
		assert_int_equal(F.plen, 5);
		assert_memory_equal(F.payload, "hello", 5);
		clear();
		E.now -= WPH_MS(1);
	}
	s = stats();
	assert_int_equal(s.tcp_rto_fires, 4);
	assert_int_equal(s.tcp_retransmits, 4);
	/* fifth expiry: give up, RST, closed(TIMEOUT) */
	wph_advance(&E, WPH_S(5) + WPH_MS(2));
	assert_int_equal(nout(), 1);
	expect(0, WPH_RST | WPH_ACK, snd + 5, rcv);
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_TIMEOUT);
	assert_int_equal(state(), WP_TCP_CLOSED);
	assert_int_equal(stats().tcp_closed[WP_TCP_CLOSE_TIMEOUT], 1);
	rig_down();
}

static void
t_syn_retries_connect_timeout(void **st)
{
	struct wp_net_conf cf;

	(void)st;
	rig_conf(&cf);
	cf.syn_retries = 2;
	rig_up_conf(&cf);
	setup_state(S_SYN_SENT);
	wph_advance(&E, WPH_S(1));
	expect(0, WPH_SYN, iss, 0);
	clear();
	wph_advance(&E, WPH_S(2) - 1);
	assert_int_equal(nout(), 0);
	wph_advance(&E, 1);
	expect(0, WPH_SYN, iss, 0);
	clear();
	wph_advance(&E, WPH_S(4));
	assert_int_equal(nout(), 0);
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_CONNECT_TIMEOUT);
	assert_int_equal(active_state(), WP_TCP_CLOSED);
	rig_down();
}

static void
t_fast_retransmit_newreno(void **st)
{
	static uint8_t pl[20000];
	struct wp_tcp_info info;
	struct wp_net_stats s;
	uint32_t mss = 1460;

	(void)st;
	rig_up();
	open_passive();
	fill(pl, sizeof(pl), 0);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 10 * mss), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 10);                /* initial window 10 MSS */
	clear();
	/* segment 2 (index 1) and 4 (index 3) lost: ACK seg 1, then dupacks */
	peer_seg(WPH_ACK, rcv, snd + mss, 65535, NULL, 0);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.cwnd, 11 * mss);
	/* the new cwnd let one more segment out? no data left: nothing */
	assert_int_equal(nout(), 0);
	peer_seg(WPH_ACK, rcv, snd + mss, 65535, NULL, 0);
	peer_seg(WPH_ACK, rcv, snd + mss, 65535, NULL, 0);
	assert_int_equal(nout(), 0);
	peer_seg(WPH_ACK, rcv, snd + mss, 65535, NULL, 0);   /* third dupack */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd + mss, rcv);
	assert_int_equal(F.plen, mss);
	assert_memory_equal(F.payload, pl + mss, mss);
	s = stats();
	assert_int_equal(s.tcp_fast_retransmits, 1);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.ssthresh, 9 * mss / 2);   /* flight 9 MSS / 2 */
	assert_int_equal(info.cwnd, 9 * mss / 2 + 3 * mss);
	clear();
	/* partial ACK (up to the second hole): retransmit seg 4 at once */
	peer_seg(WPH_ACK, rcv, snd + 3 * mss, 65535, NULL, 0);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd + 3 * mss, rcv);
	assert_memory_equal(F.payload, pl + 3 * mss, mss);
	clear();
	/* full ACK: leave recovery, RFC 6582 option 2:
	 * cwnd = min(ssthresh, max(flight, MSS) + MSS), flight now 0 */
	peer_seg(WPH_ACK, rcv, snd + 10 * mss, 65535, NULL, 0);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.cwnd, 2 * mss);
	assert_false(E.net->tcp->conns[0].in_recovery);
	assert_int_equal(info.send_queued, 0);
	assert_int_equal(A.sent, 10 * mss);
	assert_int_equal(stats().tcp_retransmits, 2);
	rig_down();
}

/* An ACK from the peer carrying SACK blocks [l, r) given in MSS units
 * from snd (most recent first, as receivers send them). */
static void
peer_sack(uint32_t ack, const uint32_t (*blk)[2], uint32_t n, uint32_t mss)
{
	uint8_t o[40];
	uint32_t k = 0, i;
	struct wph_tcp_seg sg = {
		.sport = PPORT, .dport = LPORT, .seq = rcv, .ack = ack,
		.flags = WPH_ACK, .win = 65535, .opts = o,
	};

	o[k++] = 1;
	o[k++] = 1;
	o[k++] = 5;
	o[k++] = (uint8_t)(2 + 8 * n);
	for (i = 0; i < n; i++) {
		wph_put32(o + k, snd + blk[i][0] * mss);
		wph_put32(o + k + 4, snd + blk[i][1] * mss);
		k += 8;
	}
	sg.optlen = (uint8_t)k;
	wph_inject_tcp(&E, &sg);
}

/* Two holes in one window (segments 1 and 4 of 0..9 lost). NewReno would
 * resend the second only after the partial ACK for the first, a round
 * trip later; with the SACK scoreboard the second goes out on the next
 * duplicate ACK, and the partial ACK resends nothing twice. */
static void
t_sack_recovery_two_holes(void **st)
{
	static uint8_t pl[20000];
	uint8_t o[40];
	uint32_t mss = 1460;
	static const uint32_t b2[][2] = {{2, 3}}, b3[][2] = {{2, 4}},
		b5[][2] = {{5, 6}, {2, 4}}, b6[][2] = {{5, 7}, {2, 4}},
		b9[][2] = {{5, 10}, {2, 4}}, bp[][2] = {{5, 10}};

	(void)st;
	rig_up();
	open_passive_opts(o, syn_opts(o, 1460, -1, true, false, 0, 0), 65535);
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	assert_true(E.net->tcp->conns[0].sack_ok);
	fill(pl, sizeof(pl), 0);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 10 * mss), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 10);
	clear();
	peer_seg(WPH_ACK, rcv, snd + mss, 65535, NULL, 0);      /* seg 0 */
	peer_sack(snd + mss, b2, 1, mss);                      /* seg 2 */
	peer_sack(snd + mss, b3, 1, mss);                      /* seg 3 */
	assert_int_equal(nout(), 0);
	peer_sack(snd + mss, b5, 2, mss);                      /* seg 5: 3rd dupack */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd + mss, rcv);
	assert_memory_equal(F.payload, pl + mss, mss);
	clear();
	peer_sack(snd + mss, b6, 2, mss);                      /* seg 6 */
	assert_int_equal(nout(), 1);                           /* hole 4 at once */
	expect(0, WPH_ACK, snd + 4 * mss, rcv);
	assert_memory_equal(F.payload, pl + 4 * mss, mss);
	clear();
	peer_sack(snd + mss, b9, 2, mss);                      /* segs 7..9 */
	assert_int_equal(nout(), 0);                           /* no hole left */
	peer_sack(snd + 4 * mss, bp, 1, mss);                  /* partial ACK */
	assert_int_equal(nout(), 0);                           /* 4 already resent */
	peer_seg(WPH_ACK, rcv, snd + 10 * mss, 65535, NULL, 0); /* full ACK */
	assert_false(E.net->tcp->conns[0].in_recovery);
	assert_int_equal(E.net->tcp->conns[0].sb_n, 0);
	assert_int_equal(stats().tcp_retransmits, 2);
	assert_int_equal(stats().tcp_sack_rexmits, 2);
	assert_int_equal(A.sent, 10 * mss);
	rig_down();
}

/* After a timeout, go-back-N resends only what the peer does not hold
 * (segments 1..3 SACKed, 0 and 4 lost: resend 0, then 4, never 1..3). */
static void
t_sack_rto_skips_sacked(void **st)
{
	static uint8_t pl[10000];
	uint8_t o[40];
	uint32_t mss = 1460;
	static const uint32_t b[][2] = {{1, 4}};

	(void)st;
	rig_up_rto_only();
	open_passive_opts(o, syn_opts(o, 1460, -1, true, false, 0, 0), 65535);
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	fill(pl, sizeof(pl), 0);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 5 * mss), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 5);
	clear();
	peer_sack(snd, b, 1, mss);              /* one dupack: no recovery */
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_S(1));              /* RTO */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(F.plen, mss);
	clear();
	peer_sack(snd + mss, b, 1, mss);        /* seg 0 arrived: cwnd 2 */
	assert_int_equal(nout(), 1);            /* only seg 4 */
	expect(0, WPH_ACK, snd + 4 * mss, rcv);
	assert_memory_equal(F.payload, pl + 4 * mss, mss);
	clear();
	peer_seg(WPH_ACK, rcv, snd + 5 * mss, 65535, NULL, 0);
	assert_int_equal(A.sent, 5 * mss);
	assert_int_equal(stats().tcp_retransmits, 2);
	rig_down();
}

/* ------------------------------- idle restart, SYN timeout, SYN data */

/* RFC 5681 4.1: after more than an RTO without sending data, a window
 * grown earlier restarts from the initial window (ssthresh keeps 3/4 of
 * it); after a shorter pause the window stands. */
static void
t_cwnd_restart_after_idle(void **st)
{
	static uint8_t pl[40 * 1460];
	struct wp_tcp_info info;
	uint32_t mss = 1460;
	int64_t rto;

	(void)st;
	for (int idle = 0; idle < 2; idle++) {
		rig_up_rto_only();
		open_passive();
		fill(pl, sizeof(pl), 0);
		assert_int_equal(wp_tcp_send_bytes(A.c, pl, 10 * mss), 0);
		wp_net_flush(E.net);
		assert_int_equal(nout(), 10);
		clear();
		for (uint32_t k = 1; k <= 10; k++)   /* slow start: 20 MSS */
			peer_seg(WPH_ACK, rcv, snd + k * mss, 65535, NULL, 0);
		snd += 10 * mss;
		wp_tcp_info(A.c, &info);
		assert_int_equal(info.cwnd, 20 * mss);
		rto = info.rto_ns;
		clear();
		/* (as if a loss had set it: the restart raises it to 3/4 cwnd) */
		E.net->tcp->conns[0].ssthresh = 4 * mss;
		wph_advance(&E, idle ? rto + WPH_MS(1) : rto - WPH_MS(1));
		assert_int_equal(wp_tcp_send_bytes(A.c, pl, 30 * mss), 0);
		wp_net_flush(E.net);
		wp_tcp_info(A.c, &info);
		if (idle) {
			assert_int_equal(nout(), 10);        /* the initial window */
			assert_int_equal(info.cwnd, 10 * mss);
			assert_int_equal(info.ssthresh, 15 * mss);
			assert_int_equal(stats().tcp_idle_restarts, 1);
		} else {
			assert_int_equal(nout(), 20);
			assert_int_equal(info.cwnd, 20 * mss);
			assert_int_equal(info.ssthresh, 4 * mss);
			assert_int_equal(stats().tcp_idle_restarts, 0);
		}
		expect(0, WPH_ACK, snd, rcv);
		clear();
		peer_seg(WPH_ACK, rcv, snd + 30 * mss, 65535, NULL, 0);
		wp_net_flush(E.net);
		clear();
		rig_down();
	}
}

/* Our SYN timed out once: RFC 5681 3.1 starts the connection with a
 * one-segment window, and, with no RTT sample (Karn), RFC 6298 5.7 with a
 * 3 s RTO. A handshake without a timeout keeps the initial window and its
 * measured RTO. */
static void
t_syn_timeout_rto_and_window(void **st)
{
	static uint8_t pl[4 * 1460];
	struct wp_tcp_info info;
	struct wp_tcp_conn *c;

	(void)st;
	rig_up();
	assert_int_equal(wp_tcp_connect(E.net, WPH_PEER_IP, PPORT, 0, &CBS_ACTIVE, NULL, &c), 0);
	wp_net_flush(E.net);
	A.c = c;
	out(0);
	iss = F.tcp.seq;
	clear();
	wph_advance(&E, WPH_S(1));                   /* the SYN again */
	expect(0, WPH_SYN, iss, 0);
	{
		struct wph_tcp_seg sg = {
			.sport = PPORT, .dport = F.tcp.sport, .seq = PISN, .ack = iss + 1,
			.flags = WPH_SYN | WPH_ACK, .win = 65535,
		};
		uint8_t o[8];

		sg.optlen = syn_opts(o, 1460, -1, false, false, 0, 0);
		sg.opts = o;
		clear();
		E.now += WPH_MS(3);
		wph_inject_tcp(&E, &sg);
	}
	assert_int_equal(A.connected, 1);
	wp_tcp_info(c, &info);
	assert_int_equal(info.srtt_ns, 0);           /* Karn: no sample */
	assert_int_equal(info.rto_ns, WPH_S(3));
	assert_int_equal(info.cwnd, 1460);
	clear();
	fill(pl, sizeof(pl), 0);
	assert_int_equal(wp_tcp_send_bytes(c, pl, 3 * 1460), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 1);                 /* one segment */
	clear();
	wph_advance(&E, WPH_S(3) - WPH_MS(2));
	assert_int_equal(nout(), 0);                 /* not at 1 s: at 3 s */
	wph_advance(&E, WPH_MS(3));
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, iss + 1, PISN + 1);
	rig_down();
}

/* Data on a SYN is held until the handshake completes, then delivered
 * (the SYN-ACK acknowledges the SYN alone); data on a SYN-ACK is delivered
 * at once and acknowledged by the handshake's ACK. */
static void
t_data_on_syn(void **st)
{
	struct wph_tcp_seg syn = {
		.sport = PPORT, .dport = LPORT, .seq = PISN, .flags = WPH_SYN, .win = 65535,
		.payload = "early", .plen = 5,
	};
	struct wp_tcp_conn *c;

	(void)st;
	rig_up();
	wph_inject_tcp(&E, &syn);
	assert_int_equal(nout(), 1);
	out(0);
	assert_int_equal(F.tcp.flags, WPH_SYN | WPH_ACK);
	assert_int_equal(F.tcp.ack, PISN + 1);       /* the SYN only */
	iss = F.tcp.seq;
	assert_int_equal(A.accepted, 0);
	assert_int_equal(A.rx_len, 0);
	assert_int_equal(stats().tcp_syn_data, 1);
	clear();
	/* the peer's handshake ACK (without the data, which it will resend
	 * unless acknowledged): accepted, the held data delivered, ACKed */
	peer_seg(WPH_ACK, PISN + 1, iss + 1, 65535, NULL, 0);
	assert_int_equal(A.accepted, 1);
	assert_int_equal(A.rx_len, 5);
	assert_memory_equal(A.rx, "early", 5);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, iss + 1, PISN + 6);
	clear();
	/* its retransmission is old data now */
	peer_seg(WPH_ACK, PISN + 1, iss + 1, 65535, "early", 5);
	assert_int_equal(A.rx_len, 5);
	assert_int_equal(E.net->tcp->mbufs_held, 0);
	rig_down();

	/* SYN-ACK with data */
	rig_up();
	assert_int_equal(wp_tcp_connect(E.net, WPH_PEER_IP, PPORT, 0, &CBS_ACTIVE, NULL, &c), 0);
	wp_net_flush(E.net);
	A.c = c;
	out(0);
	iss = F.tcp.seq;
	clear();
	{
		struct wph_tcp_seg sg = {
			.sport = PPORT, .dport = F.tcp.sport, .seq = PISN, .ack = iss + 1,
			.flags = WPH_SYN | WPH_ACK, .win = 65535, .payload = "hello", .plen = 5,
		};

		wph_inject_tcp(&E, &sg);
	}
	assert_int_equal(A.connected, 1);
	assert_int_equal(A.rx_len, 5);
	assert_memory_equal(A.rx, "hello", 5);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, iss + 1, PISN + 6);
	rig_down();
}

/* ---------------------------------------- loss timer (tcp_recovery.c) */

/* A passive connection with SACK whose handshake took `rtt` (so srtt is
 * that), `n` full segments of pl sent and captured, the capture cleared. */
static void
open_sack_rtt_send(int64_t rtt, uint8_t *pl, uint32_t n)
{
	uint8_t o[40];

	open_passive_opts(o, syn_opts(o, 1460, -1, true, false, 0, 0), 65535);
	wph_advance(&E, rtt);
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	assert_int_equal(E.net->tcp->conns[0].srtt, rtt);
	fill(pl, n * 1460, 0);
	if (n > 0)
		assert_int_equal(wp_tcp_send_bytes(A.c, pl, n * 1460), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), n);
	clear();
}

/* RACK's reordering window: one duplicate ACK shows segment 0 missing
 * below SACKed segment 1. With three duplicate ACKs out of reach (the
 * window holds 4 segments), the hole is resent srtt/4 after that ACK, not
 * after an RTO; a second ACK does not restart the wait; if nothing
 * answers, the recovery probe follows. Without the loss timer the same
 * hole waits for the RTO. */
static void
t_rack_reorder_window(void **st)
{
	static uint8_t pl[8 * 1460];
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}};
	uint32_t mss = 1460;

	(void)st;
	rig_up();
	open_sack_rtt_send(WPH_MS(20), pl, 4);       /* reo_wnd 5 ms */
	peer_sack(snd, b1, 1, mss);
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(3));
	peer_sack(snd, b2, 1, mss);                  /* 2nd dupack, 3 ms later */
	wph_advance(&E, WPH_MS(1));
	assert_int_equal(nout(), 0);                 /* 4 ms: still waiting */
	wph_advance(&E, WPH_MS(2));                  /* 6 ms: lost */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(F.plen, mss);
	assert_memory_equal(F.payload, pl, mss);
	assert_true(E.net->tcp->conns[0].in_recovery);
	assert_int_equal(stats().tcp_rack_recoveries, 1);
	assert_int_equal(stats().tcp_fast_retransmits, 1);
	clear();
	/* that retransmission meets silence too: the hole again after PTO */
	wph_advance(&E, WPH_MS(39));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(2));
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(stats().tcp_loss_probes, 1);
	clear();
	peer_seg(WPH_ACK, rcv, snd + 4 * mss, 65535, NULL, 0);
	assert_false(E.net->tcp->conns[0].in_recovery);
	assert_false(wp_timer_armed(&E.net->tcp->conns[0].t[WP_TT_LOSS]));
	assert_int_equal(stats().tcp_rto_fires, 0);
	rig_down();

	/* the same without the loss timer: nothing before the RTO */
	{
		struct wp_net_conf cf;

		rig_conf(&cf);
		cf.rack_tlp = false;
		rig_up_conf(&cf);
	}
	open_sack_rtt_send(WPH_MS(20), pl, 4);
	peer_sack(snd, b1, 1, mss);
	wph_advance(&E, WPH_MS(150));
	assert_int_equal(nout(), 0);
	assert_int_equal(stats().tcp_rack_recoveries, 0);
	rig_down();
}

/* Tail loss probe: a flight of 4 segments meets silence. After PTO =
 * 2 srtt the last segment goes again (a duplicate the peer answers at
 * once); after twice that, once more; then nothing but the RTO, which
 * resends from snd_una. An ACK for everything stops the probing. */
static void
t_tlp_tail_probe(void **st)
{
	static uint8_t pl[8 * 1460];
	uint32_t mss = 1460;
	int64_t rto;

	(void)st;
	rig_up();
	open_sack_rtt_send(WPH_MS(10), pl, 4);
	rto = E.net->tcp->conns[0].rto;
	assert_true(rto >= WPH_MS(200));
	wph_advance(&E, WPH_MS(19));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(2));                  /* 21 ms > PTO 20 ms */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd + 3 * mss, rcv);
	assert_int_equal(F.plen, mss);
	assert_memory_equal(F.payload, pl + 3 * mss, mss);
	assert_int_equal(stats().tcp_loss_probes, 1);
	clear();
	wph_advance(&E, WPH_MS(39));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(2));                  /* 2 x PTO after the first */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd + 3 * mss, rcv);
	assert_int_equal(stats().tcp_loss_probes, 2);
	clear();
	/* the RTO was re-armed at the second probe; no third probe */
	wph_advance(&E, rto - WPH_MS(1));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(2));
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(stats().tcp_rto_fires, 1);
	assert_int_equal(stats().tcp_loss_probes, 2);
	clear();
	peer_seg(WPH_ACK, rcv, snd + 4 * mss, 65535, NULL, 0);
	assert_false(wp_timer_armed(&E.net->tcp->conns[0].t[WP_TT_LOSS]));
	assert_false(wp_timer_armed(&E.net->tcp->conns[0].t[WP_TT_RTX]));
	wph_advance(&E, WPH_S(5));
	assert_int_equal(nout(), 0);
	assert_int_equal(A.sent, 4 * mss);
	rig_down();
}

/* One segment (or less) in flight: the peer may be holding its ACK back
 * (delayed ACK), so the probe waits 200 ms more (RFC 8985 WCDelAckT).
 * Our FIN rides on the resent last segment. */
static void
t_tlp_single_segment_waits_for_delack(void **st)
{
	static uint8_t pl[1460];
	struct wp_net_conf cf;

	(void)st;
	rig_conf(&cf);
	cf.rto_min_ns = WPH_S(1);                    /* RFC 6298's floor */
	rig_up_conf(&cf);
	open_sack_rtt_send(WPH_MS(10), pl, 0);
	assert_int_equal(E.net->tcp->conns[0].rto, WPH_S(1));
	assert_int_equal(wp_tcp_send_bytes(A.c, "tail", 4), 0);
	assert_int_equal(wp_tcp_shutdown(A.c), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 2);
	expect(0, WPH_ACK, snd, rcv);
	expect(1, WPH_ACK | WPH_FIN, snd + 4, rcv);
	clear();
	wph_advance(&E, WPH_MS(219));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(2));                  /* 2 srtt + 200 ms */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK | WPH_FIN, snd, rcv);
	assert_int_equal(F.plen, 4);
	assert_memory_equal(F.payload, "tail", 4);
	assert_int_equal(stats().tcp_loss_probes, 1);
	clear();
	peer_seg(WPH_ACK, rcv, snd + 5, 65535, NULL, 0);
	assert_int_equal(state(), WP_TCP_FIN_WAIT_2);
	assert_false(wp_timer_armed(&E.net->tcp->conns[0].t[WP_TT_LOSS]));
	peer_seg(WPH_ACK | WPH_FIN, rcv, snd + 5, 65535, NULL, 0);
	assert_int_equal(state(), WP_TCP_TIME_WAIT);
	rig_down();
}

/* In recovery, the retransmission of the hole is lost and no ACK comes
 * back (nothing was sent after it): the loss timer resends the hole as a
 * new round instead of leaving it to the RTO. */
static void
t_recovery_probe_resends_hole(void **st)
{
	static uint8_t pl[8 * 1460];
	static const uint32_t b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}}, b3[][2] = {{1, 4}};
	uint32_t mss = 1460;

	(void)st;
	rig_up();
	open_sack_rtt_send(WPH_MS(10), pl, 4);
	peer_sack(snd, b1, 1, mss);
	peer_sack(snd, b2, 1, mss);
	peer_sack(snd, b3, 1, mss);                  /* 3rd dupack: recovery */
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(stats().tcp_rack_recoveries, 0);
	clear();
	wph_advance(&E, WPH_MS(19));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(2));
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);                /* the hole, not the tail */
	assert_int_equal(F.plen, mss);
	assert_memory_equal(F.payload, pl, mss);
	assert_int_equal(stats().tcp_loss_probes, 1);
	assert_int_equal(stats().tcp_retransmits, 2);
	clear();
	peer_seg(WPH_ACK, rcv, snd + 4 * mss, 65535, NULL, 0);
	assert_false(E.net->tcp->conns[0].in_recovery);
	assert_int_equal(stats().tcp_rto_fires, 0);
	rig_down();
}

/* The head segment (what the RTO and NewReno resend from snd_una) stops
 * where the peer's first SACKed range begins, but a range that begins at
 * snd_una itself is not believed: the head goes whole. */
static void
t_head_segment_stops_at_sack(void **st)
{
	static uint8_t pl[4 * 1460];
	uint8_t o[40];
	uint32_t k;
	struct wph_tcp_seg sg = {
		.sport = PPORT, .dport = LPORT, .flags = WPH_ACK, .win = 65535, .opts = o,
	};

	(void)st;
	for (int bogus = 0; bogus < 2; bogus++) {
		uint32_t l;

		rig_up_rto_only();
		open_sack_rtt_send(WPH_MS(10), pl, 3);
		/* SACK [snd + 500, snd + 2000): the middle of segment 0 on */
		l = bogus ? snd : snd + 500;
		k = 0;
		o[k++] = 1; o[k++] = 1; o[k++] = 5; o[k++] = 10;
		wph_put32(o + k, l); k += 4;
		wph_put32(o + k, snd + 2000); k += 4;
		sg.optlen = (uint8_t)k;
		sg.seq = rcv;
		sg.ack = snd;
		wph_inject_tcp(&E, &sg);
		assert_int_equal(E.net->tcp->conns[0].sb_n, 1);
		wph_advance(&E, E.net->tcp->conns[0].rto + WPH_MS(1));
		assert_int_equal(nout(), 1);
		expect(0, WPH_ACK, snd, rcv);
		assert_int_equal(F.plen, bogus ? 1460 : 500);
		assert_memory_equal(F.payload, pl, F.plen);
		clear();
		peer_seg(WPH_ACK, rcv, snd + 3 * 1460, 65535, NULL, 0);
		rig_down();
	}
}

static void
t_rto_go_back_n(void **st)
{
	static uint8_t pl[6000];
	struct wp_tcp_info info;

	(void)st;
	rig_up_rto_only();
	open_passive();
	fill(pl, sizeof(pl), 0);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 4 * 1460), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 4);
	clear();
	wph_advance(&E, WPH_S(1));
	assert_int_equal(nout(), 1);                 /* cwnd = 1 MSS */
	expect(0, WPH_ACK, snd, rcv);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.cwnd, 1460);
	assert_int_equal(info.ssthresh, 2 * 1460);   /* max(flight/2, 2 MSS) */
	assert_int_equal(info.rto_ns, 2 * E.net->tcp->conns[0].rto);  /* backed off */
	clear();
	peer_seg(WPH_ACK, rcv, snd + 1460, 65535, NULL, 0);
	assert_int_equal(nout(), 2);                 /* slow start: 2 MSS */
	expect(0, WPH_ACK, snd + 1460, rcv);
	expect(1, WPH_ACK, snd + 2920, rcv);
	clear();
	/* the ACK may cover data the peer had already (go-back-N) */
	peer_seg(WPH_ACK, rcv, snd + 4 * 1460, 65535, NULL, 0);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.snd_una, snd + 4 * 1460);
	assert_int_equal(info.snd_nxt, snd + 4 * 1460);
	assert_int_equal(nout(), 0);
	rig_down();
}

static void
t_delayed_ack(void **st)
{
	struct wp_net_conf cf;
	static uint8_t pl[3000];

	(void)st;
	rig_conf(&cf);
	cf.delack_ns = WPH_MS(40);
	rig_up_conf(&cf);
	open_passive();
	peer_seg(WPH_ACK, rcv, snd, 65535, pl, 100);
	rcv += 100;
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(39));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(1));
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	clear();
	/* two full segments: ACK at once on the second */
	peer_seg(WPH_ACK, rcv, snd, 65535, pl, 1460);
	assert_int_equal(nout(), 0);
	peer_seg(WPH_ACK, rcv + 1460, snd, 65535, pl, 1460);
	rcv += 2920;
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	clear();
	/* out of order: ACK at once */
	peer_seg(WPH_ACK, rcv + 10, snd, 65535, pl, 10);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	clear();
	/* the hole fills: ACK at once */
	peer_seg(WPH_ACK, rcv, snd, 65535, pl, 10);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv + 20);
	rcv += 20;
	clear();
	/* FIN into CLOSE_WAIT: delayed too, for the application's answer or
	 * FIN to carry (Linux's pingpong mode); none comes: a pure ACK */
	peer_seg(WPH_ACK | WPH_FIN, rcv, snd, 65535, pl, 10);
	assert_int_equal(nout(), 0);
	assert_int_equal(state(), WP_TCP_CLOSE_WAIT);
	wph_advance(&E, WPH_MS(40));
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv + 11);
	clear();
	wph_advance(&E, WPH_MS(100));
	assert_int_equal(nout(), 0);                 /* nothing left pending */
	/* the application answers within the delay: the FIN's ACK rides on
	 * its FIN, no pure ACK */
	rig_down();
	rig_up_conf(&cf);
	open_passive();
	peer_seg(WPH_ACK | WPH_FIN, rcv, snd, 65535, NULL, 0);
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_MS(5));
	assert_int_equal(wp_tcp_send_bytes(A.c, "bye", 3), 0);
	assert_int_equal(wp_tcp_close(A.c), 0);
	wp_net_flush(E.net);
	wph_advance(&E, WPH_MS(100));
	assert_int_equal(nout(), 2);
	expect(0, WPH_ACK, snd, rcv + 1);
	expect(1, WPH_ACK | WPH_FIN, snd + 3, rcv + 1);
	rig_down();
}

static void
t_zero_window_persist(void **st)
{
	static uint8_t pl[4000];
	struct wp_net_stats s;

	(void)st;
	rig_up();
	open_passive();
	/* the peer closes its window */
	peer_seg(WPH_ACK, rcv, snd, 0, NULL, 0);
	fill(pl, sizeof(pl), 0);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 3000), 0);
	wp_net_flush(E.net);
	assert_int_equal(nout(), 0);
	/* persist: probes at snd-1, no data, backing off */
	int64_t t = E.net->tcp->conns[0].rto;
	for (int i = 0; i < 3; i++) {
		wph_advance(&E, t - 1);
		assert_int_equal(nout(), 0);
		wph_advance(&E, 1);
		assert_int_equal(nout(), 1);
		expect(0, WPH_ACK, snd - 1, rcv);
		assert_int_equal(F.plen, 0);
		clear();
		/* the peer answers with window still 0 */
		peer_seg(WPH_ACK, rcv, snd, 0, NULL, 0);
		assert_int_equal(nout(), 0);
		t *= 2;
	}
	s = stats();
	assert_int_equal(s.tcp_zero_window_probes, 3);
	/* window opens: data flows */
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	assert_int_equal(nout(), 3);
	expect(0, WPH_ACK, snd, rcv);
	assert_memory_equal(F.payload, pl, 1460);
	clear();
	/* our own window: the app does not read, the window shrinks to 0 */
	rig_down();
}

static void
t_receive_window_and_update(void **st)
{
	struct wp_net_conf cf;
	static uint8_t pl[1460];
	struct wp_tcp_conn *c;

	(void)st;
	rig_conf(&cf);
	cf.rcvbuf = 4 * 1460;
	cf.opt_wscale = false;
	rig_up_conf(&cf);
	open_passive();
	A.no_recved = true;
	for (int i = 0; i < 4; i++) {
		peer_seg(WPH_ACK, rcv, snd, 65535, pl, 1460);
		rcv += 1460;
		expect(nout() - 1, WPH_ACK, snd, rcv);
		assert_int_equal(F.tcp.wnd, (3 - i) * 1460);
	}
	clear();
	/* beyond the zero window: not taken, ACKed; a Linux style probe too */
	peer_seg(WPH_ACK, rcv, snd, 65535, pl, 10);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(F.tcp.wnd, 0);
	assert_int_equal(A.rx_len, 4 * 1460);
	clear();
	peer_seg(WPH_ACK, rcv - 1, snd, 65535, NULL, 0);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(F.tcp.wnd, 0);
	clear();
	c = A.c;
	wp_tcp_recved(c, 100);                      /* below min(rcvbuf/2, MSS) */
	assert_int_equal(nout(), 0);
	wp_tcp_recved(c, 1400);                      /* now 1500 >= 1460 */
	wp_net_flush(E.net);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv);
	assert_int_equal(F.tcp.wnd, 1500);
	rig_down();
}

static void
t_out_of_order_fill_and_sack(void **st)
{
	struct wp_net_conf cf;
	static uint8_t pl[6000];
	uint8_t o[40], n;
	struct wp_tcp_opts oo;
	struct wp_net_stats s;

	(void)st;
	rig_conf(&cf);
	cf.ooo_max = 3;
	rig_up_conf(&cf);
	n = syn_opts(o, 1460, -1, true, false, 0, 0);
	open_passive_opts(o, n, 65535);
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	fill(pl, sizeof(pl), 0);
	/* 1000..1999 and 3000..3999 arrive before 0..999 */
	peer_seg(WPH_ACK, rcv + 1000, snd, 65535, pl + 1000, 1000);
	expect(0, WPH_ACK, snd, rcv);
	oo = out_opts();
	assert_int_equal(oo.nsack, 1);
	assert_int_equal(oo.sack[0].left, rcv + 1000);
	assert_int_equal(oo.sack[0].right, rcv + 2000);
	peer_seg(WPH_ACK, rcv + 3000, snd, 65535, pl + 3000, 1000);
	expect(1, WPH_ACK, snd, rcv);
	oo = out_opts();
	assert_int_equal(oo.nsack, 2);
	/* overlapping duplicate: 1500..2499 trimmed to 2000..2499 */
	peer_seg(WPH_ACK, rcv + 1500, snd, 65535, pl + 1500, 1000);
	expect(2, WPH_ACK, snd, rcv);
	oo = out_opts();
	assert_int_equal(oo.nsack, 2);
	assert_int_equal(oo.sack[0].right, rcv + 2500);
	/* queue full (3): a fourth hole is dropped */
	peer_seg(WPH_ACK, rcv + 5000, snd, 65535, pl + 5000, 100);
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_OOO_FULL), 1);
	assert_int_equal(A.rx_len, 0);
	assert_int_equal(E.net->tcp->mbufs_held, 3);
	clear();
	/* the hole fills: 0..2499 delivered; 3000.. still held */
	peer_seg(WPH_ACK, rcv, snd, 65535, pl, 1000);
	assert_int_equal(A.rx_len, 2500);
	assert_memory_equal(A.rx, pl, 2500);
	expect(0, WPH_ACK, snd, rcv + 2500);
	oo = out_opts();
	assert_int_equal(oo.nsack, 1);
	peer_seg(WPH_ACK, rcv + 2500, snd, 65535, pl + 2500, 500);
	assert_int_equal(A.rx_len, 4000);
	assert_memory_equal(A.rx, pl, 4000);
	expect(1, WPH_ACK, snd, rcv + 4000);
	assert_int_equal(F.tcp.opts_len, 0);
	assert_int_equal(E.net->tcp->mbufs_held, 0);
	s = stats();
	assert_int_equal(s.tcp_ooo_segs, 3);
	rig_down();
}

/* A bare FIN overtakes the last data segment (reordering): held as an
 * out-of-order FIN with nothing queued out of order, it takes effect the
 * moment the data fills the gap - one ACK for data and FIN, CLOSE_WAIT. */
static void
t_fin_overtakes_data(void **st)
{
	static uint8_t pl[1000];

	(void)st;
	rig_up();
	open_passive();
	fill(pl, sizeof(pl), 0);
	peer_seg(WPH_ACK | WPH_FIN, rcv + 1000, snd, 65535, NULL, 0);
	expect(0, WPH_ACK, snd, rcv);                /* duplicate ACK */
	assert_int_equal(A.peer_closed, 0);
	clear();
	peer_seg(WPH_ACK, rcv, snd, 65535, pl, 1000);
	assert_int_equal(A.rx_len, 1000);
	assert_int_equal(A.peer_closed, 1);
	assert_int_equal(state(), WP_TCP_CLOSE_WAIT);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv + 1001);
	rig_down();
}

/* A server that closes as soon as the client's FIN arrives (the usual
 * end of a request/response exchange): the FIN's ACK rides on our FIN, one
 * segment, no pure ACK before it (which, reordered behind our FIN, would
 * reach the client in TIME_WAIT as an old ACK; see fin_received). An
 * application that does not answer gets the pure ACK. */
static void
t_fin_ack_rides_on_close(void **st)
{
	(void)st;
	rig_up();
	open_passive();
	A.close_on_fin = true;
	peer_seg(WPH_ACK | WPH_FIN, rcv, snd, 65535, NULL, 0);
	assert_int_equal(A.peer_closed, 1);
	assert_int_equal(state(), WP_TCP_LAST_ACK);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK | WPH_FIN, snd, rcv + 1);
	clear();
	peer_seg(WPH_ACK, rcv + 1, snd + 1, 65535, NULL, 0);
	assert_int_equal(state(), WP_TCP_CLOSED);
	assert_int_equal(A.reason, WP_TCP_CLOSE_NORMAL);
	rig_down();

	rig_up();
	open_passive();
	peer_seg(WPH_ACK | WPH_FIN, rcv, snd, 65535, NULL, 0);
	assert_int_equal(state(), WP_TCP_CLOSE_WAIT);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, snd, rcv + 1);
	rig_down();
}

static void
t_timestamps_paws(void **st)
{
	uint8_t o[40], n;
	struct wp_tcp_opts oo;

	(void)st;
	rig_up();
	n = syn_opts(o, 1460, -1, false, true, 1000, 0);
	open_passive_opts(o, n, 65535);
	peer_ts = true;
	peer_tsval = 1001;
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	assert_int_equal(state(), WP_TCP_ESTABLISHED);
	peer_tsval = 1010;
	peer_seg(WPH_ACK, rcv, snd, 65535, "abc", 3);
	rcv += 3;
	expect(0, WPH_ACK, snd, rcv);
	oo = out_opts();
	assert_int_equal(oo.tsecr, 1010);
	clear();
	/* an old timestamp: PAWS drops it and ACKs */
	peer_tsval = 1005;
	peer_seg(WPH_ACK, rcv, snd, 65535, "def", 3);
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_PAWS), 1);
	assert_int_equal(A.rx_len, 3);
	expect(0, WPH_ACK, snd, rcv);
	oo = out_opts();
	assert_int_equal(oo.tsecr, 1010);
	clear();
	/* a newer one is echoed */
	peer_tsval = 2000;
	peer_seg(WPH_ACK, rcv, snd, 65535, "ghi", 3);
	expect(0, WPH_ACK, snd, rcv + 3);
	oo = out_opts();
	assert_int_equal(oo.tsecr, 2000);
	rig_down();
}

static void
t_keepalive_give_up(void **st)
{
	struct wp_net_conf cf;

	(void)st;
	rig_conf(&cf);
	cf.keepalive_idle_ns = WPH_S(10);
	cf.keepalive_intvl_ns = WPH_S(2);
	cf.keepalive_probes = 3;
	rig_up_conf(&cf);
	open_passive();
	wph_advance(&E, WPH_S(10) - 1);
	assert_int_equal(nout(), 0);
	wph_advance(&E, 1);
	expect(0, WPH_ACK, snd - 1, rcv);
	assert_int_equal(F.plen, 0);
	clear();
	/* answered: idle again */
	peer_seg(WPH_ACK, rcv, snd, 65535, NULL, 0);
	wph_advance(&E, WPH_S(2));
	assert_int_equal(nout(), 0);
	wph_advance(&E, WPH_S(8));
	assert_int_equal(nout(), 1);
	clear();
	/* unanswered: 2 more probes, then RST + closed(KEEPALIVE) */
	wph_advance(&E, WPH_S(2));
	expect(0, WPH_ACK, snd - 1, rcv);
	clear();
	wph_advance(&E, WPH_S(2));
	expect(0, WPH_ACK, snd - 1, rcv);
	clear();
	assert_int_equal(A.closed, 0);
	wph_advance(&E, WPH_S(2));
	expect(0, WPH_RST | WPH_ACK, snd, rcv);
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_KEEPALIVE);
	assert_int_equal(stats().tcp_keepalive_probes, 4);
	rig_down();
}

static void
t_syn_cookies(void **st)
{
	struct wp_net_conf cf;
	uint8_t o[40], n;
	struct wp_tcp_opts oo;
	struct wp_net_stats s;
	uint32_t cookie;

	(void)st;
	rig_conf(&cf);
	cf.syn_backlog = 2;
	rig_up_conf(&cf);
	n = syn_opts(o, 1300, 5, true, true, 9000, 0);
	for (uint16_t p = 0; p < 2; p++) {
		struct wph_tcp_seg sg = { .sport = (uint16_t)(50000 + p), .dport = LPORT, .seq = 7,
					  .flags = WPH_SYN, .win = 1000, .opts = o, .optlen = n };
		wph_inject_tcp(&E, &sg);
	}
	assert_int_equal(nout(), 2);
	assert_int_equal(stats().tcp_conns, 2);
	clear();
	/* backlog full: a cookie SYN-ACK, no state */
	{
		struct wph_tcp_seg sg = { .sport = PPORT, .dport = LPORT, .seq = PISN,
					  .flags = WPH_SYN, .win = 1000, .opts = o, .optlen = n };
		wph_inject_tcp(&E, &sg);
	}
	assert_int_equal(nout(), 1);
	out(0);
	assert_int_equal(F.tcp.flags, WPH_SYN | WPH_ACK);
	assert_int_equal(F.tcp.ack, PISN + 1);
	oo = out_opts();
	assert_true(oo.present & WP_TCPOPT_TS);
	assert_true(oo.present & WP_TCPOPT_WSCALE);
	assert_true(oo.present & WP_TCPOPT_SACKOK);
	cookie = F.tcp.seq;
	s = stats();
	assert_int_equal(s.tcp_syncookies_sent, 1);
	assert_int_equal(s.tcp_conns, 2);
	assert_int_equal(state(), WP_TCP_CLOSED);
	clear();
	/* a bad cookie: dropped, no RST (it may be a later segment of a
	 * cookie connection that overtook the first) */
	peer_ts = true;
	peer_tsval = 9001;
	our_last_tsval = oo.tsval;
	peer_seg(WPH_ACK, PISN + 1, cookie + 2, 1000, NULL, 0);
	assert_int_equal(nout(), 0);
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_COOKIE), 1);
	/* the second data segment overtakes the first: dropped quietly, and
	 * the first still opens the connection */
	peer_seg(WPH_ACK | WPH_PSH, PISN + 6, cookie + 1, 1000, "HTTP", 4);
	assert_int_equal(nout(), 0);
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_COOKIE), 2);
	assert_int_equal(state(), WP_TCP_CLOSED);
	clear();
	/* the right ACK, with data: established at once, data delivered */
	peer_seg(WPH_ACK | WPH_PSH, PISN + 1, cookie + 1, 1000, "GET /", 5);
	assert_int_equal(A.accepted, 1);
	assert_int_equal(state(), WP_TCP_ESTABLISHED);
	assert_int_equal(A.rx_len, 5);
	assert_memory_equal(A.rx, "GET /", 5);
	expect(0, WPH_ACK, cookie + 1, PISN + 6);
	{
		struct wp_tcp_info info;

		wp_tcp_info(A.c, &info);
		assert_int_equal(info.mss, 1300 - 12);   /* from the cookie's MSS table: <= 1300 */
		assert_int_equal(info.snd_wscale, 5);
		assert_true(info.sack_ok);
		assert_true(info.ts_ok);
		assert_int_equal(info.snd_wnd, 1000 << 5);
	}
	s = stats();
	assert_int_equal(s.tcp_syncookies_ok, 1);
	assert_int_equal(s.tcp_conns, 3);
	rig_down();
}

/* A duplicated SYN straddles the moment the backlog frees up: the first
 * copy gets a cookie SYN-ACK, the second a real SYN_RECEIVED connection
 * with another ISS (and window scaling, which a cookie without timestamps
 * cannot carry). The peer answers the cookie: the connection takes the
 * cookie's ISS and options instead of resetting the peer. */
static void
t_syn_cookie_adopted(void **st)
{
	struct wp_net_conf cf;
	uint8_t o[40], n;
	struct wp_tcp_opts oo;
	struct wp_tcp_info info;
	uint32_t cookie, iss0;
	uint64_t rst0;
	struct wph_tcp_seg other = { .sport = 50000, .dport = LPORT, .seq = 7,
				     .flags = WPH_SYN, .win = 1000 };
	struct wph_tcp_seg syn = { .sport = PPORT, .dport = LPORT, .seq = PISN,
				   .flags = WPH_SYN, .win = 1000 };

	(void)st;
	rig_conf(&cf);
	cf.syn_backlog = 1;
	rig_up_conf(&cf);
	n = syn_opts(o, 1460, 5, true, false, 0, 0);
	other.opts = syn.opts = o;
	other.optlen = syn.optlen = n;
	wph_inject_tcp(&E, &other);                  /* fills the backlog */
	out(0);
	iss0 = F.tcp.seq;
	clear();
	wph_inject_tcp(&E, &syn);                    /* first copy: cookie */
	out(0);
	cookie = F.tcp.seq;
	oo = out_opts();
	assert_false(oo.present & WP_TCPOPT_WSCALE);
	assert_int_equal(stats().tcp_syncookies_sent, 1);
	clear();
	other.flags = WPH_ACK;
	other.seq = 8;
	other.ack = iss0 + 1;
	other.opts = NULL;
	other.optlen = 0;
	wph_inject_tcp(&E, &other);                  /* the backlog frees up */
	assert_int_equal(A.accepted, 1);
	wp_tcp_abort(A.c);                           /* (one RST, not ours to test) */
	rst0 = stats().tcp_rst_sent;
	wp_net_flush(E.net);
	clear();
	wph_inject_tcp(&E, &syn);                    /* second copy: a real one */
	out(0);
	assert_int_not_equal(F.tcp.seq, cookie);
	oo = out_opts();
	assert_true(oo.present & WP_TCPOPT_WSCALE);
	assert_int_equal(state(), WP_TCP_SYN_RECEIVED);
	clear();
	peer_seg(WPH_ACK | WPH_PSH, PISN + 1, cookie + 1, 1000, "hi", 2);
	assert_int_equal(A.accepted, 2);
	assert_int_equal(state(), WP_TCP_ESTABLISHED);
	assert_int_equal(A.rx_len, 2);
	assert_int_equal(nout(), 1);
	expect(0, WPH_ACK, cookie + 1, PISN + 3);
	assert_int_equal(stats().tcp_rst_sent, rst0);
	assert_int_equal(stats().tcp_syncookies_ok, 1);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.snd_wscale, 0);        /* as the cookie SYN-ACK said */
	assert_int_equal(info.rcv_wscale, 0);
	assert_int_equal(info.snd_wnd, 1000);
	clear();
	assert_int_equal(wp_tcp_send_bytes(A.c, "ok", 2), 0);
	wp_net_flush(E.net);
	expect(0, WPH_ACK, cookie + 1, PISN + 3);
	rig_down();
}

static void
t_no_flow_rst_and_bad_input(void **st)
{
	uint8_t bad[8] = { 2, 4, 5, 0xb4, 3, 9, 1, 1 };   /* WS with length 9 */

	(void)st;
	rig_up();
	/* SYN to a closed port: RST+ACK ack=seq+1, seq 0 */
	peer_seg_to(9999, WPH_SYN, 555, 0, 1000);
	expect(0, WPH_RST | WPH_ACK, 0, 556);
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_NO_FLOW), 1);
	clear();
	/* ACK to a closed port: RST seq=ack */
	peer_seg_to(9999, WPH_ACK, 555, 4242, 1000);
	expect(0, WPH_RST, 4242, 0);
	clear();
	/* RST to a closed port: nothing */
	peer_seg_to(9999, WPH_RST, 555, 0, 1000);
	assert_int_equal(nout(), 0);
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_NO_FLOW), 3);
	/* ACK to the listener without a connection: RST */
	peer_seg_to(LPORT, WPH_ACK, 555, 77, 1000);
	expect(0, WPH_RST, 77, 0);
	clear();
	/* impossible option length */
	{
		struct wph_tcp_seg sg = { .sport = PPORT, .dport = LPORT, .seq = 1, .flags = WPH_SYN,
					  .win = 100, .opts = bad, .optlen = 8 };
		wph_inject_tcp(&E, &sg);
	}
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_OPTION), 1);
	/* SYN+FIN, no flags */
	peer_seg_to(LPORT, WPH_SYN | WPH_FIN, 1, 0, 100);
	peer_seg_to(LPORT, 0, 1, 0, 100);
	peer_seg_to(LPORT, WPH_FIN, 1, 0, 100);
	assert_int_equal(wph_drops(&E, WP_DROP_TCP_FLAGS), 3);
	assert_int_equal(nout(), 0);
	assert_int_equal(stats().tcp_conns, 0);
	rig_down();
}

static void
build_icmp_unreach(uint8_t *b, uint32_t *len, uint8_t code, uint16_t mtu, uint16_t sport,
		   uint32_t seq)
{
	uint8_t *ip = b + wph_eth(b, wph_our_mac, wph_peer_mac, WP_ETHERTYPE_IPV4);
	uint8_t *ic = ip + 20, *in = ic + 8;

	memset(ic, 0, 8 + 28);
	ic[0] = 3;
	ic[1] = code;
	wph_put16(ic + 6, mtu);
	wph_ipv4_hdr(in, WPH_OUR_IP, WPH_PEER_IP, WP_IPPROTO_TCP, 20, 1, 64);
	wph_put16(in + 20, sport);
	wph_put16(in + 22, PPORT);
	wph_put32(in + 24, seq);
	wph_put16(ic + 2, wp_csum_fold(wp_csum_partial(ic, 8 + 28, 0)));
	wph_ipv4_hdr(ip, WPH_PEER_IP, WPH_OUR_IP, WP_IPPROTO_ICMP, 8 + 28, 9, 64);
	*len = 14 + 20 + 8 + 28;
}

static void
t_icmp_errors(void **st)
{
	uint8_t b[128];
	uint32_t n;
	struct wp_tcp_info info;

	(void)st;
	rig_up();
	setup_state(S_SYN_SENT);
	/* quoted seq outside snd_una..snd_nxt: ignored */
	build_icmp_unreach(b, &n, 3, 0, LPORT + 1, iss + 5);
	wph_inject(&E, b, n);
	assert_int_equal(active_state(), WP_TCP_SYN_SENT);
	/* port unreachable for our SYN: closed(UNREACHABLE) */
	build_icmp_unreach(b, &n, 3, 0, LPORT + 1, iss);
	wph_inject(&E, b, n);
	assert_int_equal(active_state(), WP_TCP_CLOSED);
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_UNREACHABLE);
	/* fragmentation needed on an established conn lowers the MSS */
	memset(&A, 0, sizeof(A));
	open_passive();
	assert_int_equal(wp_tcp_send_bytes(A.c, "0123456789", 10), 0);
	wp_net_flush(E.net);
	clear();
	{
		uint8_t *ip, *ic, *in;

		build_icmp_unreach(b, &n, 4, 1200, LPORT, snd);
		/* fix the quoted ports: the conn is LPORT <- PPORT */
		ip = b + 14;
		ic = ip + 20;
		in = ic + 8;
		wph_put16(in + 20, LPORT);
		wph_put16(ic + 2, 0);
		wph_put16(ic + 2, wp_csum_fold(wp_csum_partial(ic, 8 + 28, 0)));
	}
	wph_inject(&E, b, n);
	wp_net_flush(E.net);
	wp_tcp_info(A.c, &info);
	assert_int_equal(info.mss, 1160);
	assert_int_equal(info.state, WP_TCP_ESTABLISHED);
	assert_int_equal(nout(), 1);                 /* resent at once */
	expect(0, WPH_ACK, snd, rcv);
	rig_down();
}

/* ARP never resolves the next hop of a connect: closed(UNREACHABLE) when
 * ARP gives up, through wp_tcp_unreachable(). */
static void
t_arp_failure_on_connect(void **st)
{
	struct wp_tcp_conn *c;
	struct wp_net_stats s;

	(void)st;
	rig_up();
	assert_int_equal(wp_tcp_connect(E.net, WPH_IP(198, 18, 0, 9), 80, 0, &CBS_ACTIVE, NULL, &c), 0);
	A.c = c;
	for (int i = 0; i < 10 && A.closed == 0; i++)
		wph_advance(&E, WPH_S(1));
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_UNREACHABLE);
	s = stats();
	assert_int_equal(s.tcp_conns, 0);
	assert_int_equal(s.tcp_closed[WP_TCP_CLOSE_UNREACHABLE], 1);
	rig_down();
}

static void
t_unlisten_and_abort(void **st)
{
	struct wp_net_stats s;

	(void)st;
	rig_up();
	setup_state(S_SYN_RECEIVED);
	assert_int_equal(wp_tcp_unlisten(E.net, LPORT), 0);
	wp_net_flush(E.net);
	expect(0, WPH_RST | WPH_ACK, snd, rcv);
	assert_int_equal(state(), WP_TCP_CLOSED);
	assert_int_equal(wp_tcp_unlisten(E.net, LPORT), -ENOENT);
	clear();
	assert_int_equal(wp_tcp_listen(E.net, LPORT, &CBS, NULL), 0);
	assert_int_equal(wp_tcp_listen(E.net, LPORT, &CBS, NULL), -EADDRINUSE);
	open_passive();
	/* abort from inside the data callback */
	A.abort_on_data = true;
	peer_seg(WPH_ACK, rcv, snd, 65535, "x", 1);
	assert_int_equal(A.closed, 1);
	assert_int_equal(A.reason, WP_TCP_CLOSE_ABORT);
	expect(0, WPH_RST | WPH_ACK, snd, rcv + 1);
	assert_int_equal(state(), WP_TCP_CLOSED);
	s = stats();
	assert_int_equal(s.tcp_conns, 0);
	assert_int_equal(s.tcp_closed[WP_TCP_CLOSE_ABORT], 2);
	rig_down();
}

static void
t_send_errors(void **st)
{
	struct wp_net_conf cf;
	static uint8_t pl[5000];

	(void)st;
	rig_conf(&cf);
	cf.sndbuf = 4000;
	rig_up_conf(&cf);
	open_passive();
	assert_int_equal(wp_tcp_send_space(A.c), 4000);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 4001), -ENOBUFS);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 3000), 0);
	assert_int_equal(wp_tcp_send_space(A.c), 1000);
	assert_int_equal(wp_tcp_shutdown(A.c), 0);
	assert_int_equal(wp_tcp_send_bytes(A.c, pl, 10), -ENOTCONN);
	assert_int_equal(wp_tcp_send_space(A.c), 0);
	wp_net_flush(E.net);
	/* the data went at send time; the FIN follows alone */
	assert_int_equal(nout(), 4);
	expect(2, WPH_ACK, snd + 2920, rcv);
	assert_int_equal(F.plen, 80);
	expect(3, WPH_ACK | WPH_FIN, snd + 3000, rcv);
	assert_int_equal(F.plen, 0);
	assert_string_equal(wp_tcp_state_name(WP_TCP_FIN_WAIT_1), "FIN_WAIT_1");
	assert_string_equal(wp_tcp_close_reason_name(WP_TCP_CLOSE_KEEPALIVE), "keepalive");
	assert_string_equal(wp_tcp_state_name((enum wp_tcp_state)99), "?");
	rig_down();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_state_table),
		cmocka_unit_test(t_passive_open_options),
		cmocka_unit_test(t_options_absent),
		cmocka_unit_test(t_active_open),
		cmocka_unit_test(t_data_both_ways_and_close),
		cmocka_unit_test(t_rto_backoff_and_give_up),
		cmocka_unit_test(t_syn_retries_connect_timeout),
		cmocka_unit_test(t_fast_retransmit_newreno),
		cmocka_unit_test(t_sack_recovery_two_holes),
		cmocka_unit_test(t_sack_rto_skips_sacked),
		cmocka_unit_test(t_rto_go_back_n),
		cmocka_unit_test(t_rack_reorder_window),
		cmocka_unit_test(t_tlp_tail_probe),
		cmocka_unit_test(t_tlp_single_segment_waits_for_delack),
		cmocka_unit_test(t_recovery_probe_resends_hole),
		cmocka_unit_test(t_head_segment_stops_at_sack),
		cmocka_unit_test(t_cwnd_restart_after_idle),
		cmocka_unit_test(t_syn_timeout_rto_and_window),
		cmocka_unit_test(t_data_on_syn),
		cmocka_unit_test(t_delayed_ack),
		cmocka_unit_test(t_zero_window_persist),
		cmocka_unit_test(t_receive_window_and_update),
		cmocka_unit_test(t_out_of_order_fill_and_sack),
		cmocka_unit_test(t_fin_overtakes_data),
		cmocka_unit_test(t_fin_ack_rides_on_close),
		cmocka_unit_test(t_timestamps_paws),
		cmocka_unit_test(t_keepalive_give_up),
		cmocka_unit_test(t_syn_cookies),
		cmocka_unit_test(t_syn_cookie_adopted),
		cmocka_unit_test(t_no_flow_rst_and_bad_input),
		cmocka_unit_test(t_icmp_errors),
		cmocka_unit_test(t_arp_failure_on_connect),
		cmocka_unit_test(t_unlisten_and_abort),
		cmocka_unit_test(t_send_errors),
	};
	int rc;

	if (wp_test_eal_init("test_tcp", NULL) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	wp_test_eal_cleanup();
	return rc;
}
