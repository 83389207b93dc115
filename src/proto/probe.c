/* SPDX-License-Identifier: BSD-3-Clause */
/* Active health probes on a worker's stack (contract: include/warmpool/
 * probe.h).
 *
 * Each probe is one slot of a fixed array and one TCP connection of its
 * own. The slot lives from wp_prober_start() until the connection's
 * `closed` callback (or until the start fails); the outcome is reported
 * once, when it is first known, through report(): the `reported` flag is
 * what makes "exactly once" hold whatever order the connection's
 * callbacks arrive in (a timeout aborts the flow, and the abort's own
 * `closed` must not report a second time).
 *
 * The HTTP check writes a minimal HTTP/1.1 request with "Connection:
 * close" and frames the answer with wp_http1 in response mode: the status
 * is known when the header section is complete, and that is when the
 * probe is decided; the body is not waited for (the connection is closed
 * with FIN and anything after is acknowledged and dropped by the stack).
 *
 * The prober does not read a clock: it keeps the latest `now` given to
 * start/poll, which is also what latencies are measured with, so tests
 * drive it with a virtual clock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#include <warmpool/http1.h>
#include <warmpool/probe.h>
#include <warmpool/tcp.h>

#include "wp_mem.h"

/* One probe in flight. Owned by the worker's lcore. Invariants: in_use
 * while conn != NULL or the start is in progress; reported is set exactly
 * when conf.done was called for this id. */
struct probe_slot {
	struct wp_prober *p;
	struct wp_tcp_conn *conn;
	uint64_t id;
	uint16_t backend;
	bool in_use;
	bool reported;
	int64_t start_ns;
	int64_t deadline;
	struct wp_http1 resp;
};

struct wp_prober {
	struct wp_prober_conf conf;
	struct wp_prober_stats st;
	int64_t now;
	uint32_t nslots;
	struct probe_slot *slot;
	char req[192];
	uint32_t req_len;
	uint8_t method;
};

static const char *const fail_names[WP_PROBE_F__COUNT] = {
	[WP_PROBE_OK] = "ok",
	[WP_PROBE_F_CONNECT] = "connect",
	[WP_PROBE_F_REFUSED] = "refused",
	[WP_PROBE_F_RESET] = "reset",
	[WP_PROBE_F_UNREACHABLE] = "unreachable",
	[WP_PROBE_F_TIMEOUT] = "timeout",
	[WP_PROBE_F_BAD_ANSWER] = "bad_answer",
	[WP_PROBE_F_STATUS] = "status",
};

const char *
wp_probe_fail_name(enum wp_probe_fail f)
{
	return (unsigned)f < WP_PROBE_F__COUNT ? fail_names[f] : "?";
}

static void
report(struct probe_slot *s, enum wp_probe_fail fail)
{
	struct wp_prober *p = s->p;
	struct wp_probe_result r;

	if (s->reported)
		return;
	s->reported = true;
	if (fail == WP_PROBE_OK)
		p->st.ok++;
	else
		p->st.failed[fail]++;
	r = (struct wp_probe_result){
		.id = s->id, .backend = s->backend, .fail = (uint8_t)fail,
		.status = s->resp.headers_done ? s->resp.status : 0,
		.latency_ns = p->now - s->start_ns,
	};
	p->conf.done(p->conf.arg, &r);
}

static void
slot_free(struct probe_slot *s)
{
	s->conn = NULL;
	s->in_use = false;
	s->p->st.inflight--;
}

static void
pr_connected(void *arg, struct wp_tcp_conn *c)
{
	struct probe_slot *s = arg;
	struct wp_prober *p = s->p;

	if (p->conf.type == WP_PROBE_TCP) {
		report(s, WP_PROBE_OK);
		wp_tcp_close(c);
		return;
	}
	if (wp_tcp_send_bytes(c, p->req, p->req_len) != 0) {
		report(s, WP_PROBE_F_RESET);
		wp_tcp_abort(c);
	}
}

static void
pr_data(void *arg, struct wp_tcp_conn *c, struct rte_mbuf *m)
{
	struct probe_slot *s = arg;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	long rc;

	wp_tcp_recved(c, len);
	if (s->reported) {
		rte_pktmbuf_free(m);
		return;
	}
	rc = wp_http1_feed_mbuf(&s->resp, m, 0);
	rte_pktmbuf_free(m);
	if (rc < 0) {
		report(s, WP_PROBE_F_BAD_ANSWER);
		wp_tcp_close(c);
	} else if (s->resp.headers_done) {
		report(s, s->resp.status == s->p->conf.expect_status ?
			   WP_PROBE_OK : WP_PROBE_F_STATUS);
		wp_tcp_close(c);
	}
}

static void
pr_peer_closed(void *arg, struct wp_tcp_conn *c)
{
	struct probe_slot *s = arg;

	report(s, WP_PROBE_F_RESET); /* closed before a status line */
	wp_tcp_close(c);
}

static void
pr_closed(void *arg, struct wp_tcp_conn *c, enum wp_tcp_close_reason why)
{
	struct probe_slot *s = arg;
	enum wp_probe_fail f;

	(void)c;
	switch (why) {
	case WP_TCP_CLOSE_REFUSED:
		f = WP_PROBE_F_REFUSED;
		break;
	case WP_TCP_CLOSE_UNREACHABLE:
		f = WP_PROBE_F_UNREACHABLE;
		break;
	case WP_TCP_CLOSE_TIMEOUT:
	case WP_TCP_CLOSE_CONNECT_TIMEOUT:
		f = WP_PROBE_F_TIMEOUT;
		break;
	default:
		f = WP_PROBE_F_RESET;
		break;
	}
	report(s, f);
	slot_free(s);
}

static const struct wp_tcp_cbs probe_cbs = {
	.connected = pr_connected,
	.data = pr_data,
	.peer_closed = pr_peer_closed,
	.closed = pr_closed,
};

static int
conf_check(const struct wp_prober_conf *c)
{
	if (c->net == NULL || c->done == NULL || c->max_inflight == 0 ||
	    c->max_inflight > 65536)
		return -EINVAL;
	if (c->type == WP_PROBE_TCP)
		return 0;
	if (c->type != WP_PROBE_HTTP || c->path[0] != '/' ||
	    memchr(c->path, '\0', sizeof(c->path)) == NULL ||
	    c->expect_status < 100 || c->expect_status > 599)
		return -EINVAL;
	if (strcmp(c->method, "GET") != 0 && strcmp(c->method, "HEAD") != 0 &&
	    strcmp(c->method, "OPTIONS") != 0)
		return -EINVAL;
	for (const char *q = c->path; *q != '\0'; q++)
		if (*q <= ' ' || *q == 0x7f)
			return -EINVAL; /* the request line must stay one token */
	return 0;
}

struct wp_prober *
wp_prober_create(const struct wp_prober_conf *conf, int socket)
{
	struct wp_prober *p;
	int n;

	if (conf == NULL || conf_check(conf) < 0) {
		errno = EINVAL;
		return NULL;
	}
	p = wp_zmalloc_socket("wp_prober", sizeof(*p), 0, socket);
	if (p == NULL)
		goto nomem;
	p->conf = *conf;
	p->nslots = conf->max_inflight;
	p->slot = wp_zmalloc_socket("wp_prober_slots",
			sizeof(p->slot[0]) * p->nslots, 0, socket);
	if (p->slot == NULL)
		goto nomem;
	for (uint32_t i = 0; i < p->nslots; i++)
		p->slot[i].p = p;
	if (conf->type == WP_PROBE_HTTP) {
		/* Host: the path is enough for the backends we front; a
		 * fixed name keeps the request independent of addresses */
		n = snprintf(p->req, sizeof(p->req),
			     "%s %s HTTP/1.1\r\nHost: warmpool-probe\r\n"
			     "User-Agent: warmpool-probe\r\nConnection: close\r\n\r\n",
			     conf->method, conf->path);
		if (n < 0 || (size_t)n >= sizeof(p->req)) {
			wp_prober_free(p);
			errno = EINVAL;
			return NULL;
		}
		p->req_len = (uint32_t)n;
		p->method = conf->method[0] == 'G' ? WP_HTTP1_M_GET :
			    conf->method[0] == 'H' ? WP_HTTP1_M_HEAD :
						     WP_HTTP1_M_OPTIONS;
	}
	return p;
nomem:
	wp_prober_free(p);
	errno = ENOMEM;
	return NULL;
}

int
wp_prober_start(struct wp_prober *p, uint64_t id, uint16_t backend,
		uint32_t ip, uint16_t port, int64_t now, int64_t deadline)
{
	struct probe_slot *s = NULL;
	int rc;

	p->now = now;
	for (uint32_t i = 0; i < p->nslots; i++)
		if (!p->slot[i].in_use) {
			s = &p->slot[i];
			break;
		}
	if (s == NULL) {
		p->st.failed[WP_PROBE_OK]++;
		return -EBUSY;
	}
	memset(&s->resp, 0, sizeof(s->resp));
	wp_http1_init(&s->resp, WP_HTTP1_RESPONSE, (enum wp_http1_method)p->method, NULL);
	s->id = id;
	s->backend = backend;
	s->in_use = true;
	s->reported = false;
	s->conn = NULL;
	s->start_ns = now;
	s->deadline = deadline;
	p->st.started++;
	p->st.inflight++;
	rc = wp_tcp_connect(p->conf.net, ip, port, 0, &probe_cbs, s, &s->conn);
	if (rc < 0) {
		report(s, WP_PROBE_F_CONNECT);
		slot_free(s);
	}
	return 0;
}

void
wp_prober_poll(struct wp_prober *p, int64_t now)
{
	p->now = now;
	if (p->st.inflight == 0)
		return;
	for (uint32_t i = 0; i < p->nslots; i++) {
		struct probe_slot *s = &p->slot[i];

		if (!s->in_use || now < s->deadline)
			continue;
		if (!s->reported)
			report(s, WP_PROBE_F_TIMEOUT);
		if (s->conn != NULL)
			wp_tcp_abort(s->conn); /* its closed() frees the slot */
	}
}

void
wp_prober_stats(const struct wp_prober *p, struct wp_prober_stats *out)
{
	*out = p->st;
}

void
wp_prober_free(struct wp_prober *p)
{
	if (p == NULL)
		return;
	if (p->slot != NULL) {
		for (uint32_t i = 0; i < p->nslots; i++) {
			struct probe_slot *s = &p->slot[i];

			s->reported = true; /* no outcome after free */
			if (s->in_use && s->conn != NULL)
				wp_tcp_abort(s->conn);
		}
		wp_mfree(p->slot);
	}
	wp_mfree(p);
}
