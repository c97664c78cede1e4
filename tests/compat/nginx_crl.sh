#!/usr/bin/env bash
# Client certificates against a CRL with nginx on tern's libssl.so.3
# (ssl_client_certificate, ssl_crl, ssl_verify_client on, ssl_verify_depth,
# $ssl_client_verify, $ssl_client_fingerprint), beside the same
# configuration on Debian's OpenSSL: a client certificate that the CRL
# does not list is served, a revoked one gets 400 with the verdict
# "FAILED:certificate revoked" on both, and the fingerprint nginx reports
# is the certificate's SHA-1 (OpenSSL's X509_digest on the object the
# layer hands over).
source "$(dirname "$0")/nginx_lib.bash"
need curl openssl
ngx_pki
source "$SRC/tests/common/revoked_pki.bash"
C=$WORK/crlca
{ revoked_pki "$C" && revoked_clients "$C"; } || { cat "$C/log"; fail "openssl ca could not make the CRL test PKI"; }

# run LIB: nginx on LIB with the CRL; sets GOOD, REVOKED (HTTP codes),
# VERDICT (the revoked one's $ssl_client_verify), FP (the good one's
# $ssl_client_fingerprint)
run() {
  local lib=$1 p d=$WORK/ngx-$1
  p=$(free_port)
  ngx_conf "$d" <<EOF2
server {
  listen 127.0.0.1:$p ssl;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_client_certificate $C/ca.pem;
  ssl_crl $C/crl.pem;
  ssl_verify_client on;
  ssl_verify_depth 2;
  location / { return 200 "\$ssl_client_verify \$ssl_client_fingerprint\n"; }
}
EOF2
  ngx_start "$d" "$lib" "$p"
  GOOD=$(curl -sS -o "$WORK/good.$lib" -w '%{http_code}' --cacert "$CA" --cert "$C/good.pem" --key "$C/good.key" \
    "https://localhost:$p/" 2>&1 || true)
  REVOKED=$(curl -sS -o "$WORK/revoked.$lib" -w '%{http_code}' --cacert "$CA" --cert "$C/revoked.pem" \
    --key "$C/revoked.key" "https://localhost:$p/" 2>&1 || true)
  VERDICT=$(sed -E 's/^.* (FAILED:[^"]*|SUCCESS|NONE) ".*$/\1/; s/ $//' <<<"$(ngx_last "$d")")
  FP=$(awk '{ print $2 }' "$WORK/good.$lib")
  ngx_stop "$NGX_PID"
  ngx_no_alerts "$d"
}
run openssl
o_good=$GOOD o_revoked=$REVOKED o_verdict=$VERDICT o_fp=$FP
[ "$o_good" = 200 ] && [ "$o_revoked" = 400 ] ||
  fail "on Debian's OpenSSL the setup itself does not hold (good $o_good, revoked $o_revoked): this test would prove nothing"
run tern
[ "$GOOD" = 200 ] || fail "a client certificate the CRL does not list: HTTP $GOOD $(cat "$WORK/good.tern")"
grep -q '^SUCCESS ' "$WORK/good.tern" || fail "\$ssl_client_verify for the good client: $(cat "$WORK/good.tern")"
[ "$REVOKED" = 400 ] || fail "a revoked client certificate: HTTP $REVOKED, not 400"
grep -q 'The SSL certificate error' "$WORK/revoked.tern" || fail "400 without nginx's words: $(head -c 300 "$WORK/revoked.tern")"
grep -q 'revoked' <<<"$VERDICT" || fail "the revoked client's verdict does not say revoked: '$VERDICT'"
[ "$VERDICT" = "$o_verdict" ] || fail "the revoked client's verdict: '$VERDICT' on tern, '$o_verdict' on OpenSSL"
pass "ssl_crl: the good client served, the revoked one 400 with '$VERDICT', as on OpenSSL"
want=$(openssl x509 -in "$C/good.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
[ "$FP" = "$want" ] && [ "$FP" = "$o_fp" ] || fail "\$ssl_client_fingerprint: '$FP' on tern, '$o_fp' on OpenSSL, want $want"
pass "\$ssl_client_fingerprint is the certificate's SHA-1, as on OpenSSL"
