#!/usr/bin/env bash
# Restarts the installed services through launchd.
# Flags: --help, or docs/runtime/launchd.md.
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec node "${SCRIPT_DIR}/lib/manage.mjs" launchd restart "$@"
