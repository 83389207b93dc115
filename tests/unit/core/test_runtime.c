/* SPDX-License-Identifier: BSD-3-Clause */
/* Runtime tests: two workers on lcores 1 and 2 (both on CPU 0), PING and
 * PONG through the rings, periodic snapshots, the poll hook, idle back-off,
 * telemetry drops seen as sequence gaps, stop and join, nothing leaked. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <warmpool/ring.h>
#include <warmpool/runtime.h>

#include "wp_test.h"

#define NWORKERS 2

/* The runtime of the test in progress: a failed assertion leaves the test
 * early, and the per-test teardown stops it so the next test finds its
 * lcores free (and a failure fails fast instead of hanging). */
static struct wp_runtime *g_rt;
#define DEADLINE_NS (10ull * 1000 * 1000 * 1000)

static void
nap_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static size_t
heap_in_use(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;
	unsigned int s;

	for (s = 0; s < rte_socket_count(); s++) {
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}

static void
fast_conf(struct wp_runtime_conf *c)
{
	wp_runtime_conf_defaults(c);
	c->stats_interval_ms = 5;
	c->spin_polls = 64;
	c->pause_polls = 64;
	c->idle_sleep_us = 100;
}

/* Poll the control side until pred(view) holds for every worker. */
static void
wait_all(struct wp_runtime *rt, int (*pred)(const struct wp_worker_view *,
		const void *), const void *arg, const char *what)
{
	uint64_t end = wp_clock_ns() + DEADLINE_NS;

	for (;;) {
		unsigned int i, ok = 0;

		wp_runtime_poll_control(rt);
		for (i = 0; i < wp_runtime_workers(rt); i++)
			ok += pred(wp_runtime_view(rt, i), arg) != 0;
		if (ok == wp_runtime_workers(rt))
			return;
		if (wp_clock_ns() > end)
			fail_msg("timed out waiting for %s", what);
		nap_ms(1);
	}
}

static int
has_snapshots(const struct wp_worker_view *v, const void *arg)
{
	return v->snapshots >= *(const uint64_t *)arg;
}

static void
test_start_bad_conf(void **state)
{
	struct wp_runtime_conf c;
	const char *field = NULL;

	(void)state;
	fast_conf(&c);
	c.telem_slots = 0;
	assert_int_equal(wp_runtime_conf_check(&c, &field), -EINVAL);
	assert_string_equal(field, "telem_slots");
	errno = 0;
	assert_null(wp_runtime_start(&c, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(wp_runtime_start(NULL, NULL));
	assert_int_equal(errno, EINVAL);
	wp_runtime_free(NULL);
	fast_conf(&c);
	assert_int_equal(wp_runtime_conf_check(&c, &field), 0);
	assert_null(field);
}

static void
test_ping_pong_snapshots_stop(void **state)
{
	struct wp_runtime_conf c;
	struct wp_runtime *rt;
	uint32_t seq[NWORKERS];
	uint64_t two = 2;
	size_t heap0;
	unsigned int i;

	(void)state;
	fast_conf(&c);
	heap0 = heap_in_use();
	rt = g_rt = wp_runtime_start(&c, NULL);
	assert_non_null(rt);
	assert_int_equal(wp_runtime_workers(rt), NWORKERS);
	assert_true(heap_in_use() > heap0);

	for (i = 0; i < NWORKERS; i++) {
		int lcore = wp_runtime_worker_lcore(rt, i);

		assert_true(lcore >= 0);
		assert_int_not_equal(lcore, (int)rte_get_main_lcore());
		assert_int_equal(rte_eal_get_lcore_state((unsigned int)lcore),
				RUNNING);
	}
	assert_int_equal(wp_runtime_worker_lcore(rt, NWORKERS), -EINVAL);

	/* PING each worker; each answers with a PONG echoing seq and time */
	for (i = 0; i < NWORKERS; i++) {
		struct wp_cmd ping;

		memset(&ping, 0, sizeof(ping));
		ping.type = WP_CMD_PING;
		ping.args.ping.sent_ns = wp_clock_ns();
		assert_int_equal(wp_runtime_send(rt, i, &ping), 0);
		assert_int_not_equal(ping.seq, 0);
		seq[i] = ping.seq;
	}
	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);
		uint64_t end = wp_clock_ns() + DEADLINE_NS;

		while (v->pongs == 0 && wp_clock_ns() < end) {
			wp_runtime_poll_control(rt);
			nap_ms(1);
		}
		assert_int_equal(v->pongs, 1);
		assert_int_equal(v->last_pong_seq, seq[i]);
		assert_true(v->events >= 1); /* WP_EV_WORKER_STARTED */
	}

	/* periodic snapshots arrive, with sane, growing counters */
	wait_all(rt, has_snapshots, &two, "two snapshots per worker");
	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);

		assert_true(v->last.loops > 0);
		assert_int_equal(v->last.loops,
				v->last.busy_polls + v->last.idle_polls);
		assert_true(v->last_ts_ns > 0);
		assert_int_equal(v->bad, 0);
		assert_int_equal(v->seq_gaps, 0);
	}

	/* stop: every worker joined, its lcore free again */
	assert_int_equal(wp_runtime_stop(rt), NWORKERS);
	assert_int_equal(wp_runtime_stop(rt), NWORKERS); /* idempotent */
	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);
		int lcore = wp_runtime_worker_lcore(rt, i);

		assert_int_equal(rte_eal_get_lcore_state((unsigned int)lcore),
				WAIT);
		/* final snapshot: exactly PING and STOP were handled */
		assert_int_equal(v->last.cmds, 2);
		assert_int_equal(v->last.loops,
				v->last.busy_polls + v->last.idle_polls);
		/* idle most of the time: it backed off into sleeps */
		assert_true(v->last.idle_polls > 0);
		assert_true(v->last.sleeps > 0);
	}
	{
		struct wp_cmd nop;

		memset(&nop, 0, sizeof(nop));
		assert_int_equal(wp_runtime_send(rt, 0, &nop), -ESHUTDOWN);
	}
	wp_runtime_free(rt);
	g_rt = NULL;
	assert_int_equal(heap_in_use(), heap0); /* rings and contexts freed */
}

/* Hook state: one slot per worker, each written only by its worker. */
struct hook_state {
	uint64_t calls[NWORKERS];
	uint64_t wrong_lcore[NWORKERS];
};

static unsigned int
busy_hook(struct wp_worker_ctx *ctx, void *arg)
{
	struct hook_state *hs = arg;

	if (ctx->worker_id >= NWORKERS)
		return 1;
	hs->calls[ctx->worker_id]++;
	if (ctx->lcore_id != rte_lcore_id())
		hs->wrong_lcore[ctx->worker_id]++;
	return 1; /* always busy */
}

static void
test_poll_hook_busy(void **state)
{
	struct wp_runtime_conf c;
	struct wp_runtime_hooks hooks;
	struct hook_state hs;
	struct wp_runtime *rt;
	uint64_t three = 3;
	unsigned int i;

	(void)state;
	memset(&hs, 0, sizeof(hs));
	memset(&hooks, 0, sizeof(hooks));
	fast_conf(&c);
	hooks.poll = busy_hook;
	hooks.arg = &hs;
	rt = g_rt = wp_runtime_start(&c, &hooks);
	assert_non_null(rt);
	wait_all(rt, has_snapshots, &three, "three snapshots per worker");
	assert_int_equal(wp_runtime_stop(rt), NWORKERS);

	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);

		/* the hook ran on its own lcore, every iteration but the one
		 * that handled STOP, and kept the worker busy throughout */
		assert_int_equal(hs.wrong_lcore[i], 0);
		assert_true(hs.calls[i] > 0);
		assert_int_equal(hs.calls[i], v->last.loops - 1);
		assert_int_equal(v->last.idle_polls, 0);
		assert_int_equal(v->last.busy_polls, v->last.loops);
		assert_int_equal(v->last.sleeps, 0);
		assert_int_equal(v->last.cmds, 1);
		/* cycle accounting: always busy, so all the time is busy */
		assert_true(v->tsc_hz > 0);
		assert_true(v->busy_tsc > 0);
		assert_int_equal(v->idle_tsc, 0);
	}
	wp_runtime_free(rt);
	g_rt = NULL;
}

static void
test_backoff_without_sleep(void **state)
{
	struct wp_runtime_conf c;
	struct wp_runtime *rt;
	uint64_t two = 2;
	unsigned int i;

	(void)state;
	fast_conf(&c);
	c.idle_sleep_us = 0; /* pause forever, never sleep */
	rt = g_rt = wp_runtime_start(&c, NULL);
	assert_non_null(rt);
	wait_all(rt, has_snapshots, &two, "two snapshots per worker");
	assert_int_equal(wp_runtime_stop(rt), NWORKERS);
	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);

		assert_true(v->last.idle_polls > c.spin_polls + c.pause_polls);
		assert_int_equal(v->last.sleeps, 0);
	}
	wp_runtime_free(rt);
	g_rt = NULL;
}

/* An application command handler that answers with an application record
 * (wp_worker_push), seen by the control core's telem hook. */
#define T_REC (WP_TELEM_USER + 3)
struct telem_seen {
	unsigned int recs[NWORKERS];
	uint64_t payload[NWORKERS];
	int bad_push;
};

static void
echo_cmd(struct wp_worker_ctx *ctx, const struct wp_cmd *cmd, void *arg)
{
	struct telem_seen *ts = arg;
	uint64_t v = cmd->args.u64[0] * 10 + ctx->worker_id;

	if (wp_worker_push(ctx, WP_TELEM_EVENT, &v, sizeof(v)) != -EINVAL ||
	    wp_worker_push(ctx, T_REC, &v, 49) != -EINVAL)
		ts->bad_push = 1; /* runtime types and oversize refused */
	wp_worker_push(ctx, T_REC, &v, sizeof(v));
}

static void
collect_telem(unsigned int worker, const struct wp_telem_rec *rec, void *arg)
{
	struct telem_seen *ts = arg;

	if (rec->type != T_REC || worker >= NWORKERS)
		return;
	ts->recs[worker]++;
	memcpy(&ts->payload[worker], rec->u.raw, sizeof(uint64_t));
}

static void
test_user_record_hook_and_idle_cycles(void **state)
{
	struct wp_runtime_conf c;
	struct wp_runtime_hooks hooks;
	struct telem_seen ts;
	struct wp_runtime *rt;
	struct wp_cmd cmd;
	uint64_t two = 2;
	unsigned int i;

	(void)state;
	memset(&ts, 0, sizeof(ts));
	memset(&hooks, 0, sizeof(hooks));
	fast_conf(&c);
	hooks.cmd = echo_cmd;
	hooks.arg = &ts;
	hooks.telem = collect_telem;
	hooks.telem_arg = &ts;
	rt = g_rt = wp_runtime_start(&c, &hooks);
	assert_non_null(rt);
	wait_all(rt, has_snapshots, &two, "two snapshots per worker");
	for (i = 0; i < NWORKERS; i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = WP_CMD_USER;
		cmd.args.u64[0] = 7 + i;
		assert_int_equal(wp_runtime_send(rt, i, &cmd), 0);
	}
	assert_int_equal(wp_runtime_stop(rt), NWORKERS);
	assert_int_equal(ts.bad_push, 0);
	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);

		assert_int_equal(ts.recs[i], 1);
		assert_int_equal(ts.payload[i], (7 + i) * 10 + i);
		assert_int_equal(v->bad, 0); /* the hook takes user records */
		/* no poll hook: the worker idles almost all the time */
		assert_true(v->idle_tsc > 10 * v->busy_tsc);
	}
	wp_runtime_free(rt);
	g_rt = NULL;
}

static void
test_unknown_command_event(void **state)
{
	struct wp_runtime_conf c;
	struct wp_runtime *rt;
	struct wp_cmd cmd;
	uint64_t events0, end;

	(void)state;
	fast_conf(&c);
	rt = g_rt = wp_runtime_start(&c, NULL);
	assert_non_null(rt);
	/* wait for the start event, then send something nobody knows */
	end = wp_clock_ns() + DEADLINE_NS;
	while (wp_runtime_view(rt, 1)->events == 0 && wp_clock_ns() < end) {
		wp_runtime_poll_control(rt);
		nap_ms(1);
	}
	events0 = wp_runtime_view(rt, 1)->events;
	assert_int_equal(events0, 1);
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = WP_CMD_USER + 7;
	assert_int_equal(wp_runtime_send(rt, 1, &cmd), 0);
	assert_int_equal(wp_runtime_stop(rt), NWORKERS);
	assert_int_equal(wp_runtime_view(rt, 1)->events, events0 + 1);
	assert_int_equal(wp_runtime_view(rt, 0)->events, 1);
	assert_int_equal(wp_runtime_view(rt, 1)->last.cmds, 2);
	wp_runtime_free(rt);
	g_rt = NULL;
}

/* Nobody drains a tiny telemetry ring while workers snapshot every
 * millisecond: records are dropped and counted, and after the stop the
 * control core sees each dropped record as a sequence gap, and the final
 * snapshot still arrives and carries the same drop count. */
static void
test_telemetry_drops_visible(void **state)
{
	struct wp_runtime_conf c;
	struct wp_runtime *rt;
	struct wp_telem_counters tot;
	char line[256];
	unsigned int i;

	(void)state;
	fast_conf(&c);
	c.stats_interval_ms = 1;
	c.telem_slots = 4;
	rt = g_rt = wp_runtime_start(&c, NULL);
	assert_non_null(rt);
	nap_ms(100);
	assert_int_equal(wp_runtime_stop(rt), NWORKERS);

	wp_runtime_totals(rt, &tot);
	assert_true(tot.telem_drops > 0);
	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);

		assert_true(v->last.cmds == 1); /* the final snapshot came */
		assert_int_equal(v->seq_gaps, v->last.telem_drops);
		assert_true(v->last.telem_drops > 0);
	}
	assert_true(wp_runtime_format_totals(rt, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "workers=2 "));
	assert_non_null(strstr(line, "telem_drops="));
	wp_runtime_free(rt);
	g_rt = NULL;
}

static void *
stop_later(void *arg)
{
	nap_ms(50);
	wp_runtime_request_stop(arg);
	return NULL;
}

/* The control loop drains while it runs and returns, workers joined, when
 * another thread asks it to stop. */
static void
test_run_control_request_stop(void **state)
{
	struct wp_runtime_conf c;
	struct wp_runtime *rt;
	pthread_t th;
	unsigned int i;

	(void)state;
	fast_conf(&c);
	rt = g_rt = wp_runtime_start(&c, NULL);
	assert_non_null(rt);
	assert_int_equal(pthread_create(&th, NULL, stop_later, rt), 0);
	assert_int_equal(wp_runtime_run_control(rt), NWORKERS);
	assert_int_equal(pthread_join(th, NULL), 0);
	for (i = 0; i < NWORKERS; i++) {
		const struct wp_worker_view *v = wp_runtime_view(rt, i);

		assert_int_equal(rte_eal_get_lcore_state(
				(unsigned int)wp_runtime_worker_lcore(rt, i)),
				WAIT);
		assert_true(v->snapshots >= 2); /* periodic ones, then the last */
		assert_int_equal(v->last.cmds, 1);
	}
	assert_int_equal(wp_runtime_run_control(rt), NWORKERS); /* stopped */
	wp_runtime_free(rt);
	g_rt = NULL;
}

static int
teardown(void **state)
{
	(void)state;
	wp_runtime_free(g_rt);
	g_rt = NULL;
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	return wp_test_eal_init("core-runtime", "0@0,1@0,2@0");
}

static int
group_teardown(void **state)
{
	(void)state;
	wp_test_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_start_bad_conf, teardown),
		cmocka_unit_test_teardown(test_ping_pong_snapshots_stop, teardown),
		cmocka_unit_test_teardown(test_poll_hook_busy, teardown),
		cmocka_unit_test_teardown(test_backoff_without_sleep, teardown),
		cmocka_unit_test_teardown(test_unknown_command_event, teardown),
		cmocka_unit_test_teardown(test_user_record_hook_and_idle_cycles, teardown),
		cmocka_unit_test_teardown(test_telemetry_drops_visible, teardown),
		cmocka_unit_test_teardown(test_run_control_request_stop, teardown),
	};

	return cmocka_run_group_tests_name("core runtime", tests, group_setup,
			group_teardown);
}
