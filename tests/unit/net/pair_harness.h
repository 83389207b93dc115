/* SPDX-License-Identifier: BSD-3-Clause */
/* Header-only harness: two stacks wired back to back in memory.
 *
 * Stack A is 198.18.0.1 (MAC ..:01), stack B 198.18.0.2 (MAC ..:02), each
 * knowing the other's MAC statically. Frames a stack sends wait on a wire
 * until wpp_pump() delivers them, runs both stacks' timers and advances the
 * virtual clock; nothing reads a real clock. wpp_teardown() checks that no
 * flow is left on either side and that every mbuf went back to the pool.
 * Include after cmocka.h's prerequisites (it includes cmocka itself).
 */
#ifndef WP_PAIR_HARNESS_H
#define WP_PAIR_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <warmpool/net.h>

#include "net/net_impl.h" /* wp_arp_add_static */

#define WPP_IP_A 0xc6120001u   /* 198.18.0.1 */
#define WPP_IP_B 0xc6120002u   /* 198.18.0.2 */
#define WPP_MS 1000000LL

/* A one-way wire: frames wait here until wpp_pump() delivers them. */
struct wpp_wire {
	struct rte_mbuf *q[4096];
	unsigned n;
};

struct wpp {
	struct rte_mempool *mp;
	unsigned mp_start;
	struct wpp_wire ab, ba;
	struct wp_net *a, *b;
	int64_t now;
	void (*tick)(int64_t now); /* optional: called after each step */
};

static uint16_t
wpp_wire_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wpp_wire *w = arg;
	uint16_t i;

	for (i = 0; i < n && w->n < RTE_DIM(w->q); i++)
		w->q[w->n++] = pkts[i];
	return i;
}

static void
wpp_deliver(struct wpp *P, struct wpp_wire *w, struct wp_net *to)
{
	struct rte_mbuf *batch[4096];
	unsigned n = w->n;

	memcpy(batch, w->q, n * sizeof(batch[0]));
	w->n = 0;
	for (unsigned i = 0; i < n; i += 32)
		wp_net_input(to, batch + i, (uint16_t)RTE_MIN(32u, n - i), P->now);
}

/* Deliver, run timers, advance the clock by `step`; `rounds` times. */
static void
wpp_pump(struct wpp *P, int rounds, int64_t step)
{
	for (int r = 0; r < rounds; r++) {
		wp_net_flush(P->a);
		wp_net_flush(P->b);
		wpp_deliver(P, &P->ab, P->b);
		wpp_deliver(P, &P->ba, P->a);
		P->now += step;
		wp_net_timers(P->a, P->now);
		wp_net_timers(P->b, P->now);
		if (P->tick != NULL)
			P->tick(P->now);
	}
	wp_net_flush(P->a);
	wp_net_flush(P->b);
}

static struct wp_net *
wpp_stack(struct wpp *P, uint32_t ip, uint8_t last, struct wpp_wire *out)
{
	struct wp_net_conf conf;
	struct wp_net_io io = { .tx = wpp_wire_tx, .arg = out };

	wp_net_conf_default(&conf);
	conf.ip = ip;
	conf.prefix_len = 24;
	memcpy(conf.mac, (uint8_t[6]){ 0x02, 0, 0, 0, 0, last }, 6);
	conf.arp_gratuitous = false;
	conf.max_conns = 256;
	conf.time_wait_ns = 100 * WPP_MS;
	conf.secret_seed = 42 + last;
	return wp_net_create(&conf, &io, P->mp, SOCKET_ID_ANY, P->now);
}

static void
wpp_setup(struct wpp *P, const char *pool_name)
{
	memset(P, 0, sizeof(*P));
	P->now = 1000 * WPP_MS;
	P->mp = rte_pktmbuf_pool_create(pool_name, 8191, 0, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	assert_non_null(P->mp);
	P->mp_start = rte_mempool_in_use_count(P->mp);
	P->a = wpp_stack(P, WPP_IP_A, 1, &P->ab);
	P->b = wpp_stack(P, WPP_IP_B, 2, &P->ba);
	assert_non_null(P->a);
	assert_non_null(P->b);
	assert_int_equal(wp_arp_add_static(P->a, WPP_IP_B,
			(uint8_t[6]){ 0x02, 0, 0, 0, 0, 2 }), 0);
	assert_int_equal(wp_arp_add_static(P->b, WPP_IP_A,
			(uint8_t[6]){ 0x02, 0, 0, 0, 0, 1 }), 0);
}

/* Let FINs and TIME_WAIT (100 ms) run out, then check and free. */
static void
wpp_teardown(struct wpp *P)
{
	struct wp_net_stats sa, sb;

	wpp_pump(P, 50, 10 * WPP_MS);
	wp_net_stats(P->a, &sa);
	wp_net_stats(P->b, &sb);
	assert_int_equal(sa.tcp_conns, 0);
	assert_int_equal(sb.tcp_conns, 0);
	wp_net_free(P->a);
	wp_net_free(P->b);
	for (unsigned i = 0; i < P->ab.n; i++)
		rte_pktmbuf_free(P->ab.q[i]);
	for (unsigned i = 0; i < P->ba.n; i++)
		rte_pktmbuf_free(P->ba.q[i]);
	assert_int_equal(rte_mempool_in_use_count(P->mp), P->mp_start);
	rte_mempool_free(P->mp);
	P->mp = NULL;
}

#endif /* WP_PAIR_HARNESS_H */
