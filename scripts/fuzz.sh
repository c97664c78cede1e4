#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each one.
#   scripts/fuzz.sh N       each target for N seconds, from its corpus
#   scripts/fuzz.sh brief   each target briefly over its corpus (make check)
#   scripts/fuzz.sh seeds   rewrite the recorded seeds of hs_client_fuzz,
#                           hs_server_fuzz and ticket_fuzz (tests/fuzz/hs_fuzz.h),
#                           and codec13_fuzz's (scripts/codec13_seeds.py)
# The build is build-fuzz/ (clang, libFuzzer, ASan+UBSan, TERN_FUZZING: the
# crypto provider's fuzzing mode; no shared library is built there).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-30}
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTERN_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build build-fuzz -j2 >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "$mode" = seeds ]; then
  TERN_FUZZ_SEEDS="$work" build-fuzz/tests/ticket_fuzz -runs=0
  for t in hs_client_fuzz hs_server_fuzz ticket_fuzz; do
    rm -f tests/fuzz/corpus/$t/seed-*
    mkdir -p tests/fuzz/corpus/$t
    cp "$work/$t"/seed-* tests/fuzz/corpus/$t/
  done
  python3 scripts/codec13_seeds.py # cut from the hellos just recorded
  exit 0
fi
status=0
for src in tests/fuzz/*_fuzz.c; do
  name=$(basename "$src" .c)
  corpus=tests/fuzz/corpus/$name
  mkdir -p "$work/$name"
  if [ "$mode" = brief ]; then
    args=(-runs=2000 -max_total_time=10)
  else
    args=(-max_total_time="$mode")
  fi
  echo "fuzz: $name ${args[*]}"
  if ! build-fuzz/tests/$name "${args[@]}" -print_final_stats=0 -close_fd_mask=3 \
       "$work/$name" "$corpus" >"$work/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; its log:"; tail -40 "$work/$name.log"; status=1
  else
    grep -E '^(#[0-9]+ *DONE|Done)' "$work/$name.log" | tail -1 || true
  fi
done
exit $status
