import type { ForgeCall } from "./forge-call.js";
import { ForgeError } from "./forge-error.js";
import type { ForgeOctokit } from "./octokit-client.js";

export interface PullRequestInput {
  owner: string;
  repo: string;
  /** The branch in `owner/repo` to merge from (no `owner:` prefix). */
  head: string;
  /** The branch to merge into. */
  base: string;
  title: string;
  /** Omitted: an existing pull request keeps its body, a new one has none. */
  body?: string;
  /** Applies when the pull request is created; GitHub's REST API cannot change it later. */
  draft?: boolean;
}

export interface PullRequestResult {
  number: number;
  /** The pull request's page (`html_url`). */
  url: string;
  /** False when an open pull request for head → base existed and was updated. */
  created: boolean;
}

/**
 * Opens a pull request head → base, or updates the title and body of the open one. A create
 * that GitHub refuses with "already exists" (another lander won the race, or a retried create
 * had in fact succeeded) is answered by finding that one and updating it.
 */
export async function openOrUpdatePullRequest(
  octokit: ForgeOctokit,
  call: ForgeCall,
  input: PullRequestInput
): Promise<PullRequestResult> {
  const existing = await findOpenPullRequest(octokit, call, input);
  if (existing) return updatePullRequest(octokit, call, input, existing);
  try {
    const { data } = await call("pulls.create", (request) =>
      octokit.pulls.create({
        owner: input.owner,
        repo: input.repo,
        head: input.head,
        base: input.base,
        title: input.title,
        ...(input.body === undefined ? {} : { body: input.body }),
        ...(input.draft === undefined ? {} : { draft: input.draft }),
        request
      })
    );
    return { number: data.number, url: data.html_url, created: true };
  } catch (error) {
    if (!(error instanceof ForgeError && error.status === 422 && /already exists/i.test(error.message)))
      throw error;
    const winner = await findOpenPullRequest(octokit, call, input);
    if (!winner) throw error;
    return updatePullRequest(octokit, call, input, winner);
  }
}

async function findOpenPullRequest(
  octokit: ForgeOctokit,
  call: ForgeCall,
  input: PullRequestInput
): Promise<number | undefined> {
  const { data } = await call("pulls.list", (request) =>
    octokit.pulls.list({
      owner: input.owner,
      repo: input.repo,
      head: `${input.owner}:${input.head}`,
      base: input.base,
      state: "open",
      per_page: 10,
      request
    })
  );
  return data[0]?.number;
}

async function updatePullRequest(
  octokit: ForgeOctokit,
  call: ForgeCall,
  input: PullRequestInput,
  number: number
): Promise<PullRequestResult> {
  const { data } = await call("pulls.update", (request) =>
    octokit.pulls.update({
      owner: input.owner,
      repo: input.repo,
      pull_number: number,
      title: input.title,
      ...(input.body === undefined ? {} : { body: input.body }),
      request
    })
  );
  return { number: data.number, url: data.html_url, created: false };
}
