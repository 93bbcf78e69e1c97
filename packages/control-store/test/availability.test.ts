import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { startTcpProxy, tempDir } from "@baa/test-support";
import pg from "pg";
import { openControlStore, SQLITE_FILE_NAME, StoreUnavailableError } from "../src/index.js";
import { openSqliteConnection } from "../src/sqlite-driver.js";
import { TEST_DATABASE_URL } from "./support/harness.js";

describe("postgres: the store going away", () => {
  test("a server that is not there fails the open with StoreUnavailableError", async () => {
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    const port = proxy.port;
    await proxy.close();
    await assert.rejects(
      openControlStore({
        databaseUrl: `postgres://postgres@127.0.0.1:${port}/test`,
        schema: "cs_never",
        connectTimeoutMs: 1000
      }),
      StoreUnavailableError
    );
  });

  test("a bad URL or schema is the caller's TypeError, and the URL's password is not in it", async () => {
    await assert.rejects(
      openControlStore({ databaseUrl: "postgres://user:s3cret@[bad/test" }),
      (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.doesNotMatch(JSON.stringify({ ...error, message: error.message }), /s3cret/);
        return true;
      }
    );
    await assert.rejects(
      openControlStore({ databaseUrl: TEST_DATABASE_URL, schema: "Bad-Name" }),
      /schema must match/
    );
    await assert.rejects(openControlStore({ databaseUrl: "mysql://localhost/test" }), /postgres:\/\//);
  });

  test("calls fail with StoreUnavailableError while it is down, and work again when it returns", async () => {
    const schema = `cs_avail_${process.pid}`;
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    const poolErrors: Error[] = [];
    const store = await openControlStore({
      databaseUrl: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
      schema,
      connectTimeoutMs: 1000,
      onPoolError: (error) => poolErrors.push(error)
    });
    try {
      const { task } = await store.createTask({ title: "before", prompt: "p" });
      await proxy.refuse();
      await assert.rejects(store.getTask(task.taskId), StoreUnavailableError);
      await assert.rejects(store.createTask({ title: "during", prompt: "p" }), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError);
        assert.match(error.message, /^createTask: /);
        assert.doesNotMatch(error.message, /postgres:\/\//, "no connection string in the message");
        return true;
      });
      await proxy.up();
      assert.equal((await store.getTask(task.taskId))?.title, "before");
      assert.equal((await store.createTask({ title: "after", prompt: "p" })).created, true);
      assert.equal((await store.countTasksByState()).queued, 2);
    } finally {
      await store.close();
      await proxy.close();
      const client = new pg.Client(TEST_DATABASE_URL);
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  });
});

describe("postgres: a write held off by a lock", () => {
  test("gives up after the statement timeout with StoreUnavailableError instead of hanging, then works", async () => {
    const schema = `cs_lock_${process.pid}`;
    const store = await openControlStore({ databaseUrl: TEST_DATABASE_URL, schema, statementTimeoutMs: 300 });
    const holder = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`
    });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("select * from system_state for update");
      await assert.rejects(store.setSystemMode("paused", "waits"), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError);
        assert.match(error.message, /55P03|57014/, "lock or statement timeout");
        return true;
      });
      await holder.query("rollback");
      assert.equal((await store.createTask({ title: "later", prompt: "p" })).created, true);
    } finally {
      await store.close();
      await holder.query(`drop schema if exists ${schema} cascade`);
      await holder.end();
    }
  });
});

describe("sqlite: the store refusing", () => {
  test("a state dir that cannot hold the file fails the open with StoreUnavailableError", async (t) => {
    const dir = tempDir(t, "control-store-");
    writeFileSync(dir.path("not-a-dir"), "");
    await assert.rejects(openControlStore({ stateDir: dir.path("not-a-dir") }), StoreUnavailableError);
  });

  test("a writer held off past busy_timeout fails with StoreUnavailableError, then works; a closed store refuses", async (t) => {
    const dir = tempDir(t, "control-store-").root;
    const store = await openControlStore({ stateDir: dir, busyTimeoutMs: 50 });
    const other = openSqliteConnection(join(dir, SQLITE_FILE_NAME), { busyTimeoutMs: 5000 });
    try {
      other.exec("begin immediate");
      await assert.rejects(store.createTask({ title: "blocked", prompt: "p" }), (error: unknown) => {
        assert.ok(error instanceof StoreUnavailableError);
        assert.match(error.message, /SQLITE_BUSY/);
        return true;
      });
      // Readers are not held off by a writer (WAL).
      assert.equal((await store.listTasks({ limit: 5 })).tasks.length, 0);
      other.exec("rollback");
      assert.equal((await store.createTask({ title: "later", prompt: "p" })).created, true);
    } finally {
      other.close();
      await store.close();
    }
    await assert.rejects(store.getTask("task-x"), StoreUnavailableError);
  });
});
