#!/usr/bin/env bash
# make demo: tern serving a page over HTTPS with a development CA, and tern
# get fetching it with the handshake drawn and explained. Needs nothing but
# bash and the freshly built tern (scripts/demo.sh BUILD_DIR).
set -euo pipefail
# --build: configure (the first time) and build BUILD_DIR quietly first,
# showing the build's log only when it fails (make demo).
if [ "${1:-}" = --build ]; then
  shift
  build=${1:-build}
  mkdir -p "$build"
  log=$build/demo-build.log
  echo "Building tern in $build (the log: $log) ..."
  if { [ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo; } >"$log" 2>&1 &&
    cmake --build "$build" -j"${JOBS:-2}" >>"$log" 2>&1; then
    echo "Built $build/tern ($(grep -c 'Building C object' "$log" || true) files compiled)."
    echo
  else
    cat "$log" >&2
    echo "demo: the build failed (its log is above, and in $log)" >&2
    exit 1
  fi
fi
build=${1:-build}
tern=$build/tern
[ -x "$tern" ] || { echo "demo: $tern is missing; run 'make build' first" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tern-demo.XXXXXX")
server=""
stop() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/site"
cat >"$work/site/index.html" <<'HTML'
<!doctype html>
<meta charset="utf-8">
<title>Hello from tern</title>
<h1>Hello from tern</h1>
<p>This page crossed a TLS connection that tern made on both ends: tern serve
sent it, tern get received it, and neither used OpenSSL's TLS code.</p>
HTML

bold="" plain=""
if [ -t 1 ]; then bold=$(tput bold 2>/dev/null || true) plain=$(tput sgr0 2>/dev/null || true); fi
echo "${bold}1. Start tern serve${plain} on 127.0.0.1 with a fresh development CA"
echo "   \$ tern serve --addr 127.0.0.1 --port 0 --state-dir $work/state $work/site"
"$tern" serve --addr 127.0.0.1 --port 0 --state-dir "$work/state" --quiet "$work/site" 2>"$work/serve.log" &
server=$!
port=""
for _ in $(seq 200); do
  port=$(sed -n 's|^listening on https://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$work/serve.log")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "demo: tern serve did not start:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
sed 's/^/   /' "$work/serve.log"
ca=$work/state/ca.pem
echo
echo "${bold}2. Fetch the page with tern get${plain}, the handshake drawn and explained on stderr"
echo "   \$ tern get --trace=explain --cafile $ca https://localhost:$port/"
echo
if ! "$tern" get --trace=explain --cafile "$ca" "https://localhost:$port/" >"$work/page.html" 2>"$work/trace.txt"; then
  cat "$work/trace.txt" >&2
  echo "demo: tern get failed (above)" >&2
  exit 1
fi
cat "$work/trace.txt"
echo
echo "${bold}3. The page tern get printed${plain} (its standard output):"
echo
sed 's/^/   /' "$work/page.html"
echo
echo "${bold}4. Stop the server${plain} (SIGTERM: it finishes what is in flight and closes with close_notify)"
kill -TERM "$server"
wait "$server" 2>/dev/null || true
server=""
echo
echo "Try it yourself:  $tern serve SOME_FOLDER   then   curl --cacert ~/.local/state/tern/ca.pem https://localhost:8443/"
echo "To run it as plain 'tern':  sudo make install   (puts tern in /usr/local/bin), or without root:"
echo "  make install PREFIX=\$HOME/.local && export PATH=\$HOME/.local/bin:\$PATH   then   tern serve SOME_FOLDER"
