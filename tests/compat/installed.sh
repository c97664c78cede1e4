#!/usr/bin/env bash
# The installed layer: cmake --install puts libssl.so.3 under
# LIBDIR/tern/openssl/ (no libssl.so link there, so nothing links against
# it by accident) and the tern-openssl wrapper in bin/, which runs
# Debian's curl on the installed library: it fetches from tern serve with
# --cacert and the trace shows X25519MLKEM768.
source "$(dirname "$0")/lib.bash"
need curl
PREFIX=$WORK/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "cmake --install failed"; }
so=$(find "$PREFIX" -path '*/tern/openssl/libssl.so.3' | head -1)
[ -n "$so" ] || fail "no LIBDIR/tern/openssl/libssl.so.3 installed: $(find "$PREFIX" -name 'libssl*')"
[ ! -e "$(dirname "$so")/libssl.so" ] || fail "a libssl.so development link was installed beside it"
w=$PREFIX/bin/tern-openssl
[ -x "$w" ] || fail "no bin/tern-openssl installed"
first=$(env -u LD_LIBRARY_PATH "$w" sh -c 'echo "${LD_LIBRARY_PATH%%:*}"')
[ "$(realpath "$first")" = "$(realpath "$(dirname "$so")")" ] ||
  fail "tern-openssl points at '$first', not $(dirname "$so")"
"$w" >/dev/null 2>&1 && fail "tern-openssl without a command should fail"
pass "installed: $(realpath --relative-to="$PREFIX" "$so"), bin/tern-openssl"
# In a sanitizer build the installed library needs the ASan runtime that
# curl does not bring; lib.bash's on_tern knows how: use it with the
# installed folder.
TLIB=$(dirname "$so")
make_site
start_serve "$SITE" --trace=json
if grep -q libasan <<<"$(ldd "$so")"; then
  body=$(on_tern curl -sS --fail --cacert "$CA" "https://localhost:$PORT/hello.txt") || fail "curl on the installed library"
else
  body=$("$w" curl -sS --fail --cacert "$CA" "https://localhost:$PORT/hello.txt") || fail "tern-openssl curl failed"
fi
[ "$body" = "plain text" ] || fail "got '$body'"
grep -q '"name":"ServerHello".*"group","value":"X25519MLKEM768"' "$SERVE_LOG" ||
  fail "the trace shows no X25519MLKEM768 handshake"
pass "tern-openssl curl --cacert fetches from tern serve over X25519MLKEM768"
