/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow steering (DESIGN.md section 4): the ownership rule (struct wp_rss),
 * RSS-aware local ports, and the handoff rings between workers.
 * Types, the rule itself and ownership: steer-t.h.
 *
 * Start-up, on the main lcore, per port:
 *
 *   rss = wp_rss_create(&conf);                 // key, RETA, thash context
 *   wp_rss_program_port(rss, port, &info);      // after the port started
 *   h = wp_handoff_create(nworkers, slots, socket);
 *   sw[w] = wp_steer_worker_create(h, w, socket);
 *   wp_steer_worker_add_port(sw[w], port, rss);
 *
 * Worker w, every iteration (its own sw[w] only):
 *
 *   n = rx burst;  n = wp_steer_rx(sw, pkts, n);  -> its stack(s), by m->port
 *   m = wp_steer_drain(sw, pkts, max);            -> its stack(s), by m->port
 *
 * Active opens ask wp_rss_lport() for a local port whose reply tuple the
 * rule gives to the opening worker (plug it into wp_net_conf.lport_fn).
 */
#ifndef WARMPOOL_STEER_H
#define WARMPOOL_STEER_H

#include <stdint.h>

#include <warmpool/steer-t.h>

struct rte_mbuf;

/* ------------------------------------------------------------ the rule */

/* NULL with rte_errno set: EINVAL (bad conf), ENOMEM, or what rte_thash
 * said. With nworkers == 1 no thash context is built and every frame is
 * local. Main lcore, after EAL init. */
struct wp_rss *wp_rss_create(const struct wp_rss_conf *conf);
/* Accepts NULL. */
void wp_rss_free(struct wp_rss *rss);

const uint8_t *wp_rss_key(const struct wp_rss *rss);     /* WP_RSS_KEY_LEN bytes */
uint16_t wp_rss_reta_size(const struct wp_rss *rss);
const uint16_t *wp_rss_reta(const struct wp_rss *rss);   /* RETA index -> worker */
uint16_t wp_rss_workers(const struct wp_rss *rss);

/* Toeplitz hash of a received IPv4/TCP tuple (host byte order arguments;
 * src = the peer, dst = us). Table driven: 12 lookups. */
uint32_t wp_rss_hash(const struct wp_rss *rss, uint32_t sip, uint32_t dip,
		     uint16_t sport, uint16_t dport);
/* The owner of that tuple: reta[hash & (reta_size - 1)]. */
unsigned wp_rss_owner(const struct wp_rss *rss, uint32_t sip, uint32_t dip,
		      uint16_t sport, uint16_t dport);

/* Write the key and RETA into the port's RSS (the port must be configured
 * with RTE_ETH_MQ_RX_RSS, and started) and read them back. A port that
 * cannot (no RSS, another RETA size, refused, read back different) is left
 * as it is and reported as WP_RSS_SOFTWARE with the reason in info->why:
 * frames then cross to their owners over the handoff rings. Returns 0, or
 * -EINVAL for a bad port id. Main lcore. */
int wp_rss_program_port(struct wp_rss *rss, uint16_t port_id,
			struct wp_rss_port_info *info);

/* A local port for an active open by `worker` to rip:rport from lip, such
 * that the reply (rip -> lip, rport -> port) is owned by `worker`. Starts
 * from `hint` and uses rte_thash to fix the port's low bits; `free_fn`
 * (may be NULL) says whether a candidate is usable (e.g. not in the flow
 * table). Returns a port in [lo, hi], or 0 if none was found. Any lcore:
 * the context is read-only. */
typedef int (*wp_rss_port_free_fn)(void *arg, uint16_t port);
uint16_t wp_rss_lport(const struct wp_rss *rss, unsigned worker, uint32_t rip,
		      uint16_t rport, uint32_t lip, uint16_t hint, uint16_t lo,
		      uint16_t hi, wp_rss_port_free_fn free_fn, void *arg);

/* wp_rss_lport() in the shape of wp_net_conf.lport_fn (net-t.h); `arg` is
 * a struct wp_steer_lport. */
uint16_t wp_steer_lport_fn(void *arg, uint32_t rip, uint16_t rport, uint32_t lip,
			   uint16_t hint, uint16_t lo, uint16_t hi,
			   int (*is_free)(void *free_arg, uint16_t port), void *free_arg);

/* ------------------------------------------------ classifying a frame */

/* Who handles this Ethernet frame under the rule: a worker id (>= 0),
 * WP_STEER_LOCAL or WP_STEER_ALL (steer-t.h). Reads only the bytes given;
 * anything short, malformed or not understood is LOCAL (the landing
 * worker's stack drops it and counts why). ICMP errors follow the TCP flow
 * they quote. */
int wp_steer_owner(const struct wp_rss *rss, const uint8_t *frame, uint32_t len);

/* ------------------------------------------------------ handoff rings */

/* One single-producer/single-consumer ring of mbuf pointers per ordered
 * pair of workers, `slots` each (power of two; 0 = 1024). NULL with
 * rte_errno set. Main lcore, before the workers start. */
struct wp_handoff *wp_handoff_create(unsigned nworkers, unsigned slots, int socket);
/* Frees the frames still in the rings (counted in *left if not NULL), then
 * the rings. After the workers stopped. Accepts NULL. */
void wp_handoff_free(struct wp_handoff *h, unsigned *left);

/* ---------------------------------------------------- a worker's side */

/* NULL with rte_errno set (EINVAL, ENOMEM). */
struct wp_steer_worker *wp_steer_worker_create(struct wp_handoff *h, unsigned worker,
					       int socket);
/* Frames received on `port_id` (mbuf->port) are classified by `rss`;
 * frames from a port never added stay local. 0 or -EINVAL. */
int wp_steer_worker_add_port(struct wp_steer_worker *sw, uint16_t port_id,
			     const struct wp_rss *rss);
void wp_steer_worker_free(struct wp_steer_worker *sw);

/* Split a received burst: frames this worker handles stay in pkts
 * (compacted, order kept) and their number is returned; the others go to
 * their owner's ring (a full ring frees and counts them), ARP replies are
 * kept and copied to every other worker. Worker lcore only. */
uint16_t wp_steer_rx(struct wp_steer_worker *sw, struct rte_mbuf **pkts, uint16_t n);

/* Take up to `max` frames other workers handed to this one. Worker lcore
 * only. */
uint16_t wp_steer_drain(struct wp_steer_worker *sw, struct rte_mbuf **pkts, uint16_t max);

/* Counters (either pointer may be NULL). Worker lcore, or after it stopped. */
void wp_steer_worker_stats(const struct wp_steer_worker *sw, struct wp_steer_stats *st,
			   struct wp_handoff_stats *hs);

#endif /* WARMPOOL_STEER_H */
