#!/usr/bin/env python3
"""Seed corpus for fuzz_stack: records of [u16 len LE][u8 step ms][frame].
Frames from 198.18.0.2 (02:..:02) to the fuzzed stack 198.18.0.1 (02:..:01):
ARP request, ICMP echo, a TCP SYN with Linux's options to the listener,
data and FIN without a connection, and a SYN-ACK for the stack's active
open (its ISN is not known here; the fuzzer learns it)."""
import os, struct, sys

US, PEER = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
MAC_US, MAC_PEER = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def eth(t, payload, dst=MAC_US):
    return dst + MAC_PEER + struct.pack('!H', t) + payload

def ip(proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0, PEER, US)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return eth(0x0800, h + payload)

def tcp(sport, dport, seq, ack, flags, opts=b'', data=b'', wnd=64240):
    off = (20 + len(opts)) // 4
    h = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, off << 4, flags, wnd, 0, 0) + opts
    ph = PEER + US + struct.pack('!BBH', 0, 6, len(h) + len(data))
    c = csum(ph + h + data)
    return ip(6, h[:16] + struct.pack('!H', c) + h[18:] + data)

def arp_req():
    return eth(0x0806, struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, MAC_PEER, PEER, b'\0' * 6, US), dst=b'\xff' * 6)

def icmp_echo():
    body = struct.pack('!BBHHH', 8, 0, 0, 7, 1) + b'ping'
    return ip(1, body[:2] + struct.pack('!H', csum(body)) + body[4:])

LINUX_SYN_OPTS = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
SYN, ACK, FIN, RST, PSH = 2, 16, 1, 4, 8

def rec(frame, step=1):
    return struct.pack('<HB', len(frame), step) + frame

seeds = {
    'arp_request': rec(arp_req()),
    'icmp_echo': rec(icmp_echo()),
    'syn_listener': rec(tcp(5555, 80, 1000, 0, SYN, LINUX_SYN_OPTS)),
    'syn_then_ack_data_fin': rec(tcp(5555, 80, 1000, 0, SYN, LINUX_SYN_OPTS)) +
        rec(tcp(5555, 80, 1001, 1, ACK)) + rec(tcp(5555, 80, 1001, 1, ACK | PSH, data=b'hello')) +
        rec(tcp(5555, 80, 1006, 1, ACK | FIN)),
    'synack_active': rec(tcp(8080, 40000, 5000, 1, SYN | ACK, LINUX_SYN_OPTS)),
    'no_flow_data': rec(tcp(6666, 81, 1, 1, ACK | PSH, data=b'x' * 32)),
    'rst_no_flow': rec(tcp(6666, 80, 1, 0, RST)),
    'syn_flood': b''.join(rec(tcp(10000 + i, 80, 1000 * i, 0, SYN, LINUX_SYN_OPTS), 0) for i in range(6)),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
