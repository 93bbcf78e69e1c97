/** What the mock saw in one `POST /v1/responses`. */
export interface RecordedRequest {
  path: string;
  /** The parsed JSON body (`{model, stream, input, tools, ...}`). */
  body: unknown;
  /** Text of every user-role `input_text` part, in input order (codex also sends its own context as user messages). */
  userTexts: string[];
  lastUserText: string | undefined;
  /** Every `function_call_output` input item, in order; structured outputs are joined to text. */
  functionCallOutputs: Array<{ callId: string; output: string }>;
  /** `Date.now()` when the body had been read. */
  receivedAt: number;
  /**
   * `Date.now()` when the response stream closed: finished, or the client went away (a `hang`
   * reply only ends that way, or on `close()`). Null while it is open.
   */
  closedAt: number | null;
}

type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;

/** The `text` of every part of type `partType` (a bare string content is one part). */
export function contentTexts(content: unknown, partType: string): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content
    .filter((part): part is Json => isObject(part) && part.type === partType && typeof part.text === "string")
    .map((part) => part.text as string);
}

/** A `function_call_output`'s output as text: structured outputs are joined. */
export function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return contentTexts(output, "input_text").join("");
  if (isObject(output) && typeof output.content === "string") return output.content;
  return JSON.stringify(output ?? "");
}

/** Derives the convenient views of a Responses API request body. */
export function viewRequest(path: string, body: unknown, receivedAt: number): RecordedRequest {
  const input = isObject(body) && Array.isArray(body.input) ? body.input.filter(isObject) : [];
  const userTexts = input
    .filter((item) => (item.type === undefined || item.type === "message") && item.role === "user")
    .flatMap((item) => contentTexts(item.content, "input_text"));
  const functionCallOutputs = input
    .filter((item) => item.type === "function_call_output")
    .map((item) => ({ callId: String(item.call_id ?? ""), output: outputText(item.output) }));
  return {
    path,
    body,
    userTexts,
    lastUserText: userTexts.at(-1),
    functionCallOutputs,
    receivedAt,
    closedAt: null
  };
}
