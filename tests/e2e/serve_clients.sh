#!/usr/bin/env bash
# tern serve answers real clients: curl (OpenSSL inside) and Python's
# urllib fetch files with the development CA as their only trust anchor;
# HEAD, folder index and listing, 404, keep-alive reuse, and 40 clients at
# once through the one event loop.
source "$(dirname "$0")/lib/tool.sh"
need curl python3
make_site
start_serve "$SITE"
handshake_smoke
U=https://localhost:$PORT

body=$(curl -sS --fail --cacert "$CA" "$U/hello.txt") || fail "curl could not fetch hello.txt"
[ "$body" = "plain text" ] || fail "curl got '$body'"
page=$(curl -sS --fail --cacert "$CA" "$U/")
grep -q 'Hello from tern serve' <<<"$page" || fail "index.html not served for /"
page=$(curl -sS --fail --cacert "$CA" "https://127.0.0.1:$PORT/sub/file.txt")
grep -q 'inside sub' <<<"$page" || fail "fetch by IP address failed"
cmp <(curl -sS --fail --cacert "$CA" "$U/big.bin") "$SITE/big.bin" || fail "big.bin came back different"
pass "curl: files, index, IP address, 300 kB body"

head=$(curl -sS --cacert "$CA" -I "$U/hello.txt")
grep -qi '^content-length: 11' <<<"$head" || fail "HEAD: no Content-Length 11: $head"
grep -qi '^content-type: text/plain' <<<"$head" || fail "HEAD: wrong type: $head"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$U/missing.txt")
[ "$code" = 404 ] || fail "missing file gave $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$U/sub")
[ "$code" = 301 ] || fail "a folder without '/' gave $code, not 301"
page=$(curl -sS --cacert "$CA" "$U/sub/")
grep -q 'href="file.txt"' <<<"$page" || fail "no listing for sub/"
listing=$(curl -sS --cacert "$CA" "$U/sub/")
if grep -q dotfile <<<"$listing"; then fail "the listing shows a hidden file"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -X POST "$U/")
[ "$code" = 405 ] || fail "POST gave $code, not 405"
pass "HEAD, 404, 301, listing, 405"

# Keep-alive: two URLs on one connection.
v=$(curl -sv --cacert "$CA" "$U/hello.txt" "$U/sub/file.txt" 2>&1 >/dev/null)
grep -qi 're-using existing connection\|reusing existing connection' <<<"$v" || fail "curl did not reuse the connection"
pass "keep-alive"

python3 - "$CA" "$PORT" <<'PY' || fail "python urllib could not fetch"
import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
with urllib.request.urlopen(f"https://localhost:{sys.argv[2]}/hello.txt", context=ctx) as r:
    assert r.read() == b"plain text\n", "wrong body"
    assert r.headers["Content-Type"].startswith("text/plain")
# And it must refuse a server it cannot verify: the default trust store
# does not hold the development CA.
try:
    urllib.request.urlopen(f"https://localhost:{sys.argv[2]}/", context=ssl.create_default_context())
    raise SystemExit("python trusted a development certificate without the CA")
except urllib.error.URLError as e:
    assert "CERTIFICATE_VERIFY_FAILED" in str(e), e
print("python ok")
PY
pass "python urllib"

# 40 clients at once.
for i in $(seq 40); do
  curl -sS --fail --cacert "$CA" -o "$WORK/par.$i" "$U/big.bin" &
  PIDS+=($!)
done
for i in $(seq 40); do wait "${PIDS[-1]}" || true; unset 'PIDS[-1]'; done
for i in $(seq 40); do cmp -s "$WORK/par.$i" "$SITE/big.bin" || fail "parallel download $i differs"; done
kill -0 "$SERVE_PID" || fail "tern serve died under 40 clients"
pass "40 concurrent downloads"

grep -q 'GET /hello.txt 200 11' "$SERVE_LOG" || fail "no request log line: $(tail -5 "$SERVE_LOG")"
echo "serve_clients: all passed"
