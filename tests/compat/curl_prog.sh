#!/usr/bin/env bash
# A libcurl program of our own (tests/compat/curl_prog.c, built against
# Debian's libcurl4-openssl-dev) runs on tern through the tern-openssl
# wrapper: two fetches on one easy handle (the second reuses the
# connection), the SSL object libcurl hands out read with OpenSSL's API,
# and another CA refused (60). tern serve's trace shows the two handshakes
# as tern's (X25519MLKEM768). The same program on Debian's libssl prints
# the same lines, but shows in the trace as x25519.
source "$(dirname "$0")/curl_lib.bash"
PROG=$BUILD/tests/compat/curl_prog
[ -x "$PROG" ] || fail "no $PROG: it builds when libcurl4-openssl-dev is installed (scripts/deps.sh check), then re-run cmake"
wrapper=$BUILD/tern-openssl
[ -x "$wrapper" ] || fail "no $wrapper"
make_site
start_serve "$SITE" --trace=json
U=https://localhost:$PORT/hello.txt
hellos() { grep -c '"name":"ClientHello"' "$SERVE_LOG" || true; }

grep -q "$BUILD/openssl/libssl.so.3" <<<"$("$wrapper" ldd "$PROG")" || fail "the wrapper does not give curl_prog tern's libssl"
h=$(hellos)
m=$(mlkem_handshakes)
ours=$("$wrapper" "$PROG" "$U" "$CA" "$SRC/tests/data/ca.pem") || fail "curl_prog on tern failed: $ours"
want="ssl: TLSv1.3 TLS_AES_128_GCM_SHA256
plain text
status 200, verify result 0, http version 2, 11 bytes, new connections 1
ssl: TLSv1.3 TLS_AES_128_GCM_SHA256
plain text
status 200, verify result 0, http version 2, 11 bytes, new connections 0
perform: 60 SSL peer certificate or SSH remote key was not OK
with the other CA: 60"
[ "$(tail -n +2 <<<"$ours")" = "$want" ] || { diff <(echo "$want") <(tail -n +2 <<<"$ours") || true; fail "curl_prog on tern printed otherwise (< wanted, > got)"; }
[ "$(hellos)" -eq $((h + 2)) ] || fail "curl_prog on tern: $(($(hellos) - h)) handshakes, not 2 (the second fetch reuses the connection)"
[ "$(mlkem_handshakes)" -eq $((m + 2)) ] || fail "curl_prog on tern: the trace shows $(($(mlkem_handshakes) - m)) X25519MLKEM768 handshakes, not 2"
last=$(grep '"name":"ClientHello"' "$SERVE_LOG" | tail -1)
grep -q '"groups","value":\["X25519MLKEM768"' <<<"$last" || fail "curl_prog on tern: the refused attempt's ClientHello is not tern's"
pass "curl_prog through tern-openssl: two fetches on one connection, the SSL object readable, another CA refused (60); tern's handshakes"

m=$(mlkem_handshakes)
deb=$("$PROG" "$U" "$CA" "$SRC/tests/data/ca.pem") || fail "curl_prog on Debian's libssl failed: $deb"
[ "$(tail -n +2 <<<"$deb")" = "$want" ] || fail "curl_prog on Debian's libssl printed otherwise: $deb"
[ "$(mlkem_handshakes)" -eq "$m" ] || fail "curl_prog on Debian's libssl showed up as X25519MLKEM768"
pass "the same program on Debian's libssl prints the same; its handshakes are not tern's"
