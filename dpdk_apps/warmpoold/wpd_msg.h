/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's messages between the control core and its workers.
 *
 * Commands (control -> worker) ride struct wp_cmd (24 bytes of args);
 * reports (worker -> control) ride struct wp_telem_rec as application
 * records (48 bytes of payload, wp_worker_push). Both are internal to
 * warmpoold: the public telemetry is the export ring (export-t.h), which
 * the control core builds from these.
 *
 * Every report is a snapshot or a delta the control core can fold in any
 * amount: a dropped record (ring full, counted) costs precision for one
 * period, never correctness of totals, because counters are sent as
 * running totals and only histograms and close reasons as deltas.
 */
#ifndef WARMPOOLD_WPD_MSG_H
#define WARMPOOLD_WPD_MSG_H

#include <stdint.h>

#include <warmpool/pool-t.h>
#include <warmpool/ring-t.h>

/* Commands */
enum wpd_cmd {
	WPD_CMD_DRAIN = WP_CMD_USER + 1,   /* SIGTERM: drain and report DRAINED;
					    * u64[0] drain_timeout ns */
	WPD_CMD_PROBE = WP_CMD_USER + 2,   /* u64[0] id, u64[1] backend, u64[2] timeout ns */
	WPD_CMD_STATE = WP_CMD_USER + 3,   /* u64[0] backend, u64[1] enum wp_backend_state */
	WPD_CMD_BREAKER = WP_CMD_USER + 4, /* u64[0] backend, u64[1] state,
					    * u64[2] probes << 32 | epoch */
	WPD_CMD_TARGETS = WP_CMD_USER + 5, /* u64[0] backend, u64[1] min_idle |
					    * max_sessions << 32, u64[2] seq */
	WPD_CMD_SET = WP_CMD_USER + 6,     /* reload: u64[0] offset in struct
					    * wp_config, u64[1] size, u64[2] value
					    * (wp_reload_worker_field_ok) */
	WPD_CMD_COMMIT = WP_CMD_USER + 7,  /* reload: apply what SET staged;
					    * u64[0] settings generation */
	WPD_CMD_REPORT = WP_CMD_USER + 8,  /* push the reports now (before STOP) */
	WPD_CMD_RAMP = WP_CMD_USER + 9,    /* slow start: u64[0] backend, u64[1]
					    * per mille of its weight (1..1000) */
};

/* Events (wp_worker_event codes) */
enum wpd_event {
	WPD_EV_DRAINED = WP_EV_USER + 1,
};

/* Reports */
enum wpd_rec {
	WPD_R_CORE = WP_TELEM_USER + 0,    /* struct wpd_r_core */
	WPD_R_POOL = WP_TELEM_USER + 1,    /* struct wpd_r_pool */
	WPD_R_POOL2 = WP_TELEM_USER + 2,   /* struct wpd_r_pool2 */
	WPD_R_BACKEND = WP_TELEM_USER + 3, /* struct wpd_r_backend */
	WPD_R_HIST = WP_TELEM_USER + 4,    /* struct wpd_r_hist */
	WPD_R_CLOSED = WP_TELEM_USER + 5,  /* struct wpd_r_closed */
	WPD_R_PROBE = WP_TELEM_USER + 6,   /* struct wpd_r_probe */
	WPD_R_GATE = WP_TELEM_USER + 7,    /* struct wpd_r_gate */
	WPD_R_STEER = WP_TELEM_USER + 8,   /* struct wpd_r_steer (2+ workers) */
	WPD_R_HANDOFF = WP_TELEM_USER + 9, /* struct wpd_r_handoff, one per peer */
};

/* The worker's proxy and stack totals. */
struct wpd_r_core {
	uint64_t rx_pkts, tx_pkts;
	uint64_t requests;       /* responses forwarded + error responses */
	uint64_t errors;         /* error responses, all causes */
	uint32_t clients;
	uint32_t in_flight;
	uint32_t settings_gen;   /* reload generation in force (WPD_CMD_COMMIT) */
	uint32_t pad;
};

/* Pool gauges, targets and two totals. */
struct wpd_r_pool {
	uint16_t backend;
	uint16_t state;          /* enum wp_backend_state */
	uint32_t idle, leased, connecting, pending;
	uint32_t min_idle, max_sessions;
	uint32_t applied_seq;    /* seq of the last WPD_CMD_TARGETS applied */
	uint64_t opened, closed;
};

struct wpd_r_pool2 {
	uint16_t backend;
	uint16_t pad[3];
	uint64_t acquires, reused, overflows, timeouts, connect_failed;
};

/* The proxy's view of one backend (running totals). */
struct wpd_r_backend {
	uint16_t backend;
	uint16_t pad;
	uint32_t fail_streak;
	uint64_t requests, responses, status_5xx, successes, failures;
};

/* Latency histogram delta: up to 7 non-empty buckets. */
#define WPD_HIST_PAIRS 7
struct wpd_r_hist {
	uint16_t backend;
	uint8_t n;
	uint8_t pad;
	uint16_t bucket[WPD_HIST_PAIRS];
	uint16_t pad2;
	uint32_t count[WPD_HIST_PAIRS];
};

/* Sessions opened and closed by reason since the last report (deltas,
 * saturated at 65535). */
struct wpd_r_closed {
	uint16_t backend;
	uint16_t opened;
	uint16_t closed[WP_CLOSE__COUNT];
};

struct wpd_r_probe {
	uint64_t id;
	uint16_t backend;
	uint16_t status;
	uint8_t fail;            /* enum wp_probe_fail */
	uint8_t pad[3];
	int64_t latency_ns;
};

/* The breaker gate and retry budget of one backend (running totals). */
struct wpd_r_gate {
	uint16_t backend;
	uint8_t state;           /* enum wp_breaker_state the gate is in */
	uint8_t pad[5];
	uint64_t admitted, denied;
	uint64_t retries;        /* the worker's retries, all backends */
	uint64_t retries_denied; /* retries to this backend refused by its budget */
};

/* Flow steering totals (steer-t.h struct wp_steer_stats; local is
 * landed - handed_off - ring_full). */
struct wpd_r_steer {
	uint64_t landed, handed_off, ring_full, from_peers, copies, copy_lost;
};

/* Handoff totals between this worker and one peer: sent/dropped towards
 * it, received from it. */
struct wpd_r_handoff {
	uint16_t peer;
	uint16_t pad[3];
	uint64_t sent, dropped, received;
};

_Static_assert(sizeof(struct wpd_r_steer) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_handoff) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_gate) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_core) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_pool) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_pool2) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_backend) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_hist) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_closed) <= 48, "payload");
_Static_assert(sizeof(struct wpd_r_probe) <= 48, "payload");

#endif /* WARMPOOLD_WPD_MSG_H */
