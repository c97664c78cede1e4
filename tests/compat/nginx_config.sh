#!/usr/bin/env bash
# nginx's TLS directives take effect on tern's libssl.so.3: a certificate
# given as `data:`, an encrypted key opened with ssl_password_file, two
# server names (SNI chooses the server block and its certificate; no SNI
# gets the default server), ssl_protocols, ssl_ciphers,
# ssl_ecdh_curve X25519MLKEM768:X25519, ssl_conf_command (Ciphersuites,
# Groups, MaxProtocol, Options) and ssl_stapling on with an ssl_stapling_file (tern does not
# staple: nginx starts and serves, and no status is sent).
source "$(dirname "$0")/nginx_lib.bash"
need curl openssl
ngx_pki
P1=$(free_port) P2=$(free_port) P3=$(free_port) P4=$(free_port) P5=$(free_port)
D=$WORK/ngx
mkdir -p "$D"
# the ECDSA key encrypted; the password file's first line is wrong, the
# second right (nginx tries each)
openssl pkey -in "$ECC_KEY" -aes256 -passout pass:s3cret -out "$D/enc-key.pem"
printf 'wrong\ns3cret\n' >"$D/passwords"
# an OCSP response for the ECDSA certificate (good), for ssl_stapling_file:
# nginx then has a response to staple and installs its status callback,
# which tern never calls
serial=$(openssl x509 -in "$ECC" -noout -serial | cut -d= -f2)
printf 'V\t301231000000Z\t\t%s\tunknown\t/CN=localhost\n' "$serial" >"$D/index.txt"
openssl ocsp -index "$D/index.txt" -rsigner "$CA" -rkey "$WORK/state/ca-key.pem" -CA "$CA" -issuer "$CA" \
  -cert "$ECC" -respout "$D/ocsp.der" -ndays 1 >/dev/null 2>&1 || fail "openssl ocsp could not make a response"
data_cert=$(awk '{ printf "%s\\n", $0 }' "$ECC")
data_key=$(awk '{ printf "%s\\n", $0 }' "$ECC_KEY")
ngx_conf "$D" <<EOF2
# P1: two names; localhost's certificate from data:, other.test's key
# encrypted
server {
  listen 127.0.0.1:$P1 ssl default_server;
  server_name localhost;
  ssl_certificate "data:$data_cert";
  ssl_certificate_key "data:$data_key";
  ssl_ecdh_curve X25519MLKEM768:X25519;
  location / { return 200 "server localhost\n"; }
}
server {
  listen 127.0.0.1:$P1 ssl;
  server_name other.test;
  ssl_certificate $OTHER;
  ssl_certificate_key $OTHER_KEY;
  location / { return 200 "server other.test\n"; }
}
# P2: TLS 1.2 only, one suite, the encrypted key, stapling on
server {
  listen 127.0.0.1:$P2 ssl;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $D/enc-key.pem;
  ssl_password_file $D/passwords;
  ssl_protocols TLSv1.2;
  ssl_ciphers ECDHE-ECDSA-CHACHA20-POLY1305;
  ssl_stapling on;
  ssl_stapling_file $D/ocsp.der;
  ssl_trusted_certificate $CA;
  location / { return 200 "tls12\n"; }
}
# P3: ssl_conf_command narrows TLS 1.3's suites and groups
server {
  listen 127.0.0.1:$P3 ssl;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;
  ssl_conf_command Groups P-384;
  ssl_conf_command Options -SessionTicket,ServerPreference;
  location / { return 200 "conf\n"; }
}
# P5: ssl_reject_handshake in the default server: a client naming no
# host, or another one, is refused in the handshake (the servername
# callback runs for every ClientHello)
server {
  listen 127.0.0.1:$P5 ssl default_server;
  ssl_reject_handshake on;
}
server {
  listen 127.0.0.1:$P5 ssl;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  location / { return 200 "named\n"; }
}
# P4: ssl_conf_command MaxProtocol caps at TLS 1.2
server {
  listen 127.0.0.1:$P4 ssl;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_conf_command MaxProtocol TLSv1.2;
  location / { return 200 "max12\n"; }
}
EOF2
ngx_start "$D" tern "$P1" "$P2" "$P3" "$P4" "$P5"
sc() { local p=$1; shift; timeout 10 openssl s_client -connect "127.0.0.1:$p" -CAfile "$CA" "$@" </dev/null 2>&1 || true; }
# served: s_client completed a handshake
served() { grep -q '^New, TLS' <<<"$1"; }

# SNI: each name its server block and certificate; no name, the default
body=$(curl -sS --fail --cacert "$CA" "https://localhost:$P1/") || fail "curl localhost"
[ "$body" = "server localhost" ] || fail "localhost got '$body'"
body=$(curl -sS --fail --cacert "$CA" --resolve "other.test:$P1:127.0.0.1" "https://other.test:$P1/") ||
  fail "curl other.test (its own certificate)"
[ "$body" = "server other.test" ] || fail "other.test got '$body'"
[ "$(awk '{ print $7 }' <<<"$(ngx_last "$D")")" = other.test ] || fail "\$ssl_server_name: $(ngx_last "$D")"
out=$(sc "$P1" -noservername)
grep -q 'subject=.*CN = localhost' <<<"$out" || fail "no SNI: not the default server's certificate: $(grep subject <<<"$out")"
pass "two server names: each its block and certificate (one from data:), no SNI the default"

# ssl_ecdh_curve X25519MLKEM768:X25519: tern get gets the hybrid, curl x25519
"$TERN" get --cafile "$CA" "https://localhost:$P1/" >/dev/null || fail "tern get"
[ "$(awk '{ print $5 }' <<<"$(ngx_last "$D")")" = 0x11ec ] || fail "ssl_ecdh_curve: $(ngx_last "$D")"
out=$(sc "$P1" -servername localhost -groups P-256)
served "$out" && fail "a client offering only P-256 was served although ssl_ecdh_curve leaves it out"
pass "ssl_ecdh_curve X25519MLKEM768:X25519: the hybrid for tern get, P-256 alone refused"

# ssl_protocols TLSv1.2 + ssl_ciphers + the encrypted key
body=$(curl -sS --fail --cacert "$CA" "https://localhost:$P2/") || fail "curl on the TLS 1.2 server (encrypted key)"
[ "$body" = tls12 ] || fail "P2 got '$body'"
read -r _ _ proto cipher _ <<<"$(ngx_last "$D")"
[ "$proto" = TLSv1.2 ] && [ "$cipher" = ECDHE-ECDSA-CHACHA20-POLY1305 ] || fail "ssl_protocols/ssl_ciphers: $proto $cipher"
out=$(sc "$P2" -servername localhost -tls1_3)
served "$out" && fail "TLS 1.3 was served with ssl_protocols TLSv1.2"
# nginx sorts a client's failures by OpenSSL's reason: a version the
# server does not speak is "unsupported protocol", logged at [info] (an
# unknown reason would be [crit], as for a fault of the server's)
for _ in $(seq 20); do grep -q 'unsupported protocol' "$D/error.log" && break; sleep 0.05; done
grep -q '\[info\].*SSL_do_handshake() failed (SSL: .*unsupported protocol' "$D/error.log" ||
  fail "a TLS 1.3-only client is not logged at [info] as 'unsupported protocol': $(grep 'no TLS version' "$D/error.log")"
out=$(sc "$P2" -servername localhost -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256)
grep -q 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' <<<"$out" && fail "a suite ssl_ciphers leaves out was served"
pass "ssl_protocols TLSv1.2, ssl_ciphers (one suite), the key opened by ssl_password_file's second line"
out=$(sc "$P2" -servername localhost -status)
grep -q 'OCSP response: no response sent' <<<"$out" || fail "ssl_stapling: $(grep -i ocsp <<<"$out")"
pass "ssl_stapling on: nginx serves; no OCSP status is sent (tern does not staple)"

out=$(sc "$P3" -servername localhost -groups X25519:P-384)
grep -q 'Cipher is TLS_CHACHA20_POLY1305_SHA256' <<<"$out" || fail "ssl_conf_command Ciphersuites: $(grep -i cipher <<<"$out")"
grep -q 'Server Temp Key: ECDH, secp384r1\|Negotiated TLS1.3 group: secp384r1\|P-384' <<<"$out" ||
  fail "ssl_conf_command Groups P-384: $(grep -i 'temp key\|group' <<<"$out")"
out=$(sc "$P4" -servername localhost)
grep -q 'Protocol  *: TLSv1.2' <<<"$out" || fail "ssl_conf_command MaxProtocol TLSv1.2: $(grep -i protocol <<<"$out")"
pass "ssl_conf_command Ciphersuites, Groups, Options and MaxProtocol take effect"

body=$(curl -sS --fail --cacert "$CA" "https://localhost:$P5/") || fail "ssl_reject_handshake: the named server"
[ "$body" = named ] || fail "ssl_reject_handshake: the named server said '$body'"
body=$(curl -sS --fail --cacert "$CA" --tls-max 1.2 "https://localhost:$P5/") ||
  fail "ssl_reject_handshake: the named server over TLS 1.2"
[ "$body" = named ] || fail "ssl_reject_handshake: the named server (TLS 1.2) said '$body'"
out=$(sc "$P5" -noservername)
served "$out" && fail "ssl_reject_handshake: a client naming no host was served"
grep -q 'unrecognized name' <<<"$out" ||
  fail "ssl_reject_handshake: no refusing alert: $(grep -i alert <<<"$out")"
out=$(sc "$P5" -servername elsewhere.test)
served "$out" && fail "ssl_reject_handshake: a client naming another host was served"
pass "ssl_reject_handshake: the named server serves, no name or another name is refused in the handshake"
ngx_no_alerts "$D"
