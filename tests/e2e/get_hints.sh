#!/usr/bin/env bash
# The errors a new user meets first keep their exact fact and add what to
# do next: a server stuck on TLS 1.0/1.1, a server asking for a client
# certificate (TLS 1.3 and 1.2), an untrusted self-signed certificate, a
# truncated PEM, an encrypted key; and the wording slips are gone.
source "$(dirname "$0")/lib/tool.sh"
need openssl python3
openssl_pki
get_smoke "https://localhost:1/" "$OCA"
d=$WORK/h
mkdir -p "$d"

# start_s_server NAME ARGS...: openssl s_server on a free port; sets SP.
start_s_server() {
  local name=$1; shift
  SP=$(free_port)
  openssl s_server -accept "$SP" -www "$@" >"$d/$name.log" 2>&1 &
  PIDS+=($!)
  wait_port "$SP" "$!" || { cat "$d/$name.log"; fail "openssl s_server ($name) did not start"; }
}

# A client certificate from the same CA, for mutual TLS.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ck.key" -out "$d/ck.csr" \
  -subj '/CN=tern test client' 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$d/ck.ext"
openssl x509 -req -in "$d/ck.csr" -CA "$OCA" -CAkey "$WORK/opki/ca.key" -CAcreateserial -out "$d/ck.pem" \
  -days 5 -extfile "$d/ck.ext" 2>/dev/null

# A server that stops at TLS 1.1.
start_s_server old -cert "$OLEAF" -key "$OKEY" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'
if "$TERN" get --cafile "$OCA" "https://localhost:$SP/" >/dev/null 2>"$d/e1"; then fail "a TLS 1.1 server was accepted"; fi
grep -q 'protocol_version' "$d/e1" || fail "the fact is gone: $(cat "$d/e1")"
grep -q 'the server only speaks TLS 1.0/1.1, which tern refuses (obsolete since RFC 8996)' "$d/e1" \
  || fail "no hint for a TLS 1.1 server: $(cat "$d/e1")"
pass "TLS 1.0/1.1 server"

# A server that wants a client certificate: TLS 1.3 (certificate_required)
# and TLS 1.2 (handshake_failure after a CertificateRequest).
start_s_server mtls13 -cert "$OLEAF" -key "$OKEY" -CAfile "$OCA" -Verify 1 -tls1_3
if "$TERN" get --cafile "$OCA" "https://localhost:$SP/" >/dev/null 2>"$d/e2"; then fail "no client certificate, accepted"; fi
grep -q 'certificate_required' "$d/e2" && grep -q 'the server asks for a client certificate: pass --cert and --key' "$d/e2" \
  || fail "TLS 1.3 certificate_required: $(cat "$d/e2")"
start_s_server mtls12 -cert "$OLEAF" -key "$OKEY" -CAfile "$OCA" -Verify 1 -tls1_2
if "$TERN" get --cafile "$OCA" "https://localhost:$SP/" >/dev/null 2>"$d/e3"; then fail "no client certificate (1.2), accepted"; fi
grep -q 'handshake_failure' "$d/e3" && grep -q 'the server asks for a client certificate: pass --cert and --key' "$d/e3" \
  || fail "TLS 1.2 handshake_failure after CertificateRequest: $(cat "$d/e3")"
pass "client certificate wanted (1.3 and 1.2)"

# A self-signed server certificate nobody trusts.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ss.key" -out "$d/ss.pem" \
  -days 5 -subj /CN=localhost -addext basicConstraints=critical,CA:FALSE \
  -addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=serverAuth \
  -addext subjectAltName=DNS:localhost 2>/dev/null
start_s_server ss -cert "$d/ss.pem" -key "$d/ss.key"
if "$TERN" get --cafile "$OCA" "https://localhost:$SP/" >/dev/null 2>"$d/e4"; then fail "an untrusted self-signed certificate was accepted"; fi
grep -q "'CN=localhost' is self-signed" "$d/e4" || fail "not named self-signed: $(cat "$d/e4")"
grep -q '(1 anchor)' "$d/e4" || fail "anchor count wording: $(cat "$d/e4")"
grep -q -- '--cafile with exactly that certificate' "$d/e4" && grep -q 'tern cert' "$d/e4" \
  || fail "no hint for a self-signed certificate: $(cat "$d/e4")"
# ... and trusting exactly that certificate works, as the hint says.
"$TERN" get --cafile "$d/ss.pem" "https://localhost:$SP/" >/dev/null 2>"$d/e4b" || fail "pinning the self-signed certificate failed: $(cat "$d/e4b")"
pass "self-signed certificate"

# A truncated PEM, and an encrypted key.
head -c 300 "$OCA" >"$d/trunc.pem"
if "$TERN" get --cafile "$d/trunc.pem" "https://localhost:$SP/" >/dev/null 2>"$d/e5"; then fail "a truncated CA file was used"; fi
grep -q "no matching END line: the file is cut short" "$d/e5" || fail "truncated PEM: $(cat "$d/e5")"
openssl pkcs8 -topk8 -in "$OKEY" -passout pass:secret -out "$d/enc.key" 2>/dev/null
if "$TERN" get --cafile "$OCA" --cert "$OLEAF" --key "$d/enc.key" "https://localhost:$SP/" >/dev/null 2>"$d/e6"; then
  fail "an encrypted key was used without its password"
fi
grep -q "key is encrypted" "$d/e6" && grep -q -- '--key-pass' "$d/e6" || fail "encrypted key: $(cat "$d/e6")"
# With its password (each form of --key-pass) the key serves mutual TLS.
openssl pkcs8 -topk8 -in "$d/ck.key" -passout pass:secret -out "$d/ck.enc" 2>/dev/null
start_s_server mtls -cert "$OLEAF" -key "$OKEY" -CAfile "$OCA" -Verify 1
printf 'secret\n' >"$d/pw"
for spec in pass:secret env:TERN_TEST_PW "file:$d/pw"; do
  TERN_TEST_PW=secret "$TERN" get --cafile "$OCA" --cert "$d/ck.pem" --key "$d/ck.enc" --key-pass "$spec" \
    "https://localhost:$SP/" >/dev/null 2>"$d/e7" || fail "--key-pass $spec: $(cat "$d/e7")"
done
if "$TERN" get --cafile "$OCA" --cert "$d/ck.pem" --key "$d/ck.enc" --key-pass pass:wrong "https://localhost:$SP/" >/dev/null 2>"$d/e8"; then
  fail "a wrong --key-pass was accepted"
fi
grep -q "wrong password" "$d/e8" || fail "wrong password: $(cat "$d/e8")"
pass "truncated PEM, encrypted key (hint, --key-pass pass:/env:/file:, wrong password)"

# The extKeyUsage sentence says what the certificate has and lacks.
if "$TERN" verify --trust "$OCA" --purpose client "$OLEAF" >"$d/v" 2>&1; then fail "a serverAuth-only leaf passed for clientAuth"; fi
grep -q 'has serverAuth but not clientAuth' "$d/v" || fail "EKU wording: $(cat "$d/v")"
if grep -q 'maybe others' "$d/v"; then fail "old EKU wording: $(cat "$d/v")"; fi
pass "wording"
echo "get_hints: all passed"
