/* libFuzzer target: the TCP option parser and writer (src/net/tcp_opt.c).
 * Any bytes must parse to 0 or -EINVAL. Whatever parses must keep the
 * parser's invariants, write back (room 40) to a 4-aligned block that
 * re-parses to the same options (SACK blocks cut to what fits), and a
 * write with a smaller room (taken from the first byte) must stay inside
 * it and re-parse to a subset. Any broken invariant traps. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/tcp_opt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void
check_opts(const struct wp_tcp_opts *o)
{
	CHECK(o->nsack <= WP_TCP_MAX_SACK);
	CHECK(((o->present & WP_TCPOPT_SACK) != 0) == (o->nsack != 0));
	CHECK((o->present & ~0x1f) == 0);
}

/* Everything in `out` is in `in` with the same values. */
static void
check_subset(const struct wp_tcp_opts *in, const struct wp_tcp_opts *out)
{
	CHECK((out->present & ~in->present) == 0);
	if (out->present & WP_TCPOPT_MSS)
		CHECK(out->mss == in->mss);
	if (out->present & WP_TCPOPT_WSCALE)
		CHECK(out->wscale == in->wscale);
	if (out->present & WP_TCPOPT_TS)
		CHECK(out->tsval == in->tsval && out->tsecr == in->tsecr);
	CHECK(out->nsack <= in->nsack);
	for (unsigned b = 0; b < out->nsack; b++)
		CHECK(out->sack[b].left == in->sack[b].left &&
		      out->sack[b].right == in->sack[b].right);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wp_tcp_opts o, o2;
	uint8_t buf[64];
	uint32_t n, room;

	int rc = wp_tcp_opts_parse(data, (uint32_t)size, &o);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc != 0)
		return 0;
	check_opts(&o);

	/* full room: everything comes back, SACK blocks as many as fit */
	memset(buf, 0xa5, sizeof(buf));
	n = wp_tcp_opts_write(buf, 40, &o);
	CHECK(n <= 40 && n % 4 == 0);
	for (size_t i = n; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5);
	CHECK(wp_tcp_opts_parse(buf, n, &o2) == 0);
	check_opts(&o2);
	check_subset(&o, &o2);
	CHECK((o2.present | WP_TCPOPT_SACK) == (o.present | WP_TCPOPT_SACK));
	if (o.nsack > 0)
		CHECK(o2.nsack >= 2 || o2.nsack == o.nsack);

	/* writing the re-parsed options gives the same bytes */
	uint8_t buf2[40];
	CHECK(wp_tcp_opts_write(buf2, 40, &o2) == n);
	CHECK(memcmp(buf, buf2, n) == 0);

	/* a smaller room is respected */
	room = size > 0 ? data[0] % 41u : 0;
	memset(buf, 0xa5, sizeof(buf));
	n = wp_tcp_opts_write(buf, room, &o);
	CHECK(n <= room && n % 4 == 0);
	for (size_t i = n; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5);
	CHECK(wp_tcp_opts_parse(buf, n, &o2) == 0);
	check_opts(&o2);
	check_subset(&o, &o2);
	return 0;
}
