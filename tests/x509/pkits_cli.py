#!/usr/bin/env python3
"""NIST PKITS through `tern verify --profile rfc5280 --purpose any`.

usage: pkits_cli.py TERN PKITS_DIR [-v]

PKITS_DIR is tests/vectors/pkits (see scripts/vendor-pkits.py): paths.txt
names each test's certificates (end entity first) and CRLs. Every test runs
as one invocation: the trust anchor is TrustAnchorRootCertificate, all the
test's CRLs are given with --crl and --require-crl (PKITS assumes that
revocation is checked for every certificate), at 2020-01-01 (inside the
validity of every good certificate). The verdict PKITS expects comes from
the end-entity certificate's file name (Valid.../Invalid...).

The tests are grouped into the sections of the PKITS description (4.1 to
4.16) by their names. Sections, or tests, that exercise what tern does not
implement are skipped with the reason. Prints per-section counts and a
closing 'N passed, N failed, N skipped' line; exits 1 on any disagreement.
"""
import base64
import os
import re
import subprocess
import sys
import tempfile

# (section, title, pattern on the test name); the first match wins.
SECTIONS = [
    ("4.4", "basic certificate revocation", r"BadCRLSignature|BadCRLIssuerName"),
    ("4.1", "signature verification", r"^(Valid|Invalid)?(Signatures|CASignature|EESignature|DSA)"),
    ("4.2", "validity periods", r"notBefore|notAfter|NotBefore|NotAfter"),
    ("4.3", "name chaining", r"NameChaining|RFC3280|UTF8String|Rollover"),
    ("4.5", "self-issued certificates", r"BasicSelfIssued"),
    ("4.6", "basic constraints", r"basicConstraints|cAFalse|pathLenConstraint"),
    ("4.7", "key usage", r"keyUsage"),
    ("4.9", "require explicit policy", r"RequireExplicitPolicy|requireExplicitPolicy"),
    ("4.11", "inhibit policy mapping", r"inhibitPolicyMapping"),
    ("4.10", "policy mappings", r"PolicyMapping|MappingFromanyPolicy|MappingToanyPolicy"),
    ("4.12", "inhibit any policy", r"inhibitAnyPolicy"),
    ("4.8", "certificate policies",
     r"Polic|anyPolicy|UserNotice|CPSPointer|CertificatePath"),
    ("4.13", "name constraints", r"nameConstraints"),
    ("4.15", "delta-CRLs", r"deltaCRL"),
    ("4.14", "distribution points",
     r"distributionPoint|IDP|onlyContains|onlySomeReasons|cRLIssuer|indirectCRL|CRLIssuer|"
     r"issuingDistributionPoint"),
    ("4.16", "private certificate extensions", r"CertificateExtension"),
    ("4.4", "basic certificate revocation",
     r"CRL|Revoked|SerialNumber|CertificateandCRLKeys"),
]

# Sections tern does not implement, with the reason.
SKIP_SECTIONS = {
    "4.8": "certificate policies: tern validates for any policy (the web's "
           "user-initial-policy-set) and keeps no valid_policy_tree (RFC 5280 6.1.2 (a))",
    "4.9": "requireExplicitPolicy needs the policy tree, which tern does not build",
    "4.10": "policy mappings need the policy tree, which tern does not build",
    "4.11": "inhibitPolicyMapping needs the policy tree, which tern does not build",
    "4.12": "inhibitAnyPolicy needs the policy tree, which tern does not build",
    "4.15": "delta CRLs (RFC 5280 5.2.4) are not implemented",
}
# Single tests outside those sections that need what tern does not do.
SKIP_TESTS = {
    "ValidDSASignaturesTest4": "DSA: tern verifies RSA, ECDSA and Ed25519 signatures only",
    "ValidDSAParameterInheritanceTest5": "DSA: tern verifies RSA, ECDSA and Ed25519 "
                                         "signatures only",
    "InvalidDSASignatureTest6": "DSA: tern refuses every DSA key, so it would pass for no "
                                "reason of its own",
}


def section_of(name):
    for num, title, pat in SECTIONS:
        if re.search(pat, name):
            return num, title
    return "?", "unclassified"


def pem(label, der):
    b = base64.b64encode(der).decode()
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (
        label, "\n".join(b[i:i + 64] for i in range(0, len(b), 64)), label)


def main():
    tern, root = sys.argv[1], sys.argv[2]
    verbose = "-v" in sys.argv[3:]
    tests = []
    for line in open(os.path.join(root, "paths.txt")):
        if line.startswith("#") or not line.strip():
            continue
        left, crls = line.split("|")
        name, *certs = left.split()
        tests.append((name, certs, crls.split()))
    stats = {}
    failed_total = 0
    with tempfile.TemporaryDirectory() as d:
        def der_file(kind, f):
            return open(os.path.join(root, kind, f), "rb").read()
        anchor = os.path.join(d, "anchor.pem")
        with open(anchor, "w") as f:
            f.write(pem("CERTIFICATE", der_file("certs", "TrustAnchorRootCertificate.crt")))
        for name, certs, crls in tests:
            num, title = section_of(name)
            st = stats.setdefault(num, [title, 0, 0, 0])
            expect_valid = certs[0].startswith("Valid")
            why = SKIP_SECTIONS.get(num) or SKIP_TESTS.get(name)
            if why:
                st[3] += 1
                if verbose:
                    print("skip %s %s: %s" % (num, name, why))
                continue
            chain = os.path.join(d, "chain.pem")
            with open(chain, "w") as f:
                f.write("".join(pem("CERTIFICATE", der_file("certs", c)) for c in certs))
            args = [tern, "verify", "--profile", "rfc5280", "--purpose", "any",
                    "--at", "2020-01-01T00:00:00Z", "--trust", anchor, "--require-crl"]
            for i, c in enumerate(crls):
                p = os.path.join(d, "crl%d.pem" % i)
                with open(p, "w") as f:
                    f.write(pem("X509 CRL", der_file("crls", c)))
                args += ["--crl", p]
            p = subprocess.run(args + [chain], capture_output=True, text=True)
            out = (p.stdout + p.stderr).strip()
            if p.returncode not in (0, 1) or (p.returncode == 0) != expect_valid:
                st[2] += 1
                print("DISAGREE %s %s: PKITS expects %s, tern: %s" % (
                    num, name, "valid" if expect_valid else "invalid", out))
            else:
                st[1] += 1
                if verbose:
                    print("ok %s %s: %s" % (num, name, out))
    passed = failed = skipped = 0
    print("PKITS through tern verify --profile rfc5280 --purpose any:")
    for num in sorted(stats, key=lambda s: [int(x) if x.isdigit() else 99 for x in s.split(".")]):
        title, ok, bad, skip = stats[num]
        passed, failed, skipped = passed + ok, failed + bad, skipped + skip
        line = "  %-5s %-32s %3d passed, %d failed, %d skipped" % (num, title, ok, bad, skip)
        if num in SKIP_SECTIONS:
            line += " (skipped: %s)" % SKIP_SECTIONS[num]
        print(line)
    for t, why in SKIP_TESTS.items():
        print("  skipped %s: %s" % (t, why))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed or passed == 0 else 0)


if __name__ == "__main__":
    main()
