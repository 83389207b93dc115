/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health probes, executed on a worker (DESIGN.md section 5).
 *
 * The control core decides when a backend is checked (health.h); a worker
 * runs the check on its own stack, because only the worker owns flows, and
 * reports the outcome back as telemetry. A wp_prober holds a worker's
 * probes in flight, each a short TCP connection of its own (not a pooled
 * session: a check must see what a new session would see):
 *
 *   TCP   connect; success when the handshake completes.
 *   HTTP  connect, send "METHOD PATH HTTP/1.1" with Host and
 *         Connection: close, frame the answer with wp_http1; success when
 *         the final status equals the expected one.
 *
 * A probe ends exactly once, through `done`: success, failure (refused,
 * reset, unreachable, bad or unexpected answer) or its deadline. Its
 * connection is closed with FIN on success and on an unexpected status,
 * and aborted (RST) on timeout so nothing lingers. Everything runs on the
 * worker's lcore.
 */
#ifndef WARMPOOL_PROBE_H
#define WARMPOOL_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/net-t.h>

enum wp_probe_type {
	WP_PROBE_TCP = 0,
	WP_PROBE_HTTP = 1,
};

/* Why a probe failed (0 = it succeeded). */
enum wp_probe_fail {
	WP_PROBE_OK = 0,
	WP_PROBE_F_CONNECT,     /* could not start: no route, no port, no flow slot */
	WP_PROBE_F_REFUSED,     /* RST answered the SYN */
	WP_PROBE_F_RESET,       /* reset or closed before an answer */
	WP_PROBE_F_UNREACHABLE, /* ICMP / ARP failure */
	WP_PROBE_F_TIMEOUT,     /* deadline passed */
	WP_PROBE_F_BAD_ANSWER,  /* HTTP answer failed framing */
	WP_PROBE_F_STATUS,      /* HTTP status other than the expected one */
	WP_PROBE_F__COUNT
};

struct wp_probe_result {
	uint64_t id;            /* as given to wp_prober_start */
	uint16_t backend;
	uint16_t status;        /* HTTP status seen, 0 if none */
	uint8_t fail;           /* enum wp_probe_fail */
	int64_t latency_ns;     /* start to outcome */
};

typedef void (*wp_probe_done_fn)(void *arg, const struct wp_probe_result *r);

struct wp_prober_conf {
	struct wp_net *net;       /* the stack backends are reached on */
	uint8_t type;             /* enum wp_probe_type */
	char method[8];           /* HTTP: GET, HEAD or OPTIONS */
	char path[128];           /* HTTP: starts with '/' */
	uint16_t expect_status;   /* HTTP */
	uint32_t max_inflight;    /* probes at once, >= 1 */
	wp_probe_done_fn done;
	void *arg;
};

struct wp_prober_stats {
	uint64_t started;
	uint64_t ok;
	uint64_t failed[WP_PROBE_F__COUNT]; /* [0] counts refused starts: too many in flight */
	uint32_t inflight;
};

struct wp_prober;

/* NULL + errno (EINVAL: bad conf; ENOMEM). */
struct wp_prober *wp_prober_create(const struct wp_prober_conf *conf, int socket);

/* Start probe `id` of `backend` at ip:port, to be decided by `deadline`.
 * 0 (done will follow, possibly before this returns), or -EBUSY when
 * max_inflight probes are running (nothing started, counted). */
int wp_prober_start(struct wp_prober *p, uint64_t id, uint16_t backend,
		    uint32_t ip, uint16_t port, int64_t now, int64_t deadline);

/* Deadlines. Call every poll with the stack's clock. */
void wp_prober_poll(struct wp_prober *p, int64_t now);

void wp_prober_stats(const struct wp_prober *p, struct wp_prober_stats *out);
const char *wp_probe_fail_name(enum wp_probe_fail f);

/* Abort probes in flight (their done is not called) and free. NULL ok. */
void wp_prober_free(struct wp_prober *p);

#endif /* WARMPOOL_PROBE_H */
