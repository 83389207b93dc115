/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core memory: rte_zmalloc_socket in production (hugepages, NUMA
 * placement), the C allocator when built with AddressSanitizer.
 *
 * Debian's DPDK is not built with ASan, so ASan cannot see inside rte_malloc
 * heaps: an overflow within a pool would go unnoticed. The sanitize build
 * (build-san/) therefore allocates with aligned_alloc, where every byte is
 * checked. Nothing else differs between the two builds.
 */
#ifndef WP_MEM_H
#define WP_MEM_H

#include <stdlib.h>
#include <string.h>
#include <rte_common.h>
#include <rte_malloc.h>

#if defined(__SANITIZE_ADDRESS__)
#define WP_MEM_SYSTEM 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WP_MEM_SYSTEM 1
#endif
#endif

static inline void *
wp_zmalloc_socket(const char *type, size_t size, unsigned align, int socket)
{
#ifdef WP_MEM_SYSTEM
	(void)type;
	(void)socket;
	if (align < sizeof(void *))
		align = sizeof(void *);
	size = RTE_ALIGN_CEIL(size, align);
	void *p = aligned_alloc(align, size);
	if (p)
		memset(p, 0, size);
	return p;
#else
	return rte_zmalloc_socket(type, size, align, socket);
#endif
}

static inline void
wp_mfree(void *p)
{
#ifdef WP_MEM_SYSTEM
	free(p);
#else
	rte_free(p);
#endif
}

#endif
