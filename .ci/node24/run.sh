#!/usr/bin/env bash
# The Node 24 pass of .ci/run: Node 20 is past its end of life and users run 22 and 24, so a
# representative part of the suite runs again on the newest LTS (from the npm registry's `node`
# package, `npx -p node@24`), in the same workspace and on the same `pnpm install`.
# Nothing is rebuilt for Node 24: the only native module of the workspace, better-sqlite3 12
# (compiled for the Node that ran `pnpm install`), is the SQLite driver on Node 20 only; on Node 24
# the control store uses Node's built-in node:sqlite (packages/control-store/src/sqlite-driver.ts,
# the reasons in packages/control-store/README.md), so better-sqlite3 is never loaded here.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "[node24] $*"; }

if ! NODE24="$(npx --yes -p node@24 node -p process.execPath 2>/dev/null)"; then
  say "NOT RUN: 'npx -p node@24' could not fetch Node 24 from the npm registry; the suite ran on $(node --version) only"
  exit 1
fi
say "Node $("${NODE24}" --version) at ${NODE24}"
# Which SQLite driver the store takes on this Node (from the built package, as the conductor does).
if ! driver="$("${NODE24}" --input-type=module -e 'import { sqliteDriverName } from "./packages/control-store/dist/index.js"; console.log(sqliteDriverName());')"; then
  say "NOT RUN: the control store's build could not be loaded on Node 24 (see above)"
  exit 1
fi
say "the SQLite store's driver on this Node: ${driver}"
if [ "${driver}" != "node:sqlite" ]; then
  say "NOT RUN: expected node:sqlite on Node 24; better-sqlite3 here is built for $(node --version) and cannot load"
  exit 1
fi

# A representative subset, not the whole suite (that runs on Node 20 above): every unit test
# of every app and package (fakes, fast; the whole control-store suite with its SQLite contract,
# three-process claim race, kill -9 crash and property tests through node:sqlite, and the same on
# PostgreSQL), and one end-to-end test of each area through the real codex binary: the seed
# contract, a session flow, the task lifecycle (SQLite store), the CLI, the service files and
# docs coverage. Left out for time: the multi-node failover, crash and memory e2e tests and the
# Chromium page test.
SUBSET=(
  apps/ packages/
  tests/codexd/seed-contract tests/codexd/session-flow
  tests/conductor/tasks-lifecycle
  tests/cli/ tests/runtime/service-files tests/docs/
)
say "running a representative subset on Node 24 (the whole suite ran on $(node --version) above): ${SUBSET[*]}"
say "not run on Node 24, for time: the multi-node failover, crash, restart, memory, security and status-page e2e tests (tests/conductor except tasks-lifecycle, tests/codexd except the two above, tests/security, tests/status-api, tests/architecture, tests/runtime except service-files)"
started=$(date +%s)
status=0
# Node 24 first in PATH, so child processes started as `node` run on it too.
PATH="$(dirname "${NODE24}"):${PATH}" "${NODE24}" scripts/run-tests.mjs "${SUBSET[@]}" || status=$?
say "subset finished in $(( $(date +%s) - started )) s with exit ${status}"
exit "${status}"
