/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration reload: which changes apply at run time (contract:
 * warmpool/reload.h).
 *
 * The policy is one table of (section, key) rules read top to bottom, the
 * first match deciding; a key not named falls to its section's rule, and
 * a section with no rule is refused (so a section added to config.c later
 * is "needs a restart" until someone decides otherwise). On top of the
 * table, a few live keys are bounded by what start-up allocated (see
 * limit()). The plan starts from the running configuration and copies in
 * only the applied changes (wp_config_copy_key), so a refused key keeps
 * its running value without any per-key code, then checks the result as
 * a whole with the loader's own rules.
 *
 * The worker fields are the parts of struct wp_config a worker reads when
 * a reload is committed (its pools, backend weights, [http], and [breaker]
 * for its retry budgets); listed by offset so the control core can send
 * exactly the bytes that changed and the worker can refuse anything else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <warmpool/config.h>
#include <warmpool/reload.h>

struct rule {
	const char *section;
	const char *key;        /* NULL: every key of the section, and the section */
	bool live;
	const char *why;        /* refused: what was set up at start */
};

static const struct rule rules[] = {
	{ "pool", "seed", false, "the pools' jitter generators were seeded at start" },
	{ "pool", NULL, true, NULL },
	{ "backend", "weight", true, NULL },
	{ "backend", NULL, false, "every worker's pools and the telemetry file's "
	  "backend table are built at start" },
	{ "http", NULL, true, NULL },
	{ "health", "interval", true, NULL },
	{ "health", "jitter", true, NULL },
	{ "health", "timeout", true, NULL },
	{ "health", "rise", true, NULL },
	{ "health", "fall", true, NULL },
	{ "health", "slow_start", true, NULL },
	{ "health", NULL, false, "the workers' probers are built at start" },
	{ "outlier", NULL, true, NULL },
	{ "breaker", NULL, true, NULL },
	{ "scaling", "step", true, NULL },
	{ "scaling", "cooldown", true, NULL },
	{ "scaling", "preconnect_ratio", true, NULL },
	{ "scaling", NULL, false, "the session budget is shared out at start" },
	{ "shutdown", NULL, true, NULL },
	{ "listen", NULL, false, "the listener is opened at start" },
	{ "port", NULL, false, "ports and their addresses are set up at start" },
	{ "workers", NULL, false, "lcores, rings and mempools are set up at start" },
	{ "telemetry", NULL, false, "the export ring is created at start" },
	{ "management", NULL, false, "the management listener is bound at start" },
};

static const struct rule *
rule_for(const struct wp_config_change *ch)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct rule *r = &rules[i];

		if (strcmp(r->section, ch->section) != 0)
			continue;
		if (r->key == NULL || (ch->key != NULL && strcmp(r->key, ch->key) == 0))
			return r;
	}
	return NULL;
}

static uint32_t
pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

struct plan {
	const struct wp_config *start, *cur, *next;
	struct wp_config *eff;
	struct wp_reload_report *rep;
	wp_reload_log_fn *log;
	void *arg;
};

/* A live key that still cannot take this value: why, in buf; NULL if it can. */
static const char *
limit(const struct plan *p, const struct wp_config_change *ch, char *buf, size_t len)
{
	const struct wp_config *s = p->start, *n = p->next;

	if (strcmp(ch->section, "pool") == 0) {
		bool targets = strcmp(ch->key, "min_idle") == 0 ||
			       strcmp(ch->key, "max_sessions") == 0;

		if (targets && p->cur->scaling.enabled) {
			snprintf(buf, len, "refused: scaling owns every worker's min_idle "
				 "and max_sessions ([scaling] enabled)");
			return buf;
		}
		if (strcmp(ch->key, "max_sessions") == 0 &&
		    n->pool.max_sessions > s->pool.max_sessions) {
			snprintf(buf, len, "above the %" PRIu32 " sessions the pools were "
				 "created with: needs a restart", s->pool.max_sessions);
			return buf;
		}
		if (strcmp(ch->key, "max_pending") == 0 &&
		    n->pool.max_pending > pow2_at_least(s->pool.max_pending)) {
			snprintf(buf, len, "above the %" PRIu32 " waiters the queues were "
				 "created with: needs a restart",
				 pow2_at_least(s->pool.max_pending));
			return buf;
		}
	}
	if (strcmp(ch->section, "http") == 0 && strcmp(ch->key, "retry_idempotent") == 0 &&
	    n->http.retry_idempotent && !s->http.retry_idempotent) {
		snprintf(buf, len, "retry buffers are allocated at start only when it "
			 "is on: needs a restart");
		return buf;
	}
	return NULL;
}

static void
on_change(void *arg, const struct wp_config_change *ch)
{
	struct plan *p = arg;
	const struct rule *r = rule_for(ch);
	char label[80], line[3 * WP_CONFIG_VALUE_LEN + 400], why[200];
	const char *no = NULL;

	p->rep->changes++;
	snprintf(label, sizeof(label), "[%s%s%s]", ch->section, ch->name[0] ? " " : "",
		 ch->name);
	if (r == NULL || !r->live || ch->key == NULL) {
		snprintf(why, sizeof(why), "needs a restart (%s)",
			 r != NULL && !r->live ? r->why : "sections are set up at start");
		no = why;
	} else {
		no = limit(p, ch, why, sizeof(why));
	}
	if (ch->key == NULL) {
		bool removed = ch->old_value[0] != '\0';

		snprintf(line, sizeof(line), "%s: %s: %s%s%s%s", label,
			 removed ? "removed" : "added", no,
			 removed && strcmp(ch->section, "backend") == 0 ?
			 "; to stop using it now: POST /backends/" : "",
			 removed && strcmp(ch->section, "backend") == 0 ? ch->name : "",
			 removed && strcmp(ch->section, "backend") == 0 ? "/drain" : "");
		p->rep->refused++;
		if (p->log != NULL)
			p->log(p->arg, false, line);
		return;
	}
	if (no == NULL && wp_config_copy_key(p->eff, p->next, ch->section, ch->name,
					     ch->key) != 0)
		no = "internal: no such key";
	if (no == NULL) {
		snprintf(line, sizeof(line), "%s %s = %s -> %s: applied", label, ch->key,
			 ch->old_value[0] ? ch->old_value : "(none)",
			 ch->new_value[0] ? ch->new_value : "(none)");
		p->rep->applied++;
	} else {
		snprintf(line, sizeof(line), "%s %s = %s -> %s: %s; keeping %s", label,
			 ch->key, ch->old_value[0] ? ch->old_value : "(none)",
			 ch->new_value[0] ? ch->new_value : "(none)", no,
			 ch->old_value[0] ? ch->old_value : "(none)");
		p->rep->refused++;
	}
	if (p->log != NULL)
		p->log(p->arg, no == NULL, line);
}

int
wp_reload_plan(const struct wp_config *start, const struct wp_config *cur,
	       const struct wp_config *next, const char *name, struct wp_config *eff,
	       struct wp_reload_report *rep, struct wp_config_errors *errs,
	       wp_reload_log_fn *log, void *arg)
{
	struct plan p = { .start = start, .cur = cur, .next = next, .eff = eff,
			  .rep = rep, .log = log, .arg = arg };

	memset(rep, 0, sizeof(*rep));
	*eff = *cur;
	(void)wp_config_diff(cur, next, on_change, &p);
	if (rep->applied == 0)
		return 0;
	return wp_config_check(eff, name, errs) == 0 ? 0 : -EINVAL;
}

/* ------------------------------------------------------------ worker fields */

#define F(f) { offsetof(struct wp_config, f), sizeof(((struct wp_config *)0)->f) }
static const struct wp_reload_field fixed_fields[] = {
	F(pool.min_idle), F(pool.max_sessions), F(pool.max_pending), F(pool.max_requests),
	F(pool.connect_burst), F(pool.connect_interval_ns), F(pool.connect_timeout_ns),
	F(pool.acquire_timeout_ns), F(pool.idle_timeout_ns), F(pool.max_age_ns),
	F(pool.max_age_jitter_ns), F(pool.probe_idle_ns), F(pool.leak_threshold_ns),
	F(pool.leak_reclaim),
	F(http.max_line), F(http.max_header_bytes), F(http.max_headers),
	F(http.client_idle_timeout_ns), F(http.backend_timeout_ns),
	F(http.request_timeout_ns), F(http.retry_idempotent),
	F(breaker.max_sessions), F(breaker.max_pending), F(breaker.retry_budget_percent),
	F(breaker.min_retries_per_s), F(breaker.open_time_ns), F(breaker.half_open_probes),
};
#undef F
#define N_FIXED (sizeof(fixed_fields) / sizeof(fixed_fields[0]))
_Static_assert(N_FIXED + WP_CONFIG_MAX_BACKENDS <= WP_RELOAD_MAX_FIELDS, "bound");

unsigned
wp_reload_worker_fields(uint32_t n_backends, struct wp_reload_field *out, unsigned max)
{
	unsigned n = 0;

	if (n_backends > WP_CONFIG_MAX_BACKENDS)
		n_backends = WP_CONFIG_MAX_BACKENDS;
	for (unsigned i = 0; i < N_FIXED; i++, n++)
		if (n < max)
			out[n] = fixed_fields[i];
	for (uint32_t b = 0; b < n_backends; b++, n++)
		if (n < max)
			out[n] = (struct wp_reload_field){
				offsetof(struct wp_config, backend) +
				b * sizeof(struct wp_config_backend) +
				offsetof(struct wp_config_backend, weight),
				sizeof(((struct wp_config_backend *)0)->weight) };
	return n;
}

bool
wp_reload_worker_field_ok(uint32_t off, uint32_t size)
{
	const uint32_t w0 = offsetof(struct wp_config, backend) +
			    offsetof(struct wp_config_backend, weight);
	const uint32_t stride = sizeof(struct wp_config_backend);

	for (unsigned i = 0; i < N_FIXED; i++)
		if (fixed_fields[i].off == off && fixed_fields[i].size == size)
			return true;
	return size == sizeof(((struct wp_config_backend *)0)->weight) && off >= w0 &&
	       (off - w0) % stride == 0 && (off - w0) / stride < WP_CONFIG_MAX_BACKENDS;
}
