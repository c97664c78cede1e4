#!/usr/bin/env bash
# Debian's curl on tern's libssl.so.3 fetches over HTTPS from three
# servers: tern serve, openssl s_server -www and gnutls-serv --http, with
# TLS 1.3 and with --tls-max 1.2, the server's certificate chaining
# through an intermediate to --cacert. Each server says which version it
# spoke and shows that the ClientHello was tern's (curl_lib.bash: with TLS
# 1.3, X25519MLKEM768 offered, which Debian's OpenSSL 3.0 cannot; with
# 1.2, tern's groups and suites): tern serve's JSON trace, s_server
# -trace, gnutls-serv -d 4. The same checks on curl with Debian's libssl
# must fail, or they would prove nothing.
source "$(dirname "$0")/curl_lib.bash"
need curl openssl gnutls-serv:gnutls-bin stdbuf:coreutils
P=$WORK/pki
curl_pki "$P"
make_site

# tern serve
start_serve "$SITE" --trace=json --cert "$P/chain.pem" --key "$P/leaf.key"
last_hello() { grep '"name":"ServerHello"' "$SERVE_LOG" | tail -1; }
for v in 1.3 1.2; do
  body=$(on_tern curl -sS --fail --cacert "$P/root.pem" --tls-max "$v" "https://localhost:$PORT/hello.txt") ||
    fail "tern serve, TLS $v: curl on tern's libssl failed"
  [ "$body" = "plain text" ] || fail "tern serve, TLS $v: got '$body'"
  grep -q "\"version\",\"value\":\"TLS $v\"" <<<"$(last_hello)" || fail "tern serve did not speak TLS $v: $(last_hello)"
  tern_hello_json "$v" || fail "tern serve, TLS $v: the ClientHello in the trace is not tern's"
  curl -sS --fail -o /dev/null --cacert "$P/root.pem" --tls-max "$v" "https://localhost:$PORT/hello.txt" ||
    fail "tern serve, TLS $v: curl on Debian's libssl failed"
  if tern_hello_json "$v"; then fail "tern serve, TLS $v: Debian's ClientHello passes for tern's"; fi
  pass "tern serve: TLS $v through an intermediate; the trace shows tern's ClientHello (and not Debian's)"
done
kill "$SERVE_PID"

# openssl s_server -www (Debian's OpenSSL): its page names the version
start_s_server
for v in 1.3 1.2; do
  : >"$WORK/s_server.log"
  page=$(on_tern timeout 20 curl -sS --fail --cacert "$P/root.pem" --tls-max "$v" "https://localhost:$SP/") ||
    fail "s_server, TLS $v: curl on tern's libssl failed"
  grep -q "Protocol  : TLSv$v" <<<"$page" || fail "s_server did not speak TLS $v: $(grep Protocol <<<"$page")"
  tern_hello_s_server "$v" "$WORK/s_server.log" || fail "s_server, TLS $v: its trace shows no tern ClientHello"
  : >"$WORK/s_server.log"
  timeout 20 curl -sS --fail -o /dev/null --cacert "$P/root.pem" --tls-max "$v" "https://localhost:$SP/" ||
    fail "s_server, TLS $v: curl on Debian's libssl failed"
  if tern_hello_s_server "$v" "$WORK/s_server.log"; then fail "s_server, TLS $v: Debian's ClientHello passes for tern's"; fi
  pass "openssl s_server -www: TLS $v; its trace shows tern's ClientHello (and not Debian's)"
done

# gnutls-serv --http (Debian's GnuTLS): its page names the version, its
# debug log the groups received
GP=$(free_port)
gnutls-serv --http -p "$GP" -d 4 --x509certfile "$P/chain.pem" --x509keyfile "$P/leaf.key" \
  >"$WORK/gnutls.log" 2>&1 &
PIDS+=($!)
wait_port "$GP" $! || fail "gnutls-serv did not start: $(cat "$WORK/gnutls.log")"
for v in 1.3 1.2; do
  : >"$WORK/gnutls.log"
  page=$(on_tern timeout 20 curl -sS --fail --cacert "$P/root.pem" --tls-max "$v" "https://localhost:$GP/") ||
    fail "gnutls-serv, TLS $v: curl on tern's libssl failed"
  grep -q "Protocol version:</TD><TD>TLS$v" <<<"$page" || fail "gnutls-serv did not speak TLS $v"
  tern_hello_gnutls "$v" "$WORK/gnutls.log" || fail "gnutls-serv, TLS $v: its log shows no tern ClientHello"
  : >"$WORK/gnutls.log"
  timeout 20 curl -sS --fail -o /dev/null --cacert "$P/root.pem" --tls-max "$v" "https://localhost:$GP/" ||
    fail "gnutls-serv, TLS $v: curl on Debian's libssl failed"
  if tern_hello_gnutls "$v" "$WORK/gnutls.log"; then fail "gnutls-serv, TLS $v: Debian's ClientHello passes for tern's"; fi
  pass "gnutls-serv --http: TLS $v; its log shows tern's ClientHello (and not Debian's)"
done
