#!/bin/sh
# Every public header must compile on its own (STYLE.md habit 2).
# usage: header_check.sh INCLUDE_DIR CC
set -eu
inc=$1; cc=$2
cflags=$(pkg-config --cflags libdpdk)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0
for h in "$inc"/warmpool/*.h; do
  name=${h#"$inc"/}
  printf '#include <%s>\n' "$name" > "$tmp/t.c"
  # shellcheck disable=SC2086
  if ! $cc -std=gnu11 -Wall -Wextra -Werror -DALLOW_EXPERIMENTAL_API \
       $cflags -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"; then
    echo "FAIL: $name does not compile on its own"; exit 1
  fi
  n=$((n+1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no public headers found under $inc/warmpool"; exit 1; }
echo "$n public headers compile on their own"
