import type { FastifyInstance } from "fastify";
import { conductorError } from "../errors.js";
import { isStoreUnavailable } from "./guarded-store.js";

/**
 * Wraps the app's error handler: a store that cannot be reached is `503 store_unavailable`
 * with `Retry-After: 1`, whichever route met it. The cause goes to the log, never to the client
 * (it may name the database host). Call it in a child scope of the one whose handler it wraps:
 * in that same scope it would override the handler (Fastify warns FSTWRN004).
 */
export function installStoreErrorMapping(app: FastifyInstance): void {
  const handler = app.errorHandler;
  app.setErrorHandler(function mapStoreErrors(error, request, reply) {
    const mapped = isStoreUnavailable(error)
      ? conductorError("store_unavailable", "the control store is not reachable; try again shortly", {
          cause: error,
          headers: { "retry-after": "1" }
        })
      : error;
    return handler.call(this, mapped as typeof error, request, reply);
  });
}
