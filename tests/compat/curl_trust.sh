#!/usr/bin/env bash
# Where curl on tern's libssl takes its trust from, each case run with
# the same curl on Debian's libssl too (same exit code): --cacert, --capath
# (a folder hashed by openssl rehash, looked up lazily through the
# X509_STORE), the system bundle when nothing is said (bind-mounted over
# /etc/ssl/certs/ca-certificates.crt in a private mount namespace), -k,
# --crlfile (curl sets CRL_CHECK | CRL_CHECK_ALL: every CA of the chain
# needs its CRL, and one missing is exit 60, as with OpenSSL) and
# --pinnedpubkey (90 for another key). The server's trace shows tern's
# ClientHello for each run on tern (run after Debian's).
source "$(dirname "$0")/curl_lib.bash"
need curl openssl
P=$WORK/pki
curl_pki "$P"
make_site
start_serve "$SITE" --trace=json --cert "$P/chain.pem" --key "$P/leaf.key"
U=https://localhost:$PORT/hello.txt

# fetch NAME CURL-ARGS...: both libraries fetch hello.txt; tern's run shows
# in the trace as one more X25519MLKEM768 handshake
fetch() {
  local name=$1 before
  shift
  before=$(mlkem_handshakes)
  both_rc "$name" 0 -sS "$@" "$U"
  [ "$OUT" = "plain text" ] || fail "$name: curl on tern's libssl got '$OUT'"
  [ "$(mlkem_handshakes)" -eq $((before + 1)) ] || fail "$name: no tern handshake in the trace"
}
# refused NAME CODE MESSAGE CURL-ARGS...: both libraries exit CODE; tern's
# curl says MESSAGE
refused() {
  local name=$1 code=$2 msg=$3
  shift 3
  both_rc "$name" "$code" -sS "$@" "$U"
  grep -q "$msg" <<<"$ERR" || fail "$name: curl on tern's libssl said: $ERR"
  tern_hello_json 1.3 || fail "$name: the last ClientHello in the trace is not tern's"
}

fetch "--cacert" --cacert "$P/root.pem"
refused "another CA file" 60 'unable to get local issuer certificate' --cacert "$SRC/tests/data/ca.pem"
pass "--cacert: the root of an intermediate chain is enough; another CA is refused (60)"

mkdir "$WORK/capath"
cp "$P/root.pem" "$SRC/tests/data/ca.pem" "$WORK/capath/"
openssl rehash "$WORK/capath" 2>/dev/null || fail "openssl rehash failed"
fetch "--capath" --capath "$WORK/capath"
mkdir "$WORK/capath-other"
cp "$SRC/tests/data/ca.pem" "$WORK/capath-other/"
openssl rehash "$WORK/capath-other"
refused "--capath without our root" 60 'unable to get local issuer certificate' --capath "$WORK/capath-other"
pass "--capath: a hashed folder holding the root fetches; one without it is refused (60)"

# The system bundle: curl's default CA file, replaced by our root in a
# private mount namespace (root only).
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
  export -f on_tern
  export TLIB
  system() {
    unshare -m bash -c 'mount --bind "$1" /etc/ssl/certs/ca-certificates.crt && shift && "$@"' \
      sys "$P/root.pem" "$@"
  }
  before=$(mlkem_handshakes)
  body=$(system bash -c 'on_tern curl -sS "$0"' "$U") || fail "the system bundle: curl on tern's libssl failed"
  [ "$body" = "plain text" ] || fail "the system bundle: got '$body'"
  [ "$(mlkem_handshakes)" -eq $((before + 1)) ] || fail "the system bundle: no tern handshake in the trace"
  system curl -sS -o /dev/null "$U" || fail "the system bundle: curl on Debian's libssl failed"
  refused "the system bundle, unchanged" 60 'unable to get local issuer certificate'
  pass "the system bundle by default: our root in it fetches, the real one refuses (60)"
else
  echo "note: not root or no unshare: the system-bundle case was not run"
fi

fetch "-k" -k
pass "-k fetches from a server no CA vouches for"

# CRLs: root.crl covers the intermediate, inter.crl the leaf
cat "$P/root.crl" "$P/inter.crl" >"$WORK/both.crl"
fetch "--crlfile with both CAs' CRLs" --cacert "$P/root.pem" --crlfile "$WORK/both.crl"
refused "--crlfile without the root's CRL" 60 'unable to get certificate CRL' --cacert "$P/root.pem" --crlfile "$P/inter.crl"
refused "--crlfile without the intermediate's CRL" 60 'unable to get certificate CRL' --cacert "$P/root.pem" --crlfile "$P/root.crl"
pass "--crlfile: a CRL for each CA fetches; either one missing is refused (60, unable to get certificate CRL)"

openssl x509 -in "$P/leaf.pem" -pubkey -noout >"$WORK/pub.pem"
openssl x509 -in "$P/inter.pem" -pubkey -noout >"$WORK/other.pem"
hash=$(openssl pkey -pubin -in "$WORK/pub.pem" -outform DER | openssl dgst -sha256 -binary | base64)
fetch "--pinnedpubkey FILE" --cacert "$P/root.pem" --pinnedpubkey "$WORK/pub.pem"
fetch "--pinnedpubkey sha256//" --cacert "$P/root.pem" --pinnedpubkey "sha256//$hash"
refused "--pinnedpubkey another key" 90 'public key does not match pinned public key' \
  --cacert "$P/root.pem" --pinnedpubkey "$WORK/other.pem"
pass "--pinnedpubkey: the server's key (file or sha256//) fetches, another key is refused (90)"
