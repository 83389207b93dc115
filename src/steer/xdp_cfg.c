/* SPDX-License-Identifier: BSD-3-Clause */
/* From wp_xdp_rules to the XDP program's configuration slot (xdp_impl.h).
 *
 * Pure: no syscalls, no allocation, so the unit tests build exactly the
 * slot the loader writes and feed it to the decision code of
 * bpf/steer_decide.h. Everything the program relies on without checking
 * is checked here: counts within the fixed arrays (the program loops
 * over WP_XDP_MAX_* and stops at n_*), reta_size a power of two (it
 * masks with reta_size - 1), owners that name a queue the program counts.
 */
#include <errno.h>
#include <string.h>

#include "xdp_impl.h"
#include "steer_decide.h"

int
wp_xdp_cfg_build(const struct wp_xdp_rules *rules, const uint8_t key[WP_XDP_KEY_LEN],
		const uint16_t *owner, unsigned int reta_size,
		struct wp_xdp_cfg *cfg, uint32_t owner_slot[WP_XDP_RETA_MAX],
		const char **why)
{
	const char *dummy;
	uint32_t known = WP_XDP_F_DROP_NO_SOCKET | WP_XDP_F_META;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (rules == NULL || key == NULL || cfg == NULL || owner_slot == NULL) {
		*why = "missing argument";
		return -EINVAL;
	}
	if (rules->n_addr == 0 || rules->n_addr > WP_XDP_MAX_ADDRS) {
		*why = "n_addr (1..WP_XDP_MAX_ADDRS)";
		return -EINVAL;
	}
	if (rules->n_port > WP_XDP_MAX_PORT_RANGES) {
		*why = "n_port (0..WP_XDP_MAX_PORT_RANGES)";
		return -EINVAL;
	}
	for (uint32_t i = 0; i < rules->n_port; i++) {
		if (rules->port[i].lo > rules->port[i].hi) {
			*why = "port range with lo > hi";
			return -EINVAL;
		}
	}
	if (rules->flags & ~known) {
		*why = "unknown flags";
		return -EINVAL;
	}
	if (rules->queue_base >= WP_XDP_MAX_QUEUES) {
		*why = "queue_base (0..WP_XDP_MAX_QUEUES-1)";
		return -EINVAL;
	}
	if (reta_size == 0 || reta_size > WP_XDP_RETA_MAX || (reta_size & (reta_size - 1))) {
		*why = "reta_size (a power of two, 1..WP_XDP_RETA_MAX)";
		return -EINVAL;
	}
	if (owner == NULL) {
		*why = "owner table missing";
		return -EINVAL;
	}
	for (uint32_t i = 0; i < reta_size; i++) {
		if ((uint32_t)owner[i] + rules->queue_base >= WP_XDP_MAX_QUEUES) {
			*why = "owner: queue_base + owner beyond WP_XDP_MAX_QUEUES";
			return -EINVAL;
		}
	}

	memset(cfg, 0, sizeof(*cfg));
	cfg->magic = WP_XDP_CFG_MAGIC;
	cfg->reta_size = reta_size;
	cfg->rules = *rules;
	/* entries past the counts are zeroed so a dump shows only what counts */
	for (uint32_t i = rules->n_addr; i < WP_XDP_MAX_ADDRS; i++)
		cfg->rules.addr[i] = 0;
	for (uint32_t i = rules->n_port; i < WP_XDP_MAX_PORT_RANGES; i++)
		cfg->rules.port[i].lo = cfg->rules.port[i].hi = 0;
	memcpy(cfg->key, key, WP_XDP_KEY_LEN);
	wp_xdp_toeplitz_expand(cfg->key, cfg->tbl);
	for (uint32_t i = 0; i < WP_XDP_RETA_MAX; i++)
		owner_slot[i] = i < reta_size ? owner[i] : WP_XDP_OWNER_NONE;
	return 0;
}
