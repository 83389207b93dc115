/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the control <-> worker rings (DESIGN.md sections 1 and 6).
 *
 * Every worker owns one pair of single-producer/single-consumer rings:
 *
 *   cmd   ring  control core -> worker   struct wp_cmd        (32 bytes)
 *   telem ring  worker -> control core   struct wp_telem_rec  (64 bytes)
 *
 * Both carry fixed-size records by value (rte_ring "elem" rings), so nothing
 * is allocated or freed per message and no pointer into one core's state is
 * handed to another. The record layouts below are part of the public ABI:
 * sizes are pinned with _Static_assert, new kinds take a new enum value and
 * a new member of the payload union, never a new size.
 */
#ifndef WARMPOOL_RING_T_H
#define WARMPOOL_RING_T_H

#include <stdint.h>

#include <rte_common.h>

struct rte_ring;

/* ------------------------------------------------------------------ */
/* Commands: control core -> worker                                    */

/* Command kinds. 0..63 are reserved for the runtime; the later modules
 * (pool scaling, health probes, drain) take values from WP_CMD_USER up. */
enum wp_cmd_type {
	WP_CMD_NOP = 0,  /* does nothing; counted as handled */
	WP_CMD_PING = 1, /* worker answers with one WP_TELEM_PONG record */
	WP_CMD_STOP = 2, /* worker pushes a last counters snapshot and returns */
	/* 3..63: reserved for the runtime */
	WP_CMD_USER = 64,
};

/* One command. `seq` is chosen by the sender (the runtime numbers them per
 * worker) and echoed in whatever the command produces, e.g. a PONG. */
struct wp_cmd {
	uint16_t type;  /* enum wp_cmd_type */
	uint16_t flags; /* 0 for now */
	uint32_t seq;
	union {
		struct {
			uint64_t sent_ns; /* control clock when sent, echoed in the PONG */
		} ping;
		uint64_t u64[3];
		uint8_t raw[24];
	} args;
};
_Static_assert(sizeof(struct wp_cmd) == 32, "struct wp_cmd is 32 bytes (ABI)");

/* ------------------------------------------------------------------ */
/* Telemetry: worker -> control core                                   */

enum wp_telem_type {
	WP_TELEM_NONE = 0,
	WP_TELEM_COUNTERS = 1, /* periodic snapshot: payload.counters */
	WP_TELEM_PONG = 2,     /* answer to WP_CMD_PING: payload.pong */
	WP_TELEM_EVENT = 3,    /* one event: payload.event */
	WP_TELEM_CYCLES = 4,   /* busy/idle time, sent with every snapshot:
				* payload.cycles */
	/* 5..63: reserved for the runtime */
	WP_TELEM_USER = 64,
};

/* Event codes carried by WP_TELEM_EVENT. */
enum wp_telem_event {
	WP_EV_WORKER_STARTED = 1, /* arg[0] = lcore id, arg[1] = socket id */
	WP_EV_UNKNOWN_CMD = 2,    /* arg[0] = command type that was not understood */
	WP_EV_USER = 64,          /* and above: the application's events */
};

/* A worker's running counters. All are monotonic since the worker started
 * and written only by that worker; a snapshot is a consistent copy taken by
 * the worker itself between two loop iterations. */
struct wp_telem_counters {
	uint64_t loops;        /* loop iterations */
	uint64_t busy_polls;   /* iterations that found work (commands or poll hook) */
	uint64_t idle_polls;   /* iterations that found none */
	uint64_t sleeps;       /* idle back-off sleeps taken */
	uint64_t cmds;         /* commands handled */
	uint64_t telem_drops;  /* telemetry records dropped: ring full */
};

struct wp_telem_rec {
	uint16_t type;      /* enum wp_telem_type */
	uint16_t worker_id; /* index of the worker, 0..N-1 (not the lcore id) */
	uint32_t seq;       /* per-worker record number, gaps = drops */
	uint64_t ts_ns;     /* CLOCK_MONOTONIC nanoseconds when produced */
	union {
		struct wp_telem_counters counters;
		struct {
			uint32_t cmd_seq; /* seq of the PING being answered */
			uint32_t pad;
			uint64_t ping_sent_ns;
		} pong;
		struct {
			uint64_t busy_tsc; /* TSC cycles in loop iterations
					    * that found work */
			uint64_t idle_tsc; /* ... that found none, idle
					    * back-off and sleeps included */
			uint64_t tsc_hz;   /* rte_get_tsc_hz() */
		} cycles;
		struct {
			uint32_t code; /* enum wp_telem_event */
			uint32_t pad;
			uint64_t arg[5];
		} event;
		uint8_t raw[48];
	} u;
};
_Static_assert(sizeof(struct wp_telem_counters) == 48, "counters fill the payload");
_Static_assert(sizeof(struct wp_telem_rec) == 64, "struct wp_telem_rec is 64 bytes (ABI)");

/* ------------------------------------------------------------------ */
/* The pair                                                            */

/* The rings between the control core and one worker.
 *
 * Ownership:
 *  - `cmd`: the control core is the only producer, the worker the only
 *    consumer. `telem`: the worker is the only producer, the control core
 *    the only consumer. Breaking either rule corrupts the ring (SP/SC).
 *  - `telem_drops` is written only by the worker (the telem producer), with
 *    relaxed atomic stores; the control core may read it at any time with
 *    wp_telem_drops(). It sits on its own cache line so the worker's writes
 *    do not bounce the line the control core reads the ring pointers from.
 *  - The pair is created and freed by the control core while the worker is
 *    not running (before launch, after join).
 * Invariant: telem_drops == number of wp_telem_push() calls that returned
 * -ENOBUFS.
 */
struct wp_ring_pair {
	struct rte_ring *cmd;
	struct rte_ring *telem;
	uint32_t worker_id;
	uint32_t cmd_slots;   /* exact usable capacity of cmd */
	uint32_t telem_slots; /* exact usable capacity of telem */

	uint64_t telem_drops __rte_cache_aligned; /* worker-written */
} __rte_cache_aligned;

#endif /* WARMPOOL_RING_T_H */
