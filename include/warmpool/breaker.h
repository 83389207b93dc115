/* SPDX-License-Identifier: BSD-3-Clause */
/* Circuit breaker and retry budget (DESIGN.md section 5). Types: breaker-t.h.
 *
 * Control core, once per control period and backend:
 *
 *     struct wp_breaker_event ev;
 *     if (wp_breaker_update(&b, now, &sum_of_worker_reports, &ev) == 1)
 *         for each worker w: wp_breaker_cmd(&b, &cmd); send cmd to w;
 *
 * Worker, per request and per retry:
 *
 *     if (wp_breaker_gate_admit(&gate) != 0)      answer 503 now
 *     wp_retry_budget_request(&rb, now);           every first attempt
 *     if (wp_retry_budget_withdraw(&rb, now) == 0) retry, else give up
 *
 * Return values: 0 (or 1 = "something happened") or a negative errno.
 */
#ifndef WARMPOOL_BREAKER_H
#define WARMPOOL_BREAKER_H

#include <errno.h>
#include <stddef.h>
#include <warmpool/breaker-t.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 0 if usable; -EINVAL otherwise with "<param>: <what is allowed>" in err. */
int wp_breaker_params_check(const struct wp_breaker_params *p, char *err, size_t errlen);

const char *wp_breaker_state_name(enum wp_breaker_state s);
const char *wp_breaker_cause_name(enum wp_breaker_cause c);

/* ---- control core ---------------------------------------------------- */

/* Start closed. `nworkers` (>= 1) gates share the half-open probes.
 * -EINVAL on bad params. */
int wp_breaker_init(struct wp_breaker *b, const struct wp_breaker_params *p,
		    uint32_t nworkers, int64_t now);

/* Feed one control period. Returns 1 when the breaker changed state or
 * re-armed its probes (*ev says how; push wp_breaker_cmd() to every
 * worker), 0 when nothing changed, -EINVAL on NULL arguments. `ev` may be
 * NULL. */
int wp_breaker_update(struct wp_breaker *b, int64_t now,
		      const struct wp_breaker_input *in, struct wp_breaker_event *ev);

/* New limits while running (configuration reload): state, epoch and
 * counters stay; the next update judges by the new limits (an open
 * breaker half-opens after the new open_time from when it opened).
 * -EINVAL on bad params. */
int wp_breaker_set_params(struct wp_breaker *b, const struct wp_breaker_params *p);

/* The command for the workers' gates now. Every gate gets the same one:
 * its half-open share is ceil(half_open_probes / nworkers). */
void wp_breaker_cmd(const struct wp_breaker *b, struct wp_breaker_cmd *cmd);

/* ---- worker: the gate -------------------------------------------------- */

/* Closed, epoch 0, counters zero. */
void wp_breaker_gate_init(struct wp_breaker_gate *g);

/* Take a command from the control core. A new epoch resets the probes
 * used; a repeated epoch changes nothing. -EINVAL on a bad state. */
int wp_breaker_gate_apply(struct wp_breaker_gate *g, const struct wp_breaker_cmd *cmd);

/* Per request: 0 = let it through, -EBUSY = answer 503 at once.
 * Closed admits, open denies, half-open admits this worker's probes and
 * then denies until the control core decides. */
static inline int
wp_breaker_gate_admit(struct wp_breaker_gate *g)
{
	if (g->state == WP_BREAKER_CLOSED) {
		g->admitted++;
		return 0;
	}
	if (g->state == WP_BREAKER_HALF_OPEN && g->used < g->probes) {
		g->used++;
		g->probes_admitted++;
		g->admitted++;
		return 0;
	}
	g->denied++;
	return -EBUSY;
}

/* ---- worker: the retry budget ----------------------------------------- */

/* Default bound of a worker's bucket when wp_retry_budget_init gets 0:
 * ten seconds of the floor, and never less than this many tokens. */
#define WP_RETRY_BUDGET_MIN_TOKENS 100u
#define WP_RETRY_BUDGET_FLOOR_S 10u

/* Empty bucket. This worker's floor is ceil(min_retries_per_s / nworkers),
 * so the appliance as a whole keeps about the configured floor.
 * `max_tokens` bounds the bucket (0 = the default above). -EINVAL on bad
 * params or nworkers == 0. */
int wp_retry_budget_init(struct wp_retry_budget *rb, const struct wp_breaker_params *p,
			 uint32_t nworkers, uint32_t max_tokens, int64_t now);

/* A first attempt was made: deposit retry_budget_percent / 100 token. */
void wp_retry_budget_request(struct wp_retry_budget *rb, int64_t now);

/* May a failed request be retried? 0 = yes (one token withdrawn),
 * -EDQUOT = no token (counted in rb->denied). */
int wp_retry_budget_withdraw(struct wp_retry_budget *rb, int64_t now);

/* New percent and floor while running (configuration reload), with the
 * default bound: the balance carries over (capped to the new bound), the
 * counters too. -EINVAL on bad params or nworkers == 0. */
int wp_retry_budget_set_params(struct wp_retry_budget *rb, const struct wp_breaker_params *p,
			       uint32_t nworkers, int64_t now);

/* Whole tokens in the bucket now (for telemetry and tests). */
uint64_t wp_retry_budget_tokens(struct wp_retry_budget *rb, int64_t now);

#ifdef __cplusplus
}
#endif

#endif /* WARMPOOL_BREAKER_H */
