/* SPDX-License-Identifier: BSD-3-Clause */
/* The appliance configuration file: warmpoold.ini (DESIGN.md section 5).
 *
 * What it is: defaults, then an INI file split into lines and key = value
 * pairs by libinih (Debian's build: handler gets the line number, inline
 * comments after " ;", multi-line values on, 200-byte line buffer), then
 * checks that need the whole file. Pure C + inih: no DPDK, no EAL, so
 * --check-config, the unit tests and the fuzz target run it as is.
 *
 * How the pieces fit:
 *  - Every section type has a table of keys (name, value type, where it
 *    lives in struct wp_config, allowed range). Parsing, range checks,
 *    the "what is allowed" text of errors and wp_config_dump() are all
 *    driven by the same tables, so a key cannot be parsed one way and
 *    dumped another.
 *  - inih is fed through our own line reader (ini_parse_stream). The
 *    reader strips indentation (so inih's multi-line continuation never
 *    happens: an indented line is an ordinary line), strips a UTF-8 BOM,
 *    refuses NUL bytes and over-long lines on the right line number, and
 *    sees section headers itself: that is how sections are known even when
 *    they hold no key, and where the header line of each is recorded.
 *  - The handler looks the key up in the current section's table, refuses
 *    unknown keys (with a "did you mean"), keys set twice, and values that
 *    do not parse; a value is stored only when it is valid.
 *  - After the file: listen address from the client port when not given,
 *    then check(): missing required sections/keys, every stored value
 *    re-validated by formatting it and parsing it again (so a struct built
 *    in code is held to the file's rules), the pool through
 *    wp_pool_params_check() (the pool's own rules, not a copy), and the
 *    cross-field rules. Each error points at the line of the key it is
 *    about, or the section header when the key was left at its default.
 *
 * State: a load owns one struct ctx (heap, a few KB: current section, line of
 * every key and header, which keys failed to parse). Nothing global is
 * written; inih's globals are left at Debian's defaults.
 *
 * Invariants: a loaded config (return 0) dumps to a file that loads back
 * to a config that dumps identically (the fuzz target traps otherwise);
 * errors.count == sum(errors.by_kind); a return of -EINVAL means count > 0.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INI_HANDLER_LINENO 1 /* Debian builds libinih with line numbers */
#include <ini.h>

#include <warmpool/breaker-t.h>
#include <warmpool/config.h>
#include <warmpool/net-t.h>
#include <warmpool/pool.h>

#define NS_US ((int64_t)1000)
#define NS_MS ((int64_t)1000000)
#define NS_S ((int64_t)1000000000)
#define NS_M (60 * NS_S)
#define NS_H (3600 * NS_S)

#define KIB ((int64_t)1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)

#define VALUE_MAX 160     /* longest value accepted: its dump line must fit
			   * inih's 200-byte line buffer */
#define MAX_KEYS 16       /* keys of the largest section ([pool]) */

/* ------------------------------------------------------------------ */
/* Key tables                                                          */

enum vtype {
	VT_U16,         /* decimal integer in [lo, hi] */
	VT_U32,
	VT_U64,         /* any 64-bit value (range ignored) */
	VT_SIZE,        /* bytes, suffix k/m/g (binary), in [lo, hi] */
	VT_DUR,         /* duration with unit, ns in [lo, hi] */
	VT_BOOL,
	VT_IPV4,        /* unicast host address */
	VT_IPV4_ANY,    /* any IPv4 address, 0.0.0.0 included */
	VT_CIDR,        /* host address/prefix: addr at off, u8 prefix at off2 */
	VT_STR,         /* char[size]: visible ASCII, no spaces */
	VT_LCORES,      /* lcore list: bitmap at off, u32 count at off2 */
	VT_HEALTH_TYPE, /* tcp | http, u8 */
	VT_METHOD,      /* GET | HEAD | OPTIONS, char[size] */
	VT_RATIO,       /* decimal with up to 3 digits, stored x 1000 */
};

enum {
	F_REQUIRED = 1 << 0,  /* value 0 / "" means missing */
	F_OMIT_ZERO = 1 << 1, /* 0 means "not set": dump leaves it out */
	F_POW2 = 1 << 2,
	F_WHOLE_MS = 1 << 3,  /* duration in whole milliseconds */
	F_ABS_PATH = 1 << 4,  /* string: absolute path */
	F_HTTP_PATH = 1 << 5, /* string: starts with '/' */
	F_POOL = 1 << 6,      /* semantics checked by wp_pool_params_check */
};

struct keydef {
	const char *name;
	uint8_t type;
	uint8_t flags;
	uint8_t size;   /* bytes of the field (array size for strings) */
	uint16_t off;   /* offset in the section's struct */
	uint16_t off2;  /* VT_CIDR: prefix; VT_LCORES: count */
	int64_t lo, hi;
};

#define FSIZE(T, f) ((uint8_t)sizeof(((T *)0)->f))
#define K(T, nm, ty, fl, f, l, h) \
	{ .name = nm, .type = ty, .flags = fl, .size = FSIZE(T, f), \
	  .off = offsetof(T, f), .lo = l, .hi = h }
#define K2(T, nm, ty, fl, f, f2) \
	{ .name = nm, .type = ty, .flags = fl, .size = FSIZE(T, f), \
	  .off = offsetof(T, f), .off2 = offsetof(T, f2) }
#define C(nm, ty, fl, f, l, h) K(struct wp_config, nm, ty, fl, f, l, h)

static const struct keydef listen_keys[] = {
	C("address", VT_IPV4, F_OMIT_ZERO, listen.addr, 0, 0),
	C("port", VT_U16, 0, listen.port, 1, 65535),
	C("backlog", VT_U32, 0, listen.backlog, 1, 1 << 20),
};

static const struct keydef port_keys[] = {
	K(struct wp_config_port, "device", VT_STR, F_REQUIRED, device, 0, 0),
	K2(struct wp_config_port, "address", VT_CIDR, F_REQUIRED, addr, prefix_len),
	K(struct wp_config_port, "gateway", VT_IPV4, F_OMIT_ZERO, gateway, 0, 0),
	K(struct wp_config_port, "mtu", VT_U16, 0, mtu, 576, 9000),
	K(struct wp_config_port, "rx_desc", VT_U16, F_POW2, rx_desc, 64, 32768),
	K(struct wp_config_port, "tx_desc", VT_U16, F_POW2, tx_desc, 64, 32768),
};

static const struct keydef workers_keys[] = {
	K2(struct wp_config, "lcores", VT_LCORES, 0, workers.lcores, workers.count),
	C("main_lcore", VT_U32, 0, workers.main_lcore, 0, WP_CONFIG_MAX_LCORE - 1),
	C("spin_polls", VT_U32, 0, workers.spin_polls, 0, UINT32_MAX),
	C("pause_polls", VT_U32, 0, workers.pause_polls, 0, UINT32_MAX),
	C("idle_sleep_us", VT_U32, 0, workers.idle_sleep_us, 0, 1000000),
	C("mbufs", VT_U32, 0, workers.mbufs, 1024, 1 << 24),
	C("cmd_ring_slots", VT_U32, 0, workers.cmd_ring_slots, 1, 1 << 20),
	C("telem_ring_slots", VT_U32, 0, workers.telem_ring_slots, 1, 1 << 20),
};

static const struct keydef backend_keys[] = {
	K(struct wp_config_backend, "address", VT_IPV4, F_REQUIRED, addr, 0, 0),
	K(struct wp_config_backend, "port", VT_U16, 0, port, 1, 65535),
	K(struct wp_config_backend, "weight", VT_U16, 0, weight, 1, 1000),
};

#define POOL_DUR_MAX (168 * NS_H)
static const struct keydef pool_keys[] = {
	C("min_idle", VT_U32, F_POOL, pool.min_idle, 0, UINT32_MAX),
	C("max_sessions", VT_U32, F_POOL, pool.max_sessions, 0, UINT32_MAX),
	C("max_pending", VT_U32, F_POOL, pool.max_pending, 0, UINT32_MAX),
	C("acquire_timeout", VT_DUR, F_POOL, pool.acquire_timeout_ns, 0, POOL_DUR_MAX),
	C("idle_timeout", VT_DUR, F_POOL, pool.idle_timeout_ns, 0, POOL_DUR_MAX),
	C("max_age", VT_DUR, F_POOL, pool.max_age_ns, 0, POOL_DUR_MAX),
	C("max_age_jitter", VT_DUR, F_POOL, pool.max_age_jitter_ns, 0, POOL_DUR_MAX),
	C("max_requests", VT_U32, F_POOL, pool.max_requests, 0, UINT32_MAX),
	C("probe_idle", VT_DUR, F_POOL, pool.probe_idle_ns, 0, POOL_DUR_MAX),
	C("leak_threshold", VT_DUR, F_POOL, pool.leak_threshold_ns, 0, POOL_DUR_MAX),
	C("leak_reclaim", VT_BOOL, F_POOL, pool.leak_reclaim, 0, 1),
	C("connect_timeout", VT_DUR, F_POOL, pool.connect_timeout_ns, 0, POOL_DUR_MAX),
	C("connect_burst", VT_U32, F_POOL, pool.connect_burst, 0, UINT32_MAX),
	C("connect_interval", VT_DUR, F_POOL, pool.connect_interval_ns, 0, POOL_DUR_MAX),
	C("seed", VT_U64, 0, pool.seed, 0, 0),
};

static const struct keydef http_keys[] = {
	C("max_line", VT_SIZE, 0, http.max_line, 16, 64 * KIB),
	C("max_header_bytes", VT_SIZE, 0, http.max_header_bytes, 16, MIB),
	C("max_headers", VT_U32, 0, http.max_headers, 1, 10000),
	C("client_idle_timeout", VT_DUR, 0, http.client_idle_timeout_ns, 0, 24 * NS_H),
	C("backend_timeout", VT_DUR, 0, http.backend_timeout_ns, NS_MS, 24 * NS_H),
	C("request_timeout", VT_DUR, 0, http.request_timeout_ns, 0, 24 * NS_H),
	C("retry_idempotent", VT_BOOL, 0, http.retry_idempotent, 0, 1),
};

static const struct keydef health_keys[] = {
	C("type", VT_HEALTH_TYPE, 0, health.type, 0, 1),
	C("interval", VT_DUR, 0, health.interval_ns, 10 * NS_MS, NS_H),
	C("jitter", VT_DUR, 0, health.jitter_ns, 0, NS_H),
	C("initial_spread", VT_DUR, 0, health.initial_spread_ns, 0, NS_H),
	C("timeout", VT_DUR, 0, health.timeout_ns, NS_MS, NS_H),
	C("rise", VT_U32, 0, health.rise, 1, 100),
	C("fall", VT_U32, 0, health.fall, 1, 100),
	C("http_method", VT_METHOD, 0, health.http_method, 0, 0),
	C("http_path", VT_STR, F_HTTP_PATH, health.http_path, 0, 0),
	C("http_expect_status", VT_U16, 0, health.http_expect_status, 100, 599),
	C("slow_start", VT_DUR, 0, health.slow_start_ns, 0, NS_H),
};

static const struct keydef outlier_keys[] = {
	C("consecutive_failures", VT_U32, 0, outlier.consecutive_failures, 0, 1000),
	C("base_ejection", VT_DUR, 0, outlier.base_ejection_ns, NS_MS, 24 * NS_H),
	C("max_ejection", VT_DUR, 0, outlier.max_ejection_ns, NS_MS, 24 * NS_H),
	C("max_ejected_percent", VT_U32, 0, outlier.max_ejected_percent, 0, 100),
};

static const struct keydef breaker_keys[] = {
	C("max_sessions", VT_U32, 0, breaker.max_sessions, 1, 1 << 24),
	C("max_pending", VT_U32, 0, breaker.max_pending, 0, 1 << 24),
	C("retry_budget_percent", VT_U32, 0, breaker.retry_budget_percent, 0, 100),
	C("min_retries_per_s", VT_U32, 0, breaker.min_retries_per_s, 0, 1000000),
	C("open_time", VT_DUR, 0, breaker.open_time_ns, NS_MS, NS_H),
	C("half_open_probes", VT_U32, 0, breaker.half_open_probes, 1, 1000),
};

static const struct keydef scaling_keys[] = {
	C("enabled", VT_BOOL, 0, scaling.enabled, 0, 1),
	C("budget", VT_U32, 0, scaling.budget, 1, 1 << 24),
	C("floor", VT_U32, 0, scaling.floor, 0, 1 << 20),
	C("ceiling", VT_U32, 0, scaling.ceiling, 1, 1 << 20),
	C("step", VT_U32, 0, scaling.step, 1, 65536),
	C("cooldown", VT_DUR, 0, scaling.cooldown_ns, 0, NS_H),
	C("preconnect_ratio", VT_RATIO, 0, scaling.preconnect_milli, 0, 100000),
};

static const struct keydef telemetry_keys[] = {
	C("file", VT_STR, F_ABS_PATH, telemetry.file, 0, 0),
	C("records", VT_U32, F_POW2, telemetry.records, 64, 1 << 24),
	C("snapshot_interval", VT_DUR, F_WHOLE_MS, telemetry.snapshot_interval_ns, 0, NS_H),
};

static const struct keydef management_keys[] = {
	C("address", VT_IPV4_ANY, 0, management.addr, 0, 0),
	C("port", VT_U16, 0, management.port, 0, 65535),
	C("allow_remote", VT_BOOL, 0, management.allow_remote, 0, 1),
};

static const struct keydef shutdown_keys[] = {
	C("drain_timeout", VT_DUR, 0, shutdown.drain_timeout_ns, NS_MS, NS_H),
};

/* Section types. The singletons come first: their instance number is
 * their type number. */
enum sec {
	S_LISTEN = 0,
	S_WORKERS,
	S_POOL,
	S_HTTP,
	S_HEALTH,
	S_OUTLIER,
	S_BREAKER,
	S_SCALING,
	S_TELEMETRY,
	S_MANAGEMENT,
	S_SHUTDOWN,
	S_PORT,     /* [port client|backend] */
	S_BACKEND,  /* [backend NAME] */
	S__COUNT
};
#define N_SINGLETONS S_PORT

struct secdef {
	const char *name;
	const struct keydef *keys;
	unsigned int nkeys;
};

#define SEC(nm, k) { nm, k, sizeof(k) / sizeof(k[0]) }
static const struct secdef secdefs[S__COUNT] = {
	[S_LISTEN] = SEC("listen", listen_keys),
	[S_WORKERS] = SEC("workers", workers_keys),
	[S_POOL] = SEC("pool", pool_keys),
	[S_HTTP] = SEC("http", http_keys),
	[S_HEALTH] = SEC("health", health_keys),
	[S_OUTLIER] = SEC("outlier", outlier_keys),
	[S_BREAKER] = SEC("breaker", breaker_keys),
	[S_SCALING] = SEC("scaling", scaling_keys),
	[S_TELEMETRY] = SEC("telemetry", telemetry_keys),
	[S_MANAGEMENT] = SEC("management", management_keys),
	[S_SHUTDOWN] = SEC("shutdown", shutdown_keys),
	[S_PORT] = SEC("port", port_keys),
	[S_BACKEND] = SEC("backend", backend_keys),
};

static const char *const port_role_names[WP_CONFIG_PORT__COUNT] = {
	[WP_CONFIG_PORT_CLIENT] = "client",
	[WP_CONFIG_PORT_BACKEND] = "backend",
};
static const char *const health_type_names[] = { "tcp", "http" };
static const char *const method_names[] = { "GET", "HEAD", "OPTIONS" };

/* Instances: singletons, then the two ports, then the backends. */
#define I_PORT0 N_SINGLETONS
#define I_BACKEND0 (I_PORT0 + WP_CONFIG_PORT__COUNT)
#define N_INST (I_BACKEND0 + WP_CONFIG_MAX_BACKENDS)
#define CUR_NONE (-1)  /* before the first section header */
#define CUR_SKIP (-2)  /* inside a section that was refused */

static enum sec
inst_sec(int inst)
{
	if (inst < I_PORT0)
		return (enum sec)inst;
	return inst < I_BACKEND0 ? S_PORT : S_BACKEND;
}

static void *
inst_base(struct wp_config *cfg, int inst)
{
	if (inst < I_PORT0)
		return cfg;
	if (inst < I_BACKEND0)
		return &cfg->port[inst - I_PORT0];
	return &cfg->backend[inst - I_BACKEND0];
}

static const void *
inst_cbase(const struct wp_config *cfg, int inst)
{
	return inst_base((struct wp_config *)(uintptr_t)cfg, inst);
}

/* ------------------------------------------------------------------ */
/* Load context and error recording                                    */

struct ctx {
	struct wp_config *cfg;
	struct wp_config_errors *errs;
	const char *name;          /* file name for messages */
	bool from_file;            /* lines known; "(default)" makes sense */
	int cur;                   /* current instance, CUR_NONE or CUR_SKIP */
	uint32_t line;             /* lines handed to inih so far */
	uint32_t first_syntax;     /* first line inih also refuses (see classify) */
	bool pool_bad;             /* wp_pool_params_check refused [pool] */
	uint32_t sec_line[N_INST];
	uint32_t key_line[N_INST][MAX_KEYS];
	uint8_t key_bad[N_INST][MAX_KEYS];
};

/* Printable copy of outside text for messages: at most 64 characters,
 * anything outside visible ASCII as \xNN. */
static const char *
esc(const char *s, char *buf, size_t len)
{
	size_t o = 0, n = 0;

	for (; *s && o + 5 < len; s++, n++) {
		unsigned char ch = (unsigned char)*s;

		if (n == 64) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			buf[o++] = (char)ch;
		} else {
			snprintf(buf + o, len - o, "\\x%02x", ch);
			o += 4;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void __attribute__((format(printf, 4, 5)))
add_err(struct ctx *c, uint32_t line, enum wp_config_error_kind kind,
	const char *fmt, ...)
{
	struct wp_config_errors *e = c->errs;
	struct wp_config_error *slot;
	va_list ap;
	int n;

	e->count++;
	e->by_kind[kind]++;
	if (e->stored >= WP_CONFIG_MAX_ERRORS)
		return;
	slot = &e->e[e->stored++];
	slot->line = line;
	slot->kind = (uint8_t)kind;
	if (line)
		n = snprintf(slot->msg, sizeof(slot->msg), "%s:%" PRIu32 ": ",
				c->name, line);
	else
		n = snprintf(slot->msg, sizeof(slot->msg), "%s: ", c->name);
	if (n < 0 || (size_t)n >= sizeof(slot->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(slot->msg + n, sizeof(slot->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static const char *
inst_label(const struct ctx *c, int inst, char *buf, size_t len)
{
	enum sec s = inst_sec(inst);
	char tmp[80];

	if (s == S_PORT)
		snprintf(buf, len, "port %s", port_role_names[inst - I_PORT0]);
	else if (s == S_BACKEND)
		snprintf(buf, len, "backend %s",
			 esc(c->cfg->backend[inst - I_BACKEND0].name, tmp, sizeof(tmp)));
	else
		snprintf(buf, len, "%s", secdefs[s].name);
	return buf;
}

/* Levenshtein distance, capped: enough to suggest a near key name. */
static unsigned int
edit_distance(const char *a, const char *b)
{
	unsigned int row[48], i, j, la = (unsigned)strlen(a), lb = (unsigned)strlen(b);

	if (la >= 47 || lb >= 47)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0], tmp;

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			diag = tmp;
		}
	}
	return row[lb];
}

static const char *
suggest(const char *word, const char *const *cands, unsigned int n)
{
	unsigned int i, best = 3;
	const char *pick = NULL;

	for (i = 0; i < n; i++) {
		unsigned int d = edit_distance(word, cands[i]);

		if (d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return pick;
}

/* ------------------------------------------------------------------ */
/* Values: parse and format                                            */

static uint64_t
rd_uint(const void *p, unsigned int size)
{
	switch (size) {
	case 1: { uint8_t v; memcpy(&v, p, 1); return v; }
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

static void
wr_uint(void *p, unsigned int size, uint64_t val)
{
	switch (size) {
	case 1: { uint8_t v = (uint8_t)val; memcpy(p, &v, 1); break; }
	case 2: { uint16_t v = (uint16_t)val; memcpy(p, &v, 2); break; }
	case 4: { uint32_t v = (uint32_t)val; memcpy(p, &v, 4); break; }
	default: memcpy(p, &val, 8); break;
	}
}

/* Decimal digits only, no sign, no spaces; -1 on anything else or above max. */
static int
parse_uint(const char *s, const char **end, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	if (end)
		*end = s;
	else if (*s)
		return -1;
	return 0;
}

static void
fmt_duration(int64_t ns, char *buf, size_t len)
{
	static const struct { int64_t ns; const char *u; } units[] = {
		{ NS_H, "h" }, { NS_M, "m" }, { NS_S, "s" },
		{ NS_MS, "ms" }, { NS_US, "us" }, { 1, "ns" },
	};
	unsigned int i;

	if (ns == 0) {
		snprintf(buf, len, "0");
		return;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns % units[i].ns == 0)
			break;
	snprintf(buf, len, "%" PRId64 "%s", ns / units[i].ns, units[i].u);
}

static void
fmt_size(int64_t b, char *buf, size_t len)
{
	if (b != 0 && b % GIB == 0)
		snprintf(buf, len, "%" PRId64 "g", b / GIB);
	else if (b != 0 && b % MIB == 0)
		snprintf(buf, len, "%" PRId64 "m", b / MIB);
	else if (b != 0 && b % KIB == 0)
		snprintf(buf, len, "%" PRId64 "k", b / KIB);
	else
		snprintf(buf, len, "%" PRId64, b);
}

static void
fmt_ipv4(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
		 (a >> 8) & 0xff, a & 0xff);
}

static void
fmt_ratio(uint32_t milli, char *buf, size_t len)
{
	unsigned int frac = milli % 1000;

	if (frac == 0)
		snprintf(buf, len, "%u", milli / 1000);
	else if (frac % 100 == 0)
		snprintf(buf, len, "%u.%u", milli / 1000, frac / 100);
	else if (frac % 10 == 0)
		snprintf(buf, len, "%u.%02u", milli / 1000, frac / 10);
	else
		snprintf(buf, len, "%u.%03u", milli / 1000, frac);
}

/* Range bound of a key in the key's own notation. */
static void
fmt_bound(const struct keydef *k, int64_t v, char *buf, size_t len)
{
	if (k->type == VT_DUR)
		fmt_duration(v, buf, len);
	else if (k->type == VT_SIZE)
		fmt_size(v, buf, len);
	else if (k->type == VT_RATIO)
		fmt_ratio((uint32_t)v, buf, len);
	else
		snprintf(buf, len, "%" PRId64, v);
}

static int
format_lcores(const uint64_t *bits, uint32_t extra, char *buf, size_t len)
{
	size_t o = 0;
	int i = 0, n;

	if (len)
		buf[0] = '\0';
	while (i < WP_CONFIG_MAX_LCORE) {
		int j;

#define LC_SET(x) ((bits[(x) / 64] >> ((x) % 64)) & 1u || (uint32_t)(x) == extra)
		if (!LC_SET(i)) {
			i++;
			continue;
		}
		for (j = i; j + 1 < WP_CONFIG_MAX_LCORE && LC_SET(j + 1); j++)
			;
#undef LC_SET
		if (j > i)
			n = snprintf(buf + o, len > o ? len - o : 0, "%s%d-%d",
				     o ? "," : "", i, j);
		else
			n = snprintf(buf + o, len > o ? len - o : 0, "%s%d",
				     o ? "," : "", i);
		if (n < 0)
			return -EINVAL;
		o += (size_t)n;
		i = j + 1;
	}
	if (o >= len)
		return -ENOSPC;
	return (int)o;
}

/* The stored value of key k in canonical, re-loadable form. */
static void
format_value(const struct keydef *k, const void *base, char *buf, size_t len)
{
	const char *p = (const char *)base + k->off;
	uint64_t v;

	switch (k->type) {
	case VT_U16:
	case VT_U32:
	case VT_U64:
		snprintf(buf, len, "%" PRIu64, rd_uint(p, k->size));
		break;
	case VT_SIZE:
		fmt_size((int64_t)rd_uint(p, k->size), buf, len);
		break;
	case VT_DUR:
		fmt_duration((int64_t)rd_uint(p, k->size), buf, len);
		break;
	case VT_BOOL:
		snprintf(buf, len, "%s", rd_uint(p, k->size) ? "yes" : "no");
		break;
	case VT_IPV4:
	case VT_IPV4_ANY:
		fmt_ipv4((uint32_t)rd_uint(p, k->size), buf, len);
		break;
	case VT_CIDR: {
		char a[16];

		fmt_ipv4((uint32_t)rd_uint(p, k->size), a, sizeof(a));
		snprintf(buf, len, "%s/%u", a,
			 (unsigned)*((const uint8_t *)base + k->off2));
		break;
	}
	case VT_STR:
	case VT_METHOD:
		snprintf(buf, len, "%.*s", (int)strnlen(p, k->size), p);
		break;
	case VT_LCORES: {
		uint64_t bits[WP_CONFIG_MAX_LCORE / 64];

		memcpy(bits, p, sizeof(bits));
		if (format_lcores(bits, UINT32_MAX, buf, len) < 0 && len)
			buf[0] = '\0';
		break;
	}
	case VT_HEALTH_TYPE:
		v = rd_uint(p, k->size);
		snprintf(buf, len, "%s", v < 2 ? health_type_names[v] : "?");
		break;
	case VT_RATIO:
		fmt_ratio((uint32_t)rd_uint(p, k->size), buf, len);
		break;
	}
}

static bool
is_host_addr(uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);

	return top != 0 && top != 127 && top < 224;
}

static uint32_t
prefix_mask(unsigned int plen)
{
	return plen == 0 ? 0 : ~0u << (32 - plen);
}

static int
parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* "[digits][.digits] [unit]" -> ns, exact, or why not. */
static const char *
parse_duration(const char *s, int64_t *out)
{
	static const struct { const char *u; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", NS_US }, { "ms", NS_MS },
		{ "s", NS_S }, { "m", NS_M }, { "h", NS_H },
	};
	unsigned __int128 whole = 0, frac = 0, scale = 1, total;
	int64_t mult = 0;
	unsigned int i, nfrac = 0;
	bool digits = false;

	if (*s == '-')
		return "negative";
	for (; isdigit((unsigned char)*s); s++) {
		whole = whole * 10 + (unsigned)(*s - '0');
		digits = true;
		if (whole > (unsigned __int128)INT64_MAX)
			return "too large";
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return "not a duration";
		for (; isdigit((unsigned char)*s); s++) {
			if (nfrac == 18)
				return "too many decimals";
			frac = frac * 10 + (unsigned)(*s - '0');
			scale *= 10;
			nfrac++;
		}
	}
	if (!digits)
		return "not a duration";
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		if (whole == 0 && frac == 0) {
			*out = 0;
			return NULL;
		}
		return "needs a unit";
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i].u) == 0)
			mult = units[i].ns;
	if (mult == 0)
		return "unknown unit";
	if ((frac * (unsigned __int128)mult) % scale != 0)
		return "finer than 1ns";
	total = whole * (unsigned __int128)mult + frac * (unsigned __int128)mult / scale;
	if (total > (unsigned __int128)INT64_MAX)
		return "too large";
	*out = (int64_t)total;
	return NULL;
}

/* "digits[k|m|g][b|ib]" -> bytes. */
static int
parse_size(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;
	const char *e;

	if (parse_uint(s, &e, UINT64_MAX, &v) != 0)
		return -1;
	while (*e == ' ' || *e == '\t')
		e++;
	switch (tolower((unsigned char)*e)) {
	case 'k': mult = KIB; e++; break;
	case 'm': mult = MIB; e++; break;
	case 'g': mult = GIB; e++; break;
	default: break;
	}
	if (mult != 1 && tolower((unsigned char)*e) == 'i' &&
	    tolower((unsigned char)e[1]) == 'b')
		e += 2;
	else if (tolower((unsigned char)*e) == 'b')
		e++;
	if (*e != '\0' || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* "digits[.d[d[d]]]" -> x1000. */
static int
parse_ratio(const char *s, uint64_t *out)
{
	uint64_t whole, frac = 0;
	const char *e;
	int n = 0;

	if (parse_uint(s, &e, UINT32_MAX, &whole) != 0)
		return -1;
	if (*e == '.') {
		e++;
		if (!isdigit((unsigned char)*e))
			return -1;
		for (; isdigit((unsigned char)*e); e++, n++) {
			if (n == 3)
				return -1;
			frac = frac * 10 + (uint64_t)(*e - '0');
		}
		for (; n < 3; n++)
			frac *= 10;
	}
	if (*e != '\0')
		return -1;
	*out = whole * 1000 + frac;
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_lcores(const char *s, uint64_t *bits, uint32_t *count)
{
	uint64_t b[WP_CONFIG_MAX_LCORE / 64] = { 0 };
	uint32_t n = 0;
	unsigned int i;

	for (;;) {
		uint64_t lo, hi;
		const char *e;

		while (*s == ' ' || *s == '\t')
			s++;
		if (parse_uint(s, &e, WP_CONFIG_MAX_LCORE - 1, &lo) != 0)
			return -1;
		hi = lo;
		s = e;
		if (*s == '-') {
			if (parse_uint(s + 1, &e, WP_CONFIG_MAX_LCORE - 1, &hi) != 0 || hi < lo)
				return -1;
			s = e;
		}
		for (i = (unsigned)lo; i <= hi; i++)
			b[i / 64] |= 1ull << (i % 64);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -1;
	}
	for (i = 0; i < WP_CONFIG_MAX_LCORE; i++)
		n += (b[i / 64] >> (i % 64)) & 1u;
	memcpy(bits, b, sizeof(b));
	*count = n;
	return 0;
}

/* "must be ..." for key k: what is allowed. */
static void
allowed(const struct keydef *k, char *buf, size_t len)
{
	char lo[32], hi[32];

	fmt_bound(k, k->lo, lo, sizeof(lo));
	fmt_bound(k, k->hi, hi, sizeof(hi));
	switch (k->type) {
	case VT_U16:
	case VT_U32:
		snprintf(buf, len, "must be %s from %s to %s",
			 k->flags & F_POW2 ? "a power of two" : "an integer", lo, hi);
		break;
	case VT_U64:
		snprintf(buf, len, "must be an integer from 0 to %" PRIu64, UINT64_MAX);
		break;
	case VT_SIZE:
		snprintf(buf, len, "must be a size from %s to %s bytes (suffix k, m "
			 "or g for KiB, MiB, GiB), e.g. 8k", lo, hi);
		break;
	case VT_DUR:
		snprintf(buf, len, "must be a duration from %s to %s%s (units ns, us, "
			 "ms, s, m, h), e.g. 250ms", lo, hi,
			 k->flags & F_WHOLE_MS ? " in whole milliseconds" : "");
		break;
	case VT_BOOL:
		snprintf(buf, len, "must be yes/no, true/false, on/off or 1/0");
		break;
	case VT_IPV4:
		snprintf(buf, len, "must be an IPv4 host address a.b.c.d (not 0.x, "
			 "127.x, multicast or broadcast)");
		break;
	case VT_IPV4_ANY:
		snprintf(buf, len, "must be an IPv4 address a.b.c.d");
		break;
	case VT_CIDR:
		snprintf(buf, len, "must be an IPv4 host address with a prefix "
			 "length 1 to 32, e.g. 198.18.0.1/24");
		break;
	case VT_STR:
		if (k->flags & F_ABS_PATH)
			snprintf(buf, len, "must be an absolute path of 1 to %d "
				 "characters, no spaces", k->size - 1);
		else if (k->flags & F_HTTP_PATH)
			snprintf(buf, len, "must start with '/' and have at most %d "
				 "visible ASCII characters", k->size - 1);
		else
			snprintf(buf, len, "must be 1 to %d visible ASCII characters, "
				 "no spaces", k->size - 1);
		break;
	case VT_LCORES:
		snprintf(buf, len, "must be a list of lcore ids 0 to %d, e.g. 1 or "
			 "1-2,4", WP_CONFIG_MAX_LCORE - 1);
		break;
	case VT_HEALTH_TYPE:
		snprintf(buf, len, "must be tcp or http");
		break;
	case VT_METHOD:
		snprintf(buf, len, "must be GET, HEAD or OPTIONS");
		break;
	case VT_RATIO:
		snprintf(buf, len, "must be a number from %s to %s with at most 3 "
			 "decimals, e.g. 1.5", lo, hi);
		break;
	}
}

static bool
str_ok(const struct keydef *k, const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n >= k->size)
		return false;
	if ((k->flags & F_ABS_PATH) && v[0] != '/')
		return false;
	if ((k->flags & F_HTTP_PATH) && v[0] != '/')
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			return false;
	return true;
}

/* Parse `v` for key k into base + k->off. Returns 0, or -1 with `why`
 * filled. Nothing is written unless the value is valid. */
static int
parse_value(const struct keydef *k, const char *v, void *base, char *why, size_t wlen)
{
	char *p = (char *)base + k->off;
	const char *reason = NULL;
	uint64_t u = 0;
	size_t n = strlen(v);

	if (n > VALUE_MAX) {
		snprintf(why, wlen, "value too long (at most %d characters)", VALUE_MAX);
		return -1;
	}
	switch (k->type) {
	case VT_U16:
	case VT_U32:
		if (parse_uint(v, NULL, UINT64_MAX, &u) != 0 ||
		    u < (uint64_t)k->lo || u > (uint64_t)k->hi ||
		    ((k->flags & F_POW2) && (u & (u - 1)) != 0))
			goto bad;
		wr_uint(p, k->size, u);
		return 0;
	case VT_U64:
		if (parse_uint(v, NULL, UINT64_MAX, &u) != 0)
			goto bad;
		wr_uint(p, k->size, u);
		return 0;
	case VT_SIZE:
		if (parse_size(v, &u) != 0 || u < (uint64_t)k->lo || u > (uint64_t)k->hi)
			goto bad;
		wr_uint(p, k->size, u);
		return 0;
	case VT_DUR: {
		int64_t ns = 0;

		reason = parse_duration(v, &ns);
		if (reason == NULL && (ns < k->lo || ns > k->hi))
			reason = "out of range";
		if (reason == NULL && (k->flags & F_WHOLE_MS) && ns % NS_MS != 0)
			reason = "not whole milliseconds";
		if (reason)
			goto bad;
		wr_uint(p, k->size, (uint64_t)ns);
		return 0;
	}
	case VT_BOOL: {
		bool b;

		if (parse_bool(v, &b) != 0)
			goto bad;
		wr_uint(p, k->size, b);
		return 0;
	}
	case VT_IPV4:
	case VT_IPV4_ANY: {
		uint32_t a;

		if (parse_ipv4(v, &a) != 0 || (k->type == VT_IPV4 && !is_host_addr(a)))
			goto bad;
		wr_uint(p, k->size, a);
		return 0;
	}
	case VT_CIDR: {
		char ip[INET_ADDRSTRLEN + 1];
		const char *slash = strchr(v, '/');
		uint64_t plen;
		uint32_t a, host;

		if (slash == NULL || (size_t)(slash - v) >= sizeof(ip))
			goto bad;
		memcpy(ip, v, (size_t)(slash - v));
		ip[slash - v] = '\0';
		if (parse_ipv4(ip, &a) != 0 || !is_host_addr(a) ||
		    parse_uint(slash + 1, NULL, 32, &plen) != 0 || plen == 0)
			goto bad;
		host = a & ~prefix_mask((unsigned)plen);
		if (plen <= 30 && (host == 0 || host == ~prefix_mask((unsigned)plen))) {
			reason = host == 0 ? "is the network address of its prefix: "
					     "use a host address" :
					     "is the broadcast address of its prefix: "
					     "use a host address";
			goto bad;
		}
		wr_uint(p, k->size, a);
		*((uint8_t *)base + k->off2) = (uint8_t)plen;
		return 0;
	}
	case VT_STR:
		if (!str_ok(k, v, n))
			goto bad;
		memset(p, 0, k->size);
		memcpy(p, v, n);
		return 0;
	case VT_METHOD: {
		unsigned int i;

		for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
			if (strcmp(v, method_names[i]) == 0)
				break;
		if (i == sizeof(method_names) / sizeof(method_names[0]))
			goto bad;
		memset(p, 0, k->size);
		memcpy(p, v, n);
		return 0;
	}
	case VT_LCORES: {
		uint64_t bits[WP_CONFIG_MAX_LCORE / 64];
		uint32_t cnt;

		if (parse_lcores(v, bits, &cnt) != 0)
			goto bad;
		memcpy(p, bits, sizeof(bits));
		memcpy((char *)base + k->off2, &cnt, sizeof(cnt));
		return 0;
	}
	case VT_HEALTH_TYPE:
		if (strcmp(v, "tcp") == 0)
			u = WP_CONFIG_HEALTH_TCP;
		else if (strcmp(v, "http") == 0)
			u = WP_CONFIG_HEALTH_HTTP;
		else
			goto bad;
		wr_uint(p, k->size, u);
		return 0;
	case VT_RATIO:
		if (parse_ratio(v, &u) != 0 || u > (uint64_t)k->hi)
			goto bad;
		wr_uint(p, k->size, u);
		return 0;
	}
bad:
	if (reason && k->type == VT_DUR) {
		char more[200];

		allowed(k, more, sizeof(more));
		snprintf(why, wlen, "%.60s: %.190s", reason, more);
	} else if (reason) {
		snprintf(why, wlen, "%s", reason);
	} else {
		allowed(k, why, wlen);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Defaults                                                            */

void
wp_config_defaults(struct wp_config *cfg)
{
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->listen.addr = 0; /* the client port's address */
	cfg->listen.port = 8080;
	cfg->listen.backlog = 1024;
	for (i = 0; i < WP_CONFIG_PORT__COUNT; i++) {
		cfg->port[i].mtu = 1500;
		cfg->port[i].rx_desc = 1024;
		cfg->port[i].tx_desc = 1024;
	}
	cfg->workers.lcores[0] = 1u << 1; /* lcore 1 */
	cfg->workers.count = 1;
	cfg->workers.main_lcore = 0;
	cfg->workers.spin_polls = 1024;  /* = wp_runtime_conf_defaults() */
	cfg->workers.pause_polls = 4096;
	cfg->workers.idle_sleep_us = 50;
	cfg->workers.mbufs = 8192;
	cfg->workers.cmd_ring_slots = 64;
	cfg->workers.telem_ring_slots = 1024;
	wp_pool_params_default(&cfg->pool);
	cfg->http = (struct wp_config_http){
		.max_line = 8 * KIB,           /* = wp_http1_init() defaults */
		.max_header_bytes = 32 * KIB,
		.max_headers = 100,
		.client_idle_timeout_ns = 60 * NS_S,
		.backend_timeout_ns = 30 * NS_S,
		.request_timeout_ns = 30 * NS_S,
		.retry_idempotent = true,
	};
	cfg->health = (struct wp_config_health){
		.type = WP_CONFIG_HEALTH_TCP,
		.interval_ns = 2 * NS_S,
		.jitter_ns = 200 * NS_MS,
		.initial_spread_ns = 2 * NS_S,
		.timeout_ns = 1 * NS_S,
		.rise = 2,
		.fall = 3,
		.http_method = "GET",
		.http_path = "/",
		.http_expect_status = 200,
	};
	cfg->outlier = (struct wp_config_outlier){
		.consecutive_failures = 5,
		.base_ejection_ns = 30 * NS_S,
		.max_ejection_ns = 300 * NS_S,
		.max_ejected_percent = 50,
	};
	cfg->breaker = (struct wp_config_breaker){
		.max_sessions = 1024,
		.max_pending = 1024,
		.retry_budget_percent = 20,
		.min_retries_per_s = 3,
		.open_time_ns = 5 * NS_S,
		.half_open_probes = 3,
	};
	cfg->scaling = (struct wp_config_scaling){
		.enabled = false,
		.budget = 256,
		.floor = 1,
		.ceiling = 64,
		.step = 4,
		.cooldown_ns = 5 * NS_S,
		.preconnect_milli = 0,
	};
	snprintf(cfg->telemetry.file, sizeof(cfg->telemetry.file), "%s",
		 "/run/warmpool/telemetry.ring");
	cfg->telemetry.records = 65536;
	cfg->telemetry.snapshot_interval_ns = 1 * NS_S;
	cfg->management.addr = 0x7f000001; /* 127.0.0.1 */
	cfg->management.port = 9180;
	cfg->management.allow_remote = false;
	cfg->shutdown.drain_timeout_ns = 10 * NS_S;
}

/* ------------------------------------------------------------------ */
/* Reader and handler (inih)                                           */

struct reader {
	const char *p, *end;
	struct ctx *c;
};

static bool
valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= WP_CONFIG_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' &&
		    s[i] != '.')
			return false;
	return true;
}

static void
open_section(struct ctx *c, char *text)
{
	struct wp_config *cfg = c->cfg;
	char *type = text, *name, *end, e1[80], e2[80];
	uint32_t line = c->line;
	int inst = -1, s, i;

	c->cur = CUR_SKIP;
	while (isspace((unsigned char)*type))
		type++;
	for (name = type; *name && !isspace((unsigned char)*name); name++)
		;
	if (*name) {
		*name++ = '\0';
		while (isspace((unsigned char)*name))
			name++;
		for (end = name + strlen(name); end > name &&
		     isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
	}
	for (s = 0; s < S__COUNT; s++)
		if (strcmp(type, secdefs[s].name) == 0)
			break;
	if (s == S__COUNT) {
		const char *cands[S__COUNT];
		const char *near;

		for (i = 0; i < S__COUNT; i++)
			cands[i] = secdefs[i].name;
		near = suggest(type, cands, S__COUNT);
		add_err(c, line, WP_CONFIG_E_SECTION, "[%s%s%s]: unknown section%s%s%s "
			"(sections: listen, port client, port backend, workers, "
			"backend NAME, pool, http, health, outlier, breaker, scaling, "
			"telemetry, management, shutdown)",
			esc(type, e1, sizeof(e1)), *name ? " " : "",
			esc(name, e2, sizeof(e2)), near ? "; did you mean '" : "",
			near ? near : "", near ? "'?" : "");
		return;
	}
	if (s < N_SINGLETONS) {
		if (*name) {
			add_err(c, line, WP_CONFIG_E_SECTION, "[%s %s]: section "
				"[%s] takes no name", type, esc(name, e2, sizeof(e2)), type);
			return;
		}
		inst = s;
	} else if (s == S_PORT) {
		for (i = 0; i < WP_CONFIG_PORT__COUNT; i++)
			if (strcmp(name, port_role_names[i]) == 0)
				inst = I_PORT0 + i;
		if (inst < 0) {
			add_err(c, line, WP_CONFIG_E_SECTION, "[port%s%s]: must be "
				"[port client] or [port backend]", *name ? " " : "",
				esc(name, e2, sizeof(e2)));
			return;
		}
	} else {
		if (!valid_name(name)) {
			add_err(c, line, WP_CONFIG_E_SECTION, "[backend%s%s]: a backend "
				"needs a name of 1 to %d characters from A-Z a-z 0-9 _ . -",
				*name ? " " : "", esc(name, e2, sizeof(e2)),
				WP_CONFIG_NAME_LEN - 1);
			return;
		}
		for (i = 0; i < (int)cfg->n_backends; i++) {
			if (strcmp(cfg->backend[i].name, name) == 0) {
				add_err(c, line, WP_CONFIG_E_SECTION, "[backend %s]: "
					"backend named twice (first at line %" PRIu32 ")",
					name, c->sec_line[I_BACKEND0 + i]);
				return;
			}
		}
		if (cfg->n_backends == WP_CONFIG_MAX_BACKENDS) {
			add_err(c, line, WP_CONFIG_E_SECTION, "[backend %s]: too many "
				"backends (at most %d)", name, WP_CONFIG_MAX_BACKENDS);
			return;
		}
		inst = I_BACKEND0 + (int)cfg->n_backends;
		memcpy(cfg->backend[cfg->n_backends].name, name, strlen(name) + 1);
		cfg->backend[cfg->n_backends].port = 80;
		cfg->backend[cfg->n_backends].weight = 1;
		cfg->n_backends++;
	}
	if (c->sec_line[inst]) {
		add_err(c, line, WP_CONFIG_E_SECTION, "[%s%s%s]: section given twice "
			"(first at line %" PRIu32 ")", type, *name ? " " : "", name,
			c->sec_line[inst]);
		return;
	}
	if (inst >= I_PORT0 && inst < I_BACKEND0)
		cfg->port[inst - I_PORT0].present = true;
	c->sec_line[inst] = line;
	c->cur = inst;
}

/* inih's rule for where a "[...]" or "key = value" ends: at one of
 * `chars`, or at an inline comment (';' after whitespace). */
static char *
find_end(char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* Look at a line before inih does: section headers are ours, syntax
 * errors are reported here on the right line. */
static void
classify(struct ctx *c, char *line)
{
	char copy[256], e1[80], *end, *t;

	if (*line == '\0' || *line == ';' || *line == '#')
		return;
	if (*line != '[') {
		end = find_end(line, "=:");
		if (*end != '=' && *end != ':') {
			add_err(c, c->line, WP_CONFIG_E_SYNTAX, "'%s': expected "
				"'key = value', a [section] or a comment (; or #)",
				esc(line, e1, sizeof(e1)));
			if (c->first_syntax == 0)
				c->first_syntax = c->line;
		}
		return;
	}
	snprintf(copy, sizeof(copy), "%s", line);
	end = find_end(copy + 1, "]");
	if (*end != ']') {
		add_err(c, c->line, WP_CONFIG_E_SYNTAX, "'%s': section header "
			"without ']'", esc(line, e1, sizeof(e1)));
		if (c->first_syntax == 0)
			c->first_syntax = c->line;
		c->cur = CUR_SKIP;
		return;
	}
	*end = '\0';
	for (t = end + 1; isspace((unsigned char)*t); t++)
		;
	if (*t && *t != ';' && *t != '#') {
		add_err(c, c->line, WP_CONFIG_E_SYNTAX, "'%s': text after the "
			"section header (only a comment may follow ']')",
			esc(line, e1, sizeof(e1)));
		c->cur = CUR_SKIP;
		return;
	}
	open_section(c, copy + 1);
}

static char *
read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	struct ctx *c = r->c;
	const char *s, *e, *nl;
	size_t len;

	if (r->p >= r->end || size < 2)
		return NULL;
	s = r->p;
	nl = memchr(s, '\n', (size_t)(r->end - s));
	e = nl ? nl : r->end;
	r->p = nl ? nl + 1 : r->end;
	c->line++;
	buf[0] = '\0';
	if (c->line == 1 && e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < e && isspace((unsigned char)*s))
		s++;
	len = (size_t)(e - s);
	if (memchr(s, '\0', len) != NULL) {
		add_err(c, c->line, WP_CONFIG_E_SYNTAX, "line contains a NUL byte");
		return buf;
	}
	if (len > (size_t)size - 1) {
		add_err(c, c->line, WP_CONFIG_E_SYNTAX, "line too long (at most %d "
			"characters)", size - 1);
		return buf;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	classify(c, buf);
	return buf;
}

static int
on_key(void *user, const char *section, const char *name, const char *value,
       int lineno)
{
	struct ctx *c = user;
	const struct secdef *sd;
	const struct keydef *k = NULL;
	char why[256], label[64], e1[80], e2[80];
	uint32_t line = (uint32_t)lineno;
	unsigned int i;

	(void)section; /* ours is c->cur: see classify() */
	if (c->cur == CUR_SKIP)
		return 1;
	if (*name == '\0') {
		add_err(c, line, WP_CONFIG_E_SYNTAX, "'= %s': missing key name "
			"before '='", esc(value, e1, sizeof(e1)));
		return 1;
	}
	if (c->cur == CUR_NONE) {
		add_err(c, line, WP_CONFIG_E_KEY, "%s: key outside any section: "
			"put it under its [section]", esc(name, e1, sizeof(e1)));
		return 1;
	}
	sd = &secdefs[inst_sec(c->cur)];
	inst_label(c, c->cur, label, sizeof(label));
	for (i = 0; i < sd->nkeys; i++) {
		if (strcmp(sd->keys[i].name, name) == 0) {
			k = &sd->keys[i];
			break;
		}
	}
	if (k == NULL) {
		const char *cands[MAX_KEYS];
		const char *near;

		for (i = 0; i < sd->nkeys; i++)
			cands[i] = sd->keys[i].name;
		near = suggest(name, cands, sd->nkeys);
		if (near)
			add_err(c, line, WP_CONFIG_E_KEY, "[%s] %s: unknown key; did "
				"you mean '%s'?", label, esc(name, e1, sizeof(e1)), near);
		else
			add_err(c, line, WP_CONFIG_E_KEY, "[%s] %s: unknown key (see "
				"conf/warmpoold.ini for the keys of [%s])", label,
				esc(name, e1, sizeof(e1)), sd->name);
		return 1;
	}
	if (c->key_line[c->cur][i]) {
		add_err(c, line, WP_CONFIG_E_KEY, "[%s] %s = %s: set twice (first "
			"at line %" PRIu32 ")", label, name, esc(value, e2, sizeof(e2)),
			c->key_line[c->cur][i]);
		return 1;
	}
	c->key_line[c->cur][i] = line;
	if (parse_value(k, value, inst_base(c->cfg, c->cur), why, sizeof(why)) != 0) {
		c->key_bad[c->cur][i] = 1;
		add_err(c, line, WP_CONFIG_E_VALUE, "[%s] %s = %s: %s", label, name,
			esc(value, e2, sizeof(e2)), why);
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Checks after parsing                                                */

static int
key_index(enum sec s, const char *name)
{
	unsigned int i;

	for (i = 0; i < secdefs[s].nkeys; i++)
		if (strcmp(secdefs[s].keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool
is_bad(const struct ctx *c, int inst, const char *key)
{
	int ki = key_index(inst_sec(inst), key);

	return ki >= 0 && c->key_bad[inst][ki];
}

/* An error about key `key` of instance `inst`, with its effective value,
 * on the key's line (or the section's if the key was not set). Skipped if
 * the key's own value was already refused. */
static void __attribute__((format(printf, 5, 6)))
key_problem(struct ctx *c, enum wp_config_error_kind kind, int inst,
	    const char *key, const char *fmt, ...)
{
	int ki = key_index(inst_sec(inst), key);
	const struct keydef *k;
	char label[64], val[200], what[256];
	uint32_t line;
	va_list ap;

	if (ki < 0 || c->key_bad[inst][ki])
		return;
	k = &secdefs[inst_sec(inst)].keys[ki];
	line = c->key_line[inst][ki] ? c->key_line[inst][ki] : c->sec_line[inst];
	format_value(k, inst_cbase(c->cfg, inst), val, sizeof(val));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	add_err(c, line, kind, "[%s] %s = %s%s: %s",
		inst_label(c, inst, label, sizeof(label)), key, val,
		c->from_file && c->key_line[inst][ki] == 0 ? " (default)" : "",
		what);
}

static bool
inst_present(const struct ctx *c, int inst)
{
	if (inst < I_PORT0)
		return true;
	if (inst < I_BACKEND0)
		return c->cfg->port[inst - I_PORT0].present;
	return (uint32_t)(inst - I_BACKEND0) < c->cfg->n_backends;
}

/* Required keys present, and every stored value valid by the file's own
 * rules: formatted and parsed again into a scratch copy. After a load this
 * finds nothing new (only valid values are stored); for a struct built in
 * code it is the whole range check. */
static void
check_values(struct ctx *c, struct wp_config *scratch)
{
	char val[256], why[256], label[64];
	int inst;
	unsigned int i;

	for (inst = 0; inst < N_INST; inst++) {
		const struct secdef *sd = &secdefs[inst_sec(inst)];
		const char *base = inst_cbase(c->cfg, inst);

		if (!inst_present(c, inst))
			continue;
		for (i = 0; i < sd->nkeys; i++) {
			const struct keydef *k = &sd->keys[i];
			bool zero = (k->type == VT_STR || k->type == VT_METHOD) ?
				    base[k->off] == '\0' :
				    k->type == VT_LCORES ? false :
				    rd_uint(base + k->off, k->size) == 0;

			if (c->key_bad[inst][i])
				continue;
			if (zero && (k->flags & F_REQUIRED)) {
				char more[200];

				allowed(k, more, sizeof(more));
				add_err(c, c->sec_line[inst], WP_CONFIG_E_MISSING,
					"[%s] %s: missing: it %s",
					inst_label(c, inst, label, sizeof(label)),
					k->name, more);
				continue;
			}
			if (zero && (k->flags & F_OMIT_ZERO))
				continue;
			if (k->type == VT_LCORES) {
				uint64_t bits[WP_CONFIG_MAX_LCORE / 64];
				uint32_t n = 0, cnt, b;

				memcpy(bits, base + k->off, sizeof(bits));
				memcpy(&cnt, base + k->off2, sizeof(cnt));
				for (b = 0; b < WP_CONFIG_MAX_LCORE; b++)
					n += (bits[b / 64] >> (b % 64)) & 1u;
				if (n == 0 || n != cnt) {
					key_problem(c, n ? WP_CONFIG_E_VALUE :
						    WP_CONFIG_E_MISSING, inst, k->name,
						    n ? "count does not match the list" :
						    "at least one worker lcore is required");
					continue;
				}
			}
			format_value(k, base, val, sizeof(val));
			if (parse_value(k, val, inst_base(scratch, inst), why,
					sizeof(why)) != 0)
				key_problem(c, WP_CONFIG_E_VALUE, inst, k->name, "%s", why);
		}
	}
}

static void
check_pool(struct ctx *c)
{
	char err[160], key[40];
	const char *colon, *what;
	size_t n;
	unsigned int i;
	bool cross = false;

	if (wp_pool_params_check(&c->cfg->pool, err, sizeof(err)) == 0)
		return;
	c->pool_bad = true;
	colon = strchr(err, ':');
	n = colon ? (size_t)(colon - err) : sizeof(key);
	if (n < sizeof(key)) {
		memcpy(key, err, n);
		key[n] = '\0';
	}
	if (n >= sizeof(key) || key_index(S_POOL, key) < 0) {
		add_err(c, c->sec_line[S_POOL], WP_CONFIG_E_VALUE, "[pool]: %s", err);
		return;
	}
	what = colon + 1;
	while (*what == ' ')
		what++;
	for (i = 0; i < secdefs[S_POOL].nkeys; i++)
		if (strcmp(secdefs[S_POOL].keys[i].name, key) != 0 &&
		    strstr(what, secdefs[S_POOL].keys[i].name) != NULL)
			cross = true;
	key_problem(c, cross ? WP_CONFIG_E_CONFLICT : WP_CONFIG_E_VALUE, S_POOL,
		    key, "%s", what);
}

static bool
same_subnet(uint32_t a, uint32_t b, unsigned int plen)
{
	return ((a ^ b) & prefix_mask(plen)) == 0;
}

static void
check_ports(struct ctx *c)
{
	const struct wp_config *cfg = c->cfg;
	const struct wp_config_port *cp = &cfg->port[WP_CONFIG_PORT_CLIENT];
	const struct wp_config_port *bp = &cfg->port[WP_CONFIG_PORT_BACKEND];
	char a[20];
	int i;

	if (!cp->present)
		add_err(c, 0, WP_CONFIG_E_MISSING, "[port client]: missing: the "
			"client-facing port (device, address) is required");
	for (i = 0; i < WP_CONFIG_PORT__COUNT; i++) {
		const struct wp_config_port *p = &cfg->port[i];
		int inst = I_PORT0 + i;

		if (!p->present || p->addr == 0 || p->gateway == 0)
			continue;
		fmt_ipv4(p->addr, a, sizeof(a));
		if (p->gateway == p->addr)
			key_problem(c, WP_CONFIG_E_CONFLICT, inst, "gateway",
				    "is the port's own address");
		else if (!same_subnet(p->gateway, p->addr, p->prefix_len)) {
			fmt_ipv4(p->addr & prefix_mask(p->prefix_len), a, sizeof(a));
			key_problem(c, WP_CONFIG_E_CONFLICT, inst, "gateway",
				    "must be on-link: inside %s/%u", a, p->prefix_len);
		}
	}
	if (!cp->present || !bp->present)
		return;
	if (cp->device[0] && strcmp(cp->device, bp->device) == 0)
		key_problem(c, WP_CONFIG_E_CONFLICT, I_PORT0 + WP_CONFIG_PORT_BACKEND,
			    "device", "same device as [port client]: leave [port "
			    "backend] out to use one port for both sides");
	if (cp->addr && bp->addr && !is_bad(c, I_PORT0, "address") &&
	    same_subnet(cp->addr, bp->addr, cp->prefix_len < bp->prefix_len ?
			cp->prefix_len : bp->prefix_len)) {
		fmt_ipv4(cp->addr, a, sizeof(a));
		key_problem(c, WP_CONFIG_E_CONFLICT, I_PORT0 + WP_CONFIG_PORT_BACKEND,
			    "address", "overlaps [port client] %s/%u: the two "
			    "ports need separate subnets", a, cp->prefix_len);
	}
}

static void
check_listen_workers(struct ctx *c)
{
	const struct wp_config *cfg = c->cfg;
	const struct wp_config_port *cp = &cfg->port[WP_CONFIG_PORT_CLIENT];
	uint32_t need = 0;
	char a[20], list[200];
	int i;

	if (cfg->listen.addr && cp->present && cp->addr && cfg->listen.addr != cp->addr &&
	    !is_bad(c, I_PORT0, "address")) {
		fmt_ipv4(cp->addr, a, sizeof(a));
		key_problem(c, WP_CONFIG_E_CONFLICT, S_LISTEN, "address",
			    "must be the address of [port client] (%s): the "
			    "stack answers for one address per port", a);
	}
	if (wp_config_is_worker_lcore(cfg, cfg->workers.main_lcore) &&
	    !is_bad(c, S_WORKERS, "lcores")) {
		format_lcores(cfg->workers.lcores, UINT32_MAX, list, sizeof(list));
		key_problem(c, WP_CONFIG_E_CONFLICT, S_WORKERS, "main_lcore",
			    "is also in lcores (%s): the control core cannot be a "
			    "worker", list);
	}
	for (i = 0; i < WP_CONFIG_PORT__COUNT; i++)
		if (cfg->port[i].present && !is_bad(c, I_PORT0 + i, "rx_desc") &&
		    !is_bad(c, I_PORT0 + i, "tx_desc"))
			need += cfg->port[i].rx_desc + cfg->port[i].tx_desc;
	if (cfg->workers.mbufs < need)
		key_problem(c, WP_CONFIG_E_CONFLICT, S_WORKERS, "mbufs",
			    "must be at least %" PRIu32 ", the rx_desc + tx_desc "
			    "of the ports: the rings alone hold that many", need);
}

static void
check_backends(struct ctx *c)
{
	const struct wp_config *cfg = c->cfg;
	const struct wp_config_port *sp = wp_config_port_for(cfg, WP_CONFIG_PORT_BACKEND);
	const char *sname = cfg->port[WP_CONFIG_PORT_BACKEND].present ?
			    "[port backend]" : "[port client]";
	char a[20], e1[80];
	uint32_t i, j;

	if (cfg->n_backends == 0)
		add_err(c, 0, WP_CONFIG_E_MISSING, "no [backend NAME] section: at "
			"least one backend is required");
	for (i = 0; i < cfg->n_backends; i++) {
		const struct wp_config_backend *b = &cfg->backend[i];
		int inst = I_BACKEND0 + (int)i;
		int r;

		if (!c->from_file) {
			if (!valid_name(b->name))
				add_err(c, 0, WP_CONFIG_E_SECTION, "[backend %s]: a "
					"backend needs a name of 1 to %d characters "
					"from A-Z a-z 0-9 _ . -", esc(b->name, e1,
					sizeof(e1)), WP_CONFIG_NAME_LEN - 1);
			for (j = 0; j < i; j++)
				if (strcmp(cfg->backend[j].name, b->name) == 0)
					add_err(c, 0, WP_CONFIG_E_SECTION, "[backend "
						"%s]: backend named twice",
						esc(b->name, e1, sizeof(e1)));
		}
		if (b->addr == 0 || is_bad(c, inst, "address"))
			continue;
		for (r = 0; r < WP_CONFIG_PORT__COUNT; r++) {
			if (cfg->port[r].present && cfg->port[r].addr == b->addr) {
				key_problem(c, WP_CONFIG_E_CONFLICT, inst, "address",
					    "is the appliance's own address ([port %s])",
					    port_role_names[r]);
				break;
			}
		}
		if (r < WP_CONFIG_PORT__COUNT)
			continue;
		if (cfg->listen.addr == b->addr) {
			key_problem(c, WP_CONFIG_E_CONFLICT, inst, "address",
				    "is the listen address");
			continue;
		}
		if (sp->present && sp->addr && sp->gateway == 0 &&
		    !same_subnet(b->addr, sp->addr, sp->prefix_len)) {
			fmt_ipv4(sp->addr & prefix_mask(sp->prefix_len), a, sizeof(a));
			key_problem(c, WP_CONFIG_E_CONFLICT, inst, "address",
				    "is not in %s/%u of %s, which has no gateway",
				    a, sp->prefix_len, sname);
			continue;
		}
		for (j = 0; j < i; j++) {
			if (cfg->backend[j].addr == b->addr &&
			    cfg->backend[j].port == b->port &&
			    !is_bad(c, inst, "port")) {
				key_problem(c, WP_CONFIG_E_CONFLICT, inst, "address",
					    "same address and port as [backend %s]",
					    cfg->backend[j].name);
				break;
			}
		}
	}
}

static void
check_cross(struct ctx *c)
{
	const struct wp_config *cfg = c->cfg;
	char v[40];

	if (cfg->http.max_header_bytes < cfg->http.max_line &&
	    !is_bad(c, S_HTTP, "max_line")) {
		fmt_size(cfg->http.max_line, v, sizeof(v));
		key_problem(c, WP_CONFIG_E_CONFLICT, S_HTTP, "max_header_bytes",
			    "must be at least max_line (%s)", v);
	}
	fmt_duration(cfg->health.interval_ns, v, sizeof(v));
	if (!is_bad(c, S_HEALTH, "interval")) {
		if (cfg->health.jitter_ns >= cfg->health.interval_ns)
			key_problem(c, WP_CONFIG_E_CONFLICT, S_HEALTH, "jitter",
				    "must be less than interval (%s)", v);
		if (cfg->health.timeout_ns > cfg->health.interval_ns)
			key_problem(c, WP_CONFIG_E_CONFLICT, S_HEALTH, "timeout",
				    "must not exceed interval (%s)", v);
	}
	if (cfg->management.port != 0 && !cfg->management.allow_remote &&
	    (cfg->management.addr >> 24) != 127 && !is_bad(c, S_MANAGEMENT, "address")) {
		fmt_ipv4(cfg->management.addr, v, sizeof(v));
		key_problem(c, WP_CONFIG_E_CONFLICT, S_MANAGEMENT, "address",
			    "%s is not a loopback address: the management listener has "
			    "no authentication; set allow_remote = yes to listen there", v);
	}
	if (cfg->outlier.max_ejection_ns < cfg->outlier.base_ejection_ns &&
	    !is_bad(c, S_OUTLIER, "base_ejection")) {
		fmt_duration(cfg->outlier.base_ejection_ns, v, sizeof(v));
		key_problem(c, WP_CONFIG_E_CONFLICT, S_OUTLIER, "max_ejection",
			    "must be at least base_ejection (%s)", v);
	}
	if (!cfg->scaling.enabled)
		return;
	if (cfg->scaling.floor > cfg->scaling.ceiling && !is_bad(c, S_SCALING, "ceiling"))
		key_problem(c, WP_CONFIG_E_CONFLICT, S_SCALING, "floor",
			    "must not exceed ceiling (%" PRIu32 ")", cfg->scaling.ceiling);
	if (cfg->scaling.ceiling > cfg->scaling.budget && !is_bad(c, S_SCALING, "budget"))
		key_problem(c, WP_CONFIG_E_CONFLICT, S_SCALING, "ceiling",
			    "must not exceed budget (%" PRIu32 ")", cfg->scaling.budget);
	if (cfg->scaling.ceiling > cfg->pool.max_sessions && !c->pool_bad &&
	    !is_bad(c, S_POOL, "max_sessions"))
		key_problem(c, WP_CONFIG_E_CONFLICT, S_SCALING, "ceiling",
			    "must not exceed [pool] max_sessions (%" PRIu32 "): "
			    "each core's pool is sized by it", cfg->pool.max_sessions);
	if ((uint64_t)cfg->scaling.floor * cfg->workers.count > cfg->scaling.budget &&
	    !is_bad(c, S_SCALING, "budget") && !is_bad(c, S_WORKERS, "lcores"))
		key_problem(c, WP_CONFIG_E_CONFLICT, S_SCALING, "floor",
			    "x %" PRIu32 " workers = %" PRIu64 " exceeds budget (%"
			    PRIu32 ")", cfg->workers.count,
			    (uint64_t)cfg->scaling.floor * cfg->workers.count,
			    cfg->scaling.budget);
}

static void
check_all(struct ctx *c)
{
	struct wp_config scratch;

	memcpy(&scratch, c->cfg, sizeof(scratch));
	check_values(c, &scratch);
	check_ports(c);
	check_listen_workers(c);
	check_backends(c);
	check_pool(c);
	check_cross(c);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

/* Stored errors in line order (stable), those without a line last. */
static int
finish(struct ctx *c)
{
	struct wp_config_errors *e = c->errs;
	struct wp_config_error tmp;
	uint32_t i, j;

	for (i = 1; i < e->stored; i++) {
		uint32_t li = e->e[i].line ? e->e[i].line : UINT32_MAX;

		for (j = i; j > 0; j--) {
			uint32_t lj = e->e[j - 1].line ? e->e[j - 1].line : UINT32_MAX;

			if (lj <= li)
				break;
		}
		if (j == i)
			continue;
		tmp = e->e[i];
		memmove(&e->e[j + 1], &e->e[j], (i - j) * sizeof(e->e[0]));
		e->e[j] = tmp;
	}
	return e->count ? -EINVAL : 0;
}

int
wp_config_load_buffer(struct wp_config *cfg, const char *name, const void *data,
		      size_t len, struct wp_config_errors *errs)
{
	struct wp_config_errors local;
	struct reader r;
	struct ctx *c;
	int ret;

	if (errs == NULL)
		errs = &local;
	memset(errs, 0, sizeof(*errs));
	wp_config_defaults(cfg);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->cfg = cfg;
	c->errs = errs;
	c->name = name ? name : "config";
	c->from_file = true;
	c->cur = CUR_NONE;
	r.p = data;
	r.end = (const char *)data + len;
	r.c = c;

	if (len > WP_CONFIG_MAX_FILE) {
		add_err(c, 0, WP_CONFIG_E_IO, "larger than %u bytes", WP_CONFIG_MAX_FILE);
		ret = -EFBIG;
		goto out;
	}
	ret = ini_parse_stream(read_line, &r, on_key, c);
	if (ret < 0) {
		ret = -ENOMEM;
		goto out;
	}
	if (ret > 0 && (uint32_t)ret != c->first_syntax)
		add_err(c, (uint32_t)ret, WP_CONFIG_E_SYNTAX, "not understood: "
			"expected 'key = value', a [section] or a comment");
	if (cfg->listen.addr == 0 && cfg->port[WP_CONFIG_PORT_CLIENT].present)
		cfg->listen.addr = cfg->port[WP_CONFIG_PORT_CLIENT].addr;
	check_all(c);
	ret = finish(c);
out:
	free(c);
	return ret;
}

int
wp_config_load_string(struct wp_config *cfg, const char *name, const char *text,
		      struct wp_config_errors *errs)
{
	return wp_config_load_buffer(cfg, name, text, strlen(text), errs);
}

int
wp_config_load(struct wp_config *cfg, const char *path, struct wp_config_errors *errs)
{
	struct wp_config_errors local;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int ret = 0;

	if (errs == NULL)
		errs = &local;
	f = fopen(path, "re");
	if (f == NULL) {
		ret = -errno;
		goto io_error;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			if (cap > WP_CONFIG_MAX_FILE) {
				ret = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f))
				ret = errno ? -errno : -EIO;
			break;
		}
	}
	fclose(f);
	if (ret == 0 && len > WP_CONFIG_MAX_FILE)
		ret = -EFBIG;
	if (ret != 0)
		goto io_error;
	ret = wp_config_load_buffer(cfg, path, buf ? buf : "", len, errs);
	free(buf);
	return ret;

io_error:
	free(buf);
	wp_config_defaults(cfg);
	memset(errs, 0, sizeof(*errs));
	{
		struct ctx c = { .cfg = cfg, .errs = errs, .name = path };

		if (ret == -EFBIG)
			add_err(&c, 0, WP_CONFIG_E_IO, "cannot read: larger than %u "
				"bytes", WP_CONFIG_MAX_FILE);
		else
			add_err(&c, 0, WP_CONFIG_E_IO, "cannot read: %s", strerror(-ret));
	}
	return ret;
}

int
wp_config_check(const struct wp_config *cfg, const char *name,
		struct wp_config_errors *errs)
{
	struct wp_config_errors local;
	struct wp_config copy;
	struct ctx *c;
	int ret, i;

	if (errs == NULL)
		errs = &local;
	memset(errs, 0, sizeof(*errs));
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	memcpy(&copy, cfg, sizeof(copy));
	if (copy.n_backends > WP_CONFIG_MAX_BACKENDS)
		copy.n_backends = WP_CONFIG_MAX_BACKENDS;
	c->cfg = &copy;
	c->errs = errs;
	c->name = name ? name : "config";
	c->from_file = false;
	if (cfg->n_backends > WP_CONFIG_MAX_BACKENDS)
		add_err(c, 0, WP_CONFIG_E_SECTION, "too many backends (%" PRIu32
			", at most %d)", cfg->n_backends, WP_CONFIG_MAX_BACKENDS);
	for (i = 0; i < (int)copy.n_backends; i++)
		copy.backend[i].name[WP_CONFIG_NAME_LEN - 1] = '\0';
	check_all(c);
	ret = finish(c);
	free(c);
	return ret;
}

int
wp_config_dump(const struct wp_config *cfg, FILE *out)
{
	/* file order: listen, ports, workers, backends (-1), then the rest */
	static const int order[] = { S_LISTEN, I_PORT0, I_PORT0 + 1, S_WORKERS, -1,
		S_POOL, S_HTTP, S_HEALTH, S_OUTLIER, S_BREAKER, S_SCALING,
		S_TELEMETRY, S_MANAGEMENT, S_SHUTDOWN };
	char val[256];
	int inst;
	unsigned int i;

	fprintf(out, "# warmpoold effective configuration (every key; "
		"see conf/warmpoold.ini)\n");
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int from = order[i], to = order[i];

		if (order[i] == -1) {
			from = I_BACKEND0;
			to = I_BACKEND0 + (int)cfg->n_backends - 1;
		}
		for (inst = from; inst <= to && inst < N_INST; inst++) {
			const struct secdef *sd = &secdefs[inst_sec(inst)];
			const char *base = inst_cbase(cfg, inst);
			unsigned int k;

			if (inst >= I_PORT0 && inst < I_BACKEND0 &&
			    !cfg->port[inst - I_PORT0].present)
				continue;
			if (inst_sec(inst) == S_PORT)
				fprintf(out, "\n[port %s]\n", port_role_names[inst - I_PORT0]);
			else if (inst_sec(inst) == S_BACKEND)
				fprintf(out, "\n[backend %.*s]\n", WP_CONFIG_NAME_LEN - 1,
					cfg->backend[inst - I_BACKEND0].name);
			else
				fprintf(out, "\n[%s]\n", sd->name);
			for (k = 0; k < sd->nkeys; k++) {
				const struct keydef *kd = &sd->keys[k];

				if ((kd->flags & F_OMIT_ZERO) &&
				    rd_uint(base + kd->off, kd->size) == 0)
					continue;
				format_value(kd, base, val, sizeof(val));
				fprintf(out, "%s = %s\n", kd->name, val);
			}
		}
	}
	return ferror(out) ? -EIO : 0;
}

void
wp_config_errors_print(const struct wp_config_errors *errs, FILE *out)
{
	uint32_t i;

	for (i = 0; i < errs->stored && i < WP_CONFIG_MAX_ERRORS; i++)
		fprintf(out, "%s\n", errs->e[i].msg);
	if (errs->count > errs->stored)
		fprintf(out, "... and %" PRIu32 " more error%s\n",
			errs->count - errs->stored,
			errs->count - errs->stored == 1 ? "" : "s");
}

const char *
wp_config_error_kind_name(enum wp_config_error_kind k)
{
	static const char *const names[WP_CONFIG_E__COUNT] = {
		[WP_CONFIG_E_IO] = "io",
		[WP_CONFIG_E_SYNTAX] = "syntax",
		[WP_CONFIG_E_SECTION] = "section",
		[WP_CONFIG_E_KEY] = "key",
		[WP_CONFIG_E_VALUE] = "value",
		[WP_CONFIG_E_MISSING] = "missing",
		[WP_CONFIG_E_CONFLICT] = "conflict",
	};

	return (unsigned)k < WP_CONFIG_E__COUNT ? names[k] : "unknown";
}

void
wp_config_pool_params(const struct wp_config *cfg, struct wp_pool_params *p)
{
	*p = cfg->pool;
}

void
wp_config_breaker_params(const struct wp_config *cfg, struct wp_breaker_params *p)
{
	*p = (struct wp_breaker_params){
		.max_sessions = cfg->breaker.max_sessions,
		.max_pending = cfg->breaker.max_pending,
		.retry_budget_percent = cfg->breaker.retry_budget_percent,
		.min_retries_per_s = cfg->breaker.min_retries_per_s,
		.open_time_ns = cfg->breaker.open_time_ns,
		.half_open_probes = cfg->breaker.half_open_probes,
	};
}

const struct wp_config_port *
wp_config_port_for(const struct wp_config *cfg, enum wp_config_port_role role)
{
	if (role == WP_CONFIG_PORT_BACKEND && cfg->port[WP_CONFIG_PORT_BACKEND].present)
		return &cfg->port[WP_CONFIG_PORT_BACKEND];
	return &cfg->port[WP_CONFIG_PORT_CLIENT];
}

void
wp_config_net_conf(const struct wp_config *cfg, enum wp_config_port_role role,
		   struct wp_net_conf *nc)
{
	const struct wp_config_port *p = wp_config_port_for(cfg, role);

	nc->ip = p->addr;
	nc->prefix_len = p->prefix_len;
	nc->gateway = p->gateway;
	nc->mtu = p->mtu;
}

/* ------------------------------------------------------------------ */
/* Comparing configurations (SIGHUP reload)                            */

/* The instance of section type s named `name` in cfg (ports by role,
 * backends by name), or -1 when cfg has no such section. */
static int
inst_find(const struct wp_config *cfg, enum sec s, const char *name)
{
	int i;

	if (s < N_SINGLETONS)
		return s;
	if (s == S_PORT) {
		for (i = 0; i < WP_CONFIG_PORT__COUNT; i++)
			if (strcmp(port_role_names[i], name) == 0)
				return cfg->port[i].present ? I_PORT0 + i : -1;
		return -1;
	}
	i = wp_config_find_backend(cfg, name);
	return i < 0 ? -1 : I_BACKEND0 + i;
}

static const char *
inst_name(const struct wp_config *cfg, int inst)
{
	if (inst_sec(inst) == S_PORT)
		return port_role_names[inst - I_PORT0];
	if (inst_sec(inst) == S_BACKEND)
		return cfg->backend[inst - I_BACKEND0].name;
	return "";
}

/* Compare section (s, name): ia in a, ib in b (-1 = absent). */
static unsigned
diff_section(const struct wp_config *a, const struct wp_config *b, enum sec s,
	     int ia, int ib, wp_config_change_fn *fn, void *arg)
{
	const struct secdef *sd = &secdefs[s];
	struct wp_config_change ch;
	unsigned n = 0;

	memset(&ch, 0, sizeof(ch));
	ch.section = sd->name;
	ch.name = ia >= 0 ? inst_name(a, ia) : inst_name(b, ib);
	if (ia < 0 || ib < 0) {
		snprintf(ia < 0 ? ch.new_value : ch.old_value, WP_CONFIG_VALUE_LEN, "%s",
			 ia < 0 ? "added" : "removed");
		fn(arg, &ch);
		return 1;
	}
	for (unsigned k = 0; k < sd->nkeys; k++) {
		const struct keydef *kd = &sd->keys[k];

		format_value(kd, inst_cbase(a, ia), ch.old_value, sizeof(ch.old_value));
		format_value(kd, inst_cbase(b, ib), ch.new_value, sizeof(ch.new_value));
		if ((kd->flags & F_OMIT_ZERO) && rd_uint((const char *)inst_cbase(a, ia) +
							 kd->off, kd->size) == 0)
			ch.old_value[0] = '\0';
		if ((kd->flags & F_OMIT_ZERO) && rd_uint((const char *)inst_cbase(b, ib) +
							 kd->off, kd->size) == 0)
			ch.new_value[0] = '\0';
		if (strcmp(ch.old_value, ch.new_value) == 0)
			continue;
		ch.key = kd->name;
		fn(arg, &ch);
		n++;
	}
	return n;
}

unsigned
wp_config_diff(const struct wp_config *a, const struct wp_config *b,
	       wp_config_change_fn *fn, void *arg)
{
	static const int order[] = { S_LISTEN, I_PORT0, I_PORT0 + 1, S_WORKERS, -1,
		S_POOL, S_HTTP, S_HEALTH, S_OUTLIER, S_BREAKER, S_SCALING,
		S_TELEMETRY, S_MANAGEMENT, S_SHUTDOWN };
	unsigned n = 0, i;
	uint32_t j;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i] >= 0 && order[i] < I_PORT0) {
			n += diff_section(a, b, (enum sec)order[i], order[i], order[i], fn, arg);
			continue;
		}
		if (order[i] >= I_PORT0) {
			int r = order[i] - I_PORT0;
			int ia = a->port[r].present ? order[i] : -1;
			int ib = b->port[r].present ? order[i] : -1;

			if (ia >= 0 || ib >= 0)
				n += diff_section(a, b, S_PORT, ia, ib, fn, arg);
			continue;
		}
		/* backends: a's in a's order (changed or removed), then b's new ones */
		for (j = 0; j < a->n_backends && j < WP_CONFIG_MAX_BACKENDS; j++)
			n += diff_section(a, b, S_BACKEND, I_BACKEND0 + (int)j,
					  inst_find(b, S_BACKEND, a->backend[j].name), fn, arg);
		for (j = 0; j < b->n_backends && j < WP_CONFIG_MAX_BACKENDS; j++)
			if (inst_find(a, S_BACKEND, b->backend[j].name) < 0)
				n += diff_section(a, b, S_BACKEND, -1, I_BACKEND0 + (int)j,
						  fn, arg);
	}
	return n;
}

int
wp_config_copy_key(struct wp_config *dst, const struct wp_config *src,
		   const char *section, const char *name, const char *key)
{
	int s, k, id, is;

	for (s = 0; s < S__COUNT; s++)
		if (strcmp(secdefs[s].name, section) == 0)
			break;
	if (s == S__COUNT || (k = key_index((enum sec)s, key)) < 0)
		return -ENOENT;
	id = inst_find(dst, (enum sec)s, name ? name : "");
	is = inst_find(src, (enum sec)s, name ? name : "");
	if (id < 0 || is < 0)
		return -ENOENT;
	{
		const struct keydef *kd = &secdefs[s].keys[k];
		char *d = (char *)inst_base(dst, id);
		const char *f = (const char *)inst_cbase(src, is);

		memcpy(d + kd->off, f + kd->off, kd->size);
		if (kd->type == VT_CIDR)
			d[kd->off2] = f[kd->off2];
		else if (kd->type == VT_LCORES)
			memcpy(d + kd->off2, f + kd->off2, sizeof(uint32_t));
	}
	return 0;
}

int
wp_config_find_backend(const struct wp_config *cfg, const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->n_backends && i < WP_CONFIG_MAX_BACKENDS; i++)
		if (strncmp(cfg->backend[i].name, name, WP_CONFIG_NAME_LEN) == 0)
			return (int)i;
	return -ENOENT;
}

int
wp_config_format_lcores(const struct wp_config *cfg, bool with_main, char *buf,
			size_t len)
{
	return format_lcores(cfg->workers.lcores,
			     with_main ? cfg->workers.main_lcore : UINT32_MAX, buf, len);
}
