/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear latency histograms (the bucket layout of export-t.h).
 *
 * Values are nanoseconds. Buckets 0..15 hold one value each; above, each
 * power of two is split in 8 equal buckets, so a bucket is at most 12.5%
 * wide and any quantile read back is within 12.5% of the true value.
 * Recording is one count-leading-zeros and an increment: cheap enough for
 * every request on a worker. A histogram belongs to one core; the control
 * core merges deltas (wp_hist_merge) it received as telemetry.
 */
#ifndef WARMPOOL_HIST_H
#define WARMPOOL_HIST_H

#include <stdint.h>

#include <warmpool/export-t.h>

struct wp_hist {
	uint64_t count[WP_HIST_BUCKETS];
	uint64_t total;     /* sum of count[] */
	uint64_t sum_ns;    /* sum of recorded values (saturating) */
	uint64_t max_ns;
};

static inline unsigned int
wp_hist_bucket(uint64_t v)
{
	unsigned int e, b;

	if (v < 16)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	b = 16u + 8u * (e - 4u) + (unsigned int)((v >> (e - 3u)) & 7u);
	return b < WP_HIST_BUCKETS ? b : WP_HIST_BUCKETS - 1;
}

/* Smallest value of bucket b. */
static inline uint64_t
wp_hist_bucket_low(unsigned int b)
{
	unsigned int e, k;

	if (b < 16)
		return b;
	e = (b - 16u) / 8u + 4u;
	k = (b - 16u) % 8u;
	return (1ull << e) + ((uint64_t)k << (e - 3u));
}

static inline void
wp_hist_add(struct wp_hist *h, uint64_t v)
{
	h->count[wp_hist_bucket(v)]++;
	h->total++;
	h->sum_ns = h->sum_ns + v < h->sum_ns ? UINT64_MAX : h->sum_ns + v;
	if (v > h->max_ns)
		h->max_ns = v;
}

void wp_hist_reset(struct wp_hist *h);
/* dst += src (counts, total, sum; max is the larger). */
void wp_hist_merge(struct wp_hist *dst, const struct wp_hist *src);
/* The value below which a fraction q (0..1) of the recorded values lie:
 * the middle of the bucket holding that rank (the exact max for q = 1).
 * 0 when empty. */
uint64_t wp_hist_quantile(const struct wp_hist *h, double q);

#endif /* WARMPOOL_HIST_H */
