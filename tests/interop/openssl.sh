#!/usr/bin/env bash
# tern against OpenSSL (openssl s_server / s_client), both directions: each
# suite, group and server key type, HelloRetryRequest from each side,
# KeyUpdate, ALPN, and the failures with their alerts and sentences.
. "$(dirname "$0")/lib.bash"
need openssl openssl

SUITES=(1301:TLS_AES_128_GCM_SHA256 1302:TLS_AES_256_GCM_SHA384 1303:TLS_CHACHA20_POLY1305_SHA256)

# s_server CERTNAME [extra s_server args]: start s_server -www on a fresh port
s_server() {
  local name=$1; shift
  PORT=$(free_port)
  bg openssl s_server -accept "$PORT" -cert "$DATA/$name.pem" -key "$DATA/$name.key" \
    -cert_chain "$DATA/int.pem" -www -tls1_3 "$@" >"$WORK/server.log" 2>&1
  wait_port "$PORT"
}

# tern client against s_server: the status page names the suite
client_case() {
  local label=$1 want=$2; shift 2
  "$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --send $'GET / HTTP/1.0\r\n\r\n' \
    --expect "$want" "$@" >"$WORK/client.out" 2>&1
  local rc=$?
  check "$label" test $rc -eq 0
  [ $rc -eq 0 ] || sed 's/^/    | /' "$WORK/client.out" | head -20
}

echo "== tern client -> openssl s_server"
for s in "${SUITES[@]}"; do
  hex=${s%%:*} name=${s##*:}
  s_server server-p256 -ciphersuites "$name"
  client_case "suite $name" "Cipher is $name" --suites "$hex"
  stop_all
done
for g in X25519:001d P-256:0017 P-384:0018; do
  s_server server-p256 -groups "${g%%:*}"
  client_case "group ${g%%:*}" "TLSv1.3" --groups "${g##*:}"
  check "group ${g%%:*} negotiated" has "$WORK/client.out" "group="
  stop_all
done
for k in server-p256:ecdsa_secp256r1_sha256 server-p384:ecdsa_secp384r1_sha384 \
         server-rsa:rsa_pss_rsae_sha256 server-ed25519:ed25519; do
  s_server "${k%%:*}"
  client_case "certificate ${k%%:*}" "TLSv1.3"
  check "certificate ${k%%:*} signature" has "$WORK/client.out" "sig=${k##*:}"
  stop_all
done

# HelloRetryRequest forced by the server: it takes only P-384, we lead with X25519MLKEM768/X25519.
s_server server-p256 -groups P-384
client_case "HelloRetryRequest from s_server" "TLSv1.3"
check "HRR ended on P-384" has "$WORK/client.out" "group=secp384r1"
stop_all

# KeyUpdate from tern before the request; the page still arrives.
s_server server-p256
client_case "KeyUpdate from tern" "Cipher is" --key-update
stop_all

# ALPN
s_server server-p256 -alpn http/1.1
client_case "ALPN" "TLSv1.3" --alpn h2,http/1.1
check "ALPN picked http/1.1" has "$WORK/client.out" "alpn=http/1.1"
stop_all

# A peer that rejects us: no common suite.
s_server server-p256 -ciphersuites TLS_AES_256_GCM_SHA384
"$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --suites 1301 --send x >"$WORK/client.out" 2>&1
check "no common suite fails" test $? -ne 0
check "no common suite: handshake_failure alert named" has "$WORK/client.out" "handshake_failure"
stop_all

# Bad certificate: a root we do not trust.
s_server server-p256
"$PEER" client localhost "$PORT" --cafile "$DATA/other-ca.pem" --send x >"$WORK/client.out" 2>&1
check "untrusted root fails" test $? -ne 0
check "untrusted root: sentence names the trust store" has "$WORK/client.out" "trust"
sleep 0.3
check "s_server saw the unknown_ca alert" grep -qi "unknown ca" "$WORK/server.log"
stop_all

# Wrong name.
s_server server-p256
"$PEER" client 127.0.0.1 "$PORT" --name example.org --cafile "$DATA/ca.pem" --send x >"$WORK/client.out" 2>&1
check "name mismatch fails" test $? -ne 0
check "name mismatch: sentence names the host" has "$WORK/client.out" "example.org"
stop_all

echo "== openssl s_client -> tern server"
for s in "${SUITES[@]}"; do
  name=${s##*:}
  tern_server server-p256
  s_client_case "suite $name" -ciphersuites "$name"
  check "suite $name negotiated" has "$WORK/tern.out" "suite=$name"
done
for g in X25519:x25519 P-256:secp256r1 P-384:secp384r1; do
  tern_server server-p256
  s_client_case "group ${g%%:*}" -groups "${g%%:*}"
  check "group ${g%%:*} negotiated" has "$WORK/tern.out" "group=${g##*:}"
done
for k in server-p256 server-p384 server-rsa server-ed25519; do
  tern_server "$k"
  s_client_case "certificate $k"
done
# HelloRetryRequest forced by tern: it takes only P-384, s_client leads with X25519.
tern_server server-p256 --groups 0018
s_client_case "HelloRetryRequest from tern" -groups X25519:P-384
check "HRR ended on P-384" has "$WORK/tern.out" "group=secp384r1"
# Values tern does not know are skipped, never refused: FFDHE and X448
# lead s_client's groups (its key share is for ffdhe2048), ed448 and SHA-1
# schemes its signature algorithms.
tern_server server-p256
s_client_case "unknown groups and schemes first" -groups ffdhe2048:ffdhe3072:X448:X25519 \
  -sigalgs ed448:RSA+SHA1:ECDSA+SHA1:rsa_pss_pss_sha512:ECDSA+SHA256
check "  X25519 after a HelloRetryRequest, ecdsa_secp256r1_sha256" has "$WORK/tern.out" \
  "group=x25519 alpn=- sig=ecdsa_secp256r1_sha256"
# KeyUpdate from tern (server side), requesting one back.
tern_server server-p256 --key-update
s_client_case "KeyUpdate from tern server"
# KeyUpdate from s_client ('K': update_requested): tern moves its reading
# key, answers with its own KeyUpdate, and both directions go on. s_client
# takes its K command only without -ign_eof, so stdin stays open a while.
tern_server server-p256
{ sleep 0.5; printf 'K\n'; sleep 0.3; printf 'ping\n'; sleep 1.5; } |
  timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -servername localhost \
    -CAfile "$DATA/ca.pem" -verify_return_error >"$WORK/s_client.out" 2>&1
check "KeyUpdate from s_client: s_client sent it" has "$WORK/s_client.out" "KEYUPDATE"
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "KeyUpdate from s_client: tern read ping under s_client's new key" has "$WORK/tern.out" "ping"
# tern's close_notify goes out under the key its answering KeyUpdate moved
# to; s_client reading it as "closed" (not bad_record_mac) proves both.
check "KeyUpdate from s_client: tern's answer accepted" grep -qx closed "$WORK/s_client.out"
check "KeyUpdate from s_client: no error at s_client" bash -c "! grep -q ':error:' '$WORK/s_client.out'"
# Exported keying material (RFC 8446 §7.5) equals OpenSSL's, both ways.
tern_server server-p256 --export "EXPERIMENTAL tern"
s_client_case "exporter, tern server" -keymatexport "EXPERIMENTAL tern" -keymatexportlen 32
want=$(sed -n 's/^ *Keying material: \([0-9A-F]*\)$/\1/p' "$WORK/s_client.out")
check "exporter, tern server: same 32 bytes as s_client" \
  test -n "$want" -a "$(sed -n 's/^export=//p' "$WORK/tern.out")" = "$want"
# s_server prints its keying material only outside -www mode, and only
# while its stdin stays open. Its log is emptied here, before it starts:
# the background pipeline truncates it only when it runs, and until then
# wait_text would find the previous s_server's ACCEPT (a refused connection
# in one loaded make check run).
PORT=$(free_port)
: >"$WORK/server.log"
{ sleep 15; } | openssl s_server -accept "$PORT" -cert "$DATA/server-p256.pem" -key "$DATA/server-p256.key" \
  -cert_chain "$DATA/int.pem" -tls1_3 -keymatexport "EXPERIMENTAL tern" -keymatexportlen 32 \
  >"$WORK/server.log" 2>&1 &
PIDS+=($!)
wait_text "$WORK/server.log" ACCEPT
timeout 5 "$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --send ping \
  --export "EXPERIMENTAL tern" >"$WORK/client.out" 2>&1
check "exporter, tern client: handshake" has "$WORK/client.out" "version=TLS 1.3"
pkill -f "s_server -accept $PORT" 2>/dev/null
stop_all
want=$(sed -n 's/^ *Keying material: \([0-9A-F]*\)$/\1/p' "$WORK/server.log" | tail -1)
check "exporter, tern client: same 32 bytes as s_server" \
  test -n "$want" -a "$(sed -n 's/^export=//p' "$WORK/client.out")" = "$want"
# ALPN
tern_server server-p256 --alpn http/1.1
s_client_case "ALPN" -alpn h2,http/1.1
check "ALPN picked http/1.1" has "$WORK/tern.out" "alpn=http/1.1"
check "s_client saw ALPN" has "$WORK/s_client.out" "ALPN protocol: http/1.1"

# Mutual TLS: tern requires a client certificate.
tern_server server-p256 --require-client-cert --cafile "$DATA/ca.pem"
s_client_case "mutual TLS" -cert "$DATA/client.pem" -key "$DATA/client.key" -cert_chain "$DATA/int.pem"
check "tern saw the client's subject" has "$WORK/tern.out" "peer=CN=tern test client"

finish
