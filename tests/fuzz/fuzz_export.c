/* libFuzzer target: the telemetry export ring reader (src/control/export.c).
 * Any bytes are taken as a whole ring file through wp_export_open_mem().
 * A refusal must return -EPROTO or -ENOTSUP with a NUL-terminated message
 * and count exactly one cause. An accepted file is read to the end from
 * the oldest record: since nothing writes the bytes meanwhile, each slot
 * can match at most one record number, so at most `capacity` records come
 * back, with strictly increasing numbers, and records read + lost must
 * equal how far the reader moved. Then once more from the newest record.
 * Any broken property traps; ASan catches a read outside the buffer (the
 * case of a header that claims more slots than the bytes hold). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <warmpool/export.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void
read_all(struct wp_export_reader *r, uint32_t cap)
{
	struct wp_export_rec rec;
	uint64_t start = wp_export_next_seq(r), lost0 = wp_export_lost(r);
	uint64_t got = 0, last = 0, calls;

	/* a bounded number of calls: next() may give up after a few laps
	 * and return 0 on a lying file, so keep asking a while */
	for (calls = 0; calls < (uint64_t)cap + 64; calls++) {
		if (wp_export_next(r, &rec) != 1)
			continue;
		CHECK(got == 0 || rec.seq > last);
		CHECK(rec.seq == wp_export_next_seq(r));
		last = rec.seq;
		got++;
	}
	CHECK(got <= cap);
	CHECK(got + (wp_export_lost(r) - lost0) == wp_export_next_seq(r) - start);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t before = 0, after = 0;
	struct wp_export_reader *r = NULL;
	void *buf = malloc(size ? size : 1); /* 8-byte aligned copy */
	char err[128];
	int rc, e;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	for (e = 0; e < WP_XERR__COUNT; e++)
		before += wp_export_reader_errors(e);
	memset(err, 'x', sizeof(err));
	rc = wp_export_open_mem(buf, size, &r, err, sizeof(err));
	for (e = 0; e < WP_XERR__COUNT; e++)
		after += wp_export_reader_errors(e);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc != 0) {
		CHECK(rc == -EPROTO || rc == -ENOTSUP);
		CHECK(r == NULL);
		CHECK(after == before + 1);
		CHECK(err[0] != '\0');
		free(buf);
		return 0;
	}
	CHECK(r != NULL && after == before && err[0] == '\0');
	const struct wp_export_hdr *h = wp_export_header(r);
	uint32_t cap = h->capacity;
	CHECK(cap >= 2 && (cap & (cap - 1)) == 0);
	CHECK(size == WP_EXPORT_HDR_SIZE + (size_t)cap * WP_EXPORT_REC_SIZE);
	CHECK(h->n_backends <= WP_EXPORT_MAX_BACKENDS);
	(void)wp_export_writer_closed(r);
	read_all(r, cap);
	wp_export_seek(r, WP_EXPORT_NEWEST);
	read_all(r, cap);
	wp_export_reader_close(r);
	free(buf);
	return 0;
}
