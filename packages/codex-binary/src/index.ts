export { resolveCodexBinary, type CodexBinary } from "./resolve-codex-binary.js";
