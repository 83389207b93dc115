/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core hashed timer wheel (contract: timer.h).
 *
 * What it is: nslots circular doubly-linked lists with sentinel heads; a
 * timer expiring at tick x sits in slot x & mask, whatever its round.
 * Owned by the lcore that owns the stack instance: no locks, no atomics.
 * The wheel owns only its slot array; timers are embedded in their owners
 * and linked in place.
 *
 * Time: tick x is the instant base_ns + x * tick_ns. A timer for
 * `expires` gets tick ceil((expires - base_ns) / tick_ns), so it fires at
 * a run whose `now` has reached that tick: never early. Tick 0 is the
 * init time; expiries before it use tick 0.
 *
 * Running: `cur` is the next tick to process; every tick < cur has been
 * processed, which means no armed timer in a slot has a tick < cur.
 * run(now) processes ticks cur .. T, T = floor((now - base_ns) / tick_ns):
 * for each, it moves the due timers of that slot (tick <= T) into a local
 * list, sets cur past the tick, then fires them one by one. If T - cur
 * is a full revolution or more, the wheel does not step tick by tick: it
 * sets cur = T + 1, scans every slot once, collects everything due and
 * sorts it by tick (stable), so a run visits at most nslots slots.
 *
 * Overdue timers: a timer armed for a tick < cur (in the past, at any
 * time including inside a fire callback) goes on an extra list,
 * slots[nslots] (the array has nslots + 1 heads), not into a slot. The
 * next run fires that list first, before any slot, whatever its `now`:
 * its ticks are all < cur, which a previous run has already reached.
 * A callback that re-arms in the past therefore fires on the next run,
 * not in a loop inside this one.
 *
 * Callbacks: the due timers sit on a local list while they wait to fire
 * and stay armed (prev != NULL) there, so a callback may cancel or re-arm
 * any of them (unlinking works on any list), or the one that fired (it
 * is disarmed before its callback). Order: overdue timers in arm order,
 * then by tick; timers of the same tick in arm (or re-arm) order.
 *
 * Invariants: armed == number of timers on any list of this wheel
 * (slots, overdue list, a run's local list); a slot timer's tick >= cur.
 */
#include <errno.h>
#include <stddef.h>

#include <rte_common.h>

#include "timer.h"
#include "wp_mem.h"

#define WHEEL_MAX_SLOTS (1u << 24)

static inline void
list_init(struct wp_timer *h)
{
	h->next = h->prev = h;
}

static inline bool
list_empty(const struct wp_timer *h)
{
	return h->next == h;
}

static inline void
list_add_tail(struct wp_timer *h, struct wp_timer *t)
{
	t->prev = h->prev;
	t->next = h;
	h->prev->next = t;
	h->prev = t;
}

static inline void
list_unlink(struct wp_timer *t)
{
	t->prev->next = t->next;
	t->next->prev = t->prev;
}

static inline struct wp_timer *
overdue_list(struct wp_timer_wheel *w)
{
	return &w->slots[w->mask + 1];
}

int
wp_timer_wheel_init(struct wp_timer_wheel *w, int64_t now, int64_t tick_ns,
		    uint32_t nslots, int socket)
{
	uint32_t n;

	w->slots = NULL;
	w->armed = 0;
	if (tick_ns <= 0 || nslots == 0 || nslots > WHEEL_MAX_SLOTS)
		return -EINVAL;
	n = rte_align32pow2(nslots);
	w->slots = wp_zmalloc_socket("wp_timer_wheel", (size_t)(n + 1) * sizeof(*w->slots),
				     RTE_CACHE_LINE_SIZE, socket);
	if (w->slots == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i <= n; i++)
		list_init(&w->slots[i]);
	w->mask = n - 1;
	w->tick_ns = tick_ns;
	w->base_ns = now;
	w->cur = 0;
	w->armed = 0;
	return 0;
}

/* Timers still armed are left disarmed (not fired): their owners may look
 * at wp_timer_armed() while they tear down. */
void
wp_timer_wheel_fini(struct wp_timer_wheel *w)
{
	if (w->slots == NULL)
		return;
	for (uint32_t i = 0; i <= w->mask + 1; i++) {
		struct wp_timer *h = &w->slots[i];

		while (!list_empty(h)) {
			struct wp_timer *t = h->next;

			list_unlink(t);
			t->next = t->prev = NULL;
		}
	}
	wp_mfree(w->slots);
	w->slots = NULL;
	w->armed = 0;
}

/* ceil((expires - base) / tick), 0 for anything before base. */
static inline uint64_t
expiry_tick(const struct wp_timer_wheel *w, int64_t expires)
{
	int64_t d;

	if (__builtin_sub_overflow(expires, w->base_ns, &d))
		d = expires > w->base_ns ? INT64_MAX : 0;
	if (d <= 0)
		return 0;
	return (uint64_t)(d / w->tick_ns) + (d % w->tick_ns != 0);
}

void
wp_timer_arm(struct wp_timer_wheel *w, struct wp_timer *t, int64_t expires)
{
	uint64_t tick = expiry_tick(w, expires);

	if (wp_timer_armed(t))
		list_unlink(t);
	else
		w->armed++;
	t->tick = tick;
	if (tick < w->cur)
		list_add_tail(overdue_list(w), t);
	else
		list_add_tail(&w->slots[tick & w->mask], t);
}

void
wp_timer_cancel(struct wp_timer_wheel *w, struct wp_timer *t)
{
	if (!wp_timer_armed(t))
		return;
	list_unlink(t);
	t->next = t->prev = NULL;
	w->armed--;
}

/* Move the timers of list `h` with tick <= limit to the tail of `due`. */
static void
collect(struct wp_timer *h, uint64_t limit, struct wp_timer *due)
{
	struct wp_timer *t = h->next;

	while (t != h) {
		struct wp_timer *next = t->next;

		if (t->tick <= limit) {
			list_unlink(t);
			list_add_tail(due, t);
		}
		t = next;
	}
}

/* Move the whole list `h` to the tail of `due`. */
static void
splice(struct wp_timer *h, struct wp_timer *due)
{
	if (list_empty(h))
		return;
	h->next->prev = due->prev;
	due->prev->next = h->next;
	h->prev->next = due;
	due->prev = h->prev;
	list_init(h);
}

/* Stable merge sort by tick of a NULL-terminated singly linked chain. */
static struct wp_timer *
sort_chain(struct wp_timer *a, size_t n)
{
	struct wp_timer *b, *head = NULL, **tail = &head;
	size_t half = n / 2;

	if (n < 2)
		return a;
	b = a;
	for (size_t i = 1; i < half; i++)
		b = b->next;
	struct wp_timer *rest = b->next;
	b->next = NULL;
	a = sort_chain(a, half);
	b = sort_chain(rest, n - half);
	while (a != NULL && b != NULL) {
		if (b->tick < a->tick) {
			*tail = b;
			b = b->next;
		} else {
			*tail = a;
			a = a->next;
		}
		tail = &(*tail)->next;
	}
	*tail = a != NULL ? a : b;
	return head;
}

static void
sort_list(struct wp_timer *due)
{
	struct wp_timer *chain, *prev = due;
	size_t n = 0;

	if (list_empty(due))
		return;
	for (struct wp_timer *t = due->next; t != due; t = t->next)
		n++;
	due->prev->next = NULL;
	chain = sort_chain(due->next, n);
	for (struct wp_timer *t = chain; t != NULL; t = t->next) {
		t->prev = prev;
		prev->next = t;
		prev = t;
	}
	prev->next = due;
	due->prev = prev;
}

/* Fire every timer on `due`; callbacks may change the list under us, so
 * always take the current head. */
static uint32_t
fire_list(struct wp_timer_wheel *w, struct wp_timer *due,
	  void (*fire)(struct wp_timer *t, void *arg), void *arg)
{
	uint32_t n = 0;

	while (!list_empty(due)) {
		struct wp_timer *t = due->next;

		list_unlink(t);
		t->next = t->prev = NULL;
		w->armed--;
		n++;
		fire(t, arg);
	}
	return n;
}

uint32_t
wp_timer_wheel_run(struct wp_timer_wheel *w, int64_t now,
		   void (*fire)(struct wp_timer *t, void *arg), void *arg)
{
	struct wp_timer due;
	uint32_t fired = 0;
	uint64_t last;
	int64_t d;

	list_init(&due);
	splice(overdue_list(w), &due);
	fired += fire_list(w, &due, fire, arg);

	if (__builtin_sub_overflow(now, w->base_ns, &d))
		d = now > w->base_ns ? INT64_MAX : -1;
	if (d < 0)
		return fired;
	last = (uint64_t)(d / w->tick_ns);
	if (last < w->cur)
		return fired;
	if (w->armed == 0) {
		w->cur = last + 1;
		return fired;
	}

	if (last - w->cur >= w->mask) {
		/* a revolution or more behind: every slot once, then sort */
		w->cur = last + 1;
		for (uint32_t i = 0; i <= w->mask; i++)
			collect(&w->slots[i], last, &due);
		sort_list(&due);
		return fired + fire_list(w, &due, fire, arg);
	}
	while (w->cur <= last) {
		uint64_t tick = w->cur;

		if (w->armed == 0) {            /* nothing left anywhere */
			w->cur = last + 1;
			break;
		}
		w->cur = tick + 1;
		collect(&w->slots[tick & w->mask], tick, &due);
		fired += fire_list(w, &due, fire, arg);
	}
	return fired;
}
