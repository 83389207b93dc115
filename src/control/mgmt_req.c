/* SPDX-License-Identifier: BSD-3-Clause */
/* Management requests: framing and routing (contract: warmpool/mgmt_req.h).
 *
 * The framer (http1.c) decides where the request ends and whether it is
 * acceptable at all; only a request it accepted is routed. Its head is
 * kept (the framer's own limits here are smaller than the buffer, so a
 * head that fits the limits fits the buffer); the route comes from the
 * request line the framer has validated: METHOD SP target SP version, the
 * target visible ASCII. The body, if any, is framed and ignored.
 */
#include <errno.h>
#include <string.h>

#include <warmpool/mgmt_req.h>

/* Limits for the framer: well inside the buffer. */
static const struct wp_http1_limits limits = {
	.max_line = 1024,
	.max_header_bytes = WP_MGMT_REQ_HEAD_MAX,
	.max_headers = 64,
};

void
wp_mgmt_req_init(struct wp_mgmt_req *r)
{
	memset(r, 0, sizeof(*r));
	wp_http1_init(&r->h, WP_HTTP1_REQUEST, WP_HTTP1_M_OTHER, &limits);
}

static int
refuse(struct wp_mgmt_req *r, uint16_t status)
{
	r->route = WP_MGMT_R_NONE;
	r->status = status;
	return 1;
}

static int
valid_name(const char *s, size_t n)
{
	if (n == 0 || n >= WP_MGMT_NAME_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* The route of the validated head in r->buf. */
static int
route(struct wp_mgmt_req *r)
{
	const char *line = (const char *)r->buf, *t, *te, *q;
	const char *end = memchr(line, '\n', r->len);
	size_t tl;
	int get = r->h.method == WP_HTTP1_M_GET, post = r->h.method == WP_HTTP1_M_POST;

	if (end == NULL)
		return refuse(r, 400);  /* cannot happen: the framer saw the line */
	t = memchr(line, ' ', (size_t)(end - line));
	if (t == NULL)
		return refuse(r, 400);
	t++;
	te = memchr(t, ' ', (size_t)(end - t));
	if (te == NULL)
		return refuse(r, 400);
	q = memchr(t, '?', (size_t)(te - t));
	tl = (size_t)((q != NULL ? q : te) - t);

	if (tl == 8 && memcmp(t, "/metrics", 8) == 0) {
		r->allow = "GET";
		if (!get)
			return refuse(r, 405);
		r->route = WP_MGMT_R_METRICS;
		return 1;
	}
	if ((tl == 9 && memcmp(t, "/backends", 9) == 0) ||
	    (tl == 10 && memcmp(t, "/backends/", 10) == 0)) {
		r->allow = "GET";
		if (!get)
			return refuse(r, 405);
		r->route = WP_MGMT_R_BACKENDS;
		return 1;
	}
	if (tl > 10 && memcmp(t, "/backends/", 10) == 0) {
		const char *n = t + 10, *slash = memchr(n, '/', tl - 10);
		size_t nl, al;
		uint8_t rt;

		if (slash == NULL)
			return refuse(r, 404);
		nl = (size_t)(slash - n);
		al = tl - 10 - nl - 1;
		if (al == 5 && memcmp(slash + 1, "drain", 5) == 0)
			rt = WP_MGMT_R_DRAIN;
		else if (al == 7 && memcmp(slash + 1, "undrain", 7) == 0)
			rt = WP_MGMT_R_UNDRAIN;
		else
			return refuse(r, 404);
		if (!valid_name(n, nl))
			return refuse(r, 404);
		r->allow = "POST";
		if (!post)
			return refuse(r, 405);
		memcpy(r->name, n, nl);
		r->name[nl] = '\0';
		r->route = rt;
		return 1;
	}
	return refuse(r, 404);
}

int
wp_mgmt_req_feed(struct wp_mgmt_req *r, const uint8_t *p, size_t len)
{
	long n;

	if (r->status != 0 || r->route != WP_MGMT_R_NONE)
		return 1;               /* already answered: the rest is ignored */
	if (!r->h.headers_done) {
		/* the head may end inside this span: keep what fits, trim below */
		size_t keep = len < sizeof(r->buf) - r->len ? len : sizeof(r->buf) - r->len;

		memcpy(r->buf + r->len, p, keep);
		r->len += (uint32_t)keep;
	}
	n = wp_http1_feed(&r->h, p, len);
	if (n < 0)
		return refuse(r, wp_http1_err_status((enum wp_http1_err)r->h.err));
	if (!r->h.headers_done)
		return 0;
	if (r->len > r->h.head_bytes)
		r->len = (uint32_t)r->h.head_bytes;
	if ((r->h.body == WP_HTTP1_BODY_LENGTH && r->h.content_length > WP_MGMT_REQ_BODY_MAX) ||
	    r->h.msg_bytes - r->h.head_bytes > WP_MGMT_REQ_BODY_MAX)
		return refuse(r, 413);
	return r->h.done ? route(r) : 0;
}
