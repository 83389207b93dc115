/* SPDX-License-Identifier: BSD-3-Clause */
/* Hop-by-hop rewriting of a client's request head (RFC 9110 section 7.6.1).
 *
 * A client that sends "Connection: close" (or speaks HTTP/1.0 without
 * "Connection: keep-alive") asks for *its* connection to end after the
 * response. Forwarded as is, the request would make the backend close the
 * pooled session too, so every such request would cost a warm session.
 * Connection is hop-by-hop: a proxy must not forward it, and may send its
 * own. wp_http1_hop does the smallest rewrite that keeps the session:
 *
 *  - every "close" option of every Connection field is overwritten in
 *    place with five spaces. The field stays, with an empty list element
 *    where the option was, which recipients must accept (RFC 9110 section
 *    5.6.1); no byte moves, so nothing is copied and the framer's counts
 *    (head_bytes, Content-Length) stay true;
 *  - it reports where the request line ends, so the caller can insert
 *    "Connection: keep-alive" there for an HTTP/1.0 request (HTTP/1.0 has
 *    no persistent connection by default).
 *
 * The list grammar is the framer's (http1.c): elements separated by ',',
 * OWS around them, an element is one token; malformed elements are
 * skipped by both, so exactly the "close" options the framer counted are
 * blanked. Run it only on a head wp_http1 has accepted: it relies on that
 * for line structure, and it does not validate anything itself. It is fed
 * spans as they lie in an mbuf chain; a token split across spans is still
 * found (the scanner keeps pointers to its bytes), so every span fed must
 * stay valid and writable until the head is done.
 *
 * What the client is told is not rewritten: its response goes out as the
 * backend sent it and the connection is closed after it, which a client
 * that asked for close expects.
 *
 * No allocation, no DPDK, no logging; one struct per request, owned by the
 * caller (the worker that owns the client connection).
 */
#ifndef WARMPOOL_HTTP1_HOP_H
#define WARMPOOL_HTTP1_HOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What must be inserted after the request line of an HTTP/1.0 request. */
#define WP_HTTP1_HOP_KEEP_ALIVE "Connection: keep-alive\r\n"
#define WP_HTTP1_HOP_KEEP_ALIVE_LEN (sizeof(WP_HTTP1_HOP_KEEP_ALIVE) - 1)

/* Scanner state. Fields above "private" are results, valid as noted. */
struct wp_http1_hop {
	uint64_t line_end;      /* bytes of the request line incl. its LF; 0 until seen */
	uint64_t scanned;       /* bytes consumed so far */
	uint32_t blanked;       /* "close" options overwritten with spaces */
	uint32_t conn_fields;   /* Connection fields seen */
	bool keep_alive_opt;    /* a "keep-alive" option was seen */
	bool done;              /* the empty line ending the head was consumed */

	/* private */
	uint8_t st;             /* scanner state */
	uint8_t sub;            /* list element state inside a Connection value */
	uint8_t nm;             /* bytes of "connection" matched in a field name */
	uint8_t tlen;           /* bytes of the current token (capped at 11) */
	char tok[10];           /* the token's first bytes, lower case */
	uint8_t *tp[5];         /* where its first five bytes lie */
};

void wp_http1_hop_init(struct wp_http1_hop *h);

/* Scan `len` more bytes of the head at `p` (writable), blanking "close"
 * options as they complete. Returns the bytes consumed: all of them, or
 * fewer when the head ended inside the span (h->done set; the rest is the
 * body). After done it consumes nothing. */
size_t wp_http1_hop_feed(struct wp_http1_hop *h, uint8_t *p, size_t len);

#endif /* WARMPOOL_HTTP1_HOP_H */
