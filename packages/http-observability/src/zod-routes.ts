import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { zodValidatorCompiler } from "@baa/api-errors";

/**
 * `scope` validating route schemas written in zod (a failure is the shared 400
 * `validation_failed` naming the field) and typing handlers from them. Route modules call it
 * themselves, so they work in any app, with or without the OpenAPI document.
 */
export function zodRoutes(scope: FastifyInstance) {
  scope.setValidatorCompiler(zodValidatorCompiler);
  return scope.withTypeProvider<ZodTypeProvider>();
}
