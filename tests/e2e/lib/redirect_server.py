#!/usr/bin/env python3
"""An HTTPS server for tern get's redirect tests (tests/e2e/get_redirects.sh).

usage: redirect_server.py PORT CERT KEY

  /moved      301 to /final, with a body of its own ("moved-body")
  /rel        302 to "final" (a relative reference)
  /final      200 "final-body"
  /hop/N      302 to /hop/N-1 ... /hop/0 is 200 "hops-done"
  /loop-a     302 to /loop-b, which 302s back to /loop-a
  /to-http    302 to http://127.0.0.1:PORT/final
"""
import http.server
import ssl
import sys

port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, body, location=None):
        self.send_response(code)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/moved":
            self.send(301, b"moved-body\n", "/final")
        elif p == "/rel":
            self.send(302, b"rel-body\n", "final")
        elif p == "/final":
            self.send(200, b"final-body\n")
        elif p.startswith("/hop/"):
            n = int(p[5:])
            if n == 0:
                self.send(200, b"hops-done\n")
            else:
                self.send(302, b"hop-body\n", "/hop/%d" % (n - 1))
        elif p == "/loop-a":
            self.send(302, b"a\n", "/loop-b")
        elif p == "/loop-b":
            self.send(302, b"b\n", "/loop-a")
        elif p == "/to-http":
            self.send(302, b"x\n", "http://127.0.0.1:%d/final" % port)
        else:
            self.send(404, b"not found\n")

    def log_message(self, *a):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
