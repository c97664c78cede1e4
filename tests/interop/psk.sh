#!/usr/bin/env bash
# External PSKs (RFC 8446 §4.2.11) against OpenSSL (s_server/s_client -psk
# -psk_identity, SHA-256) and GnuTLS (gnutls-serv --pskpasswd, gnutls-cli
# --pskusername --pskkey), both directions, no certificates anywhere; and a
# wrong key each way, refused by the binder.
. "$(dirname "$0")/lib.bash"
need openssl openssl
need gnutls-cli gnutls-bin
need gnutls-serv gnutls-bin

KEY=0123456789abcdef00112233445566778899aabbccddeeff0f1e2d3c4b5a6978
BAD=0123456789abcdef00112233445566778899aabbccddeeff0f1e2d3c4b5a6979
ID=tern-client
PRIO="NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK"

echo "== tern client -> openssl s_server -psk (no certificate)"
PORT=$(free_port)
bg openssl s_server -accept "$PORT" -psk "$KEY" -psk_identity "$ID" -nocert -tls1_3 -www \
  >"$WORK/server.log" 2>&1
wait_port "$PORT"
"$PEER" client localhost "$PORT" --psk "$ID:$KEY" --send $'GET / HTTP/1.0\r\n\r\n' \
  --expect "Cipher is" >"$WORK/client.out" 2>&1
check "s_server: handshake and page" test $? -eq 0
check "s_server: tern used the PSK" has "$WORK/client.out" "psk identity: $ID"
check "s_server: with a key exchange (psk_dhe_ke)" has "$WORK/client.out" "group=x25519"
"$PEER" client localhost "$PORT" --psk "$ID:$BAD" --send x >"$WORK/client.out" 2>&1
check "s_server, wrong key: refused" test $? -ne 0
stop_all
# OpenSSL 3.0 answers a bad binder with illegal_parameter.
check "s_server, wrong key: OpenSSL says the binder does not verify" \
  has "$WORK/server.log" "binder does not verify"

echo "== openssl s_client -psk -> tern server (no certificate)"
PORT=$(free_port)
bg "$PEER" server "$PORT" --psk "$ID:$KEY" --send pong --expect ping >"$WORK/tern.out" 2>&1
wait_text "$WORK/tern.out" listening
printf 'ping\n' | timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -psk "$KEY" \
  -psk_identity "$ID" -tls1_3 -ign_eof >"$WORK/s_client.out" 2>&1
wait "${PIDS[@]}" 2>/dev/null; PIDS=()
check "s_client: data both ways" has "$WORK/s_client.out" "pong"
check "s_client: tern saw the identity" has "$WORK/tern.out" "psk identity: $ID"
check "s_client: no certificate sent" has "$WORK/s_client.out" "no peer certificate available"
PORT=$(free_port)
bg "$PEER" server "$PORT" --psk "$ID:$KEY" >"$WORK/tern.out" 2>&1
wait_text "$WORK/tern.out" listening
timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -psk "$BAD" -psk_identity "$ID" \
  -tls1_3 </dev/null >"$WORK/s_client.out" 2>&1
wait "${PIDS[@]}" 2>/dev/null; PIDS=()
check "s_client, wrong key: tern names the binder" \
  has "$WORK/tern.out" "the PSK binder of external PSK identity 0 does not verify"
check "s_client, wrong key: s_client got decrypt_error" has "$WORK/s_client.out" "decrypt error"

echo "== tern client -> gnutls-serv --pskpasswd"
printf '%s:%s\n' "$ID" "$KEY" >"$WORK/psk.passwd"
PORT=$(free_port)
bg gnutls-serv -p "$PORT" --pskpasswd "$WORK/psk.passwd" --priority "$PRIO" --echo \
  >"$WORK/server.log" 2>&1
wait_port "$PORT"
"$PEER" client localhost "$PORT" --psk "$ID:$KEY" --send $'ping\n' --expect ping \
  >"$WORK/client.out" 2>&1
check "gnutls-serv: echo came back" test $? -eq 0
check "gnutls-serv: tern used the PSK" has "$WORK/client.out" "psk identity: $ID"
check "gnutls-serv: it says PSK" has "$WORK/server.log" "PSK authentication. Connected as '$ID'"
stop_all

echo "== gnutls-cli --pskusername -> tern server"
PORT=$(free_port)
bg "$PEER" server "$PORT" --psk "$ID:$KEY" --send pong --expect ping >"$WORK/tern.out" 2>&1
wait_text "$WORK/tern.out" listening
printf 'ping\n' | timeout 20 gnutls-cli -p "$PORT" localhost --pskusername "$ID" --pskkey "$KEY" \
  --priority "$PRIO" >"$WORK/gnutls.out" 2>&1
wait "${PIDS[@]}" 2>/dev/null; PIDS=()
check "gnutls-cli: data both ways" has "$WORK/gnutls.out" "pong"
check "gnutls-cli: PSK authentication" has "$WORK/gnutls.out" "PSK authentication. Connected as '$ID'"
check "gnutls-cli: tern saw the identity" has "$WORK/tern.out" "psk identity: $ID"

finish
