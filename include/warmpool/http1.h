/* SPDX-License-Identifier: BSD-3-Clause */
/* HTTP/1.1 message framing (RFC 9112), zero-copy and incremental.
 *
 * The appliance forwards bytes unchanged; what it must know is where each
 * message ends, whether it may be forwarded at all, and whether the
 * connection stays usable afterwards. wp_http1 answers exactly that. It is
 * a byte-at-a-time state machine fed with spans as they arrive (an mbuf
 * segment at a time), so headers may be split anywhere, and nothing is
 * copied or linearised: the few header values that matter (Content-Length,
 * Transfer-Encoding, Connection) are folded into fixed fields as they pass.
 *
 * One struct wp_http1 per direction per connection, owned by the lcore
 * that owns the connection. No allocation, no logging: errors are returned
 * as a reason the caller counts and logs.
 *
 * Requests (WP_HTTP1_REQUEST): Content-Length, chunked or no body.
 * Rejected (the caller answers 400/431/501/505 and closes, the request
 * never reaches a backend): Content-Length together with Transfer-Encoding,
 * duplicate or malformed Content-Length, Transfer-Encoding other than a
 * final "chunked", bad chunk sizes or framing, obs-fold, bytes not allowed
 * in a token/field value/target, whitespace before ':', a request line or
 * header section over the limits, too many headers, HTTP versions other
 * than 1.0/1.1.
 *
 * Responses (WP_HTTP1_RESPONSE, told the request method): 1xx interim
 * responses are consumed and parsing continues with the final one (101 is
 * an error: no upgrades through the pool); HEAD, 204 and 304 have no body;
 * then Transfer-Encoding chunked, Content-Length, or close-delimited (the
 * body ends at EOF and the connection cannot be reused).
 *
 * Pipelining: wp_http1_feed() stops at the end of a message and returns
 * how much it consumed; the rest belongs to the next message. A message
 * is complete when `done` is set; wp_http1_reset() starts the next one.
 */
#ifndef WARMPOOL_HTTP1_H
#define WARMPOOL_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;

enum wp_http1_kind {
	WP_HTTP1_REQUEST = 0,
	WP_HTTP1_RESPONSE,
};

enum wp_http1_method {
	WP_HTTP1_M_OTHER = 0,   /* a valid token we do not know: not idempotent */
	WP_HTTP1_M_GET,
	WP_HTTP1_M_HEAD,
	WP_HTTP1_M_POST,
	WP_HTTP1_M_PUT,
	WP_HTTP1_M_DELETE,
	WP_HTTP1_M_OPTIONS,
	WP_HTTP1_M_TRACE,
	WP_HTTP1_M_CONNECT,     /* rejected by the request parser (tunnel) */
	WP_HTTP1_M_PATCH,
	WP_HTTP1_M__COUNT
};

enum wp_http1_body {
	WP_HTTP1_BODY_NONE = 0,   /* no body (request without CL/TE, HEAD, 1xx/204/304) */
	WP_HTTP1_BODY_LENGTH,     /* Content-Length bytes */
	WP_HTTP1_BODY_CHUNKED,    /* chunked transfer coding, with trailers */
	WP_HTTP1_BODY_CLOSE,      /* response until EOF: connection not reusable */
};

/* Why input was rejected. 0 is "no error". */
enum wp_http1_err {
	WP_HTTP1_OK = 0,
	WP_HTTP1_E_METHOD,        /* empty method or non-token byte in it */
	WP_HTTP1_E_TARGET,        /* bad byte in request-target, or empty */
	WP_HTTP1_E_VERSION,       /* not "HTTP/1.0" or "HTTP/1.1" (505 for other digits) */
	WP_HTTP1_E_STATUS,        /* bad status line / status code */
	WP_HTTP1_E_LINE_TOO_LONG, /* request or status line over max_line (414 for requests) */
	WP_HTTP1_E_HEADER_NAME,   /* empty name, non-token byte, space before ':' */
	WP_HTTP1_E_HEADER_VALUE,  /* CTL byte (other than HTAB) in a field value */
	WP_HTTP1_E_OBS_FOLD,      /* line folding (a header line starting with SP/HTAB) */
	WP_HTTP1_E_BARE_CR,       /* CR not followed by LF */
	WP_HTTP1_E_HEADERS_TOO_BIG, /* header section over max_header_bytes (431) */
	WP_HTTP1_E_TOO_MANY_HEADERS, /* more than max_headers fields (431) */
	WP_HTTP1_E_CL_INVALID,    /* Content-Length not 1*DIGIT, or over 2^62 */
	WP_HTTP1_E_CL_DUPLICATE,  /* Content-Length given twice (even if equal) */
	WP_HTTP1_E_CL_AND_TE,     /* both Content-Length and Transfer-Encoding */
	WP_HTTP1_E_TE_UNSUPPORTED, /* Transfer-Encoding not ending in chunked, or unknown coding (501 on requests) */
	WP_HTTP1_E_CHUNK_SIZE,    /* chunk size not hex, empty, or too large */
	WP_HTTP1_E_CHUNK_FRAMING, /* missing CRLF after chunk data, bad chunk-ext/trailer */
	WP_HTTP1_E_CONNECT,       /* CONNECT request (no tunnels) */
	WP_HTTP1_E_UPGRADE,       /* 101 Switching Protocols response */
	WP_HTTP1_E_TRUNCATED,     /* EOF inside a message that was not close-delimited */
	WP_HTTP1_E_AFTER_DONE,    /* fed again after `done` without wp_http1_reset() */
	WP_HTTP1_E__COUNT
};

struct wp_http1_limits {
	uint32_t max_line;          /* request/status line bytes incl. CRLF, >= 16 */
	uint32_t max_header_bytes;  /* whole header section incl. line, >= max_line */
	uint32_t max_headers;       /* header fields, >= 1 */
};

/* Parser state for one message direction of one connection. Fields below
 * "results" are valid as noted; the rest is private to http1.c. */
struct wp_http1 {
	/* results */
	uint8_t kind;              /* enum wp_http1_kind */
	uint8_t method;            /* enum wp_http1_method: parsed (request) or given (response) */
	uint8_t version_minor;     /* 0 or 1, once the start line is parsed */
	uint8_t body;              /* enum wp_http1_body, once headers_done */
	uint16_t status;           /* response: final status code */
	uint16_t err;              /* enum wp_http1_err, sticky until reset */
	bool headers_done;         /* header section of the (final) message parsed */
	bool done;                 /* message complete */
	bool keep_alive;           /* connection may carry another message after this
	                            * one: HTTP/1.1 without "Connection: close", or
	                            * HTTP/1.0 with "Connection: keep-alive"; false
	                            * for close-delimited bodies. Valid at headers_done. */
	bool expect_continue;      /* request had "Expect: 100-continue" */
	uint64_t content_length;   /* BODY_LENGTH: declared length */
	uint64_t head_bytes;       /* bytes of start line + headers (of the final
	                            * response, interim 1xx excluded) */
	uint64_t msg_bytes;        /* bytes consumed for this message so far,
	                            * including any interim 1xx responses */
	uint32_t interim;          /* 1xx responses consumed before the final one */

	/* private */
	struct wp_http1_limits lim;
	uint8_t st;                /* state machine state */
	uint8_t sub;               /* sub-state (matching a header name, ...) */
	uint8_t hdr;               /* which interesting header is being read */
	uint8_t flags;             /* seen CL / TE / close / keep-alive ... */
	uint32_t line_len;         /* bytes of the current line */
	uint32_t head_len;         /* bytes of the current header section */
	uint32_t nheaders;
	uint32_t match;            /* progress matching a literal */
	uint64_t remaining;        /* body / chunk bytes still to pass */
	uint64_t acc;              /* number being accumulated (CL, chunk size, status) */
	uint8_t tok[16];           /* a short token being collected (method, coding) */
	uint8_t tok_len;
};

/* Start parsing a message of `kind`. For responses, `req_method` is the
 * method of the request it answers (HEAD has no body). `lim` NULL gives
 * the defaults (8 KiB line, 32 KiB headers, 100 fields). */
void wp_http1_init(struct wp_http1 *h, enum wp_http1_kind kind,
		   enum wp_http1_method req_method,
		   const struct wp_http1_limits *lim);

/* Next message on the same connection (same kind and limits). */
void wp_http1_reset(struct wp_http1 *h, enum wp_http1_method req_method);

/* Parse up to `len` bytes. Returns the bytes consumed (< len only when
 * the message became complete: the rest is the next message), or
 * -EBADMSG with h->err set; once in error every call returns -EBADMSG. */
long wp_http1_feed(struct wp_http1 *h, const uint8_t *p, size_t len);

/* The same over an mbuf chain from byte `off` of the chain, segment by
 * segment, without copying. Returns bytes consumed from `off`. */
long wp_http1_feed_mbuf(struct wp_http1 *h, const struct rte_mbuf *m,
			uint32_t off);

/* The peer closed its sending side. A close-delimited body becomes done
 * (returns 0); EOF before any byte of a message is "idle" (returns
 * -ENODATA, no error recorded); anything else is WP_HTTP1_E_TRUNCATED
 * (returns -EBADMSG). */
int wp_http1_eof(struct wp_http1 *h);

/* The HTTP status the appliance answers a rejected request with
 * (400, 414, 431, 501 or 505). */
uint16_t wp_http1_err_status(enum wp_http1_err e);

/* Short stable names for counters and logs ("cl_and_te", ...). */
const char *wp_http1_err_name(enum wp_http1_err e);
const char *wp_http1_method_name(enum wp_http1_method m);

/* GET, HEAD, PUT, DELETE, OPTIONS, TRACE (RFC 9110 section 9.2.2). */
bool wp_http1_method_idempotent(enum wp_http1_method m);

#endif /* WARMPOOL_HTTP1_H */
