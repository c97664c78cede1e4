#!/usr/bin/env bash
# NIST PKITS (tests/vectors/pkits) through `tern verify --profile rfc5280
# --purpose any`, one invocation per test, with per-section counts (issue 20).
set -u
build=$1 src=$2
tern=$build/tern
[ -x "$tern" ] || { echo "SKIP: $tern not built"; exit 77; }
command -v python3 >/dev/null || { echo "FAIL: python3 missing: scripts/deps.sh check installs it"; exit 1; }
exec python3 "$src/tests/x509/pkits_cli.py" "$tern" "$src/tests/vectors/pkits"
