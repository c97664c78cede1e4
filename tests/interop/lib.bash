# Shared helpers for the interop scripts (sourced, not run).
# Each script gets: $1 = build dir, $2 = source dir.
set -uo pipefail
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
DATA=$SRC/tests/data
PEER=$BUILD/tests/tern_peer
WORK=$(mktemp -d)
# TERN_WRAP="valgrind ...": run tern's endpoint under a wrapper
# (scripts/memcheck.sh); its non-zero exit fails the case.
if [ -n "${TERN_WRAP:-}" ]; then
  printf '#!/usr/bin/env bash\nexec %s %q "$@"\n' "$TERN_WRAP" "$PEER" >"$WORK/peer"
  chmod +x "$WORK/peer"
  PEER=$WORK/peer
fi
PIDS=()
FAILS=0
PASSES=0

cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# need CMD PACKAGE: fail with the install command when a peer is missing.
# Tests never install: scripts/deps.sh check does, once, for every test.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "FAIL: $1 is missing; run: scripts/deps.sh check (as root), or sudo apt-get install -y $2"
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s)
wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1"; return 1
}

# wait_text FILE TEXT: until FILE contains TEXT (10 s); for one-shot
# servers, which a port probe would use up
wait_text() {
  for _ in $(seq 1 100); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no '$2' in $1"; return 1
}

# bg CMD...: start in the background, remember its pid
bg() { "$@" & PIDS+=($!); }

stop_all() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  PIDS=()
}

# check NAME CONDITION-COMMAND...: record a pass or a failure
check() {
  local name=$1; shift
  if "$@"; then PASSES=$((PASSES + 1)); echo "ok   $name"
  else FAILS=$((FAILS + 1)); echo "FAIL $name"; fi
}

# has FILE TEXT: FILE contains TEXT (prints the file when not)
has() {
  if grep -qF -- "$2" "$1"; then return 0; fi
  echo "  expected '$2' in $1:"; sed 's/^/    | /' "$1" | head -30; return 1
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}

# tern_server CERTNAME [peer args]: tern's endpoint on a fresh $PORT answers
# "pong" to "ping" (TERN_SERVER_TIMEOUT, when set, bounds its life).
tern_server() {
  local name=$1; shift
  PORT=$(free_port)
  bg ${TERN_SERVER_TIMEOUT:+timeout "$TERN_SERVER_TIMEOUT"} "$PEER" server "$PORT" \
    --cert "$DATA/$name-chain.pem" --key "$DATA/$name.key" \
    --send pong --expect ping "$@" >"$WORK/tern.out" 2>&1
  wait_text "$WORK/tern.out" listening
}

# s_client_ping LABEL [s_client args]: openssl s_client sends "ping" to the
# tern_server; s_client must verify and get "pong", tern must get "ping".
# (s_client_case is this, unless a script says more.)
s_client_ping() {
  local label=$1; shift
  printf 'ping\n' | timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -servername localhost \
    -CAfile "$DATA/ca.pem" -verify_return_error -verify_hostname localhost -ign_eof "$@" \
    >"$WORK/s_client.out" 2>&1
  check "$label: s_client verified and got data" has "$WORK/s_client.out" "pong"
  wait "${PIDS[@]}" 2>/dev/null
  PIDS=()
  check "$label: tern got data" has "$WORK/tern.out" "ping"
}
s_client_case() { s_client_ping "$@"; }
