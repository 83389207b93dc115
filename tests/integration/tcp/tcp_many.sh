#!/usr/bin/env bash
# tcp many: 10,000 concurrent connections each way, each one carrying
# request/response traffic with every byte checked (rr client, echo server:
# --bytes in --rr-size requests, each echo checked before the next request).
# --barrier: nobody sends before all 10,000 are connected, so they really
# are open at the same time.
#   1. Linux client (10,000 connects) -> our echo listener
#   2. our client (10,000 connects) -> Linux echo server
# All must close with FIN: no RST on either side (our counters, the peer
# kernel's TcpOutRsts/TcpEstabResets/TcpExtTCPAbortOn*; the one exception,
# checked packet by packet in the capture by rst_audit.py: our RST to a
# peer FIN retransmission that arrives after the connection has closed
# cleanly, which veth's per-CPU delivery makes possible), nothing left:
# in case 1 the Linux client closes first and holds the 10,000 TIME-WAITs,
# we end in LAST_ACK -> CLOSED; in case 2 we close first and hold
# TIME_WAIT (--time-wait-ms), the peer namespace has no socket left at all;
# wp_tcpd's flow table is empty when it exits (flows_left=0).
# usage: tcp_many.sh af_packet|af_xdp WP_TCPD LINUX_PEER [CONNS [BYTES]]
# (also used by tcp_loss.sh through WPT_MANY_* variables)
. "$(dirname "$0")/lib.sh"
wpt_init "$@"
CONNS=${4:-10000}
BYTES=${5:-4096}
wpt_topology_up
wpt_capture_start
TCPD_OPTS="--max-connecting 256 --max-conns 40000 --time-wait-ms 500 --mbufs 131071 --rr-size 1024 --timeout-s 90"

wpt_nstat_snap "$WPT_TMP/n0"
t0=$(wpt_now_ms)
wpt_tcpd_start srv1 --listen 6001 --mode echo --exit-after-conns "$CONNS" $TCPD_OPTS
wpt_peer cli1 --connect "$WPT_IP_APP:6001" --mode rr --bytes "$BYTES" --rr-size 1024 \
	--conns "$CONNS" --barrier --timeout-s 90
wpt_tcpd_wait srv1 60
wpt_log "1. $CONNS Linux clients -> our echo: $(($(wpt_now_ms) - t0)) ms"
grep -q "^summary conns=$CONNS ok=$CONNS bad=0 " "$WPT_TMP/srv1.out" || wpt_fail "srv1: not $CONNS ok"
v=$(wpt_stat srv1 tcp_rst_recv); [ "${v:-x}" = 0 ] || wpt_fail "srv1: tcp_rst_recv=$v, want 0"
wpt_nstat_snap "$WPT_TMP/n1"
wpt_check_no_rst "$WPT_TMP/n0" "$WPT_TMP/n1"
# RSTs we sent: only late ones (a peer FIN retransmitted by its tail loss
# probe reaching us after our LAST_ACK -> CLOSED). Their sequence number is
# the late segment's old ACK, below what the peer's TIME-WAIT expects, so
# the peer ignores them and keeps all its TIME-WAITs.
wpt_check_rsts 6001
v=$(wpt_stat srv1 tcp_rst_sent)
[ "${v:-x}" = "${WPT_LATE_RSTS:-y}" ] || wpt_fail "srv1: tcp_rst_sent=$v but $WPT_LATE_RSTS RSTs on the wire"
wpt_check_peer_sockets 6001 "$CONNS"
echo "  our syncookies: sent=$(wpt_stat srv1 tcp_syncookies_sent) ok=$(wpt_stat srv1 tcp_syncookies_ok), peak flows $(wpt_stat srv1 peak_flows)"

t0=$(wpt_now_ms)
wpt_peer_bg srv2 --listen 6002 --mode echo --exit-after-conns "$CONNS" --timeout-s 90
wpt_tcpd_start cli2 --connect "$WPT_IP_PEER:6002" --mode rr --bytes "$BYTES" \
	--conns "$CONNS" --barrier $TCPD_OPTS
wpt_tcpd_wait cli2 90
wpt_peer_wait srv2 10
wpt_log "2. our $CONNS clients -> Linux echo: $(($(wpt_now_ms) - t0)) ms"
grep -q "^summary conns=$CONNS ok=$CONNS bad=0 " "$WPT_TMP/cli2.out" || wpt_fail "cli2: not $CONNS ok"
# The mirror of case 1: Linux may answer with RST a late duplicate of ours
# (our re-ACK of its retransmitted FIN, reordered by veth) that reaches it
# after its LAST_ACK -> CLOSED. rst_audit.py fails any RST that cuts a live
# connection; the late ones must match our and the kernel's counters.
wpt_nstat_snap "$WPT_TMP/n2"
wpt_check_rsts 6002
v=$(wpt_stat cli2 tcp_rst_sent); [ "${v:-x}" = 0 ] || wpt_fail "cli2: tcp_rst_sent=$v, want 0"
v=$(wpt_stat cli2 tcp_rst_recv)
[ "${v:-x}" = "${WPT_LATE_RSTS:-y}" ] || wpt_fail "cli2: tcp_rst_recv=$v but $WPT_LATE_RSTS late RSTs on the wire"
wpt_check_no_rst "$WPT_TMP/n1" "$WPT_TMP/n2" "$WPT_LATE_RSTS"
wpt_check_peer_sockets 6002 0
wpt_capture_stop
echo "tcp many ($WPT_TRANSPORT): ok"
