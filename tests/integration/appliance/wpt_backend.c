/* SPDX-License-Identifier: BSD-3-Clause */
/* wpt_backend: the appliance tests' own HTTP/1.1 backend (issue 4, DESIGN.md
 * section 8). Linux sockets, one thread, one epoll loop, no DPDK. It runs in
 * the backend namespace next to nginx and does what nginx will not do on
 * request: answer slowly, close after N requests, reset, or frame a response
 * wrongly, so the tests can watch the appliance's pool react.
 *
 * Behaviour is chosen per request by the path (the query string is ignored):
 *
 *   /size/N              200, Content-Length N, N pattern bytes
 *   /chunked/N[/C]       200, the same N bytes chunked, chunks of C bytes
 *                        (default 1000, 1..1048576), then "0\r\n\r\n"
 *   /close/N             200, no Content-Length, "Connection: close", N bytes,
 *                        then FIN (close-delimited body)
 *   /slow/MS/N           like /size/N after MS milliseconds (epoll timeout;
 *                        other connections are served meanwhile)
 *   /reset               nothing at all, then RST (SO_LINGER 0 + close)
 *   /reset-after-headers headers with Content-Length 1000, 400 body bytes,
 *                        then RST once the kernel has them acknowledged
 *   /broken/cl-te        Content-Length: 10 and Transfer-Encoding: chunked,
 *                        body a 100-byte chunk + last chunk; keep-alive
 *   /broken/bad-chunk    chunked, first chunk size "zz"; keep-alive
 *   /broken/dup-cl       Content-Length: 10 and Content-Length: 20, 20 bytes
 *   /broken/extra        Content-Length: 10, 10 bytes, then in the same write
 *                        a complete smuggled response ("X-Smuggled: yes",
 *                        body "smuggled"); keep-alive. A proxy that reuses
 *                        this session hands the smuggled bytes to the next
 *                        client: that is what the desync tests look for.
 *   /broken/short        Content-Length: 1000, 500 bytes, then FIN
 *   /status/CODE         CODE 200..599: that status; 204 and 304 have no
 *                        body and no Content-Length (304 carries an ETag),
 *                        others the body "status CODE\n". CODE 100..199:
 *                        the interim response "CODE Reason" (100, 102 and
 *                        103 as asked, any other 1xx as 100), then 200 "ok\n"
 *   /echo                200 with the request body (the request may be
 *                        framed by Content-Length or chunked) and
 *                        X-Body-Sha256: hex SHA-256 of it
 *   /close-after-this    200, body "closing\n", "Connection: close", FIN
 *   anything else        404, body "not found\n"
 *
 * HEAD gets the same headers (Content-Length N for /size/N) and no body
 * bytes; what happens to the connection afterwards is unchanged.
 * /size, /chunked, /slow and /close also carry X-Body-Sha256 when N is at
 * most 64 MiB. Every final response carries "X-Backend: NAME" (--name) and
 * "X-Conn-Req: K", K = 1, 2, ... the request's number on its connection.
 *
 * The pattern: byte i (from 0) of every generated body is
 *     (i * 31 + (i >> 8) * 7 + (i >> 16) * 11 + 7) & 0xff
 * so a body shifted by a byte, 256 bytes or 64 KiB does not match itself.
 * `wpt_backend --pattern N` writes the N-byte body to stdout, so tests get
 * the expected checksum without a second copy of the formula.
 *
 * Requests: request line "METHOD /target HTTP/1.x", header lines with CRLF
 * only, no obs-fold, no control bytes, no space before the colon, header
 * section at most 64 KiB; body framed by Content-Length (digits, repeated
 * only with the same value) or Transfer-Encoding: chunked (exactly that),
 * never both, at most 64 MiB. Anything else is a bad request: 400 with
 * "Connection: close", then FIN. The backend is strict on purpose: an
 * ambiguous request that the appliance lets through shows up here as a 400
 * (and in the bad_requests counter). Expect: 100-continue is answered with
 * an interim 100 before the body is read. Keep-alive by default (HTTP/1.0:
 * only with "Connection: keep-alive"); pipelined requests are answered in
 * order, one at a time.
 *
 * Closing. A FIN close is shutdown(SHUT_WR) and then reading and discarding
 * until the client closes (at most 5 s): closing a socket with unread data
 * makes Linux send RST, which must only happen when we mean it. An RST is
 * SO_LINGER {1, 0} + close; after body bytes it waits (2 ms polls of
 * SIOCOUTQ, at most 1 s) until the kernel's send queue is empty, because an
 * RST discards whatever is still queued.
 *
 * State: everything belongs to the one thread. Connections sit on a list;
 * each has at most one deadline (slow answer, RST poll, linger, idle), and a
 * global lower bound of the deadlines decides when the list is scanned.
 * Counters are written as one JSON object to --stats FILE on SIGUSR1 and on
 * SIGTERM/SIGINT (then exit 0), through a temporary file and rename().
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define HDR_MAX (64u * 1024)
#define BODY_MAX (64ull * 1024 * 1024)
#define TARGET_MAX 4096
#define SIZE_MAX_N (1ull << 40)
#define SHA_MAX_N (64ull * 1024 * 1024)
#define CHUNK_MAX (1024u * 1024)
#define FILL_STEP (256u * 1024)
#define LINGER_MS 5000
#define RST_POLL_MS 2
#define RST_WAIT_MS 1000
#define MAX_LISTEN 16
#define NEVER UINT64_MAX

static inline uint8_t
wpt_pat(uint64_t i)
{
	return (uint8_t)(i * 31 + (i >> 8) * 7 + (i >> 16) * 11 + 7);
}

static void
pat_fill(uint64_t off, uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		p[k] = wpt_pat(off + k);
}

/* ---- byte buffers: pending bytes are [off, len) ---- */

struct buf {
	uint8_t *p;
	size_t off, len, cap;
};

static size_t
buf_pending(const struct buf *b)
{
	return b->len - b->off;
}

static void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

/* Room for `more` bytes at p + len; moves pending bytes to the front first. */
static uint8_t *
buf_room(struct buf *b, size_t more)
{
	if (b->off > 0 && b->len + more > b->cap) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	if (b->len + more > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + more)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (p == NULL) {
			fprintf(stderr, "wpt_backend: out of memory (%zu bytes)\n", cap);
			exit(1);
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

static void
buf_add(struct buf *b, const void *d, size_t n)
{
	memcpy(buf_room(b, n), d, n);
	b->len += n;
}

__attribute__((format(printf, 2, 3))) static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp)) {
		char *big = malloc((size_t)n + 1);
		if (big == NULL)
			exit(1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		buf_add(b, big, (size_t)n);
		free(big);
		return;
	}
	buf_add(b, tmp, (size_t)n);
}

static void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- counters ---- */

static struct {
	uint64_t accepted, closed, requests, responses, interim, bad_requests;
	uint64_t bytes_in, bytes_out, resets_sent, fins_sent, peer_closes, peer_resets;
	uint64_t closed_after_n, idle_closes, send_errors, max_req_per_conn;
	uint64_t by_status[600];
} st;

/* ---- options ---- */

static const char *opt_name = "wpt";
static const char *opt_stats;
static uint64_t opt_close_after;
static uint64_t opt_idle_ms;
static bool opt_quiet;

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- connections ---- */

enum cstate {
	CS_READ,    /* waiting for (the rest of) a request */
	CS_SLOW,    /* a /slow answer waits for its deadline */
	CS_WRITE,   /* output pending, blocked on the socket */
	CS_RSTWAIT, /* waiting for the send queue to drain before RST */
	CS_LINGER,  /* FIN sent, discarding input until the client closes */
};

enum after { AFTER_NEXT, AFTER_FIN, AFTER_RST };

enum ckstate { CK_SIZE, CK_DATA, CK_DATA_END, CK_TRAILER, CK_DONE };

/* One parsed request (request line + the headers we act on). */
struct req {
	bool head, keepalive, expect100, chunked, has_cl;
	uint64_t cl;
	char target[TARGET_MAX];
};

struct gen {
	bool active, chunked;
	uint64_t off, len;
	uint32_t chunk;
};

enum kind { K_LISTEN, K_CONN, K_SIGNAL };

struct conn {
	enum kind kind; /* first: epoll data points at this */
	int fd;
	enum cstate st;
	enum after after;
	uint32_t events;
	uint64_t deadline, rst_give_up;
	uint64_t nreq;
	struct buf in, out;
	struct gen g;
	/* request parse state */
	bool hdr_done, cont_sent;
	size_t hdr_len, scan, body_pos;
	enum ckstate ck;
	uint64_t ck_left;
	struct buf body; /* decoded chunked request body */
	struct req r;
	uint64_t slow_n;
	char peer[128];
	struct conn *prev, *next;
};

struct listener {
	enum kind kind;
	int fd;
	char addr[64];
};

static int ep = -1;
static struct conn *conns;
static uint64_t next_deadline = NEVER;
static struct listener listeners[MAX_LISTEN];
static unsigned int nlisteners;

static void conn_process(struct conn *c);
static bool conn_write(struct conn *c);

static void
arm(struct conn *c, uint64_t when)
{
	c->deadline = when;
	if (when < next_deadline)
		next_deadline = when;
}

static void
update_interest(struct conn *c)
{
	uint32_t want = 0;
	if (c->st == CS_READ || c->st == CS_LINGER)
		want |= EPOLLIN;
	if (buf_pending(&c->out) > 0 || c->st == CS_WRITE)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	struct epoll_event ev = { .events = want, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		fprintf(stderr, "wpt_backend: epoll_ctl MOD: %s\n", strerror(errno));
	c->events = want;
}

static void
conn_free(struct conn *c, const char *how)
{
	if (!opt_quiet)
		printf("conn %s requests=%" PRIu64 " end=%s\n", c->peer, c->nreq, how);
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	st.closed++;
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->body);
	free(c);
}

static void
conn_rst(struct conn *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	st.resets_sent++;
	conn_free(c, "rst");
}

/* RST once the kernel's send queue is empty (or after RST_WAIT_MS).
 * Returns false when c is gone. */
static bool
conn_rst_when_sent(struct conn *c)
{
	int q = 0;
	if (ioctl(c->fd, SIOCOUTQ, &q) < 0 || q == 0 || now_ms() >= c->rst_give_up) {
		conn_rst(c);
		return false;
	}
	c->st = CS_RSTWAIT;
	arm(c, now_ms() + RST_POLL_MS);
	update_interest(c);
	return true;
}

static void
conn_fin(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	st.fins_sent++;
	c->st = CS_LINGER;
	buf_consume(&c->in, buf_pending(&c->in));
	arm(c, now_ms() + LINGER_MS);
	update_interest(c);
}

static void
enter_read(struct conn *c)
{
	c->st = CS_READ;
	c->deadline = 0;
	if (opt_idle_ms)
		arm(c, now_ms() + opt_idle_ms);
	update_interest(c);
}

/* ---- the pattern's SHA-256, cached by length ---- */

static const char *
pattern_sha(uint64_t n)
{
	static struct {
		uint64_t n;
		bool used;
		char hex[2 * crypto_hash_sha256_BYTES + 1];
	} cache[16];
	static unsigned int rr;
	static uint8_t blk[64 * 1024];

	if (n > SHA_MAX_N)
		return NULL;
	for (unsigned int i = 0; i < 16; i++)
		if (cache[i].used && cache[i].n == n)
			return cache[i].hex;
	crypto_hash_sha256_state s;
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&s);
	for (uint64_t off = 0; off < n;) {
		size_t k = n - off < sizeof(blk) ? (size_t)(n - off) : sizeof(blk);
		pat_fill(off, blk, k);
		crypto_hash_sha256_update(&s, blk, k);
		off += k;
	}
	crypto_hash_sha256_final(&s, h);
	unsigned int i = rr++ % 16;
	sodium_bin2hex(cache[i].hex, sizeof(cache[i].hex), h, sizeof(h));
	cache[i].n = n;
	cache[i].used = true;
	return cache[i].hex;
}

/* ---- responses ---- */

static const char *
reason(int code)
{
	switch (code) {
	case 100: return "Continue";
	case 102: return "Processing";
	case 103: return "Early Hints";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

/* Status line and the common headers; the caller adds its own header lines
 * (each ending in CRLF) through `extra`, then the blank line is written. */
__attribute__((format(printf, 4, 5))) static void
resp_head(struct conn *c, int code, bool keep, const char *extra, ...)
{
	buf_printf(&c->out, "HTTP/1.1 %d %s\r\nX-Backend: %s\r\nX-Conn-Req: %" PRIu64 "\r\n",
		   code, reason(code), opt_name, c->nreq);
	if (extra != NULL) {
		char tmp[1024];
		va_list ap;
		va_start(ap, extra);
		vsnprintf(tmp, sizeof(tmp), extra, ap);
		va_end(ap);
		buf_add(&c->out, tmp, strlen(tmp));
	}
	if (!keep)
		buf_add(&c->out, "Connection: close\r\n", 19);
	buf_add(&c->out, "\r\n", 2);
	st.responses++;
	if (code >= 100 && code < 600)
		st.by_status[code]++;
}

static void
gen_start(struct conn *c, uint64_t len, bool chunked, uint32_t chunk)
{
	c->g = (struct gen){ .active = true, .chunked = chunked, .len = len, .chunk = chunk };
}

/* Append up to FILL_STEP generated bytes to the output. */
static void
gen_fill(struct conn *c)
{
	struct gen *g = &c->g;
	size_t budget = FILL_STEP;
	while (g->active && budget > 0) {
		if (g->chunked && g->off == g->len) {
			buf_add(&c->out, "0\r\n\r\n", 5);
			g->active = false;
			break;
		}
		uint64_t left = g->len - g->off;
		size_t n = g->chunked ? (left < g->chunk ? (size_t)left : g->chunk)
				      : (left < budget ? (size_t)left : budget);
		if (g->chunked)
			buf_printf(&c->out, "%zx\r\n", n);
		pat_fill(g->off, buf_room(&c->out, n), n);
		c->out.len += n;
		if (g->chunked)
			buf_add(&c->out, "\r\n", 2);
		g->off += n;
		budget = n >= budget ? 0 : budget - n;
		if (!g->chunked && g->off == g->len)
			g->active = false;
	}
}

static void
add_pattern(struct conn *c, uint64_t off, size_t n)
{
	pat_fill(off, buf_room(&c->out, n), n);
	c->out.len += n;
}

static void
resp_simple(struct conn *c, int code, bool keep, const char *body)
{
	size_t n = strlen(body);
	resp_head(c, code, keep, "Content-Type: text/plain\r\nContent-Length: %zu\r\n", n);
	if (!c->r.head)
		buf_add(&c->out, body, n);
}

static bool
parse_u64(const char *s, const char **end, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s)) {
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > max)
			return false;
		s++;
	}
	*end = s;
	*v = x;
	return true;
}

/* "/size/N" style: the number up to the end of the path (or a '/'). */
static bool
path_num(const char *p, const char **rest, uint64_t max, uint64_t *v)
{
	const char *e;
	if (!parse_u64(p, &e, max, v) || (*e != '\0' && *e != '/'))
		return false;
	*rest = e;
	return true;
}

static void
answer_size(struct conn *c, uint64_t n, bool keep)
{
	const char *sha = pattern_sha(n);
	resp_head(c, 200, keep, "Content-Type: application/octet-stream\r\nContent-Length: %" PRIu64
		  "\r\n%s%s%s", n, sha ? "X-Body-Sha256: " : "", sha ? sha : "", sha ? "\r\n" : "");
	if (!c->r.head)
		gen_start(c, n, false, 0);
}

/* Build the answer to c->r (request number c->nreq) into c->out / c->g and
 * set c->after; the caller sends it. Returns false for a /slow request,
 * which is answered later by answer_slow(). */
static bool
answer(struct conn *c)
{
	struct req *r = &c->r;
	char path[TARGET_MAX];
	const char *rest = "";
	uint64_t n = 0, m = 0;
	bool keep = r->keepalive;

	snprintf(path, sizeof(path), "%s", r->target);
	path[strcspn(path, "?#")] = '\0';
	if (opt_close_after && c->nreq >= opt_close_after) {
		if (keep)
			st.closed_after_n++;
		keep = false;
	}
	c->after = keep ? AFTER_NEXT : AFTER_FIN;

	if (strncmp(path, "/size/", 6) == 0 && path_num(path + 6, &rest, SIZE_MAX_N, &n) &&
	    *rest == '\0') {
		answer_size(c, n, keep);
	} else if (strncmp(path, "/chunked/", 9) == 0 &&
		   path_num(path + 9, &rest, SIZE_MAX_N, &n) &&
		   (*rest == '\0' || (path_num(rest + 1, &rest, CHUNK_MAX, &m) && m > 0 &&
				      *rest == '\0'))) {
		if (path[9 + strcspn(path + 9, "/")] == '\0')
			m = 1000;
		const char *sha = pattern_sha(n);
		resp_head(c, 200, keep, "Content-Type: application/octet-stream\r\n"
			  "Transfer-Encoding: chunked\r\n%s%s%s", sha ? "X-Body-Sha256: " : "",
			  sha ? sha : "", sha ? "\r\n" : "");
		if (!r->head)
			gen_start(c, n, true, (uint32_t)m);
	} else if (strncmp(path, "/close/", 7) == 0 && path_num(path + 7, &rest, SIZE_MAX_N, &n) &&
		   *rest == '\0') {
		const char *sha = pattern_sha(n);
		resp_head(c, 200, false, "Content-Type: application/octet-stream\r\n%s%s%s",
			  sha ? "X-Body-Sha256: " : "", sha ? sha : "", sha ? "\r\n" : "");
		if (!r->head)
			gen_start(c, n, false, 0);
		c->after = AFTER_FIN;
	} else if (strncmp(path, "/slow/", 6) == 0 && path_num(path + 6, &rest, 3600000, &m) &&
		   *rest == '/' && path_num(rest + 1, &rest, SIZE_MAX_N, &n) && *rest == '\0') {
		c->slow_n = n;
		c->st = CS_SLOW;
		arm(c, now_ms() + m);
		update_interest(c);
		return false;
	} else if (strcmp(path, "/reset") == 0) {
		c->after = AFTER_RST;
	} else if (strcmp(path, "/reset-after-headers") == 0) {
		resp_head(c, 200, true, "Content-Type: application/octet-stream\r\n"
			  "Content-Length: 1000\r\n");
		if (!r->head)
			add_pattern(c, 0, 400);
		c->after = AFTER_RST;
	} else if (strcmp(path, "/broken/cl-te") == 0) {
		resp_head(c, 200, keep, "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n");
		if (!r->head) {
			buf_add(&c->out, "64\r\n", 4);
			add_pattern(c, 0, 100);
			buf_add(&c->out, "\r\n0\r\n\r\n", 7);
		}
	} else if (strcmp(path, "/broken/bad-chunk") == 0) {
		resp_head(c, 200, keep, "Transfer-Encoding: chunked\r\n");
		if (!r->head) {
			buf_add(&c->out, "zz\r\n", 4);
			add_pattern(c, 0, 16);
			buf_add(&c->out, "\r\n0\r\n\r\n", 7);
		}
	} else if (strcmp(path, "/broken/dup-cl") == 0) {
		resp_head(c, 200, keep, "Content-Length: 10\r\nContent-Length: 20\r\n");
		if (!r->head)
			add_pattern(c, 0, 20);
	} else if (strcmp(path, "/broken/extra") == 0) {
		resp_head(c, 200, keep, "Content-Length: 10\r\n");
		if (!r->head) {
			static const char smuggled[] = "HTTP/1.1 200 OK\r\nX-Smuggled: yes\r\n"
						       "Content-Length: 8\r\n\r\nsmuggled";
			add_pattern(c, 0, 10);
			buf_add(&c->out, smuggled, sizeof(smuggled) - 1);
		}
	} else if (strcmp(path, "/broken/short") == 0) {
		resp_head(c, 200, true, "Content-Length: 1000\r\n");
		if (!r->head)
			add_pattern(c, 0, 500);
		c->after = AFTER_FIN;
	} else if (strncmp(path, "/status/", 8) == 0 && path_num(path + 8, &rest, 599, &n) &&
		   *rest == '\0' && n >= 100) {
		int code = (int)n;
		if (code < 200) {
			int ic = (code == 102 || code == 103) ? code : 100;
			buf_printf(&c->out, "HTTP/1.1 %d %s\r\n%s\r\n", ic, reason(ic),
				   ic == 103 ? "Link: </size/1>; rel=preload\r\n" : "");
			st.interim++;
			resp_simple(c, 200, keep, "ok\n");
		} else if (code == 204) {
			resp_head(c, 204, keep, NULL);
		} else if (code == 304) {
			resp_head(c, 304, keep, "ETag: \"wpt-304\"\r\n");
		} else {
			char body[32];
			snprintf(body, sizeof(body), "status %d\n", code);
			resp_simple(c, code, keep, body);
		}
	} else if (strcmp(path, "/echo") == 0) {
		const uint8_t *b;
		size_t len;
		uint8_t h[crypto_hash_sha256_BYTES];
		char hex[2 * crypto_hash_sha256_BYTES + 1];
		if (r->chunked) {
			b = c->body.p ? c->body.p + c->body.off : (const uint8_t *)"";
			len = buf_pending(&c->body);
		} else {
			b = c->in.p + c->in.off + c->hdr_len;
			len = (size_t)r->cl;
		}
		crypto_hash_sha256(h, b, len);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		resp_head(c, 200, keep, "Content-Type: application/octet-stream\r\n"
			  "Content-Length: %zu\r\nX-Body-Sha256: %s\r\n", len, hex);
		if (!r->head && len > 0)
			buf_add(&c->out, b, len);
	} else if (strcmp(path, "/close-after-this") == 0) {
		resp_simple(c, 200, false, "closing\n");
		c->after = AFTER_FIN;
	} else {
		resp_simple(c, 404, keep, "not found\n");
	}
	return true;
}

static void
answer_slow(struct conn *c)
{
	bool keep = c->r.keepalive;
	if (opt_close_after && c->nreq >= opt_close_after) {
		if (keep)
			st.closed_after_n++;
		keep = false;
	}
	c->after = keep ? AFTER_NEXT : AFTER_FIN;
	answer_size(c, c->slow_n, keep);
	c->st = CS_WRITE;
	c->deadline = 0;
	if (conn_write(c))
		conn_process(c);
}

/* ---- request parsing ---- */

static bool
is_tchar(unsigned char ch)
{
	return isalnum(ch) || (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static bool
token_in_list(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return true;
	}
	return false;
}

/* Parse the header section c->in[off, off + hdr_len) into c->r.
 * Returns 0 or -1 (bad request). */
static int
parse_head(struct conn *c)
{
	const char *p = (const char *)c->in.p + c->in.off;
	const char *end = p + c->hdr_len - 2; /* keep the last line's CRLF */
	struct req *r = &c->r;
	bool http10, te = false, conn_close = false, conn_ka = false;

	memset(r, 0, sizeof(*r));
	/* every CR is followed by LF and every LF preceded by CR */
	for (const char *q = p; q < end; q++) {
		if (*q == '\r' && q[1] != '\n')
			return -1;
		if (*q == '\n' && (q == p || q[-1] != '\r'))
			return -1;
	}
	const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	if (eol == NULL)
		return -1;
	/* request line: METHOD SP target SP HTTP/1.x */
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (sp1 == NULL || sp1 == p || sp1 - p > 16)
		return -1;
	for (const char *q = p; q < sp1; q++)
		if (!is_tchar((unsigned char)*q))
			return -1;
	r->head = (sp1 - p == 4 && memcmp(p, "HEAD", 4) == 0);
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', (size_t)(eol - t));
	if (sp2 == NULL || sp2 == t || *t != '/' || (size_t)(sp2 - t) >= TARGET_MAX)
		return -1;
	for (const char *q = t; q < sp2; q++)
		if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f)
			return -1;
	memcpy(r->target, t, (size_t)(sp2 - t));
	r->target[sp2 - t] = '\0';
	if (eol - (sp2 + 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return -1;
	http10 = sp2[8] == '0';

	for (const char *l = eol + 2; l < end; l = eol + 2) {
		eol = memmem(l, (size_t)(end + 2 - l), "\r\n", 2);
		if (eol == NULL)
			return -1;
		const char *colon = memchr(l, ':', (size_t)(eol - l));
		if (colon == NULL || colon == l) /* also obs-fold: leading SP/HT */
			return -1;
		for (const char *q = l; q < colon; q++)
			if (!is_tchar((unsigned char)*q))
				return -1;
		const char *v = colon + 1, *ve = eol;
		for (const char *q = v; q < ve; q++) {
			unsigned char ch = (unsigned char)*q;
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return -1;
		}
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t nl = (size_t)(colon - l), vl = (size_t)(ve - v);
		if (nl == 14 && strncasecmp(l, "Content-Length", 14) == 0) {
			uint64_t x = 0;
			if (vl == 0 || vl > 19)
				return -1;
			for (size_t i = 0; i < vl; i++) {
				if (!isdigit((unsigned char)v[i]))
					return -1;
				x = x * 10 + (uint64_t)(v[i] - '0');
			}
			if (r->has_cl && x != r->cl)
				return -1;
			r->has_cl = true;
			r->cl = x;
		} else if (nl == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
			if (te || vl != 7 || strncasecmp(v, "chunked", 7) != 0)
				return -1;
			te = true;
		} else if (nl == 10 && strncasecmp(l, "Connection", 10) == 0) {
			conn_close |= token_in_list(v, vl, "close");
			conn_ka |= token_in_list(v, vl, "keep-alive");
		} else if (nl == 6 && strncasecmp(l, "Expect", 6) == 0) {
			if (vl == 12 && strncasecmp(v, "100-continue", 12) == 0)
				r->expect100 = true;
		}
	}
	if (te && r->has_cl)
		return -1;
	if (r->has_cl && r->cl > BODY_MAX)
		return -1;
	r->chunked = te;
	r->keepalive = !conn_close && (!http10 || conn_ka);
	return 0;
}

/* Decode more of a chunked request body from c->in at c->body_pos.
 * Returns 1 when complete, 0 for more input, -1 when malformed. */
static int
parse_chunked(struct conn *c)
{
	const char *base = (const char *)c->in.p + c->in.off;
	size_t have = buf_pending(&c->in);

	for (;;) {
		const char *p = base + c->body_pos;
		size_t left = have - c->body_pos;
		const char *eol;
		switch (c->ck) {
		case CK_SIZE:
			eol = memmem(p, left, "\r\n", 2);
			if (eol == NULL)
				return left > 1024 ? -1 : 0;
			{
				uint64_t x = 0;
				const char *q = p;
				if (!isxdigit((unsigned char)*q))
					return -1;
				for (; q < eol && isxdigit((unsigned char)*q); q++) {
					int d = isdigit((unsigned char)*q) ? *q - '0'
									 : (tolower((unsigned char)*q) - 'a' + 10);
					x = x * 16 + (uint64_t)d;
					if (x > BODY_MAX)
						return -1;
				}
				while (q < eol && (*q == ' ' || *q == '\t'))
					q++;
				if (q < eol && *q != ';')
					return -1;
				for (; q < eol; q++)
					if ((unsigned char)*q < 0x20 && *q != '\t')
						return -1;
				if (buf_pending(&c->body) + x > BODY_MAX)
					return -1;
				c->ck_left = x;
				c->body_pos += (size_t)(eol + 2 - p);
				c->ck = x == 0 ? CK_TRAILER : CK_DATA;
			}
			break;
		case CK_DATA: {
			size_t k = left < c->ck_left ? left : (size_t)c->ck_left;
			if (k == 0)
				return 0;
			buf_add(&c->body, p, k);
			c->ck_left -= k;
			c->body_pos += k;
			if (c->ck_left == 0)
				c->ck = CK_DATA_END;
			break;
		}
		case CK_DATA_END:
			if (left < 2)
				return 0;
			if (p[0] != '\r' || p[1] != '\n')
				return -1;
			c->body_pos += 2;
			c->ck = CK_SIZE;
			break;
		case CK_TRAILER:
			eol = memmem(p, left, "\r\n", 2);
			if (eol == NULL)
				return left > HDR_MAX ? -1 : 0;
			c->body_pos += (size_t)(eol + 2 - p);
			if (eol == p) {
				c->ck = CK_DONE;
				return 1;
			}
			break;
		case CK_DONE:
			return 1;
		}
	}
}

static void
bad_request(struct conn *c)
{
	st.bad_requests++;
	c->nreq++;
	c->r.head = false;
	resp_simple(c, 400, false, "bad request\n");
	c->after = AFTER_FIN;
	c->g.active = false;
	c->st = CS_WRITE;
	conn_write(c); /* ends in a FIN close; nothing more is parsed */
}

static void
reset_parse(struct conn *c)
{
	c->hdr_done = false;
	c->cont_sent = false;
	c->hdr_len = c->scan = c->body_pos = 0;
	c->ck = CK_SIZE;
	c->ck_left = 0;
	buf_consume(&c->body, buf_pending(&c->body));
}

/* Parse and answer the buffered requests while the connection is idle. */
static void
conn_process(struct conn *c)
{
	while (c->st == CS_READ && buf_pending(&c->in) > 0) {
		size_t have = buf_pending(&c->in);
		const uint8_t *p = c->in.p + c->in.off;
		size_t used;

		if (!c->hdr_done) {
			size_t from = c->scan > 3 ? c->scan - 3 : 0;
			const uint8_t *e = memmem(p + from, have - from, "\r\n\r\n", 4);
			if (e == NULL) {
				c->scan = have;
				if (have > HDR_MAX)
					bad_request(c);
				return;
			}
			c->hdr_len = (size_t)(e - p) + 4;
			if (c->hdr_len > HDR_MAX || parse_head(c) < 0) {
				bad_request(c);
				return;
			}
			c->hdr_done = true;
			c->body_pos = c->hdr_len;
		}
		if (c->r.chunked) {
			int rc = parse_chunked(c);
			if (rc < 0) {
				bad_request(c);
				return;
			}
			if (rc == 0)
				goto need_more;
			used = c->body_pos;
		} else {
			if (have < c->hdr_len + c->r.cl)
				goto need_more;
			used = c->hdr_len + (size_t)c->r.cl;
		}
		/* a complete request */
		c->nreq++;
		st.requests++;
		if (c->nreq > st.max_req_per_conn)
			st.max_req_per_conn = c->nreq;
		c->g.active = false;
		bool now = answer(c);
		buf_consume(&c->in, used);
		reset_parse(c);
		if (!now)
			return; /* /slow: answered by the timer */
		c->st = CS_WRITE;
		c->deadline = 0;
		if (!conn_write(c))
			return;
		continue; /* the next pipelined request, if c is reading again */
	need_more:
		if (c->r.expect100 && !c->cont_sent) {
			buf_add(&c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			c->cont_sent = true;
			st.interim++;
			conn_write(c);
		}
		return;
	}
}

/* Send what is pending; when a response is complete, do what follows it
 * (back to reading: the caller runs conn_process, so pipelined requests
 * loop instead of recursing). Returns false when c is gone. */
static bool
conn_write(struct conn *c)
{
	for (;;) {
		if (buf_pending(&c->out) == 0 && c->g.active)
			gen_fill(c);
		size_t n = buf_pending(&c->out);
		if (n == 0)
			break;
		ssize_t k = send(c->fd, c->out.p + c->out.off, n, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				update_interest(c);
				return true;
			}
			if (errno == EINTR)
				continue;
			st.send_errors++;
			conn_free(c, "send-error");
			return false;
		}
		st.bytes_out += (uint64_t)k;
		buf_consume(&c->out, (size_t)k);
	}
	if (c->st != CS_WRITE) { /* an interim 100 while reading */
		update_interest(c);
		return true;
	}
	switch (c->after) {
	case AFTER_NEXT:
		enter_read(c);
		return true;
	case AFTER_FIN:
		conn_fin(c);
		return true;
	case AFTER_RST:
		c->rst_give_up = now_ms() + RST_WAIT_MS;
		return conn_rst_when_sent(c);
	}
	return true;
}

static void
conn_read(struct conn *c)
{
	for (unsigned int round = 0;; round++) {
		if (c->st == CS_LINGER) {
			char junk[16384];
			ssize_t k = recv(c->fd, junk, sizeof(junk), 0);
			if (k > 0) {
				st.bytes_in += (uint64_t)k;
				if (round < 64)
					continue;
				return; /* level-triggered: the rest next round */
			}
			if (k < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			conn_free(c, "fin");
			return;
		}
		if (c->st != CS_READ)
			return;
		if (buf_pending(&c->in) > HDR_MAX + BODY_MAX + 4096) {
			bad_request(c);
			return;
		}
		ssize_t k = recv(c->fd, buf_room(&c->in, 65536), 65536, 0);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				st.peer_resets++;
			conn_free(c, errno == ECONNRESET ? "peer-rst" : "recv-error");
			return;
		}
		if (k == 0) {
			st.peer_closes++;
			conn_free(c, buf_pending(&c->in) ? "peer-fin-mid-request" : "peer-fin");
			return;
		}
		st.bytes_in += (uint64_t)k;
		c->in.len += (size_t)k;
		if (opt_idle_ms)
			arm(c, now_ms() + opt_idle_ms);
		conn_process(c);
		return; /* level-triggered: more comes with the next event */
	}
}

static void
conn_timer(struct conn *c)
{
	c->deadline = 0;
	switch (c->st) {
	case CS_SLOW:
		answer_slow(c);
		break;
	case CS_RSTWAIT:
		(void)conn_rst_when_sent(c);
		break;
	case CS_LINGER:
		conn_free(c, "fin-linger-timeout");
		break;
	case CS_READ:
		st.idle_closes++;
		conn_fin(c);
		break;
	case CS_WRITE:
		break;
	}
}

static void
run_timers(void)
{
	uint64_t now = now_ms();
	if (now < next_deadline)
		return;
	next_deadline = NEVER;
	struct conn *c = conns;
	while (c != NULL) {
		struct conn *nx = c->next; /* c may be freed */
		if (c->deadline != 0 && c->deadline <= now)
			conn_timer(c);
		c = nx;
	}
	for (c = conns; c != NULL; c = c->next)
		if (c->deadline != 0 && c->deadline < next_deadline)
			next_deadline = c->deadline;
}

static void
do_accept(struct listener *l)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(l->fd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				fprintf(stderr, "wpt_backend: accept: %s\n", strerror(errno));
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->kind = K_CONN;
		c->fd = fd;
		c->ck = CK_SIZE;
		char ip[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
		snprintf(c->peer, sizeof(c->peer), "%s:%u->%s", ip, ntohs(sa.sin_port), l->addr);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			fprintf(stderr, "wpt_backend: epoll_ctl ADD: %s\n", strerror(errno));
			close(fd);
			free(c);
			continue;
		}
		c->events = EPOLLIN;
		c->next = conns;
		if (conns)
			conns->prev = c;
		conns = c;
		st.accepted++;
		enter_read(c);
	}
}

/* ---- stats ---- */

static void
write_stats(void)
{
	if (opt_stats == NULL)
		return;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt_stats);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "wpt_backend: cannot write %s: %s\n", tmp, strerror(errno));
		return;
	}
	uint64_t open_now = 0;
	for (struct conn *c = conns; c; c = c->next)
		open_now++;
	fprintf(f, "{\"name\": \"%s\", \"pid\": %d, \"connections_accepted\": %" PRIu64
		", \"connections_open\": %" PRIu64 ", \"connections_closed\": %" PRIu64
		", \"requests\": %" PRIu64 ", \"responses\": %" PRIu64
		", \"interim_responses\": %" PRIu64 ", \"bad_requests\": %" PRIu64
		", \"bytes_in\": %" PRIu64 ", \"bytes_out\": %" PRIu64
		", \"resets_sent\": %" PRIu64 ", \"fins_sent\": %" PRIu64
		", \"peer_closes\": %" PRIu64 ", \"peer_resets\": %" PRIu64
		", \"closed_after_n\": %" PRIu64
		", \"idle_closes\": %" PRIu64 ", \"send_errors\": %" PRIu64
		", \"max_requests_per_connection\": %" PRIu64 ", \"responses_by_status\": {",
		opt_name, (int)getpid(), st.accepted, open_now, st.closed, st.requests,
		st.responses, st.interim, st.bad_requests, st.bytes_in, st.bytes_out,
		st.resets_sent, st.fins_sent, st.peer_closes, st.peer_resets, st.closed_after_n, st.idle_closes,
		st.send_errors, st.max_req_per_conn);
	const char *sep = "";
	for (int i = 100; i < 600; i++) {
		if (st.by_status[i] == 0)
			continue;
		fprintf(f, "%s\"%d\": %" PRIu64, sep, i, st.by_status[i]);
		sep = ", ";
	}
	fprintf(f, "}}\n");
	if (fclose(f) != 0 || rename(tmp, opt_stats) != 0)
		fprintf(stderr, "wpt_backend: cannot write %s: %s\n", opt_stats, strerror(errno));
}

/* ---- set-up ---- */

static void
usage(FILE *o)
{
	fprintf(o,
		"usage: wpt_backend --listen IP:PORT [--listen IP:PORT ...] [options]\n"
		"       wpt_backend --pattern N      (write the N-byte test body to stdout)\n"
		"  --listen IP:PORT   listen there (IPv4; repeatable, up to %d)\n"
		"  --name NAME        X-Backend header value (default wpt)\n"
		"  --close-after N    close a connection after its Nth response\n"
		"                     (\"Connection: close\" on it, then FIN)\n"
		"  --idle-timeout MS  FIN-close connections idle for MS milliseconds\n"
		"  --stats FILE       JSON counters, written on SIGUSR1 and SIGTERM/SIGINT\n"
		"  --quiet            no per-connection lines on stdout\n"
		"Prints \"ready name=NAME listen=...\" when it listens. Paths: see the\n"
		"comment at the top of wpt_backend.c.\n", MAX_LISTEN);
}

static int
add_listener(const char *spec)
{
	char ip[64];
	const char *colon = strrchr(spec, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint64_t port;
	const char *e;

	if (nlisteners == MAX_LISTEN || colon == NULL || (size_t)(colon - spec) >= sizeof(ip)) {
		fprintf(stderr, "wpt_backend: bad --listen '%s' (IP:PORT)\n", spec);
		return -1;
	}
	memcpy(ip, spec, (size_t)(colon - spec));
	ip[colon - spec] = '\0';
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1 || !parse_u64(colon + 1, &e, 65535, &port) ||
	    *e != '\0') {
		fprintf(stderr, "wpt_backend: bad --listen '%s' (IP:PORT)\n", spec);
		return -1;
	}
	sa.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4096) < 0) {
		fprintf(stderr, "wpt_backend: listen on %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct listener *l = &listeners[nlisteners++];
	l->kind = K_LISTEN;
	l->fd = fd;
	snprintf(l->addr, sizeof(l->addr), "%s", spec);
	return 0;
}

static int
write_pattern(uint64_t n)
{
	static uint8_t blk[64 * 1024];
	for (uint64_t off = 0; off < n;) {
		size_t k = n - off < sizeof(blk) ? (size_t)(n - off) : sizeof(blk);
		pat_fill(off, blk, k);
		if (fwrite(blk, 1, k, stdout) != k)
			return 1;
		off += k;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *e;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--quiet") == 0) {
			opt_quiet = true;
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "wpt_backend: %s needs a value\n", a);
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "--pattern") == 0) {
			uint64_t n;
			if (!parse_u64(v, &e, SIZE_MAX_N, &n) || *e != '\0') {
				fprintf(stderr, "wpt_backend: bad --pattern '%s'\n", v);
				return 2;
			}
			return write_pattern(n);
		} else if (strcmp(a, "--listen") == 0) {
			if (add_listener(v) < 0)
				return 2;
		} else if (strcmp(a, "--name") == 0) {
			opt_name = v;
		} else if (strcmp(a, "--stats") == 0) {
			opt_stats = v;
		} else if (strcmp(a, "--close-after") == 0) {
			if (!parse_u64(v, &e, UINT32_MAX, &opt_close_after) || *e != '\0') {
				fprintf(stderr, "wpt_backend: bad --close-after '%s'\n", v);
				return 2;
			}
		} else if (strcmp(a, "--idle-timeout") == 0) {
			if (!parse_u64(v, &e, 86400000, &opt_idle_ms) || *e != '\0') {
				fprintf(stderr, "wpt_backend: bad --idle-timeout '%s'\n", v);
				return 2;
			}
		} else {
			fprintf(stderr, "wpt_backend: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (nlisteners == 0) {
		usage(stderr);
		return 2;
	}
	for (const char *q = opt_name; *q; q++)
		if (!is_tchar((unsigned char)*q)) {
			fprintf(stderr, "wpt_backend: --name must be a token\n");
			return 2;
		}
	if (sodium_init() < 0) {
		fprintf(stderr, "wpt_backend: sodium_init failed\n");
		return 1;
	}

	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct listener sig = { .kind = K_SIGNAL };
	sig.fd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sig.fd < 0 || ep < 0) {
		fprintf(stderr, "wpt_backend: signalfd/epoll: %s\n", strerror(errno));
		goto out;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &sig };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sig.fd, &ev) < 0)
		goto out;
	for (unsigned int i = 0; i < nlisteners; i++) {
		ev = (struct epoll_event){ .events = EPOLLIN, .data.ptr = &listeners[i] };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, listeners[i].fd, &ev) < 0)
			goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready name=%s pid=%d listen=", opt_name, (int)getpid());
	for (unsigned int i = 0; i < nlisteners; i++)
		printf("%s%s", i ? "," : "", listeners[i].addr);
	printf("\n");

	for (;;) {
		struct epoll_event evs[256];
		int timeout = -1;
		if (next_deadline != NEVER) {
			uint64_t now = now_ms();
			timeout = next_deadline <= now ? 0 : (int)(next_deadline - now > 60000 ? 60000
								   : next_deadline - now);
		}
		int n = epoll_wait(ep, evs, 256, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "wpt_backend: epoll_wait: %s\n", strerror(errno));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			enum kind k = *(enum kind *)evs[i].data.ptr;
			if (k == K_LISTEN) {
				do_accept(evs[i].data.ptr);
			} else if (k == K_SIGNAL) {
				struct signalfd_siginfo si;
				while (read(sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					write_stats();
					if (si.ssi_signo != SIGUSR1) {
						rc = 0;
						goto out;
					}
				}
			} else {
				struct conn *c = evs[i].data.ptr;
				uint32_t e2 = evs[i].events;
				if ((e2 & EPOLLOUT) && (c->st == CS_WRITE || buf_pending(&c->out))) {
					/* a response, or an interim 100 while reading */
					bool writing = c->st == CS_WRITE;
					if (conn_write(c) && writing && c->st == CS_READ)
						conn_process(c);
					continue; /* c may be gone; reads come next round */
				}
				if (e2 & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
					if (c->st == CS_READ || c->st == CS_LINGER)
						conn_read(c);
					else if (e2 & (EPOLLERR | EPOLLHUP))
						conn_free(c, "error");
				}
			}
		}
		run_timers();
	}
out:
	while (conns)
		conn_free(conns, "exit");
	for (unsigned int i = 0; i < nlisteners; i++)
		close(listeners[i].fd);
	if (sig.fd >= 0)
		close(sig.fd);
	if (ep >= 0)
		close(ep);
	return rc;
}
