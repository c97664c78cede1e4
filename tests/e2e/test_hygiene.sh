#!/usr/bin/env bash
# The test scripts themselves: no pipeline ends in `grep -q` (or `-qF`,
# `-qi`...). Under `set -o pipefail`, grep -q exits at its first match and
# the command writing into the pipe dies of SIGPIPE, failing the pipeline
# now and then (cert_cli.sh failed one run in eight that way; the handshake
# page test once too). Capture the output and grep it: grep -q X <<<"$out".
set -euo pipefail
src=$2
bad=$(grep -rnE '\|[[:space:]]*grep[[:space:]]+-[A-Za-z]*q' "$src/tests" "$src/scripts" \
        --include='*.sh' --include='*.bash' || true)
if [ -n "$bad" ]; then
  echo "FAIL: pipelines into grep -q (flaky under pipefail; use grep -q X <<<\"\$out\"):"
  echo "$bad" | sed "s|^$src/|  |"
  exit 1
fi
echo "test_hygiene ok: no pipeline into grep -q in tests/ or scripts/"
