import { defaultGitRunner, type GitRunner } from "./git-runner.js";
import { parseRemoteUrl, type RemoteRepository } from "./remote-url.js";

/** `remote.<name>.url` exactly as configured, or null when the remote has none. */
export async function configuredRemoteUrl(
  repo: string,
  remote: string,
  git: GitRunner = defaultGitRunner
): Promise<string | null> {
  // Not `git remote get-url`: it applies url.<x>.insteadOf, and the forge is named by what the user wrote.
  const result = await git({
    cwd: repo,
    args: ["config", "--get", `remote.${remote}.url`],
    okExitCodes: [0, 1]
  });
  const url = result.stdout.toString("utf8").trim();
  return result.exitCode === 0 && url !== "" ? url : null;
}

/** The forge repository a remote points at (host, owner, name), or null when it is not one (or not a remote). */
export async function remoteRepository(options: {
  repo: string;
  remote: string;
  git?: GitRunner;
}): Promise<RemoteRepository | null> {
  const url = await configuredRemoteUrl(options.repo, options.remote, options.git);
  return url === null ? null : parseRemoteUrl(url);
}
