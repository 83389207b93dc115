/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: requests to the management listener
 * (src/control/mgmt_req.c), with the framer (src/proto/http1.c) built with
 * -DWP_HTTP1_NO_MBUF. No DPDK.
 *
 * The input is fed whole, in two pieces cut at a point derived from the
 * first byte, and one byte at a time: the three must end in the same
 * verdict (route, status, backend name) after the same number of bytes.
 * Traps on a verdict that contradicts itself: a route with an error
 * status, an error status outside the documented set, a 405 without an
 * Allow value, a drain name that is not a valid backend name, or a feed
 * after the verdict that changes it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <warmpool/mgmt_req.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

struct verdict {
	int done;
	size_t at;              /* bytes fed when it was reached */
	uint8_t route;
	uint16_t status;
	char name[WP_MGMT_NAME_LEN];
};

static void
run(const uint8_t *d, size_t size, size_t cut, size_t step, struct verdict *v)
{
	static struct wp_mgmt_req r;
	size_t off = 0;

	memset(v, 0, sizeof(*v));
	wp_mgmt_req_init(&r);
	while (off < size && !v->done) {
		size_t n = step ? step : (off < cut ? cut - off : size - off);

		if (n > size - off)
			n = size - off;
		v->done = wp_mgmt_req_feed(&r, d + off, n);
		off += n;
	}
	v->at = off;
	v->route = r.route;
	v->status = r.status;
	memcpy(v->name, r.name, sizeof(v->name));
	CHECK(v->name[WP_MGMT_NAME_LEN - 1] == '\0');
	if (!v->done) {
		CHECK(r.route == WP_MGMT_R_NONE && r.status == 0);
		return;
	}
	if (r.route != WP_MGMT_R_NONE) {
		CHECK(r.status == 0);
	} else {
		static const uint16_t ok[] = { 400, 404, 405, 413, 414, 431, 501, 505 };
		bool found = false;

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
			found |= r.status == ok[i];
		CHECK(found);
		CHECK(r.status != 405 || r.allow != NULL);
	}
	if (r.route == WP_MGMT_R_DRAIN || r.route == WP_MGMT_R_UNDRAIN) {
		size_t n = strlen(r.name);

		CHECK(n >= 1 && n < WP_MGMT_NAME_LEN);
		for (size_t i = 0; i < n; i++) {
			char c = r.name[i];

			CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
		}
	}
	/* after the verdict nothing changes it */
	CHECK(wp_mgmt_req_feed(&r, d, size) == 1);
	CHECK(r.route == v->route && r.status == v->status);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verdict a, b, c;
	size_t cut = size > 1 ? (size_t)data[0] * 257 % size : 0;

	if (size > 1 << 16)
		return 0;
	run(data, size, size, 0, &a);
	run(data, size, cut, 0, &b);
	run(data, size, 0, 1, &c);
	/* whole vs byte by byte: the same verdict at the same byte */
	CHECK(a.done == c.done && a.route == c.route && a.status == c.status);
	CHECK(strcmp(a.name, c.name) == 0);
	CHECK(b.done == c.done && b.route == c.route && b.status == c.status);
	CHECK(strcmp(b.name, c.name) == 0);
	return 0;
}
