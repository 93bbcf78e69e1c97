import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import test from "node:test";
import { pathToFileURL } from "node:url";
import { BundleRequiredError, chooseEntry } from "../src/index.js";

/** A dist/ with start.js (the modules), a bundle built from two inputs, and its manifest. */
function fixture(t: { after(fn: () => void): void }) {
  const root = mkdtempSync(join(tmpdir(), "baa-bundle-test-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dist = join(root, "app", "dist");
  mkdirSync(dist, { recursive: true });
  mkdirSync(join(root, "lib", "dist"), { recursive: true });
  const write = (path: string, text: string) => {
    writeFileSync(join(root, path), text);
    return join(root, path);
  };
  write("app/dist/start.js", "export {};\n");
  const inputs = [
    write("app/dist/cli.js", "export const a = 1;\n"),
    write("lib/dist/index.js", "export const b = 2;\n")
  ];
  const outputs = [
    write("app/dist/bundle-start.js", "export {};\n"),
    write("app/dist/bundle-chunk-1.js", "export const c = 3;\n")
  ];
  const entry = (path: string): [string, [number, number]] => {
    const stat = statSync(path);
    return [relative(dist, path), [stat.mtimeMs, stat.size]];
  };
  writeFileSync(
    join(dist, "bundle-manifest.json"),
    JSON.stringify({
      version: 1,
      entry: "bundle-start.js",
      inputs: Object.fromEntries(inputs.map(entry)),
      outputs: Object.fromEntries(outputs.map(entry))
    })
  );
  const choose = (mode?: string) =>
    chooseEntry(
      pathToFileURL(join(dist, "bundle-manifest.json")),
      pathToFileURL(join(dist, "start.js")),
      mode
    );
  return { root, dist, choose, inputs, outputs };
}

test("a bundle whose inputs and outputs are as they were when it was made is used", (t) => {
  const { choose, dist } = fixture(t);
  for (const mode of [undefined, "", "auto", "require"]) {
    const choice = choose(mode);
    assert.equal(choice.use, "bundle", `mode ${String(mode)}`);
    assert.equal(choice.entry.href, pathToFileURL(join(dist, "bundle-start.js")).href);
  }
});

test("an input rewritten after the bundle (tsc -b ran again) makes the modules run, even with the same size", (t) => {
  const { choose, inputs, dist } = fixture(t);
  const later = new Date(statSync(inputs[1]!).mtimeMs + 5_000);
  utimesSync(inputs[1]!, later, later);
  const choice = choose();
  assert.equal(choice.use, "modules");
  assert.equal(choice.entry.href, pathToFileURL(join(dist, "start.js")).href);
  assert.match(
    choice.use === "modules" ? choice.reason : "",
    /lib\/dist\/index\.js changed since the bundle was made/
  );
  assert.throws(
    () => choose("require"),
    (error: unknown) =>
      error instanceof BundleRequiredError && /changed since the bundle was made/.test(error.message)
  );
});

test("an input or an output that is gone, a changed output, or no manifest at all makes the modules run", (t) => {
  const a = fixture(t);
  rmSync(a.inputs[0]!);
  assert.equal(a.choose().use, "modules");

  const b = fixture(t);
  rmSync(b.outputs[1]!);
  const gone = b.choose();
  assert.equal(gone.use, "modules");
  assert.match(gone.use === "modules" ? gone.reason : "", /bundle-chunk-1\.js is gone/);

  const c = fixture(t);
  writeFileSync(c.outputs[0]!, "export {}; // edited by hand\n");
  assert.equal(c.choose().use, "modules");

  const d = fixture(t);
  rmSync(join(d.dist, "bundle-manifest.json"));
  const none = d.choose();
  assert.equal(none.use, "modules");
  assert.match(none.use === "modules" ? none.reason : "", /no bundle/);
  assert.throws(() => d.choose("require"), BundleRequiredError);

  const e = fixture(t);
  writeFileSync(join(e.dist, "bundle-manifest.json"), JSON.stringify({ version: 2 }));
  assert.equal(e.choose().use, "modules");
});

test("BAA_BUNDLE=off runs the modules even with a fresh bundle; an unknown value is refused", (t) => {
  const { choose } = fixture(t);
  const off = choose("off");
  assert.equal(off.use, "modules");
  assert.throws(
    () => choose("yes"),
    (error: unknown) => error instanceof BundleRequiredError && /auto, off or require/.test(error.message)
  );
});
