#!/usr/bin/env bash
# Sessions the server keeps, with real peers, through the tern command:
# `tern serve --session-cache N` resumes openssl s_client -no_ticket by
# session ID over TLS 1.2 (and by stateful ticket over TLS 1.3), and
# gnutls-cli --resume without tickets; `tern get --tls1.2 --session FILE`
# resumes by session ID against openssl s_server -no_ticket and
# gnutls-serv --noticket; two `tern serve --session-cache` processes do not
# share their caches.
. "$(dirname "$0")/lib.bash"
need openssl openssl
need gnutls-cli gnutls-bin
TERN=$BUILD/tern
CERT=$DATA/server-p256-chain.pem
KEY=$DATA/server-p256.key
CA=$DATA/ca.pem
mkdir -p "$WORK/site" && echo "session store page" >"$WORK/site/index.html"
req=$'GET / HTTP/1.0\r\n\r\n'

serve() { # serve LOG [options]: tern serve on a fresh port
  local log=$1; shift
  PORT=$(free_port)
  bg "$TERN" serve --addr 127.0.0.1 --port "$PORT" --cert "$CERT" --key "$KEY" "$@" "$WORK/site" \
    2>"$WORK/$log"
  wait_port "$PORT"
}
# sc LABEL VERSION [s_client options]: one request by openssl s_client
sc() {
  printf '%s' "$req" | openssl s_client -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$CA" -verify_return_error -ign_eof -no_ticket "-$2" "${@:3}" >"$WORK/$1.out" 2>&1
}
# session_id FILE: the Session-ID line of s_client's output
session_id() { sed -n 's/^ *Session-ID: *//p' "$1" | head -1; }

echo "== openssl s_client -no_ticket, TLS 1.2 -> tern serve --session-cache"
serve serve1.log --session-cache 64
sc i1 tls1_2 -sess_out "$WORK/i.sess"
check "s_client: new TLS 1.2 session" has "$WORK/i1.out" "New, TLSv1.2"
check "  with a session ID from tern" test -n "$(session_id "$WORK/i1.out")"
check "  and no ticket" bash -c "! grep -q 'TLS session ticket:' '$WORK/i1.out'"
check "  extended master secret" has "$WORK/i1.out" "Extended master secret: yes"
sc i2 tls1_2 -sess_in "$WORK/i.sess"
check "s_client: Reused, TLSv1.2" has "$WORK/i2.out" "Reused, TLSv1.2"
check "  the same session ID" test "$(session_id "$WORK/i1.out")" = "$(session_id "$WORK/i2.out")"
check "  got the page" has "$WORK/i2.out" "session store page"
sc i3 tls1_2 -sess_in "$WORK/i.sess"
check "s_client: the ID resumes again" has "$WORK/i3.out" "Reused, TLSv1.2"
check "tern serve logged the resumed request" has "$WORK/serve1.log" "(resumed)"
PORT_1=$PORT

echo "== openssl s_client -no_ticket, TLS 1.3 -> tern serve --session-cache (stateful tickets)"
sc t1 tls1_3 -sess_out "$WORK/t.sess"
check "s_client: new TLS 1.3 session" has "$WORK/t1.out" "New, TLSv1.3"
sc t2 tls1_3 -sess_in "$WORK/t.sess"
check "s_client: Reused, TLSv1.3" has "$WORK/t2.out" "Reused, TLSv1.3"
check "  got the page" has "$WORK/t2.out" "session store page"
sc t3 tls1_3 -sess_in "$WORK/t.sess"
check "the same ticket again: single use, a full handshake" has "$WORK/t3.out" "New, TLSv1.3"
check "  and the page all the same" has "$WORK/t3.out" "session store page"

echo "== a second tern serve --session-cache does not share the first one's cache"
serve serve2.log --session-cache 64
sc x1 tls1_2 -sess_in "$WORK/i.sess"
check "s_client: a full handshake (New)" has "$WORK/x1.out" "New, TLSv1.2"
check "  and the page all the same" has "$WORK/x1.out" "session store page"
PORT=$PORT_1

echo "== gnutls-cli --resume, TLS 1.3 -> tern serve --session-cache"
gnutls-cli --x509cafile "$CA" -p "$PORT" localhost --resume \
  --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3' </dev/null >"$WORK/gc13.out" 2>&1
check "gnutls-cli: resumed session" has "$WORK/gc13.out" "This is a resumed session"

echo "== gnutls-cli --resume --noticket, TLS 1.2 -> tern serve --session-cache"
gnutls-cli --x509cafile "$CA" -p "$PORT" localhost --resume --noticket \
  --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2' </dev/null >"$WORK/gc12.out" 2>&1
check "gnutls-cli: resumed session" has "$WORK/gc12.out" "This is a resumed session"
stop_all

# has_both TRACE: the trace offered a session ID and says the server resumed
# (the ladder wraps long facts, so the two are looked for apart)
has_both() { has "$1" "by: session ID" && has "$1" "resumption: the server accepted our"; }
# tern_get LABEL SESSION-FILE URL [options]: one fetch with the trace on
tern_get() {
  "$TERN" get --session "$2" --cafile "$CA" --trace "${@:4}" "$3" >"$WORK/$1.body" 2>"$WORK/$1.trace"
}

echo "== tern get --tls1.2 --session -> openssl s_server -no_ticket"
PORT=$(free_port)
bg openssl s_server -accept "$PORT" -cert "$DATA/server-p256.pem" -cert_chain "$DATA/int.pem" \
  -key "$KEY" -www -no_ticket >"$WORK/s_server.log" 2>&1
wait_port "$PORT"
check "first visit" tern_get o1 "$WORK/o.sess" "https://localhost:$PORT/" --tls1.2
check "s_server: New, TLSv1.2" has "$WORK/o1.body" "New, TLSv1.2"
check "the session file holds the session" test "$(grep -vc '^#' "$WORK/o.sess")" -ge 1
check "second visit" tern_get o2 "$WORK/o.sess" "https://localhost:$PORT/" --tls1.2
check "s_server: Reused, TLSv1.2" has "$WORK/o2.body" "Reused, TLSv1.2"
check "tern's trace: resumed, having offered the session ID" has_both "$WORK/o2.trace"
check "third visit resumes the same ID" tern_get o3 "$WORK/o.sess" "https://localhost:$PORT/" --tls1.2
check "s_server: Reused again" has "$WORK/o3.body" "Reused, TLSv1.2"
check "TLS 1.3: first visit" tern_get p1 "$WORK/p.sess" "https://localhost:$PORT/" --tls1.3
check "TLS 1.3: second visit (s_server's stateful ticket)" \
  tern_get p2 "$WORK/p.sess" "https://localhost:$PORT/" --tls1.3
check "s_server: Reused, TLSv1.3" has "$WORK/p2.body" "Reused, TLSv1.3"
stop_all

echo "== tern get --tls1.2 --session -> gnutls-serv --noticket"
PORT=$(free_port)
bg gnutls-serv --http --x509certfile "$CERT" --x509keyfile "$KEY" -p "$PORT" --noticket \
  >"$WORK/g_serv.log" 2>&1
wait_port "$PORT"
check "first visit" tern_get g1 "$WORK/g.sess" "https://localhost:$PORT/" --tls1.2
check "second visit" tern_get g2 "$WORK/g.sess" "https://localhost:$PORT/" --tls1.2
check "tern's trace: resumed, having offered the session ID" has_both "$WORK/g2.trace"
stop_all

echo "== --session-cache refuses what is not a number of sessions, with a sentence"
for bad in abc 0 -5; do
  "$TERN" serve --port 0 --cert "$CERT" --key "$KEY" --session-cache "$bad" "$WORK/site" \
    >/dev/null 2>"$WORK/bad.err"
  check "--session-cache $bad: exit status 2" test $? -eq 2
  check "  the sentence names '$bad'" has "$WORK/bad.err" "not '$bad'"
done
"$TERN" serve --port 0 --cert "$CERT" --key "$KEY" --session-cache 2000000 "$WORK/site" \
  >/dev/null 2>"$WORK/big.err"
check "--session-cache 2000000: exit status 1" test $? -eq 1
check "  the sentence names the limit" has "$WORK/big.err" "above tern's limit of 1048576"

finish
