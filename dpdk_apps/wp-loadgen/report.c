/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-loadgen results: a human table and one JSON object, from the stats
 * of every worker merged (wp_lg_stats_merge). Latencies are printed in
 * microseconds; quantiles come from the log-linear histogram (within
 * 12.5% of the true value, hist.h), the max is exact. */
#include <inttypes.h>
#include <stdio.h>

#include <warmpool/hist.h>
#include <warmpool/loadgen.h>

#include "wplg.h"

static const char *const mode_names[] = {
	[WP_LG_CLOSED] = "closed", [WP_LG_CONSTANT] = "constant", [WP_LG_POISSON] = "poisson",
};

static double
us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static double
mean_us(const struct wp_hist *h)
{
	return h->total ? (double)h->sum_ns / (double)h->total / 1000.0 : 0.0;
}

static uint64_t
errors_total(const struct wp_lg_stats *s)
{
	uint64_t n = 0;

	for (int e = 0; e < WP_LG_E__COUNT; e++)
		n += s->errors[e];
	return n;
}

/* The achieved rate: responses that completed inside the window. */
static double
rps(const struct wplg_run *r, const struct wp_lg_stats *s)
{
	return r->measured_s > 0 ? (double)s->in_window / r->measured_s : 0.0;
}

void
wplg_report_text(FILE *f, const struct wplg_opts *o, const struct wplg_run *r,
		 const struct wp_lg_stats *s)
{
	const struct wp_hist *h = &s->lat;

	fprintf(f, "%s: %s %s, %u worker(s), %u connections, ", WPLG_PROG, o->method_name,
		o->url, r->workers, o->conns);
	if (o->mode == WP_LG_CLOSED)
		fprintf(f, "closed loop, %u outstanding per connection", o->depth);
	else
		fprintf(f, "open loop %s %.0f req/s", mode_names[o->mode], o->rate);
	fprintf(f, "; %.1f s warm-up, %.2f s measured\n", o->warmup_s, r->measured_s);
	if (r->fatal != WP_LG_F_NONE)
		fprintf(f, "  TARGET UNUSABLE: %s (%s)\n", wp_lg_fatal_name(r->fatal),
			r->fatal_detail ? r->fatal_detail : "");
	fprintf(f, "  %-12s %12s %12s %12s %12s\n", "", "intended", "sent", "completed", "req/s");
	fprintf(f, "  %-12s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12.1f   (req/s: responses "
		"inside the window)\n", "requests", s->intended, s->sent, s->completed, rps(r, s));
	fprintf(f, "  %-12s %9s %9s %9s %9s %9s %9s   (us, from the intended send time)\n",
		"", "p50", "p90", "p99", "p99.9", "max", "mean");
	fprintf(f, "  %-12s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f\n", "latency",
		us(wp_hist_quantile(h, 0.5)), us(wp_hist_quantile(h, 0.9)),
		us(wp_hist_quantile(h, 0.99)), us(wp_hist_quantile(h, 0.999)),
		us(h->max_ns), mean_us(h));
	if (o->mode != WP_LG_CLOSED)
		fprintf(f, "  %-12s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f   (how late we sent)\n",
			"send lag", us(wp_hist_quantile(&s->lag, 0.5)),
			us(wp_hist_quantile(&s->lag, 0.9)), us(wp_hist_quantile(&s->lag, 0.99)),
			us(wp_hist_quantile(&s->lag, 0.999)), us(s->lag.max_ns),
			mean_us(&s->lag));
	fprintf(f, "  %-12s 1xx %" PRIu64 "  2xx %" PRIu64 "  3xx %" PRIu64 "  4xx %" PRIu64
		"  5xx %" PRIu64 "  other %" PRIu64 "\n", "status", s->status[1], s->status[2],
		s->status[3], s->status[4], s->status[5], s->status[0]);
	fprintf(f, "  %-12s", "errors");
	if (errors_total(s) == 0)
		fprintf(f, " none");
	for (int e = 0; e < WP_LG_E__COUNT; e++)
		if (s->errors[e] != 0)
			fprintf(f, " %s %" PRIu64, wp_lg_err_name((enum wp_lg_err)e), s->errors[e]);
	for (int e = 1; e < WP_HTTP1_E__COUNT; e++)
		if (s->bad_response[e] != 0)
			fprintf(f, " (framing: %s %" PRIu64 ")",
				wp_http1_err_name((enum wp_http1_err)e), s->bad_response[e]);
	fprintf(f, "\n  %-12s out %" PRIu64 " in %" PRIu64 " (%.1f MB/s in)\n", "bytes",
		s->bytes_out, s->bytes_in,
		r->measured_s > 0 ? (double)s->bytes_in / r->measured_s / 1e6 : 0.0);
	fprintf(f, "  %-12s attempts %" PRIu64 " established %" PRIu64
		" closed by the server %" PRIu64 "\n", "connections", s->connects, s->connected,
		s->closed_by_server);
}

static void
json_hist(FILE *f, const char *name, const struct wp_hist *h)
{
	fprintf(f, "\"%s\": {\"count\": %" PRIu64 ", \"p50\": %.1f, \"p90\": %.1f, "
		"\"p99\": %.1f, \"p999\": %.1f, \"max\": %.1f, \"mean\": %.1f}", name, h->total,
		us(wp_hist_quantile(h, 0.5)), us(wp_hist_quantile(h, 0.9)),
		us(wp_hist_quantile(h, 0.99)), us(wp_hist_quantile(h, 0.999)), us(h->max_ns),
		mean_us(h));
}

void
wplg_report_json(FILE *f, const struct wplg_opts *o, const struct wplg_run *r,
		 const struct wp_lg_stats *s)
{
	fprintf(f, "{\"tool\": \"wp-loadgen\", \"url\": \"%s\", \"method\": \"%s\", "
		"\"workers\": %u, \"connections\": %u, \"mode\": \"%s\", \"depth\": %u, "
		"\"rate\": %.3f, \"warmup_s\": %.3f, \"duration_s\": %.3f, ",
		o->url, o->method_name, r->workers, o->conns, mode_names[o->mode], o->depth,
		o->rate, o->warmup_s, r->measured_s);
	fprintf(f, "\"intended\": %" PRIu64 ", \"sent\": %" PRIu64 ", \"requests\": %" PRIu64
		", \"in_window\": %" PRIu64 ", \"rps\": %.1f, \"responses_all\": %" PRIu64 ", ",
		s->intended, s->sent, s->completed, s->in_window, rps(r, s), s->completed_all);
	json_hist(f, "latency_us", &s->lat);
	fprintf(f, ", ");
	json_hist(f, "send_lag_us", &s->lag);
	fprintf(f, ", \"status\": {\"1xx\": %" PRIu64 ", \"2xx\": %" PRIu64 ", \"3xx\": %" PRIu64
		", \"4xx\": %" PRIu64 ", \"5xx\": %" PRIu64 ", \"other\": %" PRIu64 "}, ",
		s->status[1], s->status[2], s->status[3], s->status[4], s->status[5], s->status[0]);
	fprintf(f, "\"errors\": {");
	for (int e = 0; e < WP_LG_E__COUNT; e++)
		fprintf(f, "\"%s\": %" PRIu64 ", ", wp_lg_err_name((enum wp_lg_err)e), s->errors[e]);
	fprintf(f, "\"total\": %" PRIu64 "}, \"bad_response\": {", errors_total(s));
	for (int e = 1, first = 1; e < WP_HTTP1_E__COUNT; e++)
		if (s->bad_response[e] != 0) {
			fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ",
				wp_http1_err_name((enum wp_http1_err)e), s->bad_response[e]);
			first = 0;
		}
	fprintf(f, "}, \"bytes_out\": %" PRIu64 ", \"bytes_in\": %" PRIu64
		", \"connects\": %" PRIu64 ", \"connected\": %" PRIu64
		", \"closed_by_server\": %" PRIu64 ", ", s->bytes_out, s->bytes_in, s->connects,
		s->connected, s->closed_by_server);
	if (r->fatal == WP_LG_F_NONE)
		fprintf(f, "\"fatal\": null}\n");
	else
		fprintf(f, "\"fatal\": \"%s\", \"fatal_detail\": \"%s\"}\n",
			wp_lg_fatal_name(r->fatal), r->fatal_detail ? r->fatal_detail : "");
}
