/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: wp-stat's formatters over records it did not write.
 *
 * A telemetry ring is another process's bytes, so every field wp-stat
 * prints (type, worker and backend indexes, enum values, hist ranges,
 * event arguments, names without a NUL) may be anything. The input is
 * laid out so the fuzzer reaches the formatters instead of the ring's
 * geometry checks (export.c has its own tests for those):
 *   byte 0..1   n_workers (u16), byte 2: n_backends (mod 65)
 *   then up to 16 records of 128 bytes (seq is set to make them readable)
 *   then whatever is left: the start of the backend names table.
 * Every record goes through JSON, the event line and the state; the live
 * view and Prometheus output are then drawn from that state.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <warmpool/export.h>

#include "wpstat.h"

#define CAP 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	size_t len = WP_EXPORT_HDR_SIZE + CAP * WP_EXPORT_REC_SIZE, n = 0, names;
	uint64_t *buf;
	struct wp_export_hdr *h;
	struct wp_export_rec *slots, rec;
	struct wp_export_reader *r = NULL;
	struct wpstat_state *s;

	if (size < 3)
		return 0;
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	buf = calloc(1, len);
	if (buf == NULL || sink == NULL)
		goto out;
	h = (struct wp_export_hdr *)buf;
	slots = (struct wp_export_rec *)((char *)buf + WP_EXPORT_HDR_SIZE);
	memcpy(h->magic, WP_EXPORT_MAGIC, sizeof(WP_EXPORT_MAGIC));
	h->version = WP_EXPORT_VERSION;
	h->hdr_size = WP_EXPORT_HDR_SIZE;
	h->rec_size = WP_EXPORT_REC_SIZE;
	h->capacity = CAP;
	h->n_workers = (uint32_t)data[0] | (uint32_t)data[1] << 8;
	h->n_backends = data[2] % (WP_EXPORT_MAX_BACKENDS + 1);
	data += 3;
	size -= 3;
	for (; n < CAP && size >= WP_EXPORT_REC_SIZE; n++) {
		memcpy(&slots[n], data, WP_EXPORT_REC_SIZE);
		slots[n].seq = n + 1;
		data += WP_EXPORT_REC_SIZE;
		size -= WP_EXPORT_REC_SIZE;
	}
	names = size < sizeof(h->backend_name) ? size : sizeof(h->backend_name);
	memcpy(h->backend_name, data, names);
	h->write_seq = n;
	if (n % 2)
		h->flags = WP_EXPORT_F_CLOSED;

	if (wp_export_open_mem(buf, len, &r, NULL, 0) != 0)
		goto out;
	s = wpstat_state_new(h);
	if (s == NULL)
		goto out;
	while (wp_export_next(r, &rec) == 1) {
		wpstat_json_rec(sink, h, &rec);
		if (rec.type == WP_X_EVENT)
			wpstat_event_line(sink, h, &rec);
		wpstat_state_add(s, &rec);
	}
	wpstat_view(sink, h, s, "fuzz.ring", 1, wp_export_writer_closed(r));
	wpstat_prometheus(sink, h, s);
	wpstat_state_free(s);
out:
	wp_export_reader_close(r);
	free(buf);
	return 0;
}
