import { resolveCodexBinary } from "@baa/codex-binary";
import { CODEX_PROTOCOL_VERSION } from "@baa/codex-protocol";

export interface CodexVersionInfo {
  /** The pinned @openai/codex version codexd runs when the child command is `codex`. */
  version: string | null;
  /** The version the protocol types were generated from; equal to `version` when pinned right. */
  protocolVersion: string;
  executable: string | null;
  error: string | null;
}

export function codexVersionInfo(childCommand: string): CodexVersionInfo {
  if (childCommand !== "codex") {
    return { version: null, protocolVersion: CODEX_PROTOCOL_VERSION, executable: childCommand, error: null };
  }
  try {
    const binary = resolveCodexBinary();
    return {
      version: binary.version,
      protocolVersion: CODEX_PROTOCOL_VERSION,
      executable: binary.executable,
      error: null
    };
  } catch (error) {
    return {
      version: null,
      protocolVersion: CODEX_PROTOCOL_VERSION,
      executable: null,
      error: (error as Error).message
    };
  }
}
