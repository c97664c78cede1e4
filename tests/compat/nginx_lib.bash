# Shared by tests/compat/nginx_*.sh and bench/nginx.sh (sourced): Debian's
# unmodified nginx, on tern's libssl.so.3 or on Debian's OpenSSL, in a
# folder of its own (prefix, config, logs, temp paths, pid file) on free
# high ports, in the foreground so the test owns its process.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
need nginx
NGINX=/usr/sbin/nginx
NGX_MODULES=/usr/lib/nginx/modules
NGX_DIRS=()

# On failure, the tail of every error.log we started is what explains it.
fail() {
  local d
  echo "FAIL: $*"
  for d in "${NGX_DIRS[@]}"; do
    [ -s "$d/error.log" ] || continue
    echo "--- $d/error.log (last 30 lines)"
    tail -30 "$d/error.log"
  done
  exit 1
}

# ngx_stream_module: the load_module line for the dynamic stream module
# (package libnginx-mod-stream).
ngx_stream_module() {
  local so=$NGX_MODULES/ngx_stream_module.so
  [ -f "$so" ] || fail "no $so; run: scripts/deps.sh check (as root), or sudo apt-get install -y libnginx-mod-stream"
  echo "load_module $so;"
}

# ngx_pki: certificates from tern cert, for localhost and 127.0.0.1, under
# one development CA: ECDSA ($ECC, $ECC_KEY), RSA ($RSA, $RSA_KEY), a
# second name other.test ($OTHER, $OTHER_KEY) and a client certificate
# ($CLI, $CLI_KEY). $CA is the CA. Made once per test.
ngx_pki() {
  local d=$WORK/pki
  mkdir -p "$d/ecc" "$d/rsa" "$d/other" "$d/cli"
  "$TERN" cert issue --state-dir "$WORK/state" --out-dir "$d/ecc" localhost 127.0.0.1 >/dev/null
  "$TERN" cert issue --state-dir "$WORK/state" --key-type rsa --out-dir "$d/rsa" localhost 127.0.0.1 >/dev/null
  "$TERN" cert issue --state-dir "$WORK/state" --out-dir "$d/other" other.test >/dev/null
  "$TERN" cert issue --state-dir "$WORK/state" --client --out-dir "$d/cli" client.test >/dev/null
  CA=$WORK/state/ca.pem
  ECC=$d/ecc/localhost.pem ECC_KEY=$d/ecc/localhost-key.pem
  RSA=$d/rsa/localhost.pem RSA_KEY=$d/rsa/localhost-key.pem
  OTHER=$d/other/other.test.pem OTHER_KEY=$d/other/other.test-key.pem
  CLI=$d/cli/client.test.pem CLI_KEY=$d/cli/client.test-key.pem
}

# ngx_conf DIR: DIR/nginx.conf around the http{} body read from stdin.
# NGX_WORKERS (1) workers; NGX_MAIN is put in the main context first
# (load_module, stream{}). ssl_protocols TLSv1.2 TLSv1.3 as in Debian's
# nginx.conf. The access log (DIR/access.log) has one line
# per request with the TLS variables, space-separated:
#   uri status protocol cipher curve curves server_name reused alpn
#   client_verify "client_s_dn"
ngx_conf() {
  local dir=$1
  mkdir -p "$dir/tmp" "$dir/html"
  [ -f "$dir/html/index.html" ] || printf 'hello from nginx\n' >"$dir/html/index.html"
  NGX_DIRS+=("$dir")
  {
    echo "${NGX_MAIN:-}"
    echo "worker_processes ${NGX_WORKERS:-1};"
    [ "$(id -u)" -eq 0 ] && echo "user root;"
    cat <<EOF
error_log $dir/error.log info;
pid $dir/nginx.pid;
events { worker_connections ${NGX_CONNECTIONS:-1024}; }
http {
  log_format tls '\$uri \$status \$ssl_protocol \$ssl_cipher \$ssl_curve "\$ssl_curves" '
                 '\$ssl_server_name \$ssl_session_reused \$ssl_alpn_protocol '
                 '\$ssl_client_verify "\$ssl_client_s_dn" \$server_protocol';
  access_log $dir/access.log tls;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type text/plain;
  root $dir/html;
  # nginx 1.22's default leaves TLS 1.3 out (SSL_OP_NO_TLSv1_3); Debian's
  # /etc/nginx/nginx.conf says this
  ssl_protocols TLSv1.2 TLSv1.3;
EOF
    cat
    echo "}"
  } >"$dir/nginx.conf"
}

# ngx_env LIB: NGX_ENV, the environment for nginx on LIB (tern or
# openssl), as on_tern gives it (the ASan runtime preloaded in a
# sanitizer build), for an exec'd nginx whose process id is its own.
ngx_env() {
  NGX_ENV=()
  [ "$1" = tern ] || return 0
  NGX_ENV=("LD_LIBRARY_PATH=$TLIB")
  if grep -q libasan <<<"$(ldd "$TLIB/libssl.so.3")"; then
    NGX_ENV+=("LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
      "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0:verify_asan_link_order=0")
  fi
}

# ngx_cmd LIB DIR ARGS...: nginx with DIR's prefix and config, on LIB.
ngx_cmd() {
  local lib=$1 dir=$2
  shift 2
  ngx_env "$lib"
  env "${NGX_ENV[@]}" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" "$@"
}

# ngx_start DIR LIB PORT...: nginx in the foreground on LIB (tern or
# openssl) until every PORT listens; sets NGX_PID (the master). Fails with
# the error log when it does not come up.
ngx_start() {
  local dir=$1 lib=$2 p
  shift 2
  ngx_env "$lib"
  env "${NGX_ENV[@]}" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
    -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  NGX_PID=$!
  PIDS+=("$NGX_PID")
  for p in "$@"; do
    wait_port "$p" "$NGX_PID" || { cat "$dir/stdout.log"; fail "nginx ($lib) in $dir did not listen on $p"; }
  done
}

# ngx_stop PID: the master's graceful stop (QUIT), waited for (10 s, then
# TERM).
ngx_stop() {
  local pid=$1 i
  kill -QUIT "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ngx_workers MASTER: the worker processes' ids.
ngx_workers() {
  local f
  for f in /proc/[0-9]*/stat; do
    awk -v m="$1" '$4 == m { print $1 }' "$f" 2>/dev/null || true
  done
}

# ngx_log DIR: the last access-log line (nginx writes it after the response).
ngx_last() {
  local i
  for i in $(seq 20); do
    [ -s "$1/access.log" ] && break
    sleep 0.05
  done
  tail -1 "$1/access.log"
}

# ngx_no_alerts DIR: nginx logged no [alert], [crit] or [emerg] (a stale
# OpenSSL error, a crashed worker). Handshakes a test makes fail on
# purpose are left out: nginx logs those at [crit] when the reason code is
# not one of the client-caused ones it knows, which tern's generic
# "ssl handshake failure" is not.
# ngx_no_alerts DIR [PATTERN]: PATTERN, lines the test caused on purpose.
ngx_no_alerts() {
  if grep -E '\[(alert|crit|emerg)\]|stale global SSL error|exited on signal' "$1/error.log" |
    grep -v 'SSL_do_handshake() failed' | grep -Ev "${2:-^$}"; then
    fail "nginx logged the lines above in $1/error.log"
  fi
}
