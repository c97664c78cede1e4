#!/usr/bin/env bash
# tern verify: exit codes and the one-line verdicts, on tests/x509 fixtures.
set -u
build=$1 src=$2
tern=$build/tern
[ -x "$tern" ] || { echo "SKIP: $tern not built"; exit 77; }
fx=$src/tests/x509
fail=0
# expect CODE PATTERN ARGS...: run tern verify, check exit code and output
expect() {
  local want=$1 pattern=$2; shift 2
  local out rc
  out=$("$tern" verify "$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL: tern verify $* -> exit $rc (want $want), output: $out (want: $pattern)"; fail=1
  else
    echo "ok: exit $rc: $(head -1 <<<"$out" | cut -c1-150)"
  fi
}
nb=$(openssl x509 -in "$fx/leaf.pem" -noout -startdate | cut -d= -f2)
at=$(( $(date -d "$nb" +%s) + 86400 ))
late=$(( $(date -d "$(openssl x509 -in "$fx/leaf.pem" -noout -enddate | cut -d= -f2)" +%s) + 1 ))

expect 0 "OK: 'CN=www.example.com' <- 'CN=Tern Test Intermediate' <- 'CN=Tern Test Root' (trust anchor)" \
  --trust "$fx/root.pem" --host www.example.com --at "$at" "$fx/chain.pem"
expect 0 "OK:" --trust "$fx/root.pem" --untrusted "$fx/inter.pem" --ip 2001:db8::1 --at "$at" "$fx/leaf.pem"
expect 0 "<- 'CN=Tern Test Root' (trust anchor), for clientAuth" --trust "$fx/root.pem" --purpose client --at "$at" "$fx/chain.pem"
expect 1 "FAIL: 'example.org' is not one of the certificate's names" \
  --trust "$fx/root.pem" --host example.org --at "$at" "$fx/chain.pem"
expect 1 "expired on" --trust "$fx/root.pem" --at "$late" "$fx/chain.pem"
expect 1 "[TERN_E_CERTIFICATE_EXPIRED, expired]" --trust "$fx/root.pem" --at "$late" "$fx/chain.pem"
expect 1 "[TERN_E_NAME_MISMATCH, name mismatch]" --trust "$fx/root.pem" --host example.org --at "$at" "$fx/chain.pem"
expect 1 "[TERN_E_CERTIFICATE_REVOKED, revoked]" --trust "$fx/root.pem" --crl "$fx/revoked.crl" --at "$at" "$fx/chain.pem"
expect 1 "whose issuer 'CN=Tern Test Root' is not in the trust store" \
  --trust "$fx/other_root.pem" --at "$at" "$fx/chain.pem"
expect 1 "was revoked on" --trust "$fx/root.pem" --crl "$fx/revoked.crl" --at "$at" "$fx/chain.pem"
expect 0 "OK:" --trust "$fx/root.pem" --crl "$fx/empty.crl" --at "$at" "$fx/chain.pem"
expect 1 "[TERN_E_UNKNOWN_CA, unknown issuer]" --at "$at" "$fx/chain.pem"   # system bundle: not our test root
expect 2 "no certificate file given" --trust "$fx/root.pem"
expect 2 "unknown option '--frobnicate'" --frobnicate "$fx/chain.pem"
expect 2 "--at 'soon' is neither RFC 3339" --at soon "$fx/chain.pem"
expect 2 "--purpose 'both' is not server, client or any" --purpose both "$fx/chain.pem"
expect 2 "--ip '1.2.3' is not an IPv4 or IPv6 address" --ip 1.2.3 "$fx/chain.pem"
# profiles and purposes (issue 20); limbo and PKITS exercise them case by case
expect 0 "for any purpose, rfc5280 profile" --profile rfc5280 --purpose any --trust "$fx/root.pem" --at "$at" "$fx/chain.pem"
expect 0 "for serverAuth, web profile" --profile web --trust "$fx/root.pem" --at "$at" "$fx/chain.pem"
expect 0 "OK:" --max-depth 255 --trust "$fx/root.pem" --at "$at" "$fx/chain.pem"
expect 2 "--max-depth '256' is not a number from 0 to 255" --max-depth 256 "$fx/chain.pem"
expect 2 "--profile 'browser' is neither web nor rfc5280" --profile browser "$fx/chain.pem"
expect 1 "no CRL issued by 'CN=Tern Test Intermediate' was given" --require-crl --trust "$fx/root.pem" --at "$at" "$fx/chain.pem"
expect 1 "no CRL issued by 'CN=Tern Test Root' was given" --require-crl --crl "$fx/empty.crl" --trust "$fx/root.pem" --at "$at" "$fx/chain.pem"
# more than 64 PEM blocks load: the leaf, then 70 copies of the intermediate
many=$(mktemp); cat "$fx/chain.pem" > "$many"
for _ in $(seq 70); do sed -n '/BEGIN/,/END/p' "$fx/inter.pem" >> "$many"; done
expect 0 "OK:" --trust "$fx/root.pem" --at "$at" "$many"
rm -f "$many"
expect 2 "cannot open" --trust "$fx/root.pem" /nonexistent/cert.pem
expect 2 "no CERTIFICATE PEM block" --trust "$fx/root.pem" "$fx/leaf.key"
expect 0 "exit status:" --help
exit $fail
