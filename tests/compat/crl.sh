#!/usr/bin/env bash
# CRLs through the program's X509_STORE: curl --crlfile loads a CRL into
# the store and sets X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL. A server
# certificate revoked with `openssl ca -revoke` is refused on tern's
# libssl as on Debian's (curl exit 60, "certificate revoked"); the CRL from
# before the revocation lets both fetch.
source "$(dirname "$0")/lib.bash"
need curl openssl
D=$WORK/ca
mkdir -p "$D/new"
: >"$D/index.txt"
echo 1000 >"$D/serial"
echo 01 >"$D/crlnumber"
cat >"$D/ca.cnf" <<EOF
[ ca ]
default_ca = tca
[ tca ]
dir = $D
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = pol
unique_subject = no
crl_extensions = crl_ext
[ pol ]
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = crl test root
[ v3_root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl req -x509 -config "$D/ca.cnf" -extensions v3_root -newkey ec \
  -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/ca.key" -out "$D/ca.pem" -days 30 \
  >"$D/log" 2>&1 &&
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
    -keyout "$D/leaf.key" -out "$D/leaf.csr" >>"$D/log" 2>&1 &&
  openssl ca -batch -config "$D/ca.cnf" -extensions v3_leaf -notext -in "$D/leaf.csr" \
    -out "$D/leaf.pem" >>"$D/log" 2>&1 &&
  openssl ca -config "$D/ca.cnf" -gencrl -out "$D/crl-before.pem" >>"$D/log" 2>&1 &&
  openssl ca -config "$D/ca.cnf" -revoke "$D/leaf.pem" >>"$D/log" 2>&1 &&
  openssl ca -config "$D/ca.cnf" -gencrl -out "$D/crl.pem" >>"$D/log" 2>&1 ||
  fail "openssl ca failed: $(cat "$D/log")"
cat "$D/leaf.pem" >"$D/chain.pem"
make_site
start_serve "$SITE" --trace=json --cert "$D/chain.pem" --key "$D/leaf.key"
U=https://localhost:$PORT/hello.txt
for lib in debian tern; do
  run=""
  [ $lib = tern ] && run=on_tern
  body=$($run curl -sS --fail --cacert "$D/ca.pem" --crlfile "$D/crl-before.pem" "$U") ||
    fail "$lib: the CRL from before the revocation refused the server: $body"
  [ "$body" = "plain text" ] || fail "$lib: got '$body'"
  set +e
  err=$($run curl -sS --cacert "$D/ca.pem" --crlfile "$D/crl.pem" "$U" 2>&1)
  rc=$?
  set -e
  [ $rc -eq 60 ] || fail "$lib: a revoked server certificate: curl exit $rc: $err"
  grep -q 'certificate revoked' <<<"$err" || fail "$lib: curl's message: $err"
  pass "$lib's libssl: the older CRL fetches, the CRL listing the server refuses it (60, certificate revoked)"
done
grep -q '"name":"ServerHello".*"group","value":"X25519MLKEM768"' "$SERVE_LOG" ||
  fail "no X25519MLKEM768 handshake in the trace: the tern runs were not on tern's libssl"
