/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of src/steer shared by rss.c, classify.c and handoff.c: the
 * rule's struct and its inline hash (the data path calls it per frame). */
#ifndef WP_STEER_IMPL_H
#define WP_STEER_IMPL_H

#include <stdint.h>

#include <rte_common.h>

#include <warmpool/steer-t.h>

#define WP_RSS_TUPLE_LEN 12   /* src ip, dst ip, src port, dst port */

struct rte_thash_ctx;
struct rte_thash_subtuple_helper;

/* Built by wp_rss_create() on the main lcore; read-only afterwards, read
 * by every worker. Invariants: reta_size == 1 << reta_log; reta[i] ==
 * i % nworkers (so worker w owns entries w, w + n, w + 2n, ...); table[]
 * is derived from key[] (and key[] is what the NIC and the XDP
 * program are given). */
struct wp_rss {
	uint32_t table[WP_RSS_TUPLE_LEN][256];
	uint8_t key[WP_RSS_KEY_LEN];
	uint16_t nworkers;
	uint16_t reta_size;
	uint8_t reta_log;
	uint16_t reta[WP_RSS_RETA_MAX];
	struct rte_thash_ctx *ctx;               /* NULL with one worker */
	struct rte_thash_subtuple_helper *helper;
	char name[32];
} __rte_cache_aligned;

/* Toeplitz over the 12 tuple bytes as they are on the wire. */
static inline uint32_t
wp_rss_hash_bytes(const struct wp_rss *rss, const uint8_t *t)
{
	uint32_t h = 0;

	for (unsigned i = 0; i < WP_RSS_TUPLE_LEN; i++)
		h ^= rss->table[i][t[i]];
	return h;
}

static inline uint32_t
wp_rss_hash_inline(const struct wp_rss *rss, uint32_t sip, uint32_t dip, uint16_t sport,
		   uint16_t dport)
{
	const uint32_t (*T)[256] = rss->table;

	return T[0][sip >> 24] ^ T[1][(sip >> 16) & 255] ^ T[2][(sip >> 8) & 255] ^
	       T[3][sip & 255] ^ T[4][dip >> 24] ^ T[5][(dip >> 16) & 255] ^
	       T[6][(dip >> 8) & 255] ^ T[7][dip & 255] ^ T[8][sport >> 8] ^
	       T[9][sport & 255] ^ T[10][dport >> 8] ^ T[11][dport & 255];
}

static inline unsigned
wp_rss_owner_of_hash(const struct wp_rss *rss, uint32_t h)
{
	return rss->reta[h & (rss->reta_size - 1u)];
}

#endif /* WP_STEER_IMPL_H */
