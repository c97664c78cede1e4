#!/usr/bin/env bash
# Debian's unmodified nginx on tern's libssl.so.3, one server with an
# ECDSA and an RSA certificate (chosen per client), serves to tern get,
# curl (Debian's OpenSSL), openssl s_client, gnutls-cli and Python's
# urllib, over TLS 1.3 and 1.2; the access log's TLS variables say what
# was negotiated ($ssl_curve 0x11ec for X25519MLKEM768, which OpenSSL 3.0
# has no NID for). A 1 MB file with sendfile on comes back whole (tern's
# BIO answers BIO_get_ktls_send with 0, so nginx reads the file itself).
source "$(dirname "$0")/nginx_lib.bash"
need curl gnutls-cli:gnutls-bin python3 openssl
ngx_pki
P=$(free_port)
D=$WORK/ngx
ngx_conf "$D" <<EOF2
sendfile on;
server {
  listen 127.0.0.1:$P ssl;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_certificate $RSA;
  ssl_certificate_key $RSA_KEY;
}
EOF2
head -c 1048576 /dev/urandom >"$D/html/big.bin"
ngx_start "$D" tern "$P"
U=https://localhost:$P

# fields of the last access-log line (see ngx_conf)
field() { awk -v n="$1" '{ print $n }' <<<"$(ngx_last "$D")"; }

body=$("$TERN" get --cafile "$CA" "$U/") || fail "tern get from nginx on tern"
[ "$body" = "hello from nginx" ] || fail "tern get read '$body'"
[ "$(field 3)" = TLSv1.3 ] || fail "tern get: protocol $(field 3)"
[ "$(field 5)" = 0x11ec ] || fail "tern get: \$ssl_curve is '$(field 5)', not 0x11ec (X25519MLKEM768)"
pass "tern get fetched over TLS 1.3 with X25519MLKEM768 (\$ssl_curve 0x11ec)"

body=$(curl -sS --fail --cacert "$CA" "$U/") || fail "curl (Debian's OpenSSL) from nginx on tern"
[ "$body" = "hello from nginx" ] || fail "curl read '$body'"
[ "$(field 3)" = TLSv1.3 ] && [ "$(field 5)" = X25519 ] || fail "curl: $(ngx_last "$D")"
cmp <(curl -sS --fail --cacert "$CA" "$U/big.bin") "$D/html/big.bin" || fail "big.bin came back different"
body=$(curl -sS --fail --cacert "$CA" --tls-max 1.2 "$U/") || fail "curl --tls-max 1.2"
[ "$(field 3)" = TLSv1.2 ] || fail "curl --tls-max 1.2: $(ngx_last "$D")"
[ "$(field 7)" = localhost ] || fail "\$ssl_server_name: $(ngx_last "$D")"
pass "curl on Debian's OpenSSL: TLS 1.3 (X25519), a 1 MB file with sendfile on, TLS 1.2"

# The certificate follows the client: ECDSA for a client that signs with
# ECDSA only, RSA for one that takes RSA-PSS only; TLS 1.2 by suite.
sc() { timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername localhost -CAfile "$CA" "$@" </dev/null 2>&1 || true; }
out=$(sc -sigalgs ECDSA+SHA256)
grep -q 'Verify return code: 0 (ok)' <<<"$out" || fail "s_client (ECDSA): $out"
grep -q 'Peer signature type: ECDSA' <<<"$out" || fail "s_client asking ECDSA did not get it: $(grep -i 'signature\|public key' <<<"$out")"
out=$(sc -sigalgs RSA-PSS+SHA256)
grep -q 'Server public key is 2048 bit' <<<"$out" || fail "s_client asking RSA-PSS did not get the RSA certificate: $(grep -i 'signature\|public key' <<<"$out")"
grep -q 'Peer signature type: RSA-PSS' <<<"$out" || fail "s_client (RSA): $(grep -i signature <<<"$out")"
out=$(sc -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
grep -q 'Cipher is ECDHE-RSA-AES128-GCM-SHA256' <<<"$out" || fail "s_client TLS 1.2 RSA: $(grep -i 'cipher\|error' <<<"$out")"
out=$(sc -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384)
grep -q 'Cipher is ECDHE-ECDSA-AES256-GCM-SHA384' <<<"$out" || fail "s_client TLS 1.2 ECDSA: $(grep -i 'cipher\|error' <<<"$out")"
pass "openssl s_client: the ECDSA or the RSA certificate as the client's signatures ask, TLS 1.3 and 1.2"

g=$(printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
  timeout 10 gnutls-cli --x509cafile "$CA" -p "$P" localhost 2>&1) || fail "gnutls-cli: $g"
grep -q 'hello from nginx' <<<"$g" || fail "gnutls-cli read: $g"
g=$(printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
  timeout 10 gnutls-cli --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-SIGN-ALL:+SIGN-RSA-SHA256' --x509cafile "$CA" -p "$P" localhost 2>&1) ||
  fail "gnutls-cli TLS 1.2 RSA: $g"
grep -q 'hello from nginx' <<<"$g" || fail "gnutls-cli TLS 1.2 read: $g"
[ "$(field 3)" = TLSv1.2 ] && grep -q RSA <<<"$(field 4)" || fail "gnutls-cli TLS 1.2 RSA: $(ngx_last "$D")"
pass "gnutls-cli: TLS 1.3, and TLS 1.2 with RSA signatures only"

py=$(python3 - "$U/" "$CA" <<'PY'
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
with urllib.request.urlopen(sys.argv[1], context=ctx, timeout=10) as r:
    print(r.read().decode().strip())
PY
) || fail "Python urllib: $py"
[ "$py" = "hello from nginx" ] || fail "Python urllib read '$py'"
pass "Python urllib fetched with verification"

ngx_no_alerts "$D"
ngx_stop "$NGX_PID"
grep -q 'exiting' "$D/error.log" || fail "nginx did not stop gracefully"
pass "nginx logged no alert and stopped gracefully"
