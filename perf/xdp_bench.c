/* SPDX-License-Identifier: BSD-3-Clause */
/* xdp_bench: what warmpool's XDP program costs per frame, against the
 * smallest AF_XDP program, measured in the same run (root).
 *
 *   wp_steer     bpf/steer.bpf.c, configured as in the tests: 2 appliance
 *                addresses, 2 port ranges, RETA of 128 over 4 workers.
 *                Parses Ethernet/IPv4/TCP, matches the rules, computes the
 *                Toeplitz hash (12 table loads), looks up the owner,
 *                counts per queue, redirects.
 *   xsk_default  bpf/xsk_default.bpf.c: bpf_redirect_map(&xsks_map,
 *                rx_queue_index, XDP_PASS) and nothing else, which is what
 *                DPDK's net_af_xdp runs without xdp_prog= (libxdp's
 *                default program, minus its dispatcher).
 * wp_steer does strictly more work; the question is how much it costs.
 *
 * Method: BPF_PROG_TEST_RUN with `repeat` (the kernel runs the program in
 * a loop on one frame, JIT-compiled if bpf_jit_enable), wall clock around
 * the syscall divided by the repeat count; rounds alternate the programs
 * and the median round is reported. Frames: an appliance TCP SYN (both
 * programs redirect: a real AF_XDP socket is bound on the queue) and a
 * TCP SYN to another address (wp_steer passes it to the kernel, the peer
 * still redirects). The metadata mark is off: test-run does not reset the
 * frame between repeats, so the mark's headroom would run out after two.
 *
 * It builds its world like the privileged test: private network and mount
 * namespaces, fresh sysfs and bpffs, a veth wpx-b0-PID, all gone at exit.
 *
 *   sudo build/perf/xdp_bench [--repeat N] [--rounds R] [--quick]
 *
 * Last line: DESIGN.md section 9 JSON for the appliance frame; lower is
 * better, so ratio = peer_ns / wp_steer_ns (below 1: wp_steer costs more).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <net/if.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/xsk.h>

#include <warmpool/steer_xdp.h>

#include "xdp_frames.h"
#include "xsk_default.skel.h"

#define MAX_ROUNDS 31

static int ifindex;
static char ifname[IF_NAMESIZE];

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void
skip(const char *why)
{
	printf("xdp_bench: SKIP: %s\n", why);
	exit(77);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per frame over `repeat` runs; also checks the verdict. */
static double
run(int prog_fd, const uint8_t *frame, uint32_t len, uint32_t repeat, int want)
{
	struct xdp_md ctx = {
		.data_end = len,
		.ingress_ifindex = (uint32_t)ifindex,
		.rx_queue_index = 0,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat);
	double t0, t1;
	int rc;

	t0 = now_ns();
	rc = bpf_prog_test_run_opts(prog_fd, &o);
	t1 = now_ns();
	if (rc != 0) {
		fprintf(stderr, "xdp_bench: BPF_PROG_TEST_RUN: %s\n", strerror(-rc));
		exit(1);
	}
	if ((int)o.retval != want) {
		fprintf(stderr, "xdp_bench: verdict %u, want %d\n", o.retval, want);
		exit(1);
	}
	return (t1 - t0) / repeat;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	uint32_t repeat = 2000000;
	unsigned int rounds = 9;
	struct wp_xdp *x;
	struct wp_xsk_default *peer;
	struct wp_xdp_rules rules;
	uint16_t owner[TX_RETA];
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	void *area;
	struct xsk_socket_config xcfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	uint8_t f_app[TX_FRAME_MAX], f_other[TX_FRAME_MAX];
	struct tx_frame fa = TCP_TO(TX_APP1, 80), fo = TCP_TO(TX_OTHER, 80);
	uint32_t l_app, l_other, q0 = 0;
	double ours_app[MAX_ROUNDS], peer_app[MAX_ROUNDS], ours_oth[MAX_ROUNDS],
	       peer_oth[MAX_ROUNDS];
	double m_oa, m_pa, m_oo, m_po;
	char jit[16] = "?";
	FILE *f;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = (unsigned int)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--quick") == 0) {
			repeat = 200000;
			rounds = 3;
		} else {
			fprintf(stderr, "usage: xdp_bench [--repeat N] [--rounds R] [--quick]\n");
			return 2;
		}
	}
	if (repeat == 0 || rounds == 0 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "xdp_bench: --repeat >= 1, --rounds 1..%d\n", MAX_ROUNDS);
		return 2;
	}

	/* the world: namespaces, sysfs, bpffs, a veth */
	if (geteuid() != 0)
		skip("needs root (namespaces, BPF, AF_XDP)");
	/* the JIT switch exists in the initial network namespace only */
	f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	if (f != NULL) {
		if (fgets(jit, sizeof(jit), f) == NULL)
			strcpy(jit, "?");
		jit[strcspn(jit, "\n")] = '\0';
		fclose(f);
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) != 0 ||
	    mount("bpf", WP_XDP_BPFFS, "bpf", 0, NULL) != 0)
		skip("cannot set up private namespaces with sysfs and bpffs");
	snprintf(ifname, sizeof(ifname), "wpx-b0-%d", (int)getpid() % 10000000);
	sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"
	   " >/dev/null 2>&1");
	if (sh("ip link add %s type veth peer name wpx-b1-%d 2>/dev/null && ip link set %s up",
	       ifname, (int)getpid() % 10000000, ifname) != 0)
		skip("cannot create a veth pair");
	ifindex = (int)if_nametoindex(ifname);

	/* wp_steer, loaded and configured by the loader */
	x = wp_xdp_prepare(ifname, 0, 1, 0);
	if (x == NULL || wp_xdp_load(x, WP_XDP_MODE_DEFAULT) != 0) {
		fprintf(stderr, "xdp_bench: cannot load wp_steer\n");
		return 1;
	}
	tx_rules(&rules, 0);
	tx_owners(owner);
	if (wp_xdp_configure(x, &rules, tx_ms_key, owner, TX_RETA) != 0)
		return 1;
	/* the peer, loaded, not attached (test-run needs no attachment) */
	peer = wp_xsk_default__open_and_load();
	if (peer == NULL) {
		fprintf(stderr, "xdp_bench: cannot load xsk_default\n");
		return 1;
	}
	/* one AF_XDP socket on queue 0, in both programs' xsks_map */
	if (posix_memalign(&area, (size_t)getpagesize(), 64 * 4096) != 0 ||
	    xsk_umem__create(&umem, area, 64 * 4096, &fq, &cq, NULL) != 0 ||
	    xsk_socket__create(&xsk, ifname, 0, umem, &rx, &tx, &xcfg) != 0)
		skip("cannot bind an AF_XDP socket on the veth");
	fd = xsk_socket__fd(xsk);
	{
		char p[256];
		int xfd;

		snprintf(p, sizeof(p), "%s/%s", wp_xdp_pin_dir(x), "xsks_map");
		xfd = bpf_obj_get(p);
		if (xfd < 0 || bpf_map_update_elem(xfd, &q0, &fd, 0) != 0 ||
		    bpf_map_update_elem(bpf_map__fd(peer->maps.xsks_map), &q0, &fd, 0) != 0) {
			fprintf(stderr, "xdp_bench: cannot put the socket in xsks_map\n");
			return 1;
		}
		close(xfd);
	}

	l_app = tx_build(&fa, f_app);
	l_other = tx_build(&fo, f_other);
	/* warm-up, then rounds alternating the programs */
	run(wp_xdp_prog_fd(x), f_app, l_app, repeat / 4 + 1, XDP_REDIRECT);
	run(bpf_program__fd(peer->progs.xsk_default), f_app, l_app, repeat / 4 + 1, XDP_REDIRECT);
	for (unsigned int r = 0; r < rounds; r++) {
		ours_app[r] = run(wp_xdp_prog_fd(x), f_app, l_app, repeat, XDP_REDIRECT);
		peer_app[r] = run(bpf_program__fd(peer->progs.xsk_default), f_app, l_app, repeat,
				  XDP_REDIRECT);
		ours_oth[r] = run(wp_xdp_prog_fd(x), f_other, l_other, repeat, XDP_PASS);
		peer_oth[r] = run(bpf_program__fd(peer->progs.xsk_default), f_other, l_other, repeat,
				  XDP_REDIRECT);
	}
	m_oa = median(ours_app, rounds);
	m_pa = median(peer_app, rounds);
	m_oo = median(ours_oth, rounds);
	m_po = median(peer_oth, rounds);

	printf("xdp_bench: BPF_PROG_TEST_RUN, %u frames x %u rounds, median ns per frame "
	       "(bpf_jit_enable=%s, %ld CPUs)\n", repeat, rounds, jit, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-34s %12s %14s %8s\n", "frame", "wp_steer", "xsk_default", "extra");
	printf("%-34s %12.2f %14.2f %8.2f\n", "appliance TCP SYN (redirect)", m_oa, m_pa, m_oa - m_pa);
	printf("%-34s %12.2f %14.2f %8.2f\n", "TCP SYN to Linux (wp_steer: pass)", m_oo, m_po,
	       m_oo - m_po);
	printf("wp_steer does more: it parses to TCP, matches the rules, hashes (Toeplitz),\n"
	       "checks the owner and counts; xsk_default only redirects. Test-run includes the\n"
	       "kernel's per-run loop overhead for both.\n");
	printf("{\"bench\": \"xdp_bench\", \"metric\": \"ns per appliance TCP frame "
	       "(BPF_PROG_TEST_RUN, redirect)\", \"unit\": \"ns\", \"warmpool\": %.2f, "
	       "\"peer\": \"xsk_default (redirect only, DPDK's default program)\", "
	       "\"peer_value\": %.2f, \"ratio\": %.3f, \"higher_is_better\": false}\n",
	       m_oa, m_pa, m_pa / m_oa);

	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	free(area);
	wp_xsk_default__destroy(peer);
	wp_xdp_close(x);
	sh("ip link del %s 2>/dev/null", ifname);
	return 0;
}
