#!/usr/bin/env bash
# Debian's unmodified curl on tern's libssl.so.3 (through the tern-openssl
# wrapper) fetches from tern serve with --cacert, and the server's JSON
# trace shows the group X25519MLKEM768: proof the ClientHello was tern's,
# since Debian's OpenSSL 3.0 cannot offer it (the same curl on Debian's
# libssl negotiates x25519, checked too). Verification goes through curl's
# X509_STORE: without --cacert the development CA is unknown (exit 60,
# OpenSSL's message); -k (SSL_VERIFY_NONE) still fetches.
source "$(dirname "$0")/lib.bash"
need curl
wrapper=$BUILD/tern-openssl
[ -x "$wrapper" ] || fail "no $wrapper"
make_site
start_serve "$SITE" --trace=json
U=https://localhost:$PORT
hellos() { grep '"name":"ServerHello"' "$SERVE_LOG" | grep -c "\"group\",\"value\":\"$1\"" || true; }

# The wrapper puts tern's library first.
w=$("$wrapper" ldd /usr/bin/curl)
grep -q "$BUILD/openssl/libssl.so.3" <<<"$w" || fail "tern-openssl does not load tern's libssl: $w"

before=$(hellos X25519MLKEM768)
body=$(on_tern curl -sS --fail --cacert "$CA" "$U/hello.txt") || fail "curl on tern's libssl could not fetch"
[ "$body" = "plain text" ] || fail "curl on tern got '$body'"
after=$(hellos X25519MLKEM768)
[ "$after" -eq $((before + 1)) ] || fail "no X25519MLKEM768 handshake in the trace for curl on tern ($before -> $after)"
cmp <(on_tern curl -sS --fail --cacert "$CA" "$U/big.bin") "$SITE/big.bin" || fail "big.bin came back different"
pass "curl --cacert on tern's libssl: hello.txt and a 300 kB body; the trace shows X25519MLKEM768"

x=$(hellos x25519)
body=$(curl -sS --fail --cacert "$CA" "$U/hello.txt") || fail "curl on Debian's libssl could not fetch"
[ "$(hellos x25519)" -eq $((x + 1)) ] || fail "curl on Debian's libssl did not show up as an x25519 handshake"
pass "the same curl on Debian's libssl negotiates x25519"

set +e
err=$(on_tern curl -sS --cacert /etc/ssl/certs/ca-certificates.crt "$U/hello.txt" 2>&1)
rc=$?
set -e
[ $rc -eq 60 ] || fail "an unknown CA: curl exit $rc, not 60: $err"
grep -q 'unable to get local issuer certificate' <<<"$err" || fail "curl's message: $err"
body=$(on_tern curl -sS -k "$U/hello.txt") || fail "curl -k on tern's libssl failed"
[ "$body" = "plain text" ] || fail "curl -k got '$body'"
pass "an unknown CA is refused (60, 'unable to get local issuer certificate'); -k still fetches"

# By IP address curl sends no SNI and checks the name itself, as on
# OpenSSL; a name the certificate does not cover is refused.
body=$(on_tern curl -sS --fail --cacert "$CA" "https://127.0.0.1:$PORT/hello.txt") || fail "curl by IP address on tern's libssl"
[ "$body" = "plain text" ] || fail "curl by IP got '$body'"
set +e
err=$(on_tern curl -sS --cacert "$CA" --resolve "elsewhere.test:$PORT:127.0.0.1" "https://elsewhere.test:$PORT/hello.txt" 2>&1)
rc=$?
set -e
[ $rc -eq 60 ] || [ $rc -eq 51 ] || fail "a name the certificate does not cover: curl exit $rc: $err"
pass "by IP address (no SNI) it fetches; a name the certificate does not cover is refused ($rc)"

# What curl -v reports of the TLS session reads the same on both libraries:
# version and suite, ALPN, the certificate's subject, dates, names, issuer.
tls_lines() { grep -E '^\* (SSL connection using|ALPN: server| subject:| start date:| expire date:| subjectAltName:| issuer:| SSL certificate verify)' || true; }
deb=$(curl -sv -o /dev/null --cacert "$CA" "$U/hello.txt" 2>&1 | tls_lines)
ours=$(on_tern curl -sv -o /dev/null --cacert "$CA" "$U/hello.txt" 2>&1 | tls_lines)
[ "$(grep -c . <<<"$deb")" -ge 6 ] || fail "curl -v on Debian's libssl reported too little: $deb"
if [ "$deb" != "$ours" ]; then
  diff <(echo "$deb") <(echo "$ours") || true
  fail "curl -v reads differently on tern's libssl (< Debian, > tern)"
fi
pass "curl -v's TLS lines (version, suite, ALPN, certificate) are the same on both libraries"

# curl's own settings reach tern through the ctrl commands: --tls-max 1.2
# (SSL_CTX_set_max_proto_version) gives a TLS 1.2 handshake, --curves
# (SSL_CTX_set1_groups_list) the group asked for, --tls13-ciphers
# (SSL_CTX_set_ciphersuites) the suite.
last_hello() { grep '"name":"ServerHello"' "$SERVE_LOG" | tail -1; }
on_tern curl -sS --fail -o /dev/null --cacert "$CA" --tls-max 1.2 "$U/hello.txt" || fail "--tls-max 1.2"
grep -q '"version","value":"TLS 1.2"' <<<"$(last_hello)" || fail "--tls-max 1.2 did not give TLS 1.2: $(last_hello)"
on_tern curl -sS --fail -o /dev/null --cacert "$CA" --curves P-256 "$U/hello.txt" || fail "--curves P-256"
grep -q '"group","value":"secp256r1"' <<<"$(last_hello)" || fail "--curves P-256: $(last_hello)"
on_tern curl -sS --fail -o /dev/null --cacert "$CA" --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 "$U/hello.txt" ||
  fail "--tls13-ciphers"
grep -q '"cipher_suite","value":"TLS_CHACHA20_POLY1305_SHA256"' <<<"$(last_hello)" ||
  fail "--tls13-ciphers: $(last_hello)"
pass "curl --tls-max 1.2, --curves P-256 and --tls13-ciphers take effect on tern's libssl"
