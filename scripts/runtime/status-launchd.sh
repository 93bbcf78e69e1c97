#!/usr/bin/env bash
# Shows each service's launchd state and probes its /healthz and key route.
# Flags: --help, or docs/runtime/launchd.md.
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec node "${SCRIPT_DIR}/lib/manage.mjs" launchd status "$@"
