/* SPDX-License-Identifier: BSD-3-Clause */
/* Control <-> worker rings: create/free and the four burst operations.
 *
 * The operations are inline: they run on the worker's loop every iteration.
 * None of them blocks, spins or allocates. Who may call what:
 *
 *   control core: wp_cmd_send, wp_telem_drain, wp_telem_drops
 *   worker:       wp_cmd_poll, wp_telem_push
 */
#ifndef WARMPOOL_RING_H
#define WARMPOOL_RING_H

#include <errno.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <warmpool/ring-t.h>

/* Create the ring pair of worker `worker_id` on NUMA node `socket`
 * (SOCKET_ID_ANY allowed). `cmd_slots` and `telem_slots` are the exact
 * capacities (1 .. 2^28). Returns NULL and sets errno (EINVAL, ENOMEM,
 * EEXIST, ...) on failure. Control core, before the worker runs. */
struct wp_ring_pair *wp_ring_pair_create(unsigned int worker_id,
		unsigned int cmd_slots, unsigned int telem_slots, int socket);

/* Free both rings and the pair. Accepts NULL. The worker must not run. */
void wp_ring_pair_free(struct wp_ring_pair *rp);

/* Control core: queue one command. 0, or -ENOBUFS when the ring is full
 * (nothing queued; the caller decides whether to retry). Never blocks. */
static inline int
wp_cmd_send(struct wp_ring_pair *rp, const struct wp_cmd *cmd)
{
	return rte_ring_sp_enqueue_elem(rp->cmd, (void *)(uintptr_t)cmd,
			sizeof(*cmd));
}

/* Worker: take up to `max` commands in FIFO order. Returns how many. */
static inline unsigned int
wp_cmd_poll(struct wp_ring_pair *rp, struct wp_cmd *out, unsigned int max)
{
	return rte_ring_sc_dequeue_burst_elem(rp->cmd, out, sizeof(*out), max,
			NULL);
}

/* Worker: publish one record. When the ring is full the record is dropped,
 * the drop counter goes up by one and -ENOBUFS is returned: telemetry never
 * holds the data path up (DESIGN.md section 6). */
static inline int
wp_telem_push(struct wp_ring_pair *rp, const struct wp_telem_rec *rec)
{
	if (likely(rte_ring_sp_enqueue_elem(rp->telem,
			(void *)(uintptr_t)rec, sizeof(*rec)) == 0))
		return 0;
	/* single writer: a plain read-modify-write, published atomically */
	__atomic_store_n(&rp->telem_drops, rp->telem_drops + 1,
			__ATOMIC_RELAXED);
	return -ENOBUFS;
}

/* Control core: take up to `max` records in FIFO order. Returns how many. */
static inline unsigned int
wp_telem_drain(struct wp_ring_pair *rp, struct wp_telem_rec *out,
		unsigned int max)
{
	return rte_ring_sc_dequeue_burst_elem(rp->telem, out, sizeof(*out), max,
			NULL);
}

/* Any core: telemetry records this worker has dropped so far. */
static inline uint64_t
wp_telem_drops(const struct wp_ring_pair *rp)
{
	return __atomic_load_n(&rp->telem_drops, __ATOMIC_RELAXED);
}

#endif /* WARMPOOL_RING_H */
