#!/usr/bin/env bash
# Control core end to end (issue 5), in the topology of lib.sh:
#
#  health   - two backends, active checks every 200 ms (fall 3, rise 2,
#             timeout 100 ms). Stop one: it is marked down within
#             fall x (interval + jitter) + timeout (+ slack for this
#             machine), and afterwards every request succeeds on the other
#             (none reaches the stopped one); restart it: marked up after
#             rise checks and it serves again. The export ring shows the
#             health changes and the probe results (wp-stat --json), and
#             DPDK's telemetry socket answers /warmpool/backends with the
#             numbers of the last snapshot in the ring.
#  breaker  - waiters past max_pending open the breaker: 503 at once; it
#             half-opens after open_time and closes when its probes pass.
#  failover - issue 4's: nginx killed during a wrk run; once marked down no
#             request fails; restarted, it gets warm sessions again.
#  scaling  - with a session budget of 3 the backend never sees more than
#             3 connections under 16 concurrent slow requests.
#  slowstart - a backend marked down and back up gets a share of requests
#             that ramps over [health] slow_start: 30% or less in its
#             first second, about half (equal weights) after it.
#  outlier  - one backend answers 500 to everything: after
#             consecutive_failures 5xx in a row it is ejected (requests go
#             to the other), and it returns after the ejection time.
#  reload   - SIGHUP with a long keep-alive client connected (one TCP
#             connection, a request every 50 ms, before, across and after)
#             and wrk running: max_sessions 8 -> 2 (the backends see at most
#             2 connections each under 16 concurrent slow requests, the
#             ring's pool records say 2), weights 1:1 -> 1:19 (the split
#             follows), backend_timeout 10s -> 3s (a 5 s answer
#             gets 504), a listen port change and a backend added are
#             refused with their reason and the old values kept; then a
#             file that does not validate: every error printed with
#             file:line, nothing changes. The keep-alive client and wrk
#             see no error.
#  mgmt     - the management listener (127.0.0.1:9180 in the appliance's
#             namespace, curl there): /metrics has the ring's numbers (the
#             same lines as wp-stat --prometheus, the backends' own request
#             counts), /backends is JSON; POST drain closes b1's sessions
#             (the backend sees none) and no request reaches it, undrain
#             brings both back; bad requests get 400/404/405 and are
#             counted; --check-config refuses a non-loopback address
#             unless allow_remote = yes.
# After each: warmpoold exits 0 on SIGTERM, every mbuf back, no flow left.
# Exits 77 (SKIP) without root, namespaces or tools.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KIND=${1:?usage: $0 KIND WARMPOOLD WPT_BACKEND WP_STAT}
WPD=${2:?warmpoold}
STAT=${4:?wp-stat}
wpa_init "${3:?wpt_backend}"
wpa_need_root timeout python3
[ -x "$WPD" ] || wpa_fail "no warmpoold at $WPD"
[ -x "$STAT" ] || wpa_fail "no wp-stat at $STAT"
wpa_topology_up

VIP=$WPA_IP_VIP
PORT=$WPA_WPD_PORT
RING=$WPA_TMP/telemetry.ring
url() { echo "http://$VIP:$PORT$1"; }

wpd_stop() { wpa_wpd_stop; }

# wait_line REGEX MAX_MS: wait for a line of warmpoold's output; sets
# WAITED to the milliseconds waited, fails after MAX_MS. (Not called in
# $(...): a failure there would only end the subshell.)
wait_line() {
	local t0 now
	t0=$(wpa_now_ms)
	until grep -qE "$1" "$WPA_TMP/wpd.out"; do
		now=$(wpa_now_ms)
		[ $((now - t0)) -le "$2" ] || wpa_fail "no '$1' within $2 ms"
		sleep 0.02
	done
	WAITED=$(($(wpa_now_ms) - t0))
}

# codes N PATH: N sequential GETs, prints how many were not 200
codes() {
	local bad=0 c
	for _ in $(seq 1 "$1"); do
		c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url "$2")")
		[ "$c" = 200 ] || bad=$((bad + 1))
	done
	echo "$bad"
}

case "$KIND" in
health)
	INTERVAL=200 JITTER=20 TIMEOUT=100 FALL=3 RISE=2
	WPA_WPD_HEALTH="type = http
interval = ${INTERVAL}ms
jitter = ${JITTER}ms
initial_spread = 100ms
timeout = ${TIMEOUT}ms
fall = $FALL
rise = $RISE
http_path = /size/2
http_expect_status = 200"
	WPA_WPD_SNAPSHOT=200ms
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 8" "retry_idempotent = yes" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV2 8082"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	bad=$(codes 40 /size/100)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 40 requests failed with both backends up"
	n2=$(wpa_backend_stats b2 requests)
	[ "$n2" -gt 0 ] || wpa_fail "b2 served nothing with both backends up"

	# stop b2: down within fall x (interval + jitter) + timeout, plus the
	# check that was just missed and slack for a loaded 2-CPU machine
	wpa_backend_stop b2
	limit=$((FALL * (INTERVAL + JITTER) + TIMEOUT + INTERVAL + JITTER + 400))
	wait_line "backend b2: health up -> down" "$limit"
	took=$WAITED
	wpa_log "b2 stopped: marked down after $took ms (bound $limit ms)"
	# every request now succeeds on b1
	before=$(wpa_backend_stats b1 requests)
	bad=$(codes 50 /size/100)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 50 requests failed with b2 down"
	after=$(wpa_backend_stats b1 requests)
	# b1 also answers health checks: at least the 50 requests arrived there
	[ $((after - before)) -ge 50 ] || wpa_fail "b1 got $((after - before)) of 50 requests"

	# restart b2: up after rise checks, and it serves again
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	limit=$((RISE * (INTERVAL + JITTER) + INTERVAL + JITTER + 400))
	wait_line "backend b2: health down -> up" "$limit"
	took=$WAITED
	wpa_log "b2 restarted: marked up after $took ms (bound $limit ms)"
	sleep 0.3 # warm-up: paced connects
	bad=$(codes 40 /size/100)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 40 requests failed after b2 came back"
	n2=$(wpa_backend_stats b2 requests)
	[ "$n2" -gt 0 ] || wpa_fail "b2 serves nothing after coming back"

	# telemetry: the ring tells the same story
	"$STAT" --json --once --from oldest "$RING" >"$WPA_TMP/ring.json" ||
		wpa_fail "wp-stat --json failed on the live ring"
	python3 - "$WPA_TMP/ring.json" <<'EOF' || wpa_fail "export ring content wrong"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ev = [r for r in recs if r.get("type") == "event"]
UP, DOWN = 1, 2  # enum wp_export_health
health = [r for r in ev if r.get("code") == "health"]
b2 = [r["arg"][0] for r in health if r.get("backend_name") == "b2"]
assert DOWN in b2 and UP in b2 and b2.index(DOWN) < len(b2) - 1 - b2[::-1].index(UP), health
probes = [r for r in ev if r.get("code") == "probe"]
assert any(r.get("backend_name") == "b2" and r["arg"][0] == 0 for r in probes), "no failed probe of b2"
assert any(r.get("backend_name") == "b1" and r["arg"][0] == 1 for r in probes), "no good probe of b1"
be = [r for r in recs if r.get("type") == "backend"]
assert be, "no backend records"
last = {r["backend_name"]: r for r in be}
assert last["b1"]["health"] == "up" and last["b2"]["health"] == "up", last
assert last["b1"]["probes_ok"] > 0 and last["b2"]["probes_failed"] >= 3, last
print("ring: %d records, %d events, %d probes, b1 requests %d" %
      (len(recs), len(ev), len(probes), last["b1"]["requests"]))
EOF
	wpa_log "export ring: health changes, probe results and backend records present"

	# rte_telemetry: /warmpool/backends answers from the snapshot last
	# published to the ring; the ring's record of that snapshot (same
	# ts_ns) must carry the same numbers
	if command -v dpdk-telemetry.py >/dev/null; then
		echo /warmpool/backends | dpdk-telemetry.py -f "wpa-$$" >"$WPA_TMP/tel.json" 2>&1 ||
			wpa_fail "dpdk-telemetry.py failed: $(cat "$WPA_TMP/tel.json")"
		"$STAT" --json --once --from oldest "$RING" >"$WPA_TMP/ring2.json"
		python3 - "$WPA_TMP/tel.json" "$WPA_TMP/ring2.json" <<'EOF' || wpa_fail "telemetry and ring disagree"
import json, sys
text = open(sys.argv[1]).read()
tel = json.loads(text[text.index("{"):])["/warmpool/backends"]
recs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
for name, t in tel.items():
    match = [r for r in recs if r.get("type") == "backend" and r["backend_name"] == name
             and r["ts_ns"] == t["ts_ns"]]
    assert match, "no ring record of %s at ts %d" % (name, t["ts_ns"])
    r = match[0]
    for k in ("requests", "errors", "idle", "leased", "connecting", "pending", "p50_ns",
              "p99_ns", "probes_ok", "probes_failed", "ejections", "weight"):
        assert t[k] == r[k], "%s %s: telemetry %s, ring %s" % (name, k, t[k], r[k])
    assert t["health"] == r["health"], (t["health"], r["health"])
print("telemetry = ring for", sorted(tel))
EOF
		wpa_log "dpdk-telemetry.py /warmpool/backends equals the ring's record of the same snapshot"
	else
		wpa_log "dpdk-telemetry.py not installed (package dpdk-dev): telemetry comparison not run"
	fi
	wpd_stop
	grep -q "backend b2: health up, checks=" "$WPA_TMP/wpd.out" ||
		wpa_fail "final report lacks the health line of b2"
	;;
outlier)
	WPA_WPD_OUTLIER="consecutive_failures = 5
base_ejection = 3s
max_ejection = 10s
max_ejected_percent = 50"
	WPA_WPD_HEALTH="type = tcp
interval = 1s"
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 8" "" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV2 8082"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	# /status/500 on both: whichever gets 5 in a row first is ejected; then
	# 10 more, all to the other one, well inside the 3 s ejection: at most
	# 50% of 2 backends may be out at once, so it must stay in. (Sending
	# a fixed 30 raced the ejection time on a loaded machine: the first
	# came back before the loop ended and the second was ejected, rightly.)
	for _ in $(seq 1 30); do
		wpa_curl -s -o /dev/null "$(url /status/500)"
		grep -q "backend b[12]: ejected" "$WPA_TMP/wpd.out" && break
	done
	for _ in $(seq 1 10); do
		wpa_curl -s -o /dev/null "$(url /status/500)"
	done
	wait_line "backend b[12]: ejected" 2000
	took=$WAITED
	ej=$(sed -n 's/.*backend \(b[12]\): ejected.*/\1/p' "$WPA_TMP/wpd.out" | head -1)
	other=b1; [ "$ej" = b1 ] && other=b2
	wpa_log "$ej ejected after the 5xx run ($took ms after the last request)"
	n=$(grep -c "ejected (consecutive" "$WPA_TMP/wpd.out")
	[ "$n" -eq 1 ] || wpa_fail "$n backends ejected, the 50% share allows 1"
	# while ejected, good requests go to the other one only
	before=$(wpa_backend_stats "$ej" requests)
	bad=$(codes 20 /size/10)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 20 requests failed while $ej was ejected"
	after=$(wpa_backend_stats "$ej" requests)
	[ "$after" -le $((before + 2)) ] ||
		wpa_fail "ejected $ej still got $((after - before)) requests"
	wait_line "backend $ej: back from ejection" 6000
	took=$WAITED
	wpa_log "$ej back after the 3 s ejection ($took ms later); $other served meanwhile"
	wpd_stop
	;;
breaker)
	# two sessions at most and slow answers: waiting requests pile up past
	# max_pending, the breaker opens and answers 503 at once; when the
	# pile is gone it half-opens after open_time, its probes pass, closed
	WPA_WPD_BREAKER="max_pending = 2
open_time = 1s
half_open_probes = 2"
	WPA_WPD_SNAPSHOT=200ms
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 1
max_sessions = 2
max_pending = 64
acquire_timeout = 10s" "" "b1 $WPA_IP_SRV 8081"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	slow=""
	for i in $(seq 1 16); do
		WPA_CURL_TIMEOUT=20 wpa_curl -s -o /dev/null "$(url /slow/400/10)" &
		slow="$slow $!"
	done
	wait_line "backend b1: breaker closed -> open \\(max_pending\\)" 3000
	took=$WAITED
	wpa_log "16 slow requests on 2 sessions: breaker open after $took ms"
	t0=$(wpa_now_ms)
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /size/10)")
	t=$(($(wpa_now_ms) - t0))
	[ "$c" = 503 ] || wpa_fail "request with the breaker open answered $c, want 503"
	[ "$t" -lt 1000 ] || wpa_fail "open breaker took $t ms to answer: not at once"
	# shellcheck disable=SC2086
	wait $slow
	wait_line "backend b1: breaker half-open -> closed" 8000
	took=$WAITED
	wpa_log "slow requests done: breaker half-open, then closed ($took ms)"
	bad=$(codes 10 /size/10)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 10 requests failed after the breaker closed"
	wpd_stop
	n=$(sed -n 's/.*errors:.* breaker_open=\([0-9]*\).*/\1/p' "$WPA_TMP/wpd.out" | head -1)
	[ "${n:-0}" -ge 1 ] || wpa_fail "no breaker_open error counted"
	;;
failover)
	# issue 4's failover with the real thing: two nginx, wrk through
	# warmpoold, one nginx killed mid-run. Once it is marked down, no
	# request fails; restarted, it is marked up and serves again.
	WPA_WPD_HEALTH="type = http
interval = 200ms
jitter = 20ms
initial_spread = 100ms
timeout = 100ms
fall = 3
rise = 2
http_path = /files/100"
	wpa_nginx_start n1 "$WPA_IP_SRV" 8081
	wpa_nginx_start n2 "$WPA_IP_SRV2" 8082
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 4
max_sessions = 16" "retry_idempotent = yes" "n1 $WPA_IP_SRV 8081" "n2 $WPA_IP_SRV2 8082"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /files/1
	wpa_wrk -t 1 -c 20 -d 6s "$(url /files/1000)" &
	wrkpid=$!
	sleep 2
	wpa_nginx_stop n2 KILL
	wait_line "backend n2: health up -> down" 3000
	wpa_log "nginx n2 killed during wrk: marked down after $WAITED ms"
	wait "$wrkpid" || true
	# after the detection window: nothing fails
	wpa_wrk -t 1 -c 20 -d 3s "$(url /files/1000)"
	[ "$WPA_WRK_REQUESTS" -gt 1000 ] || wpa_fail "only $WPA_WRK_REQUESTS requests with n2 down"
	[ "$WPA_WRK_NON2XX" -eq 0 ] && [ "$WPA_WRK_SOCK_ERRORS" -eq 0 ] ||
		wpa_fail "n2 down: $WPA_WRK_NON2XX non-2xx, $WPA_WRK_SOCK_ERRORS socket errors"
	wpa_log "n2 down: $WPA_WRK_REQUESTS requests at $WPA_WRK_RPS req/s, none failed"
	wpa_nginx_start n2 "$WPA_IP_SRV2" 8082
	wait_line "backend n2: health down -> up" 3000
	wpa_log "n2 restarted: marked up after $WAITED ms"
	sleep 0.3
	wpa_wrk -t 1 -c 20 -d 2s "$(url /files/1000)"
	[ "$WPA_WRK_NON2XX" -eq 0 ] && [ "$WPA_WRK_SOCK_ERRORS" -eq 0 ] ||
		wpa_fail "n2 back: $WPA_WRK_NON2XX non-2xx, $WPA_WRK_SOCK_ERRORS socket errors"
	n=$(wpa_backend_conns n2)
	[ "$n" -ge 1 ] || wpa_fail "no warm session to n2 after it came back"
	wpa_log "n2 back: $n warm sessions to it, $WPA_WRK_REQUESTS requests, none failed"
	wpd_stop
	;;
scaling)
	# demand-driven scaling owns the backend's session budget (3): under
	# 16 concurrent slow requests the backend never sees more than 3
	# connections from the appliance, though the pool could open 8
	WPA_WPD_HEALTH="type = tcp
interval = 1h
initial_spread = 1h"
	WPA_WPD_SNAPSHOT=100ms
	WPA_WPD_SCALING="enabled = yes
budget = 3
floor = 1
ceiling = 3
step = 2
cooldown = 100ms"
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 1
max_sessions = 8
max_pending = 64
acquire_timeout = 10s" "" "b1 $WPA_IP_SRV 8081"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	slow=""
	for i in $(seq 1 16); do
		WPA_CURL_TIMEOUT=30 wpa_curl -s -o "$WPA_TMP/slow.$i" -w '%{http_code}' "$(url /slow/200/10)" >"$WPA_TMP/code.$i" &
		slow="$slow $!"
	done
	peak=0
	for _ in $(seq 1 40); do
		n=$(wpa_backend_conns b1)
		[ "$n" -gt "$peak" ] && peak=$n
		sleep 0.05
	done
	# shellcheck disable=SC2086
	wait $slow
	bad=$(grep -vc '^200$' "$WPA_TMP"/code.* | awk -F: '{ s += $2 } END { print s }')
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 16 slow requests failed"
	[ "$peak" -le 3 ] || wpa_fail "backend saw $peak connections, budget 3"
	[ "$peak" -ge 2 ] || wpa_fail "backend saw only $peak connections: the budget was not used"
	"$STAT" --json --once --from oldest "$RING" >"$WPA_TMP/ring.json"
	python3 - "$WPA_TMP/ring.json" <<'EOF' || wpa_fail "export ring: scaling figures wrong"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
be = [r for r in recs if r.get("type") == "backend"]
assert be and all(r["budget"] == 3 for r in be), "budget not 3"
assert all(r["targets"] <= 3 for r in be), max(r["targets"] for r in be)
assert max(r["idle"] + r["leased"] + r["connecting"] for r in be) <= 3
pools = [r for r in recs if r.get("type") == "pool"]
assert all(r["max_sessions"] <= 3 for r in pools), "a pool cap above the budget"
print("scaling: %d backend records, targets <= budget 3" % len(be))
EOF
	wpa_log "budget 3: peak $peak backend connections under 16 concurrent requests, all answered"
	wpd_stop
	;;
reload)
	WPA_WPD_SNAPSHOT=200ms
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 8
acquire_timeout = 5s" "backend_timeout = 10s" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV2 8082"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	# a client that keeps one connection for the whole test
	cat >"$WPA_TMP/ka.py" <<'EOF'
import os, socket, sys, time
host, port, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=5)
n, buf, end = 0, b"", time.time() + 120
def fail(why):
    print("FAIL after %d responses: %s" % (n, why)); sys.exit(1)
def more():
    global buf
    d = s.recv(65536)
    if not d:
        fail("connection closed by warmpoold")
    buf += d
while time.time() < end and not os.path.exists(stop):
    s.sendall(b"GET /size/100 HTTP/1.1\r\nHost: x\r\n\r\n")
    while b"\r\n\r\n" not in buf:
        more()
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    if int(lines[0].split()[1]) != 200:
        fail(lines[0])
    if any(l.lower().startswith(b"connection: close") for l in lines):
        fail("told Connection: close")
    cl = int([l.split(b":")[1] for l in lines if l.lower().startswith(b"content-length:")][0])
    while len(buf) < cl:
        more()
    buf = buf[cl:]
    n += 1
    time.sleep(0.05)
print("ok %d requests on one connection" % n)
EOF
	# (until told to stop, after the last reload)
	ip netns exec "$WPA_NS_CLI" python3 "$WPA_TMP/ka.py" "$VIP" "$PORT" "$WPA_TMP/ka.stop" \
		>"$WPA_TMP/ka.out" 2>&1 &
	ka=$!
	# 16 slow requests at once: the pools grow to their cap of 8
	slow16() {
		local i pids=""
		for i in $(seq 1 16); do
			WPA_CURL_TIMEOUT=20 wpa_curl -s -o /dev/null -w '%{http_code}\n' "$(url /slow/300/10)" >>"$WPA_TMP/slow.codes" &
			pids="$pids $!"
		done
		PEAK1=0 PEAK2=0
		for _ in $(seq 1 12); do
			n=$(wpa_backend_conns b1); [ "$n" -gt "$PEAK1" ] && PEAK1=$n
			n=$(wpa_backend_conns b2); [ "$n" -gt "$PEAK2" ] && PEAK2=$n
			sleep 0.05
		done
		# shellcheck disable=SC2086
		wait $pids
	}
	# split SPLIT_B1 of wrk's requests went to b1 (one connection: the
	# choice is by weight alone, nothing outstanding to compare)
	split() {
		local a1 a2 b1 b2
		a1=$(wpa_backend_stats b1 requests); a2=$(wpa_backend_stats b2 requests)
		wpa_wrk -t 1 -c 1 -d 2s "$(url /size/10)"
		[ "$WPA_WRK_SOCK_ERRORS" -eq 0 ] && [ "$WPA_WRK_NON2XX" -eq 0 ] ||
			wpa_fail "wrk: $WPA_WRK_SOCK_ERRORS socket errors, $WPA_WRK_NON2XX non-2xx"
		b1=$(($(wpa_backend_stats b1 requests) - a1)); b2=$(($(wpa_backend_stats b2 requests) - a2))
		SPLIT_B1=$((b1 * 1000 / (b1 + b2)))
		wpa_log "split: b1 $b1, b2 $b2 (b1 share $SPLIT_B1 per mille)"
	}
	slow16
	wpa_log "before: peak backend connections b1 $PEAK1, b2 $PEAK2 (cap 8)"
	[ "$PEAK1" -gt 2 ] || [ "$PEAK2" -gt 2 ] || wpa_fail "the pools never grew above 2 before the reload"
	split
	[ "$SPLIT_B1" -ge 350 ] && [ "$SPLIT_B1" -le 650 ] || wpa_fail "weights 1:1 but b1 got $SPLIT_B1 per mille"

	# the new file: live changes, and two that need a restart
	sed -e 's/^max_sessions = 8$/max_sessions = 2/' -e 's/^min_idle = 2$/min_idle = 1/' \
		-e 's/^port = 8080$/port = 8081/' -e 's/^backend_timeout = 10s$/backend_timeout = 3s/' "$WPA_TMP/w.ini" >"$WPA_TMP/w2.ini"
	printf 'weight = 19\n[backend b3]\naddress = %s\nport = 8083\n' "$WPA_IP_SRV3" >>"$WPA_TMP/w2.ini"
	cp "$WPA_TMP/w2.ini" "$WPA_TMP/w.ini"
	wpa_wrk -t 1 -c 8 -d 3s "$(url /size/100)" &
	wrk=$!
	sleep 1
	kill -HUP "$WPA_WPD_PID"
	wait_line "settings generation 1 in force on every worker" 3000
	wpa_log "SIGHUP: settings in force after $WAITED ms"
	wait "$wrk"
	for l in "reload 1: \[pool\] max_sessions = 8 -> 2: applied" \
		"reload 1: \[pool\] min_idle = 2 -> 1: applied" \
		"reload 1: \[backend b2\] weight = 1 -> 19: applied" \
		"reload 1: \[http\] backend_timeout = 10s -> 3s: applied" \
		"reload 1: \[listen\] port = 8080 -> 8081: needs a restart .*; keeping 8080" \
		"reload 1: \[backend b3\]: added: needs a restart" \
		"reload 1: .*: 6 change(s): 4 applied, 2 refused"; do
		grep -q "$l" "$WPA_TMP/wpd.out" || wpa_fail "no line '$l'"
	done
	wpa_log "reload 1: 4 changes applied, the listen port and the new backend refused"
	# wrk across the reload: no error (it ran in the background: read its file)
	o=$(ls -t "$WPA_TMP"/wrk-*.out | head -1)
	! grep -q "Socket errors\|Non-2xx" "$o" || wpa_fail "wrk across SIGHUP: $(grep -E 'Socket errors|Non-2xx' "$o")"

	# in effect: 2 sessions per backend at most, the split follows 1:19
	sleep 0.5
	rm -f "$WPA_TMP/slow.codes"
	slow16
	wpa_log "after: peak backend connections b1 $PEAK1, b2 $PEAK2 (cap 2)"
	[ "$PEAK1" -le 2 ] && [ "$PEAK2" -le 2 ] || wpa_fail "max_sessions 2 but b1 saw $PEAK1, b2 $PEAK2"
	[ "$(grep -vc '^200$' "$WPA_TMP/slow.codes")" -eq 0 ] || wpa_fail "slow requests failed after the reload"
	split
	[ "$SPLIT_B1" -le 150 ] || wpa_fail "weights 1:19 but b1 got $SPLIT_B1 per mille"
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /slow/5000/10)")
	[ "$c" = 504 ] || wpa_fail "backend_timeout 3s but a 5 s answer got $c"
	c=$(WPA_CURL_TIMEOUT=3 wpa_curl -s -o /dev/null -w '%{http_code}' "http://$VIP:8081/size/1" 2>/dev/null)
	[ "$c" = 000 ] || wpa_fail "port 8081 answered $c: the listener moved"
	sleep 0.5
	"$STAT" --json --once --from oldest "$RING" >"$WPA_TMP/ring.json"
	python3 - "$WPA_TMP/ring.json" <<'EOF' || wpa_fail "export ring: pool caps not 2 after the reload"
import json, sys
pools = [json.loads(l) for l in open(sys.argv[1]) if '"type":"pool"' in l.replace(" ", "")]
last = {}
for r in pools:
    last[r["backend_name"]] = r
assert set(last) == {"b1", "b2"}, last.keys()
assert all(r["max_sessions"] == 2 and r["min_idle"] == 1 for r in last.values()), last
be = [json.loads(l) for l in open(sys.argv[1]) if '"type":"backend"' in l.replace(" ", "")]
w = {r["backend_name"]: r["weight"] for r in be}
assert w == {"b1": 1, "b2": 19}, w
print("ring: pools at max_sessions 2 / min_idle 1, weights", w)
EOF

	# a file that does not validate: every error, nothing changes
	sed -e 's/^max_sessions = 2$/max_sessions = 0/' "$WPA_TMP/w2.ini" >"$WPA_TMP/w.ini"
	printf '[pool]\ncolour = red\n' >>"$WPA_TMP/w.ini"
	msl=$(grep -n '^max_sessions = 0$' "$WPA_TMP/w.ini" | cut -d: -f1)
	kill -HUP "$WPA_WPD_PID"
	wait_line "reload 2: .*error\(s\); the running configuration is kept" 3000
	grep -q "^$WPA_TMP/w.ini:$msl: \[pool\] max_sessions = 0: " "$WPA_TMP/wpd.out" ||
		wpa_fail "the bad max_sessions was not reported as file:line"
	grep -q "\[pool\]: section given twice" "$WPA_TMP/wpd.out" ||
		wpa_fail "the second [pool] section was not reported"
	! grep -q "settings generation 2" "$WPA_TMP/wpd.out" || wpa_fail "a bad file changed the settings"
	rm -f "$WPA_TMP/slow.codes"
	slow16
	[ "$PEAK1" -le 2 ] && [ "$PEAK2" -le 2 ] || wpa_fail "after the bad reload: b1 $PEAK1, b2 $PEAK2 connections"
	wpa_log "reload 2 (bad file): errors printed with file:line, max_sessions still 2"

	touch "$WPA_TMP/ka.stop"
	wait "$ka" || wpa_fail "keep-alive client: $(cat "$WPA_TMP/ka.out")"
	wpa_log "keep-alive client: $(cat "$WPA_TMP/ka.out")"
	grep -q "^ok [0-9]* requests on one connection" "$WPA_TMP/ka.out" || wpa_fail "keep-alive client: $(cat "$WPA_TMP/ka.out")"
	wpd_stop
	;;
mgmt)
	WPA_WPD_SNAPSHOT=200ms
	MG=http://127.0.0.1:9180
	mg() { wpa_curl_ns "$WPA_NS_APP" "$@"; }
	# metric FILE KEY: the value of one sample line (0 if absent)
	metric() { awk -v k="$2" '$1 == k { v = $2 } END { print v + 0 }' "$1"; }
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 8" "" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV2 8082"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	grep -q "management: listening on 127.0.0.1:9180" "$WPA_TMP/wpd.out" || wpa_fail "no management listener"
	# the counts before: /metrics and the backends' own (start-up's
	# reachability checks are in both, or in one if curl gave up early)
	sleep 0.6
	mg -s -o "$WPA_TMP/metrics0.txt" "$MG/metrics" || wpa_fail "GET /metrics failed"
	n1=$(wpa_backend_stats b1 requests) n2=$(wpa_backend_stats b2 requests)
	bad=$(codes 40 /size/100)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 40 requests failed"
	# the next snapshots carry the final counts: wait until /metrics has
	# all 40 (a fixed two periods was too short on a loaded machine)
	b1k='wp_backend_requests_total{backend="b1"}'
	b2k='wp_backend_requests_total{backend="b2"}'
	want=$(( $(metric "$WPA_TMP/metrics0.txt" "$b1k") + $(metric "$WPA_TMP/metrics0.txt" "$b2k") + 40 ))
	for _ in $(seq 1 50); do
		sleep 0.2
		mg -s -D "$WPA_TMP/m.h" -o "$WPA_TMP/metrics.txt" "$MG/metrics" || wpa_fail "GET /metrics failed"
		got=$(( $(metric "$WPA_TMP/metrics.txt" "$b1k") + $(metric "$WPA_TMP/metrics.txt" "$b2k") ))
		[ "$got" -ge "$want" ] && break
	done
	grep -qi "^content-type: text/plain; version=0.0.4" "$WPA_TMP/m.h" || wpa_fail "/metrics: $(cat "$WPA_TMP/m.h")"
	"$STAT" --prometheus "$RING" >"$WPA_TMP/stat.txt" || wpa_fail "wp-stat --prometheus failed"
	python3 - "$WPA_TMP/metrics.txt" "$WPA_TMP/stat.txt" "$WPA_TMP/metrics0.txt" \
		$(($(wpa_backend_stats b1 requests) - n1)) $(($(wpa_backend_stats b2 requests) - n2)) \
		<<'EOF' || wpa_fail "/metrics and the ring disagree"
import sys
def load(p):
    fam, val = set(), {}
    for l in open(p):
        if l.startswith("# TYPE "):
            fam.add(l.split()[2])
        elif l.strip() and not l.startswith("#"):
            k, v = l.rsplit(" ", 1)
            val[k] = v.strip()
    return fam, val
mf, mv = load(sys.argv[1])
sf, sv = load(sys.argv[2])
_, m0 = load(sys.argv[3])
# every family wp-stat prints from the ring, /metrics prints too
missing = sf - mf - {"wp_export_records_read_total", "wp_export_records_lost_total"}
assert not missing, missing
# counters and settings that do not move while idle: identical
stable = ("wp_backend_requests_total", "wp_backend_errors_total", "wp_pool_requests_total",
          "wp_pool_acquires_total", "wp_pool_opened_total", "wp_pool_max_sessions",
          "wp_backend_weight", "wp_backend_health", "wp_core_requests_total")
n = 0
for k, v in sv.items():
    if k.split("{")[0] in stable:
        assert mv.get(k) == v, "%s: /metrics %s, wp-stat %s" % (k, mv.get(k), v)
        n += 1
assert n >= 12, n
tot = 0
for b, want in (("b1", int(sys.argv[4])), ("b2", int(sys.argv[5]))):
    k = 'wp_backend_requests_total{backend="%s"}' % b
    got = int(mv[k]) - int(m0[k])
    assert got == want, "%s: /metrics counts %d more requests, the backend served %d" % (b, got, want)
    tot += got
assert tot == 40, tot
print("/metrics: %d stable values equal wp-stat's; the 40 requests: %s" % (n, sys.argv[4:]))
EOF
	wpa_log "/metrics: the ring's numbers (same lines as wp-stat --prometheus)"
	mg -s "$MG/backends" >"$WPA_TMP/b.json" || wpa_fail "GET /backends failed"
	python3 - "$WPA_TMP/b.json" <<'EOF' || wpa_fail "/backends: $(cat "$WPA_TMP/b.json")"
import json, sys
d = json.load(open(sys.argv[1]))["backends"]
assert [b["name"] for b in d] == ["b1", "b2"], d
assert all(b["health"] == "up" and not b["drain"] and b["breaker"] == "closed" for b in d), d
assert d[0]["address"] == "198.18.3.1" and d[0]["port"] == 8081 and d[0]["weight"] == 1, d
assert sum(b["requests"] for b in d) >= 40, d
EOF
	# drain b1: its sessions close on the worker, nothing more reaches it
	c=$(mg -s -o "$WPA_TMP/d.json" -w '%{http_code}' -X POST "$MG/backends/b1/drain")
	[ "$c" = 200 ] || wpa_fail "POST drain answered $c: $(cat "$WPA_TMP/d.json")"
	wait_line "backend b1: health up -> drain" 1000
	t0=$(wpa_now_ms)
	until [ "$(wpa_backend_conns b1)" -eq 0 ]; do
		[ $(($(wpa_now_ms) - t0)) -le 2000 ] || wpa_fail "b1 still has $(wpa_backend_conns b1) sessions 2 s after the drain"
		sleep 0.05
	done
	wpa_log "b1 drained: its sessions closed after $(($(wpa_now_ms) - t0)) ms"
	r1=$(wpa_backend_stats b1 requests)
	bad=$(codes 30 /size/100)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 30 requests failed with b1 drained"
	[ "$(wpa_backend_stats b1 requests)" -eq "$r1" ] || wpa_fail "requests reached the drained b1"
	[ "$(wpa_backend_conns b1)" -eq 0 ] || wpa_fail "a session to the drained b1 was opened"
	mg -s "$MG/backends" | grep -q '"name":"b1"[^}]*"health":"drain","drain":true' ||
		wpa_fail "/backends does not show b1 drained"
	# undrain: warm sessions again, requests again
	c=$(mg -s -o /dev/null -w '%{http_code}' -X POST "$MG/backends/b1/undrain")
	[ "$c" = 200 ] || wpa_fail "POST undrain answered $c"
	wait_line "backend b1: health drain -> up" 1000
	t0=$(wpa_now_ms)
	until [ "$(wpa_backend_conns b1)" -ge 2 ]; do
		[ $(($(wpa_now_ms) - t0)) -le 2000 ] || wpa_fail "b1 not warm again 2 s after undrain"
		sleep 0.05
	done
	bad=$(codes 30 /size/100)
	[ "$bad" -eq 0 ] || wpa_fail "$bad of 30 requests failed after undrain"
	[ "$(wpa_backend_stats b1 requests)" -gt "$r1" ] || wpa_fail "b1 gets nothing after undrain"
	wpa_log "b1 undrained: warm again (min_idle 2) and serving"
	# bad requests: answered and counted, the listener carries on
	c=$(printf 'GARBAGE\r\n\r\n' | wpa_raw_ns "$WPA_NS_APP" 127.0.0.1 9180 3 | head -1 | cut -d' ' -f2)
	[ "$c" = 400 ] || wpa_fail "garbage answered '$c', want 400"
	[ "$(mg -s -o /dev/null -w '%{http_code}' -X PUT "$MG/metrics")" = 405 ] || wpa_fail "PUT /metrics: not 405"
	[ "$(mg -s -o /dev/null -w '%{http_code}' "$MG/nope")" = 404 ] || wpa_fail "GET /nope: not 404"
	[ "$(mg -s -o /dev/null -w '%{http_code}' -X POST "$MG/backends/b9/drain")" = 404 ] ||
		wpa_fail "drain of an unknown backend: not 404"
	mg -s "$MG/metrics" | grep -q "^wp_mgmt_bad_requests_total 3$" || wpa_fail "bad requests not counted: $(mg -s "$MG/metrics" | grep wp_mgmt_bad)"
	wpd_stop
	grep -q "management 127.0.0.1:9180: connections=.* drain=2 undrain=1 refused=3 unknown_backend=1" \
		"$WPA_TMP/wpd.out" || wpa_fail "final report: $(grep 'management 127' "$WPA_TMP/wpd.out")"
	# a non-loopback address only with allow_remote = yes
	printf '[management]\naddress = %s\n' "$WPA_IP_VIP" >>"$WPA_TMP/w.ini"
	"$WPD" --check-config "$WPA_TMP/w.ini" >"$WPA_TMP/cc.out" 2>&1 &&
		wpa_fail "--check-config accepted a non-loopback management address"
	grep -q "\[management\] address = $WPA_IP_VIP: $WPA_IP_VIP is not a loopback address" "$WPA_TMP/cc.out" ||
		wpa_fail "--check-config: $(cat "$WPA_TMP/cc.out")"
	echo "allow_remote = yes" >>"$WPA_TMP/w.ini"
	"$WPD" --check-config "$WPA_TMP/w.ini" >"$WPA_TMP/cc.out" 2>&1 ||
		wpa_fail "allow_remote = yes still refused: $(cat "$WPA_TMP/cc.out")"
	wpa_log "management address outside 127/8: refused, unless allow_remote = yes"
	;;
slowstart)
	# b2 comes back after being marked down: its share ramps from ~1% to
	# half (equal weights) over slow_start, instead of half at once
	WPA_WPD_HEALTH="type = tcp
interval = 200ms
jitter = 20ms
initial_spread = 100ms
timeout = 100ms
fall = 1
rise = 1
slow_start = 4s"
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 8" "retry_idempotent = yes" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV2 8082"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	wpa_backend_stop b2
	wait_line "backend b2: health up -> down" 3000
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	wait_line "backend b2: slow start over 4000 ms" 3000
	# share = served by b2 / requests, sequential (nothing outstanding: the
	# pick is the weighted draw), in the first second and after the ramp
	share() {
		local n=$1 a0 b0 a1 b1
		a0=$(wpa_backend_stats b1 requests) b0=$(wpa_backend_stats b2 requests)
		bad=$(codes "$n" /size/10)
		[ "$bad" -eq 0 ] || wpa_fail "$bad of $n requests failed during slow start"
		a1=$(wpa_backend_stats b1 requests) b1=$(wpa_backend_stats b2 requests)
		echo $(( 100 * (b1 - b0) / (a1 - a0 + b1 - b0) ))
	}
	t0=$(wpa_now_ms)
	early=0 n=0
	while [ $(($(wpa_now_ms) - t0)) -lt 1000 ]; do
		early=$((early + $(share 5))); n=$((n + 1))
	done
	early=$((early / n))
	wait_line "backend b2: slow start done, full weight" 6000
	late=$(share 60)
	wpa_log "b2's share: ${early}% in the ramp's first second, ${late}% after it"
	[ "$early" -le 30 ] || wpa_fail "b2 got ${early}% at the start of its slow start"
	[ "$late" -ge 30 ] && [ "$late" -le 70 ] ||
		wpa_fail "b2 got ${late}% after its slow start (equal weights)"
	grep -q "backend b1: slow start" "$WPA_TMP/wpd.out" && wpa_fail "b1 never went down, yet ramped"
	wpd_stop
	;;
*)
	wpa_fail "unknown kind $KIND"
	;;
esac
wpa_log "control $KIND: ok"
