export { startMockModel, type MockModel, type MockModelOptions } from "./server.js";
export {
  echoReply,
  type HangReply,
  type HttpErrorReply,
  type OverloadedReply,
  type Reply,
  type ReplyFactory,
  type SlowTextReply,
  type TextReply,
  type ToolCallReply,
  type UsageLimitReply
} from "./replies.js";
export { viewRequest, type RecordedRequest } from "./request-view.js";
export { viewTurn, type TurnView } from "./turn-view.js";
export { demoReply, isTaskWorkspace, noteCommand, notePath } from "./demo-reply.js";
export {
  planReply,
  splitText,
  SLOW_TEXT_DELTAS,
  type IdSource,
  type PlannedEvent,
  type ReplyPlan
} from "./reply-plan.js";
export { sseFrame, type SseEvent } from "./sse.js";
export {
  codexConfigArgs,
  codexConfigToml,
  writeCodexHome,
  MOCK_MODEL_NAME,
  MOCK_PROVIDER_ID,
  type MockProviderOptions
} from "./codex-config.js";
