#!/usr/bin/env bash
# xdp_afxdp.sh: warmpool's XDP program under DPDK's net_af_xdp, end to end.
#
#   usage: xdp_afxdp.sh XDP_SINK
#
#   netns wpx-app-$$                             netns wpx-peer-$$
#   xdp_sink (DPDK, appliance 198.18.7.1) on      Linux: ping, hping3
#   wpx-a-$$, Linux address 198.18.7.3 on the  == wpx-p-$$ 198.18.7.2/24
#   same end (the kernel's)
#
# xdp_sink prepares the interface, starts net_af_xdp with xdp_prog= our
# object, adopts the program and configures it (see xdp_sink.c). Then the
# peer sends, and this script checks:
#   - appliance traffic reaches DPDK: pings to 198.18.7.1 are answered by
#     xdp_sink (ARP and ICMP through the socket), 40 TCP SYNs to port 80
#     and 40 to port 40100 (hping3, one source port each) arrive in DPDK
#     with their owner mark agreeing with rte_softrss;
#   - the program's redirect counter equals the frames DPDK received, its
#     non_owner counter the frames whose owner is not worker 0;
#   - other traffic on the same link reaches the kernel: pings to the
#     kernel's 198.18.7.3 are answered (by Linux), SYNs to the appliance's
#     port 22 and to 198.18.7.3 go to the kernel (pass counters);
#   - after xdp_sink exits: no XDP program on wpx-a-$$, nothing pinned
#     (checked by xdp_sink after wp_xdp_close and again here, in the mount
#     namespace that held the pins), mbufs back, its own RESULT ok.
# Root and namespaces, else exit 77. Everything created is deleted by
# name on exit. ~10 s.
set -u

SINK=${1:?usage: $0 XDP_SINK}
S=$$
NS_APP=wpx-app-$S
NS_PEER=wpx-peer-$S
IF_APP=wpx-a-$S
IF_PEER=wpx-p-$S
IP_APP=198.18.7.1
IP_PEER=198.18.7.2
IP_LINUX=198.18.7.3
TMP=""
SINK_PID=""

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	[ -n "$TMP" ] && for f in "$TMP"/*; do
		[ -s "$f" ] || continue
		echo "---- $(basename "$f") ----"
		tail -n 40 "$f" | sed 's/^/  | /'
	done
	exit 1
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$SINK_PID" ]; then
		[ -n "$TMP" ] && touch "$TMP/stop"   # xdp_sink polls it (the shell around it ignores TERM)
		kill -TERM "$SINK_PID" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$SINK_PID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$SINK_PID" 2>/dev/null
		wait "$SINK_PID" 2>/dev/null
	fi
	ip netns del "$NS_APP" 2>/dev/null
	ip netns del "$NS_PEER" 2>/dev/null
	rmdir "/var/run/dpdk/wpx-$S" 2>/dev/null
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit "$rc"
}

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, veth, AF_XDP, BPF)"
[ -x "$SINK" ] || { echo "FAIL: no xdp_sink at $SINK"; exit 1; }
for t in ip ethtool ping hping3 python3 mount; do
	command -v "$t" >/dev/null 2>&1 || skip "'$t' is not installed"
done
python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW, 0).close()' 2>/dev/null ||
	skip "the kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)"
TMP=$(mktemp -d /tmp/wpx-xdp-XXXXXX)
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS_APP" 2>"$TMP/netns.err" || { NS_APP=""; skip "cannot create a network namespace: $(cat "$TMP/netns.err")"; }
ip netns add "$NS_PEER" || skip "cannot create a second network namespace"
ip link add "$IF_APP" netns "$NS_APP" type veth peer name "$IF_PEER" netns "$NS_PEER" 2>"$TMP/veth.err" ||
	skip "cannot create a veth pair: $(cat "$TMP/veth.err")"
for ns in "$NS_APP" "$NS_PEER"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "$ns" link set lo up
done
# real checksums both ways (see tests/integration/tcp/lib.sh, "Offloads")
ip netns exec "$NS_APP" ethtool -K "$IF_APP" rx off tx off tso off gso off gro off >/dev/null 2>&1
ip netns exec "$NS_PEER" ethtool -K "$IF_PEER" rx off tx off tso off gso off gro off >/dev/null 2>&1
ip -n "$NS_APP" addr add "$IP_LINUX/24" dev "$IF_APP"
ip -n "$NS_PEER" addr add "$IP_PEER/24" dev "$IF_PEER"
ip -n "$NS_APP" link set "$IF_APP" up
ip -n "$NS_PEER" link set "$IF_PEER" up
log "topology: $IF_APP ($IP_LINUX for Linux, $IP_APP for DPDK) in $NS_APP <-> $IF_PEER $IP_PEER in $NS_PEER"

# bpffs in xdp_sink's own mount namespace (ip netns exec makes one): the
# pins live and die with it; what is left after xdp_sink is listed there.
STOP="$TMP/stop"
ip netns exec "$NS_APP" sh -c '
	mount -t bpf bpf /sys/fs/bpf || exit 3
	find /sys/fs/bpf -mindepth 1 | sort >"$0.bpffs0"   # the preload entries (*.debug)
	"$@"; rc=$?
	find /sys/fs/bpf -mindepth 1 | sort | comm -13 "$0.bpffs0" - | sed "s/^/left in bpffs: /"
	exit $rc' "$TMP/sink" "$SINK" -l "$(($(nproc) - 1))" --no-pci --no-telemetry -m 256 \
	--file-prefix "wpx-$S" --log-level=notice -- \
	--iface "$IF_APP" --ip "$IP_APP" --stop-file "$STOP" --seconds 60 \
	>"$TMP/sink.out" 2>"$TMP/sink.err" &
SINK_PID=$!
for i in $(seq 1 300); do
	grep -q '^ready' "$TMP/sink.out" 2>/dev/null && break
	kill -0 "$SINK_PID" 2>/dev/null || fail "xdp_sink exited during start-up"
	[ "$i" -lt 300 ] || fail "xdp_sink not ready after 30 s"
	sleep 0.1
done
log "xdp_sink: $(grep '^ready' "$TMP/sink.out")"
ip -n "$NS_APP" link show "$IF_APP" | grep -q 'prog/xdp' || fail "no XDP program on $IF_APP while xdp_sink runs"

peer() { ip netns exec "$NS_PEER" "$@"; }
peer ping -c 3 -i 0.2 -W 2 "$IP_APP" >"$TMP/ping_app.out" 2>&1 || fail "ping to the appliance ($IP_APP) through DPDK failed"
peer ping -c 3 -i 0.2 -W 2 "$IP_LINUX" >"$TMP/ping_linux.out" 2>&1 || fail "ping to Linux ($IP_LINUX) on the same link failed"
log "pings answered: $IP_APP by xdp_sink, $IP_LINUX by Linux"
# hping3: -S SYN, source port incremented per packet (a new flow each)
peer hping3 -q -S -p 80 -s 20000 -c 40 -i u2000 "$IP_APP" >"$TMP/hping_80.out" 2>&1
peer hping3 -q -S -p 40100 -s 21000 -c 40 -i u2000 "$IP_APP" >"$TMP/hping_40100.out" 2>&1
peer hping3 -q -S -p 22 -s 22000 -c 10 -i u2000 "$IP_APP" >"$TMP/hping_22.out" 2>&1
peer hping3 -q -S -p 80 -s 23000 -c 10 -i u2000 "$IP_LINUX" >"$TMP/hping_linux.out" 2>&1
sleep 0.5
touch "$STOP"
wait "$SINK_PID"
SINK_RC=$?
SINK_PID=""
grep -E '^(stat|RESULT|left)' "$TMP/sink.out" | tr '\n' ' ' | fold -w 150 | sed 's/^/  xdp_sink: /'
echo

st() { sed -n "s/^stat $1=//p" "$TMP/sink.out" | tail -n 1; }
[ "$SINK_RC" -eq 0 ] || fail "xdp_sink exited $SINK_RC: $(grep '^RESULT' "$TMP/sink.out")"
! grep -q '^left in bpffs' "$TMP/sink.out" || fail "pins left in bpffs after xdp_sink"
[ "$(st after_close_attached)" = 0 ] || fail "an XDP program is still attached after close"
[ "$(st after_close_pinned)" = 0 ] || fail "pin directory left after close"
ip -n "$NS_APP" link show "$IF_APP" | grep -q 'prog/xdp' && fail "XDP program on $IF_APP after xdp_sink"

tcp=$(st tcp); frames=$(st frames); redirect=$(st xdp_redirect); rx=$(st eth_ipackets)
[ "$redirect" = "$rx" ] && [ "$rx" = "$frames" ] ||
	fail "program redirected $redirect frames, DPDK received $rx, xdp_sink saw $frames"
[ "$(st xdp_tcp)" = "$tcp" ] || fail "program counted $(st xdp_tcp) appliance TCP frames, DPDK got $tcp"
[ "$tcp" -eq 80 ] || fail "$tcp TCP frames reached DPDK, want 80 (40 to port 80, 40 to 40100)"
[ "$(st xdp_non_owner)" = "$(st non_owner)" ] || fail "non_owner: program $(st xdp_non_owner), sink $(st non_owner)"
[ "$(st non_owner)" -gt 0 ] && [ "$(st owner0)" -gt 0 ] || fail "owners not spread (owner0=$(st owner0) non_owner=$(st non_owner))"
[ "$(st owner_mismatch)" = 0 ] || fail "marks disagree with rte_softrss"
[ "$(st icmp_replied)" -ge 3 ] && [ "$(st xdp_icmp)" -ge 3 ] || fail "ICMP echo to the appliance not seen 3 times"
[ "$(st arp_replied)" -ge 1 ] && [ "$(st xdp_arp)" -ge 1 ] || fail "no ARP request for the appliance in DPDK"
[ "$(st xdp_pass_other_port)" -ge 10 ] || fail "SYNs to the appliance's port 22 did not go to the kernel"
# to Linux: 3 echo requests + 10 SYNs + ARP and the replies' ACK/RST-side frames
[ "$(st xdp_pass_other_addr)" -ge 13 ] || fail "traffic to $IP_LINUX did not go to the kernel ($(st xdp_pass_other_addr))"
[ "$(st xdp_no_socket)" = 0 ] || fail "frames without a socket on queue 0"
rx_all=$(st xdp_rx)
[ "$rx_all" -eq $(( $(st xdp_redirect) + $(st xdp_pass) + $(st xdp_no_socket) )) ] ||
	fail "rx $rx_all != redirect + pass + no_socket"
log "OK: $frames frames to DPDK ($tcp TCP, $(st non_owner) marked non-owner), $(st xdp_pass) to the kernel; nothing left attached or pinned"
exit 0
