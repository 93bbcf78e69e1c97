import type { Reply } from "./replies.js";
import {
  functionCallItem,
  messageItem,
  outputItemAdded,
  outputItemDone,
  outputTextDelta,
  responseCompleted,
  responseCreated,
  type SseEvent
} from "./sse.js";

/** One SSE event and how long to wait before writing it. */
export interface PlannedEvent {
  delayMs: number;
  event: SseEvent;
}

/** What the server writes for one reply: an SSE stream (maybe left open) or a plain HTTP answer. */
export type ReplyPlan =
  | { kind: "stream"; events: PlannedEvent[]; keepOpen: boolean }
  | { kind: "http"; status: number; contentType: string; body: string };

/** Makes a fresh id with the given prefix (`resp`, `msg`, `fc`, `call`). */
export type IdSource = (prefix: string) => string;

/** Number of deltas a `slow_text` reply is cut into (fewer when the text is shorter). */
export const SLOW_TEXT_DELTAS = 5;
const INPUT_TOKENS = 10;

/** Cuts text into at most `count` pieces of near-equal length, never splitting a code point. */
export function splitText(text: string, count: number): string[] {
  const chars = Array.from(text);
  const pieces = Math.max(1, Math.min(Math.floor(count), chars.length));
  const out: string[] = [];
  for (let i = 0; i < pieces; i += 1) {
    out.push(
      chars
        .slice(Math.floor((i * chars.length) / pieces), Math.floor(((i + 1) * chars.length) / pieces))
        .join("")
    );
  }
  return out;
}

function textEvents(ids: IdSource, pieces: string[], delayBefore: (index: number) => number): PlannedEvent[] {
  const responseId = ids("resp");
  const itemId = ids("msg");
  const text = pieces.join("");
  return [
    { delayMs: 0, event: responseCreated(responseId) },
    { delayMs: 0, event: outputItemAdded(0, messageItem(itemId, "")) },
    ...pieces.map((piece, index) => ({
      delayMs: delayBefore(index),
      event: outputTextDelta(itemId, 0, piece)
    })),
    { delayMs: 0, event: outputItemDone(0, messageItem(itemId, text)) },
    {
      delayMs: 0,
      event: responseCompleted(responseId, INPUT_TOKENS, Math.max(1, Math.ceil(text.length / 4)))
    }
  ];
}

function errorBody(body: string | object | undefined, fallback: object): string {
  if (typeof body === "string") return body;
  return JSON.stringify(body ?? fallback);
}

/** Turns a reply into the exact events and delays to send; pure, ids come from `ids`. */
export function planReply(reply: Reply, ids: IdSource): ReplyPlan {
  switch (reply.kind) {
    case "text": {
      const pieces = splitText(reply.text, reply.chunks ?? 1);
      const gap = Math.max(0, reply.delayMsBetweenChunks ?? 0);
      return { kind: "stream", keepOpen: false, events: textEvents(ids, pieces, (i) => (i === 0 ? 0 : gap)) };
    }
    case "slow_text": {
      const pieces = splitText(reply.text, SLOW_TEXT_DELTAS);
      const gap = Math.max(0, reply.totalMs) / pieces.length;
      return { kind: "stream", keepOpen: false, events: textEvents(ids, pieces, () => gap) };
    }
    case "tool_call": {
      const responseId = ids("resp");
      const itemId = ids("fc");
      const callId = reply.callId ?? ids("call");
      const name = reply.name ?? "exec_command";
      // The added item carries empty arguments, as the real API does; codex acts on the done item.
      return {
        kind: "stream",
        keepOpen: false,
        events: [
          { delayMs: 0, event: responseCreated(responseId) },
          { delayMs: 0, event: outputItemAdded(0, functionCallItem(itemId, callId, name, "")) },
          {
            delayMs: 0,
            event: outputItemDone(0, functionCallItem(itemId, callId, name, JSON.stringify(reply.arguments)))
          },
          { delayMs: 0, event: responseCompleted(responseId, INPUT_TOKENS, 1) }
        ]
      };
    }
    case "hang":
      return {
        kind: "stream",
        keepOpen: true,
        events: [{ delayMs: 0, event: responseCreated(ids("resp")) }]
      };
    case "http_error":
      return {
        kind: "http",
        status: reply.status,
        contentType: typeof reply.body === "string" ? "text/plain" : "application/json",
        body: errorBody(reply.body, { error: { message: "mock http error", type: "mock_error" } })
      };
    case "usage_limit":
      return {
        kind: "http",
        status: 429,
        contentType: "application/json",
        body: JSON.stringify({
          error: {
            type: "usage_limit_reached",
            message: "The usage limit has been reached",
            plan_type: reply.planType ?? "plus",
            resets_at: reply.resetsAt ?? Math.floor(Date.now() / 1000) + 3600
          }
        })
      };
    case "overloaded":
      return {
        kind: "http",
        status: 503,
        contentType: "application/json",
        body: JSON.stringify({
          error: { message: "mock model is overloaded", type: "server_error", code: "server_is_overloaded" }
        })
      };
  }
}
