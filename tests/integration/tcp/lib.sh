# shellcheck shell=bash
# lib.sh: topology and helpers for the TCP integration tests (DESIGN.md
# section 8). Sourced by the scenario scripts, which are run by meson as
#   SCRIPT TRANSPORT WP_TCPD LINUX_PEER      (TRANSPORT: af_packet | af_xdp)
#
# Topology, all of it created here and deleted by name on exit:
#
#   netns wpt-app-$S                         netns wpt-peer-$S
#   wp_tcpd (DPDK, 198.18.1.1/24) on         Linux TCP (linux_peer, hping3,
#   wpt-a-$S  ======== veth ========         python) on wpt-p-$S 198.18.1.2/24
#                                            (+ 198.18.1.3/24 for SYN floods)
#
# $S is this shell's pid, so parallel runs cannot collide (interface names
# stay within 15 characters). The kernel side of wpt-a-$S has no address:
# with net_af_packet the app namespace's kernel sees a copy of every frame
# but has nothing to answer with; with net_af_xdp the XDP program steals
# the frames before the kernel.
#
# Offloads. A userspace stack sees frames exactly as they are on the wire,
# and veth skips checksums by default: with tx-checksumming on, the peer
# sends TCP segments with only the pseudo-header sum in the checksum field
# (CHECKSUM_PARTIAL, fixed up "later" by hardware that does not exist), so
# our stack would drop every segment as a bad checksum; with TSO/GSO on it
# sends 64 KiB super-frames that no PMD ring slot holds. With rx-checksumming
# on, veth marks our frames CHECKSUM_UNNECESSARY and the peer kernel never
# verifies the checksums we compute. So both ends get
#   ethtool -K IF rx off tx off tso off gso off gro off
# which makes the peer compute real checksums, cut real MSS-sized segments,
# and verify ours (a bad one shows up as TcpInCsumErrors in nstat).
#
# net_af_xdp on veth (kernel 6.x, libxdp 1.3, DPDK 22.11, seen here): the
# PMD attaches libxdp's default program to wpt-a in native (driver) mode,
# which veth supports; there is no bpffs in this sandbox, so libxdp prints
# "No bpffs found" and loads the program without its dispatcher, which is
# fine for one socket. veth has no AF_XDP zero-copy, so the socket runs in
# copy mode (the PMD's umem still sits on our mempool). The peer end must
# be up, or veth drops what we transmit; no XDP program is needed on the
# peer end for this direction (only XDP_REDIRECT *into* a veth needs one).
# One queue: start_queue=0,queue_count=1. The PMD posts 2048 mbufs of our
# pool to the fill ring at queue set-up and never returns them (see the
# mempool check in wp_tcpd.c).
#
# Skips: not root, no network namespaces or veth, a missing tool, no
# AF_XDP in the kernel, no /dev/net/tun for net_tap: the script prints why and exits 77, which meson
# reports as SKIP (never as a pass).

set -u

WPT_IP_APP=198.18.1.1
WPT_IP_PEER=198.18.1.2
WPT_IP_FLOOD=198.18.1.3
WPT_PREFIX=24

wpt_log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*"; }

wpt_now_ms() { echo $(($(date +%s%N) / 1000000)); }

wpt_skip() {
	echo "SKIP: $*"
	exit 77
}

# Print everything that helps to understand a failure, keep the work
# directory (logs, pcap) and exit 1.
wpt_fail() {
	echo "FAIL: $*"
	wpt_capture_stop
	wpt_dump_logs
	WPT_KEEP=1
	exit 1
}

wpt_dump_logs() {
	local f
	[ -n "${WPT_TMP:-}" ] || return 0
	for f in "$WPT_TMP"/*.out; do
		[ -s "$f" ] || continue
		echo "---- $(basename "$f") (connection lines that passed and counters left out) ----"
		grep -vE '^(conn .* ok$|stat |event )' "$f" | tail -n 25 | sed 's/^/  | /'
	done
	for f in "$WPT_TMP"/*.err; do
		[ -s "$f" ] || continue
		echo "---- $(basename "$f") (last 6 lines) ----"
		tail -n 6 "$f" | cut -c1-300 | sed 's/^/  | /'
	done
	if [ -s "$WPT_TMP/n0" ] && [ -n "${WPT_NS_PEER:-}" ]; then
		echo "---- peer kernel counters that moved since the start ----"
		wpt_nstat_snap "$WPT_TMP/nfail"
		awk 'NR == FNR { b[$1] = $2; next } ($2 - b[$1]) != 0 && $1 ~ /^(Tcp|TcpExt|Ip)/ {
			printf "%s=+%d ", $1, $2 - b[$1] } END { print "" }' \
			"$WPT_TMP/n0" "$WPT_TMP/nfail" | fold -w 160 | sed 's/^/  | /'
	fi
	if [ -s "$WPT_TMP/peer.pcap" ]; then
		echo "---- peer.pcap (last 25 packets; the file is kept) ----"
		tcpdump -nn -r "$WPT_TMP/peer.pcap" 2>/dev/null | tail -n 25 | cut -c1-200 | sed 's/^/  | /'
	fi
}

# Background processes we started, killed by pid on exit.
WPT_PIDS=""

wpt_cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in $WPT_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $WPT_PIDS; do
		# give wp_tcpd its teardown, then insist
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${WPT_NS_APP:-}" ] && ip netns del "$WPT_NS_APP" 2>/dev/null
	[ -n "${WPT_NS_PEER:-}" ] && ip netns del "$WPT_NS_PEER" 2>/dev/null
	[ -n "${WPT_NS_MID:-}" ] && ip netns del "$WPT_NS_MID" 2>/dev/null
	for p in ${WPT_PREFIXES:-}; do
		for d in /var/run/dpdk "${XDG_RUNTIME_DIR:-/tmp}/dpdk" /tmp/dpdk; do
			rmdir "$d/$p" 2>/dev/null
		done
	done
	if [ -n "${WPT_TMP:-}" ] && [ -d "$WPT_TMP" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ "${WPT_KEEP:-0}" = 1 ]; then
			echo "logs and captures kept in $WPT_TMP"
		else
			rm -rf "$WPT_TMP"
		fi
	fi
	exit "$rc"
}

# wpt_init TRANSPORT WP_TCPD LINUX_PEER: check what we need (skip if it
# is missing), set names, install the cleanup trap.
wpt_init() {
	WPT_TRANSPORT=${1:?usage: $0 af_packet|af_xdp|tap WP_TCPD LINUX_PEER}
	WPT_TCPD=${2:?usage: $0 af_packet|af_xdp|tap WP_TCPD LINUX_PEER}
	WPT_PEER=${3:?usage: $0 af_packet|af_xdp|tap WP_TCPD LINUX_PEER}
	WPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	case "$WPT_TRANSPORT" in
	af_packet|af_xdp|tap) ;;
	*) echo "unknown transport '$WPT_TRANSPORT'"; exit 2 ;;
	esac
	[ -x "$WPT_TCPD" ] || { echo "FAIL: no wp_tcpd at $WPT_TCPD"; exit 1; }
	[ -x "$WPT_PEER" ] || { echo "FAIL: no linux_peer at $WPT_PEER"; exit 1; }

	[ "$(id -u)" -eq 0 ] || wpt_skip "needs root (network namespaces, veth, DPDK vdevs)"
	local t
	for t in ip ethtool tcpdump nstat ss python3 nft; do
		command -v "$t" >/dev/null 2>&1 || wpt_skip "'$t' is not installed"
	done

	WPT_S=$$
	WPT_NS_APP=wpt-app-$WPT_S
	WPT_NS_PEER=wpt-peer-$WPT_S
	WPT_IF_APP=wpt-a-$WPT_S
	WPT_IF_PEER=wpt-p-$WPT_S
	[ "$WPT_TRANSPORT" = tap ] && WPT_IF_APP=wpt-t-$WPT_S && WPT_IF_PEER=$WPT_IF_APP
	WPT_TMP=$(mktemp -d /tmp/wpt-tcp-XXXXXX)
	WPT_PREFIXES=""
	WPT_NTCPD=0
	trap wpt_cleanup EXIT
	trap 'exit 1' INT TERM

	if ! ip netns add "$WPT_NS_APP" 2>"$WPT_TMP/netns.err"; then
		WPT_NS_APP=""
		wpt_skip "cannot create a network namespace: $(cat "$WPT_TMP/netns.err")"
	fi
	if [ "$WPT_TRANSPORT" = af_xdp ] &&
	   ! python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW, 0).close()' 2>/dev/null; then
		wpt_skip "the kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)"
	fi
	if [ "$WPT_TRANSPORT" = tap ] && [ ! -c /dev/net/tun ]; then
		wpt_skip "no /dev/net/tun (net_tap needs the tun driver)"
	fi
	# CPUs: wp_tcpd busy-polls the last one, Linux gets the rest
	WPT_NCPU=$(nproc)
	WPT_TCPD_CPU=$((WPT_NCPU - 1))
	wpt_log "test $(basename "$0") on $WPT_TRANSPORT, names *-$WPT_S, work dir $WPT_TMP"
}

# Build the two namespaces and the veth between them. With WPT_MIDBOX=1
# the veth is cut in two by a bridge in a third namespace (wpt-mid-$S):
#   wpt-a-$S == wpt-m1-$S [bridge wpt-br-$S] wpt-m2-$S == wpt-p-$S
# which is where wpt_loss drops frames. Loss must look like loss on the
# wire to both ends: an nft drop in the peer's own OUTPUT hook is not that,
# the Linux sender gets -EPERM back from ip_local_out, and a request socket
# whose SYN-ACK retransmission fails that way is thrown away without a
# trace (reqsk_timer_handler), so a lost handshake ACK plus a "lost"
# SYN-ACK retransmission (0.25% of connections at 5% loss) left our client
# established and the peer without the connection: RST on the first data.
# Drops in the bridge's forward hook are invisible to both ends.
wpt_topology_up() {
	local ns i
	ip netns add "$WPT_NS_PEER" || wpt_skip "cannot create a second network namespace"
	if [ "${WPT_MIDBOX:-0}" = 1 ]; then
		WPT_NS_MID=wpt-mid-$WPT_S
		ip netns add "$WPT_NS_MID" || wpt_skip "cannot create a third network namespace"
		ip netns exec "$WPT_NS_MID" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		ip link add "$WPT_IF_APP" netns "$WPT_NS_APP" type veth \
			peer name "wpt-m1-$WPT_S" netns "$WPT_NS_MID" 2>"$WPT_TMP/veth.err" ||
			wpt_skip "cannot create a veth pair: $(cat "$WPT_TMP/veth.err")"
		ip link add "wpt-m2-$WPT_S" netns "$WPT_NS_MID" type veth \
			peer name "$WPT_IF_PEER" netns "$WPT_NS_PEER" ||
			wpt_skip "cannot create a veth pair"
		ip -n "$WPT_NS_MID" link add "wpt-br-$WPT_S" type bridge ||
			wpt_skip "cannot create a bridge"
		for i in "wpt-m1-$WPT_S" "wpt-m2-$WPT_S"; do
			ip netns exec "$WPT_NS_MID" ethtool -K "$i" rx off tx off tso off gso off gro off \
				>/dev/null 2>&1
			ip -n "$WPT_NS_MID" link set "$i" master "wpt-br-$WPT_S" up
		done
		ip -n "$WPT_NS_MID" link set "wpt-br-$WPT_S" up
	elif ! ip link add "$WPT_IF_APP" netns "$WPT_NS_APP" type veth \
			peer name "$WPT_IF_PEER" netns "$WPT_NS_PEER" 2>"$WPT_TMP/veth.err"; then
		wpt_skip "cannot create a veth pair: $(cat "$WPT_TMP/veth.err")"
	fi
	for ns in "$WPT_NS_APP" "$WPT_NS_PEER"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		ip -n "$ns" link set lo up
	done
	ip netns exec "$WPT_NS_APP" sysctl -qw "net.ipv6.conf.$WPT_IF_APP.disable_ipv6=1"
	ip netns exec "$WPT_NS_PEER" sysctl -qw "net.ipv6.conf.$WPT_IF_PEER.disable_ipv6=1"

	ip netns exec "$WPT_NS_APP" ethtool -K "$WPT_IF_APP" rx off tx off tso off gso off gro off \
		>/dev/null 2>&1
	ip netns exec "$WPT_NS_PEER" ethtool -K "$WPT_IF_PEER" rx off tx off tso off gso off gro off \
		>/dev/null 2>&1
	for i in "$WPT_NS_APP:$WPT_IF_APP" "$WPT_NS_PEER:$WPT_IF_PEER"; do
		ip netns exec "${i%%:*}" ethtool -k "${i#*:}" |
			grep -Eq '^(tx-checksumming|rx-checksumming|tcp-segmentation-offload|generic-segmentation-offload): on' &&
			wpt_fail "could not turn the offloads off on ${i#*:}"
	done

	ip -n "$WPT_NS_PEER" addr add "$WPT_IP_PEER/$WPT_PREFIX" dev "$WPT_IF_PEER"
	ip -n "$WPT_NS_PEER" link set "$WPT_IF_PEER" up
	ip -n "$WPT_NS_APP" link set "$WPT_IF_APP" up

	# the Linux side of "many": room for 10,000+ connections either way
	ip netns exec "$WPT_NS_PEER" sysctl -qw net.core.somaxconn=65535 \
		net.ipv4.tcp_max_syn_backlog=65535 net.ipv4.ip_local_port_range="20000 60999" \
		>/dev/null
	WPT_MAC_APP=$(ip -n "$WPT_NS_APP" -br link show "$WPT_IF_APP" | awk '{print $3}')
	wpt_log "topology up: $WPT_IF_APP ($WPT_MAC_APP) in $WPT_NS_APP <-> $WPT_IF_PEER $WPT_IP_PEER in $WPT_NS_PEER"
}

# net_tap (DESIGN.md section 8, the multi-queue topology; one queue here):
# there is no veth. wp_tcpd creates the tap interface in the app namespace
# when it starts, and wpt_tap_attach moves it into the peer namespace, so
# the peer's kernel talks straight to the PMD through the tun device. The
# tap lives as long as wp_tcpd holds it: each wp_tcpd gets its own, and
# every phase of a test starts with wpt_tcpd_start + wpt_tap_attach.
wpt_tap_topology_up() {
	ip netns add "$WPT_NS_PEER" || wpt_skip "cannot create a second network namespace"
	for ns in "$WPT_NS_APP" "$WPT_NS_PEER"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		ip -n "$ns" link set lo up
	done
	ip netns exec "$WPT_NS_PEER" sysctl -qw net.core.somaxconn=65535 \
		net.ipv4.tcp_max_syn_backlog=65535 net.ipv4.ip_local_port_range="20000 60999" \
		>/dev/null
}

# wpt_tap_attach: after wpt_tcpd_start, give its tap to the peer namespace
# (offloads off as for veth: real checksums, MSS-sized segments), address
# it, bring it up; our MAC is the PMD's, from wp_tcpd's ready line.
wpt_tap_attach() {
	local name=$1
	ip -n "$WPT_NS_APP" link set "$WPT_IF_PEER" netns "$WPT_NS_PEER" ||
		wpt_fail "cannot move $WPT_IF_PEER into $WPT_NS_PEER"
	ip netns exec "$WPT_NS_PEER" sysctl -qw "net.ipv6.conf.$WPT_IF_PEER.disable_ipv6=1"
	ip netns exec "$WPT_NS_PEER" ethtool -K "$WPT_IF_PEER" rx off tx off tso off gso off gro off \
		>/dev/null 2>&1
	ip netns exec "$WPT_NS_PEER" ethtool -k "$WPT_IF_PEER" |
		grep -Eq '^(tx-checksumming|tcp-segmentation-offload|generic-segmentation-offload): on' &&
		wpt_fail "could not turn the offloads off on $WPT_IF_PEER"
	# the PMD gives the kernel side of the tap its own MAC; a wire with
	# the same address at both ends is no wire (our ARP drops a sender
	# claiming our MAC): the peer's end gets a MAC of its own
	ip -n "$WPT_NS_PEER" link set "$WPT_IF_PEER" address 02:77:70:74:00:02
	ip -n "$WPT_NS_PEER" addr add "$WPT_IP_PEER/$WPT_PREFIX" dev "$WPT_IF_PEER"
	ip -n "$WPT_NS_PEER" link set "$WPT_IF_PEER" up
	WPT_MAC_APP=$(sed -n 's/^ready .*mac=\([0-9a-f:]*\).*/\1/p' "$WPT_TMP/$name.out")
	wpt_log "tap $WPT_IF_PEER of wp_tcpd $name now in $WPT_NS_PEER ($WPT_IP_PEER), our MAC $WPT_MAC_APP"
}

wpt_vdev() {
	case "$WPT_TRANSPORT" in
	tap) echo "net_tap0,iface=$WPT_IF_APP" ;;
	af_packet) echo "net_af_packet0,iface=$WPT_IF_APP,framecnt=${WPT_AFP_FRAMES:-4096}" ;;
	af_xdp) echo "net_af_xdp0,iface=$WPT_IF_APP,start_queue=0,queue_count=1" ;;
	esac
}

# wpt_tcpd_start NAME ARGS...: start wp_tcpd in the app namespace with the
# transport's vdev; wait for its "ready" line. $WPT_TCPD_PID is its pid.
wpt_tcpd_start() {
	local name=$1 prefix i
	shift
	WPT_NTCPD=$((WPT_NTCPD + 1))
	prefix="wpt-$WPT_S-$WPT_NTCPD"
	WPT_PREFIXES="$WPT_PREFIXES $prefix"
	ip netns exec "$WPT_NS_APP" "$WPT_TCPD" -l "$WPT_TCPD_CPU" --no-pci --no-telemetry \
		--in-memory -m "${WPT_TCPD_MEM:-1024}" --file-prefix "$prefix" \
		--log-level="${WPT_LOG_LEVEL:-notice}" --vdev "$(wpt_vdev)" -- \
		--ip "$WPT_IP_APP/$WPT_PREFIX" "$@" \
		>"$WPT_TMP/$name.out" 2>"$WPT_TMP/$name.err" &
	WPT_TCPD_PID=$!
	WPT_PIDS="$WPT_PIDS $WPT_TCPD_PID"
	i=0
	until grep -q '^ready' "$WPT_TMP/$name.out" 2>/dev/null; do
		if ! kill -0 "$WPT_TCPD_PID" 2>/dev/null; then
			wait "$WPT_TCPD_PID"
			wpt_fail "wp_tcpd ($name) exited during start-up (status $?)"
		fi
		i=$((i + 1))
		[ "$i" -le 300 ] || wpt_fail "wp_tcpd ($name) not ready after 30 s"
		sleep 0.1
	done
	wpt_log "wp_tcpd $name: $(grep '^ready' "$WPT_TMP/$name.out")"
}

# wpt_tcpd_wait NAME TIMEOUT_S: wait for wp_tcpd to exit by itself, show
# its verdict; fail unless it exited 0 (which covers its own checks:
# connections, flows left, mbufs, mempool).
wpt_tcpd_wait() {
	local name=$1 limit=$2 i=0 rc
	while kill -0 "$WPT_TCPD_PID" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt $((limit * 10)) ]; then
			kill -TERM "$WPT_TCPD_PID"
			sleep 2
			wpt_fail "wp_tcpd ($name) still running after ${limit} s"
		fi
		sleep 0.1
	done
	wait "$WPT_TCPD_PID"
	rc=$?
	WPT_PIDS=$(echo "$WPT_PIDS" | sed "s/ $WPT_TCPD_PID\b//")
	grep -E '^(summary|flows_left|stack_mbufs|mempool|close_reasons|drop |port |RESULT)' \
		"$WPT_TMP/$name.out" | sed "s/^/  wp_tcpd $name: /"
	[ "$rc" -eq 0 ] || wpt_fail "wp_tcpd ($name) exited $rc: $(grep '^RESULT' "$WPT_TMP/$name.out")"
}

# wpt_tcpd_stop NAME: SIGTERM (for servers without --exit-after-conns)
wpt_tcpd_stop() {
	kill -TERM "$WPT_TCPD_PID" 2>/dev/null
	wpt_tcpd_wait "$1" 30
}

# wpt_stat NAME STAT: a "stat NAME=VALUE" counter printed by wp_tcpd
wpt_stat() {
	sed -n "s/^stat $2=//p" "$WPT_TMP/$1.out" | tail -n 1
}

# wpt_drop NAME REASON: a drop counter (0 if not printed)
wpt_drop() {
	local v
	v=$(sed -n "s/^drop $2=//p" "$WPT_TMP/$1.out" | tail -n 1)
	echo "${v:-0}"
}

# wpt_peer NAME ARGS...: run linux_peer in the peer namespace, in the
# foreground; fail if it does not exit 0.
wpt_peer() {
	local name=$1 rc
	shift
	ip netns exec "$WPT_NS_PEER" "$WPT_PEER" "$@" >"$WPT_TMP/$name.out" 2>"$WPT_TMP/$name.err"
	rc=$?
	grep '^summary' "$WPT_TMP/$name.out" | sed "s/^/  linux_peer $name: /"
	[ "$rc" -eq 0 ] || wpt_fail "linux_peer ($name) exited $rc"
}

# wpt_peer_bg NAME ARGS...: the same in the background ($WPT_PEER_PID);
# waits for "ready" (servers listen before it is printed).
wpt_peer_bg() {
	local name=$1 i=0
	shift
	ip netns exec "$WPT_NS_PEER" "$WPT_PEER" "$@" >"$WPT_TMP/$name.out" 2>"$WPT_TMP/$name.err" &
	WPT_PEER_PID=$!
	WPT_PIDS="$WPT_PIDS $WPT_PEER_PID"
	until grep -q '^ready' "$WPT_TMP/$name.out" 2>/dev/null; do
		kill -0 "$WPT_PEER_PID" 2>/dev/null || break
		i=$((i + 1))
		[ "$i" -le 100 ] || wpt_fail "linux_peer ($name) not ready after 10 s"
		sleep 0.1
	done
}

# wpt_peer_wait NAME TIMEOUT_S [EXPECTED_RC]
wpt_peer_wait() {
	local name=$1 limit=$2 want=${3:-0} i=0 rc
	while kill -0 "$WPT_PEER_PID" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt $((limit * 10)) ]; then
			kill -TERM "$WPT_PEER_PID"
			wpt_fail "linux_peer ($name) still running after ${limit} s"
		fi
		sleep 0.1
	done
	wait "$WPT_PEER_PID"
	rc=$?
	WPT_PIDS=$(echo "$WPT_PIDS" | sed "s/ $WPT_PEER_PID\b//")
	grep '^summary' "$WPT_TMP/$name.out" | sed "s/^/  linux_peer $name: /"
	[ "$rc" -eq "$want" ] || wpt_fail "linux_peer ($name) exited $rc, want $want"
}

# wpt_sha NAME PORT FIELD: sha_in/sha_out of one connection line
wpt_sha() {
	awk -v p="port=$2" -v f="$3=" '$1 == "conn" && $2 == p {
		for (i = 1; i <= NF; i++) if (index($i, f) == 1) print substr($i, length(f) + 1) }' \
		"$WPT_TMP/$1.out" | tail -n 1
}

# wpt_ports NAME: client ports of the connection lines
wpt_ports() {
	awk '$1 == "conn" { sub("port=", "", $2); print $2 }' "$WPT_TMP/$1.out"
}

# wpt_check_sha SENDER FIELD_OUT RECEIVER FIELD_IN: for every connection,
# the SHA-256 one side sent equals what the other received.
wpt_check_sha() {
	local snd=$1 fo=$2 rcv=$3 fi=$4 p a b n=0
	for p in $(wpt_ports "$snd"); do
		a=$(wpt_sha "$snd" "$p" "$fo")
		b=$(wpt_sha "$rcv" "$p" "$fi")
		[ -n "$a" ] && [ "$a" = "$b" ] ||
			wpt_fail "SHA-256 mismatch on port $p: $snd $fo=$a, $rcv $fi=${b:-none}"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || wpt_fail "no connection lines to compare SHA-256"
	wpt_log "SHA-256 equal on $n connection(s) ($snd $fo = $rcv $fi)"
}

# wpt_check_our_rst NAME: our stack sent and received no RST
wpt_check_our_rst() {
	local a b
	a=$(wpt_stat "$1" tcp_rst_sent)
	b=$(wpt_stat "$1" tcp_rst_recv)
	[ "${a:-x}" = 0 ] && [ "${b:-x}" = 0 ] ||
		wpt_fail "our stack: tcp_rst_sent=$a tcp_rst_recv=$b, want 0 and 0"
}

# wpt_check_rsts PORT: every RST on the wire for PORT (capture running) is
# a late one, answering a duplicate of a connection already closed with
# FIN both ways (rst_audit.py explains); sets WPT_LATE_RSTS.
wpt_check_rsts() {
	local out
	sleep 0.3   # let tcpdump write the last frames
	out=$(python3 "$WPT_DIR/rst_audit.py" "$WPT_TMP/peer.pcap" "$WPT_IP_APP" "$1" 2>&1) ||
		{ echo "$out"; wpt_fail "RST cutting a live connection on port $1"; }
	WPT_LATE_RSTS=$(echo "$out" | sed -n 's/^rst late=\([0-9]*\) live=0$/\1/p')
	echo "  RSTs on port $1: ${WPT_LATE_RSTS:-?} late (after a complete FIN close), none live"
}

# ---- the peer namespace's view ----

# wpt_nstat_snap FILE: absolute TCP/IP counters of the peer namespace
wpt_nstat_snap() {
	ip netns exec "$WPT_NS_PEER" nstat -asz 2>/dev/null | awk 'NF >= 2 && $1 !~ /^#/ {print $1, $2}' >"$1"
}

# wpt_nstat_delta BEFORE AFTER NAME: growth of one counter
wpt_nstat_delta() {
	awk -v n="$3" 'NR == FNR { if ($1 == n) b = $2; next } $1 == n { a = $2 } END { print a - b }' \
		"$1" "$2"
}

# wpt_check_no_rst BEFORE AFTER: the peer kernel sent and got no RST, saw
# no bad checksum, and aborted nothing.
wpt_check_no_rst() {
	local c v bad=""
	for c in TcpOutRsts TcpEstabResets TcpInCsumErrors IpInHdrErrors TcpExtTCPAbortOnData \
	         TcpExtTCPAbortOnClose TcpExtTCPAbortOnMemory TcpExtTCPAbortOnTimeout \
	         TcpExtTCPAbortOnLinger TcpExtTCPAbortFailed; do
		v=$(wpt_nstat_delta "$1" "$2" "$c")
		# $3: late RSTs the capture audit accepted (TcpOutRsts only)
		[ "$c" = TcpOutRsts ] && v=$(( ${v:-0} - ${3:-0} ))
		[ "${v:-0}" -eq 0 ] || bad="$bad $c=+$v"
	done
	[ -z "$bad" ] || wpt_fail "peer kernel counters:$bad"
	wpt_log "peer kernel: no RSTs, no aborts, no checksum errors"
}

# wpt_peer_sockets [PORT]: TCP sockets left in the peer namespace (of
# connections to or from PORT, if given), not counting listeners and
# TIME-WAIT; prints "left=N timewait=N"
wpt_peer_sockets() {
	ip netns exec "$WPT_NS_PEER" ss -Htan | awk -v port="${1:-}" '
		port != "" { n = split($4, l, ":"); m = split($5, r, ":")
			     if (l[n] != port && r[m] != port) next }
		$1 == "TIME-WAIT" { tw++; next }
		$1 == "LISTEN" { next }
		{ left++; if (left <= 5) print "  peer socket:", $0 > "/dev/stderr" }
		END { printf "left=%d timewait=%d\n", left, tw }'
}

# wpt_check_peer_sockets PORT WANT_TIMEWAIT: nothing left but TIME-WAIT,
# and exactly WANT_TIMEWAIT of those (who closed first holds TIME_WAIT)
wpt_check_peer_sockets() {
	local s
	s=$(wpt_peer_sockets "$1")
	echo "  peer sockets of port $1: $s"
	[ "$s" = "left=0 timewait=$2" ] ||
		wpt_fail "peer namespace, port $1: $s, want left=0 timewait=$2"
}

# ---- captures and faults ----

# wpt_capture_start: tcpdump on the peer end (headers only) to peer.pcap.
# --immediate-mode: without it libpcap hands packets over a ring block at a
# time (up to 1 s late) and a SIGINT right after a short test leaves the
# file empty; -Z root: keep the file ours.
wpt_capture_start() {
	local i=0
	ip netns exec "$WPT_NS_PEER" tcpdump -i "$WPT_IF_PEER" -nn -s 128 -B 16384 -U --immediate-mode -Z root \
		-w "$WPT_TMP/peer.pcap" >"$WPT_TMP/tcpdump.log" 2>&1 &
	WPT_CAP_PID=$!
	WPT_PIDS="$WPT_PIDS $WPT_CAP_PID"
	until grep -q 'listening on' "$WPT_TMP/tcpdump.log" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 50 ] || { wpt_log "tcpdump did not start"; return 0; }
		sleep 0.1
	done
}

wpt_capture_stop() {
	[ -n "${WPT_CAP_PID:-}" ] || return 0
	sleep 0.2
	kill -INT "$WPT_CAP_PID" 2>/dev/null
	wait "$WPT_CAP_PID" 2>/dev/null
	WPT_PIDS=$(echo "$WPT_PIDS" | sed "s/ $WPT_CAP_PID\b//")
	WPT_CAP_PID=""
}

# wpt_loss PERCENT: drop PERCENT % of the IPv4 frames each way in the
# middle box (needs WPT_MIDBOX=1; nft numgen random in the bridge's forward
# hook; 0 removes the rules)
wpt_loss() {
	local pm=$(($1 * 10))
	[ -n "${WPT_NS_MID:-}" ] || wpt_fail "wpt_loss needs WPT_MIDBOX=1"
	ip netns exec "$WPT_NS_MID" nft delete table bridge wpt_loss 2>/dev/null
	[ "$1" -eq 0 ] && return 0
	ip netns exec "$WPT_NS_MID" nft -f - <<EOF || wpt_fail "nft loss rules"
table bridge wpt_loss {
	chain lossfwd {
		type filter hook forward priority 0; policy accept;
		iifname "wpt-m1-$WPT_S" ether type ip numgen random mod 1000 < $pm counter drop
		iifname "wpt-m2-$WPT_S" ether type ip numgen random mod 1000 < $pm counter drop
	}
}
EOF
	wpt_log "loss ${1}% each way (nft numgen in the bridge of $WPT_NS_MID)"
}

# wpt_loss_counts: frames the loss rules dropped, "to_peer=N to_us=N"
wpt_loss_counts() {
	ip netns exec "$WPT_NS_MID" nft list table bridge wpt_loss 2>/dev/null |
		awk '/counter packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") v[++n] = $(i+1) }
			END { printf "to_peer=%d to_us=%d\n", v[1], v[2] }'
}
