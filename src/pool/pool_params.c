/* SPDX-License-Identifier: BSD-3-Clause */
/* Pool parameters: defaults and validation.
 *
 * Validation is the one place a bad number from a config file is caught,
 * so every refusal names the parameter and says what is allowed. The
 * config parser (appliance issue) prefixes file and line.
 */
#include <errno.h>
#include <stdio.h>

#include <warmpool/pool.h>

#define MS(x) ((int64_t)(x) * 1000000LL)
#define S(x) ((int64_t)(x) * 1000000000LL)

/* Largest caps we accept: session ids and waiter slots are 32-bit and the
 * whole pool is one allocation; beyond these a core is misconfigured. */
#define WP_POOL_MAX_SESSIONS (1u << 20)
#define WP_POOL_MAX_PENDING (1u << 20)

void
wp_pool_params_default(struct wp_pool_params *p)
{
	*p = (struct wp_pool_params){
		.min_idle = 4,
		.max_sessions = 64,
		.max_pending = 256,
		.max_requests = 10000,
		.connect_burst = 4,
		.connect_interval_ns = MS(10),
		.connect_timeout_ns = S(2),
		.acquire_timeout_ns = S(1),
		.idle_timeout_ns = S(30),
		.max_age_ns = S(300),
		.max_age_jitter_ns = S(30),
		.probe_idle_ns = 0,
		.leak_threshold_ns = S(60),
		.leak_reclaim = false,
		.seed = 0x9e3779b97f4a7c15ULL,
	};
}

static int
refuse(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
	return -EINVAL;
}

int
wp_pool_params_check(const struct wp_pool_params *p, char *err, size_t errlen)
{
	if (p == NULL)
		return refuse(err, errlen, "params: missing");
	if (p->max_sessions == 0 || p->max_sessions > WP_POOL_MAX_SESSIONS)
		return refuse(err, errlen, "max_sessions: must be 1 to 1048576");
	if (p->min_idle > p->max_sessions)
		return refuse(err, errlen, "min_idle: must not exceed max_sessions");
	if (p->max_pending > WP_POOL_MAX_PENDING)
		return refuse(err, errlen, "max_pending: must be 0 to 1048576");
	if (p->connect_burst == 0)
		return refuse(err, errlen, "connect_burst: must be at least 1");
	if (p->connect_interval_ns <= 0)
		return refuse(err, errlen, "connect_interval: must be greater than 0");
	if (p->connect_timeout_ns <= 0)
		return refuse(err, errlen, "connect_timeout: must be greater than 0");
	if (p->acquire_timeout_ns <= 0)
		return refuse(err, errlen, "acquire_timeout: must be greater than 0");
	if (p->idle_timeout_ns < 0)
		return refuse(err, errlen, "idle_timeout: must be 0 (off) or positive");
	if (p->max_age_ns < 0)
		return refuse(err, errlen, "max_age: must be 0 (off) or positive");
	if (p->max_age_jitter_ns < 0)
		return refuse(err, errlen, "max_age_jitter: must be 0 or positive");
	if (p->max_age_jitter_ns > 0 && p->max_age_jitter_ns >= p->max_age_ns)
		return refuse(err, errlen, "max_age_jitter: must be less than max_age");
	if (p->probe_idle_ns < 0)
		return refuse(err, errlen, "probe_idle: must be 0 (off) or positive");
	if (p->leak_threshold_ns < 0)
		return refuse(err, errlen, "leak_threshold: must be 0 (off) or positive");
	if (p->leak_reclaim && p->leak_threshold_ns == 0)
		return refuse(err, errlen, "leak_reclaim: needs a leak_threshold");
	return 0;
}

static const char *const reason_names[WP_CLOSE__COUNT] = {
	[WP_CLOSE_IDLE_TIMEOUT] = "idle_timeout",
	[WP_CLOSE_MAX_AGE] = "max_age",
	[WP_CLOSE_MAX_REQUESTS] = "max_requests",
	[WP_CLOSE_PROBE_FAILED] = "probe_failed",
	[WP_CLOSE_BACKEND_DOWN] = "backend_down",
	[WP_CLOSE_DRAIN] = "drain",
	[WP_CLOSE_PEER_FIN] = "peer_fin",
	[WP_CLOSE_PEER_RST] = "peer_rst",
	[WP_CLOSE_PROTOCOL] = "protocol",
	[WP_CLOSE_POOL_SHRINK] = "pool_shrink",
	[WP_CLOSE_CONNECT_FAILED] = "connect_failed",
	[WP_CLOSE_CONNECT_TIMEOUT] = "connect_timeout",
	[WP_CLOSE_LEAK_RECLAIM] = "leak_reclaim",
	[WP_CLOSE_SHUTDOWN] = "shutdown",
};

const char *
wp_close_reason_name(enum wp_close_reason r)
{
	return (unsigned)r < WP_CLOSE__COUNT ? reason_names[r] : "unknown";
}
