import { createHash, timingSafeEqual } from "node:crypto";

/** Shortest shared token a service accepts: 32 characters (a 256-bit hex token has 64). */
export const MIN_TOKEN_LENGTH = 32;

/** Why a configured token is unusable, or undefined when it is fine; never contains the token. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `must be at least ${MIN_TOKEN_LENGTH} characters (got ${token.length}); generate one with \`openssl rand -hex 32\``;
  }
  return undefined;
}

/**
 * Returns a check of an `Authorization` header against `token` (`Bearer <token>`, scheme in
 * any case). Digests are compared, so the comparison is constant-time whatever was sent.
 */
export function createBearerCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
    if (match?.[1] === undefined) return false;
    return timingSafeEqual(digest(match[1]), expected);
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
