/* SPDX-License-Identifier: BSD-3-Clause */
/* The open-loop arrival schedule of the load generator (contract:
 * warmpool/loadgen.h, struct wp_lg_sched).
 *
 * Constant rate: the k-th arrival is at start + k x period, computed from k
 * each time, so a period that is no whole number of nanoseconds does not
 * drift. Poisson: exponential gaps -ln(U) x period with U from xorshift64*
 * (53 bits, never 0), so a seed gives the same times on every run and the
 * mean rate is the asked one. No allocation, no clock: the engine asks for
 * the next time and compares it with its own clock.
 */
#include <math.h>
#include <string.h>

#include <warmpool/loadgen.h>

static uint64_t
xorshift64s(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

void
wp_lg_sched_init(struct wp_lg_sched *s, enum wp_lg_mode mode, double rate,
		 int64_t start_ns, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->mode = (uint8_t)mode;
	s->period_ns = rate > 0 ? 1e9 / rate : 1e18;
	s->start_ns = start_ns;
	s->next_ns = (double)start_ns;
	s->rng = seed ^ 0x9e3779b97f4a7c15ull;
	if (s->rng == 0)
		s->rng = 1;
}

int64_t
wp_lg_sched_next(struct wp_lg_sched *s)
{
	double u, t;

	if (s->mode != WP_LG_POISSON)
		return s->start_ns + (int64_t)((double)s->k++ * s->period_ns);
	t = s->next_ns;
	/* U in (0, 1]: 53 random bits, never 0, so the log is finite */
	u = (double)((xorshift64s(&s->rng) >> 11) + 1) * (1.0 / 9007199254740992.0);
	s->next_ns += -log(u) * s->period_ns;
	s->k++;
	return (int64_t)t;
}
