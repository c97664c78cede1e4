#!/usr/bin/env bash
# tern get fetches from other implementations' servers: OpenSSL's
# `s_server -WWW` (HTTP/1.0, the body ends with the connection) and
# GnuTLS's `gnutls-serv --http`.
source "$(dirname "$0")/lib/tool.sh"
need openssl gnutls-serv:gnutls-bin python3
openssl_pki
mkdir -p "$WORK/www"
printf 'served by openssl\n' >"$WORK/www/page.txt"

P=$(free_port)
cd "$WORK/www"
openssl s_server -accept "$P" -cert "$OLEAF" -key "$OKEY" -WWW -quiet >"$WORK/s_server.log" 2>&1 &
SP=$!
PIDS+=("$SP")
cd "$WORK"
wait_port "$P" "$SP" || fail "openssl s_server did not start"
get_smoke "https://localhost:$P/page.txt" "$OCA"
out=$("$TERN" get --cafile "$OCA" "https://localhost:$P/page.txt" 2>"$WORK/err") || { cat "$WORK/err"; fail "tern get from openssl s_server failed"; }
[ "$out" = "served by openssl" ] || fail "tern get from s_server printed '$out'"
out=$("$TERN" get --tls1.3 --cafile "$OCA" --trace=json "https://127.0.0.1:$P/page.txt" 2>"$WORK/trace") \
  || { cat "$WORK/trace"; fail "tern get --tls1.3 by IP from s_server failed"; }
[ "$out" = "served by openssl" ] || fail "by IP: '$out'"
grep -q 'TLS 1.3' "$WORK/trace" || fail "the trace does not say TLS 1.3"
pass "tern get <- openssl s_server -WWW"

P2=$(free_port)
gnutls-serv --http --x509certfile "$OLEAF" --x509keyfile "$OKEY" -p "$P2" >"$WORK/gnutls.log" 2>&1 &
GP=$!
PIDS+=("$GP")
wait_port "$P2" "$GP" || fail "gnutls-serv did not start"
out=$("$TERN" get --cafile "$OCA" "https://localhost:$P2/" 2>"$WORK/err") || { cat "$WORK/err"; fail "tern get from gnutls-serv failed"; }
grep -q 'GnuTLS' <<<"$out" || fail "gnutls-serv's page not seen: $(echo "$out" | head -5)"
grep -q 'Server Name: localhost' <<<"$out" || fail "gnutls-serv did not see our SNI"
pass "tern get <- gnutls-serv --http"
echo "get_peers: all passed"
