/* SPDX-License-Identifier: BSD-3-Clause */
/* wp-loadgen options: parsed before EAL starts, so --help and a mistyped
 * option need no hugepages, no root and no device. Every value is checked
 * here and refused with a message that names the option and the range;
 * nothing later has to second-guess them. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wplg.h"

void
wplg_usage(FILE *f)
{
	fprintf(f,
"usage: " WPLG_PROG " [EAL options] -- [options] --ip A.B.C.D/LEN URL\n"
"\n"
"An HTTP/1.1 load generator on warmpool's own TCP stack (kernel bypass).\n"
"The EAL main lcore reports; every other lcore runs one worker with its\n"
"own stack on its own port: give one DPDK device per worker (--vdev ...),\n"
"worker w takes port w and address IP+w.\n"
"\n"
"URL: http://A.B.C.D[:PORT]/PATH (numeric IPv4; port 80 by default)\n"
"\n"
"Load:\n"
"  -c, --connections N   connections in all, spread over the workers\n"
"                        (1..1000000, default 10)\n"
"  -k, --depth K         requests outstanding per connection (closed\n"
"                        loop), or at most per connection (open loop);\n"
"                        K > 1 pipelines (1..64, default 1)\n"
"  -R, --rate R          open loop: R requests/s in all, at constant gaps\n"
"                        (default: closed loop)\n"
"      --poisson         open loop with exponential gaps (Poisson arrivals)\n"
"  -w, --warmup S        seconds before measuring (0..3600, default 2)\n"
"  -d, --duration S      measured seconds (0.1..86400, default 10)\n"
"      --timeout S       connect and response timeout (0.001..600, default 2)\n"
"      --backlog N       open loop: requests waiting for a free connection\n"
"                        (power of two, 16..16777216, default 65536)\n"
"      --seed N          Poisson schedule seed (default 1)\n"
"Request:\n"
"  -m, --method M        GET (default), HEAD, POST with no body, ...\n"
"  -H, --header 'N: V'   extra header line (repeatable)\n"
"Our side:\n"
"      --ip A.B.C.D/LEN  address of worker 0 (required)\n"
"      --gateway A.B.C.D next hop for an off-link target\n"
"      --idle MODE       what a worker does on a poll that found nothing:\n"
"                        yield (default: sched_yield, so a server sharing\n"
"                        the core runs at once), sleep:US (sleep US after a\n"
"                        few empty polls), spin (never give the core away)\n"
"Output:\n"
"      --json            the results as one JSON object (last line)\n"
"  -q, --quiet           no progress line every second (stderr)\n"
"  -h, --help            this text\n"
"\n"
"Latency is from each request's intended send time (open loop: the\n"
"schedule's, so a stalled server cannot hide its queueing).\n"
"Exit status: 0 done, 3 the target is unusable (refused, unreachable, not\n"
"HTTP, silent), 64 bad options, 1 any other failure.\n"
"\n"
"Example (one worker on an af_packet port of veth wp0):\n"
"  " WPLG_PROG " --no-huge -m 512 --lcores 0@0,1@0 --vdev net_af_packet0,iface=wp0 \\\n"
"      -- --ip 198.18.2.20/24 -c 100 -d 10 http://198.18.2.2:8080/\n");
}

static void
seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

int
wplg_parse_ip(const char *s, uint32_t *ip)
{
	unsigned a[4];
	char tail;

	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3], &tail) != 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		if (a[i] > 255)
			return -EINVAL;
	*ip = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	return 0;
}

static int
parse_u(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s[0] == '-' || s[0] == '\0')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -EINVAL;
	*v = x;
	return 0;
}

static int
parse_d(const char *s, double lo, double hi, double *v)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(x) || x < lo || x > hi)
		return -EINVAL;
	*v = x;
	return 0;
}

static int
parse_url(struct wplg_opts *o, const char *url, char *err, size_t len)
{
	const char *p = url, *slash, *colon;
	char hostpart[64];
	size_t hl;
	uint64_t port = 80;

	if (strlen(url) >= sizeof(o->url)) {
		seterr(err, len, "URL too long");
		return -EINVAL;
	}
	snprintf(o->url, sizeof(o->url), "%s", url);
	if (strncasecmp(p, "http://", 7) != 0) {
		seterr(err, len, "URL '%s': only http:// is supported", url);
		return -EINVAL;
	}
	p += 7;
	slash = strchr(p, '/');
	hl = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (hl == 0 || hl >= sizeof(hostpart)) {
		seterr(err, len, "URL '%s': no host", url);
		return -EINVAL;
	}
	memcpy(hostpart, p, hl);
	hostpart[hl] = '\0';
	snprintf(o->host, sizeof(o->host), "%s", hostpart);
	colon = strchr(hostpart, ':');
	if (colon != NULL) {
		if (parse_u(colon + 1, 1, 65535, &port) < 0) {
			seterr(err, len, "URL '%s': port must be 1..65535", url);
			return -EINVAL;
		}
		hostpart[colon - hostpart] = '\0';
	}
	if (wplg_parse_ip(hostpart, &o->dst_ip) < 0 || o->dst_ip == 0) {
		seterr(err, len, "URL '%s': the host must be a numeric IPv4 address "
		       "(no DNS on this stack)", url);
		return -EINVAL;
	}
	o->dst_port = (uint16_t)port;
	snprintf(o->path, sizeof(o->path), "%s", slash != NULL ? slash : "/");
	for (const char *c = o->path; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f ||
		    *c == '"' || *c == '\\') {
			seterr(err, len, "URL '%s': the path has a space, a control byte, "
			       "'\"' or '\\'", url);
			return -EINVAL;
		}
	return 0;
}

static const struct {
	const char *name;
	enum wp_http1_method m;
} methods[] = {
	{ "GET", WP_HTTP1_M_GET }, { "HEAD", WP_HTTP1_M_HEAD },
	{ "POST", WP_HTTP1_M_POST }, { "PUT", WP_HTTP1_M_PUT },
	{ "DELETE", WP_HTTP1_M_DELETE }, { "OPTIONS", WP_HTTP1_M_OPTIONS },
};

int
wplg_opts_parse(struct wplg_opts *o, int argc, char **argv, FILE *out,
		char *err, size_t errlen)
{
	static const struct option lo[] = {
		{ "connections", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'k' },
		{ "rate", required_argument, NULL, 'R' },
		{ "poisson", no_argument, NULL, 'P' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "backlog", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 'S' },
		{ "method", required_argument, NULL, 'm' },
		{ "header", required_argument, NULL, 'H' },
		{ "ip", required_argument, NULL, 'I' },
		{ "gateway", required_argument, NULL, 'G' },
		{ "idle", required_argument, NULL, 'Z' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool poisson = false, have_ip = false;
	uint64_t u;
	int c;

	memset(o, 0, sizeof(*o));
	o->conns = 10;
	o->depth = 1;
	o->mode = WP_LG_CLOSED;
	o->warmup_s = 2;
	o->duration_s = 10;
	o->timeout_s = 2;
	o->backlog = 65536;
	o->seed = 1;
	o->method = WP_HTTP1_M_GET;
	snprintf(o->method_name, sizeof(o->method_name), "GET");
	o->idle = WPLG_IDLE_YIELD;
	o->idle_sleep_us = 10;
	err[0] = '\0';

	optind = 0;              /* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:k:R:w:d:m:H:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_u(optarg, 1, 1000000, &u) < 0)
				goto bad;
			o->conns = (uint32_t)u;
			break;
		case 'k':
			if (parse_u(optarg, 1, WP_LG_MAX_DEPTH, &u) < 0)
				goto bad;
			o->depth = (uint32_t)u;
			break;
		case 'R':
			if (parse_d(optarg, 1e-3, 1e8, &o->rate) < 0)
				goto bad;
			break;
		case 'P':
			poisson = true;
			break;
		case 'w':
			if (parse_d(optarg, 0, 3600, &o->warmup_s) < 0)
				goto bad;
			break;
		case 'd':
			if (parse_d(optarg, 0.1, 86400, &o->duration_s) < 0)
				goto bad;
			break;
		case 'T':
			if (parse_d(optarg, 0.001, 600, &o->timeout_s) < 0)
				goto bad;
			break;
		case 'B':
			if (parse_u(optarg, 16, 1u << 24, &u) < 0 || (u & (u - 1)) != 0)
				goto bad;
			o->backlog = (uint32_t)u;
			break;
		case 'S':
			if (parse_u(optarg, 0, UINT64_MAX, &u) < 0)
				goto bad;
			o->seed = u;
			break;
		case 'm': {
			size_t i;

			for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
				if (strcmp(optarg, methods[i].name) == 0)
					break;
			if (i == sizeof(methods) / sizeof(methods[0]))
				goto bad;
			o->method = methods[i].m;
			snprintf(o->method_name, sizeof(o->method_name), "%s", methods[i].name);
			break;
		}
		case 'H': {
			size_t l = strlen(optarg);
			const char *colon = strchr(optarg, ':');

			if (colon == NULL || colon == optarg || strpbrk(optarg, "\r\n") != NULL) {
				seterr(err, errlen, "--header '%s': want 'Name: value' on one line",
				       optarg);
				return -EINVAL;
			}
			if (o->headers_len + l + 2 >= sizeof(o->headers)) {
				seterr(err, errlen, "--header: more than %zu bytes of headers",
				       sizeof(o->headers) - 1);
				return -EINVAL;
			}
			memcpy(o->headers + o->headers_len, optarg, l);
			memcpy(o->headers + o->headers_len + l, "\r\n", 3);
			o->headers_len += l + 2;
			break;
		}
		case 'I': {
			char ip[32];
			const char *sl = strchr(optarg, '/');
			size_t l = sl != NULL ? (size_t)(sl - optarg) : strlen(optarg);

			if (sl == NULL || l >= sizeof(ip) || parse_u(sl + 1, 1, 30, &u) < 0)
				goto bad;
			memcpy(ip, optarg, l);
			ip[l] = '\0';
			if (wplg_parse_ip(ip, &o->src_ip) < 0 || o->src_ip == 0)
				goto bad;
			o->prefix_len = (uint8_t)u;
			have_ip = true;
			break;
		}
		case 'G':
			if (wplg_parse_ip(optarg, &o->gateway) < 0)
				goto bad;
			break;
		case 'Z':
			if (strcmp(optarg, "yield") == 0) {
				o->idle = WPLG_IDLE_YIELD;
			} else if (strcmp(optarg, "spin") == 0) {
				o->idle = WPLG_IDLE_SPIN;
			} else if (strncmp(optarg, "sleep:", 6) == 0 &&
				   parse_u(optarg + 6, 1, 100000, &u) == 0) {
				o->idle = WPLG_IDLE_SLEEP;
				o->idle_sleep_us = (uint32_t)u;
			} else {
				goto bad;
			}
			break;
		case 'J':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			wplg_usage(out);
			return 1;
		default:
			if (optopt != 0)
				seterr(err, errlen, "option -%c: unknown, or its value is missing",
				       optopt);
			else
				seterr(err, errlen, "option '%s': unknown, or its value is missing",
				       argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		seterr(err, errlen, optind >= argc ? "no URL given" :
		       "one URL expected, got '%s' and more", argv[optind]);
		return -EINVAL;
	}
	if (parse_url(o, argv[optind], err, errlen) < 0)
		return -EINVAL;
	if (!have_ip) {
		seterr(err, errlen, "--ip A.B.C.D/LEN is required (our address on the "
		       "first port)");
		return -EINVAL;
	}
	if (poisson && o->rate == 0) {
		seterr(err, errlen, "--poisson needs --rate");
		return -EINVAL;
	}
	if (o->rate > 0)
		o->mode = poisson ? WP_LG_POISSON : WP_LG_CONSTANT;
	if (o->gateway == 0 &&
	    (o->dst_ip ^ o->src_ip) >> (32 - o->prefix_len) != 0) {
		seterr(err, errlen, "target %s is not on %u.%u.%u.%u/%u and no --gateway "
		       "is given", o->host, o->src_ip >> 24, (o->src_ip >> 16) & 255,
		       (o->src_ip >> 8) & 255, o->src_ip & 255, o->prefix_len);
		return -EINVAL;
	}
	return 0;
bad:
	seterr(err, errlen, "option '%s': bad value '%s' (see --help for the range)",
	       argv[optind - 1][0] == '-' ? argv[optind - 1] : argv[optind - 2], optarg);
	return -EINVAL;
}

int
wplg_build_request(const struct wplg_opts *o, uint8_t *buf, size_t len)
{
	int n = snprintf((char *)buf, len, "%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n",
			 o->method_name, o->path, o->host, o->headers);

	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	return n;
}
