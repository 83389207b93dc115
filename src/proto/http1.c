/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP/1.1 message framing (contract: include/warmpool/http1.h).
 *
 * What it is: the one parser that decides where an HTTP/1.1 message ends
 * (RFC 9112 sections 2-7, field syntax from RFC 9110 section 5). It is a
 * state machine that takes one byte at a time, except where a span needs
 * no decision: body bytes are skipped whole, and the uninteresting parts
 * of a line (a request-target, a reason phrase, a header name or value we
 * do not care about) are skipped with a class-table loop. Every decision
 * depends on one byte and the state, so the result is the same however
 * the input is split (the unit tests try every split point; the fuzz
 * target traps on a difference). Nothing is allocated or copied: the
 * values that matter are folded into the struct as they pass.
 *
 * State: struct wp_http1, one per direction per connection, owned by the
 * lcore owning the connection. No globals except a const class table.
 *
 * Invariants: h->err is sticky until reset and then every feed returns
 * -EBADMSG; `done` and an error are never both set by parsing (only
 * E_AFTER_DONE, the caller's mistake, leaves `done` as it was); a feed
 * returns less than it was given only when the message became done.
 *
 * Choices the contract leaves open, all on the strict side because the
 * appliance forwards the bytes unchanged to a backend that may read them
 * differently, and a rejected request costs one 400:
 *  - Line ends are CRLF only. A bare LF where a line could end (RFC 9112
 *    section 2.2 lets a recipient accept it) is E_BARE_CR, like a CR not
 *    followed by LF. Inside a token or target it is that element's error.
 *  - Empty lines before a request line (section 2.2 SHOULD ignore) are
 *    E_METHOD: ignoring them here would still forward them.
 *  - Request Transfer-Encoding must be exactly one coding, "chunked"
 *    (case-insensitive, OWS and empty list elements allowed); anything
 *    else, a second Transfer-Encoding field, or Transfer-Encoding in an
 *    HTTP/1.0 request (section 6.1: faulty framing) is E_TE_UNSUPPORTED.
 *    Transfer-codings with parameters are refused the same way.
 *  - Response Transfer-Encoding: chunked as the final coding gives a
 *    chunked body; any other final coding, or any Transfer-Encoding in an
 *    HTTP/1.0 response, is close-delimited (section 6.3 rule 4) with
 *    keep_alive false. Malformed list syntax is E_TE_UNSUPPORTED.
 *    Content-Length with Transfer-Encoding is E_CL_AND_TE in both
 *    directions: we never forward ambiguous framing.
 *  - Content-Length: 1*DIGIT (leading zeros allowed) up to 2^62 with OWS
 *    around it; no list form, a second field is E_CL_DUPLICATE.
 *  - The status line may end right after the status code (no SP, no
 *    reason): lenient, as it cannot change framing. 101 is E_UPGRADE as
 *    soon as its status code ends.
 *  - Trailer fields follow the header rules and count against the same
 *    limits (max_header_bytes and max_headers cover headers plus
 *    trailers together); framing fields in trailers and in 1xx responses
 *    are not interpreted (RFC 9110 section 6.5.1).
 *  - A chunk-size line (size, extensions, CRLF) longer than max_line is
 *    E_CHUNK_FRAMING; chunk sizes above 2^60 are E_CHUNK_SIZE; BWS after
 *    the size must lead to ';'. Chunk extensions are checked loosely:
 *    visible bytes, obs-text, SP and HTAB up to the CRLF.
 *  - Headers of interest: Content-Length, Transfer-Encoding, Connection
 *    ("close", "keep-alive"; close wins), Expect (requests:
 *    "100-continue"). Host is not checked here.
 *
 * wp_http1_feed_mbuf() is the only DPDK dependency and uses rte_mbuf.h
 * inline accessors only. Build with -DWP_HTTP1_NO_MBUF (the http1 fuzz
 * target does) to compile this file without DPDK; feed_mbuf is then absent.
 */
#include <errno.h>
#include <string.h>

#include <warmpool/http1.h>

#ifndef WP_HTTP1_NO_MBUF
#include <rte_mbuf.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CL_MAX (UINT64_C(1) << 62)
#define CHUNK_MAX (UINT64_C(1) << 60)

/* ---------------- byte classes ---------------- */

enum {
	C_TCHAR = 0x01,   /* token character (RFC 9110 5.6.2) */
	C_VALUE = 0x02,   /* field-vchar, obs-text, SP, HTAB (field value) */
	C_TARGET = 0x04,  /* visible ASCII 0x21..0x7e (request-target) */
	C_HEX = 0x08,
	C_DIGIT = 0x10,
	C_WS = 0x20,      /* SP, HTAB */
};

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_TSYM(c) ((c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || \
		    (c) == '&' || (c) == '\'' || (c) == '*' || (c) == '+' || \
		    (c) == '-' || (c) == '.' || (c) == '^' || (c) == '_' || \
		    (c) == '`' || (c) == '|' || (c) == '~')
#define IS_WS(c) ((c) == ' ' || (c) == '\t')
#define CLS(c) ((IS_DIGIT(c) || IS_ALPHA(c) || IS_TSYM(c) ? C_TCHAR : 0) | \
		(((c) >= 0x21 && (c) != 0x7f) || IS_WS(c) ? C_VALUE : 0) | \
		((c) >= 0x21 && (c) <= 0x7e ? C_TARGET : 0) | \
		(IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || \
		 ((c) >= 'A' && (c) <= 'F') ? C_HEX : 0) | \
		(IS_DIGIT(c) ? C_DIGIT : 0) | (IS_WS(c) ? C_WS : 0))
#define R4(b) CLS(b), CLS((b) + 1), CLS((b) + 2), CLS((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)

static const uint8_t cls[256] = { R64(0), R64(64), R64(128), R64(192) };

static inline uint8_t
lower(uint8_t c)
{
	return (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

static inline unsigned
hexval(uint8_t c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* The first index in [j, end) whose byte is not of class `mask`. Field
 * values and request-targets are the long runs of a header section, so
 * for those two classes 16 bytes are checked at once where SSE2 exists
 * (every x86-64); the table decides the rest. */
static inline size_t
scan(const uint8_t *p, size_t j, size_t end, uint8_t mask)
{
#ifdef __SSE2__
	if (mask == C_VALUE || mask == C_TARGET) {
		while (end - j >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + j));
			__m128i bad;
			unsigned m;

			if (mask == C_VALUE) {
				/* CTLs but HTAB, and DEL */
				__m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)),
							     _mm_set1_epi8(0x1f));
				ctl = _mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), ctl);
				bad = _mm_or_si128(ctl, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
			} else {
				/* <= SP, or >= DEL */
				__m128i lo = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);
				__m128i hi = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x7f)), v);
				bad = _mm_or_si128(lo, hi);
			}
			m = (unsigned)_mm_movemask_epi8(bad);
			if (m != 0)
				return j + (unsigned)__builtin_ctz(m);
			j += 16;
		}
	}
#endif
	while (j < end && (cls[p[j]] & mask))
		j++;
	return j;
}

/* ---------------- states ---------------- */

/* The order matters: the ranges decide which limit a byte counts against. */
enum {
	/* start line: head_len against max_line */
	S_METHOD,
	S_TARGET0,
	S_TARGET,
	S_VERSION,      /* "HTTP/1.d"; match = bytes of "HTTP/1." matched */
	S_REQ_CR,
	S_RSP_SP,
	S_STATUS,       /* match = digits so far, acc = value */
	S_STATUS_END,
	S_REASON,
	S_START_LF,
	/* header or trailer section: head_len against max_header_bytes */
	S_HDR_START,
	S_HDR_NAME,
	S_HDR_OWS,
	S_HDR_VALUE,
	S_HDR_LF,
	S_HEAD_LF,
	/* chunk-size line: line_len against max_line */
	S_CHUNK_SIZE0,
	S_CHUNK_SIZE,
	S_CHUNK_BWS,
	S_CHUNK_EXT,
	S_CHUNK_LF,
	/* CRLF after chunk data */
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	/* spans */
	S_CHUNK_DATA,
	S_BODY_LENGTH,
	S_BODY_CLOSE,
	S_DONE,
};

/* flags */
enum {
	F_CL = 0x01,            /* Content-Length seen */
	F_TE = 0x02,            /* Transfer-Encoding seen */
	F_TE_CHUNKED = 0x04,    /* last transfer-coding so far is chunked */
	F_CLOSE = 0x08,         /* Connection: close */
	F_KA = 0x10,            /* Connection: keep-alive */
	F_TRAILER = 0x20,       /* parsing the trailer section */
	F_INTERIM = 0x40,       /* current response is 1xx */
};

/* header fields we interpret (hdr) */
enum {
	H_NONE = 0,
	H_CL,
	H_TE,
	H_CONN,
	H_EXPECT,
};

static const char *const hdr_name[] = {
	[H_CL] = "content-length",
	[H_TE] = "transfer-encoding",
	[H_CONN] = "connection",
	[H_EXPECT] = "expect",
};
static const uint8_t hdr_len[] = {
	[H_CL] = 14, [H_TE] = 17, [H_CONN] = 10, [H_EXPECT] = 6,
};

/* list element states (sub, for TE / Connection / Expect) */
enum {
	L_BEFORE = 0,   /* before an element (OWS, empty elements) */
	L_TOKEN,        /* in a token */
	L_AFTER,        /* OWS after a token */
	L_SKIP,         /* malformed element: ignored up to the next ',' */
};

/* Content-Length states (sub) */
enum {
	N_NONE = 0,
	N_DIGITS,
	N_AFTER,
};

/* ---------------- set-up ---------------- */

void
wp_http1_reset(struct wp_http1 *h, enum wp_http1_method req_method)
{
	struct wp_http1_limits lim = h->lim;
	uint8_t kind = h->kind;

	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->lim = lim;
	if (kind == WP_HTTP1_RESPONSE) {
		h->method = (uint8_t)req_method;
		h->st = S_VERSION;
	} else {
		h->method = WP_HTTP1_M_OTHER;
		h->st = S_METHOD;
	}
}

void
wp_http1_init(struct wp_http1 *h, enum wp_http1_kind kind,
	      enum wp_http1_method req_method,
	      const struct wp_http1_limits *lim)
{
	memset(h, 0, sizeof(*h));
	h->kind = (uint8_t)kind;
	if (lim != NULL) {
		h->lim = *lim;
	} else {
		h->lim.max_line = 8192;
		h->lim.max_header_bytes = 32768;
		h->lim.max_headers = 100;
	}
	/* the documented minimums, so the limit checks can rely on them */
	if (h->lim.max_line < 16)
		h->lim.max_line = 16;
	if (h->lim.max_header_bytes < h->lim.max_line)
		h->lim.max_header_bytes = h->lim.max_line;
	if (h->lim.max_headers < 1)
		h->lim.max_headers = 1;
	wp_http1_reset(h, req_method);
}

/* ---------------- helpers ---------------- */

static uint8_t
method_lookup(const uint8_t *t, unsigned n)
{
	switch (n) {
	case 3:
		if (memcmp(t, "GET", 3) == 0)
			return WP_HTTP1_M_GET;
		if (memcmp(t, "PUT", 3) == 0)
			return WP_HTTP1_M_PUT;
		break;
	case 4:
		if (memcmp(t, "HEAD", 4) == 0)
			return WP_HTTP1_M_HEAD;
		if (memcmp(t, "POST", 4) == 0)
			return WP_HTTP1_M_POST;
		break;
	case 5:
		if (memcmp(t, "TRACE", 5) == 0)
			return WP_HTTP1_M_TRACE;
		if (memcmp(t, "PATCH", 5) == 0)
			return WP_HTTP1_M_PATCH;
		break;
	case 6:
		if (memcmp(t, "DELETE", 6) == 0)
			return WP_HTTP1_M_DELETE;
		break;
	case 7:
		if (memcmp(t, "OPTIONS", 7) == 0)
			return WP_HTTP1_M_OPTIONS;
		if (memcmp(t, "CONNECT", 7) == 0)
			return WP_HTTP1_M_CONNECT;
		break;
	}
	return WP_HTTP1_M_OTHER;
}

/* Collect a token byte; past sizeof(tok) only the length grows (to one
 * more than fits), so a long token never compares equal. */
static inline void
tok_push(struct wp_http1 *h, uint8_t c)
{
	if (h->tok_len < sizeof(h->tok))
		h->tok[h->tok_len] = c;
	if (h->tok_len <= sizeof(h->tok))
		h->tok_len++;
}

static inline bool
tok_is(const struct wp_http1 *h, const char *s, unsigned n)
{
	return h->tok_len == n && memcmp(h->tok, s, n) == 0;
}

/* After the bytes of p[*ip] was taken: skip the following bytes of class
 * `mask`, counting them in head_len but never past `max` (the byte that
 * would cross it is left to the main loop, which reports the limit). */
static inline void
skip_class(struct wp_http1 *h, const uint8_t *p, size_t len, size_t *ip,
	   uint8_t mask, uint32_t max)
{
	size_t j = *ip + 1;
	size_t end = len;
	size_t room = max - h->head_len;

	if (end - j > room)
		end = j + room;
	j = scan(p, j, end, mask);
	h->head_len += (uint32_t)(j - *ip - 1);
	*ip = j - 1;
}

static inline void
finish(struct wp_http1 *h)
{
	h->done = true;
	h->st = S_DONE;
}

/* First byte of a header name (a tchar). */
static inline void
name_start(struct wp_http1 *h, uint8_t c)
{
	h->hdr = H_NONE;
	h->match = 1;
	if (h->flags & (F_TRAILER | F_INTERIM))
		return;
	switch (c | 0x20) {   /* c is a tchar: only letters change */
	case 'c':
		h->hdr = H_CL;    /* or Connection: they part at byte 3 */
		break;
	case 't':
		h->hdr = H_TE;
		break;
	case 'e':
		if (h->kind == WP_HTTP1_REQUEST)
			h->hdr = H_EXPECT;
		break;
	}
}

/* Next tchar of a name still matching h->hdr. */
static inline void
name_byte(struct wp_http1 *h, uint8_t c)
{
	uint8_t lc = (uint8_t)(c | 0x20);

	if (h->match < hdr_len[h->hdr] && (uint8_t)hdr_name[h->hdr][h->match] == lc)
		h->match++;
	else if (h->hdr == H_CL && h->match == 3 && lc == 'n')
		h->hdr = H_CONN, h->match = 4;
	else
		h->hdr = H_NONE;
}

/* The ':' after a name. */
static int
hdr_begin(struct wp_http1 *h)
{
	if (h->hdr != H_NONE && h->match != hdr_len[h->hdr])
		h->hdr = H_NONE;
	h->sub = 0;
	h->match = 0;
	h->acc = 0;
	h->tok_len = 0;
	switch (h->hdr) {
	case H_CL:
		if (h->flags & F_CL)
			return WP_HTTP1_E_CL_DUPLICATE;
		if (h->flags & F_TE)
			return WP_HTTP1_E_CL_AND_TE;
		h->flags |= F_CL;
		break;
	case H_TE:
		if (h->flags & F_CL)
			return WP_HTTP1_E_CL_AND_TE;
		if (h->kind == WP_HTTP1_REQUEST &&
		    (h->version_minor == 0 || (h->flags & F_TE)))
			return WP_HTTP1_E_TE_UNSUPPORTED;
		h->flags |= F_TE;
		break;
	}
	return WP_HTTP1_OK;
}

/* A complete element of a list-valued field (token in h->tok). */
static int
elem_end(struct wp_http1 *h)
{
	switch (h->hdr) {
	case H_TE:
		if (tok_is(h, "chunked", 7)) {
			if (h->kind == WP_HTTP1_REQUEST && ++h->match > 1)
				return WP_HTTP1_E_TE_UNSUPPORTED;
			h->flags |= F_TE_CHUNKED;
		} else {
			if (h->kind == WP_HTTP1_REQUEST)
				return WP_HTTP1_E_TE_UNSUPPORTED;
			h->flags &= (uint8_t)~F_TE_CHUNKED;
		}
		break;
	case H_CONN:
		if (tok_is(h, "close", 5))
			h->flags |= F_CLOSE;
		else if (tok_is(h, "keep-alive", 10))
			h->flags |= F_KA;
		break;
	case H_EXPECT:
		if (tok_is(h, "100-continue", 12))
			h->expect_continue = true;
		break;
	}
	h->tok_len = 0;
	return WP_HTTP1_OK;
}

/* A value byte (C_VALUE, not CR) of an interpreted field. */
static int
hdr_byte(struct wp_http1 *h, uint8_t c)
{
	uint8_t k = cls[c];

	if (h->hdr == H_CL) {
		if (k & C_DIGIT) {
			if (h->sub == N_AFTER || h->acc > CL_MAX / 10)
				return WP_HTTP1_E_CL_INVALID;
			h->acc = h->acc * 10 + (unsigned)(c - '0');
			if (h->acc > CL_MAX)
				return WP_HTTP1_E_CL_INVALID;
			h->sub = N_DIGITS;
			return WP_HTTP1_OK;
		}
		if ((k & C_WS) && h->sub != N_NONE) {
			h->sub = N_AFTER;
			return WP_HTTP1_OK;
		}
		return WP_HTTP1_E_CL_INVALID;
	}

	switch (h->sub) {
	case L_BEFORE:
		if (c == ',' || (k & C_WS))
			return WP_HTTP1_OK;
		if (k & C_TCHAR) {
			h->sub = L_TOKEN;
			tok_push(h, lower(c));
			return WP_HTTP1_OK;
		}
		break;
	case L_TOKEN:
		if (k & C_TCHAR) {
			tok_push(h, lower(c));
			return WP_HTTP1_OK;
		}
		if (k & C_WS) {
			h->sub = L_AFTER;
			return WP_HTTP1_OK;
		}
		if (c == ',') {
			h->sub = L_BEFORE;
			return elem_end(h);
		}
		break;
	case L_AFTER:
		if (k & C_WS)
			return WP_HTTP1_OK;
		if (c == ',') {
			h->sub = L_BEFORE;
			return elem_end(h);
		}
		break;
	default:        /* L_SKIP */
		if (c == ',')
			h->sub = L_BEFORE;
		return WP_HTTP1_OK;
	}
	/* malformed element: fatal for framing, ignored otherwise */
	if (h->hdr == H_TE)
		return WP_HTTP1_E_TE_UNSUPPORTED;
	h->tok_len = 0;
	h->sub = L_SKIP;
	return WP_HTTP1_OK;
}

/* CRLF at the end of a field line. */
static int
hdr_end(struct wp_http1 *h)
{
	int e = WP_HTTP1_OK;

	switch (h->hdr) {
	case H_NONE:
		break;
	case H_CL:
		if (h->sub == N_NONE)
			return WP_HTTP1_E_CL_INVALID;
		h->content_length = h->acc;
		break;
	default:
		if (h->sub == L_TOKEN || h->sub == L_AFTER)
			e = elem_end(h);
		if (e == WP_HTTP1_OK && h->hdr == H_TE &&
		    h->kind == WP_HTTP1_REQUEST && h->match == 0)
			e = WP_HTTP1_E_TE_UNSUPPORTED;   /* no coding at all */
		break;
	}
	h->hdr = H_NONE;
	return e;
}

/* Which interpreted field a complete name is (the same answer name_start
 * and name_byte reach byte by byte). */
static uint8_t
name_lookup(const struct wp_http1 *h, const uint8_t *n, size_t len)
{
	uint8_t k;

	if (h->flags & (F_TRAILER | F_INTERIM))
		return H_NONE;
	switch (len) {
	case 14: k = H_CL; break;
	case 17: k = H_TE; break;
	case 10: k = H_CONN; break;
	case 6: k = h->kind == WP_HTTP1_REQUEST ? H_EXPECT : H_NONE; break;
	default: return H_NONE;
	}
	for (size_t q = 0; q < len && k != H_NONE; q++)
		if ((uint8_t)(n[q] | 0x20) != (uint8_t)hdr_name[k][q])
			k = H_NONE;
	return k;
}

/* A field line starts at p[*ip] (a tchar, counted). Fast path: take the
 * name with one loop; when its ':' is in this buffer, look the name up
 * whole, and for a field we do not interpret take the value and its CRLF
 * as far as the buffer (and the header budget) reach. Everything taken is
 * exactly what the byte-at-a-time states would take, in the same state;
 * any byte they would decide on differently is left to them. On return
 * *ip is the last byte taken. */
static int
field_fast(struct wp_http1 *h, const uint8_t *p, size_t len, size_t *ip)
{
	size_t i = *ip, j = i + 1, end = len;
	size_t room = h->lim.max_header_bytes - h->head_len;
	int e;

	if (end - j > room)
		end = j + room;
	while (j < end && (cls[p[j]] & C_TCHAR))
		j++;
	h->head_len += (uint32_t)(j - i - 1);
	if (j == end || p[j] != ':') {
		/* the name goes on past this buffer (or a bad byte follows) */
		name_start(h, p[i]);
		for (size_t q = i + 1; q < j && h->hdr != H_NONE; q++)
			name_byte(h, p[q]);
		h->st = S_HDR_NAME;
		*ip = j - 1;
		return WP_HTTP1_OK;
	}
	h->head_len++;                   /* the ':' */
	h->hdr = name_lookup(h, p + i, j - i);
	h->match = hdr_len[h->hdr];
	*ip = j;
	e = hdr_begin(h);
	if (e != WP_HTTP1_OK)
		return e;
	h->st = S_HDR_OWS;
	if (h->hdr != H_NONE)
		return WP_HTTP1_OK;

	/* OWS and value of a field we do not interpret: the same states */
	i = j + 1;
	end = len;
	room = h->lim.max_header_bytes - h->head_len;
	if (end - i > room)
		end = i + room;
	j = scan(p, i, end, C_VALUE);
	h->head_len += (uint32_t)(j - i);
	h->st = S_HDR_VALUE;
	*ip = j - 1;
	if (j < end && p[j] == '\r') {
		h->head_len++;
		h->st = S_HDR_LF;
		*ip = j;
		if (j + 1 < end && p[j + 1] == '\n') {
			h->head_len++;
			h->hdr = H_NONE;
			h->st = S_HDR_START;
			*ip = j + 1;
		}
	}
	return WP_HTTP1_OK;
}

/* The empty line ending a header (or trailer) section. */
static void
head_end(struct wp_http1 *h)
{
	uint8_t f = h->flags, body;

	if (f & F_TRAILER) {
		finish(h);
		return;
	}
	if (f & F_INTERIM) {
		/* 1xx: counted in msg_bytes, then the next response */
		h->interim++;
		h->flags = 0;
		h->head_len = 0;
		h->nheaders = 0;
		h->status = 0;
		h->match = 0;
		h->st = S_VERSION;
		return;
	}
	h->headers_done = true;
	h->head_bytes = h->head_len;
	if (f & F_CLOSE)
		h->keep_alive = false;
	else
		h->keep_alive = h->version_minor == 1 || (f & F_KA);

	if (h->kind == WP_HTTP1_REQUEST)
		body = (f & F_TE) ? WP_HTTP1_BODY_CHUNKED :
		       (f & F_CL) ? WP_HTTP1_BODY_LENGTH : WP_HTTP1_BODY_NONE;
	else if (h->method == WP_HTTP1_M_HEAD || h->status == 204 || h->status == 304)
		body = WP_HTTP1_BODY_NONE;
	else if (f & F_TE)
		body = (f & F_TE_CHUNKED) && h->version_minor == 1 ?
		       WP_HTTP1_BODY_CHUNKED : WP_HTTP1_BODY_CLOSE;
	else
		body = (f & F_CL) ? WP_HTTP1_BODY_LENGTH : WP_HTTP1_BODY_CLOSE;
	h->body = body;

	switch (body) {
	case WP_HTTP1_BODY_NONE:
		finish(h);
		break;
	case WP_HTTP1_BODY_LENGTH:
		h->remaining = h->content_length;
		if (h->remaining == 0)
			finish(h);
		else
			h->st = S_BODY_LENGTH;
		break;
	case WP_HTTP1_BODY_CHUNKED:
		h->line_len = 0;
		h->st = S_CHUNK_SIZE0;
		break;
	default:
		h->keep_alive = false;
		h->st = S_BODY_CLOSE;
		break;
	}
}

/* ---------------- the machine ---------------- */

long
wp_http1_feed(struct wp_http1 *h, const uint8_t *p, size_t len)
{
	size_t i = 0;
	int e;

	if (h->err != WP_HTTP1_OK)
		return -EBADMSG;
	if (h->done) {
		h->err = WP_HTTP1_E_AFTER_DONE;
		return -EBADMSG;
	}

	while (i < len) {
		unsigned st = h->st;
		uint8_t c;

		if (st >= S_CHUNK_DATA) {
			/* spans: no per-byte work */
			uint64_t n = len - i;

			if (st == S_BODY_CLOSE) {
				i = len;
				break;
			}
			if (n > h->remaining)
				n = h->remaining;
			i += (size_t)n;
			h->remaining -= n;
			if (h->remaining == 0) {
				if (st == S_CHUNK_DATA) {
					h->st = S_CHUNK_DATA_CR;
				} else {
					finish(h);
					break;
				}
			}
			continue;
		}

		c = p[i];
		if (st <= S_HEAD_LF) {
			if (st < S_HDR_START) {
				if (++h->head_len > h->lim.max_line) {
					e = WP_HTTP1_E_LINE_TOO_LONG;
					goto fail;
				}
			} else if (++h->head_len > h->lim.max_header_bytes) {
				e = WP_HTTP1_E_HEADERS_TOO_BIG;
				goto fail;
			}
		} else if (st <= S_CHUNK_LF && ++h->line_len > h->lim.max_line) {
			e = WP_HTTP1_E_CHUNK_FRAMING;
			goto fail;
		}

		switch (st) {
		/* ---- request line ---- */
		case S_METHOD:
			if (cls[c] & C_TCHAR) {
				size_t end = len;
				size_t room = h->lim.max_line - h->head_len;

				if (end - i - 1 > room)
					end = i + 1 + room;
				tok_push(h, c);
				while (i + 1 < end && (cls[p[i + 1]] & C_TCHAR)) {
					tok_push(h, p[++i]);
					h->head_len++;
				}
				break;
			}
			if (c != ' ' || h->tok_len == 0) {
				e = WP_HTTP1_E_METHOD;
				goto fail;
			}
			h->method = method_lookup(h->tok, h->tok_len);
			if (h->method == WP_HTTP1_M_CONNECT) {
				e = WP_HTTP1_E_CONNECT;
				goto fail;
			}
			h->tok_len = 0;
			h->st = S_TARGET0;
			break;
		case S_TARGET0:
			if (!(cls[c] & C_TARGET)) {
				e = WP_HTTP1_E_TARGET;
				goto fail;
			}
			h->st = S_TARGET;
			skip_class(h, p, len, &i, C_TARGET, h->lim.max_line);
			break;
		case S_TARGET:
			if (c == ' ') {
				h->match = 0;
				h->st = S_VERSION;
				break;
			}
			if (!(cls[c] & C_TARGET)) {
				e = WP_HTTP1_E_TARGET;
				goto fail;
			}
			skip_class(h, p, len, &i, C_TARGET, h->lim.max_line);
			break;
		case S_VERSION:
			if (h->match == 0 && len - i >= 8 &&
			    h->head_len + 7 <= h->lim.max_line &&
			    memcmp(p + i, "HTTP/1.", 7) == 0 &&
			    (p[i + 7] == '0' || p[i + 7] == '1')) {
				/* the whole version in this buffer */
				h->head_len += 7;
				i += 7;
				c = p[i];
				h->match = 7;
			}
			if (h->match < 7) {
				if (c != (uint8_t)"HTTP/1."[h->match]) {
					e = h->kind == WP_HTTP1_RESPONSE && h->match < 5 ?
					    WP_HTTP1_E_STATUS : WP_HTTP1_E_VERSION;
					goto fail;
				}
				h->match++;
				break;
			}
			if (c != '0' && c != '1') {
				e = WP_HTTP1_E_VERSION;
				goto fail;
			}
			h->version_minor = (uint8_t)(c - '0');
			h->st = h->kind == WP_HTTP1_REQUEST ? S_REQ_CR : S_RSP_SP;
			break;
		case S_REQ_CR:
			if (c == '\r') {
				h->st = S_START_LF;
				break;
			}
			e = c == '\n' ? WP_HTTP1_E_BARE_CR : WP_HTTP1_E_VERSION;
			goto fail;

		/* ---- status line ---- */
		case S_RSP_SP:
			if (c == ' ') {
				h->match = 0;
				h->acc = 0;
				h->st = S_STATUS;
				break;
			}
			e = (cls[c] & C_DIGIT) ? WP_HTTP1_E_VERSION : WP_HTTP1_E_STATUS;
			goto fail;
		case S_STATUS:
			if (!(cls[c] & C_DIGIT) || (h->match == 0 && (c < '1' || c > '5'))) {
				e = WP_HTTP1_E_STATUS;
				goto fail;
			}
			h->acc = h->acc * 10 + (unsigned)(c - '0');
			if (++h->match == 3)
				h->st = S_STATUS_END;
			break;
		case S_STATUS_END:
			if (c == ' ' || c == '\r') {
				h->status = (uint16_t)h->acc;
				if (h->status == 101) {
					e = WP_HTTP1_E_UPGRADE;
					goto fail;
				}
				h->st = c == ' ' ? S_REASON : S_START_LF;
				break;
			}
			e = c == '\n' ? WP_HTTP1_E_BARE_CR : WP_HTTP1_E_STATUS;
			goto fail;
		case S_REASON:
			if (c == '\r') {
				h->st = S_START_LF;
				break;
			}
			if (!(cls[c] & C_VALUE)) {
				e = c == '\n' ? WP_HTTP1_E_BARE_CR : WP_HTTP1_E_STATUS;
				goto fail;
			}
			skip_class(h, p, len, &i, C_VALUE, h->lim.max_line);
			break;
		case S_START_LF:
			if (c != '\n') {
				e = WP_HTTP1_E_BARE_CR;
				goto fail;
			}
			if (h->kind == WP_HTTP1_RESPONSE && h->status < 200)
				h->flags |= F_INTERIM;
			h->st = S_HDR_START;
			break;

		/* ---- header / trailer section ---- */
		case S_HDR_START:
			if (cls[c] & C_TCHAR) {
				if (++h->nheaders > h->lim.max_headers) {
					e = WP_HTTP1_E_TOO_MANY_HEADERS;
					goto fail;
				}
				e = field_fast(h, p, len, &i);
				if (e != WP_HTTP1_OK)
					goto fail;
				break;
			}
			if (c == '\r') {
				h->st = S_HEAD_LF;
				break;
			}
			e = c == '\n' ? WP_HTTP1_E_BARE_CR :
			    (cls[c] & C_WS) ? WP_HTTP1_E_OBS_FOLD : WP_HTTP1_E_HEADER_NAME;
			goto fail;
		case S_HDR_NAME:
			if (cls[c] & C_TCHAR) {
				if (h->hdr != H_NONE)
					name_byte(h, c);
				if (h->hdr == H_NONE)
					skip_class(h, p, len, &i, C_TCHAR,
						   h->lim.max_header_bytes);
				break;
			}
			if (c != ':') {
				e = WP_HTTP1_E_HEADER_NAME;
				goto fail;
			}
			e = hdr_begin(h);
			if (e != WP_HTTP1_OK)
				goto fail;
			h->st = S_HDR_OWS;
			break;
		case S_HDR_OWS:
			if (cls[c] & C_WS)
				break;
			h->st = S_HDR_VALUE;
			__attribute__((fallthrough));   /* it starts the value */
		case S_HDR_VALUE:
			if (c == '\r') {
				h->st = S_HDR_LF;
				break;
			}
			if (!(cls[c] & C_VALUE)) {
				e = c == '\n' ? WP_HTTP1_E_BARE_CR : WP_HTTP1_E_HEADER_VALUE;
				goto fail;
			}
			if (h->hdr != H_NONE) {
				/* value bytes of an interpreted field, up to CR,
				 * a byte the states must judge, or the budget */
				size_t end = len;
				size_t room = h->lim.max_header_bytes - h->head_len;

				if (end - i - 1 > room)
					end = i + 1 + room;
				for (;;) {
					e = hdr_byte(h, c);
					if (e != WP_HTTP1_OK)
						goto fail;
					if (i + 1 >= end)
						break;
					c = p[i + 1];
					if (c == '\r' || !(cls[c] & C_VALUE))
						break;
					i++;
					h->head_len++;
				}
				break;
			}
			skip_class(h, p, len, &i, C_VALUE, h->lim.max_header_bytes);
			break;
		case S_HDR_LF:
			if (c != '\n') {
				e = WP_HTTP1_E_BARE_CR;
				goto fail;
			}
			e = hdr_end(h);
			if (e != WP_HTTP1_OK)
				goto fail;
			h->st = S_HDR_START;
			break;
		case S_HEAD_LF:
			if (c != '\n') {
				e = WP_HTTP1_E_BARE_CR;
				goto fail;
			}
			head_end(h);
			break;

		/* ---- chunked body ---- */
		case S_CHUNK_SIZE0:
			if (!(cls[c] & C_HEX)) {
				e = WP_HTTP1_E_CHUNK_SIZE;
				goto fail;
			}
			h->acc = hexval(c);
			h->st = S_CHUNK_SIZE;
			break;
		case S_CHUNK_SIZE:
			if (cls[c] & C_HEX) {
				if (h->acc > (CHUNK_MAX >> 4)) {
					e = WP_HTTP1_E_CHUNK_SIZE;
					goto fail;
				}
				h->acc = h->acc << 4 | hexval(c);
				if (h->acc > CHUNK_MAX) {
					e = WP_HTTP1_E_CHUNK_SIZE;
					goto fail;
				}
				break;
			}
			if (c == '\r')
				h->st = S_CHUNK_LF;
			else if (c == ';')
				h->st = S_CHUNK_EXT;
			else if (cls[c] & C_WS)
				h->st = S_CHUNK_BWS;
			else {
				e = c == '\n' ? WP_HTTP1_E_BARE_CR : WP_HTTP1_E_CHUNK_SIZE;
				goto fail;
			}
			break;
		case S_CHUNK_BWS:
			if (cls[c] & C_WS)
				break;
			if (c != ';') {
				e = WP_HTTP1_E_CHUNK_SIZE;
				goto fail;
			}
			h->st = S_CHUNK_EXT;
			break;
		case S_CHUNK_EXT:
			if (c == '\r') {
				h->st = S_CHUNK_LF;
				break;
			}
			if (!(cls[c] & C_VALUE)) {
				e = c == '\n' ? WP_HTTP1_E_BARE_CR : WP_HTTP1_E_CHUNK_FRAMING;
				goto fail;
			}
			break;
		case S_CHUNK_LF:
			if (c != '\n') {
				e = WP_HTTP1_E_BARE_CR;
				goto fail;
			}
			if (h->acc == 0) {
				/* last-chunk: the trailer section follows */
				h->flags |= F_TRAILER;
				h->st = S_HDR_START;
			} else {
				h->remaining = h->acc;
				h->st = S_CHUNK_DATA;
			}
			break;
		case S_CHUNK_DATA_CR:
			if (c != '\r') {
				e = WP_HTTP1_E_CHUNK_FRAMING;
				goto fail;
			}
			h->st = S_CHUNK_DATA_LF;
			break;
		case S_CHUNK_DATA_LF:
			if (c != '\n') {
				e = WP_HTTP1_E_CHUNK_FRAMING;
				goto fail;
			}
			h->line_len = 0;
			h->st = S_CHUNK_SIZE0;
			break;
		default:
			/* unreachable: spans are handled above */
			e = WP_HTTP1_E_CHUNK_FRAMING;
			goto fail;
		}
		i++;
		if (h->st == S_DONE)
			break;
	}
	h->msg_bytes += i;
	return (long)i;

fail:
	h->err = (uint16_t)e;
	h->msg_bytes += i;     /* the bytes before the offending one */
	h->st = S_DONE;
	return -EBADMSG;
}

#ifndef WP_HTTP1_NO_MBUF
long
wp_http1_feed_mbuf(struct wp_http1 *h, const struct rte_mbuf *m, uint32_t off)
{
	long total = 0;
	bool fed = false;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL; m = m->next, off = 0) {
		size_t n = (size_t)m->data_len - off;
		long rc;

		if (n == 0)
			continue;
		rc = wp_http1_feed(h, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		fed = true;
		if (rc < 0)
			return rc;
		total += rc;
		if (h->done)
			break;
	}
	/* nothing to give: still answer like feed() with no bytes would */
	if (!fed)
		return wp_http1_feed(h, NULL, 0);
	return total;
}
#endif

int
wp_http1_eof(struct wp_http1 *h)
{
	if (h->err != WP_HTTP1_OK)
		return -EBADMSG;
	if (h->done)
		return 0;
	if (h->st == S_BODY_CLOSE) {
		finish(h);
		return 0;
	}
	if (h->msg_bytes == 0)
		return -ENODATA;
	h->err = WP_HTTP1_E_TRUNCATED;
	h->st = S_DONE;
	return -EBADMSG;
}

/* ---------------- names ---------------- */

uint16_t
wp_http1_err_status(enum wp_http1_err e)
{
	switch (e) {
	case WP_HTTP1_E_LINE_TOO_LONG:
		return 414;
	case WP_HTTP1_E_HEADERS_TOO_BIG:
	case WP_HTTP1_E_TOO_MANY_HEADERS:
		return 431;
	case WP_HTTP1_E_TE_UNSUPPORTED:
	case WP_HTTP1_E_CONNECT:
		return 501;
	case WP_HTTP1_E_VERSION:
		return 505;
	default:
		return 400;
	}
}

static const char *const err_names[WP_HTTP1_E__COUNT] = {
	[WP_HTTP1_OK] = "ok",
	[WP_HTTP1_E_METHOD] = "method",
	[WP_HTTP1_E_TARGET] = "target",
	[WP_HTTP1_E_VERSION] = "version",
	[WP_HTTP1_E_STATUS] = "status",
	[WP_HTTP1_E_LINE_TOO_LONG] = "line_too_long",
	[WP_HTTP1_E_HEADER_NAME] = "header_name",
	[WP_HTTP1_E_HEADER_VALUE] = "header_value",
	[WP_HTTP1_E_OBS_FOLD] = "obs_fold",
	[WP_HTTP1_E_BARE_CR] = "bare_cr",
	[WP_HTTP1_E_HEADERS_TOO_BIG] = "headers_too_big",
	[WP_HTTP1_E_TOO_MANY_HEADERS] = "too_many_headers",
	[WP_HTTP1_E_CL_INVALID] = "cl_invalid",
	[WP_HTTP1_E_CL_DUPLICATE] = "cl_duplicate",
	[WP_HTTP1_E_CL_AND_TE] = "cl_and_te",
	[WP_HTTP1_E_TE_UNSUPPORTED] = "te_unsupported",
	[WP_HTTP1_E_CHUNK_SIZE] = "chunk_size",
	[WP_HTTP1_E_CHUNK_FRAMING] = "chunk_framing",
	[WP_HTTP1_E_CONNECT] = "connect",
	[WP_HTTP1_E_UPGRADE] = "upgrade",
	[WP_HTTP1_E_TRUNCATED] = "truncated",
	[WP_HTTP1_E_AFTER_DONE] = "after_done",
};

const char *
wp_http1_err_name(enum wp_http1_err e)
{
	if ((unsigned)e >= WP_HTTP1_E__COUNT || err_names[e] == NULL)
		return "unknown";
	return err_names[e];
}

static const char *const method_names[WP_HTTP1_M__COUNT] = {
	[WP_HTTP1_M_OTHER] = "other",
	[WP_HTTP1_M_GET] = "get",
	[WP_HTTP1_M_HEAD] = "head",
	[WP_HTTP1_M_POST] = "post",
	[WP_HTTP1_M_PUT] = "put",
	[WP_HTTP1_M_DELETE] = "delete",
	[WP_HTTP1_M_OPTIONS] = "options",
	[WP_HTTP1_M_TRACE] = "trace",
	[WP_HTTP1_M_CONNECT] = "connect",
	[WP_HTTP1_M_PATCH] = "patch",
};

const char *
wp_http1_method_name(enum wp_http1_method m)
{
	if ((unsigned)m >= WP_HTTP1_M__COUNT || method_names[m] == NULL)
		return "unknown";
	return method_names[m];
}

bool
wp_http1_method_idempotent(enum wp_http1_method m)
{
	switch (m) {
	case WP_HTTP1_M_GET:
	case WP_HTTP1_M_HEAD:
	case WP_HTTP1_M_PUT:
	case WP_HTTP1_M_DELETE:
	case WP_HTTP1_M_OPTIONS:
	case WP_HTTP1_M_TRACE:
		return true;
	default:
		return false;
	}
}
