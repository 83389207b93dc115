/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's AF_XDP mode: warmpool's own XDP program on net_af_xdp ports
 * (DESIGN.md section 4; loader API: warmpool/steer_xdp.h).
 *
 * A [port] whose device is net_af_xdp and names no xdp_prog= of its own
 * gets wp_steer (bpf/steer.bpf.o): appliance traffic goes to the queue's
 * AF_XDP socket, everything else to the kernel, so the host keeps its
 * own addresses and services on that interface. In order:
 *
 *   wpd_xdp_devargs()   ",xdp_prog=<object>" for the --vdev string that
 *                       warmpoold makes from the config
 *   wpd_xdp_prepare()   then, before EAL, if it did: bpffs, privileges,
 *                       queue counts; takes the interface and clears a
 *                       stale wp_steer
 *   wpd_xdp_adopt()     after the port started (the PMD attached the
 *                       program at RX queue set-up): adopt it, pin its
 *                       maps, write the appliance's addresses and TCP ports
 *                       and the port's ownership rule (key, RETA) so it
 *                       counts frames that arrive on a non-owner queue
 *   wpd_xdp_report()    the program's counters per queue, at exit
 *   wpd_xdp_close()     after the ports closed: unpin, release
 *
 * A device string with its own xdp_prog= is left alone (no adoption, no
 * counters): that is how an operator keeps DPDK's default program or runs
 * another; so are devices given with EAL options on the command line.
 * Everything here runs on the main lcore.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include <warmpool/config.h>
#include <warmpool/net.h>
#include <warmpool/steer.h>
#include <warmpool/steer_xdp.h>

#include "xdpmode.h"

#define PROG "warmpoold"

/* One XDP port: the loader handle and where its queues start. */
struct xdp_port {
	struct wp_xdp *x;
	unsigned first_queue, nb_queues;
	char ifname[64];
};

static struct xdp_port X[WP_CONFIG_PORT__COUNT];

/* The value of `key=` in a device string "name,k=v,k=v", or false. */
static bool
devarg(const char *dev, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = strchr(dev, ',');

	while (p != NULL) {
		p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, ",");

			if (n + 1 > len)
				return false;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			return true;
		}
		p = strchr(p, ',');
	}
	return false;
}

bool
wpd_xdp_wanted(const struct wp_config_port *p)
{
	char v[8];

	return p->present && strncmp(p->device, "net_af_xdp", 10) == 0 &&
	       !devarg(p->device, "xdp_prog", v, sizeof(v));
}

static bool
same_device(const struct wp_config *cfg)
{
	return cfg->port[WP_CONFIG_PORT_BACKEND].present &&
	       strcmp(cfg->port[WP_CONFIG_PORT_BACKEND].device,
		      cfg->port[WP_CONFIG_PORT_CLIENT].device) == 0;
}

int
wpd_xdp_prepare(const struct wp_config *cfg, unsigned workers)
{
	for (int r = 0; r < WP_CONFIG_PORT__COUNT; r++) {
		const struct wp_config_port *p = &cfg->port[r];
		struct xdp_port *xp = &X[r];
		char v[16];

		if (!wpd_xdp_wanted(p) || (r == WP_CONFIG_PORT_BACKEND && same_device(cfg)))
			continue;
		if (!devarg(p->device, "iface", xp->ifname, sizeof(xp->ifname))) {
			fprintf(stderr, PROG ": port %s: net_af_xdp needs iface=\n", p->device);
			return -EINVAL;
		}
		xp->first_queue = devarg(p->device, "start_queue", v, sizeof(v)) ?
				  (unsigned)strtoul(v, NULL, 10) : 0;
		xp->nb_queues = devarg(p->device, "queue_count", v, sizeof(v)) ?
				(unsigned)strtoul(v, NULL, 10) : workers;
		xp->x = wp_xdp_prepare(xp->ifname, xp->first_queue, xp->nb_queues,
				       WP_XDP_PREP_DPDK);
		if (xp->x == NULL) {
			int err = errno;

			fprintf(stderr, PROG ": port %s: warmpool's XDP program cannot run on %s: "
				"%s%s\n", p->device, xp->ifname, strerror(err),
				err == ENOENT ? " (mount bpffs: mount -t bpf bpf /sys/fs/bpf)" :
				err == EPERM ? " (run as root)" : "");
			fprintf(stderr, PROG ": (to run without it, give the device an "
				"xdp_prog= of your own)\n");
			wpd_xdp_close();
			return -err;
		}
	}
	return 0;
}

int
wpd_xdp_devargs(const struct wp_config *cfg, enum wp_config_port_role role, char *out,
		size_t len)
{
	if (!wpd_xdp_wanted(&cfg->port[role]) ||
	    (role == WP_CONFIG_PORT_BACKEND && same_device(cfg)))
		return 0;
	return snprintf(out, len, ",xdp_prog=%s", wp_xdp_object_path());
}

int
wpd_xdp_adopt(const struct wp_config *cfg, enum wp_config_port_role role,
	      const struct wp_rss *rss)
{
	struct xdp_port *xp = &X[role];
	const struct wp_config_port *p = wp_config_port_for(cfg, role);
	struct wp_xdp_rules rules;
	struct wp_net_conf nc;
	int rc;

	if (xp->x == NULL)
		return 0;
	rc = wp_xdp_attach_existing(xp->x);
	if (rc < 0) {
		fprintf(stderr, PROG ": %s: adopting the XDP program the port attached: %s\n",
			xp->ifname, strerror(-rc));
		return rc;
	}
	/* ours: the port's address; TCP to the listener (client port) and to
	 * the local ports of backend sessions and probes */
	wp_net_conf_default(&nc);
	wp_config_net_conf(cfg, role, &nc);
	memset(&rules, 0, sizeof(rules));
	rules.addr[0] = rte_cpu_to_be_32(p->addr);
	rules.n_addr = 1;
	rules.port[rules.n_port].lo = nc.ephemeral_lo;
	rules.port[rules.n_port++].hi = nc.ephemeral_hi;
	if (role == WP_CONFIG_PORT_CLIENT) {
		rules.port[rules.n_port].lo = cfg->listen.port;
		rules.port[rules.n_port++].hi = cfg->listen.port;
	}
	rules.queue_base = xp->first_queue;
	rc = wp_xdp_configure(xp->x, &rules, wp_rss_key(rss), wp_rss_reta(rss),
			      wp_rss_reta_size(rss));
	if (rc < 0) {
		fprintf(stderr, PROG ": %s: configuring the XDP program: %s\n", xp->ifname,
			strerror(-rc));
		return rc;
	}
	printf(PROG ": %s port: XDP program wp_steer on %s queues %u..%u: appliance "
	       "traffic to DPDK, the rest to the kernel; maps pinned in %s\n",
	       role == WP_CONFIG_PORT_CLIENT ? "client" : "backend", xp->ifname,
	       xp->first_queue, xp->first_queue + xp->nb_queues - 1, wp_xdp_pin_dir(xp->x));
	return 0;
}

void
wpd_xdp_report(void)
{
	for (int r = 0; r < WP_CONFIG_PORT__COUNT; r++) {
		struct xdp_port *xp = &X[r];

		if (xp->x == NULL)
			continue;
		for (unsigned q = xp->first_queue; q < xp->first_queue + xp->nb_queues; q++) {
			struct wp_xdp_counters c;
			char line[512];
			size_t o = 0;

			if (wp_xdp_counters(xp->x, q, &c) < 0)
				continue;
			for (unsigned k = 0; k < WP_XDP_CTR__COUNT && o < sizeof(line); k++)
				o += (size_t)snprintf(line + o, sizeof(line) - o, " %s=%" PRIu64,
						      wp_xdp_counter_name(k), (uint64_t)c.v[k]);
			printf(PROG ": xdp %s queue %u:%s\n", xp->ifname, q, line);
		}
	}
}

void
wpd_xdp_close(void)
{
	for (int r = 0; r < WP_CONFIG_PORT__COUNT; r++) {
		wp_xdp_close(X[r].x);
		X[r].x = NULL;
	}
}
