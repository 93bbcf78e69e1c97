/**
 * `-c` options for every command that writes history or a working tree on the conductor's
 * behalf: the repository's hooks do not run (a hooks path that cannot hold files stops
 * post-commit, post-checkout, post-merge and the rest, which `--no-verify` does not), nothing
 * is signed (no agent or pinentry to wait on), recorded conflict resolutions are neither
 * replayed nor recorded, and nothing is auto-stashed.
 */
export const QUIET_CONFIG: readonly string[] = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "commit.gpgSign=false",
  "-c",
  "tag.gpgSign=false",
  "-c",
  "rerere.enabled=false",
  "-c",
  "rebase.autoStash=false",
  "-c",
  "merge.autoStash=false",
  "-c",
  "rebase.updateRefs=false",
  "-c",
  "core.quotePath=false"
];

/** For commands whose output is parsed: names as they are, no colour, no external diff tools. */
export const PARSEABLE_CONFIG: readonly string[] = ["-c", "core.quotePath=false", "-c", "color.ui=false"];
