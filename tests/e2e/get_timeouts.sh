#!/usr/bin/env bash
# tern get --connect-timeout and --max-time (tern_connect's deadline and
# the connection's I/O deadline underneath): a server that accepts TCP but
# never starts TLS, and one that completes the handshake but never answers
# the request, each stopped near the time given with a sentence naming the
# option; a fast server is not disturbed; bad values are usage errors.
source "$(dirname "$0")/lib/tool.sh"
need python3 openssl
openssl_pki

elapsed() { python3 -c "import time,sys; print(int((time.monotonic()-float(sys.argv[1]))*1000))" "$1"; }
now() { python3 -c 'import time; print(time.monotonic())'; }

# A listener that never accepts: TCP connects, TLS never starts.
mute=$(free_port)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $mute)); s.listen(8); time.sleep(60)" &
PIDS+=($!)
wait_port "$mute" "${PIDS[-1]}" || fail "the mute listener did not start"
t0=$(now)
set +e
"$TERN" get --cafile "$OCA" --connect-timeout 0.6 "https://localhost:$mute/" >/dev/null 2>"$WORK/e1"
rc=$?
set -e
ms=$(elapsed "$t0")
[ "$rc" = 1 ] || fail "--connect-timeout: exit $rc, $(cat "$WORK/e1")"
[ "$ms" -ge 550 ] && [ "$ms" -lt 3000 ] || fail "--connect-timeout 0.6 took $ms ms"
grep -q "during the handshake" "$WORK/e1" && grep -q -- "--connect-timeout" "$WORK/e1" \
  || fail "--connect-timeout sentence: $(cat "$WORK/e1")"
pass "--connect-timeout 0.6 stopped a silent server after $ms ms"

# A server that completes the handshake and then says nothing.
port=$(free_port)
# Its standard input stays open (a FIFO this shell holds) so it waits
# instead of quitting, with no helper process left behind.
mkfifo "$WORK/stdin"
exec 7<>"$WORK/stdin"
openssl s_server -accept "$port" -cert "$OLEAF" -key "$OKEY" -quiet <"$WORK/stdin" >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$port" "${PIDS[-1]}" || fail "s_server did not start"
t0=$(now)
set +e
"$TERN" get --cafile "$OCA" --connect-timeout 5 --max-time 1 "https://localhost:$port/" \
  >/dev/null 2>"$WORK/e2"
rc=$?
set -e
ms=$(elapsed "$t0")
[ "$rc" = 1 ] || fail "--max-time: exit $rc, $(cat "$WORK/e2")"
[ "$ms" -ge 950 ] && [ "$ms" -lt 4000 ] || fail "--max-time 1 took $ms ms"
grep -q "reading the response failed" "$WORK/e2" && grep -q -- "stopped by --max-time" "$WORK/e2" \
  || fail "--max-time sentence: $(cat "$WORK/e2")"
pass "--max-time 1 stopped a server that never answers after $ms ms"

# --max-time also bounds the connect and handshake.
t0=$(now)
if "$TERN" get --cafile "$OCA" --max-time 0.5 "https://localhost:$mute/" >/dev/null 2>"$WORK/e3"; then
  fail "--max-time: a silent server succeeded"
fi
ms=$(elapsed "$t0")
[ "$ms" -lt 3000 ] && grep -q -- "--max-time" "$WORK/e3" \
  || fail "--max-time during the handshake: $ms ms, $(cat "$WORK/e3")"
pass "--max-time 0.5 bounds the handshake too ($ms ms)"

# A server that answers at once is not disturbed.
www=$(free_port)
openssl s_server -accept "$www" -cert "$OLEAF" -key "$OKEY" -www -quiet >/dev/null 2>&1 &
PIDS+=($!)
wait_port "$www" "${PIDS[-1]}" || fail "s_server -www did not start"
out=$("$TERN" get --cafile "$OCA" --connect-timeout 5 --max-time 10 "https://localhost:$www/") \
  || fail "a fast server failed under --max-time"
grep -q "Cipher" <<<"$out" || fail "the fast server's page: $out"
pass "a fast server's page arrives under both limits"

for bad in 0 -1 abc 1e9 ""; do
  set +e
  "$TERN" get --max-time "$bad" "https://localhost:$www/" >/dev/null 2>"$WORK/e4"
  rc=$?
  "$TERN" get --connect-timeout "$bad" "https://localhost:$www/" >/dev/null 2>>"$WORK/e4"
  rc2=$?
  set -e
  [ "$rc" = 2 ] && [ "$rc2" = 2 ] || fail "value '$bad': exit $rc/$rc2"
  grep -q "wants a number of seconds" "$WORK/e4" || fail "value '$bad': $(cat "$WORK/e4")"
done
pass "bad values are usage errors"
