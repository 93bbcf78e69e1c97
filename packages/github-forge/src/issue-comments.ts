import type { ForgeCall } from "./forge-call.js";
import type { ForgeOctokit } from "./octokit-client.js";

export interface IssueCommentInput {
  owner: string;
  repo: string;
  /** An issue's or a pull request's number (they share one sequence). */
  issueNumber: number;
  body: string;
}

export interface IssueCommentResult {
  id: number;
  /** The comment's page (`html_url`). */
  url: string;
}

export async function commentOnIssue(
  octokit: ForgeOctokit,
  call: ForgeCall,
  input: IssueCommentInput
): Promise<IssueCommentResult> {
  const { data } = await call("issues.createComment", (request) =>
    octokit.issues.createComment({
      owner: input.owner,
      repo: input.repo,
      issue_number: input.issueNumber,
      body: input.body,
      request
    })
  );
  return { id: data.id, url: data.html_url };
}
