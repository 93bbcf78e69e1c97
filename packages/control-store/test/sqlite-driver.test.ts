import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { tempDir } from "@baa/test-support";
import { openSqliteConnection, sqliteDriverName } from "../src/sqlite-driver.js";

const dir = tempDir({ after }, "control-store-driver-");

/** node:sqlite with StatementSync.columns(): 22.16+, 23.11+, 24+. */
function expectedDriver(): string {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  const hasColumns = major >= 24 || (major === 23 && minor >= 11) || (major === 22 && minor >= 16);
  return hasColumns ? "node:sqlite" : "better-sqlite3";
}

describe(`the SQLite driver on Node ${process.version}`, () => {
  test("is the one this Node should get", (t) => {
    assert.equal(sqliteDriverName(), expectedDriver());
    t.diagnostic(`driver: ${sqliteDriverName()}`);
  });

  test("statements say whether they return rows, rows are plain objects, run reports changes", () => {
    const db = openSqliteConnection(dir.path("shape.sqlite"), { busyTimeoutMs: 1000 });
    try {
      assert.equal(
        db.prepare("create table t (id integer primary key, name text unique, n integer)").reader,
        false
      );
      db.prepare("create table t (id integer primary key, name text unique, n integer)").run([]);
      const insert = db.prepare("insert into t (name, n) values (?, ?)");
      assert.equal(insert.reader, false);
      assert.deepEqual(insert.run(["a", 1]), { changes: 1, lastInsertRowid: 1 });
      const returning = db.prepare("insert into t (name, n) values (?, ?) returning id, name");
      assert.equal(returning.reader, true);
      assert.deepEqual(returning.all(["b", null]), [{ id: 2, name: "b" }]);
      assert.equal(db.prepare("pragma journal_mode").reader, true);
      const rows = db.prepare("select name, n from t where id >= ? order by id").all([1]);
      assert.deepEqual(rows, [
        { name: "a", n: 1 },
        { name: "b", n: null }
      ]);
      for (const row of rows) assert.equal(Object.getPrototypeOf(row), Object.prototype);
      assert.deepEqual([...db.prepare("select id from t order by id").iterate([])], [{ id: 1 }, { id: 2 }]);
      assert.deepEqual(db.prepare("update t set n = ? where n is not null").run([7]).changes, 1);
    } finally {
      db.close();
    }
  });

  test("errors carry SQLite's code by name: a unique violation, a busy writer, a closed connection", () => {
    const path = dir.path("errors.sqlite");
    const db = openSqliteConnection(path, { busyTimeoutMs: 0 });
    const other = openSqliteConnection(path, { busyTimeoutMs: 0 });
    try {
      db.exec("pragma journal_mode = WAL; create table k (key text primary key)");
      db.prepare("insert into k values (?)").run(["x"]);
      assert.throws(
        () => db.prepare("insert into k values (?)").run(["x"]),
        (error: Error & { code?: string }) => error.code === "SQLITE_CONSTRAINT_PRIMARYKEY"
      );
      db.exec("begin immediate");
      assert.throws(
        () => other.exec("begin immediate"),
        (error: Error & { code?: string }) => error.code === "SQLITE_BUSY"
      );
      db.exec("rollback");
      other.exec("begin immediate");
      other.exec("rollback");
    } finally {
      other.close();
      db.close();
    }
    assert.throws(() => db.prepare("select 1"));
  });

  test("a process that used the store and collected its statements exits cleanly", () => {
    // The failure this guards against: better-sqlite3 12 built for Node >= 24.19 aborted the
    // process (CHECK env != nullptr) when a statement was finalized at exit.
    const store = pathToFileURL(join(import.meta.dirname, "..", "src", "index.ts")).href;
    const script = `
      import { openControlStore } from ${JSON.stringify(store)};
      const closed = await openControlStore({ stateDir: ${JSON.stringify(dir.path("exit-a"))} });
      for (let i = 0; i < 50; i++) await closed.createTask({ title: "t" + i, prompt: "p" });
      await closed.listTasks({ limit: 50 });
      await closed.close();
      const open = await openControlStore({ stateDir: ${JSON.stringify(dir.path("exit-b"))} });
      for (let i = 0; i < 50; i++) await open.createTask({ title: "t" + i, prompt: "p" });
      globalThis.gc();
      console.log("done");
    `;
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script],
      {
        encoding: "utf8",
        timeout: 60_000
      }
    );
    assert.equal(child.signal, null, `killed by ${child.signal}: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /done/);
    assert.doesNotMatch(child.stderr, /Assertion failed|Segmentation/);
  });
});
