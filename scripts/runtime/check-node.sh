#!/usr/bin/env bash
# Probes the three services of a running node (codexd, conductor, status-api) and their key
# routes; prints one line per probe and exits 0 when all pass, 1 when one fails, 2 on bad flags.
# Usage: ./scripts/runtime/check-node.sh --node mini   (--help for the flags)
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec node "${SCRIPT_DIR}/lib/check-node.mjs" "$@"
