#!/bin/bash
# backend_selftest.sh WPT_BACKEND: proves the appliance tests' own backend
# (wpt_backend.c) and lib.sh's helpers with Linux as the client, before any
# appliance test relies on them. Everything runs in wpa-srv (curl, wrk and
# raw /dev/tcp connections to the backends' addresses there); the other two
# namespaces are built and removed to exercise wpa_topology_up/down.
#
# Checked, path by path (the table at the top of wpt_backend.c):
#  - /size/N: Content-Length N, body SHA-256 = the pattern's (computed by
#    --pattern) = X-Body-Sha256, for N from 0 to 10 MiB
#  - /chunked/N/C: exact wire bytes of a small one (curl --raw), decoded
#    bodies of large ones, odd chunk sizes
#  - /close/N: no Content-Length, Connection: close, whole body
#  - HEAD /size/N: Content-Length N and not one body byte (the next
#    pipelined response follows the blank line directly)
#  - /status: 204 and 304 without body on a connection that is then reused,
#    100 and 103 interim responses before the 200, other codes
#  - /echo: Content-Length and chunked request bodies, Expect: 100-continue
#  - keep-alive: X-Conn-Req 1,2,3 on one curl connection; pipelining
#  - --close-after 3 and /close-after-this: Connection: close, then a new
#    connection (curl's num_connects)
#  - /reset and /reset-after-headers: curl sees a reset (exit 56), after
#    exactly 400 body bytes for the latter
#  - /broken/*: the exact wire bytes; curl reports bad-chunk (56) and short
#    (18), and does not reuse the connection after extra
#  - /slow does not hold up other connections
#  - bad requests (CL+TE, two Content-Lengths, obs-fold, bare LF, bad chunk
#    size, ...): 400, Connection: close, and the connection closed
#  - the stats JSON: exact counters after a known sequence
#  - wpa_backend_conns on held connections; wpa_wrk's parsing against the
#    backend's own counters
#  - nginx via wpa_nginx_start: a file and a 204, reuse, stop, none left
# Exits 77 (SKIP) without root, namespaces or tools.

# shellcheck source=lib.sh disable=SC2015,SC2016  # A && B || wpa_fail; bash -c args
. "$(dirname "$0")/lib.sh"

wpa_init "${1:?usage: $0 WPT_BACKEND}"
wpa_need_root nginx wrk timeout cmp
wpa_topology_up

T=$WPA_TMP
NS=$WPA_NS_SRV
NPASS=0

ok() {
	NPASS=$((NPASS + 1))
	echo "ok $NPASS - $*"
}

# eq WHAT GOT WANT
eq() {
	[ "$2" = "$3" ] || wpa_fail "$1: got '$2', want '$3'"
	ok "$1"
}

c() { wpa_curl_ns "$NS" "$@"; }

# hdr FILE NAME: value of the last header NAME in a curl -D dump
hdr() {
	tr -d '\r' <"$1" | awk -v n="$2" 'BEGIN { n = tolower(n) }
		{ i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); last = v } }
		END { print last }'
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

wpa_backend_start b1 "$WPA_IP_SRV" 8080 --listen "$WPA_IP_SRV:8088"
wpa_backend_start b2 "$WPA_IP_SRV2" 8081 --close-after 3
U=http://$WPA_IP_SRV:8080
U2=http://$WPA_IP_SRV2:8081
wpa_wait_reachable "$U/size/0" 5 "$NS"

out=$(c -o /dev/null -D "$T/h" -w '%{http_code}' "http://$WPA_IP_SRV:8088/size/1") || wpa_fail "second --listen"
eq "a second --listen address answers as the same backend" "$out $(hdr "$T/h" X-Backend)" "200 b1"

# ---- /size/N ----
for n in 0 1 100 1000 4096 65536 1000000 10485760; do
	c -o "$T/body" -D "$T/h" "$U/size/$n" || wpa_fail "curl /size/$n exited $?"
	want=$(wpa_pattern_sha "$n")
	[ "$(stat -c %s "$T/body")" = "$n" ] && [ "$(sha "$T/body")" = "$want" ] &&
		[ "$(hdr "$T/h" X-Body-Sha256)" = "$want" ] && [ "$(hdr "$T/h" Content-Length)" = "$n" ] &&
		[ "$(hdr "$T/h" X-Backend)" = b1 ] ||
		wpa_fail "/size/$n: $(stat -c %s "$T/body") bytes, sha $(sha "$T/body"), headers: $(tr -d '\r' <"$T/h" | tr '\n' '|')"
done
ok "/size/N bodies (0..10 MiB) match the pattern, X-Body-Sha256 and Content-Length"

# a body shifted by 256 bytes is not the body (the pattern's >> 8 term)
"$WPA_BACKEND" --pattern 1024 | tail -c +257 | head -c 512 >"$T/shift"
"$WPA_BACKEND" --pattern 512 >"$T/p512"
if cmp -s "$T/shift" "$T/p512"; then wpa_fail "the pattern repeats every 256 bytes"; fi
ok "the pattern does not repeat at 256 bytes"

# ---- /chunked ----
"$WPA_BACKEND" --pattern 10 >"$T/p10"
{
	printf '4\r\n'; head -c 4 "$T/p10"
	printf '\r\n4\r\n'; tail -c +5 "$T/p10" | head -c 4
	printf '\r\n2\r\n'; tail -c +9 "$T/p10"
	printf '\r\n0\r\n\r\n'
} >"$T/want"
c --raw -o "$T/got" -D "$T/h" "$U/chunked/10/4" || wpa_fail "curl /chunked/10/4"
cmp -s "$T/got" "$T/want" || wpa_fail "/chunked/10/4 wire bytes: $(od -c "$T/got" | head -5)"
eq "/chunked/10/4 Transfer-Encoding" "$(hdr "$T/h" Transfer-Encoding)" chunked
eq "/chunked/10/4 has no Content-Length" "$(hdr "$T/h" Content-Length)" ""
c --raw -o "$T/got" "$U/chunked/0" || wpa_fail "curl /chunked/0"
eq "/chunked/0 is just the last chunk" "$(od -An -c "$T/got" | tr -s ' ')" " 0 \r \n \r \n"
for nc in 1:1 12345:7 100000:1000 1000000:65536 3000000:1048576 5000:; do
	n=${nc%%:*} ch=${nc#*:}
	c -o "$T/body" "$U/chunked/$n${ch:+/$ch}" || wpa_fail "curl /chunked/$n/$ch exited $?"
	[ "$(sha "$T/body")" = "$(wpa_pattern_sha "$n")" ] || wpa_fail "/chunked/$n/$ch body differs"
done
ok "/chunked/N[/C] bodies decode to the pattern (chunk sizes 1, 7, 1000 default, 64 KiB, 1 MiB)"

# ---- /close/N ----
c -o "$T/body" -D "$T/h" "$U/close/300000" || wpa_fail "curl /close/300000"
eq "/close/N body" "$(sha "$T/body")" "$(wpa_pattern_sha 300000)"
eq "/close/N has no Content-Length" "$(hdr "$T/h" Content-Length)" ""
eq "/close/N says Connection: close" "$(hdr "$T/h" Connection)" close

# ---- HEAD ----
out=$(c -I -w '%{size_download}' -o "$T/h2" -D "$T/h" "$U/size/12345") || wpa_fail "curl -I"
eq "HEAD /size/N Content-Length" "$(hdr "$T/h" Content-Length)" 12345
eq "HEAD /size/N body bytes (curl)" "$out" 0
# pipelined: HEAD then GET on one connection; the GET's status line must
# follow the HEAD's blank line directly
printf 'HEAD /size/100 HTTP/1.1\r\nHost: t\r\n\r\nGET /size/5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' |
	wpa_raw_ns "$NS" "$WPA_IP_SRV" 8080 >"$T/raw" || wpa_fail "raw HEAD+GET: rc $?"
"$WPA_BACKEND" --pattern 5 >"$T/p5"
{
	printf 'HTTP/1.1 200 OK\r\nX-Backend: b1\r\nX-Conn-Req: 1\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\nX-Body-Sha256: %s\r\n\r\n' "$(wpa_pattern_sha 100)"
	printf 'HTTP/1.1 200 OK\r\nX-Backend: b1\r\nX-Conn-Req: 2\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\nX-Body-Sha256: %s\r\nConnection: close\r\n\r\n' "$(wpa_pattern_sha 5)"
	cat "$T/p5"
} >"$T/want"
cmp -s "$T/raw" "$T/want" || wpa_fail "pipelined HEAD+GET bytes differ: $(tr -d '\r' <"$T/raw" | head -c 600)"
ok "pipelined HEAD /size/100 + GET: exact bytes, no body after HEAD, then FIN"

# ---- /status ----
out=$(c -w '%{http_code}:%{size_download}:%{num_connects} ' -o /dev/null -o /dev/null -o /dev/null \
	-D "$T/h" "$U/status/204" "$U/status/304" "$U/size/7") || wpa_fail "curl 204/304"
eq "204, 304, then a reuse of the same connection" "$out" "204:0:1 304:0:0 200:7:0 "
eq "304 carries its ETag" "$(tr -d '\r' <"$T/h" | grep -c '^ETag: "wpt-304"$')" 1
eq "204/304 have no Content-Length" "$(tr -d '\r' <"$T/h" | grep -c '^Content-Length: 7$') $(tr -d '\r' <"$T/h" | grep -ci '^content-length' )" "1 1"
out=$(c -o "$T/body" -w '%{http_code}' -D "$T/h" "$U/status/100") || wpa_fail "curl /status/100"
eq "/status/100 ends in 200" "$out" 200
eq "/status/100: interim 100 first" "$(tr -d '\r' <"$T/h" | grep '^HTTP/' | tr '\n' '|')" "HTTP/1.1 100 Continue|HTTP/1.1 200 OK|"
eq "/status/100 body" "$(cat "$T/body")" ok
c -o /dev/null -D "$T/h" "$U/status/103" || wpa_fail "curl /status/103"
eq "/status/103: interim 103 with Link" "$(tr -d '\r' <"$T/h" | grep -E '^(HTTP/|Link:)' | tr '\n' '|')" "HTTP/1.1 103 Early Hints|Link: </size/1>; rel=preload|HTTP/1.1 200 OK|"
out=$(c -o "$T/body" -w '%{http_code}' "$U/status/503") || wpa_fail "curl /status/503"
eq "/status/503" "$out:$(cat "$T/body")" "503:status 503"
out=$(c -o /dev/null -w '%{http_code}' "$U/nowhere") || wpa_fail "curl /nowhere"
eq "unknown path 404" "$out" 404

# ---- /echo ----
head -c 300000 /dev/urandom >"$T/up"
c -o "$T/body" -D "$T/h" --data-binary @"$T/up" -H 'Content-Type: application/octet-stream' \
	"$U/echo" || wpa_fail "curl POST /echo"
cmp -s "$T/body" "$T/up" || wpa_fail "/echo (Content-Length) body differs"
eq "/echo (Content-Length) X-Body-Sha256" "$(hdr "$T/h" X-Body-Sha256)" "$(sha "$T/up")"
c -o "$T/body" -D "$T/h" --data-binary @"$T/up" -H 'Transfer-Encoding: chunked' \
	-H 'Expect: 100-continue' "$U/echo" || wpa_fail "curl chunked POST /echo"
cmp -s "$T/body" "$T/up" || wpa_fail "/echo (chunked) body differs"
eq "/echo (chunked) X-Body-Sha256" "$(hdr "$T/h" X-Body-Sha256)" "$(sha "$T/up")"
eq "/echo with Expect: 100-continue got 100 first" \
	"$(tr -d '\r' <"$T/h" | grep '^HTTP/' | tr '\n' '|')" "HTTP/1.1 100 Continue|HTTP/1.1 200 OK|"
# a chunked request body of many small chunks, with an extension and a trailer
printf 'POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;ext=1\r\nabc\r\n1\r\nd\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n' |
	wpa_raw_ns "$NS" "$WPA_IP_SRV" 8080 >"$T/raw" || wpa_fail "raw chunked echo: rc $?"
eq "/echo of chunks with extension and trailer" "$(tr -d '\r' <"$T/raw" | tail -n 1)" "abcd0123456789"
out=$(c -o /dev/null -w '%{http_code}:%{size_download}' -X POST --data-binary '' "$U/echo") ||
	wpa_fail "curl empty /echo"
eq "/echo of an empty body" "$out" "200:0"

# ---- keep-alive ----
out=$(c -w '%{num_connects} ' -o /dev/null -o /dev/null -o /dev/null -D "$T/h" \
	"$U/size/1" "$U/size/2" "$U/chunked/3") || wpa_fail "curl keep-alive"
eq "three requests on one connection" "$out" "1 0 0 "
eq "X-Conn-Req counts them" "$(tr -d '\r' <"$T/h" | sed -n 's/^X-Conn-Req: //p' | tr '\n' ' ')" "1 2 3 "

# 2000 pipelined requests in one stream: answered in order, one connection
for i in $(seq 1 1999); do printf 'GET /size/1 HTTP/1.1\r\nHost: t\r\n\r\n'; done >"$T/pipe"
printf 'GET /size/1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >>"$T/pipe"
wpa_raw_ns "$NS" "$WPA_IP_SRV" 8080 <"$T/pipe" >"$T/raw" || wpa_fail "raw pipeline: rc $?"
eq "2000 pipelined requests: responses and the last X-Conn-Req" \
	"$(grep -ao 'HTTP/1.1 200 OK' "$T/raw" | wc -l) $(tr -d '\r' <"$T/raw" | grep -ao 'X-Conn-Req: [0-9]*' | tail -n 1)" \
	"2000 X-Conn-Req: 2000"
# HTTP/1.0: close unless the client asks for keep-alive
c -0 -o /dev/null -D "$T/h" "$U/size/5" || wpa_fail "curl -0"
eq "HTTP/1.0 request: Connection: close" "$(hdr "$T/h" Connection)" close
out=$(c -0 -H 'Connection: keep-alive' -w '%{num_connects} ' -o /dev/null -o /dev/null -D "$T/h" \
	"$U/size/5" "$U/size/5") || wpa_fail "curl -0 keep-alive"
eq "HTTP/1.0 with Connection: keep-alive is kept" "$out" "1 0 "

# ---- close-after ----
out=$(c -w '%{num_connects} ' -o /dev/null -o /dev/null -o /dev/null -o /dev/null -D "$T/h" \
	"$U2/size/1" "$U2/size/1" "$U2/size/1" "$U2/size/1") || wpa_fail "curl close-after"
eq "--close-after 3: a new connection for the 4th request" "$out" "1 0 0 1 "
eq "--close-after 3: X-Conn-Req" "$(tr -d '\r' <"$T/h" | sed -n 's/^X-Conn-Req: //p' | tr '\n' ' ')" "1 2 3 1 "
eq "--close-after 3: Connection: close on the 3rd only" "$(tr -d '\r' <"$T/h" | grep -c '^Connection: close$')" 1
eq "X-Backend of b2" "$(hdr "$T/h" X-Backend)" b2
out=$(c -w '%{num_connects} ' -o /dev/null -o /dev/null -D "$T/h" "$U/close-after-this" "$U/size/1") ||
	wpa_fail "curl close-after-this"
eq "/close-after-this: a new connection next" "$out" "1 1 "
eq "/close-after-this says Connection: close" "$(tr -d '\r' <"$T/h" | grep -c '^Connection: close$')" 1

# ---- resets ----
c -o "$T/body" "$U/reset" 2>"$T/err"
eq "/reset: curl sees a reset (56)" "$?" 56
c -o "$T/body" -w '%{http_code}' "$U/reset-after-headers" >"$T/out" 2>"$T/err"
eq "/reset-after-headers: curl sees a reset (56)" "$?" 56
eq "/reset-after-headers: status and exactly 400 body bytes" "$(cat "$T/out"):$(stat -c %s "$T/body")" "200:400"
cmp -s "$T/body" <("$WPA_BACKEND" --pattern 400) || wpa_fail "/reset-after-headers body differs"

# ---- broken framing: exact bytes, then what curl makes of it ----
"$WPA_BACKEND" --pattern 100 >"$T/p100"
braw() {
	printf 'GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' "$1" |
		wpa_raw_ns "$NS" "$WPA_IP_SRV" 8080 >"$T/raw" || wpa_fail "raw $1: rc $?"
}
braw /broken/cl-te
{
	printf 'HTTP/1.1 200 OK\r\nX-Backend: b1\r\nX-Conn-Req: 1\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n64\r\n'
	cat "$T/p100"; printf '\r\n0\r\n\r\n'
} >"$T/want"
cmp -s "$T/raw" "$T/want" || wpa_fail "/broken/cl-te bytes differ"
ok "/broken/cl-te: Content-Length 10 and a 100-byte chunked body"
braw /broken/bad-chunk
{
	printf 'HTTP/1.1 200 OK\r\nX-Backend: b1\r\nX-Conn-Req: 1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n'
	head -c 16 "$T/p100"; printf '\r\n0\r\n\r\n'
} >"$T/want"
cmp -s "$T/raw" "$T/want" || wpa_fail "/broken/bad-chunk bytes differ"
ok "/broken/bad-chunk: chunk size zz"
braw /broken/dup-cl
{
	printf 'HTTP/1.1 200 OK\r\nX-Backend: b1\r\nX-Conn-Req: 1\r\nContent-Length: 10\r\nContent-Length: 20\r\nConnection: close\r\n\r\n'
	head -c 20 "$T/p100"
} >"$T/want"
cmp -s "$T/raw" "$T/want" || wpa_fail "/broken/dup-cl bytes differ"
ok "/broken/dup-cl: Content-Length 10 and 20, 20 bytes"
braw /broken/extra
{
	printf 'HTTP/1.1 200 OK\r\nX-Backend: b1\r\nX-Conn-Req: 1\r\nContent-Length: 10\r\nConnection: close\r\n\r\n'
	head -c 10 "$T/p100"
	printf 'HTTP/1.1 200 OK\r\nX-Smuggled: yes\r\nContent-Length: 8\r\n\r\nsmuggled'
} >"$T/want"
cmp -s "$T/raw" "$T/want" || wpa_fail "/broken/extra bytes differ"
ok "/broken/extra: a smuggled response after the 10-byte body"
braw /broken/short
{
	printf 'HTTP/1.1 200 OK\r\nX-Backend: b1\r\nX-Conn-Req: 1\r\nContent-Length: 1000\r\n\r\n'
	"$WPA_BACKEND" --pattern 500
} >"$T/want"
cmp -s "$T/raw" "$T/want" || wpa_fail "/broken/short bytes differ"
ok "/broken/short: 500 of 1000 bytes, then FIN"
c -o /dev/null "$U/broken/bad-chunk" 2>"$T/err"
eq "curl rejects /broken/bad-chunk (56)" "$?" 56
c -o /dev/null "$U/broken/short" 2>"$T/err"
eq "curl reports /broken/short as partial (18)" "$?" 18
out=$(c -w '%{num_connects} ' -o /dev/null -o /dev/null -D "$T/h" "$U/broken/extra" "$U/size/1" 2>"$T/err") ||
	wpa_fail "curl /broken/extra"
eq "curl does not reuse the connection after /broken/extra" "$out" "1 1 "
eq "... and never sees the smuggled response" "$(tr -d '\r' <"$T/h" | grep -c '^X-Smuggled')" 0

# ---- /slow does not block other connections ----
c -o "$T/slow" -w '%{time_total}' "$U/slow/2000/10" >"$T/slow.time" 2>"$T/slow.err" &
slow_pid=$!
sleep 0.2
c -o "$T/body" "$U/size/10" || wpa_fail "curl while /slow is waiting"
kill -0 "$slow_pid" 2>/dev/null || wpa_fail "the /slow/2000 request finished before the fast one (or failed)"
ok "a fast request is answered while /slow/2000 waits"
wait "$slow_pid" || wpa_fail "curl /slow exited $?: $(cat "$T/slow.err")"
eq "/slow/2000/10 body" "$(sha "$T/slow")" "$(wpa_pattern_sha 10)"
awk -v t="$(cat "$T/slow.time")" 'BEGIN { exit !(t >= 2.0) }' ||
	wpa_fail "/slow/2000 answered after $(cat "$T/slow.time") s"
ok "/slow/2000 waited at least 2 s"

# ---- bad requests ----
bad() {
	local what=$1
	printf '%b' "$2" | wpa_raw_ns "$NS" "$WPA_IP_SRV2" 8081 >"$T/raw"
	local rc=$?
	[ "$rc" -eq 0 ] || wpa_fail "bad request ($what): connection not closed (rc $rc)"
	[ "$(head -n 1 "$T/raw" | tr -d '\r')" = "HTTP/1.1 400 Bad Request" ] &&
		grep -q $'^Connection: close\r$' "$T/raw" ||
		wpa_fail "bad request ($what): $(tr -d '\r' <"$T/raw" | head -n 3 | tr '\n' '|')"
	# nothing after the 400 (a pipelined GET is never answered)
	[ "$(grep -c '^HTTP/' "$T/raw")" = 1 ] || wpa_fail "bad request ($what): answered more than once"
}
NBAD=0
H='Host: t\r\n'
for t in \
	"cl-te|POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" \
	"dup-cl|POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef" \
	"cl-list|POST /echo HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nabcde" \
	"cl-sign|POST /echo HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nabcde" \
	"te-gzip|POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" \
	"te-dup|POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" \
	"bad-chunk|POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n" \
	"chunk-no-crlf|POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n" \
	"obs-fold|GET /size/1 HTTP/1.1\r\n${H}X-A: b\r\n c\r\n\r\n" \
	"space-colon|GET /size/1 HTTP/1.1\r\n${H}X-A : b\r\n\r\n" \
	"bare-lf|GET /size/1 HTTP/1.1\n${H}\r\n" \
	"ctl-byte|GET /size/1 HTTP/1.1\r\n${H}X-A: b\x01c\r\n\r\n" \
	"http2|GET /size/1 HTTP/2.0\r\n${H}\r\n" \
	"no-slash|GET size/1 HTTP/1.1\r\n${H}\r\n" \
	"then-pipelined|GET /size/1 HTTP/1.1\r\n${H}X-A : b\r\n\r\nGET /size/1 HTTP/1.1\r\n${H}\r\n"; do
	bad "${t%%|*}" "${t#*|}"
	NBAD=$((NBAD + 1))
done
ok "$NBAD kinds of bad request: 400, Connection: close, closed, nothing more answered"
head -c 70000 /dev/zero | tr '\0' a | sed 's/^/GET \/size\/1 HTTP\/1.1\r\nX-Big: /' |
	wpa_raw_ns "$NS" "$WPA_IP_SRV2" 8081 >"$T/raw" || wpa_fail "oversized header: connection not closed"
eq "a 70 KB header section gets 400" "$(head -n 1 "$T/raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request"
NBAD=$((NBAD + 1))

# ---- connections seen with ss ----
eq "wpa_backend_conns b2 with nothing open" "$(wpa_backend_conns b2)" 0
for _ in 1 2 3; do
	ip netns exec "$NS" bash -c 'exec 3<>"/dev/tcp/$0/$1" && exec sleep 30' "$WPA_IP_SRV2" 8081 &
	WPA_PIDS="$WPA_PIDS $!"
	held="${held:-} $!"
done
for _ in $(seq 1 50); do
	[ "$(wpa_backend_conns b2)" = 3 ] && break
	sleep 0.1
done
eq "wpa_backend_conns b2 with 3 held connections" "$(wpa_backend_conns b2)" 3
eq "wpa_backend_conns b1 meanwhile" "$(wpa_backend_conns b1)" 0
for p in $held; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
WPA_PIDS=""

# ---- stats of b2: a known sequence ----
# b2 saw: 4 requests of close-after (2 connections), NBAD bad requests on
# NBAD connections, and 3 connections that sent nothing.
for _ in $(seq 1 50); do
	[ "$(wpa_backend_stats b2 connections_open)" = 0 ] && break
	sleep 0.1
done
eq "b2 stats: connections_accepted" "$(wpa_backend_stats b2 connections_accepted)" $((2 + NBAD + 3))
eq "b2 stats: requests (bad ones not counted)" "$(wpa_backend_stats b2 requests)" 4
eq "b2 stats: bad_requests" "$(wpa_backend_stats b2 bad_requests)" "$NBAD"
eq "b2 stats: 400s" "$(wpa_backend_stats b2 400)" "$NBAD"
eq "b2 stats: 200s" "$(wpa_backend_stats b2 200)" 4
eq "b2 stats: closed_after_n" "$(wpa_backend_stats b2 closed_after_n)" 1
eq "b2 stats: max_requests_per_connection" "$(wpa_backend_stats b2 max_requests_per_connection)" 3
eq "b2 stats: resets_sent" "$(wpa_backend_stats b2 resets_sent)" 0

# ---- wrk against the backend: wpa_wrk's parsing, the backend under load ----
wpa_backend_start b3 "$WPA_IP_SRV3" 8082
WPA_WRK_NS=$NS wpa_wrk -t 2 -c 20 -d 1s "http://$WPA_IP_SRV3:8082/size/100"
[ "$WPA_WRK_RC" = 0 ] && [ "$WPA_WRK_NON2XX" = 0 ] && [ "$WPA_WRK_SOCK_ERRORS" = 0 ] &&
	[ "$WPA_WRK_REQUESTS" -gt 100 ] && [ -n "$WPA_WRK_P99_US" ] ||
	wpa_fail "wrk on /size/100: $(cat "$WPA_WRK_OUT")"
ok "wrk -c 20 on /size/100: $WPA_WRK_REQUESTS requests, $WPA_WRK_RPS/s, no errors"
wpa_backend_stop b3
# wrk connects once to check the address before its threads start
eq "b3 saw wrk's 20 connections and its probe" "$(wpa_backend_stats b3 connections_accepted)" 21
r=$(wpa_backend_stats b3 requests)
[ "$r" -ge "$WPA_WRK_REQUESTS" ] && [ "$r" -le $((WPA_WRK_REQUESTS + 20)) ] ||
	wpa_fail "b3 answered $r requests, wrk counted $WPA_WRK_REQUESTS (20 may be in flight at the end)"
ok "b3 answered $r requests, wrk counted $WPA_WRK_REQUESTS"
[ "$(wpa_backend_stats b3 max_requests_per_connection)" -gt 1 ] || wpa_fail "wrk did not reuse connections"
ok "b3 served many requests per connection (max $(wpa_backend_stats b3 max_requests_per_connection))"
wpa_backend_start b3 "$WPA_IP_SRV3" 8082 --idle-timeout 1000
WPA_WRK_NS=$NS wpa_wrk -t 1 -c 4 -d 1s "http://$WPA_IP_SRV3:8082/status/503"
[ "$WPA_WRK_NON2XX" -gt 0 ] && [ "$WPA_WRK_NON2XX" = "$WPA_WRK_REQUESTS" ] ||
	wpa_fail "wrk on /status/503: non2xx=$WPA_WRK_NON2XX requests=$WPA_WRK_REQUESTS"
ok "wpa_wrk counts non-2xx ($WPA_WRK_NON2XX of $WPA_WRK_REQUESTS)"
WPA_WRK_NS=$NS wpa_wrk -t 1 -c 4 -d 1s "http://$WPA_IP_SRV3:8082/reset"
[ "$WPA_WRK_SOCK_ERRORS" -gt 0 ] || wpa_fail "wrk on /reset: no socket errors: $(cat "$WPA_WRK_OUT")"
ok "wpa_wrk counts socket errors ($WPA_WRK_SOCK_ERRORS on /reset)"
eq "busy connections are not idle-closed" "$(wpa_backend_stats b3 idle_closes)" 0
wpa_raw_ns "$NS" "$WPA_IP_SRV3" 8082 5 </dev/null >"$T/raw"
eq "--idle-timeout 1000: a silent connection gets FIN (not our 5 s limit)" "$?" 0
eq "--idle-timeout: counted" "$(wpa_backend_stats b3 idle_closes)" 1
wpa_backend_stop b3

# ---- stop b1 and b2: the final stats file is written on SIGTERM ----
wpa_backend_stop b2
wpa_backend_stop b1
eq "b1 final stats: resets_sent (2 curl, no wrk)" "$(wpa_backend_stats b1 resets_sent)" 2
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys; [json.load(open(f)) for f in sys.argv[1:]]' \
		"$T/b1.stats.json" "$T/b2.stats.json" "$T/b3.stats.json" ||
		wpa_fail "stats files are not valid JSON"
	ok "stats files are valid JSON"
fi

# ---- nginx ----
wpa_nginx_start n1 "$WPA_IP_SRV" 8090
N=http://$WPA_IP_SRV:8090
out=$(c -w '%{http_code}:%{num_connects} ' -o "$T/body" -o /dev/null -D "$T/h" \
	"$N/files/65536" "$N/204") || wpa_fail "curl nginx"
eq "nginx: a file, then 204 on the same connection" "$out" "200:1 204:0 "
eq "nginx /files/65536 is the pattern" "$(sha "$T/body")" "$(wpa_pattern_sha 65536)"
eq "nginx adds X-Backend" "$(hdr "$T/h" X-Backend)" n1
out=$(c -w '%{http_code}' -o "$T/body" "$N/files/1048576") || wpa_fail "curl nginx 1 MiB"
eq "nginx /files/1048576" "$out:$(sha "$T/body")" "200:$(wpa_pattern_sha 1048576)"
WPA_WRK_NS=$NS wpa_wrk -t 1 -c 10 -d 1s "$N/files/1000"
[ "$WPA_WRK_NON2XX" = 0 ] && [ "$WPA_WRK_SOCK_ERRORS" = 0 ] && [ "$WPA_WRK_REQUESTS" -gt 100 ] ||
	wpa_fail "wrk on nginx: $(cat "$WPA_WRK_OUT")"
ok "wrk -c 10 on nginx: $WPA_WRK_REQUESTS requests, no errors"
nginx_pid=${WPA_NGINX_PID[n1]}
[ -s "$T/nginx-n1/nginx.pid" ] && [ "$(cat "$T/nginx-n1/nginx.pid")" = "$nginx_pid" ] ||
	wpa_fail "nginx pid file $(cat "$T/nginx-n1/nginx.pid" 2>/dev/null) is not $nginx_pid"
ok "nginx wrote its pid file in the temp dir"
wpa_nginx_stop n1
left=$(for p in $(ip netns pids "$NS"); do ps -o comm= -p "$p"; done | grep -c nginx)
eq "no nginx left in $NS" "$left" 0
kill -0 "$nginx_pid" 2>/dev/null && wpa_fail "nginx master $nginx_pid still alive"
ok "nginx master gone"

echo "$NPASS passed, 0 failed"
