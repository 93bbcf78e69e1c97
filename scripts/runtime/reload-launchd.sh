#!/usr/bin/env bash
# Re-renders the install copies, reloads them into launchd, then waits for each service's /healthz.
# Flags: --help, or docs/runtime/launchd.md.
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec node "${SCRIPT_DIR}/lib/manage.mjs" launchd reload "$@"
