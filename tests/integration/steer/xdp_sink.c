/* SPDX-License-Identifier: BSD-3-Clause */
/* xdp_sink: DPDK on net_af_xdp with warmpool's XDP program, the way the
 * appliance runs in AF_XDP mode (warmpool/steer_xdp.h), for
 * tests/integration/steer/xdp_afxdp.sh.
 *
 *   xdp_sink [EAL options] -- --iface IF --ip A.B.C.D [--stop-file F] [--seconds N]
 *
 * 1. wp_xdp_prepare(IF, 0, 1, WP_XDP_PREP_DPDK) before EAL;
 * 2. EAL with --vdev net_af_xdp0,iface=IF,start_queue=0,queue_count=1,
 *    xdp_prog=<wp_xdp_object_path()> added; port set-up (the PMD loads and
 *    attaches wp_steer and puts its socket in xsks_map);
 * 3. wp_xdp_attach_existing(), wp_xdp_configure(): the appliance is A,
 *    TCP ports 80 and 40000-40999, RETA of 128 with owner i % 4, the
 *    Microsoft key, the metadata mark on;
 * 4. "ready" on stdout; then it answers ARP requests and ICMP echo for A
 *    (so the peer can ping and reach it) and counts TCP frames, checking
 *    each frame's mark: magic present, owner equal to what rte_softrss
 *    says for the frame's tuple, NON_OWNER set exactly when the owner is
 *    not worker 0 (this sink is queue 0);
 * 5. until F exists (or N seconds): then it prints "stat NAME=VALUE" lines
 *    (its own counts, "xdp_NAME" for the program's counters of queue 0,
 *    eth_ipackets), closes the port (the PMD detaches the program),
 *    wp_xdp_close(), and prints what is left: after_close_attached (XDP
 *    program id on IF, 0 = none) and after_close_pinned (0/1).
 * Exit 0 when its own checks pass (every frame marked except those the
 * program saw before configuration, no owner mismatch, redirect counter ==
 * frames DPDK received, mbufs back to the baseline, nothing attached or
 * pinned after close), else 1 with a RESULT line naming what failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <net/if.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_thash.h>

#include <warmpool/clock.h>
#include <warmpool/port.h>
#include <warmpool/runtime.h>
#include <warmpool/steer_xdp.h>

#include "steer_kern_user.h"

#define RETA 128
#define WORKERS 4

static const uint8_t ms_key[WP_XDP_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

struct counts {
	uint64_t frames, meta_ok, meta_missing, owner_mismatch, non_owner;
	uint64_t arp, arp_replied, icmp, icmp_replied, tcp, other;
	uint64_t per_owner[WORKERS];
	uint64_t tx_failed;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
csum(const uint8_t *p, uint32_t len)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Turn an ARP request for us / an ICMP echo to us into its answer in
 * place. 1 if m now holds a reply to send. */
static int
answer(uint8_t *p, uint32_t len, const uint8_t mac[6], uint32_t ip, struct counts *c)
{
	uint16_t type;

	if (len < 14)
		return 0;
	type = rd16(p + 12);
	if (type == 0x0806 && len >= 42) {
		uint8_t *a = p + 14;

		c->arp++;
		if (rd16(a + 6) != 1 || rd32(a + 24) != ip)
			return 0;
		memcpy(p, p + 6, 6);
		memcpy(p + 6, mac, 6);
		a[7] = 2; /* reply */
		memcpy(a + 18, a + 8, 10);   /* target = the asker */
		memcpy(a + 8, mac, 6);       /* sender = us */
		a[14] = (uint8_t)(ip >> 24);
		a[15] = (uint8_t)(ip >> 16);
		a[16] = (uint8_t)(ip >> 8);
		a[17] = (uint8_t)ip;
		c->arp_replied++;
		return 1;
	}
	if (type == 0x0800 && len >= 34) {
		uint8_t *iph = p + 14, tmp[4];
		uint32_t ihl = (uint32_t)(iph[0] & 0x0f) * 4, tot = rd16(iph + 2);

		if (iph[9] == 6) {
			c->tcp++;
			return 0;
		}
		if (iph[9] != 1) {
			c->other++;
			return 0;
		}
		c->icmp++;
		if (ihl < 20 || tot < ihl + 8 || 14 + tot > len || iph[ihl] != 8 || rd32(iph + 16) != ip)
			return 0;
		memcpy(p, p + 6, 6);
		memcpy(p + 6, mac, 6);
		memcpy(tmp, iph + 12, 4);
		memcpy(iph + 12, iph + 16, 4);
		memcpy(iph + 16, tmp, 4);
		iph[8] = 64;
		iph[10] = iph[11] = 0;
		{
			uint16_t s = csum(iph, ihl);

			iph[10] = (uint8_t)(s >> 8);
			iph[11] = (uint8_t)s;
		}
		iph[ihl] = 0; /* echo reply */
		iph[ihl + 2] = iph[ihl + 3] = 0;
		{
			uint16_t s = csum(iph + ihl, tot - ihl);

			iph[ihl + 2] = (uint8_t)(s >> 8);
			iph[ihl + 3] = (uint8_t)s;
		}
		c->icmp_replied++;
		return 1;
	}
	c->other++;
	return 0;
}

/* The mark in front of the frame, checked against rte_softrss. */
static void
check_mark(struct rte_mbuf *m, const uint16_t owner[RETA], struct counts *c)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct wp_xdp_meta meta;

	if (rte_pktmbuf_headroom(m) < sizeof(meta)) {
		c->meta_missing++;
		return;
	}
	memcpy(&meta, p - sizeof(meta), sizeof(meta));
	if (meta.magic != WP_XDP_META_MAGIC) {
		c->meta_missing++;
		return;
	}
	c->meta_ok++;
	if (len >= 54 && rd16(p + 12) == 0x0800 && p[23] == 6) {
		uint32_t ihl = (uint32_t)(p[14] & 0x0f) * 4;
		union rte_thash_tuple t;
		uint32_t h, want;

		if (len < 14 + ihl + 4)
			return;
		memset(&t, 0, sizeof(t));
		t.v4.src_addr = rd32(p + 26);
		t.v4.dst_addr = rd32(p + 30);
		t.v4.sport = rd16(p + 14 + ihl);
		t.v4.dport = rd16(p + 14 + ihl + 2);
		h = rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, ms_key);
		want = owner[h & (RETA - 1)];
		if (!(meta.flags & WP_XDP_META_HAS_OWNER) || meta.owner != want || meta.hash != h ||
		    !!(meta.flags & WP_XDP_META_NON_OWNER) != (want != 0)) {
			c->owner_mismatch++;
			fprintf(stderr, "xdp_sink: mark owner %u hash %08x flags %#x, rte_softrss "
				"says owner %u hash %08x\n", meta.owner, meta.hash, meta.flags, want, h);
		}
		if (want != 0)
			c->non_owner++;
		c->per_owner[want % WORKERS]++;
	}
}

struct opts {
	const char *iface, *stop_file;
	uint32_t ip;
	double seconds;
};

static int
parse_own(int argc, char **argv, struct opts *o)
{
	struct in_addr a;

	memset(o, 0, sizeof(*o));
	o->seconds = 60;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--iface") == 0 && i + 1 < argc)
			o->iface = argv[++i];
		else if (strcmp(argv[i], "--ip") == 0 && i + 1 < argc) {
			if (inet_pton(AF_INET, argv[++i], &a) != 1)
				return -1;
			o->ip = ntohl(a.s_addr);
		} else if (strcmp(argv[i], "--stop-file") == 0 && i + 1 < argc)
			o->stop_file = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			o->seconds = atof(argv[++i]);
		else
			return -1;
	}
	return o->iface != NULL && o->ip != 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static char vdev[512];
	struct opts o;
	struct wp_xdp *x;
	char **eal_argv;
	int dd = -1, eal_argc = 0, n, rc = 1;
	struct rte_mempool *mp = NULL;
	struct wp_port_conf pc;
	struct wp_port_info info;
	struct wp_xdp_rules rules;
	struct wp_xdp_counters xc;
	struct rte_eth_stats es;
	uint16_t owner[RETA];
	struct counts c;
	unsigned int inuse_base = 0, inuse_end = 0;
	char fails[256] = "";
	uint32_t attached = 0;
	struct stat st;
	int ifindex;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	if (dd < 0 || parse_own(argc - dd - 1, argv + dd + 1, &o) != 0) {
		fprintf(stderr, "usage: xdp_sink [EAL options] -- --iface IF --ip A.B.C.D "
			"[--stop-file F] [--seconds N]\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(o.iface);

	/* 1. before EAL */
	x = wp_xdp_prepare(o.iface, 0, 1, WP_XDP_PREP_DPDK);
	if (x == NULL) {
		printf("RESULT fail: wp_xdp_prepare: %s\n", strerror(errno));
		return 1;
	}

	/* 2. EAL with our vdev, port set-up */
	snprintf(vdev, sizeof(vdev), "net_af_xdp0,iface=%s,start_queue=0,queue_count=1,xdp_prog=%s",
		 o.iface, wp_xdp_object_path());
	eal_argv = calloc((size_t)argc + 3, sizeof(*eal_argv));
	if (eal_argv == NULL)
		return 1;
	for (int i = 0; i < dd; i++)
		eal_argv[eal_argc++] = argv[i];
	eal_argv[eal_argc++] = (char *)"--vdev";
	eal_argv[eal_argc++] = vdev;
	eal_argv[eal_argc] = NULL;
	n = wp_eal_init(eal_argc, eal_argv);
	if (n < 0) {
		printf("RESULT fail: EAL: %s\n", strerror(-n));
		wp_xdp_close(x);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	mp = rte_pktmbuf_pool_create("wpx_mp", 8191, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		printf("RESULT fail: mempool\n");
		goto out_eal;
	}
	memset(&pc, 0, sizeof(pc));
	pc.port_id = 0;
	pc.nb_queues = 1;
	pc.mp = mp;
	if (wp_port_setup(&pc, &info) < 0) {
		printf("RESULT fail: port set-up\n");
		goto out_eal;
	}
	inuse_base = rte_mempool_in_use_count(mp); /* the PMD's fill ring */

	/* 3. adopt and configure */
	if (wp_xdp_attach_existing(x) != 0) {
		printf("RESULT fail: wp_xdp_attach_existing\n");
		goto out_port;
	}
	memset(&rules, 0, sizeof(rules));
	rules.addr[0] = htonl(o.ip);
	rules.n_addr = 1;
	rules.port[0].lo = rules.port[0].hi = 80;
	rules.port[1].lo = 40000;
	rules.port[1].hi = 40999;
	rules.n_port = 2;
	rules.flags = WP_XDP_F_META;
	for (int i = 0; i < RETA; i++)
		owner[i] = (uint16_t)(i % WORKERS);
	if (wp_xdp_configure(x, &rules, ms_key, owner, RETA) != 0) {
		printf("RESULT fail: wp_xdp_configure\n");
		goto out_port;
	}
	printf("ready driver=%s mac=%02x:%02x:%02x:%02x:%02x:%02x pins=%s mempool_baseline=%u\n",
	       info.driver, info.mac[0], info.mac[1], info.mac[2], info.mac[3], info.mac[4],
	       info.mac[5], wp_xdp_pin_dir(x), inuse_base);

	/* 4. receive until told to stop */
	memset(&c, 0, sizeof(c));
	{
		uint64_t deadline = wp_clock_ns() + (uint64_t)(o.seconds * 1e9);
		uint64_t next_check = 0;

		while (!stop) {
			struct rte_mbuf *pkts[32], *out[32];
			uint16_t nb = rte_eth_rx_burst(0, 0, pkts, 32), nout = 0, sent;

			for (uint16_t i = 0; i < nb; i++) {
				c.frames++;
				check_mark(pkts[i], owner, &c);
				if (answer(rte_pktmbuf_mtod(pkts[i], uint8_t *),
					   rte_pktmbuf_data_len(pkts[i]), info.mac, o.ip, &c))
					out[nout++] = pkts[i];
				else
					rte_pktmbuf_free(pkts[i]);
			}
			sent = nout ? rte_eth_tx_burst(0, 0, out, nout) : 0;
			for (uint16_t i = sent; i < nout; i++) {
				c.tx_failed++;
				rte_pktmbuf_free(out[i]);
			}
			if (nb == 0) {
				uint64_t now = wp_clock_ns();

				if (now > deadline)
					break;
				if (now > next_check) {
					next_check = now + 20000000;
					if (o.stop_file && stat(o.stop_file, &st) == 0)
						break;
				}
				usleep(50);
			}
		}
	}

	/* 5. report */
	if (wp_xdp_counters(x, 0, &xc) != 0)
		strcat(fails, " counters");
	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(0, &es);
	printf("stat frames=%" PRIu64 "\nstat meta_ok=%" PRIu64 "\nstat meta_missing=%" PRIu64
	       "\nstat owner_mismatch=%" PRIu64 "\nstat non_owner=%" PRIu64 "\nstat arp=%" PRIu64
	       "\nstat arp_replied=%" PRIu64 "\nstat icmp=%" PRIu64 "\nstat icmp_replied=%" PRIu64
	       "\nstat tcp=%" PRIu64 "\nstat other=%" PRIu64 "\nstat tx_failed=%" PRIu64
	       "\nstat eth_ipackets=%" PRIu64 "\nstat eth_imissed=%" PRIu64 "\n",
	       c.frames, c.meta_ok, c.meta_missing, c.owner_mismatch, c.non_owner, c.arp,
	       c.arp_replied, c.icmp, c.icmp_replied, c.tcp, c.other, c.tx_failed, es.ipackets,
	       es.imissed);
	for (int w = 0; w < WORKERS; w++)
		printf("stat owner%d=%" PRIu64 "\n", w, c.per_owner[w]);
	for (unsigned int i = 0; i < WP_XDP_CTR__COUNT; i++)
		printf("stat xdp_%s=%" PRIu64 "\n", wp_xdp_counter_name(i), (uint64_t)xc.v[i]);

	if (c.owner_mismatch)
		strcat(fails, " owner");
	if (c.meta_missing != xc.v[WP_XDP_CTR_UNCONFIGURED])
		strcat(fails, " meta");
	if (xc.v[WP_XDP_CTR_REDIRECT] != es.ipackets || es.ipackets != c.frames)
		strcat(fails, " redirect!=received");
	if (xc.v[WP_XDP_CTR_NON_OWNER] != c.non_owner)
		strcat(fails, " non_owner");

	/* zero-copy TX frees mbufs when it reads completions, in tx_burst */
	for (int i = 0, last = -1; i < 100; i++) {
		int cur = (int)rte_mempool_in_use_count(mp);

		if (cur == last && cur <= (int)inuse_base)
			break;
		last = cur;
		rte_eth_tx_burst(0, 0, NULL, 0);
		usleep(1000);
	}
	inuse_end = rte_mempool_in_use_count(mp);
	printf("stat mempool_baseline=%u\nstat mempool_end=%u\n", inuse_base, inuse_end);
	if (inuse_end != inuse_base)
		strcat(fails, " mempool");
	rc = 0;

out_port:
	wp_port_close(0);
out_eal:
	wp_xdp_close(x);
	if (ifindex > 0)
		bpf_xdp_query_id(ifindex, 0, &attached);
	printf("stat after_close_attached=%u\nstat after_close_pinned=%d\n", attached,
	       stat(WP_XDP_PIN_ROOT, &st) == 0);
	if (attached != 0)
		strcat(fails, " attached");
	if (stat(WP_XDP_PIN_ROOT, &st) == 0)
		strcat(fails, " pinned");
	rte_mempool_free(mp);
	rte_eal_cleanup();
	if (rc == 0 && fails[0] == '\0') {
		printf("RESULT ok\n");
		return 0;
	}
	printf("RESULT fail:%s\n", fails[0] ? fails : " set-up");
	return 1;
}
