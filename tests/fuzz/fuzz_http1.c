/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the HTTP/1.1 framer (src/proto/http1.c), built alone
 * with -DWP_HTTP1_NO_MBUF (no DPDK).
 *
 * The input is parsed as a request stream, as a response stream to GET and
 * as one to HEAD, each with default limits and with small ones (chosen by
 * the low bit of the first byte). Each stream is fed whole, in two pieces
 * cut at a point derived from the first byte, and one byte at a time; a
 * completed message is followed by wp_http1_reset() and the rest of the
 * input, as the proxy does with pipelined messages, and the input ends
 * with wp_http1_eof(). The three runs must give identical per-message
 * results. Traps on any difference, on a feed that consumes more than it
 * was given or less without completing, on done together with an error,
 * and on results that contradict each other (lengths, body kinds). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <warmpool/http1.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MAX_MSGS 64

/* What one message (or the final state) looked like. */
struct res {
	long rc;
	int eof_rc;
	uint16_t err, status;
	uint8_t method, version_minor, body;
	bool headers_done, done, keep_alive, expect_continue;
	uint64_t content_length, head_bytes, msg_bytes;
	uint32_t interim;
};

struct run {
	struct res r[MAX_MSGS + 1];
	size_t n;
};

static void
record(struct res *o, const struct wp_http1 *h, long rc, int eof_rc)
{
	memset(o, 0, sizeof(*o));
	o->rc = rc;
	o->eof_rc = eof_rc;
	o->err = h->err;
	o->status = h->status;
	o->method = h->method;
	o->version_minor = h->version_minor;
	o->body = h->body;
	o->headers_done = h->headers_done;
	o->done = h->done;
	o->keep_alive = h->keep_alive;
	o->expect_continue = h->expect_continue;
	o->content_length = h->content_length;
	o->head_bytes = h->head_bytes;
	o->msg_bytes = h->msg_bytes;
	o->interim = h->interim;
}

/* Invariants of a completed message. */
static void
check_done(const struct wp_http1 *h)
{
	CHECK(h->err == WP_HTTP1_OK);
	CHECK(h->headers_done);
	CHECK(h->head_bytes > 0 && h->head_bytes <= h->msg_bytes);
	CHECK(h->body <= WP_HTTP1_BODY_CLOSE);
	if (h->body == WP_HTTP1_BODY_CLOSE)
		CHECK(!h->keep_alive && h->kind == WP_HTTP1_RESPONSE);
	if (h->kind == WP_HTTP1_REQUEST) {
		CHECK(h->interim == 0 && h->status == 0);
		CHECK(h->method != WP_HTTP1_M_CONNECT && h->method < WP_HTTP1_M__COUNT);
		if (h->body == WP_HTTP1_BODY_NONE)
			CHECK(h->msg_bytes == h->head_bytes);
		if (h->body == WP_HTTP1_BODY_LENGTH)
			CHECK(h->msg_bytes == h->head_bytes + h->content_length);
		if (h->body == WP_HTTP1_BODY_CHUNKED)
			CHECK(h->msg_bytes >= h->head_bytes + 5);   /* "0\r\n\r\n" */
	} else {
		CHECK(h->status >= 200 && h->status <= 599);
		if (h->body == WP_HTTP1_BODY_NONE && h->interim == 0)
			CHECK(h->msg_bytes == h->head_bytes);
		if (h->body == WP_HTTP1_BODY_LENGTH && h->interim == 0)
			CHECK(h->msg_bytes == h->head_bytes + h->content_length);
	}
	CHECK(h->version_minor <= 1);
	CHECK(wp_http1_err_name((enum wp_http1_err)h->err) != NULL);
}

/* Feed data[0..size) cut at the positions cuts[] (ascending; step > 0
 * means every `step` bytes instead), resetting after each message. */
static void
drive(struct run *out, enum wp_http1_kind kind, enum wp_http1_method m,
      const struct wp_http1_limits *lim, const uint8_t *data, size_t size,
      size_t cut, size_t step)
{
	struct wp_http1 h;
	size_t at = 0;

	out->n = 0;
	wp_http1_init(&h, kind, m, lim);
	while (at < size && out->n < MAX_MSGS) {
		size_t end, given;
		long rc;

		if (step > 0)
			end = at + step < size ? at + step : size;
		else
			end = at < cut ? cut : size;
		given = end - at;
		rc = wp_http1_feed(&h, data + at, given);
		CHECK(rc == -EBADMSG || (rc >= 0 && (size_t)rc <= given));
		if (rc < 0) {
			CHECK(h.err != WP_HTTP1_OK && h.err < WP_HTTP1_E__COUNT && !h.done);
			CHECK(h.err != WP_HTTP1_E_AFTER_DONE && h.err != WP_HTTP1_E_TRUNCATED);
			CHECK(wp_http1_err_status((enum wp_http1_err)h.err) >= 400);
			CHECK(wp_http1_feed(&h, data, size) == -EBADMSG);   /* sticky */
			record(&out->r[out->n++], &h, rc, 1);
			return;
		}
		CHECK(h.err == WP_HTTP1_OK);
		at += (size_t)rc;
		if (!h.done) {
			CHECK((size_t)rc == given);    /* short only when done */
			continue;
		}
		check_done(&h);
		record(&out->r[out->n++], &h, (long)h.msg_bytes, 1);
		/* feeding a done message is the caller's error */
		if (out->n == 1) {
			struct wp_http1 copy = h;
			CHECK(wp_http1_feed(&copy, data, 0) == -EBADMSG);
			CHECK(copy.err == WP_HTTP1_E_AFTER_DONE);
		}
		wp_http1_reset(&h, m);
	}
	/* the peer closes */
	int e = wp_http1_eof(&h);
	CHECK(e == 0 || e == -ENODATA || e == -EBADMSG);
	if (e == 0)
		CHECK(h.done && h.body == WP_HTTP1_BODY_CLOSE);
	if (e == -ENODATA)
		CHECK(h.msg_bytes == 0 && h.err == WP_HTTP1_OK);
	if (e == -EBADMSG)
		CHECK(h.err == WP_HTTP1_E_TRUNCATED && !h.done);
	if (h.done)
		check_done(&h);
	record(&out->r[out->n++], &h, 0, e);
}

static void
same(const struct run *a, const struct run *b)
{
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct res *x = &a->r[i], *y = &b->r[i];
		CHECK(x->rc == y->rc && x->eof_rc == y->eof_rc && x->err == y->err);
		CHECK(x->status == y->status && x->method == y->method);
		CHECK(x->version_minor == y->version_minor && x->body == y->body);
		CHECK(x->headers_done == y->headers_done && x->done == y->done);
		CHECK(x->keep_alive == y->keep_alive && x->expect_continue == y->expect_continue);
		CHECK(x->content_length == y->content_length && x->head_bytes == y->head_bytes);
		CHECK(x->msg_bytes == y->msg_bytes && x->interim == y->interim);
	}
}

static struct run whole, split, bytes;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct wp_http1_limits small = {
		.max_line = 40, .max_header_bytes = 120, .max_headers = 4,
	};
	static const struct {
		enum wp_http1_kind kind;
		enum wp_http1_method m;
	} as[] = {
		{ WP_HTTP1_REQUEST, WP_HTTP1_M_OTHER },
		{ WP_HTTP1_RESPONSE, WP_HTTP1_M_GET },
		{ WP_HTTP1_RESPONSE, WP_HTTP1_M_HEAD },
	};
	const struct wp_http1_limits *lim = NULL;
	size_t cut = 0;

	if (size > 0) {
		cut = (size_t)data[0] * size / 255;
		if (data[0] & 1)
			lim = &small;
	}
	for (size_t k = 0; k < sizeof(as) / sizeof(as[0]); k++) {
		drive(&whole, as[k].kind, as[k].m, lim, data, size, 0, 0);
		drive(&split, as[k].kind, as[k].m, lim, data, size, cut, 0);
		drive(&bytes, as[k].kind, as[k].m, lim, data, size, 0, 1);
		same(&whole, &split);
		same(&whole, &bytes);
	}
	return 0;
}
