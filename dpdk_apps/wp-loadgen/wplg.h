/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-loadgen internals shared by main.c, opts.c and report.c (and the
 * unit tests, which compile opts.c and report.c on their own). */
#ifndef WPLG_H
#define WPLG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <warmpool/loadgen-t.h>

#define WPLG_PROG "wp-loadgen"
#define WPLG_EXIT_OK 0
#define WPLG_EXIT_FAIL 1      /* set-up failure, leak */
#define WPLG_EXIT_TARGET 3    /* the target is unusable (wp_lg_fatal) */
#define WPLG_EXIT_USAGE 64    /* bad options */

struct wplg_opts {
	/* target */
	char url[1024];
	uint32_t dst_ip;              /* host order */
	uint16_t dst_port;
	char host[64];                /* Host header: the URL's authority */
	char path[1024];
	enum wp_http1_method method;
	char method_name[16];
	char headers[2048];           /* extra "Name: value\r\n" lines */
	size_t headers_len;
	/* load */
	uint32_t conns;               /* in total, spread over the workers */
	uint32_t depth;
	enum wp_lg_mode mode;
	double rate;                  /* open loop, req/s in total */
	double warmup_s, duration_s, timeout_s;
	uint32_t backlog;
	uint64_t seed;
	/* our side */
	uint32_t src_ip;              /* worker w uses src_ip + w */
	uint8_t prefix_len;
	uint32_t gateway;
	enum { WPLG_IDLE_YIELD = 0, WPLG_IDLE_SLEEP, WPLG_IDLE_SPIN } idle;
	uint32_t idle_sleep_us;       /* WPLG_IDLE_SLEEP: per idle poll */
	/* output */
	bool json, quiet;
};

/* Defaults, then argv (argv[0] is the program name; options only, the
 * EAL part already removed). Returns 0, 1 for --help (usage printed to
 * `out`), or -EINVAL with a message in err. Resets getopt itself. */
int wplg_opts_parse(struct wplg_opts *o, int argc, char **argv, FILE *out,
		    char *err, size_t errlen);
void wplg_usage(FILE *f);
/* "a.b.c.d" -> host order; -EINVAL. */
int wplg_parse_ip(const char *s, uint32_t *ip);
/* The request the options describe; its length, or -E2BIG. */
int wplg_build_request(const struct wplg_opts *o, uint8_t *buf, size_t len);

/* What the run was, for the report. */
struct wplg_run {
	unsigned workers;
	double measured_s;            /* measured window actually run */
	enum wp_lg_fatal fatal;
	const char *fatal_detail;
};

/* Human report (several lines) and the JSON object (one line). */
void wplg_report_text(FILE *f, const struct wplg_opts *o, const struct wplg_run *r,
		      const struct wp_lg_stats *s);
void wplg_report_json(FILE *f, const struct wplg_opts *o, const struct wplg_run *r,
		      const struct wp_lg_stats *s);

#endif /* WPLG_H */
