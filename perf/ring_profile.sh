#!/bin/bash
# ring_profile.sh [BUILD_DIR]: where the time goes in the kernel-free run
# (issue 7). Runs perf/proxy_ring_bench once at full speed (proxied
# requests/s on one core, against the same chain without the proxy), then
# twice under callgrind with exactly N1 and N2 proxied requests; the
# difference of the instruction counts divided by N2 - N1 is the
# instructions per proxied request for the whole chain (client stack,
# both proxy stacks, the proxy, the responder), start-up excluded. The
# two profiles are subtracted function by function and divided the same
# way, so the per-request cost is shown by source file and by function
# (start-up cancels out): the proxy's own share (src/proto/proxy.c, the
# pool, its part of src/net and http1.c) can be read off. No root needed. About 1-2 minutes.
#
# Last line: the DESIGN.md section 9 JSON of proxy_ring_bench.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build}
BENCH=$BUILD/perf/proxy_ring_bench
EAL=(--no-huge --no-shconf --no-pci --no-telemetry -m 1024 --lcores 0@0 --log-level=error)
N1=${WPP_N1:-20000}
N2=${WPP_N2:-60000}
[ -x "$BENCH" ] || { echo "ring_profile.sh: no $BENCH (build first)"; exit 1; }
command -v valgrind >/dev/null || { echo "ring_profile.sh: valgrind is not installed"; exit 1; }
TMP=$(mktemp -d /tmp/wpp-prof-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

"$BENCH" "${EAL[@]}" -- --seconds 3 >"$TMP/speed.out" 2>&1 || { cat "$TMP/speed.out"; exit 1; }
ir() {
	valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$1" "$BENCH" "${EAL[@]}" \
		-- --requests "$1" --warmup 0 >"$TMP/run.$1" 2>&1 || { cat "$TMP/run.$1"; exit 1; }
	callgrind_annotate "$TMP/cg.$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
}
a=$(ir "$N1")
b=$(ir "$N2")
per=$(( (b - a) / (N2 - N1) ))

echo "proxy_ring_bench at full speed (one lcore; the machine may be busy):"
sed -n '1,5p' "$TMP/speed.out" | sed 's/^/  /'
echo
echo "callgrind: $a instructions for $N1 proxied requests, $b for $N2:"
echo "  $per instructions per proxied request, whole chain on one core"
echo
python3 - "$TMP/cg.$N1" "$TMP/cg.$N2" "$N1" "$N2" <<'PY'
import re, subprocess, sys

def profile(path):
    out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
                         capture_output=True, text=True).stdout
    funcs = {}
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+):(\S+)\s+\[(.*)\]", line)
        if not m:
            continue
        path_, fn, obj = m.group(2), m.group(3), m.group(4)
        if "/src/" in path_:
            key = "src/" + path_.split("/src/", 1)[1]
        elif "/perf/" in path_:
            key = "perf/" + path_.split("/perf/", 1)[1]
        else:
            key = obj.rsplit("/", 1)[-1]
        funcs[(fn, key)] = funcs.get((fn, key), 0) + int(m.group(1).replace(",", ""))
    return funcs

a, b = profile(sys.argv[1]), profile(sys.argv[2])
n = int(sys.argv[4]) - int(sys.argv[3])
diff = {k: (b.get(k, 0) - a.get(k, 0)) / n for k in set(a) | set(b)}
tot = sum(v for v in diff.values() if v > 0)
files = {}
for (fn, key), v in diff.items():
    files[key] = files.get(key, 0) + v
print(f"Per proxied request, by source file (run of {sys.argv[4]} minus run of {sys.argv[3]}):")
for k, v in sorted(files.items(), key=lambda x: -x[1])[:16]:
    if v >= 1:
        print(f"  {v:9.0f} {100 * v / tot:6.2f}%  {k}")
print("Per proxied request, top functions (exclusive):")
for (fn, key), v in sorted(diff.items(), key=lambda x: -x[1])[:24]:
    print(f"  {v:9.0f} {100 * v / tot:6.2f}%  {fn}  ({key})")
PY
tail -n 1 "$TMP/speed.out"
