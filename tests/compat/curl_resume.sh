#!/usr/bin/env bash
# Session resumption by curl on tern's libssl: curl keeps sessions through
# SSL_CTX_sess_set_new_cb and offers them with SSL_set_session; with
# 'Connection: close' each of three URLs needs a new connection to the
# same server, so the second and third resume. curl sets SSL_OP_NO_TICKET:
# TLS 1.2 then resumes by session ID (tern serve --session-cache, and
# openssl s_server's own cache), its ClientHello asking for no ticket, as
# Debian's libssl does; TLS 1.3 resumes with tickets. The servers say so:
# tern serve's trace ("resumption": true, the session found in its store),
# s_server's page ("Reused"). A resumed connection still reports the
# server's certificate to curl (it checks it on every connection).
source "$(dirname "$0")/curl_lib.bash"
need curl openssl stdbuf:coreutils
P=$WORK/pki
curl_pki "$P"
make_site
start_serve "$SITE" --trace=json --session-cache 64 --cert "$P/chain.pem" --key "$P/leaf.key"
U=https://localhost:$PORT/hello.txt
count() { grep -c "$1" "$SERVE_LOG" || true; }

for v in 1.2 1.3; do
  hellos=$(count '"name":"ClientHello"')
  resumed=$(count '"resumption","value":true')
  by_store=$(count "We found the client's TLS 1.2 session in our store")
  out=$(on_tern curl -sS -v --fail --tls-max "$v" --cacert "$P/root.pem" -H 'Connection: close' "$U" "$U" "$U" \
    2>"$WORK/verbose") || fail "TLS $v: curl on tern's libssl failed: $(cat "$WORK/verbose")"
  [ "$out" = "$(printf 'plain text\nplain text\nplain text')" ] || fail "TLS $v: curl got '$out'"
  [ "$(count '"name":"ClientHello"')" -eq $((hellos + 3)) ] || fail "TLS $v: not three connections"
  [ "$(count '"resumption","value":true')" -eq $((resumed + 2)) ] ||
    fail "TLS $v: tern serve resumed $(($(count '"resumption","value":true') - resumed)) of the 2 later connections"
  tern_hello_json "$v" || fail "TLS $v: the last ClientHello is not tern's"
  if [ "$v" = 1.2 ]; then
    [ "$(count "We found the client's TLS 1.2 session in our store")" -eq $((by_store + 2)) ] ||
      fail "TLS 1.2: the sessions were not resumed by session ID"
    grep -q '"session_ticket"' <<<"$(grep '"name":"ClientHello"' "$SERVE_LOG" | tail -3)" &&
      fail "TLS 1.2: curl's ClientHello asked for a ticket despite SSL_OP_NO_TICKET"
    # the session is reused, not replaced: no new-session callback, as
    # with OpenSSL (curl would drop its session as "stale")
    [ "$(grep -c 'SSL re-using session ID' "$WORK/verbose")" -eq 2 ] || fail "TLS 1.2: curl did not offer its session twice"
    if grep -q 'old SSL session ID is stale' "$WORK/verbose"; then
      fail "TLS 1.2: a resumed session came back to curl as a new one"
    fi
    pass "TLS 1.2: 3 connections, the last 2 resumed by session ID (no ticket asked for)"
  else
    [ "$(grep '"name":"ClientHello"' "$SERVE_LOG" | tail -2 | grep -c '"pre_shared_key"')" -eq 2 ] ||
      fail "TLS 1.3: the later ClientHellos offered no ticket"
    pass "TLS 1.3: 3 connections, the last 2 resumed with tickets"
  fi
done

# openssl s_server: TLS 1.2 by session ID from its cache (it would issue
# tickets to a client asking for them), TLS 1.3 with its tickets
start_s_server
for v in 1.2 1.3; do
  : >"$WORK/s_server.log"
  out=$(on_tern timeout 30 curl -sS --fail --tls-max "$v" --cacert "$P/root.pem" -H 'Connection: close' \
    "https://localhost:$SP/" "https://localhost:$SP/" "https://localhost:$SP/") ||
    fail "s_server, TLS $v: curl on tern's libssl failed"
  [ "$(grep -c "^New, TLSv$v" <<<"$out")" -eq 1 ] && [ "$(grep -c "^Reused, TLSv$v" <<<"$out")" -eq 2 ] ||
    fail "s_server, TLS $v: $(grep -E '^(New|Reused)' <<<"$out")"
  tern_hello_s_server "$v" "$WORK/s_server.log" || fail "s_server, TLS $v: its trace shows no tern ClientHello"
  if [ "$v" = 1.2 ] && grep -a -q 'extension_type=session_ticket' "$WORK/s_server.log"; then
    fail "s_server, TLS 1.2: curl's ClientHello asked for a ticket despite SSL_OP_NO_TICKET"
  fi
  pass "openssl s_server, TLS $v: 1 new session, then 2 reused"
done
