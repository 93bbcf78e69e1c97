import type { RepoConfigOverride } from "@baa/control-store";
import { z } from "zod";

/** Where a repository keeps what the conductor should run in it. */
export const REPO_CONFIG_PATH = ".baa/config.json";

export const DEFAULT_MAX_CHECK_ROUNDS = 3;

const command = z.string().trim().min(1).max(10_000);
const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (path) => !path.startsWith("/") && !path.split(/[\\/]/).includes(".."),
    "must be a path inside the repository (no leading /, no ..)"
  );

export const setupSchema = z.strictObject({
  run: z.array(command).max(20).default([]),
  copy: z.array(relativePath).max(100).default([])
});

export const checkSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  run: command,
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(24 * 60 * 60 * 1000)
    .optional()
});

/** `.baa/config.json`, and the same keys in a task's body (each one replaces the file's). */
export const repoConfigSchema = z.strictObject({
  setup: setupSchema.optional(),
  checks: z
    .array(checkSchema)
    .max(20)
    .refine(
      (checks) => new Set(checks.map((check) => check.name)).size === checks.length,
      "check names must be unique"
    )
    .optional(),
  maxCheckRounds: z.number().int().min(1).max(20).optional()
});

export type RepoConfigFile = z.infer<typeof repoConfigSchema>;

/** What a run follows: the file's keys, each replaced by the task's when it sets it. */
export interface EffectiveRepoConfig {
  setup: { run: string[]; copy: string[] };
  checks: Array<{ name: string; run: string; timeoutMs?: number }>;
  maxCheckRounds: number;
}

/** The repository's file is not valid: the message names the file and each bad key. */
export class RepoConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RepoConfigError";
  }
}

/** Parses the file's text; a bad file is a RepoConfigError naming every bad key. */
export function parseRepoConfig(text: string, where = REPO_CONFIG_PATH): RepoConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RepoConfigError(`${where} is not JSON: ${(error as Error).message}`);
  }
  const parsed = repoConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`
    );
    throw new RepoConfigError(`${where} is not valid: ${problems.join("; ")}`);
  }
  return parsed.data;
}

export function effectiveRepoConfig(
  file: RepoConfigFile | null,
  task: RepoConfigOverride | null
): EffectiveRepoConfig {
  const setup = task?.setup ?? file?.setup;
  return {
    setup: { run: setup?.run ?? [], copy: setup?.copy ?? [] },
    checks: task?.checks ?? file?.checks ?? [],
    maxCheckRounds: task?.maxCheckRounds ?? file?.maxCheckRounds ?? DEFAULT_MAX_CHECK_ROUNDS
  };
}
