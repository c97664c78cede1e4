#!/usr/bin/env bash
# tern serve --max-conns: when full it stops accepting (new connections wait
# in the kernel's backlog, not accepted and closed), a connection that waits
# over a second makes room by closing the oldest one still in its handshake,
# and the log says so once per burst.
source "$(dirname "$0")/lib/tool.sh"
need python3
make_site
start_serve "$SITE" --max-conns 2 --timeout 30
handshake_smoke

# Two idle TCP sockets that never send a ClientHello hold both places.
python3 - "$PORT" >"$WORK/idle.out" 2>&1 <<'PY' &
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(2)]
print("open", flush=True)
time.sleep(60)
PY
PIDS+=($!)
for i in $(seq 50); do grep -q open "$WORK/idle.out" && break; sleep 0.1; done
sleep 0.3
t0=$(date +%s%N)
out=$("$TERN" get --timeout 10 --cafile "$CA" "https://localhost:$PORT/hello.txt" 2>"$WORK/g1") \
  || fail "two idle sockets locked a client out: $(cat "$WORK/g1"); server: $(cat "$SERVE_LOG")"
t1=$(date +%s%N)
[ "$out" = "plain text" ] || fail "got '$out'"
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 5000 ] || fail "the waiting client took $ms ms (the eviction should come after ~1 s)"
[ "$ms" -ge 800 ] || fail "the client got in after $ms ms: was the limit enforced?"
grep -q 'connection limit 2 reached' "$SERVE_LOG" || fail "no note of the limit: $(cat "$SERVE_LOG")"
grep -q 'closed during its handshake to make room' "$SERVE_LOG" || fail "no note of the eviction: $(cat "$SERVE_LOG")"
pass "idle sockets at the limit: a new client waits ~1 s ($ms ms), then the oldest handshake makes room"

# Two established keep-alive connections cannot be evicted: a new client
# waits in the backlog (it is not accepted and closed) until one leaves.
python3 - "$PORT" "$CA" >"$WORK/ka.out" 2>&1 <<'PY' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
cs = []
for _ in range(2):
    c = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
    c.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
    c.recv(4096)
    cs.append(c)
print("open", flush=True)
time.sleep(3)
for c in cs:
    c.close()
print("closed", flush=True)
time.sleep(30)
PY
PIDS+=($!)
for i in $(seq 100); do grep -q open "$WORK/ka.out" && break; sleep 0.1; done
grep -q open "$WORK/ka.out" || fail "the keep-alive client did not connect: $(cat "$WORK/ka.out")"
t0=$(date +%s%N)
out=$("$TERN" get --timeout 15 --cafile "$CA" "https://localhost:$PORT/hello.txt" 2>"$WORK/g2") \
  || fail "a client at the limit was refused: $(cat "$WORK/g2")"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ "$out" = "plain text" ] || fail "got '$out'"
[ "$ms" -ge 2000 ] || fail "the client got in after $ms ms although both places were busy"
n=$(grep -c 'connection limit 2 reached' "$SERVE_LOG")
[ "$n" -le 2 ] || fail "the limit was noted $n times"
pass "busy connections at the limit: the new client waited $ms ms in the backlog, then was served"
echo "serve_limit: all passed"
