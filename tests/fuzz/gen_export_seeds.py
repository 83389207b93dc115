#!/usr/bin/env python3
"""Seed corpus for fuzz_export: telemetry ring files (export-t.h layout),
written here from the layout alone, as a reader in another language would
see them. Valid: tiny rings of 2, 4 and 8 slots, empty, partly filled,
lapped, closed, with backend names and every record type. Broken: bad
magic, version, rec_size, capacity, n_backends, truncated, and a valid
header whose write_seq and slot numbers lie.
Usage: gen_export_seeds.py OUTDIR"""
import os, struct, sys

HDR, REC = 4096, 128

def header(cap, write_seq=0, flags=0, nb=2, magic=b'WPTELEM\0', version=1,
           hdr_size=HDR, rec_size=REC):
    h = struct.pack('<8sIIIIQIIIIQ', magic, version, hdr_size, rec_size, cap,
                    1700000000 * 10**9, 1234, flags, 2, nb, 10**9)
    h = h.ljust(64, b'\0') + struct.pack('<Q', write_seq)
    h = h.ljust(128, b'\0')
    for i in range(min(nb, 64)):
        h += (b'backend-%d' % i).ljust(32, b'\0')
    return h.ljust(HDR, b'\0')

def record(n, typ):
    # seq, ts_ns, type, worker, backend, flags, pad, 12 payload words
    body = struct.pack('<QQHHHHQ', n + 1, 5000 + n, typ, n % 2, n % 3, 0, 0)
    words = [(n * 0x9e3779b97f4a7c15 + i) & (2**64 - 1) for i in range(12)]
    if typ == 5:  # event: code, pad, args
        body += struct.pack('<II11Q', 1 + n % 10, 0, *words[:11])
    else:
        body += struct.pack('<12Q', *words)
    assert len(body) == REC
    return body

def ring(cap, written, **kw):
    slots = [b'\0' * REC] * cap
    for n in range(written):
        slots[n % cap] = record(n, 1 + n % 5)
    return header(cap, write_seq=written, **kw) + b''.join(slots)

def main(out):
    os.makedirs(out, exist_ok=True)
    seeds = {
        'empty2': ring(2, 0),
        'partial4': ring(4, 3),
        'full8': ring(8, 8),
        'lapped4': ring(4, 4 * 3 + 3),
        'closed8': ring(8, 20, flags=1),
        'no_backends2': ring(2, 1, nb=0),
        'bad_magic': ring(4, 2, magic=b'WPTELEX\0'),
        'bad_version': ring(4, 2, version=2),
        'bad_rec_size': ring(4, 2, rec_size=64),
        'bad_hdr_size': ring(4, 2, hdr_size=2048),
        'cap_not_pow2': header(3) + b'\0' * 3 * REC,
        'cap_huge_short': header(1 << 31) + b'\0' * 2 * REC,
        'too_many_backends': ring(4, 2, nb=65),
        'truncated': ring(4, 2)[:-1],
        'header_only': header(4),
    }
    # a valid geometry whose numbers lie: write_seq far ahead, slots with
    # numbers that do not belong to them
    lie = bytearray(ring(4, 4))
    struct.pack_into('<Q', lie, 64, 2**64 - 1)
    for i, s in enumerate([5, 2**64 - 1, 0, 3]):
        struct.pack_into('<Q', lie, HDR + i * REC, s)
    seeds['lying_seqs'] = bytes(lie)
    for name, data in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)

if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'export'))
