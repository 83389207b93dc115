/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of the XDP loader shared with its unit tests: turning the
 * public rules into the program's configuration slot, without syscalls. */
#ifndef WP_STEER_XDP_IMPL_H
#define WP_STEER_XDP_IMPL_H

#include <stdint.h>

#include "steer_kern_user.h"

/* Validate rules, key, owners and reta_size and fill *cfg (a whole slot:
 * magic, rules, key and the expanded Toeplitz table) and owner_slot[]
 * (WP_XDP_RETA_MAX entries: owner[i] below reta_size, WP_XDP_OWNER_NONE
 * above). Returns 0, or -EINVAL with *why naming the offending field:
 * more than WP_XDP_MAX_ADDRS addresses or WP_XDP_MAX_PORT_RANGES ranges,
 * no address, a port range with lo > hi, a flag we do not know, reta_size
 * not a power of two in 1..WP_XDP_RETA_MAX, an owner at or above
 * WP_XDP_MAX_QUEUES, or queue_base + owner beyond WP_XDP_MAX_QUEUES. */
int wp_xdp_cfg_build(const struct wp_xdp_rules *rules, const uint8_t key[WP_XDP_KEY_LEN],
		const uint16_t *owner, unsigned int reta_size,
		struct wp_xdp_cfg *cfg, uint32_t owner_slot[WP_XDP_RETA_MAX],
		const char **why);

#endif /* WP_STEER_XDP_IMPL_H */
