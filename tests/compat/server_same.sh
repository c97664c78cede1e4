#!/usr/bin/env bash
# Our own server written against OpenSSL's API (ossl_server.c) on Debian's
# libssl.so.3 and on tern's: chain and key from files, SSL_set_fd,
# SSL_accept, the SNI name, one request and its answer, both shutdown
# steps; Debian's curl is the client (close_notify after the body, so the
# second shutdown step completes). The printed lines must be the same.
source "$(dirname "$0")/lib.bash"
need curl openssl
server=$BUILD/tests/compat/ossl_server
[ -x "$server" ] || fail "no $server"
openssl_pki
# CLIENT: curl, or tern get (whose trace shows the group the server chose)
CLIENT=curl
run() { # LABEL [on_tern]: one server run and one client; prints the server's lines
  local pf=$WORK/port.$1 out=$WORK/server.$1
  rm -f "$pf"
  ${2:-} "$server" "$pf" "$OLEAF" "$OKEY" >"$out" 2>&1 &
  local pid=$!
  PIDS+=($pid)
  for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.1; done
  [ -s "$pf" ] || fail "$1: the server did not start: $(cat "$out")"
  if [ $CLIENT = curl ]; then
    local h=${HOSTNAME_AT:-localhost}
    body=$(curl -sS --cacert "$OCA" --resolve "$h:$(cat "$pf"):127.0.0.1" \
      "https://$h:$(cat "$pf")/x" 2>&1) || { [ -n "${EXPECT_FAIL:-}" ] && { wait $pid; cat "$out"; return; }; fail "$1: curl failed: $body; server: $(cat "$out")"; }
    [ -z "${EXPECT_FAIL:-}" ] || fail "$1: curl fetched though the server should refuse: $body"
  else
    body=$("$TERN" get --trace=json --cafile "$OCA" "https://localhost:$(cat "$pf")/x" 2>"$WORK/trace.$1") ||
      fail "$1: tern get failed: $(cat "$WORK/trace.$1"); server: $(cat "$out")"
  fi
  [ "$body" = "from s" ] || fail "$1: $CLIENT got '$body'"
  wait $pid || fail "$1: the server failed: $(cat "$out")"
  cat "$out"
}
deb=$(run debian)
ours=$(run tern on_tern)
if [ "$deb" != "$ours" ]; then
  diff <(echo "$deb") <(echo "$ours") || true
  fail "the server on tern's libssl and on Debian's differ (< Debian, > tern)"
fi
echo "$ours" | sed 's/^/    /'
grep -q '^accept: 1 (error 0)$' <<<"$ours" || fail "no handshake: $ours"
grep -q '^server name: localhost$' <<<"$ours" || fail "no SNI name: $ours"
grep -q '^request: GET /x$' <<<"$ours" || fail "the request: $ours"
pass "a server on OpenSSL's API: same lines on Debian's libssl and tern's (chain and key files, SNI, request, answer, shutdown)"

# Proof the server's side was tern's: with tern get as the client (which
# offers X25519MLKEM768 first), tern's libssl chooses it; Debian's OpenSSL
# 3.0 cannot, and asks again for another group.
CLIENT=tern
run tern-get-debian >/dev/null
run tern-get-tern on_tern >/dev/null
g() { grep '"name":"ServerHello"' "$WORK/trace.$1" | grep -o -m1 '"group","value":"[^"]*"' || true; }
[ "$(g tern-get-tern)" = '"group","value":"X25519MLKEM768"' ] ||
  fail "the server on tern's libssl did not choose X25519MLKEM768: $(g tern-get-tern)"
[ "$(g tern-get-debian)" != '"group","value":"X25519MLKEM768"' ] ||
  fail "Debian's libssl chose X25519MLKEM768?"
pass "tern get against the server: X25519MLKEM768 on tern's libssl, $(g tern-get-debian | sed 's/.*value"://') on Debian's"

# The chain given piece by piece (SSL_CTX_use_certificate, SSL_CTX_set0_chain,
# SSL_CTX_add0_chain_cert): curl can only verify the leaf through the
# intermediate the server sends.
CLIENT=curl
D=$SRC/tests/data
OLEAF=$D/server-p256-chain.pem OKEY=$D/server-p256.key OCA=$D/ca.pem
export OSSL_SERVER_SPLIT=1
deb=$(run split-debian)
ours=$(run split-tern on_tern)
unset OSSL_SERVER_SPLIT
[ "$deb" = "$ours" ] || { diff <(echo "$deb") <(echo "$ours") || true; fail "the split chain: the libraries differ"; }
grep -q '^chain: 1 (1 added, 1 held)$' <<<"$ours" || fail "the chain pieces: $ours"
pass "a chain set piece by piece is sent whole (curl verifies through the intermediate) on both libraries"

# The servername callback (nginx's virtual hosts): it sees the name, and
# SSL_set_SSL_CTX there switches to the second SSL_CTX's certificate, the
# one for b.test (curl verifies it for that name); refuse.test is refused.
D2=$WORK/b
mkdir -p "$D2"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D2/b.key" \
  -out "$D2/b.csr" -subj /CN=b.test 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:b.test\n' >"$D2/ext"
openssl_pki
openssl x509 -req -in "$D2/b.csr" -CA "$OCA" -CAkey "$WORK/opki/ca.key" -CAcreateserial \
  -out "$D2/b.pem" -days 30 -extfile "$D2/ext" 2>/dev/null || fail "could not make b.test's certificate"
export OSSL_SERVER_SNI=$D2/b.pem:$D2/b.key
for h in localhost b.test; do
  export HOSTNAME_AT=$h
  deb=$(run sni-$h-debian)
  ours=$(run sni-$h-tern on_tern)
  [ "$deb" = "$ours" ] || { diff <(echo "$deb") <(echo "$ours") || true; fail "SNI $h: the libraries differ"; }
  grep -q "^servername callback: 1 call(s), saw $h, SSL_CTX now $([ $h = b.test ] && echo second || echo first)\$" <<<"$ours" ||
    fail "SNI $h: $ours"
done
export HOSTNAME_AT=refuse.test EXPECT_FAIL=1
deb=$(run sni-refuse-debian)
ours=$(run sni-refuse-tern on_tern)
unset HOSTNAME_AT EXPECT_FAIL OSSL_SERVER_SNI
grep -q '^servername callback: 1 call(s), saw refuse.test, SSL_CTX now first$' <<<"$ours" || fail "SNI refuse: $ours"
grep -q '^accept: -1 (error 1)$' <<<"$ours" || fail "the refusing callback did not fail SSL_accept: $ours"
grep -q '^accept: -1 (error 1)$' <<<"$deb" || fail "Debian's: $deb"
pass "the servername callback: the name, SSL_set_SSL_CTX switching the certificate, a refusal; same on both libraries"

# The certificate callback gives the SSL a certificate of its own (b.test's,
# with SSL_use_certificate, SSL_set0_chain, SSL_use_PrivateKey): curl
# verifies it for b.test.
export OSSL_SERVER_CERT_CB=$D2/b.pem:$D2/b.key HOSTNAME_AT=b.test
deb=$(run certcb-debian)
ours=$(run certcb-tern on_tern)
unset OSSL_SERVER_CERT_CB HOSTNAME_AT
[ "$deb" = "$ours" ] || { diff <(echo "$deb") <(echo "$ours") || true; fail "the certificate callback: the libraries differ"; }
grep -q '^certificate callback: 1 call(s), SSL.s certificate set$' <<<"$ours" || fail "certificate callback: $ours"
pass "the certificate callback's own certificate for the SSL is the one sent (curl verifies b.test) on both libraries"
