#!/usr/bin/env bash
# Mutual TLS (RFC 8446 §4.3.2, §4.4.2) with real peers, both directions:
# the tern client presents its certificate to openssl s_server -Verify and
# gnutls-serv --require-client-cert; openssl s_client and gnutls-cli present
# theirs to tern serve --require-client-cert. A missing certificate is a
# certificate_required alert and a client certificate from an unknown CA is
# unknown_ca, each with a sentence on the tern side.
. "$(dirname "$0")/lib.bash"
need openssl openssl
need gnutls-cli gnutls-bin
TERN=$BUILD/tern
CA=$DATA/ca.pem
REQ=$'GET / HTTP/1.0\r\n\r\n'

# A client certificate from a CA tern's server does not trust.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stranger \
  -keyout "$WORK/stranger.key" -out "$WORK/stranger.csr" >/dev/null 2>&1
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$WORK/ext"
openssl x509 -req -in "$WORK/stranger.csr" -CA "$DATA/other-ca.pem" -CAkey "$DATA/other-ca.key" \
  -set_serial 4242 -days 30 -extfile "$WORK/ext" -out "$WORK/stranger.pem" >/dev/null 2>&1 ||
  { echo "cannot make the stranger's certificate"; exit 1; }

peer() { # peer LABEL [tern_peer client options]: tern client to 127.0.0.1:$PORT
  local label=$1; shift
  "$PEER" client localhost "$PORT" --cafile "$CA" --send "$REQ" "$@" >"$WORK/$label.out" 2>&1
}

echo "== tern client -> openssl s_server -Verify"
PORT=$(free_port)
bg openssl s_server -accept "$PORT" -cert "$DATA/server-p256.pem" -cert_chain "$DATA/int.pem" \
  -key "$DATA/server-p256.key" -www -tls1_3 -Verify 2 -CAfile "$CA" -verify_return_error \
  >"$WORK/s_server.log" 2>&1
wait_port "$PORT"
for k in client; do
  check "with a certificate: accepted" peer ok --cert "$DATA/$k-chain.pem" --key "$DATA/$k.key" \
    --expect "TLSv1.3"
  check "s_server saw the client's subject" has "$WORK/ok.out" "Subject: CN=tern test client"
done
peer none --expect TLSv1.3
check "without one: refused" test $? -ne 0
check "  with certificate_required, named" has "$WORK/none.out" "certificate_required (116)"
peer stranger --cert "$WORK/stranger.pem" --key "$WORK/stranger.key" --expect TLSv1.3
check "from another CA: refused" test $? -ne 0
check "  with unknown_ca, named" has "$WORK/stranger.out" "unknown_ca (48)"
stop_all

echo "== tern client -> gnutls-serv --require-client-cert"
PORT=$(free_port)
bg gnutls-serv --http --x509certfile "$DATA/server-p256-chain.pem" --x509keyfile "$DATA/server-p256.key" \
  --x509cafile "$CA" --require-client-cert --verify-client-cert -p "$PORT" >"$WORK/g_serv.log" 2>&1
wait_port "$PORT"
check "with a certificate: accepted" peer gok --cert "$DATA/client-chain.pem" --key "$DATA/client.key" \
  --expect "TLS1.3"
peer gnone --expect TLS1.3
check "without one: refused" test $? -ne 0
check "  with certificate_required, named" has "$WORK/gnone.out" "certificate_required (116)"
stop_all

echo "== openssl s_client -> tern serve --require-client-cert"
mkdir -p "$WORK/site" && echo "members only" >"$WORK/site/index.html"
PORT=$(free_port)
bg "$TERN" serve --addr 127.0.0.1 --port "$PORT" --cert "$DATA/server-p256-chain.pem" \
  --key "$DATA/server-p256.key" --cafile "$CA" --require-client-cert "$WORK/site" 2>"$WORK/serve.log"
wait_port "$PORT"
sc() { # sc LABEL [s_client options]
  local label=$1; shift
  printf '%s' "$REQ" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$CA" -ign_eof "$@" >"$WORK/$label.out" 2>&1
}
sc scok -cert "$DATA/client.pem" -key "$DATA/client.key" -cert_chain "$DATA/int.pem"
check "with a certificate: the page" has "$WORK/scok.out" "members only"
check "tern serve logged the client's subject" has "$WORK/serve.log" "GET / 200 13 CN=tern test client"
# A subject of over 400 characters: the session ticket holds a bounded
# form of it, so the handshake completes and the ticket resumes.
sc sclong -cert "$DATA/client-long.pem" -key "$DATA/client-long.key" -cert_chain "$DATA/int.pem" \
  -sess_out "$WORK/long.sess"
check "a 400-character client subject: the page" has "$WORK/sclong.out" "members only"
sc sclong2 -cert "$DATA/client-long.pem" -key "$DATA/client-long.key" -cert_chain "$DATA/int.pem" \
  -sess_in "$WORK/long.sess"
check "  its ticket resumes" has "$WORK/sclong2.out" "Reused, TLSv1.3"
check "  tern serve logs the stored prefix of the subject" has "$WORK/serve.log" "xxx... (resumed)"
sc scnone
check "without one: s_client hears certificate required" has "$WORK/scnone.out" "certificate required"
check "  tern serve says why" has "$WORK/serve.log" "the client sent no certificate, but this server requires one"
sc scstranger -cert "$WORK/stranger.pem" -key "$WORK/stranger.key"
check "from another CA: s_client hears unknown ca" has "$WORK/scstranger.out" "unknown ca"
check "  tern serve names the chain's end" has "$WORK/serve.log" "CN=stranger"

echo "== gnutls-cli -> tern serve --require-client-cert"
gnutls-cli --x509cafile "$CA" -p "$PORT" localhost --x509certfile "$WORK/stranger.pem" \
  --x509keyfile "$WORK/stranger.key" </dev/null >"$WORK/gcs.out" 2>&1
check "from another CA: gnutls-cli hears unknown CA" has "$WORK/gcs.out" "Received alert [48]"
stop_all

finish
