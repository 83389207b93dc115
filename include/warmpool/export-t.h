/* SPDX-License-Identifier: BSD-3-Clause */
/* The telemetry export ring: binary layout of the shared-memory file
 * (DESIGN.md section 6). This header is the contract for readers in any
 * language; it has no dependency but <stdint.h>.
 *
 * File layout (all integers little-endian, the writer's native order on
 * x86-64; offsets in bytes):
 *
 *   0                        struct wp_export_hdr   (WP_EXPORT_HDR_SIZE)
 *   hdr_size + i * rec_size  slot i, struct wp_export_rec, i < capacity
 *
 * File size is exactly hdr_size + capacity * rec_size. A reader must check
 * magic, version, hdr_size, rec_size, capacity (a power of two, >= 2) and the
 * file size before touching a slot, and refuse the file otherwise.
 *
 * One writer (the control core of warmpoold), any number of readers, who
 * map the file read-only and never write to it. The ring overwrites the
 * oldest record: record number n (0, 1, 2, ...) goes to slot
 * n & (capacity - 1).
 *
 * Publishing record n (the writer):
 *   1. slot.seq = 0                         (plain store)
 *   2. release fence
 *   3. write every other byte of the slot
 *   4. slot.seq = n + 1                     (store-release)
 *   5. hdr.write_seq = n + 1                (store-release)
 * Reading record n (a reader, a seqlock read):
 *   s1 = slot.seq (load-acquire); copy the slot; acquire fence;
 *   s2 = slot.seq (load). The copy is record n iff s1 == s2 == n + 1.
 *   s1 or s2 > n + 1: the writer lapped the reader; record n is gone.
 *   s1 == 0 or s1 < n + 1: not yet written (or being rewritten).
 *   (s1 == 0 while hdr.write_seq > n: rewritten for a later record, so
 *   lapped as well; s1 != 0 and < n + 1 always means "not yet".)
 * A reader that was lapped skips forward to a record still in the ring
 * and has lost exactly (seq it got) - (seq it wanted) records: every record
 * number is used once, so loss is exact, never estimated.
 * hdr.write_seq is only a hint for where to start and how far behind one
 * is; slot.seq is the truth.
 */
#ifndef WARMPOOL_EXPORT_T_H
#define WARMPOOL_EXPORT_T_H

#include <stdint.h>

#define WP_EXPORT_MAGIC "WPTELEM"  /* 8 bytes with the NUL */
#define WP_EXPORT_VERSION 1u
#define WP_EXPORT_HDR_SIZE 4096u
#define WP_EXPORT_REC_SIZE 128u
#define WP_EXPORT_MAX_BACKENDS 64u
#define WP_EXPORT_NAME_LEN 32u      /* backend names, NUL-terminated */
#define WP_EXPORT_NONE 0xffffu      /* worker/backend field: not per core/backend */

/* hdr.flags */
#define WP_EXPORT_F_CLOSED 1u       /* the writer closed the ring cleanly */

/* The header page. Written once at creation, except write_seq, flags and
 * the names table (which the writer fills before the first record). */
struct wp_export_hdr {
	char magic[8];              /* WP_EXPORT_MAGIC, NUL-padded */
	uint32_t version;           /* WP_EXPORT_VERSION */
	uint32_t hdr_size;          /* WP_EXPORT_HDR_SIZE: offset of slot 0 */
	uint32_t rec_size;          /* WP_EXPORT_REC_SIZE */
	uint32_t capacity;          /* slots, a power of two >= 2 */
	uint64_t created_ns;        /* CLOCK_REALTIME at creation */
	uint32_t writer_pid;
	uint32_t flags;             /* WP_EXPORT_F_* (load-acquire) */
	uint32_t n_workers;         /* worker cores of the appliance */
	uint32_t n_backends;        /* <= WP_EXPORT_MAX_BACKENDS */
	uint64_t snapshot_ns;       /* period of CORE/POOL/BACKEND records */
	uint8_t pad0[64 - 56];
	uint64_t write_seq;         /* records published so far (offset 64;
				     * store-release by the writer) */
	uint8_t pad1[128 - 72];
	char backend_name[WP_EXPORT_MAX_BACKENDS][WP_EXPORT_NAME_LEN]; /* offset 128 */
	uint8_t pad2[WP_EXPORT_HDR_SIZE - 128 -
		     WP_EXPORT_MAX_BACKENDS * WP_EXPORT_NAME_LEN];
};
_Static_assert(sizeof(struct wp_export_hdr) == WP_EXPORT_HDR_SIZE, "header page");
_Static_assert(__builtin_offsetof(struct wp_export_hdr, write_seq) == 64, "write_seq at 64");
_Static_assert(__builtin_offsetof(struct wp_export_hdr, backend_name) == 128, "names at 128");

/* Record types (wp_export_rec.type). Readers skip types they do not know. */
enum wp_export_type {
	WP_X_NONE = 0,
	WP_X_CORE = 1,     /* per worker, every snapshot period: u.core */
	WP_X_POOL = 2,     /* per worker and backend, every period: u.pool */
	WP_X_BACKEND = 3,  /* per backend over all workers, every period: u.backend */
	WP_X_HIST = 4,     /* latency histogram delta of one backend: u.hist */
	WP_X_EVENT = 5,    /* one event: u.event */
	WP_X_STEER = 6,    /* per worker, every period, 2+ workers: u.steer */
	WP_X_HANDOFF = 7,  /* per ordered pair of workers (worker -> u.handoff.peer)
			    * that exchanged frames, every period: u.handoff */
};

/* Backend health (wp_export_backend.health). */
enum wp_export_health {
	WP_XH_UNKNOWN = 0, /* not yet checked rise/fall times */
	WP_XH_UP = 1,
	WP_XH_DOWN = 2,
	WP_XH_DRAIN = 3,
};

/* Breaker state (wp_export_backend.breaker). */
enum wp_export_breaker {
	WP_XB_CLOSED = 0,
	WP_XB_OPEN = 1,
	WP_XB_HALF_OPEN = 2,
};

/* Event codes (wp_export_event.code) and what arg[] holds. */
enum wp_export_event_code {
	WP_XE_SESSION_OPENED = 1, /* arg0 session id */
	WP_XE_SESSION_CLOSED = 2, /* arg0 session id, arg1 close reason (pool-t.h
				   * enum wp_close_reason) */
	WP_XE_PROBE = 3,          /* arg0 1 ok / 0 failed, arg1 latency ns,
				   * arg2 HTTP status or 0, arg3 errno or 0 */
	WP_XE_HEALTH = 4,         /* arg0 new enum wp_export_health, arg1 old */
	WP_XE_EJECT = 5,          /* arg0 1 ejected / 0 returned, arg1 ejection
				   * ns, arg2 ejections so far */
	WP_XE_BREAKER = 6,        /* arg0 new enum wp_export_breaker, arg1 old,
				   * arg2 cause (enum wp_export_breaker_cause) */
	WP_XE_LEAK = 7,           /* arg0 session id, arg1 held ns */
	WP_XE_TARGET = 8,         /* arg0 new per-core target, arg1 old,
				   * arg2 backend total of targets */
	WP_XE_WORKER = 9,         /* arg0 1 started / 0 stopped, arg1 lcore */
	WP_XE_DRAIN = 10,         /* arg0 phase: 1 started, 2 done */
};

enum wp_export_breaker_cause {
	WP_XBC_NONE = 0,
	WP_XBC_SESSIONS = 1,      /* sessions over the limit */
	WP_XBC_PENDING = 2,       /* waiting requests over the limit */
	WP_XBC_RETRIES = 3,       /* retry budget exhausted */
	WP_XBC_FAILURES = 4,      /* failures while half-open */
	WP_XBC_TIMER = 5,         /* open time elapsed: half-open */
	WP_XBC_PROBES_OK = 6,     /* half-open probes succeeded: closed */
};

/* WP_X_CORE: a worker's counters (monotonic since start) and gauges. */
struct wp_export_core {
	uint64_t loops;
	uint64_t busy_polls;
	uint64_t idle_polls;
	uint64_t busy_ns;         /* time in iterations that found work */
	uint64_t idle_ns;         /* time in iterations that found none */
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t requests;        /* client requests completed */
	uint64_t errors;          /* error responses sent (all causes) */
	uint64_t clients;         /* gauge: open client connections */
	uint64_t telem_drops;     /* records this worker dropped (ring full) */
	uint64_t lcore;
};

/* WP_X_POOL: one worker's pool of one backend. */
struct wp_export_pool {
	uint32_t idle;            /* gauges */
	uint32_t leased;
	uint32_t connecting;
	uint32_t pending;
	uint32_t min_idle;        /* current targets */
	uint32_t max_sessions;
	uint64_t opened;          /* counters since start */
	uint64_t closed;
	uint64_t acquires;
	uint64_t reused;
	uint64_t requests;        /* requests forwarded to this backend */
	uint64_t errors;          /* 5xx from, and failures of, this backend */
	uint64_t overflows;       /* acquires refused: queue full */
	uint64_t timeouts;        /* acquires timed out */
	uint64_t lat_sum_ns;      /* sum of request latencies */
};

/* WP_X_BACKEND: one backend over all workers, made by the control core. */
struct wp_export_backend {
	uint8_t health;           /* enum wp_export_health */
	uint8_t breaker;          /* enum wp_export_breaker */
	uint8_t ejected;          /* 1 while ejected by outlier detection */
	uint8_t pad;
	uint32_t weight;
	uint32_t idle;            /* gauges, summed over workers */
	uint32_t leased;
	uint32_t connecting;
	uint32_t pending;
	uint32_t budget;          /* total session budget (0 = no scaling) */
	uint32_t targets;         /* sum of per-core targets */
	uint64_t requests;        /* counters since start */
	uint64_t errors;
	uint64_t rps_milli;       /* requests per second x 1000, last period */
	uint64_t p50_ns;          /* latency over the last period; 0 = none */
	uint64_t p99_ns;
	uint64_t ejections;       /* times ejected */
	uint64_t probes_failed;   /* active checks failed since start */
	uint64_t probes_ok;
};

/* Latency histogram, log-linear: bucket b < 16 holds values [b, b+1) ns;
 * above, every power of two [2^e, 2^(e+1)) is split in 8 equal buckets:
 * bucket 16 + 8 * (e - 4) + k holds [2^e + k * 2^(e-3), 2^e + (k+1) * 2^(e-3)).
 * WP_HIST_BUCKETS covers everything below 2^40 ns (about 18 minutes); larger
 * values land in the last bucket. */
#define WP_HIST_BUCKETS (16 + 8 * (40 - 4))

/* WP_X_HIST: counts added since the previous WP_X_HIST of this backend
 * for buckets first .. first + n - 1 (n <= 22); a delta is split over as
 * many records as it needs, with only non-empty runs sent. */
struct wp_export_hist {
	uint16_t first;
	uint16_t n;
	uint32_t pad;
	uint32_t count[22];
};

/* WP_X_EVENT */
struct wp_export_event {
	uint32_t code;            /* enum wp_export_event_code */
	uint32_t pad;
	uint64_t arg[11];
};

/* WP_X_STEER: a worker's flow steering (DESIGN.md section 4), counters
 * since start. Of the frames it took from its port queues (landed),
 * `local` were handled by it, `handed_off` went to their owner's ring and
 * `ring_full` were dropped because that ring was full:
 * landed == local + handed_off + ring_full. */
struct wp_export_steer {
	uint64_t landed;
	uint64_t local;
	uint64_t handed_off;
	uint64_t ring_full;
	uint64_t from_peers;      /* frames other workers handed to this one */
	uint64_t copies;          /* ARP replies copied to the other workers */
	uint64_t copy_lost;       /* copies not allocated or not enqueued */
};

/* WP_X_HANDOFF: frames handed from worker `worker` (the record's field) to
 * worker `peer`. sent - received frames are in the ring. */
struct wp_export_handoff {
	uint32_t peer;
	uint32_t pad;
	uint64_t sent;            /* enqueued by `worker` */
	uint64_t dropped;         /* refused: `peer`'s ring was full */
	uint64_t received;        /* taken by `peer` */
};

/* One slot. 128 bytes, 8-byte aligned fields only. */
struct wp_export_rec {
	uint64_t seq;             /* record number + 1 when valid, 0 while
				   * written or never written (see above) */
	uint64_t ts_ns;           /* CLOCK_MONOTONIC of the writer */
	uint16_t type;            /* enum wp_export_type */
	uint16_t worker;          /* worker index or WP_EXPORT_NONE */
	uint16_t backend;         /* backend index (names table) or WP_EXPORT_NONE */
	uint16_t flags;           /* 0 */
	uint64_t pad;
	union {
		struct wp_export_core core;
		struct wp_export_pool pool;
		struct wp_export_backend backend;
		struct wp_export_hist hist;
		struct wp_export_event event;
		struct wp_export_steer steer;
		struct wp_export_handoff handoff;
		uint64_t u64[12];
	} u;
};
_Static_assert(sizeof(struct wp_export_core) <= 96, "core payload");
_Static_assert(sizeof(struct wp_export_pool) <= 96, "pool payload");
_Static_assert(sizeof(struct wp_export_backend) <= 96, "backend payload");
_Static_assert(sizeof(struct wp_export_hist) == 96, "hist payload");
_Static_assert(sizeof(struct wp_export_event) == 96, "event payload");
_Static_assert(sizeof(struct wp_export_steer) <= 96, "steer payload");
_Static_assert(sizeof(struct wp_export_handoff) <= 96, "handoff payload");
_Static_assert(sizeof(struct wp_export_rec) == WP_EXPORT_REC_SIZE, "slot size");

#endif /* WARMPOOL_EXPORT_T_H */
