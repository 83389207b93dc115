/* SPDX-License-Identifier: BSD-3-Clause */
/* warmpoold's AF_XDP mode (xdpmode.c): warmpool's XDP program on
 * net_af_xdp ports, prepared before EAL, adopted after port start. */
#ifndef WARMPOOLD_XDPMODE_H
#define WARMPOOLD_XDPMODE_H

#include <stdbool.h>
#include <stddef.h>

#include <warmpool/config-t.h>

struct wp_rss;

/* Does this port get warmpool's XDP program (net_af_xdp, no xdp_prog=)? */
bool wpd_xdp_wanted(const struct wp_config_port *p);
/* Before EAL, for every such port: 0, or a negative errno after a message
 * that says what to fix. `workers`: queues when the device names none. */
int wpd_xdp_prepare(const struct wp_config *cfg, unsigned workers);
/* What to append to the port's device string (",xdp_prog=..."), written
 * to out; returns its length (0: nothing). */
int wpd_xdp_devargs(const struct wp_config *cfg, enum wp_config_port_role role, char *out,
		    size_t len);
/* After the port started: adopt and configure the program with the port's
 * ownership rule. 0 (also when the port has no program of ours) or -errno. */
int wpd_xdp_adopt(const struct wp_config *cfg, enum wp_config_port_role role,
		  const struct wp_rss *rss);
/* The program's counters per queue, one line each (final report). */
void wpd_xdp_report(void);
/* After the ports closed; idempotent. */
void wpd_xdp_close(void);

#endif /* WARMPOOLD_XDPMODE_H */
