# Shared by the tests/compat/curl_*.sh scripts (sourced): Debian's curl on
# tern's libssl.so.3 next to the same curl on Debian's libssl.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"

# both_rc NAME EXPECTED CURL-ARGS...: curl on Debian's libssl and on tern's
# exit with EXPECTED (OpenSSL's behaviour is the reference); ERR holds
# what curl on tern printed on stderr, OUT its stdout.
both_rc() {
  local name=$1 want=$2 rc_deb rc_tern
  shift 2
  set +e
  curl "$@" >"$WORK/out.deb" 2>"$WORK/err.deb"
  rc_deb=$?
  on_tern curl "$@" >"$WORK/out.tern" 2>"$WORK/err.tern"
  rc_tern=$?
  set -e
  ERR=$(cat "$WORK/err.tern")
  OUT=$(cat "$WORK/out.tern")
  [ "$rc_deb" -eq "$want" ] || fail "$name: curl on Debian's libssl exits $rc_deb, not $want: $(cat "$WORK/err.deb")"
  [ "$rc_tern" -eq "$want" ] || fail "$name: curl on tern's libssl exits $rc_tern, not $want (Debian's: $rc_deb): $ERR"
}

# curl_pki DIR: with `openssl ca`, a root "curl test root", an intermediate
# "curl test intermediate", and issued by the intermediate: DIR/leaf.pem
# (localhost, 127.0.0.1; DIR/chain.pem is leaf and intermediate),
# DIR/expired.pem (valid in 2020 only; DIR/expired-chain.pem), and
# DIR/client.pem (clientAuth, CN=curl test client). Every key is P-256,
# DIR/NAME.key. DIR/root.crl and DIR/inter.crl are empty CRLs of each CA.
curl_pki() {
  local D=$1 ca
  mkdir -p "$D"
  for ca in root inter; do
    mkdir -p "$D/$ca.db/new"
    : >"$D/$ca.db/index.txt"
    echo 1000 >"$D/$ca.db/serial"
    echo 01 >"$D/$ca.db/crlnumber"
    cat >"$D/$ca.cnf" <<CNF
[ ca ]
default_ca = tca
[ tca ]
dir = $D/$ca.db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $D/$ca.pem
private_key = $D/$ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = pol
unique_subject = no
copy_extensions = none
[ pol ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_client ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
  done
  key() { openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$D/$1.key" 2>>"$D/log"; }
  csr() { key "$1" && openssl req -new -key "$D/$1.key" -subj "/CN=$2" -out "$D/$1.csr" 2>>"$D/log"; }
  key root &&
    openssl req -x509 -new -key "$D/root.key" -subj "/CN=curl test root" -days 30 \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -out "$D/root.pem" 2>>"$D/log" &&
    csr inter "curl test intermediate" &&
    openssl ca -batch -config "$D/root.cnf" -extensions v3_ca -notext -in "$D/inter.csr" \
      -out "$D/inter.pem" >>"$D/log" 2>&1 &&
    csr leaf localhost &&
    openssl ca -batch -config "$D/inter.cnf" -extensions v3_leaf -notext -in "$D/leaf.csr" \
      -out "$D/leaf.pem" >>"$D/log" 2>&1 &&
    csr expired localhost &&
    openssl ca -batch -config "$D/inter.cnf" -extensions v3_leaf -notext -in "$D/expired.csr" \
      -startdate 20200101000000Z -enddate 20200201000000Z -out "$D/expired.pem" >>"$D/log" 2>&1 &&
    csr client "curl test client" &&
    openssl ca -batch -config "$D/inter.cnf" -extensions v3_client -notext -in "$D/client.csr" \
      -out "$D/client.pem" >>"$D/log" 2>&1 &&
    openssl ca -config "$D/root.cnf" -gencrl -out "$D/root.crl" >>"$D/log" 2>&1 &&
    openssl ca -config "$D/inter.cnf" -gencrl -out "$D/inter.crl" >>"$D/log" 2>&1 ||
    fail "openssl could not make the test PKI: $(tail -5 "$D/log")"
  cat "$D/leaf.pem" "$D/inter.pem" >"$D/chain.pem"
  cat "$D/expired.pem" "$D/inter.pem" >"$D/expired-chain.pem"
}

# start_s_server ARGS...: openssl s_server -www -trace (Debian's OpenSSL)
# on a free port SP, with curl_pki's leaf and intermediate in $P and ARGS
# added; its trace goes to $WORK/s_server.log (line-buffered, so a test
# reads it as soon as a handshake is over)
start_s_server() {
  SP=$(free_port)
  stdbuf -oL openssl s_server -accept "127.0.0.1:$SP" -cert "$P/leaf.pem" -key "$P/leaf.key" \
    -cert_chain "$P/inter.pem" -www -trace "$@" >"$WORK/s_server.log" 2>&1 &
  PIDS+=($!)
  wait_port "$SP" $! || fail "openssl s_server $* did not start: $(cat "$WORK/s_server.log")"
}

# Proof that a ClientHello was tern's, from the server's side. With TLS
# 1.3 offered, tern offers X25519MLKEM768 (0x11ec) first, which Debian's
# OpenSSL 3.0 cannot; with --tls-max 1.2 it offers its TLS 1.2 layout:
# the groups x25519, secp256r1, secp384r1 and nothing else (OpenSSL's
# default list has x448, secp521r1 and FFDHE groups too) and its six
# ECDHE AEAD suites (OpenSSL's default has CBC, DHE and RSA ones).
#
# tern_hello_json V: the last ClientHello of tern serve's JSON trace.
tern_hello_json() {
  local h
  h=$(grep '"name":"ClientHello"' "$SERVE_LOG" | tail -1)
  if [ "$1" = 1.3 ]; then
    grep -q '"groups","value":\["X25519MLKEM768"' <<<"$h"
  else
    grep -q '"groups","value":\["x25519","secp256r1","secp384r1"\]' <<<"$h" &&
      ! grep -q 'CBC' <<<"$h"
  fi
}
# tern_hello_s_server V LOG: the last ClientHello in openssl s_server
# -trace's LOG
tern_hello_s_server() {
  awk '/ClientHello, Length=/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$2" >"$2.hello"
  if [ "$1" = 1.3 ]; then
    grep -q 'UNKNOWN (4588)' <<<"$(grep -a -A1 'extension_type=supported_groups' "$2.hello")"
  else
    grep -a -A4 'extension_type=supported_groups' "$2.hello" | tr -s ' ' >"$2.groups"
    grep -a -q 'cipher_suites (len=12)' "$2.hello" &&
      [ "$(grep -c 'ecdh_x25519 (29)\|secp256r1 (P-256) (23)\|secp384r1 (P-384) (24)' "$2.groups")" -eq 3 ] &&
      grep -q 'extension_type=supported_groups(10), length=8' "$2.groups"
  fi
}
# tern_hello_gnutls V LOG: the groups in gnutls-serv -d 4's LOG
tern_hello_gnutls() {
  local got
  got=$(grep -a 'Received group' "$2" | sed 's/.*Received group //' | tr '\n' ' ')
  if [ "$1" = 1.3 ]; then
    [ "$got" = "unknown (0x11ec) X25519 (0x1d) SECP256R1 (0x17) SECP384R1 (0x18) " ]
  else
    [ "$got" = "X25519 (0x1d) SECP256R1 (0x17) SECP384R1 (0x18) " ]
  fi
}

# mlkem_handshakes: how many handshakes tern serve's JSON trace shows with
# the group X25519MLKEM768 (Debian's OpenSSL 3.0 cannot offer it: each is
# a ClientHello made by tern)
mlkem_handshakes() {
  grep '"name":"ServerHello"' "$SERVE_LOG" | grep -c '"group","value":"X25519MLKEM768"' || true
}
