#!/usr/bin/env bash
# Renders each service's launchd file from scripts/runtime/lib/service-definitions.mjs into the install dir and loads it (--dry-run: render only).
# Flags: --help, or docs/runtime/launchd.md.
set -euo pipefail
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
exec node "${SCRIPT_DIR}/lib/manage.mjs" launchd install "$@"
