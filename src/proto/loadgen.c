/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP/1.1 load generator engine of one worker (contract: warmpool/loadgen.h).
 *
 * A fixed array of client connections on the worker's stack. Each keeps a
 * small FIFO of its outstanding requests (intended and actual send time);
 * responses arrive in order, so the head of the FIFO is the one a framed
 * response answers. Framing is wp_http1 in response mode: pipelined
 * responses in one chain are taken one after the other, a close-delimited
 * body ends at the server's FIN.
 *
 * Closed loop: a connection sends `depth` requests when it comes up and
 * one more for each response. Open loop: a schedule (constant or Poisson)
 * produces intended times; each goes to the backlog, and the backlog is
 * served by connections that have room (FIFO of ready connections, so load
 * spreads over all of them). A request that waits in the backlog keeps its
 * intended time, so its wait counts in its latency: the generator never
 * waits for the server before deciding to send (Gil Tene's "coordinated
 * omission" is what this avoids).
 *
 * Phases: warm-up [start, measure), measured [measure, end); counters are
 * reset when measure_ns passes and a response counts only if its request
 * was intended in the measured window. After end nothing new is intended;
 * what is outstanding (or still in the backlog) gets until end + timeout,
 * then counts as timed out. Connections are then closed with FIN.
 *
 * Start: one connection first; the others follow, LG_CONNECT_BURST per
 * poll, once it is up. So the target's address is resolved (ARP) before
 * thousands of SYNs wait behind it, and a server's accept queue sees a
 * ramp, not a flood.
 *
 * Failures: every connect failure, lost request and framing error counts
 * one reason. A connection that fails is opened again (at once if it had
 * been up, after a short back-off if it never came up), unless the target
 * is judged unusable: LG_PROBE_FAILS connects failed and none ever
 * succeeded, or the first answers are not HTTP, or nothing ever answers
 * within the timeout. Then the run ends at once (wp_lg_fatal).
 *
 * Everything belongs to the worker's lcore; nothing is allocated after
 * wp_lg_create().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <warmpool/loadgen.h>
#include <warmpool/net.h>
#include <warmpool/tcp.h>

#define LG_SCAN_NS (5LL * 1000000LL)        /* timeout scan period */
#define LG_BACKOFF_NS (100LL * 1000000LL)   /* reconnect after a failed connect */
#define LG_SCHED_BURST 4096                 /* arrivals taken per poll at most */
#define LG_SEND_BURST 256                   /* requests sent per poll at most (open) */
#define LG_CONNECT_BURST 64                 /* connects started per poll at most */
#define LG_PROBE_FAILS 3                    /* failed connects, none ever up: fatal */

enum lg_cst { LC_DOWN = 0, LC_CONNECTING, LC_UP, LC_CLOSING };

struct lg_conn {
	struct wp_lg *lg;
	struct wp_tcp_conn *tc;
	uint32_t id;
	uint8_t st;                 /* enum lg_cst */
	bool in_ready;              /* on the open-loop ready FIFO */
	bool in_reconn;             /* on the reconnect FIFO */
	uint8_t lost_as;            /* enum wp_lg_err for what is outstanding
				     * when the connection ends (set before an
				     * abort of ours; default by close reason) */
	uint16_t nout, head;        /* outstanding FIFO */
	int64_t deadline;           /* CONNECTING: connect deadline */
	int64_t *itime, *stime;     /* [depth]: intended and actual send times */
	struct wp_http1 resp;
};

struct wp_lg {
	struct wp_lg_conf conf;
	uint8_t req[WP_LG_MAX_REQ];
	struct lg_conn *conns;
	int64_t *times;
	uint32_t *ready, r_head, r_n;          /* FIFO of connection ids */
	uint32_t *reconn, c_head, c_n;         /* FIFO of connection ids */
	int64_t *reconn_at;
	int64_t *bl;                           /* backlog of intended times */
	uint32_t bl_mask, bl_head, bl_n;
	struct wp_lg_sched sched;
	int64_t next_intended;
	int64_t drain_deadline;
	int64_t next_scan;
	int64_t now;                           /* clock of the current poll */
	bool started, measuring, ending, closing, finished;
	enum wp_lg_fatal fatal;
	const char *fatal_detail;
	uint64_t ever_connected, ever_completed, connect_failures, lost_unanswered;
	uint32_t live;                         /* connections with a tc */
	struct wp_lg_stats st;
};

static const char *const err_names[WP_LG_E__COUNT] = {
	[WP_LG_E_REFUSED] = "refused",
	[WP_LG_E_CONNECT_TIMEOUT] = "connect_timeout",
	[WP_LG_E_UNREACHABLE] = "unreachable",
	[WP_LG_E_CONNECT] = "connect",
	[WP_LG_E_RESET] = "reset",
	[WP_LG_E_CLOSED] = "closed",
	[WP_LG_E_TIMEOUT] = "timeout",
	[WP_LG_E_BAD_RESPONSE] = "bad_response",
	[WP_LG_E_BACKLOG] = "backlog_full",
	[WP_LG_E_SEND] = "send",
};

const char *
wp_lg_err_name(enum wp_lg_err e)
{
	return (unsigned)e < WP_LG_E__COUNT ? err_names[e] : "?";
}

const char *
wp_lg_fatal_name(enum wp_lg_fatal f)
{
	switch (f) {
	case WP_LG_F_NONE: return "none";
	case WP_LG_F_CONNECT: return "cannot connect";
	case WP_LG_F_PROTOCOL: return "not an HTTP/1.x server";
	case WP_LG_F_SILENT: return "no response";
	}
	return "?";
}

/* ------------------------------------------------------------ helpers */

static void
ready_push(struct wp_lg *lg, struct lg_conn *cn)
{
	if (cn->in_ready || lg->conf.mode == WP_LG_CLOSED)
		return;
	cn->in_ready = true;
	lg->ready[(lg->r_head + lg->r_n) % lg->conf.conns] = cn->id;
	lg->r_n++;
}

/* The next connection that can take a request now, or NULL. */
static struct lg_conn *
ready_pop(struct wp_lg *lg)
{
	while (lg->r_n > 0) {
		struct lg_conn *cn = &lg->conns[lg->ready[lg->r_head]];

		lg->r_head = (lg->r_head + 1) % lg->conf.conns;
		lg->r_n--;
		cn->in_ready = false;
		if (cn->st == LC_UP && cn->nout < lg->conf.depth)
			return cn;
	}
	return NULL;
}

static void
reconn_push(struct wp_lg *lg, struct lg_conn *cn, int64_t at)
{
	uint32_t i;

	if (cn->in_reconn)
		return;
	cn->in_reconn = true;
	i = (lg->c_head + lg->c_n) % lg->conf.conns;
	lg->reconn[i] = cn->id;
	lg->reconn_at[i] = at;
	lg->c_n++;
}

static void
set_fatal(struct wp_lg *lg, enum wp_lg_fatal f, const char *detail)
{
	if (lg->fatal != WP_LG_F_NONE)
		return;
	lg->fatal = f;
	lg->fatal_detail = detail;
}

static void
count_err(struct wp_lg *lg, enum wp_lg_err e, uint64_t n)
{
	lg->st.errors[e] += n;
}

/* ------------------------------------------------------------- sending */

static bool
send_req(struct wp_lg *lg, struct lg_conn *cn, int64_t intended, int64_t now)
{
	uint32_t slot;

	if (wp_tcp_send_bytes(cn->tc, lg->req, lg->conf.req_len) < 0) {
		count_err(lg, WP_LG_E_SEND, 1);
		return false;
	}
	slot = (uint32_t)(cn->head + cn->nout) % lg->conf.depth;
	cn->itime[slot] = intended;
	cn->stime[slot] = now;
	cn->nout++;
	lg->st.outstanding++;
	lg->st.sent++;
	lg->st.bytes_out += lg->conf.req_len;
	if (lg->conf.mode != WP_LG_CLOSED && intended >= lg->conf.measure_ns)
		wp_hist_add(&lg->st.lag, (uint64_t)(now - intended));
	return true;
}

/* Closed loop: fill the connection up to depth. */
static void
closed_fill(struct wp_lg *lg, struct lg_conn *cn, int64_t now)
{
	while (!lg->ending && lg->fatal == WP_LG_F_NONE && cn->st == LC_UP &&
	       cn->nout < lg->conf.depth) {
		lg->st.intended++;
		if (!send_req(lg, cn, now, now))
			break;
	}
}

/* ----------------------------------------------------------- callbacks */

static void
cb_connected(void *arg, struct wp_tcp_conn *c)
{
	struct lg_conn *cn = arg;
	struct wp_lg *lg = cn->lg;

	(void)c;
	cn->st = LC_UP;
	cn->lost_as = WP_LG_E_CLOSED;
	lg->ever_connected++;
	lg->st.connected++;
	lg->st.open_conns++;
	wp_http1_reset(&cn->resp, lg->conf.method);
	if (lg->conf.mode == WP_LG_CLOSED)
		closed_fill(lg, cn, lg->now);
	else
		ready_push(lg, cn);
}

/* A response was framed completely: the head request is answered. */
static void
complete(struct wp_lg *lg, struct lg_conn *cn, int64_t now)
{
	int64_t it = cn->itime[cn->head];
	unsigned cls = cn->resp.status / 100;
	bool was_full = cn->nout == lg->conf.depth;

	cn->head = (uint16_t)((cn->head + 1) % lg->conf.depth);
	cn->nout--;
	lg->st.outstanding--;
	lg->ever_completed++;
	lg->st.completed_all++;
	if (lg->measuring && now < lg->conf.end_ns)
		lg->st.in_window++;
	if (it >= lg->conf.measure_ns && lg->measuring) {
		lg->st.completed++;
		lg->st.status[cls < 6 ? cls : 0]++;
		wp_hist_add(&lg->st.lat, (uint64_t)(now - it));
	}
	if (!cn->resp.keep_alive)
		return;                 /* the connection ends after this */
	if (lg->conf.mode == WP_LG_CLOSED)
		closed_fill(lg, cn, now);
	else if (was_full || !cn->in_ready)
		ready_push(lg, cn);
}

/* The clock for callbacks: the stack passes no time to them. wp_lg_poll()
 * and wp_lg_input_time() keep it current, so it is at most one poll
 * iteration old. */
static inline int64_t
lg_now(const struct wp_lg *lg)
{
	return lg->now;
}

static void
cb_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct lg_conn *cn = arg;
	struct wp_lg *lg = cn->lg;
	uint32_t len = rte_pktmbuf_pkt_len(m), off = 0;
	int64_t now = lg_now(lg);
	bool bad = false, close = false;

	lg->st.bytes_in += len;
	while (off < len) {
		long r;

		if (cn->nout == 0) {        /* bytes nobody asked for */
			lg->st.bad_response[WP_HTTP1_E_AFTER_DONE]++;
			lg->fatal_detail = "bytes after the response (unsolicited)";
			bad = true;
			break;
		}
		r = wp_http1_feed_mbuf(&cn->resp, m, off);
		if (r < 0) {
			lg->st.bad_response[cn->resp.err]++;
			lg->fatal_detail = wp_http1_err_name((enum wp_http1_err)cn->resp.err);
			bad = true;
			break;
		}
		off += (uint32_t)r;
		if (!cn->resp.done)
			continue;
		complete(lg, cn, now);
		if (!cn->resp.keep_alive) {
			close = true;
			break;
		}
		wp_http1_reset(&cn->resp, lg->conf.method);
	}
	wp_tcp_recved(c, len);
	rte_pktmbuf_free(m);
	if (bad) {
		if (lg->ever_completed == 0)
			set_fatal(lg, WP_LG_F_PROTOCOL, lg->fatal_detail);
		cn->lost_as = WP_LG_E_BAD_RESPONSE;
		wp_tcp_abort(c);            /* closed() runs now; cn->tc is gone */
		return;
	}
	if (close && cn->st == LC_UP) {
		cn->st = LC_CLOSING;
		(void)wp_tcp_close(c);
	}
}

static void
cb_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	struct lg_conn *cn = arg;
	struct wp_lg *lg = cn->lg;

	if (cn->nout > 0) {
		int r = wp_http1_eof(&cn->resp);

		if (r == 0 && cn->resp.done)
			complete(lg, cn, lg_now(lg));  /* close-delimited body */
		else if (r == -EBADMSG)
			lg->st.bad_response[cn->resp.err]++;
	} else if (cn->st == LC_UP) {
		lg->st.closed_by_server++;  /* keep-alive close, not ours */
	}
	if (cn->st == LC_UP || cn->st == LC_CONNECTING)
		cn->st = LC_CLOSING;
	(void)wp_tcp_close(c);
}

static enum wp_lg_err
connect_err(enum wp_tcp_close_reason why)
{
	switch (why) {
	case WP_TCP_CLOSE_REFUSED:
	case WP_TCP_CLOSE_RESET: return WP_LG_E_REFUSED;
	case WP_TCP_CLOSE_CONNECT_TIMEOUT:
	case WP_TCP_CLOSE_TIMEOUT: return WP_LG_E_CONNECT_TIMEOUT;
	case WP_TCP_CLOSE_UNREACHABLE: return WP_LG_E_UNREACHABLE;
	default: return WP_LG_E_CONNECT;
	}
}

static void
cb_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct lg_conn *cn = arg;
	struct wp_lg *lg = cn->lg;
	int64_t now = lg_now(lg);
	bool was_up;

	(void)c;
	cn->tc = NULL;
	lg->live--;
	if (cn->st == LC_CONNECTING) {
		/* an abort of ours at the deadline says CONNECT_TIMEOUT */
		enum wp_lg_err e = why == WP_TCP_CLOSE_ABORT ?
				   (enum wp_lg_err)cn->lost_as : connect_err(why);

		count_err(lg, e, 1);
		lg->connect_failures++;
		if (lg->ever_connected == 0 && lg->connect_failures >= LG_PROBE_FAILS)
			set_fatal(lg, WP_LG_F_CONNECT, err_names[e]);
		was_up = false;
	} else {
		enum wp_lg_err e = (enum wp_lg_err)cn->lost_as;

		if (why == WP_TCP_CLOSE_RESET && e == WP_LG_E_CLOSED)
			e = WP_LG_E_RESET;
		if (cn->nout > 0) {
			count_err(lg, e, cn->nout);
			lg->st.outstanding -= cn->nout;
			if (lg->ever_completed == 0) {
				lg->lost_unanswered += cn->nout;
				if (e == WP_LG_E_TIMEOUT)
					set_fatal(lg, WP_LG_F_SILENT, "no response within the timeout");
				else if (lg->lost_unanswered >= RTE_MIN(lg->conf.conns, 8u))
					set_fatal(lg, WP_LG_F_PROTOCOL,
						  "connections closed before any response");
			}
		}
		lg->st.open_conns--;
		was_up = true;
	}
	cn->nout = 0;
	cn->head = 0;
	cn->st = LC_DOWN;
	if (!lg->ending && lg->fatal == WP_LG_F_NONE)
		reconn_push(lg, cn, was_up ? now : now + LG_BACKOFF_NS);
}

static const struct wp_tcp_cbs lg_cbs = {
	.connected = cb_connected,
	.data = cb_data,
	.peer_closed = cb_peer_closed,
	.closed = cb_closed,
};

/* --------------------------------------------------------------- poll */

static unsigned
do_connect(struct wp_lg *lg, struct lg_conn *cn, int64_t now)
{
	int rc;

	lg->st.connects++;
	rc = wp_tcp_connect(lg->conf.net, lg->conf.dst_ip, lg->conf.dst_port, 0,
			    &lg_cbs, cn, &cn->tc);
	if (rc < 0) {
		enum wp_lg_err e = rc == -ENETUNREACH ? WP_LG_E_UNREACHABLE : WP_LG_E_CONNECT;

		cn->tc = NULL;
		count_err(lg, e, 1);
		lg->connect_failures++;
		if (lg->ever_connected == 0 && lg->connect_failures >= LG_PROBE_FAILS)
			set_fatal(lg, WP_LG_F_CONNECT, err_names[e]);
		if (lg->fatal == WP_LG_F_NONE)
			reconn_push(lg, cn, now + LG_BACKOFF_NS);
		return 1;
	}
	lg->live++;
	cn->st = LC_CONNECTING;
	cn->deadline = now + lg->conf.timeout_ns;
	cn->lost_as = WP_LG_E_CONNECT_TIMEOUT;
	return 1;
}

static void
reset_stats(struct wp_lg *lg)
{
	uint32_t open = lg->st.open_conns, out = lg->st.outstanding;
	uint64_t all = lg->st.completed_all, cx = lg->st.connects, cd = lg->st.connected;

	memset(&lg->st, 0, sizeof(lg->st));
	lg->st.open_conns = open;
	lg->st.outstanding = out;
	lg->st.completed_all = all;
	lg->st.connects = cx;       /* connections count over the whole run */
	lg->st.connected = cd;
}

/* Time-outs, and closing at the end. */
static void
scan(struct wp_lg *lg, int64_t now)
{
	for (uint32_t i = 0; i < lg->conf.conns; i++) {
		struct lg_conn *cn = &lg->conns[i];

		if (cn->tc == NULL)
			continue;
		if (cn->st == LC_CONNECTING && now >= cn->deadline) {
			cn->lost_as = WP_LG_E_CONNECT_TIMEOUT;
			wp_tcp_abort(cn->tc);
			continue;
		}
		if (cn->st != LC_UP && cn->st != LC_CLOSING)
			continue;
		if (cn->nout > 0 && (now - cn->stime[cn->head] >= lg->conf.timeout_ns ||
				     (lg->ending && now >= lg->drain_deadline))) {
			cn->lost_as = WP_LG_E_TIMEOUT;
			wp_tcp_abort(cn->tc);
			continue;
		}
		if ((lg->ending || lg->fatal != WP_LG_F_NONE) && cn->st == LC_UP &&
		    cn->nout == 0) {
			cn->st = LC_CLOSING;
			(void)wp_tcp_close(cn->tc);
		}
	}
}

static void
abort_all(struct wp_lg *lg)
{
	for (uint32_t i = 0; i < lg->conf.conns; i++)
		if (lg->conns[i].tc != NULL) {
			if (lg->conns[i].st != LC_CONNECTING)
				lg->conns[i].lost_as = WP_LG_E_TIMEOUT;
			wp_tcp_abort(lg->conns[i].tc);
		}
}

/* Advance the engine's clock; the measured window opens here, before any
 * callback of this iteration can complete or send a request. */
static void
lg_clock(struct wp_lg *lg, int64_t now)
{
	lg->now = now;
	if (!lg->measuring && lg->started && now >= lg->conf.measure_ns) {
		lg->measuring = true;
		reset_stats(lg);
	}
}

unsigned
wp_lg_poll(struct wp_lg *lg, int64_t now)
{
	unsigned work = 0;

	lg_clock(lg, now);
	if (lg->finished || now < lg->conf.start_ns)
		return 0;
	if (!lg->started) {
		lg->started = true;
		lg->next_scan = now + LG_SCAN_NS;
		for (uint32_t i = 0; i < lg->conf.conns; i++)
			reconn_push(lg, &lg->conns[i], now);
	}
	lg_clock(lg, now);          /* again: a run without warm-up opens now */
	if (!lg->ending && (now >= lg->conf.end_ns || lg->fatal != WP_LG_F_NONE)) {
		lg->ending = true;
		lg->drain_deadline = now + lg->conf.timeout_ns;
		if (lg->fatal != WP_LG_F_NONE)
			lg->drain_deadline = now;
	}

	/* open loop: arrivals to the backlog, backlog to free connections */
	if (lg->conf.mode != WP_LG_CLOSED && lg->fatal == WP_LG_F_NONE) {
		unsigned n = 0;

		while (lg->next_intended <= now && lg->next_intended < lg->conf.end_ns &&
		       n++ < LG_SCHED_BURST) {
			lg->st.intended++;
			if (lg->bl_n > lg->bl_mask)
				count_err(lg, WP_LG_E_BACKLOG, 1);
			else
				lg->bl[(lg->bl_head + lg->bl_n++) & lg->bl_mask] = lg->next_intended;
			lg->next_intended = wp_lg_sched_next(&lg->sched);
		}
		n = 0;
		while (lg->bl_n > 0 && n < LG_SEND_BURST) {
			struct lg_conn *cn = ready_pop(lg);

			if (cn == NULL)
				break;
			if (!send_req(lg, cn, lg->bl[lg->bl_head & lg->bl_mask], now))
				break;
			lg->bl_head++;
			lg->bl_n--;
			n++;
			if (cn->nout < lg->conf.depth)
				ready_push(lg, cn);
		}
		work += n;
	}

	/* connects that are due: one at a time until one came up, then a
	 * burst per poll */
	for (unsigned n = 0; lg->c_n > 0 && lg->reconn_at[lg->c_head] <= now && !lg->ending &&
	     lg->fatal == WP_LG_F_NONE && n < LG_CONNECT_BURST &&
	     (lg->ever_connected > 0 || lg->live == 0); n++) {
		struct lg_conn *cn = &lg->conns[lg->reconn[lg->c_head]];

		lg->c_head = (lg->c_head + 1) % lg->conf.conns;
		lg->c_n--;
		cn->in_reconn = false;
		if (cn->tc == NULL)
			work += do_connect(lg, cn, now);
	}

	if (now >= lg->next_scan) {
		lg->next_scan = now + LG_SCAN_NS;
		scan(lg, now);
	}

	if (lg->ending) {
		if (now >= lg->drain_deadline) {
			/* what never left the backlog did not complete in time */
			if (lg->bl_n > 0) {
				count_err(lg, WP_LG_E_TIMEOUT, lg->bl_n);
				lg->bl_n = 0;
			}
			if (lg->fatal != WP_LG_F_NONE)
				abort_all(lg);
		}
		if (now >= lg->drain_deadline + lg->conf.timeout_ns)
			abort_all(lg);          /* FIN handshakes that never end */
		if (lg->live == 0 && lg->bl_n == 0) {
			lg->c_n = 0;
			lg->finished = true;
		}
	}
	return work;
}

void
wp_lg_input_time(struct wp_lg *lg, int64_t now)
{
	lg_clock(lg, now);
}

void
wp_lg_stop(struct wp_lg *lg, int64_t now)
{
	if (now < lg->conf.end_ns)
		lg->conf.end_ns = now;
}

bool
wp_lg_finished(const struct wp_lg *lg)
{
	return lg->finished;
}

enum wp_lg_fatal
wp_lg_fatal(const struct wp_lg *lg, const char **detail)
{
	if (detail != NULL)
		*detail = lg->fatal_detail != NULL ? lg->fatal_detail : "";
	return lg->fatal;
}

void
wp_lg_stats(const struct wp_lg *lg, struct wp_lg_stats *out)
{
	*out = lg->st;
	out->backlog = lg->bl_n;
}

void
wp_lg_stats_merge(struct wp_lg_stats *d, const struct wp_lg_stats *s)
{
	d->intended += s->intended;
	d->sent += s->sent;
	d->completed += s->completed;
	d->completed_all += s->completed_all;
	d->in_window += s->in_window;
	for (int i = 0; i < 6; i++)
		d->status[i] += s->status[i];
	for (int i = 0; i < WP_LG_E__COUNT; i++)
		d->errors[i] += s->errors[i];
	for (int i = 0; i < WP_HTTP1_E__COUNT; i++)
		d->bad_response[i] += s->bad_response[i];
	d->bytes_out += s->bytes_out;
	d->bytes_in += s->bytes_in;
	d->connects += s->connects;
	d->connected += s->connected;
	d->closed_by_server += s->closed_by_server;
	d->open_conns += s->open_conns;
	d->outstanding += s->outstanding;
	d->backlog += s->backlog;
	wp_hist_merge(&d->lat, &s->lat);
	wp_hist_merge(&d->lag, &s->lag);
}

/* ------------------------------------------------------------- set-up */

static const char *
conf_check(const struct wp_lg_conf *c)
{
	if (c->net == NULL)
		return "net";
	if (c->dst_ip == 0 || c->dst_port == 0)
		return "dst_ip/dst_port";
	if (c->conns == 0 || c->conns > (1u << 20))
		return "conns";
	if (c->depth == 0 || c->depth > WP_LG_MAX_DEPTH)
		return "depth";
	if (c->mode != WP_LG_CLOSED && c->mode != WP_LG_CONSTANT && c->mode != WP_LG_POISSON)
		return "mode";
	if (c->mode != WP_LG_CLOSED && !(c->rate > 0 && c->rate < 1e9))
		return "rate";
	if (c->req == NULL || c->req_len == 0 || c->req_len > WP_LG_MAX_REQ)
		return "req_len";
	if (c->timeout_ns <= 0)
		return "timeout_ns";
	if (c->measure_ns < c->start_ns || c->end_ns < c->measure_ns)
		return "start_ns/measure_ns/end_ns";
	if (c->backlog != 0 && (c->backlog & (c->backlog - 1)) != 0)
		return "backlog";
	return NULL;
}

struct wp_lg *
wp_lg_create(const struct wp_lg_conf *conf, const char **why)
{
	struct wp_lg *lg;
	const char *bad = conf_check(conf);
	uint32_t n, bl;

	if (bad != NULL) {
		if (why != NULL)
			*why = bad;
		errno = EINVAL;
		return NULL;
	}
	n = conf->conns;
	bl = conf->backlog != 0 ? conf->backlog : 65536;
	lg = rte_zmalloc_socket("wp_lg", sizeof(*lg), RTE_CACHE_LINE_SIZE, conf->socket);
	if (lg == NULL)
		goto nomem;
	lg->conf = *conf;
	lg->conf.backlog = bl;
	memcpy(lg->req, conf->req, conf->req_len);
	lg->conf.req = lg->req;
	lg->conns = rte_zmalloc_socket("wp_lg_conns", sizeof(lg->conns[0]) * n,
				       RTE_CACHE_LINE_SIZE, conf->socket);
	lg->times = rte_zmalloc_socket("wp_lg_times", sizeof(int64_t) * 2 * conf->depth * n,
				       RTE_CACHE_LINE_SIZE, conf->socket);
	lg->ready = rte_zmalloc_socket("wp_lg_ready", sizeof(uint32_t) * n, 0, conf->socket);
	lg->reconn = rte_zmalloc_socket("wp_lg_reconn", sizeof(uint32_t) * n, 0, conf->socket);
	lg->reconn_at = rte_zmalloc_socket("wp_lg_reconn_at", sizeof(int64_t) * n, 0,
					   conf->socket);
	lg->bl = conf->mode == WP_LG_CLOSED ? NULL :
		 rte_zmalloc_socket("wp_lg_backlog", sizeof(int64_t) * bl, 0, conf->socket);
	if (lg->conns == NULL || lg->times == NULL || lg->ready == NULL ||
	    lg->reconn == NULL || lg->reconn_at == NULL ||
	    (conf->mode != WP_LG_CLOSED && lg->bl == NULL))
		goto nomem;
	lg->bl_mask = bl - 1;
	for (uint32_t i = 0; i < n; i++) {
		struct lg_conn *cn = &lg->conns[i];

		cn->lg = lg;
		cn->id = i;
		cn->itime = lg->times + (size_t)2 * conf->depth * i;
		cn->stime = cn->itime + conf->depth;
		wp_http1_init(&cn->resp, WP_HTTP1_RESPONSE, conf->method, NULL);
	}
	if (conf->mode != WP_LG_CLOSED) {
		wp_lg_sched_init(&lg->sched, conf->mode, conf->rate, conf->start_ns, conf->seed);
		lg->next_intended = wp_lg_sched_next(&lg->sched);
	}
	return lg;
nomem:
	wp_lg_free(lg);
	errno = ENOMEM;
	return NULL;
}

void
wp_lg_free(struct wp_lg *lg)
{
	if (lg == NULL)
		return;
	if (lg->conns != NULL) {
		lg->ending = true;          /* no reconnects from the closed callbacks */
		for (uint32_t i = 0; i < lg->conf.conns; i++)
			if (lg->conns[i].tc != NULL)
				wp_tcp_abort(lg->conns[i].tc);
	}
	rte_free(lg->conns);
	rte_free(lg->times);
	rte_free(lg->ready);
	rte_free(lg->reconn);
	rte_free(lg->reconn_at);
	rte_free(lg->bl);
	rte_free(lg);
}
