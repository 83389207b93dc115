/* SPDX-License-Identifier: BSD-3-Clause */
/* Small seeded PRNG for the pool's jitter and the selector's choices.
 * splitmix64: fast, good enough for spreading timers and picking backends,
 * and replayable from a seed. Not for anything security-sensitive. */
#ifndef WP_POOL_RAND_H
#define WP_POOL_RAND_H

#include <stdint.h>

static inline uint64_t
wp_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, bound) without modulo bias worth caring about (Lemire). */
static inline uint64_t
wp_rand_below(uint64_t *state, uint64_t bound)
{
	return (uint64_t)(((__uint128_t)wp_rand_next(state) * bound) >> 64);
}

#endif
