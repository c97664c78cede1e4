#!/usr/bin/env bash
# Installs what `make check` / `make demo` need from Debian's packages when
# it is missing. As root: `apt-get update` once, then `apt-get install -y`,
# saying what it installs. Otherwise: fail with the exact command to run.
# This is the one place packages are installed: a test whose peer is
# missing fails with the install command (tests never install quietly), so
# every package a test uses is listed here.
#   scripts/deps.sh build      compiler, cmake, libcrypto headers
#   scripts/deps.sh check      + peers and tools the tests use
#   scripts/deps.sh load       + wrk (make load)
set -euo pipefail
what=${1:-check}

# command-or-file : package
build_needs=(
  "cc:gcc" "make:make" "cmake:cmake" "pkg-config:pkg-config"
  "/usr/include/openssl/evp.h:libssl-dev"
  "/usr/include/libpsl.h:libpsl-dev" "/usr/share/publicsuffix/public_suffix_list.dat:publicsuffix"
  "/usr/include/uninorm.h:libunistring-dev"
)
check_needs=(
  "openssl:openssl" "clang:clang" "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev"
  "gnutls-cli:gnutls-bin" "curl:curl" "python3:python3" "go:golang-go"
  "valgrind:valgrind" "/usr/include/valgrind/memcheck.h:valgrind" "clang-format:clang-format"
  "java:openjdk-17-jre-headless" "keytool:openjdk-17-jre-headless"
  "chromium:chromium" "certutil:libnss3-tools" "tshark:tshark"
  "/usr/lib/python3/dist-packages/cryptography_vectors/x509/PKITS_data/certs/TrustAnchorRootCertificate.crt:python3-cryptography-vectors"
  "/usr/lib/python3/dist-packages/jsonschema/__init__.py:python3-jsonschema"
  "/usr/lib/python3/dist-packages/cryptography/__init__.py:python3-cryptography"
  "/usr/sbin/nginx:nginx" "/usr/lib/x86_64-linux-gnu/libcurl.so.4:libcurl4"
  "/usr/include/x86_64-linux-gnu/curl/curl.h:libcurl4-openssl-dev" "stdbuf:coreutils"
  "/usr/lib/nginx/modules/ngx_stream_module.so:libnginx-mod-stream"
  "/usr/lib/x86_64-linux-gnu/libssl.so.3:libssl3" "/etc/ssl/certs/ca-certificates.crt:ca-certificates"
)

load_needs=("wrk:wrk" "openssl:openssl" "curl:curl" "/usr/sbin/nginx:nginx")

needs=("${build_needs[@]}")
[ "$what" = check ] && needs+=("${check_needs[@]}")
[ "$what" = load ] && needs+=("${load_needs[@]}")

missing=()
for item in "${needs[@]}"; do
  probe=${item%%:*} pkg=${item##*:}
  if [[ $probe == /* ]]; then
    [ -e "$probe" ] && continue
  else
    command -v "$probe" >/dev/null 2>&1 && continue
  fi
  missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # tshark asks whether non-root users may capture: the noninteractive
  # frontend takes the default (no).
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  echo "deps: installed ${missing[*]}" >&2
else
  echo "deps: missing ${missing[*]}. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
