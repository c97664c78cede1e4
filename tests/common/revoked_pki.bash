# Sourced by tests that need a revoked certificate: revoked_pki DIR makes,
# with `openssl ca`, a root "crl test root" (P-256), a leaf for localhost
# (serial 1000), DIR/crl-before.pem (issued before the revocation) and
# DIR/crl.pem (after `openssl ca -revoke` of the leaf); revoked_clients DIR
# then issues two client certificates, DIR/good.pem ("good client") and
# DIR/revoked.pem ("revoked client", revoked: DIR/crl.pem made again), with
# their keys DIR/good.key and DIR/revoked.key. Each returns non-zero with
# openssl's log in DIR/log when a step fails.
revoked_pki() {
  local D=$1
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
[ v3_client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
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
    openssl ca -config "$D/ca.cnf" -gencrl -out "$D/crl.pem" >>"$D/log" 2>&1
}

revoked_clients() {
  local D=$1 who
  for who in good revoked; do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$who client" \
      -keyout "$D/$who.key" -out "$D/$who.csr" >>"$D/log" 2>&1 &&
      openssl ca -batch -config "$D/ca.cnf" -extensions v3_client -notext -in "$D/$who.csr" \
        -out "$D/$who.pem" >>"$D/log" 2>&1 || return 1
  done
  openssl ca -config "$D/ca.cnf" -revoke "$D/revoked.pem" >>"$D/log" 2>&1 &&
    openssl ca -config "$D/ca.cnf" -gencrl -out "$D/crl.pem" >>"$D/log" 2>&1
}
