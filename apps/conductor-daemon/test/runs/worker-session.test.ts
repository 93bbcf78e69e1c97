import assert from "node:assert/strict";
import test from "node:test";
import { createSilentLogger } from "../../src/logger.js";
import {
  CodexdRefusedError,
  type WorkerCodexd,
  type WorkerSessionRequest
} from "../../src/runs/worker-codexd.js";
import { openWorkerSession, threadToResume } from "../../src/runs/worker-session.js";

function codexd(options: { unknownThread?: boolean } = {}) {
  const opened: WorkerSessionRequest[] = [];
  const fake = {
    async openSession(request: WorkerSessionRequest) {
      opened.push(request);
      if (request.threadId !== undefined && options.unknownThread)
        throw new CodexdRefusedError(404, "thread_not_found", "no such thread");
      return { sessionId: "session-1", threadId: request.threadId ?? "thread-new", afterSeq: 0 };
    }
  } as unknown as WorkerCodexd;
  return { fake, opened };
}

const runs = async () => [
  { attempt: 1, threadId: "thread-a" },
  { attempt: 3, threadId: null },
  { attempt: 2, threadId: "thread-b" }
];

test("the thread to resume is the latest run's that had one", () => {
  assert.equal(
    threadToResume([
      { attempt: 1, threadId: "a" },
      { attempt: 2, threadId: "b" },
      { attempt: 3, threadId: null }
    ]),
    "b"
  );
  assert.equal(threadToResume([]), null);
});

test("round 1 starts a new thread with the prompt", async () => {
  const { fake, opened } = codexd();
  const session = await openWorkerSession(
    fake,
    { prompt: "do it", round: 1, roundInput: null },
    runs,
    { cwd: "/w" },
    createSilentLogger()
  );
  assert.deepEqual(opened, [{ cwd: "/w" }]);
  assert.equal(session.input, "do it");
  assert.equal(session.resumedThreadId, null);
});

test("a revise round resumes the last thread and sends the comment", async () => {
  const { fake, opened } = codexd();
  const session = await openWorkerSession(
    fake,
    { prompt: "do it", round: 2, roundInput: "also this" },
    runs,
    { cwd: "/w" },
    createSilentLogger()
  );
  assert.deepEqual(opened, [{ cwd: "/w", threadId: "thread-b" }]);
  assert.equal(session.input, "also this");
  assert.equal(session.resumedThreadId, "thread-b");
});

test("a thread codex no longer knows: a new thread gets the prompt and the comment together", async () => {
  const { fake, opened } = codexd({ unknownThread: true });
  const session = await openWorkerSession(
    fake,
    { prompt: "do it", round: 2, roundInput: "also this" },
    runs,
    { cwd: "/w" },
    createSilentLogger()
  );
  assert.equal(opened.length, 2);
  assert.equal(opened[1]?.threadId, undefined);
  assert.match(session.input, /^do it\n[\s\S]*round 2[\s\S]*also this$/);
  assert.equal(session.resumedThreadId, null);
});
