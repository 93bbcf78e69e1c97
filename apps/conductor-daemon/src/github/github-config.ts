import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { z } from "zod";

/** The label an issue needs when a repository's entry names none. */
export const DEFAULT_ISSUE_LABEL = "baa";

/** One repository whose labelled issues become tasks. */
export const GitHubRepoSchema = z.strictObject({
  /** `owner/name`, as on GitHub. */
  repo: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/,
      'must be "owner/name" (e.g. "acme/widgets")'
    ),
  /** The local clone the issue's task works in (its worktree is made from it). */
  cwd: z.string().refine((value) => isAbsolute(value), "must be an absolute path to the local clone"),
  label: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(50, "must be at most 50 characters")
    .default(DEFAULT_ISSUE_LABEL),
  review: z.enum(["required", "none", "auto_land"]).optional(),
  /** Node labels the task needs; stored, no effect until tasks are placed on nodes by label. */
  runsOn: z.array(z.string().trim().min(1)).optional()
});

export type GitHubRepoConfig = z.output<typeof GitHubRepoSchema>;

/**
 * `BAA_GITHUB_REPOS` (JSON text) or the same list given as an array (code, tests, the config
 * file). A repository listed twice is refused: which entry's cwd would win is not obvious.
 */
export const GitHubReposSchema = z
  .preprocess(
    (value, ctx) => {
      if (typeof value !== "string") return value;
      try {
        return JSON.parse(value) as unknown;
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: `not valid JSON: ${(error as Error).message}`,
          input: value
        });
        return z.NEVER;
      }
    },
    z.array(GitHubRepoSchema, { error: "must be a JSON list of {repo, cwd, label?, review?, runsOn?}" })
  )
  .superRefine((repos, ctx) => {
    const seen = new Map<string, number>();
    repos.forEach((entry, index) => {
      const key = entry.repo.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [index, "repo"],
          message: `${entry.repo} is listed twice (also entry ${first})`,
          input: entry.repo
        });
      else seen.set(key, index);
    });
  });

/**
 * `--github-config FILE` / `BAA_GITHUB_CONFIG`: reads the file into `input.githubRepos` (its text:
 * the schema parses and checks it like `BAA_GITHUB_REPOS`). Problems name the file; giving both
 * the file and the variable is one.
 */
export function readGitHubConfigFile(input: Record<string, unknown>, problems: string[]): void {
  const file = input.githubConfigFile;
  if (typeof file !== "string") return;
  if (input.githubRepos !== undefined) {
    problems.push(
      "githubConfigFile (--github-config / BAA_GITHUB_CONFIG): set either it or BAA_GITHUB_REPOS, not both"
    );
    return;
  }
  try {
    input.githubRepos = readFileSync(file, "utf8");
  } catch (error) {
    problems.push(
      `githubConfigFile (--github-config / BAA_GITHUB_CONFIG): cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
    );
  }
}

/** Cross-key problems of a parsed configuration's GitHub part. */
export function gitHubConfigProblems(config: {
  githubRepos: readonly GitHubRepoConfig[];
  githubToken?: string | undefined;
}): string[] {
  if (config.githubRepos.length > 0 && config.githubToken === undefined) {
    return [
      "githubRepos (BAA_GITHUB_REPOS / --github-config): needs BAA_GITHUB_TOKEN (issues are read and commented on with it)"
    ];
  }
  return [];
}

/** Finds a configured repository by `owner/name`, case-insensitively as GitHub does. */
export function findRepo(repos: readonly GitHubRepoConfig[], fullName: string): GitHubRepoConfig | undefined {
  const wanted = fullName.toLowerCase();
  return repos.find((entry) => entry.repo.toLowerCase() === wanted);
}
