/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the XDP steering program and its loader (DESIGN.md section 4,
 * issue 6): the limits, the per-queue counters and the appliance rules.
 *
 * This header is shared with the BPF side (bpf/steer_kern_user.h includes
 * it, and the program is compiled with clang -target bpf), so it uses the
 * kernel's <linux/types.h> and nothing from libc: glibc's <stdint.h> does
 * not compile for the BPF target. Everything the program and user space
 * must agree on is defined once, here or in bpf/steer_kern_user.h; the
 * loader (src/steer/xdp.c) never copies a layout by hand.
 *
 * Limits can be lowered or raised at build time (-DWP_XDP_MAX_QUEUES=...),
 * but the BPF object and the C code must be built with the same values: the
 * loader refuses a program whose map sizes differ from its own.
 */
#ifndef WARMPOOL_STEER_XDP_T_H
#define WARMPOOL_STEER_XDP_T_H

#include <linux/types.h>

/* RX queues one program serves (size of xsks_map and of the counters). */
#ifndef WP_XDP_MAX_QUEUES
#define WP_XDP_MAX_QUEUES 64
#endif
/* Largest redirection table (RETA); reta_size is a power of two <= this. */
#ifndef WP_XDP_RETA_MAX
#define WP_XDP_RETA_MAX 512
#endif
/* Appliance IPv4 addresses and TCP port ranges in one rule set. */
#ifndef WP_XDP_MAX_ADDRS
#define WP_XDP_MAX_ADDRS 8
#endif
#ifndef WP_XDP_MAX_PORT_RANGES
#define WP_XDP_MAX_PORT_RANGES 8
#endif
/* Toeplitz key length (bytes): the 40-byte key of the Microsoft RSS
 * definition, enough for the 12-byte IPv4/TCP input. */
#define WP_XDP_KEY_LEN 40
/* An owner_map entry that names no owner: no ownership check. */
#define WP_XDP_OWNER_NONE 0xffffffffu

/* Per-queue counters, indexes into struct wp_xdp_counters.v. Every frame
 * the program sees counts once in RX and once in exactly one of REDIRECT,
 * PASS and NO_SOCKET, so RX == REDIRECT + PASS + NO_SOCKET. The other
 * counters split those further:
 *   UNCONFIGURED            frames seen before the first configuration;
 *                           they were treated as appliance traffic (DPDK's
 *                           default program does the same);
 *   ARP ICMP TCP            appliance traffic by kind (configured only);
 *   NON_OWNER               appliance TCP that arrived on a queue that is
 *                           not its owner's (owner_map); still redirected,
 *                           the worker hands it off in software;
 *   META_FAIL               could not attach the metadata mark (driver
 *                           without XDP metadata support);
 *   NOT_IP SHORT FRAG OTHER_ADDR OTHER_PROTO OTHER_PORT
 *                           why a frame went to the kernel (sum == PASS).
 * X(name, "text") so names and indexes cannot drift apart. */
#define WP_XDP_COUNTERS(X) \
	X(RX, "rx") \
	X(REDIRECT, "redirect") \
	X(PASS, "pass") \
	X(NO_SOCKET, "no_socket") \
	X(UNCONFIGURED, "unconfigured") \
	X(ARP, "arp") \
	X(ICMP, "icmp") \
	X(TCP, "tcp") \
	X(NON_OWNER, "non_owner") \
	X(META_FAIL, "meta_fail") \
	X(NOT_IP, "pass_not_ip") \
	X(SHORT, "pass_short") \
	X(FRAG, "pass_frag") \
	X(OTHER_ADDR, "pass_other_addr") \
	X(OTHER_PROTO, "pass_other_proto") \
	X(OTHER_PORT, "pass_other_port")

enum wp_xdp_ctr {
#define WP_XDP_CTR_ENUM_(n, s) WP_XDP_CTR_##n,
	WP_XDP_COUNTERS(WP_XDP_CTR_ENUM_)
#undef WP_XDP_CTR_ENUM_
	WP_XDP_CTR__COUNT
};

/* struct wp_xdp_rules.flags */
enum wp_xdp_rule_flags {
	/* Appliance traffic on a queue without a bound socket is dropped
	 * (default: passed to the kernel, as DPDK's default program does). */
	WP_XDP_F_DROP_NO_SOCKET = 1u << 0,
	/* Prepend struct wp_xdp_meta (bpf/steer_kern_user.h) to every
	 * configured frame sent to a socket: owner, hash, non-owner flag. */
	WP_XDP_F_META = 1u << 1,
};

/* A TCP destination port range, host byte order, inclusive. */
struct wp_xdp_port_range {
	__u16 lo;
	__u16 hi;
};

/* What is "for the appliance". A frame is, when it is
 *  - ARP (Ethernet/IPv4) whose target protocol address is in addr[];
 *  - IPv4 ICMP to an address in addr[];
 *  - IPv4 TCP, not a fragment, to an address in addr[] and a destination
 *    port inside one of port[] (listening ports and the local port range
 *    of backend sessions).
 * Everything else goes to the kernel. owner_map values are worker numbers;
 * worker w's socket is on device queue queue_base + w (net_af_xdp's
 * start_queue). Written by the control core through wp_xdp_configure();
 * read by the program from its config map. */
struct wp_xdp_rules {
	__be32 addr[WP_XDP_MAX_ADDRS]; /* network byte order */
	__u32 n_addr;
	struct wp_xdp_port_range port[WP_XDP_MAX_PORT_RANGES];
	__u32 n_port;
	__u32 flags;      /* enum wp_xdp_rule_flags */
	__u32 queue_base; /* device queue of worker 0 */
};

#ifndef __bpf__
/* One queue's counters summed over CPUs (wp_xdp_counters()). */
struct wp_xdp_counters {
	__u64 v[WP_XDP_CTR__COUNT];
};

/* A loader handle: one interface, its program and pinned maps. Opaque;
 * see warmpool/steer_xdp.h. */
struct wp_xdp;
#endif

#endif /* WARMPOOL_STEER_XDP_T_H */
