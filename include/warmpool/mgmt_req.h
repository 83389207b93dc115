/* SPDX-License-Identifier: BSD-3-Clause */
/* Requests to the management listener (issue 5, DESIGN.md section 1):
 * framing by the project's HTTP/1.1 framer (http1.h) in its no-mbuf form,
 * then the route.
 *
 *   GET  /metrics                 Prometheus text of the telemetry
 *   GET  /backends                every backend as JSON
 *   POST /backends/NAME/drain     take NAME out of service (sessions closed
 *   POST /backends/NAME/undrain   on every worker) / put it back
 *
 * A query string is ignored. Anything the framer refuses gets its status
 * (400, 414, 431, 501, 505); a known path with another method 405; any
 * other path 404; a body larger than the buffer 413. NAME must be a valid
 * backend name (1..31 of A-Z a-z 0-9 _ . -) or the answer is 404. The
 * request ends the connection (the answer says Connection: close), so
 * bytes after it are ignored.
 *
 * One struct per connection; no allocation, no DPDK, no logging.
 */
#ifndef WARMPOOL_MGMT_REQ_H
#define WARMPOOL_MGMT_REQ_H

#include <stddef.h>
#include <stdint.h>

#include <warmpool/http1.h>

#define WP_MGMT_REQ_HEAD_MAX 4096   /* request head kept (line + headers) */
#define WP_MGMT_REQ_BODY_MAX 4096   /* body bytes accepted, chunk framing
                                     * included (and ignored) */
#define WP_MGMT_NAME_LEN 32

enum wp_mgmt_route {
	WP_MGMT_R_NONE = 0,     /* answer `status` */
	WP_MGMT_R_METRICS,
	WP_MGMT_R_BACKENDS,
	WP_MGMT_R_DRAIN,
	WP_MGMT_R_UNDRAIN,
};

struct wp_mgmt_req {
	/* results, valid once wp_mgmt_req_feed() returned 1 */
	uint8_t route;               /* enum wp_mgmt_route */
	uint16_t status;             /* route NONE: the error status to answer */
	const char *allow;           /* status 405: the Allow header value */
	char name[WP_MGMT_NAME_LEN]; /* DRAIN / UNDRAIN: the backend */

	/* private */
	struct wp_http1 h;
	uint32_t len;                /* bytes of head kept in buf */
	uint8_t buf[WP_MGMT_REQ_HEAD_MAX];
};

void wp_mgmt_req_init(struct wp_mgmt_req *r);

/* Feed received bytes. 1: the request is complete or refused (answer it
 * now, route/status set); 0: more bytes needed. The peer closing early is
 * the caller's business (no answer). */
int wp_mgmt_req_feed(struct wp_mgmt_req *r, const uint8_t *p, size_t len);

#endif /* WARMPOOL_MGMT_REQ_H */
