/* SPDX-License-Identifier: BSD-3-Clause */
/* The byte streams of the TCP integration tests, shared by both sides
 * (wp_tcpd on our stack, linux_peer on kernel sockets).
 *
 * Every connection carries two deterministic streams, one per direction:
 * byte `off` of a stream is a function of (seed, client port, direction,
 * off) only, so the receiver can check every byte it gets at its offset
 * without any framing in the data, whichever order connections were
 * accepted in. The client's port names the connection (both ends know it:
 * the client from its local port, the server from the remote port).
 *
 *   dir 0 (WPT_DIR_C2S): what a client sends; an echo server sends it back
 *   dir 1 (WPT_DIR_S2C): what a server sends (source mode / duplex)
 *
 * The stream is splitmix64 over 8-byte blocks: block b of a stream with
 * key k is splitmix64(k + b * golden), little-endian. Header-only, no
 * state: both programs include it.
 */
#ifndef WPT_PATTERN_H
#define WPT_PATTERN_H

#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WPT_DIR_C2S 0u
#define WPT_DIR_S2C 1u

static inline uint64_t
wpt_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Key of one stream. */
static inline uint64_t
wpt_key(uint64_t seed, uint16_t client_port, unsigned int dir)
{
	return wpt_mix64(seed ^ ((uint64_t)client_port << 32) ^
			 ((uint64_t)dir << 48) ^ 0x5741524d504f4f4cull);
}

static inline uint64_t
wpt_block(uint64_t key, uint64_t b)
{
	return wpt_mix64(key + b * 0x9e3779b97f4a7c15ull);
}

/* Write stream bytes [off, off + len) into buf. */
static inline void
wpt_fill(uint64_t key, uint64_t off, uint8_t *buf, size_t len)
{
	while (len > 0) {
		uint64_t v = wpt_block(key, off >> 3);
		unsigned int i = (unsigned int)(off & 7);
		if (i == 0 && len >= 8) {
			/* whole block, little-endian */
			for (unsigned int k = 0; k < 8; k++)
				buf[k] = (uint8_t)(v >> (8 * k));
			buf += 8; off += 8; len -= 8;
			continue;
		}
		for (; i < 8 && len > 0; i++, len--, off++)
			*buf++ = (uint8_t)(v >> (8 * i));
	}
}

/* Compare buf with stream bytes [off, off + len). Returns -1 if equal,
 * else the index in buf of the first differing byte. */
static inline long
wpt_check(uint64_t key, uint64_t off, const uint8_t *buf, size_t len)
{
	uint8_t tmp[512];
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
		wpt_fill(key, off + done, tmp, n);
		if (memcmp(tmp, buf + done, n) != 0) {
			for (size_t i = 0; i < n; i++)
				if (tmp[i] != buf[done + i])
					return (long)(done + i);
		}
		done += n;
	}
	return -1;
}

/* Hex of a SHA-256 digest (65 bytes with the NUL). */
static inline void
wpt_hex(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}


/* Record why a connection failed, keeping the first reason (later
 * failures are usually consequences of it). */
static inline void wpt_set_why(char *why, size_t len, const char *fmt, va_list ap)
{
	if (why[0] == '\0')
		vsnprintf(why, len, fmt, ap);
}

#endif /* WPT_PATTERN_H */
