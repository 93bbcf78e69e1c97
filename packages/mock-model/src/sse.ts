/** One Responses API stream event; `type` doubles as the SSE `event:` name. */
export interface SseEvent {
  type: string;
  [field: string]: unknown;
}

/** Serialises one event as an SSE frame: `event: <type>\ndata: <json>\n\n`. */
export function sseFrame(event: SseEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** Output item shapes as codex parses them. */
export function messageItem(id: string, text: string): Record<string, unknown> {
  return { type: "message", role: "assistant", id, content: [{ type: "output_text", text }] };
}

export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string
): Record<string, unknown> {
  return { type: "function_call", id, call_id: callId, name, arguments: args };
}

export const responseCreated = (responseId: string): SseEvent => ({
  type: "response.created",
  response: { id: responseId }
});

export const outputItemAdded = (outputIndex: number, item: Record<string, unknown>): SseEvent => ({
  type: "response.output_item.added",
  output_index: outputIndex,
  item
});

export const outputTextDelta = (itemId: string, outputIndex: number, delta: string): SseEvent => ({
  type: "response.output_text.delta",
  item_id: itemId,
  output_index: outputIndex,
  content_index: 0,
  delta
});

export const outputItemDone = (outputIndex: number, item: Record<string, unknown>): SseEvent => ({
  type: "response.output_item.done",
  output_index: outputIndex,
  item
});

/** Codex requires `usage` with both detail objects on completion. */
export const responseCompleted = (
  responseId: string,
  inputTokens: number,
  outputTokens: number
): SseEvent => ({
  type: "response.completed",
  response: {
    id: responseId,
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 }
    }
  }
});
