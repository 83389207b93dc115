/* The telemetry export ring (src/control/export.c, include/warmpool/export.h).
 *
 * No EAL: the ring is plain libc. What is proven:
 *  - random record streams come back byte for byte, in order, for several
 *    capacities, with the reader interleaved with the writer;
 *  - a reader lapped while idle (3 * capacity + 7 records) gets the newest
 *    records in order and exactly the rest counted as lost;
 *  - with a writer thread and one or two reader threads running at once,
 *    every record read is whole (checksum), numbers strictly increase, and
 *    read + lost == written for each reader;
 *  - files with a wrong magic, version, hdr_size, rec_size, capacity,
 *    n_backends or size are refused with the right errno, the right cause
 *    counted once, and a message naming the file;
 *  - the file is created 0600 whatever the umask, replaces an old ring
 *    atomically (an old reader keeps the old ring, a new one sees the new,
 *    no temp file left, closing the old writer does not unlink the new
 *    file), and the reader sees the closed flag;
 *  - seek, header contents, argument checks of create.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <warmpool/export.h>
#include "pool/rand.h"

static char dir[64];

static const char *
path_of(const char *name)
{
	static char p[4][128];
	static unsigned k;
	char *s = p[k++ % 4];

	snprintf(s, sizeof(p[0]), "%s/%s", dir, name);
	return s;
}

static const char *const names[] = { "alpha", "beta",
	"a-backend-name-longer-than-thirty-one-bytes" };

static struct wp_export_meta
meta3(void)
{
	struct wp_export_meta m = {
		.n_workers = 2, .n_backends = 3, .snapshot_ns = 1000000000,
		.backend_names = names,
	};
	return m;
}

/* Record number n's contents, from a seed: any type, any bytes. */
static void
make_rec(uint64_t seed, uint64_t n, struct wp_export_rec *rec)
{
	uint64_t st = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	unsigned i;

	memset(rec, 0, sizeof(*rec));
	rec->ts_ns = n + 1; /* non-zero: kept as given */
	rec->type = (uint16_t)wp_rand_below(&st, 6);
	rec->worker = (uint16_t)wp_rand_next(&st);
	rec->backend = (uint16_t)wp_rand_next(&st);
	rec->flags = (uint16_t)wp_rand_next(&st);
	rec->pad = wp_rand_next(&st);
	for (i = 0; i < 12; i++)
		rec->u.u64[i] = wp_rand_next(&st);
}

static void
expect_rec(uint64_t seed, uint64_t n, const struct wp_export_rec *got)
{
	struct wp_export_rec want;

	make_rec(seed, n, &want);
	want.seq = n + 1;
	if (memcmp(&want, got, sizeof(want)) != 0)
		fail_msg("record %llu differs", (unsigned long long)n);
}

/* ------------------------------------------------------------------ */

static void
test_roundtrip(void **state)
{
	static const uint32_t caps[] = { 2, 4, 64, 1024 };
	unsigned c;

	(void)state;
	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct wp_export_meta m = meta3();
		struct wp_export_writer *w;
		struct wp_export_reader *r;
		struct wp_export_rec rec;
		uint64_t rng = 42 + c, seed = 7 * c + 1, n = 0, got = 0;
		char err[256];
		int round;

		w = wp_export_create(path_of("rt"), caps[c], &m);
		assert_non_null(w);
		assert_int_equal(wp_export_open(path_of("rt"), &r, err,
				sizeof(err)), 0);
		assert_int_equal(wp_export_next(r, &rec), 0); /* empty */
		for (round = 0; round < 300; round++) {
			/* a burst that fits the ring, then read it all */
			uint64_t k, burst = wp_rand_below(&rng, caps[c] + 1);

			for (k = 0; k < burst; k++) {
				make_rec(seed, n, &rec);
				rec.seq = 0xdeadbeef; /* ignored */
				assert_int_equal(wp_export_publish(w, &rec), n);
				n++;
			}
			assert_int_equal(wp_export_written(w), n);
			while (wp_export_next(r, &rec) == 1) {
				expect_rec(seed, got, &rec);
				got++;
			}
			assert_int_equal(got, n);
			assert_int_equal(wp_export_next_seq(r), n);
			assert_int_equal(wp_export_lost(r), 0);
		}
		assert_true(n > 10 * caps[c]); /* the ring wrapped many times */
		wp_export_reader_close(r);
		wp_export_close(w, 1);
	}
}

/* ts_ns 0 is stamped with CLOCK_MONOTONIC by the writer. */
static void
test_timestamp(void **state)
{
	struct wp_export_meta m = meta3();
	struct wp_export_writer *w = wp_export_create(path_of("ts"), 4, &m);
	struct wp_export_reader *r;
	struct wp_export_rec rec = { .type = WP_X_EVENT };
	struct timespec ts;
	uint64_t before;

	(void)state;
	assert_non_null(w);
	assert_int_equal(wp_export_open(path_of("ts"), &r, NULL, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	before = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	wp_export_publish(w, &rec);
	assert_int_equal(wp_export_next(r, &rec), 1);
	assert_true(rec.ts_ns >= before);
	assert_true(rec.ts_ns < before + 10ull * 1000000000u);
	wp_export_reader_close(r);
	wp_export_close(w, 1);
}

static void
test_lapping(void **state)
{
	static const uint32_t caps[] = { 2, 8, 64, 4096 };
	unsigned c;

	(void)state;
	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		struct wp_export_meta m = meta3();
		uint64_t cap = caps[c], total = cap * 3 + 7, got = 0, first;
		struct wp_export_writer *w;
		struct wp_export_reader *r;
		struct wp_export_rec rec;
		uint64_t n;

		w = wp_export_create(path_of("lap"), caps[c], &m);
		assert_non_null(w);
		/* opened before the first record: it wants record 0 */
		assert_int_equal(wp_export_open(path_of("lap"), &r, NULL, 0), 0);
		assert_int_equal(wp_export_next_seq(r), 0);
		for (n = 0; n < total; n++) {
			make_rec(99, n, &rec);
			wp_export_publish(w, &rec);
		}
		assert_int_equal(wp_export_next(r, &rec), 1);
		/* record 0 is long gone: everything before the first record
		 * read is lost, and counted exactly */
		first = rec.seq - 1;
		assert_int_equal(wp_export_lost(r), first);
		assert_true(first >= total - cap); /* still in the ring */
		assert_true(first < total);
		expect_rec(99, first, &rec);
		got = 1;
		while (wp_export_next(r, &rec) == 1) {
			expect_rec(99, first + got, &rec); /* in order, no gap */
			got++;
		}
		assert_int_equal(got + wp_export_lost(r), total);
		assert_int_equal(wp_export_lost(r), first);
		assert_int_equal(wp_export_next_seq(r), total);
		/* at least half the ring is delivered, not thrown away */
		assert_true(got * 2 >= cap);
		wp_export_reader_close(r);
		wp_export_close(w, 1);
	}
}

static void
test_seek(void **state)
{
	struct wp_export_meta m = meta3();
	struct wp_export_writer *w = wp_export_create(path_of("seek"), 16, &m);
	struct wp_export_reader *r;
	struct wp_export_rec rec;
	uint64_t n;

	(void)state;
	assert_non_null(w);
	for (n = 0; n < 10; n++) {
		make_rec(5, n, &rec);
		wp_export_publish(w, &rec);
	}
	/* not lapped yet: a new reader starts at record 0 */
	assert_int_equal(wp_export_open(path_of("seek"), &r, NULL, 0), 0);
	assert_int_equal(wp_export_next_seq(r), 0);
	wp_export_seek(r, WP_EXPORT_NEWEST);
	assert_int_equal(wp_export_next_seq(r), 10);
	assert_int_equal(wp_export_next(r, &rec), 0);
	make_rec(5, 10, &rec);
	wp_export_publish(w, &rec);
	assert_int_equal(wp_export_next(r, &rec), 1);
	expect_rec(5, 10, &rec);
	wp_export_seek(r, WP_EXPORT_OLDEST);
	assert_int_equal(wp_export_next_seq(r), 0);
	assert_int_equal(wp_export_next(r, &rec), 1);
	expect_rec(5, 0, &rec);
	/* lapped: OLDEST is a record still in the ring, and a seek is not a
	 * loss */
	for (n = 11; n < 100; n++) {
		make_rec(5, n, &rec);
		wp_export_publish(w, &rec);
	}
	wp_export_seek(r, WP_EXPORT_OLDEST);
	assert_true(wp_export_next_seq(r) >= 100 - 16);
	assert_int_equal(wp_export_next(r, &rec), 1);
	expect_rec(5, rec.seq - 1, &rec);
	assert_int_equal(wp_export_lost(r), 0);
	wp_export_reader_close(r);
	wp_export_close(w, 1);
}

/* ------------------------------------------------------------------ */
/* Concurrency: one writer thread, one or two reader threads            */

#define CONC_N 400000u

static uint64_t
checksum(const struct wp_export_rec *rec)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ rec->ts_ns;
	unsigned i;

	for (i = 0; i < 11; i++)
		h = (h ^ rec->u.u64[i]) * 0x100000001b3ULL;
	return h;
}

struct conc {
	const char *path;
	struct wp_export_writer *w;
	struct wp_export_reader *r;
	uint64_t got, bad, disorder, lost, end_seq;
	int ok;
};

static void *
conc_writer(void *arg)
{
	struct conc *c = arg;
	struct wp_export_rec rec;
	uint64_t n, st = 1;
	unsigned i;

	memset(&rec, 0, sizeof(rec));
	for (n = 0; n < CONC_N; n++) {
		rec.ts_ns = n + 1;
		rec.type = WP_X_EVENT;
		rec.u.u64[0] = n;
		for (i = 1; i < 11; i++)
			rec.u.u64[i] = wp_rand_next(&st);
		rec.u.u64[11] = checksum(&rec);
		wp_export_publish(c->w, &rec);
		if ((n & 4095) == 0)
			sched_yield(); /* let readers fall behind and catch up */
	}
	wp_export_close(c->w, 0);
	return NULL;
}

static void *
conc_reader(void *arg)
{
	struct conc *c = arg;
	struct wp_export_rec rec;
	uint64_t last = 0;
	int closed;

	for (;;) {
		/* read the flag before draining: records published before
		 * the close are then all seen */
		closed = wp_export_writer_closed(c->r);
		while (wp_export_next(c->r, &rec) == 1) {
			if (rec.u.u64[11] != checksum(&rec) ||
			    rec.seq != rec.u.u64[0] + 1 ||
			    rec.ts_ns != rec.seq)
				c->bad++;
			if (rec.seq <= last)
				c->disorder++;
			last = rec.seq;
			c->got++;
		}
		if (closed)
			break;
	}
	c->lost = wp_export_lost(c->r);
	c->end_seq = wp_export_next_seq(c->r);
	return NULL;
}

static void
run_concurrent(unsigned nreaders, uint32_t cap)
{
	struct wp_export_meta m = meta3();
	struct conc rd[2], wr;
	pthread_t tw, tr[2];
	unsigned i;

	assert_true(nreaders <= 2);
	memset(&wr, 0, sizeof(wr));
	wr.w = wp_export_create(path_of("conc"), cap, &m);
	assert_non_null(wr.w);
	for (i = 0; i < nreaders; i++) {
		memset(&rd[i], 0, sizeof(rd[i]));
		assert_int_equal(wp_export_open(path_of("conc"), &rd[i].r,
				NULL, 0), 0);
	}
	for (i = 0; i < nreaders; i++)
		assert_int_equal(pthread_create(&tr[i], NULL, conc_reader,
				&rd[i]), 0);
	assert_int_equal(pthread_create(&tw, NULL, conc_writer, &wr), 0);
	pthread_join(tw, NULL);
	for (i = 0; i < nreaders; i++) {
		pthread_join(tr[i], NULL);
		print_message("  cap %u reader %u: read %llu lost %llu\n", cap, i,
			(unsigned long long)rd[i].got,
			(unsigned long long)rd[i].lost);
		assert_int_equal(rd[i].bad, 0);
		assert_int_equal(rd[i].disorder, 0);
		assert_int_equal(rd[i].got + rd[i].lost, CONC_N);
		assert_int_equal(rd[i].end_seq, CONC_N);
		assert_true(rd[i].got > 0);
		wp_export_reader_close(rd[i].r);
	}
	unlink(path_of("conc"));
}

static void
test_concurrent_one_reader(void **state)
{
	(void)state;
	run_concurrent(1, 64);   /* small: the reader is lapped often */
	run_concurrent(1, 4096);
}

static void
test_concurrent_two_readers(void **state)
{
	(void)state;
	run_concurrent(2, 16);
	run_concurrent(2, 1024);
}

/* ------------------------------------------------------------------ */
/* Refused files                                                       */

static size_t
slurp(const char *path, void **buf)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*buf = malloc((size_t)st.st_size);
	assert_non_null(*buf);
	assert_int_equal(read(fd, *buf, (size_t)st.st_size), st.st_size);
	close(fd);
	return (size_t)st.st_size;
}

static void
spit(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

enum mut { M_NONE, M_MAGIC, M_VERSION, M_HDR_SIZE, M_REC_SIZE, M_CAP3,
	   M_CAP1, M_CAP_HUGE, M_BACKENDS, M_TRUNC_HDR, M_TRUNC_SLOTS,
	   M_LONGER, M_EMPTY };

static const struct {
	enum mut mut;
	int rc;
	int cause; /* enum wp_export_err, -1: accepted */
	const char *says;
} bad_files[] = {
	{ M_NONE, 0, -1, NULL },
	{ M_MAGIC, -EPROTO, WP_XERR_MAGIC, "magic" },
	{ M_VERSION, -ENOTSUP, WP_XERR_VERSION, "version 2" },
	{ M_HDR_SIZE, -EPROTO, WP_XERR_GEOMETRY, "hdr_size 2048" },
	{ M_REC_SIZE, -EPROTO, WP_XERR_GEOMETRY, "rec_size 64" },
	{ M_CAP3, -EPROTO, WP_XERR_GEOMETRY, "capacity 12 " },
	{ M_CAP1, -EPROTO, WP_XERR_GEOMETRY, "capacity 1 " },
	{ M_CAP_HUGE, -EPROTO, WP_XERR_SHORT, "truncated" },
	{ M_BACKENDS, -EPROTO, WP_XERR_GEOMETRY, "n_backends 65" },
	{ M_TRUNC_HDR, -EPROTO, WP_XERR_SHORT, "header" },
	{ M_TRUNC_SLOTS, -EPROTO, WP_XERR_SHORT, "truncated" },
	{ M_LONGER, -EPROTO, WP_XERR_GEOMETRY, "expected" },
	{ M_EMPTY, -EPROTO, WP_XERR_SHORT, "header" },
};

static size_t
mutate(uint8_t *b, size_t len, enum mut m)
{
	struct wp_export_hdr *h = (struct wp_export_hdr *)b;

	switch (m) {
	case M_NONE: break;
	case M_MAGIC: h->magic[0] = 'X'; break;
	case M_VERSION: h->version = 2; break;
	case M_HDR_SIZE: h->hdr_size = 2048; break;
	case M_REC_SIZE: h->rec_size = 64; break;
	case M_CAP3: h->capacity = 12; break;
	case M_CAP1: h->capacity = 1; break;
	case M_CAP_HUGE: h->capacity = 1u << 31; break; /* short buffer */
	case M_BACKENDS: h->n_backends = 65; break;
	case M_TRUNC_HDR: return 100;
	case M_TRUNC_SLOTS: return len - 1;
	case M_LONGER: return len + 8;
	case M_EMPTY: return 0;
	}
	return len;
}

static void
test_refused(void **state)
{
	struct wp_export_meta m = meta3();
	struct wp_export_writer *w = wp_export_create(path_of("good"), 8, &m);
	void *orig;
	size_t len, i;

	(void)state;
	assert_non_null(w);
	wp_export_close(w, 0);
	len = slurp(path_of("good"), &orig);
	assert_int_equal(len, WP_EXPORT_HDR_SIZE + 8 * WP_EXPORT_REC_SIZE);

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		uint64_t before[WP_XERR__COUNT];
		struct wp_export_reader *r = (void *)1;
		uint8_t *b = calloc(1, len + 64);
		const char *p = path_of("bad");
		char err[256];
		size_t blen;
		int rc, e, pass;

		assert_non_null(b);
		memcpy(b, orig, len);
		blen = mutate(b, len, bad_files[i].mut);
		spit(p, b, blen);
		/* pass 0: the file; pass 1: the same bytes in memory */
		for (pass = 0; pass < 2; pass++) {
			for (e = 0; e < WP_XERR__COUNT; e++)
				before[e] = wp_export_reader_errors(e);
			err[0] = 'x';
			rc = pass == 0 ? wp_export_open(p, &r, err, sizeof(err)) :
				wp_export_open_mem(b, blen, &r, err, sizeof(err));
			if (rc != bad_files[i].rc)
				fail_msg("case %zu pass %d: rc %d, want %d (%s)",
					i, pass, rc, bad_files[i].rc, err);
			for (e = 0; e < WP_XERR__COUNT; e++)
				assert_int_equal(wp_export_reader_errors(e),
					before[e] + (e == bad_files[i].cause));
			if (bad_files[i].cause < 0) {
				assert_non_null(r);
				assert_string_equal(err, "");
				wp_export_reader_close(r);
				continue;
			}
			assert_null(r);
			if (strstr(err, bad_files[i].says) == NULL ||
			    strstr(err, pass == 0 ? p : "<memory>") == NULL)
				fail_msg("case %zu pass %d: message '%s'", i, pass,
					err);
		}
		free(b);
	}
	free(orig);
	unlink(path_of("bad"));
	unlink(path_of("good"));
}

static void
test_refused_io(void **state)
{
	uint64_t io = wp_export_reader_errors(WP_XERR_IO);
	struct wp_export_reader *r;
	char err[256];
	uint64_t buf[(WP_EXPORT_HDR_SIZE + 2 * WP_EXPORT_REC_SIZE) / 8 + 1];

	(void)state;
	assert_int_equal(wp_export_open(path_of("missing"), &r, err,
			sizeof(err)), -ENOENT);
	assert_null(r);
	assert_non_null(strstr(err, path_of("missing")));
	assert_int_equal(wp_export_open(dir, &r, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "not a regular file"));
	/* misaligned memory is refused, not read with unaligned atomics */
	assert_int_equal(wp_export_open_mem((char *)buf + 1,
			WP_EXPORT_HDR_SIZE + 2 * WP_EXPORT_REC_SIZE, &r, err,
			sizeof(err)), -EINVAL);
	assert_int_equal(wp_export_reader_errors(WP_XERR_IO), io + 3);
	assert_int_equal(wp_export_reader_errors(WP_XERR__COUNT), 0);
}

/* A header that lies after it was accepted (write_seq far ahead, slots
 * holding any numbers) makes the reader skip and count, never loop or
 * read outside the ring. */
static void
test_lying_slots(void **state)
{
	static uint64_t buf[(WP_EXPORT_HDR_SIZE + 4 * WP_EXPORT_REC_SIZE) / 8];
	struct wp_export_hdr *h = (struct wp_export_hdr *)buf;
	struct wp_export_rec *s = (struct wp_export_rec *)(h + 1), rec;
	struct wp_export_reader *r;
	int k, got = 0;

	(void)state;
	memcpy(h->magic, WP_EXPORT_MAGIC, sizeof(WP_EXPORT_MAGIC));
	h->version = WP_EXPORT_VERSION;
	h->hdr_size = WP_EXPORT_HDR_SIZE;
	h->rec_size = WP_EXPORT_REC_SIZE;
	h->capacity = 4;
	h->write_seq = UINT64_MAX;
	s[0].seq = 5; s[1].seq = UINT64_MAX; s[2].seq = 0; s[3].seq = 3;
	assert_int_equal(wp_export_open_mem(buf, sizeof(buf), &r, NULL, 0), 0);
	for (k = 0; k < 1000; k++)
		got += wp_export_next(r, &rec);
	assert_true(got <= 4); /* each slot matches one record number at most */
	wp_export_reader_close(r);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */

static void
test_mode_0600(void **state)
{
	struct wp_export_meta m = meta3();
	struct wp_export_writer *w;
	mode_t old = umask(0);
	struct stat st;

	(void)state;
	w = wp_export_create(path_of("mode"), 4, &m);
	umask(old);
	assert_non_null(w);
	assert_int_equal(stat(path_of("mode"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, WP_EXPORT_HDR_SIZE + 4 * WP_EXPORT_REC_SIZE);
	wp_export_close(w, 1);
	assert_int_equal(stat(path_of("mode"), &st), -1);
	assert_int_equal(errno, ENOENT);
}

static unsigned
count_dir_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void
test_replace(void **state)
{
	struct wp_export_meta m1 = meta3(), m2 = meta3();
	struct wp_export_writer *a, *b;
	struct wp_export_reader *ra, *rb;
	struct wp_export_rec rec;
	struct stat st;
	uint64_t n;

	(void)state;
	assert_int_equal(count_dir_entries(), 0);
	a = wp_export_create(path_of("ring"), 8, &m1);
	assert_non_null(a);
	for (n = 0; n < 5; n++) {
		make_rec(1, n, &rec);
		wp_export_publish(a, &rec);
	}
	assert_int_equal(wp_export_open(path_of("ring"), &ra, NULL, 0), 0);

	m2.n_workers = 9;
	m2.n_backends = 1;
	b = wp_export_create(path_of("ring"), 16, &m2);
	assert_non_null(b);
	assert_int_equal(count_dir_entries(), 1); /* no temp file left */
	/* the old reader keeps the old ring, whole */
	for (n = 0; n < 5; n++) {
		assert_int_equal(wp_export_next(ra, &rec), 1);
		expect_rec(1, n, &rec);
	}
	assert_int_equal(wp_export_header(ra)->n_workers, 2);
	/* a new reader sees only the new one */
	assert_int_equal(wp_export_open(path_of("ring"), &rb, NULL, 0), 0);
	assert_int_equal(wp_export_header(rb)->n_workers, 9);
	assert_int_equal(wp_export_header(rb)->capacity, 16);
	assert_int_equal(wp_export_next(rb, &rec), 0);
	/* closing the old writer with unlink leaves the new file alone */
	wp_export_close(a, 1);
	assert_int_equal(stat(path_of("ring"), &st), 0);
	assert_true(wp_export_writer_closed(ra));
	assert_false(wp_export_writer_closed(rb));
	wp_export_reader_close(ra);
	wp_export_reader_close(rb);
	wp_export_close(b, 1);
	assert_int_equal(count_dir_entries(), 0);
}

static void
test_closed_flag(void **state)
{
	struct wp_export_meta m = meta3();
	struct wp_export_writer *w = wp_export_create(path_of("cl"), 4, &m);
	struct wp_export_reader *r;
	struct stat st;

	(void)state;
	assert_non_null(w);
	assert_int_equal(wp_export_open(path_of("cl"), &r, NULL, 0), 0);
	assert_int_equal(wp_export_writer_closed(r), 0);
	assert_int_equal(wp_export_header(r)->flags & WP_EXPORT_F_CLOSED, 0);
	wp_export_close(w, 0);
	assert_int_equal(wp_export_writer_closed(r), 1);
	assert_int_equal(stat(path_of("cl"), &st), 0); /* kept */
	wp_export_reader_close(r);
	/* a reader opening a closed ring sees the flag too */
	assert_int_equal(wp_export_open(path_of("cl"), &r, NULL, 0), 0);
	assert_int_equal(wp_export_writer_closed(r), 1);
	wp_export_reader_close(r);
	unlink(path_of("cl"));
	wp_export_close(NULL, 1); /* accepted */
	wp_export_reader_close(NULL);
}

static void
test_header(void **state)
{
	struct wp_export_meta m = meta3();
	struct wp_export_writer *w = wp_export_create(path_of("hdr"), 32, &m);
	const struct wp_export_hdr *h;
	struct wp_export_reader *r;

	(void)state;
	assert_non_null(w);
	assert_int_equal(wp_export_open(path_of("hdr"), &r, NULL, 0), 0);
	h = wp_export_header(r);
	assert_memory_equal(h->magic, WP_EXPORT_MAGIC, 8);
	assert_int_equal(h->version, WP_EXPORT_VERSION);
	assert_int_equal(h->capacity, 32);
	assert_int_equal(h->writer_pid, (uint32_t)getpid());
	assert_int_equal(h->n_workers, 2);
	assert_int_equal(h->n_backends, 3);
	assert_int_equal(h->snapshot_ns, 1000000000);
	assert_true(h->created_ns > 1600000000ull * 1000000000u);
	assert_string_equal(h->backend_name[0], "alpha");
	assert_string_equal(h->backend_name[1], "beta");
	assert_int_equal(strlen(h->backend_name[2]), WP_EXPORT_NAME_LEN - 1);
	assert_memory_equal(h->backend_name[2], names[2], WP_EXPORT_NAME_LEN - 1);
	assert_string_equal(h->backend_name[3], "");
	wp_export_reader_close(r);
	wp_export_close(w, 1);
}

static void
test_create_args(void **state)
{
	struct wp_export_meta m = meta3();
	const char *holes[] = { "a", NULL };
	static const uint32_t bad_caps[] = { 0, 1, 3, 100, 1u << 25, 0x80000000u };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad_caps) / sizeof(bad_caps[0]); i++) {
		errno = 0;
		assert_null(wp_export_create(path_of("args"), bad_caps[i], &m));
		assert_int_equal(errno, EINVAL);
	}
	assert_null(wp_export_create(path_of("args"), 4, NULL));
	assert_int_equal(errno, EINVAL);
	m.n_backends = WP_EXPORT_MAX_BACKENDS + 1;
	assert_null(wp_export_create(path_of("args"), 4, &m));
	assert_int_equal(errno, EINVAL);
	m.n_backends = 2;
	m.backend_names = holes;
	assert_null(wp_export_create(path_of("args"), 4, &m));
	assert_int_equal(errno, EINVAL);
	m = meta3();
	assert_null(wp_export_create("/nonexistent-dir-wp/ring", 4, &m));
	assert_int_equal(errno, ENOENT);
	assert_int_equal(count_dir_entries(), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/wp-export-XXXXXX",
		getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_lapping),
		cmocka_unit_test(test_seek),
		cmocka_unit_test(test_concurrent_one_reader),
		cmocka_unit_test(test_concurrent_two_readers),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_io),
		cmocka_unit_test(test_lying_slots),
		cmocka_unit_test(test_mode_0600),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_closed_flag),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_create_args),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
