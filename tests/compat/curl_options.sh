#!/usr/bin/env bash
# curl's TLS options reach tern through the layer, shown by the servers:
# --ciphers (SSL_CTX_set_cipher_list) picks the TLS 1.2 suite,
# --tls13-ciphers (SSL_CTX_set_ciphersuites) the TLS 1.3 one, --curves
# (SSL_CTX_set1_groups_list) the groups: X25519MLKEM768:X25519 gives the
# hybrid with tern serve and falls back to X25519 with openssl s_server
# (OpenSSL 3.0 has no ML-KEM; its trace shows it offered). A cipher
# string naming only suites below tern's floor fails to set (curl's 59).
source "$(dirname "$0")/curl_lib.bash"
need curl openssl stdbuf:coreutils
P=$WORK/pki
curl_pki "$P"
make_site
start_serve "$SITE" --trace=json --cert "$P/chain.pem" --key "$P/leaf.key"
U=https://localhost:$PORT/hello.txt
last() { grep "\"name\":\"$1\"" "$SERVE_LOG" | tail -1; }
get() { on_tern curl -sS --fail -o /dev/null --cacert "$P/root.pem" "$@" "$U" || fail "curl $* on tern's libssl failed"; }

for s in ECDHE-ECDSA-AES256-GCM-SHA384:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 \
  ECDHE-ECDSA-CHACHA20-POLY1305:TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256; do
  get --tls-max 1.2 --ciphers "${s%%:*}"
  grep -q "\"cipher_suite\",\"value\":\"${s#*:}\"" <<<"$(last ServerHello)" || fail "--ciphers ${s%%:*}: $(last ServerHello)"
  grep -q "\"cipher_suites\",\"value\":\\[\"${s#*:}\"\\]" <<<"$(last ClientHello)" ||
    fail "--ciphers ${s%%:*}: the ClientHello offered more: $(last ClientHello)"
done
pass "--ciphers: the ClientHello offers just the suite named, and the server takes it"

for s in TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
  get --tls13-ciphers "$s"
  grep -q "\"cipher_suite\",\"value\":\"$s\"" <<<"$(last ServerHello)" || fail "--tls13-ciphers $s: $(last ServerHello)"
done
pass "--tls13-ciphers: the TLS 1.3 suite named is used"

get --curves X25519MLKEM768:X25519
grep -q '"group","value":"X25519MLKEM768"' <<<"$(last ServerHello)" || fail "--curves X25519MLKEM768:X25519: $(last ServerHello)"
grep -q '"groups","value":\["X25519MLKEM768","x25519"\]' <<<"$(last ClientHello)" ||
  fail "--curves X25519MLKEM768:X25519: the ClientHello offered $(last ClientHello)"
get --curves X25519
grep -q '"group","value":"x25519"' <<<"$(last ServerHello)" || fail "--curves X25519: $(last ServerHello)"
grep -q '"groups","value":\["x25519"\]' <<<"$(last ClientHello)" || fail "--curves X25519: the ClientHello offered $(last ClientHello)"
pass "--curves X25519MLKEM768:X25519 gives X25519MLKEM768 with tern serve; --curves X25519 offers x25519 alone"

start_s_server
: >"$WORK/s_server.log"
page=$(on_tern timeout 20 curl -sS --fail --cacert "$P/root.pem" --curves X25519MLKEM768:X25519 "https://localhost:$SP/") ||
  fail "s_server, --curves X25519MLKEM768:X25519: curl on tern's libssl failed"
tern_hello_s_server 1.3 "$WORK/s_server.log" || fail "s_server's trace shows no X25519MLKEM768 offered"
# the ServerHello's key share is x25519 (the ClientHello's two come first)
[ "$(grep -a 'NamedGroup:' "$WORK/s_server.log" | tr -s ' ')" = "$(printf ' NamedGroup: UNKNOWN (4588)\n NamedGroup: ecdh_x25519 (29)\n NamedGroup: ecdh_x25519 (29)')" ] ||
  fail "s_server's key shares: $(grep -a 'NamedGroup:' "$WORK/s_server.log")"
page=$(on_tern timeout 20 curl -sS --fail --cacert "$P/root.pem" --tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305 "https://localhost:$SP/") ||
  fail "s_server, --ciphers: curl on tern's libssl failed"
grep -q 'Cipher    : ECDHE-ECDSA-CHACHA20-POLY1305' <<<"$page" || fail "s_server, --ciphers: $(grep 'Cipher    :' <<<"$page")"
pass "openssl s_server: X25519MLKEM768 offered, X25519 taken; --ciphers names the TLS 1.2 suite it uses"

# AES128-SHA (RSA key exchange, CBC) is below tern's floor: nothing is
# left, so the list does not set and curl stops before connecting (59);
# Debian's libssl offers it and the server refuses (35).
set +e
err=$(on_tern curl -sS --cacert "$P/root.pem" --tls-max 1.2 --ciphers AES128-SHA "$U" 2>&1)
rc=$?
set -e
[ $rc -eq 59 ] || fail "--ciphers AES128-SHA: curl on tern's libssl exits $rc, not 59: $err"
grep -q 'failed setting cipher list: AES128-SHA' <<<"$err" || fail "--ciphers AES128-SHA: curl said: $err"
pass "--ciphers naming only a CBC suite below tern's floor: the list does not set (59)"
