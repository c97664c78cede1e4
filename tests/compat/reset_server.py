# A server that resets every connection in the middle of the handshake:
# it reads the ClientHello record, writes the groups it offers to its log
# (as hex code points, in order), and closes with RST (SO_LINGER 0).
# Prints its port once listening. Used by tests/compat/curl_refusals.sh.
import socket
import struct
import sys


def read_exact(c, n):
    buf = b""
    while len(buf) < n:
        got = c.recv(n - len(buf))
        if not got:
            break
        buf += got
    return buf


def groups(hello):
    # handshake header 4, version 2, random 32
    p = 4 + 2 + 32
    p += 1 + hello[p]  # session id
    p += 2 + int.from_bytes(hello[p:p + 2], "big")  # suites
    p += 1 + hello[p]  # compression
    end = p + 2 + int.from_bytes(hello[p:p + 2], "big")
    p += 2
    while p + 4 <= end:
        typ = int.from_bytes(hello[p:p + 2], "big")
        size = int.from_bytes(hello[p + 2:p + 4], "big")
        if typ == 10:
            body = hello[p + 6:p + 4 + size]
            return [body[i:i + 2].hex() for i in range(0, len(body), 2)]
        p += 4 + size
    return []


log = open(sys.argv[1], "a", buffering=1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    head = read_exact(c, 5)
    if len(head) == 5:
        body = read_exact(c, int.from_bytes(head[3:5], "big"))
        try:
            log.write("groups " + ",".join(groups(body)) + "\n")
        except (IndexError, ValueError):
            log.write("not a ClientHello\n")
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
