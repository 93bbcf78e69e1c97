import { createHash } from "node:crypto";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { octokitLog, type ForgeLogger } from "./logger.js";
import { spacingGroup } from "./spacing-group.js";

const OctokitWithPlugins = Octokit.plugin(retry, throttling);
/** The REST surface the forge uses; the plugins only add behaviour, not methods we call. */
export type ForgeOctokit = Octokit;

export interface OctokitSettings {
  token: string;
  apiUrl: string;
  userAgent: string;
  logger: ForgeLogger;
  /** Retries of a 5xx or a request that got no answer. */
  retries: number;
  /** Retries after a primary or secondary rate limit. */
  rateLimitRetries: number;
  /** A rate limit asking for a longer wait than this fails at once instead. */
  maxRateLimitWaitSeconds: number;
  /** Milliseconds per second of any wait: GitHub's Retry-After and plugin-retry's backoff. */
  delayUnitMs: number;
}

/**
 * An Octokit with plugin-retry (5xx and no-answer, backoff 1, 4, 9… units) and plugin-throttling
 * (write spacing; rate limits retried through the handlers below). Throttling state is
 * process-wide and keyed by `id`, so forges with one token and host share it, as GitHub counts
 * per user, while other hosts (and each test's fake) do not wait on each other.
 */
export function createOctokit(settings: OctokitSettings): ForgeOctokit {
  const onLimit =
    (kind: "primary" | "secondary") =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number
    ) => {
      const willRetry =
        retryCount < settings.rateLimitRetries && retryAfter <= settings.maxRateLimitWaitSeconds;
      settings.logger.warn(
        {
          kind,
          method: options.method,
          route: options.url,
          retryAfterSeconds: retryAfter,
          retryCount,
          willRetry
        },
        "github rate limit"
      );
      return willRetry;
    };
  return new OctokitWithPlugins({
    auth: settings.token,
    baseUrl: settings.apiUrl,
    userAgent: settings.userAgent,
    log: octokitLog(settings.logger, settings.token),
    // 429 joins plugin-retry's refusals: rate limits are the throttling handlers' alone, so their
    // bound of two retries is the whole bound (otherwise each plugin retries the other's retries).
    retry: {
      retries: settings.retries,
      retryAfterBaseValue: settings.delayUnitMs,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451]
    },
    throttle: {
      id: throttleId(settings.apiUrl, settings.token),
      retryAfterBaseValue: settings.delayUnitMs,
      // GitHub asks for content-creating requests to be spaced; the plugin's own spacing is 1 s
      // and 3 s (writes that notify people), here 1 and 3 delay units.
      write: spacingGroup(settings.delayUnitMs) as never,
      notifications: spacingGroup(3 * settings.delayUnitMs) as never,
      onRateLimit: onLimit("primary"),
      onSecondaryRateLimit: onLimit("secondary")
    }
  });
}

function throttleId(apiUrl: string, token: string): string {
  const tokenDigest = createHash("sha256").update(token).digest("hex").slice(0, 16);
  return `baa-github-forge:${apiUrl}:${tokenDigest}`;
}
