/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP for the per-core stack (RFC 826; contracts in net_impl.h).
 *
 * What it does: answers requests for our address, learns senders that
 * talk to us, resolves next hops for IPv4 output with retried requests,
 * holds frames waiting for resolution in a bounded queue, and announces
 * our address with a gratuitous ARP at start.
 *
 * State, owned by the lcore of the struct wp_net:
 *  - a cache of conf.arp_entries slots (power of two), open addressing with
 *    linear probing and backward-shift deletion (no tombstones), filled to
 *    at most 3/4 so every probe sequence ends at a free slot; lookups,
 *    inserts and deletes are O(1) expected;
 *  - entries are PENDING (requests out, frames queued), VALID (expire
 *    conf.arp_timeout_ns after the last confirmation) or STATIC (test hook,
 *    never expire);
 *  - a pool of conf.arp_queue_max queue nodes shared by all targets; each
 *    PENDING entry keeps a FIFO list of nodes, so frames leave in the
 *    order they were queued.
 *
 * Full: resolving a new next hop when 3/4 of the slots are taken evicts
 * the VALID entry confirmed longest ago (stats.arp_evictions); pending
 * and static entries stay, and learning from requests never evicts.
 *
 * Timers: `next_due` is the earliest retry/expiry of any entry, so
 * wp_arp_timers() is one compare when nothing is due; when something is,
 * it sweeps the table once (rare: per retry interval or expiry).
 * A VALID entry used in the last stretch of its life (the time the retries
 * would take, at most half the lifetime) sends one unicast refresh request
 * so busy next hops do not expire under traffic.
 *
 * Invariants: queued == sum of list lengths == nodes not on the free list;
 * only PENDING entries have a non-empty list; used <= max_used < nslots.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include "net_impl.h"
#include "parse.h"
#include "wp_mem.h"

#define WP_ARP_NIL UINT32_MAX

enum wp_arp_state {
	WP_ARP_FREE = 0,
	WP_ARP_PENDING,
	WP_ARP_VALID,
	WP_ARP_STATIC,
};

struct wp_arp_entry {
	uint32_t ip;
	uint8_t state;
	uint8_t tries;          /* PENDING: requests sent */
	uint8_t refreshing;     /* VALID: a refresh request is out */
	uint8_t mac[6];
	int64_t due;            /* PENDING: next request; VALID: expiry */
	uint32_t qhead, qtail;  /* queued frames, WP_ARP_NIL when none */
};

struct wp_arp_qnode {
	struct rte_mbuf *m;
	uint32_t next;
};

struct wp_arp {
	uint32_t mask;
	uint32_t shift;         /* 32 - log2(nslots) */
	uint32_t used;
	uint32_t max_used;
	int64_t next_due;
	int64_t refresh_ns;     /* refresh window before expiry */
	uint32_t qfree;         /* free node list */
	uint32_t queued;
	struct wp_arp_qnode *q;
	struct wp_arp_entry e[];
};

static const uint8_t wp_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t wp_zero[6];

static inline uint32_t
wp_arp_home(const struct wp_arp *a, uint32_t ip)
{
	return (uint32_t)((ip * 2654435761u) >> a->shift) & a->mask;
}

static int64_t
wp_arp_find(const struct wp_arp *a, uint32_t ip)
{
	uint32_t i = wp_arp_home(a, ip);

	while (a->e[i].state != WP_ARP_FREE) {
		if (a->e[i].ip == ip)
			return i;
		i = (i + 1) & a->mask;
	}
	return -1;
}

/* A fresh FREE slot for `ip` (not present), or -1 when the cache is full. */
static int64_t
wp_arp_insert(struct wp_arp *a, uint32_t ip)
{
	uint32_t i;

	if (a->used >= a->max_used)
		return -1;
	i = wp_arp_home(a, ip);
	while (a->e[i].state != WP_ARP_FREE)
		i = (i + 1) & a->mask;
	memset(&a->e[i], 0, sizeof(a->e[i]));
	a->e[i].ip = ip;
	a->e[i].qhead = a->e[i].qtail = WP_ARP_NIL;
	a->used++;
	return i;
}

/* Backward-shift deletion: entries after the hole whose home slot is not
 * between the hole and themselves move into it. */
static void
wp_arp_delete(struct wp_arp *a, uint32_t i)
{
	uint32_t j = i, k;

	for (;;) {
		j = (j + 1) & a->mask;
		if (a->e[j].state == WP_ARP_FREE)
			break;
		k = wp_arp_home(a, a->e[j].ip);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		a->e[i] = a->e[j];
		i = j;
	}
	memset(&a->e[i], 0, sizeof(a->e[i]));
	a->used--;
}

static void
wp_arp_due(struct wp_arp *a, int64_t due)
{
	if (due < a->next_due)
		a->next_due = due;
}

static void
wp_arp_send(struct wp_net *net, uint16_t op, const uint8_t eth_dst[6],
	    const uint8_t tha[6], uint32_t tpa)
{
	struct rte_mbuf *m = wp_net_alloc(net);
	uint32_t ip = net->conf.ip;
	uint8_t *p;

	if (m == NULL)
		return;
	p = (uint8_t *)rte_pktmbuf_append(m, 28);
	if (p == NULL) {
		wp_net_drop(net, m, WP_DROP_NOMEM);
		return;
	}
	p[0] = 0; p[1] = 1;             /* Ethernet */
	p[2] = 0x08; p[3] = 0x00;       /* IPv4 */
	p[4] = 6; p[5] = 4;
	p[6] = 0; p[7] = (uint8_t)op;
	memcpy(p + 8, net->conf.mac, 6);
	p[14] = (uint8_t)(ip >> 24); p[15] = (uint8_t)(ip >> 16);
	p[16] = (uint8_t)(ip >> 8);  p[17] = (uint8_t)ip;
	memcpy(p + 18, tha, 6);
	p[24] = (uint8_t)(tpa >> 24); p[25] = (uint8_t)(tpa >> 16);
	p[26] = (uint8_t)(tpa >> 8);  p[27] = (uint8_t)tpa;
	if (op == 1)
		net->stats.arp_requests_sent++;
	else
		net->stats.arp_replies_sent++;
	wp_eth_output_to(net, m, eth_dst, WP_ETHERTYPE_ARP);
}

/* Send the frames queued on entry `i` to its (now known) MAC, in order. */
static void
wp_arp_release(struct wp_net *net, uint32_t i)
{
	struct wp_arp *a = net->arp;
	uint32_t n = a->e[i].qhead, next;
	uint8_t mac[6];

	memcpy(mac, a->e[i].mac, 6);
	a->e[i].qhead = a->e[i].qtail = WP_ARP_NIL;
	while (n != WP_ARP_NIL) {
		struct rte_mbuf *m = a->q[n].m;

		next = a->q[n].next;
		a->q[n].m = NULL;
		a->q[n].next = a->qfree;
		a->qfree = n;
		a->queued--;
		wp_eth_output_to(net, m, mac, WP_ETHERTYPE_IPV4);
		n = next;
	}
}

/* Drop the frames queued on entry `i` (resolution failed). */
static void
wp_arp_discard(struct wp_net *net, uint32_t i, enum wp_net_drop why)
{
	struct wp_arp *a = net->arp;
	uint32_t n = a->e[i].qhead, next;

	a->e[i].qhead = a->e[i].qtail = WP_ARP_NIL;
	while (n != WP_ARP_NIL) {
		next = a->q[n].next;
		if (why < WP_DROP__COUNT)
			wp_net_drop(net, a->q[n].m, why);
		else
			rte_pktmbuf_free(a->q[n].m);
		a->q[n].m = NULL;
		a->q[n].next = a->qfree;
		a->qfree = n;
		a->queued--;
		n = next;
	}
}

int
wp_arp_create(struct wp_net *net)
{
	const struct wp_net_conf *c = &net->conf;
	uint32_t n = c->arp_entries, i, bits = 0;
	size_t sz = sizeof(struct wp_arp) + (size_t)n * sizeof(struct wp_arp_entry);
	struct wp_arp *a;

	a = wp_zmalloc_socket("wp_arp", sz + (size_t)c->arp_queue_max * sizeof(struct wp_arp_qnode),
			      RTE_CACHE_LINE_SIZE, net->socket);
	if (a == NULL)
		return -ENOMEM;
	while ((1u << bits) < n)
		bits++;
	a->mask = n - 1;
	a->shift = 32 - bits;
	a->max_used = n - n / 4;
	a->next_due = INT64_MAX;
	a->refresh_ns = c->arp_retry_ns * c->arp_retries;
	if (a->refresh_ns > c->arp_timeout_ns / 2)
		a->refresh_ns = c->arp_timeout_ns / 2;
	a->q = (struct wp_arp_qnode *)((uint8_t *)a + sz);
	for (i = 0; i < c->arp_queue_max; i++)
		a->q[i].next = i + 1 < c->arp_queue_max ? i + 1 : WP_ARP_NIL;
	a->qfree = 0;
	net->arp = a;
	return 0;
}

void
wp_arp_free(struct wp_net *net)
{
	struct wp_arp *a = net->arp;
	uint32_t i;

	if (a == NULL)
		return;
	for (i = 0; i <= a->mask; i++)
		if (a->e[i].state == WP_ARP_PENDING)
			wp_arp_discard(net, i, WP_DROP__COUNT);   /* free, not a drop */
	wp_mfree(a);
	net->arp = NULL;
}

uint32_t
wp_arp_mbufs_held(const struct wp_net *net)
{
	return net->arp ? net->arp->queued : 0;
}

void
wp_arp_announce(struct wp_net *net)
{
	wp_arp_send(net, 1, wp_bcast, wp_zero, net->conf.ip);
}

int
wp_arp_add_static(struct wp_net *net, uint32_t ip, const uint8_t mac[6])
{
	struct wp_arp *a = net->arp;
	int64_t i = wp_arp_find(a, ip);
	uint8_t was;

	if (i < 0)
		i = wp_arp_insert(a, ip);
	if (i < 0)
		return -ENOSPC;
	was = a->e[i].state;
	a->e[i].state = WP_ARP_STATIC;
	memcpy(a->e[i].mac, mac, 6);
	if (was == WP_ARP_PENDING)
		wp_arp_release(net, (uint32_t)i);
	return 0;
}

/* Queue `m` on entry `i`; the caller checked there is a free node. */
static void
wp_arp_enqueue(struct wp_arp *a, uint32_t i, struct rte_mbuf *m)
{
	uint32_t n = a->qfree;

	a->qfree = a->q[n].next;
	a->q[n].m = m;
	a->q[n].next = WP_ARP_NIL;
	if (a->e[i].qtail == WP_ARP_NIL)
		a->e[i].qhead = n;
	else
		a->q[a->e[i].qtail].next = n;
	a->e[i].qtail = n;
	a->queued++;
}

/* The cache is full (3/4 of its slots) of entries that are alive: make
 * room for a next hop we must resolve now by dropping the VALID entry
 * confirmed longest ago (the earliest expiry). PENDING entries hold
 * frames and STATIC ones are configuration, so neither goes. A linear
 * scan, but only on this path: a cache sized for its next hops never
 * takes it. Learning a sender that merely talks to us never evicts (an
 * ARP flood must not push out the next hops we use). */
static bool
wp_arp_evict(struct wp_net *net)
{
	struct wp_arp *a = net->arp;
	uint32_t i, victim = WP_ARP_NIL;

	for (i = 0; i <= a->mask; i++)
		if (a->e[i].state == WP_ARP_VALID &&
		    (victim == WP_ARP_NIL || a->e[i].due < a->e[victim].due))
			victim = i;
	if (victim == WP_ARP_NIL)
		return false;
	wp_arp_delete(a, victim);
	net->stats.arp_evictions++;
	return true;
}

int
wp_arp_resolve(struct wp_net *net, uint32_t ip, struct rte_mbuf *m, uint8_t mac[6])
{
	struct wp_arp *a = net->arp;
	int64_t now = net->now, i = wp_arp_find(a, ip);
	struct wp_arp_entry *e;

	if (i >= 0) {
		e = &a->e[i];
		if (e->state == WP_ARP_STATIC) {
			memcpy(mac, e->mac, 6);
			return 0;
		}
		if (e->state == WP_ARP_VALID && now < e->due) {
			memcpy(mac, e->mac, 6);
			if (!e->refreshing && now >= e->due - a->refresh_ns) {
				e->refreshing = 1;
				wp_arp_send(net, 1, e->mac, wp_zero, ip);
			}
			return 0;
		}
	}
	if (a->qfree == WP_ARP_NIL) {
		wp_net_drop(net, m, WP_DROP_ARP_QUEUE_FULL);
		return -ENOBUFS;
	}
	if (i < 0) {
		i = wp_arp_insert(a, ip);
		if (i < 0 && wp_arp_evict(net))
			i = wp_arp_insert(a, ip);
		if (i < 0) {    /* full of pending and static entries */
			wp_net_drop(net, m, WP_DROP_ARP_QUEUE_FULL);
			return -ENOBUFS;
		}
	}
	e = &a->e[i];
	wp_arp_enqueue(a, (uint32_t)i, m);
	if (e->state != WP_ARP_PENDING) {   /* new, or VALID but expired */
		e->state = WP_ARP_PENDING;
		e->refreshing = 0;
		e->tries = 1;
		e->due = now + net->conf.arp_retry_ns;
		wp_arp_due(a, e->due);
		wp_arp_send(net, 1, wp_bcast, wp_zero, ip);
	}
	return -EAGAIN;
}

#define WP_ARP_GIVEUP_BATCH 16

void
wp_arp_timers(struct wp_net *net, int64_t now)
{
	struct wp_arp *a = net->arp;
	uint32_t giveup[WP_ARP_GIVEUP_BATCH], ngiveup = 0, i = 0, k;
	int64_t next = INT64_MAX;
	struct wp_arp_entry *e;

	if (now < a->next_due)
		return;
	a->next_due = INT64_MAX;
	while (i <= a->mask) {
		e = &a->e[i];
		if (e->state == WP_ARP_PENDING && e->due <= now) {
			if (e->tries < net->conf.arp_retries) {
				e->tries++;
				e->due = now + net->conf.arp_retry_ns;
				wp_arp_send(net, 1, wp_bcast, wp_zero, e->ip);
			} else if (ngiveup < WP_ARP_GIVEUP_BATCH) {
				giveup[ngiveup++] = e->ip;
				wp_arp_discard(net, i, WP_DROP_ARP_UNRESOLVED);
				wp_arp_delete(a, i);
				continue;       /* slot i now holds a shifted entry */
			} else {
				next = now;     /* the rest next call */
			}
		} else if (e->state == WP_ARP_VALID && e->due <= now) {
			wp_arp_delete(a, i);
			continue;
		}
		if (e->state == WP_ARP_PENDING || e->state == WP_ARP_VALID)
			if (e->due < next)
				next = e->due;
		i++;
	}
	wp_arp_due(a, next);
	/* after the sweep: TCP may connect again, which inserts entries */
	for (k = 0; k < ngiveup; k++)
		wp_tcp_unreachable(net, giveup[k]);
}

void
wp_arp_input(struct wp_net *net, struct rte_mbuf *m)
{
	struct wp_arp *a = net->arp;
	const uint32_t us = net->conf.ip;
	struct wp_arp_view v;
	uint8_t sha[6];
	bool merged = false;
	int64_t i;
	int rc;

	rc = wp_parse_arp(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), &v);
	if (rc != WP_PARSE_OK) {
		wp_net_drop(net, m, rc == WP_DROP_ARP_SHORT && m->pkt_len >= 28 ?
			    WP_DROP_MULTISEG : (enum wp_net_drop)rc);
		return;
	}
	memcpy(sha, v.sha, 6);
	if ((sha[0] & 1) || memcmp(sha, wp_zero, 6) == 0 ||
	    memcmp(sha, net->conf.mac, 6) == 0) {
		wp_net_drop(net, m, WP_DROP_ARP_BAD);
		return;
	}
	if (v.spa == us) {
		RTE_LOG(WARNING, USER1, "wp_net[%u]: address conflict: %u.%u.%u.%u claimed by "
			"%02x:%02x:%02x:%02x:%02x:%02x\n", net->conf.worker,
			us >> 24, (us >> 16) & 0xff, (us >> 8) & 0xff, us & 0xff,
			sha[0], sha[1], sha[2], sha[3], sha[4], sha[5]);
		wp_net_drop(net, m, WP_DROP_ARP_BAD);
		return;
	}
	/* RFC 826 merge: refresh what we already know about the sender */
	if (v.spa != 0) {
		i = wp_arp_find(a, v.spa);
		if (i >= 0 && a->e[i].state != WP_ARP_STATIC) {
			struct wp_arp_entry *e = &a->e[i];
			bool was_pending = e->state == WP_ARP_PENDING;

			memcpy(e->mac, sha, 6);
			e->state = WP_ARP_VALID;
			e->refreshing = 0;
			e->due = net->now + net->conf.arp_timeout_ns;
			wp_arp_due(a, e->due);
			if (was_pending)
				wp_arp_release(net, (uint32_t)i);
		}
		merged = i >= 0;
	}
	if (v.tpa != us) {
		if (merged)
			rte_pktmbuf_free(m);    /* used: refreshed an entry */
		else
			wp_net_drop(net, m, WP_DROP_ARP_NOT_US);
		return;
	}
	/* learn senders that talk to us, if on-link and sane */
	if (!merged && v.spa != 0 && ((v.spa ^ us) & net->netmask) == 0 &&
	    (v.spa & ~net->netmask) != ~net->netmask) {
		i = wp_arp_insert(a, v.spa);
		if (i >= 0) {
			a->e[i].state = WP_ARP_VALID;
			memcpy(a->e[i].mac, sha, 6);
			a->e[i].due = net->now + net->conf.arp_timeout_ns;
			wp_arp_due(a, a->e[i].due);
		}
	}
	if (v.op == 1)
		wp_arp_send(net, 2, sha, sha, v.spa);
	rte_pktmbuf_free(m);
}
