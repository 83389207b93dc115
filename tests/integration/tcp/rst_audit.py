#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Classify every RST in a capture of the test veth.

usage: rst_audit.py PCAP OUR_IP [PORT]

A RST is "late" when it answers a segment of a connection that had already
closed cleanly on the wire: both FINs seen and both FINs acknowledged before
the RST. That happens in correct TCP when a retransmitted segment (a tail
loss probe of the peer's FIN, say) reaches the closed end late: veth hands
frames sent on different CPUs to the receiver through per-CPU backlogs, so
a retransmission sent from a timer on one CPU can arrive after the final
ACK sent from another. Every other RST is "live": it cut a connection that
had not finished, which is a failure.

Prints one line per live RST and a summary "rst late=N live=N"; exit 0 if
there is no live RST.
"""
import re
import subprocess
import sys

LINE = re.compile(r"^\S+ IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): "
                  r"Flags \[([^\]]*)\](?:, seq (\d+)(?::(\d+))?)?(?:, ack (\d+))?")


def main() -> int:
    pcap, our_ip = sys.argv[1], sys.argv[2]
    flt = f"tcp port {sys.argv[3]}" if len(sys.argv) > 3 else "tcp"
    out = subprocess.run(["tcpdump", "-nn", "-S", "-tt", "-r", pcap, flt],
                         capture_output=True, text=True).stdout
    fin = {}      # (flow, side) -> seq of that side's FIN
    acked = {}    # (flow, side) -> that side's FIN was acknowledged
    late = live = 0
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        sip, sport, dip, dport, flags, seq, end, ack = m.groups()
        side = "us" if sip == our_ip else "peer"
        other = "peer" if side == "us" else "us"
        a, b = (sip, sport), (dip, dport)
        flow = (min(a, b), max(a, b))
        if "F" in flags and seq is not None:
            s = int(seq) + (int(end) - int(seq) if end else 0)
            fin[(flow, side)] = s
        if ack is not None and (flow, other) in fin:
            if (int(ack) - fin[(flow, other)] - 1) % (1 << 32) < (1 << 31):
                acked[(flow, other)] = True
        if "R" in flags:
            if acked.get((flow, "us")) and acked.get((flow, "peer")):
                late += 1
            else:
                live += 1
                if live <= 10:
                    print(f"live RST from {side}: {line[:160]}")
    print(f"rst late={late} live={live}")
    return 0 if live == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
