#!/bin/bash
# compare.sh [--quick | --demo] [--build DIR] [--out DIR] [--proxies "LIST"]
#            [--workers N]
#
# --workers N: warmpoold workers (all on the proxy CPU here; warmpoold
# accepts more than one once flow steering, issue 6, is in). wp-loadgen
# runs one worker here: several need a link each (perf_lib.sh).
# --demo is what `./warmpool.sh demo` runs: warmpoold and HAProxy, one
# concurrency and two rates, plus a wp-stat frame of warmpoold's telemetry
# and its report after SIGTERM (about 2 minutes).
# The perf harness (issue 7): warmpoold against HAProxy (Debian, http-reuse
# always) and nginx as a reverse proxy (Debian, upstream keep-alive), all
# in front of the same nginx backend, measured in the same run, under the
# same load, with the same clients (wrk and wp-loadgen). Root; about 7
# minutes with --quick, 2 with --demo, 15 for the full sweep (2 CPUs).
#
# Topology: DESIGN.md section 8 (tests/integration/appliance/lib.sh with
# WPA_TAG, default "wph") plus perf/perf_lib.sh's direct link:
#
#   TAG-cli: wrk, wp-loadgen --> TAG-app: the proxy under test --> TAG-srv: nginx
#        \___________________ direct link (no proxy) ___________________/
#
# CPU placement, the same for every proxy: the proxy on CPU
# $WPP_CPU_PROXY (default 1); clients, the backend and this script on CPU
# $WPP_CPU_LOAD (default 0). On a 2-CPU machine the client and the backend
# saturate before a fast proxy does, so the figures that count are the
# proxy's CPU time per request at equal offered load and the latency it
# adds over the direct path at equal open-loop load; req/s are reported too.
#
# Per proxy ("direct" first: no proxy, the baseline):
#   concurrency sweep  wrk -t1 and wp-loadgen closed loop (1 outstanding per
#                      connection) at each of $CONC connections
#   rate sweep         wp-loadgen open loop, constant rate, 100
#                      connections, each of $RATES req/s until the proxy
#                      saturates (two points under 90% of the offered rate,
#                      over 0.5% errors or p99 over 1 s end its sweep)
# and for every point: req/s, latency p50/p90/p99/p99.9/max (wp-loadgen:
# from the intended send time), errors, the proxy's CPU time from /proc
# (utime+stime of all its processes) per request, and for warmpoold also
# its busy time per request from its own busy/idle cycle accounting
# (telemetry CORE records, read with wp-stat --prometheus).
#
# Output: perf/results/compare-<mode>-<time>.json (every point and the
# summary), .md (tables), -latency.png and -cpu.png (gnuplot), and on
# stdout the tables and, last, the DESIGN.md section 9 JSON line: warmpoold
# busy CPU us per request against HAProxy's process CPU us per request at
# the highest offered rate both sustained (lower is better).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=$ROOT/build
OUT=$HERE/results
MODE=full
PROXIES="warmpoold haproxy nginx"
WPD_WORKERS=1

usage() { sed -n '2,/^set -u$/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) MODE=quick ;;
	--demo) MODE=demo ;;
	--build) BUILD=$2; shift ;;
	--out) OUT=$2; shift ;;
	--proxies) PROXIES=$2; shift ;;
	--workers) WPD_WORKERS=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "compare.sh: unknown option '$1' (see --help)" >&2; exit 64 ;;
	esac
	shift
done
case "$MODE" in
full)  CONC="10 100 1000 10000"; RATES="1000 2000 3000 4000 6000 8000 12000 16000 24000 32000"
       WARM=2; DUR=8 ;;
quick) CONC="10 100 1000"; RATES="1000 2000 4000 6000 8000 12000"; WARM=1; DUR=3 ;;
demo)  CONC="100"; RATES="1000 3000"; WARM=1; DUR=3
       [ "$PROXIES" = "warmpoold haproxy nginx" ] && PROXIES="warmpoold haproxy" ;;
esac
SIZE=${WPP_SIZE:-1000}          # response body bytes (/files/N of nginx)
SESS=${WPP_SESSIONS:-64}        # backend connections each proxy may use
RATE_CONNS=100

export WPA_TAG=${WPA_TAG:-wph}
# shellcheck source=../tests/integration/appliance/lib.sh
. "$ROOT/tests/integration/appliance/lib.sh"
# shellcheck source=perf_lib.sh
. "$HERE/perf_lib.sh"
WPD=$BUILD/dpdk_apps/warmpoold/warmpoold
LG=$BUILD/dpdk_apps/wp-loadgen/wp-loadgen
STAT=$BUILD/dpdk_apps/wp-stat/wp-stat
wpa_init
wpa_need_root nginx wrk haproxy gnuplot python3 taskset
for x in "$WPD" "$LG" "$STAT"; do
	[ -x "$x" ] || { echo "compare.sh: $x missing: build first (./warmpool.sh build)"; exit 1; }
done
ulimit -n "$(ulimit -Hn)"                     # 10,000 clients need the fds
NOFILE=$(ulimit -n)
HA_MAXCONN=$(( (NOFILE - 200) / 2 ))          # haproxy wants 2 fds a connection
[ "$HA_MAXCONN" -gt 200000 ] && HA_MAXCONN=200000
taskset -pc "$WPP_CPU_LOAD" $$ >/dev/null   # children inherit CPU_LOAD
HZ=$(getconf CLK_TCK)
POINTS=$WPA_TMP/points.jsonl
: >"$POINTS"
wpa_log "compare.sh $MODE: proxies: $PROXIES; concurrency $CONC; rates $RATES;" \
	"${WARM}s warm-up + ${DUR}s per point; proxy on CPU $WPP_CPU_PROXY, load on CPU $WPP_CPU_LOAD"

wpp_topology_up
wpp_nginx_start n1 8081

# ------------------------------------------------------------ the proxies
PX_PID="" PX_HOST="" PX_PORT="" PX_IF="" PX_IP=""

px_pids() {   # the proxy's processes (nginx: master and workers)
	echo "$PX_PID $(pgrep -P "$PX_PID" 2>/dev/null | tr '\n' ' ')"
}

px_ticks() {
	local t=0 p
	for p in $(px_pids); do t=$((t + $(wpp_cpu_ticks "$p"))); done
	echo "$t"
}

# warmpoold's busy seconds (sum over workers) from its telemetry ring
px_busy() {
	"$STAT" --prometheus "$WPA_TMP/telemetry.ring" 2>/dev/null |
		awk '$1 ~ /^wp_core_busy_seconds_total/ { s += $2 } END { printf "%.9f\n", s + 0 }'
}

start_direct() {
	PX_PID="" PX_HOST=$WPP_IP_DIRECT_SRV PX_PORT=8081 PX_IF=$WPP_IF_DCLI PX_IP=$WPP_IP_LG_DIRECT
}

start_warmpoold() {
	WPA_WPD_SNAPSHOT=100ms WPA_WPD_BREAKER="max_sessions = 16384
max_pending = 1048576" wpa_wpd_conf "$WPA_TMP/wpd.ini" "min_idle = $SESS
max_sessions = $SESS
max_pending = 1048576
acquire_timeout = 10s
max_requests = 0" "" "n1 $WPA_IP_SRV 8081"
	# bigger af_packet rings than lib.sh's: 10,000 clients send bursts.
	# A short spin before the idle sleeps: on a CPU shared with other work
	# a long spin makes the scheduler queue the poller behind it (a real
	# deployment isolates the core and may spin forever: idle_sleep_us 0)
	sed -i -e "s/^device = net_af_packet[0-9]*,iface=[a-z0-9-]*$/&,framecnt=${WPP_AFP_FRAMES:-8192}/" \
		-e "s/^idle_sleep_us = .*/spin_polls = ${WPP_WPD_SPIN:-64}\npause_polls = ${WPP_WPD_PAUSE:-64}\nidle_sleep_us = ${WPP_WPD_SLEEP_US:-20}/" \
		"$WPA_TMP/wpd.ini"
	local lcores="0@$WPP_CPU_PROXY" w
	for w in $(seq 1 "$WPD_WORKERS"); do lcores="$lcores,$w@$WPP_CPU_PROXY"; done
	[ "$WPD_WORKERS" -gt 1 ] && sed -i "s/^device = net_af_packet.*/&,qpairs=$WPD_WORKERS/" "$WPA_TMP/wpd.ini"
	ip netns exec "$WPA_NS_APP" taskset -c "$WPP_CPU_PROXY" "$WPD" --no-huge -m 1024 \
		--no-shconf --file-prefix "wpp-cmp-$$" --lcores "$lcores" \
		-- --config "$WPA_TMP/wpd.ini" >"$WPA_TMP/wpd.out" 2>"$WPA_TMP/wpd.err" &
	PX_PID=$!
	WPA_PIDS="$WPA_PIDS $PX_PID"
	local i=0
	until grep -q "ready: listening" "$WPA_TMP/wpd.out" 2>/dev/null; do
		kill -0 "$PX_PID" 2>/dev/null || wpa_fail "warmpoold exited during start-up"
		i=$((i + 1)); [ "$i" -le 300 ] || wpa_fail "warmpoold not ready after 30 s"
		sleep 0.1
	done
	PX_HOST=$WPA_IP_VIP PX_PORT=$WPA_WPD_PORT PX_IF=$WPA_IF_CLI PX_IP=$WPP_IP_LG_VIP
}

start_haproxy() {
	cat >"$WPA_TMP/haproxy.cfg" <<EOF
# HAProxy for the warmpool perf harness (generated by compare.sh)
global
	maxconn $HA_MAXCONN
	nbthread 1
defaults
	mode http
	timeout connect 5s
	timeout client 60s
	timeout server 60s
	timeout queue 10s
	timeout http-keep-alive 60s
	option http-keep-alive
	maxconn $HA_MAXCONN
frontend fe
	bind $WPP_IP_KPROXY:8080
	default_backend be
backend be
	http-reuse always
	server n1 $WPA_IP_SRV:8081 maxconn $SESS
EOF
	ip netns exec "$WPA_NS_APP" taskset -c "$WPP_CPU_PROXY" haproxy -db -f "$WPA_TMP/haproxy.cfg" \
		>"$WPA_TMP/haproxy.out" 2>&1 &
	PX_PID=$!
	WPA_PIDS="$WPA_PIDS $PX_PID"
	wpa_wait_port "$WPA_NS_APP" "$WPP_IP_KPROXY" 8080 "$PX_PID" haproxy
	PX_HOST=$WPP_IP_KPROXY PX_PORT=8080 PX_IF=$WPA_IF_CLI PX_IP=$WPP_IP_LG_VIP
}

start_nginx() {
	local d=$WPA_TMP/nginx-proxy
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
# nginx as a reverse proxy for the warmpool perf harness (generated by compare.sh)
daemon off;
master_process on;
worker_processes 1;
user root;
pid $d/nginx.pid;
error_log $d/error.log warn;
worker_rlimit_nofile $NOFILE;
events { worker_connections $((NOFILE / 2)); }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	keepalive_requests 100000000;
	keepalive_timeout 300s;
	upstream be {
		server $WPA_IP_SRV:8081;
		keepalive $SESS;
		keepalive_requests 100000000;
	}
	server {
		listen $WPP_IP_KPROXY:8080 backlog=65535;
		location / {
			proxy_pass http://be;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
}
EOF
	ip netns exec "$WPA_NS_APP" taskset -c "$WPP_CPU_PROXY" nginx -q -p "$d/" -c "$d/nginx.conf" \
		-e "$d/error.log" >"$WPA_TMP/nginx-proxy.out" 2>&1 &
	PX_PID=$!
	WPA_PIDS="$WPA_PIDS $PX_PID"
	wpa_wait_port "$WPA_NS_APP" "$WPP_IP_KPROXY" 8080 "$PX_PID" "nginx proxy"
	PX_HOST=$WPP_IP_KPROXY PX_PORT=8080 PX_IF=$WPA_IF_CLI PX_IP=$WPP_IP_LG_VIP
}

stop_proxy() {
	local name=$1
	[ -n "$PX_PID" ] || return 0
	kill -TERM "$PX_PID" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$PX_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$PX_PID" 2>/dev/null
	wait "$PX_PID" 2>/dev/null
	if [ "$name" = warmpoold ]; then
		grep -E "mbufs:|responses=|stack flows" "$WPA_TMP/wpd.out" | sed 's/^/  /'
		cp "$WPA_TMP/wpd.out" "$WPA_TMP/wpd-report.out"
	fi
	PX_PID=""
}

# ------------------------------------------------------------ one point
# point PROXY CLIENT KIND X: run one client at one load point against the
# current proxy and append its JSON line to $POINTS. Sets P_RPS, P_ERR.
point() {
	local proxy=$1 client=$2 kind=$3 x=$4 url t0 t1 b0 b1 line
	url=http://$PX_HOST:$PX_PORT/files/$SIZE
	t0=0 t1=0 b0=0 b1=0
	[ -n "$PX_PID" ] && t0=$(px_ticks)
	[ "$proxy" = warmpoold ] && b0=$(px_busy)
	if [ "$client" = wrk ]; then
		wpa_wrk -t 1 -c "$x" -d "${DUR}s" --timeout 10s "$url" >/dev/null
		line=$(python3 - "$WPA_WRK_OUT" <<'EOF'
import json, re, sys
o = open(sys.argv[1]).read()
def lat(s):
    m = re.match(r"([\d.]+)(us|ms|s)$", s)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)] if m else None
p = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", o, re.M))
req = re.search(r"(\d+) requests in ([\d.]+)(\w+)", o)
rps = re.search(r"Requests/sec:\s+([\d.]+)", o)
se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", o)
non = re.search(r"Non-2xx or 3xx responses: (\d+)", o)
mx = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", o, re.M)
print(json.dumps({"rps": float(rps.group(1)) if rps else 0.0,
                  "requests": int(req.group(1)) if req else 0,
                  "responses": int(req.group(1)) if req else 0,
                  "p50_us": lat(p.get("50", "")), "p90_us": lat(p.get("90", "")),
                  "p99_us": lat(p.get("99", "")), "p999_us": None,
                  "max_us": lat(mx.group(1)) if mx else None,
                  "errors": (sum(map(int, se.groups())) if se else 0) + (int(non.group(1)) if non else 0)}))
EOF
)
	else
		local args=(-q --json -w "$WARM" -d "$DUR" --timeout 10)
		if [ "$kind" = rate ]; then args+=(-c "$RATE_CONNS" -R "$x"); else args+=(-c "$x"); fi
		wpp_loadgen "$LG" "$PX_IF" "$PX_IP" "${args[@]}" "$url"
		if [ "$WPP_LG_RC" -ne 0 ] || ! grep -q '^{' "$WPP_LG_OUT"; then
			wpa_log "wp-loadgen failed (exit $WPP_LG_RC): $(tail -n 3 "$WPP_LG_ERR" | tr '\n' ' ')"
		fi
		line=$(python3 - "$WPP_LG_OUT" <<'EOF'
import json, sys
try:
    d = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
except Exception:
    print(json.dumps({"rps": 0.0, "requests": 0, "responses": 0, "errors": -1})); sys.exit()
l = d["latency_us"]
print(json.dumps({"rps": d["rps"], "requests": d["requests"], "responses": d["responses_all"],
                  "p50_us": l["p50"], "p90_us": l["p90"], "p99_us": l["p99"],
                  "p999_us": l["p999"], "max_us": l["max"],
                  "lag_p99_us": d["send_lag_us"]["p99"], "intended": d["intended"],
                  "errors": d["errors"]["total"] + d["status"]["4xx"] + d["status"]["5xx"]}))
EOF
)
	fi
	if [ -n "$PX_PID" ]; then
		t1=$(px_ticks)
	fi
	if [ "$proxy" = warmpoold ]; then
		sleep 0.3                        # one telemetry snapshot (100 ms) later
		b1=$(px_busy)
	fi
	line=$(python3 - "$line" "$proxy" "$client" "$kind" "$x" "$t0" "$t1" "$b0" "$b1" "$HZ" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
proxy, client, kind, x, t0, t1, b0, b1, hz = sys.argv[2:]
d.update({"proxy": proxy, "client": client, "kind": kind})
d["conns" if kind == "conc" else "offered"] = int(x)
if kind == "rate":
    d["conns"] = 100
n = d["responses"]
cpu = (int(t1) - int(t0)) / float(hz)
d["cpu_s"] = cpu if proxy != "direct" else None
d["cpu_us_per_req"] = cpu * 1e6 / n if proxy != "direct" and n > 0 else None
busy = float(b1) - float(b0)
d["busy_s"] = busy if proxy == "warmpoold" else None
d["busy_us_per_req"] = busy * 1e6 / n if proxy == "warmpoold" and n > 0 else None
print(json.dumps(d))
EOF
)
	echo "$line" >>"$POINTS"
	read -r P_RPS P_ERR P_P99 <<<"$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["rps"], d["errors"], d.get("p99_us") or 0)' "$line")"
	wpa_log "$proxy $client $kind=$x: $(echo "$line" | cut -c1-260)"
}

saturated() {   # saturated OFFERED: under 90% achieved, over 0.5% errors or p99 over 1 s
	python3 -c 'import sys
o, r, e, d, p99 = (float(a) for a in sys.argv[1:])
sys.exit(0 if r < 0.9 * o or e < 0 or e > 0.005 * max(r * d, 1) or p99 > 1e6 else 1)' \
		"$1" "$P_RPS" "$P_ERR" "$DUR" "$P_P99"
}

# ------------------------------------------------------------ the run
for proxy in direct $PROXIES; do
	wpa_log "---- $proxy"
	"start_$proxy"
	wpa_wait_reachable "http://$PX_HOST:$PX_PORT/files/$SIZE" 20
	wpa_wrk -t 1 -c 50 -d 1s "http://$PX_HOST:$PX_PORT/files/$SIZE" >/dev/null  # warm
	for c in $CONC; do
		point "$proxy" wrk conc "$c"
		point "$proxy" wp-loadgen conc "$c"
	done
	sat=0
	for r in $RATES; do
		STAT_PID=""
		if [ "$proxy" = warmpoold ] && [ "$MODE" = demo ] && [ "$r" = "${RATES##* }" ]; then
			# one frame of warmpoold's live telemetry while the last point runs
			(sleep "$((WARM + 1))"; "$STAT" --count 2 --interval 1 "$WPA_TMP/telemetry.ring" \
				>"$WPA_TMP/wpstat.out" 2>&1) &
			STAT_PID=$!
		fi
		point "$proxy" wp-loadgen rate "$r"
		[ -n "$STAT_PID" ] && wait "$STAT_PID"
		if saturated "$r"; then
			sat=$((sat + 1))
			[ "$sat" -ge 2 ] && { wpa_log "$proxy saturated at $r req/s offered"; break; }
		else
			sat=0
		fi
	done
	if [ -s "$WPA_TMP/wpstat.out" ] && [ "$proxy" = warmpoold ]; then
		wpa_log "warmpoold's telemetry during the last point (wp-stat, live view, last frame):"
		awk '/^wp-stat/ { n++ } n == 2' "$WPA_TMP/wpstat.out" | sed 's/^/  /'
	fi
	stop_proxy "$proxy"
done

mkdir -p "$OUT"
STAMP=$(date +%Y%m%d-%H%M%S)
python3 "$HERE/compare_report.py" "$POINTS" "$OUT/compare-$MODE-$STAMP" \
	"mode=$MODE" "warmup_s=$WARM" "duration_s=$DUR" "size=$SIZE" "sessions=$SESS" \
	"cpu_proxy=$WPP_CPU_PROXY" "cpu_load=$WPP_CPU_LOAD" "load_avg=$(cut -d' ' -f1-3 /proc/loadavg)" \
	"proxies=$PROXIES" "host=$(uname -n)" "nproc=$(nproc --all)"
