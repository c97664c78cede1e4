#!/usr/bin/env bash
# A third party checks our TLS 1.2 key log: tshark records `tern get
# --tls1.2` fetching from tern serve on loopback and, with the CLIENT_RANDOM
# lines --keylog wrote (the master secret, NSS format), decrypts the HTTP
# request and response of the TLS 1.2 AEAD records.
source "$(dirname "$0")/lib/tool.sh"
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root; run this test as root"
need tshark
make_site
printf 'the decrypted 1.2 body 4712\n' >"$SITE/secret-page.txt"
start_serve "$SITE"
handshake_smoke

start_capture "$WORK/cap.pcapng"
out=$("$TERN" get --tls1.2 --keylog "$WORK/keys.log" --cafile "$CA" \
      "https://localhost:$PORT/secret-page.txt") || fail "tern get --tls1.2 failed"
[ "$out" = "the decrypted 1.2 body 4712" ] || fail "tern get printed '$out'"
stop_capture
grep -q '^CLIENT_RANDOM ' "$WORK/keys.log" || fail "no TLS 1.2 master secret in the key log"
if grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$WORK/keys.log"; then fail "TLS 1.3 secrets in a 1.2 key log"; fi
ver=$(tshark -r "$WORK/cap.pcapng" -Y 'tls.handshake.type == 2' -T fields \
      -e tls.handshake.version 2>&1)
grep -q '0x0303' <<<"$ver" || fail "the ServerHello is not TLS 1.2: $ver"
dec=$(tshark -r "$WORK/cap.pcapng" -o "tls.keylog_file:$WORK/keys.log" -o http.desegment_body:FALSE \
      -Y http -T fields -e http.request.uri -e http.file_data 2>&1)
grep -q '/secret-page.txt' <<<"$dec" || fail "tshark did not decrypt the request: $dec"
grep -q 'the decrypted 1.2 body 4712\|74:68:65:20:64:65:63:72:79:70:74:65:64' <<<"$dec" ||
  fail "tshark did not decrypt the body: $dec"
plain=$(tshark -r "$WORK/cap.pcapng" -Y http -T fields -e http.request.uri 2>&1)
if grep -q secret-page <<<"$plain"; then fail "the request was readable without the key log"; fi
pass "tshark decrypted the TLS 1.2 capture with tern's key log"
echo "capture_tshark12: all passed"
