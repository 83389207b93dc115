#!/usr/bin/env bash
# tcp syn flood: hping3 floods our listener with SYNs from a second peer
# address (198.18.1.3, whose SYN-ACKs the peer namespace drops, so every
# flood SYN leaves a half-open connection that is never completed) while a
# legitimate Linux client at 198.18.1.2 opens 200 connections one after
# the other, each with 4 KiB of checked request/response traffic.
# Documented outcome: the half-open backlog fills (syn_backlog), SYN
# cookies answer the rest (tcp_syncookies_sent > 0), every legitimate
# connect succeeds (by a cookie when the backlog is full:
# tcp_syncookies_ok > 0), the flow table never holds more than the backlog
# plus the legitimate connections, and once the flood stops the half-open
# entries expire (SYN-ACK retries) and no flow is left.
# usage: tcp_synflood.sh af_packet|af_xdp WP_TCPD LINUX_PEER
. "$(dirname "$0")/lib.sh"
wpt_init "$@"
command -v hping3 >/dev/null 2>&1 || wpt_skip "hping3 is not installed"
wpt_topology_up
BACKLOG=256
LEGIT=200
ip -n "$WPT_NS_PEER" addr add "$WPT_IP_FLOOD/$WPT_PREFIX" dev "$WPT_IF_PEER"
ip netns exec "$WPT_NS_PEER" nft -f - <<EOF2 || wpt_fail "nft rules"
table inet wpt_flood {
	chain in {
		type filter hook input priority -10; policy accept;
		ip saddr $WPT_IP_APP ip daddr $WPT_IP_FLOOD counter drop
	}
}
EOF2

wpt_nstat_snap "$WPT_TMP/n0"
wpt_tcpd_start srv --listen 8001 --mode echo --exit-after-conns "$LEGIT" --syn-backlog $BACKLOG \
	--rto-min-ms 200 --rto-initial-ms 200 --syn-retries 2 --time-wait-ms 1000 --timeout-s 90
ip netns exec "$WPT_NS_PEER" hping3 -S -p 8001 -a "$WPT_IP_FLOOD" -i u50 -q "$WPT_IP_APP" \
	>"$WPT_TMP/hping.out" 2>&1 &
HPID=$!
WPT_PIDS="$WPT_PIDS $HPID"
sleep 1.5
kill -0 "$HPID" 2>/dev/null || wpt_fail "hping3 did not start: $(cat "$WPT_TMP/hping.out")"
wpt_log "flood running; legitimate client starts"
t0=$(wpt_now_ms)
wpt_peer cli --connect "$WPT_IP_APP:8001" --bind "$WPT_IP_PEER" --mode rr --bytes 4096 \
	--conns 1 --total "$LEGIT" --timeout-s 60
wpt_log "$LEGIT legitimate connections under the flood in $(($(wpt_now_ms) - t0)) ms"
kill -INT "$HPID"
wait "$HPID" 2>/dev/null
WPT_PIDS=$(echo "$WPT_PIDS" | sed "s/ $HPID\b//")
grep -E "packets (transmitted|tramitted)" "$WPT_TMP/hping.out" | sed 's/^/  hping3: /'
wpt_tcpd_wait srv 30
dropped=$(ip netns exec "$WPT_NS_PEER" nft list table inet wpt_flood | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
echo "  SYN-ACKs (and RSTs) to the flood address dropped in the peer: $dropped"

sent=$(wpt_stat srv tcp_syncookies_sent)
ok=$(wpt_stat srv tcp_syncookies_ok)
peak=$(wpt_stat srv peak_flows)
echo "  our syncookies_sent=$sent syncookies_ok=$ok peak_flows=$peak passive_opens=$(wpt_stat srv tcp_passive_opens)"
[ "${sent:-0}" -gt 0 ] || wpt_fail "no SYN cookies sent: the backlog never filled?"
[ "${ok:-0}" -gt 0 ] || wpt_fail "no connection completed through a SYN cookie"
[ "${peak:-99999}" -le $((BACKLOG + 8)) ] || wpt_fail "peak flows $peak > backlog $BACKLOG + 8"
grep -q "^summary conns=$LEGIT ok=$LEGIT bad=0 " "$WPT_TMP/srv.out" || wpt_fail "srv: not $LEGIT ok"
wpt_nstat_snap "$WPT_TMP/n1"
wpt_check_no_rst "$WPT_TMP/n0" "$WPT_TMP/n1"
echo "tcp syn flood ($WPT_TRANSPORT): ok"
