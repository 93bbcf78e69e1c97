import assert from "node:assert/strict";
import test from "node:test";
import { parseRemoteUrl, redactCredentials, remoteRepository } from "../src/index.js";
import { createGitFixture } from "./support/git-fixture.js";

const table: Array<[string, { url: string; host: string; owner: string; name: string } | null]> = [
  [
    "https://github.com/o/r.git",
    { url: "https://github.com/o/r.git", host: "github.com", owner: "o", name: "r" }
  ],
  ["https://github.com/o/r", { url: "https://github.com/o/r", host: "github.com", owner: "o", name: "r" }],
  ["https://github.com/o/r/", { url: "https://github.com/o/r/", host: "github.com", owner: "o", name: "r" }],
  [
    "https://x-access-token:ghp_SECRET@github.com/o/r.git",
    { url: "https://github.com/o/r.git", host: "github.com", owner: "o", name: "r" }
  ],
  [
    "https://user@ghe.example.com:8443/team/tool.git",
    {
      url: "https://ghe.example.com:8443/team/tool.git",
      host: "ghe.example.com",
      owner: "team",
      name: "tool"
    }
  ],
  [
    "http://127.0.0.1:3000/o/r.git",
    { url: "http://127.0.0.1:3000/o/r.git", host: "127.0.0.1", owner: "o", name: "r" }
  ],
  ["git@github.com:o/r.git", { url: "git@github.com:o/r.git", host: "github.com", owner: "o", name: "r" }],
  ["github.com:o/r", { url: "github.com:o/r", host: "github.com", owner: "o", name: "r" }],
  [
    "ssh://git@github.com/o/r.git",
    { url: "ssh://github.com/o/r.git", host: "github.com", owner: "o", name: "r" }
  ],
  [
    "ssh://git@ghe.example.com:2222/o/r.git",
    { url: "ssh://ghe.example.com:2222/o/r.git", host: "ghe.example.com", owner: "o", name: "r" }
  ],
  [
    "git+ssh://git@github.com/o/r",
    { url: "git+ssh://github.com/o/r", host: "github.com", owner: "o", name: "r" }
  ],
  [
    "https://gitlab.com/group/sub/r.git",
    { url: "https://gitlab.com/group/sub/r.git", host: "gitlab.com", owner: "group/sub", name: "r" }
  ],
  ["/srv/git/r.git", null],
  ["../remote.git", null],
  ["file:///srv/git/r.git", null],
  ["https://github.com/r.git", null],
  ["C:/repos/r", null]
];

test("parseRemoteUrl: https, ssh and scp forms; local paths are not a forge", () => {
  for (const [url, expected] of table) assert.deepEqual(parseRemoteUrl(url), expected, url);
});

test("redactCredentials strips user and password from every URL in a text", () => {
  assert.equal(
    redactCredentials("fatal: unable to access 'https://u:p@h/o/r.git/': 403 and ssh://git@h/x"),
    "fatal: unable to access 'https://h/o/r.git/': 403 and ssh://h/x"
  );
});

test("remoteRepository reads remote.<name>.url as configured, before insteadOf", async (t) => {
  const fx = await createGitFixture();
  t.after(fx.cleanup);
  await fx.run(["remote", "add", "gh", "https://github.com/acme/widgets.git"]);
  await fx.run(["config", "url.git@mirror.example.com:.insteadOf", "https://github.com/"]);
  assert.equal(
    await fx.run(["remote", "get-url", "gh"]),
    "git@mirror.example.com:acme/widgets.git",
    "insteadOf is in force"
  );
  assert.deepEqual(await remoteRepository({ repo: fx.repo, remote: "gh", git: fx.git }), {
    url: "https://github.com/acme/widgets.git",
    host: "github.com",
    owner: "acme",
    name: "widgets"
  });
  assert.equal(
    await remoteRepository({ repo: fx.repo, remote: "origin", git: fx.git }),
    null,
    "a bare repository path"
  );
  assert.equal(await remoteRepository({ repo: fx.repo, remote: "nope", git: fx.git }), null);
});
