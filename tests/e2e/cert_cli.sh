#!/usr/bin/env bash
# tern cert makes certificates real OpenSSL accepts: a CA, then leaves of
# each key type for localhost, 127.0.0.1 and ::1, checked by
# `openssl verify` for the server (and client) purpose and host name, and
# by `openssl x509 -text` for the extensions RFC 5280 asks for.
source "$(dirname "$0")/lib/tool.sh"
need openssl
S=$WORK/state
cd "$WORK"

"$TERN" cert ca --state-dir "$S" >ca.out 2>ca.err || { cat ca.err; fail "tern cert ca failed"; }
[ "$(cat ca.out)" = "$S/ca.pem" ] || fail "tern cert ca printed '$(cat ca.out)', not the CA's path"
[ "$(stat -c %a "$S/ca-key.pem")" = 600 ] || fail "the CA key is not mode 0600"
grep -q 'BEGIN PRIVATE KEY' "$S/ca-key.pem" || fail "the CA key is not PKCS#8 PEM"
openssl pkey -in "$S/ca-key.pem" -noout || fail "openssl cannot read the CA key"
ca_text=$(openssl x509 -in "$S/ca.pem" -noout -text) || fail "openssl cannot read the CA certificate"
grep -q 'CA:TRUE, pathlen:0' <<<"$ca_text" || fail "CA basicConstraints missing: $ca_text"
echo "$ca_text" | grep -A1 'X509v3 Basic Constraints: critical' >/dev/null || fail "CA basicConstraints not critical"
grep -q 'Certificate Sign, CRL Sign' <<<"$ca_text" || fail "CA keyUsage wrong"
grep -q 'Version: 3' <<<"$ca_text" || fail "not a v3 certificate"
grep -q 'ecdsa-with-SHA256' <<<"$ca_text" || fail "the default CA is not ECDSA P-256 with SHA-256"
openssl verify -CAfile "$S/ca.pem" "$S/ca.pem" >/dev/null || fail "the CA does not verify itself"
pass "CA accepted by openssl"

# A second 'cert ca' keeps the CA.
before=$(sha256sum <"$S/ca.pem")
"$TERN" cert ca --state-dir "$S" >/dev/null 2>&1
[ "$before" = "$(sha256sum <"$S/ca.pem")" ] || fail "tern cert ca replaced an existing CA without --force"

for kt in ec p384 rsa ed25519; do
  mkdir -p "$WORK/$kt"
  "$TERN" cert issue --state-dir "$S" --out-dir "$WORK/$kt" --key-type "$kt" localhost 127.0.0.1 ::1 \
    >"$kt.out" 2>"$kt.err" || { cat "$kt.err"; fail "tern cert issue ($kt) failed"; }
  leaf=$WORK/$kt/localhost.pem key=$WORK/$kt/localhost-key.pem
  [ -s "$leaf" ] && [ -s "$key" ] || fail "no certificate or key written for $kt"
  [ "$(stat -c %a "$key")" = 600 ] || fail "the $kt key is not mode 0600"
  for name in localhost; do
    openssl verify -CAfile "$S/ca.pem" -purpose sslserver -verify_hostname "$name" "$leaf" >/dev/null 2>"$kt.verify" \
      || { cat "$kt.verify"; fail "openssl verify refused the $kt leaf for $name"; }
  done
  for ip in 127.0.0.1 ::1; do
    openssl verify -CAfile "$S/ca.pem" -purpose sslserver -verify_ip "$ip" "$leaf" >/dev/null 2>"$kt.verify" \
      || { cat "$kt.verify"; fail "openssl verify refused the $kt leaf for $ip"; }
  done
  if openssl verify -CAfile "$S/ca.pem" -purpose sslserver -verify_hostname other.example "$leaf" >/dev/null 2>&1; then
    fail "the $kt leaf verified for a name it does not carry"
  fi
  if openssl verify -CAfile "$S/ca.pem" -purpose sslclient "$leaf" >/dev/null 2>&1; then
    fail "a server-only $kt leaf verified for client authentication"
  fi
  # tern's own verifier agrees with OpenSSL's.
  "$TERN" verify --trust "$S/ca.pem" --host localhost "$leaf" >/dev/null 2>&1 || fail "tern verify refused the $kt leaf"
  "$TERN" verify --trust "$S/ca.pem" --ip ::1 "$leaf" >/dev/null 2>&1 || fail "tern verify refused the $kt leaf for ::1"
  t=$(openssl x509 -in "$leaf" -noout -text)
  grep -q 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' <<<"$t" \
    || fail "$kt subjectAltName wrong: $(echo "$t" | grep -A1 'Alternative Name')"
  grep -q 'CA:FALSE' <<<"$t" || fail "$kt leaf is not CA:FALSE"
  grep -q 'TLS Web Server Authentication' <<<"$t" || fail "$kt leaf lacks serverAuth"
  grep -q 'X509v3 Authority Key Identifier' <<<"$t" || fail "$kt leaf lacks an AKI"
  grep -q 'X509v3 Subject Key Identifier' <<<"$t" || fail "$kt leaf lacks an SKI"
  case $kt in
    rsa) grep -q 'Digital Signature, Key Encipherment' <<<"$t" || fail "RSA keyUsage wrong"
         grep -q 'Public-Key: (2048 bit)' <<<"$t" || fail "RSA key is not 2048 bits" ;;
    ed25519) grep -q 'ED25519' <<<"$t" || fail "not an Ed25519 key" ;;
    p384) grep -q 'NIST CURVE: P-384' <<<"$t" || fail "not a P-384 key" ;;
    ec) grep -q 'NIST CURVE: P-256' <<<"$t" || fail "not a P-256 key" ;;
  esac
  # The key belongs to the certificate.
  [ "$(openssl x509 -in "$leaf" -noout -pubkey | sha256sum)" = "$(openssl pkey -in "$key" -pubout | sha256sum)" ] \
    || fail "the $kt key does not match its certificate"
  pass "$kt leaf accepted by openssl verify (sslserver, localhost, 127.0.0.1, ::1)"
done

# Client certificates, an RSA CA, and refusals.
"$TERN" cert issue --state-dir "$S" --out-dir "$WORK" --client --out alice alice.example >/dev/null 2>&1 \
  || fail "tern cert issue --client failed"
openssl verify -CAfile "$S/ca.pem" -purpose sslclient "$WORK/alice.pem" >/dev/null || fail "client leaf refused for sslclient"
"$TERN" cert ca --state-dir "$WORK/rsa-ca" --key-type rsa >/dev/null 2>&1 || fail "RSA CA failed"
"$TERN" cert issue --state-dir "$WORK/rsa-ca" --out-dir "$WORK" --out r localhost >/dev/null 2>&1 || fail "issue from an RSA CA failed"
openssl verify -CAfile "$WORK/rsa-ca/ca.pem" -purpose sslserver -verify_hostname localhost "$WORK/r.pem" >/dev/null \
  || fail "a leaf from an RSA CA was refused"
r_text=$(openssl x509 -in "$WORK/r.pem" -noout -text)
grep -q sha256WithRSAEncryption <<<"$r_text" || fail "RSA CA did not sign with sha256WithRSAEncryption"
if "$TERN" cert issue --state-dir "$S" --out-dir "$WORK" 'bad name' 2>err.txt; then fail "a bad name was accepted"; fi
grep -q "'bad name'" err.txt || fail "the refusal does not name the bad name: $(cat err.txt)"
pass "client certificates, RSA CA, refusals"
help=$("$TERN" cert --help)
grep -q 'tern cert issue' <<<"$help" || fail "no help"
echo "cert_cli: all passed"
