import type { FastifyInstance } from "fastify";
import { AppError } from "@baa/api-errors";

/** The answer to a request that arrives while a service stops: 503 `shutting_down`, come back later. */
export function shuttingDownError(service: string, retryAfterSeconds = 1): AppError {
  return new AppError("shutting_down", 503, `${service} is shutting down`, {
    headers: { connection: "close", "retry-after": String(retryAfterSeconds) }
  });
}

/**
 * From the moment the app starts closing, every new request (and WebSocket upgrade) gets
 * `shuttingDownError`. Call it after the websocket plugin is registered (inside `app.after`),
 * so a refused upgrade is torn down by the plugin's own hook, not left half-open. The app is
 * built with `return503OnClosing: false`, or Fastify answers first, without `Retry-After`.
 */
export function installShutdownGate(
  app: FastifyInstance,
  options: { service: string; retryAfterSeconds?: number }
): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async () => {
    if (closing) throw shuttingDownError(options.service, options.retryAfterSeconds);
  });
}
