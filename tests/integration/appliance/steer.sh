#!/bin/bash
# steer.sh KIND WARMPOOLD WPT_BACKEND WP_STAT: warmpoold with two workers in
# the DESIGN.md section 8 topology (lib.sh), flow steering of issue 6.
#
# Both ports are net_af_packet with one queue per worker (qpairs=2: a
# PACKET_FANOUT group, so the kernel spreads frames by its own flow hash,
# which is not our rule): frames that land on the worker that does not
# own them must cross a handoff ring. This is the software path of
# DESIGN.md section 4 at its worst: about half of every flow's frames land
# on the wrong worker.
#
# KIND:
#  xdp     - AF_XDP mode: net_af_xdp on both ports with warmpool's XDP
#            program (bpffs mounted in warmpoold's own mount namespace).
#            Bodies intact through it; a Linux address on the same link
#            still answers ping (the program passes what is not ours);
#            the program's per-queue counters add up (rx = redirect + pass
#            + no_socket), what it redirected is exactly what each stack
#            received, nothing arrived on a non-owner queue; nothing stays
#            attached after exit.
#  skew    - [scaling] with a budget of 6 sessions for one backend; slow
#            requests only from client ports the rule gives to worker 0
#            (the rule printed at start-up, evaluated here in Python):
#            all answered, the backend never sees more than 6 connections,
#            every telemetry snapshot has the workers' targets summing to 6
#            or less, and worker 0's target rises to 4+ while worker 1's
#            falls to 2 or less (issue 5: targets move towards demand).
#  workers - wrk (many client connections) and curl (bodies checked by
#            SHA-256, each on a new connection) through two workers to two
#            backends. Then, from warmpoold's final report:
#            - both workers accepted clients, opened sessions and handed
#              frames to the other (so both paths ran);
#            - every flow was processed by its owner: no stack received a
#              TCP segment for a flow it does not hold (drop reason
#              tcp_no_flow) and none sent a reset;
#            - nothing lost or processed twice: per worker landed == local +
#              handed_off, no ring full, no copy lost; what one worker sent
#              to the other is what the other took (plus what the rings
#              still held at stop, which the report names); every frame
#              the stacks saw is a frame that landed, or an ARP copy;
#            - the export ring read by wp-stat --json has the same final
#              steering and handoff counters as the report;
#            - wrk saw no errors and the backends served exactly the
#              requests the clients completed.
# After: warmpoold exits 0 on SIGTERM, every mbuf back, no flow left.
# Exits 77 (SKIP) without root, namespaces or tools.

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

KIND=${1:?usage: $0 KIND WARMPOOLD WPT_BACKEND WP_STAT}
WPD=${2:?warmpoold}
STAT=${4:?wp-stat}
wpa_init "${3:?wpt_backend}"
wpa_need_root wrk timeout python3
[ -x "$WPD" ] || wpa_fail "no warmpoold at $WPD"
[ -x "$STAT" ] || wpa_fail "no wp-stat at $STAT"
wpa_topology_up

VIP=$WPA_IP_VIP
PORT=$WPA_WPD_PORT
url() { echo "http://$VIP:$PORT$1"; }

# num WORKER LINE_PATTERN KEY: KEY=<n> from worker WORKER's line matching
num() {
	sed -n "s/.*worker $1: $2.* $3=\([0-9]*\).*/\1/p" "$WPA_TMP/wpd.out" | head -1
}

case "$KIND" in
workers)
	WPA_WPD_LCORES=1-2
	# three lcores on two CPUs: the control core shares CPU 0 with worker 1
	WPA_WPD_EAL="--lcores 0@0,1@1,2@0"
	WPA_WPD_SNAPSHOT=200ms
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_backend_start b2 "$WPA_IP_SRV2" 8082
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 4
max_sessions = 16
max_requests = 0
max_pending = 4096
acquire_timeout = 5s" "" "b1 $WPA_IP_SRV 8081" "b2 $WPA_IP_SRV2 8082"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	grep -q "ready: listening on .*, 2 worker(s)" "$WPA_TMP/wpd.out" ||
		wpa_fail "warmpoold did not start two workers"
	grep -q "client port: steering in software" "$WPA_TMP/wpd.out" ||
		wpa_fail "the af_packet port should be steered in software"
	# bodies over many fresh connections (each lands somewhere new)
	curls=0
	for n in 0 1 1448 1449 65536 1000000; do
		for _ in 1 2 3 4 5; do
			got=$(wpa_curl -s "$(url "/size/$n")" | sha256sum | cut -d' ' -f1)
			[ "$got" = "$(wpa_pattern_sha "$n")" ] || wpa_fail "/size/$n: body corrupted"
			curls=$((curls + 1))
		done
	done
	wpa_log "$curls bodies (0 B .. 1 MB) intact over fresh connections"
	wpa_wrk -t 2 -c 64 -d 4s "$(url /size/100)"
	[ "$WPA_WRK_REQUESTS" -gt 1000 ] || wpa_fail "wrk made only $WPA_WRK_REQUESTS requests"
	[ "$WPA_WRK_NON2XX" -eq 0 ] || wpa_fail "$WPA_WRK_NON2XX non-2xx responses"
	[ "$WPA_WRK_SOCK_ERRORS" -eq 0 ] || wpa_fail "$WPA_WRK_SOCK_ERRORS socket errors"
	served=$(( $(wpa_backend_stats b1 requests) + $(wpa_backend_stats b2 requests) ))
	wpa_wpd_stop

	resp=0
	for w in 0 1; do
		acc=$(num $w clients accepted)
		r=$(num $w clients responses)
		resp=$((resp + r))
		[ "${acc:-0}" -gt 0 ] || wpa_fail "worker $w accepted no client"
		grep -qE "worker $w: backend b[12]: sessions opened=[1-9]" "$WPA_TMP/wpd.out" ||
			wpa_fail "worker $w opened no backend session"
		for f in tcp_no_flow; do
			! grep -E "worker $w: .* stack .*$f=" "$WPA_TMP/wpd.out" ||
				wpa_fail "worker $w: a stack got segments of a flow it does not own ($f)"
		done
		! grep -E "worker $w: .* stack .* rst_sent=[1-9]" "$WPA_TMP/wpd.out" ||
			wpa_fail "worker $w sent resets"
		landed=$(num $w steering landed)
		local_=$(num $w steering local)
		ho=$(num $w steering handed_off)
		full=$(num $w steering ring_full)
		lost=$(num $w steering copy_lost)
		[ "$landed" -eq $((local_ + ho + full)) ] ||
			wpa_fail "worker $w: landed $landed != local $local_ + handed_off $ho + ring_full $full"
		[ "$ho" -gt 0 ] || wpa_fail "worker $w handed nothing off: the software path did not run"
		[ "$full" -eq 0 ] && [ "$lost" -eq 0 ] ||
			wpa_fail "worker $w lost frames: ring_full $full copy_lost $lost"
		wpa_log "worker $w: accepted $acc clients; landed $landed, kept $local_, handed off $ho"
	done
	left=$(sed -n 's/.*handoff rings: \([0-9]*\) frames were still.*/\1/p' "$WPA_TMP/wpd.out")
	left=${left:-0}
	# sent by one == taken by the other, up to what was left in the rings
	s01=$(sed -n 's/.*worker 0: steering.* to1=\([0-9]*\)\/.*/\1/p' "$WPA_TMP/wpd.out")
	r01=$(sed -n 's/.*worker 1: steering.* from0=\([0-9]*\).*/\1/p' "$WPA_TMP/wpd.out")
	s10=$(sed -n 's/.*worker 1: steering.* to0=\([0-9]*\)\/.*/\1/p' "$WPA_TMP/wpd.out")
	r10=$(sed -n 's/.*worker 0: steering.* from1=\([0-9]*\).*/\1/p' "$WPA_TMP/wpd.out")
	[ $((s01 + s10)) -eq $((r01 + r10 + left)) ] ||
		wpa_fail "handoff: sent $s01+$s10, received $r01+$r10, left in rings $left"
	# every frame a stack saw landed on this worker or was handed to it
	for w in 0 1; do
		seen=$(( $(num $w "client stack" rx_frames) + $(num $w "backend stack" rx_frames) ))
		kept=$(num $w steering local)
		from=$(num $w steering from_peers)
		[ "$seen" -eq $((kept + from)) ] ||
			wpa_fail "worker $w: stacks saw $seen frames, kept $kept + handed in $from"
	done
	wpa_log "handoff 0->1 $s01, 1->0 $s10 frames, all taken ($left left at stop); no frame lost or seen twice"
	# the clients' completed requests are what the backends served
	[ "$resp" -eq "$served" ] || wpa_fail "workers answered $resp requests, backends served $served"
	# the export ring tells the same story (wp-stat --json, final records)
	"$STAT" --json --once "$WPA_TMP/telemetry.ring" >"$WPA_TMP/stat.json" ||
		wpa_fail "wp-stat --json failed"
	python3 - "$WPA_TMP/stat.json" "$WPA_TMP/wpd.out" <<'EOF' || wpa_fail "export ring disagrees with the report"
import json, re, sys
steer, ho = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "steer":
        steer[r["worker"]] = r
    elif r.get("type") == "handoff":
        ho[(r["worker"], r["peer"])] = r
rep = open(sys.argv[2]).read()
bad = 0
for w in (0, 1):
    m = re.search(r"worker %d: steering (.*?);" % w, rep)
    want = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", m.group(1)))
    for k, v in want.items():
        if steer.get(w, {}).get(k) != v:
            print("worker %d %s: ring %s, report %d" % (w, k, steer.get(w, {}).get(k), v))
            bad += 1
    p = 1 - w
    m = re.search(r"worker %d: steering .* to%d=(\d+)/(\d+)" % (w, p), rep)
    got = ho.get((w, p), {})
    if (got.get("sent"), got.get("dropped")) != (int(m.group(1)), int(m.group(2))):
        print("handoff %d->%d: ring %s, report %s" % (w, p, got, m.groups()))
        bad += 1
# every CORE record carries a fresh counters snapshot (the live view's
# rates and BUSY% come from two consecutive ones)
for w in (0, 1):
    loops = [r["loops"] for r in map(json.loads, open(sys.argv[1]))
             if r.get("type") == "core" and r["worker"] == w]
    fresh = sum(1 for a, b in zip(loops, loops[1:]) if b > a)
    if len(loops) < 5 or fresh < 0.8 * (len(loops) - 1):
        print("worker %d: %d of %d core records fresh" % (w, fresh, len(loops) - 1))
        bad += 1
print("export ring: steer and handoff records match the report" if not bad else "mismatches: %d" % bad)
sys.exit(1 if bad else 0)
EOF
	;;
skew)
	# demand on one worker only: the control core moves the backend's
	# session budget towards it, the total never above the budget
	WPA_WPD_LCORES=1-2
	WPA_WPD_EAL="--lcores 0@0,1@1,2@0"
	WPA_WPD_SNAPSHOT=100ms
	WPA_WPD_SCALING="enabled = yes
budget = 6
floor = 1
ceiling = 5
step = 1
cooldown = 100ms"
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 1
max_sessions = 8
max_pending = 64
acquire_timeout = 10s" "" "b1 $WPA_IP_SRV 8081"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	key=$(sed -n 's/.*client port: flow owner = .* key \([0-9a-f]*\)$/\1/p' "$WPA_TMP/wpd.out")
	[ ${#key} -eq 80 ] || wpa_fail "warmpoold did not print the client port's rule"
	# client ports whose connections the rule gives to worker 0
	ports=$(python3 - "$key" "$WPA_IP_CLI" "$VIP" "$PORT" <<'EOF'
import ipaddress, sys
key = bytes.fromhex(sys.argv[1])
src = ipaddress.IPv4Address(sys.argv[2]).packed
dst = ipaddress.IPv4Address(sys.argv[3]).packed
kbits = int.from_bytes(key, "big")
def toeplitz(data):
    h = 0
    for i in range(len(data) * 8):
        if data[i // 8] & (0x80 >> (i % 8)):
            h ^= (kbits >> (len(key) * 8 - 32 - i)) & 0xffffffff
    return h
out = []
for p in range(20000, 40000):
    t = src + dst + p.to_bytes(2, "big") + int(sys.argv[4]).to_bytes(2, "big")
    if (toeplitz(t) & 127) % 2 == 0:
        out.append(p)
    if len(out) == 64:
        break
print(" ".join(map(str, out)))
EOF
)
	# shellcheck disable=SC2086
	set -- $ports
	[ $# -eq 64 ] || wpa_fail "found $# client ports for worker 0"
	peak=0
	for round in 0 1 2 3; do
		pids=""
		for i in $(seq 1 16); do
			p=$(eval echo "\${$((round * 16 + i))}")
			WPA_CURL_TIMEOUT=30 wpa_curl -s -o /dev/null --local-port "$p" -w '%{http_code}\n' \
				"$(url /slow/300/10)" >>"$WPA_TMP/codes" &
			pids="$pids $!"
		done
		for _ in $(seq 1 8); do
			n=$(wpa_backend_conns b1)
			[ "$n" -gt "$peak" ] && peak=$n
			sleep 0.05
		done
		# shellcheck disable=SC2086
		wait $pids
	done
	ok=$(grep -c '^200$' "$WPA_TMP/codes")
	[ "$ok" -eq 64 ] || wpa_fail "$ok of 64 slow requests answered 200"
	[ "$peak" -le 6 ] || wpa_fail "backend saw $peak connections, budget 6"
	wpa_wpd_stop
	acc0=$(num 0 clients accepted)
	acc1=$(num 1 clients accepted)
	# the readiness probe of wpa_wpd_start may land on either worker
	[ "$acc0" -ge 64 ] && [ "$acc1" -le 2 ] ||
		wpa_fail "clients were not steered to worker 0: accepted $acc0 / $acc1"
	"$STAT" --json --once "$WPA_TMP/telemetry.ring" >"$WPA_TMP/ring.json" ||
		wpa_fail "wp-stat --json failed"
	python3 - "$WPA_TMP/ring.json" <<'EOF' || wpa_fail "export ring: scaling did not follow the skew"
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
snap = collections.defaultdict(dict)
for r in recs:
    if r["type"] == "pool":
        snap[r["ts_ns"]][r["worker"]] = r["max_sessions"]
full = [v for _, v in sorted(snap.items()) if len(v) == 2]
assert full, "no pool snapshots"
over = [v for v in full if v[0] + v[1] > 6]
assert not over, "targets above the budget: %r" % over[:3]
top = max(full, key=lambda v: v[0])
assert top[0] >= 4 and top[1] <= 2, "worker 0 never got the budget: best %r" % top
print("scaling: %d snapshots, totals <= 6; worker 0 up to %d while worker 1 had %d"
      % (len(full), top[0], top[1]))
EOF
	wpa_log "64 slow requests on worker 0: peak $peak backend connections (budget 6)"
	;;
xdp)
	# AF_XDP mode with warmpool's XDP program on both ports (one worker:
	# veth gives net_af_xdp one queue). A Linux address on the client-side
	# veth end shares the link with the appliance's VIP.
	command -v ping >/dev/null || wpa_skip "ping not installed"
	WPA_WPD_PMD=af_xdp
	WPA_WPD_BPFFS=1
	LINUX_IP=198.18.2.5
	ip -n "$WPA_NS_APP" addr add "$LINUX_IP/$WPA_PREFIX" dev "$WPA_IF_APP_C"
	wpa_backend_start b1 "$WPA_IP_SRV" 8081
	wpa_wpd_conf "$WPA_TMP/w.ini" "min_idle = 2
max_sessions = 8" "" "b1 $WPA_IP_SRV 8081"
	wpa_wpd_start "$WPD" "$WPA_TMP/w.ini" /size/1
	grep -q "client port: XDP program wp_steer on $WPA_IF_APP_C" "$WPA_TMP/wpd.out" ||
		wpa_fail "warmpoold did not adopt its XDP program on the client port"
	grep -q "backend port: XDP program wp_steer on $WPA_IF_APP_S" "$WPA_TMP/wpd.out" ||
		wpa_fail "warmpoold did not adopt its XDP program on the backend port"
	# the appliance answers its address, the kernel its own, on one link
	for n in 0 1448 100000; do
		got=$(wpa_curl -s "$(url "/size/$n")" | sha256sum | cut -d' ' -f1)
		[ "$got" = "$(wpa_pattern_sha "$n")" ] || wpa_fail "/size/$n through AF_XDP: body corrupted"
	done
	ip netns exec "$WPA_NS_CLI" ping -c 5 -i 0.2 -W 2 "$LINUX_IP" >/dev/null ||
		wpa_fail "the kernel's address on the AF_XDP link does not answer ping"
	ip netns exec "$WPA_NS_CLI" ping -c 3 -i 0.2 -W 2 "$VIP" >/dev/null ||
		wpa_fail "the appliance does not answer ping through AF_XDP"
	wpa_wrk -t 1 -c 8 -d 2s "$(url /size/100)"
	[ "$WPA_WRK_NON2XX" -eq 0 ] && [ "$WPA_WRK_SOCK_ERRORS" -eq 0 ] ||
		wpa_fail "wrk through AF_XDP: $WPA_WRK_NON2XX non-2xx, $WPA_WRK_SOCK_ERRORS socket errors"
	wpa_wpd_stop
	! ip -n "$WPA_NS_APP" link show "$WPA_IF_APP_C" | grep -q "prog/xdp" ||
		wpa_fail "an XDP program is still attached after warmpoold exited"
	# the program's counters agree with what the stacks received
	for side in "client $WPA_IF_APP_C" "backend $WPA_IF_APP_S"; do
		set -- $side
		line=$(grep "xdp $2 queue 0:" "$WPA_TMP/wpd.out") || wpa_fail "no XDP counters for $2"
		c() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
		rx=$(c rx); red=$(c redirect); pass=$(c pass); nos=$(c no_socket); non=$(c non_owner)
		stack=$(num 0 "$1 stack" rx_frames)
		[ "$rx" -eq $((red + pass + nos)) ] || wpa_fail "$2: rx $rx != redirect + pass + no_socket"
		[ "$red" -eq "$stack" ] || wpa_fail "$2: XDP redirected $red frames, the $1 stack got $stack"
		[ "$non" -eq 0 ] || wpa_fail "$2: $non frames on a non-owner queue with one worker"
		wpa_log "$2: XDP rx $rx, redirected $red (= the $1 stack's $stack frames), passed $pass"
	done
	pass=$(grep "xdp $WPA_IF_APP_C queue 0:" "$WPA_TMP/wpd.out" | sed -n 's/.* pass=\([0-9]*\).*/\1/p')
	[ "$pass" -ge 5 ] || wpa_fail "only $pass frames passed to the kernel on $WPA_IF_APP_C (5 pings)"
	;;
*) wpa_fail "unknown kind '$KIND'" ;;
esac
echo "steer $KIND: ok"
