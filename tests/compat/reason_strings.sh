#!/usr/bin/env bash
# Every libssl reason the layer queues has its words registered (programs
# print ERR_error_string_n: without them users read "reason(191)"), and
# the words are OpenSSL 3.0's own: each is checked against what Debian's
# libssl prints for the same code.
source "$(dirname "$0")/lib.bash"
need python3
dir=$SRC/compat/openssl
used=$(grep -oh 'SSL_R_[A-Z0-9_]*' "$dir"/*.c | sort -u)
registered=$(grep -oh 'ERR_PACK(ERR_LIB_SSL, 0, SSL_R_[A-Z0-9_]*' "$dir"/err.c "$dir"/client.c | sed 's/.*, //' | sort -u)
missing=$(comm -23 <(echo "$used") <(echo "$registered"))
[ -z "$missing" ] || fail "reasons queued without registered words: $missing"
n=$(wc -l <<<"$used")
pass "all $n libssl reasons the layer uses have registered words"

# The words against Debian's libssl: a C program prints each code's string
# with OpenSSL's own tables loaded.
prog=$WORK/reasons.c
{
  echo '#include <openssl/err.h>'
  echo '#include <openssl/ssl.h>'
  echo '#include <stdio.h>'
  echo 'int main(void) { OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, NULL);'
  for r in $used; do
    echo "  printf(\"$r %s\\n\", ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, $r)));"
  done
  echo '  return 0; }'
} >"$prog"
gcc -o "$WORK/reasons" "$prog" -lssl -lcrypto || fail "could not build the reason printer"
deb=$("$WORK/reasons")
ours=$(on_tern "$WORK/reasons")
[ "$deb" = "$ours" ] || { diff <(echo "$deb") <(echo "$ours") || true; fail "the words differ from OpenSSL's (< Debian, > tern)"; }
grep -q '^SSL_R_NO_PROTOCOLS_AVAILABLE no protocols available$' <<<"$ours" || fail "no protocols available: $ours"
pass "the words are OpenSSL 3.0's for every one of them"
