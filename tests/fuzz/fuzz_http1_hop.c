/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the hop-by-hop rewrite of request heads
 * (src/proto/http1_hop.c), with the framer (src/proto/http1.c, built with
 * -DWP_HTTP1_NO_MBUF) as its referee. No DPDK.
 *
 * The input is scanned whole, in two pieces cut at a point derived from
 * the first byte, and one byte at a time: the three must give the same
 * bytes and results. Traps when a scan consumes more than it was given,
 * stops early without being done, changes a byte into anything but a
 * space, or changes more than five bytes per blanked option.
 *
 * Then the proxy's contract: when the framer accepts the input's head as
 * a request that closes (keep_alive false), the rewritten head, with
 * "Connection: keep-alive" inserted after an HTTP/1.0 request line that
 * has no keep-alive option, must parse again as keep-alive with the same
 * method, version and body framing. Otherwise the backend would close a
 * session the proxy thinks it kept (or see a different message).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <warmpool/http1.h>
#include <warmpool/http1_hop.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MAX_IN 65536

struct res {
	struct wp_http1_hop h;
	size_t consumed;
};

static void
scan(uint8_t *buf, size_t len, size_t cut, size_t step, struct res *o)
{
	size_t off = 0;

	wp_http1_hop_init(&o->h);
	o->consumed = 0;
	while (off < len) {
		size_t n = step ? step : (off < cut ? cut - off : len - off);
		size_t k;

		if (n > len - off)
			n = len - off;
		k = wp_http1_hop_feed(&o->h, buf + off, n);
		CHECK(k <= n);
		CHECK(k == n || o->h.done);
		o->consumed += k;
		off += n;
		if (k < n || o->h.done)
			break;
	}
	CHECK(o->consumed == o->h.scanned);
	CHECK(o->h.line_end <= o->h.scanned);
}

static void
same(const struct res *a, const struct res *b)
{
	CHECK(a->consumed == b->consumed);
	CHECK(a->h.done == b->h.done);
	CHECK(a->h.blanked == b->h.blanked);
	CHECK(a->h.line_end == b->h.line_end);
	CHECK(a->h.conn_fields == b->h.conn_fields);
	CHECK(a->h.keep_alive_opt == b->h.keep_alive_opt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t a[MAX_IN], b[MAX_IN], c[MAX_IN], fwd[MAX_IN + 64];
	struct res ra, rb, rc;
	struct wp_http1 h0, h1;
	size_t cut, changed = 0, fl;
	long n;

	if (size == 0 || size > MAX_IN)
		return 0;
	memcpy(a, data, size);
	memcpy(b, data, size);
	memcpy(c, data, size);
	cut = size > 1 ? (size_t)data[0] * 257 % size : 0;
	scan(a, size, size, 0, &ra);
	scan(b, size, cut, 0, &rb);
	scan(c, size, 0, 1, &rc);
	same(&ra, &rb);
	same(&ra, &rc);
	CHECK(memcmp(a, b, size) == 0 && memcmp(a, c, size) == 0);
	for (size_t i = 0; i < size; i++) {
		if (a[i] == data[i])
			continue;
		CHECK(a[i] == ' ' && i < ra.consumed);
		changed++;
	}
	CHECK(changed <= 5u * ra.h.blanked);

	/* the contract with the framer */
	wp_http1_init(&h0, WP_HTTP1_REQUEST, WP_HTTP1_M_OTHER, NULL);
	n = wp_http1_feed(&h0, data, size);
	if (n < 0 || !h0.headers_done || h0.keep_alive)
		return 0;
	CHECK(ra.h.done && ra.consumed == h0.head_bytes && ra.h.line_end > 0);
	fl = ra.h.line_end;
	memcpy(fwd, a, fl);
	if (h0.version_minor == 0 && !ra.h.keep_alive_opt) {
		memcpy(fwd + fl, WP_HTTP1_HOP_KEEP_ALIVE, WP_HTTP1_HOP_KEEP_ALIVE_LEN);
		fl += WP_HTTP1_HOP_KEEP_ALIVE_LEN;
	}
	memcpy(fwd + fl, a + ra.h.line_end, ra.consumed - ra.h.line_end);
	fl += ra.consumed - ra.h.line_end;
	wp_http1_init(&h1, WP_HTTP1_REQUEST, WP_HTTP1_M_OTHER, NULL);
	n = wp_http1_feed(&h1, fwd, fl);
	CHECK(n >= 0 && h1.headers_done);
	CHECK(h1.keep_alive);
	CHECK(h1.method == h0.method && h1.version_minor == h0.version_minor);
	CHECK(h1.body == h0.body && h1.content_length == h0.content_length);
	return 0;
}
