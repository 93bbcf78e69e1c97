import type { FastifyInstance } from "fastify";
import { AppError } from "./app-error.js";

/**
 * JSON bodies as a client would expect: an empty body (e.g. `POST .../close` sent by a client
 * that always sets the JSON content type) is no body, and bad JSON is our `invalid_json`.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AppError("invalid_json", 400, "request body is not valid JSON"), undefined);
    }
  });
}
