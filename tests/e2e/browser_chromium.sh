#!/usr/bin/env bash
# A real browser: headless Chromium loads a page from tern serve over
# HTTPS, trusting the development CA the way a user would (an NSS database
# in a temporary HOME), with no --ignore-certificate-errors. Chromium exits
# 0 even when it refuses a certificate, so the test asserts on the page it
# rendered, and checks that without the CA it renders nothing of ours, and
# that the browser's connection used the hybrid X25519MLKEM768 group.
source "$(dirname "$0")/lib/tool.sh"
need chromium certutil:libnss3-tools
need python3
make_site
start_serve "$SITE" --trace=json
handshake_smoke

chrome() {  # chrome HOME URL -> the DOM
  HOME=$1 timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$1/ud" --dump-dom "$2" 2>"$1/chrome.log" || true
}

H=$WORK/home
mkdir -p "$H/.pki/nssdb"
certutil -d "sql:$H/.pki/nssdb" -N --empty-password
certutil -d "sql:$H/.pki/nssdb" -A -t "C,," -n "tern development CA" -i "$CA"
dom=$(chrome "$H" "https://localhost:$PORT/")
grep -q '<h1 id="greeting">Hello from tern serve</h1>' <<<"$dom" \
  || { tail -20 "$H/chrome.log"; fail "Chromium did not render the page: $(echo "$dom" | head -c 300)"; }
grep -q 'GET / 200' "$SERVE_LOG" || fail "the server did not log Chromium's request"
pass "Chromium rendered the page over tern"
# Chromium offers the hybrid post-quantum group first; tern serve takes it.
python3 - "$SERVE_LOG" <<'PY' || fail "Chromium's handshakes did not use X25519MLKEM768"
import json, sys
groups = []
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.startswith("{"):
        continue
    e = json.loads(line)
    if e.get("name") == "ServerHello":
        groups += [f["value"] for f in e["facts"] if f["key"] == "group"]
print("ServerHello groups:", groups)
assert len(groups) >= 2 and groups[-1] == "X25519MLKEM768", groups
PY
pass "Chromium and tern agreed on X25519MLKEM768"

# Without the CA in its store, Chromium must not show our page.
H2=$WORK/home2
mkdir -p "$H2/.pki/nssdb"
certutil -d "sql:$H2/.pki/nssdb" -N --empty-password
dom=$(chrome "$H2" "https://localhost:$PORT/")
if grep -q 'Hello from tern serve' <<<"$dom"; then fail "Chromium showed the page without trusting the CA"; fi
pass "Chromium refused it without the CA"
echo "browser_chromium: all passed"
