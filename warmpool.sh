#!/usr/bin/env bash
# warmpool.sh: one entry point for setting up, building, demoing and testing.
#
#   sudo ./warmpool.sh demo    install what is missing, build, run the main job
#   sudo ./warmpool.sh test    install what is missing, build, run every suite
#
# Other verbs: deps, build, hugepages, help. See README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$ROOT/build"
BUILD_SAN="$ROOT/build-san"

# Debian packages the project needs to build and test (Debian 12).
PACKAGES=(
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk libnuma-dev
	libbpf-dev libxdp-dev bpftool clang llvm
	libcmocka-dev libinih-dev
	libclang-rt-14-dev   # ASan/UBSan and libFuzzer runtimes for clang
	iproute2 procps ethtool
	libsodium-dev          # SipHash-2-4 for RFC 6528 ISNs and SYN cookies
	python3 nftables iptables hping3 tcpdump   # Linux peers and faults in integration tests
	dpdk-dev               # dpdk-telemetry.py: the control tests query rte_telemetry
	nginx wrk curl         # appliance tests: backends and clients (nginx runs from a temp prefix)
	iputils-ping           # steer tests: ping the appliance and Linux on one AF_XDP link
	haproxy gnuplot-nox valgrind   # perf harness (perf/compare.sh: peer proxy, plots; ring_profile.sh)
)

log() { printf 'warmpool: %s\n' "$*" >&2; }
die() { printf 'warmpool: error: %s\n' "$*" >&2; exit 1; }

usage() {
	cat <<'EOF'
usage: ./warmpool.sh VERB

  demo        deps + build + the main job: the perf harness, short (warmpoold and
              HAProxy in front of nginx in namespaces, wrk and wp-loadgen; prints
              req/s, latency, CPU per request and a telemetry frame)
  test        deps + build + every meson test suite, then the unit suite
              again under AddressSanitizer + UndefinedBehaviorSanitizer
  deps        install the Debian packages the project needs (idempotent)
  build       configure and build into build/
  hugepages   reserve 1024 x 2 MiB hugepages and mount hugetlbfs if possible
  help        this text

Run demo, test and deps as root (sudo): they may install packages and
reserve hugepages. Without hugepages everything falls back to --no-huge.
EOF
}

missing_packages() {
	local p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
			|| printf '%s\n' "$p"
	done
}

cmd_deps() {
	local missing
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	# shellcheck disable=SC2086
	log "installing: $(echo $missing)"
	[ "$(id -u)" -eq 0 ] || die "packages missing and not root: run 'sudo ./warmpool.sh deps'"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed (no network to the Debian mirror?)"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null \
		|| die "apt-get install failed for: $missing"
	missing=$(missing_packages)
	[ -z "$missing" ] || die "still missing after install: $missing"
}

cmd_build() {
	if [ ! -f "$BUILD/build.ninja" ]; then
		meson setup "$BUILD" "$ROOT" >/dev/null || die "meson setup failed (see $BUILD/meson-logs)"
	fi
	ninja -C "$BUILD" >/dev/null || { ninja -C "$BUILD"; die "build failed"; }
	log "built into $BUILD"
}

# Reserve and mount hugepages when we can; say so when we cannot. Callers
# then pass --no-huge (or not) according to free_hugepages. What was
# changed is remembered so hugepages_restore can undo it (the demo does).
HP_PREV=""
HP_MOUNTED=""
cmd_hugepages() {
	local want=1024 have
	have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	if [ "$have" -lt "$want" ] && [ -w /proc/sys/vm/nr_hugepages ]; then
		echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null && HP_PREV=$have || true
	fi
	if ! grep -qs ' hugetlbfs ' /proc/mounts && [ "$(id -u)" -eq 0 ]; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages 2>/dev/null \
			&& HP_MOUNTED=/dev/hugepages || true
	fi
	log "hugepages: $(free_hugepages) free x 2 MiB"
}

hugepages_restore() {
	[ -n "$HP_MOUNTED" ] && umount "$HP_MOUNTED" 2>/dev/null || true
	[ -n "$HP_PREV" ] && echo "$HP_PREV" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
}

free_hugepages() {
	local n
	n=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if grep -qs ' hugetlbfs ' /proc/mounts; then echo "${n:-0}"; else echo 0; fi
}

# EAL memory options: hugepages when there are enough, else --no-huge.
eal_mem_args() {
	if [ "$(free_hugepages)" -ge 64 ]; then
		echo "--file-prefix wp-demo-$$"
	else
		log "no free hugepages: falling back to --no-huge (see hw_notes.md)"
		echo "--no-huge --no-shconf"
	fi
}

cmd_demo() {
	cmd_deps
	cmd_build
	cmd_hugepages || true
	trap hugepages_restore EXIT
	# the perf harness, short: warmpoold and HAProxy in front of nginx in
	# network namespaces, wrk and wp-loadgen as clients (perf/compare.sh)
	log "demo: perf/compare.sh --demo (warmpoold vs HAProxy, ~2 minutes)"
	"$ROOT/perf/compare.sh" --demo --build "$BUILD" --out "$BUILD/perf-results"
}

cmd_test() {
	local rc=0
	cmd_deps
	cmd_build
	log "running every suite (build/)"
	meson test -C "$BUILD" --print-errorlogs --num-processes 2 || rc=1

	log "sanitize: unit suite under ASan+UBSan (build-san/)"
	if [ ! -f "$BUILD_SAN/build.ninja" ]; then
		meson setup "$BUILD_SAN" "$ROOT" -Db_sanitize=address,undefined -Db_lundef=false \
			-Dbuildtype=debug >/dev/null || die "meson setup of build-san failed"
	fi
	ninja -C "$BUILD_SAN" >/dev/null || { ninja -C "$BUILD_SAN"; die "sanitizer build failed"; }
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		meson test -C "$BUILD_SAN" --suite unit --print-errorlogs --num-processes 2 || rc=1

	if [ "$rc" -ne 0 ]; then
		log "FAILED: see the logs above and build*/meson-logs/testlog.txt"
	else
		log "all suites passed"
	fi
	return "$rc"
}

case "${1:-help}" in
	demo) cmd_demo ;;
	test) cmd_test ;;
	deps) cmd_deps ;;
	build) cmd_deps; cmd_build ;;
	hugepages) cmd_hugepages ;;
	help|-h|--help) usage ;;
	*) usage >&2; exit 2 ;;
esac
