#!/bin/bash
# loadgen.sh WP_LOADGEN: wp-loadgen against Linux peers in the DESIGN.md
# section 8 topology (perf/perf_lib.sh adds a direct veth from the client
# namespace to the backends' one). Needs root and namespaces (else SKIP).
# About 30 s. What it checks:
#
#  1. closed loop, 20 connections, 1 s warm-up + 2 s, against nginx with an
#     access log: no errors; every measured response is a 2xx; the
#     responses wp-loadgen counted over the whole run (warm-up included)
#     are exactly the lines nginx logged, each a 200 of the right size.
#  2. open loop at 2000 req/s constant for 2 s (1 s warm-up): exactly
#     4000 requests intended in the measured window (the schedule runs on
#     the clock, not on the server), all completed, nginx logged them all.
#  3. two workers (each with its own port and link): their merged counts
#     are again exactly nginx's log, and the open-loop rate is the total.
#  4. targets that cannot be used end with exit status 3, a message that
#     says why, and no hang: a port nobody listens on (refused), an
#     address nobody answers (cannot connect), a server that talks
#     another protocol (not HTTP), and one that accepts and stays silent
#     (no response).
set -u
LG=${1:?usage: $0 WP_LOADGEN}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../appliance/lib.sh
. "$HERE/../appliance/lib.sh"
# shellcheck source=../../../perf/perf_lib.sh
. "$HERE/../../../perf/perf_lib.sh"
wpa_init
wpa_need_root nginx python3 taskset
[ -x "$LG" ] || wpa_fail "no wp-loadgen at $LG"
wpp_topology_up
ALOG=$WPA_TMP/access.log
wpp_nginx_start n1 8081 "$ALOG"
URL=http://$WPP_IP_DIRECT_SRV:8081/files/1000

lg() { wpp_loadgen "$LG" "$WPP_IF_DCLI" "$WPP_IP_LG_DIRECT" --json "$@"; }
logged() { wc -l <"$ALOG"; }

# ---- 1. closed loop, counts against nginx's access log
lg -c 20 -w 1 -d 2 "$URL"
[ "$WPP_LG_RC" -eq 0 ] || { cat "$WPP_LG_ERR"; wpa_fail "closed loop: exit $WPP_LG_RC"; }
wpa_log "closed loop: $(tail -n 1 "$WPP_LG_OUT" | cut -c1-400)"
eval "$(wpp_json_vars "$WPP_LG_OUT" J requests responses_all errors.total status.2xx latency_us.p50)"
req=$J_requests all=$J_responses_all err=$J_errors_total ok=$J_status_2xx p50=$J_latency_us_p50
[ "$err" -eq 0 ] || wpa_fail "closed loop: $err errors"
[ "$req" -gt 100 ] || wpa_fail "closed loop: only $req requests measured"
[ "$ok" -eq "$req" ] || wpa_fail "closed loop: $ok 2xx of $req"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)" "$p50" ||
	wpa_fail "closed loop: p50 latency $p50"
n=$(logged)
[ "$n" -eq "$all" ] || wpa_fail "closed loop: nginx logged $n requests, wp-loadgen counted $all responses"
bad=$(awk '$9 != 200 || $10 != 1000' "$ALOG" | wc -l)
[ "$bad" -eq 0 ] || wpa_fail "closed loop: $bad access log lines are not '200 1000'"
wpa_log "closed loop: $req measured, $all in all = $n lines in nginx's access log"

# ---- 2. open loop: the schedule, not the server, decides what is sent
before=$(logged)
lg -c 10 -R 2000 -w 1 -d 2 "$URL"
[ "$WPP_LG_RC" -eq 0 ] || { cat "$WPP_LG_ERR"; wpa_fail "open loop: exit $WPP_LG_RC"; }
wpa_log "open loop: $(tail -n 1 "$WPP_LG_OUT" | cut -c1-400)"
eval "$(wpp_json_vars "$WPP_LG_OUT" J intended requests responses_all errors.total)"
int=$J_intended req=$J_requests all=$J_responses_all err=$J_errors_total
[ "$int" -eq 4000 ] || wpa_fail "open loop: $int requests intended in 2 s at 2000/s, want 4000"
[ "$err" -eq 0 ] || wpa_fail "open loop: $err errors"
[ "$req" -eq "$int" ] || wpa_fail "open loop: $req of $int intended requests completed"
n=$(($(logged) - before))
[ "$n" -eq "$all" ] || wpa_fail "open loop: nginx logged $n requests, wp-loadgen counted $all"

# ---- 3. two workers, merged
wpp_lg_links 2
before=$(logged)
WPP_LG_WORKERS=2 lg -c 20 -R 3000 -w 1 -d 2 "$URL"
[ "$WPP_LG_RC" -eq 0 ] || { cat "$WPP_LG_ERR"; wpa_fail "two workers: exit $WPP_LG_RC"; }
wpa_log "two workers: $(tail -n 1 "$WPP_LG_OUT" | cut -c1-300)"
eval "$(wpp_json_vars "$WPP_LG_OUT" J workers intended requests responses_all errors.total)"
[ "$J_workers" -eq 2 ] || wpa_fail "two workers: the report says $J_workers"
[ "$J_intended" -eq 6000 ] || wpa_fail "two workers: $J_intended intended in 2 s at 3000/s in all, want 6000"
[ "$J_errors_total" -eq 0 ] || wpa_fail "two workers: $J_errors_total errors"
[ "$J_requests" -eq "$J_intended" ] || wpa_fail "two workers: $J_requests of $J_intended completed"
n=$(($(logged) - before))
[ "$n" -eq "$J_responses_all" ] || wpa_fail "two workers: nginx logged $n requests, wp-loadgen counted $J_responses_all"

# ---- 4. unusable targets: exit 3 with the reason, quickly
# bad_target NAME WANT_TEXT URL: wp-loadgen (timeout 1 s) must exit 3
# within 15 s and say WANT_TEXT on stderr.
bad_target() {
	local name=$1 want=$2 url=$3 t0 dt
	t0=$(wpa_now_ms)
	wpp_loadgen "$LG" "$WPP_IF_DCLI" "$WPP_IP_LG_DIRECT" -q -c 4 -w 0 -d 20 --timeout 1 "$url"
	dt=$(($(wpa_now_ms) - t0))
	wpa_log "$name: exit $WPP_LG_RC after $dt ms: $(grep -v '^TELEMETRY' "$WPP_LG_ERR" | head -n 2 | tr '\n' ' ')"
	[ "$WPP_LG_RC" -eq 3 ] || { cat "$WPP_LG_OUT" "$WPP_LG_ERR"; wpa_fail "$name: exit $WPP_LG_RC, want 3"; }
	grep -q "$want" "$WPP_LG_ERR" || wpa_fail "$name: no '$want' in the message"
	[ "$dt" -lt 15000 ] || wpa_fail "$name: took $dt ms (the run was 20 s: it should give up early)"
}
bad_target refused "cannot connect.*refused" "http://$WPP_IP_DIRECT_SRV:9/"
bad_target unreachable "cannot connect" "http://198.18.4.99:80/"

# a server of another protocol (an SSH-like banner), and a silent one
ip netns exec "$WPA_NS_SRV" python3 -c '
import socket, sys, threading, time
def serve(port, banner):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], port)); s.listen(64)
    keep = []
    while True:
        c, _ = s.accept(); keep.append(c)
        if banner: c.sendall(banner)
threading.Thread(target=serve, args=(9001, b"SSH-2.0-OpenSSH_9.2\r\n"), daemon=True).start()
threading.Thread(target=serve, args=(9002, b""), daemon=True).start()
time.sleep(120)' "$WPP_IP_DIRECT_SRV" >"$WPA_TMP/py.out" 2>&1 &
WPA_PIDS="$WPA_PIDS $!"
wpa_wait_port "$WPA_NS_SRV" "$WPP_IP_DIRECT_SRV" 9002 "$!" "python servers"
bad_target "other protocol" "not an HTTP/1.x server" "http://$WPP_IP_DIRECT_SRV:9001/"
bad_target silent "no response" "http://$WPP_IP_DIRECT_SRV:9002/"
echo "PASS: wp-loadgen counts match nginx's log (one and two workers); open loop on schedule; bad targets exit 3"
