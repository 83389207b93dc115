/* SPDX-License-Identifier: BSD-3-Clause */
/* The seeded impairment stage (src/net/impair.c, contract in port.h):
 * determinism, rates within binomial tolerance for a fixed seed, nothing
 * lost (in == out + dropped - duplicated), delay/jitter/reorder/corrupt
 * semantics, the held bound, and held frames freed on free. Every test
 * checks the mempool's in-use count is back to where it started. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <warmpool/port.h>

#include "../wp_test.h"

#define FRAME_LEN 64
#define MS(x) ((int64_t)(x) * 1000000LL)

static struct rte_mempool *mp;
static unsigned int in_use0;

static int
setup(void **st)
{
	(void)st;
	in_use0 = rte_mempool_in_use_count(mp);
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	assert_int_equal(rte_mempool_in_use_count(mp), in_use0);
	return 0;
}

/* Frame `id`: Ethernet-ish header then the id and a pattern. */
static struct rte_mbuf *
frame(uint32_t id)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, FRAME_LEN);
	assert_non_null(p);
	for (int i = 0; i < FRAME_LEN; i++)
		p[i] = (uint8_t)(i * 3);
	memcpy(p + 14, &id, 4);
	return m;
}

static uint32_t
frame_id(const struct rte_mbuf *m)
{
	uint32_t id;

	memcpy(&id, rte_pktmbuf_mtod_offset(m, const uint8_t *, 14), 4);
	return id;
}

/* Number of bits that differ from the pristine frame `id`. */
static unsigned int
bit_diff(const struct rte_mbuf *m, uint32_t id, int *first_byte)
{
	struct rte_mbuf *ref = frame(id);
	const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *), *b = rte_pktmbuf_mtod(ref, const uint8_t *);
	unsigned int d = 0;

	*first_byte = -1;
	for (int i = 0; i < FRAME_LEN; i++) {
		if (a[i] != b[i] && *first_byte < 0)
			*first_byte = i;
		d += (unsigned int)__builtin_popcount((unsigned int)(a[i] ^ b[i]));
	}
	rte_pktmbuf_free(ref);
	return d;
}

/* Run `total` frames through `imp` in bursts of 32, one burst per 100 us,
 * then drain for 1 s. Output ids (and a content hash) go to log[] if not
 * NULL; returns the number of frames out. Frames are freed. */
static uint32_t
run(struct wp_impair *imp, uint32_t total, uint64_t *log, uint32_t log_max)
{
	struct rte_mbuf *in[32], *out[2 * 32 + 4096];
	uint32_t next = 0, nout = 0;
	int64_t now = 0;

	while (next < total) {
		uint16_t n = 0;
		while (n < 32 && next < total)
			in[n++] = frame(next++);
		uint16_t k = wp_impair_apply(imp, in, n, out, RTE_DIM(out), now);
		for (uint16_t i = 0; i < k; i++) {
			if (log && nout < log_max) {
				uint64_t h = frame_id(out[i]);
				const uint8_t *p = rte_pktmbuf_mtod(out[i], const uint8_t *);
				for (int j = 0; j < FRAME_LEN; j++)
					h = h * 31 + p[j];
				log[nout] = h;
			}
			nout++;
			rte_pktmbuf_free(out[i]);
		}
		now += 100000;
	}
	for (int t = 0; t < 1000; t++, now += MS(1)) {
		uint16_t k = wp_impair_apply(imp, NULL, 0, out, RTE_DIM(out), now);
		for (uint16_t i = 0; i < k; i++) {
			if (log && nout < log_max)
				log[nout] = frame_id(out[i]);
			nout++;
			rte_pktmbuf_free(out[i]);
		}
	}
	return nout;
}

static struct wp_impair_conf
everything(uint64_t seed)
{
	struct wp_impair_conf c = {
		.seed = seed, .drop_ppm = 50000, .dup_ppm = 30000, .reorder_ppm = 40000,
		.corrupt_ppm = 20000, .delay_ns = MS(1), .jitter_ns = MS(2), .max_held = 4096,
	};
	return c;
}

static void
t_off(void **st)
{
	(void)st;
	struct wp_impair_conf c = { .seed = 1 };
	struct rte_mbuf *in[8], *out[8 * 2 + 256];

	assert_false(wp_impair_active(NULL));
	assert_false(wp_impair_active(&c));
	c.jitter_ns = 1;
	assert_true(wp_impair_active(&c));
	c.jitter_ns = 0;
	struct wp_impair *imp = wp_impair_create(&c, SOCKET_ID_ANY);
	assert_non_null(imp);
	for (uint32_t i = 0; i < 8; i++)
		in[i] = frame(i);
	assert_int_equal(wp_impair_apply(imp, in, 8, out, RTE_DIM(out), 0), 8);
	for (uint32_t i = 0; i < 8; i++) {
		assert_ptr_equal(out[i], in[i]);
		rte_pktmbuf_free(out[i]);
	}
	c.drop_ppm = 1000001;
	assert_null(wp_impair_create(&c, SOCKET_ID_ANY));
	wp_impair_free(imp);
}

static void
t_determinism(void **st)
{
	(void)st;
	enum { N = 3000 };
	static uint64_t a[2 * N], b[2 * N], d[2 * N];
	struct wp_impair_conf c = everything(42);
	struct wp_impair *x = wp_impair_create(&c, SOCKET_ID_ANY);
	struct wp_impair *y = wp_impair_create(&c, SOCKET_ID_ANY);
	c.seed = 43;
	struct wp_impair *z = wp_impair_create(&c, SOCKET_ID_ANY);

	assert_non_null(x);
	assert_non_null(y);
	assert_non_null(z);
	uint32_t na = run(x, N, a, 2 * N), nb = run(y, N, b, 2 * N), nd = run(z, N, d, 2 * N);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(a[0]));
	/* another seed, other faults */
	assert_true(na != nd || memcmp(a, d, na * sizeof(a[0])) != 0);
	struct wp_impair_stats sx, sy;
	wp_impair_stats(x, &sx);
	wp_impair_stats(y, &sy);
	assert_memory_equal(&sx, &sy, sizeof(sx));
	wp_impair_free(x);
	wp_impair_free(y);
	wp_impair_free(z);
}

/* |observed - n p| within 5 standard deviations of Binomial(n, p). */
static void
assert_binomial(const char *what, uint64_t observed, uint64_t n, double p)
{
	double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));

	if (fabs((double)observed - mean) > 5 * sd)
		fail_msg("%s: %llu, expected %.0f +- %.0f", what, (unsigned long long)observed,
			 mean, 5 * sd);
}

static void
t_rates_and_conservation(void **st)
{
	(void)st;
	enum { N = 40000 };
	struct wp_impair_conf c = everything(7);
	struct wp_impair *imp = wp_impair_create(&c, SOCKET_ID_ANY);
	struct wp_impair_stats s;

	assert_non_null(imp);
	uint32_t out = run(imp, N, NULL, 0);
	wp_impair_stats(imp, &s);
	assert_int_equal(s.seen, N);
	assert_int_equal(s.held, 0);
	assert_int_equal(s.overflow, 0);
	/* nothing lost, nothing invented */
	assert_int_equal((uint64_t)out, s.seen - s.dropped + s.duplicated);
	assert_binomial("dropped", s.dropped, N, 0.05);
	uint64_t kept = N - s.dropped;     /* later stages see survivors */
	assert_binomial("corrupted", s.corrupted, kept, 0.02);
	assert_binomial("duplicated", s.duplicated, kept, 0.03);
	assert_binomial("reordered", s.reordered, kept, 0.04);
	/* every frame not reordered (and every copy) is delayed */
	assert_int_equal(s.delayed, kept - s.reordered + s.duplicated);
	wp_impair_free(imp);
}

static void
t_corrupt_one_bit(void **st)
{
	(void)st;
	struct wp_impair_conf c = { .seed = 3, .corrupt_ppm = 1000000 };
	struct wp_impair *imp = wp_impair_create(&c, SOCKET_ID_ANY);
	struct rte_mbuf *in[32], *out[32 * 2 + 256];
	int first;

	assert_non_null(imp);
	for (uint32_t i = 0; i < 32; i++)
		in[i] = frame(i);
	/* one frame shared with somebody else: the damage goes to a copy */
	rte_mbuf_refcnt_update(in[5], 1);
	struct rte_mbuf *shared = in[5];
	assert_int_equal(wp_impair_apply(imp, in, 32, out, RTE_DIM(out), 0), 32);
	for (uint32_t i = 0; i < 32; i++) {
		/* no reordering here: position i holds frame i (the flipped bit
		 * may be in the id itself) */
		assert_int_equal(bit_diff(out[i], i, &first), 1);
		assert_true(first >= 14);
	}
	assert_ptr_not_equal(out[5], shared);
	assert_int_equal(bit_diff(shared, 5, &first), 0);
	rte_pktmbuf_free(shared);
	for (uint32_t i = 0; i < 32; i++)
		rte_pktmbuf_free(out[i]);
	struct wp_impair_stats s;
	wp_impair_stats(imp, &s);
	assert_int_equal(s.corrupted, 32);
	wp_impair_free(imp);
}

static void
t_delay_and_jitter(void **st)
{
	(void)st;
	struct wp_impair_conf c = { .seed = 9, .delay_ns = MS(5) };
	struct wp_impair *imp = wp_impair_create(&c, SOCKET_ID_ANY);
	struct rte_mbuf *in[16], *out[16 * 2 + 256];

	assert_non_null(imp);
	for (uint32_t i = 0; i < 16; i++)
		in[i] = frame(i);
	assert_int_equal(wp_impair_apply(imp, in, 16, out, RTE_DIM(out), 0), 0);
	assert_int_equal(wp_impair_apply(imp, NULL, 0, out, RTE_DIM(out), MS(5) - 1), 0);
	assert_int_equal(wp_impair_apply(imp, NULL, 0, out, RTE_DIM(out), MS(5)), 16);
	for (uint32_t i = 0; i < 16; i++) {
		assert_int_equal(frame_id(out[i]), i);  /* equal delays keep order */
		rte_pktmbuf_free(out[i]);
	}
	wp_impair_free(imp);

	/* jitter: every frame leaves within [delay, delay + jitter], and the
	 * order changes */
	c.jitter_ns = MS(4);
	imp = wp_impair_create(&c, SOCKET_ID_ANY);
	assert_non_null(imp);
	for (uint32_t i = 0; i < 16; i++)
		in[i] = frame(i);
	assert_int_equal(wp_impair_apply(imp, in, 16, out, RTE_DIM(out), 0), 0);
	uint32_t got = 0, order[16];
	for (int64_t t = MS(5); t <= MS(9); t += 100000) {
		uint16_t k = wp_impair_apply(imp, NULL, 0, out, RTE_DIM(out), t);
		for (uint16_t i = 0; i < k; i++) {
			order[got++] = frame_id(out[i]);
			rte_pktmbuf_free(out[i]);
		}
	}
	assert_int_equal(got, 16);
	bool moved = false;
	for (uint32_t i = 0; i < 16; i++)
		moved |= order[i] != i;
	assert_true(moved);
	wp_impair_free(imp);
}

static void
t_reorder(void **st)
{
	(void)st;
	enum { N = 512 };
	struct wp_impair_conf c = { .seed = 11, .reorder_ppm = 200000 };
	bool seen[N] = { false };
	uint32_t displaced = 0;
	struct wp_impair_stats s;
	struct wp_impair *imp;

	/* a fifth of the frames wait behind 1..3 followers: the output is a
	 * permutation of the input, and not the identity */
	imp = wp_impair_create(&c, SOCKET_ID_ANY);
	struct rte_mbuf *in[N], *out[2 * N + 256];
	for (uint32_t i = 0; i < N; i++)
		in[i] = frame(i);
	uint16_t k = wp_impair_apply(imp, in, N, out, RTE_DIM(out), 0);
	k += wp_impair_apply(imp, NULL, 0, out + k, (uint16_t)(RTE_DIM(out) - k), MS(2));
	assert_int_equal(k, N);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t id = frame_id(out[i]);
		assert_true(id < N);
		assert_false(seen[id]);
		seen[id] = true;
		if (id != i)
			displaced++;
		rte_pktmbuf_free(out[i]);
	}
	assert_true(displaced > 0);
	wp_impair_stats(imp, &s);
	assert_true(s.reordered > 0);
	assert_int_equal(s.held, 0);
	wp_impair_free(imp);
}

/* More held frames due than `out` has room for: apply returns a full `out`
 * and keeps the rest for later calls (it once looped forever here, seen
 * against Linux in the impairment integration test). */
static void
t_due_more_than_room(void **st)
{
	(void)st;
	enum { N = 40 };
	struct wp_impair_conf c = { .seed = 5, .delay_ns = MS(1) };
	struct rte_mbuf *in[N], *out[N];
	struct wp_impair *imp = wp_impair_create(&c, SOCKET_ID_ANY);
	uint32_t got = 0;

	for (uint32_t i = 0; i < N; i++)
		in[i] = frame(i);
	assert_int_equal(wp_impair_apply(imp, in, N, out, N, 0), 0);   /* all delayed */
	for (int call = 0; call < N && got < N; call++) {
		uint16_t k = wp_impair_apply(imp, NULL, 0, out, 3, MS(2));
		assert_true(k <= 3);
		for (uint16_t i = 0; i < k; i++) {
			assert_int_equal(frame_id(out[i]), got + i);   /* release order */
			rte_pktmbuf_free(out[i]);
		}
		got += k;
	}
	assert_int_equal(got, N);
	wp_impair_free(imp);
}

static void
t_held_bound_and_free(void **st)
{
	(void)st;
	struct wp_impair_conf c = { .seed = 5, .delay_ns = MS(1000), .max_held = 8 };
	struct wp_impair *imp = wp_impair_create(&c, SOCKET_ID_ANY);
	struct rte_mbuf *in[20], *out[20 * 2 + 8];
	struct wp_impair_stats s;

	assert_non_null(imp);
	for (uint32_t i = 0; i < 20; i++)
		in[i] = frame(i);
	uint16_t k = wp_impair_apply(imp, in, 20, out, RTE_DIM(out), 0);
	assert_int_equal(k, 12);                /* no room: passed through */
	for (uint16_t i = 0; i < k; i++) {
		assert_int_equal(frame_id(out[i]), 8 + i);
		rte_pktmbuf_free(out[i]);
	}
	wp_impair_stats(imp, &s);
	assert_int_equal(s.held, 8);
	assert_int_equal(s.overflow, 12);
	assert_int_equal(s.delayed, 8);
	assert_int_equal(rte_mempool_in_use_count(mp), in_use0 + 8);
	wp_impair_free(imp);                    /* frees the 8 held */
}

/* Duplicates are deep copies that arrive right after the original. */
static void
t_duplicate(void **st)
{
	(void)st;
	struct wp_impair_conf c = { .seed = 2, .dup_ppm = 1000000 };
	struct wp_impair *imp = wp_impair_create(&c, SOCKET_ID_ANY);
	struct rte_mbuf *in[4], *out[4 * 2 + 256];

	assert_non_null(imp);
	for (uint32_t i = 0; i < 4; i++)
		in[i] = frame(i);
	assert_int_equal(wp_impair_apply(imp, in, 4, out, RTE_DIM(out), 0), 8);
	for (uint32_t i = 0; i < 8; i++) {
		int first;
		assert_int_equal(frame_id(out[i]), i / 2);
		assert_int_equal(bit_diff(out[i], i / 2, &first), 0);
		if (i & 1)
			assert_ptr_not_equal(out[i], out[i - 1]);
	}
	for (uint32_t i = 0; i < 8; i++)
		rte_pktmbuf_free(out[i]);
	wp_impair_free(imp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_off, setup, teardown),
		cmocka_unit_test_setup_teardown(t_due_more_than_room, setup, teardown),
		cmocka_unit_test_setup_teardown(t_determinism, setup, teardown),
		cmocka_unit_test_setup_teardown(t_rates_and_conservation, setup, teardown),
		cmocka_unit_test_setup_teardown(t_corrupt_one_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(t_delay_and_jitter, setup, teardown),
		cmocka_unit_test_setup_teardown(t_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(t_held_bound_and_free, setup, teardown),
		cmocka_unit_test_setup_teardown(t_duplicate, setup, teardown),
	};
	int rc;

	if (wp_test_eal_init("test_impair", NULL) != 0)
		return 1;
	mp = rte_pktmbuf_pool_create("imp_mp", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	if (mp == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(mp);
	wp_test_eal_cleanup();
	return rc;
}
