/* SPDX-License-Identifier: BSD-3-Clause */
/* The real wp_steer in the kernel, and its loader (root).
 *
 * The process moves itself into a network and a mount namespace of its
 * own (unshare), mounts a fresh sysfs (so /sys/class/net is this
 * namespace's) and, after checking that the loader reports its absence,
 * bpffs; then it creates a veth pair wpx-v0-PID / wpx-v1-PID with 4 RX
 * queues. Everything goes away with the process; the veth is also deleted
 * by name at the end.
 *
 * BPF_PROG_TEST_RUN needs, for rx_queue_index in the context, a real
 * ingress_ifindex whose RX queue has its xdp_rxq_info registered; every
 * netdev's queues are registered when the device is created, so the veth
 * end qualifies without traffic (kernel 6.18 here). Frames shorter than an
 * Ethernet header are refused by the kernel's test-run, so the table's
 * runt row is left to the host test.
 *
 * What is checked:
 *  - prepare: bpffs missing (ENOENT), no privileges (EPERM, as user
 *    nobody), no interface (ENODEV), too many
 *    queues (EINVAL, and DPDK's 1-queue rule on veth), a live owner
 *    (EBUSY), a foreign program (EBUSY), a stale wp_steer of a dead
 *    process (detached, pins removed);
 *  - every row of xdp_frames.h through the kernel: verdict, counter deltas
 *    read back through the loader, the metadata mark in front of the
 *    output frame; rows with a socket have a real AF_XDP socket (libxdp,
 *    copy mode) bound to that queue in xsks_map, so XDP_REDIRECT is the
 *    kernel's verdict;
 *  - reconfiguration flips the live slot (read through the pinned map);
 *  - adopting a program loaded from steer.bpf.o the way DPDK does it
 *    (bpf_object__open_file, first program, UPDATE_IF_NOEXIST), refusing a
 *    foreign one (EPROTO) or none (ENOENT);
 *  - close: nothing attached, nothing pinned.
 * Without root or namespaces: exit 77 with the reason. ~1 s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>
#include <net/if.h>
#include <unistd.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/xsk.h>

#include "xdp_frames.h"
#include "warmpool/steer_xdp.h"
#include "steer_kern_user.h"
#include "xsk_default.skel.h"
#include "wp_bpf_paths.h"

#define NQ 4
#define UMEM_FRAMES 64
#define FRAME_SZ 4096

static char ifname[IF_NAMESIZE], peername[IF_NAMESIZE];
static int ifindex;

struct sock {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq, rx;
	struct xsk_ring_prod tx;
	void *area;
};
static struct sock socks[NQ];

static void
skip77(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(77);
}

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

static int
is_pinned(const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s/%s", WP_XDP_PIN_ROOT, ifname, name);
	return stat(p, &st) == 0;
}

static uint32_t
attached_id(void)
{
	uint32_t id = 0;

	assert_int_equal(bpf_xdp_query_id(ifindex, 0, &id), 0);
	return id;
}

static void
assert_clean(void)
{
	struct stat st;

	assert_int_equal(attached_id(), 0);
	assert_int_not_equal(stat(WP_XDP_PIN_ROOT, &st), 0); /* not even the parent */
}

/* ---- namespaces and the veth ---- */

static void
setup_world(void)
{
	if (geteuid() != 0)
		skip77("needs root (namespaces, BPF, AF_XDP)");
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
		char why[128];

		snprintf(why, sizeof(why), "cannot unshare net+mount namespaces: %s", strerror(errno));
		skip77(why);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		skip77("cannot make / private in the new mount namespace");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0)
		skip77("cannot mount sysfs for the new network namespace");
	snprintf(ifname, sizeof(ifname), "wpx-v0-%d", (int)getpid() % 10000000);
	snprintf(peername, sizeof(peername), "wpx-v1-%d", (int)getpid() % 10000000);
	/* no IPv6: nothing of the kernel's own may cross the veth during the test */
	if (sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"
	       " >/dev/null 2>&1") != 0)
		fprintf(stderr, "note: could not disable IPv6 in the test namespace\n");
	if (sh("ip link add %s numrxqueues %d numtxqueues %d type veth peer name %s "
	       "numrxqueues %d numtxqueues %d 2>/dev/null", ifname, NQ, NQ, peername, NQ, NQ) != 0)
		skip77("cannot create a veth pair with 4 queues (ip link add ... numrxqueues 4)");
	ifindex = (int)if_nametoindex(ifname);
	if (sh("ip link set %s up && ip link set %s up", ifname, peername) != 0 || ifindex <= 0) {
		fprintf(stderr, "FAIL: cannot bring %s up\n", ifname);
		exit(1);
	}
}

static void
teardown_world(void)
{
	for (int q = 0; q < NQ; q++) {
		if (socks[q].xsk)
			xsk_socket__delete(socks[q].xsk);
		if (socks[q].umem)
			xsk_umem__delete(socks[q].umem);
		free(socks[q].area);
		memset(&socks[q], 0, sizeof(socks[q]));
	}
	sh("ip link del %s 2>/dev/null", ifname);
}

static void
open_sockets(void)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
		.bind_flags = XDP_COPY,
	};

	for (int q = 0; q < NQ; q++) {
		struct sock *s = &socks[q];
		int rc;

		assert_int_equal(posix_memalign(&s->area, (size_t)getpagesize(),
						UMEM_FRAMES * FRAME_SZ), 0);
		rc = xsk_umem__create(&s->umem, s->area, UMEM_FRAMES * FRAME_SZ, &s->fq, &s->cq,
				      NULL);
		if (rc != 0)
			fail_msg("xsk_umem__create: %s", strerror(-rc));
		rc = xsk_socket__create(&s->xsk, ifname, (uint32_t)q, s->umem, &s->rx, &s->tx, &cfg);
		if (rc == -EAFNOSUPPORT || rc == -ENOPROTOOPT)
			skip77("the kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)");
		if (rc != 0)
			fail_msg("xsk_socket__create on %s queue %d: %s", ifname, q, strerror(-rc));
	}
}

/* ---- running frames ---- */

struct run {
	int verdict;
	uint32_t meta_len;
	uint8_t out[TX_FRAME_MAX + 64];
	uint32_t out_len;
};

static void
prog_run(int prog_fd, const uint8_t *frame, uint32_t len, uint32_t q, struct run *r)
{
	struct xdp_md ctx_in = {
		.data = 0,
		.data_end = len,
		.ingress_ifindex = (uint32_t)ifindex,
		.rx_queue_index = q,
	};
	struct xdp_md ctx_out;
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.data_out = r->out,
		.data_size_out = sizeof(r->out),
		.ctx_in = &ctx_in,
		.ctx_size_in = sizeof(ctx_in),
		.ctx_out = &ctx_out,
		.ctx_size_out = sizeof(ctx_out),
		.repeat = 1);
	int rc;

	memset(&ctx_out, 0, sizeof(ctx_out));
	rc = bpf_prog_test_run_opts(prog_fd, &o);
	if (rc != 0)
		fail_msg("BPF_PROG_TEST_RUN (queue %u, %u bytes): %s", q, len, strerror(-rc));
	r->verdict = (int)o.retval;
	r->meta_len = ctx_out.data; /* data_out starts at data_meta */
	r->out_len = o.data_size_out;
}

static void
set_socket(int xsks_fd, uint32_t q, int on)
{
	if (on) {
		assert_int_equal(xsk_socket__update_xskmap(socks[q].xsk, xsks_fd), 0);
	} else {
		int rc = bpf_map_delete_elem(xsks_fd, &q);

		assert_true(rc == 0 || rc == -ENOENT);
	}
}

static int
xsks_map_fd(void)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s/%s", WP_XDP_PIN_ROOT, ifname, WP_XDP_MAP_XSKS);
	fd = bpf_obj_get(p);
	if (fd < 0)
		fail_msg("open pinned %s: %s", p, strerror(-fd));
	return fd;
}

static void
configure(struct wp_xdp *x, uint32_t flags)
{
	struct wp_xdp_rules r;
	uint16_t owner[TX_RETA];

	tx_rules(&r, flags);
	tx_owners(owner);
	assert_int_equal(wp_xdp_configure(x, &r, tx_ms_key, owner, TX_RETA), 0);
}

/* Run every row of the table that matches `configured` (reconfiguring
 * for rows with their own flags), check verdict, counter deltas, mark. */
static void
run_rows(struct wp_xdp *x, int configured, int xsks_fd, unsigned int *ran)
{
	uint16_t owner[TX_RETA];
	int failed = 0;

	tx_owners(owner);
	for (size_t i = 0; i < TX_NCASES; i++) {
		const struct tx_case *c = &tx_cases[i];
		uint8_t frame[TX_FRAME_MAX];
		uint32_t len = tx_build(&c->f, frame), q = tx_case_queue(c, owner);
		struct wp_xdp_counters before, after;
		int64_t want[WP_XDP_CTR__COUNT] = { 0 };
		int owner_want = tx_case_owner(c, owner), bad = 0;
		struct run r;

		if (c->configured != configured || len < 14)
			continue;
		if (configured)
			configure(x, c->flags | WP_XDP_F_META);
		set_socket(xsks_fd, q, c->socket);
		assert_int_equal(wp_xdp_counters(x, q, &before), 0);
		prog_run(wp_xdp_prog_fd(x), frame, len, q, &r);
		assert_int_equal(wp_xdp_counters(x, q, &after), 0);
		set_socket(xsks_fd, q, 1);
		(*ran)++;

		want[WP_XDP_CTR_RX] = 1;
		for (int k = 0; k < 3; k++)
			if (c->ctr[k] != TX_NO_CTR)
				want[c->ctr[k]]++;
		if (r.verdict != c->verdict) {
			fprintf(stderr, "row \"%s\": kernel verdict %d, want %d\n", c->name,
				r.verdict, c->verdict);
			bad = 1;
		}
		for (int k = 0; k < WP_XDP_CTR__COUNT; k++) {
			int64_t d = (int64_t)(after.v[k] - before.v[k]);

			if (d != want[k]) {
				fprintf(stderr, "row \"%s\": counter %s moved by %lld, want %lld\n",
					c->name, wp_xdp_counter_name((unsigned)k), (long long)d,
					(long long)want[k]);
				bad = 1;
			}
		}
		if (configured && want[WP_XDP_CTR_PASS] == 0) {
			struct wp_xdp_meta m;

			if (r.meta_len != sizeof(m)) {
				fprintf(stderr, "row \"%s\": %u bytes of metadata, want %zu\n", c->name,
					r.meta_len, sizeof(m));
				bad = 1;
			} else {
				memcpy(&m, r.out, sizeof(m));
				if (m.magic != WP_XDP_META_MAGIC ||
				    (owner_want >= 0 && (m.owner != owner_want ||
				     !!(m.flags & WP_XDP_META_NON_OWNER) != ((uint32_t)owner_want != q)))) {
					fprintf(stderr, "row \"%s\": mark magic %08x owner %u flags %#x, "
						"want owner %d on queue %u\n", c->name, m.magic, m.owner,
						m.flags, owner_want, q);
					bad = 1;
				}
				if (memcmp(r.out + sizeof(m), frame, len) != 0) {
					fprintf(stderr, "row \"%s\": frame changed behind the mark\n",
						c->name);
					bad = 1;
				}
			}
		} else if (r.meta_len != 0) {
			fprintf(stderr, "row \"%s\": metadata on a frame for the kernel\n", c->name);
			bad = 1;
		}
		if (bad) {
			fprintf(stderr, "row \"%s\" on queue %u (owner %d, socket %d)\n", c->name, q,
				owner_want, c->socket);
			tx_hexdump("frame", frame, len);
			failed = 1;
		}
	}
	if (failed)
		fail_msg("some rows failed in the kernel (see above)");
}

/* ---- tests ---- */

static void
t_prepare_refusals(void **state)
{
	struct wp_xdp *a, *b;

	(void)state;
	/* fresh sysfs: /sys/fs/bpf exists but nothing is mounted on it */
	errno = 0;
	assert_null(wp_xdp_prepare(ifname, 0, 1, 0));
	assert_int_equal(errno, ENOENT);
	if (mount("bpf", WP_XDP_BPFFS, "bpf", 0, NULL) != 0)
		skip77("cannot mount bpffs in the test's mount namespace");

	/* without privileges: said so, and nothing else touched */
	{
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			struct wp_xdp *u;

			if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
				_exit(2);
			u = wp_xdp_prepare(ifname, 0, 1, 0);
			_exit(u == NULL && errno == EPERM ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_null(wp_xdp_prepare("wpx-none-0", 0, 1, 0));
	assert_int_equal(errno, ENODEV);
	assert_null(wp_xdp_prepare(ifname, 0, NQ + 1, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(wp_xdp_prepare(ifname, 3, 2, 0));
	assert_int_equal(errno, EINVAL);
	/* veth reports no combined channels: net_af_xdp allows one queue */
	assert_null(wp_xdp_prepare(ifname, 0, 2, WP_XDP_PREP_DPDK));
	assert_int_equal(errno, EINVAL);
	assert_null(wp_xdp_prepare(ifname, 0, 0, 0));
	assert_int_equal(errno, EINVAL);

	/* one live owner per interface */
	a = wp_xdp_prepare(ifname, 0, 1, WP_XDP_PREP_DPDK);
	assert_non_null(a);
	assert_null(wp_xdp_prepare(ifname, 0, NQ, 0));
	assert_int_equal(errno, EBUSY);
	assert_int_equal(wp_xdp_attach_existing(a), -ENOENT); /* nothing attached yet */
	wp_xdp_close(a);
	b = wp_xdp_prepare(ifname, 0, NQ, 0);
	assert_non_null(b);
	wp_xdp_close(b);
	assert_clean();
}

static void
t_rows_in_kernel(void **state)
{
	struct wp_xdp *x;
	unsigned int ran = 0;
	int xfd;

	(void)state;
	x = wp_xdp_prepare(ifname, 0, NQ, 0);
	assert_non_null(x);
	assert_int_equal(wp_xdp_prog_fd(x), -ENOTCONN);
	assert_int_equal(wp_xdp_load(x, WP_XDP_MODE_DEFAULT), 0);
	assert_int_not_equal(attached_id(), 0);
	assert_int_equal(wp_xdp_load(x, WP_XDP_MODE_DEFAULT), -EALREADY);
	assert_true(is_pinned(WP_XDP_MAP_XSKS) && is_pinned(WP_XDP_MAP_CFG) &&
		    is_pinned(WP_XDP_MAP_ACTIVE) && is_pinned(WP_XDP_MAP_OWNER) &&
		    is_pinned(WP_XDP_MAP_STATS));
	{
		char want[128];

		snprintf(want, sizeof(want), "%s/%s", WP_XDP_PIN_ROOT, ifname);
		assert_string_equal(wp_xdp_pin_dir(x), want);
	}

	open_sockets();
	xfd = xsks_map_fd();
	for (uint32_t q = 0; q < NQ; q++)
		set_socket(xfd, q, 1);
	run_rows(x, 0, xfd, &ran); /* DPDK's default behaviour before any configuration */
	run_rows(x, 1, xfd, &ran);
	assert_true(ran >= TX_NCASES - 1);
	close(xfd);
	wp_xdp_close(x);
	assert_clean();
}

/* Two configurations: the live slot flips, the new owners apply at once. */
static void
t_reconfigure(void **state)
{
	struct wp_xdp *x = wp_xdp_prepare(ifname, 0, NQ, 0);
	struct wp_xdp_active act;
	struct wp_xdp_rules r;
	uint16_t owner[TX_RETA];
	struct wp_xdp_counters c0, c1;
	uint32_t zero = 0;
	char p[256];
	int afd;

	(void)state;
	assert_non_null(x);
	assert_int_equal(wp_xdp_load(x, WP_XDP_MODE_SKB), 0);
	snprintf(p, sizeof(p), "%s/%s", wp_xdp_pin_dir(x), WP_XDP_MAP_ACTIVE);
	afd = bpf_obj_get(p);
	assert_true(afd >= 0);
	tx_rules(&r, 0);
	tx_owners(owner);
	assert_int_equal(wp_xdp_configure(x, &r, tx_ms_key, owner, TX_RETA), 0);
	assert_int_equal(bpf_map_lookup_elem(afd, &zero, &act), 0);
	assert_int_equal(act.slot, 1);
	assert_int_equal(act.generation, 1);

	/* 64 flows on queue 2: non-owners are those whose owner is not 2 */
	unsigned int expect_non = 0;
	assert_int_equal(wp_xdp_counters(x, 2, &c0), 0);
	for (uint16_t sp = 1000; sp < 1064; sp++) {
		struct tx_frame f = TCP_TO(TX_APP1, 80);
		uint8_t frame[TX_FRAME_MAX];
		uint32_t len;
		struct run rr;

		f.sport = sp;
		len = tx_build(&f, frame);
		expect_non += owner[tx_softrss(tx_ms_key, f.src, f.dst, sp, 80) & (TX_RETA - 1)] != 2;
		prog_run(wp_xdp_prog_fd(x), frame, len, 2, &rr);
	}
	assert_int_equal(wp_xdp_counters(x, 2, &c1), 0);
	assert_int_equal(c1.v[WP_XDP_CTR_NON_OWNER] - c0.v[WP_XDP_CTR_NON_OWNER], expect_non);
	assert_true(expect_non > 0 && expect_non < 64);

	/* every RETA entry to worker 2: nothing is a non-owner on queue 2 now */
	for (int i = 0; i < TX_RETA; i++)
		owner[i] = 2;
	assert_int_equal(wp_xdp_configure(x, &r, tx_ms_key, owner, TX_RETA), 0);
	assert_int_equal(bpf_map_lookup_elem(afd, &zero, &act), 0);
	assert_int_equal(act.slot, 0);
	assert_int_equal(act.generation, 2);
	for (uint16_t sp = 1000; sp < 1064; sp++) {
		struct tx_frame f = TCP_TO(TX_APP1, 80);
		uint8_t frame[TX_FRAME_MAX];
		struct run rr;

		f.sport = sp;
		prog_run(wp_xdp_prog_fd(x), frame, tx_build(&f, frame), 2, &rr);
	}
	assert_int_equal(wp_xdp_counters(x, 2, &c0), 0);
	assert_int_equal(c0.v[WP_XDP_CTR_NON_OWNER], c1.v[WP_XDP_CTR_NON_OWNER]);
	assert_int_equal(c0.v[WP_XDP_CTR_TCP], c1.v[WP_XDP_CTR_TCP] + 64);

	/* refused configurations change nothing */
	r.n_addr = 0;
	assert_int_equal(wp_xdp_configure(x, &r, tx_ms_key, owner, TX_RETA), -EINVAL);
	tx_rules(&r, 0);
	assert_int_equal(wp_xdp_configure(x, &r, tx_ms_key, owner, 3), -EINVAL);
	assert_int_equal(bpf_map_lookup_elem(afd, &zero, &act), 0);
	assert_int_equal(act.generation, 2);
	close(afd);
	wp_xdp_close(x);
	assert_clean();
}

/* A run that died without wp_xdp_close(): its program stays attached and
 * its pins stay; the next prepare takes both away. */
static void
t_stale_after_crash(void **state)
{
	struct wp_xdp *x;
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct wp_xdp *c = wp_xdp_prepare(ifname, 0, NQ, 0);

		_exit(c != NULL && wp_xdp_load(c, WP_XDP_MODE_DEFAULT) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_not_equal(attached_id(), 0);
	assert_true(is_pinned(WP_XDP_MAP_CFG));

	x = wp_xdp_prepare(ifname, 0, NQ, 0);
	assert_non_null(x);
	assert_int_equal(attached_id(), 0);
	assert_false(is_pinned(WP_XDP_MAP_CFG));
	wp_xdp_close(x);
	assert_clean();
}

/* Somebody else's program: never removed, always refused. */
static void
t_foreign_program(void **state)
{
	struct wp_xsk_default *other = wp_xsk_default__open_and_load();
	struct wp_xdp *x;

	(void)state;
	assert_non_null(other);
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(other->progs.xsk_default),
					 XDP_FLAGS_UPDATE_IF_NOEXIST, NULL), 0);
	errno = 0;
	assert_null(wp_xdp_prepare(ifname, 0, 1, 0));
	assert_int_equal(errno, EBUSY);
	assert_int_not_equal(attached_id(), 0);

	/* prepared first, then a foreign program appears where ours should be */
	assert_int_equal(bpf_xdp_detach(ifindex, 0, NULL), 0);
	x = wp_xdp_prepare(ifname, 0, 1, 0);
	assert_non_null(x);
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(other->progs.xsk_default),
					 XDP_FLAGS_UPDATE_IF_NOEXIST, NULL), 0);
	assert_int_equal(wp_xdp_attach_existing(x), -EPROTO);
	assert_int_equal(wp_xdp_load(x, WP_XDP_MODE_DEFAULT), -EBUSY);
	wp_xdp_close(x);
	assert_int_not_equal(attached_id(), 0); /* close leaves it alone */
	assert_int_equal(bpf_xdp_detach(ifindex, 0, NULL), 0);
	wp_xsk_default__destroy(other);
	assert_clean();
}

/* The AF_XDP-mode sequence with the object loaded the way DPDK 22.11's
 * net_af_xdp loads xdp_prog=: open the file, load, first program, attach
 * with UPDATE_IF_NOEXIST, put a socket at its queue in xsks_map. */
static void
t_adopt_like_dpdk(void **state)
{
	struct wp_xdp *x = wp_xdp_prepare(ifname, 0, 1, WP_XDP_PREP_DPDK);
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *xsks;
	struct wp_xdp_counters c;
	struct tx_frame f = TCP_TO(TX_APP1, 80);
	uint8_t frame[TX_FRAME_MAX];
	uint32_t len = tx_build(&f, frame), q = 0;
	int fd;
	struct run r;

	(void)state;
	assert_non_null(x);
	assert_string_equal(wp_xdp_object_path(), WP_XDP_STEER_OBJ);
	obj = bpf_object__open_file(wp_xdp_object_path(), NULL);
	assert_non_null(obj);
	assert_int_equal(bpf_object__load(obj), 0);
	prog = bpf_object__next_program(obj, NULL);
	assert_non_null(prog);
	xsks = bpf_object__find_map_by_name(obj, "xsks_map");
	assert_non_null(xsks);
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(prog),
					 XDP_FLAGS_UPDATE_IF_NOEXIST, NULL), 0);
	fd = xsk_socket__fd(socks[0].xsk);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(xsks), &q, &fd, 0), 0);

	/* before configure: DPDK's default behaviour */
	prog_run(bpf_program__fd(prog), frame, len, 0, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	assert_int_equal(wp_xdp_attach_existing(x), 0);
	assert_int_equal(wp_xdp_attach_existing(x), -EALREADY);
	assert_int_equal(wp_xdp_counters(x, 0, &c), 0);
	assert_int_equal(c.v[WP_XDP_CTR_UNCONFIGURED], 1);
	configure(x, WP_XDP_F_META);
	prog_run(bpf_program__fd(prog), frame, len, 0, &r);
	assert_int_equal(r.verdict, XDP_REDIRECT);
	assert_int_equal(r.meta_len, sizeof(struct wp_xdp_meta));
	assert_int_equal(wp_xdp_counters(x, 0, &c), 0);
	assert_int_equal(c.v[WP_XDP_CTR_TCP], 1);
	assert_int_equal(c.v[WP_XDP_CTR_REDIRECT], 2);
	assert_int_equal(c.v[WP_XDP_CTR_RX], 2);
	assert_true(is_pinned(WP_XDP_MAP_STATS));

	/* close while "DPDK" still has it attached: detached, unpinned */
	wp_xdp_close(x);
	assert_clean();
	bpf_object__close(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_prepare_refusals),
		cmocka_unit_test(t_rows_in_kernel),
		cmocka_unit_test(t_reconfigure),
		cmocka_unit_test(t_stale_after_crash),
		cmocka_unit_test(t_foreign_program),
		cmocka_unit_test(t_adopt_like_dpdk),
	};
	int rc;

	setup_world();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	teardown_world();
	return rc;
}
