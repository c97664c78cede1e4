#!/usr/bin/env bash
# The explained handshake, in each mode, for one tern get against tern
# serve: the ladder (arrows in the right directions, the key change, the
# verdicts, close_notify, keys wiped), the sentences of --trace=explain,
# and --trace=json as one valid JSON object per line.
source "$(dirname "$0")/lib/tool.sh"
need python3
make_site
start_serve "$SITE"
handshake_smoke
U=https://localhost:$PORT/hello.txt

"$TERN" get --trace --cafile "$CA" "$U" >"$WORK/body" 2>"$WORK/ladder" || { cat "$WORK/ladder"; fail "tern get --trace failed"; }
[ "$(cat "$WORK/body")" = "plain text" ] || fail "the body changed under --trace"
L=$WORK/ladder
grep -q '^  client (tern) .*server$' "$L" || fail "no ladder header"
grep -q 'ClientHello ─*▶' "$L" || fail "no ClientHello arrow to the right: $(head -5 "$L")"
grep -q '◀─* ServerHello' "$L" || fail "no ServerHello arrow to the left"
grep -Eq '◀─* Certificate( |$)' "$L" || fail "no Certificate arrow"
grep -q '◀─* Finished' "$L" && grep -q 'Finished ─*▶' "$L" || fail "Finished not drawn both ways"
grep -q 'from here on encrypted with' "$L" || fail "no key change line"
grep -q '✓ ' "$L" || fail "no check passed"
grep -q 'handshake complete: [0-9]* round trip' "$L" || fail "no round trips and time"
grep -q 'close_notify' "$L" || fail "no close_notify"
grep -qi 'wiped' "$L" || fail "no keys wiped"
grep -q ' ms$' "$L" || fail "no milliseconds"
if grep -q '»' "$L"; then fail "plain --trace printed explanations"; fi
pass "ladder"

"$TERN" get --trace=explain --cafile "$CA" "$U" >/dev/null 2>"$WORK/explain" || fail "tern get --trace=explain failed"
n=$(grep -c '»' "$WORK/explain")
[ "$n" -ge 6 ] || fail "only $n explanations"
tr '\n' ' ' <"$WORK/explain" | tr -s ' ' | grep -q 'hybrid X25519MLKEM768' \
  || fail "--trace=explain does not say the hybrid was used"
grep -q 'ml_kem_768: .*post-quantum' "$WORK/explain" && grep -q 'x25519: .*classical' "$WORK/explain" \
  || fail "--trace=explain does not say what each half of the hybrid gave"
pass "explain ($n sentences)"

"$TERN" get --trace=json --cafile "$CA" "$U" >/dev/null 2>"$WORK/json" || fail "tern get --trace=json failed"
python3 - "$WORK/json" <<'PY' || fail "the JSON trace is wrong"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
kinds = {e["kind"] for e in events}
for k in ("message", "keys", "done"):
    assert k in kinds, f"no {k} event in {sorted(kinds)}"
names = [e["name"] for e in events if e["kind"] == "message"]
assert names[0] == "ClientHello" and events[0]["dir"] == "to_server", names[:3]
assert "ServerHello" in names, names
# tern against tern: the hybrid, and the ServerHello says what each half gave.
sh = [e for e in events if e["kind"] == "message" and e["name"] == "ServerHello"][0]
facts = {f["key"]: f["value"] for f in sh["facts"]}
assert facts.get("group") == "X25519MLKEM768", facts
assert "post-quantum" in facts.get("ml_kem_768", "") and "classical" in facts.get("x25519", ""), facts
assert "hybrid X25519MLKEM768" in sh["explain"], sh["explain"]
for e in events:
    assert set(e) >= {"kind", "dir", "side", "name", "bytes", "elapsed_us", "facts", "explain"}, e
    assert e["side"] == "client"
    for f in e["facts"]:
        assert isinstance(f["key"], str) and isinstance(f["value"], str)
print(f"{len(events)} JSON events")
PY
pass "json"

# The server draws the same handshake from its side.
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
start_serve "$SITE" --trace
U=https://localhost:$PORT/hello.txt # the new server has a new port
"$TERN" get --cafile "$CA" "$U" >/dev/null 2>&1 || fail "fetch from a tracing server failed"
sleep 0.3
grep -q '(tern) server' "$SERVE_LOG" || fail "the server's ladder has no header"
grep -q 'ClientHello ─*▶' "$SERVE_LOG" || fail "the server's ladder has no ClientHello"
pass "server-side ladder"
# SSLKEYLOGFILE is honoured, and appended to.
SSLKEYLOGFILE=$WORK/env.keys "$TERN" get --cafile "$CA" "$U" >/dev/null 2>&1 || fail "fetch with SSLKEYLOGFILE failed"
SSLKEYLOGFILE=$WORK/env.keys "$TERN" get --cafile "$CA" "$U" >/dev/null 2>&1 || fail "fetch with SSLKEYLOGFILE failed"
[ "$(grep -c '^CLIENT_TRAFFIC_SECRET_0 ' "$WORK/env.keys")" = 2 ] || fail "SSLKEYLOGFILE not written twice: $(cat "$WORK/env.keys")"
pass "SSLKEYLOGFILE"
echo "trace_modes: all passed"
