/* A deterministic fake transport and application for pool tests.
 *
 * It records every call the pool makes (connects, closes with reasons,
 * grants, failures, leaks) and keeps its own view of which sessions are
 * alive, so tests can check the pool against an independent account.
 * Connects complete only when the test says so (fake_complete), like a real
 * transport whose SYN-ACK arrives later.
 */
#ifndef WP_FAKE_TRANSPORT_H
#define WP_FAKE_TRANSPORT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <warmpool/pool.h>

#define FAKE_MAX 4096
#define FAKE_LOG 65536

enum fake_conn { FC_NONE = 0, FC_CONNECTING, FC_UP };

struct fake_grant {
	uint64_t tag;
	struct wp_lease lease;
};

struct fake {
	struct wp_pool *pool;
	uint8_t conn[FAKE_MAX];        /* transport's own view of each sid */
	bool not_reusable[FAKE_MAX];   /* next release of sid is not reusable */
	bool probe_dead[FAKE_MAX];
	int refuse_connects;           /* next N connect calls fail at once */
	unsigned nconnect_calls;
	unsigned closes_by_reason[WP_CLOSE__COUNT];
	uint32_t close_sid[FAKE_LOG];
	unsigned nclose;
	struct fake_grant grants[FAKE_LOG];
	unsigned ngrant;
	uint64_t failed_tag[FAKE_LOG];
	int failed_err[FAKE_LOG];
	unsigned nfailed;
	unsigned nleak;
	uint64_t leak_holder;
	bool release_on_leak;
};

static inline int
fake_connect(void *ctx, uint16_t backend, uint32_t sid)
{
	struct fake *f = ctx;
	(void)backend;
	f->nconnect_calls++;
	if (f->refuse_connects > 0) {
		f->refuse_connects--;
		return -ECONNREFUSED;
	}
	if (sid >= FAKE_MAX || f->conn[sid] != FC_NONE)
		return -EEXIST; /* would be a pool bug: caught by the test */
	f->conn[sid] = FC_CONNECTING;
	return 0;
}

static inline void
fake_close(void *ctx, uint32_t sid, enum wp_close_reason why)
{
	struct fake *f = ctx;
	f->conn[sid] = FC_NONE;
	f->closes_by_reason[why]++;
	if (f->nclose < FAKE_LOG)
		f->close_sid[f->nclose] = sid;
	f->nclose++;
}

static inline int
fake_probe(void *ctx, uint32_t sid)
{
	struct fake *f = ctx;
	return f->probe_dead[sid] ? -ENOTCONN : 0;
}

static inline bool
fake_is_reusable(void *ctx, uint32_t sid)
{
	struct fake *f = ctx;
	bool bad = f->not_reusable[sid];
	f->not_reusable[sid] = false;
	return !bad;
}

static inline void
fake_granted(void *ctx, uint64_t tag, struct wp_lease l)
{
	struct fake *f = ctx;
	if (f->ngrant < FAKE_LOG)
		f->grants[f->ngrant] = (struct fake_grant){ tag, l };
	f->ngrant++;
}

static inline void
fake_failed(void *ctx, uint64_t tag, int err)
{
	struct fake *f = ctx;
	if (f->nfailed < FAKE_LOG) {
		f->failed_tag[f->nfailed] = tag;
		f->failed_err[f->nfailed] = err;
	}
	f->nfailed++;
}

static inline void
fake_leak(void *ctx, struct wp_lease l, uint64_t holder, int64_t held)
{
	struct fake *f = ctx;
	(void)held;
	f->nleak++;
	f->leak_holder = holder;
	if (f->release_on_leak)
		wp_pool_release(f->pool, l, 0);
}

static const struct wp_pool_ops fake_ops = {
	.connect = fake_connect,
	.close = fake_close,
	.probe = fake_probe,
	.is_reusable = fake_is_reusable,
	.granted = fake_granted,
	.failed = fake_failed,
	.leak = fake_leak,
};

/* Complete every connect in flight (in sid order); returns how many. */
static inline unsigned
fake_complete(struct fake *f, int64_t now)
{
	unsigned n = 0;
	for (uint32_t sid = 0; sid < FAKE_MAX; sid++) {
		if (f->conn[sid] == FC_CONNECTING) {
			f->conn[sid] = FC_UP;
			if (wp_pool_connected(f->pool, sid, now) == 0)
				n++;
		}
	}
	return n;
}

/* The transport drops a session by itself (peer FIN/RST, refused). */
static inline int
fake_lose(struct fake *f, uint32_t sid, enum wp_close_reason why, int64_t now)
{
	f->conn[sid] = FC_NONE;
	return wp_pool_lost(f->pool, sid, why, now);
}

static inline unsigned
fake_count(const struct fake *f, enum fake_conn c)
{
	unsigned n = 0;
	for (uint32_t sid = 0; sid < FAKE_MAX; sid++)
		n += f->conn[sid] == c;
	return n;
}

#endif
