#!/usr/bin/env bash
# TLS 1.2 (RFC 5246) between tern and real peers, both directions: OpenSSL
# (s_server / s_client -tls1_2) and GnuTLS (priority VERS-TLS1.2), each
# suite (ECDHE-ECDSA, ECDHE-RSA, RSA key transport when enabled), each
# group and key type, mutual TLS, renegotiation refused, version
# negotiation from a 1.2..1.3 tern client, `tern get --tls1.2`, and
# resumption with session tickets (RFC 5077) both ways; curl and Python's
# ssl limited to TLS 1.2 against tern; Java 17's JSSE both ways (when
# installed).
. "$(dirname "$0")/lib.bash"
TERN_SERVER_TIMEOUT=30
need openssl openssl
TERN=$BUILD/tern

# tern hex : OpenSSL name : GnuTLS key exchange : GnuTLS cipher : certificate
SUITES=(
  c02b:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA:AES-128-GCM:server-p256
  c02c:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA:AES-256-GCM:server-p256
  cca9:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA:CHACHA20-POLY1305:server-p256
  c02f:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA:AES-128-GCM:server-rsa
  c030:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA:AES-256-GCM:server-rsa
  cca8:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA:CHACHA20-POLY1305:server-rsa
  009c:AES128-GCM-SHA256:RSA:AES-128-GCM:server-rsa
  009d:AES256-GCM-SHA384:RSA:AES-256-GCM:server-rsa
)
field() { echo "$1" | cut -d: -f"$2"; }
lacks() { ! grep -qiF -- "$2" "$1"; } # lacks FILE TEXT

s_server() { # CERTNAME [s_server args]
  local name=$1; shift
  PORT=$(free_port)
  bg openssl s_server -accept "$PORT" -cert "$DATA/$name.pem" -key "$DATA/$name.key" \
    -cert_chain "$DATA/int.pem" -www -tls1_2 "$@" >"$WORK/server.log" 2>&1
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
s_client_case() { # LABEL [s_client args]: lib.bash's, over TLS 1.2
  local label=$1; shift
  s_client_ping "$label" -tls1_2 "$@"
  check "$label: TLS 1.2" has "$WORK/tern.out" "version=TLS 1.2"
}

echo "== tern client -> openssl s_server -tls1_2"
for s in "${SUITES[@]}"; do
  hex=$(field "$s" 1) name=$(field "$s" 2)
  s_server "$(field "$s" 5)" -cipher "$name"
  client_case "suite $name" "New, TLSv1.2, Cipher is $name" --tls12 --suites "$hex"
  stop_all
done
# RFC 8422 §5.1: in TLS 1.2 supported_groups also covers the certificate's
# curve, so P-256 stays on the list behind the group under test.
for g in X25519:001d,0017:x25519 P-256:0017:secp256r1 P-384:0018,0017:secp384r1; do
  s_server server-p256 -groups "${g%%:*}"
  client_case "group ${g%%:*}" "TLSv1.2" --tls12 --groups "$(field "$g" 2)"
  check "group ${g%%:*} negotiated" has "$WORK/client.out" "group=$(field "$g" 3)"
  stop_all
done
for k in server-p384:ecdsa_secp server-ed25519:ed25519 server-rsa:rsa_pss_rsae_sha256; do
  s_server "${k%%:*}"
  client_case "certificate ${k%%:*}" "TLSv1.2" --tls12
  check "certificate ${k%%:*} signature" has "$WORK/client.out" "sig=${k##*:}"
  stop_all
done
s_server server-rsa
client_case "rsa_pkcs1_sha256 in TLS 1.2" "TLSv1.2" --tls12 --sigs 0401
check "signed with rsa_pkcs1_sha256" has "$WORK/client.out" "sig=rsa_pkcs1_sha256"
stop_all
# A default tern client (1.2..1.3) proceeds with the 1.2 the server picks.
s_server server-p256
client_case "1.2..1.3 client takes TLS 1.2" "New, TLSv1.2" --alpn http/1.1
check "version reported 1.2" has "$WORK/client.out" "version=TLS 1.2"
stop_all
# RSA key transport is not offered unless configured.
s_server server-rsa -cipher AES128-GCM-SHA256
"$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --tls12 --send x >"$WORK/client.out" 2>&1
check "RSA-only server vs default tern client fails" test $? -ne 0
check "RSA-only server: the alert is named" has "$WORK/client.out" "handshake_failure"
stop_all
# Mutual TLS.
s_server server-p256 -Verify 1 -CAfile "$DATA/ca.pem"
client_case "mutual TLS" "TLSv1.2" --tls12 --cert "$DATA/client-chain.pem" --key "$DATA/client.key"
stop_all
# Renegotiation: s_server sends HelloRequest ("r" on its stdin); tern refuses.
PORT=$(free_port)
(sleep 2; echo r; sleep 3) | openssl s_server -accept "$PORT" -cert "$DATA/server-p256.pem" \
  -key "$DATA/server-p256.key" -cert_chain "$DATA/int.pem" -tls1_2 >"$WORK/server.log" 2>&1 &
PIDS+=($!)
wait_port "$PORT"
timeout 10 "$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --tls12 --send hello \
  --expect never-sent >"$WORK/client.out" 2>&1
# RFC 5246 §7.2.2: tern's no_renegotiation is a warning. OpenSSL names a
# warning "ssl3_read_bytes:no renegotiation" (a fatal one would be "tlsv1
# alert no renegotiation") and then aborts by its own choice.
check "HelloRequest refused with a warning" grep -q "read_bytes:no renegotiation" \
  "$WORK/server.log"
check "HelloRequest: no fatal no_renegotiation" lacks "$WORK/server.log" "alert no renegotiation"
check "HelloRequest: s_server then aborts" has "$WORK/client.out" "handshake_failure"
stop_all
# Downgrade protection from OpenSSL's side: s_server speaking 1.3 too
# gives a 1.2-only tern client TLS 1.2 (a 1.2 client does not act on the
# sentinel), and a 1.2..1.3 tern client TLS 1.3.
PORT=$(free_port)
bg openssl s_server -accept "$PORT" -cert "$DATA/server-p256.pem" -key "$DATA/server-p256.key" \
  -cert_chain "$DATA/int.pem" -www >"$WORK/server.log" 2>&1
wait_port "$PORT"
client_case "1.2-only client vs 1.3-capable s_server" "New, TLSv1.2" --tls12
client_case "1.2..1.3 client vs 1.3-capable s_server" "New, TLSv1.3"
stop_all
# tern get --tls1.2
s_server server-p256
"$TERN" get --tls1.2 --cafile "$DATA/ca.pem" "https://localhost:$PORT/" >"$WORK/get.out" 2>&1
check "tern get --tls1.2" has "$WORK/get.out" "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"
stop_all

echo "== openssl s_client -tls1_2 -> tern server"
for s in "${SUITES[@]}"; do
  name=$(field "$s" 2) extra=()
  [ "$(field "$s" 3)" = RSA ] && extra=(--rsa-kx)
  tern_server "$(field "$s" 5)" "${extra[@]}"
  s_client_case "suite $name" -cipher "$name"
  check "suite $name negotiated" has "$WORK/s_client.out" "Cipher is $name"
done
for g in X25519:x25519:001d,0017:X25519:P-256 P-256:secp256r1:0017:P-256 P-384:secp384r1:0018,0017:P-384:P-256; do
  tern_server server-p256 --groups "$(field "$g" 3)"
  s_client_case "group ${g%%:*}" -groups "$(echo "$g" | cut -d: -f4-)"
  check "group ${g%%:*} negotiated" has "$WORK/tern.out" "group=$(field "$g" 2)"
done
for k in server-p384 server-ed25519 server-rsa; do
  tern_server "$k"
  s_client_case "certificate $k"
done
# The RFC 5705 exporter equals OpenSSL's.
tern_server server-p256 --export "EXPERIMENTAL tern"
s_client_case "exporter" -keymatexport "EXPERIMENTAL tern" -keymatexportlen 32
want=$(sed -n 's/^ *Keying material: \([0-9A-F]*\)$/\1/p' "$WORK/s_client.out")
check "exporter: same 32 bytes as s_client" \
  test -n "$want" -a "$(sed -n 's/^export=//p' "$WORK/tern.out")" = "$want"
tern_server server-p256 --alpn http/1.1
s_client_case "ALPN" -alpn h2,http/1.1
check "ALPN picked http/1.1" has "$WORK/tern.out" "alpn=http/1.1"
tern_server server-p256 --require-client-cert --cafile "$DATA/ca.pem"
s_client_case "mutual TLS" -cert "$DATA/client.pem" -key "$DATA/client.key" -cert_chain "$DATA/int.pem"
check "tern saw the client's subject" has "$WORK/tern.out" "peer=CN=tern test client"
# RSA key transport offered by s_client but not enabled on tern: refused.
tern_server server-rsa
printf 'ping\n' | timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -tls1_2 \
  -cipher AES128-GCM-SHA256 >"$WORK/s_client.out" 2>&1
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "RSA key transport refused unless enabled" has "$WORK/tern.out" "0x009c"
# Client-initiated renegotiation: s_client sends "R" -> a second ClientHello.
tern_server server-p256 --expect never-sent
(sleep 1; echo R; sleep 2) | timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -tls1_2 \
  -CAfile "$DATA/ca.pem" >"$WORK/s_client.out" 2>&1
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "s_client saw a warning no_renegotiation" grep -q "read_bytes:no renegotiation" \
  "$WORK/s_client.out"
check "s_client saw no fatal no_renegotiation" lacks "$WORK/s_client.out" \
  "alert no renegotiation"
check "tern kept the connection until s_client aborted" has "$WORK/tern.out" \
  "client sent a fatal alert: handshake_failure"
# TLS 1.1 refused with protocol_version.
tern_server server-p256
timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
  </dev/null >"$WORK/s_client.out" 2>&1
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "TLS 1.1 refused, version named" has "$WORK/tern.out" "TLS 1.1"
# RFC 7507: s_client retrying as a TLS 1.2 fallback to a server that speaks
# 1.3 gets inappropriate_fallback; a 1.2-only server takes it.
tern_server server-p256 --expect never-sent
printf 'ping\n' | timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -tls1_2 -fallback_scsv \
  -CAfile "$DATA/ca.pem" >"$WORK/s_client.out" 2>&1
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "TLS_FALLBACK_SCSV refused by a 1.3 server" has "$WORK/tern.out" "TLS_FALLBACK_SCSV"
check "s_client saw inappropriate_fallback" has "$WORK/s_client.out" "inappropriate fallback"
tern_server server-p256 --tls12
s_client_case "TLS_FALLBACK_SCSV to a 1.2-only server" -fallback_scsv
# 148 suites (PSK ones too) with the only one fitting tern's ECDSA key
# last: the whole list is read, not its first 128.
tern_server server-p256
s_client_case "148 suites, the usable one last" -psk 1234 \
  -cipher 'ALL:COMPLEMENTOFALL:!ECDHE-ECDSA-AES256-GCM-SHA384:!ECDHE-ECDSA-CHACHA20-POLY1305:+ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0'
check "148 suites: ECDHE-ECDSA-AES128-GCM-SHA256 chosen" has "$WORK/s_client.out" \
  "Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"

echo "== curl and Python's ssl, TLS 1.2 only, -> tern"
if command -v curl >/dev/null; then
  mkdir -p "$WORK/site" && echo "curl page 12" >"$WORK/site/index.html"
  PORT=$(free_port)
  bg "$TERN" serve --addr 127.0.0.1 --port "$PORT" --cert "$DATA/server-rsa-chain.pem" \
    --key "$DATA/server-rsa.key" "$WORK/site" 2>"$WORK/serve.log"
  wait_port "$PORT"
  curl -sS --tlsv1.2 --tls-max 1.2 --cacert "$DATA/ca.pem" -w '%{http_code}\n' \
    "https://localhost:$PORT/" >"$WORK/curl.out" 2>&1
  check "curl --tls-max 1.2 -> tern serve" has "$WORK/curl.out" "curl page 12"
  stop_all
fi
tern_server server-p256
timeout 20 python3 - "$PORT" "$DATA/ca.pem" >"$WORK/py.out" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"ping\n")
        print(s.version(), s.cipher()[0], s.recv(100).decode())
PY
wait "${PIDS[@]}" 2>/dev/null
PIDS=()
check "Python ssl (max TLS 1.2) -> tern: TLSv1.2" has "$WORK/py.out" "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 pong"

if command -v java >/dev/null && command -v keytool >/dev/null; then
  echo "== Java 17 JSSE <-> tern, TLS 1.2"
  J=$SRC/tests/interop/java/Peer.java
  keytool -importcert -noprompt -alias ca -file "$DATA/ca.pem" -keystore "$WORK/trust.p12" \
    -storetype PKCS12 -storepass changeit >/dev/null 2>&1
  for k in server-p256 server-rsa; do
    openssl pkcs12 -export -in "$DATA/$k-chain.pem" -inkey "$DATA/$k.key" -name server \
      -out "$WORK/$k.p12" -passout pass:changeit
    tern_server "$k" # 1.2..1.3: the downgrade sentinel goes to a 1.2-only client
    timeout 60 java -Dtern.protocols=TLSv1.2 "$J" client localhost "$PORT" "$WORK/trust.p12" ping pong >"$WORK/java.out" 2>&1
    check "Java client -> tern ($k): verified and got pong" has "$WORK/java.out" "negotiated: TLSv1.2"
    wait "${PIDS[@]}" 2>/dev/null
    PIDS=()
    check "Java client -> tern ($k): tern got ping over TLS 1.2" has "$WORK/tern.out" "version=TLS 1.2"
    PORT=$(free_port)
    bg timeout 60 java "$J" server "$PORT" "$WORK/$k.p12" pong ping >"$WORK/java.out" 2>&1
    wait_text "$WORK/java.out" listening
    "$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --tls12 --send ping --expect pong \
      >"$WORK/client.out" 2>&1
    check "tern client -> Java server ($k): TLS 1.2" has "$WORK/client.out" "version=TLS 1.2"
    stop_all
  done
fi

echo "== TLS 1.2 resumption with session tickets (RFC 5077)"
resumed() { has "$WORK/$1.trace" "resumption: the server accepted our"; } # the ladder wraps long facts
tern_get() { # LABEL SESSION-FILE URL
  "$TERN" get --tls1.2 --session "$2" --cafile "$DATA/ca.pem" --trace "$3" >"$WORK/$1.body" \
    2>"$WORK/$1.trace"
}
s_server server-p256
check "tern get --tls1.2 --session: first visit" tern_get o1 "$WORK/o.sess" "https://localhost:$PORT/"
check "s_server: new TLS 1.2 session" has "$WORK/o1.body" "New, TLSv1.2"
check "tern get --tls1.2 --session: second visit" tern_get o2 "$WORK/o.sess" "https://localhost:$PORT/"
check "s_server says Reused, TLSv1.2" has "$WORK/o2.body" "Reused, TLSv1.2"
check "tern's trace says resumed" resumed o2
stop_all
mkdir -p "$WORK/site" && echo "resumption page" >"$WORK/site/index.html"
PORT=$(free_port)
bg "$TERN" serve --addr 127.0.0.1 --port "$PORT" --cert "$DATA/server-p256-chain.pem" \
  --key "$DATA/server-p256.key" "$WORK/site" 2>"$WORK/serve.log"
wait_port "$PORT"
req=$'GET / HTTP/1.0\r\n\r\n'
printf '%s' "$req" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
  -CAfile "$DATA/ca.pem" -verify_return_error -ign_eof -tls1_2 -sess_out "$WORK/s.sess" \
  >"$WORK/sc1.out" 2>&1
check "s_client -tls1_2 -> tern serve: new session" has "$WORK/sc1.out" "New, TLSv1.2"
printf '%s' "$req" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
  -CAfile "$DATA/ca.pem" -verify_return_error -ign_eof -tls1_2 -sess_in "$WORK/s.sess" \
  >"$WORK/sc2.out" 2>&1
check "s_client -tls1_2 -> tern serve: Reused" has "$WORK/sc2.out" "Reused, TLSv1.2"
check "s_client got the page over the resumed session" has "$WORK/sc2.out" "resumption page"
check "tern serve logged the resumed request" has "$WORK/serve.log" "(resumed)"
stop_all

if command -v gnutls-serv >/dev/null || need gnutls-serv gnutls-bin; then
  PRIO12='NORMAL:-VERS-ALL:+VERS-TLS1.2'
  g_server() { # CERTNAME PRIORITY
    PORT=$(free_port)
    bg gnutls-serv --http --x509certfile "$DATA/$1-chain.pem" --x509keyfile "$DATA/$1.key" \
      -p "$PORT" --priority "$2" >"$WORK/server.log" 2>&1
    wait_port "$PORT"
  }
  g_client_case() {
    local label=$1; shift
    (printf 'ping\n'; sleep 1) | timeout 20 gnutls-cli --x509cafile "$DATA/ca.pem" -p "$PORT" \
      localhost "$@" >"$WORK/g_client.out" 2>&1
    check "$label: gnutls-cli verified and got data" has "$WORK/g_client.out" "pong"
    wait "${PIDS[@]}" 2>/dev/null
    PIDS=()
    check "$label: tern got data over TLS 1.2" has "$WORK/tern.out" "version=TLS 1.2"
  }
  echo "== tern client -> gnutls-serv (TLS 1.2)"
  for s in "${SUITES[@]}"; do
    hex=$(field "$s" 1) kx=$(field "$s" 3) ciph=$(field "$s" 4)
    g_server "$(field "$s" 5)" "$PRIO12:-KX-ALL:+$kx:-CIPHER-ALL:+$ciph"
    client_case "gnutls suite $kx $ciph" "TLS1.2" --tls12 --suites "$hex"
    check "gnutls suite $kx $ciph: cipher" has "$WORK/client.out" "$ciph"
    stop_all
  done
  for g in 001d:X25519 0017:SECP256R1 0018:SECP384R1; do
    g_server server-p256 "$PRIO12"
    client_case "gnutls group ${g##*:}" "ECDHE-${g##*:}" --tls12 --groups "${g%%:*}"
    stop_all
  done
  g_server server-ed25519 "$PRIO12"
  client_case "gnutls certificate ed25519" "TLS1.2" --tls12
  stop_all

  echo "== gnutls-cli (TLS 1.2) -> tern server"
  for s in "${SUITES[@]}"; do
    kx=$(field "$s" 3) ciph=$(field "$s" 4) extra=()
    [ "$kx" = RSA ] && extra=(--rsa-kx)
    tern_server "$(field "$s" 5)" "${extra[@]}"
    g_client_case "gnutls-cli suite $kx $ciph" --priority "$PRIO12:-KX-ALL:+$kx:-CIPHER-ALL:+$ciph"
    check "gnutls-cli suite $kx $ciph negotiated" has "$WORK/tern.out" "suite=TLS_$(field "$s" 3 | tr - _)_WITH_"
  done
  # the P-256 certificate's curve stays on the client's list (RFC 8422 §5.1)
  for g in X25519:x25519:001d,0017 SECP256R1:secp256r1:0017 SECP384R1:secp384r1:0018,0017; do
    tern_server server-p256 --groups "$(field "$g" 3)"
    g_client_case "gnutls-cli group ${g%%:*}" \
      --priority "$PRIO12:-GROUP-ALL:+GROUP-${g%%:*}:+GROUP-SECP256R1"
    check "gnutls-cli group ${g%%:*} negotiated" has "$WORK/tern.out" "group=$(field "$g" 2)"
  done
  tern_server server-p256 --require-client-cert --cafile "$DATA/ca.pem"
  g_client_case "gnutls-cli mutual TLS" --priority "$PRIO12" \
    --x509certfile "$DATA/client-chain.pem" --x509keyfile "$DATA/client.key"
  check "tern saw the gnutls client's subject" has "$WORK/tern.out" "peer=CN=tern test client"

  echo "== TLS 1.2 resumption with GnuTLS"
  g_server server-p256 "$PRIO12"
  check "tern get -> gnutls-serv: first visit" tern_get g1 "$WORK/g.sess" "https://localhost:$PORT/"
  check "tern get -> gnutls-serv: second visit" tern_get g2 "$WORK/g.sess" "https://localhost:$PORT/"
  check "gnutls-serv resumed tern's ticket" resumed g2
  stop_all
  PORT=$(free_port)
  bg "$TERN" serve --addr 127.0.0.1 --port "$PORT" --cert "$DATA/server-p256-chain.pem" \
    --key "$DATA/server-p256.key" "$WORK/site" 2>"$WORK/serve.log"
  wait_port "$PORT"
  (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) | timeout 20 gnutls-cli --x509cafile "$DATA/ca.pem" \
    -p "$PORT" localhost --priority "$PRIO12" --resume >"$WORK/gc.out" 2>&1
  check "gnutls-cli --resume -> tern serve: resumed" has "$WORK/gc.out" "This is a resumed session"
  stop_all
fi

finish
