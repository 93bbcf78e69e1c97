/**
 * Replaces every occurrence of `secret` in `text`. GitHub does not echo tokens, but a proxy, a
 * misconfigured Enterprise host or a future octokit message might; a token must never reach a log
 * line or an error body, so every string we pass on goes through here.
 */
export function scrubSecret(text: string, secret: string): string {
  if (secret.length === 0) return text;
  return text.split(secret).join("[redacted]");
}
