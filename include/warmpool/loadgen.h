/* SPDX-License-Identifier: BSD-3-Clause */
/* The HTTP/1.1 load generator engine of one worker (types in loadgen-t.h).
 *
 * wp-loadgen runs one per worker lcore on that worker's stack; the
 * kernel-free proxy benchmark (perf/proxy_ring_bench.c) runs one on a
 * stack wired to the proxy by net_ring. Every call is made on the lcore
 * that owns the stack. Responses are framed by wp_http1 (http1.h), the
 * same parser the appliance uses.
 */
#ifndef WARMPOOL_LOADGEN_H
#define WARMPOOL_LOADGEN_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/loadgen-t.h>

/* NULL + errno: EINVAL (bad conf, the field named in *why if given),
 * ENOMEM. Nothing is sent before the first wp_lg_poll() at start_ns. */
struct wp_lg *wp_lg_create(const struct wp_lg_conf *conf, const char **why);

/* Connect, schedule, send, time out; call every poll iteration with the
 * stack's clock (after the stack's input, before its flush). Returns the
 * work done (requests sent, connections started), 0 when idle. */
unsigned wp_lg_poll(struct wp_lg *lg, int64_t now);

/* The clock of the stack input about to run (callbacks carry no time):
 * call it before wp_portq_poll()/wp_net_input() so responses are timed
 * when they arrive, not at the next wp_lg_poll(). */
void wp_lg_input_time(struct wp_lg *lg, int64_t now);

/* End the run early: nothing more is intended from `now` on. */
void wp_lg_stop(struct wp_lg *lg, int64_t now);

/* The run is over: past end_ns, every outstanding request answered or
 * timed out, every connection closed (or given up). */
bool wp_lg_finished(const struct wp_lg *lg);

/* Why the run gave up on its target (WP_LG_F_NONE if it did not). A fatal
 * run finishes at once; `detail` (if given) names the last cause: a close
 * reason, an HTTP framing error, ... */
enum wp_lg_fatal wp_lg_fatal(const struct wp_lg *lg, const char **detail);

void wp_lg_stats(const struct wp_lg *lg, struct wp_lg_stats *out);
/* dst += src: counters and histograms summed, gauges summed. */
void wp_lg_stats_merge(struct wp_lg_stats *dst, const struct wp_lg_stats *src);

/* Abort what is still open (RST) and free. Accepts NULL. */
void wp_lg_free(struct wp_lg *lg);

const char *wp_lg_err_name(enum wp_lg_err e);
const char *wp_lg_fatal_name(enum wp_lg_fatal f);

/* ---- the open-loop arrival schedule (exposed for tests) ---------------- */

/* Intended send times, ns. Constant: start + k/rate exactly (computed
 * from k, so no rounding drift). Poisson: gaps -ln(U)/rate with U from a
 * seeded xorshift generator, so the same seed gives the same times. */
struct wp_lg_sched {
	uint8_t mode;        /* WP_LG_CONSTANT or WP_LG_POISSON */
	double period_ns;    /* 1e9 / rate */
	int64_t start_ns;
	uint64_t k;          /* arrivals produced so far */
	double next_ns;      /* Poisson: next arrival */
	uint64_t rng;
};

void wp_lg_sched_init(struct wp_lg_sched *s, enum wp_lg_mode mode, double rate,
		      int64_t start_ns, uint64_t seed);
/* The next arrival's intended time (each call consumes one). */
int64_t wp_lg_sched_next(struct wp_lg_sched *s);

#endif /* WARMPOOL_LOADGEN_H */
