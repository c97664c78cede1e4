#!/usr/bin/env bash
# A client and a server in one process over a BIO pair of 128 bytes
# (ossl_pair.c, OpenSSL's API only, both non-blocking), on Debian's
# libssl.so.3 and on tern's: both sides wait for reads and for writes
# (WANT_READ and WANT_WRITE), the handshake completes and verifies, 100 kB
# go each way, SSL_pending counts what is left of a record read in small
# pieces, the key log callback gets the five TLS 1.3 secrets, and the
# shutdown runs its steps (0, ZERO_RETURN, 1, 1). In TLS 1.3 and TLS 1.2.
# The output must be the same but for the group and suite: in TLS 1.3
# tern's libssl negotiates X25519MLKEM768 (SSL_get_negotiated_group:
# TLSEXT_nid_unknown | 0x11ec), Debian's x25519 (NID 1034); in TLS 1.2
# each picks its own suite order's first.
source "$(dirname "$0")/lib.bash"
need openssl
pair=$BUILD/tests/compat/ossl_pair
[ -x "$pair" ] || fail "no $pair"
openssl_pki
for v in 13 12; do
  [ $v = 12 ] && export OSSL_PAIR_TLS12=1
  deb=$("$pair" "$OLEAF" "$OKEY" "$OCA" 2>&1) || fail "on Debian's libssl: $deb"
  ours=$(on_tern "$pair" "$OLEAF" "$OKEY" "$OCA" 2>&1) || fail "on tern's libssl: $ours"
  unset OSSL_PAIR_TLS12
  echo "  TLS 1.${v#1}:"
  echo "$ours" | sed 's/^/    /'
  if [ $v = 13 ]; then
    grep -q '^group: 0x10011ec$' <<<"$ours" || fail "tern's libssl did not negotiate X25519MLKEM768"
    grep -q '^group: 0x40a$' <<<"$deb" || fail "Debian's libssl did not negotiate x25519: $deb"
    grep -q '^version: TLSv1.3, server: TLSv1.3, ' <<<"$ours" || fail "not TLS 1.3: $ours"
    grep -q '^key log: CLIENT_HANDSHAKE_TRAFFIC_SECRET=1 SERVER_HANDSHAKE_TRAFFIC_SECRET=1 CLIENT_TRAFFIC_SECRET_0=1 SERVER_TRAFFIC_SECRET_0=1 EXPORTER_SECRET=1 (0 malformed)$' <<<"$ours" ||
      fail "the key log callback: $ours"
  else
    # TLS 1.2 has no hybrid group; tern's own suite order (AES-128 first)
    # shows instead of OpenSSL's (AES-256 first)
    grep -q '^version: TLSv1.2, server: TLSv1.2, suite: ECDHE-ECDSA-AES128-GCM-SHA256$' <<<"$ours" ||
      fail "TLS 1.2 on tern's libssl: $ours"
    grep -q '^version: TLSv1.2, server: TLSv1.2, suite: ECDHE-ECDSA-AES256-GCM-SHA384$' <<<"$deb" ||
      fail "TLS 1.2 on Debian's libssl: $deb"
    grep -q '^key log: CLIENT_RANDOM=1 (0 malformed)$' <<<"$ours" || fail "the TLS 1.2 key log: $ours"
  fi
  if [ "$(grep -v '^group:\|^version:' <<<"$deb")" != "$(grep -v '^group:\|^version:' <<<"$ours")" ]; then
    diff <(echo "$deb") <(echo "$ours") || true
    fail "TLS 1.${v#1}: tern's libssl and Debian's differ (< Debian, > tern)"
  fi
  grep -q '^handshake client: waited for read 1, for write 1, other error 0$' <<<"$ours" ||
    fail "the client did not wait for both reads and writes"
  grep -q '^client to server: 1$' <<<"$ours" && grep -q '^server to client: 1$' <<<"$ours" ||
    fail "100 kB did not go both ways"
  grep -q '^pending: wrote 1000, read 10, pending 990, has pending 1$' <<<"$ours" || fail "SSL_pending: $ours"
  grep -q '^pending read: 990, then pending 0$' <<<"$ours" || fail "reading what SSL_pending said: $ours"
  grep -q '^shutdown: client 0, server saw ZERO_RETURN 1, server 1, client again 1$' <<<"$ours" ||
    fail "the shutdown steps"
  pass "TLS 1.${v#1} over a BIO pair, non-blocking: the same waits, data, SSL_pending, key log and shutdown on both libraries"
done
