/* SPDX-License-Identifier: BSD-3-Clause */
/* The telemetry export ring: writer (control core) and reader (wp-stat,
 * tests, any tool). Layout and protocol: export-t.h.
 *
 * Neither side needs DPDK or EAL: the ring is a plain file mapped with
 * mmap(2), so a reader is a small program. The writer never waits for a
 * reader and never learns about them; a reader never writes to the file.
 */
#ifndef WARMPOOL_EXPORT_H
#define WARMPOOL_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <warmpool/export-t.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the writer puts in the header page. */
struct wp_export_meta {
	uint32_t n_workers;
	uint32_t n_backends;          /* <= WP_EXPORT_MAX_BACKENDS */
	uint64_t snapshot_ns;
	const char *const *backend_names; /* n_backends names (truncated to 31) */
};

struct wp_export_writer;

/* Create the ring file at `path` with `capacity` slots (power of two,
 * 2 .. 2^24) and mode 0600, replacing an old file atomically (written
 * beside it, then renamed), so a reader never maps a half-made header.
 * The parent directory must exist. NULL + errno on failure (EINVAL for a
 * bad capacity or meta, the system's errno otherwise). */
struct wp_export_writer *wp_export_create(const char *path, uint32_t capacity,
		const struct wp_export_meta *meta);

/* Publish one record: rec->seq is ignored and set; ts_ns is kept as given
 * (0: the writer stamps CLOCK_MONOTONIC). Returns the record number.
 * Never blocks, never fails. Writer thread only. */
uint64_t wp_export_publish(struct wp_export_writer *w,
		const struct wp_export_rec *rec);

/* Records published so far. */
uint64_t wp_export_written(const struct wp_export_writer *w);

/* Mark the ring closed (WP_EXPORT_F_CLOSED), unmap, and unlink the file if
 * `unlink_file`. Accepts NULL. */
void wp_export_close(struct wp_export_writer *w, int unlink_file);

/* ------------------------------------------------------------------ */
/* Reader                                                              */

/* Why a file was refused (wp_export_reader_errors() counts them). */
enum wp_export_err {
	WP_XERR_IO = 0,       /* open/stat/mmap failed */
	WP_XERR_SHORT,        /* smaller than a header, or than its slots */
	WP_XERR_MAGIC,        /* not a warmpool telemetry ring */
	WP_XERR_VERSION,      /* a version this reader does not know */
	WP_XERR_GEOMETRY,     /* hdr_size, rec_size, capacity or counts wrong */
	WP_XERR__COUNT
};

struct wp_export_reader;

/* Open and validate a ring file. 0, or a negative errno with a message
 * naming the file and the problem in err: the system's errno when it
 * cannot be opened, stat'ed or mapped (-ENOENT: no writer has created it),
 * -EIO for a path that is not a regular file, -EPROTO for a short file or
 * the wrong magic/geometry, -ENOTSUP for another version. Each refusal is
 * counted (wp_export_reader_errors); the first of each cause in a process
 * is also written to stderr. */
int wp_export_open(const char *path, struct wp_export_reader **out,
		char *err, size_t errlen);
/* The same over bytes in memory (tests, fuzzing); the buffer must be
 * 8-byte aligned (-EINVAL otherwise: slots are read as 64-bit atomics),
 * outlive the reader, and is only read. */
int wp_export_open_mem(const void *buf, size_t len,
		struct wp_export_reader **out, char *err, size_t errlen);
void wp_export_reader_close(struct wp_export_reader *r); /* NULL is fine */

const struct wp_export_hdr *wp_export_header(const struct wp_export_reader *r);

/* Where the next wp_export_next() starts: the oldest record still in the
 * ring, or only records published from now on. */
enum wp_export_from { WP_EXPORT_OLDEST = 0, WP_EXPORT_NEWEST = 1 };
void wp_export_seek(struct wp_export_reader *r, enum wp_export_from from);

/* Copy the next record into *out. 1: a record; 0: nothing new yet.
 * When the writer lapped the reader, the reader jumps to a record still
 * readable (an eighth of the ring past the oldest, so a writer that keeps
 * going does not lap it again at once; WP_EXPORT_OLDEST starts there too
 * once the ring has wrapped) and adds exactly the skipped count to its
 * loss. */
int wp_export_next(struct wp_export_reader *r, struct wp_export_rec *out);

uint64_t wp_export_lost(const struct wp_export_reader *r);     /* records lost so far */
uint64_t wp_export_next_seq(const struct wp_export_reader *r); /* record number wanted next */
int wp_export_writer_closed(const struct wp_export_reader *r); /* 1 when F_CLOSED */

/* Process-wide count of files refused, by cause (enum wp_export_err). */
uint64_t wp_export_reader_errors(enum wp_export_err e);

#ifdef __cplusplus
}
#endif

#endif /* WARMPOOL_EXPORT_H */
