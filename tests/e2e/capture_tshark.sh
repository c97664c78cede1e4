#!/usr/bin/env bash
# A third party checks our key log: tshark records tern get fetching from
# tern serve on loopback and, with the file --keylog wrote, decrypts the
# HTTP request and response. The path and the body must show.
source "$(dirname "$0")/lib/tool.sh"
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root; run this test as root"
need tshark
make_site
printf 'the decrypted body 4711\n' >"$SITE/secret-page.txt"
start_serve "$SITE"
handshake_smoke

start_capture "$WORK/cap.pcapng"
out=$("$TERN" get --keylog "$WORK/keys.log" --cafile "$CA" "https://localhost:$PORT/secret-page.txt") || fail "tern get failed"
[ "$out" = "the decrypted body 4711" ] || fail "tern get printed '$out'"
stop_capture
grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$WORK/keys.log" || fail "no TLS 1.3 secrets in the key log"
grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$WORK/keys.log" || fail "no application secrets in the key log"
[ "$(stat -c %a "$WORK/keys.log")" = 600 ] || fail "the key log is not mode 0600"
dec=$(tshark -r "$WORK/cap.pcapng" -o "tls.keylog_file:$WORK/keys.log" -o http.desegment_body:FALSE \
      -Y http -T fields -e http.request.uri -e http.file_data 2>&1)
grep -q '/secret-page.txt' <<<"$dec" || fail "tshark did not decrypt the request: $dec"
grep -q 'the decrypted body 4711\|74:68:65:20:64:65:63:72:79:70:74:65:64' <<<"$dec" || fail "tshark did not decrypt the body: $dec"
# And without the key log, nothing shows.
plain=$(tshark -r "$WORK/cap.pcapng" -Y http -T fields -e http.request.uri 2>&1)
if grep -q secret-page <<<"$plain"; then fail "the request was readable without the key log"; fi
pass "tshark decrypted the capture with tern's key log"
echo "capture_tshark: all passed"
