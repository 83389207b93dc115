#!/bin/sh
# usage: run_fuzz.sh FUZZER SECONDS CORPUS_DIR WORK_DIR
# SECONDS = 0: replay every input of the checked-in corpus once.
# SECONDS > 0: fuzz that long starting from the corpus; new inputs go to
# WORK_DIR (in the build tree), never into the source tree. A crash leaves
# its reproducer in WORK_DIR and fails the test.
set -eu
fuzzer=$(readlink -f "$1") secs=$2 corpus=$(readlink -f "$3") work=$4
mkdir -p "$work"
cd "$work"
if [ "$secs" -eq 0 ]; then
	exec "$fuzzer" -runs=0 "$corpus"
fi
exec "$fuzzer" -max_total_time="$secs" -seed=1 -timeout=5 -rss_limit_mb=1024 \
	-print_final_stats=1 "$work" "$corpus"
