/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the appliance configuration (warmpoold.ini, DESIGN.md section 5).
 *
 * struct wp_config is the parsed, validated configuration file: plain data,
 * no pointers, no DPDK types, so it can be copied, compared and handed to
 * the control core whole. The control core owns it; workers never read it
 * (they get the parts they need, e.g. struct wp_pool_params, at start).
 *
 * Conventions: IPv4 addresses and ports are host byte order; durations are
 * signed nanoseconds (as in pool-t.h and net-t.h); an address of 0 means
 * "not set" where a comment says so. The file format, every key, its
 * default and its allowed range are documented in conf/warmpoold.ini and
 * printed by wp_config_dump().
 */
#ifndef WARMPOOL_CONFIG_T_H
#define WARMPOOL_CONFIG_T_H

#include <stdbool.h>
#include <stdint.h>

#include <warmpool/pool-t.h>

#define WP_CONFIG_MAX_BACKENDS 64
#define WP_CONFIG_NAME_LEN 32     /* backend names: 1..31 of [A-Za-z0-9_.-] */
#define WP_CONFIG_DEVICE_LEN 128  /* DPDK device: vdev string or PCI address */
#define WP_CONFIG_PATH_LEN 128    /* absolute file paths */
#define WP_CONFIG_MAX_LCORE 128   /* lcore ids 0..127 (RTE_MAX_LCORE here) */
#define WP_CONFIG_MAX_ERRORS 20   /* errors kept in struct wp_config_errors */
#define WP_CONFIG_ERROR_LEN 384

/* The two roles a DPDK port plays. One port may play both: without a
 * [port backend] section the client port also carries backend traffic. */
enum wp_config_port_role {
	WP_CONFIG_PORT_CLIENT = 0,
	WP_CONFIG_PORT_BACKEND,
	WP_CONFIG_PORT__COUNT
};

enum wp_config_health_type {
	WP_CONFIG_HEALTH_TCP = 0,   /* TCP connect succeeds */
	WP_CONFIG_HEALTH_HTTP,      /* HTTP/1.1 request answered with expect_status */
};

/* [listen] */
struct wp_config_listen {
	uint32_t addr;         /* the address clients connect to: the client
				* port's address (filled from it if not given) */
	uint16_t port;
	uint32_t backlog;      /* half-open connections before SYN cookies */
};

/* [port client], [port backend] */
struct wp_config_port {
	bool present;                      /* section given */
	char device[WP_CONFIG_DEVICE_LEN]; /* "net_af_packet0,iface=wpa-c", "0000:01:00.0" */
	uint32_t addr;                     /* our address on this port */
	uint8_t prefix_len;                /* on-link prefix, 1..32 */
	uint32_t gateway;                  /* 0 = off-link unreachable */
	uint16_t mtu;                      /* IP MTU */
	uint16_t rx_desc;                  /* descriptors per RX queue */
	uint16_t tx_desc;                  /* descriptors per TX queue */
};

/* [workers] */
struct wp_config_workers {
	uint64_t lcores[WP_CONFIG_MAX_LCORE / 64]; /* bit i: lcore i runs a worker */
	uint32_t count;                            /* bits set in lcores */
	uint32_t main_lcore;                       /* control core, not a worker */
	uint32_t spin_polls;                       /* as struct wp_runtime_conf */
	uint32_t pause_polls;
	uint32_t idle_sleep_us;
	uint32_t mbufs;                            /* mbufs per worker mempool */
	uint32_t cmd_ring_slots;                   /* wp_runtime_conf.cmd_slots */
	uint32_t telem_ring_slots;                 /* wp_runtime_conf.telem_slots */
};

/* [backend NAME] */
struct wp_config_backend {
	char name[WP_CONFIG_NAME_LEN];
	uint32_t addr;
	uint16_t port;
	uint16_t weight;                   /* 1..1000 */
};

/* [http] */
struct wp_config_http {
	uint32_t max_line;                 /* request/status line bytes (wp_http1_limits) */
	uint32_t max_header_bytes;
	uint32_t max_headers;
	int64_t client_idle_timeout_ns;    /* idle keep-alive client; 0 = never */
	int64_t backend_timeout_ns;        /* wait for the response, then 504 */
	int64_t request_timeout_ns;        /* whole request from its first byte; 0 = off */
	bool retry_idempotent;             /* retry once on a fresh session */
};

/* [health]: active checks, per backend (issue 5) */
struct wp_config_health {
	uint8_t type;                      /* enum wp_config_health_type */
	int64_t interval_ns;
	int64_t jitter_ns;                 /* each wait is interval +- U[0, jitter], < interval */
	int64_t initial_spread_ns;         /* first check at U[0, initial_spread] */
	int64_t timeout_ns;
	uint32_t rise;                     /* successes to mark up */
	uint32_t fall;                     /* failures to mark down */
	char http_method[8];               /* "GET", "HEAD" or "OPTIONS" */
	char http_path[WP_CONFIG_PATH_LEN];
	uint16_t http_expect_status;
	int64_t slow_start_ns;             /* a backend back up ramps from 1% to
					    * its full weight over this; 0 = off */
};

/* [outlier]: passive ejection (issue 5) */
struct wp_config_outlier {
	uint32_t consecutive_failures;     /* 0 = off */
	int64_t base_ejection_ns;          /* n-th ejection lasts n x base ... */
	int64_t max_ejection_ns;           /* ... capped here */
	uint32_t max_ejected_percent;      /* of the backends, 0..100 */
};

/* [breaker]: per-backend limits across all cores (issue 5) */
struct wp_config_breaker {
	uint32_t max_sessions;
	uint32_t max_pending;
	uint32_t retry_budget_percent;     /* retries allowed as % of requests */
	uint32_t min_retries_per_s;        /* floor of the retry budget */
	int64_t open_time_ns;              /* open -> half-open after this */
	uint32_t half_open_probes;         /* requests let through half-open */
};

/* [scaling]: per-core targets under a per-backend budget (issue 5) */
struct wp_config_scaling {
	bool enabled;
	uint32_t budget;                   /* total sessions per backend, all cores */
	uint32_t floor;                    /* per-core target bounds */
	uint32_t ceiling;
	uint32_t step;                     /* target change per decision */
	int64_t cooldown_ns;               /* between changes of one pool */
	uint32_t preconnect_milli;         /* preconnect ratio x 1000; 0 = off */
};

/* [telemetry] */
struct wp_config_telemetry {
	char file[WP_CONFIG_PATH_LEN];     /* export ring (shared-memory file) */
	uint32_t records;                  /* export ring capacity, power of two */
	int64_t snapshot_interval_ns;      /* whole ms (wp_runtime_conf.stats_interval_ms) */
};

/* [management] (kernel sockets on the control core) */
struct wp_config_management {
	uint32_t addr;
	uint16_t port;                     /* 0 = off */
	bool allow_remote;                 /* an address outside 127/8 is allowed */
};

/* [shutdown] */
struct wp_config_shutdown {
	int64_t drain_timeout_ns;          /* SIGTERM: in-flight requests get this long */
};

struct wp_config {
	struct wp_config_listen listen;
	struct wp_config_port port[WP_CONFIG_PORT__COUNT];
	struct wp_config_workers workers;
	uint32_t n_backends;
	struct wp_config_backend backend[WP_CONFIG_MAX_BACKENDS]; /* file order */
	struct wp_pool_params pool;        /* [pool]: per core, per backend */
	struct wp_config_http http;
	struct wp_config_health health;
	struct wp_config_outlier outlier;
	struct wp_config_breaker breaker;
	struct wp_config_scaling scaling;
	struct wp_config_telemetry telemetry;
	struct wp_config_management management;
	struct wp_config_shutdown shutdown;
};

/* What kind of mistake an error is (counted per kind). */
enum wp_config_error_kind {
	WP_CONFIG_E_IO = 0,     /* cannot open/read the file */
	WP_CONFIG_E_SYNTAX,     /* not a section header, key = value or comment;
				 * NUL byte; line too long */
	WP_CONFIG_E_SECTION,    /* unknown or repeated section, bad name */
	WP_CONFIG_E_KEY,        /* unknown key, key set twice, key outside a section */
	WP_CONFIG_E_VALUE,      /* value of the wrong form or out of range */
	WP_CONFIG_E_MISSING,    /* required section or key absent */
	WP_CONFIG_E_CONFLICT,   /* values that do not fit together */
	WP_CONFIG_E__COUNT
};

/* One difference between two configurations (wp_config_diff). Values are
 * in the canonical form of wp_config_dump(). A section present in only one
 * of them (a backend added or removed, [port backend] given or not) is one
 * change with key NULL: new_value "added" or old_value "removed". */
#define WP_CONFIG_VALUE_LEN 168
struct wp_config_change {
	const char *section;               /* section type: "pool", "port", "backend" ... */
	const char *name;                  /* "client"/"backend" for ports, the backend's
					    * name, "" for the other sections */
	const char *key;                   /* NULL: the whole section */
	char old_value[WP_CONFIG_VALUE_LEN];
	char new_value[WP_CONFIG_VALUE_LEN];
};

struct wp_config_error {
	uint32_t line;                  /* 1-based; 0 = not tied to one line */
	uint8_t kind;                   /* enum wp_config_error_kind */
	char msg[WP_CONFIG_ERROR_LEN];  /* "file:line: [section] key = value: what" */
};

/* Errors of one load, in the order found (file order, then the checks made
 * after parsing). `count` keeps counting past the stored ones. */
struct wp_config_errors {
	uint32_t count;                 /* errors found */
	uint32_t stored;                /* min(count, WP_CONFIG_MAX_ERRORS) */
	uint32_t by_kind[WP_CONFIG_E__COUNT];
	struct wp_config_error e[WP_CONFIG_MAX_ERRORS];
};

#endif /* WARMPOOL_CONFIG_T_H */
