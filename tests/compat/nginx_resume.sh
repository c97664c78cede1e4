#!/usr/bin/env bash
# Session resumption with nginx on tern's libssl.so.3, two workers (a
# reconnecting client lands on either): the shared cache
# (ssl_session_cache shared:, ssl_session_tickets off) resumes TLS 1.2
# session IDs and TLS 1.3 stateful tickets across workers; with
# ssl_session_ticket_key files tickets resume across workers and across
# `nginx -s reload`. $ssl_session_reused says "r".
source "$(dirname "$0")/nginx_lib.bash"
need openssl
ngx_pki
P1=$(free_port) P2=$(free_port)
D=$WORK/ngx
mkdir -p "$D"
openssl rand 80 >"$D/ticket.key"
NGX_WORKERS=2 ngx_conf "$D" <<EOF2
server {
  listen 127.0.0.1:$P1 ssl;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_session_cache shared:SSL:1m;
  ssl_session_tickets off;
  ssl_session_timeout 10m;
}
server {
  listen 127.0.0.1:$P2 ssl;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_session_tickets on;
  ssl_session_ticket_key $D/ticket.key;
}
EOF2
ngx_start "$D" tern "$P1" "$P2"
[ "$(ngx_workers "$NGX_PID" | wc -l)" -ge 2 ] || fail "nginx did not start two workers"

# resumes PORT VERSION-FLAG: a first connection saves its session, then
# six more offer it; every one must resume (the workers take turns)
resumes() {
  local port=$1 flag=$2 i out sess=$WORK/sess.$RANDOM
  out=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
    -servername localhost -CAfile "$CA" "$flag" -sess_out "$sess" -ign_eof 2>&1) || true
  grep -q '^New, ' <<<"$out" || fail "the first connection ($flag, port $port) did not complete: $(tail -5 <<<"$out")"
  [ -s "$sess" ] || fail "no session was saved from port $port ($flag)"
  for i in 1 2 3 4 5 6; do
    out=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
      -servername localhost -CAfile "$CA" "$flag" -sess_in "$sess" -ign_eof 2>&1) || true
    grep -q '^Reused, ' <<<"$out" || fail "connection $i ($flag, port $port) did not resume: $(grep -E '^(New|Reused)' <<<"$out")"
    [ "$(awk '{ print $8 }' <<<"$(ngx_last "$D")")" = r ] || fail "\$ssl_session_reused: $(ngx_last "$D")"
  done
}
resumes "$P1" -tls1_2
pass "shared cache: TLS 1.2 session IDs resume across two workers"
resumes "$P1" -tls1_3
pass "shared cache, tickets off: TLS 1.3 (stateful) resumes across two workers"
resumes "$P2" -tls1_3
resumes "$P2" -tls1_2
pass "ssl_session_ticket_key: tickets (TLS 1.3 and 1.2) resume across two workers"

# a ticket from before a reload opens after it (the same key file)
sess=$WORK/before-reload
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$P2" -servername localhost \
  -CAfile "$CA" -sess_out "$sess" -ign_eof >/dev/null 2>&1 || true
[ -s "$sess" ] || fail "no ticket before the reload"
old=$(ngx_workers "$NGX_PID" | sort | tr '\n' ' ')
ngx_cmd tern "$D" -s reload || fail "nginx -s reload"
for _ in $(seq 50); do
  new=$(ngx_workers "$NGX_PID" | sort | tr '\n' ' ')
  [ -n "$new" ] && [ "$new" != "$old" ] && ! grep -q "$(cut -d' ' -f1 <<<"$old")" <<<"$new" && break
  sleep 0.1
done
[ "$new" != "$old" ] || fail "the workers were not replaced by the reload"
out=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$P2" -servername localhost \
  -CAfile "$CA" -sess_in "$sess" -ign_eof 2>&1) || true
grep -q '^Reused, ' <<<"$out" || fail "a ticket from before the reload did not resume after it"
pass "ssl_session_ticket_key: a ticket from before nginx -s reload resumes after it"
ngx_no_alerts "$D"
