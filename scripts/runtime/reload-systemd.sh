#!/usr/bin/env bash
# Re-renders the install copies, reloads them into systemd, then waits for each service's /healthz.
# Flags: --help, or docs/runtime/systemd.md.
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec node "${SCRIPT_DIR}/lib/manage.mjs" systemd reload "$@"
