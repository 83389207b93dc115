/* SPDX-License-Identifier: BSD-3-Clause */
/* Hop-by-hop rewriting of a request head (contract: warmpool/http1_hop.h).
 *
 * A byte-at-a-time scanner over a head that wp_http1 already accepted, so
 * the line structure is known to be sane: a request line, field lines
 * "name:value" ending in LF (CR before it), an empty line. States:
 *
 *   RLINE   the request line, until its LF (line_end recorded)
 *   LSTART  first byte of a line: CR/LF = the empty line, else a name
 *   NAME    matching "connection" case-insensitively until ':'
 *   VALUE   a Connection value: list elements (sub-state, as http1.c)
 *   SKIP    any other line, until LF
 *   ENDCR   the CR of the empty line, LF next
 *
 * Tokens are collected lower case (up to 10 bytes: "keep-alive"); the
 * addresses of their first five bytes are kept, so a "close" split across
 * two mbuf segments can still be overwritten when its end is seen.
 */
#include <string.h>

#include <warmpool/http1_hop.h>

enum { S_RLINE = 0, S_LSTART, S_NAME, S_VALUE, S_SKIP, S_ENDCR, S_DONE };
/* list element states, as L_* in http1.c */
enum { L_BEFORE = 0, L_TOKEN, L_AFTER, L_SKIP };

#define TOK_OVER 11     /* tlen saturates here: longer than anything we compare */

static const char conn_name[] = "connection";

static bool
is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

void
wp_http1_hop_init(struct wp_http1_hop *h)
{
	memset(h, 0, sizeof(*h));
	h->st = S_RLINE;
}

/* A complete list element of a Connection value. */
static void
elem_end(struct wp_http1_hop *h)
{
	if (h->tlen == 5 && memcmp(h->tok, "close", 5) == 0) {
		for (unsigned i = 0; i < 5; i++)
			*h->tp[i] = ' ';
		h->blanked++;
	} else if (h->tlen == 10 && memcmp(h->tok, "keep-alive", 10) == 0) {
		h->keep_alive_opt = true;
	}
	h->tlen = 0;
}

static void
tok_push(struct wp_http1_hop *h, uint8_t *p)
{
	if (h->tlen < 5)
		h->tp[h->tlen] = p;
	if (h->tlen < sizeof(h->tok))
		h->tok[h->tlen] = (char)lower(*p);
	if (h->tlen < TOK_OVER)
		h->tlen++;
}

/* One byte of a Connection value (not CR/LF). */
static void
value_byte(struct wp_http1_hop *h, uint8_t *p)
{
	uint8_t c = *p;
	bool ws = c == ' ' || c == '\t';

	switch (h->sub) {
	case L_BEFORE:
		if (c == ',' || ws)
			return;
		if (is_tchar(c)) {
			h->sub = L_TOKEN;
			tok_push(h, p);
			return;
		}
		break;
	case L_TOKEN:
		if (is_tchar(c)) {
			tok_push(h, p);
			return;
		}
		if (ws) {
			h->sub = L_AFTER;
			return;
		}
		if (c == ',') {
			h->sub = L_BEFORE;
			elem_end(h);
			return;
		}
		break;
	case L_AFTER:
		if (ws)
			return;
		if (c == ',') {
			h->sub = L_BEFORE;
			elem_end(h);
			return;
		}
		break;
	default:        /* L_SKIP */
		if (c == ',')
			h->sub = L_BEFORE;
		return;
	}
	/* malformed element: skipped, as the framer does */
	h->tlen = 0;
	h->sub = L_SKIP;
}

size_t
wp_http1_hop_feed(struct wp_http1_hop *h, uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && h->st != S_DONE; i++) {
		uint8_t c = p[i];

		h->scanned++;
		switch (h->st) {
		case S_RLINE:
			if (c == '\n') {
				h->line_end = h->scanned;
				h->st = S_LSTART;
			}
			break;
		case S_LSTART:
			if (c == '\r') {
				h->st = S_ENDCR;
				break;
			}
			if (c == '\n') {
				h->st = S_DONE;
				break;
			}
			h->nm = 0;
			h->st = S_NAME;
			__attribute__((fallthrough)); /* this byte is the name's first */
		case S_NAME:
			if (c == ':') {
				if (h->nm == sizeof(conn_name) - 1) {
					h->conn_fields++;
					h->st = S_VALUE;
					h->sub = L_BEFORE;
					h->tlen = 0;
				} else {
					h->st = S_SKIP;
				}
			} else if (c == '\n') {
				h->st = S_LSTART;       /* not a field line: nothing to do */
			} else if (h->nm < sizeof(conn_name) - 1 &&
				   lower(c) == (uint8_t)conn_name[h->nm]) {
				h->nm++;
			} else {
				h->st = S_SKIP;
			}
			break;
		case S_VALUE:
			if (c == '\r')
				break;
			if (c == '\n') {
				if (h->sub == L_TOKEN || h->sub == L_AFTER)
					elem_end(h);
				h->st = S_LSTART;
				break;
			}
			value_byte(h, &p[i]);
			break;
		case S_SKIP:
			if (c == '\n')
				h->st = S_LSTART;
			break;
		case S_ENDCR:
			h->st = S_DONE;         /* the LF (the framer saw to that) */
			break;
		}
	}
	if (h->st == S_DONE)
		h->done = true;
	return i;
}
