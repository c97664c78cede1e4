#!/usr/bin/env bash
# SIGTERM: tern serve stops accepting, lets a download in flight finish
# whole, closes with close_notify and exits 0.
source "$(dirname "$0")/lib/tool.sh"
need curl python3
make_site
head -c 3000000 /dev/urandom >"$SITE/large.bin"
start_serve "$SITE"
handshake_smoke
curl -sS --fail --cacert "$CA" --limit-rate 1000K -o "$WORK/large.out" "https://localhost:$PORT/large.bin" 2>"$WORK/curl.err" &
CP=$!
sleep 1
kill -TERM "$SERVE_PID"
wait "$CP" || { cat "$WORK/curl.err"; fail "the download in flight did not finish"; }
cmp -s "$WORK/large.out" "$SITE/large.bin" || fail "the download in flight was cut"
set +e; wait "$SERVE_PID"; rc=$?; set -e
[ $rc = 0 ] || fail "tern serve exited $rc after SIGTERM"
grep -q 'stopped' "$SERVE_LOG" || fail "no 'stopped' in the log"
python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && fail "still accepting after SIGTERM"
pass "graceful shutdown"
echo "serve_shutdown: all passed"
