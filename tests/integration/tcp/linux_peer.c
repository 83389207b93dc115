/* SPDX-License-Identifier: BSD-3-Clause */
/* linux_peer: the Linux side of the TCP integration tests (kernel sockets,
 * one thread, epoll). It speaks the same modes and byte streams as wp_tcpd
 * (pattern.h) so either can be client or server:
 *
 *   source  send --bytes of this side's stream, then FIN
 *   sink    receive --bytes of the peer's stream until FIN, check every byte
 *   echo    send back everything received, FIN after the peer's FIN
 *   rr      (client) send --rr-size requests, wait for each echo, check it
 *   duplex  source and sink at once
 *
 * Every byte received is checked against the stream at its offset, and
 * SHA-256 (libsodium) of each direction is printed per connection, so a
 * script can compare what one side sent with what the other received.
 * A connection is "ok" when its byte counts are complete, its content is
 * right and it ended the expected way (--expect fin: FIN both ways, no
 * RST; ECONNRESET/EPIPE on read or write counts as a reset).
 *
 * Fault options for the scenario tests: --reset-after (SO_LINGER 0 close
 * mid-transfer), --stop-reading (zero window), --half-close (FIN first
 * while the peer still sends), --pause (idle gap for RST injection).
 *
 * Output (stdout): "ready" once listening; per-connection lines when
 * --verbose or at most 8 connections; always one line
 *   summary conns=N ok=N bad=N fin=N rst=N connect_fail=N bytes_in=B bytes_out=B
 * Exit: 0 all ok, 1 some failed, 2 usage, 3 timeout.
 *
 * State: all in this file's globals, one thread; nothing is shared.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <warmpool/clock.h>

#include "pattern.h"

enum mode { M_SOURCE, M_SINK, M_ECHO, M_RR, M_DUPLEX };
enum expect { EXP_FIN, EXP_RESET, EXP_ANY };

struct opts {
	bool server;
	uint16_t port;
	struct sockaddr_in dst;
	struct sockaddr_in bind;
	bool have_bind;
	enum mode mode;
	uint32_t conns;          /* concurrent (client) */
	uint32_t total;          /* connections in all (client), 0 = conns */
	uint64_t bytes;
	uint64_t seed;
	uint32_t rr_size;
	bool barrier;
	uint32_t exit_after;     /* server: exit after this many ended */
	double timeout_s;
	int64_t reset_after;     /* -1 = off */
	int64_t stop_at;         /* -1 = off */
	int64_t stop_ms;
	int64_t pause_at;        /* -1 = off */
	int64_t pause_ms;
	bool half_close;
	int rcvbuf, sndbuf;
	enum expect expect;
	int verbose;
	uint32_t max_connecting; /* client: SYN_SENT at once, 0 = all */
};

static struct opts o = {
	.mode = M_SINK, .conns = 1, .bytes = 0, .seed = 1, .rr_size = 1024,
	.timeout_s = 60, .reset_after = -1, .stop_at = -1, .pause_at = -1,
	.expect = EXP_FIN,
};

enum cstate { C_FREE = 0, C_CONNECTING, C_OPEN, C_DONE };

struct conn {
	int fd;
	enum cstate st;
	uint16_t cport;          /* client port: names the streams */
	bool wr_shut, rd_eof, reset, reset_by_us, bad, counted;
	bool rd_stopped;         /* --stop-reading in effect */
	bool stop_done, pause_done;
	bool want_out;           /* EPOLLOUT registered */
	uint64_t sent, rcvd;
	uint64_t chunk_end;      /* rr: end of the request being sent */
	uint64_t key_in, key_out;
	int64_t resume_ns;       /* stop-reading / pause ends */
	uint8_t *ebuf;           /* echo bytes not yet written */
	size_t elen, eoff;
	char why[96];
	crypto_hash_sha256_state sh_in, sh_out;
};

static struct conn *conns;
static uint32_t nconns_cap;
static int ep = -1;
static int lfd = -1;
static uint8_t iobuf[256 * 1024];
static volatile sig_atomic_t stop_sig;

/* totals */
static uint32_t n_started, n_connected, n_ended, n_ok, n_bad, n_fin, n_rst;
static uint32_t n_connect_fail, n_connecting, n_open;
static uint64_t tot_in, tot_out;

static int64_t
now_ns(void)
{
	return (int64_t)wp_clock_ns();
}

static void
on_signal(int sig)
{
	stop_sig = sig;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: linux_peer (--listen PORT | --connect IP:PORT) [options]\n"
"  --mode sink|source|echo|rr|duplex   what this side does (default sink)\n"
"  --conns N          concurrent connections (client; default 1)\n"
"  --total N          connections in all (client; default = --conns)\n"
"  --barrier          client: send nothing until all --conns are connected\n"
"  --max-connecting N client: at most N connects in progress at once\n"
"  --bytes B          bytes per connection per direction (rr: total request bytes)\n"
"  --rr-size R        rr request size (default 1024)\n"
"  --seed S           stream seed (default 1)\n"
"  --bind IP          local address\n"
"  --exit-after-conns N  server: exit after N connections ended\n"
"  --timeout-s T      give up after T seconds (exit 3; default 60)\n"
"  --reset-after B    after B bytes (received; sent in source mode) close with RST\n"
"  --stop-reading B:MS  after B bytes received stop reading for MS ms\n"
"  --pause B:MS       after B bytes sent pause sending for MS ms\n"
"  --half-close       send FIN right after the connection opens (sink only)\n"
"  --rcvbuf N, --sndbuf N   SO_RCVBUF / SO_SNDBUF\n"
"  --expect fin|reset|any   how connections must end (default fin)\n"
"  -v, --verbose      per-connection lines\n");
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K') { x <<= 10; end++; }
	else if (*end == 'm' || *end == 'M') { x <<= 20; end++; }
	else if (*end == 'g' || *end == 'G') { x <<= 30; end++; }
	if (*end != '\0')
		return -1;
	*v = x;
	return 0;
}

static int
parse_pair(const char *s, int64_t *a, int64_t *b)
{
	char buf[64];
	uint64_t x, y;
	snprintf(buf, sizeof(buf), "%s", s);
	char *c = strchr(buf, ':');
	if (c == NULL)
		return -1;
	*c = '\0';
	if (parse_u64(buf, &x) || parse_u64(c + 1, &y))
		return -1;
	*a = (int64_t)x;
	*b = (int64_t)y;
	return 0;
}

static int
parse_addr(const char *s, struct sockaddr_in *sa, bool need_port)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	char *c = strrchr(buf, ':');
	if (c != NULL) {
		uint64_t p;
		*c = '\0';
		if (parse_u64(c + 1, &p) || p == 0 || p > 65535)
			return -1;
		sa->sin_port = htons((uint16_t)p);
	} else if (need_port) {
		return -1;
	}
	return inet_pton(AF_INET, buf, &sa->sin_addr) == 1 ? 0 : -1;
}

static void
die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "linux_peer: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(2);
}

static void
parse_args(int argc, char **argv)
{
	enum { O_LISTEN = 256, O_CONNECT, O_MODE, O_CONNS, O_TOTAL, O_BARRIER,
	       O_BYTES, O_RR, O_SEED, O_BIND, O_EXIT, O_TIMEOUT, O_RESET,
	       O_STOP, O_PAUSE, O_HALF, O_RCVBUF, O_SNDBUF, O_EXPECT, O_MAXC };
	static const struct option lo[] = {
		{"listen", 1, 0, O_LISTEN}, {"connect", 1, 0, O_CONNECT},
		{"mode", 1, 0, O_MODE}, {"conns", 1, 0, O_CONNS},
		{"total", 1, 0, O_TOTAL}, {"barrier", 0, 0, O_BARRIER},
		{"bytes", 1, 0, O_BYTES}, {"rr-size", 1, 0, O_RR},
		{"seed", 1, 0, O_SEED}, {"bind", 1, 0, O_BIND},
		{"exit-after-conns", 1, 0, O_EXIT}, {"timeout-s", 1, 0, O_TIMEOUT},
		{"reset-after", 1, 0, O_RESET}, {"stop-reading", 1, 0, O_STOP},
		{"pause", 1, 0, O_PAUSE}, {"half-close", 0, 0, O_HALF},
		{"rcvbuf", 1, 0, O_RCVBUF}, {"sndbuf", 1, 0, O_SNDBUF},
		{"expect", 1, 0, O_EXPECT}, {"max-connecting", 1, 0, O_MAXC},
		{"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0},
	};
	bool have_role = false;
	int c;
	uint64_t v;

	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
			if (parse_u64(optarg, &v) || v == 0 || v > 65535)
				die_usage("bad --listen '%s'", optarg);
			o.server = true; o.port = (uint16_t)v; have_role = true;
			break;
		case O_CONNECT:
			if (parse_addr(optarg, &o.dst, true))
				die_usage("bad --connect '%s' (want IP:PORT)", optarg);
			o.server = false; have_role = true;
			break;
		case O_MODE:
			if (!strcmp(optarg, "sink")) o.mode = M_SINK;
			else if (!strcmp(optarg, "source")) o.mode = M_SOURCE;
			else if (!strcmp(optarg, "echo")) o.mode = M_ECHO;
			else if (!strcmp(optarg, "rr")) o.mode = M_RR;
			else if (!strcmp(optarg, "duplex")) o.mode = M_DUPLEX;
			else die_usage("bad --mode '%s'", optarg);
			break;
		case O_CONNS:
			if (parse_u64(optarg, &v) || v == 0 || v > 1000000)
				die_usage("bad --conns '%s'", optarg);
			o.conns = (uint32_t)v;
			break;
		case O_TOTAL:
			if (parse_u64(optarg, &v) || v == 0 || v > 100000000)
				die_usage("bad --total '%s'", optarg);
			o.total = (uint32_t)v;
			break;
		case O_BARRIER: o.barrier = true; break;
		case O_BYTES:
			if (parse_u64(optarg, &o.bytes))
				die_usage("bad --bytes '%s'", optarg);
			break;
		case O_RR:
			if (parse_u64(optarg, &v) || v == 0 || v > sizeof(iobuf))
				die_usage("bad --rr-size '%s'", optarg);
			o.rr_size = (uint32_t)v;
			break;
		case O_SEED:
			if (parse_u64(optarg, &o.seed))
				die_usage("bad --seed '%s'", optarg);
			break;
		case O_BIND:
			if (parse_addr(optarg, &o.bind, false))
				die_usage("bad --bind '%s'", optarg);
			o.have_bind = true;
			break;
		case O_EXIT:
			if (parse_u64(optarg, &v) || v > 100000000)
				die_usage("bad --exit-after-conns '%s'", optarg);
			o.exit_after = (uint32_t)v;
			break;
		case O_TIMEOUT:
			o.timeout_s = atof(optarg);
			if (o.timeout_s <= 0)
				die_usage("bad --timeout-s '%s'", optarg);
			break;
		case O_RESET:
			if (parse_u64(optarg, &v))
				die_usage("bad --reset-after '%s'", optarg);
			o.reset_after = (int64_t)v;
			break;
		case O_STOP:
			if (parse_pair(optarg, &o.stop_at, &o.stop_ms))
				die_usage("bad --stop-reading '%s' (want BYTES:MS)", optarg);
			break;
		case O_PAUSE:
			if (parse_pair(optarg, &o.pause_at, &o.pause_ms))
				die_usage("bad --pause '%s' (want BYTES:MS)", optarg);
			break;
		case O_HALF: o.half_close = true; break;
		case O_RCVBUF:
			if (parse_u64(optarg, &v) || v > INT32_MAX)
				die_usage("bad --rcvbuf '%s'", optarg);
			o.rcvbuf = (int)v;
			break;
		case O_SNDBUF:
			if (parse_u64(optarg, &v) || v > INT32_MAX)
				die_usage("bad --sndbuf '%s'", optarg);
			o.sndbuf = (int)v;
			break;
		case O_EXPECT:
			if (!strcmp(optarg, "fin")) o.expect = EXP_FIN;
			else if (!strcmp(optarg, "reset")) o.expect = EXP_RESET;
			else if (!strcmp(optarg, "any")) o.expect = EXP_ANY;
			else die_usage("bad --expect '%s'", optarg);
			break;
		case O_MAXC:
			if (parse_u64(optarg, &v) || v > 1000000)
				die_usage("bad --max-connecting '%s'", optarg);
			o.max_connecting = (uint32_t)v;
			break;
		case 'v': o.verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!have_role)
		die_usage("%s", "need --listen PORT or --connect IP:PORT");
	if (o.total == 0)
		o.total = o.conns;
	if (o.half_close && o.mode != M_SINK)
		die_usage("%s", "--half-close only with --mode sink");
	if (o.mode == M_RR && o.server)
		die_usage("%s", "--mode rr is a client mode (the server side is echo)");
}

/* ---- connections ---- */

static const char *
mode_name(enum mode m)
{
	static const char *n[] = {"source", "sink", "echo", "rr", "duplex"};
	return n[m];
}

static void set_why(struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Mark the connection failed; the first reason is kept. */
static void
set_why(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wpt_set_why(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	c->bad = true;
}

static void
ep_mod(struct conn *c, bool in, bool out)
{
	struct epoll_event ev = { .events = (in ? EPOLLIN : 0) | (out ? EPOLLOUT : 0) |
				  EPOLLRDHUP, .data.u32 = (uint32_t)(c - conns) };
	c->want_out = out;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		perror("linux_peer: epoll_ctl MOD");
}

static struct conn *
conn_alloc(void)
{
	for (uint32_t i = 0; i < nconns_cap; i++) {
		/* rotate the start so the search stays short */
		static uint32_t hint;
		uint32_t k = (hint + i) % nconns_cap;
		if (conns[k].st == C_FREE) {
			hint = k + 1;
			memset(&conns[k], 0, sizeof(conns[k]));
			conns[k].fd = -1;
			return &conns[k];
		}
	}
	return NULL;
}

/* Stream keys and hashes, once the client port is known. */
static void
conn_begin(struct conn *c, uint16_t cport)
{
	c->cport = cport;
	if (o.server) {
		c->key_in = wpt_key(o.seed, cport, WPT_DIR_C2S);
		c->key_out = wpt_key(o.seed, cport,
				     o.mode == M_ECHO ? WPT_DIR_C2S : WPT_DIR_S2C);
	} else {
		c->key_out = wpt_key(o.seed, cport, WPT_DIR_C2S);
		c->key_in = wpt_key(o.seed, cport,
				    o.mode == M_RR ? WPT_DIR_C2S : WPT_DIR_S2C);
	}
	crypto_hash_sha256_init(&c->sh_in);
	crypto_hash_sha256_init(&c->sh_out);
	c->st = C_OPEN;
	n_open++;
	if (o.half_close) {
		if (shutdown(c->fd, SHUT_WR) < 0)
			set_why(c, "shutdown: errno %d", errno);
		c->wr_shut = true;
	}
}

static void
sockopts(int fd)
{
	int one = 1;
	if (o.rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof(int)) < 0)
		perror("linux_peer: SO_RCVBUF");
	if (o.sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o.sndbuf, sizeof(int)) < 0)
		perror("linux_peer: SO_SNDBUF");
	if (o.mode == M_RR || o.mode == M_ECHO)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
conn_report(const struct conn *c, const char *end)
{
	uint8_t d[32];
	char hin[65], hout[65];
	crypto_hash_sha256_state s;

	s = c->sh_in;
	crypto_hash_sha256_final(&s, d);
	wpt_hex(d, 32, hin);
	s = c->sh_out;
	crypto_hash_sha256_final(&s, d);
	wpt_hex(d, 32, hout);
	printf("conn port=%u in=%" PRIu64 " out=%" PRIu64 " sha_in=%s sha_out=%s end=%s %s%s\n",
	       c->cport, c->rcvd, c->sent, hin, hout, end,
	       c->bad ? "BAD " : "ok", c->bad ? c->why : "");
}

/* The connection has ended (both FINs, a reset, or an error): judge it. */
static void
conn_end(struct conn *c)
{
	const char *end;

	if (c->st == C_DONE || c->st == C_FREE)
		return;
	if (c->st == C_OPEN)
		n_open--;
	else if (c->st == C_CONNECTING)
		n_connecting--;
	c->st = C_DONE;
	n_ended++;

	if (c->reset_by_us)
		end = "rst_sent";
	else if (c->reset)
		end = "rst";
	else
		end = "fin";

	if (!c->bad && !c->reset_by_us) {
		bool fin_ok = !c->reset && c->rd_eof && c->wr_shut;
		if (o.expect == EXP_FIN && !fin_ok)
			set_why(c, "ended by %s, want FIN (in=%" PRIu64 " out=%" PRIu64 ")",
				end, c->rcvd, c->sent);
		if (o.expect == EXP_RESET && !c->reset)
			set_why(c, "ended by FIN, want RST (in=%" PRIu64 " out=%" PRIu64 ")",
				c->rcvd, c->sent);
	}
	/* byte counts, for the ways that run to completion */
	if (!c->bad && !c->reset && !c->reset_by_us) {
		uint64_t want_in = 0, want_out = 0;
		switch (o.mode) {
		case M_SOURCE: want_out = o.bytes; break;
		case M_SINK: want_in = o.bytes; break;
		case M_DUPLEX: want_in = want_out = o.bytes; break;
		case M_RR: want_in = want_out = o.bytes; break;
		case M_ECHO: want_in = want_out = c->rcvd; break;
		}
		if (o.mode == M_ECHO && c->sent != c->rcvd)
			set_why(c, "echo: received %" PRIu64 " sent back %" PRIu64,
				c->rcvd, c->sent);
		if (o.mode != M_ECHO && (c->rcvd != want_in || c->sent != want_out))
			set_why(c, "short: in=%" PRIu64 " out=%" PRIu64, c->rcvd, c->sent);
	}

	if (c->bad)
		n_bad++;
	else
		n_ok++;
	if (c->reset || c->reset_by_us)
		n_rst++;
	else
		n_fin++;
	tot_in += c->rcvd;
	tot_out += c->sent;
	if (o.verbose || o.total <= 8 || (c->bad && n_bad <= 10))
		conn_report(c, end);

	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	free(c->ebuf);
	c->ebuf = NULL;
	c->st = C_FREE;
}

static void
conn_reset(struct conn *c)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) < 0)
		perror("linux_peer: SO_LINGER");
	c->reset_by_us = true;
	conn_end(c);  /* close() with linger 0 sends the RST */
}

/* Write what this connection has to send now. Returns false if it ended. */
static bool
conn_write(struct conn *c, int64_t now)
{
	for (;;) {
		const uint8_t *p;
		size_t n;

		if (c->wr_shut)
			return true;
		if (o.pause_at >= 0 && !c->pause_done && c->sent >= (uint64_t)o.pause_at) {
			if (c->resume_ns == 0) {
				c->resume_ns = now + o.pause_ms * 1000000;
				if (o.verbose)
					printf("conn port=%u pausing at %" PRIu64 "\n", c->cport, c->sent);
			}
			if (now < c->resume_ns)
				return true;
			c->pause_done = true;
			c->resume_ns = 0;
		}
		switch (o.mode) {
		case M_SOURCE:
		case M_DUPLEX:
			if (c->sent >= o.bytes)
				goto all_sent;
			n = o.bytes - c->sent;
			if (n > sizeof(iobuf))
				n = sizeof(iobuf);
			if (o.pause_at >= 0 && !c->pause_done &&
			    c->sent < (uint64_t)o.pause_at && c->sent + n > (uint64_t)o.pause_at)
				n = (size_t)((uint64_t)o.pause_at - c->sent);
			if (o.reset_after >= 0 && o.mode == M_SOURCE &&
			    c->sent + n > (uint64_t)o.reset_after)
				n = (size_t)((uint64_t)o.reset_after - c->sent);
			wpt_fill(c->key_out, c->sent, iobuf, n);
			p = iobuf;
			break;
		case M_RR:
			if (c->sent >= o.bytes)
				goto all_sent;
			if (c->sent == c->chunk_end) {
				if (c->rcvd < c->chunk_end)
					return true;  /* wait for the echo */
				c->chunk_end += o.rr_size;
				if (c->chunk_end > o.bytes)
					c->chunk_end = o.bytes;
			}
			n = c->chunk_end - c->sent;
			wpt_fill(c->key_out, c->sent, iobuf, n);
			p = iobuf;
			break;
		case M_ECHO:
			if (c->elen == c->eoff) {
				if (c->rd_eof)
					goto all_sent;
				return true;
			}
			n = c->elen - c->eoff;
			p = c->ebuf + c->eoff;
			break;
		case M_SINK:
		default:
			/* sink sends nothing: FIN once the peer's FIN came */
			if (c->rd_eof)
				goto all_sent;
			return true;
		}
		if (n == 0) {
			if (o.reset_after >= 0 && o.mode == M_SOURCE &&
			    c->sent >= (uint64_t)o.reset_after) {
				conn_reset(c);
				return false;
			}
			return true;
		}
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!c->want_out)
					ep_mod(c, !c->rd_stopped && !c->rd_eof && !(o.mode == M_ECHO && c->ebuf), true);
				return true;
			}
			if (errno == ECONNRESET || errno == EPIPE) {
				c->reset = true;
				conn_end(c);
				return false;
			}
			set_why(c, "send: errno %d", errno);
			conn_end(c);
			return false;
		}
		crypto_hash_sha256_update(&c->sh_out, p, (size_t)w);
		c->sent += (uint64_t)w;
		if (o.mode == M_ECHO) {
			c->eoff += (size_t)w;
			if (c->eoff == c->elen) {
				free(c->ebuf);
				c->ebuf = NULL;
				c->elen = c->eoff = 0;
				/* drained: read again */
				ep_mod(c, !c->rd_stopped && !c->rd_eof, false);
			}
		}
	}
all_sent:
	if (shutdown(c->fd, SHUT_WR) < 0) {
		if (errno == ENOTCONN || errno == ECONNRESET || errno == EPIPE) {
			c->reset = true;
			conn_end(c);
			return false;
		}
		set_why(c, "shutdown: errno %d", errno);
	}
	c->wr_shut = true;
	if (c->want_out)
		ep_mod(c, !c->rd_eof && !c->rd_stopped, false);
	if (c->rd_eof) {
		conn_end(c);
		return false;
	}
	return true;
}

/* Read what is there. Returns false if the connection ended. */
static bool
conn_read(struct conn *c, int64_t now)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		size_t room = sizeof(iobuf);

		if (c->rd_eof || c->rd_stopped)
			return true;
		if (o.stop_at >= 0 && !c->stop_done && c->rcvd >= (uint64_t)o.stop_at) {
			c->rd_stopped = true;
			c->resume_ns = now + o.stop_ms * 1000000;
			if (o.verbose)
				printf("conn port=%u stop reading at %" PRIu64 " for %" PRId64 " ms\n",
				       c->cport, c->rcvd, o.stop_ms);
			ep_mod(c, false, c->want_out);
			return true;
		}
		if (o.stop_at >= 0 && !c->stop_done && c->rcvd + room > (uint64_t)o.stop_at)
			room = (size_t)((uint64_t)o.stop_at - c->rcvd);
		if (o.reset_after >= 0 && o.mode != M_SOURCE &&
		    c->rcvd + room > (uint64_t)o.reset_after)
			room = (size_t)((uint64_t)o.reset_after - c->rcvd);
		if (room == 0) {
			if (o.reset_after >= 0 && c->rcvd >= (uint64_t)o.reset_after) {
				conn_reset(c);
				return false;
			}
			return true;
		}
		ssize_t r = recv(c->fd, iobuf, room, 0);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == ECONNRESET || errno == EPIPE) {
				c->reset = true;
				conn_end(c);
				return false;
			}
			set_why(c, "recv: errno %d", errno);
			conn_end(c);
			return false;
		}
		if (r == 0) {
			c->rd_eof = true;
			if (c->wr_shut && c->elen == c->eoff) {
				conn_end(c);
				return false;
			}
			/* sink/echo answer the FIN; others wait for their writes */
			return conn_write(c, now);
		}
		if (o.mode == M_SOURCE) {
			set_why(c, "source got %" PRIu64 " unexpected bytes at %" PRIu64,
				(uint64_t)r, c->rcvd);
		} else if (!c->bad) {
			long bad = wpt_check(c->key_in, c->rcvd, iobuf, (size_t)r);
			if (bad >= 0)
				set_why(c, "content mismatch at offset %" PRIu64,
					c->rcvd + (uint64_t)bad);
		}
		crypto_hash_sha256_update(&c->sh_in, iobuf, (size_t)r);
		c->rcvd += (uint64_t)r;
		if (o.mode == M_RR && c->rcvd > c->sent)
			set_why(c, "rr: received %" PRIu64 " beyond sent %" PRIu64, c->rcvd, c->sent);
		if (o.mode == M_ECHO) {
			/* echo straight away; keep what the socket did not take */
			size_t off = 0;
			while (off < (size_t)r) {
				ssize_t w = send(c->fd, iobuf + off, (size_t)r - off, MSG_NOSIGNAL);
				if (w < 0) {
					if (errno == EAGAIN || errno == EWOULDBLOCK)
						break;
					if (errno == ECONNRESET || errno == EPIPE) {
						c->reset = true;
						conn_end(c);
						return false;
					}
					set_why(c, "send: errno %d", errno);
					conn_end(c);
					return false;
				}
				crypto_hash_sha256_update(&c->sh_out, iobuf + off, (size_t)w);
				c->sent += (uint64_t)w;
				off += (size_t)w;
			}
			if (off < (size_t)r) {
				c->elen = (size_t)r - off;
				c->eoff = 0;
				c->ebuf = malloc(c->elen);
				if (c->ebuf == NULL) {
					fprintf(stderr, "linux_peer: out of memory\n");
					exit(1);
				}
				memcpy(c->ebuf, iobuf + off, c->elen);
				/* stop reading until the backlog is written */
				ep_mod(c, false, true);
				return true;
			}
		}
		if (o.mode == M_RR && c->rcvd == c->chunk_end)
			if (!conn_write(c, now))
				return false;
		if (o.reset_after >= 0 && o.mode != M_SOURCE &&
		    c->rcvd >= (uint64_t)o.reset_after) {
			conn_reset(c);
			return false;
		}
	}
	return true;
}

static bool barrier_open(void);

static void
conn_event(struct conn *c, uint32_t events, int64_t now)
{
	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t l = sizeof(err);
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err != 0) {
			snprintf(c->why, sizeof(c->why), "connect: %s", strerror(err));
			c->bad = true;
			n_connect_fail++;
			conn_end(c);
			return;
		}
		getsockname(c->fd, (struct sockaddr *)&sa, &sl);
		n_connecting--;
		n_connected++;
		conn_begin(c, ntohs(sa.sin_port));
		ep_mod(c, true, false);
		if (barrier_open())
			conn_write(c, now);
		return;
	}
	if (c->st != C_OPEN)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		if (!conn_read(c, now))
			return;
	if (c->st == C_OPEN && (events & EPOLLOUT) && barrier_open())
		conn_write(c, now);
}

/* ---- client ---- */

static bool barrier_released;

static bool
barrier_open(void)
{
	if (!o.barrier || o.server)
		return true;
	if (barrier_released)
		return true;
	if (n_connected + n_connect_fail >= o.conns) {
		barrier_released = true;
		return true;
	}
	return false;
}

static void
client_start_one(void)
{
	struct conn *c = conn_alloc();
	int fd;

	if (c == NULL)
		return;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("linux_peer: socket");
		exit(1);
	}
	sockopts(fd);
	if (o.have_bind && bind(fd, (struct sockaddr *)&o.bind, sizeof(o.bind)) < 0) {
		perror("linux_peer: bind");
		exit(1);
	}
	c->fd = fd;
	c->st = C_CONNECTING;
	n_started++;
	n_connecting++;
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP,
				  .data.u32 = (uint32_t)(c - conns) };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		perror("linux_peer: epoll_ctl ADD");
		exit(1);
	}
	if (connect(fd, (struct sockaddr *)&o.dst, sizeof(o.dst)) < 0 &&
	    errno != EINPROGRESS) {
		snprintf(c->why, sizeof(c->why), "connect: %s", strerror(errno));
		c->bad = true;
		n_connect_fail++;
		conn_end(c);
	}
}

static void
client_fill(void)
{
	while (n_started < o.total && n_connecting + n_open < o.conns &&
	       (o.max_connecting == 0 || n_connecting < o.max_connecting))
		client_start_one();
}

/* ---- server ---- */

static void
server_accept(int64_t now)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			if (errno == ECONNABORTED)
				continue;
			perror("linux_peer: accept");
			return;
		}
		struct conn *c = conn_alloc();
		if (c == NULL) {
			fprintf(stderr, "linux_peer: too many connections (%u)\n", nconns_cap);
			close(fd);
			continue;
		}
		sockopts(fd);
		c->fd = fd;
		n_started++;
		n_connected++;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
					  .data.u32 = (uint32_t)(c - conns) };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			perror("linux_peer: epoll_ctl ADD");
			exit(1);
		}
		conn_begin(c, ntohs(sa.sin_port));
		conn_write(c, now);
	}
}

/* Resume connections whose stop-reading or pause time is over. */
static void
timers(int64_t now)
{
	if (o.stop_at < 0 && o.pause_at < 0)
		return;
	for (uint32_t i = 0; i < nconns_cap; i++) {
		struct conn *c = &conns[i];
		if (c->st != C_OPEN || c->resume_ns == 0 || now < c->resume_ns)
			continue;
		if (c->rd_stopped) {
			c->rd_stopped = false;
			c->stop_done = true;
			c->resume_ns = 0;
			if (o.verbose)
				printf("conn port=%u reading again\n", c->cport);
			ep_mod(c, true, c->want_out);
			if (!conn_read(c, now))
				continue;
		}
		if (c->st == C_OPEN)
			conn_write(c, now);
	}
}

static void
progress(int64_t t0, int64_t now)
{
	fprintf(stderr, "linux_peer: t=%.1fs started=%u connected=%u open=%u ended=%u ok=%u bad=%u rst=%u bytes_in=%" PRIu64 " bytes_out=%" PRIu64 "\n",
		(double)(now - t0) / 1e9, n_started, n_connected, n_open, n_ended,
		n_ok, n_bad, n_rst, tot_in, tot_out);
}

static void
summary(void)
{
	printf("summary conns=%u ok=%u bad=%u fin=%u rst=%u connect_fail=%u bytes_in=%" PRIu64 " bytes_out=%" PRIu64 "\n",
	       n_ended, n_ok, n_bad, n_fin, n_rst, n_connect_fail, tot_in, tot_out);
	fflush(stdout);
}

static bool
finished(void)
{
	if (o.server)
		return o.exit_after > 0 && n_ended >= o.exit_after && n_open == 0;
	return n_ended >= o.total;
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	int64_t t0, deadline, last_progress;
	int rc;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0) {
		fprintf(stderr, "linux_peer: sodium_init failed\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	/* one descriptor per connection, plus some */
	nconns_cap = (o.server ? (o.exit_after > o.conns ? o.exit_after : o.conns) : o.conns) + 64;
	if (nconns_cap < 1024)
		nconns_cap = 1024;
	if (nconns_cap > 200000)
		nconns_cap = 200000;
	rl.rlim_cur = rl.rlim_max = nconns_cap + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < nconns_cap + 16) {
			fprintf(stderr, "linux_peer: cannot raise the fd limit to %u (have %lu)\n",
				nconns_cap + 64, (unsigned long)rl.rlim_cur);
			return 1;
		}
	}
	conns = calloc(nconns_cap, sizeof(*conns));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (conns == NULL || ep < 0) {
		perror("linux_peer: setup");
		return 1;
	}

	if (o.server) {
		struct sockaddr_in sa = o.have_bind ? o.bind : (struct sockaddr_in){ .sin_family = AF_INET };
		int one = 1;
		sa.sin_port = htons(o.port);
		lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		/* set before listen so accepted sockets inherit (window scale) */
		sockopts(lfd);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(lfd, 65535) < 0) {
			perror("linux_peer: listen");
			return 1;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
		epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
		printf("ready listening port=%u mode=%s\n", o.port, mode_name(o.mode));
	} else {
		printf("ready connecting conns=%u total=%u mode=%s\n", o.conns, o.total,
		       mode_name(o.mode));
	}

	t0 = now_ns();
	deadline = t0 + (int64_t)(o.timeout_s * 1e9);
	last_progress = t0;
	rc = 0;
	for (;;) {
		struct epoll_event evs[256];
		int64_t now = now_ns();

		if (!o.server)
			client_fill();
		if (finished())
			break;
		if (stop_sig) {
			fprintf(stderr, "linux_peer: stopped by signal %d\n", (int)stop_sig);
			rc = 1;
			break;
		}
		if (now >= deadline) {
			fprintf(stderr, "linux_peer: TIMEOUT after %.1f s: started=%u connected=%u open=%u connecting=%u ended=%u\n",
				o.timeout_s, n_started, n_connected, n_open, n_connecting, n_ended);
			rc = 3;
			break;
		}
		if (now - last_progress >= 1000000000) {
			last_progress = now;
			progress(t0, now);
		}
		int n = epoll_wait(ep, evs, 256, (o.stop_at >= 0 || o.pause_at >= 0) ? 5 : 100);
		if (n < 0 && errno != EINTR) {
			perror("linux_peer: epoll_wait");
			rc = 1;
			break;
		}
		now = now_ns();
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == UINT32_MAX) {
				server_accept(now);
				continue;
			}
			conn_event(&conns[evs[i].data.u32], evs[i].events, now);
		}
		timers(now);
		/* the barrier may have opened during this round */
		if (!o.server && o.barrier && barrier_open()) {
			static bool kicked;
			if (!kicked) {
				kicked = true;
				for (uint32_t k = 0; k < nconns_cap; k++)
					if (conns[k].st == C_OPEN)
						conn_write(&conns[k], now);
			}
		}
	}
	/* what is still open did not finish */
	for (uint32_t k = 0; k < nconns_cap; k++)
		if (conns[k].st == C_OPEN || conns[k].st == C_CONNECTING) {
			set_why(&conns[k], "unfinished: in=%" PRIu64 " out=%" PRIu64,
				conns[k].rcvd, conns[k].sent);
			conn_end(&conns[k]);
		}
	progress(t0, now_ns());
	summary();
	if (rc == 0 && n_bad > 0)
		rc = 1;
	if (rc == 0 && !o.server && n_ok != o.total)
		rc = 1;
	if (rc == 0 && o.server && o.exit_after > 0 && n_ok < o.exit_after)
		rc = 1;
	if (lfd >= 0)
		close(lfd);
	close(ep);
	free(conns);
	return rc;
}
