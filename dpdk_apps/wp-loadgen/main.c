/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-loadgen: the HTTP/1.1 load generator of the perf harness (issue 7).
 *
 * Kernel bypass on warmpool's own stack, laid out like warmpoold
 * (DESIGN.md section 1): the EAL main lcore is the control core, every
 * other lcore one worker with its own port, stack (wp_net) and load
 * engine (wp_lg, src/proto/loadgen.c). Worker w owns DPDK port w (one
 * queue) and the address --ip + w, so each worker's flows come back to
 * it without any steering: several workers need several devices (on one
 * veth, several af_packet vdevs work; on a NIC, see hw_notes.md).
 *
 * The control core only reads rings: each worker pushes a progress record
 * every second (WPLG_R_PROGRESS) and an event when its run is over
 * (WPLG_EV_DONE, with the fatal verdict). The control core prints one
 * progress line per second, forwards SIGINT/SIGTERM as a STOP command
 * (the run ends early, results so far are reported), and once every
 * worker is done stops them, merges their stats (the workers are joined,
 * so their engines can be read), prints the report, frees everything and
 * checks that every mbuf came back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <warmpool/clock.h>
#include <warmpool/loadgen.h>
#include <warmpool/net.h>
#include <warmpool/port.h>
#include <warmpool/runtime.h>

#include "wplg.h"

#define WPLG_R_PROGRESS (WP_TELEM_USER + 1)
#define WPLG_EV_DONE (WP_EV_USER + 1)
#define WPLG_CMD_STOP (WP_CMD_USER + 1)
#define WPLG_PROGRESS_NS 1000000000LL

/* Progress of one worker (48 bytes, one telemetry record). */
struct wplg_r_progress {
	uint64_t completed_all;   /* responses since start, warm-up included */
	uint64_t completed;       /* measured */
	uint64_t errors;
	uint64_t sent;
	uint32_t open_conns, outstanding;
	uint32_t backlog, measuring;
};
_Static_assert(sizeof(struct wplg_r_progress) <= 48, "one telemetry payload");

/* One worker. Owned by its lcore between launch and join. */
struct wplg_worker {
	struct wp_portq q;
	bool q_up;
	struct wp_port_info info;
	bool port_up;
	struct wp_net *net;
	struct wp_lg *lg;
	int64_t next_progress;
	bool done_sent;
} __rte_cache_aligned;

static struct {
	struct wplg_opts o;
	unsigned nworkers;
	struct rte_mempool *mp;
	struct wplg_worker *wk[RTE_MAX_LCORE];
	struct wplg_r_progress prog[RTE_MAX_LCORE];  /* control core's copy */
	int64_t measure_ns, end_ns;
} G;

/* ------------------------------------------------------------ worker */

static unsigned int
worker_poll(struct wp_worker_ctx *ctx, void *arg)
{
	struct wplg_worker *w = G.wk[ctx->worker_id];
	int64_t now = (int64_t)wp_clock_ns();
	unsigned int n;

	(void)arg;
	wp_lg_input_time(w->lg, now);
	n = wp_portq_poll(&w->q, w->net, now);
	n += wp_lg_poll(w->lg, now);
	wp_net_flush(w->net);
	if (now >= w->next_progress) {
		struct wp_lg_stats s;
		struct wplg_r_progress p;

		wp_lg_stats(w->lg, &s);
		memset(&p, 0, sizeof(p));
		p.completed_all = s.completed_all;
		p.completed = s.completed;
		for (int e = 0; e < WP_LG_E__COUNT; e++)
			p.errors += s.errors[e];
		p.sent = s.sent;
		p.open_conns = s.open_conns;
		p.outstanding = s.outstanding;
		p.backlog = s.backlog;
		p.measuring = now >= G.measure_ns;
		(void)wp_worker_push(ctx, WPLG_R_PROGRESS, &p, sizeof(p));
		w->next_progress = now + WPLG_PROGRESS_NS;
	}
	if (!w->done_sent && wp_lg_finished(w->lg)) {
		w->done_sent = true;
		wp_worker_event(ctx, WPLG_EV_DONE, (uint64_t)wp_lg_fatal(w->lg, NULL), 0);
	}
	/* Nothing to do: let whoever shares this core (the server under
	 * test, on a small machine) run now instead of at the end of our
	 * time slice; with nobody else runnable this returns at once. */
	if (n == 0 && G.o.idle == WPLG_IDLE_YIELD)
		sched_yield();
	return n;
}

static void
worker_cmd(struct wp_worker_ctx *ctx, const struct wp_cmd *cmd, void *arg)
{
	struct wplg_worker *w = G.wk[ctx->worker_id];

	(void)arg;
	if (cmd->type == WPLG_CMD_STOP)
		wp_lg_stop(w->lg, (int64_t)wp_clock_ns());
}

static void
ctl_telem(unsigned int worker, const struct wp_telem_rec *rec, void *arg)
{
	(void)arg;
	if (rec->type == WPLG_R_PROGRESS && worker < RTE_MAX_LCORE)
		memcpy(&G.prog[worker], rec->u.raw, sizeof(G.prog[worker]));
}

/* ------------------------------------------------------------ set-up */

static int
worker_up(unsigned wid, int64_t t0)
{
	const struct wplg_opts *o = &G.o;
	struct wplg_worker *w;
	struct wp_port_conf pc;
	struct wp_net_conf nc;
	struct wp_net_io io;
	struct wp_lg_conf lc;
	uint8_t req[WP_LG_MAX_REQ];
	const char *why = NULL;
	uint32_t conns;
	int rc, socket = (int)rte_socket_id();

	w = rte_zmalloc_socket("wplg_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return -ENOMEM;
	G.wk[wid] = w;
	memset(&pc, 0, sizeof(pc));
	pc.port_id = (uint16_t)wid;
	pc.nb_queues = 1;
	pc.use_offloads = true;
	pc.mp = G.mp;
	rc = wp_port_setup(&pc, &w->info);
	if (rc < 0) {
		fprintf(stderr, WPLG_PROG ": port %u: set-up failed: %s\n", wid, strerror(-rc));
		return rc;
	}
	w->port_up = true;
	rc = wp_portq_init(&w->q, (uint16_t)wid, 0, NULL, NULL, socket);
	if (rc < 0)
		return rc;
	w->q_up = true;
	conns = o->conns / G.nworkers + (wid < o->conns % G.nworkers);
	wp_net_conf_default(&nc);
	nc.ip = o->src_ip + wid;
	nc.prefix_len = o->prefix_len;
	nc.gateway = o->gateway;
	memcpy(nc.mac, w->info.mac, 6);
	nc.worker = wid;
	/* every connection may also leave a TIME_WAIT flow behind */
	nc.max_conns = 2 * conns + 4096;
	nc.time_wait_ns = 2LL * 1000000000LL;
	nc.ephemeral_lo = 10000;
	nc.ephemeral_hi = 65000;
	nc.rto_min_ns = 200LL * 1000000LL;   /* Linux's floor: a lost segment
					      * should not cost a whole second */
	if (wp_net_conf_check(&nc, &why) < 0) {
		fprintf(stderr, WPLG_PROG ": stack settings: %s\n", why ? why : "?");
		return -EINVAL;
	}
	wp_portq_io(&w->q, &w->info, &io);
	w->net = wp_net_create(&nc, &io, G.mp, socket, t0);
	if (w->net == NULL) {
		fprintf(stderr, WPLG_PROG ": worker %u: stack: %s\n", wid, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = wplg_build_request(o, req, sizeof(req));
	if (rc < 0) {
		fprintf(stderr, WPLG_PROG ": the request is over %d bytes (headers)\n",
			WP_LG_MAX_REQ);
		return rc;
	}
	memset(&lc, 0, sizeof(lc));
	lc.net = w->net;
	lc.dst_ip = o->dst_ip;
	lc.dst_port = o->dst_port;
	lc.conns = conns;
	lc.depth = o->depth;
	lc.mode = o->mode;
	lc.rate = o->rate / G.nworkers;
	lc.req = req;
	lc.req_len = (uint32_t)rc;
	lc.method = o->method;
	lc.timeout_ns = (int64_t)(o->timeout_s * 1e9);
	lc.start_ns = t0;
	lc.measure_ns = G.measure_ns;
	lc.end_ns = G.end_ns;
	lc.backlog = o->backlog;
	lc.seed = o->seed * 1000003u + wid;
	lc.socket = socket;
	w->lg = wp_lg_create(&lc, &why);
	if (w->lg == NULL) {
		fprintf(stderr, WPLG_PROG ": worker %u: load engine: %s%s%s\n", wid,
			strerror(errno), why ? ": " : "", why ? why : "");
		return -errno;
	}
	w->next_progress = t0 + WPLG_PROGRESS_NS;
	return 0;
}

static void
teardown(void)
{
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		struct wplg_worker *w = G.wk[i];

		if (w == NULL)
			continue;
		wp_lg_free(w->lg);
		if (w->net != NULL)
			wp_net_free(w->net);
		if (w->q_up)
			wp_portq_fini(&w->q);
		if (w->port_up)
			wp_port_close(w->info.port_id);
		rte_free(w);
		G.wk[i] = NULL;
	}
}

/* ------------------------------------------------------------ control */

static void
progress_line(double t)
{
	static uint64_t last_all, last_err;
	struct wplg_r_progress s;
	bool measuring = true;

	memset(&s, 0, sizeof(s));
	for (unsigned i = 0; i < G.nworkers; i++) {
		s.completed_all += G.prog[i].completed_all;
		s.completed += G.prog[i].completed;
		s.errors += G.prog[i].errors;
		s.open_conns += G.prog[i].open_conns;
		s.outstanding += G.prog[i].outstanding;
		s.backlog += G.prog[i].backlog;
		measuring &= G.prog[i].measuring != 0;
	}
	fprintf(stderr, "[%6.1fs] %-8s %9" PRIu64 " resp/s  errors %-6" PRIu64
		" conns %u/%u  outstanding %u  backlog %u\n", t,
		measuring ? "measure" : "warm-up", s.completed_all - last_all,
		s.errors >= last_err ? s.errors - last_err : s.errors, s.open_conns,
		G.o.conns, s.outstanding, s.backlog);
	last_all = s.completed_all;
	last_err = s.errors;
}

static void
control_loop(struct wp_runtime *rt, int64_t t0)
{
	int64_t next_line = t0 + WPLG_PROGRESS_NS + 200000000LL;
	int64_t give_up = G.end_ns + 3 * (int64_t)(G.o.timeout_s * 1e9) + 5000000000LL;
	bool stopping = false;

	for (;;) {
		int64_t now;
		unsigned done = 0;

		if (wp_runtime_poll_control(rt) == 0)
			rte_delay_us_sleep(2000);
		now = (int64_t)wp_clock_ns();
		if (!stopping && wp_runtime_stop_signal() != 0) {
			struct wp_cmd cmd = { .type = WPLG_CMD_STOP };

			fprintf(stderr, WPLG_PROG ": signal %d: ending the run now\n",
				wp_runtime_stop_signal());
			for (unsigned i = 0; i < G.nworkers; i++)
				(void)wp_runtime_send(rt, i, &cmd);
			stopping = true;
			give_up = now + 3 * (int64_t)(G.o.timeout_s * 1e9) + 2000000000LL;
		}
		if (!G.o.quiet && now >= next_line) {
			progress_line((double)(now - t0) / 1e9);
			next_line += WPLG_PROGRESS_NS;
		}
		for (unsigned i = 0; i < G.nworkers; i++)
			if (wp_runtime_view(rt, i)->last_event == WPLG_EV_DONE)
				done++;
		if (done == G.nworkers)
			return;
		if (now >= give_up) {
			fprintf(stderr, WPLG_PROG ": %u of %u workers still busy past the "
				"deadline; stopping them\n", G.nworkers - done, G.nworkers);
			return;
		}
	}
}

int
main(int argc, char **argv)
{
	struct wp_runtime_hooks hooks = { .poll = worker_poll, .cmd = worker_cmd,
					  .telem = ctl_telem };
	struct wp_runtime_conf rconf;
	struct wp_runtime *rt = NULL;
	struct wp_lg_stats sum, s;
	struct wplg_run run;
	char err[512];
	char *app_argv[256];
	int app_argc = 0, eal_argc = argc, rc, status = WPLG_EXIT_FAIL;
	int64_t t0, stopped_at;
	unsigned nports, nmbufs, in_use;
	const char *detail = NULL;

	/* Our options come after "--" and are checked before EAL starts. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			eal_argc = i;
			break;
		}
	app_argv[app_argc++] = argv[0];
	for (int i = eal_argc + 1; i < argc && app_argc < 255; i++)
		app_argv[app_argc++] = argv[i];
	if (eal_argc == argc) {           /* no "--": maybe just --help */
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
				wplg_usage(stdout);
				return WPLG_EXIT_OK;
			}
	}
	app_argv[app_argc] = NULL;
	rc = wplg_opts_parse(&G.o, app_argc, app_argv, stdout, err, sizeof(err));
	if (rc == 1)
		return WPLG_EXIT_OK;
	if (rc < 0) {
		fprintf(stderr, WPLG_PROG ": %s\n(" WPLG_PROG " --help for the options)\n", err);
		return WPLG_EXIT_USAGE;
	}
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  /* short idle sleeps stay short */

	rc = wp_eal_init(eal_argc, argv);
	if (rc < 0) {
		fprintf(stderr, WPLG_PROG ": EAL start-up failed (see above)\n");
		return WPLG_EXIT_USAGE;
	}
	G.nworkers = rte_lcore_count() - 1;
	nports = rte_eth_dev_count_avail();
	if (G.nworkers == 0 || G.nworkers > RTE_MAX_LCORE) {
		fprintf(stderr, WPLG_PROG ": no worker lcore: give EAL two lcores or more "
			"(--lcores 0@0,1@1: the first reports, the others load)\n");
		goto out;
	}
	if (nports < G.nworkers) {
		fprintf(stderr, WPLG_PROG ": %u worker(s) but %u DPDK port(s): each worker "
			"needs a port of its own (one --vdev per worker)\n", G.nworkers, nports);
		goto out;
	}
	if (G.o.conns < G.nworkers) {
		fprintf(stderr, WPLG_PROG ": %u connections for %u workers: give at least "
			"one per worker\n", G.o.conns, G.nworkers);
		status = WPLG_EXIT_USAGE;
		goto out;
	}
	nmbufs = 8192 + 8 * G.o.conns;
	nmbufs = (unsigned)rte_align32pow2(nmbufs) - 1;
	G.mp = rte_pktmbuf_pool_create("wplg_mp", nmbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (G.mp == NULL) {
		fprintf(stderr, WPLG_PROG ": mempool of %u mbufs: %s (give EAL more memory: "
			"-m, or reserve hugepages)\n", nmbufs, rte_strerror(rte_errno));
		goto out;
	}
	/* a short settling time for the workers to start before the clock runs */
	t0 = (int64_t)wp_clock_ns() + 100000000LL;
	G.measure_ns = t0 + (int64_t)(G.o.warmup_s * 1e9);
	G.end_ns = G.measure_ns + (int64_t)(G.o.duration_s * 1e9);
	for (unsigned i = 0; i < G.nworkers; i++)
		if (worker_up(i, t0) < 0)
			goto out;

	wp_runtime_conf_defaults(&rconf);
	rconf.stats_interval_ms = 1000;
	/* a client often shares its core with a server (perf/compare.sh):
	 * yield (in worker_poll) or sleep soon when there is nothing to do,
	 * so the server runs instead of waiting for our time slice */
	rconf.spin_polls = G.o.idle == WPLG_IDLE_SLEEP ? 16 : 1024;
	rconf.pause_polls = G.o.idle == WPLG_IDLE_SLEEP ? 0 : 4096;
	rconf.idle_sleep_us = G.o.idle == WPLG_IDLE_SLEEP ? G.o.idle_sleep_us : 0;
	if (wp_runtime_install_signals() < 0)
		goto out;
	rt = wp_runtime_start(&rconf, &hooks);
	if (rt == NULL) {
		fprintf(stderr, WPLG_PROG ": cannot start the workers: %s\n", strerror(errno));
		goto out;
	}
	if (!G.o.quiet)
		fprintf(stderr, WPLG_PROG ": %s %s from %u worker(s), %u connections, "
			"%.1f s warm-up + %.1f s\n", G.o.method_name, G.o.url, G.nworkers,
			G.o.conns, G.o.warmup_s, G.o.duration_s);
	control_loop(rt, t0);
	stopped_at = (int64_t)wp_clock_ns();
	if (wp_runtime_stop(rt) < 0)
		goto out;

	memset(&sum, 0, sizeof(sum));
	memset(&run, 0, sizeof(run));
	run.workers = G.nworkers;
	for (unsigned i = 0; i < G.nworkers; i++) {
		enum wp_lg_fatal f = wp_lg_fatal(G.wk[i]->lg, &detail);

		wp_lg_stats(G.wk[i]->lg, &s);
		wp_lg_stats_merge(&sum, &s);
		if (f != WP_LG_F_NONE && run.fatal == WP_LG_F_NONE) {
			run.fatal = f;
			run.fatal_detail = detail;
		}
	}
	/* the measured window: to the planned end, or to the early stop */
	{
		int64_t end = wp_runtime_stop_signal() != 0 && stopped_at < G.end_ns ?
			      stopped_at : G.end_ns;

		run.measured_s = end > G.measure_ns ? (double)(end - G.measure_ns) / 1e9 : 0;
	}
	if (run.fatal != WP_LG_F_NONE)
		fprintf(stderr, WPLG_PROG ": %s: %s: %s\n", G.o.url,
			wp_lg_fatal_name(run.fatal), run.fatal_detail ? run.fatal_detail : "");
	if (G.o.json)
		wplg_report_json(stdout, &G.o, &run, &sum);
	else
		wplg_report_text(stdout, &G.o, &run, &sum);
	fflush(stdout);
	status = run.fatal != WP_LG_F_NONE ? WPLG_EXIT_TARGET : WPLG_EXIT_OK;
out:
	wp_runtime_free(rt);
	teardown();
	if (G.mp != NULL) {
		in_use = rte_mempool_in_use_count(G.mp);
		if (in_use != 0) {
			fprintf(stderr, WPLG_PROG ": mbuf leak: %u still in use after the ports "
				"closed\n", in_use);
			if (status == WPLG_EXIT_OK)
				status = WPLG_EXIT_FAIL;
		}
		rte_mempool_free(G.mp);
	}
	rte_eal_cleanup();
	return status;
}
