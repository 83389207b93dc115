/* SPDX-License-Identifier: BSD-3-Clause */
/* The one monotonic clock used off the data path (control loop, telemetry
 * timestamps, benchmarks, tests). The pool never reads it: callers pass
 * `now`, which keeps the pool deterministic under a virtual clock. */
#ifndef WARMPOOL_CLOCK_H
#define WARMPOOL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
wp_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
