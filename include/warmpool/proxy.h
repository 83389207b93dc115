/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTP/1.1 pooling proxy of one worker (DESIGN.md sections 1, 2, 5).
 *
 * A wp_proxy accepts client connections on the worker's client-side
 * stack and forwards every request over a warm session from this
 * worker's pool of the chosen backend (weighted, least outstanding, power
 * of two choices), on the backend-side stack (which may be the same
 * stack). Bytes pass through unchanged and uncopied in both directions;
 * wp_http1 only tells where each message ends.
 *
 * Rules (the reason this module exists):
 *  - a request that fails framing (wp_http1) is answered 400/414/431/501/
 *    505 with Connection: close and never reaches a backend;
 *  - a session goes back to the pool only after a completely framed
 *    exchange with nothing left over, and both sides keep-alive;
 *    anything else closes it (counted by reason in the pool). A client's
 *    "Connection: close" (or HTTP/1.0 without keep-alive) is hop-by-hop:
 *    it is rewritten before forwarding (http1_hop.h) so the session stays,
 *    and the client's connection closes after its response;
 *  - a reused session that fails before any response byte arrives gets
 *    an idempotent request (kept whole in a small buffer) once more on
 *    another session; otherwise 502. No session in time: 503 (queue full,
 *    acquire timeout, no backend up); backend silent past backend_timeout:
 *    504. Every error response is counted by cause;
 *  - backpressure both ways: bytes not yet handed to the other side's
 *    stack are not acknowledged to the application (wp_tcp_recved), so
 *    slow peers close their window instead of growing queues.
 *
 * Everything runs on the worker's lcore; nothing here locks or allocates
 * after wp_proxy_create (client slots come from a fixed array).
 */
#ifndef WARMPOOL_PROXY_H
#define WARMPOOL_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/breaker-t.h>
#include <warmpool/hist.h>
#include <warmpool/http1.h>
#include <warmpool/net-t.h>
#include <warmpool/pool-t.h>

struct rte_mempool;
struct wp_proxy;

#define WP_PROXY_MAX_BACKENDS 64

struct wp_proxy_backend {
	uint32_t ip;               /* host order */
	uint16_t port;
	uint32_t weight;           /* 1..1000 */
};

struct wp_proxy_conf {
	struct wp_net *client_net;   /* listens on its address:listen_port */
	struct wp_net *backend_net;  /* sessions to backends (may be client_net) */
	struct rte_mempool *mp;      /* for the rare split of a shared segment */
	uint16_t listen_port;
	uint32_t max_clients;        /* client connections at once, >= 1 */
	struct wp_http1_limits limits;
	int64_t client_idle_timeout_ns;  /* keep-alive idle; 0 = off */
	int64_t request_timeout_ns;      /* first byte to end of headers (408); 0 = off */
	int64_t backend_timeout_ns;      /* silence while awaiting a response (504); 0 = off */
	bool retry_idempotent;           /* one retry on a fresh session */
	uint32_t retry_buf;              /* bytes kept per client for a retry (0 = none) */
	struct wp_pool_params pool;      /* per backend, per worker */
	unsigned nbackends;
	struct wp_proxy_backend backends[WP_PROXY_MAX_BACKENDS];
	uint64_t seed;
	int socket;
	bool breaker;                    /* gates and retry budgets in force */
	struct wp_breaker_params breaker_params; /* when `breaker` */
	uint32_t nworkers;               /* workers sharing the retry floor */
};

/* Why an error response was sent (or a client connection cut). */
enum wp_proxy_err {
	WP_PX_E_BAD_REQUEST = 0,   /* 400/414/431/501/505 from wp_http1 (by reason below) */
	WP_PX_E_REQUEST_TIMEOUT,   /* 408: headers not complete in time */
	WP_PX_E_NO_BACKEND,        /* 503: no backend up */
	WP_PX_E_POOL_FULL,         /* 503: waiter queue full */
	WP_PX_E_ACQUIRE_TIMEOUT,   /* 503: no session within acquire_timeout */
	WP_PX_E_BACKEND_FAILED,    /* 502: session lost before a response */
	WP_PX_E_BAD_RESPONSE,      /* 502: response failed framing before any byte went out */
	WP_PX_E_BACKEND_TIMEOUT,   /* 504 */
	WP_PX_E_CUT,               /* response already started when it failed: client cut */
	WP_PX_E_BREAKER_OPEN,      /* 503: the backend's circuit breaker is open */
	WP_PX_E__COUNT
};

struct wp_proxy_stats {
	uint64_t accepted;           /* client connections */
	uint64_t client_closed;
	uint64_t refused_clients;    /* over max_clients: reset */
	uint64_t requests;           /* requests whose head parsed */
	uint64_t responses;          /* responses fully forwarded */
	uint64_t status_class[6];    /* forwarded responses by first digit (0 = other) */
	uint64_t errors[WP_PX_E__COUNT];
	uint64_t bad_request[WP_HTTP1_E__COUNT];  /* by framing reason */
	uint64_t bad_response[WP_HTTP1_E__COUNT];
	uint64_t retries;            /* idempotent requests sent again */
	uint64_t reused;             /* requests on a session that had served before */
	uint64_t not_reusable;       /* exchanges that closed their session */
	uint64_t hop_rewrites;       /* requests asking to close whose Connection was
				      * rewritten so their session stays (http1_hop.h) */
	uint64_t close_announced;    /* responses given "Connection: close" because
				      * the client is closed after them */
	uint64_t bytes_up, bytes_down;
	uint32_t clients;            /* gauge: open client connections */
	uint32_t in_flight;          /* gauge: requests holding or awaiting a session */
};

/* One backend as this worker's requests saw it (for telemetry and the
 * control core's outlier detection). Worker-owned, read on the worker. */
struct wp_proxy_backend_stats {
	uint64_t requests;           /* requests dispatched to it */
	uint64_t responses;          /* responses fully forwarded */
	uint64_t status_5xx;
	uint64_t successes;          /* framed responses other than 5xx */
	uint64_t failures;           /* 5xx, 502/504 causes, cut responses */
	uint32_t fail_streak;        /* consecutive failures now (0 after a success) */
	uint64_t breaker_denied;     /* requests answered 503 by the open breaker */
	uint64_t retries_denied;     /* retries refused by the retry budget */
	struct wp_hist lat;          /* dispatch to end of response, ns */
};

/* NULL + errno (EINVAL: bad conf, logged; ENOMEM; EADDRINUSE: port). */
struct wp_proxy *wp_proxy_create(const struct wp_proxy_conf *conf);

/* Timers (idle, request, backend) and the pools; call every poll with the
 * stacks' clock. */
void wp_proxy_poll(struct wp_proxy *px, int64_t now);

/* Stop accepting (unlisten) and close every client connection after its
 * next response, which says "Connection: close": a client whose next
 * request is already on its way is served, not cut. Then, after a grace
 * long enough for such requests to arrive, wp_proxy_close_idle() closes
 * the clients that sent nothing. wp_proxy_clients() reaching 0 means
 * drained. */
void wp_proxy_drain(struct wp_proxy *px);
void wp_proxy_close_idle(struct wp_proxy *px);
uint32_t wp_proxy_clients(const struct wp_proxy *px);

/* Sessions of every pool closed with FIN (after draining). */
void wp_proxy_close_sessions(struct wp_proxy *px);

void wp_proxy_stats(const struct wp_proxy *px, struct wp_proxy_stats *out);
const struct wp_proxy_backend_stats *wp_proxy_backend_stats(
		const struct wp_proxy *px, unsigned idx);
/* The control core's breaker command for backend `idx` (breaker.h). */
int wp_proxy_set_breaker(struct wp_proxy *px, unsigned idx,
			 const struct wp_breaker_cmd *cmd);
const struct wp_breaker_gate *wp_proxy_gate(const struct wp_proxy *px, unsigned idx);
/* The control core's decision for backend `idx`, applied here: the pool
 * changes state (DOWN/DRAIN close its sessions and fail its waiters; UP
 * warms it again, paced) and the backend choice is refreshed. */
int wp_proxy_set_backend_state(struct wp_proxy *px, unsigned idx,
			       enum wp_backend_state st, int64_t now);
/* Slow start: backend `idx` gets `milli` per mille (1..1000) of its weight
 * in the backend choice from the next pick on; 1000 = its full weight (the
 * value at creation). -EINVAL out of range. */
int wp_proxy_set_ramp(struct wp_proxy *px, unsigned idx, uint32_t milli);
/* What may change while the proxy runs (configuration reload). */
struct wp_proxy_live {
	struct wp_http1_limits limits;   /* for messages that start from now on */
	int64_t client_idle_timeout_ns;  /* running timers move by the difference */
	int64_t request_timeout_ns;
	int64_t backend_timeout_ns;
	bool retry_idempotent;           /* only where retry buffers were allocated */
	struct wp_pool_params pool;      /* every pool: wp_pool_set_params() */
	bool pool_targets;               /* also min_idle/max_sessions (scaling off) */
	struct wp_breaker_params breaker_params; /* the retry budgets */
	uint32_t weight[WP_PROXY_MAX_BACKENDS];  /* [nbackends], 1..1000 */
};

/* Apply `live` (checked whole first: nothing changes on -EINVAL, which is
 * logged). Pools bounded by what they were created with (max_sessions,
 * max_pending); weights take effect at the next pick; a running timeout
 * keeps its start and ends at start + the new value (0 turns it off). */
int wp_proxy_reconfigure(struct wp_proxy *px, const struct wp_proxy_live *live);

/* The pool of backend `idx` (for stats and the control core's commands). */
struct wp_pool *wp_proxy_pool(struct wp_proxy *px, unsigned idx);
const char *wp_proxy_err_name(enum wp_proxy_err e);

/* Abort every client connection, free pools and transports. */
void wp_proxy_free(struct wp_proxy *px);

#endif /* WARMPOOL_PROXY_H */
