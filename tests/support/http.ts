import { eventually as sharedEventually, type Reading } from "@baa/test-support";

/** JSON over fetch; `body` is the parsed answer (or null when it was not JSON). */
export async function request(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {}
) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    (init.headers as Record<string, string>)["content-type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

export const getJson = (url: string) => request("GET", url);
export const postJson = (url: string, body: unknown) => request("POST", url, body);

/**
 * `eventually` of @baa/test-support with the timeout as a plain third argument, as the e2e tests
 * call it: the deadline is generous because it only matters when something is wrong, and a loaded
 * 2-core machine can be many times slower than an idle one.
 */
export function eventually<T>(read: () => Promise<Reading<T>>, what: string, timeoutMs = 60_000): Promise<T> {
  return sharedEventually(read, what, { timeoutMs });
}
