/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core flow table (contract: flow.h): 4-tuple -> connection pointer.
 *
 * What it is: a thin wrapper over DPDK's rte_hash (cuckoo hash, 8-way
 * buckets) with 12-byte keys (struct wp_flow_key) and the connection
 * pointer as the entry's data. Owned by one lcore: created without any
 * multi-writer or RW-concurrency flag, so add/lookup/del take no locks
 * and a deleted slot is reusable at once.
 *
 * Capacity is exact: rte_hash is created with RTE_HASH_EXTRA_FLAGS_EXT_TABLE
 * (extendable buckets, so an insert never fails on cuckoo collisions
 * while key slots remain) and at least `capacity` key slots, and this
 * file counts entries itself: the capacity+1-th add is -ENOSPC, never
 * earlier or later.
 *
 * Hash: Jenkins hash of the three 32-bit words of the key with a random
 * initial value per table. The tuples come from the network; CRC32 (the
 * rte_hash default) is linear, so its collisions do not depend on the
 * seed and a peer could aim many tuples at one bucket chain.
 *
 * Names: rte_hash names are process-wide; the table's hash is named from
 * the caller's name plus a serial, so two tables never collide even if
 * the caller reuses a name. The internal name stays short enough for
 * rte_hash's ring names ("HT_EXT_<name>" within RTE_RING_NAMESIZE).
 *
 * Invariants: count == number of keys in the hash <= cap; every stored
 * value is non-NULL (NULL is "not found" to wp_flow_lookup).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_log.h>
#include <rte_random.h>

#include "flow.h"
#include "wp_mem.h"

#define FLOW_LOG(level, fmt, ...) \
	RTE_LOG(level, USER1, "warmpool.flow: " fmt "\n", ##__VA_ARGS__)

/* rte_hash refuses fewer entries than one bucket. */
#define FLOW_MIN_ENTRIES 8u
#define FLOW_MAX_ENTRIES (1u << 26)

_Static_assert(sizeof(struct wp_flow_key) == 12, "flow key must be padding-free");

struct wp_flow_table {
	struct rte_hash *h;
	uint32_t cap;
	uint32_t count;
};

static uint32_t wp_flow_serial;

static uint32_t
wp_flow_hash(const void *key, uint32_t key_len, uint32_t init_val)
{
	uint32_t w[3];

	RTE_SET_USED(key_len);
	memcpy(w, key, sizeof(w));
	return rte_jhash_3words(w[0], w[1], w[2], init_val);
}

struct wp_flow_table *
wp_flow_table_create(const char *name, uint32_t capacity, int socket)
{
	struct wp_flow_table *ft = NULL;
	char hname[RTE_HASH_NAMESIZE];
	int err;

	if (name == NULL || capacity == 0 || capacity > FLOW_MAX_ENTRIES) {
		err = EINVAL;
		goto fail;
	}
	ft = wp_zmalloc_socket("wp_flow_table", sizeof(*ft), RTE_CACHE_LINE_SIZE, socket);
	if (ft == NULL) {
		err = ENOMEM;
		goto fail;
	}
	snprintf(hname, 20, "%.11s.%x", name,
		 __atomic_fetch_add(&wp_flow_serial, 1, __ATOMIC_RELAXED));

	struct rte_hash_parameters p = {
		.name = hname,
		.entries = RTE_MAX(capacity, FLOW_MIN_ENTRIES),
		.key_len = sizeof(struct wp_flow_key),
		.hash_func = wp_flow_hash,
		.hash_func_init_val = (uint32_t)rte_rand(),
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	ft->h = rte_hash_create(&p);
	if (ft->h == NULL) {
		err = rte_errno ? rte_errno : ENOMEM;
		goto fail;
	}
	ft->cap = capacity;
	return ft;

fail:
	FLOW_LOG(ERR, "cannot create table %s (capacity %u): %s",
		 name ? name : "(null)", capacity, strerror(err));
	wp_flow_table_free(ft);
	errno = err;
	return NULL;
}

void
wp_flow_table_free(struct wp_flow_table *ft)
{
	if (ft == NULL)
		return;
	rte_hash_free(ft->h);
	wp_mfree(ft);
}

int
wp_flow_add(struct wp_flow_table *ft, const struct wp_flow_key *k, void *v)
{
	hash_sig_t sig;
	int ret;

	if (v == NULL)
		return -EINVAL;
	sig = rte_hash_hash(ft->h, k);
	if (rte_hash_lookup_with_hash(ft->h, k, sig) >= 0)
		return -EEXIST;
	if (ft->count >= ft->cap)
		return -ENOSPC;
	ret = rte_hash_add_key_with_hash_data(ft->h, k, sig, v);
	if (ret < 0)
		return ret;
	ft->count++;
	return 0;
}

void *
wp_flow_lookup(const struct wp_flow_table *ft, const struct wp_flow_key *k)
{
	void *v;

	if (rte_hash_lookup_data(ft->h, k, &v) < 0)
		return NULL;
	return v;
}

int
wp_flow_del(struct wp_flow_table *ft, const struct wp_flow_key *k)
{
	if (rte_hash_del_key(ft->h, k) < 0)
		return -ENOENT;
	ft->count--;
	return 0;
}

uint32_t
wp_flow_count(const struct wp_flow_table *ft)
{
	return ft->count;
}
