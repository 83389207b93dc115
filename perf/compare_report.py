#!/usr/bin/env python3
"""compare_report.py POINTS.jsonl|REPORT.json PREFIX [key=value ...]

The report of perf/compare.sh: reads the points it measured (one JSON
object per line) and writes PREFIX.json (meta, every point, the summary),
PREFIX.md (the tables), PREFIX-latency.png and PREFIX-cpu.png (gnuplot),
prints the tables and, as the last line, the DESIGN.md section 9 JSON:
warmpoold's CPU us per request (busy time from its own cycle accounting)
against HAProxy's (process CPU time) at the highest offered rate both
sustained. Lower is better, so ratio = HAProxy / warmpoold.
"""
import json
import os
import subprocess
import sys


def load(path):
    """Points: one JSON object per line, or an earlier report's .json."""
    with open(path) as f:
        text = f.read()
    if path.endswith(".json"):
        return json.loads(text)["points"]
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


P99_LIMIT_US = 100000


def sustained(p):
    """The proxy kept up: >= 90% of the offered rate, < 0.5% errors, and
    p99 under 100 ms (a backlog that grows shows there first: the rate
    can still look right while requests queue for seconds)."""
    req = max(p.get("requests", 0), 1)
    return (p["rps"] >= 0.9 * p["offered"] and 0 <= p["errors"] <= 0.005 * req
            and p.get("p99_us") is not None and p["p99_us"] <= P99_LIMIT_US)


def cpu_of(p):
    """CPU us per request: warmpoold's busy time, the others' process time."""
    if p["proxy"] == "warmpoold" and p.get("busy_us_per_req") is not None:
        return p["busy_us_per_req"]
    return p.get("cpu_us_per_req")


def main():
    pts = load(sys.argv[1])
    prefix = sys.argv[2]
    meta = dict(a.split("=", 1) for a in sys.argv[3:])
    if sys.argv[1].endswith(".json") and not meta:
        with open(sys.argv[1]) as f:
            meta = json.load(f)["meta"]
    proxies = ["direct"] + meta.get("proxies", "warmpoold haproxy nginx").split()
    rate = {}
    for p in pts:
        if p["kind"] == "rate":
            rate.setdefault(p["proxy"], {})[p["offered"]] = p

    md = []
    md.append(f"# warmpool perf harness: {meta.get('mode')} run\n")
    md.append(f"Host {meta.get('host')} ({meta.get('nproc')} CPUs, load average at the end "
              f"{meta.get('load_avg')}); proxy pinned to CPU {meta.get('cpu_proxy')}, clients "
              f"and the nginx backend to CPU {meta.get('cpu_load')}; {meta.get('size')}-byte "
              f"responses; each proxy may keep {meta.get('sessions')} backend connections "
              f"(warmpoold max_sessions, HAProxy maxconn with http-reuse always, nginx "
              f"upstream keepalive); {meta.get('warmup_s')} s warm-up (wp-loadgen) and "
              f"{meta.get('duration_s')} s per point.\n")
    md.append("CPU us/req: the proxy's CPU time per request during the point (utime+stime "
              "of all its processes from /proc). For warmpoold also busy us/req: the "
              "time its worker spent in loop iterations that found work (its own busy/idle "
              "cycle accounting, DESIGN.md section 1), which leaves out idle polling. "
              "wp-loadgen latencies are from the intended send time.\n")
    md.append("Reading latency on a shared machine: warmpoold polls (with short sleeps when "
              "idle), so on a CPU that other work also uses the scheduler can make it wait "
              "behind that work for milliseconds, where HAProxy and nginx sleep in epoll and "
              "wake with a sleeper's priority. Latency figures mean most with the proxy's CPU "
              "isolated (hw_notes.md sections 3 and 8).\n")

    # concurrency sweep
    md.append("## Concurrency sweep (closed loop)\n")
    md.append("| proxy | client | conns | req/s | p50 us | p99 us | errors | CPU us/req | busy us/req |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for px in proxies:
        for p in pts:
            if p["proxy"] == px and p["kind"] == "conc":
                md.append(f"| {px} | {p['client']} | {p['conns']} | {fmt(p['rps'], 0)} | "
                          f"{fmt(p['p50_us'])} | {fmt(p['p99_us'])} | {p['errors']} | "
                          f"{fmt(p.get('cpu_us_per_req'))} | {fmt(p.get('busy_us_per_req'))} |")
    md.append("")

    # rate sweep with added latency
    md.append("## Offered-rate sweep (wp-loadgen open loop, 100 connections)\n")
    md.append("Added latency: the proxy's p50/p99 minus the direct path's at the same "
              "offered rate (negative values are noise). Kept up: at least 90% of the "
              "offered rate, under 0.5% errors and p99 under 100 ms.\n")
    md.append("| proxy | offered | req/s | p50 us | p99 us | p99.9 us | added p50 | added p99 | "
              "errors | CPU us/req | busy us/req | kept up |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for px in proxies:
        for off in sorted(rate.get(px, {})):
            p = rate[px][off]
            d = rate.get("direct", {}).get(off)
            a50 = p["p50_us"] - d["p50_us"] if d and px != "direct" and p["p50_us"] is not None else None
            a99 = p["p99_us"] - d["p99_us"] if d and px != "direct" and p["p99_us"] is not None else None
            p["added_p50_us"], p["added_p99_us"] = a50, a99
            md.append(f"| {px} | {off} | {fmt(p['rps'], 0)} | {fmt(p['p50_us'])} | "
                      f"{fmt(p['p99_us'])} | {fmt(p['p999_us'])} | {fmt(a50)} | {fmt(a99)} | "
                      f"{p['errors']} | {fmt(p.get('cpu_us_per_req'))} | "
                      f"{fmt(p.get('busy_us_per_req'))} | {'yes' if sustained(p) else 'no'} |")
    md.append("")

    # headline: highest rate both warmpoold and HAProxy (and direct) sustained
    common = [o for o in sorted(rate.get("warmpoold", {}))
              if o in rate.get("haproxy", {}) and sustained(rate["warmpoold"][o])
              and sustained(rate["haproxy"][o])]
    summary = {"headline_rate": None}
    line = None
    if common:
        o = common[-1]
        w, h = rate["warmpoold"][o], rate["haproxy"][o]
        wv, hv = cpu_of(w), h.get("cpu_us_per_req")
        summary = {
            "headline_rate": o,
            "warmpoold_busy_us_per_req": w.get("busy_us_per_req"),
            "warmpoold_cpu_us_per_req": w.get("cpu_us_per_req"),
            "haproxy_cpu_us_per_req": hv,
            "cpu_ratio": hv / wv if wv and hv else None,
            "warmpoold_added_p99_us": w.get("added_p99_us"),
            "haproxy_added_p99_us": h.get("added_p99_us"),
            "warmpoold_added_p50_us": w.get("added_p50_us"),
            "haproxy_added_p50_us": h.get("added_p50_us"),
        }
        if "nginx" in rate and o in rate["nginx"]:
            summary["nginx_cpu_us_per_req"] = rate["nginx"][o].get("cpu_us_per_req")
            summary["nginx_added_p99_us"] = rate["nginx"][o].get("added_p99_us")
            summary["nginx_kept_up"] = sustained(rate["nginx"][o])
        goal_cpu = wv is not None and hv is not None and wv <= hv / 5
        wa, ha = w.get("added_p99_us"), h.get("added_p99_us")
        goal_lat = wa is not None and ha is not None and ha > 0 and wa <= ha / 2
        summary["goal_cpu_fifth_of_haproxy"] = goal_cpu
        summary["goal_added_p99_half_of_haproxy"] = goal_lat
        md.append(f"## Headline at {o} req/s offered (highest rate both sustained)\n")
        md.append(f"- warmpoold: {fmt(wv, 2)} us of busy CPU per request "
                  f"({fmt(w.get('cpu_us_per_req'), 2)} us of process CPU time, idle polling "
                  f"and its control core included); HAProxy: {fmt(hv, 2)} us per request"
                  + (f"; nginx: {fmt(summary.get('nginx_cpu_us_per_req'), 2)} us"
                     + ("" if summary.get("nginx_kept_up") else " (it did not keep up at this rate)")
                     if "nginx_cpu_us_per_req" in summary else "")
                  + ".")
        if w.get("busy_s") is not None and w.get("cpu_s") is not None and w["busy_s"] > w["cpu_s"]:
            md.append("- Note: warmpoold's busy time exceeded its process CPU time at this point: "
                      "busy time is the wall time of loop iterations that found work, so time "
                      "the worker spent preempted (the proxy's CPU was shared with other "
                      "processes) counts as busy. Its process CPU time is the safer figure here.")
        md.append(f"- Goal (issue 7) at most a fifth of HAProxy's CPU per request: "
                  f"{'met' if goal_cpu else 'NOT met'}.")
        md.append(f"- Latency added over the direct path, p99: warmpoold {fmt(wa)} us, "
                  f"HAProxy {fmt(ha)} us (p50: {fmt(w.get('added_p50_us'))} / "
                  f"{fmt(h.get('added_p50_us'))} us). Goal at most half of HAProxy's: "
                  f"{'met' if goal_lat else 'NOT met'}.")
        md.append("")
        line = {"bench": "compare", "metric": f"cpu_us_per_request_at_{o}_rps",
                "unit": "us", "warmpool": round(wv, 3) if wv else None,
                "peer": "haproxy 2.6 http-reuse always", "peer_value": round(hv, 3) if hv else None,
                "ratio": round(hv / wv, 3) if wv and hv else None, "higher_is_better": False}
    else:
        md.append("## Headline\n\nNo offered rate was sustained by both warmpoold and "
                  "HAProxy: no comparison at equal load.\n")
        line = {"bench": "compare", "metric": "cpu_us_per_request", "unit": "us",
                "warmpool": None, "peer": "haproxy 2.6 http-reuse always", "peer_value": None,
                "ratio": None, "higher_is_better": False}

    # data files and plots
    for px in proxies:
        with open(f"{prefix}-{px}.dat", "w") as f:
            f.write("# offered rps p50_us p99_us cpu_us_per_req busy_us_per_req\n")
            for off in sorted(rate.get(px, {})):
                p = rate[px][off]
                f.write(f"{off} {p['rps']} {p['p50_us'] or 0} {p['p99_us'] or 0} "
                        f"{p.get('cpu_us_per_req') or 'NaN'} {p.get('busy_us_per_req') or 'NaN'}\n")
    cpu_curves = [f"'{prefix}-{px}.dat' using 1:5 with linespoints title '{px} process CPU'"
                  for px in proxies if px != "direct" and rate.get(px)]
    if rate.get("warmpoold"):
        cpu_curves.append(f"'{prefix}-warmpoold.dat' using 1:6 with linespoints "
                          "title 'warmpoold busy'")
    gp = f"""set terminal png size 900,560
set output '{prefix}-latency.png'
set title 'Latency against throughput (wp-loadgen open loop; from intended send time)'
set xlabel 'achieved requests/s'
set ylabel 'latency (us)'
set logscale y
set grid
set key top left
plot """ + ", ".join(
        f"'{prefix}-{px}.dat' using 2:4 with linespoints title '{px} p99', "
        f"'{prefix}-{px}.dat' using 2:3 with linespoints dashtype 2 title '{px} p50'"
        for px in proxies if rate.get(px)) + f"""
set output '{prefix}-cpu.png'
set title 'Proxy CPU time per request (warmpoold: busy time, and process time)'
set xlabel 'offered requests/s'
set ylabel 'CPU us per request'
unset logscale y
plot """ + ", ".join(cpu_curves) + "\n"
    with open(f"{prefix}.gp", "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", f"{prefix}.gp"], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"compare_report: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)
    base = os.path.basename(prefix)
    md.append(f"Plots: `{base}-latency.png`, `{base}-cpu.png`.\n")

    with open(f"{prefix}.json", "w") as f:
        json.dump({"meta": meta, "points": pts, "summary": summary}, f, indent=1)
    with open(f"{prefix}.md", "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    print(f"results: {prefix}.json .md -latency.png -cpu.png")
    print(json.dumps(line))


if __name__ == "__main__":
    main()
