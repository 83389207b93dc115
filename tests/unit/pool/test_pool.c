/* Behaviour tests for the per-core session pool, one per rule of
 * DESIGN.md section 2, driven by the fake transport and a virtual clock. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "../wp_test.h"
#include "fake_transport.h"

#define MS(x) ((int64_t)(x) * 1000000LL)
#define S(x) ((int64_t)(x) * 1000000000LL)

static struct fake *F;

static void
assert_consistent(void)
{
	char err[160] = "";
	int rc = wp_pool_check(F->pool, err, sizeof(err));
	if (rc != 0)
		fail_msg("pool invariant broken: %s", err);
}

/* A pool with no timers on unless the test turns them on. */
static void
base_params(struct wp_pool_params *p)
{
	wp_pool_params_default(p);
	p->min_idle = 0;
	p->max_sessions = 8;
	p->max_pending = 16;
	p->max_requests = 0;
	p->connect_burst = 1000;
	p->connect_interval_ns = MS(1);
	p->connect_timeout_ns = S(1);
	p->acquire_timeout_ns = MS(100);
	p->idle_timeout_ns = 0;
	p->max_age_ns = 0;
	p->max_age_jitter_ns = 0;
	p->leak_threshold_ns = 0;
}

static void
make_pool(const struct wp_pool_params *prm)
{
	if (F->pool) {
		assert_consistent();
		wp_pool_free(F->pool);
	}
	memset(F, 0, sizeof(*F));
	F->pool = wp_pool_create(prm, 0, SOCKET_ID_ANY, &fake_ops, F);
	assert_non_null(F->pool);
}

static int
teardown(void **state)
{
	(void)state;
	if (F->pool)
		assert_consistent();
	wp_pool_free(F->pool);
	F->pool = NULL;
	return 0;
}

/* Open n new sessions and leave them idle: hold whatever is idle now, queue
 * n acquires (each connects), complete the connects, give everything back. */
static void
open_idle(unsigned n, int64_t now)
{
	static struct wp_lease held[FAKE_MAX];
	unsigned nheld = 0, g0 = F->ngrant;
	struct wp_lease l;
	int rc;

	while ((rc = wp_pool_acquire(F->pool, now, 999, &l)) == 0)
		held[nheld++] = l;
	assert_int_equal(rc, -EINPROGRESS);
	for (unsigned i = 1; i < n; i++)
		assert_int_equal(wp_pool_acquire(F->pool, now, 1000 + i, &l), -EINPROGRESS);
	assert_int_equal(fake_complete(F, now), n);
	assert_int_equal(F->ngrant - g0, n);
	for (unsigned i = 0; i < nheld; i++)
		assert_int_equal(wp_pool_release(F->pool, held[i], now), 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(wp_pool_release(F->pool, F->grants[g0 + i].lease, now), 0);
}

static void
test_warmup_paced(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	(void)state;
	base_params(&prm);
	prm.min_idle = 10;
	prm.max_sessions = 16;
	prm.connect_burst = 3;
	prm.connect_interval_ns = MS(10);
	make_pool(&prm);

	wp_pool_tick(F->pool, 0);
	assert_int_equal(F->nconnect_calls, 3);      /* one burst */
	wp_pool_tick(F->pool, MS(5));
	assert_int_equal(F->nconnect_calls, 3);      /* interval not over */
	wp_pool_tick(F->pool, MS(10));
	assert_int_equal(F->nconnect_calls, 6);
	wp_pool_tick(F->pool, MS(20));
	wp_pool_tick(F->pool, MS(30));
	assert_int_equal(F->nconnect_calls, 10);     /* stops at min_idle */
	wp_pool_tick(F->pool, MS(40));
	assert_int_equal(F->nconnect_calls, 10);
	fake_complete(F, MS(41));
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.idle, 10);
	assert_int_equal(st.opened, 10);

	/* a lost session is replaced, paced */
	assert_int_equal(fake_lose(F, 0, WP_CLOSE_PEER_FIN, MS(50)), 0);
	wp_pool_tick(F->pool, MS(50));
	assert_int_equal(F->nconnect_calls, 11);
	assert_consistent();
}

static void
test_lifo_order(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease a, b, c, x;
	(void)state;
	base_params(&prm);
	make_pool(&prm);
	open_idle(3, 0);
	/* take all three, give back in order a, b, c at increasing times */
	assert_int_equal(wp_pool_acquire(F->pool, 1, 1, &a), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 2, &b), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 3, &c), 0);
	assert_int_equal(wp_pool_release(F->pool, a, 2), 0);
	assert_int_equal(wp_pool_release(F->pool, b, 3), 0);
	assert_int_equal(wp_pool_release(F->pool, c, 4), 0);
	/* last in, first out */
	assert_int_equal(wp_pool_acquire(F->pool, 5, 4, &x), 0);
	assert_int_equal(x.sid, c.sid);
	assert_int_equal(wp_pool_release(F->pool, x, 6), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 7, 5, &x), 0);
	assert_int_equal(x.sid, c.sid);
	assert_int_equal(wp_pool_acquire(F->pool, 7, 6, &x), 0);
	assert_int_equal(x.sid, b.sid);
	assert_consistent();
}

static void
test_cap_under_burst(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	unsigned queued = 0, over = 0;
	(void)state;
	base_params(&prm);
	prm.max_sessions = 5;
	prm.max_pending = 64;
	make_pool(&prm);

	for (int i = 0; i < 80; i++) {
		int rc = wp_pool_acquire(F->pool, 0, (uint64_t)i, &l);
		if (rc == -EINPROGRESS)
			queued++;
		else if (rc == -ENOBUFS)
			over++;
		else
			fail_msg("unexpected %d", rc);
		wp_pool_stats(F->pool, &st);
		assert_true(st.connecting + st.idle + st.in_use <= 5);
	}
	assert_int_equal(queued, 64);
	assert_int_equal(over, 16);
	assert_int_equal(F->nconnect_calls, 5);    /* never more than the cap */
	assert_int_equal(fake_count(F, FC_CONNECTING), 5);
	fake_complete(F, 1);
	assert_int_equal(F->ngrant, 5);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.in_use, 5);
	assert_int_equal(st.pending, 59);
	assert_int_equal(st.overflows, 16);
	assert_consistent();
}

static void
test_waiters_fifo(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.max_sessions = 1;
	prm.max_pending = 8;
	make_pool(&prm);
	open_idle(1, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 100, &l), 0);
	for (uint64_t t = 1; t <= 4; t++)
		assert_int_equal(wp_pool_acquire(F->pool, 1 + (int64_t)t, t, &l), -EINPROGRESS);
	unsigned g0 = F->ngrant;
	/* each release hands the session straight to the oldest waiter */
	struct wp_lease cur = l;
	for (uint64_t t = 1; t <= 4; t++) {
		assert_int_equal(wp_pool_release(F->pool, cur, 10 * (int64_t)t), 0);
		assert_int_equal(F->ngrant, g0 + t);
		assert_int_equal(F->grants[g0 + t - 1].tag, t);
		cur = F->grants[g0 + t - 1].lease;
	}
	struct wp_pool_stats st;
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.waits, 5);          /* 1 from open_idle + 4 */
	assert_true(st.wait_ns > 0);
	assert_int_equal(wp_pool_release(F->pool, cur, 100), 0);
	assert_consistent();
}

static void
test_deadline_expiry(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease l;
	struct wp_pool_stats st;
	(void)state;
	base_params(&prm);
	prm.max_sessions = 1;
	prm.acquire_timeout_ns = MS(100);
	make_pool(&prm);
	open_idle(1, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 1, &l), 0);
	assert_int_equal(wp_pool_acquire(F->pool, MS(10), 2, &l), -EINPROGRESS);
	assert_int_equal(wp_pool_acquire(F->pool, MS(50), 3, &l), -EINPROGRESS);
	wp_pool_tick(F->pool, MS(109));
	assert_int_equal(F->nfailed, 0);
	wp_pool_tick(F->pool, MS(110));               /* first deadline */
	assert_int_equal(F->nfailed, 1);
	assert_int_equal(F->failed_tag[0], 2);
	assert_int_equal(F->failed_err[0], -ETIMEDOUT);
	wp_pool_tick(F->pool, MS(150));
	assert_int_equal(F->nfailed, 2);
	assert_int_equal(F->failed_tag[1], 3);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.timeouts, 2);
	assert_int_equal(st.pending, 0);
	/* the late session goes back idle, not to a dead waiter */
	assert_int_equal(wp_pool_release(F->pool, l, MS(200)), 0);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.idle, 1);
	assert_consistent();
}

static void
test_overflow_and_cancel(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.max_sessions = 1;
	prm.max_pending = 2;
	make_pool(&prm);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 1, &l), -EINPROGRESS);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 2, &l), -EINPROGRESS);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 3, &l), -ENOBUFS);
	assert_int_equal(wp_pool_cancel(F->pool, 1), 0);
	assert_int_equal(wp_pool_cancel(F->pool, 1), -ENOENT);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 4, &l), -EINPROGRESS);
	fake_complete(F, 1);
	assert_int_equal(F->ngrant, 1);
	assert_int_equal(F->grants[0].tag, 2);     /* cancelled 1 skipped */
	struct wp_pool_stats st;
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.overflows, 1);
	assert_int_equal(st.cancelled, 1);
	assert_int_equal(st.pending, 1);
	assert_consistent();
}

static void
test_zero_pending_fails_fast(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.max_pending = 0;
	make_pool(&prm);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 1, &l), -ENOBUFS);
	assert_int_equal(F->nconnect_calls, 0);
}

static void
test_idle_timeout_keeps_min_idle(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l[6];
	(void)state;
	base_params(&prm);
	prm.min_idle = 2;
	prm.idle_timeout_ns = S(10);
	make_pool(&prm);
	open_idle(6, 0);
	/* use four of them at t=5s so they are younger */
	for (int i = 0; i < 4; i++)
		assert_int_equal(wp_pool_acquire(F->pool, S(5), 1, &l[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(wp_pool_release(F->pool, l[i], S(5)), 0);
	wp_pool_tick(F->pool, S(10));    /* the two idle since 0 are due... */
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_IDLE_TIMEOUT], 2);
	assert_int_equal(st.idle, 4);
	wp_pool_tick(F->pool, S(100));   /* ...the rest, down to min_idle */
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_IDLE_TIMEOUT], 4);
	assert_int_equal(st.idle, 2);
	assert_int_equal(F->closes_by_reason[WP_CLOSE_IDLE_TIMEOUT], 4);
	assert_consistent();
}

static void
test_max_age_on_acquire_and_release(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.max_age_ns = S(60);
	make_pool(&prm);
	open_idle(2, 0);
	assert_int_equal(wp_pool_acquire(F->pool, S(30), 1, &l), 0);
	assert_int_equal(wp_pool_release(F->pool, l, S(61)), 0);   /* aged in use */
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_MAX_AGE], 1);
	/* the other one is found aged when popped */
	assert_int_equal(wp_pool_acquire(F->pool, S(62), 2, &l), -EINPROGRESS);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_MAX_AGE], 2);
	assert_int_equal(F->closes_by_reason[WP_CLOSE_MAX_AGE], 2);
	assert_consistent();
}

/* Sessions opened together must not expire together: with jitter J over
 * max age, at most a small share expires in any one 100 ms tick. */
static void
test_age_jitter_spreads_expiry(void **state)
{
	const unsigned N = 1000;
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	uint64_t prev = 0, worst = 0;
	(void)state;
	base_params(&prm);
	prm.max_sessions = N;
	prm.max_pending = N;
	prm.max_age_ns = S(60);
	prm.max_age_jitter_ns = S(10);
	make_pool(&prm);
	open_idle(N, 0);
	for (int64_t t = S(49); t <= S(61); t += MS(100)) {
		wp_pool_tick(F->pool, t);
		wp_pool_stats(F->pool, &st);
		uint64_t now_closed = st.closed[WP_CLOSE_MAX_AGE];
		if (now_closed - prev > worst)
			worst = now_closed - prev;
		prev = now_closed;
	}
	assert_int_equal(prev, N);                   /* all gone by max_age */
	/* uniform over 10 s is 1% per tick; allow 3% */
	if (worst > N * 3 / 100)
		fail_msg("%" PRIu64 " of %u sessions expired in one tick", worst, N);
	/* and none before max_age - jitter */
	make_pool(&prm);
	open_idle(N, 0);
	wp_pool_tick(F->pool, S(50) - 1);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_MAX_AGE], 0);
	assert_consistent();
}

static void
test_max_requests_rotation(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.max_requests = 3;
	prm.min_idle = 1;
	make_pool(&prm);
	open_idle(1, 0);        /* first exchange counted at this release */
	uint32_t first = 0;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(wp_pool_acquire(F->pool, 1, 1, &l), 0);
		first = l.sid;
		assert_int_equal(wp_pool_release(F->pool, l, 2), 0);
	}
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_MAX_REQUESTS], 1);
	assert_int_equal(st.reused, 2);
	assert_int_equal(F->conn[first], FC_NONE);  /* transport told to close */
	/* min_idle refills it on the next tick */
	wp_pool_tick(F->pool, 3);
	fake_complete(F, 4);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.idle, 1);
	assert_consistent();
}

static void
test_not_reusable_closes(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	make_pool(&prm);
	open_idle(1, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 1, &l), 0);
	F->not_reusable[l.sid] = true;          /* response had leftovers */
	assert_int_equal(wp_pool_release(F->pool, l, 2), 0);
	assert_int_equal(F->closes_by_reason[WP_CLOSE_PROTOCOL], 1);
	struct wp_pool_stats st;
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.idle, 0);
	assert_consistent();
}

static void
test_probe_before_lending(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease a, b, l;
	(void)state;
	base_params(&prm);
	prm.probe_idle_ns = S(5);
	make_pool(&prm);
	open_idle(2, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 1, &a), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 1, &b), 0);
	assert_int_equal(wp_pool_release(F->pool, a, 0), 0);
	assert_int_equal(wp_pool_release(F->pool, b, 0), 0);
	F->probe_dead[b.sid] = true;
	/* fresh enough: no probe, the dead one is lent (probe_idle not reached) */
	assert_int_equal(wp_pool_acquire(F->pool, S(1), 1, &l), 0);
	assert_int_equal(l.sid, b.sid);
	assert_int_equal(wp_pool_release(F->pool, l, S(1)), 0);
	/* idle long: probed, the dead one is closed, the live one lent */
	assert_int_equal(wp_pool_acquire(F->pool, S(10), 1, &l), 0);
	assert_int_equal(l.sid, a.sid);
	assert_int_equal(F->closes_by_reason[WP_CLOSE_PROBE_FAILED], 1);
	assert_consistent();
}

static void
test_leak_report_and_reclaim(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.leak_threshold_ns = S(10);
	make_pool(&prm);
	open_idle(1, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 0xabcdef, &l), 0);
	wp_pool_tick(F->pool, S(9));
	assert_int_equal(F->nleak, 0);
	wp_pool_tick(F->pool, S(10));
	assert_int_equal(F->nleak, 1);
	assert_int_equal(F->leak_holder, 0xabcdef);
	wp_pool_tick(F->pool, S(20));
	assert_int_equal(F->nleak, 1);                 /* once per lease */
	assert_int_equal(wp_pool_release(F->pool, l, S(21)), 0); /* no reclaim */
	teardown(NULL);

	prm.leak_reclaim = true;
	make_pool(&prm);
	open_idle(1, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 7, &l), 0);
	wp_pool_tick(F->pool, S(10));
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.leaks, 1);
	assert_int_equal(st.closed[WP_CLOSE_LEAK_RECLAIM], 1);
	assert_int_equal(F->conn[l.sid], FC_NONE);
	/* the late holder cannot hand back a slot that may be reused */
	assert_int_equal(wp_pool_release(F->pool, l, S(11)), -ESTALE);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.stale_releases, 1);
	assert_consistent();
}

static void
test_leak_callback_may_release(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.leak_threshold_ns = S(1);
	prm.leak_reclaim = true;
	make_pool(&prm);
	F->release_on_leak = true;
	open_idle(1, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 7, &l), 0);
	wp_pool_tick(F->pool, S(2));
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_LEAK_RECLAIM], 0); /* released in callback */
	assert_int_equal(st.idle, 1);
	assert_consistent();
}

static void
test_connect_failure_and_timeout(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.connect_timeout_ns = S(2);
	make_pool(&prm);
	F->refuse_connects = 1;
	assert_int_equal(wp_pool_acquire(F->pool, 0, 1, &l), -EINPROGRESS);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_CONNECT_FAILED], 1);
	assert_int_equal(st.pending, 1);
	/* the waiter is retried on the next tick */
	wp_pool_tick(F->pool, MS(1));
	assert_int_equal(fake_count(F, FC_CONNECTING), 1);
	/* which never answers */
	wp_pool_tick(F->pool, MS(1) + S(2));
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_CONNECT_TIMEOUT], 1);
	assert_int_equal(F->closes_by_reason[WP_CLOSE_CONNECT_TIMEOUT], 1);
	/* transport-reported refusal after the SYN went out */
	wp_pool_tick(F->pool, S(3));
	assert_int_equal(fake_count(F, FC_CONNECTING), 0); /* waiter timed out */
	assert_int_equal(wp_pool_acquire(F->pool, S(3), 2, &l), -EINPROGRESS);
	for (uint32_t sid = 0; sid < 8; sid++)
		if (F->conn[sid] == FC_CONNECTING)
			assert_int_equal(fake_lose(F, sid, WP_CLOSE_CONNECT_FAILED, S(3)), 0);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_CONNECT_FAILED], 2);
	assert_consistent();
}

/* A backend that refuses every connect while requests wait: connects back
 * off (1, 2, 4, ... ms up to the connect timeout) instead of one per
 * failure, and the first success lifts the back-off for every waiter. */
static void
test_connect_backoff(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	int64_t t;
	unsigned calls;
	(void)state;
	base_params(&prm);
	prm.connect_timeout_ns = MS(64);
	prm.acquire_timeout_ns = S(10);
	make_pool(&prm);
	F->refuse_connects = 1000000;
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(wp_pool_acquire(F->pool, 0, 10 + i, &l), -EINPROGRESS);
	/* one refused connect at t=0 holds the other three back */
	assert_int_equal(F->nconnect_calls, 1);
	/* one second of ticks every 100 us: tries at 1, 3, 7, 15, 31, 63, then
	 * every 64 ms: about 21 tries, not one per tick (10,000) */
	for (t = 100000; t <= S(1); t += 100000)
		wp_pool_tick(F->pool, t);
	wp_pool_stats(F->pool, &st);
	assert_true(F->nconnect_calls >= 18 && F->nconnect_calls <= 24);
	assert_int_equal(st.backoffs, F->nconnect_calls);
	assert_int_equal(st.pending, 4);
	/* the backend comes back: the first connect that succeeds ends the
	 * back-off, and the other waiters get their connects at once */
	F->refuse_connects = 0;
	calls = F->nconnect_calls;
	wp_pool_tick(F->pool, t + MS(64));
	assert_int_equal(F->nconnect_calls, calls + 4);   /* the tick serves all owed */
	assert_int_equal(fake_complete(F, t + MS(64)), 4);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.in_use, 4);
	/* one more failure after a success starts again from 1 ms */
	F->refuse_connects = 1;
	assert_int_equal(wp_pool_acquire(F->pool, t + MS(65), 20, &l), -EINPROGRESS);
	calls = F->nconnect_calls;
	wp_pool_tick(F->pool, t + MS(65) + 999999);
	assert_int_equal(F->nconnect_calls, calls);        /* still backing off */
	wp_pool_tick(F->pool, t + MS(66));
	assert_int_equal(F->nconnect_calls, calls + 1);    /* 1 ms later: retried */
	assert_consistent();
}

static void
test_backend_down_and_up(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l, held;
	(void)state;
	base_params(&prm);
	prm.max_sessions = 3;
	prm.min_idle = 2;
	make_pool(&prm);
	open_idle(3, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 1, &held), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 2, &l), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 3, &l), 0);
	assert_int_equal(wp_pool_release(F->pool, l, 1), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 3, &l), 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 9, &l), -EINPROGRESS);
	wp_pool_set_state(F->pool, WP_BACKEND_DOWN, 2);
	assert_int_equal(F->nfailed, 1);
	assert_int_equal(F->failed_err[0], -ECONNABORTED);
	assert_int_equal(wp_pool_acquire(F->pool, 2, 10, &l), -ENETDOWN);
	assert_int_equal(wp_pool_release(F->pool, held, 3), 0);  /* closed on return */
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_BACKEND_DOWN], 1);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.aborted, 1);
	wp_pool_tick(F->pool, 4);
	assert_int_equal(fake_count(F, FC_CONNECTING), 0);       /* no warm-up while down */

	wp_pool_set_state(F->pool, WP_BACKEND_UP, 5);
	wp_pool_tick(F->pool, 5);
	/* two leases still out: warm-up fills only up to the cap of 3 */
	assert_int_equal(fake_count(F, FC_CONNECTING), 1);
	teardown(NULL);

	/* drain closes idle at once with its own reason */
	make_pool(&prm);
	open_idle(2, 0);
	wp_pool_set_state(F->pool, WP_BACKEND_DRAIN, 1);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_DRAIN], 2);
	wp_pool_set_state(F->pool, WP_BACKEND_UP, 2);
	wp_pool_tick(F->pool, 2);
	assert_int_equal(fake_count(F, FC_CONNECTING), 2);       /* warm again */
	assert_consistent();
}

static void
test_shrink_targets(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l[4];
	(void)state;
	base_params(&prm);
	make_pool(&prm);
	open_idle(6, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(wp_pool_acquire(F->pool, 1, 1, &l[i]), 0);
	assert_int_equal(wp_pool_set_targets(F->pool, 0, 3), 0);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_POOL_SHRINK], 2);    /* both idle */
	for (int i = 0; i < 4; i++)
		assert_int_equal(wp_pool_release(F->pool, l[i], 2), 0);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_POOL_SHRINK], 3);    /* 4 -> 3 */
	assert_int_equal(st.idle, 3);
	assert_int_equal(wp_pool_set_targets(F->pool, 4, 3), -EINVAL);
	assert_int_equal(wp_pool_set_targets(F->pool, 0, 9), -EINVAL);
	assert_consistent();
}

/* A reload's new parameters: timers and limits at once, the newest
 * waiters above a lowered max_pending fail, the targets and the seed
 * untouched; more than the pool was created for is refused. */
static void
test_set_params(void **state)
{
	struct wp_pool_params prm, np;
	struct wp_pool_stats st;
	struct wp_lease l;
	uint32_t mi, mx;
	(void)state;
	base_params(&prm);
	prm.max_sessions = 1;
	prm.max_pending = 4;
	make_pool(&prm);
	for (uint64_t tag = 1; tag <= 4; tag++)
		assert_int_equal(wp_pool_acquire(F->pool, 0, tag, &l), -EINPROGRESS);
	np = prm;
	np.max_sessions = 2;                    /* above the pool's size */
	assert_int_equal(wp_pool_set_params(F->pool, &np), -EINVAL);
	np = prm;
	np.max_pending = 5;                     /* above the queue's 4 */
	assert_int_equal(wp_pool_set_params(F->pool, &np), -EINVAL);
	np = prm;
	np.acquire_timeout_ns = 0;              /* bad */
	assert_int_equal(wp_pool_set_params(F->pool, &np), -EINVAL);
	assert_int_equal(F->nfailed, 0);

	np = prm;
	np.max_pending = 2;
	np.acquire_timeout_ns = MS(10);
	np.min_idle = 1;
	np.seed = 12345;
	assert_int_equal(wp_pool_set_params(F->pool, &np), 0);
	assert_int_equal(F->nfailed, 2);        /* the newest two: tags 4, 3 */
	assert_int_equal(F->failed_tag[0], 4);
	assert_int_equal(F->failed_tag[1], 3);
	assert_int_equal(F->failed_err[0], -ECONNABORTED);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.pending, 2);
	assert_int_equal(st.aborted, 2);
	assert_int_equal(wp_pool_acquire(F->pool, 0, 5, &l), -ENOBUFS); /* 2 is the bound */
	wp_pool_targets(F->pool, &mi, &mx);
	assert_int_equal(mi, 0);                /* targets: the caller's business */
	assert_int_equal(mx, 1);
	/* the new acquire_timeout: the waiters queued at 0 expire at 10 ms */
	wp_pool_tick(F->pool, MS(10));
	assert_int_equal(F->nfailed, 4);
	assert_int_equal(F->failed_err[2], -ETIMEDOUT);
	assert_consistent();
}

static void
test_lost_leased_ends_lease(void **state)
{
	struct wp_pool_params prm;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	make_pool(&prm);
	open_idle(2, 0);
	assert_int_equal(wp_pool_acquire(F->pool, 1, 1, &l), 0);
	assert_int_equal(fake_lose(F, l.sid, WP_CLOSE_PEER_RST, 2), 0);
	assert_int_equal(wp_pool_release(F->pool, l, 3), -ESTALE);
	/* an idle one lost from the middle of the stack */
	struct wp_pool_stats st;
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.idle, 1);
	uint32_t other = l.sid == 0 ? 1 : 0;
	assert_int_equal(fake_lose(F, other, WP_CLOSE_PEER_FIN, 4), 0);
	assert_int_equal(fake_lose(F, other, WP_CLOSE_PEER_FIN, 4), -ENOENT);
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.closed[WP_CLOSE_PEER_RST], 1);
	assert_int_equal(st.closed[WP_CLOSE_PEER_FIN], 1);
	assert_int_equal(st.idle, 0);
	assert_consistent();
}

/* Every reason in enum wp_close_reason is produced by some path above;
 * here all of them at once in one pool, each counted exactly once. */
static void
test_every_reason_counted(void **state)
{
	struct wp_pool_params prm;
	struct wp_pool_stats st;
	struct wp_lease l;
	(void)state;
	base_params(&prm);
	prm.max_sessions = 32;
	prm.max_pending = 32;
	prm.max_requests = 2;
	prm.max_age_ns = S(100);
	prm.idle_timeout_ns = S(50);
	prm.probe_idle_ns = S(1);
	prm.leak_threshold_ns = S(20);
	prm.leak_reclaim = true;
	make_pool(&prm);

	open_idle(4, 0);
	/* PROBE_FAILED: top of stack dead */
	F->probe_dead[F->grants[3].lease.sid] = true;
	assert_int_equal(wp_pool_acquire(F->pool, S(2), 1, &l), 0);
	/* MAX_REQUESTS: second exchange */
	assert_int_equal(wp_pool_release(F->pool, l, S(2)), 0);
	/* PROTOCOL */
	assert_int_equal(wp_pool_acquire(F->pool, S(2), 1, &l), 0);
	F->not_reusable[l.sid] = true;
	assert_int_equal(wp_pool_release(F->pool, l, S(2)), 0);
	/* PEER_FIN, PEER_RST on idle ones */
	open_idle(4, S(3));
	wp_pool_stats(F->pool, &st);
	assert_int_equal(st.idle, 4); /* the held one reached max_requests */
	assert_int_equal(fake_lose(F, F->grants[F->ngrant - 1].lease.sid, WP_CLOSE_PEER_FIN, S(3)), 0);
	assert_int_equal(fake_lose(F, F->grants[F->ngrant - 2].lease.sid, WP_CLOSE_PEER_RST, S(3)), 0);
	/* CONNECT_FAILED, CONNECT_TIMEOUT */
	F->refuse_connects = 1;
	wp_pool_set_targets(F->pool, 4, 32);
	wp_pool_tick(F->pool, S(4));           /* one refused, one connecting */
	wp_pool_tick(F->pool, S(7));           /* connect timeout (1 s) */
	/* LEAK_RECLAIM */
	assert_int_equal(wp_pool_acquire(F->pool, S(7), 5, &l), 0);
	wp_pool_tick(F->pool, S(27));
	/* IDLE_TIMEOUT above min_idle (min 4: set 0 to let one go) */
	wp_pool_set_targets(F->pool, 0, 32);
	wp_pool_tick(F->pool, S(53));
	/* MAX_AGE: sessions opened at 3 s, pass 103 s */
	open_idle(2, S(60));
	wp_pool_tick(F->pool, S(161));
	/* POOL_SHRINK, DRAIN, BACKEND_DOWN, SHUTDOWN */
	open_idle(3, S(170));
	wp_pool_set_targets(F->pool, 0, 2);
	wp_pool_set_state(F->pool, WP_BACKEND_DRAIN, S(171));
	wp_pool_set_state(F->pool, WP_BACKEND_UP, S(172));
	wp_pool_set_targets(F->pool, 1, 32);
	wp_pool_tick(F->pool, S(172));
	fake_complete(F, S(172));
	wp_pool_set_state(F->pool, WP_BACKEND_DOWN, S(173));
	wp_pool_set_state(F->pool, WP_BACKEND_UP, S(174));
	wp_pool_tick(F->pool, S(174));
	fake_complete(F, S(174));
	wp_pool_shutdown(F->pool);

	wp_pool_stats(F->pool, &st);
	for (unsigned r = 0; r < WP_CLOSE__COUNT; r++) {
		if (st.closed[r] == 0)
			fail_msg("close reason %s never counted", wp_close_reason_name(r));
		/* the transport saw a close for every reason the pool decided */
		if (r != WP_CLOSE_PEER_FIN && r != WP_CLOSE_PEER_RST &&
		    r != WP_CLOSE_CONNECT_FAILED)
			assert_int_equal(F->closes_by_reason[r], st.closed[r]);
	}
	assert_int_equal(fake_count(F, FC_UP) + fake_count(F, FC_CONNECTING), 0);
	assert_consistent();
}

static void
test_bad_params_named(void **state)
{
	(void)state;
	struct wp_pool_params p;
	char err[128];
	struct {
		const char *param;
		struct wp_pool_params p;
	} cases[16];
	unsigned n = 0;

#define CASE(name, field, value)             \
	do {                                  \
		wp_pool_params_default(&p);    \
		p.field = value;               \
		cases[n].param = name;         \
		cases[n].p = p;                \
		n++;                           \
	} while (0)
	CASE("max_sessions", max_sessions, 0);
	CASE("min_idle", min_idle, 65);
	CASE("max_pending", max_pending, (1u << 20) + 1);
	CASE("connect_burst", connect_burst, 0);
	CASE("connect_interval", connect_interval_ns, 0);
	CASE("connect_timeout", connect_timeout_ns, -1);
	CASE("acquire_timeout", acquire_timeout_ns, 0);
	CASE("idle_timeout", idle_timeout_ns, -5);
	CASE("max_age", max_age_ns, -1);
	CASE("max_age_jitter", max_age_jitter_ns, -1);
	CASE("max_age_jitter", max_age_jitter_ns, S(300));
	CASE("probe_idle", probe_idle_ns, -1);
	CASE("leak_threshold", leak_threshold_ns, -1);
#undef CASE
	for (unsigned i = 0; i < n; i++) {
		err[0] = 0;
		assert_int_equal(wp_pool_params_check(&cases[i].p, err, sizeof(err)), -EINVAL);
		if (strncmp(err, cases[i].param, strlen(cases[i].param)) != 0)
			fail_msg("row %u: error '%s' does not name %s", i, err, cases[i].param);
		errno = 0;
		assert_null(wp_pool_create(&cases[i].p, 0, SOCKET_ID_ANY, &fake_ops, F));
		assert_int_equal(errno, EINVAL);
	}
	wp_pool_params_default(&p);
	p.leak_threshold_ns = 0;
	p.leak_reclaim = true;
	assert_int_equal(wp_pool_params_check(&p, err, sizeof(err)), -EINVAL);
	assert_string_equal(strtok(err, ":"), "leak_reclaim");
	wp_pool_params_default(&p);
	assert_int_equal(wp_pool_params_check(&p, err, sizeof(err)), 0);
}

int
main(void)
{
	if (wp_test_eal_init("test_pool", NULL) < 0)
		return 1;
	F = calloc(1, sizeof(*F));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_warmup_paced, teardown),
		cmocka_unit_test_teardown(test_lifo_order, teardown),
		cmocka_unit_test_teardown(test_cap_under_burst, teardown),
		cmocka_unit_test_teardown(test_waiters_fifo, teardown),
		cmocka_unit_test_teardown(test_deadline_expiry, teardown),
		cmocka_unit_test_teardown(test_overflow_and_cancel, teardown),
		cmocka_unit_test_teardown(test_zero_pending_fails_fast, teardown),
		cmocka_unit_test_teardown(test_idle_timeout_keeps_min_idle, teardown),
		cmocka_unit_test_teardown(test_max_age_on_acquire_and_release, teardown),
		cmocka_unit_test_teardown(test_age_jitter_spreads_expiry, teardown),
		cmocka_unit_test_teardown(test_max_requests_rotation, teardown),
		cmocka_unit_test_teardown(test_not_reusable_closes, teardown),
		cmocka_unit_test_teardown(test_probe_before_lending, teardown),
		cmocka_unit_test_teardown(test_leak_report_and_reclaim, teardown),
		cmocka_unit_test_teardown(test_connect_backoff, teardown),
		cmocka_unit_test_teardown(test_leak_callback_may_release, teardown),
		cmocka_unit_test_teardown(test_connect_failure_and_timeout, teardown),
		cmocka_unit_test_teardown(test_backend_down_and_up, teardown),
		cmocka_unit_test_teardown(test_shrink_targets, teardown),
		cmocka_unit_test_teardown(test_set_params, teardown),
		cmocka_unit_test_teardown(test_lost_leased_ends_lease, teardown),
		cmocka_unit_test_teardown(test_every_reason_counted, teardown),
		cmocka_unit_test_teardown(test_bad_params_named, teardown),
	};
	int failed = cmocka_run_group_tests_name("pool", tests, NULL, NULL);
	free(F);
	wp_test_eal_cleanup();
	return failed;
}
