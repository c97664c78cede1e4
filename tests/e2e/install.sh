#!/usr/bin/env bash
# The installed package works for a user's program: cmake --install into a
# fresh prefix, then examples/https_get.c is built twice — with
# `pkg-config --cflags --libs tern` and with CMake's find_package(tern) —
# and each binary fetches a page from tern serve, verifying its certificate.
source "$(dirname "$0")/lib/tool.sh"
need cc:gcc cmake pkg-config python3
PREFIX=$WORK/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "cmake --install failed"; }
for f in include/tern/tern.h include/tern/status.h; do
  [ -f "$PREFIX/$f" ] || fail "$f was not installed"
done
LIBDIR=$(dirname "$(find "$PREFIX" -name tern.pc | head -1)")/..
[ -f "$LIBDIR/pkgconfig/tern.pc" ] || fail "tern.pc was not installed"
pass "installed into $PREFIX"

# Only tern_* symbols leave the shared library.
SO=$(find "$PREFIX" -name 'libtern.so*' -type f | head -1)
[ -n "$SO" ] || fail "no libtern.so installed"
bad=$(nm -D --defined-only "$SO" | awk '{print $3}' | grep -v '^tern_' | grep -v '^TERN_' || true)
[ -z "$bad" ] || fail "the shared library exports non-tern symbols: $(echo "$bad" | head -5 | tr '\n' ' ')"
pass "the shared library exports only tern_*"

export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
# A sanitizer build installs an instrumented library: its users must be
# built with the same runtime.
SAN=""
if grep -q '^TERN_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  SAN="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2046,SC2086
cc -Wall -Werror $SAN "$SRC/examples/https_get.c" $(pkg-config --cflags --libs tern) -o "$WORK/get_pc" \
  || fail "the example does not build with pkg-config"
pass "built with pkg-config"
# The README's way to run it without LD_LIBRARY_PATH or ldconfig: an rpath.
# shellcheck disable=SC2046,SC2086
cc -Wall -Werror $SAN "$SRC/examples/https_get.c" $(pkg-config --cflags --libs tern) \
  -Wl,-rpath,"$(pkg-config --variable=libdir tern)" -o "$WORK/get_rpath" \
  || fail "the example does not build with the README's rpath line"

mkdir -p "$WORK/proj"
cat >"$WORK/proj/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(uses_tern C)
find_package(tern REQUIRED)
add_executable(get_cm $SRC/examples/https_get.c)
target_link_libraries(get_cm PRIVATE tern::tern)
CM
cmake -S "$WORK/proj" -B "$WORK/proj/build" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_C_FLAGS="$SAN" >"$WORK/cm.log" 2>&1 &&
  cmake --build "$WORK/proj/build" >>"$WORK/cm.log" 2>&1 || { cat "$WORK/cm.log"; fail "find_package(tern) project does not build"; }
pass "built with find_package(tern)"

make_site
start_serve "$SITE"
for bin in "$WORK/get_pc" "$WORK/proj/build/get_cm"; do
  out=$(LD_LIBRARY_PATH=$LIBDIR "$bin" localhost "$PORT" /hello.txt "$CA" 2>"$WORK/err") ||
    { cat "$WORK/err"; fail "$(basename "$bin") failed"; }
  grep -q "plain text" <<<"$out" || fail "$(basename "$bin") got: $out"
  grep -q "TLS 1.3" "$WORK/err" || fail "$(basename "$bin") did not report the version: $(cat "$WORK/err")"
  # The same binary refuses a server it cannot verify (no CA given: the
  # system bundle does not know the development CA).
  if LD_LIBRARY_PATH=$LIBDIR "$bin" localhost "$PORT" /hello.txt >/dev/null 2>"$WORK/err2"; then
    fail "$(basename "$bin") accepted an untrusted server"
  fi
  grep -q "trusted root" "$WORK/err2" || fail "no clear sentence: $(cat "$WORK/err2")"
done
pass "both builds fetch over verified TLS and refuse an unknown CA"
out=$(env -u LD_LIBRARY_PATH "$WORK/get_rpath" localhost "$PORT" /hello.txt "$CA" 2>"$WORK/err") ||
  { cat "$WORK/err"; fail "the rpath build does not run without LD_LIBRARY_PATH"; }
grep -q "plain text" <<<"$out" || fail "the rpath build got: $out"
pass "the rpath build runs without LD_LIBRARY_PATH"

# examples/peer_chain.c prints the server's chain through the public X.509
# API; its leaf's fingerprint is what openssl computes from the same
# server; examples/pinning_client.c fetches with that key pinned, and
# refuses another pin.
need openssl
for ex in peer_chain pinning_client; do
  # shellcheck disable=SC2046,SC2086
  cc -Wall -Werror $SAN "$SRC/examples/$ex.c" $(pkg-config --cflags --libs tern) \
    -Wl,-rpath,"$(pkg-config --variable=libdir tern)" -o "$WORK/$ex" ||
    fail "examples/$ex.c does not build"
done
out=$("$WORK/peer_chain" localhost "$PORT" "$CA" 2>"$WORK/err") || { cat "$WORK/err"; fail "peer_chain failed: $out"; }
grep -q "^certificate 0" <<<"$out" || fail "peer_chain did not print the leaf: $out"
grep -q "  issuer:      CN=tern development CA" <<<"$out" || fail "peer_chain: no issuer: $out"
grep -q "  name:        DNS localhost" <<<"$out" || fail "peer_chain: no DNS SAN: $out"
grep -q "  key:         EC P-256, 256 bits" <<<"$out" || fail "peer_chain: no key line: $out"
grep -q "^verdict: ok" <<<"$out" || fail "peer_chain: no verdict: $out"
want=$(openssl s_client -connect "127.0.0.1:$PORT" -servername localhost </dev/null 2>/dev/null |
  openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//')
got=$(grep -m1 "  sha256:" <<<"$out" | awk '{print $2}')
[ -n "$want" ] && [ "$want" = "$got" ] || fail "peer_chain's leaf fingerprint $got is not openssl's $want"
pin=$(grep -m1 "  key pin:" <<<"$out" | awk '{print $3}')
pass "examples/peer_chain: the chain's fields, the leaf fingerprint equal to openssl's"
"$WORK/pinning_client" localhost "$PORT" "$pin" "$CA" >"$WORK/pin.out" 2>"$WORK/pin.err" ||
  fail "pinning_client refused the right pin: $(cat "$WORK/pin.err")"
grep -q "Hello from tern serve" "$WORK/pin.out" || fail "pinning_client got: $(cat "$WORK/pin.out")"
if "$WORK/pinning_client" localhost "$PORT" "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$CA" \
  >/dev/null 2>"$WORK/pin.err"; then
  fail "pinning_client accepted a wrong pin"
fi
grep -q "the server's key is not pinned" "$WORK/pin.err" || fail "pinning_client: $(cat "$WORK/pin.err")"
pass "examples/pinning_client: the right pin fetches, a wrong one is refused"

# examples/two_cert_server.c: ECDSA and RSA chains, each client gets the one
# it asks for; SIGHUP reloads them.
need openssl
# shellcheck disable=SC2046,SC2086
cc -Wall -Werror $SAN "$SRC/examples/two_cert_server.c" $(pkg-config --cflags --libs tern) \
  -Wl,-rpath,"$(pkg-config --variable=libdir tern)" -o "$WORK/two_cert_server" \
  || fail "examples/two_cert_server.c does not build"
TP=$(free_port)
D=$SRC/tests/data
"$WORK/two_cert_server" "$TP" "$D/server-p256-chain.pem" "$D/server-p256.key" \
  "$D/server-rsa-chain.pem" "$D/server-rsa.key" 2>"$WORK/two.log" &
TSP=$!
PIDS+=("$TSP")
for _ in $(seq 50); do grep -qs 'listening on port' "$WORK/two.log" && break; sleep 0.1; done
for want in "ECDSA+SHA256:0x0403" "RSA-PSS+SHA256:0x0804"; do
  out=$(openssl s_client -connect "127.0.0.1:$TP" -servername localhost -CAfile "$D/ca.pem" \
        -verify_return_error -sigalgs "${want%%:*}" -ign_eof </dev/null 2>&1 || true)
  grep -q "signed with scheme ${want##*:}" <<<"$out" || fail "two_cert_server with -sigalgs ${want%%:*}: $out"
done
kill -HUP "$TSP"
for _ in $(seq 50); do grep -qs 'reloaded the certificates' "$WORK/two.log" && break; sleep 0.1; done
grep -q 'reloaded the certificates' "$WORK/two.log" || fail "two_cert_server did not reload: $(cat "$WORK/two.log")"
out=$(openssl s_client -connect "127.0.0.1:$TP" -servername localhost -CAfile "$D/ca.pem" \
      -verify_return_error -ign_eof </dev/null 2>&1 || true)
grep -q "signed with scheme" <<<"$out" || fail "two_cert_server after SIGHUP: $out"
pass "examples/two_cert_server: ECDSA or RSA per client, SIGHUP reload"
echo "install: all passed"
