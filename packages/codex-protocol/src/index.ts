export type * from "./generated/index.js";
export type * as v2 from "./generated/v2/index.js";
export { CODEX_PROTOCOL_VERSION } from "./codex-version.js";
