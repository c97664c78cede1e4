#!/usr/bin/env bash
# nginx on tern's libssl.so.3 as a TLS client: proxy_pass https:// to
# tern serve and to openssl s_server with proxy_ssl_verify on,
# proxy_ssl_trusted_certificate and proxy_ssl_server_name (refused, 502,
# for a name the certificate does not cover, or without the CA), a client
# certificate for an upstream that requires one (proxy_ssl_certificate,
# against tern serve --require-client-cert); and the stream module (a
# dynamic module): TLS termination in front of a plain upstream, and
# proxy_ssl from plain TCP to tern serve.
source "$(dirname "$0")/nginx_lib.bash"
need curl openssl
ngx_pki
make_site
start_serve "$SITE" --trace=json
TP=$PORT
TLOG=$SERVE_LOG
# tern serve asking every client for a certificate from the CA
MLOG=$WORK/mtls.log
"$TERN" serve --addr 127.0.0.1 --port 0 --state-dir "$WORK/state" --cafile "$CA" --require-client-cert \
  "$SITE" 2>"$MLOG" &
PIDS+=($!)
for _ in $(seq 100); do grep -qs '^listening on' "$MLOG" && break; sleep 0.1; done
MP=$(sed -n 's|^listening on https://[^ ]*:\([0-9]*\)/$|\1|p' "$MLOG" | head -1)
[ -n "$MP" ] || { cat "$MLOG"; fail "tern serve --require-client-cert did not start"; }
# openssl s_server answering GET with its -www status page
SP=$(free_port)
openssl s_server -accept "127.0.0.1:$SP" -cert "$ECC" -key "$ECC_KEY" -www -quiet >"$WORK/s_server.log" 2>&1 &
PIDS+=($!)
wait_port "$SP" "$!" || fail "openssl s_server did not start"

H=$(free_port) S1=$(free_port) S2=$(free_port) B=$(free_port)
D=$WORK/ngx
# (nginx 1.22's proxy_ssl_protocols leave TLS 1.3 out by default)
verify="proxy_ssl_protocols TLSv1.2 TLSv1.3; proxy_ssl_verify on; proxy_ssl_trusted_certificate $CA;
  proxy_ssl_server_name on;"
NGX_MAIN="$(ngx_stream_module)
stream {
  server {   # TLS termination in front of a plain upstream
    listen 127.0.0.1:$S1 ssl;
    ssl_certificate $ECC;
    ssl_certificate_key $ECC_KEY;
    proxy_pass 127.0.0.1:$B;
  }
  server {   # plain TCP in, TLS to tern serve
    listen 127.0.0.1:$S2;
    proxy_pass 127.0.0.1:$TP;
    proxy_ssl on;
    proxy_ssl_protocols TLSv1.2 TLSv1.3;
    proxy_ssl_verify on;
    proxy_ssl_trusted_certificate $CA;
    proxy_ssl_server_name on;
    proxy_ssl_name localhost;
  }
}" ngx_conf "$D" <<EOF2
# an upstream with a shared zone: nginx keeps its session serialized
# (i2d_SSL_SESSION) there and reads it back (d2i_SSL_SESSION)
upstream tern_zone {
  zone tern_zone 64k;
  server 127.0.0.1:$TP;
}
server {
  listen 127.0.0.1:$B;
  location / { return 200 "plain backend\n"; }
}
server {
  listen 127.0.0.1:$H;
  location /tern/ { proxy_pass https://localhost:$TP/; $verify }
  location /zone/ { proxy_pass https://tern_zone/; $verify proxy_ssl_name localhost; }
  location /s_server/ { proxy_pass https://localhost:$SP/; $verify }
  location /wrong-name/ { proxy_pass https://127.0.0.1:$TP/; $verify proxy_ssl_name wrong.test; }
  location /no-ca/ { proxy_pass https://localhost:$TP/; proxy_ssl_verify on;
    proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt; proxy_ssl_server_name on; }
  location /mtls/ { proxy_pass https://localhost:$MP/; $verify
    proxy_ssl_certificate $CLI; proxy_ssl_certificate_key $CLI_KEY; }
  location /mtls-none/ { proxy_pass https://localhost:$MP/; $verify proxy_ssl_session_reuse off; }
}
EOF2
ngx_start "$D" tern "$H" "$S1" "$S2" "$B"
get() { curl -sS -o "$WORK/body" -w '%{http_code}' "$@" 2>&1 || true; }

code=$(get "http://127.0.0.1:$H/tern/hello.txt")
[ "$code" = 200 ] && [ "$(cat "$WORK/body")" = "plain text" ] || fail "proxy to tern serve: $code $(cat "$WORK/body")"
last_sh=$(grep '"name":"ServerHello"' "$TLOG" | tail -1)
grep -q X25519MLKEM768 <<<"$last_sh" ||
  fail "nginx's upstream handshake was not tern's (no X25519MLKEM768 in tern serve's trace)"
cmp <(curl -sS "http://127.0.0.1:$H/tern/big.bin") "$SITE/big.bin" || fail "big.bin through the proxy came back different"
pass "proxy_pass https:// to tern serve, verified (X25519MLKEM768: nginx's client hello was tern's)"
# proxy_ssl_session_reuse (on by default): the next connection resumes
# the session nginx kept (i2d/d2i_SSL_SESSION in its upstream's memory),
# and the name check still sees the certificate
resumed() { grep -c '"key":"resumption","value":true' "$TLOG" || true; }
r0=$(resumed)
code=$(get "http://127.0.0.1:$H/tern/hello.txt")
[ "$code" = 200 ] || fail "a proxied request on a resumed upstream session: HTTP $code"
[ "$(resumed)" -gt "$r0" ] || fail "nginx's next upstream connection did not resume (proxy_ssl_session_reuse)"
r0=$(resumed)
for i in 1 2 3; do
  code=$(get "http://127.0.0.1:$H/zone/hello.txt")
  [ "$code" = 200 ] || fail "request $i through the upstream with a shared zone: HTTP $code"
done
[ "$(resumed)" -ge $((r0 + 2)) ] || fail "the upstream with a shared zone did not resume (its sessions are serialized)"
pass "proxy_ssl_session_reuse: the next upstream connection resumes and is still verified, also from a serialized session (upstream zone)"

code=$(get "http://127.0.0.1:$H/s_server/")
[ "$code" = 200 ] && grep -q 's_server' "$WORK/body" || fail "proxy to openssl s_server: $code $(head -c 300 "$WORK/body")"
pass "proxy_pass https:// to openssl s_server, verified"

code=$(get "http://127.0.0.1:$H/wrong-name/hello.txt")
[ "$code" = 502 ] || fail "a name the upstream's certificate does not cover: HTTP $code"
grep -q 'upstream SSL certificate\|certificate verify failed\|does not match' "$D/error.log" ||
  fail "the error log does not say why the wrong name was refused"
code=$(get "http://127.0.0.1:$H/no-ca/hello.txt")
[ "$code" = 502 ] || fail "an upstream whose CA is not trusted: HTTP $code"
grep -q 'upstream SSL certificate verify error\|certificate verify failed' "$D/error.log" ||
  fail "the error log does not say the upstream's certificate did not verify"
pass "refused (502) for a wrong name and for an untrusted CA, the error log saying why"

code=$(get "http://127.0.0.1:$H/mtls/hello.txt")
[ "$code" = 200 ] && [ "$(cat "$WORK/body")" = "plain text" ] || fail "proxy_ssl_certificate to a server requiring one: $code $(cat "$WORK/body")"
code=$(get "http://127.0.0.1:$H/mtls-none/hello.txt")
[ "$code" = 502 ] || fail "without proxy_ssl_certificate the mTLS upstream should refuse: HTTP $code"
pass "proxy_ssl_certificate: the upstream requiring a client certificate serves with it, refuses without"

body=$(curl -sS --fail --cacert "$CA" "https://localhost:$S1/") || fail "stream TLS termination"
[ "$body" = "plain backend" ] || fail "stream TLS termination read '$body'"
body=$(curl -sS --fail "http://127.0.0.1:$S2/hello.txt") || fail "stream proxy_ssl to tern serve"
[ "$body" = "plain text" ] || fail "stream proxy_ssl read '$body'"
pass "stream module: TLS termination, and proxy_ssl (verified) to tern serve"
ngx_no_alerts "$D" 'certificate_required'  # /mtls-none/
