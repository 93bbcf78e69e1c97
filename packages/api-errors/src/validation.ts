import type { z } from "zod";
import { AppError } from "./app-error.js";

/** Parses input with a zod schema; a failure is a 400 that names each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = "body"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : what;
    return `${path}: ${issue.message}`;
  });
  throw new AppError("validation_failed", 400, `invalid ${what}: ${problems.join("; ")}`);
}
