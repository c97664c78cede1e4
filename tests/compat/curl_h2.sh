#!/usr/bin/env bash
# HTTP/2 through ALPN: curl on tern's libssl against nginx on Debian's
# OpenSSL (`listen ... ssl http2`), TLS 1.3 and 1.2. curl offers h2 and
# http/1.1 (SSL_CTX_set_alpn_protos), reads nginx's choice back
# (SSL_get0_alpn_selected) and speaks HTTP/2: two requests on one
# connection and a 300 kB body (flow control). nginx's log shows the
# protocol, the connection, and the groups the client offered
# ($ssl_curves): 0x11ec (X25519MLKEM768, unknown to OpenSSL 3.0) first,
# tern's layout; --tls-max 1.2 offers tern's three TLS 1.2 groups.
source "$(dirname "$0")/curl_lib.bash"
need curl openssl /usr/sbin/nginx:nginx
P=$WORK/pki
curl_pki "$P"
make_site
N=$WORK/nginx
mkdir -p "$N"
NP=$(free_port)
cat >"$N/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  log_format tls '\$server_protocol \$ssl_protocol \$connection \$request_uri \$status \$body_bytes_sent \$ssl_curves';
  client_body_temp_path $N/body;
  proxy_temp_path $N/proxy;
  fastcgi_temp_path $N/fastcgi;
  uwsgi_temp_path $N/uwsgi;
  scgi_temp_path $N/scgi;
  server {
    listen 127.0.0.1:$NP ssl http2;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $P/chain.pem;
    ssl_certificate_key $P/leaf.key;
    access_log $N/tls.log tls;
    root $SITE;
  }
}
CONF
/usr/sbin/nginx -c "$N/nginx.conf" -p "$N" 2>"$N/stderr" &
PIDS+=($!)
wait_port "$NP" $! || fail "nginx did not start: $(cat "$N/stderr" "$N/error.log" 2>/dev/null)"
U=https://localhost:$NP

for v in 1.3 1.2; do
  : >"$N/tls.log"
  out=$(on_tern curl -sS --fail --http2 --tls-max "$v" --cacert "$P/root.pem" -o /dev/null -o "$WORK/big.$v" \
    -w '%{http_version} %{size_download}\n' "$U/hello.txt" "$U/big.bin") ||
    fail "nginx, TLS $v: curl --http2 on tern's libssl failed"
  [ "$out" = "$(printf '2 11\n2 300000')" ] || fail "nginx, TLS $v: curl reported '$out'"
  cmp "$WORK/big.$v" "$SITE/big.bin" || fail "nginx, TLS $v: big.bin came back different"
  # nginx logs a request once its stream is done, maybe after curl has it
  for _ in $(seq 50); do
    [ "$(wc -l <"$N/tls.log")" -ge 2 ] && break
    sleep 0.1
  done
  mapfile -t lines <"$N/tls.log"
  [ ${#lines[@]} -eq 2 ] || fail "nginx, TLS $v: its log has ${#lines[@]} lines: $(cat "$N/tls.log")"
  read -r proto tls conn1 _ <<<"${lines[0]}"
  read -r _ _ conn2 _ <<<"${lines[1]}"
  [ "$proto $tls" = "HTTP/2.0 TLSv$v" ] || fail "nginx, TLS $v: $(cat "$N/tls.log")"
  [ "$conn1" = "$conn2" ] || fail "nginx, TLS $v: two connections for two requests: $(cat "$N/tls.log")"
  curves=${lines[0]##* }
  if [ "$v" = 1.3 ]; then
    [ "$curves" = "0x11ec:X25519:prime256v1:secp384r1" ] || fail "nginx, TLS 1.3: the client offered $curves"
  else
    [ "$curves" = "X25519:prime256v1:secp384r1" ] || fail "nginx, TLS 1.2: the client offered $curves"
  fi
  pass "nginx: HTTP/2 over TLS $v, two requests on one connection, 300 kB intact; it saw tern's groups ($curves)"
done

# The proof has teeth: Debian's libssl offers other groups.
: >"$N/tls.log"
curl -sS --fail --http2 --cacert "$P/root.pem" -o /dev/null "$U/hello.txt" || fail "curl on Debian's libssl failed"
for _ in $(seq 50); do
  [ -s "$N/tls.log" ] && break
  sleep 0.1
done
grep -q ' 0x11ec:X25519:prime256v1:secp384r1$' "$N/tls.log" && fail "Debian's libssl offered tern's groups"
pass "curl on Debian's libssl offers other groups: $(awk '{print $NF}' "$N/tls.log")"
