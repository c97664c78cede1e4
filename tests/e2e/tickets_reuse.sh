#!/usr/bin/env bash
# What the README says of tickets, checked: the client (tern get --session)
# offers a ticket once and keeps the new ones; the server accepts a sealed
# ticket again (stateless: it keeps no list of spent ones) until it expires.
source "$(dirname "$0")/lib/tool.sh"
need python3
make_site
start_serve "$SITE" --quiet
handshake_smoke
U=https://localhost:$PORT/hello.txt
# resumed FILE: "true" when the fetch with --session FILE resumed.
resumed() {
  "$TERN" get --session "$1" --trace=json --cafile "$CA" "$U" >/dev/null 2>"$WORK/t" || { cat "$WORK/t"; fail "fetch failed"; }
  python3 - "$WORK/t" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    if l.startswith("{"):
        e = json.loads(l)
        if e["name"] == "ServerHello":
            print(str([f["value"] for f in e["facts"] if f["key"] == "resumption"][0]).lower())
PY
}
[ "$(resumed "$WORK/s")" = false ] || fail "the first fetch resumed"
cp "$WORK/s" "$WORK/s.copy"
[ "$(resumed "$WORK/s")" = true ] || fail "the second fetch did not resume"
cmp -s "$WORK/s" "$WORK/s.copy" && fail "the client kept the ticket it spent"
pass "the client spends a ticket once and keeps the new ones"
# The spent ticket, offered again from the copy: the server takes it.
[ "$(resumed "$WORK/s.copy")" = true ] || fail "the server refused a ticket it had already accepted"
grep -q 'accepts a sealed ticket again until it' "$SRC/README.md" || fail "the README does not say so"
pass "the server accepts a spent ticket again until it expires, as the README says"
echo "tickets_reuse: all passed"
