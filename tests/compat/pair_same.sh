#!/usr/bin/env bash
# A client and a server in one process over a BIO pair of 128 bytes
# (ossl_pair.c, OpenSSL's API only, both non-blocking), on Debian's
# libssl.so.3 and on tern's: both sides wait for reads and for writes
# (WANT_READ and WANT_WRITE), the handshake completes and verifies, 100 kB
# go each way, SSL_pending counts what is left of a record read in small
# pieces, the key log callback gets the five TLS 1.3 secrets, and the
# shutdown runs its steps (0, ZERO_RETURN, 1, 1). The
# output must be the same but for the group: tern's libssl negotiates
# X25519MLKEM768 (SSL_get_negotiated_group: TLSEXT_nid_unknown | 0x11ec),
# Debian's x25519 (NID 1034).
source "$(dirname "$0")/lib.bash"
need openssl
pair=$BUILD/tests/compat/ossl_pair
[ -x "$pair" ] || fail "no $pair"
openssl_pki
deb=$("$pair" "$OLEAF" "$OKEY" "$OCA" 2>&1) || fail "on Debian's libssl: $deb"
ours=$(on_tern "$pair" "$OLEAF" "$OKEY" "$OCA" 2>&1) || fail "on tern's libssl: $ours"
echo "$ours" | sed 's/^/    /'
grep -q '^group: 0x10011ec$' <<<"$ours" || fail "tern's libssl did not negotiate X25519MLKEM768"
grep -q '^group: 0x40a$' <<<"$deb" || fail "Debian's libssl did not negotiate x25519: $deb"
if [ "$(grep -v '^group:' <<<"$deb")" != "$(grep -v '^group:' <<<"$ours")" ]; then
  diff <(echo "$deb") <(echo "$ours") || true
  fail "tern's libssl and Debian's differ (< Debian, > tern)"
fi
grep -q '^handshake client: waited for read 1, for write 1, other error 0$' <<<"$ours" ||
  fail "the client did not wait for both reads and writes"
grep -q '^client to server: 1$' <<<"$ours" && grep -q '^server to client: 1$' <<<"$ours" ||
  fail "100 kB did not go both ways"
grep -q '^key log: CLIENT_HANDSHAKE_TRAFFIC_SECRET=1 SERVER_HANDSHAKE_TRAFFIC_SECRET=1 CLIENT_TRAFFIC_SECRET_0=1 SERVER_TRAFFIC_SECRET_0=1 EXPORTER_SECRET=1 (0 malformed)$' <<<"$ours" ||
  fail "the key log callback: $ours"
grep -q '^pending: wrote 1000, read 10, pending 990, has pending 1$' <<<"$ours" || fail "SSL_pending: $ours"
grep -q '^pending read: 990, then pending 0$' <<<"$ours" || fail "reading what SSL_pending said: $ours"
grep -q '^shutdown: client 0, server saw ZERO_RETURN 1, server 1, client again 1$' <<<"$ours" ||
  fail "the shutdown steps"
pass "BIO pair, non-blocking: the same WANT_READ/WANT_WRITE waits, data and shutdown on both libraries"
