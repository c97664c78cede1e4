#!/usr/bin/env bash
# SSLKEYLOGFILE: curl on tern's libssl writes the session secrets through
# SSL_CTX_set_keylog_callback (curl opens the file and writes each line the
# callback gives), and tshark decrypts a capture of the connection with
# them: the request's path and the body show, TLS 1.3 and 1.2. Without the
# key log they do not. Capturing on lo needs root.
source "$(dirname "$0")/curl_lib.bash"
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root; run this test as root"
need curl tshark
make_site
printf 'the decrypted body 4711\n' >"$SITE/secret-page.txt"
start_serve "$SITE" --trace=json
start_capture "$WORK/cap.pcapng"
for v in 1.3 1.2; do
  before=$(mlkem_handshakes)
  out=$(SSLKEYLOGFILE=$WORK/keys.$v on_tern curl -sS --fail --tls-max "$v" --cacert "$CA" \
    "https://localhost:$PORT/secret-page.txt?v=$v") || fail "TLS $v: curl on tern's libssl failed"
  [ "$out" = "the decrypted body 4711" ] || fail "TLS $v: curl printed '$out'"
  tern_hello_json "$v" || fail "TLS $v: the ClientHello in the trace is not tern's"
done
stop_capture
grep -q '^CLIENT_HANDSHAKE_TRAFFIC_SECRET ' "$WORK/keys.1.3" && grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$WORK/keys.1.3" ||
  fail "TLS 1.3: the key log lacks the traffic secrets: $(cut -d' ' -f1 "$WORK/keys.1.3")"
grep -q '^CLIENT_RANDOM ' "$WORK/keys.1.2" || fail "TLS 1.2: no CLIENT_RANDOM line in the key log"
cat "$WORK/keys.1.3" "$WORK/keys.1.2" >"$WORK/keys.log"
dec=$(tshark -r "$WORK/cap.pcapng" -o "tls.keylog_file:$WORK/keys.log" -o http.desegment_body:FALSE \
  -Y http -T fields -e http.request.uri -e http.file_data 2>&1)
for v in 1.3 1.2; do
  grep -q "/secret-page.txt?v=$v" <<<"$dec" || fail "TLS $v: tshark did not decrypt the request: $dec"
done
[ "$(grep -c 'the decrypted body 4711\|74:68:65:20:64:65:63:72:79:70:74:65:64' <<<"$dec")" -eq 2 ] ||
  fail "tshark did not decrypt both bodies: $dec"
plain=$(tshark -r "$WORK/cap.pcapng" -Y http -T fields -e http.request.uri 2>&1)
if grep -q secret-page <<<"$plain"; then fail "the requests were readable without the key log"; fi
pass "SSLKEYLOGFILE: tshark decrypted curl's TLS 1.3 and 1.2 connections with the key log (and not without)"
