/* SPDX-License-Identifier: BSD-3-Clause */
/* The telemetry export ring (DESIGN.md section 6): one writer, the control
 * core of warmpoold, publishes fixed 128-byte records into a file mapped
 * with mmap(2); any number of readers (wp-stat, tests, other languages)
 * map it read-only. Layout and protocol: include/warmpool/export-t.h.
 *
 * Why a seqlock per slot: the writer must never wait for, nor learn about,
 * a reader (a slow or stopped wp-stat cannot hold up the appliance), and a
 * reader must never write to the file (it may not even have the right).
 * A per-slot sequence number gives both: the writer overwrites the oldest
 * slot unconditionally; the reader checks the slot's number before and
 * after copying it and so knows whether its copy is whole and whether it
 * was lapped. Every record number is used once, so what a lapped reader
 * lost is a subtraction, never an estimate.
 *
 * Memory model: the slot's payload is written and read as 64-bit relaxed
 * atomics between the fences of export-t.h, the seqlock form that is
 * correct under the C11 model (H.-J. Boehm, "Can seqlocks get along with
 * programming language memory models?", MSPC 2012): writer "seq = 0;
 * release fence; relaxed stores; seq = n + 1 (release)", reader
 * "s1 = seq (acquire); relaxed loads; acquire fence; s2 = seq". On x86-64
 * all of it compiles to plain moves; the fences only stop the compiler.
 *
 * Creating: the file is built under a temporary name beside the target
 * (same directory, so the same file system) with mode 0600, header
 * complete, then rename(2)d over the old one: a reader opening the path
 * sees the old file or the new one, never a half-made header, and a
 * reader that still maps the old file keeps a valid (closed) ring.
 *
 * Reading outside bytes: a ring file is input from another process, so
 * the reader trusts nothing in it. The geometry (capacity, sizes) is
 * checked once against the real file size and copied into the reader;
 * later reads only use the copy, and slot indexes are masked with it, so
 * no header value the writer (or an attacker) changes later can make the
 * reader touch memory outside the mapping. Every refusal is counted by
 * cause (enum wp_export_err) and described in the caller's err buffer;
 * the first refusal of each cause in a process is also written to stderr
 * (a tool retrying every second would otherwise flood it).
 *
 * Not done here: no DPDK, no EAL, no allocation after open/create, no
 * locks. A file truncated by someone else after a reader mapped it would
 * raise SIGBUS in that reader; warmpoold never truncates a live ring (it
 * replaces it by rename), so this is left to file permissions (0600).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <warmpool/export.h>

#define CAP_MAX (1u << 24)
#define WORDS (WP_EXPORT_REC_SIZE / 8) /* 64-bit words in a slot, seq first */

/* The writer. Owned by one thread (the control core); nothing in it is
 * shared with readers except the mapping.
 * Invariants: slots[i].seq is 0 or k + 1 for some record k with
 * k & mask == i and k < next; hdr->write_seq == next between publishes. */
struct wp_export_writer {
	struct wp_export_hdr *hdr;  /* start of the shared mapping */
	struct wp_export_rec *slots;
	size_t map_len;
	uint64_t next;              /* number of the next record */
	uint32_t mask;              /* capacity - 1 */
	dev_t dev;                  /* our file, so close unlinks only it */
	ino_t ino;
	char path[];
};

/* A reader. Owned by one thread; any number of readers may exist at once.
 * Invariants: cap is a power of two checked against the mapped length at
 * open and never re-read from the file; received + lost ==
 * next - (where the last seek put next). */
struct wp_export_reader {
	const struct wp_export_hdr *hdr;
	const struct wp_export_rec *slots;
	void *map;                  /* our mmap, NULL for open_mem */
	size_t map_len;
	uint64_t next;              /* record number wanted next */
	uint64_t lost;
	uint32_t cap;
	uint32_t mask;
};

/* ------------------------------------------------------------------ */
/* Writer                                                              */

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
meta_ok(const struct wp_export_meta *m)
{
	uint32_t i;

	if (m == NULL || m->n_backends > WP_EXPORT_MAX_BACKENDS)
		return 0;
	if (m->n_backends > 0 && m->backend_names == NULL)
		return 0;
	for (i = 0; i < m->n_backends; i++)
		if (m->backend_names[i] == NULL)
			return 0;
	return 1;
}

static void
fill_header(struct wp_export_hdr *h, uint32_t capacity,
		const struct wp_export_meta *m)
{
	uint32_t i;

	/* the file is fresh from ftruncate: every byte is already zero */
	memcpy(h->magic, WP_EXPORT_MAGIC, sizeof(WP_EXPORT_MAGIC));
	h->version = WP_EXPORT_VERSION;
	h->hdr_size = WP_EXPORT_HDR_SIZE;
	h->rec_size = WP_EXPORT_REC_SIZE;
	h->capacity = capacity;
	h->created_ns = clock_ns(CLOCK_REALTIME);
	h->writer_pid = (uint32_t)getpid();
	h->flags = 0;
	h->n_workers = m->n_workers;
	h->n_backends = m->n_backends;
	h->snapshot_ns = m->snapshot_ns;
	h->write_seq = 0;
	for (i = 0; i < m->n_backends; i++)
		strncpy(h->backend_name[i], m->backend_names[i],
				WP_EXPORT_NAME_LEN - 1);
}

struct wp_export_writer *
wp_export_create(const char *path, uint32_t capacity,
		const struct wp_export_meta *meta)
{
	struct wp_export_writer *w = NULL;
	size_t plen, len;
	char *tmp = NULL;
	void *map = MAP_FAILED;
	struct stat st;
	int fd = -1, err;

	if (path == NULL || path[0] == '\0' || capacity < 2 ||
	    capacity > CAP_MAX || (capacity & (capacity - 1)) != 0 ||
	    !meta_ok(meta)) {
		errno = EINVAL;
		return NULL;
	}
	plen = strlen(path);
	len = (size_t)WP_EXPORT_HDR_SIZE + (size_t)capacity * WP_EXPORT_REC_SIZE;
	w = calloc(1, sizeof(*w) + plen + 1);
	tmp = malloc(plen + 32);
	if (w == NULL || tmp == NULL) {
		err = ENOMEM;
		goto fail;
	}
	memcpy(w->path, path, plen + 1);
	snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());

	unlink(tmp); /* a leftover of an earlier process with our pid */
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	/* 0600 whatever the umask; the ring says what the appliance does */
	if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)len) != 0 ||
	    fstat(fd, &st) != 0) {
		err = errno;
		goto fail_unlink;
	}
	/* blocks reserved now: a full file system later must fail here, not
	 * raise SIGBUS in publish (which never fails) */
	err = posix_fallocate(fd, 0, (off_t)len);
	if (err != 0)
		goto fail_unlink;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = errno;
		goto fail_unlink;
	}
	fill_header(map, capacity, meta);
	if (rename(tmp, path) != 0) {
		err = errno;
		goto fail_unlink;
	}
	close(fd);
	free(tmp);
	w->hdr = map;
	w->slots = (struct wp_export_rec *)((char *)map + WP_EXPORT_HDR_SIZE);
	w->map_len = len;
	w->mask = capacity - 1;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	return w;

fail_unlink:
	unlink(tmp);
fail:
	if (map != MAP_FAILED)
		munmap(map, len);
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(w);
	errno = err;
	return NULL;
}

uint64_t
wp_export_publish(struct wp_export_writer *w, const struct wp_export_rec *rec)
{
	uint64_t n = w->next;
	struct wp_export_rec *slot = &w->slots[n & w->mask];
	uint64_t *dst = (uint64_t *)slot;
	uint64_t src[WORDS];
	unsigned i;

	memcpy(src, rec, sizeof(src));
	if (rec->ts_ns == 0)
		src[1] = clock_ns(CLOCK_MONOTONIC); /* ts_ns is word 1 */

	/* 1-2: the slot is invalid before any payload byte changes */
	__atomic_store_n(&slot->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	/* 3: the payload, as relaxed atomics (see the top of the file) */
	for (i = 1; i < WORDS; i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
	/* 4-5: valid as record n, then the hint for where readers start */
	__atomic_store_n(&slot->seq, n + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&w->hdr->write_seq, n + 1, __ATOMIC_RELEASE);
	w->next = n + 1;
	return n;
}

uint64_t
wp_export_written(const struct wp_export_writer *w)
{
	return w->next;
}

void
wp_export_close(struct wp_export_writer *w, int unlink_file)
{
	struct stat st;

	if (w == NULL)
		return;
	__atomic_fetch_or(&w->hdr->flags, WP_EXPORT_F_CLOSED, __ATOMIC_RELEASE);
	munmap(w->hdr, w->map_len);
	/* only our file: a newer writer may have renamed its own over it */
	if (unlink_file && stat(w->path, &st) == 0 && st.st_dev == w->dev &&
	    st.st_ino == w->ino)
		unlink(w->path);
	free(w);
}

/* ------------------------------------------------------------------ */
/* Reader: opening and validation                                      */

static uint64_t refused[WP_XERR__COUNT];
static int logged[WP_XERR__COUNT];

uint64_t
wp_export_reader_errors(enum wp_export_err e)
{
	if ((unsigned)e >= WP_XERR__COUNT)
		return 0;
	return __atomic_load_n(&refused[e], __ATOMIC_RELAXED);
}

/* Count a refusal, describe it in err, log the first of its cause. */
__attribute__((format(printf, 5, 6)))
static int
refuse(enum wp_export_err cause, int rc, char *err, size_t errlen,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_fetch_add(&refused[cause], 1, __ATOMIC_RELAXED);
	if (!__atomic_exchange_n(&logged[cause], 1, __ATOMIC_RELAXED))
		fprintf(stderr, "warmpool: export ring refused: %s\n", msg);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return rc;
}

static int
is_pow2(uint32_t v)
{
	return v >= 2 && (v & (v - 1)) == 0;
}

/* Check the bytes [buf, buf + len) as a ring; fill r's geometry. */
static int
validate(struct wp_export_reader *r, const char *name, const void *buf,
		size_t len, char *err, size_t errlen)
{
	const struct wp_export_hdr *h = buf;
	uint32_t version, hdr_size, rec_size, cap, nb;
	uint64_t want;

	if (len < sizeof(*h))
		return refuse(WP_XERR_SHORT, -EPROTO, err, errlen,
			"%s: %zu bytes, smaller than the %u-byte header",
			name, len, WP_EXPORT_HDR_SIZE);
	if (memcmp(h->magic, WP_EXPORT_MAGIC, sizeof(WP_EXPORT_MAGIC)) != 0)
		return refuse(WP_XERR_MAGIC, -EPROTO, err, errlen,
			"%s: not a warmpool telemetry ring (bad magic)", name);
	/* read each field once: the file may change under us */
	version = __atomic_load_n(&h->version, __ATOMIC_RELAXED);
	hdr_size = __atomic_load_n(&h->hdr_size, __ATOMIC_RELAXED);
	rec_size = __atomic_load_n(&h->rec_size, __ATOMIC_RELAXED);
	cap = __atomic_load_n(&h->capacity, __ATOMIC_RELAXED);
	nb = __atomic_load_n(&h->n_backends, __ATOMIC_RELAXED);
	if (version != WP_EXPORT_VERSION)
		return refuse(WP_XERR_VERSION, -ENOTSUP, err, errlen,
			"%s: format version %" PRIu32 ", this reader knows %u",
			name, version, WP_EXPORT_VERSION);
	if (hdr_size != WP_EXPORT_HDR_SIZE)
		return refuse(WP_XERR_GEOMETRY, -EPROTO, err, errlen,
			"%s: hdr_size %" PRIu32 ", expected %u",
			name, hdr_size, WP_EXPORT_HDR_SIZE);
	if (rec_size != WP_EXPORT_REC_SIZE)
		return refuse(WP_XERR_GEOMETRY, -EPROTO, err, errlen,
			"%s: rec_size %" PRIu32 ", expected %u",
			name, rec_size, WP_EXPORT_REC_SIZE);
	if (!is_pow2(cap))
		return refuse(WP_XERR_GEOMETRY, -EPROTO, err, errlen,
			"%s: capacity %" PRIu32 " is not a power of two >= 2",
			name, cap);
	if (nb > WP_EXPORT_MAX_BACKENDS)
		return refuse(WP_XERR_GEOMETRY, -EPROTO, err, errlen,
			"%s: n_backends %" PRIu32 " above the maximum %u",
			name, nb, WP_EXPORT_MAX_BACKENDS);
	want = (uint64_t)hdr_size + (uint64_t)cap * rec_size; /* < 2^40 */
	if (len < want)
		return refuse(WP_XERR_SHORT, -EPROTO, err, errlen,
			"%s: %zu bytes, its %" PRIu32 " slots need %" PRIu64
			" (truncated?)", name, len, cap, want);
	if (len != want)
		return refuse(WP_XERR_GEOMETRY, -EPROTO, err, errlen,
			"%s: %zu bytes, %" PRIu64 " expected for %" PRIu32
			" slots", name, len, want, cap);
	r->hdr = h;
	r->slots = (const struct wp_export_rec *)((const char *)buf + hdr_size);
	r->cap = cap;
	r->mask = cap - 1;
	return 0;
}

static int
open_common(struct wp_export_reader *r, const char *name, const void *buf,
		size_t len, struct wp_export_reader **out, char *err,
		size_t errlen)
{
	int rc = validate(r, name, buf, len, err, errlen);

	if (rc != 0)
		return rc;
	wp_export_seek(r, WP_EXPORT_OLDEST);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	*out = r;
	return 0;
}

int
wp_export_open_mem(const void *buf, size_t len, struct wp_export_reader **out,
		char *err, size_t errlen)
{
	struct wp_export_reader *r;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	if (buf == NULL || ((uintptr_t)buf & 7) != 0)
		return refuse(WP_XERR_IO, -EINVAL, err, errlen,
			"<memory>: buffer NULL or not 8-byte aligned");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return refuse(WP_XERR_IO, -ENOMEM, err, errlen,
			"<memory>: out of memory");
	rc = open_common(r, "<memory>", buf, len, out, err, errlen);
	if (rc != 0)
		free(r);
	return rc;
}

int
wp_export_open(const char *path, struct wp_export_reader **out, char *err,
		size_t errlen)
{
	struct wp_export_reader *r = NULL;
	void *map = MAP_FAILED;
	struct stat st;
	int fd = -1, rc;

	if (out == NULL || path == NULL)
		return -EINVAL;
	*out = NULL;
	/* O_NONBLOCK: a FIFO at the path must not hang us in open() */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		return refuse(WP_XERR_IO, rc, err, errlen, "%s: cannot open: %s",
				path, strerror(-rc));
	}
	if (fstat(fd, &st) != 0) {
		rc = refuse(WP_XERR_IO, -errno, err, errlen,
				"%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = refuse(WP_XERR_IO, -EIO, err, errlen,
				"%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size < WP_EXPORT_HDR_SIZE) {
		/* mmap of an empty file fails: say what is really wrong */
		rc = refuse(WP_XERR_SHORT, -EPROTO, err, errlen,
			"%s: %jd bytes, smaller than the %u-byte header",
			path, (intmax_t)st.st_size, WP_EXPORT_HDR_SIZE);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX / 2) {
		rc = refuse(WP_XERR_GEOMETRY, -EPROTO, err, errlen,
			"%s: %jd bytes, too large for a ring", path,
			(intmax_t)st.st_size);
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		rc = refuse(WP_XERR_IO, -errno, err, errlen,
				"%s: cannot map: %s", path, strerror(errno));
		goto out;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = refuse(WP_XERR_IO, -ENOMEM, err, errlen,
				"%s: out of memory", path);
		goto out;
	}
	r->map = map;
	r->map_len = (size_t)st.st_size;
	rc = open_common(r, path, map, (size_t)st.st_size, out, err, errlen);
out:
	if (rc != 0) {
		if (map != MAP_FAILED)
			munmap(map, (size_t)st.st_size);
		free(r);
	}
	close(fd);
	return rc;
}

void
wp_export_reader_close(struct wp_export_reader *r)
{
	if (r == NULL)
		return;
	if (r->map != NULL)
		munmap(r->map, r->map_len);
	free(r);
}

const struct wp_export_hdr *
wp_export_header(const struct wp_export_reader *r)
{
	return r->hdr;
}

/* ------------------------------------------------------------------ */
/* Reader: records                                                     */

static uint64_t
write_seq(const struct wp_export_reader *r)
{
	return __atomic_load_n(&r->hdr->write_seq, __ATOMIC_ACQUIRE);
}

/* Where a lapped (or newly started) reader goes: past the slot the writer
 * may be rewriting right now, plus a margin of an eighth of the ring so a
 * writer that keeps going does not lap it again at once. */
static uint64_t
oldest_safe(const struct wp_export_reader *r, uint64_t ws)
{
	uint64_t margin = r->cap / 8 ? r->cap / 8 : 1;

	return ws > r->cap ? ws - r->cap + margin : 0;
}

void
wp_export_seek(struct wp_export_reader *r, enum wp_export_from from)
{
	uint64_t ws = write_seq(r);

	r->next = from == WP_EXPORT_NEWEST ? ws : oldest_safe(r, ws);
}

/* Record r->next is gone: jump forward to a record still in the ring and
 * count exactly the records stepped over. Always moves forward. */
static void
lapped(struct wp_export_reader *r)
{
	uint64_t ws = write_seq(r);
	uint64_t to = oldest_safe(r, ws);

	if (to <= r->next) /* only a file that lies gets here: progress */
		to = r->next + 1;
	r->lost += to - r->next;
	r->next = to;
}

int
wp_export_next(struct wp_export_reader *r, struct wp_export_rec *out)
{
	const uint64_t *src;
	uint64_t dst[WORDS];
	uint64_t n, want, s1, s2;
	unsigned i, tries;

	/* a bounded number of attempts: each lap moves next forward, and a
	 * writer fast enough to lap us every time is a reason to return */
	for (tries = 0; tries < 64; tries++) {
		n = r->next;
		if (n == UINT64_MAX) /* only a lying file gets here: stop */
			return 0;
		want = n + 1;
		src = (const uint64_t *)&r->slots[n & r->mask];
		s1 = __atomic_load_n(&src[0], __ATOMIC_ACQUIRE);
		if (s1 < want && s1 != 0)
			return 0; /* an older record: n is not published yet */
		if (s1 == 0) {
			/* never written, or being rewritten for n or a later
			 * record: the hint says which (write_seq is stored
			 * after slot.seq). Only here, so a reader that keeps
			 * up polls the slot alone, not the line the writer
			 * stores on every record as well. */
			if (write_seq(r) <= n)
				return 0;
			s1 = __atomic_load_n(&src[0], __ATOMIC_ACQUIRE);
			if (s1 < want) { /* published, yet gone: lapped */
				lapped(r);
				continue;
			}
		}
		if (s1 > want) {
			lapped(r);
			continue;
		}
		for (i = 1; i < WORDS; i++)
			dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&src[0], __ATOMIC_RELAXED);
		if (s2 != want) { /* rewritten while we copied */
			lapped(r);
			continue;
		}
		dst[0] = want;
		memcpy(out, dst, sizeof(dst));
		r->next = want;
		return 1;
	}
	return 0;
}

uint64_t
wp_export_lost(const struct wp_export_reader *r)
{
	return r->lost;
}

uint64_t
wp_export_next_seq(const struct wp_export_reader *r)
{
	return r->next;
}

int
wp_export_writer_closed(const struct wp_export_reader *r)
{
	return (__atomic_load_n(&r->hdr->flags, __ATOMIC_ACQUIRE) &
			WP_EXPORT_F_CLOSED) != 0;
}
