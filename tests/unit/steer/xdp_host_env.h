/* SPDX-License-Identifier: BSD-3-Clause */
/* bpf/steer_decide.h's environment on the host: the program's maps as
 * plain arrays, the helpers as functions that do what the kernel's do.
 * Used by the unit test and the fuzz target; the BPF side is
 * bpf/steer.bpf.c. */
#ifndef WP_TEST_XDP_HOST_ENV_H
#define WP_TEST_XDP_HOST_ENV_H

#include <linux/bpf.h>
#include <linux/types.h>

#include "steer_kern_user.h"

typedef struct wp_xdp_host_env {
	struct wp_xdp_cfg cfg[2];                   /* cfg_map */
	struct wp_xdp_active active;                /* cfg_active[0] */
	__u32 owner[2 * WP_XDP_RETA_MAX];           /* owner_map */
	struct wp_xdp_qstats stats[WP_XDP_MAX_QUEUES]; /* stats_map, one CPU */
	__u64 bound;            /* xsks_map: bit q set = socket on queue q */
	int meta_refused;       /* act like a driver without XDP metadata */
	int meta_set;           /* a mark was attached ... */
	struct wp_xdp_meta meta; /* ... this one */
	unsigned int redirects; /* bpf_redirect_map calls */
} wp_xdp_env_t;

static inline const struct wp_xdp_cfg *
wp_xdp_env_cfg(wp_xdp_env_t *e, __u32 *slot)
{
	__u32 s = e->active.slot & 1;

	if (e->cfg[s].magic != WP_XDP_CFG_MAGIC)
		return 0;
	*slot = s;
	return &e->cfg[s];
}

static inline __u32
wp_xdp_env_owner(wp_xdp_env_t *e, __u32 slot, __u32 idx)
{
	return e->owner[(slot & 1) * WP_XDP_RETA_MAX + (idx & (WP_XDP_RETA_MAX - 1))];
}

static inline struct wp_xdp_qstats *
wp_xdp_env_stats(wp_xdp_env_t *e, __u32 q)
{
	return q < WP_XDP_MAX_QUEUES ? &e->stats[q] : 0;
}

/* bpf_redirect_map on an XSKMAP: XDP_REDIRECT if the key holds a socket,
 * else the low bits of flags (the fallback action). */
static inline int
wp_xdp_env_redirect(wp_xdp_env_t *e, __u32 q, int fallback)
{
	e->redirects++;
	if (q < 64 && q < WP_XDP_MAX_QUEUES && (e->bound >> q & 1))
		return XDP_REDIRECT;
	return fallback;
}

static inline int
wp_xdp_env_meta(wp_xdp_env_t *e, const struct wp_xdp_meta *m)
{
	if (e->meta_refused)
		return -1;
	e->meta = *m;
	e->meta_set = 1;
	return 0;
}

#define WP_XDP_HAVE_ENV 1
#include "steer_decide.h"

#endif /* WP_TEST_XDP_HOST_ENV_H */
