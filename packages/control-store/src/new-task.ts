import type { RepoConfigOverride, ReviewPolicy, TaskSource, WorkspaceKind } from "./records.js";

/** What `POST /v1/tasks` stores; every optional field has the store's default. */
export interface NewTask {
  title: string;
  prompt: string;
  cwd?: string | null;
  model?: string | null;
  priority?: number;
  maxAttempts?: number;
  timeoutMs?: number | null;
  stallTimeoutMs?: number | null;
  dependsOn?: string[];
  notBefore?: string | null;
  approvalPolicy?: string | null;
  sandbox?: string | null;
  workspace?: WorkspaceKind | null;
  review?: ReviewPolicy | null;
  /** Keys over the repository's `.baa/config.json` (setup, checks, maxCheckRounds). */
  repoConfig?: RepoConfigOverride | null;
  /** Labels a node must have to claim the task. */
  runsOn?: string[] | null;
  /** Where an outside intake found it (stored as given; see TaskSource). */
  source?: TaskSource | null;
  /** Notification URLs of this task (http or https; at most 10). */
  notify?: string[];
}
