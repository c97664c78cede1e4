#!/usr/bin/env bash
# tern serve checks its certificate at start-up as a client would (dates,
# serverAuth, the names it serves) and warns with the sentence the client
# would get; --strict refuses to start instead.
source "$(dirname "$0")/lib/tool.sh"
need python3
python3 -c 'import cryptography' 2>/dev/null || skip "python3-cryptography is not installed"
make_site
P=$WORK/pki
python3 "$SRC/tests/e2e/lib/mkcert.py" "$P" expired -30 -1 localhost
python3 "$SRC/tests/e2e/lib/mkcert.py" "$P" future 10 40 localhost
python3 "$SRC/tests/e2e/lib/mkcert.py" "$P" other -1 30 other.example
python3 "$SRC/tests/e2e/lib/mkcert.py" "$P" good -1 30 localhost

# serve_log CERT [options]: start, and leave the start-up text in SERVE_LOG.
start_with() {
  local c=$1; shift
  start_serve "$SITE" --cert "$P/$c.pem" --key "$P/$c-key.pem" "$@"
}

start_with good
handshake_smoke_ca() { "$TERN" get --cafile "$P/ca.pem" "https://localhost:$PORT/hello.txt" >/dev/null; }
handshake_smoke_ca || fail "the good certificate does not work"
if grep -q 'WARNING' "$SERVE_LOG"; then fail "a good certificate was warned about: $(cat "$SERVE_LOG")"; fi
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true

for c in expired future other; do
  start_with "$c"
  grep -q "WARNING: clients will refuse this certificate for 'localhost'" "$SERVE_LOG" \
    || fail "$c: no warning at start-up: $(cat "$SERVE_LOG")"
  warn=$(sed -n "s/.*clients will refuse this certificate for 'localhost': //p" "$SERVE_LOG")
  # The client's own sentence says the same (up to the time it checked).
  if "$TERN" get --cafile "$P/ca.pem" "https://localhost:$PORT/hello.txt" >/dev/null 2>"$WORK/c.$c"; then
    fail "$c: a client accepted the certificate"
  fi
  stem=${warn%% (checked at*}
  grep -qF "$stem" "$WORK/c.$c" || fail "$c: the warning '$warn' is not the client's sentence: $(cat "$WORK/c.$c")"
  kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
done
grep -q "expired on" "$SERVE_LOG" || true
pass "start-up warnings carry the client's sentence (expired, not yet valid, other name)"

# --name checks other names; --strict refuses to start.
set +e
"$TERN" serve --port 0 --state-dir "$WORK/state" --cert "$P/good.pem" --key "$P/good-key.pem" \
  --name www.example --strict "$SITE" 2>"$WORK/strict.log" & spid=$!
PIDS+=($spid)
for i in $(seq 50); do kill -0 $spid 2>/dev/null || break; sleep 0.1; done
kill -0 $spid 2>/dev/null && fail "--strict started with a certificate not covering --name: $(cat "$WORK/strict.log")"
wait $spid; rc=$?
set -e
[ $rc = 1 ] || fail "--strict exit status $rc"
grep -q "does not cover 'www.example'\|www.example" "$WORK/strict.log" && grep -q "not starting (--strict)" "$WORK/strict.log" \
  || fail "--strict: $(cat "$WORK/strict.log")"
if grep -q '^listening' "$WORK/strict.log"; then fail "--strict listened anyway"; fi
pass "--strict refuses to start; --name names what is checked"
# An encrypted key: refused without --key-pass (with the hint), served with it.
if command -v openssl >/dev/null; then
  openssl pkcs8 -topk8 -in "$P/good-key.pem" -passout pass:pw -out "$P/good-key.enc" 2>/dev/null
  if "$TERN" serve --port 0 --state-dir "$WORK/state" --cert "$P/good.pem" --key "$P/good-key.enc" "$SITE" 2>"$WORK/enc.log"; then
    fail "serve started with an encrypted key and no password"
  fi
  grep -q 'is encrypted.*--key-pass' "$WORK/enc.log" || fail "encrypted key: $(cat "$WORK/enc.log")"
  start_serve "$SITE" --cert "$P/good.pem" --key "$P/good-key.enc" --key-pass pass:pw
  "$TERN" get --cafile "$P/ca.pem" "https://localhost:$PORT/hello.txt" >/dev/null || fail "--key-pass: no service"
  pass "tern serve --key-pass"
fi
echo "serve_cert_check: all passed"
