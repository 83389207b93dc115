#!/usr/bin/env bash
# tcp bulk: 64 MiB each way between our stack and Linux, every byte checked
# at its offset on arrival and SHA-256 of what arrived equal to SHA-256 of
# what was sent (per connection, compared here across the two programs).
#   1. Linux client -> our listener (sink)
#   2. our client -> Linux server (sink)
#   3. both directions at once (duplex, Linux client -> our listener)
# Each ends with FIN both ways: no RST on either side (our counters and
# the peer kernel's nstat), no checksum errors seen by the peer kernel, no
# socket left in the peer namespace but TIME-WAIT, and wp_tcpd's own checks
# (flows, mbufs, mempool).
# usage: tcp_bulk.sh af_packet|af_xdp WP_TCPD LINUX_PEER [BYTES]
. "$(dirname "$0")/lib.sh"
wpt_init "$@"
BYTES=${4:-64M}
wpt_topology_up
wpt_capture_start
TW="--time-wait-ms 300"

# 1. Linux client -> our sink (the Linux client closes first: TIME-WAIT there)
wpt_nstat_snap "$WPT_TMP/n0"
wpt_tcpd_start srv1 --listen 5001 --mode sink --bytes "$BYTES" --exit-after-conns 1 $TW --timeout-s 60
t0=$(wpt_now_ms)
wpt_peer cli1 --connect "$WPT_IP_APP:5001" --mode source --bytes "$BYTES" --timeout-s 60
wpt_tcpd_wait srv1 60
wpt_log "1. Linux -> us: $BYTES in $(($(wpt_now_ms) - t0)) ms (with the TIME_WAIT drain)"
wpt_check_sha cli1 sha_out srv1 sha_in
wpt_check_our_rst srv1
wpt_nstat_snap "$WPT_TMP/n1"
wpt_check_no_rst "$WPT_TMP/n0" "$WPT_TMP/n1"
# the Linux client sent FIN first: its socket is in TIME-WAIT
wpt_check_peer_sockets 5001 1

# 2. our client -> Linux sink (we close first: our TIME_WAIT, then 0 flows)
wpt_peer_bg srv2 --listen 5002 --mode sink --bytes "$BYTES" --exit-after-conns 1 --timeout-s 60
wpt_tcpd_start cli2 --connect "$WPT_IP_PEER:5002" --mode source --bytes "$BYTES" $TW --timeout-s 60
wpt_tcpd_wait cli2 60
wpt_peer_wait srv2 10
wpt_check_sha cli2 sha_out srv2 sha_in
wpt_check_our_rst cli2
wpt_nstat_snap "$WPT_TMP/n2"
wpt_check_no_rst "$WPT_TMP/n1" "$WPT_TMP/n2"
# we sent FIN first: TIME_WAIT was ours (and has expired: flows_left=0)
wpt_check_peer_sockets 5002 0

# 3. both directions at once
wpt_tcpd_start srv3 --listen 5003 --mode duplex --bytes "$BYTES" --exit-after-conns 1 $TW --timeout-s 60
wpt_peer cli3 --connect "$WPT_IP_APP:5003" --mode duplex --bytes "$BYTES" --timeout-s 60
wpt_tcpd_wait srv3 60
wpt_check_sha cli3 sha_out srv3 sha_in
wpt_check_sha srv3 sha_out cli3 sha_in
wpt_check_our_rst srv3
wpt_nstat_snap "$WPT_TMP/n3"
wpt_check_no_rst "$WPT_TMP/n2" "$WPT_TMP/n3"
# both sides close after sending: whoever's FIN went first holds TIME_WAIT
s=$(wpt_peer_sockets 5003); echo "  peer sockets of port 5003: $s"
case "$s" in "left=0 timewait="[01]) ;; *) wpt_fail "peer namespace, port 5003: $s" ;; esac
wpt_capture_stop
echo "tcp bulk ($WPT_TRANSPORT): ok"
