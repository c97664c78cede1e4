#!/usr/bin/env bash
# tern serve sends a response's head and the start of its body in one
# record: a small file is one record (not head, then body), and a larger
# one fills whole records. Counted from the client's side: tern get's JSON
# trace has one "data" event per application-data record received.
source "$(dirname "$0")/lib/tool.sh"
need python3
make_site
head -c 1000 /dev/urandom >"$SITE/small.bin"
head -c 20000 /dev/urandom >"$SITE/mid.bin"
start_serve "$SITE" --quiet
handshake_smoke

# records VERSIONFLAG FILE: application-data records the server sent.
records() {
  "$TERN" get $1 --trace=json --cafile "$CA" -o "$WORK/out" "https://localhost:$PORT/$2" 2>"$WORK/trace" \
    || { cat "$WORK/trace"; fail "fetching $2 failed"; }
  cmp -s "$WORK/out" "$SITE/$2" || fail "$2 arrived changed"
  python3 - "$WORK/trace" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(sum(1 for e in ev if e["kind"] == "data" and e["dir"] == "to_client"))
PY
}
for v in --tls1.3 --tls1.2; do
  n=$(records "$v" small.bin)
  [ "$n" = 1 ] || fail "$v: a 1000-byte file came in $n records (head and body apart?)"
  n=$(records "$v" mid.bin)
  [ "$n" = 2 ] || fail "$v: a 20000-byte file came in $n records, not 2"
  n=$(records "$v" index.html)
  [ "$n" = 1 ] || fail "$v: index.html came in $n records"
done
pass "a small response is one record; a 20000-byte one two (TLS 1.3 and 1.2)"
echo "serve_records: all passed"
