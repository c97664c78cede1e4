#!/usr/bin/env bash
# The house rules that keep the layers apart (DESIGN.md):
#  - only src/crypto/openssl.c includes an OpenSSL header;
#  - libtern links libcrypto and never libssl;
#  - the shared library exports only tern_* symbols;
#  - the tern command (tools/) uses the public API only: every header a file
#    under tools/ includes is the tools' own or one of include/tern/, never
#    one from src/.
set -euo pipefail
build=$1 src=$2
fail=0
leak=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"]openssl/' "$src/src" "$src/include" "$src/tools" \
       | sed "s|^$src/||" | grep -v '^src/crypto/openssl\.c$' || true)
if [ -n "$leak" ]; then
  echo "FAIL: OpenSSL headers included outside src/crypto/openssl.c: $leak"; fail=1
fi
# tools/ on the public API: each #include "X" must name tools/X or include/X
inside=""
for f in "$src"/tools/*.c "$src"/tools/*.h; do
  while IFS= read -r h; do
    if [ -e "$src/src/$h" ] || { [ ! -e "$src/tools/$h" ] && [ ! -e "$src/include/$h" ]; }; then
      inside="$inside ${f#$src/}:$h"
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
if [ -n "$inside" ]; then
  echo "FAIL: files under tools/ include headers that are not public (src/ is the library's):$inside"; fail=1
fi
ntools=$(ls "$src"/tools/*.c "$src"/tools/*.h | wc -l)
so=$(ls "$build"/libtern.so.* 2>/dev/null | head -1)
[ -n "$so" ] || { echo "FAIL: no libtern.so in $build"; exit 1; }
deps=$(ldd "$so")
grep -q 'libcrypto\.so' <<<"$deps" || { echo "FAIL: $so does not link libcrypto"; fail=1; }
if grep -q 'libssl\.so' <<<"$deps"; then echo "FAIL: $so links libssl"; fail=1; fi
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^tern_' | grep -v '^TERN' || true)
if [ -n "$bad" ]; then echo "FAIL: non-tern symbols exported: $(echo $bad | head -c 300)"; fail=1; fi
[ $fail -eq 0 ] && echo "layering ok: $(basename "$so") links libcrypto only, exports $(nm -D --defined-only "$so" | grep -c ' T tern_') tern_* functions; $ntools files under tools/ include only public or tools headers"
exit $fail
