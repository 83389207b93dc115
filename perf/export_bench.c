/* SPDX-License-Identifier: BSD-3-Clause */
/* export_bench: what publishing telemetry costs the control core, and
 * whether readers can slow it down (DESIGN.md section 6: the writer never
 * waits for a reader).
 *
 *   warmpool    wp_export_publish() into the seqlock ring file
 *               (src/control/export.c); readers spin on wp_export_next()
 *   mutex ring  the same 128-byte records in a ring of the same capacity
 *               behind one pthread mutex; the writer locks to store a
 *               record, readers lock to copy one (the obvious design)
 *
 * Each is run with 0, 1 and 4 reader threads that spin reading as fast as
 * they can (the slowest kind of reader there is: one that never sleeps).
 * The writer publishes --records records; the figures are records per
 * second and ns per record, wall clock, plus the writer thread's own CPU
 * ns per record (time it ran, not time it waited or was descheduled).
 * Each configuration runs --runs times and the median is reported.
 *
 * Then the worker side of telemetry, single-threaded: wp_telem_push() +
 * wp_telem_drain() of include/warmpool/ring.h per record in bursts of 32,
 * and the same followed by wp_export_publish() (the control core's path).
 * It needs EAL for rte_ring; EAL is started with --no-huge, no shared
 * files, and skipped with --no-eal.
 *
 * Last line: DESIGN.md section 9 JSON, publish ns per record with 4
 * readers, warmpool against the mutex ring (lower is better, so ratio =
 * mutex / warmpool).
 *
 * Note on small machines: with 2 CPUs, 4 spinning readers and the writer
 * share 2 CPUs, so wall-clock figures include time the writer was not
 * running at all; the CPU column shows what readers cost it when it runs.
 */
#define _GNU_SOURCE /* pthread_setaffinity_np */
#include <errno.h>
#include <sched.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include <warmpool/export.h>
#include <warmpool/ring.h>

#define CAP 4096u
#define MAX_READERS 4
#define MAX_RUNS 31
#define BURST 32

static uint64_t nrec = 2000000;
static unsigned runs = 5;
static char path[256];

enum kind { K_WARMPOOL, K_MUTEX, K__COUNT };
static const char *const kind_name[K__COUNT] = { "warmpool", "mutex ring" };
static const unsigned reader_counts[] = { 0, 1, 4 };
#define NRC (sizeof(reader_counts) / sizeof(reader_counts[0]))

static uint64_t
now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the peer: a mutex-protected ring of the same records ----------- */

/* One writer, any readers, all through `mu`. Invariant: slot
 * i & (CAP - 1) holds record i for write_seq - CAP <= i < write_seq. */
struct mutex_ring {
	pthread_mutex_t mu;
	uint64_t write_seq;
	struct wp_export_rec slot[CAP];
};

static struct mutex_ring mring = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
mring_publish(const struct wp_export_rec *rec)
{
	pthread_mutex_lock(&mring.mu);
	mring.slot[mring.write_seq & (CAP - 1)] = *rec;
	mring.slot[mring.write_seq & (CAP - 1)].seq = mring.write_seq + 1;
	mring.write_seq++;
	pthread_mutex_unlock(&mring.mu);
}

/* 1: a record copied; 0: nothing new. Lapped: jump to the oldest. */
static int
mring_next(uint64_t *next, uint64_t *lost, struct wp_export_rec *out)
{
	int got = 0;

	pthread_mutex_lock(&mring.mu);
	if (mring.write_seq > *next + CAP) {
		*lost += mring.write_seq - CAP - *next;
		*next = mring.write_seq - CAP;
	}
	if (*next < mring.write_seq) {
		*out = mring.slot[*next & (CAP - 1)];
		(*next)++;
		got = 1;
	}
	pthread_mutex_unlock(&mring.mu);
	return got;
}

/* ---- one timed run -------------------------------------------------- */

struct reader_arg {
	enum kind kind;
	struct wp_export_reader *r;
	uint64_t got, lost, sink;
	pthread_t tid;
};

/* Placement: the writer on CPU 0, every reader on the last CPU, as in
 * warmpoold where the control core has a CPU of its own and wp-stat runs
 * elsewhere. Readers then compete with each other, not with the writer,
 * and what the table shows is what they do to the writer through the
 * memory system (and, for the mutex, through the lock). */
static int reader_cpu = -1;

static void
pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(t, sizeof(set), &set);
}

static volatile int stop_readers;
static volatile int readers_ready;

static void *
reader_main(void *p)
{
	struct reader_arg *a = p;
	struct wp_export_rec rec;
	uint64_t next = 0;

	__atomic_fetch_add(&readers_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop_readers, __ATOMIC_ACQUIRE)) {
		int ok = a->kind == K_WARMPOOL ? wp_export_next(a->r, &rec) :
			mring_next(&next, &a->lost, &rec);
		if (ok) {
			a->got++;
			a->sink ^= rec.u.u64[3];
		}
	}
	if (a->kind == K_WARMPOOL)
		a->lost = wp_export_lost(a->r);
	return NULL;
}

struct result {
	double wall_ns;  /* per record */
	double cpu_ns;   /* writer's CPU per record */
	uint64_t read, lost;
};

static int
run_once(enum kind kind, unsigned nreaders, struct result *res)
{
	static const char *const names[] = { "b0", "b1" };
	struct wp_export_meta meta = { .n_workers = 1, .n_backends = 2,
		.snapshot_ns = 1000000000, .backend_names = names };
	struct reader_arg ra[MAX_READERS];
	struct wp_export_writer *w = NULL;
	struct wp_export_rec rec;
	uint64_t t0, t1, c0, c1, n;
	unsigned i;
	char err[256];

	memset(ra, 0, sizeof(ra));
	memset(&rec, 0, sizeof(rec));
	rec.type = WP_X_POOL;
	rec.ts_ns = 1; /* given: the clock is not what is measured */
	if (kind == K_WARMPOOL) {
		w = wp_export_create(path, CAP, &meta);
		if (w == NULL)
			return -errno;
	} else {
		mring.write_seq = 0;
	}
	stop_readers = 0;
	readers_ready = 0;
	for (i = 0; i < nreaders; i++) {
		ra[i].kind = kind;
		if (kind == K_WARMPOOL &&
		    wp_export_open(path, &ra[i].r, err, sizeof(err)) != 0) {
			fprintf(stderr, "export_bench: %s\n", err);
			return -EIO;
		}
		if (pthread_create(&ra[i].tid, NULL, reader_main, &ra[i]) != 0)
			return -EAGAIN;
		pin(ra[i].tid, reader_cpu);
	}
	while (__atomic_load_n(&readers_ready, __ATOMIC_ACQUIRE) < (int)nreaders)
		sched_yield();

	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (n = 0; n < nrec; n++) {
		rec.u.pool.requests = n; /* the payload changes every time */
		if (kind == K_WARMPOOL)
			wp_export_publish(w, &rec);
		else
			mring_publish(&rec);
	}
	c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	t1 = now_ns(CLOCK_MONOTONIC);

	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELEASE);
	res->read = res->lost = 0;
	for (i = 0; i < nreaders; i++) {
		pthread_join(ra[i].tid, NULL);
		res->read += ra[i].got;
		res->lost += ra[i].lost;
		wp_export_reader_close(ra[i].r);
	}
	wp_export_close(w, 1);
	res->wall_ns = (double)(t1 - t0) / (double)nrec;
	res->cpu_ns = (double)(c1 - c0) / (double)nrec;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
median_of(enum kind kind, unsigned nreaders, struct result *med)
{
	double wall[MAX_RUNS], cpu[MAX_RUNS];
	struct result r = { 0 };
	unsigned i;
	int rc;

	med->read = med->lost = 0;
	for (i = 0; i < runs; i++) {
		rc = run_once(kind, nreaders, &r);
		if (rc != 0)
			return rc;
		wall[i] = r.wall_ns;
		cpu[i] = r.cpu_ns;
		med->read += r.read;
		med->lost += r.lost;
	}
	qsort(wall, runs, sizeof(double), cmp_double);
	qsort(cpu, runs, sizeof(double), cmp_double);
	med->wall_ns = wall[runs / 2];
	med->cpu_ns = cpu[runs / 2];
	fprintf(stderr, "  %-10s %u reader(s): %u runs done\n", kind_name[kind],
		nreaders, runs);
	return 0;
}

/* ---- worker side: wp_telem_push + wp_telem_drain (EAL) --------------- */

static int
eal_start(void)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "export-bench-%d", (int)getpid());
	char *argv[] = {
		"export_bench", "--no-huge", "--no-shconf", "--no-pci",
		"--no-telemetry", "-m", "64", "--log-level=warning",
		"--file-prefix", prefix, "--lcores", "0@0",
	};
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
}

/* ns per record of push + drain, and of push + drain + publish */
static int
worker_side(double *push_drain, double *with_publish)
{
	struct wp_telem_rec in[BURST], out[BURST];
	static const char *const names[] = { "b0" };
	struct wp_export_meta meta = { .n_workers = 1, .n_backends = 1,
		.snapshot_ns = 1000000000, .backend_names = names };
	struct wp_export_writer *w;
	struct wp_export_rec xr;
	struct wp_ring_pair *rp;
	double a[MAX_RUNS], b[MAX_RUNS];
	uint64_t t0, n, sink = 0;
	unsigned run, i, k;

	rp = wp_ring_pair_create(0, 64, 1024, SOCKET_ID_ANY);
	if (rp == NULL)
		return -errno;
	w = wp_export_create(path, CAP, &meta);
	if (w == NULL) {
		wp_ring_pair_free(rp);
		return -errno;
	}
	memset(in, 0, sizeof(in));
	memset(&xr, 0, sizeof(xr));
	xr.type = WP_X_CORE;
	xr.ts_ns = 1;
	for (run = 0; run < runs; run++) {
		for (k = 0; k < 2; k++) {
			t0 = now_ns(CLOCK_MONOTONIC);
			for (n = 0; n < nrec; n += BURST) {
				for (i = 0; i < BURST; i++) {
					in[i].type = WP_TELEM_COUNTERS;
					in[i].u.counters.loops = n + i;
					wp_telem_push(rp, &in[i]);
				}
				i = wp_telem_drain(rp, out, BURST);
				while (k == 1 && i-- > 0) {
					xr.u.core.loops = out[i].u.counters.loops;
					wp_export_publish(w, &xr);
				}
				sink += out[0].u.counters.loops;
			}
			(k == 0 ? a : b)[run] =
				(double)(now_ns(CLOCK_MONOTONIC) - t0) / (double)nrec;
		}
	}
	if (wp_telem_drops(rp) != 0)
		fprintf(stderr, "export_bench: %" PRIu64 " telemetry drops (sink %"
			PRIu64 ")\n", wp_telem_drops(rp), sink);
	wp_export_close(w, 1);
	wp_ring_pair_free(rp);
	qsort(a, runs, sizeof(double), cmp_double);
	qsort(b, runs, sizeof(double), cmp_double);
	*push_drain = a[runs / 2];
	*with_publish = b[runs / 2];
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static void
usage(const char *prog)
{
	printf("usage: %s [--quick] [--runs N] [--records N] [--dir DIR] [--no-eal]\n"
	       "  --quick      200000 records per run instead of 2000000\n"
	       "  --runs N     timed runs per configuration, median reported (default 5, max %d)\n"
	       "  --records N  records the writer publishes per run\n"
	       "  --dir DIR    where the ring file goes (default /dev/shm, else /tmp)\n"
	       "  --no-eal     skip the worker-side figures (they need EAL, --no-huge)\n",
	       prog, MAX_RUNS);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "runs", required_argument, NULL, 'r' },
		{ "records", required_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "no-eal", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct result res[K__COUNT][NRC];
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	double pd = 0, pdp = 0, wp4, mu4;
	int opt, use_eal = 1, rc;
	unsigned k, i;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'q': nrec = 200000; break;
		case 'r': runs = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'n': nrec = strtoull(optarg, NULL, 0); break;
		case 'd': dir = optarg; break;
		case 'E': use_eal = 0; break;
		case 'h': usage(argv[0]); return 0;
		default: usage(argv[0]); return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || nrec < BURST) {
		fprintf(stderr, "export_bench: --runs must be 1..%d and --records at least %d\n",
			MAX_RUNS, BURST);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/export-bench-%d.ring", dir, (int)getpid());
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		reader_cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
		pin(pthread_self(), 0);
	}
	fprintf(stderr, "export_bench: %u runs x %" PRIu64 " records, ring of %u, "
		"file %s, writer on CPU 0, readers on CPU %d\n", runs, nrec, CAP,
		path, reader_cpu);

	for (k = 0; k < K__COUNT; k++)
		for (i = 0; i < NRC; i++) {
			rc = median_of(k, reader_counts[i], &res[k][i]);
			if (rc != 0) {
				fprintf(stderr, "export_bench: %s failed: %s\n",
					kind_name[k], strerror(-rc));
				return 1;
			}
		}
	if (use_eal) {
		if (eal_start() < 0) {
			fprintf(stderr, "export_bench: EAL init failed, worker side skipped\n");
			use_eal = 0;
		} else if ((rc = worker_side(&pd, &pdp)) != 0) {
			fprintf(stderr, "export_bench: worker side failed: %s\n",
				strerror(-rc));
			use_eal = 0;
		}
	}

	printf("\nwriter publish rate, %u-slot ring, readers spinning (median of %u runs)\n",
		CAP, runs);
	printf("%-12s %7s %14s %12s %14s %14s %12s\n", "ring", "readers",
		"records/s", "ns/record", "writer CPU ns", "records read", "reader lost");
	for (k = 0; k < K__COUNT; k++)
		for (i = 0; i < NRC; i++)
			printf("%-12s %7u %14.0f %12.2f %14.2f %14" PRIu64 " %12" PRIu64 "\n",
				kind_name[k], reader_counts[i],
				1e9 / res[k][i].wall_ns, res[k][i].wall_ns,
				res[k][i].cpu_ns, res[k][i].read / runs,
				res[k][i].lost / runs);
	printf("(records read / lost: per run, all readers together)\n");
	printf("\nslow-down of the writer by 4 readers: warmpool x%.2f, mutex ring x%.2f\n",
		res[K_WARMPOOL][2].wall_ns / res[K_WARMPOOL][0].wall_ns,
		res[K_MUTEX][2].wall_ns / res[K_MUTEX][0].wall_ns);
	if (use_eal) {
		printf("\nworker side, one thread, bursts of %d (median of %u runs)\n",
			BURST, runs);
		printf("  wp_telem_push + wp_telem_drain:           %8.2f ns per record\n", pd);
		printf("  push + drain + wp_export_publish:         %8.2f ns per record\n", pdp);
		/* EAL leaves its (empty, --no-shconf) runtime directory */
		snprintf(path, sizeof(path), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(path);
	}
	wp4 = res[K_WARMPOOL][2].wall_ns;
	mu4 = res[K_MUTEX][2].wall_ns;
	printf("{\"bench\": \"export_bench\", \"metric\": \"publish ns per record with 4 readers\", "
	       "\"unit\": \"ns\", \"warmpool\": %.2f, \"peer\": \"mutex ring\", "
	       "\"peer_value\": %.2f, \"ratio\": %.2f, \"higher_is_better\": false}\n",
	       wp4, mu4, mu4 / wp4);
	return 0;
}
