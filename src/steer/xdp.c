/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP steering program's loader (API: warmpool/steer_xdp.h).
 *
 * Who loads the program. In AF_XDP mode DPDK's net_af_xdp must create the
 * AF_XDP sockets and put them in a map named xsks_map; in 22.11 the only
 * way to give it our program is xdp_prog=FILE, and the PMD then loads the
 * file itself (bpf_object__open_file + load, first program), attaches it
 * with XDP_FLAGS_UPDATE_IF_NOEXIST during RX queue set-up and keeps the
 * object to itself. So this loader does not load in that mode: it finds
 * what is attached to the interface (bpf_xdp_query -> prog id -> prog fd
 * -> map ids -> map fds), checks that it is wp_steer with maps of the
 * shapes this build expects (compared with the skeleton's own map
 * definitions, so there is one source of truth), and pins the maps by name
 * under /sys/fs/bpf/warmpool/<ifname>/ for tools and for its own restarts.
 * For tests and tools without DPDK, wp_xdp_load() loads the copy embedded
 * by `bpftool gen skeleton` and attaches it, then adopts it the same way.
 *
 * Crashes. A netlink-attached XDP program outlives its process, so a
 * crashed appliance leaves wp_steer attached and DPDK's next start fails
 * (UPDATE_IF_NOEXIST). wp_xdp_prepare() therefore detaches a wp_steer it
 * finds -- but only when no live warmpool uses the interface, which it
 * knows from a lock (an abstract unix socket name, released by the
 * kernel when a process dies) taken in prepare and held until close.
 * Anything else attached is somebody else's and is refused, never removed.
 *
 * Configuration goes into the slot the program is not reading, then one
 * 32-bit flip of cfg_active makes it live (bpf/steer_kern_user.h).
 *
 * Ownership: struct wp_xdp belongs to the control core (or a test); fds
 * and pins are released by wp_xdp_close() along one cleanup path.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <unistd.h>
#include <dirent.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/sockios.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <rte_log.h>

#include "warmpool/steer_xdp.h"
#include "steer_kern_user.h"
#include "steer.skel.h"
#include "wp_bpf_paths.h"
#include "xdp_impl.h"

#define XLOG(level, fmt, ...) \
	RTE_LOG(level, USER1, "warmpool.xdp: " fmt "\n", ##__VA_ARGS__)

enum wp_xdp_map_id {
	M_XSKS,
	M_CFG,
	M_ACTIVE,
	M_OWNER,
	M_STATS,
	M__COUNT
};

static const char *const map_names[M__COUNT] = {
	[M_XSKS] = WP_XDP_MAP_XSKS,
	[M_CFG] = WP_XDP_MAP_CFG,
	[M_ACTIVE] = WP_XDP_MAP_ACTIVE,
	[M_OWNER] = WP_XDP_MAP_OWNER,
	[M_STATS] = WP_XDP_MAP_STATS,
};

/* One interface. prog_fd/map_fd are -1 until attach_existing/load;
 * pinned[] says which pins are ours to remove; lock_fd holds the
 * interface lock for the handle's whole life. */
struct wp_xdp {
	char ifname[IF_NAMESIZE];
	int ifindex;
	unsigned int first_queue;
	unsigned int nb_queues;
	int lock_fd;
	char pin_dir[64];    /* WP_XDP_PIN_ROOT "/" ifname */
	int prog_fd;
	uint32_t prog_id;
	int map_fd[M__COUNT];
	uint8_t pinned[M__COUNT];
	struct wp_steer *skel; /* wp_xdp_load() only */
	int ncpus;
};

static const char *const ctr_names[WP_XDP_CTR__COUNT] = {
#define WP_XDP_CTR_NAME_(n, s) [WP_XDP_CTR_##n] = s,
	WP_XDP_COUNTERS(WP_XDP_CTR_NAME_)
#undef WP_XDP_CTR_NAME_
};

const char *
wp_xdp_counter_name(unsigned int ctr)
{
	return ctr < WP_XDP_CTR__COUNT ? ctr_names[ctr] : NULL;
}

const char *
wp_xdp_object_path(void)
{
	const char *env = getenv("WARMPOOL_XDP_OBJ");

	return env != NULL && env[0] != '\0' ? env : WP_XDP_STEER_OBJ;
}

/* libbpf's own messages: warnings and errors through our log, no debug. */
static int
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* libbpf starts its lines with "libbpf: " itself */
	if (level == LIBBPF_WARN)
		XLOG(WARNING, "%s", buf);
	else
		XLOG(INFO, "%s", buf);
	return 0;
}

/* ---- environment checks ---- */

static int
check_bpffs(void)
{
	struct statfs st;

	if (statfs(WP_XDP_BPFFS, &st) != 0 || st.f_type != BPF_FS_MAGIC) {
		XLOG(ERR, "bpffs is not mounted at %s (pinned maps live there): "
		     "mount -t bpf bpf %s", WP_XDP_BPFFS, WP_XDP_BPFFS);
		return -ENOENT;
	}
	return 0;
}

static int
check_privileges(void)
{
	uint32_t id;
	int rc = bpf_prog_get_next_id(0, &id);

	if (rc == -EPERM || rc == -EACCES) {
		XLOG(ERR, "not allowed to use BPF (%s): run as root, or with CAP_BPF, "
		     "CAP_SYS_ADMIN and CAP_NET_ADMIN", strerror(-rc));
		return -EPERM;
	}
	return 0; /* 0, or -ENOENT when no program exists at all */
}

/* RX queues the kernel has for ifname (real_num_rx_queues, as sysfs
 * lists them: /sys must be the current network namespace's, which `ip
 * netns exec` arranges). */
static int
rx_queue_count(const char *ifname)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "rx-", 3) == 0)
			n++;
	closedir(d);
	return n;
}

/* net_af_xdp 22.11's rule: combined channels, 1 when the device reports
 * none (no ETHTOOL_GCHANNELS, or max_combined == 0). */
static int
dpdk_queue_count(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	if (rc != 0 || ch.max_combined == 0)
		return 1;
	return (int)ch.combined_count;
}

/* ---- the interface lock ----
 *
 * An abstract unix socket bound to "@warmpool-xdp-<ifname>": the abstract
 * namespace belongs to the network namespace, as the interface does; the
 * kernel frees the name when the holder exits or crashes, and there is no
 * file to clean up. `ss -xap | grep warmpool-xdp` shows the holder. */

static int
take_lock(struct wp_xdp *x)
{
	struct sockaddr_un a;
	int n;

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "%s%s", WP_XDP_LOCK_PREFIX,
		     x->ifname);
	x->lock_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (x->lock_fd < 0) {
		int e = errno;

		XLOG(ERR, "cannot create the lock socket: %s", strerror(e));
		return -e;
	}
	if (bind(x->lock_fd, (struct sockaddr *)&a,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) != 0) {
		int e = errno;

		close(x->lock_fd);
		x->lock_fd = -1;
		if (e == EADDRINUSE) {
			XLOG(ERR, "%s is in use by a running warmpool (it holds @%s%s; "
			     "ss -xap | grep %s shows which process)", x->ifname,
			     WP_XDP_LOCK_PREFIX, x->ifname, WP_XDP_LOCK_PREFIX);
			return -EBUSY;
		}
		XLOG(ERR, "cannot bind the lock socket @%s%s: %s", WP_XDP_LOCK_PREFIX, x->ifname,
		     strerror(e));
		return -e;
	}
	return 0;
}

static void
release_lock(struct wp_xdp *x)
{
	if (x->lock_fd >= 0)
		close(x->lock_fd);
	x->lock_fd = -1;
}

/* ---- programs and maps by id ---- */

static int
prog_info(int fd, struct bpf_prog_info *info, uint32_t *map_ids, uint32_t *nr_maps)
{
	uint32_t len = sizeof(*info);
	uint32_t cap = *nr_maps;
	int rc;

	memset(info, 0, sizeof(*info));
	info->nr_map_ids = cap;
	info->map_ids = (uint64_t)(uintptr_t)map_ids;
	rc = bpf_obj_get_info_by_fd(fd, info, &len);
	if (rc != 0)
		return rc;
	*nr_maps = info->nr_map_ids < cap ? info->nr_map_ids : cap;
	return 0;
}

/* Is program `fd` a wp_steer (name and map names)? 1 yes, 0 no, <0 error. */
static int
is_ours(int fd, char *name, size_t name_len)
{
	struct bpf_prog_info info;
	uint32_t ids[16], n = 16, found = 0;
	int rc = prog_info(fd, &info, ids, &n);

	if (rc != 0)
		return rc;
	snprintf(name, name_len, "%s", info.name);
	if (info.type != BPF_PROG_TYPE_XDP || strcmp(info.name, WP_XDP_PROG_NAME) != 0)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_map_info mi;
		uint32_t len = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(mfd, &mi, &len) == 0 &&
		    strcmp(mi.name, WP_XDP_MAP_CFG) == 0)
			found = 1;
		close(mfd);
	}
	return found ? 1 : 0;
}

static uint32_t
mode_flags(uint8_t attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_DRV:
		return XDP_FLAGS_DRV_MODE;
	case XDP_ATTACHED_SKB:
		return XDP_FLAGS_SKB_MODE;
	case XDP_ATTACHED_HW:
		return XDP_FLAGS_HW_MODE;
	default:
		return 0;
	}
}

/* Detach program `fd` (id) from the interface, only if it is the one
 * attached (XDP_FLAGS_REPLACE). 0 also when it is not attached any more. */
static int
detach_if_attached(int ifindex, const char *ifname, int fd, uint32_t id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	LIBBPF_OPTS(bpf_xdp_attach_opts, a, .old_prog_fd = fd);
	int rc = bpf_xdp_query(ifindex, 0, &q);

	if (rc != 0) {
		if (rc == -ENODEV)
			return 0; /* the interface is gone, and the program with it */
		XLOG(ERR, "query XDP on %s: %s", ifname, strerror(-rc));
		return rc;
	}
	if (q.prog_id != id)
		return 0;
	rc = bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE | mode_flags(q.attach_mode), &a);
	if (rc != 0)
		XLOG(ERR, "detach program %u from %s: %s", id, ifname, strerror(-rc));
	return rc;
}

static void
pin_path(const struct wp_xdp *x, int m, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", x->pin_dir, map_names[m]);
}

/* Remove our pins (every map name when `all`: a dead run's, which only
 * the lock holder may do; else those we made), then the directories if
 * that left them empty. */
static void
unpin(struct wp_xdp *x, int all)
{
	char path[PATH_MAX];
	int any = all;

	for (int m = 0; m < M__COUNT; m++) {
		if (!all && !x->pinned[m])
			continue;
		any = 1;
		pin_path(x, m, path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT)
			XLOG(WARNING, "cannot remove pin %s: %s", path, strerror(errno));
		x->pinned[m] = 0;
	}
	if (!any)
		return;
	if (rmdir(x->pin_dir) != 0 && errno != ENOENT && errno != ENOTEMPTY)
		XLOG(WARNING, "cannot remove %s: %s", x->pin_dir, strerror(errno));
	/* the common parent goes too once no interface uses it */
	if (rmdir(WP_XDP_PIN_ROOT) != 0 && errno != ENOENT && errno != ENOTEMPTY)
		XLOG(WARNING, "cannot remove %s: %s", WP_XDP_PIN_ROOT, strerror(errno));
}

/* A wp_steer left attached by a dead warmpool (we hold the lock, so no
 * live one uses the interface): detach it. Anybody else's: refuse. */
static int
clear_stale(struct wp_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[BPF_OBJ_NAME_LEN] = "";
	int rc, fd, ours;

	rc = bpf_xdp_query(x->ifindex, 0, &q);
	if (rc != 0) {
		XLOG(ERR, "query XDP on %s: %s", x->ifname, strerror(-rc));
		return rc;
	}
	unpin(x, 1); /* pins under our name are a dead run's */
	if (q.prog_id == 0)
		return 0;
	if (q.attach_mode == XDP_ATTACHED_MULTI) {
		XLOG(ERR, "%s has XDP programs in several modes attached; not warmpool's: "
		     "remove them (ip link set dev %s xdp off; ... xdpgeneric off)",
		     x->ifname, x->ifname);
		return -EBUSY;
	}
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0) {
		XLOG(ERR, "%s: cannot open attached program %u: %s", x->ifname, q.prog_id,
		     strerror(-fd));
		return fd;
	}
	ours = is_ours(fd, name, sizeof(name));
	if (ours <= 0) {
		close(fd);
		if (ours < 0) {
			XLOG(ERR, "%s: cannot inspect program %u: %s", x->ifname, q.prog_id,
			     strerror(-ours));
			return ours;
		}
		XLOG(ERR, "%s has XDP program %u \"%s\" attached, which is not warmpool's %s; "
		     "remove it (ip link set dev %s xdp off) or use another interface",
		     x->ifname, q.prog_id, name, WP_XDP_PROG_NAME, x->ifname);
		return -EBUSY;
	}
	rc = detach_if_attached(x->ifindex, x->ifname, fd, q.prog_id);
	close(fd);
	if (rc == 0)
		XLOG(NOTICE, "%s: detached stale %s (program %u) left by a previous run",
		     x->ifname, WP_XDP_PROG_NAME, q.prog_id);
	return rc;
}

struct wp_xdp *
wp_xdp_prepare(const char *ifname, unsigned int first_queue, unsigned int nb_queues,
	       unsigned int flags)
{
	struct wp_xdp *x = NULL;
	int rc, have;

	libbpf_set_print(libbpf_log);
	if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= IF_NAMESIZE ||
	    strchr(ifname, '/') != NULL || nb_queues == 0 ||
	    first_queue >= WP_XDP_MAX_QUEUES || nb_queues > WP_XDP_MAX_QUEUES - first_queue ||
	    (flags & ~(unsigned int)WP_XDP_PREP_DPDK) != 0) {
		XLOG(ERR, "prepare: bad arguments (ifname \"%s\", queues %u+%u, at most %u)",
		     ifname ? ifname : "(null)", first_queue, nb_queues, WP_XDP_MAX_QUEUES);
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	snprintf(x->ifname, sizeof(x->ifname), "%s", ifname);
	x->first_queue = first_queue;
	x->nb_queues = nb_queues;
	x->lock_fd = -1;
	x->prog_fd = -1;
	for (int m = 0; m < M__COUNT; m++)
		x->map_fd[m] = -1;
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s/%s", WP_XDP_PIN_ROOT, ifname);

	rc = check_bpffs();
	if (rc == 0)
		rc = check_privileges();
	if (rc != 0)
		goto fail;
	x->ifindex = (int)if_nametoindex(ifname);
	if (x->ifindex == 0) {
		XLOG(ERR, "no interface \"%s\" in this network namespace", ifname);
		rc = -ENODEV;
		goto fail;
	}
	have = rx_queue_count(ifname);
	if (have < 0) {
		XLOG(ERR, "%s: cannot count RX queues in /sys/class/net: %s", ifname,
		     strerror(-have));
		rc = have;
		goto fail;
	}
	if (first_queue + nb_queues > (unsigned int)have) {
		XLOG(ERR, "%s has %d RX queue(s); queues %u..%u asked", ifname, have,
		     first_queue, first_queue + nb_queues - 1);
		rc = -EINVAL;
		goto fail;
	}
	if (flags & WP_XDP_PREP_DPDK) {
		have = dpdk_queue_count(ifname);
		if (first_queue + nb_queues > (unsigned int)have) {
			XLOG(ERR, "%s has %d combined channel(s) (ethtool -l %s; a device "
			     "without channels counts as 1): net_af_xdp needs start_queue + "
			     "queue_count = %u <= %d (ethtool -L %s combined N)", ifname, have,
			     ifname, first_queue + nb_queues, have, ifname);
			rc = -EINVAL;
			goto fail;
		}
	}
	rc = take_lock(x);
	if (rc == 0)
		rc = clear_stale(x);
	if (rc != 0)
		goto fail;
	x->ncpus = libbpf_num_possible_cpus();
	if (x->ncpus <= 0) {
		rc = x->ncpus < 0 ? x->ncpus : -EINVAL;
		XLOG(ERR, "cannot count possible CPUs: %s", strerror(-rc));
		goto fail;
	}
	return x;

fail:
	wp_xdp_close(x);
	errno = -rc;
	return NULL;
}

/* The skeleton's map definitions (opened, never loaded): what this build
 * expects to find. */
static int
expected_maps(struct bpf_map_info exp[M__COUNT])
{
	struct wp_steer *s = wp_steer__open();
	const struct bpf_map *maps[M__COUNT];

	if (s == NULL)
		return -errno;
	maps[M_XSKS] = s->maps.xsks_map;
	maps[M_CFG] = s->maps.cfg_map;
	maps[M_ACTIVE] = s->maps.cfg_active;
	maps[M_OWNER] = s->maps.owner_map;
	maps[M_STATS] = s->maps.stats_map;
	for (int m = 0; m < M__COUNT; m++) {
		memset(&exp[m], 0, sizeof(exp[m]));
		exp[m].type = bpf_map__type(maps[m]);
		exp[m].key_size = bpf_map__key_size(maps[m]);
		exp[m].value_size = bpf_map__value_size(maps[m]);
		exp[m].max_entries = bpf_map__max_entries(maps[m]);
	}
	wp_steer__destroy(s);
	return 0;
}

/* Take program `id` as ours: check it, open its maps, pin them. */
static int
adopt(struct wp_xdp *x, uint32_t id)
{
	struct bpf_map_info exp[M__COUNT];
	struct bpf_prog_info info;
	uint32_t ids[16], n = 16;
	char path[PATH_MAX];
	int rc;

	rc = expected_maps(exp);
	if (rc != 0) {
		XLOG(ERR, "cannot open the embedded program: %s", strerror(-rc));
		return rc;
	}
	x->prog_fd = bpf_prog_get_fd_by_id(id);
	if (x->prog_fd < 0) {
		rc = x->prog_fd;
		XLOG(ERR, "%s: cannot open program %u: %s", x->ifname, id, strerror(-rc));
		return rc;
	}
	x->prog_id = id;
	rc = prog_info(x->prog_fd, &info, ids, &n);
	if (rc != 0) {
		XLOG(ERR, "%s: cannot inspect program %u: %s", x->ifname, id, strerror(-rc));
		return rc;
	}
	if (info.type != BPF_PROG_TYPE_XDP || strcmp(info.name, WP_XDP_PROG_NAME) != 0) {
		XLOG(ERR, "%s: attached program %u is \"%s\", not %s: was net_af_xdp given "
		     "xdp_prog=%s?", x->ifname, id, info.name, WP_XDP_PROG_NAME,
		     wp_xdp_object_path());
		return -EPROTO;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_map_info mi;
		uint32_t len = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(fd, &mi, &len) != 0) {
			close(fd);
			continue;
		}
		for (int m = 0; m < M__COUNT; m++) {
			if (strcmp(mi.name, map_names[m]) != 0 || x->map_fd[m] >= 0)
				continue;
			if (mi.type != exp[m].type || mi.key_size != exp[m].key_size ||
			    mi.value_size != exp[m].value_size ||
			    mi.max_entries != exp[m].max_entries) {
				XLOG(ERR, "%s: map %s of program %u is type %u key %u value %u x %u, "
				     "this build expects %u/%u/%u x %u: the object is from another "
				     "build", x->ifname, mi.name, id, mi.type, mi.key_size,
				     mi.value_size, mi.max_entries, exp[m].type, exp[m].key_size,
				     exp[m].value_size, exp[m].max_entries);
				close(fd);
				return -EPROTO;
			}
			x->map_fd[m] = fd;
			fd = -1;
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	for (int m = 0; m < M__COUNT; m++) {
		if (x->map_fd[m] < 0) {
			XLOG(ERR, "%s: program %u has no map %s: the object is from another "
			     "build", x->ifname, id, map_names[m]);
			return -EPROTO;
		}
	}

	if (mkdir(WP_XDP_PIN_ROOT, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		XLOG(ERR, "cannot create %s: %s", WP_XDP_PIN_ROOT, strerror(-rc));
		return rc;
	}
	if (mkdir(x->pin_dir, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		XLOG(ERR, "cannot create %s: %s", x->pin_dir, strerror(-rc));
		return rc;
	}
	for (int m = 0; m < M__COUNT; m++) {
		pin_path(x, m, path, sizeof(path));
		rc = bpf_obj_pin(x->map_fd[m], path);
		if (rc != 0) {
			XLOG(ERR, "cannot pin %s: %s", path, strerror(-rc));
			return rc;
		}
		x->pinned[m] = 1;
	}
	XLOG(INFO, "%s: %s program %u adopted, maps pinned under %s", x->ifname,
	     WP_XDP_PROG_NAME, id, x->pin_dir);
	return 0;
}

static void
drop_program(struct wp_xdp *x)
{
	unpin(x, 0);
	for (int m = 0; m < M__COUNT; m++) {
		if (x->map_fd[m] >= 0)
			close(x->map_fd[m]);
		x->map_fd[m] = -1;
	}
	if (x->prog_fd >= 0)
		close(x->prog_fd);
	x->prog_fd = -1;
	x->prog_id = 0;
}

int
wp_xdp_attach_existing(struct wp_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int rc;

	if (x == NULL)
		return -EINVAL;
	if (x->prog_fd >= 0)
		return -EALREADY;
	rc = bpf_xdp_query(x->ifindex, 0, &q);
	if (rc != 0) {
		XLOG(ERR, "query XDP on %s: %s", x->ifname, strerror(-rc));
		return rc;
	}
	if (q.prog_id == 0) {
		XLOG(ERR, "no XDP program on %s: start net_af_xdp with xdp_prog=%s and set "
		     "up its RX queues first", x->ifname, wp_xdp_object_path());
		return -ENOENT;
	}
	rc = adopt(x, q.prog_id);
	if (rc != 0)
		drop_program(x);
	return rc;
}

int
wp_xdp_load(struct wp_xdp *x, enum wp_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t flags = XDP_FLAGS_UPDATE_IF_NOEXIST;
	int rc;

	if (x == NULL || mode > WP_XDP_MODE_SKB)
		return -EINVAL;
	if (x->prog_fd >= 0 || x->skel != NULL)
		return -EALREADY;
	if (mode == WP_XDP_MODE_NATIVE)
		flags |= XDP_FLAGS_DRV_MODE;
	else if (mode == WP_XDP_MODE_SKB)
		flags |= XDP_FLAGS_SKB_MODE;

	x->skel = wp_steer__open_and_load();
	if (x->skel == NULL) {
		rc = -errno;
		XLOG(ERR, "cannot load the embedded %s: %s", WP_XDP_PROG_NAME, strerror(-rc));
		return rc;
	}
	rc = bpf_xdp_attach(x->ifindex, bpf_program__fd(x->skel->progs.wp_steer), flags, NULL);
	if (rc != 0) {
		XLOG(ERR, "cannot attach %s to %s: %s%s", WP_XDP_PROG_NAME, x->ifname,
		     strerror(-rc), rc == -EBUSY || rc == -EEXIST ?
		     " (another program is attached)" : "");
		wp_steer__destroy(x->skel);
		x->skel = NULL;
		return rc == -EEXIST ? -EBUSY : rc;
	}
	rc = bpf_xdp_query(x->ifindex, 0, &q);
	if (rc == 0)
		rc = q.prog_id != 0 ? adopt(x, q.prog_id) : -ENOENT;
	if (rc != 0) {
		XLOG(ERR, "%s: cannot adopt the program just attached: %s", x->ifname,
		     strerror(-rc));
		if (x->prog_fd >= 0)
			detach_if_attached(x->ifindex, x->ifname, x->prog_fd, x->prog_id);
		drop_program(x);
		wp_steer__destroy(x->skel);
		x->skel = NULL;
	}
	return rc;
}

int
wp_xdp_configure(struct wp_xdp *x, const struct wp_xdp_rules *rules,
		 const uint8_t key[WP_XDP_KEY_LEN], const uint16_t *owner,
		 unsigned int reta_size)
{
	uint32_t owners[WP_XDP_RETA_MAX];
	struct wp_xdp_active act;
	struct wp_xdp_cfg *cfg;
	const char *why = NULL;
	uint32_t zero = 0, next;
	int rc;

	if (x == NULL)
		return -EINVAL;
	if (x->prog_fd < 0)
		return -ENOTCONN;
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	rc = wp_xdp_cfg_build(rules, key, owner, reta_size, cfg, owners, &why);
	if (rc != 0) {
		XLOG(ERR, "%s: configuration refused: %s", x->ifname, why);
		goto out;
	}
	rc = bpf_map_lookup_elem(x->map_fd[M_ACTIVE], &zero, &act);
	if (rc != 0) {
		XLOG(ERR, "%s: read %s: %s", x->ifname, WP_XDP_MAP_ACTIVE, strerror(-rc));
		goto out;
	}
	next = (act.slot & 1) ^ 1;
	for (uint32_t i = 0; i < WP_XDP_RETA_MAX; i++) {
		uint32_t k = next * WP_XDP_RETA_MAX + i;

		rc = bpf_map_update_elem(x->map_fd[M_OWNER], &k, &owners[i], BPF_ANY);
		if (rc != 0) {
			XLOG(ERR, "%s: write %s[%u]: %s", x->ifname, WP_XDP_MAP_OWNER, k,
			     strerror(-rc));
			goto out;
		}
	}
	rc = bpf_map_update_elem(x->map_fd[M_CFG], &next, cfg, BPF_ANY);
	if (rc != 0) {
		XLOG(ERR, "%s: write %s[%u]: %s", x->ifname, WP_XDP_MAP_CFG, next, strerror(-rc));
		goto out;
	}
	act.slot = next;
	act.generation++;
	rc = bpf_map_update_elem(x->map_fd[M_ACTIVE], &zero, &act, BPF_ANY);
	if (rc != 0)
		XLOG(ERR, "%s: write %s: %s", x->ifname, WP_XDP_MAP_ACTIVE, strerror(-rc));
out:
	free(cfg);
	return rc;
}

int
wp_xdp_counters(const struct wp_xdp *x, unsigned int queue, struct wp_xdp_counters *out)
{
	struct wp_xdp_qstats *per;
	uint32_t key = queue;
	int rc;

	if (x == NULL || out == NULL || queue >= WP_XDP_MAX_QUEUES)
		return -EINVAL;
	if (x->prog_fd < 0)
		return -ENOTCONN;
	/* per-CPU values come as an array of 8-byte-aligned elements */
	per = calloc((size_t)x->ncpus, sizeof(*per));
	if (per == NULL)
		return -ENOMEM;
	rc = bpf_map_lookup_elem(x->map_fd[M_STATS], &key, per);
	if (rc != 0) {
		XLOG(ERR, "%s: read %s[%u]: %s", x->ifname, WP_XDP_MAP_STATS, queue,
		     strerror(-rc));
	} else {
		memset(out, 0, sizeof(*out));
		for (int c = 0; c < x->ncpus; c++)
			for (int i = 0; i < WP_XDP_CTR__COUNT; i++)
				out->v[i] += per[c].c[i];
	}
	free(per);
	return rc;
}

int
wp_xdp_prog_fd(const struct wp_xdp *x)
{
	if (x == NULL)
		return -EINVAL;
	return x->prog_fd >= 0 ? x->prog_fd : -ENOTCONN;
}

const char *
wp_xdp_pin_dir(const struct wp_xdp *x)
{
	return x != NULL ? x->pin_dir : NULL;
}

void
wp_xdp_close(struct wp_xdp *x)
{
	if (x == NULL)
		return;
	if (x->prog_fd >= 0)
		detach_if_attached(x->ifindex, x->ifname, x->prog_fd, x->prog_id);
	drop_program(x);
	if (x->skel != NULL)
		wp_steer__destroy(x->skel);
	release_lock(x);
	free(x);
}
