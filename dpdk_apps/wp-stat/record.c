/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-stat: one record at a time, as JSON or as an event line.
 *
 * The ring's bytes come from another process and possibly another version
 * of warmpool, so nothing here trusts them: enum values outside the known
 * range print as numbers, backend names are bounded by the table's width
 * whether or not they end in NUL, and every string that reaches JSON or a
 * terminal is escaped (RFC 8259 section 7: '"', '\\' and controls; bytes
 * >= 0x80 are written as \u00XX so the output is valid JSON even when a
 * name is not UTF-8). Unknown record types are printed with their raw
 * payload words, never dropped, as export-t.h asks of readers.
 *
 * JSON objects are one per line ("JSON lines"), field names exactly those
 * of export-t.h's structs, plus "type" as a name and "backend_name";
 * "seq" is the slot's seq field as the writer stored it (record number
 * + 1), worker/backend are null for WP_EXPORT_NONE, enums (health,
 * breaker, event code) are names, or numbers when unknown.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <warmpool/pool.h>

#include "wpstat.h"

static const char *const type_names[] = {
	[WP_X_NONE] = "none", [WP_X_CORE] = "core", [WP_X_POOL] = "pool",
	[WP_X_BACKEND] = "backend", [WP_X_HIST] = "hist", [WP_X_EVENT] = "event",
	[WP_X_STEER] = "steer", [WP_X_HANDOFF] = "handoff",
};
static const char *const health_names[] = {
	[WP_XH_UNKNOWN] = "unknown", [WP_XH_UP] = "up", [WP_XH_DOWN] = "down",
	[WP_XH_DRAIN] = "drain",
};
static const char *const breaker_names[] = {
	[WP_XB_CLOSED] = "closed", [WP_XB_OPEN] = "open",
	[WP_XB_HALF_OPEN] = "half_open",
};
static const char *const cause_names[] = {
	[WP_XBC_NONE] = "none", [WP_XBC_SESSIONS] = "sessions",
	[WP_XBC_PENDING] = "pending", [WP_XBC_RETRIES] = "retries",
	[WP_XBC_FAILURES] = "failures", [WP_XBC_TIMER] = "timer",
	[WP_XBC_PROBES_OK] = "probes_ok",
};
static const char *const event_names[] = {
	[WP_XE_SESSION_OPENED] = "session_opened",
	[WP_XE_SESSION_CLOSED] = "session_closed",
	[WP_XE_PROBE] = "probe", [WP_XE_HEALTH] = "health",
	[WP_XE_EJECT] = "eject", [WP_XE_BREAKER] = "breaker",
	[WP_XE_LEAK] = "leak", [WP_XE_TARGET] = "target",
	[WP_XE_WORKER] = "worker", [WP_XE_DRAIN] = "drain",
};

#define NAME_OF(tbl, v) \
	((v) < sizeof(tbl) / sizeof(tbl[0]) && tbl[v] ? tbl[v] : NULL)

const char *wpstat_type_name(unsigned t) { return NAME_OF(type_names, t); }
const char *wpstat_health_name(unsigned h) { return NAME_OF(health_names, h); }
const char *wpstat_breaker_name(unsigned b) { return NAME_OF(breaker_names, b); }
const char *wpstat_cause_name(unsigned c) { return NAME_OF(cause_names, c); }
const char *wpstat_event_name(unsigned e) { return NAME_OF(event_names, e); }

const char *
wpstat_backend_name(const struct wp_export_hdr *h, unsigned backend,
		char buf[WP_EXPORT_NAME_LEN])
{
	if (backend == WP_EXPORT_NONE || backend >= WP_EXPORT_MAX_BACKENDS)
		return NULL;
	memcpy(buf, h->backend_name[backend], WP_EXPORT_NAME_LEN);
	buf[WP_EXPORT_NAME_LEN - 1] = '\0';
	return buf;
}

void
wpstat_fmt_ns(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
}

/* A JSON string (with the quotes). */
static void
json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void
ju(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, ",\"%s\":%" PRIu64, key, v);
}

/* An enum field: its name, or its number when the name is unknown. */
static void
jenum(FILE *out, const char *key, const char *name, unsigned v)
{
	if (name)
		fprintf(out, ",\"%s\":\"%s\"", key, name);
	else
		fprintf(out, ",\"%s\":%u", key, v);
}

static void
json_core(FILE *out, const struct wp_export_core *c)
{
	ju(out, "loops", c->loops);
	ju(out, "busy_polls", c->busy_polls);
	ju(out, "idle_polls", c->idle_polls);
	ju(out, "busy_ns", c->busy_ns);
	ju(out, "idle_ns", c->idle_ns);
	ju(out, "rx_pkts", c->rx_pkts);
	ju(out, "tx_pkts", c->tx_pkts);
	ju(out, "requests", c->requests);
	ju(out, "errors", c->errors);
	ju(out, "clients", c->clients);
	ju(out, "telem_drops", c->telem_drops);
	ju(out, "lcore", c->lcore);
}

static void
json_pool(FILE *out, const struct wp_export_pool *p)
{
	ju(out, "idle", p->idle);
	ju(out, "leased", p->leased);
	ju(out, "connecting", p->connecting);
	ju(out, "pending", p->pending);
	ju(out, "min_idle", p->min_idle);
	ju(out, "max_sessions", p->max_sessions);
	ju(out, "opened", p->opened);
	ju(out, "closed", p->closed);
	ju(out, "acquires", p->acquires);
	ju(out, "reused", p->reused);
	ju(out, "requests", p->requests);
	ju(out, "errors", p->errors);
	ju(out, "overflows", p->overflows);
	ju(out, "timeouts", p->timeouts);
	ju(out, "lat_sum_ns", p->lat_sum_ns);
}

static void
json_backend(FILE *out, const struct wp_export_backend *b)
{
	jenum(out, "health", wpstat_health_name(b->health), b->health);
	jenum(out, "breaker", wpstat_breaker_name(b->breaker), b->breaker);
	ju(out, "ejected", b->ejected);
	ju(out, "weight", b->weight);
	ju(out, "idle", b->idle);
	ju(out, "leased", b->leased);
	ju(out, "connecting", b->connecting);
	ju(out, "pending", b->pending);
	ju(out, "budget", b->budget);
	ju(out, "targets", b->targets);
	ju(out, "requests", b->requests);
	ju(out, "errors", b->errors);
	ju(out, "rps_milli", b->rps_milli);
	ju(out, "p50_ns", b->p50_ns);
	ju(out, "p99_ns", b->p99_ns);
	ju(out, "ejections", b->ejections);
	ju(out, "probes_failed", b->probes_failed);
	ju(out, "probes_ok", b->probes_ok);
}

static void
json_steer(FILE *out, const struct wp_export_steer *x)
{
	ju(out, "landed", x->landed);
	ju(out, "local", x->local);
	ju(out, "handed_off", x->handed_off);
	ju(out, "ring_full", x->ring_full);
	ju(out, "from_peers", x->from_peers);
	ju(out, "copies", x->copies);
	ju(out, "copy_lost", x->copy_lost);
}

static void
json_handoff(FILE *out, const struct wp_export_handoff *x)
{
	ju(out, "peer", x->peer);
	ju(out, "sent", x->sent);
	ju(out, "dropped", x->dropped);
	ju(out, "received", x->received);
}

static void
json_hist(FILE *out, const struct wp_export_hist *hi)
{
	unsigned n = hi->n <= 22 ? hi->n : 22;

	ju(out, "first", hi->first);
	ju(out, "n", hi->n);
	fputs(",\"count\":[", out);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%s%" PRIu32, i ? "," : "", hi->count[i]);
	fputc(']', out);
}

static void
json_u64s(FILE *out, const char *key, const uint64_t *v, unsigned n)
{
	fprintf(out, ",\"%s\":[", key);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", v[i]);
	fputc(']', out);
}

static void
json_event(FILE *out, const struct wp_export_event *ev)
{
	char text[256];

	jenum(out, "code", wpstat_event_name(ev->code), ev->code);
	json_u64s(out, "arg", ev->arg, 11);
	wpstat_event_args(text, sizeof(text), ev);
	fputs(",\"text\":", out);
	json_str(out, text);
}

void
wpstat_json_rec(FILE *out, const struct wp_export_hdr *h,
		const struct wp_export_rec *rec)
{
	char nbuf[WP_EXPORT_NAME_LEN];
	const char *tname = wpstat_type_name(rec->type);
	const char *bname = wpstat_backend_name(h, rec->backend, nbuf);

	if (tname)
		fprintf(out, "{\"type\":\"%s\"", tname);
	else
		fprintf(out, "{\"type\":\"unknown\",\"type_num\":%u", rec->type);
	ju(out, "seq", rec->seq);
	ju(out, "ts_ns", rec->ts_ns);
	if (rec->worker == WP_EXPORT_NONE)
		fputs(",\"worker\":null", out);
	else
		ju(out, "worker", rec->worker);
	if (rec->backend == WP_EXPORT_NONE)
		fputs(",\"backend\":null", out);
	else
		ju(out, "backend", rec->backend);
	fputs(",\"backend_name\":", out);
	if (bname)
		json_str(out, bname);
	else
		fputs("null", out);
	ju(out, "flags", rec->flags);

	switch (rec->type) {
	case WP_X_CORE: json_core(out, &rec->u.core); break;
	case WP_X_POOL: json_pool(out, &rec->u.pool); break;
	case WP_X_BACKEND: json_backend(out, &rec->u.backend); break;
	case WP_X_HIST: json_hist(out, &rec->u.hist); break;
	case WP_X_EVENT: json_event(out, &rec->u.event); break;
	case WP_X_STEER: json_steer(out, &rec->u.steer); break;
	case WP_X_HANDOFF: json_handoff(out, &rec->u.handoff); break;
	default: json_u64s(out, "u64", rec->u.u64, 12); break;
	}
	fputs("}\n", out);
}

void
wpstat_json_lost(FILE *out, uint64_t count)
{
	fprintf(out, "{\"type\":\"lost\",\"count\":%" PRIu64 "}\n", count);
}

/* "name" or "#N" for an enum value with no name. */
static const char *
ename(char *buf, size_t len, const char *name, uint64_t v)
{
	if (name)
		return name;
	snprintf(buf, len, "#%" PRIu64, v);
	return buf;
}

void
wpstat_event_args(char *buf, size_t len, const struct wp_export_event *ev)
{
	const uint64_t *a = ev->arg;
	char d[32], e1[24], e2[24], e3[24];

	switch (ev->code) {
	case WP_XE_SESSION_OPENED:
		snprintf(buf, len, "session=%" PRIu64, a[0]);
		break;
	case WP_XE_SESSION_CLOSED:
		snprintf(buf, len, "session=%" PRIu64 " reason=%s", a[0],
			a[1] < WP_CLOSE__COUNT ?
			wp_close_reason_name((enum wp_close_reason)a[1]) :
			ename(e1, sizeof(e1), NULL, a[1]));
		break;
	case WP_XE_PROBE:
		wpstat_fmt_ns(d, sizeof(d), a[1]);
		snprintf(buf, len, "%s latency=%s status=%" PRIu64 " errno=%" PRIu64,
			a[0] ? "ok" : "failed", d, a[2], a[3]);
		break;
	case WP_XE_HEALTH:
		snprintf(buf, len, "health=%s was=%s",
			ename(e1, sizeof(e1), a[0] < 256 ? wpstat_health_name((unsigned)a[0]) : NULL, a[0]),
			ename(e2, sizeof(e2), a[1] < 256 ? wpstat_health_name((unsigned)a[1]) : NULL, a[1]));
		break;
	case WP_XE_EJECT:
		wpstat_fmt_ns(d, sizeof(d), a[1]);
		if (a[0])
			snprintf(buf, len, "ejected for=%s ejections=%" PRIu64, d, a[2]);
		else
			snprintf(buf, len, "returned ejections=%" PRIu64, a[2]);
		break;
	case WP_XE_BREAKER:
		snprintf(buf, len, "breaker=%s was=%s cause=%s",
			ename(e1, sizeof(e1), a[0] < 256 ? wpstat_breaker_name((unsigned)a[0]) : NULL, a[0]),
			ename(e2, sizeof(e2), a[1] < 256 ? wpstat_breaker_name((unsigned)a[1]) : NULL, a[1]),
			ename(e3, sizeof(e3), a[2] < 256 ? wpstat_cause_name((unsigned)a[2]) : NULL, a[2]));
		break;
	case WP_XE_LEAK:
		wpstat_fmt_ns(d, sizeof(d), a[1]);
		snprintf(buf, len, "session=%" PRIu64 " held=%s", a[0], d);
		break;
	case WP_XE_TARGET:
		snprintf(buf, len, "target=%" PRIu64 " was=%" PRIu64 " total=%" PRIu64,
			a[0], a[1], a[2]);
		break;
	case WP_XE_WORKER:
		snprintf(buf, len, "%s lcore=%" PRIu64, a[0] ? "started" : "stopped", a[1]);
		break;
	case WP_XE_DRAIN:
		snprintf(buf, len, "%s", a[0] == 1 ? "started" : a[0] == 2 ? "done" :
			ename(e1, sizeof(e1), NULL, a[0]));
		break;
	default:
		snprintf(buf, len, "args=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
			a[0], a[1], a[2], a[3]);
		break;
	}
}

/* A backend name for a terminal: controls and bytes >= 0x7f become '?'. */
static void
term_name(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i < WP_EXPORT_NAME_LEN - 1; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || (unsigned char)src[i] >= 0x7f ?
			'?' : src[i];
	dst[i] = '\0';
}

void
wpstat_event_line(FILE *out, const struct wp_export_hdr *h,
		const struct wp_export_rec *rec)
{
	char nbuf[WP_EXPORT_NAME_LEN], safe[WP_EXPORT_NAME_LEN], e1[24];
	char text[256], wbuf[16];
	const struct wp_export_event *ev = &rec->u.event;
	const char *bname = wpstat_backend_name(h, rec->backend, nbuf);

	if (rec->worker == WP_EXPORT_NONE)
		snprintf(wbuf, sizeof(wbuf), "-");
	else
		snprintf(wbuf, sizeof(wbuf), "%u", rec->worker);
	if (bname)
		term_name(safe, bname);
	else
		snprintf(safe, sizeof(safe), "-");
	wpstat_event_args(text, sizeof(text), ev);
	fprintf(out, "%" PRIu64 ".%06" PRIu64 " worker=%s backend=%s %s %s\n",
		rec->ts_ns / 1000000000u, rec->ts_ns % 1000000000u / 1000u,
		wbuf, safe, ename(e1, sizeof(e1), wpstat_event_name(ev->code), ev->code),
		text);
}
