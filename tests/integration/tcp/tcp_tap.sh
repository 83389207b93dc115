#!/usr/bin/env bash
# tcp tap: the stack on net_tap (DESIGN.md section 8, the topology without
# a veth: the tap interface DPDK creates is moved into the peer namespace
# and the peer's kernel talks straight to the PMD; one queue here). Each
# phase starts wp_tcpd (a new tap), attaches its tap to the peer namespace,
# runs Linux against it:
#   1. ICMP echo, every reply checked (icmp_ping.py), and the peer learned
#      our MAC by ARP through the tap;
#   2. 16 MiB Linux -> us and us -> Linux, SHA-256 equal, no RST;
#   3. 1,000 concurrent Linux rr connections (4 KiB each, checked) to our
#      echo, all closed with FIN, 1,000 TIME-WAITs on the Linux side.
# wp_tcpd checks every connection, flows left (0), stack mbufs and the
# mempool back to its baseline after the port is closed; the peer kernel
# must have sent and received no RST.
# usage: tcp_tap.sh tap WP_TCPD LINUX_PEER
. "$(dirname "$0")/lib.sh"
wpt_init "$@"
[ "$WPT_TRANSPORT" = tap ] || wpt_fail "tcp_tap.sh runs on the tap transport only"
BYTES=${WPT_TAP_BYTES:-16M}
CONNS=${WPT_TAP_CONNS:-1000}
wpt_tap_topology_up
# a smaller pool and EAL memory than the veth tests: start-up (EAL memory
# without hugepages) is most of this test's time, and it starts 4 times
WPT_TCPD_MEM=${WPT_TCPD_MEM:-256}
TW="--time-wait-ms 300 --mbufs 16383"

wpt_tcpd_start ping --listen 7 --mbufs 16383 --timeout-s 30
wpt_tap_attach ping
ip netns exec "$WPT_NS_PEER" python3 "$WPT_DIR/icmp_ping.py" "$WPT_IP_APP" 8 \
	>"$WPT_TMP/ping.out" 2>&1 || { cat "$WPT_TMP/ping.out"; wpt_fail "ICMP echo over the tap"; }
sed 's/^/  /' "$WPT_TMP/ping.out"
neigh=$(ip -n "$WPT_NS_PEER" neigh show "$WPT_IP_APP" dev "$WPT_IF_PEER")
echo "$neigh" | grep -qi "lladdr $WPT_MAC_APP" || wpt_fail "peer did not learn our MAC by ARP: $neigh"
wpt_tcpd_stop ping
v=$(wpt_stat ping icmp_echo_replies)
[ "${v:-0}" -eq 8 ] || wpt_fail "icmp_echo_replies=$v, want 8"

wpt_nstat_snap "$WPT_TMP/n0"
wpt_tcpd_start s1 --listen 5001 --mode sink --bytes "$BYTES" --exit-after-conns 1 $TW --timeout-s 60
wpt_tap_attach s1
t0=$(wpt_now_ms)
wpt_peer c1 --connect "$WPT_IP_APP:5001" --mode source --bytes "$BYTES" --timeout-s 60
wpt_tcpd_wait s1 60
wpt_log "Linux -> us: $BYTES in $(($(wpt_now_ms) - t0)) ms (with the TIME_WAIT drain)"
wpt_check_sha c1 sha_out s1 sha_in
wpt_check_our_rst s1

# the peer listens (on any address) before the tap exists; our first ARP
# request and SYN leave before the tap is in the peer namespace, the
# retries (1 s) find it
wpt_peer_bg s2 --listen 5002 --mode sink --bytes "$BYTES" --exit-after-conns 1 --timeout-s 60
wpt_tcpd_start c2 --connect "$WPT_IP_PEER:5002" --mode source --bytes "$BYTES" $TW --timeout-s 60
wpt_tap_attach c2
t0=$(wpt_now_ms)
wpt_tcpd_wait c2 60
wpt_peer_wait s2 10
wpt_log "us -> Linux: $BYTES in $(($(wpt_now_ms) - t0)) ms"
wpt_check_sha c2 sha_out s2 sha_in
wpt_check_our_rst c2

wpt_tcpd_start s3 --listen 5003 --mode echo --exit-after-conns "$CONNS" --max-conns 4096 \
	$TW --timeout-s 60
wpt_tap_attach s3
t0=$(wpt_now_ms)
wpt_peer c3 --connect "$WPT_IP_APP:5003" --mode rr --bytes 4096 --rr-size 1024 \
	--conns "$CONNS" --barrier --timeout-s 60
wpt_tcpd_wait s3 60
wpt_log "$CONNS Linux clients -> our echo: $(($(wpt_now_ms) - t0)) ms"
grep -q "^summary conns=$CONNS ok=$CONNS bad=0 " "$WPT_TMP/s3.out" || wpt_fail "s3: not $CONNS ok"
wpt_check_our_rst s3
wpt_nstat_snap "$WPT_TMP/n1"
wpt_check_no_rst "$WPT_TMP/n0" "$WPT_TMP/n1"
wpt_check_peer_sockets 5003 "$CONNS"
echo "tcp tap: ok"
