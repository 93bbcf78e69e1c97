import { createHmac, randomUUID } from "node:crypto";
import { getJson } from "../support/http.js";
import type { FakeGitHub, FakeIssue } from "../support/fake-github.js";

export const TOKEN = "ghp_intake_test_token_never_logged";
export const SECRET = "webhook-secret-for-the-intake-tests";

/** GitHub's signature header for a body: `sha256=` and the hex HMAC-SHA256 with the secret. */
export function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** An `issues` event as GitHub sends it (the fields the conductor reads, and a few more). */
export function issuesEvent(
  github: FakeGitHub,
  action: string,
  issue: FakeIssue,
  repoName = `${issue.owner}/${issue.repo}`
) {
  return {
    action,
    issue: {
      id: 600_000 + issue.number,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      labels: issue.labels.map((name, index) => ({ id: index + 1, name })),
      html_url: `${github.webUrl}/${issue.owner}/${issue.repo}/issues/${issue.number}`
    },
    repository: { full_name: repoName },
    sender: { login: "octocat" }
  };
}

export interface Delivery {
  /** The body as sent (default: the payload as JSON). */
  body?: string;
  /** The signature header (default: the body signed with SECRET); null sends none. */
  signature?: string | null;
  delivery?: string;
  event?: string;
}

/** POSTs one delivery to the conductor's hook route, as GitHub would (no bearer token). */
export async function deliver(conductorBase: string, payload: unknown, options: Delivery = {}) {
  const body = options.body ?? JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/test",
    "x-github-event": options.event ?? "issues",
    "x-github-delivery": options.delivery ?? randomUUID()
  };
  const signature = options.signature === undefined ? sign(body) : options.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  const response = await fetch(`${conductorBase}/v1/hooks/github`, { method: "POST", headers, body });
  const text = await response.text();
  return { status: response.status, text, body: text === "" ? null : (JSON.parse(text) as any) };
}

/** Every task made from issue `number` (newest first). */
export async function issueTasks(conductorBase: string, number: number): Promise<any[]> {
  const page = await getJson(`${conductorBase}/v1/tasks?limit=200`);
  return (page.body.data.tasks as any[]).filter(
    (task) => task.source?.kind === "github_issue" && task.source.number === number
  );
}

/** The `github` block of GET /v1/system/state. */
export async function githubStatus(conductorBase: string): Promise<any> {
  return (await getJson(`${conductorBase}/v1/system/state`)).body.data.github;
}
