#!/usr/bin/env bash
# Regenerates the test certificates in this folder with the openssl CLI.
# The outputs are committed so tests need no generation step; run this only
# to change them. Validity: 2025-01-01 .. 2045-01-01, except expired.pem.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cat > "$work/ca.cnf" <<'CNF'
[ca]
default_ca = d
[d]
dir = WORK
database = WORK/index.txt
new_certs_dir = WORK
serial = WORK/serial
default_md = sha256
policy = p
unique_subject = no
copy_extensions = none
[p]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_int]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_server]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,DNS:*.tern.test,IP:127.0.0.1,IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_client]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
sed -i "s|WORK|$work|g" "$work/ca.cnf"
touch "$work/index.txt"; echo 1000 > "$work/serial"
sign() { # issuer-cert issuer-key csr ext out [start end]
  local start=${6:-20250101000000Z} end=${7:-20450101000000Z}
  openssl ca -batch -config "$work/ca.cnf" -cert "$1" -keyfile "$2" -in "$3" -extensions "$4" \
    -startdate "$start" -enddate "$end" -out "$work/out.pem" -notext >/dev/null 2>&1
  openssl x509 -in "$work/out.pem" -out "$5"
}
csr() { openssl req -new -key "$1" -subj "$2" -out "$3" 2>/dev/null; }

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
csr ca.key "/CN=tern test root" "$work/ca.csr"
openssl ca -batch -selfsign -config "$work/ca.cnf" -keyfile ca.key -in "$work/ca.csr" -extensions v3_ca \
  -startdate 20250101000000Z -enddate 20450101000000Z -out "$work/ca.pem" -notext >/dev/null 2>&1
openssl x509 -in "$work/ca.pem" -out ca.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out int.key
csr int.key "/CN=tern test intermediate" "$work/int.csr"
sign ca.pem ca.key "$work/int.csr" v3_int int.pem

leaf() { # name keyalg-args...
  local name=$1; shift
  openssl genpkey "$@" -out "$name.key"
  csr "$name.key" "/CN=localhost" "$work/$name.csr"
  sign int.pem int.key "$work/$name.csr" v3_server "$name.pem"
  cat "$name.pem" int.pem > "$name-chain.pem"
}
leaf server-p256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
leaf server-p384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
leaf server-rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
leaf server-ed25519 -algorithm ED25519

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out expired.key
csr expired.key "/CN=localhost" "$work/expired.csr"
sign int.pem int.key "$work/expired.csr" v3_server expired.pem 20200101000000Z 20210101000000Z
cat expired.pem int.pem > expired-chain.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key
csr client.key "/CN=tern test client" "$work/client.csr"
sign int.pem int.key "$work/client.csr" v3_client client.pem
cat client.pem int.pem > client-chain.pem

# A client whose subject renders to over 400 characters (session tickets
# must store a bounded form of it).
long_ou=$(printf 'x%.0s' $(seq 60))
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client-long.key
csr client-long.key "/CN=tern test client with a long subject/O=tern long subject organisation\
/OU=a$long_ou/OU=b$long_ou/OU=c$long_ou/OU=d$long_ou/OU=e$long_ou/OU=f$long_ou" \
  "$work/client-long.csr"
sign int.pem int.key "$work/client-long.csr" v3_client client-long.pem
cat client-long.pem int.pem > client-long-chain.pem

# A second, unrelated root (for "unknown CA" tests).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key \
  -subj "/CN=some other root" -days 7300 -out other-ca.pem \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign 2>/dev/null
echo "certificates written to $(pwd)"
