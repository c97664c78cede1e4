#!/usr/bin/env bash
# What curl on tern's libssl refuses, with curl's exit codes and messages,
# each case run on Debian's libssl too (same exit code): an unknown CA
# (60), an expired certificate (60, "certificate has expired"), a host
# name the certificate does not cover (60: curl checks the SANs itself,
# from the peer certificate the layer hands it), a server speaking only
# TLS 1.1 (35: tern never does), a server resetting the connection in the
# middle of the handshake (35). The servers show the ClientHello was
# tern's.
source "$(dirname "$0")/curl_lib.bash"
need curl openssl python3 stdbuf:coreutils
P=$WORK/pki
curl_pki "$P"
make_site

start_serve "$SITE" --trace=json --cert "$P/chain.pem" --key "$P/leaf.key"
GOOD=$PORT
# refused NAME CODE MESSAGE CURL-ARGS...
refused() {
  local name=$1 code=$2 msg=$3
  shift 3
  both_rc "$name" "$code" -sS "$@"
  grep -q "$msg" <<<"$ERR" || fail "$name: curl on tern's libssl said: $ERR"
}

refused "an unknown CA" 60 'SSL certificate problem: unable to get local issuer certificate' \
  --cacert "$SRC/tests/data/ca.pem" "https://localhost:$GOOD/hello.txt"
tern_hello_json 1.3 || fail "an unknown CA: the last ClientHello is not tern's"
pass "an unknown CA: 60, 'unable to get local issuer certificate'"

# A client allowed nothing tern speaks (curl --tls-max 1.1): both
# libraries refuse before anything is sent (35, "no protocols available"),
# rather than tern quietly using TLS 1.2
refused "--tls-max 1.1" 35 'no protocols available' --tls-max 1.1 \
  --cacert "$P/root.pem" "https://localhost:$GOOD/hello.txt"
pass "--tls-max 1.1: 35, 'no protocols available' on both libraries"

refused "a host name the certificate does not cover" 60 \
  "SSL: no alternative certificate subject name matches target host name 'elsewhere.test'" \
  --cacert "$P/root.pem" --resolve "elsewhere.test:$GOOD:127.0.0.1" "https://elsewhere.test:$GOOD/hello.txt"
tern_hello_json 1.3 || fail "a wrong name: the last ClientHello is not tern's"
pass "a host name the certificate does not cover: 60, curl's own SAN check"

kill "$SERVE_PID"
start_serve "$SITE" --trace=json --cert "$P/expired-chain.pem" --key "$P/expired.key"
refused "an expired certificate" 60 'SSL certificate problem: certificate has expired' \
  --cacert "$P/root.pem" "https://localhost:$PORT/hello.txt"
tern_hello_json 1.3 || fail "expired: the last ClientHello is not tern's"
pass "an expired certificate: 60, 'certificate has expired'"

# TLS 1.1 only: Debian's OpenSSL needs security level 0 to offer it
start_s_server -tls1_1 -cipher DEFAULT@SECLEVEL=0
: >"$WORK/s_server.log"
refused "a TLS 1.1 server" 35 'tlsv1 alert protocol version' --cacert "$P/root.pem" "https://localhost:$SP/"
tern_hello_s_server 1.3 "$WORK/s_server.log" || fail "TLS 1.1: s_server's trace shows no tern ClientHello"
grep -a -q 'description=protocol version(70)' "$WORK/s_server.log" ||
  fail "TLS 1.1: s_server's trace shows no protocol_version alert"
pass "a server speaking only TLS 1.1: 35, its protocol_version alert in OpenSSL's words"

# A server resetting mid-handshake
python3 "$SRC/tests/compat/reset_server.py" "$WORK/reset.log" >"$WORK/reset.port" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/reset.port" ] && break; sleep 0.1; done
RP=$(cat "$WORK/reset.port")
[ -n "$RP" ] || fail "the resetting server did not start"
refused "a reset mid-handshake" 35 'Connection reset by peer' --cacert "$P/root.pem" "https://localhost:$RP/"
# the log: Debian's ClientHello first, then tern's (X25519MLKEM768 first)
[ "$(tail -1 "$WORK/reset.log")" = "groups 11ec,001d,0017,0018" ] ||
  fail "the resetting server did not see tern's ClientHello: $(cat "$WORK/reset.log")"
grep -q '11ec' <<<"$(head -1 "$WORK/reset.log")" && fail "Debian's ClientHello offered 0x11ec?"
pass "a server resetting mid-handshake: 35, 'Connection reset by peer'"
