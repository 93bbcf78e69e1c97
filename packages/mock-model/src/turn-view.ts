import { contentTexts, isObject, outputText, type RecordedRequest } from "./request-view.js";

/** What one request says about the conversation it belongs to and the turn under way. */
export interface TurnView {
  /** The `<cwd>` of the newest `<environment_context>` codex sent, or null when there is none. */
  cwd: string | null;
  /** What a person (or the conductor) typed, oldest first; codex's own context messages left out. */
  prompts: string[];
  /** Outputs of the tool calls made since the newest prompt: what this turn has run so far. */
  turnOutputs: Array<{ callId: string; output: string }>;
}

// Codex sends its context as user messages too: `<environment_context>…`, `<user_instructions>…`,
// and the AGENTS.md text as "# AGENTS.md instructions for <dir>" (codex 0.169).
const CONTEXT_BLOCK = /^\s*<([a-z_]+)>[\s\S]*<\/\1>\s*$/;
const AGENTS_MD = /^# AGENTS\.md instructions for /;
const CWD = /<cwd>([\s\S]*?)<\/cwd>/;

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescapeXml = (text: string): string =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? "");

const isContext = (text: string): boolean => CONTEXT_BLOCK.test(text) || AGENTS_MD.test(text);

/** Reads the working directory, the prompts and this turn's tool outputs from a request. */
export function viewTurn(request: Pick<RecordedRequest, "body">): TurnView {
  const body = request.body;
  const input = isObject(body) && Array.isArray(body.input) ? body.input.filter(isObject) : [];
  let cwd: string | null = null;
  const prompts: string[] = [];
  let turnOutputs: TurnView["turnOutputs"] = [];
  for (const item of input) {
    if (item.type === "function_call_output") {
      turnOutputs.push({ callId: String(item.call_id ?? ""), output: outputText(item.output) });
      continue;
    }
    if (!((item.type === undefined || item.type === "message") && item.role === "user")) continue;
    for (const text of contentTexts(item.content, "input_text")) {
      const seen = CWD.exec(text);
      if (seen !== null && text.trimStart().startsWith("<environment_context>"))
        cwd = unescapeXml(seen[1] ?? "").trim() || cwd;
      if (isContext(text)) continue;
      prompts.push(text);
      turnOutputs = [];
    }
  }
  return { cwd, prompts, turnOutputs };
}
