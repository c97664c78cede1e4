#!/usr/bin/env bash
# Headless Chromium loads a page from Debian's nginx on tern's libssl.so.3
# (`listen ... ssl http2`), trusting the development CA through an NSS
# database in a temporary HOME. The access log shows HTTP/2 (ALPN "h2",
# chosen by nginx's ALPN select callback) and $ssl_curve 0x11ec: Chromium
# offers X25519MLKEM768 first and tern takes it.
source "$(dirname "$0")/nginx_lib.bash"
need chromium certutil:libnss3-tools
ngx_pki
P=$(free_port)
D=$WORK/ngx
ngx_conf "$D" <<EOF2
server {
  listen 127.0.0.1:$P ssl http2;
  server_name localhost;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
}
EOF2
printf '<!doctype html>\n<title>nginx on tern</title>\n<h1 id="greeting">Hello from nginx on tern</h1>\n' >"$D/html/index.html"
ngx_start "$D" tern "$P"

H=$WORK/home
mkdir -p "$H/.pki/nssdb"
certutil -d "sql:$H/.pki/nssdb" -N --empty-password
certutil -d "sql:$H/.pki/nssdb" -A -t "C,," -n "tern development CA" -i "$CA"
dom=$(HOME=$H timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$H/ud" --dump-dom "https://localhost:$P/" 2>"$H/chrome.log" || true)
grep -q '<h1 id="greeting">Hello from nginx on tern</h1>' <<<"$dom" ||
  { tail -20 "$H/chrome.log"; fail "Chromium did not render the page: $(head -c 300 <<<"$dom")"; }
line=$(grep '^/index.html 200 ' "$D/access.log" | tail -1)
[ -n "$line" ] || fail "nginx did not log Chromium's request: $(cat "$D/access.log")"
pass "Chromium rendered the page from nginx on tern"
read -r _ _ proto _ curve _ <<<"$line"
[ "$proto" = TLSv1.3 ] && [ "$curve" = 0x11ec ] ||
  fail "Chromium's connection: '$line' (want TLSv1.3 and \$ssl_curve 0x11ec, X25519MLKEM768)"
pass "TLS 1.3 with X25519MLKEM768 (\$ssl_curve 0x11ec)"
alpn=$(awk '{ print $9 }' <<<"$line")
[ "$alpn" = h2 ] && grep -q 'HTTP/2.0$' <<<"$line" ||
  fail "Chromium did not speak HTTP/2 to nginx on tern (ALPN '$alpn'): $line"
pass "Chromium spoke HTTP/2 (ALPN h2)"
ngx_no_alerts "$D"
