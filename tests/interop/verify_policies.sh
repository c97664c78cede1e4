#!/usr/bin/env bash
# Verification an application shapes (issue 17), against OpenSSL:
#  - client certificates "optional, report only": openssl s_client with an
#    untrusted certificate completes its handshake with a tern server, which
#    reads the verdict "unknown issuer" afterwards;
#  - tern get --pinnedpubkey, right and wrong (pins computed by openssl);
#  - tern get --cafile with a self-signed server certificate made by
#    `openssl req -x509` (cA TRUE), trusted as exactly itself;
#  - tern get --capath with a folder made by `openssl rehash`;
#  - tern get --crl with a server certificate revoked by `openssl ca -revoke`
#    and a CRL from `openssl ca -gencrl`.
. "$(dirname "$0")/lib.bash"
need openssl openssl
TERN=$BUILD/tern
CA=$DATA/ca.pem
REQ=$'GET / HTTP/1.0\r\n\r\n'

s_server() { # s_server CERT KEY [CHAIN]: openssl s_server -www on $PORT
  PORT=$(free_port)
  local chain=()
  [ -n "${3:-}" ] && chain=(-cert_chain "$3")
  bg openssl s_server -accept "$PORT" -cert "$1" -key "$2" "${chain[@]}" -www \
    >"$WORK/s_server.$PORT.log" 2>&1
  wait_port "$PORT"
}
get() { # get LABEL [tern get options]: fetch https://localhost:$PORT/
  local label=$1; shift
  timeout 20 "$TERN" get "$@" "https://localhost:$PORT/" >"$WORK/$label.out" 2>&1
}

echo "== openssl s_client -> tern server, client certificates optional, report only"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stranger \
  -keyout "$WORK/stranger.key" -out "$WORK/stranger.csr" >/dev/null 2>&1
printf 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$WORK/ext"
openssl x509 -req -in "$WORK/stranger.csr" -CA "$DATA/other-ca.pem" -CAkey "$DATA/other-ca.key" \
  -set_serial 4242 -days 30 -extfile "$WORK/ext" -out "$WORK/stranger.pem" >/dev/null 2>&1 ||
  { echo "cannot make the stranger's certificate"; exit 1; }
for tls in -tls1_3 -tls1_2; do
  for who in stranger none trusted; do
    PORT=$(free_port)
    bg "$PEER" server "$PORT" --cert "$DATA/server-p256-chain.pem" --key "$DATA/server-p256.key" \
      --cafile "$CA" --client-auth-report --send pong >"$WORK/peer.$who$tls.out" 2>&1
    wait_text "$WORK/peer.$who$tls.out" "listening on"
    case $who in
      stranger) cert=(-cert "$WORK/stranger.pem" -key "$WORK/stranger.key") ;;
      trusted) cert=(-cert "$DATA/client.pem" -key "$DATA/client.key" -cert_chain "$DATA/int.pem") ;;
      none) cert=() ;;
    esac
    printf 'ping' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
      -CAfile "$CA" $tls "${cert[@]}" -ign_eof >"$WORK/sc.$who$tls.out" 2>&1
    wait "${PIDS[-1]}" 2>/dev/null
    PIDS=()
    case $who in
      stranger)
        check "$tls untrusted certificate: s_client's handshake completes" has "$WORK/sc.$who$tls.out" "pong"
        check "  the server reads the verdict 'unknown issuer'" \
          has "$WORK/peer.$who$tls.out" "verdict: unknown issuer: no certificate in the chain is signed by a trusted root"
        check "  and the chain (1 certificate)" has "$WORK/peer.$who$tls.out" "(peer certificates: 1)"
        check "  naming the client" has "$WORK/peer.$who$tls.out" "peer=CN=stranger" ;;
      none)
        check "$tls no certificate: the handshake completes" has "$WORK/sc.$who$tls.out" "pong"
        check "  the verdict says none was sent" has "$WORK/peer.$who$tls.out" "verdict: no certificate" ;;
      trusted)
        check "$tls a trusted certificate: verdict ok" has "$WORK/peer.$who$tls.out" "verdict: ok: accepted (peer certificates: 2)" ;;
    esac
  done
done

echo "== openssl s_client -> tern serve --client-cert-report"
mkdir -p "$WORK/site" && echo "for everyone" >"$WORK/site/index.html"
PORT=$(free_port)
bg "$TERN" serve --addr 127.0.0.1 --port "$PORT" --cert "$DATA/server-p256-chain.pem" \
  --key "$DATA/server-p256.key" --cafile "$CA" --client-cert-report "$WORK/site" 2>"$WORK/serve.log"
wait_port "$PORT"
printf '%s' "$REQ" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
  -CAfile "$CA" -cert "$WORK/stranger.pem" -key "$WORK/stranger.key" -ign_eof >"$WORK/serve-sc.out" 2>&1
check "an untrusted client certificate: the page" has "$WORK/serve-sc.out" "for everyone"
check "  tern serve logs the verdict" has "$WORK/serve.log" "GET / 200 13 CN=stranger [client certificate: unknown issuer]"
printf '%s' "$REQ" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
  -CAfile "$CA" -cert "$DATA/client.pem" -key "$DATA/client.key" -cert_chain "$DATA/int.pem" \
  -ign_eof >"$WORK/serve-ok.out" 2>&1
check "a trusted one: the page, no refusal logged" grep -qE "GET / 200 13 CN=tern test client$" "$WORK/serve.log"
printf '%s' "$REQ" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
  -CAfile "$CA" -ign_eof >"$WORK/serve-none.out" 2>&1
check "none: the page, the verdict logged" has "$WORK/serve.log" "GET / 200 13 [client certificate: no certificate]"
stop_all

echo "== tern get --pinnedpubkey"
pin_of() { # pin_of CERT: curl's sha256//BASE64 of the certificate's SPKI, by openssl
  echo "sha256//$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | openssl base64 -A)"
}
s_server "$DATA/server-p256.pem" "$DATA/server-p256.key" "$DATA/int.pem"
P256=$(pin_of "$DATA/server-p256.pem") RSA=$(pin_of "$DATA/server-rsa.pem")
get pin-ok --cafile "$CA" --pinnedpubkey "$P256"
check "the right pin: fetched" has "$WORK/pin-ok.out" "New, TLSv1.3"
get pin-two --cafile "$CA" --pinnedpubkey "$RSA;$P256"
check "the right pin among two: fetched" has "$WORK/pin-two.out" "New, TLSv1.3"
get pin-bad --cafile "$CA" --pinnedpubkey "$RSA"
check "a wrong pin: refused" test $? -ne 0
check "  naming the server's key" has "$WORK/pin-bad.out" "(${P256}) matches none of the 1 pinned public key"
get pin-junk --cafile "$CA" --pinnedpubkey "sha256//nonsense"
check "a malformed pin: a usage error naming it" has "$WORK/pin-junk.out" "--pinnedpubkey: public-key pin 'sha256//nonsense'"
stop_all

echo "== tern get --cafile with a self-signed certificate (openssl req -x509)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -days 30 -keyout "$WORK/self.key" -out "$WORK/self.pem" \
  >/dev/null 2>&1
check "openssl made it a CA certificate" has <(openssl x509 -in "$WORK/self.pem" -noout -ext basicConstraints) "CA:TRUE"
s_server "$WORK/self.pem" "$WORK/self.key"
get self-ok --cafile "$WORK/self.pem"
check "trusted as exactly itself: fetched" has "$WORK/self-ok.out" "New, TLSv1.3"
get self-no --cafile "$CA"
check "not trusted: refused" test $? -ne 0
check "  as self-signed" has "$WORK/self-no.out" "is self-signed"
stop_all

echo "== tern get --capath (openssl rehash)"
mkdir -p "$WORK/capath" "$WORK/otherpath"
cp "$CA" "$WORK/capath/root.pem"
cp "$DATA/other-ca.pem" "$WORK/otherpath/other.pem"
openssl rehash "$WORK/capath" "$WORK/otherpath" 2>/dev/null
hash=$(openssl x509 -in "$CA" -noout -hash)
check "openssl rehash made $hash.0" test -e "$WORK/capath/$hash.0"
s_server "$DATA/server-p256.pem" "$DATA/server-p256.key" "$DATA/int.pem"
get cap-ok --capath "$WORK/capath"
check "the root found by its name hash: fetched" has "$WORK/cap-ok.out" "New, TLSv1.3"
get cap-other --capath "$WORK/otherpath"
check "a folder without the root: refused" test $? -ne 0
check "  the issuer unknown" has "$WORK/cap-other.out" "is not in the trust store"
rm "$WORK/capath/$hash.0"
get cap-gone --capath "$WORK/capath"
check "only the hashed name is looked up (root.pem alone is not found)" test $? -ne 0
stop_all

echo "== tern get --crl (openssl ca -revoke, -gencrl)"
D=$WORK/ca
source "$SRC/tests/common/revoked_pki.bash"
revoked_pki "$D" || { echo "openssl ca failed:"; cat "$D/log"; exit 1; }
check "openssl's CRL lists the leaf" has <(openssl crl -in "$D/crl.pem" -noout -text) "Serial Number: 1000"
s_server "$D/leaf.pem" "$D/leaf.key"
get crl-none --cafile "$D/ca.pem"
check "without a CRL: fetched" has "$WORK/crl-none.out" "New, TLSv1.3"
get crl-before --cafile "$D/ca.pem" --crl "$D/crl-before.pem"
check "with a CRL that does not list it: fetched" has "$WORK/crl-before.out" "New, TLSv1.3"
get crl-revoked --cafile "$D/ca.pem" --crl "$D/crl.pem"
check "with the CRL that revokes it: refused" test $? -ne 0
check "  as revoked, naming it" has "$WORK/crl-revoked.out" "revoked"
check "  by the CRL's issuer" has "$WORK/crl-revoked.out" "by the CRL issued by 'CN=crl test root'"
get crl-both --cafile "$D/ca.pem" --crl "$D/crl-before.pem" --crl "$D/crl.pem"
check "two CRLs, one revoking: refused" test $? -ne 0
get crl-junk --cafile "$D/ca.pem" --crl "$D/ca.pem"
check "a file without a CRL: a usage error" has "$WORK/crl-junk.out" "--crl: CRL $D/ca.pem: no X509 CRL"
stop_all

finish
