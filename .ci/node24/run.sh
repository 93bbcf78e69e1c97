#!/usr/bin/env bash
# The Node 24 pass of .ci/run: Node 20 is past its end of life and users run 22 and 24, so a
# representative part of the suite runs again on the newest LTS (from the npm registry's `node`
# package, `npx -p node@24`). better-sqlite3 is a native module compiled for the Node that ran
# `pnpm install`; prepare-native.mjs builds a copy for Node 24's ABI (once, cached under
# node_modules/.cache). The pass runs in a scratch tree (node_modules/.cache/baa-node24/tree):
# the sources copied, node_modules hard-linked, and only better-sqlite3's build/ replaced by the
# Node 24 one, so every Node 24 process (children too, whatever environment they get) loads the
# right binary and the workspace's own build for Node 20 is never touched.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "[node24] $*"; }

if ! NODE24="$(npx --yes -p node@24 node -p process.execPath 2>/dev/null)"; then
  say "NOT RUN: 'npx -p node@24' could not fetch Node 24 from the npm registry; the suite ran on $(node --version) only"
  exit 1
fi
say "Node $("${NODE24}" --version) at ${NODE24}"
if ! ADDON_DIR="$("${NODE24}" .ci/node24/prepare-native.mjs)"; then
  say "NOT RUN: better-sqlite3 could not be built for Node 24's ABI (see the lines above); needs a C++ toolchain (g++, make, python3) and node-gyp from npm"
  exit 1
fi

# A representative subset, not the whole suite (that runs on Node 20 above): every unit test
# of every app and package (fakes, fast; the control-store contract on SQLite through the native
# module, and on PostgreSQL), and one end-to-end test of each area through the real codex binary:
# the seed contract, a session flow, the task lifecycle (SQLite store), the CLI, the service files
# and docs coverage. Left out for time: the multi-node failover, crash and memory e2e tests and
# the Chromium page test.
SUBSET=(
  apps/ packages/
  tests/codexd/seed-contract tests/codexd/session-flow
  tests/conductor/tasks-lifecycle
  tests/cli/ tests/runtime/service-files tests/docs/
)
# A scratch tree: sources copied (small), node_modules hard-linked (fast, no space), except
# better-sqlite3's build/, which is the Node 24 one.
tree="${PWD}/node_modules/.cache/baa-node24/tree"
rm -rf "${tree}"
mkdir -p "${tree}/node_modules"
for entry in $(ls -A); do
  case "${entry}" in .git | node_modules) ;; *) cp -a "${entry}" "${tree}/" ;; esac
done
for entry in $(ls -A node_modules); do
  [ "${entry}" = ".cache" ] || cp -al "node_modules/${entry}" "${tree}/node_modules/"
done
sqlite_pkg="$(cd "${tree}" && "${NODE24}" -p "require('node:path').dirname(require.resolve('better-sqlite3/package.json', { paths: ['packages/control-store'] }))")"
rm -rf "${sqlite_pkg}/build"
cp -r "${ADDON_DIR}/node_modules/better-sqlite3/build" "${sqlite_pkg}/build"

say "running a representative subset on Node 24 (the whole suite ran on $(node --version) above): ${SUBSET[*]}"
say "not run on Node 24, for time: the multi-node failover, crash, restart, memory, security and status-page e2e tests (tests/conductor except tasks-lifecycle, tests/codexd except the two above, tests/security, tests/status-api, tests/architecture, tests/runtime except service-files)"
started=$(date +%s)
status=0
(cd "${tree}" && PATH="$(dirname "${NODE24}"):${PATH}" "${NODE24}" scripts/run-tests.mjs "${SUBSET[@]}") || status=$?
say "subset finished in $(( $(date +%s) - started )) s with exit ${status}"
rm -rf "${tree}"
exit "${status}"
