#!/usr/bin/env bash
# Our own client written against OpenSSL's API (ossl_client.c) runs on
# Debian's libssl.so.3 and then on tern's, against tern serve, and prints
# the same lines: the SSL_get_error sequence of the handshake (the first
# step reads from an empty memory BIO, so WANT_READ is certain; then
# SSL_set0_rbio hands over to the socket), verification result, peer
# certificate and chain, ex_data, the reads up to ZERO_RETURN, both
# shutdown steps, error strings. Three cases: the right CA with
# SSL_VERIFY_PEER, the system bundle (not the development CA) with
# SSL_VERIFY_PEER (refused: 20, "certificate verify failed") and with
# SSL_VERIFY_NONE (completes, result still 20); a verify callback that
# returns 1 (called with the error and the SSL at
# SSL_get_ex_data_X509_STORE_CTX_idx; the handshake completes, result 20);
# the callback's calls (depth, ok, error) and SSL_get0_verified_chain. Proof each run used the
# library it should: the server's trace shows X25519MLKEM768 for tern's
# runs only (Debian's OpenSSL 3.0 cannot offer it).
source "$(dirname "$0")/lib.bash"
need python3
client=$BUILD/tests/compat/ossl_client
[ -x "$client" ] || fail "no $client"
make_site
start_serve "$SITE" --trace=json
bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$bundle" ] || fail "no $bundle; run: scripts/deps.sh check (as root)"

hellos() { grep '"name":"ServerHello"' "$SERVE_LOG" | grep -c "\"group\",\"value\":\"$1\"" || true; }
cases=("$CA verify" "$bundle verify" "$bundle noverify" "$bundle verify cb" "$CA verify cb")
for c in "${cases[@]}"; do
  set -- $c
  deb=$("$client" localhost "$PORT" "$1" "$2" /hello.txt ${3:-} 2>&1) || fail "client on Debian's libssl failed: $deb"
  mlkem_before=$(hellos X25519MLKEM768)
  ours=$(on_tern "$client" localhost "$PORT" "$1" "$2" /hello.txt ${3:-} 2>&1) || fail "client on tern's libssl failed: $ours"
  mlkem_after=$(hellos X25519MLKEM768)
  if [ "$deb" != "$ours" ]; then
    diff <(echo "$deb") <(echo "$ours") || true
    fail "$(basename "$1") $2 ${3:-}: tern's libssl and Debian's differ (above: < Debian, > tern)"
  fi
  [ "$mlkem_after" -gt "$mlkem_before" ] || fail "$(basename "$1") $2: the run on tern's libssl did not negotiate X25519MLKEM768 (not tern's ClientHello?)"
  pass "$(basename "$1") $2 ${3:-}: same output on both libraries"
  echo "$ours" | sed 's/^/    /'
done

# The suites a program narrows to are the ones offered: one TLS 1.3 suite
# against tern serve, then (with TLS 1.2 as the maximum) one TLS 1.2 suite
# named in the cipher list; the same choice on both libraries.
for env in "OSSL_CLIENT_SUITES=TLS_CHACHA20_POLY1305_SHA256" \
           "OSSL_CLIENT_SUITES=TLS_AES_256_GCM_SHA384" \
           "OSSL_CLIENT_VERSIONS=0x0303:0x0303 OSSL_CLIENT_CIPHERS=ECDHE-ECDSA-CHACHA20-POLY1305"; do
  deb=$(env $env "$client" localhost "$PORT" "$CA" verify /hello.txt 2>&1) || fail "$env on Debian's: $deb"
  ours=$(env $env LD_LIBRARY_PATH="$TLIB" "$client" localhost "$PORT" "$CA" verify /hello.txt 2>&1) ||
    fail "$env on tern's: $ours"
  want=${env##*=}
  grep -q "^cipher: $want\$" <<<"$deb" || fail "$env: Debian's libssl chose otherwise: $deb"
  [ "$deb" = "$ours" ] || { diff <(echo "$deb") <(echo "$ours") || true; fail "$env: the libraries differ"; }
done
pass "SSL_CTX_set_ciphersuites and an explicit cipher list narrow the suites alike on both libraries"

# The runs must show what each case is about (so a client that printed
# nothing useful could not pass by agreeing with itself).
out=$(on_tern "$client" localhost "$PORT" "$CA" verify /hello.txt)
grep -q '^connect: WANT_READ,NONE -> 1$' <<<"$out" || fail "handshake sequence: $out"
grep -q '^verify result: 0 (ok)$' <<<"$out" || fail "verify result: $out"
grep -q '^read: NONE,ZERO_RETURN (status 200: 1)$' <<<"$out" || fail "reads: $out"
grep -q '^shutdown: - -> 1, flags 3$' <<<"$out" || fail "shutdown: $out"
grep -q '^peer: .*CN=localhost$' <<<"$out" || fail "peer certificate: $out"
out=$(on_tern "$client" localhost "$PORT" "$bundle" verify /hello.txt)
grep -q '^verify result: 20 ' <<<"$out" || fail "an unknown CA gave: $out"
grep -q 'reason=certificate verify failed' <<<"$out" || fail "no readable error string: $out"
# tern's sentence rides in the ERR entry's data
out=$(OSSL_CLIENT_ERR_DATA=1 on_tern "$client" localhost "$PORT" "$bundle" verify /hello.txt)
grep -q "^connect: error data: the peer's chain ends at '.*CN=localhost', whose issuer '.*CN=tern development CA.*' is not in the SSL_CTX's X509_STORE" <<<"$out" ||
  fail "tern's sentence is not in the error's data: $out"
# a verify callback that accepts lets the handshake through, the result kept
out=$(on_tern "$client" localhost "$PORT" "$bundle" verify /hello.txt cb)
grep -q '^verify callback: called 1, saw a failure 1 (error 20), found the SSL 1$' <<<"$out" ||
  fail "verify callback: $out"
grep -q '^connect: WANT_READ,NONE -> 1$' <<<"$out" || fail "the callback's 1 did not let the handshake on: $out"
grep -q '^verify callback calls (depth:ok:error): 0:0:20,0:0:21,0:1:21$' <<<"$out" || fail "verify callback calls on a refusal: $out"
# an accepted path: the callback once per certificate, the anchor first
out=$(on_tern "$client" localhost "$PORT" "$CA" verify /hello.txt cb)
grep -q '^verify callback calls (depth:ok:error): 1:1:0,0:1:0$' <<<"$out" || fail "verify callback calls on a good path: $out"
grep -q '^verified chain: 2 certificates$' <<<"$out" || fail "SSL_get0_verified_chain: $out"
d=$(grep '"name":"ServerHello"' "$SERVE_LOG" | grep -c '"group","value":"x25519"' || true)
[ "$d" -ge 3 ] || fail "Debian's libssl runs did not show up as x25519 handshakes ($d)"
pass "handshake, verify results, verify callback, reads to ZERO_RETURN, shutdown, error strings with tern's sentence as data; Debian's runs used x25519, tern's X25519MLKEM768"
