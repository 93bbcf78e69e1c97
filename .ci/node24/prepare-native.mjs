#!/usr/bin/env node
// Run BY the Node the tests will run on (24): builds a copy of the workspace's better-sqlite3
// for this Node's ABI, once, into node_modules/.cache/baa-native/<pkg>-abi<N>/, and prints that
// directory. The workspace's own build (for the Node that ran `pnpm install`) is never touched.
// Headers come from the npm `node` package this Node came from (no download); node-gyp from npm.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const require = createRequire(join(root, "packages", "control-store", "package.json"));
const pkgDir = dirname(require.resolve("better-sqlite3/package.json"));
const { version } = require("better-sqlite3/package.json");
const abi = process.versions.modules;
const cacheDir = join(root, "node_modules", ".cache", "baa-native", `better-sqlite3-${version}-abi${abi}`);
const log = (line) => process.stderr.write(`[native] ${line}\n`);

if (existsSync(join(cacheDir, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node"))) {
  log(`better-sqlite3 ${version} for ABI ${abi} is cached`);
  process.stdout.write(`${cacheDir}\n`);
  process.exit(0);
}

// Headers: the npm package node-<platform>-<arch> of this exact version ships them (include/node);
// `npx -p node@24` installs it and may prune it later, so a copy is installed here when missing.
const binDir = dirname(realpathSync(process.execPath));
const platformPkg = `node-${process.platform}-${process.arch}`;
const headersDir = join(root, "node_modules", ".cache", "baa-native", `headers-${process.version}`);
const hasHeaders = (d) => existsSync(join(d, "include", "node", "node_version.h")) && existsSync(join(d, "include", "node", "common.gypi"));
let nodedir = [resolve(binDir, ".."), resolve(binDir, "..", "node_modules", platformPkg), join(headersDir, "node_modules", platformPkg)].find(hasHeaders);
if (nodedir === undefined) {
  log(`fetching ${platformPkg}@${process.version.slice(1)} from the npm registry for its headers`);
  mkdirSync(headersDir, { recursive: true });
  execFileSync("npm", ["install", "--no-save", "--no-package-lock", "--ignore-scripts", "--prefix", headersDir, `${platformPkg}@${process.version.slice(1)}`], {
    stdio: ["ignore", "ignore", "inherit"]
  });
  nodedir = join(headersDir, "node_modules", platformPkg);
  if (!hasHeaders(nodedir)) {
    log(`no Node ${process.version} headers in ${nodedir}`);
    process.exit(3);
  }
}
// better-sqlite3 12 derives its wrappers from node::ObjectWrap. Since Node 24.19 that header-only
// class registers an environment cleanup hook and removes it in its destructor, which aborts the
// process (CHECK env != nullptr) when V8 finalizes a Statement after the environment is gone:
// at every exit of a process that used the store (WiseLibs/better-sqlite3#1515; fixed only in
// better-sqlite3 13, which this project does not use). The copy is built against the headers
// with those two calls taken out, i.e. node::ObjectWrap as every earlier Node shipped it.
const patchedDir = `${cacheDir}.headers`;
rmSync(patchedDir, { recursive: true, force: true });
cpSync(join(nodedir, "include"), join(patchedDir, "include"), { recursive: true, dereference: true });
const wrapHeader = join(patchedDir, "include", "node", "node_object_wrap.h");
const original = readFileSync(wrapHeader, "utf8");
const patched = original.replace(/^\s*AddCleanupHook\(\);\n/m, "").replace(/^\s*RemoveCleanupHook\(\);\n/m, "");
if (patched !== original) log("building against node_object_wrap.h without its environment cleanup hook (see the comment in this file)");
writeFileSync(wrapHeader, patched);
nodedir = patchedDir;

const npmRoot = execFileSync("npm", ["root", "-g"], { encoding: "utf8" }).trim();
const gyp = join(npmRoot, "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
if (!existsSync(gyp)) {
  log(`node-gyp not found at ${gyp}`);
  process.exit(3);
}

const work = `${cacheDir}.partial`;
rmSync(work, { recursive: true, force: true });
const modules = join(work, "node_modules");
mkdirSync(modules, { recursive: true });
cpSync(pkgDir, join(modules, "better-sqlite3"), { recursive: true, dereference: true, filter: (src) => !src.includes(`${pkgDir}/build`) });
// Its runtime dependencies, resolved the way the package itself resolves them.
const pkgRequire = createRequire(join(pkgDir, "package.json"));
const bindingsDir = dirname(pkgRequire.resolve("bindings/package.json"));
cpSync(bindingsDir, join(modules, "bindings"), { recursive: true, dereference: true });
cpSync(dirname(createRequire(join(bindingsDir, "package.json")).resolve("file-uri-to-path/package.json")), join(modules, "file-uri-to-path"), {
  recursive: true,
  dereference: true
});
log(`building better-sqlite3 ${version} for Node ${process.version} (ABI ${abi}) with headers from ${nodedir}; about a minute, once`);
const build = spawnSync(process.execPath, [gyp, "rebuild", "--release", `--nodedir=${nodedir}`, "-j", "2"], {
  cwd: join(modules, "better-sqlite3"),
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
  // npm_config_* from an npm/npx parent (e.g. Debian's nodedir=/usr) would override --nodedir.
  env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k))), PATH: `${binDir}:${process.env.PATH}` }
});
if (build.status !== 0) {
  log(`node-gyp failed (exit ${build.status}${build.error ? `, ${build.error.message}` : ""}); its last output:`);
  process.stderr.write(`${`${build.stdout}\n${build.stderr}`.split("\n").slice(-40).join("\n")}\n`);
  process.exit(1);
}
// Prove it loads here and that a process which used it exits cleanly, before it is cached.
const probe = spawnSync(
  process.execPath,
  ["--expose-gc", "-e", `const D = require(${JSON.stringify(join(modules, "better-sqlite3"))}); const db = new D(":memory:"); for (let i = 0; i < 2000; i++) db.prepare("select " + i).get(); setTimeout(() => { globalThis.gc(); }, 10);`],
  { encoding: "utf8" }
);
if (probe.status !== 0) {
  log(`the Node ${process.version} build of better-sqlite3 fails its probe (exit ${probe.status}, signal ${probe.signal}): ${probe.stderr.split("\n").slice(0, 4).join(" | ")}`);
  process.exit(1);
}
rmSync(cacheDir, { recursive: true, force: true });
renameSync(work, cacheDir);
rmSync(patchedDir, { recursive: true, force: true });
process.stdout.write(`${cacheDir}\n`);
