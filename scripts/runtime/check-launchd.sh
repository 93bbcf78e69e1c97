#!/usr/bin/env bash
# Static check of the rendered launchd files: valid file, program path, listen addresses, event path, logs and state dirs, the app-server child.
# Flags: --help, or docs/runtime/launchd.md.
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec node "${SCRIPT_DIR}/lib/manage.mjs" launchd check "$@"
