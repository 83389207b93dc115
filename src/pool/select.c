/* SPDX-License-Identifier: BSD-3-Clause */
/* Backend choice per request: weighted least-outstanding with power of two
 * choices (DESIGN.md section 2).
 *
 * Two candidates are drawn at random in proportion to their weights, among
 * the backends whose pool is UP; the one with less outstanding work per
 * unit of weight wins (outstanding = leased sessions + queued waiters, read
 * from the worker's own pools, so no shared state is involved). P2C avoids
 * the herd effect of "always the least loaded" while staying O(1) per pick
 * apart from a binary search over the cumulative weights of up backends.
 *
 * The up list is rebuilt by wp_selector_refresh() when the control core
 * changes a backend's state; picks never scan all backends.
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include <warmpool/pool.h>
#include "rand.h"
#include "wp_mem.h"

/* Owned by one worker. Invariant after refresh: up[0..nup) are the indexes
 * of attached UP pools and cum[i] is the sum of their weights up to i. */
struct wp_selector {
	unsigned n;
	unsigned nup;
	uint64_t rng;
	struct wp_pool **pool;
	uint32_t *weight;
	uint16_t *up;
	uint64_t *cum;
};

struct wp_selector *
wp_selector_create(unsigned nbackends, int socket, uint64_t seed)
{
	struct wp_selector *s;
	size_t sz;

	if (nbackends == 0 || nbackends > UINT16_MAX) {
		errno = EINVAL;
		return NULL;
	}
	sz = sizeof(*s) + nbackends * (sizeof(*s->pool) + sizeof(*s->weight) +
				       sizeof(*s->up) + sizeof(*s->cum)) + 64;
	s = wp_zmalloc_socket("wp_selector", sz, RTE_CACHE_LINE_SIZE, socket);
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->n = nbackends;
	s->rng = seed;
	s->cum = (uint64_t *)(s + 1);
	s->pool = (struct wp_pool **)(s->cum + nbackends);
	s->weight = (uint32_t *)(s->pool + nbackends);
	s->up = (uint16_t *)(s->weight + nbackends);
	return s;
}

void
wp_selector_free(struct wp_selector *s)
{
	wp_mfree(s);
}

int
wp_selector_set(struct wp_selector *s, unsigned idx, struct wp_pool *pool, uint32_t weight)
{
	if (idx >= s->n || weight == 0)
		return -EINVAL;
	s->pool[idx] = pool;
	s->weight[idx] = weight;
	wp_selector_refresh(s);
	return 0;
}

void
wp_selector_refresh(struct wp_selector *s)
{
	uint64_t total = 0;

	s->nup = 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->pool[i] == NULL || wp_pool_state(s->pool[i]) != WP_BACKEND_UP)
			continue;
		total += s->weight[i];
		s->up[s->nup] = (uint16_t)i;
		s->cum[s->nup] = total;
		s->nup++;
	}
}

/* Position in up[] of a weighted random draw. */
static unsigned
draw(struct wp_selector *s)
{
	uint64_t r = wp_rand_below(&s->rng, s->cum[s->nup - 1]);
	unsigned lo = 0, hi = s->nup - 1;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (r < s->cum[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
wp_selector_pick(struct wp_selector *s)
{
	unsigned a, b;
	uint64_t la, lb;

	if (s->nup == 0)
		return -EHOSTUNREACH;
	a = draw(s);
	if (s->nup == 1)
		return s->up[a];
	/* a distinct second candidate; a few redraws, then the neighbour */
	b = draw(s);
	for (int tries = 0; b == a && tries < 3; tries++)
		b = draw(s);
	if (b == a)
		b = (a + 1) % s->nup;
	/* compare outstanding/weight without division */
	la = (uint64_t)wp_pool_outstanding(s->pool[s->up[a]]) * s->weight[s->up[b]];
	lb = (uint64_t)wp_pool_outstanding(s->pool[s->up[b]]) * s->weight[s->up[a]];
	return lb < la ? s->up[b] : s->up[a];
}
