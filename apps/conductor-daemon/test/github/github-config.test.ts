import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { ConductorConfigError, normalizeConductorConfig, resolveConductorConfig } from "../../src/config.js";

const TOKEN_ENV = { BAA_GITHUB_TOKEN: "ghp_config_test_token" };

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConductorConfigError, String(error));
    return error.message;
  }
  assert.fail("expected a ConductorConfigError");
}

test("BAA_GITHUB_REPOS: a JSON list, the label defaulting to baa, review and runsOn kept", () => {
  const config = resolveConductorConfig({
    argv: [],
    env: {
      ...TOKEN_ENV,
      BAA_GITHUB_REPOS: JSON.stringify([
        { repo: "acme/widgets", cwd: "/srv/widgets" },
        { repo: "acme/gadgets", cwd: "/srv/gadgets", label: "agent", review: "auto_land", runsOn: ["mac"] }
      ]),
      BAA_GITHUB_POLL_MS: "15000",
      BAA_GITHUB_WEBHOOK_SECRET: "hook-secret"
    }
  });
  assert.deepEqual(config.githubRepos, [
    { repo: "acme/widgets", cwd: "/srv/widgets", label: "baa" },
    { repo: "acme/gadgets", cwd: "/srv/gadgets", label: "agent", review: "auto_land", runsOn: ["mac"] }
  ]);
  assert.equal(config.githubPollMs, 15_000);
  assert.equal(config.githubWebhookSecret, "hook-secret");
  assert.equal(resolveConductorConfig({ argv: [], env: {} }).githubPollMs, 60_000);
  assert.equal(
    resolveConductorConfig({ argv: ["--github-poll-ms", "0"], env: {} }).githubPollMs,
    0,
    "0: webhooks only"
  );
});

test("a bad entry is named by its index and key, with where the value came from", () => {
  const message = problemsOf(() =>
    resolveConductorConfig({
      argv: [],
      env: {
        ...TOKEN_ENV,
        BAA_GITHUB_REPOS: JSON.stringify([
          { repo: "acme/widgets", cwd: "/srv/w" },
          { repo: "not a repo", cwd: "relative/path", colour: 1 }
        ])
      }
    })
  );
  assert.match(message, /githubRepos\.1\.repo[^\n]*must be "owner\/name"/);
  assert.match(message, /githubRepos\.1\.cwd[^\n]*absolute path/);
  assert.match(message, /githubRepos\.1\.colour|unknown key\(s\) githubRepos\.1\.colour/);
  assert.match(
    problemsOf(() => resolveConductorConfig({ argv: [], env: { ...TOKEN_ENV, BAA_GITHUB_REPOS: "[{" } })),
    /githubRepos \(BAA_GITHUB_REPOS\): not valid JSON/
  );
  assert.match(
    problemsOf(() =>
      resolveConductorConfig({ argv: [], env: { ...TOKEN_ENV, BAA_GITHUB_REPOS: '{"repo":"a/b"}' } })
    ),
    /githubRepos \(BAA_GITHUB_REPOS\): must be a JSON list/
  );
  assert.match(
    problemsOf(() =>
      normalizeConductorConfig({
        githubToken: "t",
        githubRepos: [
          { repo: "a/b", cwd: "/x" },
          { repo: "A/B", cwd: "/y" }
        ]
      })
    ),
    /githubRepos\.1\.repo: A\/B is listed twice \(also entry 0\)/
  );
  assert.match(
    problemsOf(() => normalizeConductorConfig({ githubRepos: [{ repo: "a/b", cwd: "/x" }] })),
    /githubRepos[^\n]*needs BAA_GITHUB_TOKEN/
  );
  assert.match(
    problemsOf(() => resolveConductorConfig({ argv: ["--github-poll-ms", "-5"], env: {} })),
    /githubPollMs \(--github-poll-ms \/ BAA_GITHUB_POLL_MS\)/
  );
});

test("--github-config / BAA_GITHUB_CONFIG: the same list from a file, checked the same way; not both", () => {
  const dir = makeTempDir("github-config-");
  try {
    const file = dir.path("repos.json");
    writeFileSync(file, JSON.stringify([{ repo: "acme/widgets", cwd: "/srv/widgets", label: "ready" }]));
    const fromFlag = resolveConductorConfig({ argv: ["--github-config", file], env: TOKEN_ENV });
    assert.deepEqual(fromFlag.githubRepos, [{ repo: "acme/widgets", cwd: "/srv/widgets", label: "ready" }]);
    const fromEnv = resolveConductorConfig({ argv: [], env: { ...TOKEN_ENV, BAA_GITHUB_CONFIG: file } });
    assert.equal(fromEnv.githubRepos.length, 1);
    assert.match(
      problemsOf(() =>
        resolveConductorConfig({
          argv: ["--github-config", file],
          env: { ...TOKEN_ENV, BAA_GITHUB_REPOS: "[]" }
        })
      ),
      /set either it or BAA_GITHUB_REPOS, not both/
    );
    assert.match(
      problemsOf(() =>
        resolveConductorConfig({ argv: ["--github-config", dir.path("missing.json")], env: TOKEN_ENV })
      ),
      /cannot read .*missing\.json: ENOENT/
    );
    writeFileSync(file, JSON.stringify([{ repo: "acme/widgets", cwd: "srv" }]));
    assert.match(
      problemsOf(() => resolveConductorConfig({ argv: ["--github-config", file], env: TOKEN_ENV })),
      /githubRepos\.0\.cwd/
    );
  } finally {
    dir.remove();
  }
});

test("the webhook secret is read from the environment only", () => {
  assert.match(
    problemsOf(() => resolveConductorConfig({ argv: ["--github-webhook-secret", "x"], env: {} })),
    /unknown flag --github-webhook-secret/
  );
});
