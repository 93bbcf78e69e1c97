import type { RunRecord } from "@baa/control-store";

/** A dead or frozen owner must not hold up the sweep for long. */
const REMOTE_INTERRUPT_TIMEOUT_MS = 2_000;

/**
 * Asks a run's owner to stop its turn: `POST {address}/v1/codex/turn/interrupt` on the owner's
 * conductor (which forwards to its codexd), with the shared token. "No turn in progress" (409)
 * and "no such session" (404) mean it already ended; anything else throws for the caller to log.
 */
export async function interruptOnOwner(
  address: string,
  token: string,
  run: RunRecord,
  fetchImpl: typeof fetch = fetch
): Promise<void> {
  if (run.sessionId === null) return;
  const url = new URL("/v1/codex/turn/interrupt", address);
  const response = await fetchImpl(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(
      run.turnId === null ? { sessionId: run.sessionId } : { sessionId: run.sessionId, turnId: run.turnId }
    ),
    signal: AbortSignal.timeout(REMOTE_INTERRUPT_TIMEOUT_MS)
  });
  await response.body?.cancel();
  if (response.status === 202 || response.status === 404 || response.status === 409) return;
  throw new Error(`${address} answered the interrupt of run ${run.runId} with ${response.status}`);
}
