#!/usr/bin/env bash
# SSL_get_error's SYSCALL and SSL for transport failures, on Debian's
# libssl.so.3 and on tern's alike (ossl_client.c): a server (Python's ssl)
# that answers part of a response and then resets the connection (RST,
# SO_LINGER 0) makes the client's read end in SYSCALL; one that closes
# the socket without close_notify ends it in SSL ("unexpected eof while
# reading", as OpenSSL 3.0 reports a truncation).
source "$(dirname "$0")/lib.bash"
need python3 openssl
client=$BUILD/tests/compat/ossl_client
openssl_pki
for mode in reset eof; do
  port=$(free_port)
  python3 - "$port" "$OLEAF" "$OKEY" "$mode" >"$WORK/py.$mode.log" 2>&1 <<'PY' &
import socket, ssl, struct, sys
port, cert, key, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(1)
while True:  # the port probe, Debian's run, tern's
    raw, _ = ls.accept()
    try:
        c = ctx.wrap_socket(raw, server_side=True)
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                raise EOFError
            req += d
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        if mode == "reset":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # the socket closes with no close_notify (and, reset, with an RST)
        socket.socket.close(c)
        raw.close()
    except Exception:
        raw.close()
PY
  PIDS+=($!)
  wait_port "$port" $! || fail "the Python server did not start: $(cat "$WORK/py.$mode.log")"
  deb=$("$client" localhost "$port" "$OCA" verify /x 2>&1) || fail "$mode on Debian's: $deb"
  ours=$(on_tern "$client" localhost "$port" "$OCA" verify /x 2>&1) || fail "$mode on tern's: $ours"
  echo "  $mode:"
  echo "$ours" | sed 's/^/    /'
  # whether the partial answer is read before the reset depends on timing
  # (a reset drops what was not read yet): leave it out of the comparison
  norm() { sed -e 's/^read: NONE,/read: /' -e 's/ (status 200: [01])$//'; }
  deb=$(norm <<<"$deb") ours=$(norm <<<"$ours")
  if [ "$deb" != "$ours" ]; then
    diff <(echo "$deb") <(echo "$ours") || true
    fail "$mode: the libraries differ (< Debian, > tern)"
  fi
  want=SYSCALL
  [ $mode = eof ] && want=SSL
  grep -q "^read: $want$" <<<"$ours" || fail "$mode: the read did not end in $want"
  pass "$mode: the read ends in $want on both libraries"
done
