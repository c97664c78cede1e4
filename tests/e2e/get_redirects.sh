#!/usr/bin/env bash
# tern get -L follows redirects as curl -L does: only the final response's
# body is written (to stdout or -o), at most 10 redirects, a loop is named
# as a loop, and a redirect from https to http is refused.
source "$(dirname "$0")/lib/tool.sh"
need python3 openssl
openssl_pki
RP=$(free_port)
python3 "$SRC/tests/e2e/lib/redirect_server.py" "$RP" "$OLEAF" "$OKEY" 2>"$WORK/py.log" &
PIDS+=($!)
wait_port "$RP" "$!" || { cat "$WORK/py.log"; fail "the redirect server did not start"; }
get_smoke "https://localhost:$RP/final" "$OCA"
U=https://localhost:$RP
G=("$TERN" get --cafile "$OCA")

# The redirect's own body is not part of the output, with or without -o.
out=$("${G[@]}" -L "$U/moved" 2>"$WORK/e1") || { cat "$WORK/e1"; fail "-L /moved failed"; }
[ "$out" = "final-body" ] || fail "-L wrote '$out' (the redirect's body leaked into the output)"
"${G[@]}" -L -o "$WORK/f" "$U/moved" 2>"$WORK/e2" || { cat "$WORK/e2"; fail "-L -o failed"; }
[ "$(cat "$WORK/f")" = "final-body" ] || fail "-L -o wrote '$(cat "$WORK/f")'"
grep -q 'following the redirect' "$WORK/e2" || fail "no note of the redirect: $(cat "$WORK/e2")"
# Without -L the redirect's body is the output (curl does the same).
out=$("${G[@]}" "$U/moved" 2>/dev/null) || fail "without -L /moved failed"
[ "$out" = "moved-body" ] || fail "without -L got '$out'"
# A relative reference is resolved against the current URL.
out=$("${G[@]}" -L "$U/rel" 2>"$WORK/e3") || { cat "$WORK/e3"; fail "-L /rel failed"; }
[ "$out" = "final-body" ] || fail "-L /rel wrote '$out'"
pass "-L writes only the final response's body"

# Ten redirects are followed; the eleventh is not.
out=$("${G[@]}" -L "$U/hop/10" 2>"$WORK/e4") || { cat "$WORK/e4"; fail "10 redirects were not followed"; }
[ "$out" = "hops-done" ] || fail "10 redirects: '$out'"
if out=$("${G[@]}" -L "$U/hop/11" 2>"$WORK/e5"); then fail "11 redirects were followed"; fi
[ -z "$out" ] || fail "a refused chain still wrote '$out'"
grep -q 'more than 10 redirects' "$WORK/e5" || fail "11 redirects: $(cat "$WORK/e5")"
# A loop is named as one, with the URL it returns to.
if "${G[@]}" -L "$U/loop-a" >"$WORK/o6" 2>"$WORK/e6"; then fail "a redirect loop succeeded"; fi
grep -q "redirect loop" "$WORK/e6" && grep -q "/loop-a" "$WORK/e6" \
  || fail "the loop is not named: $(cat "$WORK/e6")"
[ ! -s "$WORK/o6" ] || fail "a redirect loop wrote '$(cat "$WORK/o6")'"
# https -> http is refused, with a sentence saying why.
if "${G[@]}" -L "$U/to-http" >"$WORK/o7" 2>"$WORK/e7"; then fail "a redirect to http:// was followed"; fi
grep -q "from https to http" "$WORK/e7" || fail "https->http: $(cat "$WORK/e7")"
[ ! -s "$WORK/o7" ] || fail "the refused redirect wrote '$(cat "$WORK/o7")'"
pass "at most 10 redirects, loops named, https->http refused"
echo "get_redirects: all passed"
