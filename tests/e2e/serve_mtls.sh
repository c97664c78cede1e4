#!/usr/bin/env bash
# Mutual TLS: tern serve --require-client-cert admits tern get and curl
# with a client certificate from the CA, logs its subject, and turns away
# a client without one.
source "$(dirname "$0")/lib/tool.sh"
need curl
make_site
S=$WORK/state
"$TERN" cert ca --state-dir "$S" >/dev/null 2>&1 || fail "tern cert ca failed"
"$TERN" cert issue --state-dir "$S" --out-dir "$WORK" --client --out alice alice >/dev/null 2>&1 || fail "client cert"
start_serve "$SITE" --cafile "$S/ca.pem" --require-client-cert
out=$("$TERN" get --cafile "$CA" --cert "$WORK/alice.pem" --key "$WORK/alice-key.pem" "https://localhost:$PORT/hello.txt" 2>"$WORK/err") || {
  if grep -qi 'not implemented' "$WORK/err"; then skip "$(cat "$WORK/err")"; fi
  cat "$WORK/err"; fail "tern get with a client certificate failed"; }
[ "$out" = "plain text" ] || fail "got '$out'"
curl -sS --fail --cacert "$CA" --cert "$WORK/alice.pem" --key "$WORK/alice-key.pem" "https://localhost:$PORT/hello.txt" >/dev/null \
  || fail "curl with a client certificate failed"
if curl -sS --fail --cacert "$CA" "https://localhost:$PORT/hello.txt" >/dev/null 2>&1; then fail "a client without a certificate got in"; fi
if "$TERN" get --cafile "$CA" "https://localhost:$PORT/hello.txt" >/dev/null 2>"$WORK/err2"; then fail "tern get without a certificate got in"; fi
grep -q 'CN=alice' "$SERVE_LOG" || fail "the request log does not name the client: $(tail -3 "$SERVE_LOG")"
pass "mutual TLS"
# certificate_authorities: the CertificateRequest names the --cafile CA, in
# TLS 1.3 (the extension) and 1.2 (the message's list), as s_client shows.
need openssl
ca_subject=$(openssl x509 -in "$S/ca.pem" -noout -subject -nameopt oneline | sed 's/^subject=//')
for v in -tls1_3 -tls1_2; do
  out=$(openssl s_client -connect "127.0.0.1:$PORT" -servername localhost $v </dev/null 2>&1 || true)
  names=$(grep -A2 'Acceptable client certificate CA names' <<<"$out" || true)
  grep -qF "$ca_subject" <<<"$names" \
    || fail "s_client $v did not see the CA names ($ca_subject): $out"
done
pass "the CertificateRequest names the accepted CA (1.3 and 1.2)"
echo "serve_mtls: all passed"
