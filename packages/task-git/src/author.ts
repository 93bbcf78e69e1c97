/** A git identity, parsed from `Name <email>`. */
export interface GitIdentity {
  name: string;
  email: string;
}

const IDENTITY = /^\s*([^<>\n]*?)\s*<([^<>\s]+)>\s*$/;

/**
 * `"Ada Lovelace <ada@example.org>"` → `{name, email}`. Throws TypeError when either part is
 * missing or holds `<`, `>` or a newline (git would refuse or mangle it).
 */
export function parseAuthor(author: string): GitIdentity {
  const match = IDENTITY.exec(author);
  const name = match?.[1] ?? "";
  const email = match?.[2] ?? "";
  if (match === null || name === "" || email === "") {
    throw new TypeError(`author must look like "Name <email>", got ${JSON.stringify(author)}`);
  }
  return { name, email };
}

/** Author and committer both set to `identity`, whatever the user's git config holds (or lacks). */
export function identityEnv(identity: GitIdentity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email
  };
}

/** The same identity as `-c` options, for commands that check `user.*` before reading the environment. */
export function identityConfig(identity: GitIdentity): string[] {
  return [
    "-c",
    `user.name=${identity.name}`,
    "-c",
    `user.email=${identity.email}`,
    "-c",
    "user.useConfigOnly=false"
  ];
}
