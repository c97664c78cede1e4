#!/usr/bin/env bash
# Resumption with client certificates, nginx on tern's libssl.so.3 beside
# the same configuration on Debian's OpenSSL (ssl_verify_client on, the
# shared cache): a session made with a verified client certificate
# resumes (TLS 1.3 and 1.2) and the resumed connection still reports the
# client's verdict and DN, as OpenSSL keeps them in the session; offered
# to another server name, whose ssl_client_certificate is another CA, it
# must never be served (OpenSSL: nginx refuses the handshake, access
# denied, or answers 421).
source "$(dirname "$0")/nginx_lib.bash"
need openssl
ngx_pki
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/own.key" \
  -out "$WORK/own.pem" -days 30 -subj '/CN=other test client' \
  -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=clientAuth 2>/dev/null
# run LIB: nginx on LIB; RESULT holds, per version, the resumed
# connection's answer on the same name and on the other one
run() {
  local lib=$1 p d=$WORK/ngx-$1 v sess out same other
  p=$(free_port)
  ngx_conf "$d" <<EOF2
ssl_session_cache shared:S:1m;
server {
  listen 127.0.0.1:$p ssl default_server;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_client_certificate $CA;
  ssl_verify_client on;
  location / { return 200 "localhost \$ssl_client_verify \$ssl_session_reused \$ssl_client_s_dn\n"; }
}
server {
  listen 127.0.0.1:$p ssl;
  server_name other.test;
  ssl_certificate $OTHER;
  ssl_certificate_key $OTHER_KEY;
  ssl_client_certificate $WORK/own.pem;
  ssl_verify_client on;
  location / { return 200 "other \$ssl_client_verify \$ssl_session_reused\n"; }
}
EOF2
  ngx_start "$d" "$lib" "$p"
  RESULT=""
  for v in -tls1_3 -tls1_2; do
    sess=$WORK/sess$lib$v
    printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$p" \
      -servername localhost "$v" -CAfile "$CA" -cert "$CLI" -key "$CLI_KEY" -sess_out "$sess" -ign_eof >/dev/null 2>&1 || true
    same=none other=none
    if [ -s "$sess" ]; then
      out=$(printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$p" \
        -servername localhost "$v" -CAfile "$CA" -sess_in "$sess" -ign_eof 2>&1 || true)
      same=$(grep -E '^localhost ' <<<"$out" | tr ' ' '_' || true)
      [ -n "$same" ] || same=$(grep -oE 'HTTP/1.1 [0-9]+' <<<"$out" | tr ' ' '_' || echo failed)
      out=$(printf 'GET / HTTP/1.0\r\nHost: other.test\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$p" \
        -servername other.test "$v" -CAfile "$CA" -sess_in "$sess" -ign_eof 2>&1 || true)
      if grep -q '^other ' <<<"$out"; then other=SERVED; else other=refused; fi
    fi
    RESULT="$RESULT $v:$same:$other"
  done
  ngx_stop "$NGX_PID"
  ngx_no_alerts "$d"
}
run openssl
o_result=$RESULT
grep -q -- '-tls1_3:localhost_SUCCESS_r_[^:]*CN=client.test[^:]*:refused -tls1_2:localhost_SUCCESS_r_[^:]*CN=client.test[^:]*:refused' <<<"$o_result" ||
  fail "on Debian's OpenSSL the setup itself does not hold ($o_result): this test would prove nothing"
run tern
if grep -q ':SERVED' <<<"$RESULT"; then
  fail "a session made for localhost with its client certificate was served on other.test: $RESULT"
fi
pass "a client-certificate session is never served on another server name ($RESULT)"
[ "$RESULT" = "$o_result" ] ||
  fail "the resumptions differ (tern '$RESULT', OpenSSL '$o_result'): a session with a verified client certificate must resume and report SUCCESS and the DN"
pass "sessions with client certificates resume on TLS 1.3 and 1.2, reporting the verdict and DN, as on OpenSSL"
