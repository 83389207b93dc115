/* SPDX-License-Identifier: BSD-3-Clause */
/* Control <-> worker ring pairs (DESIGN.md sections 1 and 6).
 *
 * Each worker gets two rte_rings of fixed-size elements: commands from the
 * control core and telemetry records back to it. Both are SP/SC because
 * each has exactly one producer core and one consumer core; that keeps
 * enqueue and dequeue to a couple of loads and stores with no CAS loop.
 *
 * The rings are created with RING_F_EXACT_SZ so that the capacity asked for
 * is the capacity obtained: "a full ring drops and counts" is then exact and
 * testable, at the cost of rounding the allocation up to a power of two.
 *
 * What this file does not do: it does not interpret records (the runtime
 * and, later, src/telemetry/ do), it does not retry a full command ring
 * (the caller chooses), and it never blocks. The hot operations are inline
 * in include/warmpool/ring.h; this file only creates and frees.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <warmpool/ring.h>

#include "wp_mem.h"

/* rte_ring's largest exact size. */
#define WP_RING_MAX_SLOTS (1u << 28)

/* Ring names are process-wide in DPDK; a serial keeps two pairs for the
 * same worker id (e.g. two runtimes in one test process) apart. */
static uint32_t wp_ring_serial;

static struct rte_ring *
wp_ring_make(const char *kind, unsigned int worker_id, uint32_t serial,
		unsigned int esize, unsigned int slots, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "wp%s%u.%u", kind, worker_id, serial);
	return rte_ring_create_elem(name, esize, slots, socket,
			RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
}

struct wp_ring_pair *
wp_ring_pair_create(unsigned int worker_id, unsigned int cmd_slots,
		unsigned int telem_slots, int socket)
{
	struct wp_ring_pair *rp = NULL;
	uint32_t serial;
	int err;

	if (cmd_slots == 0 || telem_slots == 0 ||
	    cmd_slots > WP_RING_MAX_SLOTS || telem_slots > WP_RING_MAX_SLOTS ||
	    worker_id > UINT16_MAX) {
		err = EINVAL;
		goto fail;
	}

	rp = wp_zmalloc_socket("wp_ring_pair", sizeof(*rp), RTE_CACHE_LINE_SIZE,
			socket);
	if (rp == NULL) {
		err = ENOMEM;
		goto fail;
	}
	rp->worker_id = worker_id;
	rp->cmd_slots = cmd_slots;
	rp->telem_slots = telem_slots;

	serial = __atomic_fetch_add(&wp_ring_serial, 1, __ATOMIC_RELAXED);
	rp->cmd = wp_ring_make("c", worker_id, serial, sizeof(struct wp_cmd),
			cmd_slots, socket);
	if (rp->cmd == NULL) {
		err = rte_errno ? rte_errno : ENOMEM;
		goto fail;
	}
	rp->telem = wp_ring_make("t", worker_id, serial,
			sizeof(struct wp_telem_rec), telem_slots, socket);
	if (rp->telem == NULL) {
		err = rte_errno ? rte_errno : ENOMEM;
		goto fail;
	}
	return rp;

fail:
	wp_ring_pair_free(rp);
	errno = err;
	return NULL;
}

void
wp_ring_pair_free(struct wp_ring_pair *rp)
{
	if (rp == NULL)
		return;
	rte_ring_free(rp->cmd);
	rte_ring_free(rp->telem);
	wp_mfree(rp);
}
