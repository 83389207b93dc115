#!/usr/bin/env bash
# tcp topology ping: the topology works end to end before any TCP. From the
# peer namespace, ICMP echo to our address (ARP resolution by the peer
# kernel, our ARP reply, our echo replies with payload and checksums checked
# by icmp_ping.py). Also: our gratuitous ARP at start is on the wire, the
# peer's neighbour entry for us holds our MAC, our counters agree, and
# wp_tcpd's own checks (mbufs, mempool, flows) pass.
# usage: tcp_ping.sh af_packet|af_xdp WP_TCPD LINUX_PEER
. "$(dirname "$0")/lib.sh"
wpt_init "$@"
wpt_topology_up
wpt_capture_start

wpt_tcpd_start tcpd --listen 7 --timeout-s 60
ip netns exec "$WPT_NS_PEER" python3 "$WPT_DIR/icmp_ping.py" "$WPT_IP_APP" 8 \
	>"$WPT_TMP/ping.out" 2>&1 || { cat "$WPT_TMP/ping.out"; wpt_fail "ICMP echo"; }
sed 's/^/  /' "$WPT_TMP/ping.out"

neigh=$(ip -n "$WPT_NS_PEER" neigh show "$WPT_IP_APP" dev "$WPT_IF_PEER")
echo "  peer neighbour entry: $neigh"
echo "$neigh" | grep -qi "lladdr $WPT_MAC_APP" || wpt_fail "peer did not learn our MAC $WPT_MAC_APP by ARP"

wpt_tcpd_stop tcpd
wpt_capture_stop

v=$(wpt_stat tcpd icmp_echo_replies)
[ "${v:-0}" -eq 8 ] || wpt_fail "icmp_echo_replies=$v, want 8"
v=$(wpt_stat tcpd arp_replies_sent)
[ "${v:-0}" -ge 1 ] || wpt_fail "arp_replies_sent=$v, want >= 1"
# our gratuitous ARP: an ARP from our MAC announcing our own address
tcpdump -nn -e -r "$WPT_TMP/peer.pcap" arp 2>/dev/null >"$WPT_TMP/arp.txt"
sed 's/^/  pcap: /' "$WPT_TMP/arp.txt" | head -n 6
grep -i "^.\{16\}$WPT_MAC_APP" "$WPT_TMP/arp.txt" |
	grep -Eq "(who-has $WPT_IP_APP tell $WPT_IP_APP|Reply $WPT_IP_APP is-at)" ||
	wpt_fail "no gratuitous ARP from $WPT_MAC_APP for $WPT_IP_APP in the capture"
echo "tcp topology ping ($WPT_TRANSPORT): ok"
