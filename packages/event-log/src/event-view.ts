import type { CodexdEvent } from "./event-log-filter.js";

/**
 * An event as the recent views hold it (the ring, recent-events.json, a session's recent
 * events): strings longer than the text budget are cut with a marker naming the event's seq,
 * whose log line holds them whole. `cut` is set when anything was cut.
 */
export type RecentEvent = CodexdEvent & { cut?: true };

/** Default budget of one string in a recent view (and of a session's `lastAgentMessage`). */
export const DEFAULT_MAX_TEXT_BYTES = 16 * 1024;

/**
 * Cuts `text` to at most about `maxBytes` of UTF-8 (never splitting a code point) and says
 * where the whole of it is. Text within the budget is returned as is.
 */
export function cutText(text: string, maxBytes: number, seq: number): string {
  // Each UTF-16 unit is at most 3 bytes; a string this short cannot exceed the budget.
  if (text.length * 3 <= maxBytes) return text;
  const total = Buffer.byteLength(text);
  if (total <= maxBytes) return text;
  const head = Buffer.from(text.slice(0, maxBytes), "utf8").subarray(0, maxBytes);
  // Drop a trailing partial code point (the decoder would turn it into U+FFFD).
  let lead = head.length - 1;
  while (lead > 0 && ((head[lead] as number) & 0xc0) === 0x80) lead -= 1;
  const first = head[lead] as number;
  const width = first < 0x80 ? 1 : first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : 2;
  const end = lead + width <= head.length ? head.length : lead;
  // toString copies: the cut text holds no reference to the large original string.
  return `${head.subarray(0, end).toString("utf8")}… [cut: ${end} of ${total} bytes shown; whole in event seq ${seq} of the event log]`;
}

/**
 * The recent view of an event: the same object when nothing is over `maxTextBytes`, else a
 * copy with every long string cut (see `cutText`). If the cut event is still larger than
 * `maxEventBytes` (a huge array of short strings), its data is replaced by a note.
 */
export function recentView(
  event: CodexdEvent,
  options: { maxTextBytes: number; maxEventBytes: number; jsonBytes: number }
): { view: RecentEvent; bytes: number } {
  if (options.jsonBytes <= options.maxTextBytes) return { view: event, bytes: options.jsonBytes };
  const state = { cut: false };
  const data = cutValue(event.data, options.maxTextBytes, event.seq, state);
  if (!state.cut && options.jsonBytes <= options.maxEventBytes)
    return { view: event, bytes: options.jsonBytes };
  let view: RecentEvent = { ...event, data, cut: true };
  let bytes = Buffer.byteLength(JSON.stringify(view));
  if (bytes > options.maxEventBytes) {
    view = {
      ...event,
      data: {
        note: `event data of ${options.jsonBytes} bytes left out; whole in event seq ${event.seq} of the event log`
      },
      cut: true
    };
    bytes = Buffer.byteLength(JSON.stringify(view));
  }
  return { view, bytes };
}

/** `value` with every string longer than `maxBytes` cut (see `cutText`); the same value when none is. */
export function cutLongStrings<T>(value: T, maxBytes: number, seq: number): T {
  const state = { cut: false };
  const cut = cutValue(value, maxBytes, seq, state);
  return (state.cut ? cut : value) as T;
}

function cutValue(value: unknown, maxBytes: number, seq: number, state: { cut: boolean }): unknown {
  if (typeof value === "string") {
    const cut = cutText(value, maxBytes, seq);
    if (cut !== value) state.cut = true;
    return cut;
  }
  if (Array.isArray(value)) return value.map((item) => cutValue(item, maxBytes, seq, state));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = cutValue(item, maxBytes, seq, state);
    return out;
  }
  return value;
}

/** Streamed pieces of an item (`…delta`, `…outputDelta`, `…textDelta`): many, small, and folded into the item later. */
export function isStreamingDelta(type: string): boolean {
  return /delta$/i.test(type);
}
