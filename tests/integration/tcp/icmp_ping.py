#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""ICMP echo to our stack with every reply checked (no iputils on the
machine, and ping would not check the payload).

usage: icmp_ping.py DST [COUNT]

Sends COUNT echo requests (sizes cycle through 0, 56, 1000 and 1472 bytes
of payload, the largest filling a 1500-byte MTU) and wants for each one
exactly: an echo reply from DST with our identifier and sequence, the same
payload, a valid ICMP checksum and a valid IPv4 header checksum. Exit 0 if
all replies came and were right, 1 otherwise.
"""
import os
import select
import socket
import struct
import sys
import time


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main() -> int:
    dst = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    sizes = [0, 56, 1000, 1472]
    ident = os.getpid() & 0xFFFF
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ok = 0
    for seq in range(1, count + 1):
        size = sizes[(seq - 1) % len(sizes)]
        payload = bytes((seq * 7 + i) & 0xFF for i in range(size))
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, seq) + payload
        t0 = time.monotonic()
        s.sendto(pkt, (dst, 0))
        got = None
        while time.monotonic() - t0 < 2.0:
            r, _, _ = select.select([s], [], [], 0.2)
            if not r:
                continue
            data, addr = s.recvfrom(4096)
            ihl = (data[0] & 0x0F) * 4
            icmp = data[ihl:]
            if len(icmp) < 8:
                continue
            typ, code, _, rid, rseq = struct.unpack("!BBHHH", icmp[:8])
            if typ != 0 or rid != ident or rseq != seq:
                continue  # our own request (raw sockets see it) or noise
            got = (data, addr, ihl, icmp)
            break
        rtt = (time.monotonic() - t0) * 1000
        if got is None:
            print(f"seq={seq} size={size}: no reply")
            continue
        data, addr, ihl, icmp = got
        errs = []
        if addr[0] != dst:
            errs.append(f"from {addr[0]}")
        if csum(data[:ihl]) != 0:
            errs.append("bad IPv4 header checksum")
        if csum(icmp) != 0:
            errs.append("bad ICMP checksum")
        if icmp[1] != 0:
            errs.append(f"code {icmp[1]}")
        if icmp[8:] != payload:
            errs.append(f"payload differs ({len(icmp) - 8} bytes back, {size} sent)")
        if errs:
            print(f"seq={seq} size={size}: BAD reply: {', '.join(errs)}")
        else:
            ok += 1
            print(f"seq={seq} size={size}: reply ok in {rtt:.2f} ms")
    print(f"ping {dst}: {count} sent, {ok} ok")
    return 0 if ok == count else 1


if __name__ == "__main__":
    sys.exit(main())
