/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: wp_steer_owner() (src/steer/classify.c), the routing
 * of received frames to their owner worker, over any bytes.
 *
 * The rule is built by hand (4 workers, RETA i -> i % 4, a hash table of
 * fixed pseudo-random words: the XOR structure is what matters here, not
 * Microsoft's key), so the target needs neither EAL nor rte_thash.
 * Invariants (any violation traps):
 *  - the answer is WP_STEER_LOCAL, WP_STEER_ALL or a worker id 0..3;
 *  - ALL only for an ARP reply, a worker id only for IPv4 carrying TCP or
 *    ICMP;
 *  - for an unfragmented IPv4/TCP frame with its ports inside the input,
 *    the answer equals the owner computed here, independently, from the
 *    header fields;
 *  - with one worker every frame is LOCAL.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <warmpool/steer.h>

#include "steer/steer_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static struct wp_rss R4, R1;

static void
init(void)
{
	uint64_t x = 0x243f6a8885a308d3ull;

	if (R4.nworkers != 0)
		return;
	for (unsigned i = 0; i < WP_RSS_TUPLE_LEN; i++)
		for (unsigned v = 0; v < 256; v++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			R4.table[i][v] = (uint32_t)(x >> 11);
		}
	R4.nworkers = 4;
	R4.reta_size = 128;
	R4.reta_log = 7;
	for (unsigned i = 0; i < 128; i++)
		R4.reta[i] = (uint16_t)(i % 4);
	R1 = R4;
	R1.nworkers = 1;
}

static uint32_t
g16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t size)
{
	uint32_t len = size > 65535 ? 65535 : (uint32_t)size;
	int o;

	init();
	o = wp_steer_owner(&R4, d, len);
	CHECK(o == WP_STEER_LOCAL || o == WP_STEER_ALL || (o >= 0 && o < 4));
	CHECK(wp_steer_owner(&R1, d, len) == WP_STEER_LOCAL);
	if (o == WP_STEER_ALL)
		CHECK(len >= 42 && g16(d + 12) == 0x0806 && g16(d + 20) == 2);
	if (o >= 0)
		CHECK(len >= 34 && g16(d + 12) == 0x0800 && (d[23] == 6 || d[23] == 1));
	/* an independent reading of an unfragmented IPv4/TCP header */
	if (len >= 34 && g16(d + 12) == 0x0800 && (d[14] >> 4) == 4 && d[23] == 6 &&
	    (g16(d + 20) & 0x3fff) == 0) {
		uint32_t hl = (d[14] & 15u) * 4u, h = 0;

		if (hl >= 20 && 14 + hl + 4 <= len) {
			const uint8_t *t[12] = {
				d + 26, d + 27, d + 28, d + 29, d + 30, d + 31, d + 32, d + 33,
				d + 14 + hl, d + 15 + hl, d + 16 + hl, d + 17 + hl,
			};

			for (unsigned i = 0; i < 12; i++)
				h ^= R4.table[i][*t[i]];
			CHECK(o == (int)R4.reta[h & 127]);
		} else {
			CHECK(o == WP_STEER_LOCAL);
		}
	}
	return 0;
}
