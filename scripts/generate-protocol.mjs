#!/usr/bin/env node
// Regenerates packages/codex-protocol/src/generated from the pinned, installed codex binary.
// The binary is the source of truth for the app-server protocol; nothing here is typed by hand.
import { execFileSync } from "node:child_process";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  cpSync,
  mkdirSync
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const requireFromCodexd = createRequire(join(repoRoot, "packages/codex-binary/package.json"));
const codexBin = requireFromCodexd.resolve("@openai/codex/bin/codex.js");
const codexVersion = JSON.parse(
  readFileSync(requireFromCodexd.resolve("@openai/codex/package.json"), "utf8")
).version;

const outDir = join(repoRoot, "packages/codex-protocol/src/generated");
const scratch = mkdtempSync(join(tmpdir(), "codex-protocol-"));
try {
  execFileSync(process.execPath, [codexBin, "app-server", "generate-ts", "--out", scratch], {
    stdio: ["ignore", "inherit", "inherit"]
  });
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(scratch, outDir, { recursive: true });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// ts-rs emits extensionless relative imports; NodeNext resolution needs explicit ".js" (or "/index.js").
let files = 0;
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
      continue;
    }
    if (!name.endsWith(".ts")) continue;
    const source = readFileSync(path, "utf8");
    const fixed = source.replace(/from "(\.{1,2}\/[^"]+)"/g, (_match, spec) => {
      const target = join(dirname(path), spec);
      const isDir = (() => {
        try {
          return statSync(target).isDirectory();
        } catch {
          return false;
        }
      })();
      return `from "${spec}${isDir ? "/index.js" : ".js"}"`;
    });
    writeFileSync(path, fixed);
    files += 1;
  }
};
walk(outDir);

writeFileSync(
  join(repoRoot, "packages/codex-protocol/src/codex-version.ts"),
  `// Written by scripts/generate-protocol.mjs: the @openai/codex version the types were generated from.\nexport const CODEX_PROTOCOL_VERSION = ${JSON.stringify(codexVersion)};\n`
);
console.log(`generated ${files} files from codex ${codexVersion} into ${relative(repoRoot, outDir)}`);
