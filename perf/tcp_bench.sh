#!/usr/bin/env bash
# tcp_bench: warmpool's TCP stack against the Linux stack, same veth, same
# run (issue 3).
#
#   ours   Linux client (peer namespace, CPU 0)  -> wp_tcpd on net_af_packet
#          (app namespace, CPU 1)
#   linux  Linux client (peer namespace, CPU 0)  -> linux_peer on the kernel
#          side of the same veth end (app namespace, CPU 1)
#   ring   tcp_ring_bench: our stack against itself over net_ring, one core,
#          no kernel at all (the ceiling)
#
# Workloads: bulk (one connection, --bulk bytes, Gbit/s) and small
# request/response (--conns connections, 64 B requests echoed, req/s).
# The client is the same Linux program in both cases; only the server's
# stack differs. Offloads are off on both veth ends for both (a user-space
# stack needs real checksums and MSS-sized frames; see
# tests/integration/tcp/lib.sh), so the Linux server runs without
# GRO/GSO here. Each figure is the median of --runs runs.
#
# Also: CPU instructions per small request for our stack, from callgrind
# over tcp_ring_bench with two request counts (the difference divided by
# the difference in requests, so start-up is excluded). That run holds
# both ends (client and server stacks) on one core.
#
# Last line: DESIGN.md section 9 JSON, request/response rate, ours against
# Linux-to-Linux.
#
# usage: perf/tcp_bench.sh [--quick] [--runs N] [--build DIR]
# Needs root for the veth part; without it only the kernel-free part runs.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
RUNS=3
BULK=256M
RR_PER_CONN=20000
CONNS=16
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) RUNS=3; BULK=64M; RR_PER_CONN=5000 ;;
	--runs) RUNS=$2; shift ;;
	--build) BUILD=$2; shift ;;
	-h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "tcp_bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
TCPD=$BUILD/tests/integration/wp_tcpd
PEER=$BUILD/tests/integration/linux_peer
RING=$BUILD/perf/tcp_ring_bench
for f in "$TCPD" "$PEER" "$RING"; do
	[ -x "$f" ] || { echo "tcp_bench: $f not built (run ./warmpool.sh build)" >&2; exit 1; }
done

median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
now_ns() { date +%s%N; }
rr_bytes=$((RR_PER_CONN * 64))
rr_total=$((RR_PER_CONN * CONNS))
bulk_bytes=$(numfmt --from=iec "$BULK")

declare -A R   # results: R[name]=value

# ---- veth part ----------------------------------------------------------
veth_part() {
	. "$ROOT/tests/integration/tcp/lib.sh"
	wpt_init af_packet "$TCPD" "$PEER"
	wpt_topology_up
	local i t0 t1 port=6000 vals
	# clients (everything started from here) on CPU 0; servers on the
	# CPU wp_tcpd polls, pinned the same way for both stacks
	taskset -pc 0 $BASHPID >/dev/null

	# ours: bulk then rr, each RUNS times
	vals=""
	for i in $(seq "$RUNS"); do
		port=$((port + 1))
		wpt_tcpd_start ob$i --listen $port --mode sink --bytes "$BULK" --exit-after-conns 1 \
			--time-wait-ms 100 --timeout-s 120
		t0=$(now_ns)
		wpt_peer ob$i-c --connect "$WPT_IP_APP:$port" --mode source --bytes "$BULK" --timeout-s 120
		t1=$(now_ns)
		wpt_tcpd_wait ob$i 30
		vals="$vals $(awk -v b="$bulk_bytes" -v d=$((t1 - t0)) 'BEGIN {printf "%.3f", b * 8 / d}')"
	done
	R[ours_bulk]=$(echo $vals | tr ' ' '\n' | median)
	echo "ours bulk Gbit/s:$vals"
	vals=""
	for i in $(seq "$RUNS"); do
		port=$((port + 1))
		wpt_tcpd_start or$i --listen $port --mode echo --exit-after-conns $CONNS \
			--time-wait-ms 100 --timeout-s 120
		t0=$(now_ns)
		wpt_peer or$i-c --connect "$WPT_IP_APP:$port" --mode rr --conns $CONNS \
			--bytes $rr_bytes --rr-size 64 --timeout-s 120
		t1=$(now_ns)
		wpt_tcpd_wait or$i 30
		vals="$vals $(awk -v n=$rr_total -v d=$((t1 - t0)) 'BEGIN {printf "%.0f", n * 1e9 / d}')"
	done
	R[ours_rr]=$(echo $vals | tr ' ' '\n' | median)
	echo "ours rr req/s:$vals"

	# linux: the kernel takes the app end of the veth
	ip -n "$WPT_NS_APP" addr add "$WPT_IP_APP/$WPT_PREFIX" dev "$WPT_IF_APP"
	vals=""
	for i in $(seq "$RUNS"); do
		port=$((port + 1))
		ip netns exec "$WPT_NS_APP" taskset -c "$WPT_TCPD_CPU" "$PEER" --listen $port \
			--mode sink --bytes "$BULK" --exit-after-conns 1 --timeout-s 120 \
			>"$WPT_TMP/lb$i.out" 2>&1 &
		local spid=$!
		sleep 0.3
		t0=$(now_ns)
		wpt_peer lb$i-c --connect "$WPT_IP_APP:$port" --mode source --bytes "$BULK" --timeout-s 120
		t1=$(now_ns)
		wait $spid || wpt_fail "linux server (bulk) failed: $(tail -2 "$WPT_TMP/lb$i.out")"
		vals="$vals $(awk -v b="$bulk_bytes" -v d=$((t1 - t0)) 'BEGIN {printf "%.3f", b * 8 / d}')"
	done
	R[linux_bulk]=$(echo $vals | tr ' ' '\n' | median)
	echo "linux bulk Gbit/s:$vals"
	vals=""
	for i in $(seq "$RUNS"); do
		port=$((port + 1))
		ip netns exec "$WPT_NS_APP" taskset -c "$WPT_TCPD_CPU" "$PEER" --listen $port \
			--mode echo --exit-after-conns $CONNS --timeout-s 120 >"$WPT_TMP/lr$i.out" 2>&1 &
		local spid=$!
		sleep 0.3
		t0=$(now_ns)
		wpt_peer lr$i-c --connect "$WPT_IP_APP:$port" --mode rr --conns $CONNS \
			--bytes $rr_bytes --rr-size 64 --timeout-s 120
		t1=$(now_ns)
		wait $spid || wpt_fail "linux server (rr) failed: $(tail -2 "$WPT_TMP/lr$i.out")"
		vals="$vals $(awk -v n=$rr_total -v d=$((t1 - t0)) 'BEGIN {printf "%.0f", n * 1e9 / d}')"
	done
	R[linux_rr]=$(echo $vals | tr ' ' '\n' | median)
	echo "linux rr req/s:$vals"
	ip -n "$WPT_NS_APP" addr del "$WPT_IP_APP/$WPT_PREFIX" dev "$WPT_IF_APP"
}

if [ "$(id -u)" -eq 0 ]; then
	# in a subshell: lib.sh's EXIT trap removes the topology when it ends
	out=$( (veth_part) 2>&1 | tee /dev/stderr | grep -E '^(ours|linux) ' )
	R[ours_bulk]=$(echo "$out" | awk '/^ours bulk/ {n=split($0,a," "); for(i=4;i<=n;i++) print a[i]}' | median)
	R[ours_rr]=$(echo "$out" | awk '/^ours rr/ {n=split($0,a," "); for(i=4;i<=n;i++) print a[i]}' | median)
	R[linux_bulk]=$(echo "$out" | awk '/^linux bulk/ {n=split($0,a," "); for(i=4;i<=n;i++) print a[i]}' | median)
	R[linux_rr]=$(echo "$out" | awk '/^linux rr/ {n=split($0,a," "); for(i=4;i<=n;i++) print a[i]}' | median)
else
	echo "tcp_bench: not root: skipping the veth comparison (namespaces need root)" >&2
	R[ours_bulk]=nan R[ours_rr]=nan R[linux_bulk]=nan R[linux_rr]=nan
fi

# ---- kernel-free part ----------------------------------------------------
EAL="--no-huge --no-shconf --no-pci --no-telemetry -m 1024 --lcores 0@1 --log-level=error"
vals_rr="" vals_bulk=""
for i in $(seq "$RUNS"); do
	vals_rr="$vals_rr $("$RING" $EAL -- --conns $CONNS --seconds 2 | sed -n 's/.* rps=\([0-9]*\).*/\1/p')"
	vals_bulk="$vals_bulk $("$RING" $EAL -- --mode bulk --seconds 2 | sed -n 's/.* gbit_s=\([0-9.]*\).*/\1/p')"
done
R[ring_rr]=$(echo $vals_rr | tr ' ' '\n' | median)
R[ring_bulk]=$(echo $vals_bulk | tr ' ' '\n' | median)

instr="n/a"
if command -v valgrind >/dev/null; then
	ir() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$RING" \
			--no-huge --no-shconf --no-pci --no-telemetry -m 512 --lcores 0@0 --log-level=error \
			-- --conns $CONNS --requests "$1" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
	}
	a=$(ir 10000); b=$(ir 30000)
	[ -n "$a" ] && [ -n "$b" ] && instr=$(( (b - a) / 20000 ))
fi

printf '\n%-44s %14s %14s %8s\n' "tcp_bench (median of $RUNS)" "warmpool" "Linux" "ratio"
printf '%-44s %14s %14s %8s\n' "bulk, 1 conn, Gbit/s (veth, Linux client)" "${R[ours_bulk]}" "${R[linux_bulk]}" \
	"$(awk -v a="${R[ours_bulk]}" -v b="${R[linux_bulk]}" 'BEGIN {if (b+0 > 0) printf "%.2f", a/b; else print "-"}')"
printf '%-44s %14s %14s %8s\n' "rr 64 B, $CONNS conns, req/s (veth, Linux client)" "${R[ours_rr]}" "${R[linux_rr]}" \
	"$(awk -v a="${R[ours_rr]}" -v b="${R[linux_rr]}" 'BEGIN {if (b+0 > 0) printf "%.2f", a/b; else print "-"}')"
printf '%-44s %14s\n' "kernel-free rr 64 B, $CONNS conns, req/s" "${R[ring_rr]}"
printf '%-44s %14s\n' "kernel-free bulk, 1 conn, Gbit/s" "${R[ring_bulk]}"
printf '%-44s %14s\n' "instructions per request (both ends)" "$instr"
echo "(kernel-free figures hold client and server stacks on one core)"
awk -v w="${R[ours_rr]}" -v p="${R[linux_rr]}" 'BEGIN {
	r = (p + 0 > 0) ? sprintf("%.3f", w / p) : "null"
	printf "{\"bench\": \"tcp_bench\", \"metric\": \"rr_64B_rate\", \"unit\": \"req/s\", \"warmpool\": %s, \"peer\": \"linux-to-linux over veth\", \"peer_value\": %s, \"ratio\": %s, \"higher_is_better\": true}\n",
		(w == "nan" ? "null" : w), (p == "nan" ? "null" : p), r }'
