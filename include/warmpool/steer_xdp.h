/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP steering program's loader (DESIGN.md section 4, issue 6).
 *
 * AF_XDP mode of the appliance, in this order:
 *
 *   x = wp_xdp_prepare(ifname, start_queue, queue_count, WP_XDP_PREP_DPDK);
 *          before EAL: bpffs mounted? privileges? interface and queues?
 *          Takes the interface (a lock held until wp_xdp_close), detaches a
 *          stale wp_steer left attached by a crashed run and removes its
 *          pins; refuses an interface with anybody else's XDP program.
 *   EAL with --vdev net_af_xdp0,iface=IF,start_queue=S,queue_count=N,
 *          xdp_prog=<wp_xdp_object_path()>; port configure + RX queue
 *          set-up (the PMD loads and attaches the object then);
 *   wp_xdp_attach_existing(x);
 *          finds the program on the interface, checks it is wp_steer with
 *          maps of the sizes this build expects, pins its maps under
 *          /sys/fs/bpf/warmpool/<ifname>/;
 *   wp_xdp_configure(x, &rules, key, owner, reta_size);   (any time again)
 *   wp_xdp_counters(x, queue, &c);                        (any time)
 *   rte_eth_dev_close(port) (the PMD detaches), then wp_xdp_close(x):
 *          unpins, detaches if still attached, releases the interface.
 *
 * Tests and tools that run the program without DPDK call wp_xdp_load(x,
 * mode) instead of wp_xdp_attach_existing(): it loads the copy embedded at
 * build time and attaches it itself.
 *
 * Until the first wp_xdp_configure() the program behaves like DPDK's
 * default one (every frame to its queue's socket if bound, else to the
 * kernel), so the start-up window loses nothing.
 *
 * Return values: the constructor returns NULL and sets errno; everything
 * else returns 0 or a negative errno. Each failure is logged once (RTE_LOG,
 * USER1, "warmpool.xdp:") with what to do about it. Needs root (CAP_BPF or
 * CAP_SYS_ADMIN, and CAP_NET_ADMIN); not thread-safe per handle (the
 * control core owns it).
 */
#ifndef WARMPOOL_STEER_XDP_H
#define WARMPOOL_STEER_XDP_H

#include <stdint.h>

#include "steer_xdp-t.h"

/* Where maps are pinned: WP_XDP_PIN_ROOT "/" ifname "/" map name. */
#define WP_XDP_BPFFS "/sys/fs/bpf"
#define WP_XDP_PIN_ROOT WP_XDP_BPFFS "/warmpool"
/* Interface lock: the abstract unix socket name "@" WP_XDP_LOCK_PREFIX
 * ifname, per network namespace, released by the kernel with its holder. */
#define WP_XDP_LOCK_PREFIX "warmpool-xdp-"

/* wp_xdp_prepare() flags */
enum wp_xdp_prepare_flags {
	/* The queues will be DPDK net_af_xdp's: apply its rule (start_queue +
	 * queue_count <= the device's combined channels, 1 for a device that
	 * reports none, e.g. veth) besides the RX queue count. */
	WP_XDP_PREP_DPDK = 1u << 0,
};

/* wp_xdp_load() attach modes */
enum wp_xdp_mode {
	WP_XDP_MODE_DEFAULT = 0, /* native if the driver has it, else generic */
	WP_XDP_MODE_NATIVE,      /* driver mode or fail */
	WP_XDP_MODE_SKB,         /* generic (skb) mode */
};

/* Path of steer.bpf.o for net_af_xdp's xdp_prog=: $WARMPOOL_XDP_OBJ if
 * set, else the build tree's object (meson knows where). */
const char *wp_xdp_object_path(void);

/* Check the environment and take ifname for queues [first_queue,
 * first_queue + nb_queues). NULL and errno:
 *   EINVAL   bad arguments, or more queues than the device has RX queues
 *            (or, with WP_XDP_PREP_DPDK, combined channels)
 *   ENOENT   bpffs is not mounted at /sys/fs/bpf
 *   EPERM    not privileged enough for BPF
 *   ENODEV   no such interface
 *   EBUSY    another live warmpool holds the interface, or a program that
 *            is not wp_steer is attached to it
 *   other    from the kernel while detaching a stale program */
struct wp_xdp *wp_xdp_prepare(const char *ifname, unsigned int first_queue,
		unsigned int nb_queues, unsigned int flags);

/* Adopt the program DPDK attached. -ENOENT: nothing attached; -EPROTO: it
 * is not wp_steer, or its maps differ from this build's; -EEXIST: a pin
 * path is taken; other negative errnos from the kernel. */
int wp_xdp_attach_existing(struct wp_xdp *x);

/* Load the embedded wp_steer and attach it (XDP_FLAGS_UPDATE_IF_NOEXIST),
 * then adopt it as above. -EBUSY: a program is already attached. */
int wp_xdp_load(struct wp_xdp *x, enum wp_xdp_mode mode);

/* Write a configuration: rules (warmpool/steer_xdp-t.h), the 40-byte
 * Toeplitz key, owner[i] = worker owning RETA entry i for i < reta_size (a
 * power of two <= WP_XDP_RETA_MAX). The program switches to it at once
 * and atomically (double-buffered, see bpf/steer_kern_user.h). -EINVAL
 * for invalid input (logged with the field), -ENOTCONN before
 * attach/load. */
int wp_xdp_configure(struct wp_xdp *x, const struct wp_xdp_rules *rules,
		const uint8_t key[WP_XDP_KEY_LEN], const uint16_t *owner,
		unsigned int reta_size);

/* Counters of device queue `queue`, summed over CPUs. */
int wp_xdp_counters(const struct wp_xdp *x, unsigned int queue,
		struct wp_xdp_counters *out);

/* "rx", "redirect", ... for enum wp_xdp_ctr; NULL out of range. */
const char *wp_xdp_counter_name(unsigned int ctr);

/* The adopted program's fd (BPF_PROG_TEST_RUN in tests and benchmarks),
 * or -ENOTCONN. The handle keeps ownership. */
int wp_xdp_prog_fd(const struct wp_xdp *x);

/* /sys/fs/bpf/warmpool/<ifname> */
const char *wp_xdp_pin_dir(const struct wp_xdp *x);

/* Unpin, detach the program if it is still the one attached, release the
 * interface, free. NULL is fine. */
void wp_xdp_close(struct wp_xdp *x);

#endif /* WARMPOOL_STEER_XDP_H */
