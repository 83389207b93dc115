/* SPDX-License-Identifier: BSD-3-Clause */
/* Timer wheel tests on a virtual clock: fire order, never early (exact tick
 * boundaries), timers armed in the past, re-arm, cancel (also of a sibling
 * from a callback, in both run paths), timers many revolutions away, huge
 * time jumps, the armed gauge, and 100k random operations checked against
 * a sorted-list model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_memory.h>

#include "net/timer.h"
#include "../wp_test.h"

#define US 1000LL
#define MS 1000000LL

struct owner {
	struct wp_timer t;
	int id;
	int64_t expires;
};

#define MAXT 2000

struct ctx {
	struct wp_timer_wheel *w;
	struct owner *o;             /* array of owners */
	int64_t now;                 /* the run's now */
	int fired[MAXT * 4];
	int nfired;
	/* callback actions, by id: -1 none */
	int cancel_on_fire[MAXT];    /* id to cancel */
	int64_t rearm_on_fire[MAXT]; /* re-arm self at now + this (0: no) */
	int arm_other_on_fire[MAXT]; /* id to arm at now - 1 (in the past) */
	bool check_not_early;
};

static struct owner owners[MAXT];

static void
on_fire(struct wp_timer *t, void *arg)
{
	struct ctx *c = arg;
	struct owner *o = container_of(t, struct owner, t);

	assert_false(wp_timer_armed(t));        /* disarmed before the callback */
	if (c->check_not_early && o->expires > c->now)
		fail_msg("timer %d fired early: expires %lld, now %lld", o->id,
			 (long long)o->expires, (long long)c->now);
	c->fired[c->nfired++] = o->id;
	if (c->cancel_on_fire[o->id] >= 0)
		wp_timer_cancel(c->w, &c->o[c->cancel_on_fire[o->id]].t);
	if (c->rearm_on_fire[o->id] != 0) {
		o->expires = c->now + c->rearm_on_fire[o->id];
		wp_timer_arm(c->w, t, o->expires);
	}
	if (c->arm_other_on_fire[o->id] >= 0) {
		struct owner *x = &c->o[c->arm_other_on_fire[o->id]];
		x->expires = c->now - 1;
		wp_timer_arm(c->w, &x->t, x->expires);
	}
}

static void
ctx_init(struct ctx *c, struct wp_timer_wheel *w)
{
	memset(c, 0, sizeof(*c));
	c->w = w;
	c->o = owners;
	c->check_not_early = true;
	for (int i = 0; i < MAXT; i++) {
		wp_timer_init(&owners[i].t);
		owners[i].id = i;
		owners[i].expires = 0;
		c->cancel_on_fire[i] = -1;
		c->arm_other_on_fire[i] = -1;
		c->rearm_on_fire[i] = 0;
	}
}

static void
arm(struct ctx *c, int id, int64_t expires)
{
	owners[id].expires = expires;
	wp_timer_arm(c->w, &owners[id].t, expires);
}

static uint32_t
run(struct ctx *c, int64_t now)
{
	c->now = now;
	c->nfired = 0;
	return wp_timer_wheel_run(c->w, now, on_fire, c);
}

static void
expect_fired(struct ctx *c, const int *ids, int n)
{
	if (c->nfired != n)
		fail_msg("fired %d timers, want %d", c->nfired, n);
	for (int i = 0; i < n; i++)
		if (c->fired[i] != ids[i])
			fail_msg("fire #%d was timer %d, want %d", i, c->fired[i], ids[i]);
}

static void
test_init_invalid(void **state)
{
	struct wp_timer_wheel w;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, 0, 0, 8, SOCKET_ID_ANY), -EINVAL);
	assert_int_equal(wp_timer_wheel_init(&w, 0, -5, 8, SOCKET_ID_ANY), -EINVAL);
	assert_int_equal(wp_timer_wheel_init(&w, 0, 1000, 0, SOCKET_ID_ANY), -EINVAL);
	wp_timer_wheel_fini(&w);                /* harmless after a failed init */
	assert_int_equal(wp_timer_wheel_init(&w, 0, 1000, 5, SOCKET_ID_ANY), 0);
	assert_int_equal(w.mask, 7);            /* rounded up to 8 */
	wp_timer_wheel_fini(&w);
	wp_timer_wheel_fini(&w);
}

static void
test_order(void **state)
{
	struct wp_timer_wheel w;
	struct ctx c;
	int64_t t0 = 123456789;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, t0, MS, 64, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	arm(&c, 1, t0 + 30 * MS);
	arm(&c, 2, t0 + 10 * MS);
	arm(&c, 3, t0 + 20 * MS);
	arm(&c, 4, t0 + 10 * MS - 5);           /* same tick as 2, armed later */
	arm(&c, 5, t0 + 10 * MS + 1);           /* tick 11 */
	arm(&c, 6, t0 + 74 * MS);               /* same slot as 2, next round */
	assert_int_equal(w.armed, 6);
	assert_int_equal(run(&c, t0 + 40 * MS), 5);
	expect_fired(&c, (int[]){ 2, 4, 5, 3, 1 }, 5);
	assert_int_equal(w.armed, 1);
	assert_int_equal(run(&c, t0 + 73 * MS), 0);
	assert_int_equal(run(&c, t0 + 74 * MS), 1);
	expect_fired(&c, (int[]){ 6 }, 1);
	assert_int_equal(w.armed, 0);
	wp_timer_wheel_fini(&w);
}

static void
test_never_early(void **state)
{
	struct wp_timer_wheel w;
	struct ctx c;
	int64_t tick = 1000;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, 0, tick, 16, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	arm(&c, 1, 1500);                       /* rounds up to tick 2 (2000) */
	arm(&c, 2, 3000);                       /* exactly on tick 3 */
	arm(&c, 3, 3001);                       /* tick 4 */
	assert_int_equal(run(&c, 1999), 0);
	assert_int_equal(run(&c, 2000), 1);
	expect_fired(&c, (int[]){ 1 }, 1);
	assert_int_equal(run(&c, 2999), 0);
	assert_int_equal(run(&c, 3000), 1);
	expect_fired(&c, (int[]){ 2 }, 1);
	assert_int_equal(run(&c, 3001), 0);     /* 3001 is not yet tick 4 */
	assert_int_equal(run(&c, 3999), 0);
	assert_int_equal(run(&c, 4000), 1);
	expect_fired(&c, (int[]){ 3 }, 1);

	/* expiries at many offsets within a tick, the clock moving forward */
	int64_t clock = 100000;
	for (int64_t off = 1; off < 40 * tick; off += 37) {
		int64_t exp = clock + off;
		int64_t at = ((exp + tick - 1) / tick) * tick;    /* the tick boundary */

		arm(&c, 5, exp);
		assert_int_equal(run(&c, at - 1), 0);
		assert_int_equal(run(&c, at), 1);
		assert_false(wp_timer_armed(&owners[5].t));
		clock = at;
	}
	wp_timer_wheel_fini(&w);
}

static void
test_past(void **state)
{
	struct wp_timer_wheel w;
	struct ctx c;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, 0, 1000, 16, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	assert_int_equal(run(&c, 10000), 0);
	arm(&c, 1, 5000);                       /* in the past */
	arm(&c, 2, 10000);                      /* now: tick 10 already run */
	arm(&c, 3, -50000);                     /* before the wheel existed */
	arm(&c, 4, 10001);                      /* future: tick 11 */
	assert_int_equal(w.armed, 4);
	/* next run fires the past ones even with the same now */
	assert_int_equal(run(&c, 10000), 3);
	expect_fired(&c, (int[]){ 1, 2, 3 }, 3);
	assert_int_equal(run(&c, 10999), 0);
	assert_int_equal(run(&c, 11000), 1);
	expect_fired(&c, (int[]){ 4 }, 1);
	/* past timers fire before the due slot timers of the same run */
	arm(&c, 5, 12000);
	arm(&c, 6, 1);
	assert_int_equal(run(&c, 12000), 2);
	expect_fired(&c, (int[]){ 6, 5 }, 2);
	/* a callback arming in the past does not loop: next run */
	c.arm_other_on_fire[7] = 8;
	c.rearm_on_fire[8] = -5;                /* re-arms itself in the past */
	arm(&c, 7, 13000);
	assert_int_equal(run(&c, 13000), 1);
	expect_fired(&c, (int[]){ 7 }, 1);
	assert_true(wp_timer_armed(&owners[8].t));
	assert_int_equal(run(&c, 13000), 1);
	expect_fired(&c, (int[]){ 8 }, 1);
	assert_int_equal(run(&c, 13000), 1);
	expect_fired(&c, (int[]){ 8 }, 1);
	c.rearm_on_fire[8] = 0;
	assert_int_equal(run(&c, 13000), 1);
	assert_int_equal(run(&c, 13000), 0);
	assert_int_equal(w.armed, 0);
	wp_timer_wheel_fini(&w);
}

static void
test_rearm_cancel(void **state)
{
	struct wp_timer_wheel w;
	struct ctx c;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, 0, MS, 32, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	/* re-arm moves the timer, the gauge counts it once */
	arm(&c, 1, 5 * MS);
	arm(&c, 1, 10 * MS);
	assert_int_equal(w.armed, 1);
	assert_int_equal(run(&c, 9 * MS), 0);
	assert_int_equal(run(&c, 10 * MS), 1);
	/* re-arm earlier */
	arm(&c, 2, 50 * MS);
	arm(&c, 2, 12 * MS);
	assert_int_equal(run(&c, 12 * MS), 1);
	assert_int_equal(run(&c, 60 * MS), 0);
	/* cancel: never fires; twice and on an unarmed timer is harmless */
	arm(&c, 3, 70 * MS);
	arm(&c, 4, 70 * MS);
	assert_int_equal(w.armed, 2);
	wp_timer_cancel(&w, &owners[3].t);
	assert_false(wp_timer_armed(&owners[3].t));
	wp_timer_cancel(&w, &owners[3].t);
	wp_timer_cancel(&w, &owners[9].t);
	assert_int_equal(w.armed, 1);
	assert_int_equal(run(&c, 80 * MS), 1);
	expect_fired(&c, (int[]){ 4 }, 1);
	/* cancel a past (overdue) timer */
	arm(&c, 5, 1);
	wp_timer_cancel(&w, &owners[5].t);
	assert_int_equal(run(&c, 80 * MS), 0);
	/* a periodic timer re-arming itself from its callback */
	c.rearm_on_fire[6] = MS;
	arm(&c, 6, 81 * MS);
	int n = 0;
	for (int64_t t = 80 * MS; t <= 90 * MS; t += MS / 2)
		n += (int)run(&c, t);
	assert_int_equal(n, 10);                /* 81 .. 90 ms */
	assert_true(wp_timer_armed(&owners[6].t));
	assert_int_equal(w.armed, 1);
	/* cancelling itself from its own callback: already disarmed, harmless */
	c.rearm_on_fire[6] = 0;
	c.cancel_on_fire[6] = 6;
	assert_int_equal(run(&c, 91 * MS), 1);
	assert_int_equal(w.armed, 0);
	wp_timer_wheel_fini(&w);
}

/* A callback cancels and re-arms siblings waiting in the same due batch:
 * once stepping tick by tick, once through the huge-jump path. */
static void
sibling_case(bool jump)
{
	struct wp_timer_wheel w;
	struct ctx c;
	int64_t now = jump ? 100 * MS : 5 * MS;

	assert_int_equal(wp_timer_wheel_init(&w, 0, MS, 8, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	arm(&c, 1, 5 * MS);
	arm(&c, 2, 5 * MS);                     /* same tick, same slot */
	arm(&c, 3, 5 * MS);
	arm(&c, 4, 13 * MS);                    /* same slot, later round */
	c.cancel_on_fire[1] = 2;                /* 1 cancels 2 before it fires */
	c.arm_other_on_fire[3] = 4;             /* 3 moves 4 to the past */
	/* when jumping, 4 is in the same due batch and is moved to the past
	 * before its turn; either way it fires on the next run */
	assert_int_equal(run(&c, now), 2);
	expect_fired(&c, (int[]){ 1, 3 }, 2);
	assert_true(wp_timer_armed(&owners[4].t));
	assert_int_equal(w.armed, 1);
	assert_int_equal(run(&c, now), 1);
	expect_fired(&c, (int[]){ 4 }, 1);
	assert_false(wp_timer_armed(&owners[2].t));
	assert_int_equal(w.armed, 0);
	wp_timer_wheel_fini(&w);
}

static void
test_cancel_sibling_from_callback(void **state)
{
	(void)state;
	sibling_case(false);
	sibling_case(true);
}

static void
test_far_timers(void **state)
{
	struct wp_timer_wheel w;
	struct ctx c;
	int64_t tick = 10 * US;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, 0, tick, 8, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	/* all in slot 3, rounds 0, 1, 10, 1000 */
	arm(&c, 1, 3 * tick);
	arm(&c, 2, 11 * tick);
	arm(&c, 3, 83 * tick);
	arm(&c, 4, 8003 * tick);
	int order[4], n = 0;
	int64_t when[4];
	for (int64_t t = 0; t <= 8010 * tick; t += tick) {
		run(&c, t);
		for (int i = 0; i < c.nfired; i++) {
			when[n] = t;
			order[n++] = c.fired[i];
		}
	}
	assert_int_equal(n, 4);
	assert_int_equal(order[0], 1);
	assert_int_equal(when[0], 3 * tick);
	assert_int_equal(order[1], 2);
	assert_int_equal(when[1], 11 * tick);
	assert_int_equal(order[2], 3);
	assert_int_equal(when[2], 83 * tick);
	assert_int_equal(order[3], 4);
	assert_int_equal(when[3], 8003 * tick);
	wp_timer_wheel_fini(&w);
}

static void
test_huge_jump(void **state)
{
	struct wp_timer_wheel w;
	struct ctx c;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, 0, 1000, 64, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	/* 1000 timers spread over 10^6 ticks, fired by one jump in tick order */
	uint64_t x = 12345;
	for (int i = 0; i < 1000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		arm(&c, i, (int64_t)((x >> 20) % 1000000000ull) + 1);
	}
	const int64_t far = 4611686018427388000LL;   /* ~2^62, on a tick */
	arm(&c, 1000, far);                     /* stays */
	assert_int_equal(run(&c, 1000000000), 1000);
	for (int i = 1; i < 1000; i++) {
		int64_t a = (owners[c.fired[i - 1]].expires + 999) / 1000;
		int64_t b = (owners[c.fired[i]].expires + 999) / 1000;
		assert_true(a <= b);
	}
	assert_int_equal(w.armed, 1);
	/* ~2^52 ticks at once: returns (a stepping wheel would never finish) */
	assert_int_equal(run(&c, far - 1), 0);
	assert_int_equal(run(&c, far), 1);
	/* after the jump the wheel still works */
	arm(&c, 1, INT64_MAX - 5000);
	assert_int_equal(run(&c, INT64_MAX - 5001), 0);
	assert_int_equal(run(&c, INT64_MAX), 1);
	wp_timer_wheel_fini(&w);
}

static void
test_fini_disarms(void **state)
{
	struct wp_timer_wheel w;
	struct ctx c;

	(void)state;
	assert_int_equal(wp_timer_wheel_init(&w, 0, 1000, 8, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);
	run(&c, 5000);
	arm(&c, 1, 100000);
	arm(&c, 2, 1);                          /* on the past list */
	wp_timer_wheel_fini(&w);
	assert_false(wp_timer_armed(&owners[1].t));
	assert_false(wp_timer_armed(&owners[2].t));
}

/* ---- random operations against a model -------------------------------- */

#define NT 1000

struct model_t {
	bool armed;
	bool overdue;                /* armed for a tick < cur */
	uint64_t tick;
	uint64_t seq;                /* arm order */
	int64_t expires;
};

static struct model_t model[NT];
static int64_t m_tick_ns, m_base;
static uint64_t m_cur;

static uint64_t rs = 0x853c49e6748fea9bull;

static uint64_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static int
model_cmp(const void *a, const void *b)
{
	const struct model_t *x = &model[*(const int *)a], *y = &model[*(const int *)b];

	if (x->overdue != y->overdue)
		return x->overdue ? -1 : 1;
	if (!x->overdue && x->tick != y->tick)
		return x->tick < y->tick ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
test_random_vs_model(void **state)
{
	struct wp_timer_wheel w;
	static struct ctx c;
	static int want[NT];
	int64_t now = 777777;
	uint64_t seq = 0;
	uint32_t armed = 0;

	(void)state;
	m_tick_ns = 1000;
	m_base = now;
	m_cur = 0;
	memset(model, 0, sizeof(model));
	assert_int_equal(wp_timer_wheel_init(&w, now, m_tick_ns, 256, SOCKET_ID_ANY), 0);
	ctx_init(&c, &w);

	for (int op = 0; op < 100000; op++) {
		uint64_t r = rnd();
		int id = (int)((r >> 8) % NT);

		switch (r % 16) {
		case 0 ... 6: {                 /* arm: mostly near, some far, some past */
			uint64_t k = (r >> 24) % 100;
			int64_t d = k < 70 ? (int64_t)((r >> 32) % 5000000) :
				    k < 90 ? (int64_t)((r >> 32) % 2000000000) :
					     -(int64_t)((r >> 32) % 3000000);
			int64_t exp = now + d;
			struct model_t *m = &model[id];

			arm(&c, id, exp);
			if (!m->armed)
				armed++;
			m->armed = true;
			m->expires = exp;
			m->tick = exp <= m_base ? 0 :
				(uint64_t)((exp - m_base + m_tick_ns - 1) / m_tick_ns);
			m->overdue = m->tick < m_cur;
			m->seq = seq++;
			break;
		}
		case 7 ... 8:                   /* cancel */
			wp_timer_cancel(&w, &owners[id].t);
			if (model[id].armed)
				armed--;
			model[id].armed = false;
			break;
		default: {                      /* advance and run */
			uint64_t k = (r >> 24) % 100;
			now += k < 80 ? (int64_t)((r >> 32) % 3000) :
			       k < 98 ? (int64_t)((r >> 32) % 1000000) :
					(int64_t)((r >> 32) % 5000000000ll);
			uint64_t last = (uint64_t)((now - m_base) / m_tick_ns);
			int n = 0;
			for (int i = 0; i < NT; i++) {
				struct model_t *m = &model[i];
				if (m->armed && (m->overdue || m->tick <= last))
					want[n++] = i;
			}
			qsort(want, (size_t)n, sizeof(want[0]), model_cmp);
			for (int i = 0; i < n; i++)
				model[want[i]].armed = false;
			armed -= (uint32_t)n;
			if (last >= m_cur)
				m_cur = last + 1;
			uint32_t got = run(&c, now);
			if ((int)got != n)
				fail_msg("op %d: fired %u, model %d", op, got, n);
			expect_fired(&c, want, n);
			break;
		}
		}
		assert_int_equal(w.armed, armed);
		assert_int_equal(wp_timer_armed(&owners[id].t), model[id].armed);
	}
	wp_timer_wheel_fini(&w);
}

static int
setup(void **state)
{
	(void)state;
	return wp_test_eal_init("test_timer", NULL);
}

static int
teardown(void **state)
{
	(void)state;
	wp_test_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_invalid),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_never_early),
		cmocka_unit_test(test_past),
		cmocka_unit_test(test_rearm_cancel),
		cmocka_unit_test(test_cancel_sibling_from_callback),
		cmocka_unit_test(test_far_timers),
		cmocka_unit_test(test_huge_jump),
		cmocka_unit_test(test_fini_disarms),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
