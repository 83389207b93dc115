/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the XDP steering decision (bpf/steer_decide.h) as host
 * C, any bytes as a frame on any RX queue, under any configuration.
 *
 * Input: [queue][knobs][reta][frame...]
 *   queue  the RX queue (values >= WP_XDP_MAX_QUEUES too)
 *   knobs  bit 0 configured, 1 WP_XDP_F_META, 2 WP_XDP_F_DROP_NO_SOCKET,
 *          3..6 sockets on queues 0..3 (bit 3 + (queue & 3) for the queue
 *          itself), 7 the driver refuses metadata
 *   reta   low 4 bits: log2 of reta_size (clamped), high 4: owner pattern
 * The frame is copied to a buffer of its exact size, so any read past it
 * is an ASan report.
 *
 * Invariants (any violation traps):
 *  - the verdict is XDP_PASS, XDP_DROP (only with the drop flag) or
 *    XDP_REDIRECT (only with a socket on the queue);
 *  - RX moved by one and exactly one of REDIRECT/PASS/NO_SOCKET did, and
 *    the verdict agrees with it; PASS frames moved exactly one reason;
 *  - a mark only on configured appliance frames, only with the flag; for
 *    TCP its hash equals the bitwise reference Toeplitz over the tuple
 *    read from the frame, and its owner is owner[hash & (reta - 1)].
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdp_host_env.h"
#include "steer/xdp_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static const uint8_t key[WP_XDP_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static wp_xdp_env_t env;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint16_t owner[WP_XDP_RETA_MAX];
	struct wp_xdp_rules r;
	uint32_t q, knobs, reta, len, outcomes = 0, reasons = 0;
	uint8_t *frame;
	int act;

	if (size < 3)
		return 0;
	q = data[0];
	knobs = data[1];
	reta = 1u << ((data[2] & 0x0f) > 9 ? 9 : (data[2] & 0x0f));
	len = (uint32_t)(size - 3);
	frame = malloc(len ? len : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 3, len);

	memset(&env, 0, sizeof(env));
	memset(&r, 0, sizeof(r));
	r.addr[0] = __builtin_bswap32(0xc6120601);   /* 198.18.6.1 */
	r.addr[1] = __builtin_bswap32(0xc612060a);   /* 198.18.6.10 */
	r.n_addr = 2;
	r.port[0].lo = r.port[0].hi = 80;
	r.port[1].lo = 40000;
	r.port[1].hi = 40999;
	r.n_port = 2;
	r.flags = (knobs & 2 ? WP_XDP_F_META : 0) | (knobs & 4 ? WP_XDP_F_DROP_NO_SOCKET : 0);
	for (uint32_t i = 0; i < reta; i++)
		owner[i] = (uint16_t)((i * (1u + (data[2] >> 4))) % 8);
	if (knobs & 1) {
		/* the key expansion dominates a run: build once per configuration */
		static struct wp_xdp_cfg cfg;
		static uint32_t slot[WP_XDP_RETA_MAX];
		static int built = -1;
		int which = (int)(data[2] << 8 | (knobs & 6));

		if (which != built) {
			CHECK(wp_xdp_cfg_build(&r, key, owner, reta, &cfg, slot, NULL) == 0);
			built = which;
		}
		env.cfg[1] = cfg;
		memcpy(&env.owner[WP_XDP_RETA_MAX], slot, sizeof(slot));
		env.active.slot = 1;
	}
	env.bound = (uint64_t)((knobs >> 3) & 0xf);
	if (q < 64)
		env.bound = (env.bound & ~(1ull << q)) | ((uint64_t)(knobs >> (3 + (q & 3)) & 1) << q);
	env.meta_refused = !!(knobs & 0x80);

	act = wp_xdp_steer(&env, frame, frame + len, q);

	CHECK(act == XDP_PASS || act == XDP_DROP || act == XDP_REDIRECT);
	if (act == XDP_DROP)
		CHECK((knobs & 1) && (knobs & 4));
	if (act == XDP_REDIRECT)
		CHECK(q < 64 && (env.bound >> q & 1));
	if (q < WP_XDP_MAX_QUEUES) {
		const __u64 *c = env.stats[q].c;

		CHECK(c[WP_XDP_CTR_RX] == 1);
		outcomes = (uint32_t)(c[WP_XDP_CTR_REDIRECT] + c[WP_XDP_CTR_PASS] +
				      c[WP_XDP_CTR_NO_SOCKET]);
		CHECK(outcomes == 1);
		CHECK((act == XDP_REDIRECT) == (c[WP_XDP_CTR_REDIRECT] == 1));
		reasons = (uint32_t)(c[WP_XDP_CTR_NOT_IP] + c[WP_XDP_CTR_SHORT] + c[WP_XDP_CTR_FRAG] +
				     c[WP_XDP_CTR_OTHER_ADDR] + c[WP_XDP_CTR_OTHER_PROTO] +
				     c[WP_XDP_CTR_OTHER_PORT]);
		CHECK(reasons == c[WP_XDP_CTR_PASS]);
		if (!(knobs & 1))
			CHECK(c[WP_XDP_CTR_UNCONFIGURED] == 1);
		CHECK(c[WP_XDP_CTR_NON_OWNER] <= c[WP_XDP_CTR_TCP]);
	}
	if (env.meta_set) {
		CHECK((knobs & 1) && (knobs & 2));
		CHECK(env.meta.magic == WP_XDP_META_MAGIC);
		if (env.meta.kind == WP_XDP_KIND_TCP) {
			uint32_t ihl = (uint32_t)(frame[14] & 0x0f) * 4;
			uint8_t in[WP_XDP_TUPLE_LEN];
			uint32_t h;

			CHECK(len >= 14 + ihl + 20);
			memcpy(in, frame + 14 + 12, 8);
			memcpy(in + 8, frame + 14 + ihl, 4);
			h = wp_xdp_toeplitz_ref(key, in, WP_XDP_TUPLE_LEN);
			CHECK(env.meta.hash == h);
			CHECK(env.meta.owner == owner[h & (reta - 1)]);
			CHECK(!!(env.meta.flags & WP_XDP_META_NON_OWNER) == (env.meta.owner != q));
		}
	} else if ((knobs & 1) && (knobs & 2) && !(knobs & 0x80) && q < WP_XDP_MAX_QUEUES) {
		/* flag on, driver willing: every appliance frame is marked */
		CHECK(env.stats[q].c[WP_XDP_CTR_PASS] == 1);
	}
	free(frame);
	return 0;
}
