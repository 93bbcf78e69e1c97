import type { ControlStore } from "@baa/control-store";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { z } from "zod";
import { conductorError } from "../errors.js";
import { findRepo, type GitHubRepoConfig } from "./github-config.js";
import type { WebhookCounters } from "./github-status.js";
import { GITHUB_HOOK_PATH } from "./hook-path.js";
import type { IntakeOutcome, IssueIntake } from "./issue-intake.js";
import type { WebhookSignature } from "./webhook-signature.js";

/** How long a delivery id is remembered (GitHub redelivers on request, typically within days). */
export const DELIVERY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** Actions of the `issues` event that can change whether an issue wants a task, or its text. */
const ACTED_ON = new Set([
  "opened",
  "edited",
  "labeled",
  "unlabeled",
  "closed",
  "reopened",
  "deleted",
  "transferred"
]);

const IssuesEvent = z.object({
  action: z.string(),
  issue: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullable().optional(),
    state: z.enum(["open", "closed"]),
    labels: z.array(z.union([z.string(), z.object({ name: z.string() })])).default([]),
    html_url: z.string()
  }),
  repository: z.object({ full_name: z.string() })
});

/**
 * How one delivery ended: acted on (`accepted`), seen before (`duplicate`), not acted on
 * (`ignored`: another event, repository or action), GitHub's `ping`, refused for its signature
 * (`refused`), malformed (`invalid`: content type, headers, JSON, payload), or the intake failed
 * (`error`: GitHub's redelivery is acted on).
 */
export type DeliveryOutcome = "accepted" | "duplicate" | "ignored" | "ping" | "refused" | "invalid" | "error";

export interface WebhookRouteDeps {
  /** Null when BAA_GITHUB_WEBHOOK_SECRET is unset: every delivery is refused. */
  signature: WebhookSignature | null;
  repos: readonly GitHubRepoConfig[];
  intake: IssueIntake;
  store: Pick<ControlStore, "claimDelivery" | "forgetDelivery">;
  counters: WebhookCounters;
  /** Told once per delivery how it ended (the metrics). */
  onDelivery?: (outcome: DeliveryOutcome) => void;
  logger: Logger;
}

/**
 * `POST /v1/hooks/github`: GitHub's webhook deliveries. GitHub cannot send the bearer token, so
 * here the signature is the access check (auth.ts lets exactly this route past the token and
 * browser guard): the body is read as raw bytes and nothing else happens unless
 * `X-Hub-Signature-256` verifies. Then `issues` events of configured repositories go to the
 * intake, once per `X-GitHub-Delivery`.
 */
export function registerGitHubWebhook(scope: FastifyInstance, deps: WebhookRouteDeps): void {
  void scope.register(async (hooks) => {
    // Raw bytes for this route alone: the signature covers them, not a re-serialized object.
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    hooks.post(
      GITHUB_HOOK_PATH,
      {
        schema: {
          operationId: "receiveGithubWebhook",
          summary: "GitHub webhook deliveries (signed; no bearer token)",
          tags: ["github"]
        }
      },
      async (request, reply) => handleDelivery(deps, request, reply)
    );
  });
}

async function handleDelivery(deps: WebhookRouteDeps, request: FastifyRequest, reply: FastifyReply) {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const signed =
    deps.signature !== null && (await deps.signature.verify(raw, request.headers["x-hub-signature-256"]));
  if (!signed) {
    deps.counters.refused += 1;
    deps.onDelivery?.("refused");
    request.log.warn(
      {
        remoteAddress: request.ip,
        delivery: request.headers["x-github-delivery"],
        secretConfigured: deps.signature !== null
      },
      "github webhook refused: missing or invalid signature"
    );
    throw conductorError("unauthorized", "missing or invalid webhook signature");
  }
  const contentType = String(request.headers["content-type"] ?? "");
  if (!/^application\/json\b/i.test(contentType)) {
    throw invalid(
      deps,
      conductorError(
        "unsupported_media_type",
        "webhook deliveries must be application/json: set the webhook's content type to application/json"
      )
    );
  }
  const delivery = single(request.headers["x-github-delivery"]);
  if (delivery === undefined || delivery === "" || delivery.length > 200)
    throw invalid(deps, conductorError("validation_failed", "missing X-GitHub-Delivery header"));
  const event = single(request.headers["x-github-event"]) ?? "";
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString("utf8"));
  } catch {
    throw invalid(deps, conductorError("invalid_json", "request body is not valid JSON"));
  }
  if (event === "ping") {
    deps.onDelivery?.("ping");
    return reply.status(200).send({ ok: true, data: { delivery, pong: true } });
  }
  const ignored = (reason: string, fields: Record<string, unknown> = {}) => {
    deps.counters.ignored += 1;
    deps.onDelivery?.("ignored");
    request.log.info({ delivery, event, ...fields, reason }, "github webhook ignored");
    return reply.status(202).send({ ok: true, data: { delivery, ignored: true, reason } });
  };
  if (event !== "issues") return ignored(`the ${event || "unnamed"} event is not acted on`);
  const parsed = IssuesEvent.safeParse(payload);
  if (!parsed.success)
    throw invalid(
      deps,
      conductorError(
        "validation_failed",
        `invalid issues event: ${parsed.error.issues[0]?.path.join(".") ?? ""} ${parsed.error.issues[0]?.message ?? ""}`.trim()
      )
    );
  const { action, repository } = parsed.data;
  const config = findRepo(deps.repos, repository.full_name);
  if (config === undefined)
    return ignored(`repository ${repository.full_name} is not configured`, { repo: repository.full_name });
  if (!ACTED_ON.has(action))
    return ignored(`the issues.${action} action is not acted on`, { repo: repository.full_name });

  return actOnce(deps, request, reply, delivery, parsed.data, config);
}

/** The issue to the intake, once per delivery id (a failed one is forgotten so its redelivery acts). */
async function actOnce(
  deps: WebhookRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  delivery: string,
  { action, issue }: z.infer<typeof IssuesEvent>,
  config: GitHubRepoConfig
) {
  const first = await deps.store
    .claimDelivery(delivery, { retentionMs: DELIVERY_RETENTION_MS })
    .catch((error: unknown) => {
      deps.onDelivery?.("error");
      throw error;
    });
  if (!first) {
    deps.counters.duplicates += 1;
    deps.onDelivery?.("duplicate");
    request.log.info({ delivery, action }, "github webhook delivery seen before: not acted on again");
    return reply.status(200).send({ ok: true, data: { delivery, duplicate: true } });
  }
  let outcome: IntakeOutcome;
  try {
    const facts = {
      number: issue.number,
      title: issue.title,
      body: issue.body ?? null,
      state: action === "deleted" || action === "transferred" ? ("closed" as const) : issue.state,
      labels: issue.labels.map((label) => (typeof label === "string" ? label : label.name)),
      url: issue.html_url
    };
    outcome = await deps.intake.observe(config, facts, "webhook");
  } catch (error) {
    deps.onDelivery?.("error");
    // Not acted on: GitHub's redelivery of it must be.
    await deps.store
      .forgetDelivery(delivery)
      .catch((forgetError: unknown) =>
        deps.logger.error({ err: forgetError, delivery }, "could not forget a failed delivery")
      );
    throw error;
  }
  deps.counters.accepted += 1;
  deps.onDelivery?.("accepted");
  return reply.status(200).send({ ok: true, data: { delivery, action, outcome } });
}

/** Counts a malformed delivery; returns the error to throw. */
function invalid(deps: WebhookRouteDeps, error: Error): Error {
  deps.onDelivery?.("invalid");
  return error;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
