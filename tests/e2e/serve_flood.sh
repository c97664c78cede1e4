#!/usr/bin/env bash
# Two peers that keep their sockets full (pipelined requests, sent faster
# than they are answered, replies read and dropped) beside an honest client:
# tern serve gives each connection a bounded share of every event-loop turn,
# so the work done for others while the honest client waits is at most
# their shares of the turns it waited. Counted in turns and steps
# (--log-turns), not timed: on two shared cores the client's own speed sets
# the number of turns. Before the share, a flooder was served for as long
# as its socket stayed full, thousands of steps in a turn or two.
source "$(dirname "$0")/lib/tool.sh"
need python3
make_site
start_serve "$SITE" --log-turns --timeout 3
handshake_smoke

honest_turns() {
  local before out
  before=$(grep -c ' /hello.txt 200 ' "$SERVE_LOG" || true)
  out=$("$TERN" get --cafile "$CA" "https://localhost:$PORT/hello.txt") || fail "the honest fetch failed"
  [ "$out" = "plain text" ] || fail "the honest fetch printed '$out'"
  for _ in $(seq 50); do
    [ "$(grep -c ' /hello.txt 200 ' "$SERVE_LOG" || true)" -gt "$before" ] && break
    sleep 0.1
  done
  grep ' /hello.txt 200 ' "$SERVE_LOG" | tail -1 | sed -n 's/.* turns=\([0-9]*\) steps=\([0-9]*\)$/\1 \2/p'
}
read -r alone alone_steps <<<"$(honest_turns)"
[ -n "$alone" ] || fail "no turns= in the log: $(tail -3 "$SERVE_LOG")"

cat >"$WORK/flood.py" <<'PY'
import socket, ssl, sys, threading
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
def drain():
    try:
        while s.recv(1 << 16):
            pass
    except OSError:
        pass
threading.Thread(target=drain, daemon=True).start()
burst = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n" * 2000
print("flooding", flush=True)
try:
    while True:
        s.sendall(burst)
except OSError:
    pass
PY
for f in 1 2; do
  python3 "$WORK/flood.py" "$PORT" "$CA" >"$WORK/flood$f.out" 2>&1 &
  PIDS+=("$!")
done
for _ in $(seq 100); do
  [ "$(grep -c ' /index.html 200 ' "$SERVE_LOG" || true)" -gt 4000 ] && break
  sleep 0.1
done
[ "$(grep -c ' /index.html 200 ' "$SERVE_LOG" || true)" -gt 4000 ] || fail "the flooders were not being served: $(cat "$WORK"/flood*.out)"
# Three honest fetches: one may by chance be served in the turn it arrives.
for try in 1 2 3; do
  read -r busy busy_steps <<<"$(honest_turns)"
  [ -n "$busy" ] || fail "the honest client was not served beside the flooders"
  echo "honest client: $alone turns and $alone_steps steps alone; $busy turns and $busy_steps steps beside two flooders"
  # Each turn, each flooder gets at most one share of 16 steps (tools/serve.c
  # SERVE_STEP_BUDGET) and one more step for an event of the same turn.
  bound=$((alone_steps + (busy + 1) * 2 * 17))
  [ "$busy_steps" -le "$bound" ] || fail "$busy_steps steps were spent while the honest client waited $busy turns (at most $bound with fair shares)"
done
pass "an honest client is served beside two flooding peers ($busy turns, $busy_steps steps; $alone turns, $alone_steps steps alone)"
echo "serve_flood: all passed"
