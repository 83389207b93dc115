#!/bin/sh
# warmpoold lifecycle, no root needed: --help exits 0 and lists every
# option; bad options exit 2 with a message; a real start on three lcores
# (two workers) logs "running", and SIGTERM / SIGINT stop it cleanly:
# exit status 0 and "stopping: 2 workers stopped, rings drained".
# usage: warmpoold_lifecycle.sh PATH/TO/warmpoold
set -u
bin=${1:?usage: $0 PATH/TO/warmpoold}
tmp=$(mktemp -d)
pid=
# EAL leaves an empty runtime directory per --file-prefix behind
rm_runtime_dir() {
	for d in /var/run/dpdk "${XDG_RUNTIME_DIR:-/tmp}/dpdk" /tmp/dpdk; do
		rmdir "$d/$1" 2>/dev/null || true
	done
}
prefixes=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
	for p in $prefixes; do rm_runtime_dir "$p"; done
	rm -rf "$tmp"
}
trap cleanup EXIT
out="$tmp/out"

fail() {
	echo "FAIL: $*"
	if [ -s "$out" ]; then sed 's/^/  | /' "$out"; fi
	exit 1
}

# --in-memory with --no-huge is refused by DPDK 22.11 itself; warmpoold
# replaces it with --no-shconf (and says so), which this run also checks.
eal="--no-huge --in-memory --no-pci --no-telemetry --log-level=warning"

# 1. --help: exit 0, every option listed (before and after "--")
for args in "--help" "-- --help" "-h"; do
	# shellcheck disable=SC2086
	"$bin" $args >"$out" 2>&1; rc=$?
	[ "$rc" -eq 0 ] || fail "'warmpoold $args' exited $rc, want 0"
	for o in --stats-interval --spin-polls --pause-polls --idle-sleep-us \
	         --verbose --help; do
		grep -q -- "$o" "$out" || fail "'warmpoold $args' does not list $o"
	done
done

# 2. bad options: exit 2 and say what is wrong, without starting anything
expect_2() { # expected-message args...
	msg=$1; shift
	"$bin" "$@" >"$out" 2>&1; rc=$?
	[ "$rc" -eq 2 ] || fail "'warmpoold $*' exited $rc, want 2"
	grep -q -- "$msg" "$out" || fail "'warmpoold $*' did not say: $msg"
}
expect_2 "unknown option '--bogus'" -- --bogus
expect_2 "invalid value 'abc' for --stats-interval" -- --stats-interval abc
expect_2 "invalid value '-5' for --idle-sleep-us" -- --idle-sleep-us -5
expect_2 "needs a value" -- --spin-polls
expect_2 "unexpected argument 'stray'" -- stray

# 3. lifecycle, once per stop signal
n=0
for sig in TERM INT; do
	n=$((n + 1))
	prefix="wpit-life-$$-$n"
	out="$tmp/run-$n" # a fresh file: never match the previous run's lines
	prefixes="$prefixes $prefix"
	# shellcheck disable=SC2086
	"$bin" $eal --lcores '0@0,1@1,2@1' --file-prefix "$prefix" -- \
		--stats-interval 20 --verbose >"$out" 2>&1 &
	pid=$!

	i=0
	until grep -q "running: 2 workers" "$out"; do
		kill -0 "$pid" 2>/dev/null || { wait "$pid"; fail "exited early ($?)"; }
		i=$((i + 1)); [ "$i" -le 300 ] || fail "no 'running' line in 30 s"
		sleep 0.1
	done
	# --verbose: the control core prints aggregated counters each interval
	i=0
	until grep -q "stats: workers=2 " "$out"; do
		i=$((i + 1)); [ "$i" -le 100 ] || fail "no stats line in 10 s"
		sleep 0.1
	done

	kill -"$sig" "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1)); [ "$i" -le 200 ] || fail "SIG$sig: still running after 20 s"
		sleep 0.1
	done
	wait "$pid"; rc=$?
	pid=
	[ "$rc" -eq 0 ] || fail "SIG$sig: exit status $rc, want 0"
	grep -Eq "stopping: 2 workers stopped, rings drained \(telemetry drops [0-9]+\)" \
		"$out" || fail "SIG$sig: no 'stopping' line for 2 workers"
	grep -q "using --no-shconf instead" "$out" ||
		fail "SIG$sig: --in-memory was not replaced by --no-shconf"
	# each worker handled exactly one command: its STOP
	grep -q "totals: workers=2 .* cmds=2 " "$out" ||
		fail "SIG$sig: totals do not show the 2 STOP commands"
	echo "SIG$sig: ok"
done
echo "warmpoold lifecycle: ok"
