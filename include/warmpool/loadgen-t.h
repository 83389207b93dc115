/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the HTTP/1.1 load generator engine (loadgen.h, issue 7).
 *
 * One struct wp_lg per worker, driving client connections on that
 * worker's stack; owned by the worker's lcore and touched by nobody else
 * while it runs (the app reads the results after the worker is joined).
 *
 * Latency is measured from a request's INTENDED send time: in closed loop
 * that is when it was sent, in open loop the time the arrival schedule
 * gave it, even when no connection was free to carry it then. A stalled
 * server therefore shows its queueing in the figures instead of hiding it
 * by slowing the client down (no coordinated omission).
 */
#ifndef WARMPOOL_LOADGEN_T_H
#define WARMPOOL_LOADGEN_T_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/hist.h>
#include <warmpool/http1.h>

struct wp_net;

#define WP_LG_MAX_DEPTH 64        /* outstanding requests per connection */
#define WP_LG_MAX_REQ 4096        /* bytes of the request sent */

enum wp_lg_mode {
	WP_LG_CLOSED = 0,   /* each connection keeps `depth` requests outstanding */
	WP_LG_CONSTANT,     /* open loop: one request every 1/rate s */
	WP_LG_POISSON,      /* open loop: exponential gaps of mean 1/rate s */
};

/* Why a request or a connection attempt failed. Every failure counts one. */
enum wp_lg_err {
	WP_LG_E_REFUSED = 0,      /* connect answered with RST */
	WP_LG_E_CONNECT_TIMEOUT,  /* no SYN-ACK within the timeout */
	WP_LG_E_UNREACHABLE,      /* ARP unresolved, ICMP unreachable, no route */
	WP_LG_E_CONNECT,          /* could not even start (ports, flow table) */
	WP_LG_E_RESET,            /* request lost to a reset connection */
	WP_LG_E_CLOSED,           /* request lost: the server closed first */
	WP_LG_E_TIMEOUT,          /* no complete response within the timeout */
	WP_LG_E_BAD_RESPONSE,     /* response failed framing (reason in bad_response) */
	WP_LG_E_BACKLOG,          /* open loop: schedule ran over the backlog */
	WP_LG_E_SEND,             /* the stack refused the request bytes */
	WP_LG_E__COUNT
};

/* Why a run gave up on its target (wp_lg_fatal). */
enum wp_lg_fatal {
	WP_LG_F_NONE = 0,
	WP_LG_F_CONNECT,          /* no connection ever established */
	WP_LG_F_PROTOCOL,         /* answers, but never a valid HTTP/1.x response */
	WP_LG_F_SILENT,           /* connected, but no response within the timeout */
};

struct wp_lg_conf {
	struct wp_net *net;       /* the worker's stack */
	uint32_t dst_ip;          /* host order */
	uint16_t dst_port;
	uint32_t conns;           /* connections on this worker, >= 1 */
	uint32_t depth;           /* closed loop: outstanding per connection;
				   * open loop: at most this many per connection
				   * (1..WP_LG_MAX_DEPTH; > 1 is pipelining) */
	enum wp_lg_mode mode;
	double rate;              /* open loop: requests/s on this worker */
	const uint8_t *req;       /* one complete request, copied at create */
	uint32_t req_len;         /* 1..WP_LG_MAX_REQ */
	enum wp_http1_method method; /* of that request (HEAD: no body back) */
	int64_t timeout_ns;       /* connect and response timeout */
	int64_t start_ns;         /* connect and start sending (warm-up) */
	int64_t measure_ns;       /* results count from here */
	int64_t end_ns;           /* no request intended at or after this */
	uint32_t backlog;         /* open loop: requests waiting for a free
				   * connection (power of two, 0 = 65536) */
	uint64_t seed;            /* Poisson schedule; 0 is a valid seed */
	int socket;
};

/* Results since measure_ns (the counters before it are warm-up and are
 * reset when it passes). `lat` holds completed requests whose intended
 * time is in [measure_ns, end_ns), ns from intended time to the last
 * response byte; `lag` (open loop) how late each was actually sent. */
struct wp_lg_stats {
	uint64_t intended;           /* requests the schedule (or loop) asked for */
	uint64_t sent;               /* requests handed to the stack */
	uint64_t completed;          /* responses fully framed to requests
				      * intended in the window (in lat) */
	uint64_t in_window;          /* responses completed inside the window,
				      * whatever their intended time: the
				      * achieved rate (completed may be higher
				      * when a backlog drains after the end) */
	uint64_t completed_all;      /* responses since start, warm-up and
				      * requests intended before measure_ns
				      * included (never reset: progress) */
	uint64_t status[6];          /* completed by first digit (0 = other) */
	uint64_t errors[WP_LG_E__COUNT];
	uint64_t bad_response[WP_HTTP1_E__COUNT];
	uint64_t bytes_out, bytes_in;
	uint64_t connects;           /* attempts (whole run, warm-up included) */
	uint64_t connected;          /* attempts that succeeded (whole run) */
	uint64_t closed_by_server;   /* idle/keep-alive closes, not errors */
	uint32_t open_conns;         /* gauge */
	uint32_t outstanding;        /* gauge: sent, response not complete */
	uint32_t backlog;            /* gauge: open loop, waiting for a connection */
	struct wp_hist lat;
	struct wp_hist lag;
};

struct wp_lg;

#endif /* WARMPOOL_LOADGEN_T_H */
