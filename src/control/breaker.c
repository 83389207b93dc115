/* SPDX-License-Identifier: BSD-3-Clause */
/* Circuit breaker and retry budget (DESIGN.md section 5).
 *
 * Why: a backend that is overloaded or failing should be given room to
 * recover instead of a growing queue. The breaker stops sending it work for
 * a while and answers 503 at once, which is cheaper for everybody than a
 * timeout. This is the pattern of Nygard, "Release It!" (2007, ch. 5), with
 * the per-backend limits of Envoy's circuit breakers (max connections,
 * max pending requests) as the reasons to open.
 *
 * Split of work. The decision needs figures from every worker, so it is
 * taken on the control core, once per control period, from sums the
 * workers report (struct wp_breaker_input). The per-request check must not
 * cross cores, so each worker keeps a gate that holds the last command the
 * control core pushed and answers from it alone (wp_breaker_gate_admit,
 * inline in breaker.h).
 *
 * States and rules:
 *   closed    -> open       sessions > max_sessions, pending > max_pending,
 *                           or some retry was refused by a retry budget
 *                           (the budget running dry means the backend is
 *                           failing far more than the allowed retry share).
 *   open      -> half-open  open_time after it opened. Nothing in the
 *                           period's figures can delay this: they describe
 *                           requests from before the breaker opened.
 *   half-open -> open       a limit as above, or any failure.
 *             -> closed     half_open_probes successes and no failure.
 *             -> half-open  (re-arm) no verdict within open_time: the gates
 *                           get a new epoch and fresh probes. Each worker's
 *                           share is ceil(probes / workers), so when traffic
 *                           sits on a few workers one round may not yield
 *                           enough probes; re-arming keeps the breaker from
 *                           waiting forever without letting a flood through.
 * Failures in the closed state do not open the breaker: ejecting a failing
 * backend is outlier detection's job (DESIGN.md section 5).
 *
 * Retry budget (Finagle's RetryBudget; Envoy's retry_budget): a fixed
 * retry count per request lets every request be retried when the backend
 * is down, tripling the load exactly when it hurts most. A budget instead
 * bounds retries to a share of the traffic: each first attempt deposits
 * retry_budget_percent / 100 of a token, a retry withdraws a whole one, and
 * min_retries_per_s tokens per second refill the bucket so a quiet worker
 * can still retry now and then. Retries do not deposit (otherwise retries
 * would fund retries). The bucket is bounded so a long calm period cannot
 * bank an unbounded burst of retries. Amounts are integer nano-tokens: the
 * deposit (percent x 1e7) and the refill (floor per ns) are exact, so there
 * is no rounding drift however the calls are spaced.
 *
 * No clock is read here; every call takes `now`. No allocation, no DPDK.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <warmpool/breaker.h>

#define NANO_TOKEN 1000000000ull /* nano-tokens per token */
#define MAX_RETRIES_PER_S 1000000u

static int
bad(char *err, size_t errlen, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", what);
	return -EINVAL;
}

int
wp_breaker_params_check(const struct wp_breaker_params *p, char *err, size_t errlen)
{
	if (p == NULL)
		return bad(err, errlen, "params: NULL");
	if (p->max_sessions == 0)
		return bad(err, errlen, "max_sessions: must be >= 1");
	if (p->retry_budget_percent > 100)
		return bad(err, errlen, "retry_budget_percent: must be 0..100");
	if (p->min_retries_per_s > MAX_RETRIES_PER_S)
		return bad(err, errlen, "min_retries_per_s: must be 0..1000000");
	if (p->open_time_ns <= 0)
		return bad(err, errlen, "open_time: must be > 0");
	if (p->half_open_probes == 0)
		return bad(err, errlen, "half_open_probes: must be >= 1");
	return 0;
}

const char *
wp_breaker_state_name(enum wp_breaker_state s)
{
	static const char *const names[WP_BREAKER__STATES] = {
		[WP_BREAKER_CLOSED] = "closed",
		[WP_BREAKER_OPEN] = "open",
		[WP_BREAKER_HALF_OPEN] = "half-open",
	};
	return (unsigned)s < WP_BREAKER__STATES ? names[s] : "?";
}

const char *
wp_breaker_cause_name(enum wp_breaker_cause c)
{
	static const char *const names[WP_BREAKER_C__COUNT] = {
		[WP_BREAKER_C_SESSIONS] = "max_sessions",
		[WP_BREAKER_C_PENDING] = "max_pending",
		[WP_BREAKER_C_RETRY_BUDGET] = "retry_budget",
		[WP_BREAKER_C_PROBE_FAILED] = "probe_failed",
		[WP_BREAKER_C_OPEN_TIME] = "open_time",
		[WP_BREAKER_C_PROBES_OK] = "probes_ok",
		[WP_BREAKER_C_PROBE_REARM] = "probe_rearm",
	};
	return (unsigned)c < WP_BREAKER_C__COUNT ? names[c] : "?";
}

/* ---- control core ------------------------------------------------------ */

int
wp_breaker_init(struct wp_breaker *b, const struct wp_breaker_params *p,
		uint32_t nworkers, int64_t now)
{
	if (b == NULL || nworkers == 0 || wp_breaker_params_check(p, NULL, 0) != 0)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->params = *p;
	b->nworkers = nworkers;
	b->state = WP_BREAKER_CLOSED;
	b->since = now;
	return 0;
}

/* Is a limit exceeded? The cause goes to *cause. */
static int
tripped(const struct wp_breaker *b, const struct wp_breaker_input *in, uint8_t *cause)
{
	if (in->sessions > b->params.max_sessions)
		*cause = WP_BREAKER_C_SESSIONS;
	else if (in->pending > b->params.max_pending)
		*cause = WP_BREAKER_C_PENDING;
	else if (in->retries_denied > 0)
		*cause = WP_BREAKER_C_RETRY_BUDGET;
	else
		return 0;
	return 1;
}

int
wp_breaker_update(struct wp_breaker *b, int64_t now,
		  const struct wp_breaker_input *in, struct wp_breaker_event *ev)
{
	uint8_t to, cause = 0;
	int64_t elapsed;

	if (b == NULL || in == NULL)
		return -EINVAL;
	to = b->state;
	b->st.periods++;
	b->st.successes += in->successes;
	b->st.failures += in->failures;
	b->st.retries_denied += in->retries_denied;
	elapsed = now - b->since;

	switch (b->state) {
	case WP_BREAKER_CLOSED:
		if (tripped(b, in, &cause))
			to = WP_BREAKER_OPEN;
		break;
	case WP_BREAKER_OPEN:
		if (elapsed >= b->params.open_time_ns) {
			to = WP_BREAKER_HALF_OPEN;
			cause = WP_BREAKER_C_OPEN_TIME;
		}
		break;
	case WP_BREAKER_HALF_OPEN:
		if (tripped(b, in, &cause)) {
			to = WP_BREAKER_OPEN;
		} else if (in->failures > 0) {
			to = WP_BREAKER_OPEN;
			cause = WP_BREAKER_C_PROBE_FAILED;
		} else {
			uint64_t ok = (uint64_t)b->probe_ok + in->successes;
			b->probe_ok = ok > UINT32_MAX ? UINT32_MAX : (uint32_t)ok;
			if (b->probe_ok >= b->params.half_open_probes) {
				to = WP_BREAKER_CLOSED;
				cause = WP_BREAKER_C_PROBES_OK;
			} else if (elapsed >= b->params.open_time_ns) {
				cause = WP_BREAKER_C_PROBE_REARM; /* `to` stays */
			} else {
				return 0;
			}
		}
		break;
	default:
		return -EINVAL;
	}
	if (to == b->state && cause != WP_BREAKER_C_PROBE_REARM)
		return 0;

	if (ev != NULL)
		*ev = (struct wp_breaker_event){
			.from = b->state, .to = to, .cause = cause, .at = now, .in = *in,
		};
	b->st.events[cause]++;
	b->state = to;
	b->cause = cause;
	b->since = now;
	b->probe_ok = 0;
	b->epoch++;
	return 1;
}

void
wp_breaker_cmd(const struct wp_breaker *b, struct wp_breaker_cmd *cmd)
{
	uint32_t n = b->nworkers, probes = b->params.half_open_probes;

	cmd->state = b->state;
	cmd->probes = b->state == WP_BREAKER_HALF_OPEN ? probes / n + (probes % n != 0) : 0;
	cmd->epoch = b->epoch;
}

/* ---- worker: the gate -------------------------------------------------- */

void
wp_breaker_gate_init(struct wp_breaker_gate *g)
{
	memset(g, 0, sizeof(*g));
	g->state = WP_BREAKER_CLOSED;
}

int
wp_breaker_gate_apply(struct wp_breaker_gate *g, const struct wp_breaker_cmd *cmd)
{
	if (g == NULL || cmd == NULL || cmd->state >= WP_BREAKER__STATES)
		return -EINVAL;
	if (cmd->epoch != g->epoch)
		g->used = 0;
	g->state = cmd->state;
	g->probes = cmd->probes;
	g->epoch = cmd->epoch;
	if (g->used > g->probes)
		g->used = g->probes;
	return 0;
}

int
wp_breaker_set_params(struct wp_breaker *b, const struct wp_breaker_params *p)
{
	if (b == NULL || wp_breaker_params_check(p, NULL, 0) != 0)
		return -EINVAL;
	b->params = *p;
	return 0;
}

/* ---- worker: the retry budget ------------------------------------------ */

int
wp_retry_budget_init(struct wp_retry_budget *rb, const struct wp_breaker_params *p,
		     uint32_t nworkers, uint32_t max_tokens, int64_t now)
{
	uint32_t floor_w;

	if (rb == NULL || nworkers == 0 || wp_breaker_params_check(p, NULL, 0) != 0)
		return -EINVAL;
	floor_w = p->min_retries_per_s / nworkers + (p->min_retries_per_s % nworkers != 0);
	if (max_tokens == 0) {
		max_tokens = floor_w * WP_RETRY_BUDGET_FLOOR_S; /* <= 1e7: no overflow */
		if (max_tokens < WP_RETRY_BUDGET_MIN_TOKENS)
			max_tokens = WP_RETRY_BUDGET_MIN_TOKENS;
	}
	memset(rb, 0, sizeof(*rb));
	rb->max = (uint64_t)max_tokens * NANO_TOKEN;  /* < 2^32 * 1e9 < 2^63 */
	rb->deposit = (uint64_t)p->retry_budget_percent * (NANO_TOKEN / 100);
	rb->refill = floor_w;  /* tokens/s == nano-tokens/ns */
	rb->last = now;
	return 0;
}

/* Add the floor's tokens for the time since the last call. Time that runs
 * backwards adds nothing and is not remembered. */
static void
refill(struct wp_retry_budget *rb, int64_t now)
{
	uint64_t elapsed, room;

	if (now <= rb->last)
		return;
	elapsed = (uint64_t)now - (uint64_t)rb->last;
	rb->last = now;
	if (rb->refill == 0)
		return;
	room = rb->max - rb->tokens;
	if (elapsed > room / rb->refill)
		rb->tokens = rb->max;
	else
		rb->tokens += elapsed * rb->refill; /* <= room: no overflow */
}

void
wp_retry_budget_request(struct wp_retry_budget *rb, int64_t now)
{
	refill(rb, now);
	rb->requests++;
	rb->tokens = rb->max - rb->tokens > rb->deposit ? rb->tokens + rb->deposit : rb->max;
}

int
wp_retry_budget_withdraw(struct wp_retry_budget *rb, int64_t now)
{
	refill(rb, now);
	if (rb->tokens < NANO_TOKEN) {
		rb->denied++;
		return -EDQUOT;
	}
	rb->tokens -= NANO_TOKEN;
	rb->retries++;
	return 0;
}

int
wp_retry_budget_set_params(struct wp_retry_budget *rb, const struct wp_breaker_params *p,
			   uint32_t nworkers, int64_t now)
{
	struct wp_retry_budget nb;

	if (rb == NULL || wp_retry_budget_init(&nb, p, nworkers, 0, now) != 0)
		return -EINVAL;
	refill(rb, now);
	nb.tokens = rb->tokens < nb.max ? rb->tokens : nb.max;
	nb.requests = rb->requests;
	nb.retries = rb->retries;
	nb.denied = rb->denied;
	*rb = nb;
	return 0;
}

uint64_t
wp_retry_budget_tokens(struct wp_retry_budget *rb, int64_t now)
{
	refill(rb, now);
	return rb->tokens / NANO_TOKEN;
}
