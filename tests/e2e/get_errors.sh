#!/usr/bin/env bash
# When tern get fails it exits non-zero with one sentence from the library
# that says what was wrong: an untrusted CA, a name the certificate does
# not cover, nobody listening, a URL it does not take.
source "$(dirname "$0")/lib/tool.sh"
need python3 openssl
make_site
start_serve "$SITE"
handshake_smoke
U=https://localhost:$PORT

# Not trusted: the system bundle does not hold the development CA.
if "$TERN" get "$U/hello.txt" >/dev/null 2>"$WORK/e1"; then fail "tern get trusted an unknown CA"; fi
[ "$(wc -l <"$WORK/e1")" -ge 1 ] && grep -qi 'certificate\|issuer\|trust\|CA' "$WORK/e1" \
  || fail "the untrusted-CA sentence says nothing useful: $(cat "$WORK/e1")"
# The certificate does not cover the name asked for.
if "$TERN" get --cafile "$CA" --connect-to "127.0.0.1:$PORT" "https://wrong.example/hello.txt" >/dev/null 2>"$WORK/e2"; then
  fail "tern get accepted a certificate for another name"
fi
grep -q 'wrong.example' "$WORK/e2" || fail "the name-mismatch sentence does not name the host: $(cat "$WORK/e2")"
# --connect-to with the right name works.
out=$("$TERN" get --cafile "$CA" --connect-to "127.0.0.1:$PORT" "https://localhost/hello.txt") || fail "--connect-to failed"
[ "$out" = "plain text" ] || fail "--connect-to got '$out'"
# --insecure says it is dangerous, and works.
"$TERN" get --insecure "$U/hello.txt" >/dev/null 2>"$WORK/e3" || fail "--insecure failed"
grep -q 'WARNING' "$WORK/e3" || fail "--insecure did not warn"
help=$("$TERN" get --help)
grep -q 'DANGEROUS' <<<"$help" || fail "the help does not call --insecure dangerous"
pass "verification failures are refused with a sentence"

closed=$(free_port)
if "$TERN" get --cafile "$CA" "https://localhost:$closed/" 2>"$WORK/e4"; then fail "a closed port succeeded"; fi
grep -q "cannot connect" "$WORK/e4" || fail "refused connection sentence: $(cat "$WORK/e4")"
set +e
"$TERN" get "http://localhost/" 2>"$WORK/e5"; rc=$?
set -e
[ $rc = 2 ] && grep -q 'https' "$WORK/e5" || fail "http:// URL: rc $rc, $(cat "$WORK/e5")"
# An https URL aimed at a plain-HTTP port: the sentence says so.
plain=$(free_port)
python3 -m http.server "$plain" --bind 127.0.0.1 >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$plain" "$!" || fail "python3 -m http.server did not start"
if "$TERN" get --cafile "$CA" "https://localhost:$plain/" 2>"$WORK/e6"; then fail "a plain HTTP port succeeded"; fi
grep -q "plain text.*not TLS" "$WORK/e6" || fail "plain HTTP port sentence: $(cat "$WORK/e6")"
pass "connection and usage errors"
echo "get_errors: all passed"
