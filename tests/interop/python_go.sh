#!/usr/bin/env bash
# Python's ssl module and Go's crypto/tls as third and fourth independent
# peers, each as client and as server against tern.
. "$(dirname "$0")/lib.bash"
need python3 python3
need go golang-go

(cd "$SRC/tests/interop/go" && GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$WORK/gocache" \
  go build -o "$WORK/gopeer" .) || { echo "FAIL: go build"; exit 1; }

tern_server() {
  PORT=$(free_port)
  bg "$PEER" server "$PORT" --cert "$DATA/server-p256-chain.pem" --key "$DATA/server-p256.key" \
    --send $'pong\n' --expect ping --alpn http/1.1 >"$WORK/tern.out" 2>&1
  wait_text "$WORK/tern.out" listening
}
peer_server() { # CMD...
  PORT=$(free_port)
  bg "$@" "$PORT" "$DATA/server-rsa-chain.pem" "$DATA/server-rsa.key" >"$WORK/peer.out" 2>&1
  wait_text "$WORK/peer.out" listening
}

echo "== python client -> tern"
tern_server
python3 "$SRC/tests/interop/py_peer.py" client "$PORT" "$DATA/ca.pem" >"$WORK/py.out" 2>&1
check "python client got pong" has "$WORK/py.out" "pong"
check "python negotiated TLS 1.3 with ALPN" has "$WORK/py.out" "TLSv1.3"
wait "${PIDS[@]}"; PIDS=()
check "tern got ping from python" has "$WORK/tern.out" "ping"

echo "== tern client -> python server"
peer_server python3 "$SRC/tests/interop/py_peer.py" server
"$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --send $'ping\n' --expect pong >"$WORK/client.out" 2>&1
check "tern got pong from python" test $? -eq 0
wait "${PIDS[@]}"; PIDS=()
check "python server got ping" has "$WORK/peer.out" "ping"

echo "== go client -> tern"
tern_server
"$WORK/gopeer" client "$PORT" "$DATA/ca.pem" >"$WORK/go.out" 2>&1
check "go client got pong" has "$WORK/go.out" "pong"
check "go negotiated TLS 1.3 (0x304)" has "$WORK/go.out" "version 304"
wait "${PIDS[@]}"; PIDS=()
check "tern got ping from go" has "$WORK/tern.out" "ping"

echo "== tern client -> go server"
peer_server "$WORK/gopeer" server
"$PEER" client localhost "$PORT" --cafile "$DATA/ca.pem" --send $'ping\n' --expect pong >"$WORK/client.out" 2>&1
check "tern got pong from go" test $? -eq 0
wait "${PIDS[@]}"; PIDS=()
check "go server got ping" has "$WORK/peer.out" "ping"

finish
