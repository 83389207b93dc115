/* Model-based randomized test of the session pool.
 *
 * A deliberately simple reference model (arrays and linear scans: a LIFO
 * list of idle ids, a FIFO list of waiter tags, a state per slot) predicts
 * the outcome of every operation; the pool must agree after each step, and
 * its own invariant check (wp_pool_check) must hold. At the end every
 * session ever started is accounted for by exactly one close reason.
 *
 * Timers other than waiter deadlines and connect timeouts are off here
 * (idle timeout, age and leaks have their own tests); min_idle is 0 so
 * every connect is one the model can attribute to a waiter.
 * The seed is printed; WP_MODEL_SEED=N replays a run.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <warmpool/pool.h>

#include "../wp_test.h"

#define CAP 24
#define PEND 12
#define STEPS 200000
#define ACQ_TO 40000000LL  /* 40 ms */
#define CONN_TO 30000000LL /* 30 ms */

struct model {
	struct wp_pool *pool;
	uint8_t st[CAP];            /* enum wp_session_state as the model sees it */
	int64_t since[CAP];         /* CONNECTING: start */
	uint32_t nreq[CAP];
	uint32_t idle[CAP];         /* LIFO, top = idle[nidle-1] */
	unsigned nidle;
	uint64_t wtag[PEND];        /* FIFO */
	int64_t wsince[PEND];
	unsigned nwait;
	struct wp_lease held[CAP];  /* leases the "application" holds */
	uint64_t held_tag[CAP];
	unsigned nheld;
	struct wp_lease old[64];    /* released leases, for stale releases */
	unsigned nold;
	bool down;
	bool refuse_next;
	uint32_t streak;            /* connects failed in a row */
	int64_t retry_at;           /* the pool may not connect before this */
	uint64_t backoffs;
	bool not_reusable;
	int last_close_sid;
	int last_close_why;
	uint64_t connects, closes[WP_CLOSE__COUNT];
	uint64_t expect_fail_tag;
	int expect_fail_err;
	unsigned nfail_seen;
	int64_t now;
};

static struct model M;
static uint64_t rng;

/* The back-off rule, restated: after the n-th failure in a row the next
 * connect waits 1 ms x 2^(n-1), at most the connect timeout. */
#define CONN_IVL 1000000LL

static void
m_fail(void)
{
	int64_t d = CONN_IVL;
	uint32_t k = M.streak++;

	while (k-- > 0 && d < CONN_TO)
		d *= 2;
	M.retry_at = M.now + (d < CONN_TO ? d : CONN_TO);
	M.backoffs++;
}

static void
m_success(void)
{
	M.streak = 0;
	M.retry_at = INT64_MIN;
}

static uint64_t
rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

static void
idle_remove(uint32_t sid)
{
	for (unsigned i = 0; i < M.nidle; i++) {
		if (M.idle[i] == sid) {
			memmove(&M.idle[i], &M.idle[i + 1], (M.nidle - i - 1) * sizeof(M.idle[0]));
			M.nidle--;
			return;
		}
	}
	fail_msg("model: %u not idle", sid);
}

static void
wait_pop_front(void)
{
	memmove(&M.wtag[0], &M.wtag[1], (M.nwait - 1) * sizeof(M.wtag[0]));
	memmove(&M.wsince[0], &M.wsince[1], (M.nwait - 1) * sizeof(M.wsince[0]));
	M.nwait--;
}

/* ---- ops: the pool talks to the model --------------------------------- */

static int
m_connect(void *ctx, uint16_t backend, uint32_t sid)
{
	(void)ctx;
	(void)backend;
	assert_true(sid < CAP);
	if (M.st[sid] != WP_SESS_FREE)
		fail_msg("pool connects slot %u which is in state %u", sid, M.st[sid]);
	M.connects++;
	if (M.refuse_next) {
		M.refuse_next = false;
		M.closes[WP_CLOSE_CONNECT_FAILED]++;
		m_fail();
		return -ECONNREFUSED;
	}
	M.st[sid] = WP_SESS_CONNECTING;
	M.since[sid] = M.now;
	M.nreq[sid] = 0;
	return 0;
}

static void
m_close(void *ctx, uint32_t sid, enum wp_close_reason why)
{
	(void)ctx;
	if (M.st[sid] == WP_SESS_FREE)
		fail_msg("pool closes free slot %u (%s)", sid, wp_close_reason_name(why));
	if (M.st[sid] == WP_SESS_IDLE)
		idle_remove(sid);
	M.st[sid] = WP_SESS_FREE;
	M.closes[why]++;
	M.last_close_sid = (int)sid;
	M.last_close_why = why;
	if (why == WP_CLOSE_CONNECT_TIMEOUT)
		m_fail();
}

static bool
m_reusable(void *ctx, uint32_t sid)
{
	(void)ctx;
	(void)sid;
	return !M.not_reusable;
}

static void
m_granted(void *ctx, uint64_t tag, struct wp_lease l)
{
	(void)ctx;
	if (M.nwait == 0 || M.wtag[0] != tag)
		fail_msg("grant to %" PRIu64 " but model's oldest waiter is %" PRIu64,
			 tag, M.nwait ? M.wtag[0] : 0);
	if (M.st[l.sid] != WP_SESS_CONNECTING && M.st[l.sid] != WP_SESS_LEASED)
		fail_msg("granted slot %u in state %u", l.sid, M.st[l.sid]);
	wait_pop_front();
	M.st[l.sid] = WP_SESS_LEASED;
	M.held_tag[M.nheld] = tag;
	M.held[M.nheld++] = l;
}

static void
m_failed(void *ctx, uint64_t tag, int err)
{
	(void)ctx;
	unsigned i;
	for (i = 0; i < M.nwait && M.wtag[i] != tag; i++)
		;
	if (i == M.nwait)
		fail_msg("failed() for unknown waiter %" PRIu64, tag);
	if (err == -ETIMEDOUT && i != 0)
		fail_msg("timeout out of FIFO order");
	memmove(&M.wtag[i], &M.wtag[i + 1], (M.nwait - i - 1) * sizeof(M.wtag[0]));
	memmove(&M.wsince[i], &M.wsince[i + 1], (M.nwait - i - 1) * sizeof(M.wsince[0]));
	M.nwait--;
	M.nfail_seen++;
}

static const struct wp_pool_ops model_ops = {
	.connect = m_connect,
	.close = m_close,
	.is_reusable = m_reusable,
	.granted = m_granted,
	.failed = m_failed,
};

/* ---- comparison ------------------------------------------------------- */

static void
compare(const char *after)
{
	struct wp_pool_stats st;
	char err[160] = "";
	unsigned n[4] = { 0 };

	if (wp_pool_check(M.pool, err, sizeof(err)) != 0)
		fail_msg("after %s: %s", after, err);
	wp_pool_stats(M.pool, &st);
	for (unsigned s = 0; s < CAP; s++) {
		n[M.st[s]]++;
		if (wp_pool_session_state(M.pool, s) != M.st[s])
			fail_msg("after %s: slot %u pool=%u model=%u", after, s,
				 wp_pool_session_state(M.pool, s), M.st[s]);
	}
	if (st.idle != M.nidle || st.in_use != n[WP_SESS_LEASED] ||
	    st.connecting != n[WP_SESS_CONNECTING] || st.pending != M.nwait)
		fail_msg("after %s: pool idle/leased/connecting/pending %u/%u/%u/%u, "
			 "model %u/%u/%u/%u", after, st.idle, st.in_use, st.connecting,
			 st.pending, M.nidle, n[WP_SESS_LEASED], n[WP_SESS_CONNECTING], M.nwait);
	if (st.connects != M.connects)
		fail_msg("after %s: connects pool %" PRIu64 " model %" PRIu64, after,
			 st.connects, M.connects);
	for (unsigned r = 0; r < WP_CLOSE__COUNT; r++)
		if (st.closed[r] != M.closes[r])
			fail_msg("after %s: closed[%s] pool %" PRIu64 " model %" PRIu64, after,
				 wp_close_reason_name(r), st.closed[r], M.closes[r]);
	/* waiters are owed a connect each, at once, up to the cap, unless a
	 * failed connect holds connects back (until retry_at, then the next
	 * tick or event makes them) */
	unsigned open = CAP - n[WP_SESS_FREE];
	unsigned owed = RTE_MIN(M.nwait, n[WP_SESS_CONNECTING] + (CAP - open));
	if (n[WP_SESS_CONNECTING] < owed && M.now >= M.retry_at)
		fail_msg("after %s: %u waiters, %u connecting, %u slots free, not backing off",
			 after, M.nwait, n[WP_SESS_CONNECTING], CAP - open);
	if (st.backoffs != M.backoffs)
		fail_msg("after %s: back-offs pool %" PRIu64 " model %" PRIu64, after,
			 st.backoffs, M.backoffs);
	if (M.nheld != n[WP_SESS_LEASED])
		fail_msg("after %s: application holds %u leases, %u slots leased",
			 after, M.nheld, n[WP_SESS_LEASED]);
}

/* ---- steps ------------------------------------------------------------ */

static uint64_t next_tag = 1;

static void
step_acquire(void)
{
	struct wp_lease l;
	uint64_t tag = next_tag++;
	unsigned idle_before = M.nidle;
	uint32_t top = M.nidle ? M.idle[M.nidle - 1] : 0;
	int rc;

	if (!M.down && M.nidle == 0 && M.nwait < PEND) {
		/* the model queues the waiter first: connects may grant at once */
		M.wtag[M.nwait] = tag;
		M.wsince[M.nwait++] = M.now;
	}
	rc = wp_pool_acquire(M.pool, M.now, tag, &l);
	if (M.down) {
		assert_int_equal(rc, -ENETDOWN);
	} else if (idle_before) {
		assert_int_equal(rc, 0);
		assert_int_equal(l.sid, top); /* LIFO */
		M.idle[--M.nidle] = 0;
		M.st[l.sid] = WP_SESS_LEASED;
		M.held_tag[M.nheld] = tag;
		M.held[M.nheld++] = l;
	} else if (rc == -ENOBUFS) {
		assert_int_equal(M.nwait, PEND);
	} else {
		assert_int_equal(rc, -EINPROGRESS);
	}
}

static void
step_release(void)
{
	unsigned i = (unsigned)rnd(M.nheld);
	struct wp_lease l = M.held[i];
	uint32_t sid = l.sid;
	uint64_t closes_before = 0;
	int expect_close = -1;

	M.held[i] = M.held[--M.nheld];
	M.held_tag[i] = M.held_tag[M.nheld];
	M.not_reusable = rnd(10) == 0;
	M.nreq[sid]++;
	if (M.down)
		expect_close = WP_CLOSE_BACKEND_DOWN;
	else if (M.not_reusable)
		expect_close = WP_CLOSE_PROTOCOL;
	else if (M.nreq[sid] >= 5)
		expect_close = WP_CLOSE_MAX_REQUESTS;
	for (unsigned r = 0; r < WP_CLOSE__COUNT; r++)
		closes_before += M.closes[r];
	M.last_close_sid = -1;
	if (expect_close < 0 && M.nwait == 0) {
		/* model: back on top of the idle stack */
		M.st[sid] = WP_SESS_IDLE;
		M.idle[M.nidle++] = sid;
	} else if (expect_close < 0) {
		M.st[sid] = WP_SESS_LEASED; /* handed over; m_granted records it */
	}
	assert_int_equal(wp_pool_release(M.pool, l, M.now), 0);
	if (expect_close >= 0) {
		if (M.last_close_sid != (int)sid || M.last_close_why != expect_close)
			fail_msg("release of %u: expected close %s, got sid %d %s", sid,
				 wp_close_reason_name(expect_close), M.last_close_sid,
				 M.last_close_sid >= 0 ? wp_close_reason_name(M.last_close_why) : "-");
		M.nreq[sid] = 0;
	}
	M.not_reusable = false;
	if (M.nold < 64)
		M.old[M.nold++] = l;
	else
		M.old[rnd(64)] = l;
}

static void
step_stale_release(void)
{
	struct wp_lease l = M.old[rnd(M.nold)];
	/* unless the same slot and generation is held again (impossible), stale */
	assert_int_equal(wp_pool_release(M.pool, l, M.now), -ESTALE);
}

static void
step_complete(void)
{
	uint32_t cand[CAP];
	unsigned n = 0;

	for (uint32_t s = 0; s < CAP; s++)
		if (M.st[s] == WP_SESS_CONNECTING)
			cand[n++] = s;
	if (n == 0)
		return;
	uint32_t sid = cand[rnd(n)];
	unsigned waiting = M.nwait;
	if (waiting == 0) {
		M.st[sid] = WP_SESS_IDLE;
		M.idle[M.nidle++] = sid;
	}
	m_success();
	assert_int_equal(wp_pool_connected(M.pool, sid, M.now), 0);
	/* with a waiter, m_granted must have lent exactly this slot */
	if (waiting != 0 && (M.nwait != waiting - 1 || M.st[sid] != WP_SESS_LEASED))
		fail_msg("connected %u with %u waiting was not granted", sid, waiting);
}

static void
step_lose(void)
{
	uint32_t sid = (uint32_t)rnd(CAP);
	enum wp_close_reason why = rnd(2) ? WP_CLOSE_PEER_FIN : WP_CLOSE_PEER_RST;

	if (M.st[sid] == WP_SESS_FREE) {
		assert_int_equal(wp_pool_lost(M.pool, sid, why, M.now), -ENOENT);
		return;
	}
	if (M.st[sid] == WP_SESS_CONNECTING)
		m_fail();       /* lost before it completed: a failed connect */
	if (M.st[sid] == WP_SESS_IDLE)
		idle_remove(sid);
	if (M.st[sid] == WP_SESS_LEASED) {
		for (unsigned i = 0; i < M.nheld; i++) {
			if (M.held[i].sid == sid) {
				if (M.nold < 64)
					M.old[M.nold++] = M.held[i];
				M.held[i] = M.held[--M.nheld];
				M.held_tag[i] = M.held_tag[M.nheld];
				break;
			}
		}
	}
	M.st[sid] = WP_SESS_FREE;
	M.closes[why]++;
	M.nreq[sid] = 0;
	assert_int_equal(wp_pool_lost(M.pool, sid, why, M.now), 0);
}

static void
step_cancel(void)
{
	if (M.nwait == 0) {
		assert_int_equal(wp_pool_cancel(M.pool, next_tag + 1000000), -ENOENT);
		return;
	}
	unsigned i = (unsigned)rnd(M.nwait);
	uint64_t tag = M.wtag[i];
	memmove(&M.wtag[i], &M.wtag[i + 1], (M.nwait - i - 1) * sizeof(M.wtag[0]));
	memmove(&M.wsince[i], &M.wsince[i + 1], (M.nwait - i - 1) * sizeof(M.wsince[0]));
	M.nwait--;
	assert_int_equal(wp_pool_cancel(M.pool, tag), 0);
}

static void
step_tick(void)
{
	unsigned expect_timeouts = 0;

	M.now += (int64_t)rnd(20) * 1000000LL;
	for (unsigned i = 0; i < M.nwait && M.now - M.wsince[i] >= ACQ_TO; i++)
		expect_timeouts++;
	/* connect timeouts: the model closes them through m_close */
	unsigned before = M.nfail_seen;
	wp_pool_tick(M.pool, M.now);
	if (M.nfail_seen - before < expect_timeouts)
		fail_msg("tick: %u waiters past deadline, %u failed", expect_timeouts,
			 M.nfail_seen - before);
	for (uint32_t s = 0; s < CAP; s++)
		if (M.st[s] == WP_SESS_CONNECTING && M.now - M.since[s] >= CONN_TO)
			fail_msg("slot %u connecting past its timeout after tick", s);
}

static void
step_state(void)
{
	M.down = !M.down;
	if (M.down) {
		/* every idle and connecting slot closes; every waiter fails */
		wp_pool_set_state(M.pool, WP_BACKEND_DOWN, M.now);
		assert_int_equal(M.nidle, 0);
		assert_int_equal(M.nwait, 0);
		for (uint32_t s = 0; s < CAP; s++)
			assert_true(M.st[s] == WP_SESS_FREE || M.st[s] == WP_SESS_LEASED);
	} else {
		m_success();    /* judged up: the back-off starts over */
		wp_pool_set_state(M.pool, WP_BACKEND_UP, M.now);
	}
}

static void
test_model_random(void **state)
{
	struct wp_pool_params prm;
	const char *seed_env = getenv("WP_MODEL_SEED");
	(void)state;

	rng = seed_env ? strtoull(seed_env, NULL, 0) : 0x2545F4914F6CDD1DULL;
	print_message("model seed %" PRIu64 " (replay: WP_MODEL_SEED=%" PRIu64 ")\n", rng, rng);
	memset(&M, 0, sizeof(M));
	M.retry_at = INT64_MIN;
	wp_pool_params_default(&prm);
	prm.min_idle = 0;
	prm.max_sessions = CAP;
	prm.max_pending = PEND;
	prm.max_requests = 5;
	prm.connect_burst = CAP;
	prm.connect_interval_ns = CONN_IVL;
	prm.connect_timeout_ns = CONN_TO;
	prm.acquire_timeout_ns = ACQ_TO;
	prm.idle_timeout_ns = 0;
	prm.max_age_ns = 0;
	prm.max_age_jitter_ns = 0;
	prm.leak_threshold_ns = 0;
	M.pool = wp_pool_create(&prm, 3, SOCKET_ID_ANY, &model_ops, NULL);
	assert_non_null(M.pool);

	static const char *names[] = { "acquire", "release", "stale release", "complete",
				       "lose", "cancel", "tick", "refuse", "state" };
	for (unsigned i = 0; i < STEPS; i++) {
		unsigned r = (unsigned)rnd(100), op;
		if (r < 30) op = 0;
		else if (r < 55) op = 1;
		else if (r < 58) op = 2;
		else if (r < 75) op = 3;
		else if (r < 80) op = 4;
		else if (r < 83) op = 5;
		else if (r < 97) op = 6;
		else if (r < 99) op = 7;
		else op = 8;
		switch (op) {
		case 0: step_acquire(); break;
		case 1: if (M.nheld) step_release(); break;
		case 2: if (M.nold) step_stale_release(); break;
		case 3: step_complete(); break;
		case 4: step_lose(); break;
		case 5: step_cancel(); break;
		case 6: step_tick(); break;
		case 7: M.refuse_next = true; break;
		case 8: if (rnd(10) == 0) step_state(); break;
		}
		compare(names[op]);
	}

	/* wind down: shut down, hand back every lease; nothing may remain */
	wp_pool_shutdown(M.pool);
	while (M.nheld) {
		struct wp_lease l = M.held[--M.nheld];
		assert_int_equal(wp_pool_release(M.pool, l, M.now), 0);
		assert_int_equal(M.last_close_why, WP_CLOSE_SHUTDOWN);
		assert_int_equal(M.last_close_sid, (int)l.sid);
	}
	compare("shutdown");
	struct wp_pool_stats st;
	uint64_t closed = 0;
	wp_pool_stats(M.pool, &st);
	for (unsigned r = 0; r < WP_CLOSE__COUNT; r++)
		closed += st.closed[r];
	assert_int_equal(st.connects, closed);
	assert_int_equal(st.idle + st.in_use + st.connecting + st.pending, 0);
	print_message("%" PRIu64 " sessions started, all closed; %" PRIu64 " leases, "
		      "%" PRIu64 " reused, %" PRIu64 " timeouts\n",
		      st.connects, st.acquires, st.reused, st.timeouts);
	/* the run must have exercised the interesting paths */
	assert_true(st.acquires > 10000);
	assert_true(st.reused > 1000);
	assert_true(st.waits > 100 && st.timeouts > 10 && st.overflows > 10);
	assert_true(st.closed[WP_CLOSE_MAX_REQUESTS] > 100);
	assert_true(st.closed[WP_CLOSE_CONNECT_TIMEOUT] > 0);
	assert_true(st.stale_releases > 100);
	wp_pool_free(M.pool);
}

int
main(void)
{
	if (wp_test_eal_init("test_pool_model", NULL) < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_random),
	};
	int failed = cmocka_run_group_tests_name("pool_model", tests, NULL, NULL);
	wp_test_eal_cleanup();
	return failed;
}
