/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold appliance mode: the configuration made into running workers.
 *
 * Start-up (main lcore, before workers launch): one mempool, the client
 * port and (if configured) the backend port with one queue pair per
 * worker, then per worker its stack(s) and its wp_proxy (listener, one
 * pool + TCP transport per backend). After launch each worker's state is
 * touched only by that worker's lcore (DESIGN.md section 1); the control
 * core talks to it through the command ring only.
 *
 * Worker iteration: client port RX -> stack -> proxy callbacks; backend
 * port likewise; proxy timers and pool ticks; health probes the control
 * core asked for; every 100 ms a report to the control core (pool gauges
 * and totals, outcomes, latency histogram deltas, breaker gate: the
 * records of wpd_msg.h); TX flush.
 *
 * The control core (control.c) runs health checks, outlier ejection,
 * breakers and scaling on those reports and sends its decisions back as
 * commands (probe, backend state, breaker state, pool targets).
 *
 * Reload (SIGHUP, sighup.c): each worker keeps its own copy of the
 * configuration (`stage`, its lcore only); WPD_CMD_SET writes one field
 * of it that wp_reload_worker_field_ok() allows, WPD_CMD_COMMIT applies
 * the pool parameters, weights, [http] and retry budgets to its proxy
 * (wp_proxy_reconfigure) and reports the generation in force.
 *
 * SIGTERM/SIGINT: the control core sends DRAIN (with [shutdown]
 * drain_timeout) to every worker. A worker stops listening and lets every
 * client finish the request it is sending or sends next, answered with
 * "Connection: close" (until drain_timeout); clients silent for
 * WPD_IDLE_GRACE_NS are closed. Then it closes its backend sessions with
 * FIN and reports DRAINED once its TCP flows are gone (or after a short
 * grace). The control core then stops the workers, frees everything and
 * checks that every mbuf came back.
 *
 * Several workers (flow steering, DESIGN.md section 4, steer.h): each
 * port gets an ownership rule (Toeplitz key + RETA, written into the port
 * when its RSS can take it); every burst a worker receives goes through
 * wp_steer_rx, which keeps the frames it owns and hands the others to
 * their owner's ring; the owner feeds them to the stack of their port
 * (mbuf->port). Backend sessions and health probes pick local ports whose
 * replies the rule gives to the opening worker (wp_net_conf.lport_fn), so
 * every flow lives in exactly one worker's stack. Steering counters go to
 * the control core with the other reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <warmpool/clock.h>
#include <warmpool/config.h>
#include <warmpool/net.h>
#include <warmpool/pool.h>
#include <warmpool/breaker.h>
#include <warmpool/port.h>
#include <warmpool/probe.h>
#include <warmpool/proxy.h>
#include <warmpool/reload.h>
#include <warmpool/runtime.h>
#include <warmpool/steer.h>

#include "appliance.h"
#include "control.h"
#include "mgmt.h"
#include "sighup.h"
#include "wpd_msg.h"
#include "xdpmode.h"

#define PROG "warmpoold"
#define WPD_CLOSE_GRACE_NS (2LL * 1000000000LL)
/* Draining: a keep-alive client gets this long to send its next request
 * (served, with Connection: close) before an idle connection is closed;
 * a request already on the wire when the drain began is not cut. At most
 * half of drain_timeout. */
#define WPD_IDLE_GRACE_NS (500LL * 1000000LL)
/* Reports to the control core: often enough for outlier detection to see
 * failure runs while they are short, cheap at ~10 records per backend. */
#define WPD_REPORT_NS (100LL * 1000000LL)
#define WPD_PROBES_INFLIGHT 64
#define WPD_BURST 32
#define WPD_HANDOFF_SLOTS 1024

/* What a worker last reported of one backend, to send deltas. */
struct wpd_sent {
	uint32_t applied_seq;           /* scaling targets applied (WPD_CMD_TARGETS) */
	struct wp_hist lat;
	uint64_t opened;
	uint64_t closed[WP_CLOSE__COUNT];
};

/* One worker's appliance state. Owned by the worker's lcore after launch
 * (ctx is set on the worker's first poll, before any probe can start). */
struct wpd_worker {
	struct wp_portq cq, bq;
	bool cq_up, bq_up;
	struct wp_net *cnet, *bnet;     /* bnet == cnet with one port */
	struct wp_steer_worker *sw;     /* this worker's side of steering */
	struct wp_steer_lport clport, blport; /* the stacks' lport_fn args */
	struct wp_proxy *px;
	struct wp_prober *prober;
	struct wp_worker_ctx *ctx;
	struct wpd_sent *sent;          /* [n_backends] */
	struct wp_config *stage;        /* reload: settings as the control core sent them */
	uint32_t settings_gen;          /* generation applied (WPD_CMD_COMMIT) */
	int64_t next_report;
	bool draining, closing, drained, idle_closed;
	int64_t drain_deadline, close_deadline, idle_deadline;
};

struct wpd {
	const struct wp_config *cfg;    /* as started (workers read it); the running
					 * one is wpd_ctl_config() */
	const char *path;               /* the file, for SIGHUP */
	struct rte_mempool *mp;
	uint16_t cport, bport;
	bool two_ports, cport_up, bport_up;
	struct wp_port_info cinfo, binfo;
	struct wp_rss *crss, *brss;     /* ownership rule per port */
	struct wp_handoff *ho;          /* rings between workers */
	unsigned nworkers;
	struct wpd_worker *wk[RTE_MAX_LCORE];
	unsigned mbufs_baseline;
	unsigned pmd_kept;              /* mbufs net_af_xdp posts to its fill
					 * rings at set-up and never returns */
};

static struct wpd D;

/* ------------------------------------------------------------ EAL args */

static bool
user_has(int argc, char **argv, const char *const *opts)
{
	for (int i = 0; i < argc; i++)
		for (const char *const *o = opts; *o != NULL; o++)
			if (strncmp(argv[i], *o, strlen(*o)) == 0)
				return true;
	return false;
}

static bool
is_vdev(const char *dev)
{
	return strncmp(dev, "net_", 4) == 0;
}

/* Software PMDs take their queue count as a device argument: with several
 * workers and none given, name one queue per worker (qpairs= for
 * net_af_packet: a PACKET_FANOUT group; queue_count= for net_af_xdp). */
static bool
queue_arg(const char *dev, unsigned workers, char *out, size_t len)
{
	if (workers < 2)
		return false;
	if (strncmp(dev, "net_af_packet", 13) == 0 && strstr(dev, "qpairs=") == NULL) {
		snprintf(out, len, "qpairs=%u", workers);
		return true;
	}
	if (strncmp(dev, "net_af_xdp", 10) == 0 && strstr(dev, "queue_count=") == NULL) {
		snprintf(out, len, "queue_count=%u", workers);
		return true;
	}
	return false;
}

int
wpd_eal_args(const struct wp_config *cfg, int user_argc, char **user_argv,
	     char **out, int max, char *store, size_t len)
{
	static const char *const lc[] = { "-l", "--lcores", "-c", NULL };
	static const char *const dv[] = { "--vdev", "-a", "--allow", "-b", "--block", NULL };
	static const char *const pci[] = { "--no-pci", NULL };
	size_t used = 0;
	int n = 0;
	bool any_pci = false;
	char q[32];

#define ADD(s) do {                                                       \
		size_t l_ = strlen(s) + 1;                                 \
		if (n >= max || used + l_ > len)                           \
			return -E2BIG;                                     \
		memcpy(store + used, (s), l_);                             \
		out[n++] = store + used;                                   \
		used += l_;                                                \
	} while (0)

	if (!user_has(user_argc, user_argv, lc)) {
		char l[256];

		if (wp_config_format_lcores(cfg, true, l, sizeof(l)) < 0)
			return -E2BIG;
		ADD("-l");
		ADD(l);
		snprintf(l, sizeof(l), "--main-lcore=%u", cfg->workers.main_lcore);
		ADD(l);
	}
	if (!user_has(user_argc, user_argv, dv)) {
		for (int r = 0; r < WP_CONFIG_PORT__COUNT; r++) {
			const struct wp_config_port *p = &cfg->port[r];

			if (!p->present)
				continue;
			if (r == WP_CONFIG_PORT_BACKEND &&
			    strcmp(p->device, cfg->port[WP_CONFIG_PORT_CLIENT].device) == 0)
				continue;
			if (is_vdev(p->device)) {
				ADD("--vdev");
			} else {
				ADD("-a");
				any_pci = true;
			}
			{
				char dev[WP_CONFIG_DEVICE_LEN + 32 + 4096];
				int o = snprintf(dev, sizeof(dev), "%s", p->device);

				if (queue_arg(p->device, cfg->workers.count, q, sizeof(q)))
					o += snprintf(dev + o, sizeof(dev) - (size_t)o, ",%s", q);
				(void)wpd_xdp_devargs(cfg, (enum wp_config_port_role)r, dev + o,
						      sizeof(dev) - (size_t)o);
				ADD(dev);
			}
		}
		if (!any_pci && !user_has(user_argc, user_argv, pci))
			ADD("--no-pci");
	}
#undef ADD
	return n;
}

/* ---------------------------------------------------------- the worker */

static void
worker_drain_step(struct wp_worker_ctx *ctx, struct wpd_worker *w, int64_t now)
{
	struct wp_net_stats cs, bs;
	uint32_t left;

	if (!w->closing) {
		if (!w->idle_closed && now >= w->idle_deadline) {
			wp_proxy_close_idle(w->px);
			w->idle_closed = true;
		}
		if (wp_proxy_clients(w->px) > 0 && now < w->drain_deadline)
			return;
		/* clients done (or out of time): sessions go with FIN */
		wp_proxy_close_sessions(w->px);
		w->closing = true;
		w->close_deadline = now + WPD_CLOSE_GRACE_NS;
		return;
	}
	if (w->drained)
		return;
	/* TIME_WAIT flows are closed for everyone but TCP; they go with the
	 * stack */
	wp_net_stats(w->cnet, &cs);
	left = cs.tcp_conns - cs.tcp_time_wait;
	if (w->bnet != w->cnet) {
		wp_net_stats(w->bnet, &bs);
		left += bs.tcp_conns - bs.tcp_time_wait;
	}
	if (left > 0 && now < w->close_deadline)
		return;
	w->drained = true;
	wp_worker_event(ctx, WPD_EV_DRAINED, wp_proxy_clients(w->px), left);
}

/* ---------------------------------------------------- worker reports */

static void
report_hist(struct wp_worker_ctx *ctx, uint16_t b, const struct wp_hist *now_h,
	    struct wp_hist *sent)
{
	struct wpd_r_hist r;

	memset(&r, 0, sizeof(r));
	r.backend = b;
	for (unsigned k = 0; k < WP_HIST_BUCKETS; k++) {
		uint64_t d = now_h->count[k] - sent->count[k];

		if (d == 0)
			continue;
		if (d > UINT32_MAX)
			d = UINT32_MAX;
		r.bucket[r.n] = (uint16_t)k;
		r.count[r.n] = (uint32_t)d;
		if (++r.n == WPD_HIST_PAIRS) {
			(void)wp_worker_push(ctx, WPD_R_HIST, &r, sizeof(r));
			r.n = 0;
		}
	}
	if (r.n > 0)
		(void)wp_worker_push(ctx, WPD_R_HIST, &r, sizeof(r));
	*sent = *now_h;
}

static uint16_t
sat16(uint64_t v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

static void
report_steer(struct wp_worker_ctx *ctx, struct wpd_worker *w)
{
	struct wp_steer_stats st;
	struct wp_handoff_stats hs;
	struct wpd_r_steer rs;

	wp_steer_worker_stats(w->sw, &st, &hs);
	rs = (struct wpd_r_steer){
		.landed = st.landed, .handed_off = st.handed_off, .ring_full = st.ring_full,
		.from_peers = st.from_peers, .copies = st.copies, .copy_lost = st.copy_lost,
	};
	(void)wp_worker_push(ctx, WPD_R_STEER, &rs, sizeof(rs));
	for (unsigned p = 0; p < D.nworkers; p++) {
		struct wpd_r_handoff rh = { .peer = (uint16_t)p, .sent = hs.sent[p],
					    .dropped = hs.dropped[p], .received = hs.received[p] };

		if (p != ctx->worker_id)
			(void)wp_worker_push(ctx, WPD_R_HANDOFF, &rh, sizeof(rh));
	}
}

static void
worker_report(struct wp_worker_ctx *ctx, struct wpd_worker *w)
{
	struct wp_proxy_stats ps;
	struct wpd_r_core core;

	wp_proxy_stats(w->px, &ps);
	memset(&core, 0, sizeof(core));
	core.rx_pkts = w->cq.rx_pkts;
	core.tx_pkts = w->cq.tx_pkts;
	if (D.two_ports) {
		core.rx_pkts += w->bq.rx_pkts;
		core.tx_pkts += w->bq.tx_pkts;
	}
	for (int e = 0; e < WP_PX_E__COUNT; e++)
		core.errors += ps.errors[e];
	core.requests = ps.responses + core.errors;
	core.clients = ps.clients;
	core.in_flight = ps.in_flight;
	core.settings_gen = w->settings_gen;
	(void)wp_worker_push(ctx, WPD_R_CORE, &core, sizeof(core));
	if (D.nworkers > 1)
		report_steer(ctx, w);

	for (uint16_t b = 0; b < D.cfg->n_backends; b++) {
		const struct wp_proxy_backend_stats *bst = wp_proxy_backend_stats(w->px, b);
		struct wp_pool *pool = wp_proxy_pool(w->px, b);
		struct wpd_sent *sent = &w->sent[b];
		struct wp_pool_stats st;
		struct wpd_r_pool rp = { .backend = b };
		struct wpd_r_pool2 rp2 = { .backend = b };
		struct wpd_r_backend rb = { .backend = b };
		struct wpd_r_closed rc = { .backend = b };
		uint64_t closed = 0;
		bool any = false;

		wp_pool_stats(pool, &st);
		for (int r = 0; r < WP_CLOSE__COUNT; r++) {
			closed += st.closed[r];
			rc.closed[r] = sat16(st.closed[r] - sent->closed[r]);
			any |= rc.closed[r] != 0;
			sent->closed[r] = st.closed[r];
		}
		rc.opened = sat16(st.opened - sent->opened);
		any |= rc.opened != 0;
		sent->opened = st.opened;
		rp.state = (uint16_t)wp_pool_state(pool);
		rp.idle = st.idle;
		rp.leased = st.in_use;
		rp.connecting = st.connecting;
		rp.pending = st.pending;
		wp_pool_targets(pool, &rp.min_idle, &rp.max_sessions);
		rp.applied_seq = sent->applied_seq;
		rp.opened = st.opened;
		rp.closed = closed;
		rp2.acquires = st.acquires;
		rp2.reused = st.reused;
		rp2.overflows = st.overflows;
		rp2.timeouts = st.timeouts;
		rp2.connect_failed = st.closed[WP_CLOSE_CONNECT_FAILED] +
				     st.closed[WP_CLOSE_CONNECT_TIMEOUT];
		rb.fail_streak = bst->fail_streak;
		rb.requests = bst->requests;
		rb.responses = bst->responses;
		rb.status_5xx = bst->status_5xx;
		rb.successes = bst->successes;
		rb.failures = bst->failures;
		(void)wp_worker_push(ctx, WPD_R_POOL, &rp, sizeof(rp));
		(void)wp_worker_push(ctx, WPD_R_POOL2, &rp2, sizeof(rp2));
		(void)wp_worker_push(ctx, WPD_R_BACKEND, &rb, sizeof(rb));
		if (any)
			(void)wp_worker_push(ctx, WPD_R_CLOSED, &rc, sizeof(rc));
		{
			const struct wp_breaker_gate *g = wp_proxy_gate(w->px, b);
			struct wpd_r_gate rg = {
				.backend = b, .state = g->state, .admitted = g->admitted,
				.denied = g->denied, .retries = ps.retries,
				.retries_denied = bst->retries_denied,
			};

			(void)wp_worker_push(ctx, WPD_R_GATE, &rg, sizeof(rg));
		}
		report_hist(ctx, b, &bst->lat, &sent->lat);
	}
}

static void
probe_done(void *arg, const struct wp_probe_result *r)
{
	struct wpd_worker *w = arg;
	struct wpd_r_probe m = {
		.id = r->id, .backend = r->backend, .status = r->status,
		.fail = r->fail, .latency_ns = r->latency_ns,
	};

	(void)wp_worker_push(w->ctx, WPD_R_PROBE, &m, sizeof(m));
}

static void
worker_probe(struct wpd_worker *w, const struct wp_cmd *cmd, int64_t now)
{
	uint64_t id = cmd->args.u64[0];
	uint16_t b = (uint16_t)cmd->args.u64[1];
	int64_t timeout = (int64_t)cmd->args.u64[2];

	if (b >= D.cfg->n_backends)
		return;
	if (wp_prober_start(w->prober, id, b, D.cfg->backend[b].addr,
			    D.cfg->backend[b].port, now, now + timeout) < 0) {
		struct wp_probe_result r = { .id = id, .backend = b,
					     .fail = WP_PROBE_F_CONNECT };

		probe_done(w, &r); /* too many in flight: a failed check */
	}
}

/* One burst from a queue: the frames this worker owns go to its stack,
 * the others to their owners' rings. Returns frames received. */
static unsigned int
worker_rx(struct wpd_worker *w, struct wp_portq *q, struct wp_net *net, int64_t now)
{
	struct rte_mbuf *pkts[WPD_BURST];
	uint16_t n = wp_portq_rx(q, pkts, WPD_BURST, now), k;

	if (n == 0)
		return 0;
	k = wp_steer_rx(w->sw, pkts, n);
	if (k > 0)
		wp_net_input(net, pkts, k, now);
	return n;
}

/* Frames other workers handed over, each to the stack of its port. */
static unsigned int
worker_handoffs(struct wpd_worker *w, int64_t now)
{
	struct rte_mbuf *pkts[WPD_BURST], *bk[WPD_BURST];
	uint16_t n = wp_steer_drain(w->sw, pkts, WPD_BURST), nc = 0, nb = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (D.two_ports && pkts[i]->port == D.bport)
			bk[nb++] = pkts[i];
		else
			pkts[nc++] = pkts[i];
	}
	if (nc > 0)
		wp_net_input(w->cnet, pkts, nc, now);
	if (nb > 0)
		wp_net_input(w->bnet, bk, nb, now);
	return n;
}

static unsigned int
worker_poll(struct wp_worker_ctx *ctx, void *arg)
{
	struct wpd_worker *w = D.wk[ctx->worker_id];
	int64_t now = (int64_t)wp_clock_ns();
	unsigned int n;

	(void)arg;
	w->ctx = ctx;
	n = worker_rx(w, &w->cq, w->cnet, now);
	if (D.two_ports)
		n += worker_rx(w, &w->bq, w->bnet, now);
	n += worker_handoffs(w, now);
	wp_net_timers(w->cnet, now);
	if (D.two_ports)
		wp_net_timers(w->bnet, now);
	wp_proxy_poll(w->px, now);
	wp_prober_poll(w->prober, now);
	if (now >= w->next_report) {
		worker_report(ctx, w);
		w->next_report = now + WPD_REPORT_NS;
	}
	wp_net_flush(w->cnet);
	if (D.two_ports)
		wp_net_flush(w->bnet);
	if (w->draining)
		worker_drain_step(ctx, w, now);
	return n;
}

/* WPD_CMD_SET: one field of the staged configuration. */
static void
worker_set(struct wpd_worker *w, const struct wp_cmd *cmd)
{
	uint64_t off = cmd->args.u64[0], size = cmd->args.u64[1], v = cmd->args.u64[2];

	if (off > UINT32_MAX || size > 8 || !wp_reload_worker_field_ok((uint32_t)off,
								      (uint32_t)size))
		return;                 /* not a field a worker takes: ignored */
	memcpy((char *)w->stage + off, &v, size); /* little-endian: the low bytes */
}

/* WPD_CMD_COMMIT: the staged settings into the proxy. */
static void
worker_commit(struct wpd_worker *w, const struct wp_cmd *cmd)
{
	const struct wp_config *s = w->stage;
	struct wp_proxy_live live;

	memset(&live, 0, sizeof(live));
	live.limits.max_line = s->http.max_line;
	live.limits.max_header_bytes = s->http.max_header_bytes;
	live.limits.max_headers = s->http.max_headers;
	live.client_idle_timeout_ns = s->http.client_idle_timeout_ns;
	live.request_timeout_ns = s->http.request_timeout_ns;
	live.backend_timeout_ns = s->http.backend_timeout_ns;
	live.retry_idempotent = s->http.retry_idempotent;
	wp_config_pool_params(s, &live.pool);   /* (the pools keep their seeds) */
	live.pool_targets = !s->scaling.enabled;
	wp_config_breaker_params(s, &live.breaker_params);
	for (unsigned b = 0; b < s->n_backends && b < WP_PROXY_MAX_BACKENDS; b++)
		live.weight[b] = s->backend[b].weight;
	if (wp_proxy_reconfigure(w->px, &live) == 0)
		w->settings_gen = (uint32_t)cmd->args.u64[0];
}

static void
worker_cmd(struct wp_worker_ctx *ctx, const struct wp_cmd *cmd, void *arg)
{
	struct wpd_worker *w = D.wk[ctx->worker_id];
	int64_t now = (int64_t)wp_clock_ns();

	(void)arg;
	w->ctx = ctx;
	if (cmd->type == WPD_CMD_PROBE) {
		worker_probe(w, cmd, now);
		return;
	}
	if (cmd->type == WPD_CMD_SET) {
		worker_set(w, cmd);
		return;
	}
	if (cmd->type == WPD_CMD_COMMIT) {
		worker_commit(w, cmd);
		return;
	}
	if (cmd->type == WPD_CMD_TARGETS) {
		unsigned b = (unsigned)cmd->args.u64[0];

		if (b < D.cfg->n_backends &&
		    wp_pool_set_targets(wp_proxy_pool(w->px, b), (uint32_t)cmd->args.u64[1],
					(uint32_t)(cmd->args.u64[1] >> 32)) == 0)
			w->sent[b].applied_seq = (uint32_t)cmd->args.u64[2];
		return;
	}
	if (cmd->type == WPD_CMD_BREAKER) {
		struct wp_breaker_cmd bc = {
			.state = (uint8_t)cmd->args.u64[1],
			.probes = (uint32_t)(cmd->args.u64[2] >> 32),
			.epoch = (uint32_t)cmd->args.u64[2],
		};

		(void)wp_proxy_set_breaker(w->px, (unsigned)cmd->args.u64[0], &bc);
		return;
	}
	if (cmd->type == WPD_CMD_RAMP) {
		(void)wp_proxy_set_ramp(w->px, (unsigned)cmd->args.u64[0],
					(uint32_t)cmd->args.u64[1]);
		return;
	}
	if (cmd->type == WPD_CMD_REPORT) {
		worker_report(ctx, w);  /* the last one, just before STOP */
		return;
	}
	if (cmd->type == WPD_CMD_STATE) {
		(void)wp_proxy_set_backend_state(w->px, (unsigned)cmd->args.u64[0],
				(enum wp_backend_state)cmd->args.u64[1], now);
		return;
	}
	if (cmd->type != WPD_CMD_DRAIN || w->draining)
		return;
	w->draining = true;
	w->drain_deadline = now + (int64_t)cmd->args.u64[0];
	w->idle_deadline = now + RTE_MIN(WPD_IDLE_GRACE_NS, (int64_t)cmd->args.u64[0] / 2);
	wp_proxy_drain(w->px);
}

/* ------------------------------------------------------------ set-up */

static int
port_by_device(const char *dev, uint16_t *port)
{
	char name[WP_CONFIG_DEVICE_LEN];
	size_t i;

	for (i = 0; dev[i] != '\0' && dev[i] != ',' && i + 1 < sizeof(name); i++)
		name[i] = dev[i];
	name[i] = '\0';
	if (rte_eth_dev_get_port_by_name(name, port) != 0) {
		fprintf(stderr, PROG ": port '%s' not found: the device did not probe "
			"(check the EAL log above: interface name, permissions)\n", name);
		return -ENODEV;
	}
	return 0;
}

/* The ownership rule of a port: the port's RETA size when it has a usable
 * one (so the rule can be written into it), else 128 entries. */
static struct wp_rss *
rule_for_port(uint16_t port, const char *role)
{
	struct rte_eth_dev_info di;
	struct wp_rss_conf rc = { .nworkers = (uint16_t)D.nworkers, .name = role };
	struct wp_rss *rss;

	if (rte_eth_dev_info_get(port, &di) == 0 && di.reta_size >= 4 &&
	    di.reta_size <= WP_RSS_RETA_MAX && (di.reta_size & (di.reta_size - 1)) == 0 &&
	    di.reta_size >= D.nworkers)
		rc.reta_size = di.reta_size;
	rss = wp_rss_create(&rc);
	if (rss == NULL)
		fprintf(stderr, PROG ": port %s: steering rule: %s\n", role,
			rte_strerror(rte_errno));
	return rss;
}

static int
port_up(enum wp_config_port_role role, uint16_t *port, struct wp_port_info *info,
	struct wp_rss **rss)
{
	const struct wp_config_port *p = wp_config_port_for(D.cfg, role);
	const char *rname = role == WP_CONFIG_PORT_CLIENT ? "client" : "backend";
	struct wp_rss_port_info ri;
	struct wp_port_conf pc;
	unsigned in_use;
	int rc;

	rc = port_by_device(p->device, port);
	if (rc != 0)
		return rc;
	*rss = rule_for_port(*port, rname);
	if (*rss == NULL)
		return -ENOMEM;
	memset(&pc, 0, sizeof(pc));
	pc.port_id = *port;
	pc.nb_queues = (uint16_t)D.nworkers;
	pc.rx_desc = p->rx_desc;
	pc.tx_desc = p->tx_desc;
	pc.use_offloads = true;
	pc.mp = D.mp;
	pc.rss_key = wp_rss_key(*rss);
	in_use = rte_mempool_in_use_count(D.mp);
	rc = wp_port_setup(&pc, info);
	if (rc < 0) {
		fprintf(stderr, PROG ": port %s: set-up failed: %s\n", p->device, strerror(-rc));
		return rc;
	}
	/* DPDK 22.11's net_af_xdp posts mbufs of our pool to the fill ring
	 * at queue set-up and does not give them back at close: they are the
	 * PMD's from here on, not a leak of ours */
	if (strcmp(info->driver, "net_af_xdp") == 0)
		D.pmd_kept += rte_mempool_in_use_count(D.mp) - in_use;
	rc = wp_rss_program_port(*rss, *port, &ri);
	if (rc < 0)
		return rc;
	rc = wpd_xdp_adopt(D.cfg, role, *rss);
	if (rc < 0)
		return rc;
	if (D.nworkers > 1) {
		/* the rule, for operators (and tests) who steer from outside */
		char key[2 * WP_RSS_KEY_LEN + 1];

		for (unsigned i = 0; i < WP_RSS_KEY_LEN; i++)
			snprintf(key + 2 * i, 3, "%02x", wp_rss_key(*rss)[i]);
		printf(PROG ": %s port: flow owner = RETA[toeplitz(key, src ip, dst ip, src port, "
		       "dst port) & %u], entry i -> worker i %% %u; key %s\n", rname,
		       wp_rss_reta_size(*rss) - 1u, D.nworkers, key);
	}
	if (ri.mode == WP_RSS_PROGRAMMED)
		printf(PROG ": %s port: steering in the NIC: key and %u-entry RETA written "
		       "and read back\n", rname, wp_rss_reta_size(*rss));
	else if (ri.mode == WP_RSS_SOFTWARE)
		printf(PROG ": %s port: steering in software: frames that land on a "
		       "non-owner worker cross a handoff ring (%s)\n", rname, ri.why);
	return 0;
}

static struct wp_net *
stack_up(enum wp_config_port_role role, struct wp_portq *q,
	 const struct wp_port_info *info, unsigned wid, int socket,
	 struct wp_steer_lport *lport)
{
	struct wp_net_conf nc;
	struct wp_net_io io;
	struct wp_net *net;
	const char *why = NULL;

	wp_net_conf_default(&nc);
	wp_config_net_conf(D.cfg, role, &nc);
	memcpy(nc.mac, info->mac, 6);
	nc.worker = wid;
	nc.syn_backlog = D.cfg->listen.backlog;
	if (D.nworkers > 1) {
		/* active opens pick ports whose replies this worker owns */
		nc.lport_fn = wp_steer_lport_fn;
		nc.lport_arg = lport;
	}
	/* sessions and clients share the flow table of a single port */
	if (nc.max_conns < D.cfg->pool.max_sessions * D.cfg->n_backends + 4096)
		nc.max_conns = D.cfg->pool.max_sessions * D.cfg->n_backends + 4096;
	if (wp_net_conf_check(&nc, &why) < 0) {
		fprintf(stderr, PROG ": stack settings: %s\n", why ? why : "?");
		return NULL;
	}
	wp_portq_io(q, info, &io);
	net = wp_net_create(&nc, &io, D.mp, socket, (int64_t)wp_clock_ns());
	if (net == NULL)
		fprintf(stderr, PROG ": worker %u: stack: %s\n", wid, rte_strerror(rte_errno));
	return net;
}

static int
worker_up(unsigned wid, int socket, const struct wpd_ctl *ctl)
{
	const struct wp_config *cfg = D.cfg;
	struct wp_proxy_conf pc;
	struct wp_prober_conf prc;
	struct wpd_worker *w;
	int rc;

	w = rte_zmalloc_socket("wpd_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return -ENOMEM;
	D.wk[wid] = w;
	rc = wp_portq_init(&w->cq, D.cport, (uint16_t)wid, NULL, NULL, socket);
	if (rc < 0)
		return rc;
	w->cq_up = true;
	w->clport = (struct wp_steer_lport){ .rss = D.crss, .worker = wid };
	w->cnet = stack_up(WP_CONFIG_PORT_CLIENT, &w->cq, &D.cinfo, wid, socket, &w->clport);
	if (w->cnet == NULL)
		return -EINVAL;
	w->bnet = w->cnet;
	w->sw = wp_steer_worker_create(D.ho, wid, socket);
	if (w->sw == NULL || wp_steer_worker_add_port(w->sw, D.cport, D.crss) < 0 ||
	    (D.two_ports && wp_steer_worker_add_port(w->sw, D.bport, D.brss) < 0))
		return -ENOMEM;
	if (D.two_ports) {
		rc = wp_portq_init(&w->bq, D.bport, (uint16_t)wid, NULL, NULL, socket);
		if (rc < 0)
			return rc;
		w->bq_up = true;
		w->blport = (struct wp_steer_lport){ .rss = D.brss, .worker = wid };
		w->bnet = stack_up(WP_CONFIG_PORT_BACKEND, &w->bq, &D.binfo, wid, socket,
				   &w->blport);
		if (w->bnet == NULL)
			return -EINVAL;
	}
	memset(&pc, 0, sizeof(pc));
	pc.client_net = w->cnet;
	pc.backend_net = w->bnet;
	pc.mp = D.mp;
	pc.listen_port = cfg->listen.port;
	pc.max_clients = 16384;
	pc.limits.max_line = cfg->http.max_line;
	pc.limits.max_header_bytes = cfg->http.max_header_bytes;
	pc.limits.max_headers = cfg->http.max_headers;
	pc.client_idle_timeout_ns = cfg->http.client_idle_timeout_ns;
	pc.request_timeout_ns = cfg->http.request_timeout_ns;
	pc.backend_timeout_ns = cfg->http.backend_timeout_ns;
	pc.retry_idempotent = cfg->http.retry_idempotent;
	pc.retry_buf = 4096;
	wp_config_pool_params(cfg, &pc.pool);
	pc.pool.seed ^= wid;
	pc.nbackends = cfg->n_backends;
	for (unsigned i = 0; i < cfg->n_backends; i++) {
		pc.backends[i].ip = cfg->backend[i].addr;
		pc.backends[i].port = cfg->backend[i].port;
		pc.backends[i].weight = cfg->backend[i].weight;
	}
	pc.seed = 0x77a2 + wid;
	pc.socket = socket;
	pc.breaker = true;
	pc.nworkers = D.nworkers;
	wp_config_breaker_params(cfg, &pc.breaker_params);
	w->px = wp_proxy_create(&pc);
	if (w->px == NULL) {
		fprintf(stderr, PROG ": worker %u: proxy: %s\n", wid, strerror(errno));
		return -errno;
	}
	for (unsigned b = 0; b < cfg->n_backends; b++) {
		uint32_t mi, mx;

		/* scaling's first targets, before any session opens */
		if (wpd_ctl_initial_targets(ctl, wid, b, &mi, &mx) == 0 &&
		    wp_pool_set_targets(wp_proxy_pool(w->px, b), mi, mx) < 0)
			return -EINVAL;
	}
	w->sent = rte_zmalloc_socket("wpd_sent", sizeof(w->sent[0]) * cfg->n_backends,
				     RTE_CACHE_LINE_SIZE, socket);
	w->stage = rte_malloc_socket("wpd_stage", sizeof(*w->stage), RTE_CACHE_LINE_SIZE,
				     socket);
	if (w->sent == NULL || w->stage == NULL)
		return -ENOMEM;
	*w->stage = *cfg;
	memset(&prc, 0, sizeof(prc));
	prc.net = w->bnet;
	prc.type = cfg->health.type == WP_CONFIG_HEALTH_HTTP ? WP_PROBE_HTTP : WP_PROBE_TCP;
	snprintf(prc.method, sizeof(prc.method), "%s", cfg->health.http_method);
	snprintf(prc.path, sizeof(prc.path), "%s", cfg->health.http_path);
	prc.expect_status = cfg->health.http_expect_status;
	prc.max_inflight = WPD_PROBES_INFLIGHT;
	prc.done = probe_done;
	prc.arg = w;
	w->prober = wp_prober_create(&prc, socket);
	if (w->prober == NULL) {
		fprintf(stderr, PROG ": worker %u: health prober: %s\n", wid, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Some PMDs (net_af_xdp) free transmitted mbufs only when a later
 * tx_burst reads their completions: with the workers stopped, call it
 * on every queue until the pool stops filling up. Main lcore. */
static void
reap_tx(void)
{
	unsigned prev = UINT32_MAX;

	if (D.mp == NULL)
		return;
	for (int i = 0; i < 200; i++) {
		unsigned cur = rte_mempool_in_use_count(D.mp);

		if (cur == prev && i >= 10)
			break;
		prev = cur;
		for (uint16_t q = 0; q < D.nworkers; q++) {
			if (D.cport_up)
				(void)rte_eth_tx_burst(D.cport, q, NULL, 0);
			if (D.bport_up)
				(void)rte_eth_tx_burst(D.bport, q, NULL, 0);
		}
		rte_delay_us_sleep(1000);
	}
}

static void
teardown(void)
{
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		struct wpd_worker *w = D.wk[i];

		if (w == NULL)
			continue;
		wp_prober_free(w->prober);
		wp_proxy_free(w->px);
		wp_steer_worker_free(w->sw);
		rte_free(w->sent);
		rte_free(w->stage);
		if (w->bnet != NULL && w->bnet != w->cnet)
			wp_net_free(w->bnet);
		wp_net_free(w->cnet);
		if (w->bq_up)
			wp_portq_fini(&w->bq);
		if (w->cq_up)
			wp_portq_fini(&w->cq);
		rte_free(w);
		D.wk[i] = NULL;
	}
	if (D.ho != NULL) {
		unsigned left;

		wp_handoff_free(D.ho, &left);
		D.ho = NULL;
		if (left > 0)
			printf(PROG ": handoff rings: %u frames were still in flight at "
			       "stop (freed)\n", left);
	}
	reap_tx();
	if (D.bport_up)
		wp_port_close(D.bport);
	if (D.cport_up)
		wp_port_close(D.cport);
	D.cport_up = D.bport_up = false;
	wp_rss_free(D.crss);
	wp_rss_free(D.brss);
	D.crss = D.brss = NULL;
}

/* ------------------------------------------------------------ reports */

static uint64_t
drops_total(const struct wp_net_stats *ns)
{
	uint64_t n = 0;

	for (int i = 0; i < WP_DROP__COUNT; i++)
		n += ns->drops[i];
	return n;
}

/* One stack's line: flows left, drops by reason, resets sent. */
static void
report_stack(unsigned wid, const char *which, const struct wp_net *net)
{
	struct wp_net_stats ns;
	char why[512] = "";
	size_t o = 0;

	wp_net_stats(net, &ns);
	for (int i = 0; i < WP_DROP__COUNT && o < sizeof(why); i++)
		if (ns.drops[i] > 0)
			o += (size_t)snprintf(why + o, sizeof(why) - o, " %s=%" PRIu64,
					      wp_net_drop_name((enum wp_net_drop)i), ns.drops[i]);
	printf(PROG ": worker %u: %s stack flows=%u time_wait=%u drops=%" PRIu64 " rst_sent=%"
	       PRIu64 " rx_frames=%" PRIu64 "; drops by reason:%s\n", wid, which,
	       ns.tcp_conns - ns.tcp_time_wait, ns.tcp_time_wait, drops_total(&ns),
	       ns.tcp_rst_sent, ns.rx_frames, o ? why : " none");
}

static void
report_worker_steer(unsigned wid)
{
	struct wp_steer_stats st;
	struct wp_handoff_stats hs;
	char pairs[512] = "";
	size_t o = 0;

	wp_steer_worker_stats(D.wk[wid]->sw, &st, &hs);
	for (unsigned p = 0; p < D.nworkers && o < sizeof(pairs); p++)
		if (p != wid)
			o += (size_t)snprintf(pairs + o, sizeof(pairs) - o,
					      " to%u=%" PRIu64 "/%" PRIu64 " from%u=%" PRIu64,
					      p, hs.sent[p], hs.dropped[p], p, hs.received[p]);
	printf(PROG ": worker %u: steering landed=%" PRIu64 " local=%" PRIu64
	       " handed_off=%" PRIu64 " ring_full=%" PRIu64 " from_peers=%" PRIu64
	       " copies=%" PRIu64 " copy_lost=%" PRIu64 "; handoff (sent/dropped, received):%s\n",
	       wid, st.landed, st.local, st.handed_off, st.ring_full, st.from_peers, st.copies,
	       st.copy_lost, pairs);
}

static void
report_worker(unsigned wid)
{
	struct wpd_worker *w = D.wk[wid];
	struct wp_proxy_stats s;
	char errs[512] = "";
	size_t o = 0;

	wp_proxy_stats(w->px, &s);
	for (int e = 0; e < WP_PX_E__COUNT; e++)
		if (s.errors[e] > 0 && o < sizeof(errs))
			o += (size_t)snprintf(errs + o, sizeof(errs) - o, " %s=%" PRIu64,
					      wp_proxy_err_name((enum wp_proxy_err)e), s.errors[e]);
	printf(PROG ": worker %u: clients accepted=%" PRIu64 " open=%u; requests=%" PRIu64
	       " responses=%" PRIu64 " 2xx=%" PRIu64 " 3xx=%" PRIu64 " 4xx=%" PRIu64
	       " 5xx=%" PRIu64 " reused=%" PRIu64 " retries=%" PRIu64 " not_reusable=%" PRIu64
	       " hop_rewrites=%" PRIu64 " close_announced=%" PRIu64
	       " bytes_up=%" PRIu64 " bytes_down=%" PRIu64 "; errors:%s\n",
	       wid, s.accepted, s.clients, s.requests, s.responses, s.status_class[2],
	       s.status_class[3], s.status_class[4], s.status_class[5], s.reused, s.retries,
	       s.not_reusable, s.hop_rewrites, s.close_announced, s.bytes_up, s.bytes_down,
	       o ? errs : " none");
	for (unsigned i = 0; i < D.cfg->n_backends; i++) {
		struct wp_pool_stats ps;

		char closed[512] = "";
		size_t co = 0;

		wp_pool_stats(wp_proxy_pool(w->px, i), &ps);
		for (int r = 0; r < WP_CLOSE__COUNT; r++)
			if (ps.closed[r] > 0 && co < sizeof(closed))
				co += (size_t)snprintf(closed + co, sizeof(closed) - co,
						       " %s=%" PRIu64,
						       wp_close_reason_name((enum wp_close_reason)r),
						       ps.closed[r]);
		printf(PROG ": worker %u: backend %s: sessions opened=%" PRIu64 " acquires=%" PRIu64
		       " reused=%" PRIu64 " waits=%" PRIu64 " overflows=%" PRIu64
		       " timeouts=%" PRIu64 "; closed:%s\n",
		       wid, D.cfg->backend[i].name, ps.opened, ps.acquires, ps.reused, ps.waits,
		       ps.overflows, ps.timeouts, co ? closed : " none");
	}
	if (D.nworkers > 1)
		report_worker_steer(wid);
	report_stack(wid, "client", w->cnet);
	if (w->bnet != w->cnet)
		report_stack(wid, "backend", w->bnet);
}

/* ------------------------------------------------------------ control */

static int
control_loop(struct wp_runtime *rt, struct wpd_ctl *ctl, struct wpd_mgmt *mgmt)
{
	bool draining = false;
	uint64_t deadline = 0;
	unsigned i;

	for (;;) {
		uint64_t now;
		unsigned drained = 0;

		if (wp_runtime_poll_control(rt) == 0)
			rte_delay_us_sleep(1000);
		now = wp_clock_ns();
		wpd_ctl_poll(ctl, (int64_t)now);
		if (!draining)
			(void)wpd_sighup_poll(ctl, D.cfg, D.path);
		wpd_mgmt_poll(mgmt, ctl, (int64_t)now);
		if (!draining && wp_runtime_stop_signal() != 0) {
			int64_t drain_ns = wpd_ctl_config(ctl)->shutdown.drain_timeout_ns;
			struct wp_cmd cmd = { .type = WPD_CMD_DRAIN };

			cmd.args.u64[0] = (uint64_t)drain_ns;
			printf(PROG ": signal %d: draining (up to %" PRId64 " ms for in-flight "
			       "requests)\n", wp_runtime_stop_signal(), drain_ns / 1000000);
			for (i = 0; i < D.nworkers; i++)
				(void)wp_runtime_send(rt, i, &cmd);
			draining = true;
			deadline = now + (uint64_t)drain_ns + 2 * (uint64_t)WPD_CLOSE_GRACE_NS;
		}
		if (!draining)
			continue;
		for (i = 0; i < D.nworkers; i++)
			if (wp_runtime_view(rt, i)->last_event == WPD_EV_DRAINED)
				drained++;
		if (drained == D.nworkers) {
			printf(PROG ": drained: every worker closed its clients and sessions\n");
			return 0;
		}
		if (now >= deadline) {
			printf(PROG ": drain deadline passed with %u of %u workers drained\n",
			       drained, D.nworkers);
			return 0;
		}
	}
}

int
wpd_appliance_run(const struct wp_config *cfg, const char *path,
		  struct wp_runtime_conf *rconf)
{
	struct wp_runtime_hooks hooks = { .poll = worker_poll, .cmd = worker_cmd,
					  .telem = wpd_ctl_telem };
	struct wp_runtime *rt = NULL;
	struct wpd_ctl *ctl = NULL;
	struct wpd_mgmt *mgmt = NULL;
	unsigned nmbufs, in_use_end;
	int status = 1, rc, stopped;
	char ip[32];

	memset(&D, 0, sizeof(D));
	D.cfg = cfg;
	D.path = path;
	D.nworkers = rte_lcore_count() - 1;
	if (D.nworkers < 1 || D.nworkers > WP_STEER_MAX_WORKERS) {
		fprintf(stderr, PROG ": %u workers: give [workers] lcores 1 to %u lcores "
			"besides the main one\n", D.nworkers, WP_STEER_MAX_WORKERS);
		return 2;
	}
	rconf->spin_polls = cfg->workers.spin_polls;
	rconf->pause_polls = cfg->workers.pause_polls;
	rconf->idle_sleep_us = cfg->workers.idle_sleep_us;
	/* workers snapshot their loop and busy/idle counters twice per
	 * publishing period, so every CORE record carries a fresh one (the
	 * live view's rates and BUSY% come from two consecutive records) */
	if (cfg->telemetry.snapshot_interval_ns > 0) {
		int64_t ms = cfg->telemetry.snapshot_interval_ns / 2000000;

		if (ms < 10)
			ms = 10;
		if ((uint32_t)ms < rconf->stats_interval_ms)
			rconf->stats_interval_ms = (uint32_t)ms;
	}
	nmbufs = cfg->workers.mbufs * D.nworkers;
	D.mp = rte_pktmbuf_pool_create("wpd_mp", nmbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (D.mp == NULL) {
		fprintf(stderr, PROG ": mempool of %u mbufs: %s (lower [workers] mbufs or "
			"reserve hugepages)\n", nmbufs, rte_strerror(rte_errno));
		return 1;
	}
	rc = port_up(WP_CONFIG_PORT_CLIENT, &D.cport, &D.cinfo, &D.crss);
	if (rc < 0)
		goto out;
	D.cport_up = true;
	D.two_ports = cfg->port[WP_CONFIG_PORT_BACKEND].present &&
		      strcmp(cfg->port[WP_CONFIG_PORT_BACKEND].device,
			     cfg->port[WP_CONFIG_PORT_CLIENT].device) != 0;
	if (D.two_ports) {
		rc = port_up(WP_CONFIG_PORT_BACKEND, &D.bport, &D.binfo, &D.brss);
		if (rc < 0)
			goto out;
		D.bport_up = true;
	}
	D.ho = wp_handoff_create(D.nworkers, WPD_HANDOFF_SLOTS, (int)rte_socket_id());
	if (D.ho == NULL) {
		fprintf(stderr, PROG ": handoff rings: %s\n", rte_strerror(rte_errno));
		goto out;
	}
	D.mbufs_baseline = rte_mempool_in_use_count(D.mp);
	ctl = wpd_ctl_create(cfg, D.nworkers);
	if (ctl == NULL)
		goto out;
	mgmt = wpd_mgmt_open(cfg);      /* NULL with errno 0: turned off */
	if (mgmt == NULL && errno != 0)
		goto out;
	for (unsigned i = 0; i < D.nworkers; i++) {
		rc = worker_up(i, (int)rte_socket_id(), ctl);
		if (rc < 0)
			goto out;
	}
	hooks.telem_arg = ctl;
	rt = wp_runtime_start(rconf, &hooks);
	if (rt != NULL)
		wpd_ctl_attach(ctl, rt);
	if (rt == NULL) {
		fprintf(stderr, PROG ": cannot start workers: %s\n", strerror(errno));
		goto out;
	}
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", cfg->listen.addr >> 24,
		 (cfg->listen.addr >> 16) & 255, (cfg->listen.addr >> 8) & 255,
		 cfg->listen.addr & 255);
	printf(PROG ": ready: listening on %s:%u, %u worker(s), %u backend(s), %s, "
	       "min_idle %u / max_sessions %u per backend per worker\n", ip, cfg->listen.port,
	       D.nworkers, cfg->n_backends, D.two_ports ? "client and backend ports" :
	       "one port", cfg->pool.min_idle, cfg->pool.max_sessions);
	control_loop(rt, ctl, mgmt);
	/* a last report from each worker, queued before STOP, so telemetry's
	 * final totals are the ones printed below */
	for (unsigned i = 0; i < D.nworkers; i++) {
		struct wp_cmd rep = { .type = WPD_CMD_REPORT };

		(void)wp_runtime_send(rt, i, &rep);
	}
	stopped = wp_runtime_stop(rt);
	if (stopped < 0) {
		fprintf(stderr, PROG ": stopping workers failed: %s\n", strerror(-stopped));
		goto out;
	}
	for (unsigned i = 0; i < D.nworkers; i++)
		report_worker(i);
	wpd_xdp_report();
	wpd_ctl_report(ctl);
	wpd_mgmt_report(mgmt);
	status = 0;
out:
	wpd_mgmt_close(mgmt);
	teardown();
	wpd_ctl_free(ctl);
	wp_runtime_free(rt);
	if (D.mp != NULL) {
		in_use_end = rte_mempool_in_use_count(D.mp);
		/* the ports are closed: every mbuf must be back, but for what
		 * net_af_xdp kept (counted at set-up) */
		if (status == 0)
			printf(PROG ": mbufs: %u in use after the ports closed (%u held by the "
			       "ports' RX rings while running, %u kept by net_af_xdp): %s\n",
			       in_use_end, D.mbufs_baseline, D.pmd_kept,
			       in_use_end == D.pmd_kept ? "none lost" : "LEAKED");
		if (status == 0 && in_use_end != D.pmd_kept)
			status = 1;
		rte_mempool_free(D.mp);
	}
	return status;
}
