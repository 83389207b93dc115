#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Blind-reset checks (RFC 5961 section 3) against our stack, from the
peer namespace, on a live connection that is idle for a moment.

usage: rst_inject.py IFACE OUR_IP OUR_PORT

Sniffs the veth (AF_PACKET) for our segments of the connection to
OUR_IP:OUR_PORT, waits until the connection has been quiet for 300 ms,
and takes from our last segment what a blind attacker would have to guess:
RCV.NXT (our ACK field), our window, SND.NXT (our sequence number). Then,
as frames from the peer's address and port:

  1. RST with SEQ = RCV.NXT + 1 (inside the window, not exact): our stack
     must not reset but answer with a challenge ACK (ACK = RCV.NXT);
  2. RST with SEQ = RCV.NXT + 2^30 (outside the window): silently
     dropped, nothing sent back.

Prints what it saw and exits 0 only if both outcomes were as documented.
The connection must stay idle for about 1.5 s after the first quiet 300 ms
(the Linux sender pauses; see tcp_faults.sh).
"""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def parse(frame):
    """(eth_src, eth_dst, ip_src, ip_dst, sport, dport, seq, ack, flags, win, plen)"""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 6:
        return None
    tot = struct.unpack("!H", ip[2:4])[0]
    tcp = ip[ihl:tot]
    sport, dport, seq, ack, off_flags, win = struct.unpack("!HHIIHH", tcp[:16])
    doff = (off_flags >> 12) * 4
    return (frame[6:12], frame[0:6], socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20]),
            sport, dport, seq, ack, off_flags & 0x3F, win, len(tcp) - doff)


def build_rst(eth_dst, eth_src, src, dst, sport, dport, seq, ack):
    tcp = struct.pack("!HHIIHHHH", sport, dport, seq, ack, (5 << 12) | 0x14, 0, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x4242, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return eth_dst + eth_src + b"\x08\x00" + ip + tcp


def main() -> int:
    iface, our_ip, our_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.05)
    print("sniffing", flush=True)

    def ours(p):
        return p and p[2] == our_ip and p[4] == our_port

    # 1. wait for our segments, then for 300 ms of quiet
    last = None
    last_t = None
    t_end = time.monotonic() + 20
    while time.monotonic() < t_end:
        try:
            p = parse(s.recv(65535))
        except socket.timeout:
            p = None
        now = time.monotonic()
        if ours(p):
            last, last_t = p, now
        elif last is not None and now - last_t >= 0.3:
            break
    if last is None:
        print("no segment of ours seen in 20 s")
        return 1
    eth_src, eth_dst, ip_src, ip_dst, sport, dport, seq, ack, flags, win, plen = last
    rcv_nxt, snd_nxt = ack, seq + plen
    print(f"quiet connection {ip_dst}:{dport} -> {ip_src}:{sport}: our RCV.NXT={rcv_nxt} "
          f"window field={win} SND.NXT={snd_nxt}", flush=True)
    if flags & 0x05:
        print("FAIL: our last segment was a FIN or RST: the connection was not idle but over")
        return 1

    def inject_and_watch(rst_seq, label):
        frame = build_rst(eth_src, eth_dst, ip_dst, ip_src, dport, sport, rst_seq, snd_nxt)
        s.send(frame)
        seen = []
        t_stop = time.monotonic() + 0.4
        while time.monotonic() < t_stop:
            try:
                p = parse(s.recv(65535))
            except socket.timeout:
                continue
            if ours(p):
                seen.append(p)
        desc = ", ".join(f"flags={q[8]:#x} seq={q[6]} ack={q[7]} len={q[10]}" for q in seen) or "nothing"
        print(f"{label}: RST seq={rst_seq} (RCV.NXT+{(rst_seq - rcv_nxt) & 0xFFFFFFFF}) -> we sent: {desc}",
              flush=True)
        return seen

    ok = True
    seen = inject_and_watch((rcv_nxt + 1) & 0xFFFFFFFF, "in-window")
    if not any(q[8] & 0x10 and not q[8] & 0x04 and q[7] == rcv_nxt and q[10] == 0 for q in seen):
        print("FAIL: no challenge ACK (ACK=RCV.NXT) for the in-window RST")
        ok = False
    if any(q[8] & 0x04 for q in seen):
        print("FAIL: we answered the in-window RST with a RST")
        ok = False
    seen = inject_and_watch((rcv_nxt + (1 << 30)) & 0xFFFFFFFF, "out-of-window")
    if seen:
        print("FAIL: we answered an out-of-window RST (must be silently dropped)")
        ok = False
    print("rst_inject: ok" if ok else "rst_inject: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
