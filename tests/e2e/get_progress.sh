#!/usr/bin/env bash
# tern get -o FILE on a terminal draws a progress line (bytes of the whole,
# rate, time left) and ends it with a summary; not when stderr is not a
# terminal, nor with --silent. The terminal is a pseudo-terminal from
# script(1).
source "$(dirname "$0")/lib/tool.sh"
need python3 script
make_site
truncate -s 200M "$SITE/large.bin"
start_serve "$SITE" --quiet
handshake_smoke
U=https://localhost:$PORT/large.bin
G="$TERN get --cafile $CA"

script -qec "$G -o $WORK/large.out $U" "$WORK/tty.log" >/dev/null </dev/null || { cat "$WORK/tty.log"; fail "tern get on a terminal failed"; }
cmp -s "$WORK/large.out" "$SITE/large.bin" || fail "the file differs"
tr '\r' '\n' <"$WORK/tty.log" | sed 's/\x1b\[K//g' >"$WORK/lines"
grep -Eq 'of 200\.0 MiB \([0-9]+%\) .* left' "$WORK/lines" || fail "no progress line with the whole and time left: $(head -c 600 "$WORK/lines")"
grep -Eq '(KiB|MiB|GiB)/s' "$WORK/lines" || fail "no rate: $(head -c 600 "$WORK/lines")"
grep -Eq '^  200\.0 MiB in [0-9.]+ s \(' "$WORK/lines" || fail "no closing summary: $(tail -c 300 "$WORK/lines")"
pass "progress on a terminal: $(grep -E '^  200\.0 MiB in' "$WORK/lines" | head -1)"

# Not a terminal: nothing but errors on stderr.
$G -o "$WORK/large2.out" "$U" 2>"$WORK/plain.err" || fail "tern get without a terminal failed"
[ ! -s "$WORK/plain.err" ] || fail "progress without a terminal: $(head -c 200 "$WORK/plain.err")"
# --silent on a terminal: no progress either.
script -qec "$G -s -o $WORK/large3.out $U" "$WORK/tty2.log" >/dev/null </dev/null || fail "tern get -s failed"
if grep -q 'MiB' "$WORK/tty2.log"; then fail "--silent drew progress: $(head -c 200 "$WORK/tty2.log")"; fi
pass "no progress off a terminal or with --silent"
echo "get_progress: all passed"
