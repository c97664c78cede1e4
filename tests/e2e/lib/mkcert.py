#!/usr/bin/env python3
"""Certificates with chosen dates and names, for the tern command's tests.

usage: mkcert.py OUTDIR NAME NOT_BEFORE_DAYS NOT_AFTER_DAYS DNSNAME...

Writes OUTDIR/ca.pem and, for NAME, OUTDIR/NAME.pem and OUTDIR/NAME-key.pem:
an ECDSA P-256 leaf for serverAuth covering the DNS names, valid from
now+NOT_BEFORE_DAYS to now+NOT_AFTER_DAYS (negative for the past), signed
by a CA made on the first call (kept in OUTDIR/ca-key.pem). The leaf file
holds the leaf only.
"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

out, name, nb, na = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dns = sys.argv[5:]
now = datetime.datetime.now(datetime.timezone.utc)
os.makedirs(out, exist_ok=True)
ca_pem, ca_key_pem = os.path.join(out, "ca.pem"), os.path.join(out, "ca-key.pem")


def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


if not os.path.exists(ca_pem):
    k = ec.generate_private_key(ec.SECP256R1())
    n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mkcert.py test CA")])
    ski = x509.SubjectKeyIdentifier.from_public_key(k.public_key())
    c = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=30))
         .not_valid_after(now + datetime.timedelta(days=3650))
         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                        critical=True)
         .add_extension(ski, critical=False)
         .sign(k, hashes.SHA256()))
    open(ca_pem, "wb").write(c.public_bytes(serialization.Encoding.PEM))
    open(ca_key_pem, "wb").write(pem_key(k))
ca = x509.load_pem_x509_certificate(open(ca_pem, "rb").read())
ca_key = serialization.load_pem_private_key(open(ca_key_pem, "rb").read(), None)
k = ec.generate_private_key(ec.SECP256R1())
c = (x509.CertificateBuilder()
     # The CN repeats the first SAN, as the Baseline Requirements (7.1.4.3)
     # and tern's web profile want.
     .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0] if dns else name)]))
     .issuer_name(ca.subject).public_key(k.public_key())
     .serial_number(x509.random_serial_number())
     .not_valid_before(now + datetime.timedelta(days=nb))
     .not_valid_after(now + datetime.timedelta(days=na))
     .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
     .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                    critical=True)
     .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
     .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
     .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                    critical=False)
     .sign(ca_key, hashes.SHA256()))
open(os.path.join(out, name + ".pem"), "wb").write(c.public_bytes(serialization.Encoding.PEM))
open(os.path.join(out, name + "-key.pem"), "wb").write(pem_key(k))
