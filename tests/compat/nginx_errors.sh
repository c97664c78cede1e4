#!/usr/bin/env bash
# `nginx -t` on tern's libssl.so.3 refuses a broken TLS configuration with
# a sentence naming the file or value, as on OpenSSL: a missing
# certificate file, a key that does not match its certificate, an unknown
# curve, an ssl_conf_command tern cannot honour. A sound configuration
# passes.
source "$(dirname "$0")/nginx_lib.bash"
ngx_pki
P=$(free_port)
# nginx_t NAME SERVER-BODY: nginx -t on tern over one server block; sets
# OUT (its words) and returns its exit status
nginx_t() {
  local d=$WORK/$1
  ngx_conf "$d" <<EOF2
server {
  listen 127.0.0.1:$P ssl;
  $2
}
EOF2
  set +e
  OUT=$(ngx_cmd tern "$d" -t 2>&1)
  local rc=$?
  set -e
  return $rc
}
good="ssl_certificate $ECC; ssl_certificate_key $ECC_KEY;"
nginx_t good "$good" || fail "nginx -t refused a sound configuration: $OUT"
grep -q 'test is successful' <<<"$OUT" || fail "nginx -t: $OUT"
pass "a sound configuration passes nginx -t"

nginx_t missing "ssl_certificate $WORK/nowhere.pem; ssl_certificate_key $ECC_KEY;" &&
  fail "nginx -t passed with a missing certificate file"
grep -q "$WORK/nowhere.pem" <<<"$OUT" || fail "the missing file is not named: $OUT"
pass "a missing certificate file is named: $(grep -o 'cannot load certificate[^(]*' <<<"$OUT" | head -1)"

nginx_t mismatch "ssl_certificate $ECC; ssl_certificate_key $OTHER_KEY;" &&
  fail "nginx -t passed with a key that does not match its certificate"
grep -q "SSL_CTX_use_PrivateKey(\"$OTHER_KEY\") failed" <<<"$OUT" || fail "the key file is not named: $OUT"
grep -q 'key values mismatch\|does not match' <<<"$OUT" || fail "no sentence saying the key does not match: $OUT"
pass "a key not matching its certificate: $(grep -o 'does not match[^)]*' <<<"$OUT" | head -1)"

nginx_t rsa-key "ssl_certificate $ECC; ssl_certificate_key $RSA_KEY;" &&
  fail "nginx -t passed with an RSA key for an ECDSA certificate"
grep -q "does not match the certificate" <<<"$OUT" || fail "an RSA key for an ECDSA certificate: $OUT"
pass "an RSA key for an ECDSA certificate is refused"

nginx_t curve "$good ssl_ecdh_curve X25519MLKEM768:brainpoolP512r1x;" &&
  fail "nginx -t passed with an unknown curve"
grep -q 'brainpoolP512r1x' <<<"$OUT" || fail "the unknown curve is not named: $OUT"
pass "an unknown curve is named: $(grep -o 'SSL_CTX_set1_curves_list[^;]*' <<<"$OUT" | head -c 200)"

nginx_t conf "$good ssl_conf_command RecordPadding 512;" &&
  fail "nginx -t passed with an ssl_conf_command tern cannot honour"
grep -q "RecordPadding" <<<"$OUT" && grep -q "not one tern's libssl honours" <<<"$OUT" ||
  fail "the command tern cannot honour is not named: $OUT"
nginx_t conf-value "$good ssl_conf_command MinProtocol TLSv9;" &&
  fail "nginx -t passed with MinProtocol TLSv9"
grep -q "'TLSv9' is not a protocol version" <<<"$OUT" || fail "the bad value is not named: $OUT"
pass "ssl_conf_command: a command tern cannot honour and a bad value are named"
