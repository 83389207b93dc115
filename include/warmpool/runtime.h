/* SPDX-License-Identifier: BSD-3-Clause */
/* The lcore runtime: EAL start-up, worker launch, the control loop, stop.
 *
 * Typical application (dpdk_apps/warmpoold/main.c):
 *
 *   n = wp_eal_init(argc, argv);            // EAL, with --no-huge fallback
 *   rt = wp_runtime_start(&conf, &hooks);   // launches one worker per lcore
 *   wp_runtime_install_signals();
 *   wp_runtime_run_control(rt);             // until SIGINT/SIGTERM, then stop
 *   wp_runtime_free(rt);
 *   rte_eal_cleanup();
 *
 * Everything here runs on the control core (the EAL main lcore) unless a
 * comment says otherwise.
 */
#ifndef WARMPOOL_RUNTIME_H
#define WARMPOOL_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include <warmpool/ring-t.h>
#include <warmpool/runtime-t.h>

/* rte_eal_init() with the hugepage fallback of hugepages.h: when no
 * hugepages are free and the EAL options do not mention any, "--no-huge"
 * is added; with --no-huge in effect, --in-memory (which DPDK 22.11
 * refuses next to it) becomes --no-shconf. Returns the number of arguments consumed, to be used exactly
 * like rte_eal_init()'s (argc -= n; argv += n; argv[0] is then the program
 * name), or a negative errno (-EINVAL for bad EAL options). */
int wp_eal_init(int argc, char **argv);

void wp_runtime_conf_defaults(struct wp_runtime_conf *conf);
/* 0, or -EINVAL with the name of the offending field in *field (if given). */
int wp_runtime_conf_check(const struct wp_runtime_conf *conf,
		const char **field);

/* Allocate one context and ring pair per worker lcore (every enabled lcore
 * but the main one), on that lcore's socket, and launch the worker loop on
 * each. EAL must be initialised; call from the main lcore. `hooks` may be
 * NULL. Returns NULL and sets errno: EINVAL (bad conf, no worker lcore),
 * EPERM (not the main lcore), ENOMEM, EBUSY (an lcore is still busy). */
struct wp_runtime *wp_runtime_start(const struct wp_runtime_conf *conf,
		const struct wp_runtime_hooks *hooks);

unsigned int wp_runtime_workers(const struct wp_runtime *rt);
/* Lcore of worker `worker`, or -EINVAL. */
int wp_runtime_worker_lcore(const struct wp_runtime *rt, unsigned int worker);

/* Queue a command for one worker; cmd->seq is set by the runtime (numbered
 * per worker from 1). 0, -ENOBUFS (ring full), -EINVAL, -ESHUTDOWN (stopped). */
int wp_runtime_send(struct wp_runtime *rt, unsigned int worker,
		struct wp_cmd *cmd);

/* One control pass: drain every telemetry ring (bounded by its capacity)
 * and fold the records into the per-worker views. Returns records drained. */
unsigned int wp_runtime_poll_control(struct wp_runtime *rt);

/* The control core's view of one worker; NULL if out of range. Valid until
 * wp_runtime_free(). */
const struct wp_worker_view *wp_runtime_view(const struct wp_runtime *rt,
		unsigned int worker);

/* Sum of the latest snapshots of all workers; telem_drops is taken from the
 * ring pairs' drop counters (exact, not lagging a snapshot). */
void wp_runtime_totals(const struct wp_runtime *rt,
		struct wp_telem_counters *sum);

/* One line (no newline) describing the totals. Returns snprintf's count. */
int wp_runtime_format_totals(const struct wp_runtime *rt, char *buf,
		size_t len);

/* SIGINT and SIGTERM set a flag (the handler does nothing else) that makes
 * wp_runtime_run_control() return. 0 or -errno. */
int wp_runtime_install_signals(void);
/* The signal that asked to stop, or 0. */
int wp_runtime_stop_signal(void);
/* Ask wp_runtime_run_control() to return, from any thread. */
void wp_runtime_request_stop(struct wp_runtime *rt);

/* Control loop: drain and aggregate telemetry (printing totals every stats
 * interval when conf.verbose) until a stop is asked, then wp_runtime_stop().
 * Returns what wp_runtime_stop() returns. */
int wp_runtime_run_control(struct wp_runtime *rt);

/* Send WP_CMD_STOP to every worker, join them all (rte_eal_wait_lcore) and
 * drain what they left in their telemetry rings. Idempotent. Returns the
 * number of workers stopped. */
int wp_runtime_stop(struct wp_runtime *rt);

/* Stop if still running, then free rings, contexts and the runtime.
 * Accepts NULL. Does not call rte_eal_cleanup(): EAL belongs to the app. */
void wp_runtime_free(struct wp_runtime *rt);

/* Worker side: push an event record (code >= WP_EV_USER for applications)
 * to the control core through this worker's telemetry ring. */
void wp_worker_event(struct wp_worker_ctx *ctx, uint32_t code, uint64_t a0,
		uint64_t a1);

/* Worker side: push an application record of `type` (>= WP_TELEM_USER)
 * whose payload is `len` (<= 48) bytes; the runtime fills the header. The
 * control core sees it through hooks.telem. 0, -EINVAL, or -ENOBUFS (ring
 * full: dropped and counted). */
int wp_worker_push(struct wp_worker_ctx *ctx, uint16_t type,
		const void *payload, size_t len);

#endif /* WARMPOOL_RUNTIME_H */
