#!/usr/bin/env bash
# tern serve's handshake page (GET /.well-known/tern/handshake): headless
# Chromium loads it over TLS and its DOM shows the browser's own handshake
# (X25519MLKEM768 chosen, the suites it offered with its GREASE, the
# certificate chain, the ladder), and a screenshot of it is not blank; the
# page's sentences are the server trace's; the JSON form (?format=json)
# follows the trace schema and matches what tern get itself reports of the
# same connection; curl over TLS 1.2 gets 1.2's messages; the listing links
# to it and --no-explain-page turns it off.
source "$(dirname "$0")/lib/tool.sh"
need python3 curl
make_site
rm -f "$SITE/index.html" # the listing, with its link to the page
start_serve "$SITE" --trace=json
handshake_smoke
PAGE=https://localhost:$PORT/.well-known/tern/handshake

# tern get: the JSON form, against tern get's own trace of the connection.
"$TERN" get --trace=json --cafile "$CA" "$PAGE?format=json" >"$WORK/page.json" 2>"$WORK/client.trace" \
  || { cat "$WORK/client.trace"; fail "tern get of the JSON form failed"; }
python3 - "$SRC" "$WORK/page.json" "$WORK/client.trace" <<'PY' || fail "the JSON form is wrong"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1] + "/docs/trace-schema.json"))
page = json.load(open(sys.argv[2]))
client = [json.loads(l) for l in open(sys.argv[3]) if l.startswith("{")]
for e in page["events"]:
    jsonschema.validate(e, schema, cls=jsonschema.Draft202012Validator)
    assert e["side"] == "server", e
def facts(events, name, dir):
    for e in events:
        if e["name"] == name and e["dir"] == dir:
            return {f["key"]: f["value"] for f in e["facts"]}
    raise AssertionError(f"no {name}")
sch = facts(page["events"], "ClientHello", "to_server")
cch = facts(client, "ClientHello", "to_server")
for k in ("versions", "cipher_suites", "groups", "signature_schemes", "key_shares"):
    assert sch[k] == cch[k], (k, sch[k], cch[k])
assert sch["key_share_bytes"][0] == "1216", sch  # X25519MLKEM768's client share
csh = facts(client, "ServerHello", "to_client")
conn = page["connection"]
assert conn["version"] == csh["version"] == "TLS 1.3", (conn, csh)
assert conn["cipher_suite"] == csh["cipher_suite"] and conn["group"] == csh["group"] == "X25519MLKEM768", (conn, csh)
assert conn["server_name"] == "localhost" and conn["alpn"] == "http/1.1", conn
assert page["records"]["received"] >= 1, page["records"]
print("JSON form matches tern get's own trace:", conn["cipher_suite"], conn["group"])
PY
pass "tern get: the JSON form matches the client's own trace"

# curl over TLS 1.2.
curl -s --fail --cacert "$CA" --tls-max 1.2 "$PAGE?format=json" >"$WORK/page12.json" || fail "curl --tls-max 1.2 failed"
python3 - "$SRC" "$WORK/page12.json" <<'PY' || fail "the TLS 1.2 JSON form is wrong"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1] + "/docs/trace-schema.json"))
page = json.load(open(sys.argv[2]))
for e in page["events"]:
    jsonschema.validate(e, schema, cls=jsonschema.Draft202012Validator)
names = [e["name"] for e in page["events"]]
assert page["connection"]["version"] == "TLS 1.2", page["connection"]
for n in ("ClientHello", "ServerHello", "Certificate", "ServerKeyExchange", "ClientKeyExchange", "master secret", "ChangeCipherSpec", "Finished"):
    assert n in names, (n, names)
ch = [e for e in page["events"] if e["name"] == "ClientHello"][0]
assert "key_shares" not in {f["key"] for f in ch["facts"]}, ch
print("TLS 1.2:", page["connection"]["cipher_suite"])
PY
pass "curl --tls-max 1.2: the JSON form with TLS 1.2's messages"

# The HTML page's sentences are the server trace's, in order.
"$TERN" get --cafile "$CA" "$PAGE" >"$WORK/page.html" || fail "tern get of the page failed"
sleep 0.3
python3 - "$WORK/page.html" "$SERVE_LOG" <<'PY' || fail "the page's sentences are not the trace's"
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.explain = []; s.names = []; s.inside = None
    def handle_starttag(s, tag, attrs):
        a = dict(attrs)
        if tag == "p" and a.get("class") == "explain": s.inside = "explain"; s.explain.append("")
        if tag == "span" and a.get("class") == "name": s.inside = "name"; s.names.append("")
    def handle_endtag(s, tag):
        if tag in ("p", "span"): s.inside = None
    def handle_data(s, d):
        if s.inside == "explain": s.explain[-1] += d
        if s.inside == "name": s.names[-1] += d
p = P(); p.feed(open(sys.argv[1]).read())
events = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
last = max(e["conn"] for e in events)
mine = [e for e in events if e["conn"] == last and e["kind"] != "data"][:len(p.names)]
assert p.names == [e["name"] for e in mine], (p.names, [e["name"] for e in mine])
want = [e["explain"] for e in mine if e["explain"]]
assert p.explain == want, (p.explain, want)
assert len(want) >= 8, want
print(f"{len(want)} sentences, the trace's own")
PY
pass "the page's sentences are the trace's"

# A resumed connection says so, in the summary and the ServerHello's facts.
"$TERN" get --session "$WORK/sess" --cafile "$CA" "https://localhost:$PORT/hello.txt" >/dev/null || fail "first fetch failed"
"$TERN" get --session "$WORK/sess" --cafile "$CA" "$PAGE?format=json" >"$WORK/resumed.json" || fail "resumed fetch failed"
python3 - "$WORK/resumed.json" <<'PY' || fail "the page of a resumed connection is wrong"
import json, sys
page = json.load(open(sys.argv[1]))
assert page["connection"]["resumed"] is True, page["connection"]
sh = [e for e in page["events"] if e["name"] == "ServerHello"][0]
assert {f["key"]: f["value"] for f in sh["facts"]}["resumption"] is True, sh
assert "Certificate" not in [e["name"] for e in page["events"]], "a resumed handshake sent a certificate"
PY
html=$("$TERN" get --session "$WORK/sess" --cafile "$CA" "$PAGE")
grep -q 'yes: the ticket carried' <<<"$html" || fail "the HTML does not say it resumed"
pass "a resumed connection's page says so"

# The listing links to the page; --no-explain-page turns it off.
index=$("$TERN" get --cafile "$CA" "https://localhost:$PORT/")
grep -q 'href="/.well-known/tern/handshake"' <<<"$index" \
  || fail "the listing has no link to the page"
pass "the listing links to the page"

# Headless Chromium, trusting the development CA through an NSS database.
if command -v chromium >/dev/null && command -v certutil >/dev/null; then
  H=$WORK/home
  mkdir -p "$H/.pki/nssdb"
  certutil -d "sql:$H/.pki/nssdb" -N --empty-password
  certutil -d "sql:$H/.pki/nssdb" -A -t "C,," -n "tern development CA" -i "$CA"
  chrome() {
    HOME=$H timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$H/ud" "$@" 2>>"$H/chrome.log" || true
  }
  chrome --dump-dom "$PAGE" >"$WORK/dom.html"
  python3 - "$WORK/dom.html" <<'PY' || { tail -5 "$H/chrome.log"; fail "Chromium's DOM lacks the handshake"; }
import re, sys
dom = open(sys.argv[1]).read()
def by_id(i):
    m = re.search(r'id="%s"[^>]*>(.*?)</(?:dd|p|ul)>' % i, dom, re.S)
    assert m, f"no #{i}"
    return m.group(1)
assert by_id("chosen-group") == "X25519MLKEM768", by_id("chosen-group")
suites = re.findall(r"<li[^>]*>([^<]*)</li>", by_id("offered-cipher_suites"))
assert "TLS_AES_128_GCM_SHA256" in suites and any(s.startswith("GREASE 0x") for s in suites), suites
groups = re.findall(r"<li[^>]*>([^<]*)</li>", by_id("offered-groups"))
assert groups[0].startswith("GREASE") or "X25519MLKEM768" in groups, groups
assert "CN=localhost" in by_id("chain"), by_id("chain")
why = re.search(r'<section id="why".*?</section>', dom, re.S).group(0)
assert "X25519MLKEM768" in why and "already sent a key share" in why, why
steps = re.findall(r'<li class="step ([a-z-]+) [a-z]+">.*?<span class="name">([^<]*)</span>', dom, re.S)
names = [n for _, n in steps]
for n in ("ClientHello", "ServerHello", "Certificate", "CertificateVerify", "Finished"):
    assert n in names, (n, names)
assert ("to-server", "ClientHello") in steps and ("to-client", "ServerHello") in steps, steps
print(f"Chromium: X25519MLKEM768, {len(suites)} offered suites ({sum(s.startswith('GREASE') for s in suites)} GREASE), {len(steps)} steps")
PY
  pass "Chromium's DOM shows its own handshake"
  ART=$BUILD/artifacts
  mkdir -p "$ART"
  rm -f "$ART/handshake_page.png"
  chrome --window-size=900,2000 --screenshot="$ART/handshake_page.png" "$PAGE"
  python3 - "$ART/handshake_page.png" <<'PY' || fail "the screenshot is blank or unreadable"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, t = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if t == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif t == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp + 1
colours = set()
# Sample rows without undoing the filters: filter-0 rows give raw pixels,
# and a page of text needs many distinct byte patterns either way.
for y in range(0, h, 7):
    row = raw[y * stride + 1:(y + 1) * stride]
    for x in range(0, w * bpp, bpp * 5):
        colours.add(row[x:x + 3])
assert w >= 800 and h >= 1000 and len(colours) > 20, (w, h, len(colours))
print(f"screenshot {w}x{h}, {len(colours)} distinct samples: not blank")
PY
  pass "screenshot kept in $ART/handshake_page.png"
else
  echo "chromium or certutil missing: the browser half skipped (scripts/deps.sh check)"
fi

# Mutual TLS: the page names the client certificate the server received and
# shows the server's check of it.
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
S=$WORK/mstate
"$TERN" cert ca --state-dir "$S" >/dev/null 2>&1 || fail "tern cert ca failed"
"$TERN" cert issue --state-dir "$S" --out-dir "$WORK" --client --out alice alice >/dev/null 2>&1 || fail "client cert"
start_serve "$SITE" --cafile "$S/ca.pem" --require-client-cert
"$TERN" get --cafile "$CA" --cert "$WORK/alice.pem" --key "$WORK/alice-key.pem" \
  "https://localhost:$PORT/.well-known/tern/handshake?format=json" >"$WORK/mtls.json" || fail "mTLS fetch failed"
python3 - "$WORK/mtls.json" <<'PY' || fail "the mutual-TLS page is wrong"
import json, sys
page = json.load(open(sys.argv[1]))
assert "CN=alice" in (page["connection"]["client_certificate"] or ""), page["connection"]
names = [e["name"] for e in page["events"]]
assert "CertificateRequest" in names, names
check = [e for e in page["events"] if e["kind"] == "check" and e["name"] == "certificate chain"]
assert check and "client" in check[0]["explain"], check
print("mutual TLS:", page["connection"]["client_certificate"])
PY
pass "mutual TLS: the client certificate and its check"

kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true
start_serve "$SITE" --no-explain-page
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "https://localhost:$PORT/.well-known/tern/handshake" || true)
[ "$code" = 404 ] || fail "--no-explain-page still answers ($code)"
index=$("$TERN" get --cafile "$CA" "https://localhost:$PORT/")
if grep -q 'well-known/tern' <<<"$index"; then fail "--no-explain-page still links"; fi
pass "--no-explain-page turns it off"
echo "handshake_page: all passed"
