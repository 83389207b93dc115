#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""wp-stat against rings written through the writer API (export_fixture).

usage: test_wp_stat.py WP_STAT EXPORT_FIXTURE

The records are defined here, field by field, and packed with this file's
own copy of the layout in include/warmpool/export-t.h; export_fixture only
publishes the bytes. So every value wp-stat prints is checked against a
value that did not come from wp-stat's code nor from the fixture's.

Checks: --json --once prints every field of every record type (backend
names and escaping included); the lost count is exact after the reader is
lapped; --prometheus values; --events lines; the live view (--count 1 and
following until the writer closes); missing, truncated, corrupt and
wrong-version files exit 2 with one message naming the file and the
problem; bad options exit 64 with usage; --help lists every option.
Python 3 standard library only.
"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

WP_STAT, FIXTURE = sys.argv[1], sys.argv[2]
FAILS = []

CORE, POOL, BACKEND, HIST, EVENT, STEER, HANDOFF = 1, 2, 3, 4, 5, 6, 7
NONE = 0xFFFF
NAMES = ["api", 'db "main"\\x']      # the second needs escaping everywhere
N_WORKERS = 2
HDR_SIZE, REC_SIZE = 4096, 128

# Payload layouts, fields in export-t.h order (pads named _pad*).
LAYOUT = {
    CORE: ("<12Q", ["loops", "busy_polls", "idle_polls", "busy_ns", "idle_ns",
                    "rx_pkts", "tx_pkts", "requests", "errors", "clients",
                    "telem_drops", "lcore"]),
    POOL: ("<6I9Q", ["idle", "leased", "connecting", "pending", "min_idle",
                     "max_sessions", "opened", "closed", "acquires", "reused",
                     "requests", "errors", "overflows", "timeouts",
                     "lat_sum_ns"]),
    BACKEND: ("<4B7I8Q", ["health", "breaker", "ejected", "_pad", "weight",
                          "idle", "leased", "connecting", "pending", "budget",
                          "targets", "requests", "errors", "rps_milli",
                          "p50_ns", "p99_ns", "ejections", "probes_failed",
                          "probes_ok"]),
    STEER: ("<7Q", ["landed", "local", "handed_off", "ring_full", "from_peers",
                    "copies", "copy_lost"]),
    HANDOFF: ("<II3Q", ["peer", "_pad", "sent", "dropped", "received"]),
}
HEALTH = ["unknown", "up", "down", "drain"]
BREAKER = ["closed", "open", "half_open"]


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def pack(rtype, fields):
    if rtype == HIST:
        counts = fields["count"] + [0] * (22 - len(fields["count"]))
        raw = struct.pack("<HHI22I", fields["first"], fields["n"], 0, *counts)
    elif rtype == EVENT:
        args = fields["arg"] + [0] * (11 - len(fields["arg"]))
        raw = struct.pack("<II11Q", fields["code"], 0, *args)
    elif rtype in LAYOUT:
        fmt, names = LAYOUT[rtype]
        raw = struct.pack(fmt, *[fields.get(n, 0) for n in names])
    else:
        raw = struct.pack("<12Q", *fields["u64"])
    raw += b"\0" * (96 - len(raw))
    assert len(raw) == 96
    return raw.hex()


class Fixture:
    def __init__(self, path, capacity, names=NAMES):
        self.p = subprocess.Popen(
            [FIXTURE, path, str(capacity), str(N_WORKERS), "1000000000"] + names,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        ans = self.p.stdout.readline()
        assert ans.startswith("ok"), "fixture said %r to %r" % (ans, line)
        return ans

    def rec(self, rtype, worker, backend, ts, fields):
        w = "-" if worker is None else str(worker)
        b = "-" if backend is None else str(backend)
        self.cmd("rec %d %s %s %d %s" % (rtype, w, b, ts, pack(rtype, fields)))

    def close(self):
        self.cmd("close")
        self.p.stdin.close()
        check(self.p.wait(timeout=10) == 0, "fixture exit status")


def core(i, t, busy, idle, loops, rx, tx, req):
    return (CORE, i, None, t, dict(
        loops=loops, busy_polls=loops // 2 + i, idle_polls=loops // 3 + i,
        busy_ns=busy, idle_ns=idle, rx_pkts=rx, tx_pkts=tx, requests=req,
        errors=3 + i, clients=7 + i, telem_drops=i, lcore=1 + i))


# The known set: two snapshot periods 1 s apart, then histogram, events and
# a record of a type wp-stat does not know.
S = 1000000000
RECORDS = [
    core(0, 1 * S, 250000000, 750000000, 1000, 5000, 4000, 100),
    core(1, 1 * S, 100000000, 900000000, 2000, 6000, 5000, 200),
]
for w in range(2):
    for b in range(2):
        base = 1000 * (w + 1) + 100 * (b + 1)
        RECORDS.append((POOL, w, b, 1 * S, dict(
            idle=base + 1, leased=base + 2, connecting=base + 3, pending=base + 4,
            min_idle=base + 5, max_sessions=base + 6, opened=base + 7,
            closed=base + 8, acquires=base + 9, reused=base + 10,
            requests=base + 11, errors=base + 12, overflows=base + 13,
            timeouts=base + 14, lat_sum_ns=1234567890123 + base)))
RECORDS += [
    core(0, 2 * S, 750000000, 1250000000, 3000, 7000, 5000, 350),
    core(1, 2 * S, 150000000, 1850000000, 2500, 6100, 5050, 210),
    (BACKEND, None, 0, 2 * S, dict(
        health=1, breaker=0, ejected=0, weight=10, idle=11, leased=12,
        connecting=13, pending=14, budget=64, targets=32, requests=5000,
        errors=17, rps_milli=1234567, p50_ns=850000, p99_ns=2500000,
        ejections=2, probes_failed=3, probes_ok=99)),
    (BACKEND, None, 1, 2 * S, dict(
        health=2, breaker=1, ejected=1, weight=5, idle=0, leased=0,
        connecting=1, pending=9, budget=0, targets=4, requests=77,
        errors=70, rps_milli=500, p50_ns=0, p99_ns=0, ejections=5,
        probes_failed=40, probes_ok=1)),
    (HIST, None, 0, 2 * S, dict(first=16, n=3, count=[1, 2, 3])),
    (EVENT, 0, 0, 2 * S + 1000, dict(code=2, arg=[17, 7])),       # peer_rst
    (EVENT, 0, 0, 2 * S + 2000, dict(code=1, arg=[18])),
    (EVENT, None, 1, 2 * S + 3000, dict(code=4, arg=[2, 1])),
    (EVENT, None, 1, 2 * S + 4000, dict(code=6, arg=[1, 0, 2])),
    (EVENT, 1, 0, 2 * S + 5000, dict(code=3, arg=[1, 1500000, 200, 0])),
    (EVENT, None, 1, 2 * S + 6000, dict(code=5, arg=[1, 30 * S, 5])),
    (EVENT, 1, 0, 2 * S + 7000, dict(code=7, arg=[21, 12 * S])),
    (EVENT, 0, 0, 2 * S + 8000, dict(code=8, arg=[6, 4, 12])),
    (EVENT, 1, None, 2 * S + 9000, dict(code=9, arg=[1, 2])),
    (EVENT, None, None, 2 * S + 10000, dict(code=10, arg=[2])),
    (EVENT, None, None, 2 * S + 11000, dict(code=99, arg=[1, 2, 3, 4])),
    (9, 0, None, 2 * S + 12000, dict(u64=list(range(100, 112)))),
    (STEER, 0, None, 2 * S + 13000, dict(
        landed=1000, local=700, handed_off=290, ring_full=10, from_peers=250,
        copies=2, copy_lost=1)),
    (STEER, 1, None, 2 * S + 13000, dict(
        landed=800, local=550, handed_off=250, ring_full=0, from_peers=290,
        copies=0, copy_lost=0)),
    (HANDOFF, 0, None, 2 * S + 13000, dict(peer=1, sent=292, dropped=10, received=290)),
    (HANDOFF, 1, None, 2 * S + 13000, dict(peer=0, sent=250, dropped=0, received=250)),
]

EVENT_LINES = [
    "2.000001 worker=0 backend=api session_closed session=17 reason=peer_rst",
    "2.000002 worker=0 backend=api session_opened session=18",
    '2.000003 worker=- backend=db "main"\\x health health=down was=up',
    '2.000004 worker=- backend=db "main"\\x breaker breaker=open was=closed cause=pending',
    "2.000005 worker=1 backend=api probe ok latency=1.5ms status=200 errno=0",
    '2.000006 worker=- backend=db "main"\\x eject ejected for=30.00s ejections=5',
    "2.000007 worker=1 backend=api leak session=21 held=12.00s",
    "2.000008 worker=0 backend=api target target=6 was=4 total=12",
    "2.000009 worker=1 backend=- worker started lcore=2",
    "2.000010 worker=- backend=- drain done",
    "2.000011 worker=- backend=- #99 args=1,2,3,4",
]


def expected_json(i, rec):
    rtype, worker, backend, ts, fields = rec
    names = {CORE: "core", POOL: "pool", BACKEND: "backend", HIST: "hist",
             EVENT: "event", STEER: "steer", HANDOFF: "handoff"}
    e = {"type": names.get(rtype, "unknown"), "seq": i + 1, "ts_ns": ts,
         "worker": worker, "backend": backend,
         "backend_name": None if backend is None else NAMES[backend], "flags": 0}
    if rtype not in names:
        e["type_num"] = rtype
        e["u64"] = fields["u64"]
    elif rtype in LAYOUT:
        for n in LAYOUT[rtype][1]:
            if not n.startswith("_"):
                e[n] = fields.get(n, 0)
        if rtype == BACKEND:
            e["health"] = HEALTH[fields["health"]]
            e["breaker"] = BREAKER[fields["breaker"]]
    elif rtype == HIST:
        e.update(first=fields["first"], n=fields["n"], count=fields["count"])
    else:
        codes = {1: "session_opened", 2: "session_closed", 3: "probe",
                 4: "health", 5: "eject", 6: "breaker", 7: "leak",
                 8: "target", 9: "worker", 10: "drain"}
        e["code"] = codes.get(fields["code"], fields["code"])
        e["arg"] = fields["arg"] + [0] * (11 - len(fields["arg"]))
    return e


def wpstat(*args, timeout=20):
    return subprocess.run([WP_STAT] + list(args), capture_output=True,
                          text=True, timeout=timeout)


def write_known(path, close=True):
    f = Fixture(path, 64)
    for r in RECORDS:
        f.rec(*r)
    if close:
        f.close()
    return f


def test_json(path):
    r = wpstat("--json", "--once", path)
    check(r.returncode == 0, "--json --once exit 0 (got %d: %s)" % (r.returncode, r.stderr))
    got = [json.loads(line) for line in r.stdout.splitlines()]
    check(len(got) == len(RECORDS), "--json: %d records, %d expected" % (len(got), len(RECORDS)))
    for i, (g, rec) in enumerate(zip(got, RECORDS)):
        e = expected_json(i, rec)
        if rec[0] == EVENT:
            text = g.pop("text", None)
            check(text is not None and text in EVENT_LINES[i - 11],
                  "event text %r in %r" % (text, EVENT_LINES[i - 11]))
        check(g == e, "--json record %d:\n  got      %s\n  expected %s" % (i, g, e))


def test_prometheus(path):
    r = wpstat("--prometheus", path)
    check(r.returncode == 0, "--prometheus exit 0")
    samples, families = {}, {}
    for line in r.stdout.splitlines():
        m = re.match(r"# (HELP|TYPE) (\S+) (.*)", line)
        if m:
            families.setdefault(m.group(2), set()).add(m.group(1))
            continue
        m = re.match(r"^(\w+)(\{.*\})? (\S+)$", line)
        check(m is not None, "prometheus line parses: %r" % line)
        if m:
            samples[m.group(1) + (m.group(2) or "")] = m.group(3)
            check(families.get(m.group(1)) == {"HELP", "TYPE"},
                  "HELP and TYPE before %s" % m.group(1))
    db = 'backend="db \\"main\\"\\\\x"'
    want = {
        "wp_export_records_read_total": str(len(RECORDS)),
        "wp_export_records_lost_total": "0",
        'wp_core_loops_total{worker="0"}': "3000",
        'wp_core_loops_total{worker="1"}': "2500",
        'wp_core_busy_seconds_total{worker="0"}': "0.750000000",
        'wp_core_idle_seconds_total{worker="1"}': "1.850000000",
        'wp_core_requests_total{worker="0"}': "350",
        'wp_core_clients{worker="1"}': "8",
        'wp_core_lcore{worker="1"}': "2",
        'wp_pool_idle_sessions{worker="0",backend="api"}': "1101",
        'wp_pool_timeouts_total{worker="1",%s}' % db: "2214",
        'wp_pool_request_latency_seconds_total{worker="1",%s}' % db: "1234.567892323",
        'wp_backend_health{backend="api"}': "1",
        "wp_backend_health{%s}" % db: "2",
        "wp_backend_breaker_state{%s}" % db: "1",
        "wp_backend_ejected{%s}" % db: "1",
        'wp_backend_requests_per_second{backend="api"}': "1234.567",
        'wp_backend_latency_p50_seconds{backend="api"}': "0.000850000",
        'wp_backend_latency_p99_seconds{backend="api"}': "0.002500000",
        'wp_backend_session_budget{backend="api"}': "64",
        'wp_backend_session_targets{backend="api"}': "32",
        "wp_backend_probes_failed_total{%s}" % db: "40",
        'wp_backend_errors_total{backend="api"}': "17",
        'wp_steer_landed_frames_total{worker="0"}': "1000",
        'wp_steer_handed_off_frames_total{worker="0"}': "290",
        'wp_steer_ring_full_frames_total{worker="0"}': "10",
        'wp_steer_from_peers_frames_total{worker="1"}': "290",
        'wp_steer_copies_lost_total{worker="0"}': "1",
        'wp_handoff_sent_frames_total{worker="0",peer="1"}': "292",
        'wp_handoff_dropped_frames_total{worker="0",peer="1"}': "10",
        'wp_handoff_received_frames_total{worker="1",peer="0"}': "250",
    }
    for k, v in want.items():
        check(samples.get(k) == v, "prometheus %s = %r, expected %s" % (k, samples.get(k), v))
    check(len([k for k in samples if k.startswith("wp_pool_opened_total")]) == 4,
          "one wp_pool_opened_total per worker x backend")


def test_events(path):
    r = wpstat("--events", "--once", path)
    check(r.returncode == 0, "--events --once exit 0")
    check(r.stdout.splitlines() == EVENT_LINES,
          "--events lines:\n%s\nexpected\n%s" % (r.stdout, "\n".join(EVENT_LINES)))


def test_view(path):
    r = wpstat("--count", "1", path)
    out = r.stdout
    check(r.returncode == 0, "live view --count 1 exit 0")
    check("records read %d  lost 0" % len(RECORDS) in out, "view header counts:\n" + out)
    check("[writer closed]" in out, "view says the writer closed")
    # tables are blocks of lines between blank lines, keyed by header
    blocks = {}
    for block in out.split("\n\n"):
        lines = [l for l in block.splitlines() if l.strip()]
        if lines:
            blocks[" ".join(lines[0].split()[:2])] = lines
    rows = {l.split()[0]: l.split() for l in blocks.get("WORKER LCORE", [])}
    rows.update({l.split()[0]: l.split() for l in out.splitlines()
                 if l.strip() and not l.split()[0].isdigit()})
    steer = {l.split()[0]: l.split() for l in blocks.get("WORKER LANDED", [])[1:]}
    # worker 0: 290 of 1000 landed frames handed off, 11 lost (full + copies)
    check(steer.get("0") == ["0", "1000", "290", "29.0", "250", "11"],
          "view steering row 0: %r\n%s" % (steer.get("0"), out))
    check(steer.get("1") == ["1", "800", "250", "31.2", "290", "0"],
          "view steering row 1: %r" % steer.get("1"))
    # worker 0 over the two snapshots: busy 500 of 1000 ms, 250 req/s,
    # 2000 loops/s, 2000 rx/s, 1000 tx/s; errors 3, clients 7
    check(rows.get("0") == ["0", "1", "50.0", "2000", "2000", "1000", "250.0", "3", "7"],
          "view worker 0 row: %r" % rows.get("0"))
    check(rows.get("1") == ["1", "2", "5.0", "500", "100", "50", "10.0", "4", "8"],
          "view worker 1 row: %r" % rows.get("1"))
    check(rows.get("api") == ["api", "up", "closed", "0", "11", "12", "13", "14",
                              "32/64", "1234.567", "850.0us", "2.5ms", "17"],
          "view backend api row: %r" % rows.get("api"))
    check(any(l.startswith('db "main"\\x') and l.split()[2:] ==
              ["down", "open", "1", "0", "0", "1", "9", "4/0", "0.500", "-", "-", "70"]
              for l in out.splitlines()), "view backend db row:\n" + out)


def test_follow_until_close(d):
    """The live view and --json keep following until the writer closes."""
    path = os.path.join(d, "follow.ring")
    f = Fixture(path, 64)
    f.rec(*RECORDS[0])
    view = subprocess.Popen([WP_STAT, "--interval", "0.05", path],
                            stdout=subprocess.PIPE, text=True)
    js = subprocess.Popen([WP_STAT, "--json", path], stdout=subprocess.PIPE, text=True)
    first = js.stdout.readline()
    check(json.loads(first)["loops"] == 1000, "--json follow: first record")
    for r in RECORDS[1:4]:
        f.rec(*r)
    f.close()
    out, _ = view.communicate(timeout=20)
    check(view.returncode == 0, "live view exits 0 after close")
    check(out.rstrip().endswith("closed the ring"), "live view says closed:\n" + out[-300:])
    rest, _ = js.communicate(timeout=20)
    check(js.returncode == 0, "--json exits 0 after close")
    check([json.loads(l)["seq"] for l in rest.splitlines()] == [2, 3, 4],
          "--json follow: later records: %r" % rest)


def proc_state(pid):
    with open("/proc/%d/stat" % pid) as fp:
        return fp.read().rsplit(")", 1)[1].split()[0]


def test_lapping(d):
    """A reader stopped while the writer goes round a ring of 8 twice: the
    records it missed are reported once, exactly, and the rest follow."""
    path = os.path.join(d, "lap.ring")
    f = Fixture(path, 8)
    f.cmd("fill 4")
    p = subprocess.Popen([WP_STAT, "--json", path], stdout=subprocess.PIPE, text=True)
    lines = [p.stdout.readline() for _ in range(4)]
    os.kill(p.pid, signal.SIGSTOP)
    deadline = time.time() + 10
    while proc_state(p.pid) != "T" and time.time() < deadline:
        time.sleep(0.01)
    f.cmd("fill 20")
    f.close()
    os.kill(p.pid, signal.SIGCONT)
    rest, _ = p.communicate(timeout=20)
    check(p.returncode == 0, "lapped reader exits 0 at close")
    recs = [json.loads(l) for l in lines + rest.splitlines()]
    seqs = [r["seq"] for r in recs if r["type"] == "core"]
    lost = [r["count"] for r in recs if r["type"] == "lost"]
    check(seqs[:4] == [1, 2, 3, 4], "before the lap: %r" % seqs[:4])
    check(len(lost) == 1 and lost[0] > 0, "one lost report: %r" % lost)
    # exact: the report sits between seq 4 and the next seq read, and
    # counts every record number between them; after it nothing is skipped
    i = next((k for k, r in enumerate(recs) if r["type"] == "lost"), len(recs))
    after = [r["seq"] for r in recs[i + 1:]]
    check(after and lost and after[0] == 4 + lost[0] + 1,
          "lost %r between seq 4 and %r" % (lost, after[:1]))
    check(after == list(range(after[0], 25)), "after the lap, seq up to 24: %r" % after)
    check(all(r["loops"] == r["seq"] - 1 for r in recs if r["type"] == "core"),
          "each record is the one its seq names")
    check(len(seqs) + sum(lost) == 24, "read + lost == written")
    r = wpstat("--prometheus", "--from", "oldest", path)
    check("wp_export_records_lost_total 0" in r.stdout, "fresh reader lost nothing")


def test_from_newest(path):
    r = wpstat("--json", "--once", "--from", "newest", path)
    check(r.returncode == 0 and r.stdout == "", "--from newest --once prints nothing")


def test_bad_files(d, good):
    with open(good, "rb") as fp:
        data = bytearray(fp.read())

    def bad(name, content, words):
        p = os.path.join(d, name)
        if content is not None:
            with open(p, "wb") as fp:
                fp.write(content)
        r = wpstat("--json", "--once", p)
        lines = r.stderr.splitlines()
        check(r.returncode == 2, "%s: exit 2 (got %d)" % (name, r.returncode))
        check(len(lines) == 1 and p in lines[0] and all(w in lines[0] for w in words),
              "%s: one message naming %s and %r: %r" % (name, p, words, r.stderr))
        check(r.stdout == "", "%s: nothing on stdout" % name)

    bad("missing.ring", None, ["cannot open", "No such file"])
    bad("empty.ring", b"", ["smaller than the", "header"])
    bad("truncated.ring", bytes(data[:HDR_SIZE + 5 * REC_SIZE]), ["truncated"])
    magic = bytearray(data)
    magic[0:8] = b"NOTRING\0"
    bad("magic.ring", bytes(magic), ["not a warmpool telemetry ring"])
    ver = bytearray(data)
    struct.pack_into("<I", ver, 8, 2)
    bad("version.ring", bytes(ver), ["version 2"])
    cap = bytearray(data)
    struct.pack_into("<I", cap, 20, 48)
    bad("capacity.ring", bytes(cap), ["capacity 48"])


def test_options(path):
    for args in (["--bogus"], ["--from", "middle"], ["--interval", "0"],
                 ["--interval", "x"], ["--count", "0"], ["--json", "--prometheus"],
                 ["--from"], [path, path]):
        r = wpstat(*args)
        check(r.returncode == 64 and "usage:" in r.stderr,
              "bad options %r: exit 64 with usage (got %d)" % (args, r.returncode))
    r = wpstat("--help")
    check(r.returncode == 0, "--help exits 0")
    for opt in ("--json", "--events", "--prometheus", "--once", "--from",
                "--interval", "--count", "--help", "FILE"):
        check(opt in r.stdout, "--help mentions %s" % opt)


def main():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "known.ring")
        write_known(path)
        test_json(path)
        test_prometheus(path)
        test_events(path)
        test_view(path)
        test_from_newest(path)
        test_follow_until_close(d)
        test_lapping(d)
        test_bad_files(d, path)
        test_options(path)
    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    print("all wp-stat checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
