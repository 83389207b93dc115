/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's management listener (issue 5, DESIGN.md section 1).
 *
 * What it serves: GET /metrics (Prometheus text of the snapshot the
 * control core last published to the export ring, through the formatter
 * wp-stat uses, export_prom.h, plus the listener's own counters), GET
 * /backends (JSON: configuration, health, drain, ejection, breaker and
 * the snapshot's sessions and totals of every backend), and POST
 * /backends/NAME/drain and /undrain (wpd_ctl_set_drain: the workers close
 * that backend's sessions and send it nothing, until undrained).
 *
 * Where it runs: a kernel TCP socket owned by the control core and polled
 * from the control loop, never blocking: accept4/recv/send with
 * O_NONBLOCK, at most MGMT_CONNS connections (the rest wait in the
 * kernel's backlog), each with a deadline. Nothing here touches a worker
 * or the data path; drain goes through the control core's decisions.
 *
 * A connection: READ (bytes into wp_mgmt_req, which frames with the
 * project's HTTP/1.1 framer and routes) -> WRITE (the whole answer, built
 * in memory, Connection: close) -> LINGER (our FIN sent, reading until the
 * peer's, so unread bytes never turn the close into a reset that could
 * cut the answer) -> closed. A request that is refused (bad framing,
 * unknown path, wrong method, too big) gets its status and is counted.
 *
 * Safety: the listener has no authentication. It binds the [management]
 * address, 127.0.0.1 by default; an address outside 127/8 is refused
 * unless allow_remote = yes (config.c refuses the file too; this is the
 * second line).
 */
#define _GNU_SOURCE /* accept4, open_memstream */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <warmpool/breaker.h>
#include <warmpool/export_prom.h>
#include <warmpool/health.h>
#include <warmpool/mgmt_req.h>

#include "control.h"
#include "mgmt.h"

#define PROG "warmpoold"
#define MGMT_CONNS 16
#define MGMT_DEADLINE_NS (5LL * 1000000000LL)   /* whole exchange */
#define MGMT_LINGER_NS (1LL * 1000000000LL)

enum { C_FREE = 0, C_READ, C_WRITE, C_LINGER };

/* One connection. Owned by the control core. Invariant: fd >= 0 iff
 * st != C_FREE; out is malloc'd (open_memstream) iff st == C_WRITE. */
struct mgmt_conn {
	int fd;
	uint8_t st;
	int64_t deadline;
	struct wp_mgmt_req req;
	char *out;
	size_t out_len, out_off;
};

struct mgmt_stats {
	uint64_t accepted;
	uint64_t requests[WP_MGMT_R_UNDRAIN + 1];   /* answered, by route */
	uint64_t bad;                               /* refused (4xx/5xx from parsing) */
	uint64_t not_found;                         /* drain of an unknown backend */
	uint64_t timeouts;                          /* deadline passed */
	uint64_t errors;                            /* socket errors, out of memory */
};

struct wpd_mgmt {
	int lfd;
	char where[32];
	struct mgmt_stats st;
	struct mgmt_conn c[MGMT_CONNS];
};

static const char *const health_names[] = { "up", "down", "unknown", "drain" };
static const char *const breaker_names[] = { "closed", "open", "half-open" };

struct wpd_mgmt *
wpd_mgmt_open(const struct wp_config *cfg)
{
	const struct wp_config_management *mc = &cfg->management;
	struct sockaddr_in sa;
	struct wpd_mgmt *m;
	int one = 1, e;

	if (mc->port == 0) {
		errno = 0;
		return NULL;
	}
	if ((mc->addr >> 24) != 127 && !mc->allow_remote) {
		fprintf(stderr, PROG ": management: %u.%u.%u.%u is not a loopback address "
			"and [management] allow_remote is off\n", mc->addr >> 24,
			(mc->addr >> 16) & 255, (mc->addr >> 8) & 255, mc->addr & 255);
		errno = EPERM;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	for (unsigned i = 0; i < MGMT_CONNS; i++)
		m->c[i].fd = -1;
	snprintf(m->where, sizeof(m->where), "%u.%u.%u.%u:%u", mc->addr >> 24,
		 (mc->addr >> 16) & 255, (mc->addr >> 8) & 255, mc->addr & 255, mc->port);
	m->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(mc->port);
	sa.sin_addr.s_addr = htonl(mc->addr);
	if (m->lfd < 0 ||
	    setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(m->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(m->lfd, MGMT_CONNS) != 0) {
		e = errno;
		fprintf(stderr, PROG ": management: cannot listen on %s: %s (another process "
			"on it? set [management] port = 0 to turn the listener off)\n",
			m->where, strerror(e));
		if (m->lfd >= 0)
			close(m->lfd);
		free(m);
		errno = e;
		return NULL;
	}
	printf(PROG ": management: listening on %s (GET /metrics, GET /backends, "
	       "POST /backends/NAME/drain|undrain)\n", m->where);
	return m;
}

static void
conn_close(struct mgmt_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->st = C_FREE;
}

/* ------------------------------------------------------------ answers */

static const char *
reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void
body_metrics(FILE *f, const struct wpd_mgmt *m, const struct wpd_ctl *ctl)
{
	static const char *const route_names[] = { "refused", "metrics", "backends",
						   "drain", "undrain" };
	struct wp_prom_view v;

	wpd_ctl_prom_view(ctl, &v);
	wp_export_prometheus(f, &v);
	fputs("# HELP wp_mgmt_requests_total Requests answered by the management "
	      "listener, by route.\n# TYPE wp_mgmt_requests_total counter\n", f);
	for (unsigned r = 0; r <= WP_MGMT_R_UNDRAIN; r++)
		fprintf(f, "wp_mgmt_requests_total{route=\"%s\"} %" PRIu64 "\n", route_names[r],
			m->st.requests[r]);
	fputs("# HELP wp_mgmt_bad_requests_total Requests refused by the management "
	      "listener (4xx, 5xx).\n# TYPE wp_mgmt_bad_requests_total counter\n", f);
	fprintf(f, "wp_mgmt_bad_requests_total %" PRIu64 "\n", m->st.bad);
	fputs("# HELP wp_settings_generation Configuration reloads applied (SIGHUP).\n"
	      "# TYPE wp_settings_generation gauge\n", f);
	fprintf(f, "wp_settings_generation %" PRIu32 "\n", wpd_ctl_settings_gen(ctl));
}

static void
backend_json(FILE *f, const struct wpd_ctl *ctl, unsigned b)
{
	struct wpd_backend_view bv;
	const struct wp_export_backend *x;
	uint32_t a;

	if (wpd_ctl_backend(ctl, b, &bv) != 0)
		return;
	a = bv.cfg->addr;
	fputs("{\"name\":", f);
	json_str(f, bv.cfg->name);
	fprintf(f, ",\"address\":\"%u.%u.%u.%u\",\"port\":%u,\"weight\":%u", a >> 24,
		(a >> 16) & 255, (a >> 8) & 255, a & 255, bv.cfg->port, bv.cfg->weight);
	fprintf(f, ",\"health\":\"%s\",\"drain\":%s,\"ejected\":%s,\"breaker\":\"%s\"",
		health_names[bv.health < 4 ? bv.health : 2], bv.drain ? "true" : "false",
		bv.ejected ? "true" : "false", breaker_names[bv.breaker < 3 ? bv.breaker : 0]);
	if (bv.snap != NULL) {
		x = &bv.snap->u.backend;
		fprintf(f, ",\"idle\":%" PRIu32 ",\"leased\":%" PRIu32 ",\"connecting\":%" PRIu32
			",\"pending\":%" PRIu32 ",\"requests\":%" PRIu64 ",\"errors\":%" PRIu64
			",\"p50_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64 ",\"ts_ns\":%" PRIu64,
			x->idle, x->leased, x->connecting, x->pending, x->requests, x->errors,
			x->p50_ns, x->p99_ns, bv.snap->ts_ns);
	}
	fputc('}', f);
}

static void
body_backends(FILE *f, const struct wpd_ctl *ctl)
{
	fputs("{\"backends\":[", f);
	for (unsigned b = 0; b < wpd_ctl_backends(ctl); b++) {
		if (b > 0)
			fputc(',', f);
		backend_json(f, ctl, b);
	}
	fputs("]}\n", f);
}

/* The answer to c->req, in c->out. */
static int
answer(struct wpd_mgmt *m, struct mgmt_conn *c, struct wpd_ctl *ctl, int64_t now)
{
	const struct wp_mgmt_req *r = &c->req;
	char *body = NULL;
	size_t blen = 0, hlen = 0;
	FILE *b = open_memstream(&body, &blen), *h;
	unsigned status = 200;
	const char *type = "application/json";
	char *head = NULL;

	if (b == NULL)
		return -ENOMEM;
	switch (r->route) {
	case WP_MGMT_R_METRICS:
		type = "text/plain; version=0.0.4; charset=utf-8";
		body_metrics(b, m, ctl);
		break;
	case WP_MGMT_R_BACKENDS:
		body_backends(b, ctl);
		break;
	case WP_MGMT_R_DRAIN:
	case WP_MGMT_R_UNDRAIN: {
		bool on = r->route == WP_MGMT_R_DRAIN;

		if (wpd_ctl_set_drain(ctl, r->name, on, now) != 0) {
			status = 404;
			m->st.not_found++;
			fputs("{\"error\":\"no backend named ", b);
			fputs(r->name, b);          /* [A-Za-z0-9_.-] only: mgmt_req.h */
			fputs("\"}\n", b);
			break;
		}
		printf(PROG ": management: backend %s %s\n", r->name,
		       on ? "drained (sessions close on every worker)" : "undrained");
		fflush(stdout);
		fputs("{\"backend\":", b);
		json_str(b, r->name);
		fprintf(b, ",\"drain\":%s}\n", on ? "true" : "false");
		break;
	}
	default:
		status = r->status;
		type = "application/json";
		fprintf(b, "{\"error\":\"%s\"}\n", reason(status));
		m->st.bad++;
		break;
	}
	m->st.requests[r->route]++;
	if (fclose(b) != 0) {
		free(body);
		return -ENOMEM;
	}
	h = open_memstream(&head, &hlen);
	if (h == NULL) {
		free(body);
		return -ENOMEM;
	}
	fprintf(h, "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		"Cache-Control: no-store\r\nConnection: close\r\n", status, reason(status),
		type, blen);
	if (status == 405 && r->allow != NULL)
		fprintf(h, "Allow: %s\r\n", r->allow);
	fputs("\r\n", h);
	fwrite(body, 1, blen, h);
	free(body);
	if (fclose(h) != 0) {
		free(head);
		return -ENOMEM;
	}
	c->out = head;
	c->out_len = hlen;
	c->out_off = 0;
	return 0;
}

/* ------------------------------------------------------------ the loop */

static void
conn_read(struct wpd_mgmt *m, struct mgmt_conn *c, struct wpd_ctl *ctl, int64_t now)
{
	uint8_t buf[4096];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0) {
			if (n < 0 && c->st != C_LINGER)
				m->st.errors++;
			conn_close(c);  /* the peer's FIN after our answer, or gone
					 * before a whole request (no answer) */
			return;
		}
		if (c->st == C_LINGER)
			continue;       /* after our answer: read and drop */
		if (wp_mgmt_req_feed(&c->req, buf, (size_t)n) == 1) {
			if (answer(m, c, ctl, now) != 0) {
				m->st.errors++;
				conn_close(c);
				return;
			}
			c->st = C_WRITE;
			return;
		}
	}
}

static void
conn_write(struct wpd_mgmt *m, struct mgmt_conn *c, int64_t now)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n <= 0) {
			m->st.errors++;
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	(void)shutdown(c->fd, SHUT_WR);
	c->st = C_LINGER;
	c->deadline = now + MGMT_LINGER_NS;
}

void
wpd_mgmt_poll(struct wpd_mgmt *m, struct wpd_ctl *ctl, int64_t now)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < MGMT_CONNS; i++) {
		struct mgmt_conn *c = &m->c[i];

		if (c->st != C_FREE)
			continue;
		c->fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c->fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				m->st.errors++;
			break;
		}
		m->st.accepted++;
		c->st = C_READ;
		c->deadline = now + MGMT_DEADLINE_NS;
		wp_mgmt_req_init(&c->req);
	}
	for (unsigned i = 0; i < MGMT_CONNS; i++) {
		struct mgmt_conn *c = &m->c[i];

		if (c->st == C_READ || c->st == C_LINGER)
			conn_read(m, c, ctl, now);
		if (c->st == C_WRITE)
			conn_write(m, c, now);
		if (c->st != C_FREE && now >= c->deadline) {
			if (c->st != C_LINGER)
				m->st.timeouts++;
			conn_close(c);
		}
	}
}

void
wpd_mgmt_report(const struct wpd_mgmt *m)
{
	if (m == NULL)
		return;
	printf(PROG ": management %s: connections=%" PRIu64 " metrics=%" PRIu64
	       " backends=%" PRIu64 " drain=%" PRIu64 " undrain=%" PRIu64 " refused=%" PRIu64
	       " unknown_backend=%" PRIu64 " timeouts=%" PRIu64 " errors=%" PRIu64 "\n",
	       m->where, m->st.accepted, m->st.requests[WP_MGMT_R_METRICS],
	       m->st.requests[WP_MGMT_R_BACKENDS], m->st.requests[WP_MGMT_R_DRAIN],
	       m->st.requests[WP_MGMT_R_UNDRAIN], m->st.bad, m->st.not_found, m->st.timeouts,
	       m->st.errors);
}

void
wpd_mgmt_close(struct wpd_mgmt *m)
{
	if (m == NULL)
		return;
	for (unsigned i = 0; i < MGMT_CONNS; i++)
		if (m->c[i].st != C_FREE)
			conn_close(&m->c[i]);
	close(m->lfd);
	free(m);
}
