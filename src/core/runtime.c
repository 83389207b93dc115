/* SPDX-License-Identifier: BSD-3-Clause */
/* The lcore runtime: workers, their loop, and the control core's side.
 *
 * The EAL main lcore is the control core; every other enabled lcore runs
 * one worker. At start the control core allocates each worker's context
 * and ring pair on that worker's NUMA node and launches the loop with the
 * context as its only argument: the loop never looks anything up by lcore
 * id and touches no global state (DESIGN.md section 1, STYLE.md habit 4).
 *
 * One iteration of the worker loop:
 *   1. take a burst of commands and handle them (PING -> PONG record,
 *      STOP -> last snapshot and return, NOP -> nothing);
 *   2. call the poll hook (the TCP stack, later) once;
 *   3. count the iteration busy or idle, and if idle back off: spin, then
 *      rte_pause(), then short sleeps, so that an idle appliance does not
 *      burn its cores; any work resets the back-off;
 *   4. every stats interval, push a counters snapshot.
 * Telemetry pushes never wait: a full ring drops the record and counts it.
 *
 * The control core drains the telemetry rings and keeps, per worker, the
 * latest snapshot and a few counts (struct wp_worker_view). Stopping sends
 * WP_CMD_STOP to each worker, joins them with rte_eal_wait_lcore() and
 * drains what they left. Signals only set a flag.
 *
 * Not here: what the workers do with packets (the poll hook), telemetry
 * export (src/telemetry/), and configuration files (src/control/).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include <warmpool/ring.h>
#include <warmpool/clock.h>
#include <warmpool/runtime.h>

#include "wp_mem.h"

#define WP_CMD_BURST 16
#define WP_TELEM_BURST 32
#define WP_CONTROL_IDLE_US 1000   /* control core nap when nothing drained */
#define WP_STOP_RETRY_US 100      /* nap while a ring is full at stop */
#define WP_FINAL_TRIES 2000       /* x WP_STOP_RETRY_US: 200 ms for the last snapshot */

/* Per-worker state of the control core. */
struct wp_runtime_worker {
	struct wp_worker_ctx *ctx;
	struct wp_ring_pair *rings;
	struct wp_worker_view view;
	uint32_t cmd_seq;  /* last seq sent */
	bool launched;
	bool joined;
};

/* The runtime. Owned by the control core; workers never see it (they get
 * their own ctx only). Invariants: w[i].ctx->rings == w[i].rings; a worker
 * that is launched and not joined still uses its ctx and rings, so neither
 * is freed before it is joined. */
struct wp_runtime {
	struct wp_runtime_conf conf;
	int stop_req;      /* any thread may set it (atomic) */
	bool stopped;
	wp_control_telem_fn telem; /* hooks.telem, control core only */
	void *telem_arg;
	unsigned int n_workers;
	struct wp_runtime_worker w[];
};

/* Set by the signal handler, read by the control loop. */
static volatile sig_atomic_t wp_stop_signo;

/* ------------------------------------------------------------------ */
/* Worker side                                                         */

static void
wp_worker_rec_init(struct wp_worker_ctx *ctx, struct wp_telem_rec *rec,
		uint16_t type)
{
	memset(rec, 0, sizeof(*rec));
	rec->type = type;
	rec->worker_id = (uint16_t)ctx->worker_id;
	rec->seq = ctx->telem_seq++;
	rec->ts_ns = wp_clock_ns();
}

static void
wp_worker_cycles_rec(struct wp_worker_ctx *ctx, struct wp_telem_rec *rec)
{
	wp_worker_rec_init(ctx, rec, WP_TELEM_CYCLES);
	rec->u.cycles.busy_tsc = ctx->busy_tsc;
	rec->u.cycles.idle_tsc = ctx->idle_tsc;
	rec->u.cycles.tsc_hz = rte_get_tsc_hz();
}

static void
wp_worker_snapshot(struct wp_worker_ctx *ctx)
{
	struct wp_telem_rec rec;

	wp_worker_cycles_rec(ctx, &rec);
	wp_telem_push(ctx->rings, &rec);
	wp_worker_rec_init(ctx, &rec, WP_TELEM_COUNTERS);
	rec.u.counters = ctx->c;
	rec.u.counters.telem_drops = wp_telem_drops(ctx->rings);
	wp_telem_push(ctx->rings, &rec);
}

/* The last snapshot says what the worker did in total, so it is worth a
 * short wait: the control core drains while it waits for the join
 * (wp_runtime_stop). Only if the ring stays full for WP_FINAL_TRIES naps
 * is it dropped, and counted like any other drop. */
static void
wp_worker_final_snapshot(struct wp_worker_ctx *ctx)
{
	struct wp_telem_rec rec;
	unsigned int tries;

	wp_worker_cycles_rec(ctx, &rec);
	wp_telem_push(ctx->rings, &rec);
	wp_worker_rec_init(ctx, &rec, WP_TELEM_COUNTERS);
	rec.u.counters = ctx->c;
	rec.u.counters.telem_drops = wp_telem_drops(ctx->rings);
	for (tries = 0; tries < WP_FINAL_TRIES; tries++) {
		if (rte_ring_sp_enqueue_elem(ctx->rings->telem, &rec,
				sizeof(rec)) == 0)
			return;
		rte_delay_us_sleep(WP_STOP_RETRY_US);
	}
	wp_telem_push(ctx->rings, &rec);
}

void
wp_worker_event(struct wp_worker_ctx *ctx, uint32_t code, uint64_t a0,
		uint64_t a1)
{
	struct wp_telem_rec rec;

	wp_worker_rec_init(ctx, &rec, WP_TELEM_EVENT);
	rec.u.event.code = code;
	rec.u.event.arg[0] = a0;
	rec.u.event.arg[1] = a1;
	wp_telem_push(ctx->rings, &rec);
}

int
wp_worker_push(struct wp_worker_ctx *ctx, uint16_t type, const void *payload,
		size_t len)
{
	struct wp_telem_rec rec;

	if (type < WP_TELEM_USER || len > sizeof(rec.u))
		return -EINVAL;
	wp_worker_rec_init(ctx, &rec, type);
	memcpy(rec.u.raw, payload, len);
	return wp_telem_push(ctx->rings, &rec);
}

/* Returns true when the worker must stop. */
static bool
wp_worker_handle(struct wp_worker_ctx *ctx, const struct wp_cmd *cmd)
{
	struct wp_telem_rec rec;

	ctx->c.cmds++;
	switch (cmd->type) {
	case WP_CMD_NOP:
		return false;
	case WP_CMD_PING:
		wp_worker_rec_init(ctx, &rec, WP_TELEM_PONG);
		rec.u.pong.cmd_seq = cmd->seq;
		rec.u.pong.ping_sent_ns = cmd->args.ping.sent_ns;
		wp_telem_push(ctx->rings, &rec);
		return false;
	case WP_CMD_STOP:
		return true;
	default:
		if (cmd->type >= WP_CMD_USER && ctx->cmd != NULL) {
			ctx->cmd(ctx, cmd, ctx->poll_arg);
			return false;
		}
		wp_worker_event(ctx, WP_EV_UNKNOWN_CMD, cmd->type, cmd->seq);
		return false;
	}
}

static inline void
wp_worker_backoff(struct wp_worker_ctx *ctx)
{
	uint32_t streak = ctx->idle_streak;

	if (streak != UINT32_MAX)
		ctx->idle_streak = ++streak;
	if (streak <= ctx->spin_polls)
		return;
	if (streak - ctx->spin_polls <= ctx->pause_polls ||
	    ctx->idle_sleep_us == 0) {
		rte_pause();
		return;
	}
	rte_delay_us_sleep(ctx->idle_sleep_us);
	ctx->c.sleeps++;
}

static int
wp_worker_main(void *arg)
{
	struct wp_worker_ctx *ctx = arg;
	struct wp_cmd cmds[WP_CMD_BURST];
	bool stop = false;

	__atomic_store_n(&ctx->running, 1, __ATOMIC_RELEASE);
	wp_worker_event(ctx, WP_EV_WORKER_STARTED, ctx->lcore_id,
			(uint64_t)(int64_t)ctx->socket_id);
	ctx->last_tsc = rte_rdtsc();
	ctx->next_snap_tsc = ctx->last_tsc + ctx->snap_interval_tsc;

	while (!stop) {
		unsigned int work, n, i;
		uint64_t now;

		n = wp_cmd_poll(ctx->rings, cmds, WP_CMD_BURST);
		for (i = 0; i < n && !stop; i++)
			stop = wp_worker_handle(ctx, &cmds[i]);
		work = n;
		if (ctx->poll != NULL && !stop)
			work += ctx->poll(ctx, ctx->poll_arg);

		ctx->c.loops++;
		if (work != 0) {
			ctx->c.busy_polls++;
			ctx->idle_streak = 0;
		} else {
			ctx->c.idle_polls++;
			wp_worker_backoff(ctx);
		}

		/* cycle accounting: the whole iteration, back-off included,
		 * is busy or idle time (the figure CPU per request uses) */
		now = rte_rdtsc();
		if (work != 0)
			ctx->busy_tsc += now - ctx->last_tsc;
		else
			ctx->idle_tsc += now - ctx->last_tsc;
		ctx->last_tsc = now;

		if (ctx->snap_interval_tsc != 0 && now >= ctx->next_snap_tsc) {
			wp_worker_snapshot(ctx);
			ctx->next_snap_tsc = now + ctx->snap_interval_tsc;
		}
	}

	wp_worker_final_snapshot(ctx);
	__atomic_store_n(&ctx->running, 0, __ATOMIC_RELEASE);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

void
wp_runtime_conf_defaults(struct wp_runtime_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->stats_interval_ms = 1000;
	conf->spin_polls = 1024;
	conf->pause_polls = 4096;
	conf->idle_sleep_us = 50;
	conf->cmd_slots = 64;
	conf->telem_slots = 1024;
	conf->verbose = false;
}

int
wp_runtime_conf_check(const struct wp_runtime_conf *conf, const char **field)
{
	const char *bad = NULL;

	if (conf->stats_interval_ms > 3600u * 1000u)
		bad = "stats_interval_ms";
	else if (conf->idle_sleep_us > 1000000u)
		bad = "idle_sleep_us";
	else if (conf->cmd_slots == 0 || conf->cmd_slots > (1u << 20))
		bad = "cmd_slots";
	else if (conf->telem_slots == 0 || conf->telem_slots > (1u << 20))
		bad = "telem_slots";
	if (field != NULL)
		*field = bad;
	return bad ? -EINVAL : 0;
}

/* ------------------------------------------------------------------ */
/* Start                                                               */

static void *
wp_zmalloc_near(const char *what, size_t size, int socket)
{
	void *p = wp_zmalloc_socket(what, size, RTE_CACHE_LINE_SIZE, socket);

	/* --no-huge puts all memory on one node: take any rather than fail */
	if (p == NULL && socket != SOCKET_ID_ANY)
		p = wp_zmalloc_socket(what, size, RTE_CACHE_LINE_SIZE,
				SOCKET_ID_ANY);
	return p;
}

static int
wp_runtime_setup_worker(struct wp_runtime *rt, unsigned int i,
		unsigned int lcore, const struct wp_runtime_hooks *hooks)
{
	struct wp_runtime_worker *w = &rt->w[i];
	int socket = (int)rte_lcore_to_socket_id(lcore);
	struct wp_worker_ctx *ctx;
	uint64_t hz = rte_get_tsc_hz();

	ctx = wp_zmalloc_near("wp_worker_ctx", sizeof(*ctx), socket);
	if (ctx == NULL)
		return -ENOMEM;
	w->ctx = ctx;
	w->rings = wp_ring_pair_create(i, rt->conf.cmd_slots,
			rt->conf.telem_slots, socket);
	if (w->rings == NULL && socket != SOCKET_ID_ANY)
		w->rings = wp_ring_pair_create(i, rt->conf.cmd_slots,
				rt->conf.telem_slots, SOCKET_ID_ANY);
	if (w->rings == NULL)
		return -errno;

	ctx->worker_id = i;
	ctx->lcore_id = lcore;
	ctx->socket_id = socket;
	ctx->spin_polls = rt->conf.spin_polls;
	ctx->pause_polls = rt->conf.pause_polls;
	ctx->idle_sleep_us = rt->conf.idle_sleep_us;
	ctx->snap_interval_tsc = hz / 1000 * rt->conf.stats_interval_ms;
	if (rt->conf.stats_interval_ms != 0 && ctx->snap_interval_tsc == 0)
		ctx->snap_interval_tsc = 1;
	ctx->rings = w->rings;
	if (hooks != NULL) {
		ctx->poll = hooks->poll;
		ctx->poll_arg = hooks->arg;
		ctx->cmd = hooks->cmd;
	}
	w->view.lcore_id = lcore;
	w->view.socket_id = socket;
	return 0;
}

struct wp_runtime *
wp_runtime_start(const struct wp_runtime_conf *conf,
		const struct wp_runtime_hooks *hooks)
{
	struct wp_runtime *rt = NULL;
	unsigned int n, i, lcore;
	int err;

	if (conf == NULL || wp_runtime_conf_check(conf, NULL) != 0) {
		err = EINVAL;
		goto fail;
	}
	if (rte_lcore_id() != rte_get_main_lcore()) {
		err = EPERM;
		goto fail;
	}
	n = rte_lcore_count();
	if (n < 2 || n - 1 > UINT16_MAX) {
		err = EINVAL; /* a worker id must fit a telemetry record */
		goto fail;
	}
	n -= 1;

	rt = calloc(1, sizeof(*rt) + n * sizeof(rt->w[0]));
	if (rt == NULL) {
		err = ENOMEM;
		goto fail;
	}
	rt->conf = *conf;
	rt->n_workers = n;

	if (hooks != NULL) {
		rt->telem = hooks->telem;
		rt->telem_arg = hooks->telem_arg;
	}
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == n)
			break;
		if (rte_eal_get_lcore_state(lcore) != WAIT) {
			err = EBUSY;
			goto fail;
		}
		err = -wp_runtime_setup_worker(rt, i, lcore, hooks);
		if (err != 0)
			goto fail;
		i++;
	}
	if (i != n) {
		err = EINVAL;
		goto fail;
	}

	for (i = 0; i < n; i++) {
		int ret = rte_eal_remote_launch(wp_worker_main, rt->w[i].ctx,
				rt->w[i].ctx->lcore_id);
		if (ret != 0) {
			err = -ret;
			goto fail;
		}
		rt->w[i].launched = true;
	}
	return rt;

fail:
	wp_runtime_free(rt); /* stops and joins what was launched */
	errno = err;
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Control side                                                        */

unsigned int
wp_runtime_workers(const struct wp_runtime *rt)
{
	return rt->n_workers;
}

int
wp_runtime_worker_lcore(const struct wp_runtime *rt, unsigned int worker)
{
	if (worker >= rt->n_workers)
		return -EINVAL;
	return (int)rt->w[worker].ctx->lcore_id;
}

int
wp_runtime_send(struct wp_runtime *rt, unsigned int worker, struct wp_cmd *cmd)
{
	struct wp_runtime_worker *w;
	int ret;

	if (worker >= rt->n_workers || cmd == NULL)
		return -EINVAL;
	w = &rt->w[worker];
	if (!w->launched || w->joined)
		return -ESHUTDOWN;
	cmd->seq = w->cmd_seq + 1;
	ret = wp_cmd_send(w->rings, cmd);
	if (ret == 0)
		w->cmd_seq++;
	return ret;
}

static void
wp_view_fold(struct wp_worker_view *v, unsigned int worker,
		const struct wp_telem_rec *rec, bool has_hook)
{
	v->records++;
	if (rec->worker_id != worker) {
		v->bad++;
		return;
	}
	if (rec->seq != v->next_seq)
		v->seq_gaps += (uint32_t)(rec->seq - v->next_seq);
	v->next_seq = rec->seq + 1;

	switch (rec->type) {
	case WP_TELEM_COUNTERS:
		v->last = rec->u.counters;
		v->last_ts_ns = rec->ts_ns;
		v->snapshots++;
		break;
	case WP_TELEM_PONG:
		v->pongs++;
		v->last_pong_seq = rec->u.pong.cmd_seq;
		break;
	case WP_TELEM_EVENT:
		v->events++;
		v->last_event = rec->u.event.code;
		v->last_event_arg[0] = rec->u.event.arg[0];
		v->last_event_arg[1] = rec->u.event.arg[1];
		break;
	case WP_TELEM_CYCLES:
		v->busy_tsc = rec->u.cycles.busy_tsc;
		v->idle_tsc = rec->u.cycles.idle_tsc;
		v->tsc_hz = rec->u.cycles.tsc_hz;
		break;
	default:
		if (rec->type < WP_TELEM_USER || !has_hook)
			v->bad++;
		break;
	}
}

unsigned int
wp_runtime_poll_control(struct wp_runtime *rt)
{
	struct wp_telem_rec recs[WP_TELEM_BURST];
	unsigned int total = 0, i;

	if (rt == NULL)
		return 0;
	for (i = 0; i < rt->n_workers; i++) {
		struct wp_runtime_worker *w = &rt->w[i];
		unsigned int got = 0, n, k;

		if (w->rings == NULL)
			continue;
		/* bounded: a worker producing as fast as we drain cannot keep
		 * the control core on one ring forever */
		do {
			n = wp_telem_drain(w->rings, recs, WP_TELEM_BURST);
			for (k = 0; k < n; k++) {
				wp_view_fold(&w->view, i, &recs[k],
						rt->telem != NULL);
				if (rt->telem != NULL && recs[k].worker_id == i)
					rt->telem(i, &recs[k], rt->telem_arg);
			}
			got += n;
		} while (n == WP_TELEM_BURST && got < w->rings->telem_slots);
		total += got;
	}
	return total;
}

const struct wp_worker_view *
wp_runtime_view(const struct wp_runtime *rt, unsigned int worker)
{
	if (rt == NULL || worker >= rt->n_workers)
		return NULL;
	return &rt->w[worker].view;
}

void
wp_runtime_totals(const struct wp_runtime *rt, struct wp_telem_counters *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < rt->n_workers; i++) {
		const struct wp_telem_counters *c = &rt->w[i].view.last;

		sum->loops += c->loops;
		sum->busy_polls += c->busy_polls;
		sum->idle_polls += c->idle_polls;
		sum->sleeps += c->sleeps;
		sum->cmds += c->cmds;
		if (rt->w[i].rings != NULL)
			sum->telem_drops += wp_telem_drops(rt->w[i].rings);
	}
}

int
wp_runtime_format_totals(const struct wp_runtime *rt, char *buf, size_t len)
{
	struct wp_telem_counters t;

	wp_runtime_totals(rt, &t);
	return snprintf(buf, len,
			"workers=%u loops=%" PRIu64 " busy=%" PRIu64
			" idle=%" PRIu64 " sleeps=%" PRIu64 " cmds=%" PRIu64
			" telem_drops=%" PRIu64,
			rt->n_workers, t.loops, t.busy_polls, t.idle_polls,
			t.sleeps, t.cmds, t.telem_drops);
}

static void
wp_on_signal(int signo)
{
	wp_stop_signo = signo;
}

int
wp_runtime_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wp_on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0)
		return -errno;
	return 0;
}

int
wp_runtime_stop_signal(void)
{
	return (int)wp_stop_signo;
}

void
wp_runtime_request_stop(struct wp_runtime *rt)
{
	if (rt != NULL)
		__atomic_store_n(&rt->stop_req, 1, __ATOMIC_RELAXED);
}

int
wp_runtime_run_control(struct wp_runtime *rt)
{
	uint64_t interval_ns, next_print;

	if (rt == NULL)
		return -EINVAL;
	interval_ns = (uint64_t)(rt->conf.stats_interval_ms ?
			rt->conf.stats_interval_ms : 1000) * 1000000ull;
	next_print = wp_clock_ns() + interval_ns;

	while (!__atomic_load_n(&rt->stop_req, __ATOMIC_RELAXED) &&
	       !wp_stop_signo) {
		uint64_t now;

		if (wp_runtime_poll_control(rt) == 0)
			rte_delay_us_sleep(WP_CONTROL_IDLE_US);
		now = wp_clock_ns();
		if (now >= next_print) {
			if (rt->conf.verbose) {
				char line[256];
				wp_runtime_format_totals(rt, line, sizeof(line));
				printf("warmpool: stats: %s\n", line);
			}
			next_print = now + interval_ns;
		}
	}
	return wp_runtime_stop(rt);
}

int
wp_runtime_stop(struct wp_runtime *rt)
{
	struct wp_cmd stop;
	unsigned int i;
	int stopped = 0;

	if (rt == NULL)
		return -EINVAL;
	if (rt->stopped)
		goto count;

	/* A worker reads its command ring every iteration and never blocks,
	 * so a full ring empties soon; a worker that stopped polling it is a
	 * bug that would hang the join below anyway. */
	for (i = 0; i < rt->n_workers; i++) {
		struct wp_runtime_worker *w = &rt->w[i];

		if (!w->launched)
			continue;
		memset(&stop, 0, sizeof(stop));
		stop.type = WP_CMD_STOP;
		while (wp_runtime_send(rt, i, &stop) == -ENOBUFS) {
			wp_runtime_poll_control(rt);
			rte_delay_us_sleep(WP_STOP_RETRY_US);
		}
	}
	/* Keep draining until each worker has returned, so that its final
	 * snapshot finds room; then collect it. */
	for (i = 0; i < rt->n_workers; i++) {
		struct wp_runtime_worker *w = &rt->w[i];

		if (!w->launched)
			continue;
		while (rte_eal_get_lcore_state(w->ctx->lcore_id) == RUNNING) {
			if (wp_runtime_poll_control(rt) == 0)
				rte_delay_us_sleep(WP_STOP_RETRY_US);
		}
		rte_eal_wait_lcore(w->ctx->lcore_id);
		w->joined = true;
	}
	/* every producer has returned: this drains the rings for good */
	while (wp_runtime_poll_control(rt) != 0)
		;
	rt->stopped = true;
count:
	for (i = 0; i < rt->n_workers; i++)
		stopped += rt->w[i].joined;
	return stopped;
}

void
wp_runtime_free(struct wp_runtime *rt)
{
	unsigned int i;

	if (rt == NULL)
		return;
	wp_runtime_stop(rt);
	for (i = 0; i < rt->n_workers; i++) {
		wp_ring_pair_free(rt->w[i].rings);
		wp_mfree(rt->w[i].ctx);
	}
	free(rt);
}
