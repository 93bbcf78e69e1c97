import type { FastifyInstance } from "fastify";
import { AppError } from "@baa/api-errors";

/**
 * JSON bodies as a client would expect: an empty body (e.g. `POST .../close` sent by a client
 * that always sets the JSON content type) is no body; anything else goes to Fastify's own parser,
 * with its prototype-poisoning guard (`__proto__` and `constructor.prototype` keys are refused),
 * and a body it refuses is our `invalid_json`.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error) {
        done(
          new AppError("invalid_json", 400, isPlainJson(text) ? POISONED : "request body is not valid JSON"),
          undefined
        );
        return;
      }
      done(null, value);
    });
  });
}

const POISONED = "request body holds a __proto__ or constructor.prototype key";

// Only on the error path: tells a refused prototype key from a syntax error, for the message.
function isPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
