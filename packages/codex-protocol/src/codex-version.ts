// Written by scripts/generate-protocol.mjs: the @openai/codex version the types were generated from.
export const CODEX_PROTOCOL_VERSION = "0.171.0";
