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
flat=$(tr '\n' ' ' <"$WORK/explain" | tr -s ' ')
grep -q 'hybrid X25519MLKEM768' <<<"$flat" \
  || fail "--trace=explain does not say the hybrid was used"
grep -q 'ml_kem_768: .*post-quantum' "$WORK/explain" && grep -q 'x25519: .*classical' "$WORK/explain" \
  || fail "--trace=explain does not say what each half of the hybrid gave"
pass "explain ($n sentences)"

"$TERN" get --trace=json --cafile "$CA" "$U" >/dev/null 2>"$WORK/json" || fail "tern get --trace=json failed"
"$TERN" get --tls1.2 --trace=json --cafile "$CA" "$U" >/dev/null 2>"$WORK/json12" || fail "tern get --tls1.2 --trace=json failed"
python3 - "$SRC" "$WORK/json" "$WORK/json12" <<'PY' || fail "the JSON trace is wrong"
import json, re, sys
import jsonschema
src = sys.argv[1]
schema = json.load(open(src + "/docs/trace-schema.json", encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
val = jsonschema.Draft202012Validator(schema)
# The schema's typed keys are the library's (src/hs/trace.c's table).
table = dict(re.findall(r'\{"([a-z_]+)", TERN_FACT_(LIST|NUMBER|BOOL)\}',
                        open(src + "/src/hs/trace.c", encoding="utf-8").read()))
assert table, "no fact table in src/hs/trace.c"
rules = schema["$defs"]["fact"]["allOf"]
typed = {"LIST": rules[0], "NUMBER": rules[1], "BOOL": rules[2]}
for key, t in table.items():
    assert key in typed[t]["if"]["properties"]["key"]["enum"], f"{key} ({t}) is not typed so in the schema"
    assert key in schema["$defs"]["keys"]["properties"], f"{key} is not described in the schema"
for t, rule in typed.items():
    for key in rule["if"]["properties"]["key"]["enum"]:
        assert table.get(key) == t, f"the schema types {key} as {t}, the library as {table.get(key)}"

def load(path):
    events = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    for e in events:
        val.validate(e)
    return events

def facts(events, name, side_dir):
    for e in events:
        if e["name"] == name and e["dir"] == side_dir:
            return {f["key"]: f["value"] for f in e["facts"]}
    raise AssertionError(f"no {name} {side_dir}")

ev13 = load(sys.argv[2])
kinds = {e["kind"] for e in ev13}
for k in ("message", "keys", "done"):
    assert k in kinds, f"no {k} event in {sorted(kinds)}"
names = [e["name"] for e in ev13 if e["kind"] == "message"]
assert names[0] == "ClientHello" and ev13[0]["dir"] == "to_server", names[:3]
assert "ServerHello" in names, names
assert all(e["side"] == "client" for e in ev13)
ch = facts(ev13, "ClientHello", "to_server")
assert ch["versions"] == ["TLS 1.3", "TLS 1.2"], ch
assert ch["key_shares"][0] == "X25519MLKEM768", ch
assert "TLS_AES_128_GCM_SHA256" in ch["cipher_suites"], ch
assert isinstance(facts(ev13, "Certificate", "to_client")["certificates"], int)
done = facts(ev13, "handshake complete", "local")
assert done["round_trips"] == 1 and done["version"] == "TLS 1.3", done
assert facts(ev13, "ServerHello", "to_client")["resumption"] is False
assert isinstance(facts(ev13, "NewSessionTicket", "to_client")["lifetime"], int)
# RFC 8446 §4.4.4: each side's Finished is keyed from its own handshake
# traffic secret, not "the handshake secret".
fin = [e for e in ev13 if e["name"] == "Finished" and e["dir"] == "to_server"][0]
assert "client_handshake_traffic_secret" in fin["explain"], fin["explain"]
assert all("keyed by the handshake secret" not in (e["explain"] or "") for e in ev13)

ev12 = load(sys.argv[3])
ch12 = [e for e in ev12 if e["name"] == "ClientHello"][0]
f12 = {f["key"]: f["value"] for f in ch12["facts"]}
assert f12["versions"] == ["TLS 1.2"] and "key_shares" not in f12, f12
assert "key share" not in ch12["explain"] and "key_share" not in ch12["explain"], ch12["explain"]
sh12 = facts(ev12, "ServerHello", "to_client")
assert sh12["extended_master_secret"] is True, sh12
print(f"{len(ev13)} + {len(ev12)} JSON events valid against docs/trace-schema.json")
# tern against tern: the hybrid, and the ServerHello says what each half gave.
sh = facts(ev13, "ServerHello", "to_client")
assert sh.get("group") == "X25519MLKEM768", sh
assert "post-quantum" in sh.get("ml_kem_768", "") and "classical" in sh.get("x25519", ""), sh
sh_ev = [e for e in ev13 if e["name"] == "ServerHello" and e["dir"] == "to_client"][0]
assert "hybrid X25519MLKEM768" in sh_ev["explain"], sh_ev["explain"]
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
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
start_serve "$SITE" --trace=json
U=https://localhost:$PORT/hello.txt
"$TERN" get --cafile "$CA" "$U" >/dev/null 2>&1 || fail "fetch from a JSON-tracing server failed"
"$TERN" get --tls1.2 --cafile "$CA" "$U" >/dev/null 2>&1 || fail "TLS 1.2 fetch from a JSON-tracing server failed"
sleep 0.3
grep '^{' "$SERVE_LOG" >"$WORK/sjson"
python3 - "$SRC" "$WORK/sjson" <<'PY' || fail "the server's JSON trace is wrong"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1] + "/docs/trace-schema.json", encoding="utf-8"))
events = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
for e in events:
    jsonschema.validate(e, schema, cls=jsonschema.Draft202012Validator)
    assert e["side"] == "server" and e["conn"] >= 1, e
assert {e["conn"] for e in events} == {1, 2}, {e["conn"] for e in events}
fin = [e for e in events if e["name"] == "Finished" and e["dir"] == "to_client" and e["conn"] == 1][0]
assert "server_handshake_traffic_secret" in fin["explain"], fin["explain"]
print(f"{len(events)} server JSON events valid")
PY
pass "server-side JSON"
# SSLKEYLOGFILE is honoured, and appended to.
SSLKEYLOGFILE=$WORK/env.keys "$TERN" get --cafile "$CA" "$U" >/dev/null 2>&1 || fail "fetch with SSLKEYLOGFILE failed"
SSLKEYLOGFILE=$WORK/env.keys "$TERN" get --cafile "$CA" "$U" >/dev/null 2>&1 || fail "fetch with SSLKEYLOGFILE failed"
[ "$(grep -c '^CLIENT_TRAFFIC_SECRET_0 ' "$WORK/env.keys")" = 2 ] || fail "SSLKEYLOGFILE not written twice: $(cat "$WORK/env.keys")"
pass "SSLKEYLOGFILE"
echo "trace_modes: all passed"
