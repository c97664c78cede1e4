"""Python's ssl module as an independent TLS 1.3 peer for tern's tests.

  py_peer.py client PORT CAFILE   connect, verify 'localhost', send ping, print the answer
  py_peer.py server PORT CHAIN KEY   accept one, read ping, answer pong
"""
import socket
import ssl
import sys


def main():
    role, port = sys.argv[1], int(sys.argv[2])
    if role == "client":
        ctx = ssl.create_default_context(cafile=sys.argv[3])
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.set_alpn_protocols(["http/1.1"])
        with socket.create_connection(("127.0.0.1", port)) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(b"ping\n")
                data = b""
                while b"pong" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                print("python client:", s.version(), s.cipher()[0], "alpn", s.selected_alpn_protocol())
                print(data.decode(errors="replace"))
                return 0 if b"pong" in data else 1
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    with socket.socket() as ls:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(1)
        print("listening", flush=True)
        raw, _ = ls.accept()
        with ctx.wrap_socket(raw, server_side=True) as s:
            data = b""
            while b"ping" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            s.sendall(b"pong\n")
            print("python server:", s.version(), s.cipher()[0], flush=True)
            print(data.decode(errors="replace"))
            try:
                s.unwrap()
            except (ssl.SSLError, OSError):
                pass
            return 0 if b"ping" in data else 1


sys.exit(main())
