#!/usr/bin/env bash
# Session resumption (RFC 8446 §2.2) with real peers, through the tern
# command as a user runs it: `tern get --session FILE` resumes against
# openssl s_server and gnutls-serv; openssl s_client -sess_out/-sess_in and
# gnutls-cli --resume resume against `tern serve`; two `tern serve`
# processes sharing --ticket-key resume each other's tickets, and a server
# with another key falls back to a full handshake.
. "$(dirname "$0")/lib.bash"
need openssl openssl
need gnutls-cli gnutls-bin
TERN=$BUILD/tern
CERT=$DATA/server-p256-chain.pem
KEY=$DATA/server-p256.key
CA=$DATA/ca.pem
mkdir -p "$WORK/site" && echo "resumption page" >"$WORK/site/index.html"

# tern_get LABEL SESSION-FILE URL: one fetch with the trace on
tern_get() {
  "$TERN" get --session "$2" --cafile "$CA" --trace "$3" >"$WORK/$1.body" 2>"$WORK/$1.trace"
}
resumed() { has "$WORK/$1.trace" "resumption: the server accepted our"; } # the ladder wraps long facts
full() { has "$WORK/$1.trace" "resumption: no"; }

echo "== tern get --session -> openssl s_server"
PORT=$(free_port)
bg openssl s_server -accept "$PORT" -cert "$DATA/server-p256.pem" -cert_chain "$DATA/int.pem" -key "$KEY" -www -tls1_3 >"$WORK/s_server.log" 2>&1
wait_port "$PORT"
check "first visit: full handshake" tern_get o1 "$WORK/o.sess" "https://localhost:$PORT/"
check "s_server saw a new session" has "$WORK/o1.body" "New, TLSv1.3"
check "the session file holds tickets, mode 0600" \
  test "$(stat -c %a "$WORK/o.sess")" = 600 -a "$(grep -vc '^#' "$WORK/o.sess")" -ge 1
check "second visit: resumed" tern_get o2 "$WORK/o.sess" "https://localhost:$PORT/"
check "s_server says Reused" has "$WORK/o2.body" "Reused, TLSv1.3"
check "tern's trace says resumed" resumed o2
check "third visit resumes with a fresh ticket" tern_get o3 "$WORK/o.sess" "https://localhost:$PORT/"
check "s_server says Reused again" has "$WORK/o3.body" "Reused, TLSv1.3"
stop_all

echo "== tern get --session -> gnutls-serv"
PORT=$(free_port)
bg gnutls-serv --http --x509certfile "$CERT" --x509keyfile "$KEY" -p "$PORT" >"$WORK/g_serv.log" 2>&1
wait_port "$PORT"
check "first visit: full handshake" tern_get g1 "$WORK/g.sess" "https://localhost:$PORT/"
check "first visit signed with ECDSA" has "$WORK/g1.body" "ECDSA-SECP256R1"
check "second visit: resumed" tern_get g2 "$WORK/g.sess" "https://localhost:$PORT/"
check "tern's trace says resumed" resumed g2
check "gnutls-serv did no signature (PSK)" bash -c "! grep -q ECDSA '$WORK/g2.body'"
stop_all

serve() { # serve LOG [options]: tern serve on a fresh port
  local log=$1; shift
  PORT=$(free_port)
  bg "$TERN" serve --addr 127.0.0.1 --port "$PORT" --cert "$CERT" --key "$KEY" "$@" "$WORK/site" \
    2>"$WORK/$log"
  wait_port "$PORT"
}

echo "== openssl s_client -sess_out/-sess_in -> tern serve"
serve serve1.log
req=$'GET / HTTP/1.0\r\n\r\n'
printf '%s' "$req" | openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$CA" \
  -verify_return_error -ign_eof -sess_out "$WORK/s.sess" >"$WORK/sc1.out" 2>&1
check "s_client: new session" has "$WORK/sc1.out" "New, TLSv1.3"
printf '%s' "$req" | openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$CA" \
  -verify_return_error -ign_eof -sess_in "$WORK/s.sess" >"$WORK/sc2.out" 2>&1
check "s_client: Reused" has "$WORK/sc2.out" "Reused, TLSv1.3"
check "s_client got the page" has "$WORK/sc2.out" "resumption page"
check "tern serve logged the resumed request" has "$WORK/serve1.log" "GET / 200 16 (resumed)"

echo "== psk_ke (no key exchange) only when tern serve allows it"
stop_all
serve serve2.log --allow-psk-ke
psk_sc() { # psk_sc LABEL [s_client options]
  printf '%s' "$req" | openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -CAfile "$CA" \
    -verify_return_error -ign_eof -allow_no_dhe_kex "${@:2}" >"$WORK/$1.out" 2>&1
}
psk_sc pk1 -sess_out "$WORK/pk.sess"
check "s_client -allow_no_dhe_kex: new session" has "$WORK/pk1.out" "New, TLSv1.3"
check "  with a key exchange" has "$WORK/pk1.out" "Server Temp Key"
psk_sc pk2 -sess_in "$WORK/pk.sess"
check "resumed with psk_ke" has "$WORK/pk2.out" "Reused, TLSv1.3"
check "  and no key exchange" bash -c "! grep -q 'Server Temp Key' '$WORK/pk2.out'"
stop_all
serve serve3.log
psk_sc pd1 -sess_out "$WORK/pd.sess"
psk_sc pd2 -sess_in "$WORK/pd.sess"
check "without --allow-psk-ke: resumed" has "$WORK/pd2.out" "Reused, TLSv1.3"
check "  with a key exchange (psk_dhe_ke)" has "$WORK/pd2.out" "Server Temp Key"

echo "== gnutls-cli --resume -> tern serve"
gnutls-cli --x509cafile "$CA" -p "$PORT" localhost --resume </dev/null >"$WORK/gc.out" 2>&1
check "gnutls-cli: resumed session" has "$WORK/gc.out" "This is a resumed session"
stop_all

echo "== two tern serve processes sharing a ticket key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/ticket.key"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/other.key"
serve a.log --ticket-key "$WORK/ticket.key"; PORT_A=$PORT
serve b.log --ticket-key "$WORK/ticket.key"; PORT_B=$PORT
serve c.log --ticket-key "$WORK/other.key"; PORT_C=$PORT
check "server A: full handshake" tern_get a1 "$WORK/ab.sess" "https://localhost:$PORT_A/"
check "server A: full" full a1
cp "$WORK/ab.sess" "$WORK/ac.sess"
check "server B resumes A's ticket" tern_get b1 "$WORK/ab.sess" "https://localhost:$PORT_B/"
check "server B: resumed" resumed b1
check "server B logged it" has "$WORK/b.log" "(resumed)"
check "server C (another key) still answers" tern_get c1 "$WORK/ac.sess" "https://localhost:$PORT_C/"
check "server C: a full handshake, not an error" full c1
check "server C's page is right" has "$WORK/c1.body" "resumption page"
stop_all

echo "== a damaged session file is refused with a sentence"
printf '# tern sessions\nzz-not-hex\n' >"$WORK/bad.sess"
serve d.log
"$TERN" get --session "$WORK/bad.sess" --cafile "$CA" "https://localhost:$PORT/" >/dev/null 2>"$WORK/bad.err"
check "exit status 1" test $? -eq 1
check "the sentence names the file and line" has "$WORK/bad.err" "bad.sess line 2 is not a tern session"
stop_all

finish
