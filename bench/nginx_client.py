#!/usr/bin/env python3
"""Load for bench/nginx.sh (Python's ssl, i.e. Debian's OpenSSL, as the
client; its own cost is not measured: the bench reads the nginx worker's
CPU time and memory from /proc).

  nginx_client.py new PORT CAFILE N       N new TLS connections, one after
                                          another: full handshake (no
                                          session offered), GET /, close
  nginx_client.py hold PORT CAFILE N FIFO open N TLS connections, one GET
                                          each (keep-alive), print "ready",
                                          hold them until FIFO is written
"""
import socket
import ssl
import sys


def context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    # no resumption: every connection is a full handshake
    ctx.options |= ssl.OP_NO_TICKET
    return ctx


def one(ctx, port):
    raw = socket.create_connection(("127.0.0.1", port))
    # as browsers, curl and wrk do: without it the GET after the client's
    # Finished waits for the server's delayed ACK (40 ms) when the server
    # sends nothing after its handshake (tern with tickets off; OpenSSL
    # sends two tickets anyway)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s = ctx.wrap_socket(raw, server_hostname="localhost", session=None)
    s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    got = b""
    while b"\r\n\r\nok" not in got:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("nginx closed the connection before answering")
        got += chunk
    if not got.startswith(b"HTTP/1.1 200"):
        raise SystemExit("nginx answered: %r" % got[:80])
    return s


def main():
    mode, port, cafile, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    ctx = context(cafile)
    if mode == "new":
        for _ in range(n):
            s = one(ctx, port)
            s.close()
        return
    held = [one(ctx, port) for _ in range(n)]
    print("ready", flush=True)
    with open(sys.argv[5]) as f:
        f.read()
    for s in held:
        s.close()


main()
