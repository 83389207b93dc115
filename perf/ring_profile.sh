#!/bin/bash
# ring_profile.sh [BUILD_DIR]: where the time goes in the kernel-free run
# (issue 7). Runs perf/proxy_ring_bench once at full speed (proxied
# requests/s on one core, against the same chain without the proxy), then
# twice under callgrind with exactly N1 and N2 proxied requests; the
# difference of the instruction counts divided by N2 - N1 is the
# instructions per proxied request for the whole chain (client stack,
# both proxy stacks, the proxy, the responder), start-up excluded. The
# larger run's profile is then summed by source file and by function, so
# the proxy's own share (src/proto/proxy.c, the pool, its two stacks'
# share of src/net) can be read off. No root needed. About 1-2 minutes.
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
python3 - "$TMP/cg.$N2" "$b" <<'PY'
import re, subprocess, sys
out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", sys.argv[1]],
                     capture_output=True, text=True).stdout
tot = int(sys.argv[2])
files, funcs = {}, []
for line in out.splitlines():
    m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+):(\S+)\s+\[(.*)\]", line)
    if not m:
        continue
    n = int(m.group(1).replace(",", ""))
    path, fn, obj = m.group(2), m.group(3), m.group(4)
    if "/src/" in path:
        key = "src/" + path.split("/src/", 1)[1]
    elif "/perf/" in path:
        key = "perf/" + path.split("/perf/", 1)[1]
    else:
        key = obj.rsplit("/", 1)[-1]
    files[key] = files.get(key, 0) + n
    funcs.append((n, fn, key))
print("By source file (whole run of N2 requests, start-up included):")
for k, n in sorted(files.items(), key=lambda x: -x[1])[:16]:
    print(f"  {n:>13,} {100 * n / tot:6.2f}%  {k}")
print("Top functions (exclusive):")
for n, fn, k in sorted(funcs, reverse=True)[:20]:
    print(f"  {n:>13,} {100 * n / tot:6.2f}%  {fn}  ({k})")
PY
tail -n 1 "$TMP/speed.out"
