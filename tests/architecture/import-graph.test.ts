import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import madge from "madge";

// The layout rules of STYLE.md, checked: no import cycle anywhere in apps/ or packages/ (type
// imports count too), no package imports an app, no app imports another app.

const root = fileURLToPath(new URL("../..", import.meta.url));
const dirsUnder = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((name) => statSync(join(root, dir, name)).isDirectory())
    .map((name) => join(dir, name));
const sourceDirs = [...dirsUnder("apps"), ...dirsUnder("packages")]
  .map((dir) => join(dir, "src"))
  .filter((dir) => {
    try {
      return statSync(join(root, dir)).isDirectory();
    } catch {
      return false;
    }
  });

interface Workspace {
  dir: string;
  name: string;
  kind: "app" | "package";
  deps: string[];
}

const workspaces: Workspace[] = [...dirsUnder("apps"), ...dirsUnder("packages")].flatMap((dir) => {
  try {
    const manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
    const deps = Object.keys({
      ...manifest.dependencies,
      ...manifest.devDependencies,
      ...manifest.peerDependencies
    });
    return [
      {
        dir,
        name: manifest.name as string,
        kind: dir.startsWith("apps") ? ("app" as const) : ("package" as const),
        deps
      }
    ];
  } catch {
    return [];
  }
});

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return tsFiles(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

// `from "x"`, `import("x")`, `require("x")`, `import "x"`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

test("no import cycle in apps/*/src or packages/*/src", async () => {
  assert.ok(sourceDirs.length >= 5, `found the source dirs: ${sourceDirs.join(", ")}`);
  const graph = await madge(
    sourceDirs.map((dir) => join(root, dir)),
    {
      baseDir: root,
      fileExtensions: ["ts", "mts"],
      excludeRegExp: [/node_modules/, /\/dist\//, /\.d\.ts$/],
      detectiveOptions: { ts: { skipTypeImports: false } }
    }
  );
  const files = Object.keys(graph.obj());
  assert.ok(files.length > 100, `madge read the sources (${files.length} files)`);
  // A relative import must resolve to a file of the graph, or a cycle through it would be missed.
  assert.ok(
    Object.values(graph.obj()).some((deps) => deps.length > 0),
    "madge resolved imports between files"
  );
  assert.deepEqual(graph.circular(), [], "import cycles");
});

test("no package depends on an app and no app on another app", () => {
  const apps = new Map(workspaces.filter((w) => w.kind === "app").map((w) => [w.name, w]));
  const wrong: string[] = [];
  for (const workspace of workspaces) {
    for (const dep of workspace.deps) {
      if (apps.has(dep) && dep !== workspace.name)
        wrong.push(`${workspace.dir}/package.json depends on the app ${dep}`);
    }
    const src = join(workspace.dir, "src");
    let files: string[];
    try {
      files = tsFiles(src);
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(join(root, file), "utf8");
      for (const match of text.matchAll(SPECIFIER)) {
        const spec = match[1] as string;
        const appName = [...apps.keys()].find((name) => spec === name || spec.startsWith(`${name}/`));
        if (appName !== undefined && appName !== workspace.name)
          wrong.push(`${file} imports the app ${spec}`);
        if (spec.startsWith(".")) {
          const target = relative(root, join(root, file, "..", spec));
          const targetApp = target.match(/^apps\/[^/]+/)?.[0];
          if (targetApp !== undefined && targetApp !== workspace.dir)
            wrong.push(`${file} reaches into ${target}`);
          if (target.startsWith("packages/") && !target.startsWith(`${workspace.dir}/`))
            wrong.push(`${file} reaches into ${target}`);
        }
      }
    }
  }
  assert.deepEqual(wrong, []);
});
