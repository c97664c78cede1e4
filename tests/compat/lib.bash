# Shared by tests/compat/*.sh (sourced): the e2e helpers, plus running a
# program on tern's libssl.so.3.
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib/tool.sh"
TLIB=$BUILD/openssl
[ -f "$TLIB/libssl.so.3" ] || fail "no $TLIB/libssl.so.3 (compat/openssl/ did not build)"
# on_tern CMD...: CMD with tern's libssl. In a sanitizer build the library
# needs the ASan runtime first in the process, which an uninstrumented
# program (curl) does not bring: preload it (leaks are then not checked:
# curl's own are not ours). Our instrumented test programs keep the check.
on_tern() {
  local pre=""
  local prog
  prog=$(command -v "$1")
  if grep -q libasan <<<"$(ldd "$TLIB/libssl.so.3")" && ! grep -q libasan <<<"$(ldd "$prog")"; then
    pre=$(gcc -print-file-name=libasan.so)
    ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0:verify_asan_link_order=0 \
      LD_PRELOAD=$pre LD_LIBRARY_PATH=$TLIB "$@"
  else
    LD_LIBRARY_PATH=$TLIB "$@"
  fi
}
