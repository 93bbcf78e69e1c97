import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import type { ReplyPlan } from "./reply-plan.js";
import { sseFrame } from "./sse.js";

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * Writes a planned reply. `signal` fires when the client disconnects or the mock closes; the
 * stream then stops, and a stream planned to stay open is destroyed.
 */
export async function writeReply(res: ServerResponse, plan: ReplyPlan, signal: AbortSignal): Promise<void> {
  if (plan.kind === "http") {
    res.writeHead(plan.status, { "content-type": plan.contentType }).end(plan.body);
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  res.flushHeaders();
  for (const step of plan.events) {
    if (step.delayMs > 0) {
      try {
        await sleep(step.delayMs, undefined, { signal });
      } catch {
        break;
      }
    }
    if (signal.aborted || res.destroyed) break;
    res.write(sseFrame(step.event));
  }
  if (plan.keepOpen) await aborted(signal);
  if (signal.aborted) res.destroy();
  else res.end();
}
