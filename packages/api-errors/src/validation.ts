import type { FastifySchemaCompiler } from "fastify";
import type { z } from "zod";
import { AppError } from "./app-error.js";

/** Parses input with a zod schema; a failure is a 400 that names each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = "body"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues, what);
}

/** The 400 `validation_failed` for zod issues: `invalid <what>: <field>: <problem>; …`. */
export function invalidInput(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  what: string
): AppError {
  const problems = issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : what;
    return `${path}: ${issue.message}`;
  });
  return new AppError("validation_failed", 400, `invalid ${what}: ${problems.join("; ")}`);
}

/** What a request part is called in messages: the words `parseInput` callers always used. */
export const REQUEST_PART_NAMES: Readonly<Record<string, string>> = {
  body: "body",
  querystring: "query",
  params: "path",
  headers: "headers"
};

/**
 * Fastify's validator compiler for routes whose `schema` holds zod schemas (the same schemas
 * the OpenAPI document is built from): a failure is the `validation_failed` AppError of
 * `parseInput`, so the answer is the shared 400 naming the field. A request without a body
 * reaches a body schema as `undefined` (Fastify hands validators `null`): an optional body
 * says so with `.optional()` or `.default({})`.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const what = REQUEST_PART_NAMES[httpPart ?? "body"] ?? httpPart ?? "body";
  return (data: unknown) => {
    const result = schema.safeParse(httpPart === "body" && data === null ? undefined : data);
    if (result.success) return { value: result.data };
    return { error: invalidInput(result.error.issues, what) };
  };
};
