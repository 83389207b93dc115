/* SPDX-License-Identifier: BSD-3-Clause */
/* Handoff rings: frames that landed on a worker that does not own them go
 * to their owner, by pointer, over one single-producer/single-consumer
 * rte_ring per ordered pair of workers (DESIGN.md section 4).
 *
 * Why one ring per pair: each ring then has exactly one producer (the
 * landing worker) and one consumer (the owner), so enqueue and dequeue
 * are the lock-free SP/SC paths, and the frames of one flow - which land
 * on one queue - keep their order. n workers need n*(n-1) rings; at 1024
 * slots that is 8 KiB each, fine for the core counts of one server.
 *
 * A full ring frees the frame and counts it (ring_full, dropped[peer]):
 * the data path never waits on another core. TCP recovers the loss.
 *
 * Ownership: struct wp_handoff is built and freed on the main lcore; while
 * workers run, ring[from][to] is written only by `from` and read only by
 * `to`. struct wp_steer_worker belongs to its worker; its counters are
 * read by others only through telemetry (or after the worker stopped).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <warmpool/steer.h>

#include "steer_impl.h"
#include "wp_mem.h"

#define STEER_STAGE 64   /* frames staged per destination before a flush */

struct wp_handoff {
	unsigned n;
	struct rte_ring *ring[];  /* [from * n + to], NULL where from == to */
};

/* Owned by worker `self`. Invariant between calls: every nout[] is 0. */
struct wp_steer_worker {
	unsigned self;
	unsigned n;
	struct wp_handoff *h;
	unsigned next_peer;                       /* drain starts here */
	const struct wp_rss *rss[RTE_MAX_ETHPORTS];
	struct wp_steer_stats st;
	struct wp_handoff_stats hs;
	uint16_t nout[WP_STEER_MAX_WORKERS];
	struct rte_mbuf *out[WP_STEER_MAX_WORKERS][STEER_STAGE];
} __rte_cache_aligned;

static struct rte_ring *
ring_of(const struct wp_handoff *h, unsigned from, unsigned to)
{
	return h->ring[from * h->n + to];
}

struct wp_handoff *
wp_handoff_create(unsigned nworkers, unsigned slots, int socket)
{
	struct wp_handoff *h;
	char name[RTE_RING_NAMESIZE];
	static unsigned gen;   /* ring names are global to the process */

	if (nworkers == 0 || nworkers > WP_STEER_MAX_WORKERS) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (slots == 0)
		slots = 1024;
	if ((slots & (slots - 1)) != 0 || slots < 2) {
		rte_errno = EINVAL;
		return NULL;
	}
	h = wp_zmalloc_socket("wp_handoff", sizeof(*h) + sizeof(h->ring[0]) * nworkers * nworkers,
			      RTE_CACHE_LINE_SIZE, socket);
	if (h == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	h->n = nworkers;
	gen++;
	for (unsigned f = 0; f < nworkers; f++)
		for (unsigned t = 0; t < nworkers; t++) {
			if (f == t)
				continue;
			snprintf(name, sizeof(name), "wp_ho%u_%u_%u", gen, f, t);
			/* RING_F_EXACT_SZ would round up: slots is a power of two,
			 * so the usable count is slots - 1 */
			h->ring[f * nworkers + t] = rte_ring_create(name, slots, socket,
						RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (h->ring[f * nworkers + t] == NULL) {
				int err = rte_errno;

				wp_handoff_free(h, NULL);
				rte_errno = err;
				return NULL;
			}
		}
	return h;
}

void
wp_handoff_free(struct wp_handoff *h, unsigned *left)
{
	unsigned freed = 0;
	void *m;

	if (h == NULL) {
		if (left != NULL)
			*left = 0;
		return;
	}
	for (unsigned i = 0; i < h->n * h->n; i++) {
		if (h->ring[i] == NULL)
			continue;
		while (rte_ring_sc_dequeue(h->ring[i], &m) == 0) {
			rte_pktmbuf_free(m);
			freed++;
		}
		rte_ring_free(h->ring[i]);
	}
	wp_mfree(h);
	if (left != NULL)
		*left = freed;
}

struct wp_steer_worker *
wp_steer_worker_create(struct wp_handoff *h, unsigned worker, int socket)
{
	struct wp_steer_worker *sw;

	if (h == NULL || worker >= h->n) {
		rte_errno = EINVAL;
		return NULL;
	}
	sw = wp_zmalloc_socket("wp_steer_worker", sizeof(*sw), RTE_CACHE_LINE_SIZE, socket);
	if (sw == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	sw->self = worker;
	sw->n = h->n;
	sw->h = h;
	sw->next_peer = (worker + 1) % h->n;
	return sw;
}

int
wp_steer_worker_add_port(struct wp_steer_worker *sw, uint16_t port_id, const struct wp_rss *rss)
{
	if (sw == NULL || rss == NULL || port_id >= RTE_MAX_ETHPORTS ||
	    wp_rss_workers(rss) != sw->n)
		return -EINVAL;
	sw->rss[port_id] = rss;
	return 0;
}

void
wp_steer_worker_free(struct wp_steer_worker *sw)
{
	wp_mfree(sw);
}

/* Enqueue what is staged for `to`; a full ring frees and counts the rest. */
static void
flush_to(struct wp_steer_worker *sw, unsigned to)
{
	unsigned n = sw->nout[to], k;

	k = rte_ring_sp_enqueue_burst(ring_of(sw->h, sw->self, to), (void **)sw->out[to], n,
				      NULL);
	sw->hs.sent[to] += k;
	sw->st.handed_off += k;
	if (k < n) {
		rte_pktmbuf_free_bulk(sw->out[to] + k, n - k);
		sw->hs.dropped[to] += n - k;
		sw->st.ring_full += n - k;
	}
	sw->nout[to] = 0;
}

static void
copy_to_all(struct wp_steer_worker *sw, struct rte_mbuf *m)
{
	for (unsigned p = 0; p < sw->n; p++) {
		struct rte_mbuf *c;

		if (p == sw->self)
			continue;
		c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (c == NULL) {
			sw->st.copy_lost++;
			continue;
		}
		if (rte_ring_sp_enqueue(ring_of(sw->h, sw->self, p), c) != 0) {
			rte_pktmbuf_free(c);
			sw->hs.dropped[p]++;
			sw->st.copy_lost++;
			continue;
		}
		sw->hs.sent[p]++;
		sw->st.copies++;
	}
}

uint16_t
wp_steer_rx(struct wp_steer_worker *sw, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t kept = 0;
	uint64_t staged = 0;    /* bit per destination with frames staged */

	sw->st.landed += n;
	if (sw->n == 1) {
		sw->st.local += n;
		return n;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct wp_rss *rss = m->port < RTE_MAX_ETHPORTS ? sw->rss[m->port] : NULL;
		int o = WP_STEER_LOCAL;

		if (rss != NULL)
			o = wp_steer_owner(rss, rte_pktmbuf_mtod(m, const uint8_t *),
					   rte_pktmbuf_data_len(m));
		if (o == WP_STEER_ALL)
			copy_to_all(sw, m);
		if (o < 0 || (unsigned)o == sw->self) {
			pkts[kept++] = m;
			continue;
		}
		sw->out[o][sw->nout[o]++] = m;
		staged |= 1ULL << o;
		if (sw->nout[o] == STEER_STAGE)
			flush_to(sw, (unsigned)o);
	}
	while (staged != 0) {
		unsigned to = (unsigned)__builtin_ctzll(staged);

		staged &= staged - 1;
		if (sw->nout[to] > 0)
			flush_to(sw, to);
	}
	sw->st.local += kept;
	return kept;
}

uint16_t
wp_steer_drain(struct wp_steer_worker *sw, struct rte_mbuf **pkts, uint16_t max)
{
	uint16_t got = 0;
	unsigned p = sw->next_peer;

	if (sw->n == 1)
		return 0;
	for (unsigned i = 0; i < sw->n && got < max; i++, p = (p + 1) % sw->n) {
		unsigned k;

		if (p == sw->self)
			continue;
		k = rte_ring_sc_dequeue_burst(ring_of(sw->h, p, sw->self), (void **)(pkts + got),
					      max - got, NULL);
		sw->hs.received[p] += k;
		got = (uint16_t)(got + k);
	}
	/* the next call starts with the peer after this one's first */
	sw->next_peer = (sw->next_peer + 1) % sw->n;
	sw->st.from_peers += got;
	return got;
}

void
wp_steer_worker_stats(const struct wp_steer_worker *sw, struct wp_steer_stats *st,
		      struct wp_handoff_stats *hs)
{
	if (st != NULL)
		*st = sw->st;
	if (hs != NULL)
		*hs = sw->hs;
}
