#!/usr/bin/env bash
# make load: `tern serve` under load over loopback, bounded in time.
#   1. wrk, keep-alive: LOAD_CONNS connections (default 1000) at once for
#      LOAD_KEEPALIVE_SECONDS (default 15): requests/s.
#   2. wrk, "Connection: close": every request a new TLS handshake, until
#      LOAD_HANDSHAKES (default 100000) are done (each phase is cut at
#      LOAD_SECONDS, default 240): handshakes/s.
#   3. openssl s_time -new: sequential full handshakes for 10 s.
# Then: zero failed requests, the server's memory back to its baseline
# (within LOAD_MEM_SLACK_KB, default 8192: malloc keeps some freed memory),
# as many descriptors open as before, and a clean exit on SIGTERM. Prints
# the figures: requests/s, handshakes/s, peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
CONNS=${LOAD_CONNS:-1000}
HANDSHAKES=${LOAD_HANDSHAKES:-100000}
LIMIT=${LOAD_SECONDS:-240}
KEEPALIVE=${LOAD_KEEPALIVE_SECONDS:-15}
SLACK=${LOAD_MEM_SLACK_KB:-8192}
THREADS=2

scripts/deps.sh load
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target tern >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n 8192

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "load: FAILED: $*"; [ -f "$work/serve.log" ] && tail -5 "$work/serve.log"; exit 1; }

mkdir "$work/site"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/site/index.html"
"$build/tern" serve --cert tests/data/server-p256-chain.pem --key tests/data/server-p256.key \
  --port 0 --max-conns $((CONNS * 2)) --timeout 60 -q "$work/site" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/serve.log" && break; sleep 0.1; done
port=$(sed -n 's|.*listening on https://[^:]*:\([0-9]*\)/.*|\1|p' "$work/serve.log" | head -1)
[ -n "$port" ] || fail "tern serve did not start"
url=https://127.0.0.1:$port/

kb() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
# A few requests first, so lazily made state counts in the baseline.
for _ in 1 2 3; do curl -sk -o /dev/null "$url" || fail "curl could not fetch $url"; done
sleep 1
base_rss=$(kb VmRSS) base_fds=$(fds)
echo "load: tern serve on port $port; baseline ${base_rss} kB resident, $base_fds descriptors"

# check_wrk LOG: no socket errors, no non-2xx answers; prints requests/s.
check_wrk() {
  ! grep -q 'Socket errors' "$1" || fail "wrk: $(grep 'Socket errors' "$1")"
  ! grep -q 'Non-2xx' "$1" || fail "wrk: $(grep 'Non-2xx' "$1")"
  grep -q 'requests in' "$1" || fail "wrk did not finish: $(tail -3 "$1")"
}

echo "load: 1. wrk keep-alive, $CONNS connections, ${KEEPALIVE} s"
timeout $((KEEPALIVE + 60)) wrk -t$THREADS -c"$CONNS" -d"${KEEPALIVE}s" --timeout 20s "$url" \
  >"$work/wrk1.log" 2>&1 || fail "wrk: $(tail -3 "$work/wrk1.log")"
check_wrk "$work/wrk1.log"
rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk1.log")
reqs1=$(awk '/requests in/ {print $1}' "$work/wrk1.log")

echo "load: 2. wrk Connection: close, $CONNS connections, $HANDSHAKES handshakes (at most ${LIMIT} s)"
# wrk has no request count: batches of BATCH seconds until enough.
BATCH=${LOAD_BATCH_SECONDS:-15}
hs=0 hs_secs=0 batch=0
start=$(date +%s)
while [ "$hs" -lt "$HANDSHAKES" ] && [ $(( $(date +%s) - start )) -lt "$LIMIT" ]; do
  batch=$((batch + 1))
  timeout $((BATCH + 60)) wrk -t$THREADS -c"$CONNS" -d"${BATCH}s" --timeout 20s \
    -H 'Connection: close' "$url" >"$work/wrk2.log" 2>&1 || fail "wrk: $(tail -3 "$work/wrk2.log")"
  check_wrk "$work/wrk2.log"
  n=$(awk '/requests in/ {print $1}' "$work/wrk2.log")
  secs=$(awk '/requests in/ {sub(/s,$/, "", $4); print $4}' "$work/wrk2.log")
  hs=$((hs + n))
  hs_secs=$(awk -v a="$hs_secs" -v b="$secs" 'BEGIN {print a + b}')
  echo "load:    batch $batch: $n handshakes in ${secs} s"
done
hps=$(awk -v n="$hs" -v s="$hs_secs" 'BEGIN {printf "%.0f", n / s}')
[ "$hs" -ge "$HANDSHAKES" ] || fail "only $hs of $HANDSHAKES handshakes in ${LIMIT} s"

echo "load: 3. openssl s_time -new, 10 s"
timeout 60 openssl s_time -connect 127.0.0.1:"$port" -new -time 10 -www / >"$work/stime.log" 2>&1 ||
  fail "s_time: $(tail -3 "$work/stime.log")"
stime=$(grep -m1 'connections/user sec' "$work/stime.log" || true)
stime_n=$(echo "$stime" | awk '{print $1}')
[ -n "$stime_n" ] && [ "$stime_n" -gt 0 ] || fail "s_time made no connection: $(tail -3 "$work/stime.log")"
stime_real=$(grep -m1 'connections in [0-9]* real seconds' "$work/stime.log" || true)

# Let the last connections close, then compare with the baseline.
for _ in $(seq 50); do [ "$(fds)" -le "$base_fds" ] && break; sleep 0.2; done
peak=$(kb VmHWM) rss=$(kb VmRSS) nfds=$(fds)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || fail "tern serve exited with status $rc after SIGTERM"

echo
echo "load figures (loopback, $(nproc) cores shared with the load generators):"
echo "  keep-alive:   $rps requests/s ($reqs1 requests, $CONNS connections, 0 failed)"
echo "  handshakes:   $hps handshakes/s ($hs full TLS 1.3 handshakes, each with a request, in $hs_secs s, $CONNS at once, 0 failed)"
echo "  s_time -new:  $stime_n connections${stime_real:+ ($stime_real)}"
echo "  memory:       baseline ${base_rss} kB, peak ${peak} kB, after ${rss} kB"
echo "  descriptors:  baseline $base_fds, after $nfds"
[ "$nfds" -le "$base_fds" ] || fail "descriptor leak: $nfds open after the load, $base_fds before"
[ "$rss" -le $((base_rss + SLACK)) ] ||
  fail "memory did not return to its baseline: ${rss} kB after, ${base_rss} kB before"
echo "load: ok"
