import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Provider id, model name and wire format codex is told to use. */
export const MOCK_PROVIDER_ID = "mock";
export const MOCK_MODEL_NAME = "mock-model";

// TOML basic strings accept JSON string escapes, so JSON.stringify quotes safely.
const quote = (value: string): string => JSON.stringify(value);

/**
 * The `-c` flags that point `codex app-server` at a mock model server.
 *
 * @example
 * spawn(codex, ["app-server", ...codexConfigArgs(model.baseUrl)], { env: { ...process.env, CODEX_HOME } });
 */
export function codexConfigArgs(baseUrl: string): string[] {
  return [
    "-c",
    `model_providers.${MOCK_PROVIDER_ID}={name=${quote(MOCK_PROVIDER_ID)},base_url=${quote(baseUrl)},wire_api="responses"}`,
    "-c",
    `model_provider=${quote(MOCK_PROVIDER_ID)}`,
    "-c",
    `model=${quote(MOCK_MODEL_NAME)}`
  ];
}

/** The same settings as {@link codexConfigArgs}, as `config.toml` text. */
export function codexConfigToml(baseUrl: string): string {
  return [
    `model = ${quote(MOCK_MODEL_NAME)}`,
    `model_provider = ${quote(MOCK_PROVIDER_ID)}`,
    "",
    `[model_providers.${MOCK_PROVIDER_ID}]`,
    `name = ${quote(MOCK_PROVIDER_ID)}`,
    `base_url = ${quote(baseUrl)}`,
    `wire_api = "responses"`,
    ""
  ].join("\n");
}

/** Creates `dir` if needed and writes `dir/config.toml` pointing codex at the mock (use it as CODEX_HOME). */
export function writeCodexHome(dir: string, baseUrl: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.toml"), codexConfigToml(baseUrl));
}
