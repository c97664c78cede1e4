#!/usr/bin/env bash
# Integrators' hooks against real peers (OpenSSL, GnuTLS): the server's ALPN
# selection callback, the message and state callbacks (their messages
# against what the peer itself reports), the stateless HRR cookie, and a
# certificate key held by an asynchronous signer.
. "$(dirname "$0")/lib.bash"
need openssl openssl
need gnutls-cli gnutls-bin


echo "== ALPN selection callback"
for v in -tls1_3 -tls1_2; do
  tern_server server-p256 --alpn h2,http/1.1 --alpn-last
  s_client_case "ALPN callback $v" $v -alpn h2,http/1.1,tern-test
  check "ALPN callback $v: s_client got the callback's choice" \
    has "$WORK/s_client.out" "ALPN protocol: tern-test"
  check "ALPN callback $v: the callback saw 3 protocols" \
    has "$WORK/tern.out" "alpn callback: 3 protocols offered, choosing 'tern-test'"
done

PORT=$(free_port)
bg "$PEER" server "$PORT" --cert "$DATA/server-p256-chain.pem" --key "$DATA/server-p256.key" \
  --send pong --expect ping --alpn-last >"$WORK/tern.out" 2>&1
wait_text "$WORK/tern.out" listening
timeout 20 gnutls-cli --x509cafile "$DATA/ca.pem" --alpn=h2 --alpn=gnutls-test -p "$PORT" \
  localhost </dev/null >"$WORK/gnutls.out" 2>&1
check "ALPN callback: gnutls-cli got the callback's choice" \
  has "$WORK/gnutls.out" "Application protocol: gnutls-test"
stop_all

echo "== message and state callbacks"
# The server's messages as tern's callback saw them, against s_client's
# own -msg report of the same handshake.
tern_server server-p256 --msg-log
s_client_case "message callback" -tls1_3 -msg
# s_client -msg: "<<< TLS 1.3, Handshake [length 0060], EncryptedExtensions"
# gives the whole message's length (header included) in hex.
for m in 2:ServerHello 8:EncryptedExtensions 11:Certificate 15:CertificateVerify 20:Finished; do
  t=${m%%:*} name=${m##*:}
  hex=$(grep -m1 -E "^<<< TLS 1.3, Handshake \[length [0-9a-f]+\], $name\$" "$WORK/s_client.out" |
    sed -E 's/.*length ([0-9a-f]+).*/\1/')
  if [ -n "$hex" ]; then
    check "message callback: $name sent, $((16#$hex)) bytes as s_client saw" \
      has "$WORK/tern.out" "msg sent content=22 type=$t len=$((16#$hex))"
  else
    check "message callback: s_client reported $name" false
  fi
done
hex=$(grep -m1 -E "^>>> TLS 1.3, Handshake \[length [0-9a-f]+\], ClientHello" "$WORK/s_client.out" |
  sed -E 's/.*length ([0-9a-f]+).*/\1/')
check "message callback: ClientHello received, as long as s_client sent it" \
  has "$WORK/tern.out" "msg received content=22 type=1 len=$((16#${hex:-0}))"
check "message callback: client Finished received" has "$WORK/tern.out" "msg received content=22 type=20 len=36"
check "state callback: handshake started" has "$WORK/tern.out" "state 1 value=0"
check "state callback: handshake done (TLS 1.3)" has "$WORK/tern.out" "state 2 value=772"

# A failure: tern's client refuses s_server's certificate (no CA given).
PORT=$(free_port)
bg openssl s_server -accept "$PORT" -cert "$DATA/server-p256.pem" -key "$DATA/server-p256.key" \
  -cert_chain "$DATA/int.pem" -www >"$WORK/server.log" 2>&1
wait_port "$PORT"
"$PEER" client localhost "$PORT" --msg-log --send x >"$WORK/client.out" 2>&1
check "state callback: the refusal's alert (unknown_ca) is reported sent" \
  has "$WORK/client.out" "state 3 value=48"
check "state callback: the failure is reported" has "$WORK/client.out" "state 6 value=50"
check "message callback: the alert is a fatal one, 2 bytes" \
  has "$WORK/client.out" "msg sent content=21 type=48 len=2"
stop_all

echo "== stateless HelloRetryRequest cookie"
# s_client leads with X448, which tern does not do: tern retries with one
# of its groups and a cookie, which s_client returns (its -trace shows it).
tern_server server-p256
s_client_case "HRR cookie, s_client" -groups X448:P-256 -trace
check "HRR cookie, s_client: the HelloRetryRequest carried a cookie" \
  grep -qE "extension_type=cookie_ext\(44\), length=7[0-9]" "$WORK/s_client.out"
check "HRR cookie, s_client: two ClientHellos" \
  test "$(grep -c 'ClientHello, Length=' "$WORK/s_client.out")" -eq 2
# gnutls-cli leads with P-384; this tern server takes only P-256.
tern_server server-p256 --groups 0017
printf 'ping\n' | timeout 20 gnutls-cli --x509cafile "$DATA/ca.pem" -p "$PORT" localhost \
  --priority "NORMAL:-GROUP-ALL:+GROUP-SECP384R1:+GROUP-SECP256R1" -d 4 >"$WORK/gnutls.out" 2>&1
check "HRR cookie, gnutls-cli: a HelloRetryRequest for P-256" \
  has "$WORK/gnutls.out" "HRR key share with SECP256R1"
check "HRR cookie, gnutls-cli: it carried a cookie" \
  has "$WORK/gnutls.out" "Parsing extension 'Cookie/44'"
check "HRR cookie, gnutls-cli: the handshake completed and data crossed" \
  has "$WORK/gnutls.out" "pong"
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "HRR cookie, gnutls-cli: tern got data" has "$WORK/tern.out" "ping"

echo "== asynchronous private-key operations"
# tern's key is held by a signer thread that answers 50 ms later; the peer
# verifies the CertificateVerify it makes.
for k in server-p256:ECDSA:ecdsa_secp256r1_sha256 server-rsa:RSA-PSS:rsa_pss_rsae_sha256; do
  name=${k%%:*} rest=${k#*:}; kind=${rest%%:*} sigalg=${rest##*:}
  tern_server "$name" --async-key
  s_client_case "async signer $name, s_client" -tls1_3 -sigalgs "$sigalg"
  check "async signer $name: s_client saw a $kind signature" \
    has "$WORK/s_client.out" "Peer signature type: $kind"
  check "async signer $name: one signature, answered later" \
    has "$WORK/tern.out" "asynchronous signatures: 1"
done
tern_server server-rsa --async-key
printf 'ping\n' | timeout 20 gnutls-cli --x509cafile "$DATA/ca.pem" -p "$PORT" localhost \
  --priority "NORMAL:-VERS-ALL:+VERS-TLS1.3" >"$WORK/gnutls.out" 2>&1
check "async signer server-rsa, gnutls-cli: verified and got data" has "$WORK/gnutls.out" "pong"
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "async signer server-rsa, gnutls-cli: answered later" \
  has "$WORK/tern.out" "asynchronous signatures: 1"

finish
