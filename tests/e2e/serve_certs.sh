#!/usr/bin/env bash
# tern serve with several certificates (issue 16): an ECDSA and an RSA chain
# for the same name (the RSA key encrypted, opened with --key-pass) and
# chains for two other names, chosen per client by OpenSSL's and GnuTLS's
# clients; --require-sni; SIGHUP reloads the files (new connections get
# the new certificate, an open one keeps working, a broken file keeps the
# old ones with a sentence).
source "$(dirname "$0")/lib/tool.sh"
need openssl gnutls-cli:gnutls-bin python3
make_site
P=$WORK/pki
mkdir -p "$P"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/ca.key" \
  -out "$P/ca.pem" -days 30 -subj '/CN=serve_certs CA' \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
# leaf NAME KEYARGS SAN... : $P/NAME.pem and $P/NAME.key
leaf() {
  local name=$1 kargs=$2 cn=$3; shift 3
  local san="" d
  for d in "$@"; do san+="${san:+,}DNS:$d"; done
  # shellcheck disable=SC2086
  openssl req -new -newkey $kargs -nodes -keyout "$P/$name.key" -out "$P/$name.csr" -subj "/CN=$cn" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$P/$name.ext"
  openssl x509 -req -in "$P/$name.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial \
    -out "$P/$name.pem" -days 30 -extfile "$P/$name.ext" 2>/dev/null
}
leaf ec "ec -pkeyopt ec_paramgen_curve:P-256" localhost localhost
leaf rsa "rsa:2048" localhost localhost
leaf a "ec -pkeyopt ec_paramgen_curve:P-256" a.test a.test
leaf b "ec -pkeyopt ec_paramgen_curve:P-256" b.test b.test
openssl pkcs8 -topk8 -in "$P/rsa.key" -v2 aes-256-cbc -passout pass:s3cret -out "$P/rsa.enc.key"

# Without the password the encrypted key is refused with a sentence.
if "$TERN" serve --port 0 --state-dir "$WORK/st0" --cert "$P/rsa.pem" --key "$P/rsa.enc.key" "$SITE" \
     >"$WORK/nopass.out" 2>&1; then fail "an encrypted key without --key-pass was taken"; fi
grep -q 'the key is encrypted' "$WORK/nopass.out" || fail "no 'the key is encrypted': $(cat "$WORK/nopass.out")"
if "$TERN" serve --port 0 --state-dir "$WORK/st0" --cert "$P/rsa.pem" --key "$P/rsa.enc.key" \
     --key-pass pass:wrong "$SITE" >"$WORK/badpass.out" 2>&1; then fail "a wrong password was taken"; fi
grep -q 'wrong password' "$WORK/badpass.out" || fail "no 'wrong password': $(cat "$WORK/badpass.out")"
if "$TERN" serve --port 0 --state-dir "$WORK/st0" --cert "$P/ec.key" --key "$P/ec.pem" "$SITE" \
     >"$WORK/swapped.out" 2>&1; then fail "swapped --cert/--key were taken"; fi
grep -q 'swapped' "$WORK/swapped.out" || fail "swapped files not named: $(cat "$WORK/swapped.out")"
pass "encrypted key without or with a wrong password, swapped files: refused with a sentence"

cp "$P/a.pem" "$P/live-a.pem"; cp "$P/a.key" "$P/live-a.key"
export SERVE_CERTS_PASS=s3cret
start_serve "$SITE" --cert "$P/ec.pem" --key "$P/ec.key" --cert "$P/rsa.pem" --key "$P/rsa.enc.key" \
  --key-pass env:SERVE_CERTS_PASS --cert "$P/live-a.pem" --key "$P/live-a.key" \
  --cert "$P/b.pem" --key "$P/b.key" --name localhost --name a.test --name b.test

# s_client: what it saw of the server's certificate.
seen() { # ARGS...: the s_client output
  openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$P/ca.pem" -verify_return_error "$@" \
    </dev/null 2>&1 || true
}
out=$(seen -servername localhost -sigalgs ECDSA+SHA256)
grep -q 'Peer signature type: ECDSA' <<<"$out" || fail "-sigalgs ECDSA+SHA256 did not get the ECDSA chain: $out"
out=$(seen -servername localhost -sigalgs RSA-PSS+SHA256)
grep -q 'Peer signature type: RSA-PSS' <<<"$out" || fail "-sigalgs RSA-PSS+SHA256 did not get the RSA chain: $out"
grep -q 'Server public key is 2048 bit' <<<"$out" || fail "not the RSA key: $out"
out=$(seen -servername localhost -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
grep -q 'Server public key is 2048 bit' <<<"$out" || fail "TLS 1.2 with an RSA suite did not get the RSA chain: $out"
for n in a b; do
  out=$(seen -servername $n.test)
  grep -q "subject=CN = $n.test" <<<"$out" || fail "-servername $n.test did not get its chain: $out"
  grep -q 'Verify return code: 0 (ok)' <<<"$out" || fail "$n.test's chain did not verify: $out"
done
pass "openssl s_client: ECDSA and RSA chains by -sigalgs and suite, a.test and b.test by -servername"

g=$(gnutls-cli --x509cafile "$P/ca.pem" -p "$PORT" localhost \
    --priority 'NORMAL:-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA256' </dev/null 2>&1 || true)
grep -q 'Certificate type: X.509' <<<"$g" && grep -q 'RSA-PSS' <<<"$g" || fail "gnutls-cli asking for RSA-PSS: $g"
g=$(gnutls-cli --x509cafile "$P/ca.pem" -p "$PORT" 127.0.0.1 --sni-hostname b.test --verify-hostname b.test \
    --priority 'NORMAL:-SIGN-ALL:+SIGN-ECDSA-SECP256R1-SHA256' </dev/null 2>&1 || true)
grep -q 'subject `CN=b.test' <<<"$g" || fail "gnutls-cli naming b.test: $g"
grep -q 'ECDSA-SECP256R1-SHA256' <<<"$g" || fail "gnutls-cli asking for ECDSA: $g"
pass "gnutls-cli: RSA-PSS for localhost, ECDSA for b.test"

# Reload: an open connection, then new files and SIGHUP.
cat >"$WORK/hold.py" <<'PY'
import socket, ssl, sys, time
port, ca, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="a.test")
print("subject", dict(x[0] for x in s.getpeercert()["subject"])["commonName"], flush=True)
for _ in range(100):  # until the test has reloaded
    try:
        open(go).close()
        break
    except OSError:
        time.sleep(0.1)
s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print("after reload:", data.split(b"\r\n")[0].decode(), data.endswith(b"plain text\n"), flush=True)
PY
python3 "$WORK/hold.py" "$PORT" "$P/ca.pem" "$WORK/go" >"$WORK/hold.out" 2>&1 &
HP=$!
PIDS+=("$HP")
for _ in $(seq 50); do grep -qs subject "$WORK/hold.out" && break; sleep 0.1; done
grep -q 'subject a.test' "$WORK/hold.out" || fail "the held connection did not start: $(cat "$WORK/hold.out")"
leaf a2 "ec -pkeyopt ec_paramgen_curve:P-256" a.test a.test
serial_old=$(openssl x509 -in "$P/live-a.pem" -noout -serial)
cp "$P/a2.pem" "$P/live-a.pem"; cp "$P/a2.key" "$P/live-a.key"
kill -HUP "$SERVE_PID"
for _ in $(seq 50); do grep -q 'SIGHUP: reloaded' "$SERVE_LOG" && break; sleep 0.1; done
grep -q 'SIGHUP: reloaded 4 certificate chains' "$SERVE_LOG" || fail "no reload logged: $(tail -5 "$SERVE_LOG")"
out=$(seen -servername a.test -showcerts)
serial_new=$(openssl x509 -noout -serial <<<"$out")
[ "$serial_new" = "$(openssl x509 -in "$P/a2.pem" -noout -serial)" ] || fail "after SIGHUP a.test still gets $serial_new (old $serial_old)"
touch "$WORK/go"
wait "$HP" || true
grep -q 'after reload: HTTP/1.1 200 OK True' "$WORK/hold.out" || fail "the connection open across the reload broke: $(cat "$WORK/hold.out")"
pass "SIGHUP: new connections get the new certificate, an open one keeps working"

printf 'not a certificate\n' >"$P/live-a.pem"
kill -HUP "$SERVE_PID"
for _ in $(seq 50); do grep -q 'reload failed' "$SERVE_LOG" && break; sleep 0.1; done
grep -q 'reload failed, still serving the previous certificates: --cert/--key: ' "$SERVE_LOG" || fail "no failed reload logged: $(tail -5 "$SERVE_LOG")"
out=$(seen -servername a.test -showcerts)
[ "$(openssl x509 -noout -serial <<<"$out")" = "$serial_new" ] || fail "a failed reload changed the certificate"
pass "a failed reload keeps the old certificates and says why"

# --require-sni: a client naming no host is refused with unrecognized_name.
start_serve "$SITE" --require-sni
out=$(openssl s_client -connect "127.0.0.1:$PORT" -noservername </dev/null 2>&1 || true)
grep -qi 'unrecognized name' <<<"$out" || fail "a client without SNI was not refused with unrecognized_name: $out"
out=$(seen -servername localhost -CAfile "$CA")
grep -q 'Verify return code: 0 (ok)' <<<"$out" || fail "a client with SNI was refused under --require-sni: $out"
pass "--require-sni refuses a ClientHello without server_name"
echo "serve_certs: all passed"
