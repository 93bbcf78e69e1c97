#!/usr/bin/env bash
# Session-chain smoke: builds, then runs the seed contract test and the end-to-end session
# flow through the real codex binary (temporary codexd + conductor, mock model on loopback).
# If the original smoke test is present at tests/codexd/codexd-e2e-smoke.test.mjs, it runs too.
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd -- "${SCRIPT_DIR}/../.." && pwd)"
cd "${REPO_DIR}"

npx --yes pnpm@9.15.9 run build

tests=(tests/codexd/seed-contract.test.ts tests/codexd/session-flow.e2e.test.ts)
if [[ -f tests/codexd/codexd-e2e-smoke.test.mjs ]]; then
  tests+=(tests/codexd/codexd-e2e-smoke.test.mjs)
fi
node --import tsx --test "${tests[@]}"
