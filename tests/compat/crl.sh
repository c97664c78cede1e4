#!/usr/bin/env bash
# CRLs through the program's X509_STORE: curl --crlfile loads a CRL into
# the store and sets X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL. A server
# certificate revoked with `openssl ca -revoke` is refused on tern's
# libssl as on Debian's (curl exit 60, "certificate revoked"); the CRL from
# before the revocation lets both fetch.
source "$(dirname "$0")/lib.bash"
need curl openssl
D=$WORK/ca
source "$SRC/tests/common/revoked_pki.bash"
revoked_pki "$D" || fail "openssl ca failed: $(cat "$D/log")"
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
