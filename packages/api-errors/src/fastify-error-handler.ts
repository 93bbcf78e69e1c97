import type { FastifyInstance, FastifyError } from "fastify";
import { isAppError, errorBody } from "./app-error.js";
import { REQUEST_PART_NAMES } from "./validation.js";

// Fastify's own parser/limit errors, mapped to our stable codes.
const FASTIFY_CODES: Record<string, { code: string; status: number; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: "invalid_json",
    status: 400,
    message: "request body is not valid JSON"
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: "invalid_json",
    status: 400,
    message: "request body is empty but content-type is JSON"
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: "payload_too_large",
    status: 413,
    message: "request body is too large"
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: "unsupported_media_type",
    status: 415,
    message: "content-type must be application/json"
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: "invalid_json",
    status: 400,
    message: "content-length does not match the body"
  }
};

/**
 * Installs one error handler and one not-found handler: every failure leaves as
 * `{ok:false,error:{code,message}}`; anything unknown is a 500 with a generic message and the
 * real error goes to the log only.
 */
export function installErrorHandling(
  app: FastifyInstance,
  options: { bodyLimit?: { bytes: number; setting: string | null } } = {}
): void {
  const limit = options.bodyLimit;
  // A 413 says what the limit is and what raises it, so nobody has to guess.
  const tooLarge =
    limit === undefined
      ? undefined
      : `request body is larger than the limit of ${limit.bytes} bytes${limit.setting === null ? "" : ` (raise it with ${limit.setting})`}`;
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) {
      if (error.status >= 500) request.log.warn({ err: error }, "request failed");
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return reply.status(error.status).send(errorBody(error.code, error.message));
    }
    if (Array.isArray(error.validation)) {
      return reply.status(400).send(errorBody("validation_failed", validationMessage(error)));
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) {
      const message =
        error.code === "FST_ERR_CTP_BODY_TOO_LARGE" && tooLarge !== undefined ? tooLarge : known.message;
      return reply.status(known.status).send(errorBody(known.code, message));
    }
    if (error instanceof SyntaxError || (error as { type?: string }).type === "entity.parse.failed") {
      return reply.status(400).send(errorBody("invalid_json", "request body is not valid JSON"));
    }
    if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody("bad_request", error.message));
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.status(500).send(errorBody("internal", "internal error"));
  });
  app.setNotFoundHandler((request, reply) => {
    return reply
      .status(404)
      .send(errorBody("route_not_found", `no route for ${request.method} ${request.url.split("?")[0]}`));
  });
}

/**
 * A schema validation failure of Fastify's own (a route validated by another compiler, e.g.
 * fastify-type-provider-zod's or Ajv): `invalid <part>: <field>: <problem>; …`, like `parseInput`.
 */
function validationMessage(error: FastifyError): string {
  const what = REQUEST_PART_NAMES[error.validationContext ?? "body"] ?? error.validationContext ?? "body";
  const problems = (error.validation ?? []).map((item) => {
    const path = item.instancePath.replace(/^\//, "").replaceAll("/", ".");
    return `${path === "" ? what : path}: ${item.message ?? "is invalid"}`;
  });
  return `invalid ${what}: ${problems.join("; ")}`;
}
