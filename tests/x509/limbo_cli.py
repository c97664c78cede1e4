#!/usr/bin/env python3
"""x509-limbo through the `tern verify` command: one invocation per case.

usage: limbo_cli.py TERN LIMBO_JSON [ID_SUBSTRING] [-v]

Each case's certificates go to files in a temporary directory; webpki::
cases run with --profile web, all others with --profile rfc5280. The
purpose: clientAuth for CLIENT cases or cases asking for clientAuth,
serverAuth when the case asks for it or is a webpki:: case (the web
profile is for TLS servers), otherwise any. The verdict is the exit status
(0 valid, 1 invalid; anything else is an error of the harness or tool).

A case may be skipped only if it carries a pedantic-* feature (the SKIPS
below say why following it would refuse what browsers accept); the script
fails if a skip is not so marked. Prints one line per disagreement and a
closing 'N passed, N failed, N skipped' line; exits 1 on any disagreement.
"""
import json
import os
import subprocess
import sys
import tempfile

# id -> reason; only pedantic-* cases may be here.
SKIPS = {
    "rfc5280::aki::cross-signed-root-missing-aki":
        "pedantic-rfc5280: a trust anchor is taken as a name and a key (RFC 5280 6.1.1 (d)); "
        "refusing a cross-signed root for lacking an authorityKeyIdentifier would refuse "
        "anchors browsers accept (cve::cve-2024-0567 needs such an anchor accepted)",
    "webpki::san::public-suffix-private-namespace-wildcard-san":
        "pedantic-public-suffix-wildcard: *.s3.amazonaws.com is a wildcard over a private "
        "registration in the PSL; CAs issue such certificates and browsers accept them, so tern "
        "consults only the ICANN section",
}


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def args_for(case, d):
    cid = case["id"]
    web = cid.startswith("webpki::")
    args = ["verify"] + ([] if os.environ.get("NOPROFILE") else ["--profile", "web" if web else "rfc5280"])
    ekus = case.get("extended_key_usage") or []
    if case.get("validation_kind") == "CLIENT" or "clientAuth" in ekus:
        purpose = "client"
    elif "serverAuth" in ekus or web:
        purpose = "server"
    else:
        purpose = "any"
    args += ["--purpose", purpose]
    trust = os.path.join(d, "trust.pem")
    write(trust, "".join(case["trusted_certs"]))
    args += ["--trust", trust]
    chain = os.path.join(d, "chain.pem")
    write(chain, case["peer_certificate"] + "".join(case["untrusted_intermediates"]))
    for i, crl in enumerate(case.get("crls") or []):
        p = os.path.join(d, "crl%d.pem" % i)
        write(p, crl)
        args += ["--crl", p]
    if case.get("validation_time"):
        args += ["--at", case["validation_time"]]
    name = case.get("expected_peer_name")
    if name and purpose != "client":
        if name["kind"] == "IP":
            args += ["--ip", name["value"]]
        elif name["kind"] == "DNS":
            args += ["--host", name["value"]]
    if case.get("max_chain_depth") is not None:
        args += ["--max-depth", str(case["max_chain_depth"])]
    return args + [chain]


def main():
    tern, path = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    verbose = "-v" in rest
    only = [a for a in rest if a != "-v"]
    cases = json.load(open(path))["testcases"]
    passed = failed = skipped = 0
    for case in cases:
        cid = case["id"]
        if only and only[0] not in cid:
            continue
        if cid in SKIPS:
            if not any(f.startswith("pedantic-") for f in case.get("features") or []):
                print("BAD SKIP %s: not a pedantic-* case" % cid)
                failed += 1
                continue
            skipped += 1
            print("skip %s: %s" % (cid, SKIPS[cid]))
            continue
        with tempfile.TemporaryDirectory() as d:
            args = args_for(case, d)
            p = subprocess.run([tern] + args, capture_output=True, text=True)
        want = case["expected_result"] == "SUCCESS"
        out = (p.stdout + p.stderr).strip()
        if p.returncode not in (0, 1):
            print("ERROR %s: exit %d: %s" % (cid, p.returncode, out))
            failed += 1
        elif (p.returncode == 0) != want:
            print("DISAGREE %s: expected %s, got %s" % (cid, case["expected_result"], out))
            failed += 1
        else:
            passed += 1
            if verbose:
                print("ok %s: %s" % (cid, out))
    print("x509-limbo via tern verify: %d cases" % (passed + failed + skipped))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed or passed + failed + skipped == 0 else 0)


if __name__ == "__main__":
    main()
