// The fake GitHub's JSON: pull requests, issues and comments as the REST API returns them.
import { createHash } from "node:crypto";
import type { FakeComment, FakeIssue, FakePull } from "./fake-github-types.js";
import type { FakeState } from "./fake-github-state.js";

export interface Links {
  web(): string;
}

export function pullJson(state: FakeState, links: Links, pull: FakePull) {
  const api = `${links.web()}/repos/${pull.owner}/${pull.repo}`;
  return {
    url: `${api}/pulls/${pull.number}`,
    id: 500_000 + pull.number,
    number: pull.number,
    html_url: `${links.web()}/${pull.owner}/${pull.repo}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    draft: pull.draft,
    user: userJson(state),
    head: { ref: pull.head.ref, label: pull.head.label, sha: shaOf(pull.head.label) },
    base: { ref: pull.base.ref, label: `${pull.owner}:${pull.base.ref}`, sha: shaOf(pull.base.ref) },
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    merged_at: null
  };
}

export function pullAsIssueJson(state: FakeState, links: Links, pull: FakePull) {
  const api = `${links.web()}/repos/${pull.owner}/${pull.repo}`;
  return {
    url: `${api}/issues/${pull.number}`,
    repository_url: api,
    id: 600_000 + pull.number,
    number: pull.number,
    html_url: `${links.web()}/${pull.owner}/${pull.repo}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    labels: [],
    user: userJson(state),
    pull_request: {
      url: `${api}/pulls/${pull.number}`,
      html_url: `${links.web()}/${pull.owner}/${pull.repo}/pull/${pull.number}`
    },
    created_at: pull.createdAt,
    updated_at: pull.updatedAt
  };
}

export function issueJson(state: FakeState, links: Links, issue: FakeIssue) {
  const api = `${links.web()}/repos/${issue.owner}/${issue.repo}`;
  return {
    url: `${api}/issues/${issue.number}`,
    repository_url: api,
    id: 600_000 + issue.number,
    number: issue.number,
    html_url: `${links.web()}/${issue.owner}/${issue.repo}/issues/${issue.number}`,
    state: issue.state,
    title: issue.title,
    body: issue.body,
    labels: issue.labels.map((name, index) => ({ id: index + 1, name })),
    user: userJson(state),
    created_at: issue.createdAt,
    updated_at: issue.updatedAt
  };
}

export function commentJson(state: FakeState, links: Links, comment: FakeComment) {
  const kind = state.pull(comment.owner, comment.repo, comment.issueNumber) ? "pull" : "issues";
  return {
    id: comment.id,
    html_url: `${links.web()}/${comment.owner}/${comment.repo}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${links.web()}/repos/${comment.owner}/${comment.repo}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: userJson(state),
    created_at: comment.createdAt,
    updated_at: comment.createdAt
  };
}

function userJson(state: FakeState) {
  return { login: state.login, id: 4242, type: "User" };
}

function shaOf(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
