/* SPDX-License-Identifier: BSD-3-Clause */
/* The contract between bpf/steer.bpf.c and user space: map names, map
 * value layouts and the metadata mark. Included by the BPF program, by the
 * loader (src/steer/xdp.c), by the unit tests and the fuzz target, so a
 * layout exists exactly once. Sizes are pinned with _Static_assert: a
 * change that moves a field is a change of this file, seen by both sides.
 *
 * Maps (all pinned by the loader under /sys/fs/bpf/warmpool/<ifname>/):
 *
 *   xsks_map   XSKMAP        queue -> AF_XDP socket. DPDK's net_af_xdp
 *                            requires this exact name and fills it.
 *   cfg_map    ARRAY[2]      two configuration slots (struct wp_xdp_cfg).
 *   cfg_active ARRAY[1]      which slot is live (struct wp_xdp_active).
 *   owner_map  ARRAY[2*RETA] per slot, RETA index -> owner worker (__u32),
 *                            slot s at [s * WP_XDP_RETA_MAX, ...).
 *   stats_map  PERCPU_ARRAY  queue -> struct wp_xdp_qstats.
 *
 * Configuration is double-buffered: the loader writes the slot that is not
 * live (config and owners), then flips cfg_active. An array map update is
 * a plain copy, so rewriting the live 12 KiB value in place could let a
 * frame see half of an old and half of a new rule set; a flip of one
 * 32-bit word cannot. (A program run that read the old slot index and is
 * still running when the *next* configuration rewrites that slot could
 * still tear; configuration happens at control-core pace, program runs
 * last microseconds.)
 *
 * The Toeplitz hash is table-driven: the loader expands the 40-byte key
 * into tbl[i][b] = hash contribution of byte value b at input position i,
 * so the program does 12 loads and XORs instead of 96 conditional 32-bit
 * window extractions. The key itself is kept beside the table so the
 * configuration can be read back and checked (bpftool map dump).
 */
#ifndef WP_STEER_KERN_USER_H
#define WP_STEER_KERN_USER_H

#include <linux/types.h>

#include "warmpool/steer_xdp-t.h"

#define WP_XDP_PROG_NAME "wp_steer"
#define WP_XDP_MAP_XSKS "xsks_map"
#define WP_XDP_MAP_CFG "cfg_map"
#define WP_XDP_MAP_ACTIVE "cfg_active"
#define WP_XDP_MAP_OWNER "owner_map"
#define WP_XDP_MAP_STATS "stats_map"

/* IPv4/TCP Toeplitz input: src addr, dst addr, src port, dst port. */
#define WP_XDP_TUPLE_LEN 12

/* struct wp_xdp_cfg.magic of a written slot; a zeroed slot (the state
 * the kernel creates the map in) is "not configured". */
#define WP_XDP_CFG_MAGIC 0x57504346u /* "WPCF" */

/* One configuration slot. Written whole by the loader, read by the
 * program; never modified while it is the live slot. */
struct wp_xdp_cfg {
	__u32 magic;     /* WP_XDP_CFG_MAGIC when written */
	__u32 reta_size; /* power of two, 1..WP_XDP_RETA_MAX */
	struct wp_xdp_rules rules;
	__u8 key[WP_XDP_KEY_LEN];
	__u32 tbl[WP_XDP_TUPLE_LEN][256]; /* expanded key, see above */
};

/* cfg_active[0]. generation counts configurations (0: none yet). */
struct wp_xdp_active {
	__u32 slot; /* 0 or 1 */
	__u32 generation;
};

/* stats_map value: one queue's counters on one CPU. */
struct wp_xdp_qstats {
	__u64 c[WP_XDP_CTR__COUNT];
};

/* The mark (WP_XDP_F_META): XDP metadata placed immediately before the
 * frame's first byte. AF_XDP copies it into the umem in front of the
 * packet (copy and zero-copy mode), so with DPDK's net_af_xdp it sits at
 * rte_pktmbuf_mtod(m, uint8_t *) - sizeof(struct wp_xdp_meta), inside the
 * mbuf headroom. Only frames the program redirected carry it; a reader
 * checks magic, as bytes before the frame are otherwise stale headroom.
 * Fields in host byte order. */
#define WP_XDP_META_MAGIC 0x5750584du /* "WPXM" */
enum wp_xdp_meta_flags {
	WP_XDP_META_HAS_OWNER = 1u << 0, /* TCP: owner and hash are valid */
	WP_XDP_META_NON_OWNER = 1u << 1, /* owner's queue != arrival queue */
};
enum wp_xdp_meta_kind {
	WP_XDP_KIND_NONE = 0,
	WP_XDP_KIND_ARP = 1,
	WP_XDP_KIND_ICMP = 2,
	WP_XDP_KIND_TCP = 3,
};
struct wp_xdp_meta {
	__u32 magic; /* WP_XDP_META_MAGIC */
	__u32 hash;  /* Toeplitz hash of the IPv4/TCP tuple */
	__u16 owner; /* owner worker (owner_map value) */
	__u8 flags;  /* enum wp_xdp_meta_flags */
	__u8 kind;   /* enum wp_xdp_meta_kind */
};

_Static_assert(sizeof(struct wp_xdp_rules) == 4 * WP_XDP_MAX_ADDRS + 4 +
	       4 * WP_XDP_MAX_PORT_RANGES + 12, "wp_xdp_rules has no padding");
_Static_assert(sizeof(struct wp_xdp_cfg) == 8 + sizeof(struct wp_xdp_rules) +
	       WP_XDP_KEY_LEN + 4 * WP_XDP_TUPLE_LEN * 256, "wp_xdp_cfg has no padding");
_Static_assert(sizeof(struct wp_xdp_active) == 8, "wp_xdp_active is two words");
_Static_assert(sizeof(struct wp_xdp_qstats) == 8 * WP_XDP_CTR__COUNT, "one u64 per counter");
/* XDP metadata: a multiple of 4 bytes, at most 32 (the kernel's limit). */
_Static_assert(sizeof(struct wp_xdp_meta) == 12, "wp_xdp_meta is 12 bytes");
_Static_assert((WP_XDP_RETA_MAX & (WP_XDP_RETA_MAX - 1)) == 0, "RETA max is a power of two");
_Static_assert(WP_XDP_MAX_QUEUES <= 65535, "owner fits the 16-bit meta field");

#endif /* WP_STEER_KERN_USER_H */
