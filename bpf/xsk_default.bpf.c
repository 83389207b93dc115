/* SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0 */
/* The smallest AF_XDP program: every frame to the socket of its queue, or
 * to the kernel when none is bound. What DPDK's net_af_xdp (through
 * libxdp) runs when no xdp_prog= is given. Not used by warmpool itself:
 * it is the peer in perf/xdp_bench.c and the "foreign program" in the
 * loader's tests.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

SEC("xdp")
int
xsk_default(struct xdp_md *ctx)
{
	return (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
