/* SPDX-License-Identifier: BSD-3-Clause */
/* Placeholder so the library links while TCP is being written (issue 3):
 * every TCP entry point refuses or drops. Replaced by the real module. */
#include <errno.h>
#include "net_impl.h"

int wp_tcp_create(struct wp_net *net) { (void)net; return 0; }
void wp_tcp_free(struct wp_net *net) { (void)net; }
void wp_tcp_input(struct wp_net *net, struct rte_mbuf *m, uint32_t src, uint32_t dst)
{ (void)src; (void)dst; wp_net_drop(net, m, WP_DROP_TCP_NO_FLOW); }
void wp_tcp_icmp_error(struct wp_net *net, uint8_t type, uint8_t code, uint16_t mtu,
		       const uint8_t *inner, uint32_t len)
{ (void)net; (void)type; (void)code; (void)mtu; (void)inner; (void)len; }
void wp_tcp_timers(struct wp_net *net, int64_t now) { (void)net; (void)now; }
uint32_t wp_tcp_mbufs_held(const struct wp_net *net) { (void)net; return 0; }
void wp_tcp_unreachable(struct wp_net *net, uint32_t ip) { (void)net; (void)ip; }
