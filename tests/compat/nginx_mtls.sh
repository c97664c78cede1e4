#!/usr/bin/env bash
# Client certificates with nginx on tern's libssl.so.3: ssl_client_certificate
# (its CA named in the CertificateRequest), ssl_verify_client on and
# optional_no_ca. The handshake completes whatever the verdict; nginx
# decides at the HTTP level: a client from the CA is served with its DN
# and SUCCESS logged; an untrusted certificate gets 400 ("The SSL
# certificate error"), none gets 400 ("No required SSL certificate was
# sent"); optional_no_ca serves and logs FAILED.
source "$(dirname "$0")/nginx_lib.bash"
need curl openssl
ngx_pki
P1=$(free_port) P2=$(free_port)
D=$WORK/ngx
# a client certificate from a CA nginx does not trust
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/rogue.key" \
  -out "$WORK/rogue.pem" -days 30 -subj '/CN=rogue client' 2>/dev/null
ngx_conf "$D" <<EOF2
server {
  listen 127.0.0.1:$P1 ssl;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_client_certificate $CA;
  ssl_verify_client on;
  location / { return 200 "hello \$ssl_client_s_dn\n"; }
}
server {
  listen 127.0.0.1:$P2 ssl;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_client_certificate $CA;
  ssl_verify_client optional_no_ca;
  location / { return 200 "verify \$ssl_client_verify\n"; }
}
EOF2
ngx_start "$D" tern "$P1" "$P2"
get() { curl -sS -o "$WORK/body" -w '%{http_code}' --cacert "$CA" "$@" 2>&1 || true; }

code=$(get --cert "$CLI" --key "$CLI_KEY" "https://localhost:$P1/")
[ "$code" = 200 ] || fail "a client certificate from the CA: HTTP $code $(cat "$WORK/body")"
grep -q 'CN=client.test' "$WORK/body" || fail "\$ssl_client_s_dn: $(cat "$WORK/body")"
line=$(ngx_last "$D")
grep -q 'SUCCESS "[^"]*CN=client.test' <<<"$line" || fail "the access log does not show the client's DN and SUCCESS: $line"
pass "a client certificate from the CA: served, its DN and SUCCESS logged"

code=$(get --cert "$WORK/rogue.pem" --key "$WORK/rogue.key" "https://localhost:$P1/")
[ "$code" = 400 ] || fail "an untrusted client certificate: HTTP $code, not 400"
grep -q 'The SSL certificate error' "$WORK/body" || fail "400 without nginx's words: $(head -c 300 "$WORK/body")"
grep -q 'FAILED:' <<<"$(ngx_last "$D")" || fail "the access log does not show the failed verdict: $(ngx_last "$D")"
code=$(get "https://localhost:$P1/")
[ "$code" = 400 ] && grep -q 'No required SSL certificate was sent' "$WORK/body" ||
  fail "no client certificate: HTTP $code $(head -c 300 "$WORK/body")"
pass "an untrusted client certificate gets 400 (The SSL certificate error), none gets 400 too"

out=$(timeout 10 openssl s_client -connect "127.0.0.1:$P1" -servername localhost -CAfile "$CA" </dev/null 2>&1 || true)
ca_subject=$(openssl x509 -in "$CA" -noout -subject -nameopt compat | sed 's/^subject=//')
names=$(grep -A3 'Acceptable client certificate CA names' <<<"$out" || true)
grep -qF -e "${ca_subject#/}" -e tern <<<"$names" ||
  fail "the CertificateRequest does not name ssl_client_certificate's CA: $(grep -A3 'Acceptable client' <<<"$out")"
pass "the CertificateRequest names the CA of ssl_client_certificate"

code=$(get --cert "$WORK/rogue.pem" --key "$WORK/rogue.key" "https://localhost:$P2/")
[ "$code" = 200 ] && grep -q 'verify FAILED' "$WORK/body" || fail "optional_no_ca with an untrusted certificate: HTTP $code $(cat "$WORK/body")"
pass "ssl_verify_client optional_no_ca serves an untrusted certificate and reports FAILED"
ngx_no_alerts "$D"
