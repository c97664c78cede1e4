#!/usr/bin/env python3
"""Cut the seeds of tests/fuzz/codec13_fuzz.c from recorded handshakes.

Sources: every plaintext handshake message of RFC 8448's trace
(tests/vectors/rfc8448/rfc8448.txt, the "payload" of each "send handshake
record"), and the ClientHellos, ServerHellos and HelloRetryRequests of tern's
own recorded handshakes (the seeds of hs_server_fuzz and hs_client_fuzz,
written by scripts/fuzz.sh seeds). Each message becomes a seed for its
codec, and each of its extensions a seed for the extension's codec: a mode
byte (the enum in codec13_fuzz.c) then the bytes.

    scripts/codec13_seeds.py      rewrites tests/fuzz/corpus/codec13_fuzz/
"""
import hashlib
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests/fuzz/corpus/codec13_fuzz")

MODES = """VERSIONS_CH VERSIONS_SH KEY_SHARE_CH KEY_SHARE_SH KEY_SHARE_HRR GROUPS SIGALGS
SNI EMPTY ALPN_LIST ALPN_CHOICE PSK_MODES PSK_SH COOKIE EARLY_DATA_NST CAS COMPRESSION
CH_EXTS SH_EXTS HRR_EXTS EE CERTIFICATE CERT_VERIFY CERT_REQUEST NST KEY_UPDATE PSK_CH
CLIENT_HELLO SERVER_HELLO EXTS""".split()
M = {name: i for i, name in enumerate(MODES)}
HRR_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def check_modes():
    """The enum in codec13_fuzz.c must list the modes in this order."""
    src = open(os.path.join(ROOT, "tests/fuzz/codec13_fuzz.c")).read()
    start = src.index("enum {")
    body = src[start:src.index("CODEC13_MODES", start)]
    names = re.findall(r"^\s*M_([A-Z0-9_]+),", body, re.M)
    if names != MODES:
        sys.exit("codec13_seeds.py: the modes differ from codec13_fuzz.c: %s" % names)


def rfc8448_payloads(path):
    """The handshake payloads of RFC 8448, in order."""
    lines = open(path).read().split("\n")
    out, i, context = [], 0, ""
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^   \{(client|server)\}\s+(.*)$", line)
        if m:
            context = m.group(2)
        m = re.match(r"^\s+payload \((\d+) octets\):\s+(.*)$", line)
        if m and "send handshake record" in context:
            n, hexs = int(m.group(1)), m.group(2)
            i += 1
            while len(bytes.fromhex(hexs)) < n and i < len(lines):
                if re.match(r"^\s+([0-9a-f]{2}( |$))+", lines[i]):
                    hexs += " " + lines[i].strip()
                i += 1
            out.append(bytes.fromhex(hexs)[:n])
            continue
        i += 1
    return out


def split_msgs(data):
    msgs, p = [], 0
    while p + 4 <= len(data):
        n = int.from_bytes(data[p + 1:p + 4], "big")
        if p + 4 + n > len(data):
            break
        msgs.append((data[p], data[p + 4:p + 4 + n]))
        p += 4 + n
    return msgs


def u16(b, p):
    return int.from_bytes(b[p:p + 2], "big")


def ext_list(block):
    exts, p = [], 0
    while p + 4 <= len(block):
        t, n = u16(block, p), u16(block, p + 2)
        exts.append((t, block[p + 4:p + 4 + n]))
        p += 4 + n
    return exts


seeds = set()


def seed(mode, data):
    seeds.add(bytes([M[mode]]) + data)


CH_EXT = {43: "VERSIONS_CH", 51: "KEY_SHARE_CH", 10: "GROUPS", 13: "SIGALGS", 50: "SIGALGS",
          0: "SNI", 16: "ALPN_LIST", 45: "PSK_MODES", 44: "COOKIE", 42: "EMPTY", 41: "PSK_CH",
          47: "CAS"}


def client_hello(b):
    seed("CLIENT_HELLO", b)
    p = 2 + 32
    p += 1 + b[p]
    p += 2 + u16(b, p)
    comp = b[p + 1:p + 1 + b[p]]
    p += 1 + b[p]
    seed("COMPRESSION", comp)
    block = b[p + 2:p + 2 + u16(b, p)]
    seed("CH_EXTS", block)
    seed("EXTS", bytes([0]) + block)
    for t, body in ext_list(block):
        if t in CH_EXT:
            seed(CH_EXT[t], body)


def server_hello(b):
    seed("SERVER_HELLO", b)
    hrr = b[2:34] == HRR_RANDOM
    p = 2 + 32
    p += 1 + b[p]
    p += 3
    block = b[p + 2:p + 2 + u16(b, p)]
    seed("HRR_EXTS" if hrr else "SH_EXTS", block)
    seed("EXTS", bytes([(2 if hrr else 1) | 8]) + block)
    for t, body in ext_list(block):
        if t == 43:
            seed("VERSIONS_SH", body)
        elif t == 51:
            seed("KEY_SHARE_HRR" if hrr else "KEY_SHARE_SH", body)
        elif t == 41:
            seed("PSK_SH", body)
        elif t == 44:
            seed("COOKIE", body)


def message(t, b):
    if t == 1:
        client_hello(b)
    elif t == 2:
        server_hello(b)
    elif t == 8:
        seed("EE", b)
        block = b[2:]
        seed("EXTS", bytes([3 | 8]) + block)
        for et, body in ext_list(block):
            if et == 16:
                seed("ALPN_CHOICE", body)
            elif et in (0, 42):
                seed("EMPTY", body)
    elif t == 11:
        seed("CERTIFICATE", b)
    elif t == 15:
        seed("CERT_VERIFY", b)
    elif t == 13:
        seed("CERT_REQUEST", b)
        block = b[1 + b[0] + 2:]
        seed("EXTS", bytes([5]) + block)
        for et, body in ext_list(block):
            if et in (13, 50):
                seed("SIGALGS", body)
            elif et == 47:
                seed("CAS", body)
    elif t == 4:
        seed("NST", b)
        p = 8 + 1 + b[8]
        p += 2 + u16(b, p)
        block = b[p + 2:]
        seed("EXTS", bytes([6]) + block)
        for et, body in ext_list(block):
            if et == 42:
                seed("EARLY_DATA_NST", body)
    elif t == 24:
        seed("KEY_UPDATE", b)


def tern_records(path, client_target):
    """The plaintext handshake messages of one recorded hs_*_fuzz seed."""
    data = open(path, "rb").read()
    if len(data) < 2:
        return []
    p = 2
    if client_target and data[0] & 16:  # FZ_RESUME: a session blob first
        p += 2 + u16(data, p)
    hs = b""
    while p + 5 <= len(data):
        ct, n = data[p], u16(data, p + 3)
        if ct == 22:
            hs += data[p + 5:p + 5 + n]
        elif ct == 23:
            break
        p += 5 + n
    return split_msgs(hs)


def main():
    check_modes()
    for payload in rfc8448_payloads(os.path.join(ROOT, "tests/vectors/rfc8448/rfc8448.txt")):
        for t, b in split_msgs(payload):
            message(t, b)
    for target, client in (("hs_server_fuzz", False), ("hs_client_fuzz", True)):
        d = os.path.join(ROOT, "tests/fuzz/corpus", target)
        for name in sorted(os.listdir(d)):
            for t, b in tern_records(os.path.join(d, name), client):
                if t in (1, 2):
                    message(t, b)
    # tern's KeyUpdate (flight.c writes it through hs13_write_key_update)
    message(24, b"\x00")
    message(24, b"\x01")
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    for s in sorted(seeds):
        name = "seed-%02d-%s" % (s[0], hashlib.sha1(s).hexdigest()[:16])
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(s)
    print("codec13_seeds: %d seeds in %s" % (len(seeds), OUT))


if __name__ == "__main__":
    main()
