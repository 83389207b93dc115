/* SPDX-License-Identifier: BSD-3-Clause */
/* Seeded impairment stage of the port layer (contract in port.h;
 * DESIGN.md section 8: this kernel has no netem).
 *
 * What it does to each frame, in this order, each decided by a splitmix64
 * generator seeded from conf.seed (same seed + same input frames = same
 * faults, so a failing run can be replayed):
 *   drop      -> freed, counted;
 *   corrupt   -> one random bit flipped after the Ethernet header, within
 *                the first segment (a private copy is made first if the
 *                segment is shared, so a retransmission queue never sees
 *                the damage);
 *   duplicate -> a deep copy (rte_pktmbuf_copy) follows the original
 *                through the delay stage; no mbuf = counted as overflow;
 *   reorder   -> the frame is held until 1..3 later frames have left (or
 *                until delay + jitter + 1 ms passed, so a lull in traffic
 *                does not strand it);
 *   delay     -> delay_ns + U[0, jitter_ns]; frames wait in a binary
 *                min-heap ordered by (release time, arrival number), so
 *                jitter reorders naturally and equal times keep order.
 * Held frames (heap + reorder list) never exceed max_held; a frame that
 * finds no room passes through at once and counts as overflow.
 *
 * Ownership: one stage per queue direction, owned by the worker's lcore.
 * Invariant (nothing freed by wp_impair_free): frames out ==
 * seen - dropped + duplicated - held.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include <warmpool/port.h>

#include "wp_mem.h"

#define WP_IMPAIR_DEFAULT_HELD 256
#define WP_IMPAIR_REORDER_MAX  16
#define WP_IMPAIR_REORDER_CAP_NS 1000000LL   /* 1 ms beyond delay + jitter */

struct wp_impair_slot {
	int64_t release;
	uint64_t order;
	struct rte_mbuf *m;
};

struct wp_impair_rslot {
	struct rte_mbuf *m;
	int64_t deadline;
	uint32_t wait;          /* frames still to leave before this one */
};

struct wp_impair {
	struct wp_impair_conf conf;
	uint64_t rng;
	uint64_t order;         /* arrival counter */
	struct wp_impair_stats st;
	uint32_t nheap;
	uint32_t nreorder;
	struct wp_impair_rslot reorder[WP_IMPAIR_REORDER_MAX];
	struct wp_impair_slot heap[];   /* conf.max_held */
};

/* splitmix64 (Steele, Lea, Flood 2014): tiny, seedable, good enough for
 * fault injection. */
static inline uint64_t
wp_impair_rand(struct wp_impair *imp)
{
	uint64_t z = (imp->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* True with probability ppm / 1e6. */
static inline bool
wp_impair_chance(struct wp_impair *imp, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	return ((wp_impair_rand(imp) >> 32) * 1000000ull >> 32) < ppm;
}

/* U[0, n] */
static inline uint64_t
wp_impair_upto(struct wp_impair *imp, uint64_t n)
{
	return n == UINT64_MAX ? wp_impair_rand(imp) : wp_impair_rand(imp) % (n + 1);
}

bool
wp_impair_active(const struct wp_impair_conf *c)
{
	return c != NULL && (c->drop_ppm || c->dup_ppm || c->reorder_ppm || c->corrupt_ppm ||
			     c->delay_ns > 0 || c->jitter_ns > 0);
}

struct wp_impair *
wp_impair_create(const struct wp_impair_conf *conf, int socket)
{
	struct wp_impair *imp;
	uint32_t held;

	if (conf == NULL || conf->drop_ppm > 1000000 || conf->dup_ppm > 1000000 ||
	    conf->reorder_ppm > 1000000 || conf->corrupt_ppm > 1000000 ||
	    conf->delay_ns < 0 || conf->jitter_ns < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	held = conf->max_held ? conf->max_held : WP_IMPAIR_DEFAULT_HELD;
	imp = wp_zmalloc_socket("wp_impair", sizeof(*imp) + held * sizeof(imp->heap[0]),
				RTE_CACHE_LINE_SIZE, socket);
	if (imp == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	imp->conf = *conf;
	imp->conf.max_held = (uint16_t)held;
	imp->rng = conf->seed;
	return imp;
}

void
wp_impair_free(struct wp_impair *imp)
{
	uint32_t i;

	if (imp == NULL)
		return;
	for (i = 0; i < imp->nheap; i++)
		rte_pktmbuf_free(imp->heap[i].m);
	for (i = 0; i < imp->nreorder; i++)
		rte_pktmbuf_free(imp->reorder[i].m);
	wp_mfree(imp);
}

void
wp_impair_stats(const struct wp_impair *imp, struct wp_impair_stats *out)
{
	*out = imp->st;
	out->held = imp->nheap + imp->nreorder;
}

/* ---- the delay heap ---- */

static inline bool
wp_slot_before(const struct wp_impair_slot *a, const struct wp_impair_slot *b)
{
	return a->release < b->release || (a->release == b->release && a->order < b->order);
}

static void
wp_heap_push(struct wp_impair *imp, struct rte_mbuf *m, int64_t release, uint64_t order)
{
	uint32_t i = imp->nheap++, p;
	struct wp_impair_slot s = { .release = release, .order = order, .m = m };

	while (i > 0) {
		p = (i - 1) / 2;
		if (!wp_slot_before(&s, &imp->heap[p]))
			break;
		imp->heap[i] = imp->heap[p];
		i = p;
	}
	imp->heap[i] = s;
}

static struct rte_mbuf *
wp_heap_pop(struct wp_impair *imp)
{
	struct rte_mbuf *m = imp->heap[0].m;
	struct wp_impair_slot last = imp->heap[--imp->nheap];
	uint32_t i = 0, c, n = imp->nheap;

	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && wp_slot_before(&imp->heap[c + 1], &imp->heap[c]))
			c++;
		if (!wp_slot_before(&imp->heap[c], &last))
			break;
		imp->heap[i] = imp->heap[c];
		i = c;
	}
	if (n > 0)
		imp->heap[i] = last;
	return m;
}

static inline uint32_t
wp_impair_held(const struct wp_impair *imp)
{
	return imp->nheap + imp->nreorder;
}

/* ---- output ---- */

struct wp_impair_out {
	struct rte_mbuf **v;
	uint16_t n, max;
};

/* Put `m` in the output; each frame that leaves counts down the frames
 * waiting in the reorder list, which leave when their count reaches 0. */
static void
wp_impair_emit(struct wp_impair *imp, struct wp_impair_out *o, struct rte_mbuf *m, int64_t now)
{
	uint32_t i;

	if (o->n >= o->max) {
		/* the caller gave too little room: keep it for the next call */
		if (wp_impair_held(imp) < imp->conf.max_held) {
			wp_heap_push(imp, m, now, imp->order++);
		} else {
			rte_pktmbuf_free(m);
			imp->st.dropped++;
		}
		return;
	}
	o->v[o->n++] = m;
	for (i = 0; i < imp->nreorder;) {
		if (imp->reorder[i].wait > 0 && --imp->reorder[i].wait == 0) {
			struct rte_mbuf *r = imp->reorder[i].m;

			imp->reorder[i] = imp->reorder[--imp->nreorder];
			wp_impair_emit(imp, o, r, now);
			i = 0;          /* the list changed: rescan */
			continue;
		}
		i++;
	}
}

/* Delay or pass one frame. */
static void
wp_impair_schedule(struct wp_impair *imp, struct wp_impair_out *o, struct rte_mbuf *m,
		   int64_t now)
{
	int64_t d = imp->conf.delay_ns;

	if (imp->conf.jitter_ns > 0)
		d += (int64_t)wp_impair_upto(imp, (uint64_t)imp->conf.jitter_ns);
	if (d <= 0) {
		wp_impair_emit(imp, o, m, now);
		return;
	}
	if (wp_impair_held(imp) >= imp->conf.max_held) {
		imp->st.overflow++;
		wp_impair_emit(imp, o, m, now);
		return;
	}
	imp->st.delayed++;
	wp_heap_push(imp, m, now + d, imp->order++);
}

/* Flip one bit after the Ethernet header, in the first segment. Returns
 * the (possibly copied) frame. */
static struct rte_mbuf *
wp_impair_corrupt(struct wp_impair *imp, struct rte_mbuf *m)
{
	uint64_t r = wp_impair_rand(imp);
	uint32_t span;

	if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

		if (c == NULL) {
			imp->st.overflow++;
			return m;       /* left intact */
		}
		rte_pktmbuf_free(m);
		m = c;
	}
	if (m->data_len <= 14)
		return m;
	span = (uint32_t)m->data_len - 14;
	rte_pktmbuf_mtod(m, uint8_t *)[14 + (r >> 3) % span] ^= (uint8_t)(1u << (r & 7));
	/* whatever the NIC verified is no longer true */
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	imp->st.corrupted++;
	return m;
}

uint16_t
wp_impair_apply(struct wp_impair *imp, struct rte_mbuf **in, uint16_t n,
		struct rte_mbuf **out, uint16_t max_out, int64_t now)
{
	struct wp_impair_out o = { .v = out, .n = 0, .max = max_out };
	const struct wp_impair_conf *c = &imp->conf;
	uint16_t i;
	uint32_t k;

	/* frames whose time has come, oldest release first; stop when `out`
	 * is full, or emit would push the frame straight back (due now) and
	 * this loop would pop it forever */
	while (imp->nheap > 0 && imp->heap[0].release <= now && o.n < o.max)
		wp_impair_emit(imp, &o, wp_heap_pop(imp), now);

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i], *dup = NULL;

		imp->st.seen++;
		if (wp_impair_chance(imp, c->drop_ppm)) {
			rte_pktmbuf_free(m);
			imp->st.dropped++;
			continue;
		}
		if (wp_impair_chance(imp, c->corrupt_ppm))
			m = wp_impair_corrupt(imp, m);
		if (wp_impair_chance(imp, c->dup_ppm)) {
			dup = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (dup == NULL)
				imp->st.overflow++;
			else
				imp->st.duplicated++;
		}
		if (wp_impair_chance(imp, c->reorder_ppm)) {
			uint32_t wait = 1 + (uint32_t)wp_impair_upto(imp, 2);

			if (imp->nreorder < WP_IMPAIR_REORDER_MAX &&
			    wp_impair_held(imp) < c->max_held) {
				struct wp_impair_rslot *r = &imp->reorder[imp->nreorder++];

				r->m = m;
				r->wait = wait;
				r->deadline = now + c->delay_ns + c->jitter_ns +
					      WP_IMPAIR_REORDER_CAP_NS;
				imp->st.reordered++;
				m = NULL;
			} else {
				imp->st.overflow++;
			}
		}
		if (m != NULL)
			wp_impair_schedule(imp, &o, m, now);
		if (dup != NULL)
			wp_impair_schedule(imp, &o, dup, now);
	}

	/* reordered frames that waited long enough for followers */
	for (k = 0; k < imp->nreorder;) {
		if (imp->reorder[k].deadline <= now) {
			struct rte_mbuf *r = imp->reorder[k].m;

			imp->reorder[k] = imp->reorder[--imp->nreorder];
			imp->reorder[imp->nreorder].m = NULL;
			wp_impair_emit(imp, &o, r, now);
			k = 0;
			continue;
		}
		k++;
	}
	return o.n;
}
