/* SPDX-License-Identifier: BSD-3-Clause */
/* Table-driven tests of the HTTP/1.1 framer (src/proto/http1.c, contract
 * include/warmpool/http1.h).
 *
 * Every row is a message (or a pipelined stream) with its expected result:
 * the error reason, or the consumed byte count and every result field.
 * Each row is then fed again split at every point and one byte at a time,
 * and must give the identical result. Rows cover every error reason (a
 * test checks the table reaches all of them), every framing of requests
 * and responses, limits at the boundary and one past it, and a table of
 * request-smuggling vectors that must all be refused. feed_mbuf is run
 * over multi-segment chains from an EAL --no-huge mempool and must match
 * the flat result.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <warmpool/http1.h>

#include "../wp_test.h"

#define REQ WP_HTTP1_REQUEST
#define RSP WP_HTTP1_RESPONSE
#define M(s) .msg = (s), .len = sizeof(s) - 1

enum { B_NONE = WP_HTTP1_BODY_NONE, B_LEN = WP_HTTP1_BODY_LENGTH,
       B_CHUNKED = WP_HTTP1_BODY_CHUNKED, B_CLOSE = WP_HTTP1_BODY_CLOSE };

static struct rte_mempool *mp;

/* ---------------- running a message ---------------- */

/* Everything observable after feeding a row. */
struct snap {
	long rc;              /* bytes consumed in total, or -EBADMSG */
	int eof_rc;           /* wp_http1_eof() result, if called */
	int again_rc;         /* a feed after done, if asked */
	uint16_t err, status;
	uint8_t method, version_minor, body;
	bool headers_done, done, keep_alive, expect_continue;
	uint64_t content_length, head_bytes, msg_bytes;
	uint32_t interim;
};

struct row {
	const char *name;
	uint8_t kind;
	uint8_t reqm;                     /* responses: the request's method */
	const struct wp_http1_limits *lim;
	const char *msg;
	size_t len;
	bool eof;                         /* call wp_http1_eof() after feeding */
	bool again;                       /* feed one more byte after done */
	/* expected */
	uint16_t err;
	long consumed;                    /* 0: the whole input */
	uint8_t body;
	uint64_t cl;
	bool ka, expect;
	uint8_t method;
	uint16_t status;
	uint32_t interim;
	uint64_t head;                    /* 0: up to the first empty line */
	bool not_done;                    /* close-delimited, no eof: not done */
};

/* Feed `len` bytes cut at cuts[0..n) (ascending), stopping at done or an
 * error, as a caller would. */
static struct snap
run(const struct row *r, const size_t *cuts, size_t ncuts)
{
	struct wp_http1 h;
	struct snap s;
	const uint8_t *p = (const uint8_t *)r->msg;
	size_t at = 0;
	long total = 0, rc = 0;

	memset(&s, 0, sizeof(s));
	wp_http1_init(&h, r->kind, r->reqm, r->lim);
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : r->len;
		rc = wp_http1_feed(&h, p + at, end - at);
		if (rc < 0)
			break;
		assert_true((size_t)rc <= end - at);
		total += rc;
		if (h.done) {
			break;
		}
		assert_int_equal(rc, end - at);   /* short only when done */
		at = end;
	}
	s.rc = rc < 0 ? rc : total;
	s.eof_rc = 1;
	if (r->eof)
		s.eof_rc = wp_http1_eof(&h);
	s.again_rc = 1;
	if (r->again)
		s.again_rc = (int)wp_http1_feed(&h, (const uint8_t *)"x", 1);
	s.err = h.err;
	s.status = h.status;
	s.method = h.method;
	s.version_minor = h.version_minor;
	s.body = h.body;
	s.headers_done = h.headers_done;
	s.done = h.done;
	s.keep_alive = h.keep_alive;
	s.expect_continue = h.expect_continue;
	s.content_length = h.content_length;
	s.head_bytes = h.head_bytes;
	s.msg_bytes = h.msg_bytes;
	s.interim = h.interim;
	return s;
}

static void
print_snap(const char *what, const struct snap *s)
{
	print_message("  %s: rc %ld eof %d again %d err %s status %u method %u v1.%u body %u "
		      "hd %d done %d ka %d expect %d cl %llu head %llu msg %llu interim %u\n",
		      what, s->rc, s->eof_rc, s->again_rc,
		      wp_http1_err_name((enum wp_http1_err)s->err), s->status,
		      s->method, s->version_minor, s->body, s->headers_done, s->done,
		      s->keep_alive, s->expect_continue,
		      (unsigned long long)s->content_length,
		      (unsigned long long)s->head_bytes,
		      (unsigned long long)s->msg_bytes, s->interim);
}

static bool
snap_eq(const struct snap *a, const struct snap *b)
{
	return a->rc == b->rc && a->eof_rc == b->eof_rc && a->again_rc == b->again_rc &&
	       a->err == b->err && a->status == b->status && a->method == b->method &&
	       a->version_minor == b->version_minor && a->body == b->body &&
	       a->headers_done == b->headers_done && a->done == b->done &&
	       a->keep_alive == b->keep_alive && a->expect_continue == b->expect_continue &&
	       a->content_length == b->content_length && a->head_bytes == b->head_bytes &&
	       a->msg_bytes == b->msg_bytes && a->interim == b->interim;
}

/* The expected result of a row, as a snapshot. */
static struct snap
expected(const struct row *r)
{
	struct snap s;

	memset(&s, 0, sizeof(s));
	s.eof_rc = 1;
	s.again_rc = 1;
	s.err = r->err;
	if (r->err != WP_HTTP1_OK) {
		/* only err and rc are prescribed; compare those */
		s.rc = r->err == WP_HTTP1_E_TRUNCATED || r->err == WP_HTTP1_E_AFTER_DONE ?
		       (long)(r->consumed ? r->consumed : (long)r->len) : -EBADMSG;
		if (r->eof)   /* eof after a close-delimited body is fine */
			s.eof_rc = r->err == WP_HTTP1_E_AFTER_DONE ? 0 : -EBADMSG;
		if (r->again)
			s.again_rc = -EBADMSG;
		return s;
	}
	s.rc = r->consumed ? r->consumed : (long)r->len;
	if (r->eof)
		s.eof_rc = 0;
	s.status = r->status;
	s.method = r->kind == RSP ? r->reqm : r->method;
	s.body = r->body;
	s.headers_done = true;
	s.done = !r->not_done;
	s.keep_alive = r->ka;
	s.expect_continue = r->expect;
	s.content_length = r->cl;
	if (r->head) {
		s.head_bytes = r->head;
	} else {
		const char *e = strstr(r->msg, "\r\n\r\n");
		assert_non_null(e);
		s.head_bytes = (uint64_t)(e - r->msg) + 4;
	}
	s.msg_bytes = (uint64_t)s.rc;
	s.interim = r->interim;
	/* every valid row uses one version throughout */
	const char *v = strstr(r->msg, "HTTP/1.");
	assert_non_null(v);
	s.version_minor = (uint8_t)(v[7] - '0');
	return s;
}

/* Compare only what an error row prescribes. */
static bool
err_match(const struct snap *want, const struct snap *got)
{
	return want->err == got->err && want->rc == got->rc &&
	       want->eof_rc == got->eof_rc && want->again_rc == got->again_rc &&
	       !(got->done && got->err != WP_HTTP1_E_AFTER_DONE);
}

static void
check_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct snap want = expected(r), whole = run(r, NULL, 0);
		bool ok = r->err ? err_match(&want, &whole) : snap_eq(&want, &whole);

		if (!ok) {
			print_message("row '%s'\n", r->name);
			print_snap("want", &want);
			print_snap("got ", &whole);
			fail_msg("row '%s' differs from its expectation", r->name);
		}

		/* every two-piece split, then one byte at a time */
		for (size_t k = 0; k <= r->len; k++) {
			struct snap s = run(r, &k, 1);
			if (!snap_eq(&whole, &s)) {
				print_message("row '%s' split at %zu\n", r->name, k);
				print_snap("whole", &whole);
				print_snap("split", &s);
				fail_msg("row '%s': split at %zu differs", r->name, k);
			}
		}
		size_t *cuts = malloc((r->len + 1) * sizeof(*cuts));
		assert_non_null(cuts);
		for (size_t k = 0; k < r->len; k++)
			cuts[k] = k + 1;
		struct snap b = run(r, cuts, r->len ? r->len - 1 : 0);
		free(cuts);
		if (!snap_eq(&whole, &b)) {
			print_snap("whole", &whole);
			print_snap("bytes", &b);
			fail_msg("row '%s': byte-at-a-time differs", r->name);
		}
	}
}

/* ---------------- limits used by rows ---------------- */

static const struct wp_http1_limits lim_small = {
	.max_line = 32, .max_header_bytes = 64, .max_headers = 3,
};

/* ---------------- requests ---------------- */

static const struct row req_ok[] = {
	{ "get", REQ, M("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "get no headers", REQ, M("GET /x?y=1 HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "get http/1.0", REQ, M("GET / HTTP/1.0\r\n\r\n"),
	  .body = B_NONE, .ka = false, .method = WP_HTTP1_M_GET },
	{ "1.0 keep-alive", REQ, M("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "1.1 close", REQ, M("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"),
	  .body = B_NONE, .ka = false, .method = WP_HTTP1_M_GET },
	{ "1.1 close in a list", REQ,
	  M("GET / HTTP/1.1\r\nconnection:\tfoo , ,CLOSE \t\r\n\r\n"),
	  .body = B_NONE, .ka = false, .method = WP_HTTP1_M_GET },
	{ "close wins over keep-alive", REQ,
	  M("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"),
	  .body = B_NONE, .ka = false, .method = WP_HTTP1_M_GET },
	{ "connection junk ignored", REQ,
	  M("GET / HTTP/1.1\r\nConnection: \"close\", clo se, closer, upgrade\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "connection-ish names ignored", REQ,
	  M("GET / HTTP/1.1\r\nConnectio: close\r\nConnections: close\r\n"
	    "Con: close\r\nContent-Lengthy: x\r\nTransfer-Encodin: x\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "head", REQ, M("HEAD /a HTTP/1.1\r\nHost: a\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_HEAD },
	{ "post cl", REQ, M("POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
	  .body = B_LEN, .cl = 5, .ka = true, .method = WP_HTTP1_M_POST },
	{ "post cl ows, leading zeros", REQ,
	  M("POST /p HTTP/1.1\r\ncontent-length:\t 005 \t\r\n\r\nhello"),
	  .body = B_LEN, .cl = 5, .ka = true, .method = WP_HTTP1_M_POST },
	{ "post cl 0", REQ, M("POST /p HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
	  .body = B_LEN, .cl = 0, .ka = true, .method = WP_HTTP1_M_POST },
	{ "cl 2^62 accepted", REQ,
	  M("PUT / HTTP/1.1\r\nContent-Length: 4611686018427387904\r\n\r\n"),
	  .body = B_LEN, .cl = UINT64_C(4611686018427387904), .ka = true,
	  .method = WP_HTTP1_M_PUT, .not_done = true },
	{ "pipelined: consumed stops at the end", REQ,
	  M("POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n"),
	  .consumed = 42, .body = B_LEN, .cl = 3, .ka = true, .method = WP_HTTP1_M_POST },
	{ "chunked", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"),
	  .body = B_CHUNKED, .ka = true, .method = WP_HTTP1_M_POST },
	{ "chunked ext and trailers, pipelined", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
	    "5;name=val;q=\"a b\\\"c\"\r\nhello\r\n00a ; x\r\n0123456789\r\n"
	    "000;last\r\nX-Sum: 1\r\nX-Other:\t2 \r\n\r\nGET"),
	  .consumed = 133, .body = B_CHUNKED, .ka = true, .method = WP_HTTP1_M_POST },
	{ "te list with empty elements", REQ,
	  M("PATCH / HTTP/1.1\r\nTransfer-Encoding: , chunked ,\t\r\n\r\n0\r\n\r\n"),
	  .body = B_CHUNKED, .ka = true, .method = WP_HTTP1_M_PATCH },
	{ "chunk size lower and upper hex", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "a\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n"),
	  .body = B_CHUNKED, .ka = true, .method = WP_HTTP1_M_POST },
	{ "expect 100-continue", REQ,
	  M("PUT /u HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok"),
	  .body = B_LEN, .cl = 2, .ka = true, .expect = true, .method = WP_HTTP1_M_PUT },
	{ "other expectation", REQ,
	  M("PUT /u HTTP/1.1\r\nExpect: 100-continuex\r\nContent-Length: 2\r\n\r\nok"),
	  .body = B_LEN, .cl = 2, .ka = true, .method = WP_HTTP1_M_PUT },
	{ "field values: obs-text, htab, empty, trailing ows", REQ,
	  M("GET / HTTP/1.1\r\nX-A: caf\xc3\xa9\t!~\r\nX-Empty:\r\nX-B:   \r\n"
	    "!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "target with every visible byte", REQ,
	  M("OPTIONS *!\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~ HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_OPTIONS },
	{ "delete", REQ, M("DELETE /d HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_DELETE },
	{ "trace", REQ, M("TRACE / HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_TRACE },
	{ "unknown method", REQ, M("PROPFIND / HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_OTHER },
	{ "methods are case-sensitive", REQ, M("get / HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_OTHER },
	{ "long method token", REQ, M("GETGETGETGETGETGETGET / HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_OTHER },
	{ "method GETX", REQ, M("GETX / HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_OTHER },
	/* limits at exactly the boundary (lim_small: line 32, head 64, 3 fields) */
	{ "line exactly max_line", REQ, .lim = &lim_small,
	  M("GET /aaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "head exactly max_header_bytes", REQ, .lim = &lim_small,
	  M("GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "exactly max_headers", REQ, .lim = &lim_small,
	  M("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
	  .body = B_NONE, .ka = true, .method = WP_HTTP1_M_GET },
	{ "trailers count in max_headers: exactly", REQ, .lim = &lim_small,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n"),
	  .body = B_CHUNKED, .ka = true, .method = WP_HTTP1_M_POST },
	{ "chunk line exactly max_line", REQ, .lim = &lim_small,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1;aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nx\r\n0\r\n\r\n"),
	  .body = B_CHUNKED, .ka = true, .method = WP_HTTP1_M_POST },
};

/* One row (at least) per error reason; the smuggling table adds more. */
static const struct row req_err[] = {
	{ "empty method", REQ, M(" / HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_METHOD },
	{ "non-token in method", REQ, M("GE(T / HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_METHOD },
	{ "leading empty line", REQ, M("\r\nGET / HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_METHOD },
	{ "tab after method", REQ, M("GET\t/ HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_METHOD },
	{ "empty target", REQ, M("GET  HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_TARGET },
	{ "DEL in target", REQ, M("GET /\x7f HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_TARGET },
	{ "tab in target", REQ, M("GET /a\tb HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_TARGET },
	{ "obs-text in target", REQ, M("GET /\xc3\xa9 HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_TARGET },
	{ "http/0.9", REQ, M("GET /\r\n\r\n"), .err = WP_HTTP1_E_TARGET },
	{ "HTTP/2.0", REQ, M("GET / HTTP/2.0\r\n\r\n"), .err = WP_HTTP1_E_VERSION },
	{ "HTTP/1.2", REQ, M("GET / HTTP/1.2\r\n\r\n"), .err = WP_HTTP1_E_VERSION },
	{ "HTTP/1.10", REQ, M("GET / HTTP/1.10\r\n\r\n"), .err = WP_HTTP1_E_VERSION },
	{ "lower-case version", REQ, M("GET / http/1.1\r\n\r\n"), .err = WP_HTTP1_E_VERSION },
	{ "two spaces before version", REQ, M("GET /  HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_VERSION },
	{ "space after version", REQ, M("GET / HTTP/1.1 \r\n\r\n"), .err = WP_HTTP1_E_VERSION },
	{ "line one over max_line", REQ, .lim = &lim_small,
	  M("GET /aaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_LINE_TOO_LONG },
	{ "space before colon", REQ, M("GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADER_NAME },
	{ "empty name", REQ, M("GET / HTTP/1.1\r\n: a\r\n\r\n"), .err = WP_HTTP1_E_HEADER_NAME },
	{ "non-token in name", REQ, M("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADER_NAME },
	{ "no colon", REQ, M("GET / HTTP/1.1\r\nHost\r\n\r\n"), .err = WP_HTTP1_E_HEADER_NAME },
	{ "NUL in value", REQ, .msg = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", .len = 26,
	  .err = WP_HTTP1_E_HEADER_VALUE },
	{ "DEL in value", REQ, M("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n"), .err = WP_HTTP1_E_HEADER_VALUE },
	{ "VT in value", REQ, M("GET / HTTP/1.1\r\nX: \x0b\r\n\r\n"), .err = WP_HTTP1_E_HEADER_VALUE },
	{ "obs-fold", REQ, M("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), .err = WP_HTTP1_E_OBS_FOLD },
	{ "space before first field", REQ, M("GET / HTTP/1.1\r\n Host: a\r\n\r\n"),
	  .err = WP_HTTP1_E_OBS_FOLD },
	{ "bare CR in value", REQ, M("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), .err = WP_HTTP1_E_BARE_CR },
	{ "bare LF after value", REQ, M("GET / HTTP/1.1\r\nX: a\n\r\n"), .err = WP_HTTP1_E_BARE_CR },
	{ "bare LF after request line", REQ, M("GET / HTTP/1.1\n\r\n"), .err = WP_HTTP1_E_BARE_CR },
	{ "CR CR LF after request line", REQ, M("GET / HTTP/1.1\r\r\n\r\n"),
	  .err = WP_HTTP1_E_BARE_CR },
	{ "bare LF ending the head", REQ, M("GET / HTTP/1.1\r\nX: a\r\n\n"), .err = WP_HTTP1_E_BARE_CR },
	{ "CR then junk ending the head", REQ, M("GET / HTTP/1.1\r\n\rX"), .err = WP_HTTP1_E_BARE_CR },
	{ "head one over max_header_bytes", REQ, .lim = &lim_small,
	  M("GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADERS_TOO_BIG },
	{ "one over max_headers", REQ, .lim = &lim_small,
	  M("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"),
	  .err = WP_HTTP1_E_TOO_MANY_HEADERS },
	{ "trailers one over max_headers", REQ, .lim = &lim_small,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
	  .err = WP_HTTP1_E_TOO_MANY_HEADERS },
	{ "trailers over max_header_bytes", REQ, .lim = &lim_small,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 12345678901234\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADERS_TOO_BIG },
	{ "cl empty", REQ, M("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), .err = WP_HTTP1_E_CL_INVALID },
	{ "cl negative", REQ, M("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "cl two numbers", REQ, M("POST / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "cl hex", REQ, M("POST / HTTP/1.1\r\nContent-Length: 5a\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "cl 2^62+1", REQ, M("POST / HTTP/1.1\r\nContent-Length: 4611686018427387905\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "cl 20 digits", REQ, M("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "cl twice, equal", REQ,
	  M("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
	  .err = WP_HTTP1_E_CL_DUPLICATE },
	{ "te unknown coding", REQ, M("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "te gzip, chunked", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "te chunked, chunked", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "te with parameter", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "te empty", REQ, M("POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "te in http/1.0", REQ,
	  M("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "chunk size empty", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"), .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk size not hex", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\ng\r\n"), .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk size over 2^60", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000001\r\n"),
	  .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk size 17 digits", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n"),
	  .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk size trailing space", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk data without CRLF", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n"),
	  .err = WP_HTTP1_E_CHUNK_FRAMING },
	{ "chunk data CR without LF", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX"),
	  .err = WP_HTTP1_E_CHUNK_FRAMING },
	{ "CTL in chunk-ext", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01\r\nhello\r\n"),
	  .err = WP_HTTP1_E_CHUNK_FRAMING },
	{ "chunk line one over max_line", REQ, .lim = &lim_small,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1;aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nx\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_CHUNK_FRAMING },
	{ "bad trailer", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX : y\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADER_NAME },
	{ "connect", REQ, M("CONNECT example.com:443 HTTP/1.1\r\n\r\n"), .err = WP_HTTP1_E_CONNECT },
	{ "eof in the request line", REQ, M("GET / HT"), .eof = true, .err = WP_HTTP1_E_TRUNCATED },
	{ "eof in headers", REQ, M("GET / HTTP/1.1\r\nHost: a\r\n"), .eof = true,
	  .err = WP_HTTP1_E_TRUNCATED },
	{ "eof in a cl body", REQ, M("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel"),
	  .eof = true, .err = WP_HTTP1_E_TRUNCATED },
	{ "eof in a chunked body", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
	  .eof = true, .err = WP_HTTP1_E_TRUNCATED },
	{ "feed after done", REQ, M("GET / HTTP/1.1\r\n\r\n"), .again = true,
	  .err = WP_HTTP1_E_AFTER_DONE },
};

/* Known desync vectors: every one is refused (RFC 9112 section 11.2). */
static const struct row smuggle[] = {
	{ "CL.TE", REQ,
	  M("POST / HTTP/1.1\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n\r\nSMUGGLED"), .err = WP_HTTP1_E_CL_AND_TE },
	{ "TE.CL", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
	    "8\r\nSMUGGLED\r\n0\r\n\r\n"), .err = WP_HTTP1_E_CL_AND_TE },
	{ "TE.TE second coding", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "TE xchunked", REQ, M("POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "TE chunkedx", REQ, M("POST / HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "TE quoted", REQ, M("POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "TE space before colon", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADER_NAME },
	{ "TE tab before colon", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADER_NAME },
	{ "TE with vertical tab", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding:\x0b" "chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_HEADER_VALUE },
	{ "TE obs-fold value", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n , identity\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_OBS_FOLD },
	{ "TE on a folded line", REQ,
	  M("POST / HTTP/1.1\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_OBS_FOLD },
	{ "TE empty then folded", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "TE bare LF", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\n\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_BARE_CR },
	{ "TE in http/1.0 with CL", REQ,
	  M("POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_AND_TE },
	{ "CL +5", REQ, M("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "CL 5, 5", REQ, M("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "CL 0x5", REQ, M("POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\nhello"),
	  .err = WP_HTTP1_E_CL_INVALID },
	{ "CL twice, different", REQ,
	  M("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
	  .err = WP_HTTP1_E_CL_DUPLICATE },
	{ "CL with NUL", REQ, .msg = "POST / HTTP/1.1\r\nContent-Length: 5\0\r\n\r\nhello",
	  .len = 43, .err = WP_HTTP1_E_HEADER_VALUE },
	{ "NUL in a header name", REQ, .msg = "GET / HTTP/1.1\r\nX\0: a\r\n\r\n", .len = 25,
	  .err = WP_HTTP1_E_HEADER_NAME },
	{ "chunk size 0x5", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk size negative", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk size overflow 64 bit", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff1\r\n"),
	  .err = WP_HTTP1_E_CHUNK_SIZE },
	{ "chunk line bare LF", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_BARE_CR },
	{ "chunk-ext bare LF", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nhello\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_BARE_CR },
	{ "chunk data too long", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n"),
	  .err = WP_HTTP1_E_CHUNK_FRAMING },
	{ "last-chunk bare LF", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\n\r\n"),
	  .err = WP_HTTP1_E_BARE_CR },
	{ "trailer bare LF", REQ,
	  M("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n"),
	  .err = WP_HTTP1_E_BARE_CR },
};

/* ---------------- responses ---------------- */

static const struct row rsp_ok[] = {
	{ "200 cl", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"),
	  .body = B_LEN, .cl = 3, .ka = true, .status = 200 },
	{ "200 cl, extra bytes left over", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA"),
	  .consumed = 41, .body = B_LEN, .cl = 3, .ka = true, .status = 200 },
	{ "200 chunked", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n"),
	  .body = B_CHUNKED, .ka = true, .status = 200 },
	{ "200 gzip, chunked", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	  .body = B_CHUNKED, .ka = true, .status = 200 },
	{ "200 close-delimited", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\n\r\nbody until close"), .eof = true,
	  .body = B_CLOSE, .ka = false, .status = 200 },
	{ "200 close-delimited, no eof yet", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\n\r\nbody until close"),
	  .body = B_CLOSE, .ka = false, .status = 200, .not_done = true },
	{ "te not chunked: close-delimited", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx"), .eof = true,
	  .body = B_CLOSE, .ka = false, .status = 200 },
	{ "te chunked, gzip: close-delimited", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxx"), .eof = true,
	  .body = B_CLOSE, .ka = false, .status = 200 },
	{ "te in http/1.0: close-delimited", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n"),
	  .eof = true, .body = B_CLOSE, .ka = false, .status = 200 },
	{ "1.0 cl", RSP, WP_HTTP1_M_GET, M("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"),
	  .body = B_LEN, .cl = 1, .ka = false, .status = 200 },
	{ "1.0 cl keep-alive", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"),
	  .body = B_LEN, .cl = 1, .ka = true, .status = 200 },
	{ "1.1 cl close", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"),
	  .body = B_LEN, .cl = 1, .ka = false, .status = 200 },
	{ "head: cl but no body", RSP, WP_HTTP1_M_HEAD,
	  M("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
	  .body = B_NONE, .cl = 100, .ka = true, .status = 200 },
	{ "head: chunked but no body", RSP, WP_HTTP1_M_HEAD,
	  M("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .body = B_NONE, .ka = true, .status = 200 },
	{ "204", RSP, WP_HTTP1_M_DELETE, M("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1"),
	  .consumed = 27, .body = B_NONE, .ka = true, .status = 204 },
	{ "304 with cl", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"),
	  .body = B_NONE, .cl = 50, .ka = true, .status = 304 },
	{ "100 then 200", RSP, WP_HTTP1_M_POST,
	  M("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
	  .body = B_LEN, .cl = 2, .ka = true, .status = 200, .interim = 1, .head = 38 },
	{ "103 with headers, 100, then 204", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nContent-Length: x\r\n"
	    "Transfer-Encoding: junk\r\n\r\nHTTP/1.1 100 \r\n\r\n"
	    "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"),
	  .body = B_NONE, .ka = false, .status = 204, .interim = 2, .head = 46 },
	{ "empty reason", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"),
	  .body = B_LEN, .ka = true, .status = 200 },
	{ "no reason, no space", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"),
	  .body = B_LEN, .ka = true, .status = 404 },
	{ "reason with obs-text and tab", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 599 Caf\xc3\xa9\tok \r\nContent-Length: 0\r\n\r\n"),
	  .body = B_LEN, .ka = true, .status = 599 },
	{ "status line exactly max_line", RSP, WP_HTTP1_M_GET, .lim = &lim_small,
	  M("HTTP/1.1 200 aaaaaaaaaaaaaaaaa\r\nContent-Length: 0\r\n\r\n"),
	  .body = B_LEN, .ka = true, .status = 200 },
	{ "connect method given: plain framing", RSP, WP_HTTP1_M_CONNECT,
	  M("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	  .body = B_LEN, .ka = true, .status = 200 },
};

static const struct row rsp_err[] = {
	{ "not a status line", RSP, WP_HTTP1_M_GET, M("<html>\r\n"), .err = WP_HTTP1_E_STATUS },
	{ "two-digit status", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 20 OK\r\n\r\n"), .err = WP_HTTP1_E_STATUS },
	{ "four-digit status", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 2000 OK\r\n\r\n"),
	  .err = WP_HTTP1_E_STATUS },
	{ "status 600", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 600 X\r\n\r\n"), .err = WP_HTTP1_E_STATUS },
	{ "status 099", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 099 X\r\n\r\n"), .err = WP_HTTP1_E_STATUS },
	{ "CTL in reason", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 200 O\x01K\r\n\r\n"),
	  .err = WP_HTTP1_E_STATUS },
	{ "no space after version", RSP, WP_HTTP1_M_GET, M("HTTP/1.1\r\n\r\n"),
	  .err = WP_HTTP1_E_STATUS },
	{ "response HTTP/2", RSP, WP_HTTP1_M_GET, M("HTTP/2 200 OK\r\n\r\n"), .err = WP_HTTP1_E_VERSION },
	{ "response HTTP/1.11", RSP, WP_HTTP1_M_GET, M("HTTP/1.11 200 OK\r\n\r\n"),
	  .err = WP_HTTP1_E_VERSION },
	{ "status line one over max_line", RSP, WP_HTTP1_M_GET, .lim = &lim_small,
	  M("HTTP/1.1 200 aaaaaaaaaaaaaaaaaa\r\nContent-Length: 0\r\n\r\n"),
	  .err = WP_HTTP1_E_LINE_TOO_LONG },
	{ "101", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"), .err = WP_HTTP1_E_UPGRADE },
	{ "cl and te", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_AND_TE },
	{ "cl and te on 204", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 204 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
	  .err = WP_HTTP1_E_CL_AND_TE },
	{ "te malformed", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=\"a\"\r\n\r\n"),
	  .err = WP_HTTP1_E_TE_UNSUPPORTED },
	{ "cl duplicate", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
	  .err = WP_HTTP1_E_CL_DUPLICATE },
	{ "eof in a cl body", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab"), .eof = true,
	  .err = WP_HTTP1_E_TRUNCATED },
	{ "eof after a 100", RSP, WP_HTTP1_M_GET, M("HTTP/1.1 100 Continue\r\n\r\n"), .eof = true,
	  .err = WP_HTTP1_E_TRUNCATED },
	{ "feed after a close-delimited eof", RSP, WP_HTTP1_M_GET,
	  M("HTTP/1.1 200 OK\r\n\r\nabc"), .eof = true, .again = true,
	  .err = WP_HTTP1_E_AFTER_DONE },
};

static void
t_requests_ok(void **st)
{
	(void)st;
	check_rows(req_ok, sizeof(req_ok) / sizeof(req_ok[0]));
}

static void
t_requests_err(void **st)
{
	(void)st;
	check_rows(req_err, sizeof(req_err) / sizeof(req_err[0]));
}

static void
t_smuggling(void **st)
{
	(void)st;
	check_rows(smuggle, sizeof(smuggle) / sizeof(smuggle[0]));
}

static void
t_responses_ok(void **st)
{
	(void)st;
	check_rows(rsp_ok, sizeof(rsp_ok) / sizeof(rsp_ok[0]));
}

static void
t_responses_err(void **st)
{
	(void)st;
	check_rows(rsp_err, sizeof(rsp_err) / sizeof(rsp_err[0]));
}

/* Every error reason has a row (and a name and a status). */
static void
t_every_reason_covered(void **st)
{
	bool seen[WP_HTTP1_E__COUNT] = { false };
	const struct { const struct row *r; size_t n; } tabs[] = {
		{ req_err, sizeof(req_err) / sizeof(req_err[0]) },
		{ smuggle, sizeof(smuggle) / sizeof(smuggle[0]) },
		{ rsp_err, sizeof(rsp_err) / sizeof(rsp_err[0]) },
	};

	(void)st;
	for (size_t t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++)
		for (size_t i = 0; i < tabs[t].n; i++)
			seen[tabs[t].r[i].err] = true;
	for (unsigned e = 1; e < WP_HTTP1_E__COUNT; e++) {
		if (!seen[e])
			fail_msg("no row for %s", wp_http1_err_name((enum wp_http1_err)e));
		assert_string_not_equal(wp_http1_err_name((enum wp_http1_err)e), "unknown");
	}
}

/* ---------------- eof, reset, pipelines ---------------- */

static void
t_eof(void **st)
{
	struct wp_http1 h;

	(void)st;
	/* idle: nothing of a message yet */
	wp_http1_init(&h, REQ, WP_HTTP1_M_OTHER, NULL);
	assert_int_equal(wp_http1_eof(&h), -ENODATA);
	assert_int_equal(h.err, WP_HTTP1_OK);
	assert_int_equal(wp_http1_feed(&h, NULL, 0), 0);
	assert_int_equal(wp_http1_eof(&h), -ENODATA);
	/* idle after a completed message and reset */
	assert_int_equal(wp_http1_feed(&h, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18), 18);
	assert_true(h.done);
	assert_int_equal(wp_http1_eof(&h), 0);        /* done: nothing lost */
	wp_http1_reset(&h, WP_HTTP1_M_OTHER);
	assert_false(h.done);
	assert_int_equal(h.msg_bytes, 0);
	assert_int_equal(wp_http1_eof(&h), -ENODATA);
	/* errors are sticky */
	wp_http1_init(&h, RSP, WP_HTTP1_M_GET, NULL);
	assert_int_equal(wp_http1_feed(&h, (const uint8_t *)"HTTP/1.1 101 x\r\n", 16), -EBADMSG);
	assert_int_equal(h.err, WP_HTTP1_E_UPGRADE);
	assert_int_equal(h.msg_bytes, 12);            /* the bytes before the decision */
	assert_int_equal(wp_http1_feed(&h, (const uint8_t *)"x", 1), -EBADMSG);
	assert_int_equal(wp_http1_eof(&h), -EBADMSG);
	assert_int_equal(h.err, WP_HTTP1_E_UPGRADE);
	/* reset clears the error, keeps kind and limits */
	wp_http1_reset(&h, WP_HTTP1_M_HEAD);
	assert_int_equal(h.err, WP_HTTP1_OK);
	assert_int_equal(h.kind, RSP);
	assert_int_equal(h.method, WP_HTTP1_M_HEAD);
	assert_int_equal(h.lim.max_line, 8192);
	assert_int_equal(h.lim.max_header_bytes, 32768);
	assert_int_equal(h.lim.max_headers, 100);
}

static void
t_limits_clamped(void **st)
{
	struct wp_http1 h;
	const struct wp_http1_limits tiny = { 1, 1, 0 };

	(void)st;
	wp_http1_init(&h, REQ, WP_HTTP1_M_OTHER, &tiny);
	assert_int_equal(h.lim.max_line, 16);
	assert_int_equal(h.lim.max_header_bytes, 16);
	assert_int_equal(h.lim.max_headers, 1);
	/* a 16-byte request line fits, the empty line after it does not */
	assert_int_equal(wp_http1_feed(&h, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18), -EBADMSG);
	assert_int_equal(h.err, WP_HTTP1_E_HEADERS_TOO_BIG);
	assert_int_equal(h.msg_bytes, 16);
}

/* A stream of messages on one connection, fed through one parser with
 * reset after each, cut at `cut` (SIZE_MAX: one byte at a time). */
struct pmsg {
	long consumed;
	uint8_t body;
	uint16_t status;
	uint8_t method;
	bool ka;
};

static size_t
run_stream(uint8_t kind, const uint8_t *methods, const char *s, size_t len, size_t cut,
	   struct pmsg *out, size_t max)
{
	struct wp_http1 h;
	size_t at = 0, n = 0, mi = 0;
	long cur = 0;

	wp_http1_init(&h, kind, methods ? methods[0] : WP_HTTP1_M_OTHER, NULL);
	while (at < len) {
		size_t end = cut == SIZE_MAX ? at + 1 : (at < cut ? cut : len);
		long rc = wp_http1_feed(&h, (const uint8_t *)s + at, end - at);

		assert_true(rc >= 0);
		at += (size_t)rc;
		cur += rc;
		if (h.done) {
			assert_true(n < max);
			assert_int_equal(h.msg_bytes, cur);
			out[n].consumed = cur;
			out[n].body = h.body;
			out[n].status = h.status;
			out[n].method = h.method;
			out[n].ka = h.keep_alive;
			n++;
			mi++;
			cur = 0;
			wp_http1_reset(&h, methods ? methods[mi] : WP_HTTP1_M_OTHER);
		}
	}
	assert_int_equal(cur, 0);    /* the stream ends on a message boundary */
	assert_int_equal(wp_http1_eof(&h), -ENODATA);
	return n;
}

static void
check_stream(uint8_t kind, const uint8_t *methods, const char *s, const struct pmsg *want,
	     size_t nwant)
{
	size_t len = strlen(s);
	struct pmsg got[16];

	for (size_t cut = 0; cut <= len + 1; cut++) {
		size_t c = cut == len + 1 ? SIZE_MAX : cut;
		size_t n = run_stream(kind, methods, s, len, c, got, 16);

		assert_int_equal(n, nwant);
		for (size_t i = 0; i < n; i++) {
			if (got[i].consumed != want[i].consumed || got[i].body != want[i].body ||
			    got[i].status != want[i].status || got[i].method != want[i].method ||
			    got[i].ka != want[i].ka)
				fail_msg("message %zu differs (cut %zu): consumed %ld/%ld body %u/%u "
					 "status %u/%u method %u/%u ka %d/%d", i, c,
					 got[i].consumed, want[i].consumed, got[i].body, want[i].body,
					 got[i].status, want[i].status, got[i].method, want[i].method,
					 got[i].ka, want[i].ka);
		}
	}
}

static void
t_pipelined_requests(void **st)
{
	static const char s[] =
		"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"                                /* 28 */
		"POST /2 HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"                  /* 43 */
		"PUT /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n" /* 59 */
		"HEAD /4 HTTP/1.0\r\n\r\n";                                          /* 20 */
	static const struct pmsg want[] = {
		{ 28, B_NONE, 0, WP_HTTP1_M_GET, true },
		{ 43, B_LEN, 0, WP_HTTP1_M_POST, true },
		{ 59, B_CHUNKED, 0, WP_HTTP1_M_PUT, true },
		{ 20, B_NONE, 0, WP_HTTP1_M_HEAD, false },
	};

	(void)st;
	check_stream(REQ, NULL, s, want, 4);
}

static void
t_pipelined_responses(void **st)
{
	static const char s[] =
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3\r\nabc\r\n0\r\n\r\n"                                                  /* 85 */
		"HTTP/1.1 204 No Content\r\n\r\n"                                        /* 27 */
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"                          /* 39 */
		"HTTP/1.1 304 Not Modified\r\n\r\n"                                      /* 29 */
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";                        /* 40 */
	static const uint8_t methods[] = {
		WP_HTTP1_M_POST, WP_HTTP1_M_GET, WP_HTTP1_M_HEAD, WP_HTTP1_M_GET,
		WP_HTTP1_M_GET, WP_HTTP1_M_GET,
	};
	static const struct pmsg want[] = {
		{ 85, B_CHUNKED, 200, WP_HTTP1_M_POST, true },
		{ 27, B_NONE, 204, WP_HTTP1_M_GET, true },
		{ 39, B_NONE, 200, WP_HTTP1_M_HEAD, true },
		{ 29, B_NONE, 304, WP_HTTP1_M_GET, true },
		{ 40, B_LEN, 200, WP_HTTP1_M_GET, true },
	};

	(void)st;
	check_stream(RSP, methods, s, want, 5);
}

/* ---------------- names and statuses ---------------- */

static void
t_names_and_status(void **st)
{
	(void)st;
	assert_string_equal(wp_http1_err_name(WP_HTTP1_OK), "ok");
	assert_string_equal(wp_http1_err_name(WP_HTTP1_E_CL_AND_TE), "cl_and_te");
	assert_string_equal(wp_http1_err_name(WP_HTTP1_E_AFTER_DONE), "after_done");
	assert_string_equal(wp_http1_err_name(WP_HTTP1_E__COUNT), "unknown");
	assert_string_equal(wp_http1_err_name((enum wp_http1_err)-1), "unknown");
	assert_string_equal(wp_http1_method_name(WP_HTTP1_M_GET), "get");
	assert_string_equal(wp_http1_method_name(WP_HTTP1_M_OTHER), "other");
	assert_string_equal(wp_http1_method_name(WP_HTTP1_M__COUNT), "unknown");
	for (unsigned m = 0; m < WP_HTTP1_M__COUNT; m++)
		assert_string_not_equal(wp_http1_method_name((enum wp_http1_method)m), "unknown");

	for (unsigned e = 0; e <= WP_HTTP1_E__COUNT; e++) {
		uint16_t want = 400;
		switch (e) {
		case WP_HTTP1_E_LINE_TOO_LONG: want = 414; break;
		case WP_HTTP1_E_HEADERS_TOO_BIG:
		case WP_HTTP1_E_TOO_MANY_HEADERS: want = 431; break;
		case WP_HTTP1_E_TE_UNSUPPORTED:
		case WP_HTTP1_E_CONNECT: want = 501; break;
		case WP_HTTP1_E_VERSION: want = 505; break;
		}
		assert_int_equal(wp_http1_err_status((enum wp_http1_err)e), want);
	}

	static const bool idem[WP_HTTP1_M__COUNT] = {
		[WP_HTTP1_M_GET] = true, [WP_HTTP1_M_HEAD] = true, [WP_HTTP1_M_PUT] = true,
		[WP_HTTP1_M_DELETE] = true, [WP_HTTP1_M_OPTIONS] = true, [WP_HTTP1_M_TRACE] = true,
	};
	for (unsigned m = 0; m < WP_HTTP1_M__COUNT; m++)
		assert_int_equal(wp_http1_method_idempotent((enum wp_http1_method)m), idem[m]);
}

/* ---------------- mbuf chains ---------------- */

/* A chain holding `s` in segments of the given sizes (0 allowed). */
static struct rte_mbuf *
make_chain(const char *s, size_t len, const uint16_t *segs, size_t nsegs)
{
	struct rte_mbuf *head = NULL;
	size_t at = 0;

	for (size_t k = 0; at < len || k < nsegs; k++) {
		uint16_t n = k < nsegs ? segs[k] : (uint16_t)(len - at);
		if (n > len - at)
			n = (uint16_t)(len - at);
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		assert_non_null(m);
		char *d = rte_pktmbuf_append(m, n);
		assert_true(n == 0 || d != NULL);
		if (n > 0)
			memcpy(d, s + at, n);
		at += n;
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		if (k >= nsegs && at >= len)
			break;
	}
	return head;
}

static void
t_feed_mbuf(void **st)
{
	static const char s[] =
		"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5;e=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: v\r\n\r\n"
		"GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	static const uint16_t segs[] = { 1, 0, 7, 13, 2, 40, 0, 3, 11, 5 };
	size_t len = strlen(s);
	unsigned in_use = rte_mempool_in_use_count(mp);
	struct wp_http1 flat, hm;
	long rc_flat, rc_m;

	(void)st;
	struct rte_mbuf *m = make_chain(s, len, segs, sizeof(segs) / sizeof(segs[0]));
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	assert_true(m->nb_segs > 5);

	/* first message */
	wp_http1_init(&flat, REQ, WP_HTTP1_M_OTHER, NULL);
	wp_http1_init(&hm, REQ, WP_HTTP1_M_OTHER, NULL);
	rc_flat = wp_http1_feed(&flat, (const uint8_t *)s, len);
	rc_m = wp_http1_feed_mbuf(&hm, m, 0);
	assert_int_equal(rc_flat, 97);
	assert_int_equal(rc_m, rc_flat);
	assert_true(hm.done);
	assert_int_equal(hm.body, B_CHUNKED);
	assert_memory_equal(&hm, &flat, sizeof(flat));

	/* the pipelined one, from an offset inside a segment */
	wp_http1_reset(&flat, WP_HTTP1_M_OTHER);
	wp_http1_reset(&hm, WP_HTTP1_M_OTHER);
	rc_flat = wp_http1_feed(&flat, (const uint8_t *)s + 97, len - 97);
	rc_m = wp_http1_feed_mbuf(&hm, m, 97);
	assert_int_equal(rc_flat, (long)(len - 97));
	assert_int_equal(rc_m, rc_flat);
	assert_true(hm.done);
	assert_int_equal(hm.method, WP_HTTP1_M_GET);
	assert_memory_equal(&hm, &flat, sizeof(flat));

	/* done exactly at the end of the chain: no feed after done */
	assert_int_equal(hm.err, WP_HTTP1_OK);
	/* nothing left from `off`: answers like feed(NULL, 0) */
	wp_http1_reset(&hm, WP_HTTP1_M_OTHER);
	assert_int_equal(wp_http1_feed_mbuf(&hm, m, (uint32_t)len), 0);
	assert_int_equal(wp_http1_feed_mbuf(&hm, m, (uint32_t)len + 5), 0);
	assert_false(hm.done);

	/* every split of the first message across two segments */
	for (uint16_t cut = 0; cut <= 97; cut++) {
		uint16_t two[] = { cut };
		struct rte_mbuf *c = make_chain(s, 97, two, 1);
		wp_http1_reset(&hm, WP_HTTP1_M_OTHER);
		wp_http1_reset(&flat, WP_HTTP1_M_OTHER);
		assert_int_equal(wp_http1_feed_mbuf(&hm, c, 0), 97);
		assert_int_equal(wp_http1_feed(&flat, (const uint8_t *)s, 97), 97);
		assert_memory_equal(&hm, &flat, sizeof(flat));
		rte_pktmbuf_free(c);
	}

	/* an error inside a later segment */
	static const char bad[] = "GET / HTTP/1.1\r\nX: a\x01\r\n\r\n";
	static const uint16_t bsegs[] = { 10, 10 };
	struct rte_mbuf *b = make_chain(bad, sizeof(bad) - 1, bsegs, 2);
	wp_http1_reset(&hm, WP_HTTP1_M_OTHER);
	assert_int_equal(wp_http1_feed_mbuf(&hm, b, 0), -EBADMSG);
	assert_int_equal(hm.err, WP_HTTP1_E_HEADER_VALUE);
	assert_int_equal(hm.msg_bytes, 20);
	rte_pktmbuf_free(b);

	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(mp), in_use);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_requests_ok),
		cmocka_unit_test(t_requests_err),
		cmocka_unit_test(t_smuggling),
		cmocka_unit_test(t_responses_ok),
		cmocka_unit_test(t_responses_err),
		cmocka_unit_test(t_every_reason_covered),
		cmocka_unit_test(t_eof),
		cmocka_unit_test(t_limits_clamped),
		cmocka_unit_test(t_pipelined_requests),
		cmocka_unit_test(t_pipelined_responses),
		cmocka_unit_test(t_names_and_status),
		cmocka_unit_test(t_feed_mbuf),
	};
	int rc;

	if (wp_test_eal_init("test_http1", NULL) != 0)
		return 1;
	mp = rte_pktmbuf_pool_create("http1_mp", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	if (mp == NULL) {
		wp_test_eal_cleanup();
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(mp);
	wp_test_eal_cleanup();
	return rc;
}
