import { rateLimitOf } from "./rate-limit.js";
import { scrubSecret } from "./secret-scrub.js";

/**
 * Any failure of a forge call. `status` is GitHub's HTTP status, or null when no answer came
 * (connection refused, DNS, timeout). The message carries GitHub's own words, e.g.
 * `GitHub pulls.create failed (422): Validation Failed: A pull request already exists for o:b.`,
 * and never the token. No `cause` is kept: octokit's errors hold the request, headers included.
 */
export class ForgeError extends Error {
  override readonly name = "ForgeError";
  /** The forge call that failed, e.g. `pulls.create`. */
  readonly operation: string;
  readonly status: number | null;
  /** GitHub's `message`, when it answered with one. */
  readonly githubMessage: string | null;
  /** GitHub's `errors[]`, each as one line. */
  readonly details: readonly string[];
  /** GitHub's `x-github-request-id`, for a support ticket. */
  readonly requestId: string | null;
  /** True when GitHub refused for a (primary or secondary) rate limit. */
  readonly rateLimited: boolean;
  /** GitHub's `Retry-After`, in seconds, when it sent one. */
  readonly retryAfterSeconds: number | null;
  /** What GitHub said about the rate limit on this answer (null: no answer, or it did not say). */
  readonly rateLimit: { remaining: number | null; resetAt: string | null } | null;

  constructor(fields: {
    operation: string;
    status: number | null;
    message: string;
    githubMessage?: string | null;
    details?: readonly string[];
    requestId?: string | null;
    rateLimited?: boolean;
    retryAfterSeconds?: number | null;
    rateLimit?: { remaining: number | null; resetAt: string | null } | null;
  }) {
    super(fields.message);
    this.operation = fields.operation;
    this.status = fields.status;
    this.githubMessage = fields.githubMessage ?? null;
    this.details = Object.freeze([...(fields.details ?? [])]);
    this.requestId = fields.requestId ?? null;
    this.rateLimited = fields.rateLimited ?? false;
    this.retryAfterSeconds = fields.retryAfterSeconds ?? null;
    this.rateLimit = fields.rateLimit ?? null;
  }
}

interface OctokitLikeError {
  status?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

/** Turns whatever octokit threw into a ForgeError whose every string is scrubbed of `token`. */
export function toForgeError(thrown: unknown, operation: string, token: string): ForgeError {
  if (thrown instanceof ForgeError) return thrown;
  const error = (
    typeof thrown === "object" && thrown !== null ? thrown : { message: String(thrown) }
  ) as OctokitLikeError;
  const scrub = (text: string) => scrubSecret(text, token);
  if (!error.response) {
    const reason = scrub(networkReason(error));
    return new ForgeError({
      operation,
      status: null,
      message: `GitHub ${operation} failed (no answer): ${reason}`
    });
  }
  const status = typeof error.status === "number" ? error.status : null;
  const data = error.response.data;
  const githubMessage = messageOf(data) ?? (typeof error.message === "string" ? error.message : null);
  const details = detailsOf(data).map(scrub);
  const summary = [githubMessage === null ? "no message" : scrub(githubMessage), ...details].join(": ");
  const headers = error.response.headers ?? {};
  return new ForgeError({
    operation,
    status,
    message: `GitHub ${operation} failed (${status ?? "?"}): ${summary}`,
    githubMessage: githubMessage === null ? null : scrub(githubMessage),
    details,
    requestId: typeof headers["x-github-request-id"] === "string" ? headers["x-github-request-id"] : null,
    rateLimited:
      (status === 403 || status === 429) &&
      (headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(githubMessage ?? "")),
    retryAfterSeconds: secondsOf(headers["retry-after"]),
    rateLimit:
      headers["x-ratelimit-remaining"] === undefined && headers["x-ratelimit-reset"] === undefined
        ? null
        : rateLimitOf(headers)
  });
}

function secondsOf(value: unknown): number | null {
  const seconds = Number(value);
  return value === undefined || value === null || value === "" || !Number.isFinite(seconds) || seconds < 0
    ? null
    : seconds;
}

function messageOf(data: unknown): string | null {
  if (
    typeof data === "object" &&
    data !== null &&
    typeof (data as { message?: unknown }).message === "string"
  ) {
    return (data as { message: string }).message;
  }
  return typeof data === "string" && data.trim() !== "" ? data.trim().slice(0, 500) : null;
}

/** GitHub's `errors` hold strings or `{resource, field, code, message?}` objects. */
function detailsOf(data: unknown): string[] {
  const errors =
    typeof data === "object" && data !== null ? (data as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(errors)) return [];
  return errors.map((entry) => {
    if (typeof entry === "string") return entry;
    const fields = (entry ?? {}) as {
      message?: unknown;
      resource?: unknown;
      field?: unknown;
      code?: unknown;
    };
    if (typeof fields.message === "string") return fields.message;
    const where = [fields.resource, fields.field].filter((part) => typeof part === "string").join(".");
    return `${where || "request"} ${typeof fields.code === "string" ? fields.code : "invalid"}`;
  });
}

/** fetch wraps the socket error in `cause`; its code (ECONNREFUSED) is what a person needs. */
function networkReason(error: OctokitLikeError): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const { message, code } = current as { message?: unknown; code?: unknown };
    if (typeof code === "string" && !parts.includes(code)) parts.push(code);
    if (typeof message === "string" && message !== "" && !parts.includes(message)) parts.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(": ") : "unknown error";
}
