#!/usr/bin/env bash
# Client sessions (ossl_resume.c, OpenSSL's API) on Debian's libssl.so.3
# and on tern's against tern serve, in TLS 1.3 and TLS 1.2: the first
# connection's session comes to the new-session callback and from
# SSL_get1_session, knows its host name, goes through i2d_SSL_SESSION and
# d2i_SSL_SESSION, and resumes the second connection (SSL_session_reused);
# garbage does not read back. Same lines on both libraries; the server's
# trace shows tern's resumed handshakes were X25519MLKEM768 ones in TLS 1.3.
source "$(dirname "$0")/lib.bash"
prog=$BUILD/tests/compat/ossl_resume
[ -x "$prog" ] || fail "no $prog"
make_site
start_serve "$SITE" --trace=json
resumed_mlkem() { grep '"name":"ServerHello"' "$SERVE_LOG" | grep '"group","value":"X25519MLKEM768"' | grep -c '"resumption","value":true' || true; }
for v in 13 12; do
  arg=""
  [ $v = 12 ] && arg=tls12
  deb=$("$prog" "$PORT" "$CA" $arg 2>&1) || fail "on Debian's libssl: $deb"
  before=$(resumed_mlkem)
  ours=$(on_tern "$prog" "$PORT" "$CA" $arg 2>&1) || fail "on tern's libssl: $ours"
  after=$(resumed_mlkem)
  echo "$ours" | sed 's/^/    /'
  if [ "$deb" != "$ours" ]; then
    diff <(echo "$deb") <(echo "$ours") || true
    fail "TLS 1.${v#1}: the libraries differ (< Debian, > tern)"
  fi
  grep -q '^fetch: ok 1, got data 1, reused 1, ' <<<"$ours" || fail "TLS 1.${v#1}: no resumption: $ours"
  grep -q '^session: from SSL_get1_session 1, from the callback 1 (called)$' <<<"$ours" || fail "the session: $ours"
  grep -q '^serialized: 1, read back 1, all read 1$' <<<"$ours" || fail "i2d/d2i: $ours"
  grep -q '^garbage read back: 0$' <<<"$ours" || fail "garbage became a session: $ours"
  if [ $v = 13 ]; then
    [ "$after" -eq $((before + 1)) ] || fail "no resumed X25519MLKEM768 handshake for tern's run ($before -> $after)"
  fi
  pass "TLS 1.${v#1}: a session from the callback, through i2d/d2i, resumes the next connection on both libraries"
done
