#!/usr/bin/env bash
# curl -v on tern's libssl.so.3 prints each handshake message as it does on
# OpenSSL's ("TLSv1.3 (OUT), TLS handshake, Client hello (1):"): the
# message callback (SSL_CTX_set_msg_callback) is fed from tern's; the
# handshake and ChangeCipherSpec lines are the same list as curl on Debian's libssl prints,
# in both versions.
source "$(dirname "$0")/lib.bash"
need curl
make_site
start_serve "$SITE"
U=https://localhost:$PORT/hello.txt
msgs() { grep -o '(\(IN\|OUT\)), TLS \(handshake\|change cipher\), [A-Za-z ]* ([0-9]*)' | grep -v 'Newsession Ticket' || true; }
for v in 1.3 1.2; do
  ours=$(on_tern curl -sS -v --tls-max $v --cacert "$CA" "$U" 2>&1 >/dev/null | msgs)
  deb=$(curl -sS -v --tls-max $v --cacert "$CA" "$U" 2>&1 >/dev/null | msgs)
  grep -q '^(OUT), TLS handshake, Client hello (1)$' <<<"$ours" || fail "TLS $v: no ClientHello line: $ours"
  grep -q '^(IN), TLS handshake, Finished (20)$' <<<"$ours" || fail "TLS $v: no Finished line: $ours"
  [ "$ours" = "$deb" ] || { diff <(echo "$deb") <(echo "$ours") || true; fail "TLS $v: curl -v's handshake lines differ (< Debian, > tern)"; }
  pass "TLS $v: curl -v prints the same $(wc -l <<<"$ours") handshake messages on both libraries"
done
ver=$(on_tern curl -sS -v --cacert "$CA" "$U" 2>&1 >/dev/null | grep -o '^\* TLSv1.3 (OUT), TLS handshake, Client hello' || true)
[ -n "$ver" ] || fail "the ClientHello line does not name TLS 1.3"
