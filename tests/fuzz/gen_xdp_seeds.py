#!/usr/bin/env python3
"""Seed corpus for fuzz_xdp: [queue][knobs][reta][frame]. Frames from
198.18.6.2 to the appliance 198.18.6.1 (ports 80 and 40000-40999) and to
a Linux address 198.18.6.3: ARP, ICMP, TCP in and out of the port rules,
with IP options, fragments, UDP, IPv6, VLAN. knobs 0x7b = configured, mark,
sockets on every queue; 0x78 = unconfigured. Usage: gen_xdp_seeds.py DIR"""
import os, struct, sys

APP, APP2, PEER, OTHER = bytes([198, 18, 6, 1]), bytes([198, 18, 6, 10]), bytes([198, 18, 6, 2]), bytes([198, 18, 6, 3])
MAC_A, MAC_B = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])

def eth(t, payload):
    f = MAC_A + MAC_B + struct.pack('!H', t) + payload
    return f + b'\0' * max(0, 60 - len(f))

def ip(proto, payload, dst=APP, ihl=5, frag=0x4000):
    opts = b'\x01' * (4 * ihl - 20)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, 4 * ihl + len(payload), 1, frag, 64, proto, 0, PEER, dst)
    return eth(0x0800, h + opts + payload)

def tcp(sport, dport, flags=0x02):
    return struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, flags, 64240, 0, 0)

def arp(tpa):
    return eth(0x0806, struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, MAC_B, PEER, b'\0' * 6, tpa))

seeds = {
    'arp_app': (0, 0x7b, 7, arp(APP)),
    'arp_other': (1, 0x7b, 7, arp(OTHER)),
    'icmp_echo': (2, 0x7b, 7, ip(1, b'\x08\0\0\0\0\1\0\1')),
    'tcp_listen_q0': (0, 0x7b, 7, ip(6, tcp(51234, 80))),
    'tcp_listen_q3': (3, 0x7b, 0x27, ip(6, tcp(51235, 80))),
    'tcp_local_port': (1, 0x7b, 9, ip(6, tcp(80, 40123, 0x12), dst=APP2)),
    'tcp_other_port': (1, 0x7b, 7, ip(6, tcp(51234, 22))),
    'tcp_options': (2, 0x7b, 7, ip(6, tcp(7, 80), ihl=15)),
    'tcp_frag': (0, 0x7b, 7, ip(6, tcp(7, 80), frag=0x2000)),
    'tcp_other_addr': (0, 0x7b, 7, ip(6, tcp(7, 80), dst=OTHER)),
    'udp_app': (0, 0x7b, 7, ip(17, struct.pack('!HHHH', 53, 80, 8, 0))),
    'ipv6': (0, 0x7b, 7, eth(0x86dd, b'\x60' + b'\0' * 39)),
    'vlan': (0, 0x7b, 7, eth(0x8100, b'\0\x07\x08\0' + b'\x45' + b'\0' * 19)),
    # unpadded frames ending at and just inside the TCP header: the bounds
    'tcp_exact_hdr': (0, 0x7b, 7, ip(6, tcp(51234, 80))[:54]),
    'tcp_cut_hdr': (0, 0x7b, 7, ip(6, tcp(51234, 80))[:40]),
    'ip_cut_hdr': (0, 0x7b, 7, ip(6, tcp(51234, 80))[:33]),
    'arp_cut': (0, 0x7b, 7, arp(APP)[:41]),
    'unconfigured_tcp': (0, 0x78, 7, ip(6, tcp(51234, 80))),
    'drop_no_socket': (1, 0x0f, 7, ip(6, tcp(51234, 80))),
}
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, (q, knobs, reta, frame) in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(bytes([q, knobs, reta]) + frame)
