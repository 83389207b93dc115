/* SPDX-License-Identifier: BSD-3-Clause */
/* Ring pair tests: round trip and FIFO order, a full command ring refuses
 * without blocking, a full telemetry ring drops and counts exactly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ring.h>

#include <warmpool/ring.h>

#include "wp_test.h"

static void
make_rec(struct wp_telem_rec *r, uint32_t seq)
{
	memset(r, 0, sizeof(*r));
	r->type = WP_TELEM_COUNTERS;
	r->worker_id = 3;
	r->seq = seq;
	r->ts_ns = 1000 + seq;
	r->u.counters.loops = seq * 7u;
	r->u.counters.telem_drops = seq ^ 0x5a5aull;
}

static void
test_layout(void **state)
{
	(void)state;
	/* the records are an ABI: the offsets readers rely on */
	assert_int_equal(sizeof(struct wp_cmd), 32);
	assert_int_equal(sizeof(struct wp_telem_rec), 64);
	assert_int_equal(offsetof(struct wp_cmd, args), 8);
	assert_int_equal(offsetof(struct wp_telem_rec, ts_ns), 8);
	assert_int_equal(offsetof(struct wp_telem_rec, u), 16);
}

static void
test_create_invalid(void **state)
{
	(void)state;
	errno = 0;
	assert_null(wp_ring_pair_create(0, 0, 8, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(wp_ring_pair_create(0, 8, 0, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(wp_ring_pair_create(70000, 8, 8, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	wp_ring_pair_free(NULL); /* must be harmless */
}

static void
test_two_pairs_same_worker(void **state)
{
	struct wp_ring_pair *a, *b;

	(void)state;
	a = wp_ring_pair_create(1, 4, 4, SOCKET_ID_ANY);
	b = wp_ring_pair_create(1, 4, 4, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a->cmd, b->cmd);
	assert_ptr_not_equal(a->telem, b->telem);
	wp_ring_pair_free(a);
	wp_ring_pair_free(b);
}

static void
test_round_trip_fifo(void **state)
{
	enum { NCMD = 8, NREC = 16 };
	struct wp_ring_pair *rp;
	struct wp_cmd in[NCMD], out[NCMD + 4];
	struct wp_telem_rec rin[NREC], rout[NREC + 4];
	unsigned int i, got;

	(void)state;
	rp = wp_ring_pair_create(3, NCMD, NREC, SOCKET_ID_ANY);
	assert_non_null(rp);
	assert_int_equal(rte_ring_get_capacity(rp->cmd), NCMD);
	assert_int_equal(rte_ring_get_capacity(rp->telem), NREC);

	/* commands: values survive, order is FIFO across bursts */
	assert_int_equal(wp_cmd_poll(rp, out, NCMD), 0);
	for (i = 0; i < NCMD; i++) {
		memset(&in[i], 0, sizeof(in[i]));
		in[i].type = (uint16_t)(i % 3);
		in[i].seq = 100 + i;
		in[i].args.u64[0] = 0x1111111111111111ull * i;
		in[i].args.u64[2] = ~(uint64_t)i;
		assert_int_equal(wp_cmd_send(rp, &in[i]), 0);
	}
	got = wp_cmd_poll(rp, out, 3);
	assert_int_equal(got, 3);
	got += wp_cmd_poll(rp, out + 3, NCMD + 4 - 3);
	assert_int_equal(got, NCMD);
	for (i = 0; i < NCMD; i++)
		assert_memory_equal(&in[i], &out[i], sizeof(in[i]));
	assert_int_equal(wp_cmd_poll(rp, out, NCMD), 0);

	/* telemetry: same, interleaving pushes and drains */
	for (i = 0; i < NREC / 2; i++) {
		make_rec(&rin[i], i);
		assert_int_equal(wp_telem_push(rp, &rin[i]), 0);
	}
	got = wp_telem_drain(rp, rout, 5);
	assert_int_equal(got, 5);
	for (; i < NREC; i++) {
		make_rec(&rin[i], i);
		assert_int_equal(wp_telem_push(rp, &rin[i]), 0);
	}
	got += wp_telem_drain(rp, rout + 5, NREC + 4 - 5);
	assert_int_equal(got, NREC);
	for (i = 0; i < NREC; i++)
		assert_memory_equal(&rin[i], &rout[i], sizeof(rin[i]));
	assert_int_equal(wp_telem_drops(rp), 0);
	wp_ring_pair_free(rp);
}

static void
test_cmd_full_enobufs(void **state)
{
	enum { N = 4 };
	struct wp_ring_pair *rp;
	struct wp_cmd c, out[N];
	unsigned int i;

	(void)state;
	rp = wp_ring_pair_create(0, N, 8, SOCKET_ID_ANY);
	assert_non_null(rp);
	memset(&c, 0, sizeof(c));
	for (i = 0; i < N; i++) {
		c.seq = i;
		assert_int_equal(wp_cmd_send(rp, &c), 0);
	}
	/* full: refused at once, many times, nothing changes. There is no
	 * consumer thread, so a send that blocked or retried would never
	 * return and the test would hit its timeout: no clock needed. */
	for (i = 0; i < 1000; i++) {
		c.seq = 1000 + i;
		assert_int_equal(wp_cmd_send(rp, &c), -ENOBUFS);
	}
	assert_int_equal(rte_ring_count(rp->cmd), N);

	/* one slot freed, one send accepted, the refused ones never arrived */
	assert_int_equal(wp_cmd_poll(rp, out, 1), 1);
	assert_int_equal(out[0].seq, 0);
	c.seq = 42;
	assert_int_equal(wp_cmd_send(rp, &c), 0);
	assert_int_equal(wp_cmd_send(rp, &c), -ENOBUFS);
	assert_int_equal(wp_cmd_poll(rp, out, N), N);
	for (i = 0; i < N - 1; i++)
		assert_int_equal(out[i].seq, i + 1);
	assert_int_equal(out[N - 1].seq, 42);
	wp_ring_pair_free(rp);
}

static void
test_telem_full_drops_counted(void **state)
{
	enum { N = 32, K = 7 };
	struct wp_ring_pair *rp;
	struct wp_telem_rec r, out[N + K];
	unsigned int i, ok = 0, dropped = 0, got;

	(void)state;
	rp = wp_ring_pair_create(0, 4, N, SOCKET_ID_ANY);
	assert_non_null(rp);

	/* single-threaded, no consumer: a push that waited would hang here */
	for (i = 0; i < N + K; i++) {
		int ret;

		make_rec(&r, i);
		ret = wp_telem_push(rp, &r);
		if (ret == 0)
			ok++;
		else if (ret == -ENOBUFS)
			dropped++;
		else
			fail_msg("unexpected return %d", ret);
		/* the first N fit, the rest are dropped */
		assert_int_equal(ret, i < N ? 0 : -ENOBUFS);
	}
	assert_int_equal(ok, N);
	assert_int_equal(dropped, K);
	assert_int_equal(wp_telem_drops(rp), K);
	assert_int_equal(rp->telem_drops, K);

	/* what is in the ring is exactly the first N, in order */
	got = wp_telem_drain(rp, out, N + K);
	assert_int_equal(got, N);
	for (i = 0; i < N; i++)
		assert_int_equal(out[i].seq, i);

	/* room again: pushes succeed and the count does not move */
	make_rec(&r, 999);
	assert_int_equal(wp_telem_push(rp, &r), 0);
	assert_int_equal(wp_telem_drops(rp), K);
	assert_int_equal(wp_telem_drain(rp, out, N), 1);
	assert_int_equal(out[0].seq, 999);
	wp_ring_pair_free(rp);
}

static int
group_setup(void **state)
{
	(void)state;
	return wp_test_eal_init("core-ring", "0@0");
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
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_two_pairs_same_worker),
		cmocka_unit_test(test_round_trip_fifo),
		cmocka_unit_test(test_cmd_full_enobufs),
		cmocka_unit_test(test_telem_full_drops_counted),
	};

	return cmocka_run_group_tests_name("core ring", tests, group_setup,
			group_teardown);
}
