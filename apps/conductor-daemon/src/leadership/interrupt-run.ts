import type { RunRecord } from "@baa/control-store";
import type { CodexdClient } from "../codexd/codexd-client.js";

const INTERRUPT_TIMEOUT_MS = 5_000;

/**
 * Asks codexd to stop the turn a run left going. "No turn in progress" and "no such session"
 * mean it already ended, which is what we want; anything else is an error for the caller to log.
 */
export async function interruptRunTurn(codexd: CodexdClient, run: RunRecord): Promise<void> {
  if (run.sessionId === null) return;
  const reply = await codexd.request({
    method: "POST",
    pathAndQuery: "/v1/codexd/turn/interrupt",
    contentType: "application/json",
    accept: "application/json",
    body: JSON.stringify(
      run.turnId === null ? { sessionId: run.sessionId } : { sessionId: run.sessionId, turnId: run.turnId }
    ),
    // Bounded: a takeover waits for these before its first claim.
    timeoutMs: INTERRUPT_TIMEOUT_MS
  });
  if (reply.status === 202 || reply.status === 404 || reply.status === 409) return;
  const code = (reply.json as { error?: { code?: unknown } } | undefined)?.error?.code;
  throw new Error(
    `codexd answered the interrupt of run ${run.runId} with ${reply.status}${typeof code === "string" ? ` ${code}` : ""}`
  );
}
