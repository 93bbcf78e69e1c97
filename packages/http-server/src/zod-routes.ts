import type { FastifyInstance, FastifyServerOptions } from "fastify";
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

type SchemaControllerOptions = NonNullable<FastifyServerOptions["schemaController"]>;
type CompilersFactory = NonNullable<SchemaControllerOptions["compilersFactory"]>;

/**
 * Fastify's `schemaController` for an app whose schemas are all zod: without it, building the
 * app loads and sets up Ajv and fast-json-stringify (about 35 ms of CPU at start) that such an
 * app never calls. Request schemas are compiled by `zodValidatorCompiler` (what `zodRoutes` and
 * `installOpenApi` set anyway); a response schema is refused when its route is registered, since
 * replies are plain `JSON.stringify` here. Pass it as `fastify({ schemaController: zodSchemaController })`.
 */
export const zodSchemaController: SchemaControllerOptions = {
  compilersFactory: {
    // Fastify's types expect Ajv's compiler here; the one every route of these apps gets is zod's.
    buildValidator: (() => zodValidatorCompiler) as unknown as CompilersFactory["buildValidator"],
    buildSerializer: () => () => {
      throw new Error(
        "response schemas are not compiled in this app: replies are serialized with JSON.stringify"
      );
    }
  }
};
