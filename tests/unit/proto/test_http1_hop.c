/* SPDX-License-Identifier: BSD-3-Clause */
/* Table-driven tests of the hop-by-hop rewrite (src/proto/http1_hop.c,
 * contract include/warmpool/http1_hop.h).
 *
 * Every row is a request head the framer accepts, with the head expected
 * after the rewrite, the "close" options blanked and where the request
 * line ends. Each row is checked four ways:
 *   - fed whole, split at every point, and one byte at a time: identical
 *     bytes and results (a "close" split across segments is still found);
 *   - the framer (wp_http1) agrees with the table about the original:
 *     accepted, keep-alive as the row says, same head length;
 *   - the rewritten head (with "Connection: keep-alive" inserted after
 *     the request line where an HTTP/1.0 request needs it) parses again
 *     as keep-alive with the same framing: what the backend will see;
 *   - only bytes of blanked options changed, each to a space.
 * No EAL: the scanner is plain C.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <warmpool/http1.h>
#include <warmpool/http1_hop.h>

struct row {
	const char *name;
	const char *in;
	const char *out;          /* expected head after the rewrite */
	uint32_t blanked;
	bool keep_alive;          /* the framer's verdict on the original */
	bool ka_opt;              /* a keep-alive option is present */
	uint32_t conn_fields;
};

#define RL "GET /x HTTP/1.1\r\n"
#define RL0 "GET /x HTTP/1.0\r\n"

static const struct row rows[] = {
	{ "no connection field", RL "Host: a\r\n\r\n", RL "Host: a\r\n\r\n",
	  0, true, false, 0 },
	{ "close", RL "Host: a\r\nConnection: close\r\n\r\n",
	  RL "Host: a\r\nConnection:      \r\n\r\n", 1, false, false, 1 },
	{ "close upper case, no OWS", RL "CONNECTION:CLOSE\r\n\r\n",
	  RL "CONNECTION:     \r\n\r\n", 1, false, false, 1 },
	{ "close among options", RL "Connection: foo, close , bar\r\n\r\n",
	  RL "Connection: foo,       , bar\r\n\r\n", 1, false, false, 1 },
	{ "close twice in two fields",
	  RL "Connection: close\r\nX: y\r\nconnection: Close,close\r\n\r\n",
	  RL "Connection:      \r\nX: y\r\nconnection:      ,     \r\n\r\n", 3, false, false, 2 },
	{ "keep-alive and close: close wins, blanked",
	  RL "Connection: keep-alive, close\r\n\r\n",
	  RL "Connection: keep-alive,      \r\n\r\n", 1, false, true, 1 },
	{ "closed is not close", RL "Connection: closed\r\n\r\n",
	  RL "Connection: closed\r\n\r\n", 0, true, false, 1 },
	{ "xclose / closex", RL "Connection: xclose, closex\r\n\r\n",
	  RL "Connection: xclose, closex\r\n\r\n", 0, true, false, 1 },
	{ "malformed element skipped like the framer",
	  RL "Connection: foo close\r\n\r\n", RL "Connection: foo close\r\n\r\n",
	  0, true, false, 1 },
	{ "close after a malformed element", RL "Connection: a b, close\r\n\r\n",
	  RL "Connection: a b,      \r\n\r\n", 1, false, false, 1 },
	{ "tab OWS", RL "Connection:\tclose\t\r\n\r\n", RL "Connection:\t     \t\r\n\r\n",
	  1, false, false, 1 },
	{ "other field names", RL "Connections: close\r\nConnectio: close\r\n"
	  "Proxy-Connection: close\r\nX-Connection: close\r\n\r\n",
	  RL "Connections: close\r\nConnectio: close\r\nProxy-Connection: close\r\n"
	  "X-Connection: close\r\n\r\n", 0, true, false, 0 },
	{ "close in another field's value", RL "X-A: Connection: close\r\n\r\n",
	  RL "X-A: Connection: close\r\n\r\n", 0, true, false, 0 },
	{ "body bytes after the head are not touched",
	  "POST /x HTTP/1.1\r\nContent-Length: 17\r\nConnection: close\r\n\r\nConnection: close",
	  "POST /x HTTP/1.1\r\nContent-Length: 17\r\nConnection:      \r\n\r\n",
	  1, false, false, 1 },
	{ "HTTP/1.0 plain", RL0 "Host: a\r\n\r\n", RL0 "Host: a\r\n\r\n", 0, false, false, 0 },
	{ "HTTP/1.0 keep-alive", RL0 "Connection: Keep-Alive\r\n\r\n",
	  RL0 "Connection: Keep-Alive\r\n\r\n", 0, true, true, 1 },
	{ "HTTP/1.0 close", RL0 "Connection: close\r\n\r\n", RL0 "Connection:      \r\n\r\n",
	  1, false, false, 1 },
};

/* Bytes of the head in `in` (up to and including its empty line; the
 * framer refuses bare LF line ends, so the rows use CRLF). */
static size_t
head_len(const char *in)
{
	return (size_t)(strstr(in, "\r\n\r\n") - in) + 4;
}

struct res {
	uint8_t buf[512];
	size_t len, consumed;
	struct wp_http1_hop h;
};

/* Feed row->in in pieces of `step` bytes (0: cut once at `cut`). */
static void
run(const struct row *r, size_t cut, size_t step, struct res *o)
{
	size_t off = 0;

	o->len = strlen(r->in);
	assert_true(o->len <= sizeof(o->buf));
	memcpy(o->buf, r->in, o->len);
	wp_http1_hop_init(&o->h);
	o->consumed = 0;
	while (off < o->len && !o->h.done) {
		size_t n = step ? step : (off < cut ? cut - off : o->len - off);
		size_t k;

		if (n > o->len - off)
			n = o->len - off;
		k = wp_http1_hop_feed(&o->h, o->buf + off, n);
		assert_true(k <= n);
		if (k < n)
			assert_true(o->h.done);
		o->consumed += k;
		off += n;
		if (k < n)
			break;
	}
}

static void
test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		size_t hl = head_len(r->in), len = strlen(r->in);
		struct res whole, part;

		run(r, len, 0, &whole);
		if (!whole.h.done || whole.consumed != hl || whole.h.blanked != r->blanked ||
		    whole.h.keep_alive_opt != r->ka_opt || whole.h.conn_fields != r->conn_fields ||
		    memcmp(whole.buf, r->out, strlen(r->out)) != 0) {
			print_error("row '%s': done=%d consumed=%zu/%zu blanked=%u/%u ka=%d "
				    "fields=%u\n got: %.*s\nwant: %s\n", r->name, whole.h.done,
				    whole.consumed, hl, whole.h.blanked, r->blanked,
				    whole.h.keep_alive_opt, whole.h.conn_fields,
				    (int)whole.len, whole.buf, r->out);
			fail();
		}
		/* the body is never touched */
		assert_memory_equal(whole.buf + hl, r->in + hl, len - hl);
		assert_int_equal(whole.h.line_end, strchr(r->in, '\n') - r->in + 1);
		/* only blanked bytes changed, and to spaces */
		for (size_t k = 0, d = 0; k < len; k++) {
			if (whole.buf[k] == (uint8_t)r->in[k])
				continue;
			assert_int_equal(whole.buf[k], ' ');
			d++;
			assert_true(d <= 5u * r->blanked);
		}
		/* split anywhere, and byte by byte: the same */
		for (size_t cut = 0; cut <= len; cut++) {
			run(r, cut, 0, &part);
			assert_int_equal(part.consumed, whole.consumed);
			assert_int_equal(part.h.blanked, whole.h.blanked);
			assert_int_equal(part.h.line_end, whole.h.line_end);
			assert_memory_equal(part.buf, whole.buf, len);
		}
		run(r, 0, 1, &part);
		assert_int_equal(part.consumed, whole.consumed);
		assert_memory_equal(part.buf, whole.buf, len);
	}
}

/* The framer's view of a head: accepted, keep-alive or not, head size. */
static void
frame(const uint8_t *p, size_t len, struct wp_http1 *h)
{
	long n;

	wp_http1_init(h, WP_HTTP1_REQUEST, WP_HTTP1_M_OTHER, NULL);
	n = wp_http1_feed(h, p, len);
	assert_true(n > 0);
	assert_true(h->headers_done);
}

static void
test_framer_agrees(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		size_t len = strlen(r->in), hl = head_len(r->in);
		struct wp_http1 h0, h1;
		struct res w;
		uint8_t fwd[600];
		size_t fl;

		frame((const uint8_t *)r->in, len, &h0);
		if (h0.keep_alive != r->keep_alive) {
			print_error("row '%s': framer says keep_alive=%d\n", r->name, h0.keep_alive);
			fail();
		}
		assert_int_equal(h0.head_bytes, hl);
		if (h0.keep_alive)
			continue;       /* the proxy rewrites only requests that close */
		/* what the backend gets: the rewritten head, plus the keep-alive
		 * field after an HTTP/1.0 request line without one */
		run(r, len, 0, &w);
		fl = 0;
		memcpy(fwd, w.buf, w.h.line_end);
		fl = w.h.line_end;
		if (h0.version_minor == 0 && !w.h.keep_alive_opt) {
			memcpy(fwd + fl, WP_HTTP1_HOP_KEEP_ALIVE, WP_HTTP1_HOP_KEEP_ALIVE_LEN);
			fl += WP_HTTP1_HOP_KEEP_ALIVE_LEN;
		}
		memcpy(fwd + fl, w.buf + w.h.line_end, len - w.h.line_end);
		fl += len - w.h.line_end;
		frame(fwd, fl, &h1);
		if (!h1.keep_alive) {
			print_error("row '%s': the rewritten head still closes: %.*s\n", r->name,
				    (int)fl, fwd);
			fail();
		}
		assert_int_equal(h1.body, h0.body);
		assert_int_equal(h1.content_length, h0.content_length);
		assert_int_equal(h1.version_minor, h0.version_minor);
		assert_int_equal(h1.method, h0.method);
	}
}

/* Once done, nothing more is consumed; a new init starts over. */
static void
test_after_done(void **state)
{
	struct wp_http1_hop h;
	uint8_t b[] = RL "Connection: close\r\n\r\nGET";

	(void)state;
	wp_http1_hop_init(&h);
	assert_int_equal(wp_http1_hop_feed(&h, b, sizeof(b) - 1), sizeof(b) - 4);
	assert_true(h.done);
	assert_int_equal(wp_http1_hop_feed(&h, b, 3), 0);
	assert_int_equal(h.blanked, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_framer_agrees),
		cmocka_unit_test(test_after_done),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
