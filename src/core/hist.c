/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear histograms: merge and quantiles (recording is inline in
 * include/warmpool/hist.h). The layout is HdrHistogram's idea with a fixed
 * 3-bit sub-bucket precision, chosen so the whole histogram (304 buckets)
 * fits a few cache lines of counts and travels as a handful of telemetry
 * records. */
#include <string.h>

#include <warmpool/hist.h>

void
wp_hist_reset(struct wp_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void
wp_hist_merge(struct wp_hist *dst, const struct wp_hist *src)
{
	for (unsigned int b = 0; b < WP_HIST_BUCKETS; b++)
		dst->count[b] += src->count[b];
	dst->total += src->total;
	dst->sum_ns = dst->sum_ns + src->sum_ns < dst->sum_ns ?
		      UINT64_MAX : dst->sum_ns + src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t
wp_hist_quantile(const struct wp_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->total == 0)
		return 0;
	if (q >= 1.0)
		return h->max_ns;
	if (q < 0.0)
		q = 0.0;
	/* the smallest value with at least ceil(q * total) values <= it */
	rank = (uint64_t)(q * (double)h->total);
	if ((double)rank < q * (double)h->total)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned int b = 0; b < WP_HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= rank) {
			uint64_t lo = wp_hist_bucket_low(b);
			uint64_t hi = b + 1 < WP_HIST_BUCKETS ?
				      wp_hist_bucket_low(b + 1) : lo;
			uint64_t mid = lo + (hi - lo) / 2;

			return mid < h->max_ns ? mid : h->max_ns;
		}
	}
	return h->max_ns;
}
