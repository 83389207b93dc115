/* SPDX-License-Identifier: BSD-3-Clause */
/* export_fixture: writes a telemetry export ring through the writer API
 * (include/warmpool/export.h) for wp-stat's tests (test_wp_stat.py).
 *
 *   export_fixture PATH CAPACITY N_WORKERS SNAPSHOT_NS [BACKEND_NAME...]
 *
 * then reads commands on stdin, one per line, and answers each with
 * "ok <records written>" on stdout:
 *   rec TYPE WORKER BACKEND TS_NS HEX   publish one record; WORKER/BACKEND
 *                                       "-" for WP_EXPORT_NONE; HEX is the
 *                                       96-byte payload (192 hex digits)
 *   fill N                              publish N CORE records of worker 0,
 *                                       loops = record number, in one burst
 *   close                               wp_export_close(w, 0): F_CLOSED set
 * End of input closes the ring too; a test that wants a writer that died
 * kills this process instead.
 *
 * The payload arrives as raw bytes so the test, not this program, decides
 * every field: the Python side packs them from its own copy of the layout
 * in export-t.h, which checks the layout as a side effect.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <warmpool/export.h>

static int
parse_index(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "-") == 0) {
		*out = WP_EXPORT_NONE;
		return 0;
	}
	v = strtoul(s, &end, 10);
	if (*end || v > 0xffff)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int
parse_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct wp_export_writer *w = NULL;
	struct wp_export_meta meta;
	char line[1024];
	int rc = 1;

	if (argc < 5) {
		fprintf(stderr, "usage: %s PATH CAPACITY N_WORKERS SNAPSHOT_NS [NAME...]\n", argv[0]);
		return 64;
	}
	meta = (struct wp_export_meta){
		.n_workers = (uint32_t)strtoul(argv[3], NULL, 10),
		.n_backends = (uint32_t)(argc - 5),
		.snapshot_ns = strtoull(argv[4], NULL, 10),
		.backend_names = (const char *const *)&argv[5],
	};
	w = wp_export_create(argv[1], (uint32_t)strtoul(argv[2], NULL, 10), &meta);
	if (w == NULL) {
		fprintf(stderr, "export_fixture: wp_export_create(%s): %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char type[16], wk[16], bk[16], hex[256];
		struct wp_export_rec rec;
		unsigned long long ts, n;

		memset(&rec, 0, sizeof(rec));
		if (w == NULL) {
			fprintf(stderr, "export_fixture: ring already closed: %s", line);
			goto out;
		}
		if (sscanf(line, "rec %15s %15s %15s %llu %255s", type, wk, bk, &ts, hex) == 5) {
			rec.type = (uint16_t)strtoul(type, NULL, 10);
			rec.ts_ns = ts;
			if (parse_index(wk, &rec.worker) || parse_index(bk, &rec.backend) ||
			    parse_hex(hex, (uint8_t *)&rec.u, sizeof(rec.u))) {
				fprintf(stderr, "export_fixture: bad rec line: %s", line);
				goto out;
			}
			wp_export_publish(w, &rec);
		} else if (sscanf(line, "fill %llu", &n) == 1) {
			for (unsigned long long i = 0; i < n; i++) {
				rec.type = WP_X_CORE;
				rec.worker = 0;
				rec.backend = WP_EXPORT_NONE;
				rec.ts_ns = 1000 + wp_export_written(w);
				rec.u.core.loops = wp_export_written(w);
				wp_export_publish(w, &rec);
			}
		} else if (strcmp(line, "close\n") == 0) {
			wp_export_close(w, 0);
			w = NULL;
			printf("ok closed\n");
			fflush(stdout);
			continue;
		} else {
			fprintf(stderr, "export_fixture: unknown command: %s", line);
			goto out;
		}
		printf("ok %" PRIu64 "\n", wp_export_written(w));
		fflush(stdout);
	}
	rc = 0;
out:
	wp_export_close(w, 0);
	return rc;
}
