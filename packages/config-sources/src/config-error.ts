/** A service's configuration was refused; `problems` holds every bad key, one line each. */
export class InvalidConfigError extends Error {
  readonly problems: readonly string[];

  constructor(service: string, problems: readonly string[]) {
    super(`invalid ${service} config: ${problems.join("; ")}`);
    this.name = "InvalidConfigError";
    this.problems = problems;
  }
}

/**
 * Runs the schema (`normalize`) even when reading the sources found problems, so one error lists
 * them all: the reading's first, then the schema's. `fail` builds the service's own error.
 */
export function normalizeOrFail<T>(
  problems: readonly string[],
  normalize: () => T,
  fail: (problems: readonly string[]) => InvalidConfigError
): T {
  let config: T;
  try {
    config = normalize();
  } catch (error) {
    if (error instanceof InvalidConfigError) throw fail([...problems, ...error.problems]);
    throw error;
  }
  if (problems.length > 0) throw fail(problems);
  return config;
}
