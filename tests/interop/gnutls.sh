#!/usr/bin/env bash
# tern against GnuTLS (gnutls-serv / gnutls-cli), both directions.
. "$(dirname "$0")/lib.bash"
need gnutls-serv gnutls-bin

PRIO13='NORMAL:-VERS-ALL:+VERS-TLS1.3'

g_server() { # CERTNAME PRIORITY
  PORT=$(free_port)
  bg gnutls-serv --http --x509certfile "$DATA/$1-chain.pem" --x509keyfile "$DATA/$1.key" \
    -p "$PORT" --priority "$2" >"$WORK/server.log" 2>&1
  wait_port "$PORT"
}
client_case() { # LABEL EXPECT [peer args]
  local label=$1 want=$2; shift 2
  "$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --send $'GET / HTTP/1.0\r\n\r\n' \
    --expect "$want" "$@" >"$WORK/client.out" 2>&1
  local rc=$?
  check "$label" test $rc -eq 0
  [ $rc -eq 0 ] || sed 's/^/    | /' "$WORK/client.out" | head -20
}

echo "== tern client -> gnutls-serv"
for s in 1301:AES-128-GCM 1302:AES-256-GCM 1303:CHACHA20-POLY1305; do
  g_server server-p256 "$PRIO13"
  client_case "suite ${s##*:}" "${s##*:}" --suites "${s%%:*}"
  stop_all
done
for g in 001d:X25519 0017:SECP256R1 0018:SECP384R1; do
  g_server server-p256 "$PRIO13"
  client_case "group ${g##*:}" "ECDHE-${g##*:}" --groups "${g%%:*}"
  stop_all
done
for k in server-p256:ECDSA-SECP256R1-SHA256 server-p384:ECDSA-SECP384R1-SHA384 \
         server-rsa:RSA-PSS-RSAE-SHA256 server-ed25519:EdDSA-Ed25519; do
  g_server "${k%%:*}" "$PRIO13"
  client_case "certificate ${k%%:*}" "${k##*:}"
  stop_all
done
g_server server-p256 "$PRIO13:-GROUP-ALL:+GROUP-SECP384R1"
client_case "HelloRetryRequest from gnutls-serv" "ECDHE-SECP384R1"
check "HRR ended on P-384" has "$WORK/client.out" "group=secp384r1"
stop_all
g_server server-p256 "$PRIO13"
client_case "KeyUpdate from tern" "TLS1.3" --key-update
stop_all
g_server server-p256 "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-256-GCM"
"$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --suites 1301 --send x >"$WORK/client.out" 2>&1
check "no common suite fails" test $? -ne 0
check "no common suite: the alert is named" has "$WORK/client.out" "handshake_failure"
stop_all

echo "== gnutls-cli -> tern server"
g_client_case() {
  local label=$1; shift
  (printf 'ping\n'; sleep 1) | timeout 20 gnutls-cli --x509cafile "$DATA/ca.pem" -p "$PORT" \
    localhost "$@" >"$WORK/g_client.out" 2>&1
  check "$label: gnutls-cli verified and got data" has "$WORK/g_client.out" "pong"
  wait "${PIDS[@]}" 2>/dev/null
  PIDS=()
  check "$label: tern got data" has "$WORK/tern.out" "ping"
}
for s in AES-128-GCM:TLS_AES_128_GCM_SHA256 AES-256-GCM:TLS_AES_256_GCM_SHA384 \
         CHACHA20-POLY1305:TLS_CHACHA20_POLY1305_SHA256; do
  tern_server server-p256
  g_client_case "suite ${s%%:*}" --priority "$PRIO13:-CIPHER-ALL:+${s%%:*}"
  check "suite ${s%%:*} negotiated" has "$WORK/tern.out" "suite=${s##*:}"
done
for g in X25519:x25519 SECP256R1:secp256r1 SECP384R1:secp384r1; do
  tern_server server-p256
  g_client_case "group ${g%%:*}" --priority "$PRIO13:-GROUP-ALL:+GROUP-${g%%:*}"
  check "group ${g%%:*} negotiated" has "$WORK/tern.out" "group=${g##*:}"
done
for k in server-p256 server-p384 server-rsa server-ed25519; do
  tern_server "$k"
  g_client_case "certificate $k" --priority "$PRIO13"
done
tern_server server-p256 --groups 0018
g_client_case "HelloRetryRequest from tern" --priority "$PRIO13:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP384R1"
check "HRR ended on P-384" has "$WORK/tern.out" "group=secp384r1"
tern_server server-p256 --key-update
g_client_case "KeyUpdate from tern server" --priority "$PRIO13"
tern_server server-p256 --alpn http/1.1
g_client_case "ALPN" --priority "$PRIO13" --alpn h2 --alpn http/1.1
check "ALPN picked http/1.1" has "$WORK/tern.out" "alpn=http/1.1"
tern_server server-p256 --require-client-cert --cafile "$DATA/ca.pem"
g_client_case "mutual TLS" --priority "$PRIO13" --x509certfile "$DATA/client-chain.pem" \
  --x509keyfile "$DATA/client.key"
check "tern saw the client's subject" has "$WORK/tern.out" "peer=CN=tern test client"

finish
