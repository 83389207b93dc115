#!/bin/bash
# appliance_demo.sh WARMPOOLD WPT_BACKEND [SECONDS [WP_STAT]]: the first demo
# (`./warmpool.sh demo` now runs perf/compare.sh --demo). Builds the DESIGN.md section 8 topology (namespaces
# wpa-cli / wpa-app / wpa-srv, tests/integration/appliance/lib.sh), starts
# two nginx backends, runs warmpoold on net_af_packet in front of them and
# measures with wrk from the client namespace:
#   1. wrk straight to one nginx, from the backends' own namespace (the
#      client namespace has no route to the backends: only the appliance
#      joins the two networks), so this path has no veth hop at all
#   2. wrk through warmpoold (same concurrency, same request)
# then shows warmpoold's telemetry as wp-stat sees it (one frame of the
# live view: per core busy time and requests, per backend sessions, RPS,
# latency), prints RPS and latency of both, stops warmpoold with SIGTERM (its
# report: sessions, reuse, errors, mbufs) and removes everything it made.
# The last line is the DESIGN.md section 9 JSON: warmpoold's RPS against
# the direct path measured in the same run (a proxy adds a hop, so the
# ratio is below 1; what it shows is the cost of the hop). The side-by-side
# with HAProxy and nginx as proxies is the perf harness (issue 7).
set -u
WPD=${1:?usage: $0 WARMPOOLD WPT_BACKEND [SECONDS]}
SECS=${3:-10}
STAT=${4:-}
# shellcheck source=../tests/integration/appliance/lib.sh
. "$(dirname "$0")/../tests/integration/appliance/lib.sh"
wpa_init "${2:?wpt_backend}"
wpa_need_root nginx wrk timeout
wpa_topology_up

wpa_nginx_start n1 "$WPA_IP_SRV" 8081
wpa_nginx_start n2 "$WPA_IP_SRV" 8082
wpa_wpd_conf "$WPA_TMP/demo.ini" "min_idle = 8
max_sessions = 32" "" "n1 $WPA_IP_SRV 8081" "n2 $WPA_IP_SRV 8082"
wpa_wpd_start "$WPD" "$WPA_TMP/demo.ini" /files/1000
WPD_PID=$WPA_WPD_PID

wpa_log "wrk -t2 -c50 -d${SECS}s, 1000-byte body: straight to nginx, then through warmpoold"
WPA_WRK_NS=$WPA_NS_SRV wpa_wrk -t 2 -c 50 -d "${SECS}s" "http://$WPA_IP_SRV:8081/files/1000"
D_RPS=$WPA_WRK_RPS D_P50=$WPA_WRK_P50_US D_P99=$WPA_WRK_P99_US
wpa_wrk -t 2 -c 50 -d "${SECS}s" "http://$WPA_IP_VIP:$WPA_WPD_PORT/files/1000"
W_RPS=$WPA_WRK_RPS W_P50=$WPA_WRK_P50_US W_P99=$WPA_WRK_P99_US W_ERR=$((WPA_WRK_NON2XX + WPA_WRK_SOCK_ERRORS))

if [ -n "$STAT" ] && [ -x "$STAT" ]; then
	wpa_log "telemetry snapshot (wp-stat, from $WPA_TMP/telemetry.ring):"
	"$STAT" --count 1 --interval 1 "$WPA_TMP/telemetry.ring" | sed 's/^/  /'
fi

kill -TERM "$WPD_PID"
wait "$WPD_PID"
rc=$?
sed 's/^/  /' "$WPA_TMP/wpd.out"
printf '\n%-28s %12s %10s %10s\n' "path" "req/s" "p50 us" "p99 us"
printf '%-28s %12s %10s %10s\n' "direct to nginx (no hop)" "$D_RPS" "$D_P50" "$D_P99"
printf '%-28s %12s %10s %10s\n' "through warmpoold" "$W_RPS" "$W_P50" "$W_P99"
echo "errors through warmpoold: $W_ERR; warmpoold exit status after SIGTERM: $rc"
awk -v w="$W_RPS" -v d="$D_RPS" 'BEGIN { printf "{\"bench\": \"appliance_demo\", \"metric\": \"rps_wrk_c50_1000B\", \"unit\": \"req/s\", \"warmpool\": %.0f, \"peer\": \"wrk direct to nginx, same namespace\", \"peer_value\": %.0f, \"ratio\": %.3f, \"higher_is_better\": true}\n", w, d, (d > 0 ? w / d : 0) }'
[ "$rc" -eq 0 ] && [ "$W_ERR" -eq 0 ]
