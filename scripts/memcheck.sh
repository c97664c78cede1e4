#!/usr/bin/env bash
# valgrind memcheck, leak checking included, over the fault-injection,
# alerts, handshake, resumption and session-store tests and the interop tests (tern's
# endpoint under valgrind against OpenSSL, GnuTLS, Python and Go), and the
# constant-time check (tests/unit/ct_test.c: secrets marked undefined, so a
# branch or index on them is an error). Any error fails the run.
#   scripts/memcheck.sh [BUILD_DIR]         all of it (make memcheck; ~6 min)
#   scripts/memcheck.sh quick [BUILD_DIR]   the constant-time, fault and
#                                           alerts tests only (make check; ~1 min)
# BUILD_DIR defaults to build-memcheck (a RelWithDebInfo build).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
if [ "${1:-}" = quick ]; then quick=true; shift; fi
build=${1:-build-memcheck}
scripts/deps.sh check >/dev/null
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 >/dev/null
vg="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect"
vg="$vg --errors-for-leak-kinds=definite,indirect --suppressions=$PWD/tests/valgrind.supp"
status=0
tests=(ct_test fault_test alerts_test)
$quick || tests+=(handshake_test resume_test store_test)
for t in "${tests[@]}"; do
  start=$(date +%s)
  # Every 10th truncation offset: valgrind is some 30 times slower.
  if TERN_FAULT_STRIDE=10 $vg "$build/tests/$t" >"$build/memcheck-$t.log" 2>&1; then
    echo "memcheck: $t clean ($(( $(date +%s) - start )) s)"
  else
    echo "memcheck: $t FAILED; its log:"; grep -v '^ok ' "$build/memcheck-$t.log" | tail -40
    status=1
  fi
done
$quick && exit $status
if TERN_WRAP="$vg" ctest --test-dir "$build" -L interop --output-on-failure >"$build/memcheck-interop.log" 2>&1; then
  echo "memcheck: interop clean ($(grep -E 'tests passed' "$build/memcheck-interop.log"))"
else
  echo "memcheck: interop FAILED; its log:"; tail -60 "$build/memcheck-interop.log"; status=1
fi
exit $status
