#!/usr/bin/env bash
# A server's sessions on tern's libssl.so.3 as on Debian's (ossl_sessions.c,
# OpenSSL's API; openssl s_client as the client): for each way a program
# keeps sessions (its own cache callbacks with SSL_OP_NO_TICKET, the
# library's cache, stateless tickets, a ticket key callback whose key
# changes, tickets opened by a process forked after the SSL_CTX was made)
# and each version, a full handshake, two that resume its session, one
# with a client certificate and one that resumes that session without it
# (the client's certificate, verify result and chain come from the
# session). Both libraries must print the same lines: which
# connections resumed, the ALPN protocol the select callback chose, the
# client's groups (SSL_get1_groups: nginx's $ssl_curves), the client
# certificate seen through the CA names sent, and which callbacks ran.
# Proof each run used the library it should: the server process's memory
# map shows which libssl.so.3 it loaded.
source "$(dirname "$0")/lib.bash"
need openssl
server=$BUILD/tests/compat/ossl_sessions
[ -x "$server" ] || fail "no $server"
openssl_pki
d=$WORK/opki
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/client.key" \
  -out "$d/client.csr" -subj '/CN=a client' 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$d/cext"
openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
  -out "$d/client.pem" -days 30 -extfile "$d/cext" 2>/dev/null

# client PORT VERSION SESSFLAGS...: one s_client connection; prints what it saw
client() {
  local port=$1 v=$2
  shift 2
  timeout 20 openssl s_client -connect "127.0.0.1:$port" "$v" -ign_eof -alpn h2,http/1.1 \
    -CAfile "$OCA" "$@" </dev/null 2>&1
}

run() { # LABEL MODE VERSION [on_tern]: the server's lines
  local label=$1 mode=$2 v=$3 pf=$WORK/port.$1 out=$WORK/server.$1 sess=$WORK/sess.$1
  rm -f "$pf" "$sess"
  ${4:-} "$server" "$pf" "$OLEAF" "$OKEY" "$OCA" "$mode" 5 >"$out" 2>&1 &
  local pid=$!
  PIDS+=($pid)
  for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.1; done
  [ -s "$pf" ] || fail "$label: the server did not start: $(cat "$out")"
  local port lib=/lib/x86_64-linux-gnu/libssl.so.3
  port=$(cat "$pf")
  [ -n "${4:-}" ] && lib=$TLIB/libssl.so.3
  # (on_tern is a shell function: the server is then the job's child)
  local maps
  maps=$(cat "/proc/$pid/maps" $(pgrep -P "$pid" | sed 's|.*|/proc/&/maps|') 2>/dev/null || true)
  grep -q " $(readlink -f "$lib")\$" <<<"$maps" || fail "$label: the server did not load $lib"
  client "$port" "$v" -sess_out "$sess" >"$WORK/c1.$label" || fail "$label: s_client 1: $(tail -5 "$WORK/c1.$label")"
  [ -s "$sess" ] || fail "$label: s_client saved no session: $(tail -20 "$WORK/c1.$label")"
  client "$port" "$v" -sess_in "$sess" >"$WORK/c2.$label" || fail "$label: s_client 2"
  client "$port" "$v" -sess_in "$sess" >"$WORK/c3.$label" || fail "$label: s_client 3"
  client "$port" "$v" -cert "$d/client.pem" -key "$d/client.key" -sess_out "$sess.cert" >"$WORK/c4.$label" || fail "$label: s_client 4"
  # the client-certificate session resumed, without the certificate
  client "$port" "$v" -sess_in "$sess.cert" >"$WORK/c5.$label" || fail "$label: s_client 5"
  wait "$pid" || fail "$label: the server failed: $(cat "$out")"
  # what the client was told: the CA names the CertificateRequest carried
  grep -q '^Acceptable client certificate CA names' "$WORK/c1.$label" || fail "$label: no CA names sent: $(cat "$WORK/c1.$label")"
  grep -A1 '^Acceptable client certificate CA names' "$WORK/c1.$label" | sed -n 2p
  cat "$out"
}

for mode in cache internal tickets keycb fork; do
  for v in -tls1_2 -tls1_3; do
    deb=$(run "deb$mode$v" $mode $v)
    ours=$(run "tern$mode$v" $mode $v on_tern)
    if [ "$deb" != "$ours" ]; then
      diff <(echo "$deb") <(echo "$ours") || true
      fail "$mode $v: the server on tern's libssl and on Debian's differ (< Debian, > tern)"
    fi
    grep -q '^conn 1: TLSv1.[23], reused 0, alpn http/1.1' <<<"$ours" || fail "$mode $v: conn 1: $ours"
    grep -q '^conn 2: TLSv1.[23], reused 1, ' <<<"$ours" || fail "$mode $v: conn 2 did not resume: $ours"
    grep -q '^conn 1: client groups X25519:prime256v1:' <<<"$ours" || fail "$mode $v: the client's groups: $ours"
    grep -q '^conn 4: TLSv1.[23], reused 0, alpn http/1.1, client certificate /CN=a client, verify 0$' <<<"$ours" ||
      fail "$mode $v: conn 4 (client certificate): $ours"
    grep -q '^conn 5: TLSv1.[23], reused 1, alpn http/1.1, client certificate /CN=a client, verify 0$' <<<"$ours" ||
      fail "$mode $v: conn 5 (resuming the client-certificate session): $ours"
    echo "$ours" | sed 's/^/    /'
    pass "$mode $v: the same sessions, ALPN choice, CA names and client certificate on both libraries"
  done
done
