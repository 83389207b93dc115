/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core hashed timer wheel (DESIGN.md section 3).
 *
 * Timers are intrusive (embed struct wp_timer in the owner, find the owner
 * with container_of). Arm, re-arm and cancel are O(1); running the wheel
 * visits the slots whose ticks have passed and fires, in expiry-tick order
 * per slot, the timers that are due; timers further than one revolution
 * away stay in their slot until their round comes. Expiry is rounded up
 * to the next tick, so a timer never fires early.
 *
 * Owned by one lcore. A fire callback may arm or cancel any timer,
 * including the one that fired.
 */
#ifndef WP_NET_TIMER_H
#define WP_NET_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct wp_timer {
	struct wp_timer *next, *prev;   /* slot list; NULL prev = not armed */
	uint64_t tick;                  /* absolute expiry tick */
};

struct wp_timer_wheel {
	struct wp_timer *slots;         /* list heads (sentinels), nslots */
	uint32_t mask;                  /* nslots - 1 */
	int64_t tick_ns;
	int64_t base_ns;                /* time of tick 0 */
	uint64_t cur;                   /* next tick to run */
	uint32_t armed;                 /* gauge */
};

/* nslots is rounded up to a power of two. -EINVAL, -ENOMEM. */
int wp_timer_wheel_init(struct wp_timer_wheel *w, int64_t now, int64_t tick_ns,
			uint32_t nslots, int socket);
void wp_timer_wheel_fini(struct wp_timer_wheel *w);

static inline void wp_timer_init(struct wp_timer *t) { t->next = t->prev = 0; t->tick = 0; }
static inline bool wp_timer_armed(const struct wp_timer *t) { return t->prev != 0; }

/* Arm (or re-arm) `t` to fire at `expires` (ns, same base as `now`). */
void wp_timer_arm(struct wp_timer_wheel *w, struct wp_timer *t, int64_t expires);
void wp_timer_cancel(struct wp_timer_wheel *w, struct wp_timer *t);

/* Fire everything due at `now`: `fire` is called with the timer already
 * disarmed. Returns the number fired. */
uint32_t wp_timer_wheel_run(struct wp_timer_wheel *w, int64_t now,
			    void (*fire)(struct wp_timer *t, void *arg), void *arg);

#endif /* WP_NET_TIMER_H */
