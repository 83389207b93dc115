/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's control core (DESIGN.md sections 5 and 6).
 *
 * Decisions live here; workers execute and report:
 *
 *   health    wp_health says which backend to check when; the check runs
 *             on a worker (WPD_CMD_PROBE: the worker owns the flow) and
 *             the answer comes back as a WPD_R_PROBE record.
 *   outlier   workers report their running totals of successes and
 *             failures per backend (WPD_R_BACKEND, with the current
 *             failure streak) and of failed connects (WPD_R_POOL2); the
 *             deltas are fed to wp_outlier as runs in the order they can
 *             have happened: successes of the period, then the failure
 *             streak that is still running. Failures before the last
 *             success of a 100 ms report period are counted but cannot
 *             eject (they were followed by a success).
 *   state     a backend is UP for the workers when its checks say UP and
 *             it is not ejected; DRAIN when an operator drains it; DOWN
 *             otherwise. A change is pushed to every worker
 *             (WPD_CMD_STATE: the pool closes its sessions on DOWN and
 *             warms up again, paced, on UP). What each worker was told
 *             is remembered, so a full command ring only delays it.
 *   slow start  with [health] slow_start, a backend back UP (from DOWN,
 *             ejection or drain) gets a growing share of its weight,
 *             1% to 100% over that time in 5% steps (WPD_CMD_RAMP: the
 *             workers' backend choice weighs it by the per mille).
 *
 * Telemetry: worker records are folded into per-worker, per-backend
 * tables; every snapshot period the tables are published to the export
 * ring (CORE, POOL, BACKEND, HIST, and with several workers STEER and
 * HANDOFF records, export-t.h), and events
 * (probe results, health changes, ejections, session closes by reason,
 * workers starting) are published when they happen. The same snapshot,
 * copied under a mutex, answers the rte_telemetry commands /warmpool/...
 * on DPDK's telemetry thread, so wp-stat and dpdk-telemetry.py show the
 * same numbers.
 *
 *   breaker   every snapshot period each backend's breaker (breaker.h)
 *             is fed the summed sessions and waiting requests, the
 *             period's successes and failures and the retries the workers'
 *             budgets refused; a change is pushed to every worker's gate
 *             (WPD_CMD_BREAKER): open answers 503 at once, half-open lets
 *             each worker a share of the probe requests through.
 *
 *   scaling   with [scaling] enabled, each backend's wp_scale owns its
 *             session budget: the workers' first targets are applied
 *             before any session opens (wpd_ctl_initial_targets); every
 *             period the pools' gauges, acquires and the seq of the
 *             targets they applied go in, and changed targets go out
 *             (WPD_CMD_TARGETS). A lowered cap frees budget only once its
 *             worker acknowledged it, so the total never exceeds the
 *             budget even while commands are in flight.
 *
 *   reload    the control core owns the running configuration (a copy;
 *             the one the workers were built from stays as it was). A
 *             reload (SIGHUP, sighup.c) hands over the new effective one:
 *             health, outlier, breaker and scaling take their new
 *             parameters here, and each worker is brought to it by
 *             reconciliation: the fields a worker takes (reload.h) are
 *             compared with what that worker was last sent, each that
 *             differs goes as WPD_CMD_SET, then WPD_CMD_COMMIT with the
 *             settings generation. A full ring only delays the rest to
 *             the next pass; a second reload before the first is through
 *             just changes what is still to send. Workers report the
 *             generation in force (wpd_r_core.settings_gen).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_lcore.h>
#include <rte_telemetry.h>

#include <warmpool/breaker.h>
#include <warmpool/clock.h>
#include <warmpool/config.h>
#include <warmpool/export.h>
#include <warmpool/export_prom.h>
#include <warmpool/health.h>
#include <warmpool/hist.h>
#include <warmpool/outlier.h>
#include <warmpool/pool-t.h>
#include <warmpool/probe.h>
#include <warmpool/reload.h>
#include <warmpool/runtime.h>
#include <warmpool/scale.h>

#include "control.h"
#include "wpd_msg.h"

#define PROG "warmpoold"
#define MAX_PROBES_PER_POLL 16

/* What the control core knows of one worker's pool of one backend. */
struct ctl_wb {
	struct wpd_r_pool pool;
	struct wpd_r_pool2 pool2;
	struct wpd_r_backend be;
	struct wpd_r_gate gate;
	bool have_be;
	uint64_t fed_successes, fed_failures, fed_connect_failed; /* given to outlier */
	uint8_t told;           /* enum wp_backend_state last sent to the worker */
	uint64_t scale_acquires; /* pool2.acquires at the last scaling period */
	uint32_t targets_sent;  /* seq of the last targets sent */
};

/* One backend over all workers. */
struct ctl_backend {
	uint8_t applied;        /* enum wp_backend_state the workers should have */
	struct wp_hist period;  /* latency of this period, all workers */
	uint64_t last_requests; /* at the previous publish, for the rate */
	uint64_t probes_ok, probes_failed;
	struct wp_breaker breaker;
	struct wp_scale scale;  /* when scaling is on */
	uint64_t brk_successes, brk_failures, brk_denied; /* fed so far */
	int64_t ramp_start;     /* slow start running since (0: none) */
	uint32_t ramp_sent;     /* per mille the workers were last told */
};

/* Control-core state. Owned by the main lcore; `snap*` is also read by
 * the telemetry thread under `lock`. */
struct wpd_ctl {
	const struct wp_config *cfg;    /* == &cur */
	struct wp_config cur;           /* the running configuration */
	struct wp_runtime *rt;
	unsigned nw, nb;
	struct wp_health *health;
	struct wp_outlier *outlier;
	struct wp_export_writer *xw;
	int64_t period_ns, next_publish, last_publish;
	struct wpd_r_core *core;        /* [nw] latest */
	struct wpd_r_steer *steer;      /* [nw] latest (2+ workers) */
	struct wpd_r_handoff *ho;       /* [from * nw + peer] latest */
	struct ctl_wb *wb;              /* [nw * nb] */
	struct ctl_backend *be;         /* [nb] */
	bool changed;                   /* a health/outlier verdict changed */
	uint64_t events;
	/* snapshot for rte_telemetry, under g_tel_lock */
	struct wp_export_rec *snap_core;    /* [nw] */
	struct wp_export_rec *snap_pool;    /* [nw * nb] */
	struct wp_export_rec *snap_backend; /* [nb] */
	struct wp_export_rec *snap_steer;   /* [nw] */
	uint64_t snap_seq;
	/* reload: what each worker was sent, and the settings generation */
	struct wp_config *told;         /* [nw] */
	bool *commit_due;               /* [nw]: fields sent, COMMIT not yet */
	uint32_t settings_gen;          /* of the running configuration */
	uint32_t gen_announced;         /* "in force" printed for this one */
	struct wp_reload_field fields[WP_RELOAD_MAX_FIELDS];
	unsigned nfields;
	const char *names[WP_CONFIG_MAX_BACKENDS]; /* into cur: for /metrics */
};

/* The one instance rte_telemetry reads, and the lock that guards both the
 * pointer and that instance's snapshot (a process-wide lock, so a command
 * arriving while the controller is freed finds NULL, never freed memory). */
static pthread_mutex_t g_tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wpd_ctl *g_tel;

static struct ctl_wb *
wb(struct wpd_ctl *c, unsigned w, unsigned b)
{
	return &c->wb[w * c->nb + b];
}

/* ------------------------------------------------------------ export */

static void
publish(struct wpd_ctl *c, struct wp_export_rec *r)
{
	if (c->xw != NULL)
		(void)wp_export_publish(c->xw, r);
}

static void
event(struct wpd_ctl *c, uint16_t worker, uint16_t backend, uint32_t code,
      uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct wp_export_rec r;

	memset(&r, 0, sizeof(r));
	r.type = WP_X_EVENT;
	r.worker = worker;
	r.backend = backend;
	r.u.event.code = code;
	r.u.event.arg[0] = a0;
	r.u.event.arg[1] = a1;
	r.u.event.arg[2] = a2;
	r.u.event.arg[3] = a3;
	c->events++;
	publish(c, &r);
}

/* ------------------------------------------------------------ decisions */

static uint8_t
health_to_export(enum wp_health_state s)
{
	switch (s) {
	case WP_HEALTH_UP:
		return WP_XH_UP;
	case WP_HEALTH_DOWN:
		return WP_XH_DOWN;
	case WP_HEALTH_DRAIN:
		return WP_XH_DRAIN;
	default:
		return WP_XH_UNKNOWN;
	}
}

static void
on_health(void *ctx, const struct wp_health_event *ev)
{
	struct wpd_ctl *c = ctx;

	printf(PROG ": backend %s: health %s -> %s\n", c->cfg->backend[ev->backend].name,
	       wp_health_state_name((enum wp_health_state)ev->from),
	       wp_health_state_name((enum wp_health_state)ev->to));
	fflush(stdout);
	event(c, WP_EXPORT_NONE, (uint16_t)ev->backend, WP_XE_HEALTH,
	      health_to_export((enum wp_health_state)ev->to),
	      health_to_export((enum wp_health_state)ev->from), 0, 0);
	c->changed = true;
}

static void
on_outlier(void *ctx, const struct wp_outlier_event *ev)
{
	struct wpd_ctl *c = ctx;
	const struct wp_outlier_backend *ob = wp_outlier_backend(c->outlier, ev->backend);

	printf(PROG ": backend %s: %s\n", c->cfg->backend[ev->backend].name,
	       ev->ejected ? "ejected (consecutive failures)" : "back from ejection");
	fflush(stdout);
	event(c, WP_EXPORT_NONE, (uint16_t)ev->backend, WP_XE_EJECT, ev->ejected,
	      ev->ejected ? (uint64_t)(ev->until - ev->now) : 0,
	      ob != NULL ? ob->ejections : 0, 0);
	c->changed = true;
}

static uint8_t
wanted_state(const struct wpd_ctl *c, unsigned b)
{
	enum wp_health_state h = wp_health_state(c->health, b);

	if (h == WP_HEALTH_DRAIN)
		return WP_BACKEND_DRAIN;
	if (h == WP_HEALTH_DOWN || wp_outlier_is_ejected(c->outlier, b))
		return WP_BACKEND_DOWN;
	return WP_BACKEND_UP; /* UP, or UNKNOWN before the first verdict */
}

/* Tell every worker whose view differs; retried next pass if a ring is full. */
static void
apply_states(struct wpd_ctl *c)
{
	for (unsigned b = 0; b < c->nb; b++) {
		uint8_t st = wanted_state(c, b);

		/* back from DOWN/DRAIN: slow start, if configured */
		if (st == WP_BACKEND_UP && c->be[b].applied != WP_BACKEND_UP &&
		    c->cfg->health.slow_start_ns > 0) {
			c->be[b].ramp_start = (int64_t)wp_clock_ns();
			c->be[b].ramp_sent = 0;
			printf(PROG ": backend %s: slow start over %" PRId64 " ms\n",
			       c->cfg->backend[b].name, c->cfg->health.slow_start_ns / 1000000);
		}
		c->be[b].applied = st;
		for (unsigned w = 0; w < c->nw; w++) {
			struct wp_cmd cmd;

			if (wb(c, w, b)->told == st)
				continue;
			memset(&cmd, 0, sizeof(cmd));
			cmd.type = WPD_CMD_STATE;
			cmd.args.u64[0] = b;
			cmd.args.u64[1] = st;
			if (wp_runtime_send(c->rt, w, &cmd) == 0)
				wb(c, w, b)->told = st;
			else
				c->changed = true; /* try again */
		}
	}
}

static void
start_probes(struct wpd_ctl *c, int64_t now)
{
	struct wp_health_probe pr[MAX_PROBES_PER_POLL];
	unsigned n = wp_health_due(c->health, now, pr, MAX_PROBES_PER_POLL);

	for (unsigned i = 0; i < n; i++) {
		struct wp_cmd cmd;
		unsigned w = pr[i].backend % c->nw;

		memset(&cmd, 0, sizeof(cmd));
		cmd.type = WPD_CMD_PROBE;
		cmd.args.u64[0] = pr[i].id;
		cmd.args.u64[1] = pr[i].backend;
		cmd.args.u64[2] = (uint64_t)(pr[i].deadline - now);
		/* a full ring: the check will time out and count as failed,
		 * which is right: the worker is not keeping up */
		(void)wp_runtime_send(c->rt, w, &cmd);
	}
}

/* Feed one worker's new outcomes of backend b to outlier detection. */
static void
feed_outlier(struct wpd_ctl *c, struct ctl_wb *x, unsigned b, int64_t now)
{
	uint64_t ds = x->be.successes - x->fed_successes;
	uint64_t df = x->be.failures - x->fed_failures;
	uint64_t dc = x->pool2.connect_failed - x->fed_connect_failed;
	uint64_t run = x->be.fail_streak < df ? x->be.fail_streak : df;

	x->fed_successes = x->be.successes;
	x->fed_failures = x->be.failures;
	x->fed_connect_failed = x->pool2.connect_failed;
	if (ds > 0)
		(void)wp_outlier_report(c->outlier, b, WP_OUTCOME_SUCCESS,
					(uint32_t)RTE_MIN(ds, UINT32_MAX), now);
	else
		run = df;
	if (run > 0)
		(void)wp_outlier_report(c->outlier, b, WP_OUTCOME_5XX,
					(uint32_t)RTE_MIN(run, UINT32_MAX), now);
	if (dc > 0)
		(void)wp_outlier_report(c->outlier, b, WP_OUTCOME_CONNECT_FAIL,
					(uint32_t)RTE_MIN(dc, UINT32_MAX), now);
}

/* ------------------------------------------------------------ records in */

void
wpd_ctl_telem(unsigned worker, const struct wp_telem_rec *rec, void *arg)
{
	struct wpd_ctl *c = arg;
	int64_t now = (int64_t)rec->ts_ns;
	uint16_t b;

	if (worker >= c->nw)
		return;
	switch (rec->type) {
	case WP_TELEM_EVENT:
		if (rec->u.event.code == WP_EV_WORKER_STARTED)
			event(c, (uint16_t)worker, WP_EXPORT_NONE, WP_XE_WORKER, 1,
			      rec->u.event.arg[0], 0, 0);
		return;
	case WPD_R_CORE:
		memcpy(&c->core[worker], rec->u.raw, sizeof(c->core[0]));
		return;
	case WPD_R_STEER:
		memcpy(&c->steer[worker], rec->u.raw, sizeof(c->steer[0]));
		return;
	case WPD_R_HANDOFF: {
		struct wpd_r_handoff h;

		memcpy(&h, rec->u.raw, sizeof(h));
		if (h.peer < c->nw && h.peer != worker)
			c->ho[worker * c->nw + h.peer] = h;
		return;
	}
	case WPD_R_PROBE: {
		struct wpd_r_probe p;

		memcpy(&p, rec->u.raw, sizeof(p));
		if (p.backend >= c->nb)
			return;
		if (p.fail == WP_PROBE_OK)
			c->be[p.backend].probes_ok++;
		else
			c->be[p.backend].probes_failed++;
		(void)wp_health_result(c->health, p.id, p.fail == WP_PROBE_OK,
				       (int64_t)wp_clock_ns());
		event(c, (uint16_t)worker, p.backend, WP_XE_PROBE, p.fail == WP_PROBE_OK,
		      (uint64_t)p.latency_ns, p.status, p.fail);
		return;
	}
	default:
		break;
	}
	memcpy(&b, rec->u.raw, sizeof(b)); /* every per-backend record starts so */
	if (b >= c->nb)
		return;
	switch (rec->type) {
	case WPD_R_POOL:
		memcpy(&wb(c, worker, b)->pool, rec->u.raw, sizeof(struct wpd_r_pool));
		break;
	case WPD_R_POOL2:
		memcpy(&wb(c, worker, b)->pool2, rec->u.raw, sizeof(struct wpd_r_pool2));
		feed_outlier(c, wb(c, worker, b), b, now);
		break;
	case WPD_R_GATE:
		memcpy(&wb(c, worker, b)->gate, rec->u.raw, sizeof(struct wpd_r_gate));
		break;
	case WPD_R_BACKEND:
		memcpy(&wb(c, worker, b)->be, rec->u.raw, sizeof(struct wpd_r_backend));
		wb(c, worker, b)->have_be = true;
		break;
	case WPD_R_HIST: {
		struct wpd_r_hist h;

		memcpy(&h, rec->u.raw, sizeof(h));
		for (unsigned i = 0; i < h.n && i < WPD_HIST_PAIRS; i++) {
			if (h.bucket[i] >= WP_HIST_BUCKETS)
				continue;
			c->be[b].period.count[h.bucket[i]] += h.count[i];
			c->be[b].period.total += h.count[i];
			if (wp_hist_bucket_low(h.bucket[i]) > c->be[b].period.max_ns)
				c->be[b].period.max_ns = wp_hist_bucket_low(h.bucket[i]);
		}
		break;
	}
	case WPD_R_CLOSED: {
		struct wpd_r_closed cl;

		memcpy(&cl, rec->u.raw, sizeof(cl));
		if (cl.opened > 0)
			event(c, (uint16_t)worker, b, WP_XE_SESSION_OPENED, 0, 0, cl.opened, 0);
		for (unsigned r = 0; r < WP_CLOSE__COUNT; r++)
			if (cl.closed[r] > 0)
				event(c, (uint16_t)worker, b, WP_XE_SESSION_CLOSED, 0, r,
				      cl.closed[r], 0);
		break;
	}
	default:
		break;
	}
}

/* ------------------------------------------------------------ publish */

static void
publish_hist(struct wpd_ctl *c, unsigned b, int64_t now)
{
	struct wp_export_rec r;
	const struct wp_hist *h = &c->be[b].period;
	unsigned k = 0;

	while (k < WP_HIST_BUCKETS) {
		unsigned n = 0;

		while (k < WP_HIST_BUCKETS && h->count[k] == 0)
			k++;
		if (k == WP_HIST_BUCKETS)
			break;
		memset(&r, 0, sizeof(r));
		r.type = WP_X_HIST;
		r.ts_ns = (uint64_t)now;
		r.worker = WP_EXPORT_NONE;
		r.backend = (uint16_t)b;
		r.u.hist.first = (uint16_t)k;
		while (k < WP_HIST_BUCKETS && n < RTE_DIM(r.u.hist.count)) {
			r.u.hist.count[n++] = (uint32_t)RTE_MIN(h->count[k], UINT32_MAX);
			k++;
		}
		r.u.hist.n = (uint16_t)n;
		publish(c, &r);
	}
}

static void
send_breaker(struct wpd_ctl *c, unsigned b)
{
	struct wp_breaker_cmd bc;
	struct wp_cmd cmd;

	wp_breaker_cmd(&c->be[b].breaker, &bc);
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = WPD_CMD_BREAKER;
	cmd.args.u64[0] = b;
	cmd.args.u64[1] = bc.state;
	cmd.args.u64[2] = (uint64_t)bc.probes << 32 | bc.epoch;
	for (unsigned w = 0; w < c->nw; w++)
		if (wp_runtime_send(c->rt, w, &cmd) < 0)
			fprintf(stderr, PROG ": breaker of %s: command ring of worker %u "
				"full\n", c->cfg->backend[b].name, w);
}

/* One breaker period of backend b from what the workers reported. */
static void
update_breaker(struct wpd_ctl *c, unsigned b, int64_t now)
{
	struct ctl_backend *be = &c->be[b];
	struct wp_breaker_input in;
	struct wp_breaker_event ev;
	uint64_t s = 0, f = 0, d = 0;

	memset(&in, 0, sizeof(in));
	for (unsigned w = 0; w < c->nw; w++) {
		struct ctl_wb *x = wb(c, w, b);

		in.sessions += x->pool.idle + x->pool.leased + x->pool.connecting;
		in.pending += x->pool.pending;
		s += x->be.successes;
		f += x->be.failures + x->pool2.connect_failed;
		d += x->gate.retries_denied;
	}
	in.successes = (uint32_t)RTE_MIN(s - be->brk_successes, UINT32_MAX);
	in.failures = (uint32_t)RTE_MIN(f - be->brk_failures, UINT32_MAX);
	in.retries_denied = (uint32_t)RTE_MIN(d - be->brk_denied, UINT32_MAX);
	be->brk_successes = s;
	be->brk_failures = f;
	be->brk_denied = d;
	if (wp_breaker_update(&be->breaker, now, &in, &ev) != 1)
		return;
	printf(PROG ": backend %s: breaker %s -> %s (%s)\n", c->cfg->backend[b].name,
	       wp_breaker_state_name((enum wp_breaker_state)ev.from),
	       wp_breaker_state_name((enum wp_breaker_state)ev.to),
	       wp_breaker_cause_name((enum wp_breaker_cause)ev.cause));
	fflush(stdout);
	event(c, WP_EXPORT_NONE, (uint16_t)b, WP_XE_BREAKER, ev.to, ev.from, ev.cause, 0);
	send_breaker(c, b);
}

int
wpd_ctl_initial_targets(const struct wpd_ctl *c, unsigned w, unsigned b,
			uint32_t *min_idle, uint32_t *max_sessions)
{
	struct wp_scale_target t;

	if (!c->cfg->scaling.enabled || b >= c->nb ||
	    wp_scale_target(&c->be[b].scale, w, &t) < 0)
		return -ENOENT;
	*min_idle = t.min_idle;
	*max_sessions = t.max_sessions;
	return 0;
}

/* One scaling period of backend b: reports in, changed targets out. */
static void
update_scale(struct wpd_ctl *c, unsigned b, int64_t now)
{
	struct wp_scale_input in[WP_SCALE_MAX_WORKERS];

	for (unsigned w = 0; w < c->nw; w++) {
		struct ctl_wb *x = wb(c, w, b);

		in[w] = (struct wp_scale_input){
			.open = x->pool.idle + x->pool.leased + x->pool.connecting,
			.leased = x->pool.leased,
			.pending = x->pool.pending,
			.requests = (uint32_t)RTE_MIN(x->pool2.acquires - x->scale_acquires,
						      UINT32_MAX),
			.applied_seq = x->pool.applied_seq,
		};
		x->scale_acquires = x->pool2.acquires;
	}
	if (wp_scale_update(&c->be[b].scale, now, in, c->nw) <= 0)
		return;
	for (unsigned w = 0; w < c->nw; w++) {
		struct ctl_wb *x = wb(c, w, b);
		struct wp_scale_target t;
		struct wp_cmd cmd;

		if (wp_scale_target(&c->be[b].scale, w, &t) < 0 || t.seq == x->targets_sent)
			continue;
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = WPD_CMD_TARGETS;
		cmd.args.u64[0] = b;
		cmd.args.u64[1] = t.min_idle | (uint64_t)t.max_sessions << 32;
		cmd.args.u64[2] = t.seq;
		if (wp_runtime_send(c->rt, w, &cmd) < 0)
			continue; /* next period */
		event(c, (uint16_t)w, (uint16_t)b, WP_XE_TARGET, t.max_sessions,
		      x->pool.max_sessions, wp_scale_charged(&c->be[b].scale), t.min_idle);
		x->targets_sent = t.seq;
	}
}

/* Steering per worker and handoff per ordered pair of workers (only with
 * several workers; pairs that never exchanged a frame are left out). The
 * pair record joins the sender's sent/dropped with the receiver's count
 * of frames taken from that sender. Under g_tel_lock. */
static void
publish_steer(struct wpd_ctl *c, int64_t now)
{
	if (c->nw < 2)
		return;
	for (unsigned w = 0; w < c->nw; w++) {
		const struct wpd_r_steer *st = &c->steer[w];
		struct wp_export_rec *r = &c->snap_steer[w];

		memset(r, 0, sizeof(*r));
		r->type = WP_X_STEER;
		r->ts_ns = (uint64_t)now;
		r->worker = (uint16_t)w;
		r->backend = WP_EXPORT_NONE;
		r->u.steer.landed = st->landed;
		r->u.steer.local = st->landed - st->handed_off - st->ring_full;
		r->u.steer.handed_off = st->handed_off;
		r->u.steer.ring_full = st->ring_full;
		r->u.steer.from_peers = st->from_peers;
		r->u.steer.copies = st->copies;
		r->u.steer.copy_lost = st->copy_lost;
		publish(c, r);
		for (unsigned p = 0; p < c->nw; p++) {
			const struct wpd_r_handoff *out = &c->ho[w * c->nw + p];
			const struct wpd_r_handoff *in = &c->ho[p * c->nw + w];
			struct wp_export_rec hr;

			if (p == w || (out->sent == 0 && out->dropped == 0))
				continue;
			memset(&hr, 0, sizeof(hr));
			hr.type = WP_X_HANDOFF;
			hr.ts_ns = (uint64_t)now;
			hr.worker = (uint16_t)w;
			hr.backend = WP_EXPORT_NONE;
			hr.u.handoff.peer = p;
			hr.u.handoff.sent = out->sent;
			hr.u.handoff.dropped = out->dropped;
			hr.u.handoff.received = in->received;
			publish(c, &hr);
		}
	}
}

static void
publish_all(struct wpd_ctl *c, int64_t now)
{
	double dt = c->last_publish > 0 ? (double)(now - c->last_publish) / 1e9 : 0;

	pthread_mutex_lock(&g_tel_lock);
	for (unsigned w = 0; w < c->nw; w++) {
		const struct wp_worker_view *v = wp_runtime_view(c->rt, w);
		struct wp_export_rec *r = &c->snap_core[w];
		double ns_per_tsc = v->tsc_hz > 0 ? 1e9 / (double)v->tsc_hz : 0;

		memset(r, 0, sizeof(*r));
		r->type = WP_X_CORE;
		r->ts_ns = (uint64_t)now;
		r->worker = (uint16_t)w;
		r->backend = WP_EXPORT_NONE;
		r->u.core.loops = v->last.loops;
		r->u.core.busy_polls = v->last.busy_polls;
		r->u.core.idle_polls = v->last.idle_polls;
		r->u.core.busy_ns = (uint64_t)((double)v->busy_tsc * ns_per_tsc);
		r->u.core.idle_ns = (uint64_t)((double)v->idle_tsc * ns_per_tsc);
		r->u.core.rx_pkts = c->core[w].rx_pkts;
		r->u.core.tx_pkts = c->core[w].tx_pkts;
		r->u.core.requests = c->core[w].requests;
		r->u.core.errors = c->core[w].errors;
		r->u.core.clients = c->core[w].clients;
		r->u.core.telem_drops = v->seq_gaps;
		r->u.core.lcore = v->lcore_id;
		publish(c, r);
	}
	publish_steer(c, now);
	for (unsigned b = 0; b < c->nb; b++) {
		struct ctl_backend *be = &c->be[b];
		struct wp_export_rec *br = &c->snap_backend[b];
		const struct wp_outlier_backend *ob = wp_outlier_backend(c->outlier, b);
		uint64_t requests = 0, errors = 0;

		memset(br, 0, sizeof(*br));
		for (unsigned w = 0; w < c->nw; w++) {
			struct ctl_wb *x = wb(c, w, b);
			struct wp_export_rec *r = &c->snap_pool[w * c->nb + b];

			memset(r, 0, sizeof(*r));
			r->type = WP_X_POOL;
			r->ts_ns = (uint64_t)now;
			r->worker = (uint16_t)w;
			r->backend = (uint16_t)b;
			r->u.pool.idle = x->pool.idle;
			r->u.pool.leased = x->pool.leased;
			r->u.pool.connecting = x->pool.connecting;
			r->u.pool.pending = x->pool.pending;
			r->u.pool.min_idle = x->pool.min_idle;
			r->u.pool.max_sessions = x->pool.max_sessions;
			r->u.pool.opened = x->pool.opened;
			r->u.pool.closed = x->pool.closed;
			r->u.pool.acquires = x->pool2.acquires;
			r->u.pool.reused = x->pool2.reused;
			r->u.pool.requests = x->be.requests;
			r->u.pool.errors = x->be.failures;
			r->u.pool.overflows = x->pool2.overflows;
			r->u.pool.timeouts = x->pool2.timeouts;
			publish(c, r);
			br->u.backend.idle += x->pool.idle;
			br->u.backend.leased += x->pool.leased;
			br->u.backend.connecting += x->pool.connecting;
			br->u.backend.pending += x->pool.pending;
			br->u.backend.targets += x->pool.max_sessions;
			requests += x->be.requests;
			errors += x->be.failures;
		}
		br->type = WP_X_BACKEND;
		br->ts_ns = (uint64_t)now;
		br->worker = WP_EXPORT_NONE;
		br->backend = (uint16_t)b;
		br->u.backend.health = health_to_export(wp_health_state(c->health, b));
		br->u.backend.breaker = be->breaker.state;
		br->u.backend.ejected = wp_outlier_is_ejected(c->outlier, b);
		br->u.backend.weight = c->cfg->backend[b].weight;
		br->u.backend.budget = c->cfg->scaling.enabled ? c->cfg->scaling.budget : 0;
		br->u.backend.requests = requests;
		br->u.backend.errors = errors;
		br->u.backend.rps_milli = dt > 0 ?
			(uint64_t)((double)(requests - be->last_requests) * 1000.0 / dt) : 0;
		br->u.backend.p50_ns = wp_hist_quantile(&be->period, 0.5);
		br->u.backend.p99_ns = wp_hist_quantile(&be->period, 0.99);
		br->u.backend.ejections = ob != NULL ? ob->ejections : 0;
		br->u.backend.probes_failed = be->probes_failed;
		br->u.backend.probes_ok = be->probes_ok;
		publish(c, br);
		publish_hist(c, b, now);
		be->last_requests = requests;
		wp_hist_reset(&be->period);
	}
	c->snap_seq++;
	pthread_mutex_unlock(&g_tel_lock);
	c->last_publish = now;
}

/* Bring worker w to the running configuration: the fields that differ
 * from what it was sent, then COMMIT. false when its ring is full. */
static bool
push_settings(struct wpd_ctl *c, unsigned w)
{
	struct wp_config *t = &c->told[w];
	struct wp_cmd cmd;

	for (unsigned i = 0; i < c->nfields; i++) {
		const struct wp_reload_field *f = &c->fields[i];
		const char *want = (const char *)&c->cur + f->off;
		uint64_t v = 0;

		if (memcmp((char *)t + f->off, want, f->size) == 0)
			continue;
		memcpy(&v, want, f->size);      /* little-endian: the low bytes */
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = WPD_CMD_SET;
		cmd.args.u64[0] = f->off;
		cmd.args.u64[1] = f->size;
		cmd.args.u64[2] = v;
		if (wp_runtime_send(c->rt, w, &cmd) != 0)
			return false;
		memcpy((char *)t + f->off, want, f->size);
		c->commit_due[w] = true;
	}
	if (!c->commit_due[w])
		return true;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = WPD_CMD_COMMIT;
	cmd.args.u64[0] = c->settings_gen;
	if (wp_runtime_send(c->rt, w, &cmd) != 0)
		return false;
	c->commit_due[w] = false;
	return true;
}

static void
settle_settings(struct wpd_ctl *c)
{
	unsigned acked = 0;

	if (c->gen_announced == c->settings_gen)
		return;
	for (unsigned w = 0; w < c->nw; w++) {
		(void)push_settings(c, w);
		if (c->core[w].settings_gen == c->settings_gen)
			acked++;
	}
	if (acked < c->nw)
		return;
	c->gen_announced = c->settings_gen;
	printf(PROG ": settings generation %" PRIu32 " in force on every worker (%u)\n",
	       c->settings_gen, c->nw);
	fflush(stdout);
}

const struct wp_config *
wpd_ctl_config(const struct wpd_ctl *c)
{
	return c->cfg;
}

uint32_t
wpd_ctl_settings_gen(const struct wpd_ctl *c)
{
	return c->settings_gen;
}

void
wpd_ctl_prom_view(const struct wpd_ctl *c, struct wp_prom_view *v)
{
	memset(v, 0, sizeof(*v));
	if (c->snap_seq == 0)
		return;                 /* nothing published yet */
	v->n_workers = c->nw;
	v->n_backends = c->nb;
	v->core = c->snap_core;
	v->pool = c->snap_pool;
	v->backend = c->snap_backend;
	if (c->nw > 1)
		v->steer = c->snap_steer;   /* handoff pairs: wp-stat has them */
	v->names = c->names;
}

int
wpd_ctl_backend(const struct wpd_ctl *c, unsigned b, struct wpd_backend_view *out)
{
	const struct wp_health_backend *h;

	if (b >= c->nb)
		return -ENOENT;
	h = wp_health_backend(c->health, b);
	memset(out, 0, sizeof(*out));
	out->cfg = &c->cfg->backend[b];
	out->health = (uint8_t)wp_health_state(c->health, b);
	out->drain = h != NULL && h->drain;
	out->ejected = wp_outlier_is_ejected(c->outlier, b);
	out->breaker = c->be[b].breaker.state;
	out->applied = c->be[b].applied;
	out->snap = c->snap_seq > 0 ? &c->snap_backend[b] : NULL;
	return 0;
}

unsigned
wpd_ctl_backends(const struct wpd_ctl *c)
{
	return c->nb;
}

int
wpd_ctl_set_drain(struct wpd_ctl *c, const char *name, bool on, int64_t now)
{
	int b = wp_config_find_backend(c->cfg, name);

	if (b < 0)
		return -ENOENT;
	/* on_health reports the change and marks it for apply_states */
	return wp_health_set_drain(c->health, (uint32_t)b, on, now);
}

uint32_t
wpd_ctl_reload(struct wpd_ctl *c, const struct wp_config *eff, int64_t now)
{
	struct wp_health_params hp;
	struct wp_outlier_params op;
	struct wp_breaker_params bp;

	wp_health_params_default(&hp);
	hp.interval_ns = eff->health.interval_ns;
	hp.jitter_ns = eff->health.jitter_ns;
	hp.initial_spread_ns = eff->health.initial_spread_ns;
	hp.timeout_ns = eff->health.timeout_ns;
	hp.rise = eff->health.rise;
	hp.fall = eff->health.fall;
	if (wp_health_set_params(c->health, &hp, now) != 0)
		fprintf(stderr, PROG ": reload: [health] parameters refused by the checker\n");
	op = (struct wp_outlier_params){
		.consecutive_failures = eff->outlier.consecutive_failures,
		.base_ejection_ns = eff->outlier.base_ejection_ns,
		.max_ejection_ns = eff->outlier.max_ejection_ns,
		.max_ejected_percent = eff->outlier.max_ejected_percent,
	};
	if (wp_outlier_set_params(c->outlier, &op) != 0)
		fprintf(stderr, PROG ": reload: [outlier] parameters refused\n");
	wp_config_breaker_params(eff, &bp);
	for (unsigned b = 0; b < c->nb; b++) {
		if (wp_breaker_set_params(&c->be[b].breaker, &bp) != 0)
			fprintf(stderr, PROG ": reload: [breaker] parameters refused\n");
		if (eff->scaling.enabled &&
		    wp_scale_set_tuning(&c->be[b].scale, eff->scaling.step,
					eff->scaling.cooldown_ns,
					eff->scaling.preconnect_milli) != 0)
			fprintf(stderr, PROG ": reload: [scaling] step/cooldown refused\n");
	}
	pthread_mutex_lock(&g_tel_lock);
	c->cur = *eff;
	pthread_mutex_unlock(&g_tel_lock);
	c->settings_gen++;
	settle_settings(c);
	return c->settings_gen;
}

/* Slow start: a backend back up gets 1% of its weight at once, then a
 * share growing with the time since, told to the workers in steps of 5%
 * (WPD_CMD_RAMP), all of it after [health] slow_start. A backend that
 * goes down again stops its ramp (it starts over when it comes back). */
static void
update_ramps(struct wpd_ctl *c, int64_t now)
{
	for (unsigned b = 0; b < c->nb; b++) {
		struct ctl_backend *be = &c->be[b];
		int64_t len = c->cfg->health.slow_start_ns, t = now - be->ramp_start;
		uint32_t milli;
		bool all = true;

		if (be->ramp_start == 0)
			continue;
		if (be->applied != WP_BACKEND_UP) {
			be->ramp_start = 0;
			continue;
		}
		milli = len <= 0 || t >= len ? 1000 : (uint32_t)(10 + 990 * t / len);
		if (milli < 1000 && be->ramp_sent != 0 && milli < be->ramp_sent + 50)
			continue;
		for (unsigned w = 0; w < c->nw; w++) {
			struct wp_cmd cmd = { .type = WPD_CMD_RAMP };

			cmd.args.u64[0] = b;
			cmd.args.u64[1] = milli;
			all &= wp_runtime_send(c->rt, w, &cmd) == 0;
		}
		if (!all)
			continue;       /* a full command ring: the whole step again */
		be->ramp_sent = milli;
		if (milli == 1000) {
			be->ramp_start = 0;
			printf(PROG ": backend %s: slow start done, full weight\n",
			       c->cfg->backend[b].name);
		}
	}
}

void
wpd_ctl_poll(struct wpd_ctl *c, int64_t now)
{
	start_probes(c, now);
	settle_settings(c);
	(void)wp_outlier_tick(c->outlier, now);
	if (c->changed) {
		c->changed = false;
		apply_states(c);
	}
	update_ramps(c, now);
	if (now >= c->next_publish) {
		for (unsigned b = 0; b < c->nb; b++) {
			update_breaker(c, b, now);
			if (c->cfg->scaling.enabled)
				update_scale(c, b, now);
		}
		publish_all(c, now);
		c->next_publish = now + c->period_ns;
	}
}

/* ------------------------------------------------------------ rte_telemetry */

static const char *const health_names[] = { "unknown", "up", "down", "drain" };

static int
tel_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wpd_ctl *c;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&g_tel_lock);
	c = g_tel;
	if (c == NULL) {
		pthread_mutex_unlock(&g_tel_lock);
		return -ENOENT;
	}
	for (unsigned b = 0; b < c->nb; b++) {
		const struct wp_export_backend *x = &c->snap_backend[b].u.backend;
		struct rte_tel_data *e = rte_tel_data_alloc();

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "health",
					     health_names[x->health < 4 ? x->health : 0]);
		rte_tel_data_add_dict_u64(e, "ejected", x->ejected);
		rte_tel_data_add_dict_u64(e, "weight", x->weight);
		rte_tel_data_add_dict_u64(e, "idle", x->idle);
		rte_tel_data_add_dict_u64(e, "leased", x->leased);
		rte_tel_data_add_dict_u64(e, "connecting", x->connecting);
		rte_tel_data_add_dict_u64(e, "pending", x->pending);
		rte_tel_data_add_dict_u64(e, "requests", x->requests);
		rte_tel_data_add_dict_u64(e, "errors", x->errors);
		rte_tel_data_add_dict_u64(e, "rps_milli", x->rps_milli);
		rte_tel_data_add_dict_u64(e, "p50_ns", x->p50_ns);
		rte_tel_data_add_dict_u64(e, "p99_ns", x->p99_ns);
		rte_tel_data_add_dict_u64(e, "ejections", x->ejections);
		rte_tel_data_add_dict_u64(e, "probes_ok", x->probes_ok);
		rte_tel_data_add_dict_u64(e, "probes_failed", x->probes_failed);
		rte_tel_data_add_dict_u64(e, "ts_ns", c->snap_backend[b].ts_ns);
		rte_tel_data_add_dict_container(d, c->cfg->backend[b].name, e, 0);
	}
	pthread_mutex_unlock(&g_tel_lock);
	return 0;
}

static int
tel_cores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wpd_ctl *c;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&g_tel_lock);
	c = g_tel;
	if (c == NULL) {
		pthread_mutex_unlock(&g_tel_lock);
		return -ENOENT;
	}
	for (unsigned w = 0; w < c->nw; w++) {
		const struct wp_export_core *x = &c->snap_core[w].u.core;
		struct rte_tel_data *e = rte_tel_data_alloc();
		char name[32];

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "lcore", x->lcore);
		rte_tel_data_add_dict_u64(e, "loops", x->loops);
		rte_tel_data_add_dict_u64(e, "busy_ns", x->busy_ns);
		rte_tel_data_add_dict_u64(e, "idle_ns", x->idle_ns);
		rte_tel_data_add_dict_u64(e, "rx_pkts", x->rx_pkts);
		rte_tel_data_add_dict_u64(e, "tx_pkts", x->tx_pkts);
		rte_tel_data_add_dict_u64(e, "requests", x->requests);
		rte_tel_data_add_dict_u64(e, "errors", x->errors);
		rte_tel_data_add_dict_u64(e, "clients", x->clients);
		if (c->nw > 1) {
			const struct wp_export_steer *st = &c->snap_steer[w].u.steer;

			rte_tel_data_add_dict_u64(e, "steer_landed", st->landed);
			rte_tel_data_add_dict_u64(e, "steer_handed_off", st->handed_off);
			rte_tel_data_add_dict_u64(e, "steer_ring_full", st->ring_full);
			rte_tel_data_add_dict_u64(e, "steer_from_peers", st->from_peers);
		}
		snprintf(name, sizeof(name), "worker%u", w);
		rte_tel_data_add_dict_container(d, name, e, 0);
	}
	pthread_mutex_unlock(&g_tel_lock);
	return 0;
}

static int
tel_pools(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wpd_ctl *c;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&g_tel_lock);
	c = g_tel;
	if (c == NULL) {
		pthread_mutex_unlock(&g_tel_lock);
		return -ENOENT;
	}
	for (unsigned i = 0; i < c->nw * c->nb; i++) {
		const struct wp_export_pool *x = &c->snap_pool[i].u.pool;
		struct rte_tel_data *e = rte_tel_data_alloc();
		char name[80];

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "idle", x->idle);
		rte_tel_data_add_dict_u64(e, "leased", x->leased);
		rte_tel_data_add_dict_u64(e, "connecting", x->connecting);
		rte_tel_data_add_dict_u64(e, "pending", x->pending);
		rte_tel_data_add_dict_u64(e, "min_idle", x->min_idle);
		rte_tel_data_add_dict_u64(e, "max_sessions", x->max_sessions);
		rte_tel_data_add_dict_u64(e, "opened", x->opened);
		rte_tel_data_add_dict_u64(e, "closed", x->closed);
		rte_tel_data_add_dict_u64(e, "acquires", x->acquires);
		rte_tel_data_add_dict_u64(e, "reused", x->reused);
		rte_tel_data_add_dict_u64(e, "requests", x->requests);
		snprintf(name, sizeof(name), "worker%u/%s", i / c->nb,
			 c->cfg->backend[i % c->nb].name);
		rte_tel_data_add_dict_container(d, name, e, 0);
	}
	pthread_mutex_unlock(&g_tel_lock);
	return 0;
}

/* Commands are registered once per process (rte_telemetry has no
 * unregister); they read whichever controller is current. */
static void
tel_register(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	rte_telemetry_register_cmd("/warmpool/backends", tel_backends,
		"Backends: health, ejection, sessions, requests, latency. No parameters");
	rte_telemetry_register_cmd("/warmpool/cores", tel_cores,
		"Worker cores: loops, busy/idle ns, packets, requests. No parameters");
	rte_telemetry_register_cmd("/warmpool/pools", tel_pools,
		"Per worker and backend session pools. No parameters");
}

/* ------------------------------------------------------------ life */

static int
open_export(struct wpd_ctl *c)
{
	const struct wp_config *cfg = c->cfg;
	const char *names[WP_EXPORT_MAX_BACKENDS];
	struct wp_export_meta meta;
	char dir[WP_CONFIG_PATH_LEN];
	char *slash;

	if (cfg->telemetry.file[0] == '\0')
		return 0;
	/* the parent directory: made private if we make it */
	snprintf(dir, sizeof(dir), "%s", cfg->telemetry.file);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, PROG ": telemetry: cannot create %s: %s\n", dir,
				strerror(errno));
			return -errno;
		}
	}
	for (unsigned b = 0; b < c->nb; b++)
		names[b] = cfg->backend[b].name;
	meta = (struct wp_export_meta){
		.n_workers = c->nw, .n_backends = c->nb,
		.snapshot_ns = (uint64_t)c->period_ns, .backend_names = names,
	};
	c->xw = wp_export_create(cfg->telemetry.file, cfg->telemetry.records, &meta);
	if (c->xw == NULL) {
		int e = errno;

		fprintf(stderr, PROG ": telemetry: cannot create %s: %s\n",
			cfg->telemetry.file, strerror(e));
		return -e;
	}
	return 0;
}

struct wpd_ctl *
wpd_ctl_create(const struct wp_config *cfg, unsigned nworkers)
{
	struct wp_health_params hp;
	struct wp_outlier_params op;
	struct wpd_ctl *c;
	int64_t now = (int64_t)wp_clock_ns();
	int err = ENOMEM;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	c->cur = *cfg;
	c->cfg = &c->cur;
	c->nw = nworkers;
	c->nb = cfg->n_backends;
	c->period_ns = cfg->telemetry.snapshot_interval_ns > 0 ?
		       cfg->telemetry.snapshot_interval_ns : 1000000000LL;
	c->core = calloc(c->nw, sizeof(c->core[0]));
	c->wb = calloc((size_t)c->nw * c->nb, sizeof(c->wb[0]));
	c->be = calloc(c->nb, sizeof(c->be[0]));
	c->snap_core = calloc(c->nw, sizeof(c->snap_core[0]));
	c->snap_pool = calloc((size_t)c->nw * c->nb, sizeof(c->snap_pool[0]));
	c->snap_backend = calloc(c->nb, sizeof(c->snap_backend[0]));
	c->steer = calloc(c->nw, sizeof(c->steer[0]));
	c->ho = calloc((size_t)c->nw * c->nw, sizeof(c->ho[0]));
	c->snap_steer = calloc(c->nw, sizeof(c->snap_steer[0]));
	c->told = calloc(c->nw, sizeof(c->told[0]));
	c->commit_due = calloc(c->nw, sizeof(c->commit_due[0]));
	if (c->core == NULL || c->wb == NULL || c->be == NULL || c->snap_core == NULL ||
	    c->snap_pool == NULL || c->snap_backend == NULL || c->steer == NULL ||
	    c->ho == NULL || c->snap_steer == NULL || c->told == NULL ||
	    c->commit_due == NULL)
		goto fail;
	for (unsigned w = 0; w < c->nw; w++)
		c->told[w] = *cfg;      /* what every worker starts from */
	for (unsigned b = 0; b < c->nb; b++)
		c->names[b] = c->cur.backend[b].name;
	c->nfields = wp_reload_worker_fields(c->nb, c->fields, WP_RELOAD_MAX_FIELDS);

	wp_health_params_default(&hp);
	hp.interval_ns = cfg->health.interval_ns;
	hp.jitter_ns = cfg->health.jitter_ns;
	hp.initial_spread_ns = cfg->health.initial_spread_ns;
	hp.timeout_ns = cfg->health.timeout_ns;
	hp.rise = cfg->health.rise;
	hp.fall = cfg->health.fall;
	hp.seed = cfg->pool.seed ^ 0x5eed;
	c->health = wp_health_create(&hp, c->nb, now, on_health, c);
	wp_outlier_params_default(&op);
	op.consecutive_failures = cfg->outlier.consecutive_failures;
	op.base_ejection_ns = cfg->outlier.base_ejection_ns;
	op.max_ejection_ns = cfg->outlier.max_ejection_ns;
	op.max_ejected_percent = cfg->outlier.max_ejected_percent;
	c->outlier = wp_outlier_create(&op, c->nb, on_outlier, c);
	if (c->health == NULL || c->outlier == NULL) {
		err = errno;
		fprintf(stderr, PROG ": health checks / outlier detection: %s\n", strerror(err));
		goto fail;
	}
	for (unsigned b = 0; b < c->nb; b++) {
		struct wp_breaker_params bp;

		wp_config_breaker_params(cfg, &bp);
		if (wp_breaker_init(&c->be[b].breaker, &bp, c->nw, now) < 0) {
			err = EINVAL;
			fprintf(stderr, PROG ": [breaker] parameters refused\n");
			goto fail;
		}
	}
	for (unsigned b = 0; b < c->nb && cfg->scaling.enabled; b++) {
		struct wp_scale_params sp = {
			.budget = cfg->scaling.budget, .floor = cfg->scaling.floor,
			.ceiling = cfg->scaling.ceiling, .step = cfg->scaling.step,
			.cooldown_ns = cfg->scaling.cooldown_ns,
			.preconnect_milli = cfg->scaling.preconnect_milli,
		};
		char why[160] = "";

		if (wp_scale_params_check(&sp, c->nw, why, sizeof(why)) < 0 ||
		    wp_scale_init(&c->be[b].scale, &sp, c->nw, cfg->pool.min_idle) < 0) {
			err = EINVAL;
			fprintf(stderr, PROG ": [scaling]: %s\n", why);
			goto fail;
		}
	}
	if (open_export(c) < 0) {
		err = EIO;
		goto fail;
	}
	c->next_publish = now + c->period_ns;
	pthread_mutex_lock(&g_tel_lock);
	g_tel = c;
	pthread_mutex_unlock(&g_tel_lock);
	tel_register();
	return c;
fail:
	wpd_ctl_free(c);
	errno = err;
	return NULL;
}

void
wpd_ctl_attach(struct wpd_ctl *c, struct wp_runtime *rt)
{
	c->rt = rt;
}

void
wpd_ctl_report(const struct wpd_ctl *c)
{
	for (unsigned b = 0; b < c->nb; b++) {
		const struct wp_health_backend *h = wp_health_backend(c->health, b);
		const struct wp_outlier_backend *o = wp_outlier_backend(c->outlier, b);

		printf(PROG ": backend %s: health %s, checks=%" PRIu64 " ok=%" PRIu64
		       " failed=%" PRIu64 " timeouts=%" PRIu64 " changes=%" PRIu64
		       "; ejections=%" PRIu64 "\n", c->cfg->backend[b].name,
		       wp_health_state_name((enum wp_health_state)h->state), h->checks, h->ok,
		       h->failed, h->timeouts, h->transitions, o->ejections);
	}
	if (c->xw != NULL)
		printf(PROG ": telemetry: %" PRIu64 " records published to %s\n",
		       wp_export_written(c->xw), c->cfg->telemetry.file);
}

void
wpd_ctl_free(struct wpd_ctl *c)
{
	if (c == NULL)
		return;
	if (c->xw != NULL && c->rt != NULL)
		publish_all(c, (int64_t)wp_clock_ns()); /* the final totals */
	pthread_mutex_lock(&g_tel_lock);
	if (g_tel == c)
		g_tel = NULL;
	pthread_mutex_unlock(&g_tel_lock);
	wp_export_close(c->xw, 0);
	wp_health_free(c->health);
	wp_outlier_free(c->outlier);
	free(c->core);
	free(c->wb);
	free(c->be);
	free(c->snap_core);
	free(c->snap_pool);
	free(c->snap_backend);
	free(c->steer);
	free(c->ho);
	free(c->snap_steer);
	free(c->told);
	free(c->commit_due);
	free(c);
}
