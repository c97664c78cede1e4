#!/usr/bin/env bash
# tern cert issue does not turn a mistyped IP address into a DNS name: a
# name of digits and dots that is not an IPv4 address, or a name with ':'
# or brackets that is not an IPv6 address, is refused with a sentence;
# a bracketed IPv6 address is taken as the address.
source "$(dirname "$0")/lib/tool.sh"
need openssl
S=$WORK/state
cd "$WORK"
for bad in 10.0.0.256 999.1.1.1 1.2.3 1.2.3.4.5 ::1::2 '[fe80::zz]' 'host:8443' '[::1'; do
  set +e
  "$TERN" cert issue --state-dir "$S" --out-dir "$WORK" --out bad "$bad" >/dev/null 2>"$WORK/err"; rc=$?
  set -e
  [ $rc = 1 ] || fail "'$bad' was accepted (rc $rc)"
  grep -qF "'$bad' is not a valid IPv" "$WORK/err" || fail "'$bad': $(cat "$WORK/err")"
  [ ! -e "$WORK/bad.pem" ] || fail "'$bad' left a certificate behind"
done
pass "mistyped addresses are refused with a sentence"

"$TERN" cert issue --state-dir "$S" --out-dir "$WORK" --out ok 10.0.0.255 '[::1]' 2001:db8::1 localhost \
  >/dev/null 2>"$WORK/err" || fail "valid names refused: $(cat "$WORK/err")"
san=$(openssl x509 -in "$WORK/ok.pem" -noout -ext subjectAltName)
grep -q 'IP Address:10.0.0.255' <<<"$san" && grep -q 'IP Address:0:0:0:0:0:0:0:1' <<<"$san" \
  && grep -q 'IP Address:2001:DB8:0:0:0:0:0:1' <<<"$san" && grep -q 'DNS:localhost' <<<"$san" \
  || fail "the SANs are wrong: $san"
if grep -q 'DNS:.*[0-9]\.[0-9]' <<<"$san"; then fail "an address became a DNS name: $san"; fi
pass "valid addresses become iPAddress SANs ([::1] included)"
echo "cert_names: all passed"
