/* SPDX-License-Identifier: BSD-3-Clause */
/* The ownership rule of steer-t.h: Toeplitz hash, RETA, RSS-aware local
 * ports, and writing the rule into a port's RSS.
 *
 * Hash. The Toeplitz hash of a 12-byte input is the XOR, over every input
 * bit set, of the 32-bit key window starting at that bit (Microsoft's RSS
 * specification; DPDK's rte_softrss). It is linear over GF(2), so it is
 * also the XOR over the 12 input bytes of a per-(position, value) word:
 * 12 tables of 256 words built once from the key, 12 loads per frame
 * instead of a loop over ~48 set bits. The unit tests hold it equal to
 * rte_softrss and to the published verification vectors.
 *
 * Key. Seeded with Microsoft's default key, then handed to rte_thash with
 * one helper: the 16 bits of our local port (the last field of the reply
 * tuple). rte_thash rewrites the key bits behind those so that XORing a
 * "complement" into the port's low log2(reta) bits moves the hash's low
 * bits to any RETA index we want: that is how a worker picks a local port
 * whose replies it owns (wp_rss_lport). The rewritten key is the rule's
 * key everywhere: NIC, software hash, XDP program.
 *
 * RETA. Entry i belongs to worker i % nworkers (queue id == worker id).
 *
 * Everything here is built on the main lcore and read-only afterwards;
 * rte_thash_adjust_tuple is documented multi-thread safe.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_thash.h>

#include <warmpool/steer.h>

#include "steer_impl.h"
#include "wp_mem.h"

#define RSS_LOG(level, fmt, ...) \
	RTE_LOG(level, USER1, "wp_steer: " fmt "\n", ##__VA_ARGS__)

/* Microsoft's RSS verification key (also DPDK's and most NICs' default). */
static const uint8_t ms_key[WP_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Bit offset and length of our local port in the reply tuple
 * (src ip 32, dst ip 32, src port 16, dst port 16). */
#define LPORT_OFFSET_BITS 80
#define LPORT_BITS 16

/* The 32-bit key window starting at bit `k` (bit 0 = MSB of key[0]). */
static uint32_t
key_window(const uint8_t *key, unsigned k)
{
	uint64_t w = 0;
	unsigned byte = k / 8, shift = k % 8;

	for (unsigned i = 0; i < 5; i++)
		w = (w << 8) | (byte + i < WP_RSS_KEY_LEN ? key[byte + i] : 0);
	return (uint32_t)(w >> (8 - shift));
}

static void
build_table(struct wp_rss *rss)
{
	for (unsigned i = 0; i < WP_RSS_TUPLE_LEN; i++)
		for (unsigned v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (unsigned b = 0; b < 8; b++)
				if (v & (0x80u >> b))
					h ^= key_window(rss->key, i * 8 + b);
			rss->table[i][v] = h;
		}
}

static bool
pow2_in(unsigned v, unsigned lo, unsigned hi)
{
	return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

struct wp_rss *
wp_rss_create(const struct wp_rss_conf *conf)
{
	struct wp_rss *rss;
	unsigned reta_size;

	if (conf == NULL || conf->nworkers == 0 || conf->nworkers > WP_STEER_MAX_WORKERS) {
		rte_errno = EINVAL;
		return NULL;
	}
	reta_size = conf->reta_size ? conf->reta_size : 128;
	if (!pow2_in(reta_size, 4, WP_RSS_RETA_MAX) || reta_size < conf->nworkers) {
		rte_errno = EINVAL;
		return NULL;
	}
	rss = wp_zmalloc_socket("wp_rss", sizeof(*rss), RTE_CACHE_LINE_SIZE, SOCKET_ID_ANY);
	if (rss == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	rss->nworkers = conf->nworkers;
	rss->reta_size = (uint16_t)reta_size;
	rss->reta_log = (uint8_t)__builtin_ctz(reta_size);
	snprintf(rss->name, sizeof(rss->name), "%s", conf->name ? conf->name : "wp_rss");
	memcpy(rss->key, conf->seed_key ? conf->seed_key : ms_key, WP_RSS_KEY_LEN);
	for (unsigned i = 0; i < reta_size; i++)
		rss->reta[i] = (uint16_t)(i % conf->nworkers);
	if (conf->nworkers > 1) {
		char name[64];

		snprintf(name, sizeof(name), "wp_thash_%s", rss->name);
		rss->ctx = rte_thash_init_ctx(name, WP_RSS_KEY_LEN, rss->reta_log, rss->key,
					      RTE_THASH_MINIMAL_SEQ);
		if (rss->ctx == NULL) {
			RSS_LOG(ERR, "%s: rte_thash context: %s", rss->name, rte_strerror(rte_errno));
			goto fail;
		}
		if (rte_thash_add_helper(rss->ctx, "lport", LPORT_BITS, LPORT_OFFSET_BITS) != 0) {
			RSS_LOG(ERR, "%s: rte_thash helper for the local port failed", rss->name);
			rte_errno = EINVAL;
			goto fail;
		}
		rss->helper = rte_thash_get_helper(rss->ctx, "lport");
		memcpy(rss->key, rte_thash_get_key(rss->ctx), WP_RSS_KEY_LEN);
	}
	build_table(rss);
	return rss;
fail:
	wp_rss_free(rss);
	return NULL;
}

void
wp_rss_free(struct wp_rss *rss)
{
	if (rss == NULL)
		return;
	if (rss->ctx != NULL)
		rte_thash_free_ctx(rss->ctx);
	wp_mfree(rss);
}

const uint8_t *
wp_rss_key(const struct wp_rss *rss)
{
	return rss->key;
}

uint16_t
wp_rss_reta_size(const struct wp_rss *rss)
{
	return rss->reta_size;
}

const uint16_t *
wp_rss_reta(const struct wp_rss *rss)
{
	return rss->reta;
}

uint16_t
wp_rss_workers(const struct wp_rss *rss)
{
	return rss->nworkers;
}

uint32_t
wp_rss_hash(const struct wp_rss *rss, uint32_t sip, uint32_t dip, uint16_t sport,
	    uint16_t dport)
{
	return wp_rss_hash_inline(rss, sip, dip, sport, dport);
}

unsigned
wp_rss_owner(const struct wp_rss *rss, uint32_t sip, uint32_t dip, uint16_t sport,
	     uint16_t dport)
{
	return wp_rss_owner_of_hash(rss, wp_rss_hash_inline(rss, sip, dip, sport, dport));
}

/* ------------------------------------------------------- local ports */

struct lport_check {
	wp_rss_port_free_fn fn;
	void *arg;
	uint16_t lo, hi;
};

static int
lport_ok(void *userdata, uint8_t *tuple)
{
	const struct lport_check *c = userdata;
	uint16_t p = (uint16_t)(tuple[10] << 8 | tuple[11]);

	if (p < c->lo || p > c->hi || p == 0)
		return 0;
	return c->fn == NULL || c->fn(c->arg, p);
}

uint16_t
wp_rss_lport(const struct wp_rss *rss, unsigned worker, uint32_t rip, uint16_t rport,
	     uint32_t lip, uint16_t hint, uint16_t lo, uint16_t hi,
	     wp_rss_port_free_fn free_fn, void *arg)
{
	struct lport_check chk = { .fn = free_fn, .arg = arg, .lo = lo, .hi = hi };
	uint8_t t[WP_RSS_TUPLE_LEN];
	uint32_t h, idx, mine, attempts;
	uint16_t p;

	if (worker >= rss->nworkers || lo == 0 || lo > hi)
		return 0;
	if (hint < lo || hint > hi)
		hint = lo;
	if (rss->nworkers == 1) {
		/* every port is ours: walk from the hint */
		for (uint32_t i = 0; i <= (uint32_t)hi - lo; i++) {
			p = (uint16_t)(lo + ((uint32_t)hint - lo + i) % ((uint32_t)hi - lo + 1));
			if (free_fn == NULL || free_fn(arg, p))
				return p;
		}
		return 0;
	}
	rip = rte_cpu_to_be_32(rip);
	lip = rte_cpu_to_be_32(lip);
	memcpy(t, &rip, 4);
	memcpy(t + 4, &lip, 4);
	t[8] = (uint8_t)(rport >> 8);
	t[9] = (uint8_t)rport;
	t[10] = (uint8_t)(hint >> 8);
	t[11] = (uint8_t)hint;
	/* Spread a worker's ports over its RETA entries (w, w + n, ...),
	 * starting at one chosen by the hint's hash. For one entry,
	 * rte_thash fixes the port's low reta_log bits and, while the
	 * candidate is out of range or taken, steps the bits above them:
	 * 1 << (16 - reta_log) attempts visit every such value once. Only
	 * when that entry has nothing free is the next one tried. */
	h = wp_rss_hash_bytes(rss, t);
	mine = (rss->reta_size - worker + rss->nworkers - 1u) / rss->nworkers;
	attempts = 1u << (LPORT_BITS - rss->reta_log);
	for (uint32_t k = 0; k < mine; k++) {
		idx = worker + rss->nworkers * ((h + k) % mine);
		t[10] = (uint8_t)(hint >> 8);
		t[11] = (uint8_t)hint;
		if (rte_thash_adjust_tuple(rss->ctx, rss->helper, t, sizeof(t), idx, attempts,
					   lport_ok, &chk) != 0)
			continue;
		p = (uint16_t)(t[10] << 8 | t[11]);
		/* never hand out a port the rule gives to somebody else */
		if (wp_rss_owner_of_hash(rss, wp_rss_hash_bytes(rss, t)) == worker)
			return p;
	}
	return 0;
}

uint16_t
wp_steer_lport_fn(void *arg, uint32_t rip, uint16_t rport, uint32_t lip, uint16_t hint,
		  uint16_t lo, uint16_t hi, int (*is_free)(void *free_arg, uint16_t port),
		  void *free_arg)
{
	const struct wp_steer_lport *sl = arg;

	return wp_rss_lport(sl->rss, sl->worker, rip, rport, lip, hint, lo, hi, is_free,
			    free_arg);
}

/* ------------------------------------------------ programming a port */

static int
software(struct wp_rss_port_info *info, const char *fmt, const char *detail)
{
	info->mode = WP_RSS_SOFTWARE;
	snprintf(info->why, sizeof(info->why), fmt, detail);
	return 0;
}

int
wp_rss_program_port(struct wp_rss *rss, uint16_t port_id, struct wp_rss_port_info *info)
{
	struct rte_eth_rss_reta_entry64 reta[WP_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	uint8_t key_back[WP_RSS_KEY_LEN * 2];
	struct rte_eth_rss_conf rc;
	struct rte_eth_dev_info di;
	struct rte_eth_conf ec;
	unsigned groups;
	int ret;

	if (rss == NULL || info == NULL || !rte_eth_dev_is_valid_port(port_id))
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (rss->nworkers == 1) {
		info->mode = WP_RSS_SINGLE;
		return 0;
	}
	ret = rte_eth_dev_info_get(port_id, &di);
	if (ret != 0)
		return software(info, "device info: %s", strerror(-ret));
	info->dev_reta_size = di.reta_size;
	if (di.flow_type_rss_offloads == 0 || di.reta_size == 0)
		return software(info, "%s has no RSS", di.driver_name);
	if ((di.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) == 0)
		return software(info, "%s does not hash IPv4/TCP ports", di.driver_name);
	if (di.reta_size != rss->reta_size) {
		char d[48];

		snprintf(d, sizeof(d), "%u entries, the rule has %u", di.reta_size,
			 rss->reta_size);
		return software(info, "RETA of %s", d);
	}
	if (di.hash_key_size != 0 && di.hash_key_size != WP_RSS_KEY_LEN) {
		char d[16];

		snprintf(d, sizeof(d), "%u", di.hash_key_size);
		return software(info, "RSS key of %s bytes", d);
	}
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = rss->key;
	rc.rss_key_len = WP_RSS_KEY_LEN;
	rc.rss_hf = (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP) & di.flow_type_rss_offloads;
	ret = rte_eth_dev_rss_hash_update(port_id, &rc);
	if (ret != 0)
		return software(info, "key update refused: %s", strerror(-ret));
	groups = rss->reta_size / RTE_ETH_RETA_GROUP_SIZE;
	if (groups == 0)
		groups = 1;
	memset(reta, 0, sizeof(reta));
	for (unsigned i = 0; i < rss->reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = rss->reta[i];
	}
	ret = rte_eth_dev_rss_reta_update(port_id, reta, rss->reta_size);
	if (ret != 0)
		return software(info, "RETA update refused: %s", strerror(-ret));

	/* read both back: a port that silently kept its own is software */
	memset(&rc, 0, sizeof(rc));
	memset(key_back, 0, sizeof(key_back));
	rc.rss_key = key_back;
	rc.rss_key_len = sizeof(key_back);
	ret = rte_eth_dev_rss_hash_conf_get(port_id, &rc);
	if (ret != 0)
		return software(info, "key read-back: %s", strerror(-ret));
	if (memcmp(key_back, rss->key, WP_RSS_KEY_LEN) != 0)
		return software(info, "%s", "the key read back differs");
	if ((rc.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) == 0)
		return software(info, "%s", "IPv4/TCP hashing is off after the update");
	for (unsigned g = 0; g < groups; g++) {
		reta[g].mask = ~0ULL;
		memset(reta[g].reta, 0xff, sizeof(reta[g].reta));
	}
	ret = rte_eth_dev_rss_reta_query(port_id, reta, rss->reta_size);
	if (ret != 0)
		return software(info, "RETA read-back: %s", strerror(-ret));
	for (unsigned i = 0; i < rss->reta_size; i++)
		if (reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] !=
		    rss->reta[i])
			return software(info, "%s", "the RETA read back differs");
	info->mode = WP_RSS_PROGRAMMED;
	info->rss_hf = rc.rss_hf;
	if (rte_eth_dev_conf_get(port_id, &ec) == 0)
		info->hash_in_mbuf = (ec.rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH) != 0;
	return 0;
}
