#!/usr/bin/env bash
# Client certificates from curl on tern's libssl: --cert/--key, and --key
# encrypted (PKCS#8, AES-256) with --pass, against tern serve
# --require-client-cert (its request log names the client's subject) and
# openssl s_server -Verify 1 (its page shows the client's certificate),
# TLS 1.3 and 1.2. A wrong --pass is curl's 58 and no certificate the
# server's refusal (56 from tern serve, its alert in OpenSSL's words), as
# on Debian's libssl.
source "$(dirname "$0")/curl_lib.bash"
need curl openssl stdbuf:coreutils
P=$WORK/pki
curl_pki "$P"
openssl pkey -in "$P/client.key" -aes256 -passout pass:s3cret -out "$WORK/client-enc.key" ||
  fail "openssl could not encrypt the client key"
cat "$P/client.pem" "$P/inter.pem" >"$WORK/client-chain.pem"
make_site
start_serve "$SITE" --trace=json --cert "$P/chain.pem" --key "$P/leaf.key" \
  --cafile "$P/root.pem" --require-client-cert
U=https://localhost:$PORT/hello.txt

for v in 1.3 1.2; do
  for key in plain encrypted; do
    args=(--key "$P/client.key")
    [ $key = encrypted ] && args=(--key "$WORK/client-enc.key" --pass s3cret)
    n=$(grep -c 'GET /hello.txt 200 .*CN=curl test client' "$SERVE_LOG" || true)
    body=$(on_tern curl -sS --fail --tls-max "$v" --cacert "$P/root.pem" --cert "$WORK/client-chain.pem" "${args[@]}" "$U") ||
      fail "tern serve, TLS $v, $key key: curl on tern's libssl failed"
    [ "$body" = "plain text" ] || fail "got '$body'"
    # the request's log line may come just after the response
    for _ in $(seq 50); do
      [ "$(grep -c 'GET /hello.txt 200 .*CN=curl test client' "$SERVE_LOG")" -gt "$n" ] && break
      sleep 0.1
    done
    [ "$(grep -c 'GET /hello.txt 200 .*CN=curl test client' "$SERVE_LOG")" -eq $((n + 1)) ] ||
      fail "tern serve, TLS $v, $key key: the request log names no client certificate"
    tern_hello_json "$v" || fail "tern serve, TLS $v: the ClientHello in the trace is not tern's"
  done
  pass "tern serve --require-client-cert, TLS $v: --cert with a plain --key and an encrypted one (--pass)"
done

both_rc "a wrong --pass" 58 -sS --cacert "$P/root.pem" --cert "$WORK/client-chain.pem" \
  --key "$WORK/client-enc.key" --pass wrong "$U"
grep -q 'unable to set private key file' <<<"$ERR" || fail "a wrong --pass: curl said: $ERR"
both_rc "no client certificate" 56 -sS --cacert "$P/root.pem" "$U"
grep -q 'tlsv13 alert certificate required' <<<"$ERR" || fail "no client certificate: curl said: $ERR"
pass "a wrong --pass (58) and no certificate for a server requiring one (56), as on Debian's libssl"

# openssl s_server -Verify 1: it asks for a certificate and verifies it
start_s_server -Verify 1 -CAfile "$P/root.pem" -verify_return_error
for v in 1.3 1.2; do
  : >"$WORK/s_server.log"
  page=$(on_tern timeout 20 curl -sS --fail --tls-max "$v" --cacert "$P/root.pem" --cert "$WORK/client-chain.pem" \
    --key "$WORK/client-enc.key" --pass s3cret "https://localhost:$SP/") ||
    fail "s_server -Verify 1, TLS $v: curl on tern's libssl failed: $(tail -5 "$WORK/s_server.log")"
  grep -q "Protocol  : TLSv$v" <<<"$page" || fail "s_server did not speak TLS $v"
  grep -q 'Client certificate' <<<"$page" && grep -q 'Subject: CN=curl test client' <<<"$page" ||
    fail "s_server -Verify 1, TLS $v: its page shows no client certificate"
  tern_hello_s_server "$v" "$WORK/s_server.log" || fail "s_server, TLS $v: its trace shows no tern ClientHello"
  pass "openssl s_server -Verify 1, TLS $v: it received and verified curl's certificate (encrypted key)"
done
