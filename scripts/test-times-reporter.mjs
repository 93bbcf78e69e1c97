// A node:test reporter for scripts/run-tests.mjs (RUN_TESTS_TIMES=<file>): after the run it lists
// every test file with the summed wall time of its top-level tests, and the top-level tests
// themselves, slowest first, so the slow parts of the suite are easy to find.
// (Node 20 reports no per-file event, so a file's time is the sum of its top-level tests.)
export default async function* testTimesReporter(source) {
  const files = new Map();
  const tests = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { name, nesting, file, details } = event.data;
    if (nesting !== 0) continue;
    const ms = Math.round(details?.duration_ms ?? 0);
    const ok = event.type === "test:pass";
    const key = file ?? name;
    const entry = files.get(key) ?? { ms: 0, ok: true, count: 0 };
    entry.ms += ms;
    entry.ok &&= ok;
    entry.count += 1;
    files.set(key, entry);
    tests.push({ ms, ok, file: key, name });
  }
  const rel = (path) => path.replace(`${process.cwd()}/`, "");
  yield "# test files, summed time of their top-level tests\n";
  for (const [file, entry] of [...files].sort((a, b) => b[1].ms - a[1].ms)) {
    yield `${String(entry.ms).padStart(8)} ms ${entry.ok ? "ok  " : "FAIL"} ${rel(file)} (${entry.count})\n`;
  }
  yield "# top-level tests\n";
  for (const test of tests.sort((a, b) => b.ms - a.ms)) {
    yield `${String(test.ms).padStart(8)} ms ${test.ok ? "ok  " : "FAIL"} ${rel(test.file)}: ${test.name}\n`;
  }
}
