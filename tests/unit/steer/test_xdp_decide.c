/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP steering decision (bpf/steer_decide.h) as host C, no root:
 *  - Toeplitz: the program's table-driven hash and the bitwise reference
 *    against Intel's/Microsoft's published vectors and against DPDK's
 *    rte_softrss for random tuples and keys;
 *  - the case table of xdp_frames.h: verdict, counters and mark per row,
 *    with the configuration built by the loader's own wp_xdp_cfg_build();
 *  - counter invariants, slot switching, owner-less entries, drivers that
 *    refuse metadata, queues beyond the counters;
 *  - wp_xdp_cfg_build()'s refusals.
 * A failing row prints its name, the frame and the counters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xdp_frames.h"
#include "xdp_host_env.h"
#include "steer/xdp_impl.h"
#include "warmpool/steer_xdp.h"

static wp_xdp_env_t *
env_new(void)
{
	wp_xdp_env_t *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	return e;
}

/* Configure slot `slot` of e the way the loader does and make it live. */
static void
env_configure(wp_xdp_env_t *e, __u32 slot, const struct wp_xdp_rules *r,
	      const uint8_t *key, const uint16_t *owner, unsigned int reta)
{
	const char *why = NULL;
	int rc = wp_xdp_cfg_build(r, key, owner, reta, &e->cfg[slot],
				  &e->owner[slot * WP_XDP_RETA_MAX], &why);

	if (rc != 0)
		fail_msg("wp_xdp_cfg_build: %d (%s)", rc, why ? why : "?");
	e->active.slot = slot;
	e->active.generation++;
}

static void
dump_counters(const struct wp_xdp_qstats *st)
{
	fprintf(stderr, "counters:");
	for (int i = 0; i < WP_XDP_CTR__COUNT; i++)
		if (st->c[i])
			fprintf(stderr, " %s=%llu", wp_xdp_counter_name((unsigned)i),
				(unsigned long long)st->c[i]);
	fprintf(stderr, "\n");
}

/* ---------------- Toeplitz ---------------- */

struct vec {
	uint8_t src[4], dst[4];
	uint16_t sport, dport;
	uint32_t l3, l3l4;
};

/* Microsoft "Verifying the RSS Hash Calculation" / Intel 82599 datasheet
 * 7.1.2.8.3, as in DPDK's app/test/test_thash.c */
static const struct vec vectors[] = {
	{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ { 38, 27, 205, 30 }, { 209, 142, 163, 6 }, 48228, 2217, 0x82989176, 0xafc7327f },
	{ { 153, 39, 163, 191 }, { 202, 188, 127, 2 }, 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* the program's path: an IPv4 header and a TCP header in memory */
static uint32_t
table_hash(const struct wp_xdp_cfg *cfg, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	uint8_t ip[20] = { 0 }, l4[20] = { 0 };

	tx_put32(ip + 12, src);
	tx_put32(ip + 16, dst);
	tx_put16(l4, sp);
	tx_put16(l4 + 2, dp);
	return wp_xdp_toeplitz_tuple(cfg, ip, l4);
}

static void
t_toeplitz_vectors(void **state)
{
	static struct wp_xdp_cfg cfg;

	(void)state;
	memcpy(cfg.key, tx_ms_key, sizeof(cfg.key));
	wp_xdp_toeplitz_expand(cfg.key, cfg.tbl);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		uint8_t in[12];
		uint32_t src = be32(v->src), dst = be32(v->dst);

		memcpy(in, v->src, 4);
		memcpy(in + 4, v->dst, 4);
		tx_put16(in + 8, v->sport);
		tx_put16(in + 10, v->dport);
		assert_int_equal(wp_xdp_toeplitz_ref(tx_ms_key, in, 8), v->l3);
		assert_int_equal(wp_xdp_toeplitz_ref(tx_ms_key, in, 12), v->l3l4);
		assert_int_equal(table_hash(&cfg, src, dst, v->sport, v->dport), v->l3l4);
		assert_int_equal(tx_softrss(tx_ms_key, src, dst, v->sport, v->dport), v->l3l4);
	}
	/* the brief's example, spelled out */
	assert_int_equal(table_hash(&cfg, TX_IP(66, 9, 149, 187), TX_IP(161, 142, 100, 80),
				    2794, 1766), 0x51ccc178);
}

static uint64_t
xs64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
t_toeplitz_random_vs_softrss(void **state)
{
	static struct wp_xdp_cfg cfg;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned int checked = 0;

	(void)state;
	for (int k = 0; k < 6; k++) {
		/* key 0: Microsoft's; key 1: the symmetric 0x6d5a pattern; others random */
		for (int i = 0; i < WP_XDP_KEY_LEN; i++)
			cfg.key[i] = k == 0 ? tx_ms_key[i] : k == 1 ? (i & 1 ? 0x5a : 0x6d) :
				     (uint8_t)xs64(&seed);
		wp_xdp_toeplitz_expand(cfg.key, cfg.tbl);
		for (int n = 0; n < 4000; n++) {
			uint64_t r = xs64(&seed), r2 = xs64(&seed);
			uint32_t src = (uint32_t)r, dst = (uint32_t)(r >> 32);
			uint16_t sp = (uint16_t)r2, dp = (uint16_t)(r2 >> 16);
			uint8_t in[12];
			uint32_t want = tx_softrss(cfg.key, src, dst, sp, dp);

			tx_put32(in, src);
			tx_put32(in + 4, dst);
			tx_put16(in + 8, sp);
			tx_put16(in + 10, dp);
			if (wp_xdp_toeplitz_ref(cfg.key, in, 12) != want ||
			    table_hash(&cfg, src, dst, sp, dp) != want)
				fail_msg("key %d tuple %08x %08x %u %u: softrss %08x ref %08x table %08x",
					 k, src, dst, sp, dp, want, wp_xdp_toeplitz_ref(cfg.key, in, 12),
					 table_hash(&cfg, src, dst, sp, dp));
			checked++;
		}
	}
	assert_int_equal(checked, 6 * 4000);
}

/* ---------------- the case table ---------------- */

static void
run_case(const struct tx_case *c, int *failed)
{
	wp_xdp_env_t *e = env_new();
	struct wp_xdp_rules r;
	uint16_t owner[TX_RETA];
	uint8_t frame[TX_FRAME_MAX];
	uint32_t len = tx_build(&c->f, frame);
	uint32_t q;
	int owner_want, act, bad = 0;
	uint64_t want[WP_XDP_CTR__COUNT] = { 0 };

	tx_owners(owner);
	tx_rules(&r, c->flags | WP_XDP_F_META);
	if (c->configured)
		env_configure(e, 1, &r, tx_ms_key, owner, TX_RETA);
	q = tx_case_queue(c, owner);
	if (c->socket)
		e->bound |= 1ull << q;
	owner_want = tx_case_owner(c, owner);

	act = wp_xdp_steer(e, frame, frame + len, q);

	want[WP_XDP_CTR_RX] = 1;
	for (int i = 0; i < 3; i++)
		if (c->ctr[i] != TX_NO_CTR)
			want[c->ctr[i]]++;
	if (act != c->verdict) {
		fprintf(stderr, "row \"%s\": verdict %d, want %d\n", c->name, act, c->verdict);
		bad = 1;
	}
	for (int i = 0; i < WP_XDP_CTR__COUNT; i++) {
		if (e->stats[q].c[i] != want[i]) {
			fprintf(stderr, "row \"%s\": counter %s = %llu, want %llu\n", c->name,
				wp_xdp_counter_name((unsigned)i),
				(unsigned long long)e->stats[q].c[i], (unsigned long long)want[i]);
			bad = 1;
		}
	}
	/* the mark: on every configured appliance frame, with the owner for TCP */
	if (c->configured && want[WP_XDP_CTR_PASS] == 0) {
		int non_owner = owner_want >= 0 && (uint32_t)owner_want != q;

		if (!e->meta_set || e->meta.magic != WP_XDP_META_MAGIC) {
			fprintf(stderr, "row \"%s\": no mark\n", c->name);
			bad = 1;
		} else if (owner_want >= 0 &&
			   (e->meta.owner != owner_want ||
			    !(e->meta.flags & WP_XDP_META_HAS_OWNER) ||
			    !!(e->meta.flags & WP_XDP_META_NON_OWNER) != non_owner ||
			    e->meta.hash != tx_softrss(tx_ms_key, c->f.src, c->f.dst, c->f.sport,
						       c->f.dport) ||
			    e->meta.kind != WP_XDP_KIND_TCP)) {
			fprintf(stderr, "row \"%s\": mark owner %u flags %#x hash %08x kind %u, "
				"want owner %d on queue %u\n", c->name, e->meta.owner, e->meta.flags,
				e->meta.hash, e->meta.kind, owner_want, q);
			bad = 1;
		}
	} else if (e->meta_set) {
		fprintf(stderr, "row \"%s\": marked a frame that is not the appliance's\n", c->name);
		bad = 1;
	}
	if (bad) {
		fprintf(stderr, "row \"%s\" arrived on queue %u (owner %d)\n", c->name, q, owner_want);
		tx_hexdump("frame", frame, len);
		dump_counters(&e->stats[q]);
		*failed = 1;
	}
	free(e);
}

static void
t_cases(void **state)
{
	int failed = 0, tcp_owner = 0, tcp_non_owner = 0;
	uint16_t owner[TX_RETA];

	(void)state;
	tx_owners(owner);
	for (size_t i = 0; i < TX_NCASES; i++) {
		run_case(&tx_cases[i], &failed);
		if (tx_cases[i].qmode == TXQ_OWNER)
			tcp_owner++;
		if (tx_cases[i].qmode == TXQ_NOT_OWNER)
			tcp_non_owner++;
	}
	/* the table exercises both sides of the ownership check */
	assert_true(tcp_owner >= 2 && tcp_non_owner >= 2);
	if (failed)
		fail_msg("some rows failed (see above)");
}

/* Every row again in one environment per queue: RX equals the sum of the
 * outcomes and PASS the sum of the reasons. */
static void
t_counter_invariants(void **state)
{
	wp_xdp_env_t *e = env_new();
	struct wp_xdp_rules r;
	uint16_t owner[TX_RETA];
	uint8_t frame[TX_FRAME_MAX];

	(void)state;
	tx_owners(owner);
	tx_rules(&r, WP_XDP_F_META);
	env_configure(e, 0, &r, tx_ms_key, owner, TX_RETA);
	e->bound = 0x5; /* sockets on queues 0 and 2 */
	for (int q = 0; q < TX_WORKERS; q++)
		for (size_t i = 0; i < TX_NCASES; i++) {
			uint32_t len = tx_build(&tx_cases[i].f, frame);

			wp_xdp_steer(e, frame, frame + len, (uint32_t)q);
		}
	for (int q = 0; q < TX_WORKERS; q++) {
		const __u64 *c = e->stats[q].c;

		assert_int_equal(c[WP_XDP_CTR_RX], TX_NCASES);
		assert_int_equal(c[WP_XDP_CTR_RX], c[WP_XDP_CTR_REDIRECT] + c[WP_XDP_CTR_PASS] +
				 c[WP_XDP_CTR_NO_SOCKET]);
		assert_int_equal(c[WP_XDP_CTR_PASS], c[WP_XDP_CTR_NOT_IP] + c[WP_XDP_CTR_SHORT] +
				 c[WP_XDP_CTR_FRAG] + c[WP_XDP_CTR_OTHER_ADDR] +
				 c[WP_XDP_CTR_OTHER_PROTO] + c[WP_XDP_CTR_OTHER_PORT]);
		assert_int_equal(c[WP_XDP_CTR_REDIRECT] + c[WP_XDP_CTR_NO_SOCKET],
				 c[WP_XDP_CTR_ARP] + c[WP_XDP_CTR_ICMP] + c[WP_XDP_CTR_TCP]);
		assert_true(c[WP_XDP_CTR_NON_OWNER] <= c[WP_XDP_CTR_TCP]);
		if (q == 0 || q == 2)
			assert_int_equal(c[WP_XDP_CTR_NO_SOCKET], 0);
		else
			assert_int_equal(c[WP_XDP_CTR_REDIRECT], 0);
	}
	free(e);
}

/* Ownership over many flows: each lands NON_OWNER exactly when the
 * rte_softrss owner is not the arrival queue, and the owners spread. */
static void
t_owner_many_flows(void **state)
{
	wp_xdp_env_t *e = env_new();
	struct wp_xdp_rules r;
	uint16_t owner[TX_RETA];
	uint8_t frame[TX_FRAME_MAX];
	unsigned int per_owner[TX_WORKERS] = { 0 }, non_owner = 0;

	(void)state;
	tx_owners(owner);
	tx_rules(&r, WP_XDP_F_META);
	env_configure(e, 1, &r, tx_ms_key, owner, TX_RETA);
	e->bound = 1; /* one queue, as net_af_xdp on veth */
	for (uint16_t sp = 30000; sp < 31000; sp++) {
		struct tx_frame f = TCP_TO(TX_APP1, 80);
		uint32_t len, want;

		f.sport = sp;
		len = tx_build(&f, frame);
		want = owner[tx_softrss(tx_ms_key, f.src, f.dst, f.sport, f.dport) & (TX_RETA - 1)];
		e->meta_set = 0;
		assert_int_equal(wp_xdp_steer(e, frame, frame + len, 0), XDP_REDIRECT);
		assert_true(e->meta_set);
		assert_int_equal(e->meta.owner, want);
		assert_int_equal(!!(e->meta.flags & WP_XDP_META_NON_OWNER), want != 0);
		per_owner[want]++;
		non_owner += want != 0;
	}
	assert_int_equal(e->stats[0].c[WP_XDP_CTR_NON_OWNER], non_owner);
	for (int w = 0; w < TX_WORKERS; w++)
		assert_true(per_owner[w] > 150); /* 1000 flows, 4 owners */
	free(e);
}

/* The live slot decides; the other can be rewritten freely. */
static void
t_slots(void **state)
{
	wp_xdp_env_t *e = env_new();
	struct wp_xdp_rules a, b;
	uint16_t owner[TX_RETA];
	uint8_t f1[TX_FRAME_MAX], f2[TX_FRAME_MAX];
	struct tx_frame to1 = TCP_TO(TX_APP1, 80), to2 = TCP_TO(TX_APP2, 80);
	uint32_t l1 = tx_build(&to1, f1), l2 = tx_build(&to2, f2);

	(void)state;
	tx_owners(owner);
	tx_rules(&a, 0);
	a.n_addr = 1; /* only .1 */
	b = a;
	b.addr[0] = __builtin_bswap32(TX_APP2); /* only .10 */
	e->bound = 1;
	env_configure(e, 1, &a, tx_ms_key, owner, TX_RETA);
	assert_int_equal(wp_xdp_steer(e, f1, f1 + l1, 0), XDP_REDIRECT);
	assert_int_equal(wp_xdp_steer(e, f2, f2 + l2, 0), XDP_PASS);
	/* write the other slot: nothing changes until the flip */
	assert_int_equal(wp_xdp_cfg_build(&b, tx_ms_key, owner, TX_RETA, &e->cfg[0],
					  &e->owner[0], NULL), 0);
	assert_int_equal(wp_xdp_steer(e, f2, f2 + l2, 0), XDP_PASS);
	e->active.slot = 0;
	assert_int_equal(wp_xdp_steer(e, f1, f1 + l1, 0), XDP_PASS);
	assert_int_equal(wp_xdp_steer(e, f2, f2 + l2, 0), XDP_REDIRECT);
	free(e);
}

/* Owners not set, metadata refused, queues beyond the counters. */
static void
t_edges(void **state)
{
	wp_xdp_env_t *e = env_new();
	struct wp_xdp_rules r;
	uint16_t owner[TX_RETA];
	uint8_t frame[TX_FRAME_MAX];
	struct tx_frame f = TCP_TO(TX_APP1, 80);
	uint32_t len = tx_build(&f, frame);

	(void)state;
	tx_owners(owner);
	tx_rules(&r, WP_XDP_F_META);
	env_configure(e, 1, &r, tx_ms_key, owner, TX_RETA);
	for (int i = 0; i < WP_XDP_RETA_MAX; i++)
		e->owner[WP_XDP_RETA_MAX + i] = WP_XDP_OWNER_NONE;
	e->bound = ~0ull;
	assert_int_equal(wp_xdp_steer(e, frame, frame + len, 3), XDP_REDIRECT);
	assert_int_equal(e->stats[3].c[WP_XDP_CTR_NON_OWNER], 0);
	assert_int_equal(e->meta.flags & WP_XDP_META_HAS_OWNER, 0);

	e->meta_refused = 1;
	assert_int_equal(wp_xdp_steer(e, frame, frame + len, 3), XDP_REDIRECT);
	assert_int_equal(e->stats[3].c[WP_XDP_CTR_META_FAIL], 1);
	assert_int_equal(e->stats[3].c[WP_XDP_CTR_REDIRECT], 2);

	/* without the META flag no mark is asked for */
	e->meta_set = 0;
	e->meta_refused = 0;
	tx_rules(&r, 0);
	env_configure(e, 0, &r, tx_ms_key, owner, TX_RETA);
	assert_int_equal(wp_xdp_steer(e, frame, frame + len, 3), XDP_REDIRECT);
	assert_false(e->meta_set);

	/* a queue the counters do not cover still gets its verdict */
	assert_int_equal(wp_xdp_steer(e, frame, frame + len, WP_XDP_MAX_QUEUES + 5), XDP_PASS);
	free(e);
}

/* ---------------- wp_xdp_cfg_build ---------------- */

static void
t_cfg_build(void **state)
{
	static struct wp_xdp_cfg cfg, ref;
	uint32_t slot[WP_XDP_RETA_MAX];
	uint16_t owner[WP_XDP_RETA_MAX];
	struct wp_xdp_rules r, bad;
	const char *why;

	(void)state;
	for (int i = 0; i < WP_XDP_RETA_MAX; i++)
		owner[i] = (uint16_t)(i % 3);
	tx_rules(&r, WP_XDP_F_META | WP_XDP_F_DROP_NO_SOCKET);
	r.addr[5] = 0x01020304; /* beyond n_addr: cleared */
	assert_int_equal(wp_xdp_cfg_build(&r, tx_ms_key, owner, 64, &cfg, slot, &why), 0);
	assert_int_equal(cfg.magic, WP_XDP_CFG_MAGIC);
	assert_int_equal(cfg.reta_size, 64);
	assert_int_equal(cfg.rules.addr[5], 0);
	assert_memory_equal(cfg.key, tx_ms_key, WP_XDP_KEY_LEN);
	wp_xdp_toeplitz_expand(tx_ms_key, ref.tbl);
	assert_memory_equal(cfg.tbl, ref.tbl, sizeof(ref.tbl));
	for (int i = 0; i < WP_XDP_RETA_MAX; i++)
		assert_int_equal(slot[i], i < 64 ? (uint32_t)(i % 3) : WP_XDP_OWNER_NONE);
	assert_int_equal(wp_xdp_cfg_build(&r, tx_ms_key, owner, 1, &cfg, slot, NULL), 0);
	assert_int_equal(wp_xdp_cfg_build(&r, tx_ms_key, owner, WP_XDP_RETA_MAX, &cfg, slot,
					  NULL), 0);

	/* refusals, each with a reason */
	static const unsigned int bad_reta[] = { 0, 3, 100, WP_XDP_RETA_MAX * 2 };
	for (size_t i = 0; i < sizeof(bad_reta) / sizeof(bad_reta[0]); i++) {
		why = NULL;
		assert_int_equal(wp_xdp_cfg_build(&r, tx_ms_key, owner, bad_reta[i], &cfg, slot,
						  &why), -EINVAL);
		assert_non_null(why);
	}
	bad = r; bad.n_addr = 0;
	assert_int_equal(wp_xdp_cfg_build(&bad, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
	bad = r; bad.n_addr = WP_XDP_MAX_ADDRS + 1;
	assert_int_equal(wp_xdp_cfg_build(&bad, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
	bad = r; bad.n_port = WP_XDP_MAX_PORT_RANGES + 1;
	assert_int_equal(wp_xdp_cfg_build(&bad, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
	bad = r; bad.port[1].lo = 5000; bad.port[1].hi = 4999;
	assert_int_equal(wp_xdp_cfg_build(&bad, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
	assert_non_null(strstr(why, "lo > hi"));
	bad = r; bad.flags |= 1u << 7;
	assert_int_equal(wp_xdp_cfg_build(&bad, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
	bad = r; bad.queue_base = WP_XDP_MAX_QUEUES;
	assert_int_equal(wp_xdp_cfg_build(&bad, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
	bad = r; bad.queue_base = WP_XDP_MAX_QUEUES - 2; /* owner 2 -> queue MAX */
	assert_int_equal(wp_xdp_cfg_build(&bad, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
	assert_int_equal(wp_xdp_cfg_build(&r, tx_ms_key, NULL, 64, &cfg, slot, &why), -EINVAL);
	assert_int_equal(wp_xdp_cfg_build(NULL, tx_ms_key, owner, 64, &cfg, slot, &why), -EINVAL);
}

static void
t_counter_names(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < WP_XDP_CTR__COUNT; i++) {
		const char *n = wp_xdp_counter_name(i);

		assert_non_null(n);
		for (unsigned int j = 0; j < i; j++)
			assert_string_not_equal(n, wp_xdp_counter_name(j));
	}
	assert_null(wp_xdp_counter_name(WP_XDP_CTR__COUNT));
	assert_string_equal(wp_xdp_counter_name(WP_XDP_CTR_NON_OWNER), "non_owner");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_toeplitz_vectors),
		cmocka_unit_test(t_toeplitz_random_vs_softrss),
		cmocka_unit_test(t_cases),
		cmocka_unit_test(t_counter_invariants),
		cmocka_unit_test(t_owner_many_flows),
		cmocka_unit_test(t_slots),
		cmocka_unit_test(t_edges),
		cmocka_unit_test(t_cfg_build),
		cmocka_unit_test(t_counter_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
