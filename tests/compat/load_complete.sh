#!/usr/bin/env bash
# tern's libssl.so.3 loads under Debian's curl and nginx: both are linked
# with BIND_NOW, so every libssl function they import (their undefined
# symbols that Debian's libssl.so.3 defines) must exist in ours, in the
# OPENSSL_3.0.0 version node. Also: the SONAME, nothing of tern exported,
# compat/openssl/MATRIX.md giving each import a status, and the dynamic
# loader resolving every symbol of both programs against our library.
source "$(dirname "$0")/lib.bash"
need nm readelf ldd
ours=$TLIB/libssl.so.3
deb=/usr/lib/x86_64-linux-gnu/libssl.so.3
curl_lib=/usr/lib/x86_64-linux-gnu/libcurl.so.4
nginx=/usr/sbin/nginx
for f in "$deb" "$curl_lib" "$nginx"; do
  [ -e "$f" ] || fail "$f is missing; run: scripts/deps.sh check (as root)"
done

soname=$(readelf -d "$ours" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libssl.so.3 ] || fail "SONAME is '$soname', not libssl.so.3"
defs=$(nm -D --defined-only "$ours" | awk '$2 != "A" {print $3}')
bad=$(grep -v '@@OPENSSL_3\.0\.0$' <<<"$defs" || true)
[ -z "$bad" ] || fail "exports outside the OPENSSL_3.0.0 node: $(echo $bad | head -c 300)"
ourset=$(sed 's/@.*//' <<<"$defs" | sort -u)
if grep -qv '^\(SSL\|TLS\|OPENSSL\|d2i\|i2d\)_' <<<"$ourset"; then
  fail "exports that are not libssl names: $(grep -v '^\(SSL\|TLS\|OPENSSL\|d2i\|i2d\)_' <<<"$ourset" | head -5)"
fi
grep -q '^tern_' <<<"$ourset" && fail "tern's own symbols leak out of libssl.so.3"
if grep -q 'libssl\.so\|libtern' <<<"$(ldd "$ours")"; then fail "libssl.so.3 links libssl or libtern.so"; fi
debset=$(nm -D --defined-only "$deb" | awk '{print $3}' | sed 's/@.*//' | sort -u)

matrix=$SRC/compat/openssl/MATRIX.md
total=0
for prog in "$nginx" "$curl_lib"; do
  imports=$(nm -D --undefined-only "$prog" | awk '{print $2}' | sed 's/@.*//' | sort -u |
            comm -12 - <(echo "$debset"))
  n=$(grep -c . <<<"$imports")
  missing=$(comm -23 <(echo "$imports") <(echo "$ourset") || true)
  [ -z "$missing" ] || fail "$(basename "$prog") imports libssl functions tern's libssl lacks: $(echo $missing)"
  unlisted=""
  for f in $imports; do
    grep -qE "^\| \`$f\` \| (implemented|no-op|fails loudly) \|" "$matrix" || unlisted="$unlisted $f"
  done
  [ -z "$unlisted" ] || fail "MATRIX.md gives no status for:$unlisted"
  pass "$(basename "$prog"): all $n libssl imports exist in tern's libssl.so.3 and have a status in MATRIX.md"
  total=$((total + n))
done

# The loader, as BIND_NOW would: every symbol of both programs resolves
# (ldd -r relocates without running the program).
for prog in "$nginx" /usr/bin/curl; do
  out=$(LD_LIBRARY_PATH=$TLIB ldd -r "$prog" 2>&1)
  grep -q "$TLIB/libssl.so.3" <<<"$out" || fail "$prog does not pick up tern's libssl.so.3: $out"
  if grep -q 'undefined symbol' <<<"$out"; then
    fail "$prog has undefined symbols on tern's libssl: $(grep 'undefined symbol' <<<"$out" | head -5)"
  fi
done
v=$(LD_BIND_NOW=1 on_tern curl --version) || fail "curl does not start on tern's libssl"
grep -q '^curl ' <<<"$v" || fail "curl --version printed: $v"
pass "nginx and curl resolve every symbol against tern's libssl.so.3; curl starts with BIND_NOW"
