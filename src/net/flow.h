/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core flow table: 4-tuple -> connection, O(1) lookup
 * (DESIGN.md section 3). Owned by one lcore; no locks.
 */
#ifndef WP_NET_FLOW_H
#define WP_NET_FLOW_H

#include <stdint.h>

/* Host byte order. Padding-free (12 bytes) so it can be hashed as bytes. */
struct wp_flow_key {
	uint32_t rip;
	uint32_t lip;
	uint16_t rport;
	uint16_t lport;
};

struct wp_flow_table;

/* `name` must be unique among live tables (e.g. "wp_flow_w3"). */
struct wp_flow_table *wp_flow_table_create(const char *name, uint32_t capacity, int socket);
void wp_flow_table_free(struct wp_flow_table *ft);
/* -EEXIST, -ENOSPC; -EINVAL if v is NULL (lookup's "not found"). */
int wp_flow_add(struct wp_flow_table *ft, const struct wp_flow_key *k, void *v);
void *wp_flow_lookup(const struct wp_flow_table *ft, const struct wp_flow_key *k);
/* -ENOENT. */
int wp_flow_del(struct wp_flow_table *ft, const struct wp_flow_key *k);
uint32_t wp_flow_count(const struct wp_flow_table *ft);

#endif /* WP_NET_FLOW_H */
