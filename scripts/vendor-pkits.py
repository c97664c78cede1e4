#!/usr/bin/env python3
"""Copy NIST PKITS into tests/vectors/pkits from Debian's
python3-cryptography-vectors (run by hand when refreshing; the tests never
read the package).

Each PKITS test has a signed S/MIME message (smime/Signed<Test>.eml) whose
PKCS#7 SignedData carries the test's certification path and CRLs. This
script copies, unchanged, the certificates (certs/*.crt, DER) and CRLs
(crls/*.crl, DER) that some test's message carries, plus the trust anchor
and its CRL, and writes paths.txt: one line per test,

    <test> <cert file>... | <crl file>...

<test> is the message's name (Signed<test>.eml), the end-entity certificate
(<Valid|Invalid><test>EE.crt, whose prefix gives the verdict PKITS expects)
comes first.
"""
import glob
import os
import subprocess
import sys

SRC = "/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data"


def tlv(b, i):
    """(tag, start of contents, end) of the DER element at i."""
    tag = b[i]
    n = b[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return tag, j, j + n


def children(b, start, end):
    i = start
    while i < end:
        tag, s, e = tlv(b, i)
        yield tag, i, s, e
        i = e


def signed_data_parts(p7):
    """certificates [0] and crls [1] of a ContentInfo{SignedData}, as DER lists."""
    _, s, e = tlv(p7, 0)
    kids = list(children(p7, s, e))
    _, _, s2, e2 = kids[1]  # [0] EXPLICIT content
    _, s3, e3 = tlv(p7, s2)  # SignedData SEQUENCE
    certs, crls = [], []
    for tag, i, s4, e4 in children(p7, s3, e3):
        if tag == 0xA0:
            certs = [p7[j:e] for _, j, _, e in children(p7, s4, e4)]
        elif tag == 0xA1:
            crls = [p7[j:e] for _, j, _, e in children(p7, s4, e4)]
    return certs, crls


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/vectors/pkits"
    by_der = {}
    for kind in ("certs", "crls"):
        for f in glob.glob(os.path.join(SRC, kind, "*")):
            by_der[open(f, "rb").read()] = (kind, os.path.basename(f))
    ee_files = {os.path.basename(f)[:-6].lower(): os.path.basename(f)
                for f in glob.glob(os.path.join(SRC, "certs", "*EE.crt"))}
    used = {("certs", "TrustAnchorRootCertificate.crt"), ("crls", "TrustAnchorRootCRL.crl")}
    lines = []
    for eml in sorted(glob.glob(os.path.join(SRC, "smime", "Signed*.eml"))):
        stem = os.path.basename(eml)[len("Signed"):-len(".eml")]
        pem = subprocess.run(["openssl", "smime", "-pk7out", "-in", eml],
                             capture_output=True, check=True).stdout
        p7 = subprocess.run(["openssl", "pkcs7", "-outform", "DER"], input=pem,
                            capture_output=True, check=True).stdout
        certs, crls = signed_data_parts(p7)
        ee = ee_files.get(stem.lower())
        if not ee:
            # the message name lacks the Valid/Invalid prefix the file has
            for k, v in ee_files.items():
                if k.endswith(stem.lower()) and k[:-len(stem)] in ("valid", "invalid"):
                    ee = v
        names = []
        for d in certs:
            kind, name = by_der[d]
            used.add((kind, name))
            names.append(name)
        if ee not in names:
            # a test that reuses another's end entity (4.8.1 uses the 4.1.1 one)
            ees = [n for n in names if n.endswith("EE.crt")]
            ee = ees[0] if len(ees) == 1 else ee
        if ee not in names:
            raise SystemExit("%s: no end-entity certificate %s in its message" % (eml, ee))
        names.remove(ee)
        crl_names = []
        for d in crls:
            kind, name = by_der[d]
            used.add((kind, name))
            crl_names.append(name)
        lines.append("%s %s | %s" % (stem, " ".join([ee] + names), " ".join(crl_names)))
    for kind, name in used:
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        with open(os.path.join(SRC, kind, name), "rb") as f, \
                open(os.path.join(out, kind, name), "wb") as g:
            g.write(f.read())
    with open(os.path.join(out, "paths.txt"), "w") as f:
        f.write("# made by scripts/vendor-pkits.py from the S/MIME messages of PKITS_data\n")
        f.write("\n".join(lines) + "\n")
    print("%d tests, %d files" % (len(lines), len(used)))


if __name__ == "__main__":
    main()
