/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* wp_steer: warmpool's XDP program for AF_XDP mode (DESIGN.md section 4).
 *
 * Appliance traffic (struct wp_xdp_rules) goes to the AF_XDP socket of the
 * queue it arrived on, everything else to the kernel; per-queue counters
 * and the flow-owner check on the way. The decision itself is
 * steer_decide.h, shared with the host tests; this file only binds its
 * hooks to maps and helpers. Map layouts: steer_kern_user.h.
 *
 * Loaded two ways: by DPDK's net_af_xdp (xdp_prog=steer.bpf.o: it takes the
 * first program of the object and fills xsks_map), or by warmpool's loader
 * through the skeleton (src/steer/xdp.c). Either way the loader pins the
 * maps and writes the configuration.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "steer_kern_user.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WP_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct wp_xdp_cfg);
} cfg_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wp_xdp_active);
} cfg_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * WP_XDP_RETA_MAX);
	__type(key, __u32);
	__type(value, __u32);
} owner_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WP_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, struct wp_xdp_qstats);
} stats_map SEC(".maps");

typedef struct xdp_md wp_xdp_env_t;

static __always_inline const struct wp_xdp_cfg *
wp_xdp_env_cfg(wp_xdp_env_t *ctx, __u32 *slot)
{
	const struct wp_xdp_active *a;
	const struct wp_xdp_cfg *cfg;
	__u32 zero = 0, s;

	(void)ctx;
	a = bpf_map_lookup_elem(&cfg_active, &zero);
	if (!a)
		return 0;
	s = a->slot & 1;
	cfg = bpf_map_lookup_elem(&cfg_map, &s);
	if (!cfg || cfg->magic != WP_XDP_CFG_MAGIC)
		return 0;
	*slot = s;
	return cfg;
}

static __always_inline __u32
wp_xdp_env_owner(wp_xdp_env_t *ctx, __u32 slot, __u32 idx)
{
	__u32 key = (slot & 1) * WP_XDP_RETA_MAX + (idx & (WP_XDP_RETA_MAX - 1));
	const __u32 *o;

	(void)ctx;
	o = bpf_map_lookup_elem(&owner_map, &key);
	return o ? *o : WP_XDP_OWNER_NONE;
}

static __always_inline struct wp_xdp_qstats *
wp_xdp_env_stats(wp_xdp_env_t *ctx, __u32 q)
{
	(void)ctx;
	return bpf_map_lookup_elem(&stats_map, &q);
}

static __always_inline int
wp_xdp_env_redirect(wp_xdp_env_t *ctx, __u32 q, int fallback)
{
	(void)ctx;
	return (int)bpf_redirect_map(&xsks_map, q, fallback);
}

static __always_inline int
wp_xdp_env_meta(wp_xdp_env_t *ctx, const struct wp_xdp_meta *m)
{
	struct wp_xdp_meta *dst;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)) != 0)
		return -1;
	dst = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	if ((void *)(dst + 1) > data)
		return -1;
	*dst = *m;
	return 0;
}

#define WP_XDP_HAVE_ENV 1
#include "steer_decide.h"

SEC("xdp")
int
wp_steer(struct xdp_md *ctx)
{
	return wp_xdp_steer(ctx, (void *)(long)ctx->data, (void *)(long)ctx->data_end,
			    ctx->rx_queue_index);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
