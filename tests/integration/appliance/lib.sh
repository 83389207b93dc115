# shellcheck shell=bash
# shellcheck disable=SC2034  # WPA_* variables are for the scripts that source this
# shellcheck disable=SC2016  # bash -c '...' scripts get their values as "$0" "$1"
# lib.sh: topology and helpers for the appliance integration tests (issue 4,
# DESIGN.md section 8). Sourced by the scripts in this directory; names are
# wpa-* / WPA_* / wpa_* so they never collide with the TCP suite (wpt-*).
#
# Topology, all created here and deleted by name (wpa_topology_down):
#
#   netns wpa-cli          netns wpa-app                    netns wpa-srv
#   curl, wrk              warmpoold (DPDK)                 nginx, wpt_backend
#   wpa-c0 198.18.2.1/24 == wpa-c1    wpa-s1 ============== wpa-s0 198.18.3.1/24
#                          (no Linux addresses:             + 198.18.3.2/24
#                           DPDK owns 198.18.2.2 on wpa-c1  + 198.18.3.3/24
#                           and 198.18.3.10 on wpa-s1)        (more backends)
#
# The appliance answers ARP for its two addresses itself, so there are no
# static neighbours; wpa_wait_reachable polls until it answers HTTP. Both
# Linux sides reach the appliance on-link (one /24 each): no routes.
#
# Offloads are off on all four veth ends, for the reasons the TCP suite's
# lib.sh gives: a userspace stack sees frames as they are on the wire, and
# veth would otherwise send partial checksums and 64 KiB GSO frames.
#
# The namespace names are fixed (the lead's tests and this library agree on
# them), so appliance tests must not run in parallel (meson: is_parallel:
# false). wpa_topology_up first removes whatever a crashed run left.
#
# Typical use:
#   . "$(dirname "$0")/lib.sh"
#   wpa_init "$1"                    # $1: the wpt_backend executable
#   wpa_need_root nginx wrk          # exits 77 (SKIP) with the reason
#   wpa_topology_up
#   wpa_nginx_start n1 "$WPA_IP_SRV" 8080
#   wpa_backend_start b1 "$WPA_IP_SRV2" 8081 --close-after 100
#   ...                              # the EXIT trap cleans everything up
#
# Helpers (arguments):
#   wpa_init [BACKEND_EXE]           temp dir $WPA_TMP, cleanup trap
#   wpa_need_root [TOOL...]          root, netns, veth, tools, else exit 77
#   wpa_topology_up / wpa_topology_down
#   wpa_nginx_start NAME IP PORT     nginx of ours, $WPA_TMP/nginx-NAME
#   wpa_nginx_stop NAME [SIGNAL]     default TERM; waits, then KILL
#   wpa_backend_start NAME IP PORT [ARGS...]   wpt_backend in wpa-srv
#   wpa_backend_stop NAME [SIGNAL]   default TERM (writes its stats JSON)
#   wpa_backend_stats NAME KEY       one counter of the stats JSON (SIGUSR1)
#   wpa_backend_conns NAME           established TCP connections to NAME
#   wpa_curl ARGS...                 curl in wpa-cli (timeouts set)
#   wpa_curl_ns NS ARGS...           the same in any namespace
#   wpa_wrk ARGS...                  wrk in wpa-cli ($WPA_WRK_NS); sets WPA_WRK_*
#   wpa_raw IP PORT [SECONDS]        stdin as raw bytes over TCP from wpa-cli,
#                                    prints what comes back until close
#   wpa_raw_ns NS IP PORT [SECONDS]  the same in any namespace
#   wpa_wait_reachable URL [SECONDS] [NS]   until an HTTP answer comes
#   wpa_pattern_sha N                SHA-256 of the backend's N-byte body
#   wpa_wpd_conf / wpa_wpd_start / wpa_wpd_stop   warmpoold (see each)
#   wpa_log MSG, wpa_fail MSG, wpa_skip MSG, wpa_now_ms
#
# Skips: not root, no network namespaces or veth, a missing tool: the script
# prints why and exits 77, which meson reports as SKIP (never as a pass).

set -u

# WPA_TAG (default wpa, at most 6 characters) renames the namespaces and
# links, so a second checkout (or the perf harness) can run its own copy of
# this topology beside a running test: WPA_TAG=wpb gives wpb-cli, ...
WPA_TAG=${WPA_TAG:-wpa}
case "$WPA_TAG" in
	*[!a-z0-9]*|'') echo "lib.sh: WPA_TAG must be [a-z0-9]+" >&2; exit 2 ;;
esac
[ "${#WPA_TAG}" -le 6 ] || { echo "lib.sh: WPA_TAG longer than 6" >&2; exit 2; }
WPA_NS_CLI=$WPA_TAG-cli
WPA_NS_APP=$WPA_TAG-app
WPA_NS_SRV=$WPA_TAG-srv
WPA_IF_CLI=$WPA_TAG-c0     # in wpa-cli
WPA_IF_APP_C=$WPA_TAG-c1   # in wpa-app, the appliance's client side (DPDK)
WPA_IF_APP_S=$WPA_TAG-s1   # in wpa-app, the appliance's backend side (DPDK)
WPA_IF_SRV=$WPA_TAG-s0     # in wpa-srv
WPA_IP_CLI=198.18.2.1
WPA_IP_VIP=198.18.2.2      # the appliance, client side (virtual address)
WPA_IP_SRV=198.18.3.1      # backends
WPA_IP_SRV2=198.18.3.2
WPA_IP_SRV3=198.18.3.3
WPA_IP_APP_SRV=198.18.3.10 # the appliance, backend side (its sessions' source)
WPA_PREFIX=24

# Background processes by name (pid of the process started in the namespace)
declare -gA WPA_NGINX_PID=() WPA_NGINX_ADDR=() WPA_BACKEND_PID=() WPA_BACKEND_ADDR=()
WPA_PIDS=""   # other background processes a script registers for cleanup

wpa_log() { printf '[%s] %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$*"; }

wpa_now_ms() { echo $(($(date +%s%N) / 1000000)); }

wpa_skip() {
	echo "SKIP: $*"
	exit 77
}

wpa_dump_logs() {
	local f
	[ -n "${WPA_TMP:-}" ] && [ -d "$WPA_TMP" ] || return 0
	for f in "$WPA_TMP"/*.out "$WPA_TMP"/*.err "$WPA_TMP"/nginx-*/error.log; do
		[ -s "$f" ] || continue
		echo "---- ${f#"$WPA_TMP"/} (last 15 lines) ----"
		tail -n 15 "$f" | cut -c1-300 | sed 's/^/  | /'
	done
}

# Print what helps to understand a failure, keep the work directory, exit 1.
wpa_fail() {
	echo "FAIL: $*"
	wpa_dump_logs
	WPA_KEEP=1
	exit 1
}

# wpa_init [BACKEND_EXE]: work directory, cleanup trap. BACKEND_EXE (or
# $WPA_BACKEND) is the wpt_backend executable.
wpa_init() {
	WPA_BACKEND=${1:-${WPA_BACKEND:-}}
	WPA_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	WPA_TMP=$(mktemp -d /tmp/wpa-XXXXXX)
	WPA_KEEP=0
	trap wpa_cleanup EXIT
	trap 'exit 1' INT TERM
	wpa_log "test $(basename "$0"), work dir $WPA_TMP"
}

# wpa_need_root [TOOL...]: root, network namespaces, veth, and the tools the
# library always uses plus the ones named; otherwise exit 77 with the reason.
wpa_need_root() {
	local t probe=wpa-probe-$$
	[ "$(id -u)" -eq 0 ] || wpa_skip "needs root (network namespaces, veth)"
	for t in ip ss curl ethtool sha256sum sysctl "$@"; do
		command -v "$t" >/dev/null 2>&1 || wpa_skip "'$t' is not installed"
	done
	if [ -n "${WPA_BACKEND:-}" ] && [ ! -x "$WPA_BACKEND" ]; then
		echo "FAIL: no wpt_backend at $WPA_BACKEND"
		exit 1
	fi
	ip netns add "$probe" 2>"${WPA_TMP:-/tmp}/netns-probe.err" ||
		wpa_skip "cannot create a network namespace: $(cat "${WPA_TMP:-/tmp}/netns-probe.err")"
	if ! ip -n "$probe" link add wpa-pr0 type veth peer name wpa-pr1 2>/dev/null; then
		ip netns del "$probe" 2>/dev/null
		wpa_skip "cannot create a veth pair"
	fi
	ip netns del "$probe"
}

# Kill what is left inside one of our namespaces (only wpa-* namespaces
# are ever passed here, and only tests of ours start processes there).
wpa_ns_kill() {
	local ns=$1 p i
	local pids
	pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
	[ -n "${pids// /}" ] || return 0
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for i in $(seq 1 20); do
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[ -n "${pids// /}" ] || return 0
		sleep 0.1
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
}

# wpa_topology_down: delete our namespaces by name (their veth ends go with
# them). Idempotent, safe from a trap.
wpa_topology_down() {
	local ns
	for ns in "$WPA_NS_CLI" "$WPA_NS_APP" "$WPA_NS_SRV"; do
		[ -e "/run/netns/$ns" ] || [ -e "/var/run/netns/$ns" ] || continue
		wpa_ns_kill "$ns"
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

wpa_if_setup() {
	local ns=$1 ifc=$2
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" >/dev/null
	ip netns exec "$ns" ethtool -K "$ifc" rx off tx off tso off gso off gro off >/dev/null 2>&1
	if ip netns exec "$ns" ethtool -k "$ifc" |
		grep -Eq '^(tx-checksumming|rx-checksumming|tcp-segmentation-offload|generic-segmentation-offload): on'; then
		wpa_fail "could not turn the offloads off on $ifc ($ns)"
	fi
	ip -n "$ns" link set "$ifc" up
}

# wpa_topology_up: the three namespaces and two veth pairs of the header.
# Sets WPA_MAC_APP_C / WPA_MAC_APP_S (the DPDK ends' MAC addresses).
wpa_topology_up() {
	local ns
	wpa_topology_down
	for ns in "$WPA_NS_CLI" "$WPA_NS_APP" "$WPA_NS_SRV"; do
		ip netns add "$ns" || wpa_skip "cannot create network namespace $ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null
		ip -n "$ns" link set lo up
	done
	ip link add "$WPA_IF_CLI" netns "$WPA_NS_CLI" type veth \
		peer name "$WPA_IF_APP_C" netns "$WPA_NS_APP" 2>"$WPA_TMP/veth.err" ||
		wpa_skip "cannot create a veth pair: $(cat "$WPA_TMP/veth.err")"
	ip link add "$WPA_IF_APP_S" netns "$WPA_NS_APP" type veth \
		peer name "$WPA_IF_SRV" netns "$WPA_NS_SRV" 2>"$WPA_TMP/veth.err" ||
		wpa_skip "cannot create a veth pair: $(cat "$WPA_TMP/veth.err")"
	wpa_if_setup "$WPA_NS_CLI" "$WPA_IF_CLI"
	wpa_if_setup "$WPA_NS_APP" "$WPA_IF_APP_C"
	wpa_if_setup "$WPA_NS_APP" "$WPA_IF_APP_S"
	wpa_if_setup "$WPA_NS_SRV" "$WPA_IF_SRV"

	ip -n "$WPA_NS_CLI" addr add "$WPA_IP_CLI/$WPA_PREFIX" dev "$WPA_IF_CLI"
	ip -n "$WPA_NS_SRV" addr add "$WPA_IP_SRV/$WPA_PREFIX" dev "$WPA_IF_SRV"
	ip -n "$WPA_NS_SRV" addr add "$WPA_IP_SRV2/$WPA_PREFIX" dev "$WPA_IF_SRV"
	ip -n "$WPA_NS_SRV" addr add "$WPA_IP_SRV3/$WPA_PREFIX" dev "$WPA_IF_SRV"

	# room for many connections: wrk's 200+ clients, backends' accept queues
	ip netns exec "$WPA_NS_CLI" sysctl -qw net.ipv4.ip_local_port_range="20000 60999" \
		net.ipv4.tcp_tw_reuse=1 >/dev/null
	ip netns exec "$WPA_NS_SRV" sysctl -qw net.core.somaxconn=65535 \
		net.ipv4.tcp_max_syn_backlog=65535 >/dev/null
	WPA_MAC_APP_C=$(ip -n "$WPA_NS_APP" -br link show "$WPA_IF_APP_C" | awk '{print $3}')
	WPA_MAC_APP_S=$(ip -n "$WPA_NS_APP" -br link show "$WPA_IF_APP_S" | awk '{print $3}')
	wpa_log "topology up: $WPA_NS_CLI $WPA_IP_CLI | $WPA_NS_APP $WPA_IF_APP_C ($WPA_MAC_APP_C)," \
		"$WPA_IF_APP_S ($WPA_MAC_APP_S) | $WPA_NS_SRV $WPA_IP_SRV,$WPA_IP_SRV2,$WPA_IP_SRV3"
}

# wpa_wait_port NS IP PORT PID WHAT: until something listens on IP:PORT in
# NS (10 s), failing early if PID is gone.
wpa_wait_port() {
	local ns=$1 ip=$2 port=$3 pid=$4 what=$5 i=0
	until ip netns exec "$ns" ss -Hltn "src $ip:$port" 2>/dev/null | grep -q LISTEN; do
		kill -0 "$pid" 2>/dev/null || wpa_fail "$what exited during start-up"
		i=$((i + 1))
		[ "$i" -le 100 ] || wpa_fail "$what not listening on $ip:$port after 10 s"
		sleep 0.1
	done
}

# wpa_nginx_start NAME IP PORT: an nginx of ours in wpa-srv, everything in
# $WPA_TMP/nginx-NAME (config, pid file, error log, temp paths), nothing in
# /etc/nginx or /var/log/nginx. It serves
#   /files/N   for N in $WPA_NGINX_SIZES: N bytes of wpt_backend's pattern
#              (the same bodies as wpt_backend's /size/N; compare with
#              wpa_pattern_sha N)
#   /204       return 204
#   /health    200 "ok\n"
# and adds "X-Backend: NAME" to every response. Keep-alive is effectively
# unlimited (keepalive_requests 1000000, keepalive_timeout 75 s, overridable
# with WPA_NGINX_KEEPALIVE_TIMEOUT); no access log.
WPA_NGINX_SIZES="0 1 100 1000 4096 16384 65536 1048576"
wpa_nginx_start() {
	local name=$1 ip=$2 port=$3 d f n user=""
	d=$WPA_TMP/nginx-$name
	mkdir -p "$d/html/files" "$d/tmp"
	for n in $WPA_NGINX_SIZES; do
		f=$d/html/files/$n
		if [ -n "${WPA_BACKEND:-}" ]; then
			"$WPA_BACKEND" --pattern "$n" >"$f"
		else
			head -c "$n" /dev/zero >"$f"
		fi
	done
	# the master runs as root in the namespace; workers too, so they can
	# read the 0700 temp dir (mktemp) without chmod games
	[ "$(id -u)" -eq 0 ] && user="user root;"
	cat >"$d/nginx.conf" <<EOF
# nginx $name for the warmpool appliance tests (generated by lib.sh)
daemon off;
master_process on;
worker_processes ${WPA_NGINX_WORKERS:-1};
$user
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	types { text/plain txt; }
	default_type application/octet-stream;
	sendfile on;
	tcp_nodelay on;
	keepalive_requests 1000000;
	keepalive_timeout ${WPA_NGINX_KEEPALIVE_TIMEOUT:-75s};
	server {
		listen $ip:$port backlog=4096;
		server_name _;
		root $d/html;
		add_header X-Backend $name always;
		location = /204 { return 204; }
		location = /health { default_type text/plain; return 200 "ok\n"; }
		location /files/ { }
	}
}
EOF
	ip netns exec "$WPA_NS_SRV" nginx -q -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" \
		>"$WPA_TMP/nginx-$name.out" 2>&1 &
	WPA_NGINX_PID[$name]=$!
	WPA_NGINX_ADDR[$name]=$ip:$port
	wpa_wait_port "$WPA_NS_SRV" "$ip" "$port" "${WPA_NGINX_PID[$name]}" "nginx $name"
	wpa_log "nginx $name on $ip:$port (pid ${WPA_NGINX_PID[$name]})"
}

# wpa_pid_stop PID WHAT SIGNAL: signal PID, wait up to 10 s, then KILL it
# and the children it had (nginx workers outlive a KILLed master).
wpa_pid_stop() {
	local pid=$1 what=$2 sig=$3 kids i
	kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')
	kill "-$sig" "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		wpa_log "$what did not exit on SIG$sig in 10 s, killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	# KILL (asked for, or above) leaves nginx workers behind
	for i in $kids; do kill -KILL "$i" 2>/dev/null; done
	return 0
}

# wpa_nginx_stop NAME [SIGNAL]: TERM by default (fast shutdown); QUIT is
# nginx's graceful one; KILL also kills its workers.
wpa_nginx_stop() {
	local name=$1 sig=${2:-TERM}
	[ -n "${WPA_NGINX_PID[$name]:-}" ] || return 0
	wpa_pid_stop "${WPA_NGINX_PID[$name]}" "nginx $name" "$sig"
	unset "WPA_NGINX_PID[$name]"
}

# wpa_backend_start NAME IP PORT [ARGS...]: wpt_backend in wpa-srv with
# --name NAME, stats to $WPA_TMP/NAME.stats.json, stdout to
# $WPA_TMP/NAME.out (--quiet unless WPA_BACKEND_VERBOSE=1); waits for ready.
wpa_backend_start() {
	local name=$1 ip=$2 port=$3 i=0 q=--quiet pid
	shift 3
	[ -x "${WPA_BACKEND:-}" ] || wpa_fail "no wpt_backend (wpa_init BACKEND_EXE)"
	[ "${WPA_BACKEND_VERBOSE:-0}" = 1 ] && q=""
	# shellcheck disable=SC2086
	ip netns exec "$WPA_NS_SRV" "$WPA_BACKEND" --name "$name" --listen "$ip:$port" \
		--stats "$WPA_TMP/$name.stats.json" $q "$@" \
		>"$WPA_TMP/$name.out" 2>"$WPA_TMP/$name.err" &
	pid=$!
	WPA_BACKEND_PID[$name]=$pid
	WPA_BACKEND_ADDR[$name]=$ip:$port
	until grep -q '^ready' "$WPA_TMP/$name.out" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || wpa_fail "wpt_backend $name exited during start-up"
		i=$((i + 1))
		[ "$i" -le 100 ] || wpa_fail "wpt_backend $name not ready after 10 s"
		sleep 0.05
	done
	wpa_log "wpt_backend $name on $ip:$port (pid $pid) $*"
}

# wpa_backend_stop NAME [SIGNAL]: TERM by default, which writes the stats.
wpa_backend_stop() {
	local name=$1 sig=${2:-TERM}
	[ -n "${WPA_BACKEND_PID[$name]:-}" ] || return 0
	wpa_pid_stop "${WPA_BACKEND_PID[$name]}" "wpt_backend $name" "$sig"
	unset "WPA_BACKEND_PID[$name]"
}

# wpa_backend_stats NAME KEY: one number from NAME's stats JSON. A running
# backend is asked for fresh counters (SIGUSR1); a stopped one left its
# final ones. KEY is a top-level key (requests, connections_accepted,
# max_requests_per_connection, resets_sent, ...) or a status code ("200")
# from responses_by_status. Prints 0 for a status never sent.
wpa_backend_stats() {
	local name=$1 key=$2 f=$WPA_TMP/$1.stats.json pid=${WPA_BACKEND_PID[$1]:-} i old=""
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		[ -e "$f" ] && old=$(stat -c %Y.%s.%i "$f")
		kill -USR1 "$pid"
		for i in $(seq 1 50); do
			[ -e "$f" ] && [ "$(stat -c %Y.%s.%i "$f")" != "$old" ] && break
			sleep 0.02
		done
	fi
	[ -s "$f" ] || { echo "wpa_backend_stats: no stats for $name" >&2; return 1; }
	sed -n "s/.*\"$key\": \([0-9][0-9]*\).*/\1/p" "$f" | grep . || echo 0
}

# wpa_backend_conns NAME: established TCP connections to the listening
# address of NAME (a wpt_backend or an nginx of ours), seen in wpa-srv.
wpa_backend_conns() {
	local addr=${WPA_BACKEND_ADDR[$1]:-${WPA_NGINX_ADDR[$1]:-}}
	[ -n "$addr" ] || { echo "wpa_backend_conns: unknown backend $1" >&2; return 1; }
	ip netns exec "$WPA_NS_SRV" ss -Htn state established "src $addr" | wc -l
}

# wpa_curl_ns NS ARGS...: curl in NS, silent but errors shown, with
# timeouts (WPA_CURL_TIMEOUT seconds in all, default 10).
wpa_curl_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" curl -sS --connect-timeout 3 --max-time "${WPA_CURL_TIMEOUT:-10}" "$@"
}

# wpa_curl ARGS...: curl in the client namespace.
wpa_curl() { wpa_curl_ns "$WPA_NS_CLI" "$@"; }

# wpa_wait_reachable URL [SECONDS] [NS]: until URL gives any HTTP answer
# (default 10 s, from wpa-cli); fails the test at the deadline.
wpa_wait_reachable() {
	local url=$1 limit=${2:-10} ns=${3:-$WPA_NS_CLI} end code
	end=$(($(wpa_now_ms) + limit * 1000))
	while :; do
		code=$(WPA_CURL_TIMEOUT=2 wpa_curl_ns "$ns" -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)
		[ -n "$code" ] && [ "$code" != 000 ] && return 0
		[ "$(wpa_now_ms)" -lt "$end" ] || wpa_fail "$url not reachable from $ns after ${limit} s"
		sleep 0.2
	done
}

# wpa_raw_ns NS IP PORT [SECONDS]: open a TCP connection from NS, send
# stdin as it is (crafted requests: CL.TE, pipelines, bad framing), print
# every byte received until the peer closes or SECONDS pass (default 5).
# Returns 0 when the peer closed, 124 on the time limit, 1 if it could not
# connect. Output is binary: redirect it to a file.
wpa_raw_ns() {
	local ns=$1 ip=$2 port=$3 limit=${4:-5}
	# the request goes to the socket first, then we read until EOF
	ip netns exec "$ns" timeout "$limit" bash -c \
		'exec 3<>"/dev/tcp/$0/$1" || exit 1; cat >&3; cat <&3' "$ip" "$port"
}

# wpa_raw IP PORT [SECONDS]: the same from the client namespace.
wpa_raw() { wpa_raw_ns "$WPA_NS_CLI" "$@"; }

# wpa_lat_us VALUE: wrk's latency ("812.00us", "1.23ms", "2.01s") in us
wpa_lat_us() {
	awk -v v="$1" 'BEGIN {
		u = v; sub(/^[0-9.]+/, "", u); n = substr(v, 1, length(v) - length(u))
		m = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : (u == "m") ? 60000000 : -1
		if (m < 0 || n == "") print ""; else printf "%d\n", n * m + 0.5 }'
}

# wpa_wrk ARGS...: wrk --latency ARGS in wpa-cli (or $WPA_WRK_NS); output in
# $WPA_TMP/wrk-K.out ($WPA_WRK_OUT). Sets
#   WPA_WRK_RC, WPA_WRK_RPS (float), WPA_WRK_REQUESTS, WPA_WRK_NON2XX
#   (wrk's "Non-2xx or 3xx responses"), WPA_WRK_ERR_CONNECT/READ/WRITE/
#   TIMEOUT and their sum WPA_WRK_SOCK_ERRORS, WPA_WRK_P50_US, WPA_WRK_P99_US.
# Does not fail the test by itself: the caller judges the numbers.
WPA_NWRK=0
wpa_wrk() {
	local o se
	WPA_NWRK=$((WPA_NWRK + 1))
	o=$WPA_TMP/wrk-$WPA_NWRK.out
	WPA_WRK_OUT=$o
	ip netns exec "${WPA_WRK_NS:-$WPA_NS_CLI}" wrk --latency "$@" >"$o" 2>&1
	WPA_WRK_RC=$?
	WPA_WRK_RPS=$(awk '$1 == "Requests/sec:" { print $2 }' "$o")
	WPA_WRK_REQUESTS=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$o")
	WPA_WRK_NON2XX=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$o")
	se=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$o")
	read -r WPA_WRK_ERR_CONNECT WPA_WRK_ERR_READ WPA_WRK_ERR_WRITE WPA_WRK_ERR_TIMEOUT <<<"${se:-0 0 0 0}"
	WPA_WRK_SOCK_ERRORS=$((WPA_WRK_ERR_CONNECT + WPA_WRK_ERR_READ + WPA_WRK_ERR_WRITE + WPA_WRK_ERR_TIMEOUT))
	WPA_WRK_NON2XX=${WPA_WRK_NON2XX:-0}
	WPA_WRK_RPS=${WPA_WRK_RPS:-0}
	WPA_WRK_REQUESTS=${WPA_WRK_REQUESTS:-0}
	WPA_WRK_P50_US=$(wpa_lat_us "$(awk '$1 == "50%" { print $2 }' "$o")")
	WPA_WRK_P99_US=$(wpa_lat_us "$(awk '$1 == "99%" { print $2 }' "$o")")
	wpa_log "wrk $*: rc=$WPA_WRK_RC rps=$WPA_WRK_RPS requests=$WPA_WRK_REQUESTS" \
		"non2xx=$WPA_WRK_NON2XX sock_errors=$WPA_WRK_SOCK_ERRORS p50=${WPA_WRK_P50_US}us p99=${WPA_WRK_P99_US}us"
}

# wpa_pattern_sha N: hex SHA-256 of the N-byte body of /size/N (and of
# nginx's /files/N).
wpa_pattern_sha() {
	"$WPA_BACKEND" --pattern "$1" | sha256sum | cut -d' ' -f1
}

# wpa_wpd_conf FILE POOL_LINES HTTP_LINES "NAME IP PORT"...: a warmpoold
# config for this topology (client port on wpa-c1 with the VIP, backend
# port on wpa-s1, one worker, listening on $WPA_WPD_PORT), with the given
# [pool] and [http] lines and one [backend NAME] per argument. [health]
# (default: checks once an hour, so tests that count the backends'
# connections see only the pools'),
# [outlier] and the snapshot period come from WPA_WPD_HEALTH,
# WPA_WPD_OUTLIER (default: off, so tests that provoke failures on purpose
# are not ejected), WPA_WPD_BREAKER (default: the config's) and
# WPA_WPD_SNAPSHOT; the telemetry ring is
# $WPA_TMP/telemetry.ring. WPA_WPD_LCORES sets [workers] lcores (default
# 1); with more workers than CPUs, map lcores to CPUs with WPA_WPD_EAL
# (extra EAL words for wpa_wpd_start, e.g. "--lcores 0@0,1@1,2@0").
# WPA_WPD_PMD picks the DPDK device (wpa_wpd_device).
WPA_WPD_PORT=8080
# wpa_wpd_device N IFACE: the DPDK device on IFACE, by WPA_WPD_PMD:
# af_packet (default) or af_xdp (one queue: veth has no combined channels;
# warmpoold then loads its own XDP program, which needs bpffs: see
# WPA_WPD_BPFFS in wpa_wpd_start).
wpa_wpd_device() {
	case "${WPA_WPD_PMD:-af_packet}" in
	af_packet) echo "net_af_packet$1,iface=$2" ;;
	af_xdp) echo "net_af_xdp$1,iface=$2,start_queue=0,queue_count=1" ;;
	*) wpa_fail "WPA_WPD_PMD: af_packet or af_xdp, not '$WPA_WPD_PMD'" ;;
	esac
}

wpa_wpd_conf() {
	local f=$1 pool=$2 http=$3 b
	shift 3
	cat >"$f" <<EOF
[listen]
port = $WPA_WPD_PORT
[port client]
device = $(wpa_wpd_device 0 "$WPA_IF_APP_C")
address = $WPA_IP_VIP/$WPA_PREFIX
[port backend]
device = $(wpa_wpd_device 1 "$WPA_IF_APP_S")
address = $WPA_IP_APP_SRV/$WPA_PREFIX
[workers]
lcores = ${WPA_WPD_LCORES:-1}
main_lcore = 0
mbufs = 16383
idle_sleep_us = 20
[pool]
$pool
[http]
$http
[shutdown]
drain_timeout = 3s
[health]
${WPA_WPD_HEALTH:-type = tcp
interval = 1h
initial_spread = 1h}
[outlier]
${WPA_WPD_OUTLIER:-consecutive_failures = 0}
[breaker]
${WPA_WPD_BREAKER:-}
[scaling]
${WPA_WPD_SCALING:-}
[telemetry]
file = $WPA_TMP/telemetry.ring
records = 4096
snapshot_interval = ${WPA_WPD_SNAPSHOT:-1s}
EOF
	for b in "$@"; do
		# shellcheck disable=SC2086
		set -- $b
		printf '[backend %s]\naddress = %s\nport = %s\n' "$1" "$2" "$3" >>"$f"
	done
}

# wpa_wpd_start WARMPOOLD CONF URL_PATH: start warmpoold in wpa-app (output
# in $WPA_TMP/wpd.out and wpd.err, pid in WPA_WPD_PID, killed by the
# cleanup), wait for its "ready" line and for URL_PATH to answer through it.
wpa_wpd_start() {
	local wpd=$1 conf=$2 path=$3 i=0
	# WPA_WPD_BPFFS=1: a bpffs of its own in warmpoold's mount namespace
	# (ip netns exec makes one; its pins go with it)
	local wrap=""
	[ "${WPA_WPD_BPFFS:-0}" = 1 ] && wrap='mount -t bpf bpf /sys/fs/bpf || exit 3;'
	# shellcheck disable=SC2086  # WPA_WPD_EAL: extra EAL words
	ip netns exec "$WPA_NS_APP" sh -c "$wrap"' exec "$@"' sh "$wpd" --no-huge -m 512 \
		--in-memory --file-prefix wpa-$$ ${WPA_WPD_EAL:-} -- --config "$conf" \
		>"$WPA_TMP/wpd.out" 2>"$WPA_TMP/wpd.err" &
	WPA_WPD_PID=$!
	WPA_PIDS="$WPA_PIDS $WPA_WPD_PID"
	until grep -q "ready: listening" "$WPA_TMP/wpd.out" 2>/dev/null; do
		kill -0 "$WPA_WPD_PID" 2>/dev/null ||
			{ cat "$WPA_TMP/wpd.out" "$WPA_TMP/wpd.err"; wpa_fail "warmpoold exited during start-up"; }
		i=$((i + 1))
		[ "$i" -le 200 ] || wpa_fail "warmpoold not ready after 20 s"
		sleep 0.1
	done
	wpa_log "$(grep 'ready:' "$WPA_TMP/wpd.out")"
	wpa_wait_reachable "http://$WPA_IP_VIP:$WPA_WPD_PORT$path" 10
}

# wpa_wpd_stop: SIGTERM to the warmpoold of wpa_wpd_start, then the checks
# every test ends with: it stops within 15 s and exits 0, it drained, every
# mbuf came back, no TCP flow was left. Prints its report indented.
wpa_wpd_stop() {
	local rc i=0
	kill -TERM "$WPA_WPD_PID"
	while kill -0 "$WPA_WPD_PID" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 150 ] || { kill -KILL "$WPA_WPD_PID"; wpa_fail "warmpoold did not stop within 15 s of SIGTERM"; }
		sleep 0.1
	done
	wait "$WPA_WPD_PID"
	rc=$?
	sed 's/^/  | /' "$WPA_TMP/wpd.out" | grep -v "ready:"
	[ "$rc" -eq 0 ] || { cat "$WPA_TMP/wpd.err"; wpa_fail "warmpoold exited $rc after SIGTERM"; }
	grep -q "drained: every worker" "$WPA_TMP/wpd.out" || wpa_fail "warmpoold did not drain cleanly"
	# warmpoold compares the pool with what the PMDs keep (net_af_xdp)
	grep -q "mbufs: [0-9]* in use after the ports closed.*: none lost" "$WPA_TMP/wpd.out" ||
		wpa_fail "mbufs not all returned"
	! grep -E "stack flows=[1-9]" "$WPA_TMP/wpd.out" || wpa_fail "TCP flows left at stop"
}

wpa_cleanup() {
	local rc=$? n p
	trap - EXIT INT TERM
	for n in "${!WPA_BACKEND_PID[@]}"; do wpa_backend_stop "$n"; done
	for n in "${!WPA_NGINX_PID[@]}"; do wpa_nginx_stop "$n"; done
	for p in $WPA_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $WPA_PIDS; do
		for _ in $(seq 1 20); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	wpa_topology_down
	if [ -n "${WPA_TMP:-}" ] && [ -d "$WPA_TMP" ]; then
		if { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; } || [ "${WPA_KEEP:-0}" = 1 ]; then
			echo "logs kept in $WPA_TMP"
		else
			rm -rf "$WPA_TMP"
		fi
	fi
	exit "$rc"
}
