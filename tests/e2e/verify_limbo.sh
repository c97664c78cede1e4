#!/usr/bin/env bash
# x509-limbo through `tern verify`, one invocation per case (issue 20):
# webpki:: cases with --profile web, the others with --profile rfc5280.
# Every verdict must agree; skips are pedantic-* cases only, with reasons.
set -u
build=$1 src=$2
tern=$build/tern
[ -x "$tern" ] || { echo "SKIP: $tern not built"; exit 77; }
command -v python3 >/dev/null || { echo "FAIL: python3 missing: scripts/deps.sh check installs it"; exit 1; }
exec python3 "$src/tests/x509/limbo_cli.py" "$tern" "$src/tests/vectors/x509-limbo/limbo.json"
