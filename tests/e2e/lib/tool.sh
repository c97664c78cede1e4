# Shared by the tern command's end-to-end tests (sourced, not run).
# Each test: bash tests/e2e/X.sh BUILD_DIR SOURCE_DIR; exit 77 means skipped.
set -euo pipefail
BUILD=${1:?build directory}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
TERN=$BUILD/tern
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tern-e2e.XXXXXX")
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

[ -x "$TERN" ] || skip "no tern executable in $BUILD (it links once the handshake lands)"

# need CMD[:PACKAGE]...: fail with the install command when a command is
# missing (the package defaults to the command's name). Tests never install:
# scripts/deps.sh check does, once, for every test.
need() {
  local item missing=()
  for item in "$@"; do
    command -v "${item%%:*}" >/dev/null 2>&1 || missing+=("${item##*:}")
  done
  [ ${#missing[@]} -eq 0 ] || fail "needs ${missing[*]}; run: scripts/deps.sh check (as root), or sudo apt-get install -y ${missing[*]}"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT PID: until something listens on 127.0.0.1:PORT (10 s).
wait_port() {
  local i
  for i in $(seq 100); do
    kill -0 "$2" 2>/dev/null || return 1
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1).close()" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# start_serve DIR [options...]: tern serve with a fresh state folder on a
# free port; sets SERVE_PID, PORT, CA (the development CA), SERVE_LOG.
start_serve() {
  local dir=$1; shift
  SERVE_LOG=$WORK/serve.$RANDOM.log
  "$TERN" serve --addr 127.0.0.1 --port 0 --state-dir "$WORK/state" "$@" "$dir" 2>"$SERVE_LOG" &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
  local i
  for i in $(seq 150); do
    if grep -qs '^listening on https://' "$SERVE_LOG"; then break; fi
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$SERVE_LOG"; fail "tern serve exited early"; }
    sleep 0.1
  done
  grep -q '^listening on https://' "$SERVE_LOG" || { cat "$SERVE_LOG"; fail "tern serve never said it was listening"; }
  PORT=$(sed -n 's|^listening on https://[^ ]*:\([0-9]*\)/$|\1|p' "$SERVE_LOG" | head -1)
  CA=$WORK/state/ca.pem
}

# handshake_smoke: one tern get against the running tern serve; skip the
# whole test while the library reports its handshake as not implemented.
handshake_smoke() {
  local out
  if ! out=$("$TERN" get --cafile "$CA" "https://localhost:$PORT/" 2>&1 >/dev/null); then
    if grep -qi 'not implemented\|TERN_E_UNSUPPORTED' <<<"$out"; then
      skip "the handshake is not implemented yet: $out"
    fi
    echo "$out"
    fail "tern get could not fetch from tern serve"
  fi
}

# site: a small folder to serve.
make_site() {
  SITE=$WORK/site
  mkdir -p "$SITE/sub" "$SITE/empty"
  printf '<!doctype html>\n<title>tern test</title>\n<h1 id="greeting">Hello from tern serve</h1>\n' >"$SITE/index.html"
  printf 'plain text\n' >"$SITE/hello.txt"
  printf 'inside sub\n' >"$SITE/sub/file.txt"
  printf 'secret\n' >"$SITE/.hidden"
  printf 'secret\n' >"$SITE/sub/.dotfile"
  head -c 300000 /dev/urandom >"$SITE/big.bin"
  echo "outside the root" >"$WORK/outside.txt"
  ln -s "$WORK/outside.txt" "$SITE/link-out"
}

# openssl_pki: a CA and a localhost leaf made by OpenSSL itself, so tests
# of tern get against other servers do not lean on tern cert. Sets OCA,
# OLEAF, OKEY.
openssl_pki() {
  local d=$WORK/opki
  mkdir -p "$d"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" \
    -out "$d/ca.pem" -days 30 -subj '/CN=openssl test CA' \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/leaf.key" \
    -out "$d/leaf.csr" -subj '/CN=localhost' 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/ext"
  openssl x509 -req -in "$d/leaf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/leaf.pem" -days 30 -extfile "$d/ext" 2>/dev/null
  OCA=$d/ca.pem OLEAF=$d/leaf.pem OKEY=$d/leaf.key
}

# get_smoke URL CAFILE: skip while the handshake is not implemented.
get_smoke() {
  local out
  if ! out=$("$TERN" get --cafile "$2" "$1" 2>&1 >/dev/null); then
    if grep -qi 'not implemented\|TERN_E_UNSUPPORTED' <<<"$out"; then
      skip "the handshake is not implemented yet: $out"
    fi
  fi
}


# start_capture FILE: tshark writes what crosses tcp port $PORT on lo to FILE.
# It returns once the capture provably sees packets (probe connections until
# one shows in tshark's per-packet output): "Capturing on" alone comes before
# the filter is live, and packets sent in between were lost (a flaky test).
start_capture() {
  tshark -i lo -f "tcp port $PORT" -l -P -w "$1" >"$WORK/tshark.out" 2>"$WORK/tshark.err" &
  TP=$!
  PIDS+=("$TP")
  local i
  for i in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1).close()" 2>/dev/null || true
    [ -s "$WORK/tshark.out" ] && return 0
    sleep 0.1
  done
  fail "tshark saw no packet in 10 s: $(cat "$WORK/tshark.err")"
}

# stop_capture: once tshark has printed no new packet for half a second,
# stop it (SIGINT: it finishes the file) and wait for it.
stop_capture() {
  local i last=-1 now
  for i in $(seq 50); do
    now=$(wc -l <"$WORK/tshark.out")
    [ "$now" = "$last" ] && break
    last=$now
    sleep 0.5
  done
  kill -INT "$TP"
  wait "$TP" 2>/dev/null || true
}
