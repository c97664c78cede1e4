#!/usr/bin/env bash
# make bench-nginx: Debian's nginx with the same configuration on tern's
# libssl.so.3 and on Debian's OpenSSL, one worker, measured in one run:
#   - the worker's CPU time (utime+stime from /proc/PID/stat) per new TLS
#     connection: NEW full handshakes (no resumption: no cache, no
#     tickets), each with one GET, from a Python client whose own cost is
#     not counted;
#   - keep-alive requests per second (wrk, 50 connections, WRK_SECONDS);
#   - the worker's memory (Rss and Pss from /proc/PID/smaps_rollup) with
#     HOLD idle keep-alive TLS connections, against the same worker idle.
# Both libraries see the same client (Python on Debian's OpenSSL: X25519,
# TLS 1.3) and serve the same suite (TLS_AES_128_GCM_SHA256) and ECDSA
# P-256 certificate.
# usage: bench/nginx.sh BUILD_DIR [SOURCE_DIR]
source "$(dirname "$0")/../tests/compat/nginx_lib.bash"
need wrk python3
NEW=${NEW:-2000}
HOLD=${HOLD:-1000}
WRK_SECONDS=${WRK_SECONDS:-5}
CLIENT=$SRC/bench/nginx_client.py
ngx_pki
ulimit -n 8192 2>/dev/null || true

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
mem_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/smaps_rollup"; }

# run LIB: sets R_CPU (µs per new connection), R_RPS, R_RSS, R_PSS (bytes
# per idle connection), R_BASE (the idle worker's Rss, kB)
run() {
  local lib=$1 p d=$WORK/ngx-$1 w t0 t1 hz rss0 pss0 rss1 pss1 fifo out
  p=$(free_port)
  NGX_CONNECTIONS=$((HOLD + 200)) ngx_conf "$d" <<EOF2
access_log off;
keepalive_timeout 300s;
keepalive_requests 1000000;
server {
  listen 127.0.0.1:$p ssl;
  ssl_certificate $ECC;
  ssl_certificate_key $ECC_KEY;
  ssl_session_cache off;
  ssl_session_tickets off;
  # one suite for both (each library would otherwise pick its own:
  # OpenSSL the client's first, AES-256-GCM-SHA384, tern AES-128-GCM)
  ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
  location / { return 200 "ok"; }
}
EOF2
  ngx_start "$d" "$lib" "$p"
  w=$(ngx_workers "$NGX_PID")
  [ "$(wc -w <<<"$w")" -eq 1 ] || fail "want one worker, found: $w"
  hz=$(getconf CLK_TCK)
  echo "[${SECONDS}s] $lib: $NEW new connections" >&2
  python3 "$CLIENT" new "$p" "$CA" 50 # warm-up
  t0=$(cpu_ticks "$w")
  python3 "$CLIENT" new "$p" "$CA" "$NEW" || fail "the new-connection client failed on $lib"
  t1=$(cpu_ticks "$w")
  R_CPU=$(((t1 - t0) * 1000000 / hz / NEW))
  echo "[${SECONDS}s] $lib: wrk, ${WRK_SECONDS}s" >&2
  out=$(wrk -t1 -c50 -d"${WRK_SECONDS}s" "https://127.0.0.1:$p/" 2>&1) || fail "wrk on $lib: $out"
  R_RPS=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' <<<"$out")
  [ -n "$R_RPS" ] || fail "wrk said: $out"
  sleep 1 # wrk's connections closed
  rss0=$(mem_kb "$w" Rss) pss0=$(mem_kb "$w" Pss)
  R_BASE=$rss0
  echo "[${SECONDS}s] $lib: $HOLD idle connections" >&2
  fifo=$WORK/fifo-$lib
  mkfifo "$fifo"
  python3 "$CLIENT" hold "$p" "$CA" "$HOLD" "$fifo" >"$WORK/hold-$lib.out" &
  local hp=$!
  for _ in $(seq 600); do
    grep -q ready "$WORK/hold-$lib.out" && break
    kill -0 "$hp" 2>/dev/null || fail "the holding client failed on $lib"
    sleep 0.1
  done
  grep -q ready "$WORK/hold-$lib.out" || fail "the holding client never got $HOLD connections up on $lib"
  sleep 0.5
  rss1=$(mem_kb "$w" Rss) pss1=$(mem_kb "$w" Pss)
  echo >"$fifo"
  wait "$hp" || true
  R_RSS=$(((rss1 - rss0) * 1024 / HOLD)) R_PSS=$(((pss1 - pss0) * 1024 / HOLD))
  ngx_stop "$NGX_PID"
  ngx_no_alerts "$d"
}

run openssl
O_CPU=$R_CPU O_RPS=$R_RPS O_RSS=$R_RSS O_PSS=$R_PSS O_BASE=$R_BASE
run tern
T_CPU=$R_CPU T_RPS=$R_RPS T_RSS=$R_RSS T_PSS=$R_PSS T_BASE=$R_BASE

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "-" && r <= t) ? "met" : "MISSED" }'; }
cpu_r=$(ratio "$T_CPU" "$O_CPU") pss_r=$(ratio "$T_PSS" "$O_PSS") rss_r=$(ratio "$T_RSS" "$O_RSS")
echo
echo "nginx $(nginx -v 2>&1 | sed 's|.*/||'), one worker; $NEW new connections, wrk ${WRK_SECONDS}s x 50, $HOLD idle"
printf '%-34s %12s %12s %8s\n' "" "tern" "OpenSSL" "tern/OpenSSL"
printf '%-34s %12s %12s %8s  %s\n' "worker CPU per new connection (µs)" "$T_CPU" "$O_CPU" "$cpu_r" \
  "target <= 0.70: $(verdict "$cpu_r" 0.70)"
printf '%-34s %12s %12s %8s\n' "keep-alive requests/s" "$T_RPS" "$O_RPS" "$(ratio "$T_RPS" "$O_RPS")"
printf '%-34s %12s %12s %8s  %s\n' "Pss per idle connection (bytes)" "$T_PSS" "$O_PSS" "$pss_r" \
  "target <= 0.50: $(verdict "$pss_r" 0.50)"
printf '%-34s %12s %12s %8s\n' "Rss per idle connection (bytes)" "$T_RSS" "$O_RSS" "$rss_r"
printf '%-34s %12s %12s\n' "idle worker Rss (kB)" "$T_BASE" "$O_BASE"
