#!/usr/bin/env bash
# The house rules that keep the layers apart (DESIGN.md):
#  - only src/crypto/openssl.c includes an OpenSSL header (and compat/openssl/,
#    below: it is not searched here);
#  - libtern links libcrypto and never libssl;
#  - the shared library exports only tern_* symbols;
#  - each layer calls only the layers below it: base < crypto < x509 <
#    record < hs < conn.c < io (read off the object files: a lower layer's
#    undefined symbols must not be defined by a higher one; so, for one,
#    nothing under src/hs/ calls a function defined in src/conn.c).
#  - the tern command (tools/) uses the public API only: every header a file
#    under tools/ includes is the tools' own or one of include/tern/, never
#    one from src/.
#  - the OpenSSL-compatible layer (compat/openssl/, libssl.so.3) is the
#    second place allowed to include OpenSSL's headers, and it reaches tern
#    only through include/tern/: its own headers or public ones, never src/.
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
# compat/openssl/ on the public API: each #include "X" names compat/openssl/X
# or include/X
compat_inside=""
for f in "$src"/compat/openssl/*.c "$src"/compat/openssl/*.h; do
  [ -e "$f" ] || continue
  while IFS= read -r h; do
    if [ -e "$src/src/$h" ] || { [ ! -e "$src/compat/openssl/$h" ] && [ ! -e "$src/include/$h" ]; }; then
      compat_inside="$compat_inside ${f#$src/}:$h"
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
if [ -n "$compat_inside" ]; then
  echo "FAIL: files under compat/openssl/ include headers that are not public:$compat_inside"; fail=1
fi
ntools=$(ls "$src"/tools/*.c "$src"/tools/*.h | wc -l)
so=$(ls "$build"/libtern.so.* 2>/dev/null | head -1 || true)
[ -n "$so" ] || { echo "FAIL: no libtern.so in $build"; exit 1; }
deps=$(ldd "$so")
grep -q 'libcrypto\.so' <<<"$deps" || { echo "FAIL: $so does not link libcrypto"; fail=1; }
if grep -q 'libssl\.so' <<<"$deps"; then echo "FAIL: $so links libssl"; fail=1; fi
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^tern_' | grep -v '^TERN' || true)
if [ -n "$bad" ]; then echo "FAIL: non-tern symbols exported: $(echo $bad | head -c 300)"; fail=1; fi
objs=$build/CMakeFiles/tern_objs.dir/src
layers=(base crypto x509 record hs conn io)
objects() { # LAYER: its object files whose source still exists (an
  # incremental build keeps the objects of files that moved away)
  local l=$1 o
  if [ "$l" = conn ]; then echo "$objs/conn.c.o"; return; fi
  for o in "$objs/$l"/*.o; do
    [ -f "$src/src/$l/$(basename "$o" .o)" ] && echo "$o"
  done
}
defined() { # LAYER: the global symbols its objects define
  mapfile -t f < <(objects "$1")
  nm --defined-only "${f[@]}" 2>/dev/null | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort -u
}
undefined() {
  mapfile -t f < <(objects "$1")
  nm --undefined-only "${f[@]}" 2>/dev/null | awk '{print $NF}' | sort -u
}
[ -f "$objs/conn.c.o" ] || { echo "FAIL: no object files under $objs"; fail=1; }
calls=0
for ((i = 0; i < ${#layers[@]}; i++)); do
  low=${layers[$i]}
  und=$(undefined "$low")
  for ((j = i + 1; j < ${#layers[@]}; j++)); do
    high=${layers[$j]}
    up=$(comm -12 <(echo "$und") <(defined "$high") || true)
    if [ -n "$up" ]; then
      echo "FAIL: $low calls up into $high: $(echo $up | head -c 300)"; fail=1
    fi
    calls=$((calls + 1))
  done
done
[ $fail -eq 0 ] && echo "layering ok: $calls layer pairs, none calls up: $(basename "$so") links libcrypto only, exports $(nm -D --defined-only "$so" | grep -c ' T tern_') tern_* functions; $ntools files under tools/ include only public or tools headers; compat/openssl/ only public or its own"
exit $fail
