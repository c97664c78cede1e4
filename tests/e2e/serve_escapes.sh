#!/usr/bin/env bash
# tern serve keeps its folder shut: every spelling of a path escape gets
# 403 or 404 and never a byte from outside; a malformed request gets 400;
# a client that connects and says nothing is timed out.
source "$(dirname "$0")/lib/tool.sh"
need curl python3 openssl
make_site
start_serve "$SITE" --timeout 2
handshake_smoke
U=https://localhost:$PORT

for p in '/../outside.txt' '/../../../../etc/passwd' '/%2e%2e/outside.txt' '/%2E%2E/%2E%2E/etc/passwd' \
         '/.%2e/outside.txt' '/sub/..%2f..%2foutside.txt' '/%2e%2e%2foutside.txt' '/..%5coutside.txt' \
         '/sub\..\..\outside.txt' '/link-out' '/.hidden' '/sub/.dotfile' '/hello.txt%00.html' '/sub/%2e%2e/%2e%2e/outside.txt'; do
  out=$(curl -sS --path-as-is --cacert "$CA" -w '\n%{http_code}' "$U$p") || fail "curl failed on $p"
  code=${out##*$'\n'}
  case $code in 403|404) ;; *) fail "$p gave $code" ;; esac
  if grep -q 'outside the root\|root:x:0\|secret' <<<"$out"; then fail "$p leaked: $out"; fi
done
pass "14 escape attempts refused with 403/404"

# A raw malformed request over TLS.
raw() {  # raw REQUEST -> the server's answer
  printf '%b' "$1" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername localhost \
    -CAfile "$CA" -verify_return_error 2>/dev/null || true
}
for req in 'GARBAGE\r\n\r\n' 'GET / HTTP/1.1\r\n\r\n' 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' \
           'GET / HTTP/1.1\r\nHost : x\r\n\r\n' 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n'; do
  ans=$(raw "$req")
  first=${ans%%$'\n'*}
  [[ $first == 'HTTP/1.1 400 '* ]] || fail "'$req' got: $first"
done
ans=$(raw 'GET /hello.txt HTTP/1.0\r\n\r\n')
grep -q 'plain text' <<<"$ans" || fail "a correct raw HTTP/1.0 request failed: $ans"
pass "malformed requests get 400"

# Silent clients: one that never starts TLS, one that never sends a request.
python3 - "$PORT" <<'PY' || fail "a silent TCP client was not timed out"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
t = time.time()
data = s.recv(100)
took = time.time() - t
assert took < 6, f"closed after {took:.1f}s"
print(f"silent TCP client closed after {took:.1f}s")
PY
python3 - "$PORT" "$CA" <<'PY' || fail "a client that completed the handshake but sent nothing was not timed out"
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
s.settimeout(10)
t = time.time()
data = s.recv(100)  # b"" once the server sends close_notify and closes
took = time.time() - t
assert data == b"" and took < 6, f"got {data!r} after {took:.1f}s"
print(f"silent TLS client closed after {took:.1f}s")
PY
grep -q 'timed out' "$SERVE_LOG" || fail "the log does not mention the time-out"
pass "silent clients timed out"
kill -0 "$SERVE_PID" || fail "tern serve died"
echo "serve_escapes: all passed"
