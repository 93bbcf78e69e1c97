import type { NewTask, TaskSource } from "@baa/control-store";
import type { GitHubRepoConfig } from "./github-config.js";

/** An issue as both intakes see it (the REST list and the webhook payload carry these fields). */
export interface IssueFacts {
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: readonly string[];
  /** The issue's page. */
  url: string;
}

/** At most this much of an issue's body goes into a prompt; a longer one is cut with a note. */
export const MAX_ISSUE_BODY_CHARS = 60_000;

/** The task's unique external key: one task per issue, whichever intake sees it first. */
export function issueKey(repo: string, number: number): string {
  return `${issueKeyPrefix(repo)}${number}`;
}

/** Every issue task of one repository starts with this (GitHub names are case-insensitive). */
export function issueKeyPrefix(repo: string): string {
  return `github:${repo.toLowerCase()}#`;
}

/** True when the issue should have a task: open and carrying the repository's label. */
export function wantsTask(
  issue: Pick<IssueFacts, "state" | "labels">,
  config: Pick<GitHubRepoConfig, "label">
): boolean {
  const wanted = config.label.toLowerCase();
  return issue.state === "open" && issue.labels.some((label) => label.toLowerCase() === wanted);
}

/** Title, then the body, then a line naming the issue, so the agent can cite it. */
export function issuePrompt(
  repo: string,
  issue: Pick<IssueFacts, "number" | "title" | "body" | "url">
): string {
  const body = (issue.body ?? "").trim();
  const cut =
    body.length > MAX_ISSUE_BODY_CHARS
      ? `${body.slice(0, MAX_ISSUE_BODY_CHARS)}\n\n[the issue's text was cut here]`
      : body;
  const parts = [
    issue.title.trim(),
    ...(cut === "" ? [] : [cut]),
    `(GitHub issue ${repo}#${issue.number}: ${issue.url})`
  ];
  return parts.join("\n\n");
}

/** The title a task gets from an issue (never empty: GitHub refuses an empty title, but be sure). */
export function issueTitle(issue: Pick<IssueFacts, "number" | "title">): string {
  const title = issue.title.trim();
  return title === "" ? `Issue #${issue.number}` : title;
}

/** The task an issue becomes: in a worktree of the configured clone, with the repository's review policy. */
export function issueTask(
  config: GitHubRepoConfig,
  issue: IssueFacts
): { task: NewTask; externalKey: string } {
  const source: TaskSource = {
    kind: "github_issue",
    repo: config.repo,
    number: issue.number,
    url: issue.url
  };
  return {
    task: {
      title: issueTitle(issue),
      prompt: issuePrompt(config.repo, issue),
      cwd: config.cwd,
      workspace: "worktree",
      // Nobody watches an issue's run: it asks no approvals and writes only in its worktree.
      approvalPolicy: "never",
      sandbox: "workspace-write",
      ...(config.review === undefined ? {} : { review: config.review }),
      source
    },
    externalKey: issueKey(config.repo, issue.number)
  };
}
