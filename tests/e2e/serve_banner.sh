#!/usr/bin/env bash
# tern serve's banner names the port it really bound (--port 0 included),
# and the default address, localhost, is both 127.0.0.1 and ::1.
source "$(dirname "$0")/lib/tool.sh"
need python3
make_site
LOG=$WORK/banner.log
"$TERN" serve --port 0 --state-dir "$WORK/state" "$SITE" 2>"$LOG" &
PIDS+=($!)
for i in $(seq 100); do grep -q 'open:' "$LOG" && break; sleep 0.1; done
grep -q 'open:' "$LOG" || { cat "$LOG"; fail "no banner"; }
P=$(sed -n 's|^listening on https://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$LOG")
[ -n "$P" ] || fail "not listening on 127.0.0.1: $(cat "$LOG")"
if grep -q 'PORT' "$LOG"; then fail "the banner has a placeholder instead of the port: $(cat "$LOG")"; fi
grep -q "curl --cacert $WORK/state/ca.pem https://localhost:$P/" "$LOG" || fail "the trust hint lacks the real port: $(cat "$LOG")"
grep -q "open: *https://localhost:$P/" "$LOG" || fail "no URL to open: $(cat "$LOG")"
pass "the banner names port $P"

if python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
  grep -q "^listening on https://\[::1\]:$P/$" "$LOG" || fail "localhost did not listen on ::1 too: $(cat "$LOG")"
  for a in 127.0.0.1 '[::1]'; do
    out=$("$TERN" get --cafile "$WORK/state/ca.pem" --connect-to "$a:$P" "https://localhost:$P/hello.txt" 2>"$WORK/e") \
      || fail "no answer on $a: $(cat "$WORK/e")"
    [ "$out" = "plain text" ] || fail "$a: got '$out'"
  done
  pass "localhost is 127.0.0.1 and ::1"
else
  echo "no IPv6 loopback here: ::1 not checked"
fi
echo "serve_banner: all passed"
