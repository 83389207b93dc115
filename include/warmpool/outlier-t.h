/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of passive outlier detection (DESIGN.md section 5). API: outlier.h.
 *
 * One struct wp_outlier covers every backend of the appliance. It is owned
 * by the control core and touched from there only: workers report what
 * their sessions saw (as telemetry), the control core feeds it in, in the
 * order it happened, and applies the ejections it is told about. No
 * clock is read: every call takes `now` (nanoseconds, any monotonic base).
 */
#ifndef WARMPOOL_OUTLIER_T_H
#define WARMPOOL_OUTLIER_T_H

#include <stdbool.h>
#include <stdint.h>

/* What a worker saw of one exchange with a backend. Everything but
 * SUCCESS is a failure for the consecutive-failure count. */
enum wp_outcome {
	WP_OUTCOME_SUCCESS = 0,
	WP_OUTCOME_CONNECT_FAIL,  /* refused / unreachable / connect timeout */
	WP_OUTCOME_RESET,         /* RST on an established session */
	WP_OUTCOME_TIMEOUT,       /* no (complete) answer in time */
	WP_OUTCOME_5XX,           /* HTTP status 500..599 */
	WP_OUTCOME__COUNT
};

/* Parameters; one-to-one with [outlier] of warmpoold.ini (struct
 * wp_config_outlier). */
struct wp_outlier_params {
	uint32_t consecutive_failures; /* failures in a row that eject; 0 = off */
	int64_t base_ejection_ns;      /* n-th ejection lasts n x base, > 0 ... */
	int64_t max_ejection_ns;       /* ... capped here, >= base */
	uint32_t max_ejected_percent;  /* of the backends ejected at once, 0..100 */
};

/* An ejection or a return, told to the notify callback. */
struct wp_outlier_event {
	uint32_t backend;
	bool ejected;      /* true: ejected now; false: back in service */
	int64_t until;     /* ejected: when it ends */
	int64_t now;
};

typedef void wp_outlier_notify_fn(void *ctx, const struct wp_outlier_event *ev);

/* One backend, readable through wp_outlier_backend(). Owned by the
 * detector. Invariants: ejected implies streak == 0 and !waiting;
 * waiting implies streak >= consecutive_failures;
 * multiplier <= max_ejection / base_ejection rounded up. */
struct wp_outlier_backend {
	bool ejected;
	bool waiting;            /* due for ejection, refused for the share */
	uint32_t streak;         /* failures in a row since the last success */
	uint32_t multiplier;     /* n of the last ejection (n x base) */
	int64_t until;           /* ejected: end of the ejection */
	int64_t returned;        /* when it last came back (multiplier decay) */
	uint64_t outcomes[WP_OUTCOME__COUNT]; /* reported, by kind */
	uint64_t ejections;      /* times ejected */
	uint64_t refused;        /* times the share kept it in (once per streak) */
	int64_t last_change;     /* `now` of the last eject / return */
};

/* Detector-wide counters. */
struct wp_outlier_stats {
	uint32_t ejected;        /* backends ejected now */
	uint64_t ejections;      /* all ejections */
	uint64_t refused;        /* all ejections refused for the share */
};

struct wp_outlier;

#endif
