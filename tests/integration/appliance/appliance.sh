#!/bin/bash
# appliance.sh KIND WARMPOOLD WPT_BACKEND: warmpoold end to end in the
# DESIGN.md section 8 topology (lib.sh): curl and wrk in wpa-cli, warmpoold
# on net_af_packet over both veth ends in wpa-app, backends in wpa-srv.
#
# KIND:
#  correct  - every size, chunked both ways, HEAD/204/304/1xx, bodies by
#             checksum; bad requests answered 400 and never forwarded (the
#             backend's request count does not move); pipelining
#  reuse    - max_sessions 4 per backend (max_requests 0: no recycling):
#             wrk with 200 clients opens no more than the cap to each
#             backend, which sees many requests per connection; then
#             SIGTERM: clean drain, exit 0
#  failover - a backend that closes after N requests and one that resets:
#             idempotent requests are retried, every GET succeeds; a dead
#             backend gives 502/503 counted by cause
#  errors   - desync guard (bytes after a response close the session, never
#             reach the next client), backend timeout 504, broken framing
#             502
#  drain    - SIGTERM during a wrk run: no completed request lost (wrk's
#             count = the backends' responses = warmpoold's), no socket
#             error but refused connects once the listener is gone (the
#             last responses say Connection: close), every backend session
#             ended by our FIN (the backends saw no reset)
#  close    - clients that close (Connection: close, HTTP/1.0 without
#             keep-alive, both, a POST with a body) cost no backend session:
#             one session (max_sessions 1) serves them all, the backend
#             accepts no new connection and numbers every request on the one
#             it has; each client connection is closed after its response
# After each: warmpoold exits 0 on SIGTERM with every mbuf back and no flow
# left; the backends saw exactly the requests the clients sent.
# Exits 77 (SKIP) without root, namespaces or tools.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KIND=${1:?usage: $0 KIND WARMPOOLD WPT_BACKEND}
WPD=${2:?warmpoold}
wpa_init "${3:?wpt_backend}"
wpa_need_root wrk timeout nft
[ -x "$WPD" ] || wpa_fail "no warmpoold at $WPD"
wpa_topology_up

VIP=$WPA_IP_VIP
PORT=$WPA_WPD_PORT
WPD_PID=""

wpd_conf() { wpa_wpd_conf "$@"; }
wpd_start() {
	wpa_wpd_start "$WPD" "$1" /size/1
	WPD_PID=$WPA_WPD_PID
}

# wpd_stop: SIGTERM, exit 0, the leak and flow checks of the final report.
wpd_stop() {
	wpa_wpd_stop
	WPD_PID=""
}

# wpd_stat KEY: a number from the worker line of the final report
wpd_stat() {
	sed -n "s/.*worker 0: clients.* $1=\([0-9]*\).*/\1/p" "$WPA_TMP/wpd.out" | head -1
}
wpd_err() {
	sed -n "s/.*errors:.* $1=\([0-9]*\).*/\1/p" "$WPA_TMP/wpd.out" | head -1
}

url() { echo "http://$VIP:$PORT$1"; }

check_body() {   # check_body PATH N: body of PATH has the pattern's SHA-256
	local got want
	got=$(wpa_curl -s "$(url "$1")" | sha256sum | cut -d' ' -f1)
	want=$(wpa_pattern_sha "$2")
	[ "$got" = "$want" ] || wpa_fail "$1: body SHA-256 $got, want $want"
}

case "$KIND" in
correct)
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV" 8082
	wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 8" "" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV 8082"
	wpd_start "$WPA_TMP/w.ini"
	for n in 0 1 100 1448 1449 4096 65536 1000000 10485760; do
		check_body "/size/$n" "$n"
		check_body "/chunked/$n/777" "$n"
	done
	check_body "/close/300000" 300000
	wpa_log "sizes 0..10 MiB, Content-Length, chunked and close-delimited: bodies intact"
	# HEAD, 204, 304, 1xx
	h=$(wpa_curl -s -I "$(url /size/5000)")
	echo "$h" | grep -qi "^content-length: 5000" || wpa_fail "HEAD: $h"
	for st in 204 304; do
		c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /status/$st)")
		[ "$c" = "$st" ] || wpa_fail "/status/$st answered $c"
	done
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /status/103)")
	[ "$c" = 200 ] || wpa_fail "/status/103 (interim then 200) answered $c"
	# request bodies, Content-Length and chunked, checked by the backend's SHA
	head -c 200000 /dev/urandom >"$WPA_TMP/body"
	want=$(sha256sum <"$WPA_TMP/body" | cut -d' ' -f1)
	for te in "" "-H Transfer-Encoding:chunked"; do
		got=$(wpa_curl -s -D - -o /dev/null --data-binary @"$WPA_TMP/body" $te "$(url /echo)" |
			sed -n 's/^[Xx]-[Bb]ody-[Ss]ha256: *\([0-9a-f]*\).*/\1/p')
		[ "$got" = "$want" ] || wpa_fail "POST /echo ${te:-content-length}: backend saw $got, want $want"
	done
	wpa_log "HEAD, 204, 304, 103 then 200, request bodies (Content-Length and chunked): ok"
	# pipelining: three requests in one write, three responses in order
	printf 'GET /size/10 HTTP/1.1\r\nHost: x\r\n\r\nGET /size/20 HTTP/1.1\r\nHost: x\r\n\r\nGET /size/30 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		wpa_raw "$VIP" "$PORT" >"$WPA_TMP/pipe.out"
	[ "$(grep -ao 'HTTP/1.1 200 OK' "$WPA_TMP/pipe.out" | wc -l)" -eq 3 ] || wpa_fail "pipelined: $(cat -v "$WPA_TMP/pipe.out")"
	# bad requests: answered by us, never forwarded
	r0=$(( $(wpa_backend_stats b1 requests) + $(wpa_backend_stats b2 requests) ))
	bad=0
	while IFS= read -r req; do
		printf "$req" | wpa_raw "$VIP" "$PORT" >"$WPA_TMP/bad.out"
		st=$(head -1 "$WPA_TMP/bad.out" | cut -d' ' -f2)
		case "$st" in 400|414|431|501|505) ;; *) wpa_fail "bad request '$req' answered '$st'" ;; esac
		bad=$((bad + 1))
	done <<'EOF'
POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n
POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello
POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n
POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n
GET /size/1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n
GET /size/1 HTTP/1.1\r\nHost : x\r\n\r\n
GET /size/1 HTTP/2.0\r\nHost: x\r\n\r\n
GET /size/1 HTTP/1.1\nHost: x\n\n
EOF
	r1=$(( $(wpa_backend_stats b1 requests) + $(wpa_backend_stats b2 requests) ))
	[ "$r1" -eq "$r0" ] || wpa_fail "bad requests reached a backend: $((r1 - r0))"
	wpa_log "$bad bad requests answered 4xx/5xx by warmpoold, none reached a backend"
	wpd_stop
	[ "$(wpd_err bad_request)" -ge "$bad" ] || wpa_fail "bad_request counter $(wpd_err bad_request) < $bad"
	;;
reuse)
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV" 8082
	wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 4
max_requests = 0
max_pending = 4096
acquire_timeout = 5s" "" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV 8082"
	wpd_start "$WPA_TMP/w.ini"
	wpa_wrk -t 2 -c 200 -d 5s "$(url /size/100)" &
	wrk_pid=$!
	sleep 2.5
	for b in b1 b2; do
		n=$(wpa_backend_conns "$b")
		wpa_log "backend $b: $n established connections during the run"
		[ "$n" -le 4 ] || wpa_fail "backend $b has $n connections, cap is 4"
	done
	wait "$wrk_pid"
	wpa_wrk -t 2 -c 200 -d 3s "$(url /size/100)"
	[ "$WPA_WRK_REQUESTS" -gt 1000 ] || wpa_fail "wrk made only $WPA_WRK_REQUESTS requests"
	[ "$WPA_WRK_NON2XX" -eq 0 ] || wpa_fail "$WPA_WRK_NON2XX non-2xx responses"
	[ "$WPA_WRK_SOCK_ERRORS" -eq 0 ] || wpa_fail "$WPA_WRK_SOCK_ERRORS socket errors"
	for b in b1 b2; do
		acc=$(wpa_backend_stats "$b" connections_accepted)
		req=$(wpa_backend_stats "$b" requests)
		wpa_log "backend $b: $req requests over $acc connections"
		[ "$acc" -le 8 ] || wpa_fail "backend $b accepted $acc connections for 4 sessions"
		[ "$req" -ge $((acc * 50)) ] || wpa_fail "backend $b: too few requests per connection"
	done
	wpd_stop
	;;
failover)
	# b1 resets on /reset; sessions are warm and reused first, so a reset
	# before any response byte is retried once on another session
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 4" "retry_idempotent = yes" "b1 $WPA_IP_SRV 8081"
	wpd_start "$WPA_TMP/w.ini"
	for i in 1 2 3 4 5 6; do check_body /size/100 100; done
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /reset)")
	[ "$c" = 502 ] || wpa_fail "GET /reset (reset twice) answered $c, want 502"
	r=$(wpa_backend_stats b1 resets_sent)
	[ "$r" -eq 2 ] || wpa_fail "backend sent $r resets, want 2 (the request and its one retry)"
	# a POST is not idempotent: no retry
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' --data x "$(url /reset)")
	[ "$c" = 502 ] || wpa_fail "POST /reset answered $c, want 502"
	r=$(wpa_backend_stats b1 resets_sent)
	[ "$r" -eq 3 ] || wpa_fail "backend sent $r resets, want 3 (POST not retried)"
	# the backend closes every connection after 3 responses: every GET
	# still succeeds on replacement sessions
	wpa_backend_stop b1
	wpa_backend_start b1 "$WPA_IP_SRV" 8081 --close-after 3
	for i in $(seq 1 30); do check_body /size/1000 1000; done
	wpa_log "resets retried once (idempotent only), close-after-3 backend: 30/30 GETs ok"
	# the backend gone: answers come at once, 502/503, counted
	wpa_backend_stop b1
	for i in 1 2 3; do
		c=$(WPA_CURL_TIMEOUT=10 wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /size/1)")
		case "$c" in 502|503) ;; *) wpa_fail "backend down: answered '$c', want 502/503" ;; esac
	done
	wpd_stop
	[ "$(wpd_stat retries)" -ge 1 ] || wpa_fail "no retry counted"
	;;
errors)
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpd_conf "$WPA_TMP/w.ini" "min_idle = 1
max_sessions = 1
max_pending = 0" "backend_timeout = 500ms" "b1 $WPA_IP_SRV 8081"
	wpd_start "$WPA_TMP/w.ini"
	# desync guard: a response followed by a smuggled one; the session is
	# closed, no later client ever sees the extra bytes
	wpa_curl -s -o /dev/null "$(url /broken/extra)" || true
	for i in $(seq 1 10); do
		wpa_curl -s -D - -o /dev/null "$(url /size/10)" >"$WPA_TMP/h.out"
		! grep -qi "x-smuggled" "$WPA_TMP/h.out" || wpa_fail "smuggled response reached a later client"
		# 503 is fair while the closed session is replaced (max_pending 0)
		grep -qE "^HTTP/1.1 (200|503)" "$WPA_TMP/h.out" || wpa_fail "GET after desync: $(head -1 "$WPA_TMP/h.out")"
		grep -q "^HTTP/1.1 200" "$WPA_TMP/h.out" && ok200=1
	done
	[ "${ok200:-0}" = 1 ] || wpa_fail "no GET succeeded after the desync"
	# ambiguous framing from the backend: 502 before any byte went out
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /broken/cl-te)")
	[ "$c" = 502 ] || wpa_fail "/broken/cl-te answered $c, want 502"
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /broken/dup-cl)")
	[ "$c" = 502 ] || wpa_fail "/broken/dup-cl answered $c, want 502"
	# backend silent past backend_timeout: 504
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /slow/3000/10)")
	[ "$c" = 504 ] || wpa_fail "/slow/3000 with backend_timeout 500ms answered $c, want 504"
	# one session, no waiting: a second request while it is busy gets 503
	sleep 3                     # the slow backend connection is replaced
	wpa_curl -s -o /dev/null "$(url /slow/1000/10)" &
	slow_pid=$!
	sleep 0.3
	c=$(wpa_curl -s -o /dev/null -w '%{http_code}' "$(url /size/1)")
	wait "$slow_pid"
	[ "$c" = 503 ] || wpa_fail "second request with max_sessions 1, max_pending 0 answered $c, want 503"
	wpd_stop
	for e in bad_response backend_timeout pool_full; do
		[ "$(wpd_err $e)" -ge 1 ] || wpa_fail "error $e not counted"
	done
	grep -q "protocol=[1-9]" "$WPA_TMP/wpd.out" || wpa_fail "desync session not closed as protocol"
	;;
close)
	# one session, never recycled: every request below must ride on it
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpd_conf "$WPA_TMP/w.ini" "min_idle = 1
max_sessions = 1
max_requests = 0" "" "b1 $WPA_IP_SRV 8081"
	wpd_start "$WPA_TMP/w.ini"
	acc0=$(wpa_backend_stats b1 connections_accepted)
	n=0
	for opts in "-H Connection:close" "--http1.0" "--http1.0 -H Connection:close" \
		"-H Connection:Keep-Alive,close"; do
		for _ in $(seq 1 10); do
			# shellcheck disable=SC2086
			wpa_curl -s -D "$WPA_TMP/h.out" -o "$WPA_TMP/b.out" $opts "$(url /size/1000)" ||
				wpa_fail "curl $opts failed"
			grep -q "^HTTP/1.[01] 200" "$WPA_TMP/h.out" || wpa_fail "curl $opts: $(head -1 "$WPA_TMP/h.out")"
			[ "$(sha256sum <"$WPA_TMP/b.out" | cut -d' ' -f1)" = "$(wpa_pattern_sha 1000)" ] ||
				wpa_fail "curl $opts: body differs"
			n=$((n + 1))
		done
	done
	# a body, and a raw client that must see its connection closed by us
	head -c 3000 /dev/urandom >"$WPA_TMP/body"
	want=$(sha256sum <"$WPA_TMP/body" | cut -d' ' -f1)
	got=$(wpa_curl -s -D - -o /dev/null -H Connection:close --data-binary @"$WPA_TMP/body" "$(url /echo)" |
		sed -n 's/^[Xx]-[Bb]ody-[Ss]ha256: *\([0-9a-f]*\).*/\1/p')
	[ "$got" = "$want" ] || wpa_fail "POST /echo with Connection: close: backend saw $got, want $want"
	n=$((n + 1))
	printf 'GET /size/10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
		wpa_raw "$VIP" "$PORT" 5 >"$WPA_TMP/raw.out"
	rc=$?
	[ "$rc" -eq 0 ] || wpa_fail "raw Connection: close client: not closed by warmpoold (rc $rc)"
	grep -aq "^HTTP/1.1 200" "$WPA_TMP/raw.out" || wpa_fail "raw client: $(head -1 "$WPA_TMP/raw.out")"
	k=$(sed -n 's/^X-Conn-Req: *\([0-9]*\).*/\1/p' "$WPA_TMP/raw.out" | tr -d '\r')
	n=$((n + 1))
	acc1=$(wpa_backend_stats b1 connections_accepted)
	wpa_log "$n closing clients: backend connections accepted $acc0 -> $acc1, last request was number $k on its connection"
	[ "$acc1" -eq "$acc0" ] || wpa_fail "$((acc1 - acc0)) new backend connections for $n closing clients"
	[ "${k:-0}" -ge "$n" ] || wpa_fail "the last request was number ${k:-?} on its backend connection, want >= $n"
	wpd_stop
	[ "$(wpd_stat hop_rewrites)" -ge "$n" ] || wpa_fail "hop_rewrites $(wpd_stat hop_rewrites) < $n"
	[ "$(wpd_stat not_reusable)" -eq 0 ] || wpa_fail "$(wpd_stat not_reusable) exchanges closed their session"
	;;
drain)
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV" 8082
	wpd_conf "$WPA_TMP/w.ini" "min_idle = 4
max_sessions = 8
max_requests = 0" "" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV 8082"
	wpd_start "$WPA_TMP/w.ini"
	base=$(( $(wpa_backend_stats b1 responses) + $(wpa_backend_stats b2 responses) ))
	# resets the clients receive: RST+ACK answers a SYN (a connect refused
	# once the listener is gone: wrk counts those as write errors), a bare
	# RST (seq = the segment's ACK) would reset an established connection
	ip netns exec "$WPA_NS_CLI" nft -f - <<EOF || wpa_fail "nft rules in $WPA_NS_CLI"
table ip wpa_drain {
	chain in {
		type filter hook input priority 0;
		ip saddr $VIP tcp flags & (rst | ack) == rst | ack counter
		ip saddr $VIP tcp flags & (rst | ack) == rst counter
	}
}
EOF
	# SIGTERM 2 s into a 5 s run: the drain ends well before wrk does, so
	# every response that left a backend had time to reach wrk
	( sleep 2; kill -TERM "$WPD_PID" ) &
	killer=$!
	wpa_wrk -t 2 -c 50 -d 5s --timeout 4s "$(url /size/1000)"
	wait "$killer"
	wpd_stop
	served=$(( $(wpa_backend_stats b1 responses) + $(wpa_backend_stats b2 responses) - base ))
	wpd_resp=$(wpd_stat responses)
	wpa_log "drain under load: wrk completed $WPA_WRK_REQUESTS, backends answered $served" \
		"(+$base before), warmpoold forwarded $wpd_resp; wrk errors: connect" \
		"$WPA_WRK_ERR_CONNECT read $WPA_WRK_ERR_READ write $WPA_WRK_ERR_WRITE timeout $WPA_WRK_ERR_TIMEOUT"
	[ "$WPA_WRK_REQUESTS" -gt 1000 ] || wpa_fail "only $WPA_WRK_REQUESTS requests before the drain"
	[ "$WPA_WRK_REQUESTS" -eq "$served" ] ||
		wpa_fail "wrk completed $WPA_WRK_REQUESTS requests, the backends answered $served"
	[ "$wpd_resp" -eq $((served + base)) ] ||
		wpa_fail "warmpoold forwarded $wpd_resp responses, the backends sent $((served + base))"
	[ "$WPA_WRK_NON2XX" -eq 0 ] || wpa_fail "$WPA_WRK_NON2XX non-2xx responses"
	read -r refused reset <<<"$(ip netns exec "$WPA_NS_CLI" nft list table ip wpa_drain |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | tr '\n' ' ')"
	wpa_log "clients received $refused RST+ACK (refused connects) and $reset bare RST (cut connections)"
	[ "$reset" -eq 0 ] || wpa_fail "$reset established client connections were reset"
	# A read error is a connection closed (FIN, no RST: checked above) with
	# a request of wrk's still unanswered: one that reached warmpoold after
	# the keep-alive grace, never forwarded (the three counts above agree,
	# so no answered request was lost). A loaded machine can make a few;
	# more than one per connection would mean the drain cut answers.
	[ "$WPA_WRK_ERR_TIMEOUT" -eq 0 ] || wpa_fail "timeouts $WPA_WRK_ERR_TIMEOUT"
	[ "$WPA_WRK_ERR_READ" -le 50 ] || wpa_fail "read errors $WPA_WRK_ERR_READ on 50 connections"
	[ $((WPA_WRK_ERR_WRITE + WPA_WRK_ERR_CONNECT)) -le "$refused" ] ||
		wpa_fail "wrk write/connect errors $((WPA_WRK_ERR_WRITE + WPA_WRK_ERR_CONNECT)) exceed the $refused refused connects"
	[ "$(wpd_stat close_announced)" -ge 1 ] || wpa_fail "no response announced Connection: close"
	for b in b1 b2; do
		acc=$(wpa_backend_stats "$b" connections_accepted)
		fin=$(wpa_backend_stats "$b" peer_closes)
		rst=$(wpa_backend_stats "$b" peer_resets)
		wpa_log "backend $b: $acc sessions accepted, $fin ended by our FIN, $rst by a reset"
		[ "$rst" -eq 0 ] || wpa_fail "backend $b: $rst sessions reset by warmpoold"
		[ "$fin" -eq "$acc" ] || wpa_fail "backend $b: $fin of $acc sessions ended with our FIN"
	done
	grep -q "backend b1: sessions.*closed: shutdown=[0-9]*$" "$WPA_TMP/wpd.out" ||
		wpa_fail "b1's sessions did not all close by shutdown"
	;;
*) wpa_fail "unknown kind '$KIND'" ;;
esac
echo "appliance $KIND: ok"
