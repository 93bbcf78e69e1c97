import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Provider id and model name codex is told to use. */
export const MOCK_PROVIDER_ID = "mock";
export const MOCK_MODEL_NAME = "mock-model";

/** Optional retry tuning of the mock provider; each maps to the provider key in the comment. */
export interface MockProviderOptions {
  /** `request_max_retries`: HTTP-level retries of one request on 5xx (codex default 4). */
  requestMaxRetries?: number;
  /** `stream_max_retries`: turn-level "Reconnecting... n/N" retries (codex default 5). */
  streamMaxRetries?: number;
  /** `stream_idle_timeout_ms`: how long a silent stream may stay open (codex default 300 000). */
  streamIdleTimeoutMs?: number;
  /**
   * `features.shell_snapshot`: false stops codex from running the user's login shell for every
   * new thread to capture its environment. The benches turn it off for the baseline and ours
   * alike: on a machine whose shell profile is slow (pyenv's rehash takes a lock), 50 threads
   * opened at once spend seconds in it, which measures the profile, not the path to the child.
   */
  shellSnapshot?: boolean;
  /**
   * `sandbox_mode`: codex's sandbox when a thread names none (codex's own default is
   * `read-only`). Demo mode sets `workspace-write` so a task's session can change its worktree.
   */
  sandboxMode?: "read-only" | "workspace-write" | "danger-full-access";
}

// TOML basic strings accept JSON string escapes, so JSON.stringify quotes safely.
const quote = (value: string): string => JSON.stringify(value);

function providerFields(baseUrl: string, options: MockProviderOptions): Array<[string, string]> {
  const fields: Array<[string, string]> = [
    ["name", quote(MOCK_PROVIDER_ID)],
    ["base_url", quote(baseUrl)],
    ["wire_api", quote("responses")]
  ];
  const numeric: Array<[string, number | undefined]> = [
    ["request_max_retries", options.requestMaxRetries],
    ["stream_max_retries", options.streamMaxRetries],
    ["stream_idle_timeout_ms", options.streamIdleTimeoutMs]
  ];
  for (const [key, value] of numeric) {
    if (value !== undefined) fields.push([key, String(Math.max(0, Math.floor(value)))]);
  }
  return fields;
}

/**
 * The `-c` flags that point `codex app-server` at a mock model server. They also turn off
 * `features.plugins`, whose startup sync otherwise reaches out to GitHub and ChatGPT.
 *
 * @example
 * spawn(codex, ["app-server", ...codexConfigArgs(model.baseUrl)], { env: { ...process.env, CODEX_HOME } });
 */
export function codexConfigArgs(baseUrl: string, options: MockProviderOptions = {}): string[] {
  const table = providerFields(baseUrl, options)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  return [
    "-c",
    `model_providers.${MOCK_PROVIDER_ID}={${table}}`,
    "-c",
    `model_provider=${quote(MOCK_PROVIDER_ID)}`,
    "-c",
    `model=${quote(MOCK_MODEL_NAME)}`,
    "-c",
    "features.plugins=false",
    ...(options.shellSnapshot === false ? ["-c", "features.shell_snapshot=false"] : []),
    ...(options.sandboxMode === undefined ? [] : ["-c", `sandbox_mode=${quote(options.sandboxMode)}`])
  ];
}

/** The same settings as {@link codexConfigArgs}, as `config.toml` text. */
export function codexConfigToml(baseUrl: string, options: MockProviderOptions = {}): string {
  return [
    `model = ${quote(MOCK_MODEL_NAME)}`,
    `model_provider = ${quote(MOCK_PROVIDER_ID)}`,
    ...(options.sandboxMode === undefined ? [] : [`sandbox_mode = ${quote(options.sandboxMode)}`]),
    "",
    "[features]",
    "plugins = false",
    ...(options.shellSnapshot === false ? ["shell_snapshot = false"] : []),
    "",
    `[model_providers.${MOCK_PROVIDER_ID}]`,
    ...providerFields(baseUrl, options).map(([key, value]) => `${key} = ${value}`),
    ""
  ].join("\n");
}

/** Creates `dir` if needed and writes `dir/config.toml` pointing codex at the mock (use it as CODEX_HOME). */
export function writeCodexHome(dir: string, baseUrl: string, options: MockProviderOptions = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.toml"), codexConfigToml(baseUrl, options));
}
