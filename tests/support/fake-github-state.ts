import type { FakeComment, FakeIssue, FakePull } from "./fake-github-types.js";

/** The repositories' contents; pull requests and issues share one number space per repository. */
export class FakeState {
  readonly pulls: FakePull[] = [];
  readonly issues: FakeIssue[] = [];
  readonly comments: FakeComment[] = [];
  private readonly nextNumber = new Map<string, number>();
  private nextCommentId = 1001;

  constructor(readonly login: string) {}

  takeNumber(owner: string, repo: string): number {
    const key = `${owner}/${repo}`.toLowerCase();
    const number = this.nextNumber.get(key) ?? 1;
    this.nextNumber.set(key, number + 1);
    return number;
  }

  takeCommentId(): number {
    return this.nextCommentId++;
  }

  addIssue(issue: {
    owner: string;
    repo: string;
    title: string;
    body?: string;
    labels?: string[];
    state?: "open" | "closed";
  }): FakeIssue {
    const now = new Date().toISOString();
    const record: FakeIssue = {
      owner: issue.owner,
      repo: issue.repo,
      number: this.takeNumber(issue.owner, issue.repo),
      title: issue.title,
      body: issue.body ?? null,
      state: issue.state ?? "open",
      labels: issue.labels ?? [],
      createdAt: now,
      updatedAt: now
    };
    this.issues.push(record);
    return record;
  }

  pull(owner: string, repo: string, number: number): FakePull | undefined {
    return this.pulls.find((pull) => sameRepo(pull, owner, repo) && pull.number === number);
  }
}

export function sameRepo(record: { owner: string; repo: string }, owner: string, repo: string): boolean {
  return (
    record.owner.toLowerCase() === owner.toLowerCase() && record.repo.toLowerCase() === repo.toLowerCase()
  );
}
