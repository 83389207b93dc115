/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP/1.1 pooling proxy of one worker (contract: warmpool/proxy.h).
 *
 * A client connection is a small state machine:
 *
 *   IDLE --first byte--> HEAD --headers parsed--> WAIT --lease--> FWD
 *     ^                                                            |
 *     +------------- response framed, both sides keep-alive -------+
 *
 * IDLE waits for a request (client_idle_timeout), HEAD parses its head
 * (request_timeout), WAIT waits for a session from the pool (the pool's
 * acquire_timeout), FWD forwards the request (and body) and the response
 * (backend_timeout of silence). One request at a time per client: bytes of
 * a pipelined next request stay queued, unparsed, until the response of
 * the current one has been forwarded.
 *
 * Queues: `in` holds client bytes not yet handed to the backend's stack;
 * `out` holds response bytes not yet handed to the client's stack. Bytes
 * are acknowledged to the sending stack (wp_tcp_recved) only when they
 * leave these queues, so the TCP windows carry the backpressure. Chains
 * move as they are; a chain is cut only where a message ends inside a
 * segment (the few bytes before the cut are copied into a fresh mbuf).
 *
 * Sessions: a backend's pool and TCP transport live in struct px_backend,
 * with owner[sid] = the client holding that session. A session is
 * released as reusable only if request and response were both framed to
 * their end, both said keep-alive (as the backend saw them) and no byte
 * came after the response.
 *
 * A client that asks to close ("Connection: close", HTTP/1.0 without
 * keep-alive) does not cost a session: its request head is rewritten in
 * place before it is forwarded (http1_hop.h: the "close" option blanked,
 * "Connection: keep-alive" inserted after an HTTP/1.0 request line), so
 * the backend keeps the session, and the client's connection is closed
 * after its response. fwd_keep says the backend was asked to keep it.
 *
 * A client that will be closed after its response (it asked for it, or
 * the worker is draining) is told so: "Connection: close" is inserted
 * after the status line of the response (RFC 9112 section 9.6), unless a
 * 1xx came first or the status line was already on its way. A keep-alive
 * client then never sees a FIN it could take for a lost response.
 *
 * Drain (wp_proxy_drain): the listener goes; every client may finish the
 * request it is sending or sends next (answered with Connection: close);
 * wp_proxy_close_idle() then closes those that stayed silent, so a client
 * whose next request was already on the wire is served, not cut.
 *
 * Ownership: everything here belongs to the worker's lcore. Client slots
 * are a fixed array with a free list; generation numbers make pool tags
 * of a previous occupant of a slot harmless.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <warmpool/breaker.h>
#include <warmpool/http1_hop.h>
#include <warmpool/pool.h>
#include <warmpool/proxy.h>
#include <warmpool/tcp.h>
#include <warmpool/tcp_pool.h>

#define PX_LOG(lvl, fmt, ...) \
	rte_log(RTE_LOG_##lvl, RTE_LOGTYPE_USER1, "proxy: " fmt "\n", ##__VA_ARGS__)

enum px_state { PX_FREE = 0, PX_IDLE, PX_HEAD, PX_WAIT, PX_FWD, PX_CLOSING };
enum px_timer { PX_T_NONE = 0, PX_T_IDLE, PX_T_HEAD, PX_T_BACKEND, PX_T__COUNT };

struct px_q {
	struct rte_mbuf *head, *tail;   /* segments linked by ->next */
	uint32_t bytes;
};

struct px_client {
	struct wp_proxy *px;
	struct wp_tcp_conn *tc;
	uint32_t id, gen;
	uint8_t state;
	uint8_t timer;                  /* enum px_timer: list it is on */
	bool peer_fin;                  /* client half-closed */
	bool close_after;               /* close once this response is out */
	bool resp_started;              /* response bytes went to the client */
	bool leased, waiting, retried, reused, leftover;
	bool has_copy;                  /* rbuf holds the whole request */
	bool fin_asked;                 /* wp_tcp_close done */
	bool fwd_keep;                  /* the request as forwarded asks for keep-alive */
	bool ins_pending;               /* keep-alive field still to insert at ins_at */
	uint32_t ins_at;                /* bytes of `in` to forward before the insert */
	int16_t backend;
	uint32_t sid;
	struct wp_lease lease;
	struct wp_http1 req, resp;
	struct px_q in, out;
	uint32_t parsed;                /* bytes at the front of `in` parsed (this request) */
	uint32_t b_unacked;             /* backend bytes not yet wp_tcp_recved */
	uint32_t rlen;
	uint8_t *rbuf;                  /* retry copy (conf.retry_buf bytes) */
	int64_t deadline;
	int64_t t_dispatch;             /* request sent for a session (latency start) */
	struct px_client *tnext, *tprev;  /* timer list */
	struct px_client *pnext;          /* pending-work list */
	bool pending;
};

struct px_backend {
	struct wp_proxy *px;
	unsigned idx;
	struct wp_pool *pool;
	struct wp_tcp_transport *tr;
	struct px_client **owner;       /* [max_sessions] */
	struct wp_tcp_conn **last_conn; /* [max_sessions]: to tell reuse */
	bool *reusable;                 /* [max_sessions]: answer for is_reusable */
	struct wp_breaker_gate gate;    /* the control core's breaker, applied here */
	struct wp_retry_budget rb;      /* retries allowed to this backend */
	uint32_t ramp;                  /* slow start: per mille of the weight */
	struct wp_proxy_backend_stats st;
};

struct px_tlist {
	struct px_client *head, *tail;
};

struct wp_proxy {
	struct wp_proxy_conf conf;      /* as created, then as reconfigured */
	uint32_t max_sessions0;         /* what the pools were created with */
	uint32_t max_pending0;
	int64_t now;
	bool draining;
	struct px_client *clients;
	struct px_client *free_list;
	struct px_client *pending;
	struct px_tlist tl[PX_T__COUNT];
	struct px_backend be[WP_PROXY_MAX_BACKENDS];
	struct wp_selector *sel;
	struct wp_proxy_stats st;
};

static const char *const err_names[WP_PX_E__COUNT] = {
	[WP_PX_E_BAD_REQUEST] = "bad_request",
	[WP_PX_E_REQUEST_TIMEOUT] = "request_timeout",
	[WP_PX_E_NO_BACKEND] = "no_backend",
	[WP_PX_E_POOL_FULL] = "pool_full",
	[WP_PX_E_ACQUIRE_TIMEOUT] = "acquire_timeout",
	[WP_PX_E_BACKEND_FAILED] = "backend_failed",
	[WP_PX_E_BAD_RESPONSE] = "bad_response",
	[WP_PX_E_BACKEND_TIMEOUT] = "backend_timeout",
	[WP_PX_E_CUT] = "cut",
	[WP_PX_E_BREAKER_OPEN] = "breaker_open",
};

const char *
wp_proxy_err_name(enum wp_proxy_err e)
{
	return (unsigned)e < WP_PX_E__COUNT ? err_names[e] : "unknown";
}

/* ------------------------------------------------------------ byte queues */

static void
q_push(struct px_q *q, struct rte_mbuf *m)
{
	struct rte_mbuf *s;

	for (s = m; s != NULL; s = s->next) {
		q->bytes += s->data_len;
		if (s->next == NULL)
			break;
	}
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = s;
}

static uint32_t
chain_len(const struct rte_mbuf *m)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next)
		n += m->data_len;
	return n;
}

static void
q_free(struct px_q *q)
{
	struct rte_mbuf *s = q->head, *n;

	while (s != NULL) {             /* segments: the chain heads' counts lie */
		n = s->next;
		s->next = NULL;
		s->nb_segs = 1;
		rte_pktmbuf_free_seg(s);
		s = n;
	}
	q->head = q->tail = NULL;
	q->bytes = 0;
}

/* Detach the first n (1..bytes) bytes as a proper chain. A segment that
 * straddles the cut keeps its tail; its first bytes are copied into a new
 * mbuf that ends the taken chain. NULL if that mbuf cannot be had. */
static struct rte_mbuf *
q_take(struct px_q *q, uint32_t n, struct rte_mempool *mp)
{
	struct rte_mbuf *head = q->head, *s = head, *prev = NULL, *cp;
	uint32_t got = 0;
	uint16_t segs = 0;

	while (s != NULL && got + s->data_len <= n) {
		got += s->data_len;
		segs++;
		prev = s;
		s = s->next;
	}
	if (got < n) {                  /* cut inside s */
		uint32_t k = n - got;

		cp = rte_pktmbuf_alloc(mp);
		if (cp == NULL || rte_pktmbuf_tailroom(cp) < k) {
			rte_pktmbuf_free(cp);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod(cp, uint8_t *), rte_pktmbuf_mtod(s, uint8_t *), k);
		cp->data_len = (uint16_t)k;
		s->data_off = (uint16_t)(s->data_off + k);
		s->data_len = (uint16_t)(s->data_len - k);
		if (prev != NULL)
			prev->next = cp;
		else
			head = cp;
		cp->next = NULL;
		segs++;
		q->head = s;
	} else {
		q->head = s;
		if (prev != NULL)
			prev->next = NULL;
		if (s == NULL)
			q->tail = NULL;
	}
	q->bytes -= n;
	head->nb_segs = segs;
	head->pkt_len = n;
	return head;
}

/* ------------------------------------------------------------ timer lists */

static void
t_unlink(struct px_client *c)
{
	struct px_tlist *l;

	if (c->timer == PX_T_NONE)
		return;
	l = &c->px->tl[c->timer];
	if (c->tprev != NULL)
		c->tprev->tnext = c->tnext;
	else
		l->head = c->tnext;
	if (c->tnext != NULL)
		c->tnext->tprev = c->tprev;
	else
		l->tail = c->tprev;
	c->tnext = c->tprev = NULL;
	c->timer = PX_T_NONE;
}

/* Every list has one timeout, so appending keeps it sorted by deadline. */
static void
t_set(struct px_client *c, enum px_timer t)
{
	struct wp_proxy *px = c->px;
	struct px_tlist *l = &px->tl[t];
	int64_t to = t == PX_T_IDLE ? px->conf.client_idle_timeout_ns :
		     t == PX_T_HEAD ? px->conf.request_timeout_ns : px->conf.backend_timeout_ns;

	t_unlink(c);
	if (to <= 0)
		return;                 /* this timeout is off */
	c->timer = (uint8_t)t;
	c->deadline = px->now + to;
	c->tprev = l->tail;
	c->tnext = NULL;
	if (l->tail != NULL)
		l->tail->tnext = c;
	else
		l->head = c;
	l->tail = c;
}

static void
pending_add(struct px_client *c)
{
	if (c->pending)
		return;
	c->pending = true;
	c->pnext = c->px->pending;
	c->px->pending = c;
}

/* ------------------------------------------------------- client teardown */

static struct px_backend *
cl_backend(struct px_client *c)
{
	return &c->px->be[c->backend];
}

/* A retry costs a token of the backend's retry budget (breaker.h): a
 * failing backend cannot double its own load with retries. */
static bool
retry_allowed(struct px_backend *b, int64_t now)
{
	if (!b->px->conf.breaker)
		return true;
	if (wp_retry_budget_withdraw(&b->rb, now) == 0)
		return true;
	b->st.retries_denied++;
	return false;
}

/* What outlier detection sees: a framed non-5xx response is a success;
 * a 5xx, a failed or silent backend, a broken response is a failure. */
static void
be_outcome(struct px_backend *b, bool ok)
{
	if (ok) {
		b->st.successes++;
		b->st.fail_streak = 0;
	} else {
		b->st.failures++;
		b->st.fail_streak++;
	}
}

static struct wp_tcp_conn *
cl_bconn(struct px_client *c)
{
	return c->leased ? wp_tcp_transport_conn(cl_backend(c)->tr, c->sid) : NULL;
}

/* Give the session back: reusable only for a cleanly framed exchange. */
static void
cl_release(struct px_client *c, bool reusable)
{
	struct px_backend *b;
	struct wp_tcp_conn *bc;

	if (!c->leased)
		return;
	b = cl_backend(c);
	bc = cl_bconn(c);
	if (bc != NULL && c->b_unacked > 0)
		wp_tcp_recved(bc, c->b_unacked);
	c->b_unacked = 0;
	b->owner[c->sid] = NULL;
	b->reusable[c->sid] = reusable;
	if (!reusable)
		c->px->st.not_reusable++;
	c->leased = false;
	c->px->st.in_flight--;
	(void)wp_pool_release(b->pool, c->lease, c->px->now);
}

static void
cl_unwait(struct px_client *c)
{
	if (!c->waiting)
		return;
	c->waiting = false;
	c->px->st.in_flight--;
	(void)wp_pool_cancel(cl_backend(c)->pool, ((uint64_t)c->gen << 32) | c->id);
}

/* Drop what the client sent that will never be forwarded. */
static void
cl_drop_in(struct px_client *c)
{
	if (c->in.bytes > 0 && c->tc != NULL)
		wp_tcp_recved(c->tc, c->in.bytes);
	q_free(&c->in);
	c->parsed = 0;
}

/* The TCP connection is gone (closed callback): free the slot. */
static void
cl_free(struct px_client *c)
{
	struct wp_proxy *px = c->px;

	cl_release(c, false);
	cl_unwait(c);
	t_unlink(c);
	q_free(&c->in);
	q_free(&c->out);
	c->tc = NULL;
	c->state = PX_FREE;
	c->gen++;
	px->st.clients--;
	px->st.client_closed++;
	if (!c->pending) {              /* else the pending walk frees it */
		c->pnext = px->free_list;
		px->free_list = c;
	}
}

/* Stop reading; FIN after what is queued. The slot lives until `closed`. */
static void
cl_close(struct px_client *c)
{
	if (c->state == PX_CLOSING)
		return;
	cl_release(c, false);
	cl_unwait(c);
	cl_drop_in(c);
	t_unlink(c);
	c->state = PX_CLOSING;
	if (c->out.bytes == 0) {
		c->fin_asked = true;
		(void)wp_tcp_close(c->tc);
	} else
		pending_add(c);         /* closes once `out` has drained */
}

static const char *
reason_phrase(uint16_t st)
{
	switch (st) {
	case 400: return "Bad Request";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Answer the current request with an error and close; if part of a
 * response already went out, the only honest thing left is a reset.
 * The client may be gone when this returns. */
static void
cl_fail(struct px_client *c, enum wp_proxy_err why, uint16_t status)
{
	char buf[160];
	int n;

	if (c->backend >= 0 && (why == WP_PX_E_BACKEND_FAILED ||
	    why == WP_PX_E_BAD_RESPONSE || why == WP_PX_E_BACKEND_TIMEOUT ||
	    c->resp_started))
		be_outcome(cl_backend(c), false);
	if (c->resp_started) {
		c->px->st.errors[WP_PX_E_CUT]++;
		wp_tcp_abort(c->tc);    /* `closed` -> cl_free releases the slot now */
		return;
	}
	c->px->st.errors[why]++;
	n = snprintf(buf, sizeof(buf),
		     "HTTP/1.1 %u %s\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
		     status, reason_phrase(status));
	if (c->out.bytes == 0)
		(void)wp_tcp_send_bytes(c->tc, buf, (uint32_t)n);
	cl_close(c);                    /* releases the session, drops the input */
}

/* --------------------------------------------------------- request side */

static void cl_pump(struct px_client *c);

static void
cl_start_exchange(struct px_client *c)
{
	struct wp_proxy *px = c->px;
	struct px_backend *b = cl_backend(c);
	struct wp_tcp_conn *bc = wp_tcp_transport_conn(b->tr, c->lease.sid);

	c->sid = c->lease.sid;
	c->leased = true;
	c->waiting = false;
	b->owner[c->sid] = c;
	c->reused = bc != NULL && b->last_conn[c->sid] == bc;
	b->last_conn[c->sid] = bc;
	if (c->reused)
		px->st.reused++;
	wp_http1_init(&c->resp, WP_HTTP1_RESPONSE, (enum wp_http1_method)c->req.method,
		      &px->conf.limits);
	c->resp_started = false;
	c->leftover = false;
	c->b_unacked = 0;
	c->state = PX_FWD;
	t_set(c, PX_T_BACKEND);
	if (c->has_copy && c->retried) {
		/* the request went out once already: send the copy again
		 * (rewritten as the first attempt was) */
		c->ins_pending = false;
		if (bc == NULL || wp_tcp_send_bytes(bc, c->rbuf, c->rlen) != 0) {
			cl_fail(c, WP_PX_E_BACKEND_FAILED, 502);
			return;
		}
		px->st.bytes_up += c->rlen;
		return;
	}
	cl_pump(c);
}

/* Choose a backend and ask its pool for a session. */
static void
cl_acquire(struct px_client *c)
{
	struct wp_proxy *px = c->px;
	int idx, rc;

	idx = wp_selector_pick(px->sel);
	if (idx < 0) {
		cl_fail(c, WP_PX_E_NO_BACKEND, 503);
		return;
	}
	c->backend = (int16_t)idx;
	if (wp_breaker_gate_admit(&px->be[idx].gate) < 0) {
		px->be[idx].st.breaker_denied++;
		cl_fail(c, WP_PX_E_BREAKER_OPEN, 503);
		return;
	}
	if (!c->retried)
		wp_retry_budget_request(&px->be[idx].rb, px->now);
	c->t_dispatch = px->now;
	px->be[idx].st.requests++;
	c->state = PX_WAIT;
	t_unlink(c);
	px->st.in_flight++;
	rc = wp_pool_acquire(px->be[idx].pool, px->now, ((uint64_t)c->gen << 32) | c->id,
			     &c->lease);
	if (rc == 0) {
		cl_start_exchange(c);
		return;
	}
	if (rc == -EINPROGRESS) {
		c->waiting = true;
		return;
	}
	px->st.in_flight--;
	cl_fail(c, rc == -ENOBUFS ? WP_PX_E_POOL_FULL : WP_PX_E_NO_BACKEND, 503);
}

/* Keep a copy of a short idempotent request without a body for one retry,
 * as it is forwarded (with the keep-alive field when one is inserted). */
static void
cl_keep_copy(struct px_client *c)
{
	const struct rte_mbuf *s;
	uint32_t n = (uint32_t)c->req.msg_bytes, got = 0, out = 0;
	uint32_t ins = c->ins_pending ? (uint32_t)WP_HTTP1_HOP_KEEP_ALIVE_LEN : 0;

	c->has_copy = false;
	if (!c->px->conf.retry_idempotent || c->rbuf == NULL || !c->req.done ||
	    !wp_http1_method_idempotent((enum wp_http1_method)c->req.method) ||
	    n + ins > c->px->conf.retry_buf || n > c->parsed)
		return;
	for (s = c->in.head; s != NULL && got < n; s = s->next) {
		const uint8_t *d = rte_pktmbuf_mtod(s, const uint8_t *);
		uint32_t k = s->data_len < n - got ? s->data_len : n - got;

		if (ins > 0 && got <= c->ins_at && c->ins_at < got + k) {
			uint32_t a = c->ins_at - got;

			memcpy(c->rbuf + out, d, a);
			memcpy(c->rbuf + out + a, WP_HTTP1_HOP_KEEP_ALIVE, ins);
			memcpy(c->rbuf + out + a + ins, d + a, k - a);
			out += k + ins;
			ins = 0;
		} else {
			memcpy(c->rbuf + out, d, k);
			out += k;
		}
		got += k;
	}
	c->rlen = out;
	c->has_copy = true;
}

/* The client asked to close after this request: rewrite its head so the
 * backend keeps the session (http1_hop.h). Sets fwd_keep, and ins_pending
 * when an HTTP/1.0 request needs "Connection: keep-alive" inserted. A head
 * in segments we may not write is forwarded as it is (the session then
 * closes with the exchange, as before). */
static void
cl_hop(struct px_client *c)
{
	struct wp_http1_hop hop;
	struct rte_mbuf *s;
	uint64_t seen = 0;

	c->ins_pending = false;
	c->fwd_keep = c->req.keep_alive;
	if (c->req.keep_alive)
		return;
	for (s = c->in.head; s != NULL && seen < c->req.head_bytes; s = s->next) {
		if (!RTE_MBUF_DIRECT(s) || rte_mbuf_refcnt_read(s) != 1)
			return;
		seen += s->data_len;
	}
	wp_http1_hop_init(&hop);
	for (s = c->in.head; s != NULL && !hop.done; s = s->next)
		(void)wp_http1_hop_feed(&hop, rte_pktmbuf_mtod(s, uint8_t *), s->data_len);
	if (!hop.done || hop.line_end == 0)
		return;                 /* not a head the framer accepted: leave it */
	if (c->req.version_minor == 0 && !hop.keep_alive_opt) {
		c->ins_pending = true;
		c->ins_at = (uint32_t)hop.line_end;
	}
	c->fwd_keep = true;
	c->px->st.hop_rewrites++;
}

/* Parse what is queued and move the current request to the backend. */
static void
cl_pump(struct px_client *c)
{
	struct wp_proxy *px = c->px;
	long n;

	if (c->state == PX_IDLE || c->state == PX_HEAD || c->state == PX_FWD) {
		if (!c->req.done && c->in.bytes > c->parsed) {
			if (c->state == PX_IDLE) {
				c->state = PX_HEAD;
				t_set(c, PX_T_HEAD);
			}
			n = wp_http1_feed_mbuf(&c->req, c->in.head, c->parsed);
			if (n < 0) {
				enum wp_http1_err e = (enum wp_http1_err)c->req.err;

				px->st.bad_request[e]++;
				cl_fail(c, WP_PX_E_BAD_REQUEST, wp_http1_err_status(e));
				return;
			}
			c->parsed += (uint32_t)n;
		}
		if (c->state == PX_HEAD) {
			if (!c->req.headers_done)
				return;
			px->st.requests++;
			c->retried = false;
			cl_hop(c);
			cl_keep_copy(c);
			cl_acquire(c);
			return;         /* cl_start_exchange pumps again */
		}
	}
	if (c->state != PX_FWD || !c->leased)
		return;
	/* forward the parsed bytes of this request */
	while (c->parsed > 0) {
		struct wp_tcp_conn *bc = cl_bconn(c);
		uint32_t room, k;
		struct rte_mbuf *m;

		if (bc == NULL)
			return;
		room = wp_tcp_send_space(bc);
		if (c->ins_pending && c->ins_at == 0) {
			/* the keep-alive field after the request line */
			const uint32_t il = (uint32_t)WP_HTTP1_HOP_KEEP_ALIVE_LEN;

			m = room >= il ? rte_pktmbuf_alloc(px->conf.mp) : NULL;
			if (m == NULL) {
				pending_add(c);
				return;
			}
			memcpy(rte_pktmbuf_mtod(m, char *), WP_HTTP1_HOP_KEEP_ALIVE, il);
			m->data_len = (uint16_t)il;
			m->pkt_len = il;
			if (wp_tcp_send(bc, m) != 0) {
				rte_pktmbuf_free(m);
				cl_fail(c, WP_PX_E_BACKEND_FAILED, 502);
				return;
			}
			c->ins_pending = false;
			px->st.bytes_up += il;
			continue;
		}
		k = c->parsed < room ? c->parsed : room;
		if (c->ins_pending && k > c->ins_at)
			k = c->ins_at;
		if (k == 0) {
			pending_add(c);         /* retried on the next poll */
			return;
		}
		m = q_take(&c->in, k, px->conf.mp);
		if (m == NULL) {
			pending_add(c);
			return;
		}
		if (wp_tcp_send(bc, m) != 0) {
			rte_pktmbuf_free(m);
			cl_fail(c, WP_PX_E_BACKEND_FAILED, 502);
			return;
		}
		c->parsed -= k;
		if (c->ins_pending)
			c->ins_at -= k;
		px->st.bytes_up += k;
		wp_tcp_recved(c->tc, k);
	}
}

/* -------------------------------------------------------- response side */

/* Hand queued response bytes to the client's stack as room allows. */
static void
cl_flush_out(struct px_client *c)
{
	struct wp_proxy *px = c->px;

	while (c->out.bytes > 0) {
		uint32_t room = wp_tcp_send_space(c->tc), k;
		struct rte_mbuf *m;
		struct wp_tcp_conn *bc;

		k = c->out.bytes < room ? c->out.bytes : room;
		if (k == 0)
			break;
		m = q_take(&c->out, k, px->conf.mp);
		if (m == NULL)
			break;
		if (wp_tcp_send(c->tc, m) != 0) {
			rte_pktmbuf_free(m);
			q_free(&c->out);
			break;
		}
		px->st.bytes_down += k;
		bc = cl_bconn(c);
		if (bc != NULL && c->b_unacked > 0) {
			uint32_t a = k < c->b_unacked ? k : c->b_unacked;

			wp_tcp_recved(bc, a);
			c->b_unacked -= a;
		}
	}
	if (c->out.bytes > 0) {
		pending_add(c);
	} else if (c->state == PX_CLOSING && !c->fin_asked) {
		c->fin_asked = true;
		(void)wp_tcp_close(c->tc);
	}
}

/* The response is framed to its end: settle the session and the client. */
static void
cl_exchange_done(struct px_client *c)
{
	struct wp_proxy *px = c->px;
	/* the client's connection: its request and the response it got (the
	 * response goes out unchanged) */
	bool keep = c->req.keep_alive && c->resp.keep_alive && !c->leftover;
	/* the session: the request as the backend saw it */
	bool reuse = c->fwd_keep && c->resp.keep_alive && !c->leftover &&
		     c->req.done && c->parsed == 0 && !c->ins_pending;
	unsigned cls = c->resp.status / 100;

	struct px_backend *b = cl_backend(c);

	px->st.responses++;
	px->st.status_class[cls < 6 ? cls : 0]++;
	b->st.responses++;
	if (cls == 5)
		b->st.status_5xx++;
	be_outcome(b, cls != 5);
	wp_hist_add(&b->st.lat, (uint64_t)(px->now - c->t_dispatch));
	cl_release(c, reuse);
	t_unlink(c);
	if (!keep || !c->req.done || c->peer_fin || px->draining || c->close_after) {
		cl_close(c);
		return;
	}
	wp_http1_reset(&c->req, WP_HTTP1_M_OTHER);
	c->has_copy = false;
	c->resp_started = false;
	c->backend = -1;
	c->state = PX_IDLE;
	t_set(c, PX_T_IDLE);
	if (c->in.bytes > 0)
		cl_pump(c);             /* a pipelined request is waiting */
}

/* Byte `off` of chain m (off within the chain). */
static uint8_t
chain_byte(const struct rte_mbuf *m, uint32_t off)
{
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	return m != NULL ? rte_pktmbuf_mtod(m, const uint8_t *)[off] : 0;
}

/* Offset of the first LF in the first `len` bytes of chain m, or -1. */
static int64_t
chain_find_lf(const struct rte_mbuf *m, uint32_t len)
{
	uint32_t off = 0;

	for (; m != NULL && off < len; m = m->next) {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t k = m->data_len < len - off ? m->data_len : len - off;
		const uint8_t *lf = memchr(d, '\n', k);

		if (lf != NULL)
			return off + (uint32_t)(lf - d);
		off += k;
	}
	return -1;
}

/* The first bytes of a response (len of them, framed by the parser) go
 * to a client that is closed after it: queue them with "Connection:
 * close" after the status line. false when that cannot be done (1xx, the
 * line not complete in these bytes, no mbuf): the caller queues m as is. */
static bool
cl_queue_with_close(struct px_client *c, struct rte_mbuf *m, uint32_t len)
{
	static const char hdr[] = "Connection: close\r\n";
	struct rte_mempool *mp = c->px->conf.mp;
	struct px_q tmp = { 0 };
	struct rte_mbuf *line, *ins;
	int64_t lf = chain_find_lf(m, len);

	/* "HTTP/1.x NNN": the framer has accepted the line */
	if (lf < 12 || (uint64_t)lf + 1 > len || c->resp.interim > 0 ||
	    chain_byte(m, 9) == '1')
		return false;
	ins = rte_pktmbuf_alloc(mp);
	if (ins == NULL)
		return false;
	q_push(&tmp, m);
	line = q_take(&tmp, (uint32_t)lf + 1, mp);
	if (line == NULL) {
		rte_pktmbuf_free(ins);  /* q_take failed before cutting: m is whole */
		return false;
	}
	memcpy(rte_pktmbuf_mtod(ins, char *), hdr, sizeof(hdr) - 1);
	ins->data_len = sizeof(hdr) - 1;
	ins->pkt_len = sizeof(hdr) - 1;
	q_push(&c->out, line);
	q_push(&c->out, ins);
	if (tmp.head != NULL)
		q_push(&c->out, tmp.head);
	c->px->st.close_announced++;
	return true;
}

static void
tr_data(void *arg, uint32_t sid, struct rte_mbuf *m)
{
	struct px_backend *b = arg;
	struct px_client *c = b->owner[sid];
	uint32_t len = chain_len(m);
	struct wp_tcp_conn *bc = wp_tcp_transport_conn(b->tr, sid);
	long n;

	if (c == NULL || c->state != PX_FWD) {
		if (bc != NULL)
			wp_tcp_recved(bc, len);
		rte_pktmbuf_free(m);
		return;
	}
	n = wp_http1_feed_mbuf(&c->resp, m, 0);
	if (n < 0) {
		enum wp_http1_err e = (enum wp_http1_err)c->resp.err;

		b->px->st.bad_response[e]++;
		if (bc != NULL)
			wp_tcp_recved(bc, len);
		rte_pktmbuf_free(m);
		cl_fail(c, WP_PX_E_BAD_RESPONSE, 502);
		return;
	}
	if ((uint32_t)n < len) {
		/* bytes after the end of the response: whoever read this
		 * session next would get them. Forward the response, never
		 * reuse the session. */
		struct px_q tmp = { 0 };

		c->leftover = true;
		if (bc != NULL)
			wp_tcp_recved(bc, len - (uint32_t)n);
		q_push(&tmp, m);
		m = n > 0 ? q_take(&tmp, (uint32_t)n, b->px->conf.mp) : NULL;
		q_free(&tmp);
		if (n > 0 && m == NULL) {
			if (bc != NULL)
				wp_tcp_recved(bc, (uint32_t)n);
			cl_fail(c, WP_PX_E_BAD_RESPONSE, 502);
			return;
		}
		len = (uint32_t)n;
	}
	if (m != NULL) {
		struct wp_proxy *px = b->px;
		bool closes = px->draining || c->close_after || c->peer_fin ||
			      !c->req.keep_alive;

		c->b_unacked += len;
		if (c->resp_started || !closes || !c->resp.keep_alive ||
		    !cl_queue_with_close(c, m, len))
			q_push(&c->out, m);
		c->resp_started = true;
	}
	t_set(c, PX_T_BACKEND);
	cl_flush_out(c);
	if (c->resp.done)
		cl_exchange_done(c);
}

/* The leased session ended under us (the pool already knows). */
static void
tr_lost(void *arg, uint32_t sid, enum wp_close_reason why)
{
	struct px_backend *b = arg;
	struct px_client *c = b->owner[sid];
	struct wp_proxy *px = b->px;

	if (c == NULL)
		return;
	b->owner[sid] = NULL;
	c->leased = false;
	c->b_unacked = 0;
	px->st.in_flight--;
	if (c->state != PX_FWD)
		return;
	if (why == WP_CLOSE_PEER_FIN && wp_http1_eof(&c->resp) == 0) {
		c->resp.keep_alive = false;     /* close-delimited body ended */
		cl_exchange_done(c);
		return;
	}
	if (!c->resp_started && c->reused && !c->retried && c->has_copy &&
	    retry_allowed(cl_backend(c), px->now)) {
		/* what is still queued of this request goes out as the copy */
		if (c->parsed > 0) {
			struct rte_mbuf *m = q_take(&c->in, c->parsed, px->conf.mp);

			if (m == NULL) {
				cl_fail(c, WP_PX_E_BACKEND_FAILED, 502);
				return;
			}
			wp_tcp_recved(c->tc, c->parsed);
			rte_pktmbuf_free(m);
			c->parsed = 0;
		}
		c->retried = true;
		px->st.retries++;
		cl_acquire(c);
		return;
	}
	cl_fail(c, WP_PX_E_BACKEND_FAILED, 502);
}

static bool
tr_is_reusable(void *arg, uint32_t sid)
{
	struct px_backend *b = arg;

	return b->reusable[sid];
}

static struct px_client *
tag_client(struct wp_proxy *px, uint64_t tag)
{
	uint32_t id = (uint32_t)tag, gen = (uint32_t)(tag >> 32);
	struct px_client *c;

	if (id >= px->conf.max_clients)
		return NULL;
	c = &px->clients[id];
	return c->gen == gen && c->waiting ? c : NULL;
}

static void
tr_granted(void *arg, uint64_t tag, struct wp_lease lease)
{
	struct px_backend *b = arg;
	struct px_client *c = tag_client(b->px, tag);

	if (c == NULL) {                /* its client went away meanwhile */
		b->reusable[lease.sid] = true;
		(void)wp_pool_release(b->pool, lease, b->px->now);
		return;
	}
	c->lease = lease;
	cl_start_exchange(c);
}

static void
tr_failed(void *arg, uint64_t tag, int err)
{
	struct px_backend *b = arg;
	struct px_client *c = tag_client(b->px, tag);

	if (c == NULL)
		return;
	c->waiting = false;
	b->px->st.in_flight--;
	cl_fail(c, err == -ETIMEDOUT ? WP_PX_E_ACQUIRE_TIMEOUT : WP_PX_E_NO_BACKEND, 503);
}

static const struct wp_tcp_transport_app tr_app = {
	.data = tr_data,
	.lost = tr_lost,
	.is_reusable = tr_is_reusable,
	.granted = tr_granted,
	.failed = tr_failed,
};

/* ----------------------------------------------------- client callbacks */

static void
cb_data(void *arg, struct wp_tcp_conn *tc, struct rte_mbuf *m)
{
	struct px_client *c = arg;

	if (c->state == PX_CLOSING) {
		wp_tcp_recved(tc, chain_len(m));
		rte_pktmbuf_free(m);
		return;
	}
	q_push(&c->in, m);
	cl_pump(c);
}

static void
cb_sent(void *arg, struct wp_tcp_conn *tc, uint32_t acked)
{
	struct px_client *c = arg;

	(void)tc;
	(void)acked;
	if (c->out.bytes > 0)
		cl_flush_out(c);
}

static void
cb_peer_closed(void *arg, struct wp_tcp_conn *tc)
{
	struct px_client *c = arg;

	(void)tc;
	c->peer_fin = true;
	switch (c->state) {
	case PX_IDLE:
		cl_close(c);
		break;
	case PX_HEAD:
		/* a request cut short: nothing to answer */
		cl_close(c);
		break;
	default:
		if (c->req.done)
			c->close_after = true;  /* answer what was asked, then close */
		else
			cl_close(c);            /* the request will never be whole */
		break;
	}
}

static void
cb_closed(void *arg, struct wp_tcp_conn *tc, enum wp_tcp_close_reason why)
{
	struct px_client *c = arg;

	(void)tc;
	(void)why;
	cl_free(c);
}

static void cb_accepted(void *listen_arg, struct wp_tcp_conn *tc);

/* Accepted connections inherit the listener's callbacks. */
static const struct wp_tcp_cbs client_cbs = {
	.accepted = cb_accepted,
	.data = cb_data,
	.sent = cb_sent,
	.peer_closed = cb_peer_closed,
	.closed = cb_closed,
};

static void
cb_accepted(void *listen_arg, struct wp_tcp_conn *tc)
{
	struct wp_proxy *px = listen_arg;
	struct px_client *c = px->free_list;

	if (c == NULL || px->draining) {
		px->st.refused_clients++;
		wp_tcp_abort(tc);
		return;
	}
	px->free_list = c->pnext;
	c->pnext = NULL;
	c->tc = tc;
	c->state = PX_IDLE;
	c->peer_fin = c->close_after = c->resp_started = false;
	c->leased = c->waiting = c->retried = c->reused = c->leftover = c->has_copy = false;
	c->fin_asked = c->fwd_keep = c->ins_pending = false;
	c->backend = -1;
	c->parsed = c->b_unacked = 0;
	wp_http1_init(&c->req, WP_HTTP1_REQUEST, WP_HTTP1_M_OTHER, &px->conf.limits);
	wp_tcp_set_arg(tc, c);
	px->st.accepted++;
	px->st.clients++;
	t_set(c, PX_T_IDLE);
}

/* ------------------------------------------------------------- the loop */

static void
expire(struct wp_proxy *px, enum px_timer t)
{
	struct px_client *c;

	while ((c = px->tl[t].head) != NULL && c->deadline <= px->now) {
		t_unlink(c);
		switch (t) {
		case PX_T_IDLE:
			cl_close(c);
			break;
		case PX_T_HEAD:
			cl_fail(c, WP_PX_E_REQUEST_TIMEOUT, 408);
			break;
		default:
			cl_fail(c, WP_PX_E_BACKEND_TIMEOUT, 504);
			break;
		}
	}
}

void
wp_proxy_poll(struct wp_proxy *px, int64_t now)
{
	struct px_client *c, *list;
	unsigned i;

	px->now = now;
	for (i = 0; i < px->conf.nbackends; i++)
		wp_tcp_transport_tick(px->be[i].tr, now);
	expire(px, PX_T_IDLE);
	expire(px, PX_T_HEAD);
	expire(px, PX_T_BACKEND);
	list = px->pending;
	px->pending = NULL;
	while ((c = list) != NULL) {
		list = c->pnext;
		c->pending = false;
		c->pnext = NULL;
		if (c->state == PX_FREE) {      /* freed while pending */
			c->pnext = px->free_list;
			px->free_list = c;
			continue;
		}
		if (c->out.bytes > 0 || c->state == PX_CLOSING)
			cl_flush_out(c);
		else if (c->state == PX_FWD)
			cl_pump(c);
	}
}

void
wp_proxy_drain(struct wp_proxy *px)
{
	uint32_t i;

	if (px->draining)
		return;
	px->draining = true;
	(void)wp_tcp_unlisten(px->conf.client_net, px->conf.listen_port);
	for (i = 0; i < px->conf.max_clients; i++) {
		struct px_client *c = &px->clients[i];

		if (c->state != PX_FREE)
			c->close_after = true;
	}
}

void
wp_proxy_close_idle(struct wp_proxy *px)
{
	uint32_t i;

	for (i = 0; i < px->conf.max_clients; i++)
		if (px->clients[i].state == PX_IDLE)
			cl_close(&px->clients[i]);
}

uint32_t
wp_proxy_clients(const struct wp_proxy *px)
{
	return px->st.clients;
}

void
wp_proxy_close_sessions(struct wp_proxy *px)
{
	unsigned i;

	for (i = 0; i < px->conf.nbackends; i++)
		wp_pool_shutdown(px->be[i].pool);
}

void
wp_proxy_stats(const struct wp_proxy *px, struct wp_proxy_stats *out)
{
	*out = px->st;
}

const struct wp_proxy_backend_stats *
wp_proxy_backend_stats(const struct wp_proxy *px, unsigned idx)
{
	return idx < px->conf.nbackends ? &px->be[idx].st : NULL;
}

int
wp_proxy_set_breaker(struct wp_proxy *px, unsigned idx, const struct wp_breaker_cmd *cmd)
{
	if (idx >= px->conf.nbackends)
		return -EINVAL;
	return wp_breaker_gate_apply(&px->be[idx].gate, cmd);
}

const struct wp_breaker_gate *
wp_proxy_gate(const struct wp_proxy *px, unsigned idx)
{
	return idx < px->conf.nbackends ? &px->be[idx].gate : NULL;
}

/* The selector's weight of backend i: its weight x its slow-start ramp
 * (per mille), so a ramp can be finer than the 1..1000 weights. */
static uint32_t
sel_weight(const struct wp_proxy *px, unsigned i)
{
	uint32_t w = px->conf.backends[i].weight * px->be[i].ramp;

	return w > 0 ? w : 1;
}

int
wp_proxy_set_ramp(struct wp_proxy *px, unsigned idx, uint32_t milli)
{
	if (idx >= px->conf.nbackends || milli == 0 || milli > 1000)
		return -EINVAL;
	px->be[idx].ramp = milli;
	return wp_selector_set(px->sel, idx, px->be[idx].pool, sel_weight(px, idx));
}

int
wp_proxy_set_backend_state(struct wp_proxy *px, unsigned idx,
			   enum wp_backend_state st, int64_t now)
{
	if (idx >= px->conf.nbackends || st > WP_BACKEND_DRAIN)
		return -EINVAL;
	wp_pool_set_state(px->be[idx].pool, st, now);
	wp_selector_refresh(px->sel);
	return 0;
}

/* A timer list whose timeout goes from `old` to `to`: every deadline is
 * start + timeout, and starts are in list order, so moving every deadline
 * by the same amount keeps the list sorted. */
static void
retime(struct wp_proxy *px, enum px_timer t, int64_t old, int64_t to)
{
	struct px_client *c, *next;

	for (c = px->tl[t].head; c != NULL; c = next) {
		next = c->tnext;
		if (to <= 0)
			t_unlink(c);
		else
			c->deadline += to - old;
	}
}

int
wp_proxy_reconfigure(struct wp_proxy *px, const struct wp_proxy_live *live)
{
	char perr[128];
	const char *bad = NULL;
	unsigned i;

	if (wp_pool_params_check(&live->pool, perr, sizeof(perr)) != 0)
		bad = perr;
	else if (live->pool.max_sessions > px->max_sessions0)
		bad = "max_sessions above what the pools were created with";
	else if (live->pool.max_pending > px->max_pending0 &&
		 live->pool.max_pending > rte_align32pow2(px->max_pending0 ? px->max_pending0 : 1))
		bad = "max_pending above what the queues were created with";
	else if (live->client_idle_timeout_ns < 0 || live->request_timeout_ns < 0 ||
		 live->backend_timeout_ns < 0)
		bad = "timeouts must be >= 0 (0 = off)";
	else if (live->limits.max_line < 16 || live->limits.max_headers == 0 ||
		 live->limits.max_header_bytes < live->limits.max_line)
		bad = "HTTP limits out of range";
	else if (px->conf.breaker &&
		 wp_breaker_params_check(&live->breaker_params, perr, sizeof(perr)) != 0)
		bad = perr;
	for (i = 0; bad == NULL && i < px->conf.nbackends; i++)
		if (live->weight[i] == 0 || live->weight[i] > 1000)
			bad = "weights must be 1..1000";
	if (bad != NULL) {
		PX_LOG(ERR, "new settings refused: %s", bad);
		return -EINVAL;
	}
	for (i = 0; i < px->conf.nbackends; i++) {
		struct px_backend *b = &px->be[i];

		if (wp_pool_set_params(b->pool, &live->pool) != 0 ||
		    (live->pool_targets &&
		     wp_pool_set_targets(b->pool, live->pool.min_idle,
					 live->pool.max_sessions) != 0))
			return -EINVAL; /* cannot happen: checked above; logged by the pool */
		px->conf.backends[i].weight = live->weight[i];
		(void)wp_selector_set(px->sel, i, b->pool, sel_weight(px, i));
		if (px->conf.breaker)
			(void)wp_retry_budget_set_params(&b->rb, &live->breaker_params,
							 px->conf.nworkers ? px->conf.nworkers : 1,
							 px->now);
	}
	retime(px, PX_T_IDLE, px->conf.client_idle_timeout_ns, live->client_idle_timeout_ns);
	retime(px, PX_T_HEAD, px->conf.request_timeout_ns, live->request_timeout_ns);
	retime(px, PX_T_BACKEND, px->conf.backend_timeout_ns, live->backend_timeout_ns);
	px->conf.client_idle_timeout_ns = live->client_idle_timeout_ns;
	px->conf.request_timeout_ns = live->request_timeout_ns;
	px->conf.backend_timeout_ns = live->backend_timeout_ns;
	px->conf.limits = live->limits;
	px->conf.retry_idempotent = live->retry_idempotent;
	px->conf.pool = live->pool;
	px->conf.breaker_params = live->breaker_params;
	return 0;
}

struct wp_pool *
wp_proxy_pool(struct wp_proxy *px, unsigned idx)
{
	return idx < px->conf.nbackends ? px->be[idx].pool : NULL;
}

/* --------------------------------------------------------- create/free */

static int
conf_check(const struct wp_proxy_conf *cf)
{
	const char *bad = NULL;
	char perr[128];

	if (cf->client_net == NULL || cf->backend_net == NULL || cf->mp == NULL)
		bad = "client_net, backend_net and mp are required";
	else if (cf->max_clients == 0 || cf->max_clients > (1u << 24))
		bad = "max_clients must be 1..16777216";
	else if (cf->nbackends == 0 || cf->nbackends > WP_PROXY_MAX_BACKENDS)
		bad = "nbackends must be 1..64";
	else if (cf->client_idle_timeout_ns < 0 || cf->request_timeout_ns < 0 ||
		 cf->backend_timeout_ns < 0)
		bad = "timeouts must be >= 0 (0 = off)";
	else if (wp_pool_params_check(&cf->pool, perr, sizeof(perr)) != 0)
		bad = perr;
	for (unsigned i = 0; bad == NULL && i < cf->nbackends; i++)
		if (cf->backends[i].weight == 0 || cf->backends[i].port == 0)
			bad = "every backend needs a port and a weight >= 1";
	if (bad != NULL) {
		PX_LOG(ERR, "bad configuration: %s", bad);
		return -EINVAL;
	}
	return 0;
}

static int
backend_init(struct wp_proxy *px, unsigned i)
{
	const struct wp_proxy_conf *cf = &px->conf;
	struct px_backend *b = &px->be[i];
	uint32_t n = cf->pool.max_sessions;
	struct wp_tcp_transport_conf tc = {
		.net = cf->backend_net,
		.backend_ip = cf->backends[i].ip,
		.backend_port = cf->backends[i].port,
		.max_sessions = n,
		.app = &tr_app,
		.app_arg = b,
	};

	b->px = px;
	b->idx = i;
	b->owner = rte_zmalloc_socket("wp_px_owner", n * sizeof(*b->owner), 0, cf->socket);
	b->last_conn = rte_zmalloc_socket("wp_px_lc", n * sizeof(*b->last_conn), 0, cf->socket);
	b->reusable = rte_zmalloc_socket("wp_px_ru", n * sizeof(*b->reusable), 0, cf->socket);
	if (b->owner == NULL || b->last_conn == NULL || b->reusable == NULL)
		return -ENOMEM;
	b->tr = wp_tcp_transport_create(&tc, cf->socket);
	if (b->tr == NULL)
		return -errno;
	b->pool = wp_pool_create(&cf->pool, (uint16_t)i, cf->socket, wp_tcp_transport_ops(), b->tr);
	if (b->pool == NULL)
		return -errno;
	wp_tcp_transport_attach(b->tr, b->pool);
	wp_breaker_gate_init(&b->gate);
	if (cf->breaker) {
		int rc = wp_retry_budget_init(&b->rb, &cf->breaker_params,
					      cf->nworkers ? cf->nworkers : 1, 0, 0);
		if (rc < 0)
			return rc;
	}
	b->ramp = 1000;
	return wp_selector_set(px->sel, i, b->pool, sel_weight(px, i));
}

struct wp_proxy *
wp_proxy_create(const struct wp_proxy_conf *conf)
{
	struct wp_proxy *px = NULL;
	uint32_t i;
	int rc;

	rc = conf_check(conf);
	if (rc != 0)
		goto fail;
	rc = -ENOMEM;
	px = rte_zmalloc_socket("wp_proxy", sizeof(*px), RTE_CACHE_LINE_SIZE, conf->socket);
	if (px == NULL)
		goto fail;
	px->conf = *conf;
	px->max_sessions0 = conf->pool.max_sessions;
	px->max_pending0 = conf->pool.max_pending;
	px->clients = rte_zmalloc_socket("wp_px_clients",
					 conf->max_clients * sizeof(*px->clients),
					 RTE_CACHE_LINE_SIZE, conf->socket);
	if (px->clients == NULL)
		goto fail;
	for (i = conf->max_clients; i-- > 0;) {
		struct px_client *c = &px->clients[i];

		c->px = px;
		c->id = i;
		c->pnext = px->free_list;
		px->free_list = c;
		if (conf->retry_idempotent && conf->retry_buf > 0) {
			c->rbuf = rte_malloc_socket("wp_px_rbuf", conf->retry_buf, 0, conf->socket);
			if (c->rbuf == NULL)
				goto fail;
		}
	}
	px->sel = wp_selector_create(conf->nbackends, conf->socket, conf->seed);
	if (px->sel == NULL)
		goto fail;
	for (i = 0; i < conf->nbackends; i++) {
		rc = backend_init(px, i);
		if (rc != 0)
			goto fail;
	}
	wp_selector_refresh(px->sel);
	rc = wp_tcp_listen(conf->client_net, conf->listen_port, &client_cbs, px);
	if (rc != 0) {
		PX_LOG(ERR, "cannot listen on port %u: %s", conf->listen_port, strerror(-rc));
		goto fail;
	}
	return px;
fail:
	wp_proxy_free(px);
	errno = -rc;
	return NULL;
}

void
wp_proxy_free(struct wp_proxy *px)
{
	uint32_t i;

	if (px == NULL)
		return;
	if (px->clients != NULL) {
		if (!px->draining)
			(void)wp_tcp_unlisten(px->conf.client_net, px->conf.listen_port);
		px->draining = true;
		for (i = 0; i < px->conf.max_clients; i++) {
			if (px->clients[i].state != PX_FREE && px->clients[i].tc != NULL)
				wp_tcp_abort(px->clients[i].tc);
			rte_free(px->clients[i].rbuf);
		}
	}
	for (i = 0; i < WP_PROXY_MAX_BACKENDS; i++) {
		struct px_backend *b = &px->be[i];

		if (b->pool != NULL) {
			wp_pool_shutdown(b->pool);
			wp_pool_free(b->pool);
		}
		wp_tcp_transport_free(b->tr);
		rte_free(b->owner);
		rte_free(b->last_conn);
		rte_free(b->reusable);
	}
	wp_selector_free(px->sel);
	rte_free(px->clients);
	rte_free(px);
}
