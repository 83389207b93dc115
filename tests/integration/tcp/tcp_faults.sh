#!/usr/bin/env bash
# tcp faults: the documented outcome of each fault, from a live transfer
# against Linux, plus wp_tcpd's own checks (no flow, no mbuf left) after it.
#
#   reset     the peer resets mid-transfer (SO_LINGER 0 close): while we send
#             (Linux sink resets after 1 MiB) and while we receive (Linux
#             source resets after writing 1 MiB; what it had not sent yet is
#             discarded). Our connection closes with reason RESET, everything
#             we received before it was right, nothing is left behind.
#   fin       the peer sends FIN first while we still send (Linux sink
#             half-closes right after accept): we get peer_closed before we
#             are done, keep sending, everything is delivered (SHA-256 on the
#             Linux side) and acknowledged, then a normal close (Linux, which
#             sent FIN first, holds TIME-WAIT).
#   rst       RFC 5961 blind resets on an idle established connection
#             (rst_inject.py in the peer namespace): an in-window RST that
#             is not exactly RCV.NXT gets a challenge ACK and does not reset;
#             an out-of-window RST is dropped silently; the transfer then
#             completes (normal close, tcp_challenge_acks = 1).
#   zerowin   the Linux receiver stops reading for 3 s with a small buffer:
#             its window goes to 0, we send zero-window probes
#             (tcp_zero_window_probes > 0) and resume when it reads again;
#             all 16 MiB arrive intact.
#   keepalive the peer vanishes (its address is deleted) after the handshake:
#             with keep-alive 500 ms idle, 200 ms interval, 3 probes we close
#             with reason KEEPALIVE after 500 + 3 x 200 ms (checked within
#             [1.1 s, 2.5 s] of the accept), having sent 3 probes.
# usage: tcp_faults.sh af_packet|af_xdp WP_TCPD LINUX_PEER reset|fin|rst|zerowin|keepalive
. "$(dirname "$0")/lib.sh"
wpt_init "$@"
KIND=${4:?usage: $0 TRANSPORT WP_TCPD LINUX_PEER reset|fin|rst|zerowin|keepalive}
wpt_topology_up
wpt_capture_start

case "$KIND" in
reset)
	# a. we send, the Linux sink resets after 1 MiB
	wpt_peer_bg s1 --listen 9001 --mode sink --bytes 64M --reset-after 1M --exit-after-conns 1 --timeout-s 30
	wpt_tcpd_start c1 --connect "$WPT_IP_PEER:9001" --mode source --bytes 64M \
		--expect-close reset --timeout-s 30 -v
	wpt_tcpd_wait c1 40
	wpt_peer_wait s1 10
	grep -q "^conn .* close=reset .* ok" "$WPT_TMP/c1.out" || wpt_fail "c1: not closed by RESET"
	grep -q "end=rst_sent ok" "$WPT_TMP/s1.out" || wpt_fail "s1: the Linux sink did not reset"
	v=$(wpt_stat c1 tcp_rst_recv); [ "${v:-0}" -ge 1 ] || wpt_fail "c1: tcp_rst_recv=$v"
	# b. we receive, the Linux source resets after 1 MiB
	wpt_tcpd_start s2 --listen 9002 --mode sink --bytes 64M --exit-after-conns 1 \
		--expect-close reset --timeout-s 30 -v
	wpt_peer c2 --connect "$WPT_IP_APP:9002" --mode source --bytes 64M --reset-after 1M --timeout-s 30
	wpt_tcpd_wait s2 40
	# an abortive close throws away what Linux had not sent yet: we get at
	# most the 1 MiB, every byte of it checked at its offset, then RESET
	got=$(sed -n 's/^conn .* in=\([0-9]*\) .* close=reset .* ok$/\1/p' "$WPT_TMP/s2.out")
	[ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" -le 1048576 ] ||
		wpt_fail "s2: want 1..1048576 bytes received, all right, then RESET"
	echo "  received $got bytes before the RST"
	;;
fin)
	wpt_peer_bg s1 --listen 9011 --mode sink --bytes 16M --half-close --exit-after-conns 1 --timeout-s 30
	wpt_tcpd_start c1 --connect "$WPT_IP_PEER:9011" --mode source --bytes 16M --time-wait-ms 300 \
		--timeout-s 30 -v
	wpt_tcpd_wait c1 40
	wpt_peer_wait s1 10
	# peer_closed came while we still had most of the 16 MiB to queue
	q=$(sed -n 's/^event peer_closed .* queued=\([0-9]*\) .*/\1/p' "$WPT_TMP/c1.out")
	[ -n "$q" ] && [ "$q" -lt 16777216 ] || wpt_fail "c1: peer_closed not seen before we finished (queued=$q)"
	echo "  peer FIN arrived when we had queued $q of 16777216 bytes"
	grep -q "^conn .* out=16777216 acked=16777216 .* close=normal .* ok" "$WPT_TMP/c1.out" ||
		wpt_fail "c1: want all 16 MiB acked and a normal close"
	wpt_check_sha c1 sha_out s1 sha_in
	wpt_check_our_rst c1
	# the Linux sink sent FIN first: TIME-WAIT is on its side
	wpt_check_peer_sockets 9011 1
	;;
rst)
	wpt_tcpd_start s1 --listen 9021 --mode sink --bytes 4M --exit-after-conns 1 --time-wait-ms 300 \
		--timeout-s 30 -v
	# the sniffer first, then the Linux client: it sends 1 MiB, pauses 3 s
	# (the injections happen then), sends the rest
	ip netns exec "$WPT_NS_PEER" python3 "$WPT_DIR/rst_inject.py" "$WPT_IF_PEER" "$WPT_IP_APP" 9021 \
		>"$WPT_TMP/inject.out" 2>&1 &
	IPID=$!
	WPT_PIDS="$WPT_PIDS $IPID"
	i=0
	until grep -q '^sniffing' "$WPT_TMP/inject.out"; do
		i=$((i + 1)); [ "$i" -le 100 ] || wpt_fail "rst_inject.py did not start"
		sleep 0.05
	done
	wpt_peer_bg c1 --connect "$WPT_IP_APP:9021" --mode source --bytes 4M --pause 1M:3000 --timeout-s 30
	wait "$IPID"
	rc=$?
	WPT_PIDS=$(echo "$WPT_PIDS" | sed "s/ $IPID\b//")
	sed 's/^/  /' "$WPT_TMP/inject.out"
	[ "$rc" -eq 0 ] || wpt_fail "blind RST handling (rst_inject.py)"
	wpt_peer_wait c1 30
	wpt_tcpd_wait s1 30
	v=$(wpt_stat s1 tcp_challenge_acks)
	[ "${v:-x}" = 1 ] || wpt_fail "s1: tcp_challenge_acks=$v, want 1 (in-window RST only)"
	grep -q "^conn .* in=4194304 .* close=normal .* ok" "$WPT_TMP/s1.out" ||
		wpt_fail "s1: the transfer did not complete normally"
	wpt_check_sha c1 sha_out s1 sha_in
	;;
zerowin)
	wpt_peer_bg s1 --listen 9031 --mode sink --bytes 16M --rcvbuf 65536 --stop-reading 1M:3000 \
		--exit-after-conns 1 --timeout-s 40 -v
	wpt_tcpd_start c1 --connect "$WPT_IP_PEER:9031" --mode source --bytes 16M --time-wait-ms 300 \
		--timeout-s 40 -v
	wpt_tcpd_wait c1 50
	wpt_peer_wait s1 10
	grep -q "stop reading" "$WPT_TMP/s1.out" || wpt_fail "s1 never stopped reading"
	v=$(wpt_stat c1 tcp_zero_window_probes)
	[ "${v:-0}" -ge 1 ] || wpt_fail "c1: tcp_zero_window_probes=$v, want >= 1"
	echo "  zero-window probes sent: $v"
	zw=$(tcpdump -nn -r "$WPT_TMP/peer.pcap" "src $WPT_IP_PEER and tcp[14:2] = 0" 2>/dev/null | wc -l)
	echo "  zero-window ACKs from Linux in the capture: $zw"
	[ "$zw" -ge 1 ] || wpt_fail "the Linux receiver never advertised a zero window"
	grep -q "^conn .* out=16777216 acked=16777216 .* close=normal .* ok" "$WPT_TMP/c1.out" ||
		wpt_fail "c1: want all 16 MiB acked and a normal close"
	wpt_check_sha c1 sha_out s1 sha_in
	wpt_check_our_rst c1
	;;
keepalive)
	wpt_tcpd_start s1 --listen 9041 --mode sink --exit-after-conns 1 --keepalive 500,200,3 \
		--expect-close keepalive --timeout-s 30 -v
	# a Linux client that connects and waits (sink of our nothing)
	wpt_peer_bg c1 --connect "$WPT_IP_APP:9041" --mode sink --timeout-s 30
	i=0
	until grep -q "^event accepted" "$WPT_TMP/s1.out"; do
		i=$((i + 1)); [ "$i" -le 100 ] || wpt_fail "no connection accepted"
		sleep 0.05
	done
	ip -n "$WPT_NS_PEER" addr del "$WPT_IP_PEER/$WPT_PREFIX" dev "$WPT_IF_PEER"
	wpt_log "peer address deleted: the peer has vanished"
	wpt_tcpd_wait s1 20
	kill -TERM "$WPT_PEER_PID" 2>/dev/null
	a=$(sed -n 's/^event accepted .* t_ms=\([0-9]*\)/\1/p' "$WPT_TMP/s1.out")
	c=$(sed -n 's/^conn .* close=keepalive t_ms=\([0-9]*\) ok.*/\1/p' "$WPT_TMP/s1.out")
	[ -n "$a" ] && [ -n "$c" ] || wpt_fail "s1: no KEEPALIVE close"
	d=$((c - a))
	echo "  closed by keep-alive $d ms after the accept (500 + 3 x 200 = 1100 expected)"
	[ "$d" -ge 1100 ] && [ "$d" -le 2500 ] || wpt_fail "keep-alive close after $d ms, want 1100..2500"
	v=$(wpt_stat s1 tcp_keepalive_probes)
	[ "${v:-0}" -eq 3 ] || wpt_fail "s1: tcp_keepalive_probes=$v, want 3"
	;;
*) wpt_fail "unknown fault '$KIND'" ;;
esac
wpt_capture_stop
echo "tcp fault $KIND ($WPT_TRANSPORT): ok"
