#!/usr/bin/env bash
# Client certificates per server name with nginx on tern's libssl.so.3,
# beside the same configuration on Debian's OpenSSL: two server blocks on
# one port, each with its own ssl_client_certificate. The servername
# callback's SSL_set_SSL_CTX must switch the store that verifies the
# client's certificate and the CA names the CertificateRequest sends: a
# client certificate from localhost's CA is served by localhost and
# refused (400) by other.test, and the other way round.
source "$(dirname "$0")/nginx_lib.bash"
need curl openssl
ngx_pki
# other.test trusts a CA of its own (a self-signed client certificate)
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/own.key" \
  -out "$WORK/own.pem" -days 30 -subj '/CN=other test client' \
  -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=clientAuth 2>/dev/null
# codes LIB: nginx on LIB; sets CODES ("localhost/ours localhost/own
# other/ours other/own", HTTP codes) and NAMES (the CA names s_client saw
# for each name)
run() {
  local lib=$1 p d=$WORK/ngx-$1 a b c e
  p=$(free_port)
  ngx_conf "$d" <<EOF2
server {
  listen 127.0.0.1:$p ssl default_server;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_client_certificate $CA;
  ssl_verify_client on;
  location / { return 200 "localhost \$ssl_client_s_dn\n"; }
}
server {
  listen 127.0.0.1:$p ssl;
  server_name other.test;
  ssl_certificate $OTHER;
  ssl_certificate_key $OTHER_KEY;
  ssl_client_certificate $WORK/own.pem;
  ssl_verify_client on;
  location / { return 200 "other \$ssl_client_s_dn\n"; }
}
EOF2
  ngx_start "$d" "$lib" "$p"
  get() { curl -sS -o /dev/null -w '%{http_code}' --cacert "$CA" --resolve "other.test:$p:127.0.0.1" "$@" 2>&1 || true; }
  a=$(get --cert "$CLI" --key "$CLI_KEY" "https://localhost:$p/")
  b=$(get --cert "$WORK/own.pem" --key "$WORK/own.key" "https://localhost:$p/")
  c=$(get --cert "$CLI" --key "$CLI_KEY" "https://other.test:$p/")
  e=$(get --cert "$WORK/own.pem" --key "$WORK/own.key" "https://other.test:$p/")
  CODES="$a $b $c $e"
  NAMES=""
  for name in localhost other.test; do
    out=$(timeout 10 openssl s_client -connect "127.0.0.1:$p" -servername "$name" </dev/null 2>&1 || true)
    NAMES="$NAMES $name:$(sed -n '/Acceptable client certificate CA names/{n;p}' <<<"$out" | tr -d ' ')"
  done
  ngx_stop "$NGX_PID"
  ngx_no_alerts "$d"
}
run openssl
o_codes=$CODES o_names=$NAMES
[ "$o_codes" = "200 400 400 200" ] || fail "on Debian's OpenSSL the setup itself does not hold ($o_codes): this test would prove nothing"
run tern
[ "$CODES" = "$o_codes" ] ||
  fail "HTTP codes (localhost with its CA's client, with other.test's; other.test with each): tern '$CODES', OpenSSL '$o_codes'"
pass "each server name verifies client certificates against its own ssl_client_certificate ($CODES, as on OpenSSL)"
[ "$NAMES" = "$o_names" ] || fail "the CA names sent per server name: tern '$NAMES', OpenSSL '$o_names'"
grep -q 'other.test:CN=othertestclient' <<<"$NAMES" || fail "other.test's CertificateRequest does not name its CA: $NAMES"
pass "the CertificateRequest names each server's CA, as on OpenSSL:$NAMES"
