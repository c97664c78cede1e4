#!/usr/bin/env bash
# tern's security floor holds through libssl.so.3: a program that asks for
# TLS 1.0 (minimum and maximum), all ciphers at security level 0, and the
# legacy renegotiation options still gets nothing below TLS 1.2 from tern.
# The same client on Debian's libssl does connect to the TLS 1.0 server,
# so the server and the request are real; on tern's it is refused, and
# against a TLS 1.2 server with those options it negotiates TLS 1.2 with an
# AEAD suite.
source "$(dirname "$0")/lib.bash"
need openssl
client=$BUILD/tests/compat/ossl_client
openssl_pki
sport=$(free_port)
openssl s_server -accept "$sport" -cert "$OLEAF" -key "$OKEY" -tls1 -cipher 'ALL:@SECLEVEL=0' \
  -www -quiet >"$WORK/s10.log" 2>&1 &
PIDS+=($!)
wait_port "$sport" $! || fail "openssl s_server -tls1 did not start: $(cat "$WORK/s10.log")"
export OSSL_CLIENT_VERSIONS=0x0301:0x0301 OSSL_CLIENT_CIPHERS='ALL:@SECLEVEL=0' OSSL_CLIENT_LEGACY=1
deb=$("$client" localhost "$sport" "$OCA" verify / 2>&1) || fail "client on Debian's libssl: $deb"
grep -q '^connect: WANT_READ,NONE -> 1$' <<<"$deb" ||
  fail "Debian's libssl did not reach the TLS 1.0 server, so this test proves nothing: $deb"
ours=$(on_tern "$client" localhost "$sport" "$OCA" verify / 2>&1) || fail "client on tern's libssl: $ours"
grep -q '^versions set: 1$' <<<"$ours" || fail "setting TLS 1.0 as minimum and maximum was refused: $ours"
# nothing at or below the maximum is a version tern speaks: refused before
# a ClientHello goes out, in OpenSSL's words
grep -q '^connect: SSL,FAIL -> -1$' <<<"$ours" || fail "tern's libssl connected to a TLS 1.0 server: $ours"
grep -q 'reason=no protocols available' <<<"$ours" || fail "not 'no protocols available': $ours"
pass "asked for TLS 1.0 with every cipher and legacy options: Debian's libssl connects, tern's refuses ('no protocols available')"

sport2=$(free_port)
openssl s_server -accept "$sport2" -cert "$OLEAF" -key "$OKEY" -tls1_2 -www >"$WORK/s12.log" 2>&1 &
PIDS+=($!)
wait_port "$sport2" $! || fail "openssl s_server -tls1_2 did not start"
export OSSL_CLIENT_VERSIONS=0x0301:0x0303
ours=$(on_tern "$client" localhost "$sport2" "$OCA" verify / 2>&1) || fail "client on tern's libssl: $ours"
grep -q '^connect: WANT_READ,NONE -> 1$' <<<"$ours" || fail "no TLS 1.2 handshake: $ours"
grep -q '^version: TLSv1.2$' <<<"$ours" || fail "not TLS 1.2: $ours"
grep -qE '^cipher: ECDHE-(RSA|ECDSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$' <<<"$ours" ||
  fail "not an ECDHE AEAD suite: $ours"
pass "with the same options against a TLS 1.2 server: TLS 1.2 with an ECDHE AEAD suite"
